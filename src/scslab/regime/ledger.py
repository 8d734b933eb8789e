"""The ledger: every change the engine makes, with the rule that made it.

Lines are kept as column chunks (numpy arrays) and the rule text as codes into a string
table, so a day of 10^4 lines costs a few array appends, not 10^4 Python objects.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NO_SCORE = np.iinfo(np.int32).min  # score_after of regimes without a score
SYSTEM_ACT = -1  # act index of lines made by the calendar (expiry, term end, deletion)


@dataclass
class LedgerLines:
    """Ledger lines as columns: day number, subject row, act index, delta, score after, rule code."""

    day: np.ndarray
    subject: np.ndarray
    act: np.ndarray
    delta: np.ndarray
    score_after: np.ndarray
    rule: np.ndarray

    def __len__(self) -> int:
        return len(self.subject)


class Ledger:
    """Accumulates ledger lines day by day.

    Args:
        keep: if False, lines are counted but not stored (benchmarks).
    """

    def __init__(self, keep: bool = True) -> None:
        self.keep = keep
        self.rules: list[str] = []
        self._codes: dict[str, int] = {}
        self._chunks: list[tuple[np.ndarray, ...]] = []
        self.n_lines = 0

    def code(self, rule: str) -> int:
        """The code of a rule text, adding it to the table if new."""
        c = self._codes.get(rule)
        if c is None:
            c = self._codes[rule] = len(self.rules)
            self.rules.append(rule)
        return c

    def add(self, day: int, subject, act, delta, score_after, rule) -> None:
        """Append lines; scalars broadcast to the length of ``subject``."""
        subject = np.asarray(subject, np.int32)
        k = len(subject)
        if k == 0:
            return
        self.n_lines += k
        if not self.keep:
            return

        def col(x, dtype):
            a = np.asarray(x, dtype)
            return np.full(k, a, dtype) if a.ndim == 0 else a

        self._chunks.append((
            np.full(k, day, np.int32), subject, col(act, np.int16), col(delta, np.int32),
            col(score_after, np.int32), col(rule, np.int32),
        ))

    def drain(self) -> LedgerLines:
        """All lines stored since the last drain, in the order they were made."""
        if not self._chunks:
            e = np.zeros(0, np.int32)
            return LedgerLines(e, e, e.astype(np.int16), e, e, e)
        cols = [np.concatenate(c) for c in zip(*self._chunks, strict=True)]
        self._chunks = []
        return LedgerLines(*cols)
