"""The live friendship graph: symmetric, undirected, edited in time proportional to the edits.

Layout (struct of arrays): person ``p``'s friends are ``nbr[start[p] : start[p] + deg[p]]``,
**sorted ascending**, in a slot range of ``cap[p] >= deg[p]`` entries. Rows are built with
slack (``deg + max(2, deg // 4)`` slots), so most additions fill a free slot; a full row moves to
the end of the pool with 1.5x its capacity (amortised O(1) per addition), the pool grows by an
eighth when it must, and it is compacted once the slots left behind by moved rows exceed a
quarter of those in use (amortised again). Memory:
16 bytes per person (``start`` int64, ``deg`` and ``cap`` int32) and 4 per slot, against 8 and 4
for a bare CSR.

Why sorted rows and not tombstones or swap-remove: a row's contents (and their order) are then
a function of the set of ties alone, never of the history of edits, so whoever reads a row
(shaming's draws, the friends' mean) sees the same thing however a day's edits were grouped
(``--partitions``); finding, inserting and removing a friend costs O(degree), which is small
(mean degree 0-10). Readers never skip removed slots: ``deg`` is the live count.

Edits (:meth:`Friends.drop`, :meth:`Friends.add`) take arrays of pairs, normalise them to
``(min, max)``, drop self loops and repeats, and apply them in sorted pair order.
:func:`review_ties` is the behaviour's kernel: persons reviewing their ties on a day.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from scslab.rng import Keyed, philox, u01
from scslab.society.graph import symmetric_csr

_SHIFT = np.int64(31)  # pair key (a << 31) | b: persons < 2^31 (scslab.limits.PERSONS)
_MASK = np.int64((1 << 31) - 1)
_DROP_DRAW = 1 << 31  # review_ties: draw index of a drop is _DROP_DRAW | friend, of a seek 0..tries


class Rows(NamedTuple):
    """Raw view of the graph for compiled kernels; valid until the next :meth:`Friends.add`.

    Person ``p``'s friends are ``nbr[start[p] : start[p] + deg[p]]``, sorted ascending.
    """

    start: np.ndarray  # int64 per person
    deg: np.ndarray  # int32 per person
    nbr: np.ndarray  # int32 slots


# --------------------------------------------------------------------------------- kernels
@njit(cache=True, nogil=True)
def _clean(indptr: np.ndarray, indices: np.ndarray, n: int) -> bool:
    """Whether a CSR is already simple and symmetric.

    That is: rows strictly increasing, no self loop, every entry in range and mirrored.
    """
    for i in range(n):
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            if j < 0 or j >= n or j == i or (k > indptr[i] and indices[k - 1] >= j):
                return False
            lo, hi = indptr[j], indptr[j + 1]
            while lo < hi:  # binary search for i in row j
                mid = (lo + hi) // 2
                if indices[mid] < i:
                    lo = mid + 1
                else:
                    hi = mid
            if lo == indptr[j + 1] or indices[lo] != i:
                return False
    return True


@njit(cache=True, nogil=True)
def _spread(indptr: np.ndarray, indices: np.ndarray, start: np.ndarray, nbr: np.ndarray) -> None:
    """Copy CSR rows into their slack layout."""
    for i in range(start.shape[0]):
        s = start[i]
        for k in range(indptr[i], indptr[i + 1]):
            nbr[s + k - indptr[i]] = indices[k]


@njit(cache=True, nogil=True, inline="always")
def _find(nbr: np.ndarray, s: int, d: int, v: int) -> tuple[int, bool]:
    """(position, found) of ``v`` in the sorted row ``nbr[s:s+d]``; else where it would go."""
    lo, hi = s, s + d
    while lo < hi:
        mid = (lo + hi) // 2
        if nbr[mid] < v:
            lo = mid + 1
        else:
            hi = mid
    return lo, lo < s + d and nbr[lo] == v


@njit(cache=True, nogil=True)
def _has(start: np.ndarray, deg: np.ndarray, nbr: np.ndarray, a: np.ndarray,
         b: np.ndarray) -> np.ndarray:
    out = np.empty(a.shape[0], np.bool_)
    for k in range(a.shape[0]):
        u, v = a[k], b[k]
        if deg[v] < deg[u]:  # search the shorter row
            u, v = v, u
        _, out[k] = _find(nbr, start[u], deg[u], v)
    return out


@njit(cache=True, nogil=True, inline="always")
def _remove(start: np.ndarray, deg: np.ndarray, nbr: np.ndarray, u: int, v: int) -> bool:
    pos, found = _find(nbr, start[u], deg[u], v)
    if not found:
        return False
    end = start[u] + deg[u] - 1
    for k in range(pos, end):
        nbr[k] = nbr[k + 1]
    deg[u] -= 1
    return True


@njit(cache=True, nogil=True)
def _drop(start: np.ndarray, deg: np.ndarray, nbr: np.ndarray, a: np.ndarray,
          b: np.ndarray) -> int:
    """Remove ties (a[k], b[k]) in order, both directions; return how many existed."""
    count = 0
    for k in range(a.shape[0]):
        if _remove(start, deg, nbr, a[k], b[k]):
            _remove(start, deg, nbr, b[k], a[k])  # the graph is symmetric: it is there too
            count += 1
    return count


@njit(cache=True, nogil=True, inline="always")
def _insert(start: np.ndarray, deg: np.ndarray, nbr: np.ndarray, u: int, v: int) -> None:
    pos, _ = _find(nbr, start[u], deg[u], v)
    for k in range(start[u] + deg[u], pos, -1):
        nbr[k] = nbr[k - 1]
    nbr[pos] = v
    deg[u] += 1


@njit(cache=True, nogil=True)
def _add(start: np.ndarray, deg: np.ndarray, nbr: np.ndarray, a: np.ndarray,
         b: np.ndarray) -> None:
    """Insert absent ties (a[k], b[k]) in order, both directions; rows have room (reserved)."""
    for k in range(a.shape[0]):
        _insert(start, deg, nbr, a[k], b[k])
        _insert(start, deg, nbr, b[k], a[k])


@njit(cache=True, nogil=True)
def _move(start: np.ndarray, deg: np.ndarray, src: np.ndarray, dst: np.ndarray, rows: np.ndarray,
          at: np.ndarray) -> None:
    """Copy the live part of each row ``rows[i]`` from ``src`` to ``dst[at[i]:]``."""
    for i in range(rows.shape[0]):
        r = rows[i]
        s = start[r]
        for k in range(deg[r]):
            dst[at[i] + k] = src[s + k]
        start[r] = at[i]


@njit(cache=True, nogil=True)
def _gather(start: np.ndarray, deg: np.ndarray, nbr: np.ndarray, indptr: np.ndarray,
            out: np.ndarray) -> None:
    for i in range(start.shape[0]):
        s = start[i]
        for k in range(deg[i]):
            out[indptr[i] + k] = nbr[s + k]


@njit(cache=True, nogil=True)
def _assortativity(start: np.ndarray, deg: np.ndarray, nbr: np.ndarray, score: np.ndarray) -> float:
    """Pearson correlation of (score[u], score[v]) over directed ties.

    Both ends share one mean and variance, so r = sum (s_u - m)(s_v - m) / sum deg_u (s_u - m)^2
    (two passes: no cancellation of large sums).
    """
    m = 0
    total = 0.0
    for i in range(start.shape[0]):
        m += deg[i]
        total += deg[i] * np.float64(score[i])
    if m == 0:
        return np.nan
    mean = total / m
    sxx = 0.0
    sxy = 0.0
    for i in range(start.shape[0]):
        di = np.float64(score[i]) - mean
        sxx += deg[i] * di * di
        for k in range(start[i], start[i] + deg[i]):
            sxy += di * (np.float64(score[nbr[k]]) - mean)
    if sxx <= 0.0:
        return np.nan
    return sxy / sxx


@njit(cache=True, nogil=True)
def _means(start: np.ndarray, deg: np.ndarray, nbr: np.ndarray, score: np.ndarray, rows: int,
           default: float, out: np.ndarray) -> None:
    """Friends' mean score of persons ``0..rows-1``; friends ``>= len(score)`` do not count."""
    ns = score.shape[0]
    for i in range(rows):
        total = 0.0
        c = 0
        for k in range(start[i], start[i] + deg[i]):
            j = nbr[k]
            if j < ns:
                total += np.float64(score[j])
                c += 1
        out[i] = total / c if c else default


