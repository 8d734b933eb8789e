"""Who asks for which service on a day, in time proportional to requests.

Every eligible requester ``i`` of service ``s`` asks at a constant rate ``w_i`` [requests/day].
Requesters are grouped in fixed blocks of :data:`DEMAND_BLOCK` subject rows; a block's requests
of ``s`` on a day number ``Poisson(sum of its w)`` and each is made by requester ``i`` of the
block with probability ``w_i / sum w`` (binary search in cumulative weights built once). That is
exactly independent ``Poisson(w_i)`` counts per requester, at a cost of
``O(blocks + requests * log(requesters))`` a day and no pass over the population. Each block's
draws are keyed by (block, day) in the service's stream (:mod:`scslab.rng`), so requests never
depend on how subjects are partitioned.

Ages are taken at the start of the run: a requester who crosses an age limit during the run keeps
their eligibility (a 365-day run moves every age by one year at most).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from scslab.gates.services import Service, ServiceTable
from scslab.rng import Keyed, Streams, philox, poisson, u01

DAYS_PER_YEAR = 365.25  # converts rates per year into rates per day
DEMAND_BLOCK = 1 << 16  # subject rows per block of requesters [subjects]


@njit(cache=True, nogil=True)
def _block_counts(cum, bounds, rate, day, k0, k1, sid):
    """Requests per block on one day: Poisson(rate * the block's weight), keyed (b, 2 day)."""
    nb = bounds.shape[0] - 1
    counts = np.empty(nb, np.int64)
    weighted = cum.shape[0] > 0
    for b in range(nb):
        lo, hi = bounds[b], bounds[b + 1]
        if hi <= lo:
            counts[b] = 0
            continue
        w = (cum[hi - 1] - (cum[lo - 1] if lo > 0 else 0.0)) if weighted else np.float64(hi - lo)
        counts[b] = poisson(rate * w, k0, k1, sid, b, 2 * day)
    return counts


@njit(cache=True, nogil=True)
def _requests(rows, cum, bounds, rate, day, k0, k1, sid):
    """Positions in ``rows`` of one day's requests, block by block.

    Block b holds ``rows[bounds[b]:bounds[b + 1]]``; its count is :func:`_block_counts`', and its
    j-th request is keyed (b, 2 day + 1, j). ``cum``: cumulative weights, or empty when every
    requester weighs 1.
    """
    nb = bounds.shape[0] - 1
    weighted = cum.shape[0] > 0
    counts = _block_counts(cum, bounds, rate, day, k0, k1, sid)
    out = np.empty(counts.sum(), np.int64)
    e = 0
    for b in range(nb):
        lo, hi = bounds[b], bounds[b + 1]
        before = cum[lo - 1] if weighted and lo > 0 else 0.0
        for j in range(counts[b]):
            x0, _, _, _ = philox(b, 2 * day + 1, j, sid, k0, k1)
            u = u01(x0)
            if weighted:
                target = before + u * (cum[hi - 1] - before)
                i = lo + np.searchsorted(cum[lo:hi], target, side="right")
                out[e] = min(i, hi - 1)
            else:
                out[e] = lo + min(hi - lo - 1, np.int64(u * (hi - lo)))
            e += 1
    return out


def guardians(age: np.ndarray, household_start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (up to) two guardians of every child, from the household CSR.

    Persons are ordered by household and ``household_start`` holds the offsets. A child (under 18)
    gets the first two adults of parent age (18-64) in its household, else the first two adults
    of any age (a grandparent raising the child). Done once at setup, O(persons).

    Returns:
        (first, second) guardian row per person; -1 where there is none (and for adults).
    """
    n = len(age)
    first = np.full(n, -1, np.int64)
    second = np.full(n, -1, np.int64)
    child = age < 18
    if not child.any():
        return first, second
    hh_start = np.asarray(household_start, np.int64)
    hh = np.repeat(np.arange(len(hh_start) - 1), np.diff(hh_start))  # household index per person

    def first_two(adult: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rows = np.flatnonzero(adult)
        if not len(rows):
            return np.full(n, -1, np.int64), np.full(n, -1, np.int64)
        pos = np.searchsorted(rows, hh_start[:-1])  # first adult at or after each household start
        out = []
        for off in (0, 1):
            p = pos + off
            ok = p < len(rows)
            g = np.where(ok, rows[np.minimum(p, len(rows) - 1)], -1)
            ok &= g < hh_start[1:]  # still inside the household
            out.append(np.where(ok, g, -1)[hh])
        return out[0], out[1]

    any1, any2 = first_two(age >= 18)
    par1, par2 = first_two((age >= 18) & (age < 65))
    use_par = par1 >= 0  # parents of working age where the household has one
    first[child] = np.where(use_par, par1, any1)[child]
    second[child] = np.where(use_par, par2, any2)[child]
    return first, second


@dataclass
class _Pool:
    """Eligible requesters of one weight rule and their cumulative weights."""

    rows: np.ndarray  # subject rows (int32, ascending), shared by services with the same eligibility
    cum: np.ndarray | None  # cumulative weights (float64); None: every requester weighs 1
    total: float  # sum of the weights
    bounds: np.ndarray  # positions in rows where each block of DEMAND_BLOCK subject rows starts


class Demand:
    """Draws each day's requests of every service.

    Memory: one int32 row array per distinct eligibility (requesters, ages) and one float64
    cumulative array per distinct weight rule with an income elasticity, built once.

    Args:
        table: the services table.
        age, ability_to_pay: per person.
        n_persons, n_orgs: subject counts (organisations are rows n_persons ..).
        guardian: first guardian per person (-1 none), for services requested for children.
        streams: one keyed stream per service, ``gates.<service id>``.
    """

    def __init__(self, table: ServiceTable, age: np.ndarray, ability_to_pay: np.ndarray,
                 n_persons: int, n_orgs: int, guardian: np.ndarray, streams: Streams) -> None:
        self.services = table.services
        rows: dict[tuple, np.ndarray] = {}
        pools: dict[tuple, _Pool] = {}  # services with the same rule share one pool
        self.pool: list[_Pool] = []
        self.rate: list[float] = []  # expected requests per day, per service
        self.streams: list[Keyed] = [streams.keyed(f"gates.{s.id}") for s in self.services]
        n_blocks = (n_persons + n_orgs + DEMAND_BLOCK - 1) // DEMAND_BLOCK
        for s in self.services:
            rkey = (s.requesters, s.min_age, s.max_age)
            if rkey not in rows:
                rows[rkey] = self._rows(s, age, n_persons, n_orgs, guardian)
            key = (*rkey, s.income_elasticity)
            if key not in pools:
                r = rows[rkey]
                bounds = np.searchsorted(r, np.arange(n_blocks + 1, dtype=np.int64) * DEMAND_BLOCK)
                if s.income_elasticity:
                    payer = guardian[r] if s.requesters == "children" else r
                    cum = np.cumsum(np.power(ability_to_pay[payer].astype(np.float64),
                                             s.income_elasticity))
                    pools[key] = _Pool(r, cum, float(cum[-1]) if len(cum) else 0.0, bounds)
                else:
                    pools[key] = _Pool(r, None, float(len(r)), bounds)
            p = pools[key]
            self.pool.append(p)
            self.rate.append(s.rate_per_year / DAYS_PER_YEAR * p.total)

    @staticmethod
    def _rows(s: Service, age, n_persons, n_orgs, guardian) -> np.ndarray:
        if s.requesters == "organisations":
            return np.arange(n_persons, n_persons + n_orgs, dtype=np.int32)
        ok = np.ones(n_persons, bool)
        if s.min_age is not None:
            ok &= age >= s.min_age
        if s.max_age is not None:
            ok &= age <= s.max_age
        if s.requesters == "children":
            ok &= guardian >= 0
        return np.flatnonzero(ok).astype(np.int32)

    def expected(self) -> np.ndarray:
        """Expected requests per day per service [requests/day]."""
        return np.array(self.rate)

    def draw(self, k: int, count_only: np.ndarray | None = None
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Day ``k``'s requests, service by service: (service index, requester row, counts).

        ``k`` counts days from the start of the run. Services flagged in ``count_only`` (no
        regime can deny or privilege them) are only counted: who asked changes no answer, and
        the counts are the same draws. ``counts``: requests per service, all of them.
        """
        svc, who = [], []
        counts = np.zeros(len(self.services), np.int64)
        no_weights = np.zeros(0, np.float64)
        for i, (s, p) in enumerate(zip(self.services, self.pool, strict=True)):
            if self.rate[i] <= 0:
                continue
            st = self.streams[i]
            cum = no_weights if p.cum is None else p.cum
            if count_only is not None and count_only[i]:
                counts[i] = int(_block_counts(cum, p.bounds, s.rate_per_year / DAYS_PER_YEAR, k,
                                              st.k0, st.k1, st.sid).sum())
                continue
            j = _requests(p.rows, no_weights if p.cum is None else p.cum, p.bounds,
                          s.rate_per_year / DAYS_PER_YEAR, k, st.k0, st.k1, st.sid)
            counts[i] = len(j)
            if len(j):
                svc.append(np.full(len(j), i, np.int64))
                who.append(p.rows[j].astype(np.int64))
        if not svc:
            e = np.zeros(0, np.int64)
            return e, e, counts
        return np.concatenate(svc), np.concatenate(who), counts
