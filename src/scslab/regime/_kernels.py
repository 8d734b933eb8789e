"""Compiled sequential path of the engine for plain point acts (numba).

Applies a day's records one by one in file order, so caps and score bounds see exactly the
score left by the previous record, and updates band counts in the same pass. The engine uses
it only when every record of the day is a plain point act (points, drop-to-band cap, score
bounds) and the regime has no list band overrides, triggers or windows; everything else goes
through the vectorised rank passes. Both paths give identical results (tested).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _band(score: int | np.integer, band_asc: np.ndarray, n_score_bands: int, bottom_open: bool,
          no_band: int) -> int:
    k = 0
    while k < band_asc.shape[0] and band_asc[k] <= score:
        k += 1
    if bottom_open:
        return n_score_bands - 1 - k
    return no_band if k == 0 else n_score_bands - k


@njit(cache=True, nogil=True)
def apply_points(subj: np.ndarray, act: np.ndarray, score: np.ndarray, points: np.ndarray,
                 cap: np.ndarray, lo: int, hi: int, band_asc: np.ndarray, n_score_bands: int,
                 bottom_open: bool, band_counts: np.ndarray,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Apply point records in order.

    Args:
        subj: subject row of each record (int64).
        act: act index of each record (int64).
        score: every subject's score (int32), updated in place.
        points: points per act (int64).
        cap: score ceiling per act after drop_to_band (int32; NO_CAP if none).
        lo: lower score bound; ``lo > hi`` is never given; pass an extreme value for "none".
        hi: upper score bound; pass an extreme value for "none".
        band_asc: ascending band thresholds, as in :func:`scslab.regime.tables.band_index`.
        n_score_bands: number of score bands.
        bottom_open: whether the lowest band has no minimum.
        band_counts: updated in place (last slot = no band).

    Returns:
        (delta, score_after, limit flag (0 none, 1 max, 2 min), sum of deltas).
    """
    k = subj.shape[0]
    delta = np.empty(k, np.int32)
    after = np.empty(k, np.int32)
    flag = np.zeros(k, np.int8)
    total = 0
    no_band = band_counts.shape[0] - 1
    has_bands = n_score_bands > 0
    # Touch every record's score first: these loads are independent, so their cache misses
    # overlap; the sequential pass below then finds the scores in cache.
    touch = np.int64(0)
    for i in range(k):
        touch += score[subj[i]]
    if touch == np.iinfo(np.int64).min:  # never true; keeps the loop from being optimised away
        flag[0] = 3
    for i in range(k):
        s = subj[i]
        a = act[i]
        old = np.int64(score[s])
        new = min(old + points[a], np.int64(cap[a]))
        if new > hi:
            new = hi
            flag[i] = 1
        elif new < lo:
            new = lo
            flag[i] = 2
        if has_bands:
            b0 = _band(old, band_asc, n_score_bands, bottom_open, no_band)
            b1 = _band(new, band_asc, n_score_bands, bottom_open, no_band)
            if b0 != b1:
                band_counts[b0] -= 1
                band_counts[b1] += 1
        score[s] = new
        delta[i] = new - old
        after[i] = new
        total += new - old
    return delta, after, flag, total


@njit(cache=True, nogil=True)
def distinct(x: np.ndarray, mark: np.ndarray) -> np.ndarray:
    """The distinct values of ``x`` (subject rows), in first-seen order, in O(len(x)).

    ``mark`` is a scratch bool array over every row, all False on entry and on return. numpy's
    unique sorts or hashes the whole batch; a day's touched subjects need neither.
    """
    out = np.empty(x.shape[0], np.int64)
    k = 0
    for v in x:
        if not mark[v]:
            mark[v] = True
            out[k] = v
            k += 1
    for i in range(k):
        mark[out[i]] = False
    return out[:k]


@njit(cache=True, nogil=True)
def occurrence_rank(x: np.ndarray, n: int) -> tuple[np.ndarray, int]:
    """Per entry of ``x`` (subject rows below ``n``), how many earlier entries share its row.

    Returns (ranks (int32), the highest rank + 1). One pass with a transient counter per row:
    the rank passes then select by rank instead of sorting the day's records once per pass.
    """
    count = np.zeros(n, np.int32)
    rank = np.empty(x.shape[0], np.int32)
    top = 0
    for i in range(x.shape[0]):
        r = count[x[i]]
        rank[i] = r
        count[x[i]] = r + 1
        if r + 1 > top:
            top = r + 1
    return rank, top


@njit(cache=True, nogil=True)
def recount(s: np.ndarray, band: np.ndarray, on_since: np.ndarray, off_since: np.ndarray,
            never: int, where: np.ndarray, now: np.ndarray) -> bool:
    """Move subjects ``s`` (may repeat) to their band ``band`` in one compound group's counts.

    A subject counts in the group while it is on the list whose listing days are ``on_since``
    and not on that of ``off_since`` (empty: no such condition; ``never``: not listed), else
    not at all (-1). ``where`` (int16, the group's band per subject) and ``now`` (its counts,
    last slot: no band) are updated in place. Returns whether a count moved. A repeat finds
    its subject already moved, so no distinct pass is needed.
    """
    moved = False
    for i in range(s.shape[0]):
        x = s[i]
        ok = (on_since.shape[0] == 0 or on_since[x] != never) and \
            (off_since.shape[0] == 0 or off_since[x] == never)
        new = np.int16(band[i]) if ok else np.int16(-1)
        old = where[x]
        if new != old:
            if old >= 0:
                now[old] -= 1
            if new >= 0:
                now[new] += 1
            where[x] = new
            moved = True
    return moved