# ------------------------------------------------------------------------------ the graph
def pair_keys(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Sorted unique int64 keys ``(min << 31) | max`` of the pairs, self loops left out."""
    u = np.asarray(u, np.int64)
    v = np.asarray(v, np.int64)
    a, b = np.minimum(u, v), np.maximum(u, v)
    keep = a != b
    return np.unique((a[keep] << _SHIFT) | b[keep])


def key_ends(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The two ends (int64) of pair keys made by :func:`pair_keys`."""
    return keys >> _SHIFT, keys & _MASK


class Friends:
    """A symmetric undirected graph over persons ``0..n-1`` that changes during a run.

    Build it with :meth:`from_csr`; see the module docstring for the layout. ``dropped`` and
    ``formed`` count every tie removed and added since it was built (each edit call also returns
    its own count, for the caller's per-day figures).
    """

    def __init__(self, start: np.ndarray, deg: np.ndarray, cap: np.ndarray, nbr: np.ndarray,
                 used: int) -> None:
        self.n = len(start)
        self.start, self.deg, self.cap, self.nbr = start, deg, cap, nbr
        self.used = used  # slots in use at the front of nbr (live rows and their slack, or left)
        self.garbage = 0  # slots left behind by rows that moved
        self.n_ties = int(deg.sum(dtype=np.int64)) // 2
        self.dropped = 0
        self.formed = 0
        self.review_day: int | None = None  # review_ties' journal of the day (see there)
        self.sought = np.zeros(0, np.int64)
        self.removed = np.zeros(0, np.int64)

    @classmethod
    def from_csr(cls, indptr: np.ndarray, indices: np.ndarray, n: int | None = None,
                 simple: bool = False) -> Friends:
        """The graph of a CSR over ``n`` persons (default: its rows), in O(edges).

        A simple symmetric CSR is copied as it is; any other is read as a list of undirected
        ties (``i - indices[k]``), made symmetric, without self loops or repeats. ``simple``:
        the caller guarantees the CSR is simple and symmetric with ascending rows (the society's
        builder makes it so), which skips the check, a random access per entry (about 1 s per
        10^6 persons at 6 friends each).
        """
        indptr = np.asarray(indptr, np.int64)
        indices = np.asarray(indices)[:indptr[-1]]
        rows = len(indptr) - 1
        n = rows if n is None else n
        if rows > n or (len(indices) and (indices.min() < 0 or indices.max() >= n)):
            raise ValueError(f"a friend graph over {n} persons has rows or friends beyond them")
        if rows < n:
            indptr = np.concatenate([indptr, np.full(n - rows, indptr[-1], np.int64)])
        indices = indices.astype(np.int32)
        if not simple and not _clean(indptr, indices, n):
            src = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
            indptr, indices = symmetric_csr(n, src, indices.astype(np.int64))
        deg = np.diff(indptr).astype(np.int32)
        cap = deg + np.maximum(2, deg // 4)
        start = np.zeros(n, np.int64)
        np.cumsum(cap[:-1], out=start[1:])
        used = int(start[-1] + cap[-1]) if n else 0
        nbr = np.zeros(used, np.int32)
        _spread(indptr, indices, start, nbr)
        return cls(start, deg, cap, nbr, used)

    # ------------------------------------------------------------------------ reading
    def rows(self) -> Rows:
        """The raw arrays for compiled kernels (valid until the next :meth:`add`)."""
        return Rows(self.start, self.deg, self.nbr)

    def degree(self, p: np.ndarray | int) -> np.ndarray:
        """Live ties of persons ``p``."""
        return self.deg[p]

    def neighbours(self, p: int) -> np.ndarray:
        """Friends of person ``p``, ascending (a copy, int32)."""
        s = self.start[p]
        return self.nbr[s:s + self.deg[p]].copy()

    def has(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Whether each pair (u[k], v[k]) is a tie (a self pair never is)."""
        a, b = self._check(u, v)
        return _has(self.start, self.deg, self.nbr, a, b) & (a != b)

    def csr(self) -> tuple[np.ndarray, np.ndarray]:
        """A compact copy: (indptr int64, indices int32), rows ascending."""
        indptr = np.zeros(self.n + 1, np.int64)
        np.cumsum(self.deg, out=indptr[1:])
        out = np.empty(indptr[-1], np.int32)
        _gather(self.start, self.deg, self.nbr, indptr, out)
        return indptr, out

    def assortativity(self, score: np.ndarray) -> float:
        """Pearson correlation of the two ends' scores over all ties, each in both directions.

        NaN without ties or without variance. O(persons + ties): once per aggregation period.
        """
        score = np.asarray(score)
        if len(score) < self.n:
            raise ValueError(f"scores for {len(score)} persons, the graph has {self.n}")
        return float(_assortativity(self.start, self.deg, self.nbr, score))

    def mean_of(self, score: np.ndarray, default: float) -> np.ndarray:
        """Each subject's friends' mean score (float64), ``default`` without friends.

        One entry per score; subjects beyond the graph have no friends, and friends beyond
        ``len(score)`` do not count. O(persons + ties).
        """
        score = np.asarray(score)
        out = np.full(len(score), default, np.float64)
        _means(self.start, self.deg, self.nbr, score, min(self.n, len(score)), float(default), out)
        return out

    # ------------------------------------------------------------------------ editing
    def drop(self, u: np.ndarray, v: np.ndarray) -> int:
        """Remove the ties (u[k], v[k]), both directions; return how many fell.

        Missing ties and self pairs are ignored. O(pairs x degree).
        """
        self._check(u, v)
        a, b = key_ends(pair_keys(u, v))
        count = int(_drop(self.start, self.deg, self.nbr, a, b)) if len(a) else 0
        self.n_ties -= count
        self.dropped += count
        return count

    def add(self, u: np.ndarray, v: np.ndarray) -> int:
        """Add the ties (u[k], v[k]), both directions; return how many formed.

        Existing ties and self pairs are ignored. Amortised O(pairs x degree).
        """
        self._check(u, v)
        a, b = key_ends(pair_keys(u, v))
        if not len(a):
            return 0
        new = ~_has(self.start, self.deg, self.nbr, a, b)
        a, b = a[new], b[new]
        if not len(a):
            return 0
        self._reserve(np.concatenate([a, b]))
        _add(self.start, self.deg, self.nbr, a, b)
        self.n_ties += len(a)
        self.formed += len(a)
        return len(a)

    def _check(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a, b = np.asarray(u, np.int64).ravel(), np.asarray(v, np.int64).ravel()
        if a.shape != b.shape:
            raise ValueError(f"pairs need as many u as v, got {len(a)} and {len(b)}")
        for x in (a, b):
            if len(x) and (x.min() < 0 or x.max() >= self.n):
                raise ValueError(f"a pair names a person outside 0..{self.n - 1}")
        return a, b

    def _reserve(self, ends: np.ndarray) -> None:
        """Make room for one more friend per entry of ``ends``: full rows move to the pool's end."""
        r, cnt = np.unique(ends, return_counts=True)
        need = self.deg[r].astype(np.int64) + cnt
        full = need > self.cap[r]
        if not full.any():
            return
        r, need = r[full], need[full]
        cap = self.cap[r].astype(np.int64)
        new_cap = np.maximum(need, cap + np.maximum(2, cap // 2))
        if self.garbage > self.used // 4:
            self._compact()
        total = int(new_cap.sum())
        if self.used + total > len(self.nbr):
            # Grow by an eighth: copies stay amortised O(1) per slot, memory stays near the need.
            grown = np.zeros(max(self.used + total, len(self.nbr) + len(self.nbr) // 8 + 64),
                             np.int32)
            grown[:self.used] = self.nbr[:self.used]
            self.nbr = grown
        at = self.used + np.concatenate([[0], np.cumsum(new_cap[:-1])]).astype(np.int64)
        _move(self.start, self.deg, self.nbr, self.nbr, r, at)
        self.garbage += int(cap.sum())
        self.cap[r] = new_cap
        self.used += total

    def _compact(self) -> None:
        """Lay the rows out again in person order, each keeping its capacity: O(slots)."""
        start = np.zeros(self.n, np.int64)
        np.cumsum(self.cap[:-1], out=start[1:])
        nbr = np.zeros(len(self.nbr), np.int32)
        _move(self.start, self.deg, self.nbr, nbr, np.arange(self.n, dtype=np.int64), start)
        self.nbr = nbr
        self.used = int(start[-1] + self.cap[-1]) if self.n else 0
        self.garbage = 0


# ------------------------------------------------------------------------------ reviews
@njit(cache=True, nogil=True)
def _decide(start: np.ndarray, deg: np.ndarray, nbr: np.ndarray, reviewers: np.ndarray,
            score: np.ndarray, day: int, k0: int, k1: int, sid: int, drop_below: float,
            p_drop: float, seek_above: float, p_seek: float, tries: int,
            n: int, accept_above: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each reviewer's drops (friends below ``drop_below``, each with p_drop) and seek."""
    cnt = 0
    for r in reviewers:
        cnt += deg[r]
    da = np.empty(cnt, np.int64)
    db = np.empty(cnt, np.int64)
    sa = np.empty(reviewers.shape[0], np.int64)
    sb = np.empty(reviewers.shape[0], np.int64)
    nd = 0
    ns = 0
    for r in reviewers:
        for k in range(start[r], start[r] + deg[r]):
            f = nbr[k]
            if score[f] < drop_below:
                x0, _, _, _ = philox(r, day, _DROP_DRAW | f, sid, k0, k1)
                if u01(x0) < p_drop:
                    da[nd] = r
                    db[nd] = f
                    nd += 1
        x0, _, _, _ = philox(r, day, 0, sid, k0, k1)
        if u01(x0) < p_seek and score[r] >= accept_above:
            for j in range(tries):
                w, _, _, _ = philox(r, day, 1 + j, sid, k0, k1)
                c = min(n - 1, int(u01(w) * n))
                if c != r and score[c] >= seek_above:
                    sa[ns] = r
                    sb[ns] = c
                    ns += 1
                    break
    return da[:nd], db[:nd], sa[:ns], sb[:ns]


def review_ties(friends: Friends, reviewers: np.ndarray, score: np.ndarray, day: int,
                stream: Keyed, drop_below: float, p_drop: float, seek_above: float,
                p_seek: float, tries: int, accept_above: float = -np.inf) -> tuple[int, int]:
    """Persons ``reviewers`` (sorted, unique) review their ties on ``day``.

    Each reviewer ``r`` drops each friend ``f`` with ``score[f] < drop_below`` with probability
    ``p_drop`` (uniform keyed ``(r, day, 2^31 | f)``); and with probability ``p_seek`` (keyed
    ``(r, day, 0)``) draws up to ``tries`` persons uniformly (draw ``j`` keyed ``(r, day, 1 + j)``)
    and seeks a tie with the first, other than ``r``, whose ``score >= seek_above`` (an existing
    friend too: the tie is then confirmed). Only a reviewer scoring at least ``accept_above``
    seeks (so a scenario can have those sought accept only their like). Keys name the reviewer and the friend,
    never a position in the batch or in a row.

    One day's result, over all calls with that ``day`` (persons in several batches, in any
    order, as ``--partitions`` makes them): with ``G0`` the graph when the day's first call
    starts, ``D`` the drops and ``A`` the seeks decided from ``G0`` and ``score``, the graph
    becomes ``(G0 - D) | A``: drops apply first, then seeks, so a tie both dropped and sought
    that day stays. Within a call, drops and then seeks are applied in sorted pair order.
    The graph keeps a journal of the day (ties sought, ties of ``G0`` dropped) so that a later
    call gives the same result as one call with every reviewer: it never drops a tie sought
    earlier that day, and a tie it re-forms is one the day no longer counts as dropped.
    This holds while every call of a day passes the same ``score`` and nothing else edits the
    graph between them (shaming's drops come in a later phase of the day).

    Returns ``(dropped, formed)``, this call's change to the day's net counts: the day's sums
    are the ties of ``G0`` gone by its end and the ties at its end not in ``G0``. A call that
    re-forms ties an earlier call of the day dropped returns a negative ``dropped``.
    """
    r = np.asarray(reviewers, np.int64)
    if len(r) and (r[0] < 0 or r[-1] >= friends.n or (len(r) > 1 and (np.diff(r) <= 0).any())):
        raise ValueError(f"reviewers must be sorted, unique persons in 0..{friends.n - 1}")
    if len(score) < friends.n:
        raise ValueError(f"scores for {len(score)} persons, the graph has {friends.n}")
    if friends.review_day is None or day > friends.review_day:
        friends.review_day = day
        friends.sought = np.zeros(0, np.int64)
        friends.removed = np.zeros(0, np.int64)
    elif day < friends.review_day:
        raise ValueError(f"review of day {day} after day {friends.review_day}")
    if not len(r):
        return 0, 0
    da, db, sa, sb = _decide(friends.start, friends.deg, friends.nbr, r, np.asarray(score), day,
                             stream.k0, stream.k1, stream.sid, float(drop_below), float(p_drop),
                             float(seek_above), float(p_seek), int(tries), friends.n,
                             float(accept_above))
    seek = pair_keys(sa, sb)
    friends.sought = np.union1d(friends.sought, seek)
    drop = pair_keys(da, db)
    drop = drop[~np.isin(drop, friends.sought, assume_unique=True)]
    n_drop = friends.drop(*key_ends(drop))  # every one is a tie of G0 (the others were sought)
    friends.removed = np.union1d(friends.removed, drop)
    new = seek[~friends.has(*key_ends(seek))]
    friends.add(*key_ends(new))
    back = np.isin(new, friends.removed, assume_unique=True)
    if back.any():
        friends.removed = np.setdiff1d(friends.removed, new[back], assume_unique=True)
    n_back = int(back.sum())
    return n_drop - n_back, len(new) - n_back
