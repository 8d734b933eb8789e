"""The ledger: every change a regime makes, as data (a rule code plus structured fields).

Lines are kept as column chunks (numpy arrays; a field that is the same for a whole chunk is
kept as a scalar until :meth:`Ledger.drain`), so a day of 10^4 lines costs a few appends, not
10^4 Python objects. The codes and fields are documented in :mod:`scslab.regime.rules`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TypedDict

import numpy as np
from numba import njit

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
        order = canonical_order(self.day, self.subject)
        return self if order is None else self.take(order)


@njit(cache=True, nogil=True)
def _radix_by_subject(subject: np.ndarray, lo: int, hi: int, order: np.ndarray,
                      tmp: np.ndarray, bits: int) -> None:
    """Stable LSD radix sort (11-bit digits) of positions lo..hi-1 by ``subject``, into ``order``."""
    n = hi - lo
    for i in range(n):
        order[lo + i] = lo + i
    shift = 0
    while shift < bits:
        counts = np.zeros(2049, np.int64)
        for i in range(lo, hi):
            counts[((subject[order[i]] >> shift) & 2047) + 1] += 1
        for d in range(2048):
            counts[d + 1] += counts[d]
        for i in range(lo, hi):
            o = order[i]
            d = (subject[o] >> shift) & 2047
            tmp[lo + counts[d]] = o
            counts[d] += 1
        for i in range(lo, hi):
            order[i] = tmp[i]
        shift += 11


@njit(cache=True, nogil=True)
def _day_runs_order(day: np.ndarray, subject: np.ndarray) -> np.ndarray:
    """Canonical order of lines whose days never decrease: each day's run sorted by subject."""
    n = day.shape[0]
    order = np.empty(n, np.int64)
    tmp = np.empty(n, np.int64)
    lo = 0
    while lo < n:
        hi = lo + 1
        top = subject[lo]
        while hi < n and day[hi] == day[lo]:
            top = max(top, subject[hi])
            hi += 1
        bits = 1
        while (np.int64(1) << bits) <= top:
            bits += 1
        _radix_by_subject(subject, lo, hi, order, tmp, bits)
        lo = hi
    return order


def canonical_order(day: np.ndarray, subject: np.ndarray) -> np.ndarray | None:
    """Positions of lines in canonical order (day, then subject, stable); None: already so.

    Lines arrive day by day, so a day's lines form one run, sorted in cache by a radix sort
    (about 3 times faster than one global stable sort); any other input takes that sort.
    """
    key = (day.astype(np.int64) << 32) | subject.astype(np.int64)
    step = np.diff(key)
    if not (step < 0).any():
        return None
    if (np.diff(day) < 0).any():
        return np.argsort(key, kind="stable")
    return _day_runs_order(day, subject)


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
