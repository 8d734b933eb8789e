"""Per-subject sums over a sliding window of records, kept incrementally (factor inputs).

:class:`WindowSum` serves the ``window`` inputs of factor scores (:mod:`scslab.regime.factor`).
Its sums are bit for bit those of ``np.bincount`` over the records inside the window in arrival
order, but folded chunk by chunk by a compiled loop: np.bincount would need every chunk
concatenated first, a copy of the whole window (hundreds of MB at 10^6 subjects) on each update.
"""

from __future__ import annotations

import math
from collections import deque
from typing import NamedTuple

import numpy as np
from numba import njit

#: A window's sums are kept incrementally while every partial sum is exact in float64: weights
#: multiples of 2^-k whose absolute values sum to at most 2^(50-k) (2^53 less a margin for the
#: rounding of that bound itself).
_EXACT_BOUND = 2.0 ** 50


def fraction_bits(w: np.ndarray) -> int | None:
    """Fewest fractional bits ``k`` that make every weight a multiple of 2^-k; None if one is not finite.

    Args:
        w: float64 weights.
    """
    k = _fraction_bits(np.asarray(w, np.float64))
    return None if k < 0 else k


@njit(cache=True, nogil=True)
def _fraction_bits(w: np.ndarray) -> int:
    """:func:`fraction_bits` in one compiled pass (-1: a weight is not finite).

    numpy took ~8 passes over a day's weights, 2 ms a day for Sesame's purchases at 10^6.
    """
    k = 0
    for x in w:
        if not math.isfinite(x):
            return -1
        if x == math.trunc(x):
            continue
        m, e = math.frexp(x)  # x = m 2^e, 0.5 <= |m| < 1
        mant = np.int64(abs(math.ldexp(m, 53)))  # the 53-bit significand, an integer
        tz = 0  # its trailing zero bits
        while mant & 1 == 0:
            mant >>= 1
            tz += 1
        k = max(k, 53 - e - tz)
    return k


@njit(cache=True, nogil=True)
def _fold(out: np.ndarray, subjects: np.ndarray, weights: np.ndarray, sign: float) -> None:
    """``out[s] += sign * w`` record by record, in order: np.bincount's own loop, in place.

    With ``sign`` -1 it subtracts (used only while every partial sum is exact, so the order of
    the subtractions cannot matter).
    """
    for i in range(subjects.shape[0]):
        out[subjects[i]] += sign * weights[i]


@njit(cache=True, nogil=True)
def _fold_ones(out: np.ndarray, subjects: np.ndarray, sign: float) -> None:
    """``out[s] += sign`` per record: :func:`_fold` with every weight 1."""
    for i in range(subjects.shape[0]):
        out[subjects[i]] += sign


class _Chunk(NamedTuple):
    """The records of one day for one window."""

    day: int
    subjects: np.ndarray  # int32 where the subjects fit, else int64
    weights: np.ndarray | None  # None: every weight is 1
    bits: int | None  # fraction_bits of the weights
    abs_sum: float  # sum of |weights|


def _fold_chunks(out: np.ndarray, chunks: list[_Chunk] | deque[_Chunk], sign: float) -> None:
    """Fold the chunks' weights into ``out`` in chunk order (``sign`` -1: subtract them).

    From zeros this is bit for bit np.bincount over the concatenated chunks: a count below
    2^53 is exact whether counted as an integer or summed as 1.0s, and weights are summed
    sequentially in both. ``sign * w`` is exact (a sign flip), so nothing else rounds.
    """
    for c in chunks:
        if c.weights is None:
            _fold_ones(out, c.subjects, sign)
        else:
            _fold(out, c.subjects, c.weights, sign)


class WindowSum:
    """Per-subject sum of the weights of the records inside a sliding window, kept incrementally.

    Records arrive day by day (:meth:`add`); :meth:`update` drops those on or before a cutoff day
    for good and returns the sums over the rest. The result is bit for bit that of
    ``np.bincount(subjects, weights, minlength=n)`` over the records after the cutoff, in arrival
    order. While the partial sums are exact in float64 (weights multiples of 2^-k with small
    enough absolute sums, as counts and whole amounts are), the sums are kept incrementally: an
    update costs O(records entering and leaving + n). Otherwise (weights such as 0.1, whose
    rounded sums depend on the order) an update re-sums the records inside, as np.bincount would.

    Chunks are kept in arrival order, so when days never decrease the records leaving are a
    prefix; a day earlier than one already added is still handled, with a filter over the chunks
    (one per day added).
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self._chunks: deque[_Chunk] = deque()  # in the sums, arrival order
        self._new: list[_Chunk] = []  # added since the last update
        self._sum = np.zeros(n)
        self._exact = True  # _sum is the exact sum of _chunks' weights
        self._ordered = True  # days never decreased
        self._last_day: int | None = None
        self._index = np.int32 if n <= np.iinfo(np.int32).max else np.int64

    def add(self, day: int, subjects: np.ndarray, weights: np.ndarray | None = None) -> None:
        """Note one day's records: O(records).

        Args:
            day: the records' day.
            subjects: subject row of each record (each below ``n``).
            weights: weight of each record (float); None: 1 each.
        """
        if not len(subjects):
            return
        w = None if weights is None or (weights == 1.0).all() else np.array(weights, np.float64)
        bits, abs_sum = (0, float(len(subjects))) if w is None else \
            (fraction_bits(w), float(np.abs(w).sum()))
        day = int(day)
        if self._last_day is not None and day < self._last_day:
            self._ordered = False
        self._last_day = day if self._last_day is None else max(day, self._last_day)
        self._new.append(_Chunk(day, np.array(subjects, self._index), w, bits, abs_sum))

    def update(self, cutoff: int) -> np.ndarray:
        """Drop the records with day <= ``cutoff`` for good; the sums over the rest (a new array).

        Args:
            cutoff: last day that no longer counts.
        """
        incremental = self._exact and self._summable()
        leaving = self._drop(cutoff)
        entering = [c for c in self._new if c.day > cutoff]  # the others left before counting
        self._new = []
        self._chunks.extend(entering)
        if incremental:  # every partial sum is exact: adding and subtracting cannot drift
            _fold_chunks(self._sum, leaving, -1.0)
            _fold_chunks(self._sum, entering, 1.0)
        else:
            self._sum = np.zeros(self.n)
            _fold_chunks(self._sum, self._chunks, 1.0)
            self._exact = self._summable()
        return self._sum.copy()

    def _drop(self, cutoff: int) -> list[_Chunk]:
        """Remove the summed chunks with day <= ``cutoff`` and return them."""
        chunks = self._chunks
        if self._ordered:
            leaving = []
            while chunks and chunks[0].day <= cutoff:
                leaving.append(chunks.popleft())
            return leaving
        leaving = [c for c in chunks if c.day <= cutoff]
        if leaving:
            self._chunks = deque(c for c in chunks if c.day > cutoff)
        return leaving

    def _summable(self) -> bool:
        """Whether every partial sum of the logged weights is exact in float64.

        O(chunks): one per day in the window, not per record.
        """
        k = 0
        for c in (*self._chunks, *self._new):
            if c.bits is None:
                return False
            k = max(k, c.bits)
        total = math.fsum(c.abs_sum for c in (*self._chunks, *self._new))
        return total <= math.ldexp(_EXACT_BOUND, -k)
