"""Who asks for which service on a day, in time proportional to requests.

Every eligible requester ``i`` of service ``s`` asks at a constant rate ``w_i`` [requests/day], so
the day's requests of ``s`` are a Poisson process: their number is ``Poisson(sum w)`` and each is
made by requester ``i`` with probability ``w_i / sum w`` (drawn by binary search in cumulative
weights built once). That is exactly independent ``Poisson(w_i)`` counts per requester, at a cost
of ``O(requests * log(requesters))`` a day and no pass over the population.

Ages are taken at the start of the run: a requester who crosses an age limit during the run keeps
their eligibility (a 365-day run moves every age by one year at most).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scslab.gates.services import Service, ServiceTable
from scslab.rng import Streams

DAYS_PER_YEAR = 365.25  # converts rates per year into rates per day


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

    rows: np.ndarray  # subject rows (int32), shared by the services with the same eligibility
    cum: np.ndarray | None  # cumulative weights (float64); None: every requester weighs 1
    total: float  # sum of the weights


class Demand:
    """Draws each day's requests of every service.

    Memory: one int32 row array per distinct eligibility (requesters, ages) and one float64
    cumulative array per distinct weight rule with an income elasticity, built once.

    Args:
        table: the services table.
        age, ability_to_pay: per person.
        n_persons, n_orgs: subject counts (organisations are rows n_persons ..).
        guardian: first guardian per person (-1 none), for services requested for children.
        streams: one stream per service, ``gates.<service id>``.
    """

    def __init__(self, table: ServiceTable, age: np.ndarray, ability_to_pay: np.ndarray,
                 n_persons: int, n_orgs: int, guardian: np.ndarray, streams: Streams) -> None:
        self.services = table.services
        rows: dict[tuple, np.ndarray] = {}
        pools: dict[tuple, _Pool] = {}  # services with the same rule share one pool
        self.pool: list[_Pool] = []
        self.rate: list[float] = []  # expected requests per day, per service
        self.rng = [streams.get(f"gates.{s.id}") for s in self.services]
        for s in self.services:
            rkey = (s.requesters, s.min_age, s.max_age)
            if rkey not in rows:
                rows[rkey] = self._rows(s, age, n_persons, n_orgs, guardian)
            key = (*rkey, s.income_elasticity)
            if key not in pools:
                r = rows[rkey]
                if s.income_elasticity:
                    payer = guardian[r] if s.requesters == "children" else r
                    cum = np.cumsum(np.power(ability_to_pay[payer].astype(np.float64),
                                             s.income_elasticity))
                    pools[key] = _Pool(r, cum, float(cum[-1]) if len(cum) else 0.0)
                else:
                    pools[key] = _Pool(r, None, float(len(r)))
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

    def draw(self) -> tuple[np.ndarray, np.ndarray]:
        """One day's requests: (service index, requester row), service by service."""
        svc, who = [], []
        for i, (p, lam, rng) in enumerate(zip(self.pool, self.rate, self.rng, strict=True)):
            k = int(rng.poisson(lam)) if lam > 0 else 0
            if not k:
                continue
            if p.cum is None:
                j = rng.integers(0, len(p.rows), size=k)
            else:
                # k sorted uniforms from normalised exponential spacings (the order statistics of
                # k uniforms): numpy's binary search reuses the previous answer for sorted keys and
                # reads the cumulative array forward (about 2x faster on 10^6 requesters). A day's
                # requests are an unordered set: drawing them in row order changes nothing.
                c = np.cumsum(rng.standard_exponential(k + 1))
                u = c[:-1] * (p.total / c[-1])
                j = np.minimum(np.searchsorted(p.cum, u, side="right"), len(p.cum) - 1)
            svc.append(np.full(k, i, np.int64))
            who.append(p.rows[j].astype(np.int64))
        if not svc:
            e = np.zeros(0, np.int64)
            return e, e
        return np.concatenate(svc), np.concatenate(who)
