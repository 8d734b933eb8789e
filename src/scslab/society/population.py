"""The synthetic society: persons and organisations as struct-of-arrays.

Synthetic only: every attribute is drawn from named random streams; nothing here reads data about
real people. Persons are ordered by household, so a household's members are one contiguous range.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

import numpy as np

from scslab.dates import add_months, to_day
from scslab.rng import Streams
from scslab.society.graph import friendship_graph
from scslab.society.params import SocietyParams


@dataclass
class Society:
    """Persons (rows 0..n_persons-1) and organisations (rows n_persons..n_subjects-1).

    Arrays per person: ``age`` [years on the start date], ``birth_frac`` (where the birthday
    falls in the year before the start date, in 1/65536ths; see :meth:`birth_day`), ``sex``
    (1 male), ``region`` (index into ``region_codes``), ``household`` (index),
    ``ability_to_pay`` (relative income, median 1), ``propensity`` (m, mean 1).
    ``household_start``: CSR offsets, members of household h are rows
    ``household_start[h]:household_start[h+1]``; the first member is the household head (an adult).
    Per organisation: ``org_legal_rep`` (person row), ``org_region``.
    """

    params: SocietyParams
    region_codes: list[str]
    age: np.ndarray
    birth_frac: np.ndarray
    start_day: int
    sex: np.ndarray
    region: np.ndarray
    household: np.ndarray
    household_start: np.ndarray
    ability_to_pay: np.ndarray
    propensity: np.ndarray
    org_legal_rep: np.ndarray
    org_region: np.ndarray
    _graph_rng: np.random.Generator
    _friends: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    @property
    def n_persons(self) -> int:
        """Number of persons."""
        return len(self.age)

    @property
    def n_orgs(self) -> int:
        """Number of organisations."""
        return len(self.org_legal_rep)

    @property
    def n_subjects(self) -> int:
        """Persons plus organisations."""
        return self.n_persons + self.n_orgs

    def birth_day(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Birth date [day number] of persons ``rows``: within the year that ends on the start
        date ``age`` years earlier, so the age on the start date is ``age`` (derived on demand)."""
        rows = np.arange(self.n_persons) if rows is None else np.asarray(rows, np.int64)
        a = self.age[rows].astype(np.int64)
        lo = add_months(self.start_day, -12 * (a + 1)) + 1
        hi = add_months(self.start_day, -12 * a)
        return lo + (self.birth_frac[rows].astype(np.int64) * (hi - lo + 1)) // 65536

    def household_heads(self) -> np.ndarray:
        """Row of each person's household head (the household's first member)."""
        return self.household_start[self.household]

    def friends(self) -> tuple[np.ndarray, np.ndarray]:
        """The friendship graph as CSR (indptr, indices); built on first use, then cached."""
        if self._friends is None:
            self._friends = friendship_graph(self.n_persons, self.params.mean_friends,
                                             self._graph_rng)
        return self._friends

    def nbytes_per_person(self) -> float:
        """Stored bytes per person, excluding the lazily built graph."""
        arrays = (self.age, self.birth_frac, self.sex, self.region, self.household,
                  self.household_start, self.ability_to_pay, self.propensity, self.org_legal_rep,
                  self.org_region)
        return sum(a.nbytes for a in arrays) / max(self.n_persons, 1)


def build_society(params: SocietyParams, streams: Streams) -> Society:
    """Draw a synthetic society from ``params`` using the named streams of ``streams``."""
    n = params.persons
    # The benchmark fixes this draw: m ~ LogNormal(-0.125, 0.5), mean 1, in person-row order.
    rng = streams.get("society.propensity")
    propensity = np.exp(rng.standard_normal(n, dtype=np.float32) * np.float32(0.5) - np.float32(0.125))

    # Households: sizes 1 + Poisson(mean - 1), so the mean size is the parameter.
    rng = streams.get("society.households")
    sizes = 1 + rng.poisson(params.mean_household_size - 1, size=int(n / params.mean_household_size) + 64)
    ends = np.cumsum(sizes)
    while ends[-1] < n:  # rare for small n: draw more households
        more = 1 + rng.poisson(params.mean_household_size - 1, size=64)
        ends = np.concatenate([ends, ends[-1] + np.cumsum(more)])
    h = int(np.searchsorted(ends, n)) + 1
    ends = ends[:h].copy()
    ends[-1] = n
    household_start = np.concatenate([[0], ends]).astype(np.int32)
    household = np.repeat(np.arange(h, dtype=np.int32), np.diff(household_start))

    # Ages: the census's three broad groups, uniform within each; heads are adults (18+).
    rng = streams.get("society.ages")
    u = rng.random(n, dtype=np.float32)
    kid, old = params.share_under_15, params.share_60_plus
    age = np.where(u < kid, u / kid * 15,
                   np.where(u < kid + old, 60 + (u - kid) / old * 30,
                            15 + (u - kid - old) / (1 - kid - old) * 45))
    heads = household_start[:-1]
    age[heads] = 18 + rng.random(h) * 67
    age = np.floor(age).astype(np.uint8)
    birth_frac = rng.integers(0, 65536, n, dtype=np.uint16)

    sex = (streams.get("society.sex").random(n, dtype=np.float32) < params.share_male).view(np.uint8)
    rng = streams.get("society.regions")
    n_reg = len(params.region_codes)
    region = rng.integers(0, n_reg, h).astype(np.uint16)[household]
    rng = streams.get("society.income")
    ability = np.exp(rng.standard_normal(n, dtype=np.float32) * np.float32(params.income_sigma))

    rng = streams.get("society.organisations")
    n_orgs = round(n * params.orgs_per_1000_persons / 1000)
    adults = np.flatnonzero(age >= 18)
    legal_rep = adults[rng.integers(0, len(adults), n_orgs)].astype(np.int32) if n_orgs else \
        np.zeros(0, np.int32)
    return Society(
        params=params, region_codes=list(params.region_codes), age=age, birth_frac=birth_frac,
        start_day=to_day(_dt.date.fromisoformat(params.start_date)),
        sex=sex, region=region, household=household, household_start=household_start,
        ability_to_pay=ability, propensity=propensity, org_legal_rep=legal_rep,
        org_region=region[legal_rep] if n_orgs else np.zeros(0, np.uint16),
        _graph_rng=streams.get("society.friends"),
    )
