"""What persons believe about their own file, and so which class their rates take.

A person who knows their score (the ``aware`` share) perceives their true standing whenever
they check it, or at once where checks are not modelled (``checks_per_year`` unset). Anyone,
aware or not, learns what they meet: a listing (lists notify) or a denial puts them in the
restricted rank, which they leave when neither holds any more (docs/behaviour.md#awareness).

Aware persons also notice a fall: below the band they were in (``offset_target = "band"``) or
below the score they started from (``"initial"``); they then offset, doing more rewarded acts,
until they are back (:mod:`scslab.conduct.rates`).

Only persons whose file changed, who checked or who were denied are re-perceived on a day.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from scslab.conduct._kernels import CLASS_MASK, REDRAW_DAY, SHIFT
from scslab.conduct.rates import AWARE_BIT, OFFSET_BIT, klass
from scslab.conduct.standing import CLEAR, NO_BAND, RESTRICTED, Standing
from scslab.regime.rules import NEVER
from scslab.rng import Keyed

_UNSET = np.uint8(NO_BAND)
# Persons per block of perception's visiting order: 2^6, 256 B of int32 state, so the visits run
# nearly in person order (prefetched); measured at 10^6 persons, 2^6 beat 2^4, 2^5 and 2^10.
_BLOCK = 6


class Perception:
    """Per-person beliefs of one society's persons (struct of arrays).

    Args:
        standing: the true ranks of persons.
        n_persons: persons in the society.
        aware_share: share of persons who know their score.
        continuous: aware persons see every change at once (no check events).
        offset_target: "band" or "initial".
        initial: the lead regime's initial score (for "initial") [points].
        stream: keyed stream ``conduct.awareness`` (who is aware is a draw per person).
    """

    def __init__(self, standing: Standing, n_persons: int, aware_share: float, continuous: bool,
                 offset_target: str, initial: int | None, stream: Keyed) -> None:
        self.standing = standing
        self.n_persons = n_persons
        self.aware_share = aware_share
        self.continuous = continuous
        self.by_band = offset_target == "band" and standing.lead is not None
        self.initial = initial if offset_target == "initial" else None
        self.stream = stream
        # Band each aware person last saw, and the band they climb back to (NO_BAND: none).
        self.seen = np.full(n_persons if self.by_band else 0, _UNSET, np.uint8)
        self.target = np.full(n_persons if self.by_band else 0, _UNSET, np.uint8)

    def aware(self, p: np.ndarray) -> np.ndarray:
        """Whether persons ``p`` know their score (a fixed keyed draw per person)."""
        if self.aware_share >= 1:
            return np.ones(len(p), bool)
        if self.aware_share <= 0:
            return np.zeros(len(p), bool)
        return self.stream.uniform(p) < self.aware_share

    def initial_classes(self, p: np.ndarray) -> np.ndarray:
        """Classes of persons ``p`` on the first day (int8)."""
        aware = self.aware(p)
        true = self.standing.rank(p)
        rank = np.where(aware, true, np.where(self.standing.listed(p), RESTRICTED, CLEAR))
        if self.by_band:
            self.seen[p[aware]] = self.standing.band(p[aware])
        offset = np.zeros(len(p), bool)
        if self.initial is not None:
            offset = aware & (self.lead_score(p) < self.initial)
        return klass(rank, offset, aware)

    def lead_score(self, p: np.ndarray) -> np.ndarray:
        """Scores of persons ``p`` in the lead regime (the one offsetting climbs back in)."""
        lead = self.standing.lead
        assert lead is not None
        score = self.standing.engines[lead.regime].score
        assert score is not None
        return score[p]


@njit(cache=True, nogil=True, inline="always")
def _right(a, x):
    """np.searchsorted(a, x, "right") for one value (numba's allocates per call)."""
    lo, hi = 0, a.shape[0]
    while lo < hi:
        mid = (lo + hi) >> 1
        if a[mid] <= x:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, nogil=True)
