"""The ledger: every change a regime makes, as data (a rule code plus structured fields).

Lines are kept as column chunks (numpy arrays; a field that is the same for a whole chunk is
kept as a scalar until :meth:`Ledger.drain`), so a day of 10^4 lines costs a few appends, not
10^4 Python objects. The codes and fields are documented in :mod:`scslab.regime.rules`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TypedDict

import numpy as np

from scslab.regime.rules import NEVER

NO_SCORE = np.iinfo(np.int32).min  # score_after of regimes without a score
SYSTEM_ACT = -1  # act index of lines made by the calendar or an update (expiry, term end, ...)

Column = int | np.ndarray
"""A ledger field for a chunk of lines: one value for all of them, or one per line."""


class LineFields(TypedDict, total=False):
    """The structured fields of a chunk of lines (see :mod:`scslab.regime.rules`); omitted: none."""

    lst: Column
    until: Column
    ref: Column
    amount: float | np.ndarray
    item: Column


@dataclass
class LedgerLines:
    """Ledger lines as columns (one entry per line)."""

    day: np.ndarray  # int32 day number
    subject: np.ndarray  # int32 subject row
    act: np.ndarray  # int16 act index, SYSTEM_ACT for calendar and update lines
    delta: np.ndarray  # int32 change of the score [points]
    score_after: np.ndarray  # int32 score after the line (NO_SCORE: the regime has none)
    rule: np.ndarray  # int16 :class:`~scslab.regime.rules.Rule` code
    list: np.ndarray  # int16 list index, -1 none
    until: np.ndarray  # int32 day the line sets (NEVER none)
    ref: np.ndarray  # int32 day or year the line refers to (NEVER none)
    amount: np.ndarray  # float64 number the line carries (NaN none)
    item: np.ndarray  # int32 window, trigger, class or act index (-1 none)

    def __len__(self) -> int:
        return len(self.subject)

    def take(self, idx: np.ndarray) -> LedgerLines:
        """The lines at positions ``idx``."""
        return LedgerLines(*(getattr(self, f.name)[idx] for f in fields(self)))

    def canonical(self) -> LedgerLines:
        """These lines by day, then subject; a subject's lines of one day in the order made.

        The order of lines made for different subjects on one day depends on how subjects were
        grouped (partitions, workers); this order does not, so run folders are byte-identical.
        """
        if len(self) < 2:
            return self
        key = (self.day.astype(np.int64) << 32) | self.subject.astype(np.int64)
        if not (np.diff(key) < 0).any():
            return self
        return self.take(np.argsort(key, kind="stable"))


# One add: (lines, day, subject, act, delta, score_after, rule, list, until, ref, amount, item).
_Chunk = tuple[int, int, np.ndarray, Column, Column, Column, Column, Column, Column, Column,
               float | np.ndarray, Column]

_DTYPES = (np.int32, np.int32, np.int16, np.int32, np.int32, np.int16, np.int16, np.int32,
           np.int32, np.float64, np.int32)


class Ledger:
    """Accumulates ledger lines day by day.

    Args:
        keep: if False, lines are counted but not stored (benchmarks).
    """

    def __init__(self, keep: bool = True) -> None:
        self.keep = keep
        self._chunks: list[_Chunk] = []
        self.n_lines = 0

    def add(self, day: int, subject: np.ndarray, act: Column, delta: Column, score_after: Column,
            rule: Column, *, lst: Column = -1, until: Column = NEVER, ref: Column = NEVER,
            amount: float | np.ndarray = np.nan, item: Column = -1) -> None:
        """Append lines; scalars broadcast to the length of ``subject``."""
        k = len(subject)
        if k == 0:
            return
        self.n_lines += k
        if self.keep:
            self._chunks.append((k, day, subject, act, delta, score_after, rule, lst, until, ref,
                                 amount, item))

    def drain(self, canonical: bool = True) -> LedgerLines:
        """All lines stored since the last drain, in canonical order (see :meth:`LedgerLines.canonical`).

        Args:
            canonical: False hands them over in the order they were made, for a caller that
                sorts them itself (the run writer does, in its own thread).
        """
        chunks, self._chunks = self._chunks, []
        cols = []
        for j, dtype in enumerate(_DTYPES):
            parts = []
            for c in chunks:
                x = np.asarray(c[j + 1], dtype)
                parts.append(np.full(c[0], x, dtype) if x.ndim == 0 else x)
            cols.append(np.concatenate(parts) if parts else np.zeros(0, dtype))
        lines = LedgerLines(*cols)
        return lines.canonical() if canonical else lines