def _perceive(day, p, base, sees, met, true, listed, lead, band, score, edges, ranks, mins,  # noqa: C901
              since, initial, has_initial, by_band, seen, target, state):
    """Perception's rules, then the restate, in one pass over the day's entries (may repeat).

    The rules are the module docstring's. With a non-empty ``score`` (one scored
    regime, at most one restricting list) the true rank, lead score and band are read inline
    from it (``edges``/``ranks``: its rank steps, ``mins``: its ascending band bounds) and from
    ``since``, the list's listing days (empty: no list; NEVER: not listed); otherwise from
    ``true``, ``listed``, ``lead`` and ``band``. The body is one loop on purpose: split into an
    inlined helper, numba ran it 7x slower.

    Returns (persons to redraw, their previously queued day).
    """
    n = p.shape[0]
    inline = score.shape[0] > 0
    on_list = since.shape[0] > 0
    # Visit the entries grouped by block of persons (a stable counting sort on p >> _BLOCK), so
    # the per-person arrays are read in nearly ascending order, not at random: in file order the
    # day's ~10^5 entries of a 10^6-person society missed cache and TLB on nearly every load.
    # Each person's entries keep their order, and an entry's outcome depends only on its own
    # person's earlier entries, so every outcome is as in file order; the persons to redraw are
    # then listed in file order.
    top = 0
    for i in range(n):
        top = max(top, p[i] >> _BLOCK)
    start = np.zeros(top + 2, np.int64)
    for i in range(n):
        start[(p[i] >> _BLOCK) + 1] += 1
    for blk in range(top + 1):
        start[blk + 1] += start[blk]
    order = np.empty(n, np.int64)
    for i in range(n):
        blk = p[i] >> _BLOCK
        order[start[blk]] = i
        start[blk] += 1
    # The entries' own fields, gathered in visiting order: independent loads whose misses
    # overlap, where the loop below would wait on each one.
    ps = p[order]
    redraw = np.zeros(n, np.bool_)  # per visit
    queued = np.empty(n, np.int64)
    for j in range(n):
        i = order[j]
        s = ps[j]
        q = s + base
        if inline:
            x = np.int64(score[q])
            is_listed = on_list and since[q] != NEVER
            # A restricting list's entry makes the true rank restricted (Standing.rank).
            tr = np.int32(RESTRICTED) if is_listed else np.int32(ranks[_right(edges, x)])
            b = np.int32(max(_right(mins, x) - 1, 0)) if by_band else np.int32(0)
        else:
            x = np.int64(lead[i])
            tr = np.int32(true[i])
            is_listed = listed[i]
            b = np.int32(band[i])
        st = state[s]
        cur = st & CLASS_MASK
        aware = cur & AWARE_BIT
        rank_now = cur & 7
        see = sees[i] and aware != 0
        # What anyone meets: a listing or a denial restricts; the restriction is seen to end
        # once neither holds (until the next check, an aware person keeps their last view).
        if see:
            rank = tr
        elif is_listed or met[i]:
            rank = np.int32(0)
        elif rank_now == 0:
            rank = np.int32(0) if tr == 0 else np.int32(2)
        else:
            rank = rank_now
        off = cur & OFFSET_BIT
        if see:
            if has_initial:
                off = np.int32(OFFSET_BIT) if x < initial else np.int32(0)
            elif by_band:
                sn, tg = np.int32(seen[q]), np.int32(target[q])
                # A fall sets the target to the band fallen from (the higher one if climbing).
                if sn != 255 and b < sn:
                    tg = sn if tg == 255 else max(tg, sn)
                if tg != 255 and b >= tg:
                    tg = np.int32(255)
                seen[q] = b
                target[q] = tg
                off = np.int32(OFFSET_BIT) if tg != 255 else np.int32(0)
        c = rank | off | aware
        if c != cur:
            d = st >> SHIFT
            if d != day and d != REDRAW_DAY:
                redraw[j] = True
                queued[j] = d
                d = np.int32(REDRAW_DAY)
            state[s] = (d << SHIFT) | c
    # Back to file order: a person redrawn is listed where the entry that redrew them stood.
    at = np.full(n, -1, np.int64)
    for j in range(n):
        if redraw[j]:
            at[order[j]] = j
    others = np.empty(n, np.int64)
    old = np.empty(n, np.int64)
    k = 0
    for i in range(n):
        j = at[i]
        if j >= 0:
            others[k] = ps[j]
            old[k] = queued[j]
            k += 1
    return others[:k], old[:k]


def perceive(perception: Perception, day: int, p: np.ndarray, base: int, sees: np.ndarray,
             met: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """New classes of the day's entries ``p`` (rows of the partition starting at ``base``).

    Written into ``state`` (next day << 5 | class; ``day`` relative to the run's start).
    Returns the persons to redraw and their old queued day.
    """
    if not len(p):
        return p, p
    st = perception.standing
    has_initial = perception.initial is not None
    initial = perception.initial if has_initial else 0
    none8, none64 = np.zeros(0, np.int8), np.zeros(0, np.int64)
    one = st.single_scored()
    if one is not None:
        score = st.engines[one.regime].score
        assert score is not None
        edges, ranks = one.steps()
        return _perceive(day, p, base, sees, met, none8, np.zeros(0, bool), none64,
                         np.zeros(0, np.uint8), score, edges, ranks, one.mins,
                         st.listing_days(one), initial, has_initial, perception.by_band,
                         perception.seen, perception.target, state)
    rows = p + base
    cur = state[p] & CLASS_MASK
    # The true rank matters only to those who look now, and to leave the restricted rank.
    look = sees & ((cur & AWARE_BIT) > 0)
    need = look | ((cur & 7) == RESTRICTED)
    true = np.full(len(p), CLEAR, np.int8)
    true[need] = st.rank(rows[need])
    listed = st.listed(rows)
    lead = np.zeros(len(p), np.int64)
    band = np.zeros(len(p), np.uint8)
    if has_initial:
        lead[look] = perception.lead_score(rows[look])
    if perception.by_band:
        band[look] = st.band(rows[look])
    return _perceive(day, p, base, sees, met, true, listed, lead, band, np.zeros(0, np.int32),
                     none64, none8, none64, np.zeros(0, np.int32), initial, has_initial,
                     perception.by_band,
                     perception.seen, perception.target, state)
