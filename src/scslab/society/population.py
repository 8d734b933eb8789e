"""The synthetic society: persons and organisations as struct-of-arrays.

Synthetic only: every attribute is drawn from named random streams; nothing here reads data about
real people. Persons are ordered by household, so a household's members are one contiguous range.
"""

from __future__ import annotations

import datetime as _dt
from functools import cached_property

import numpy as np

from scslab.dates import add_months, to_day
from scslab.rng import Streams
from scslab.society.graph import friendship_graph
from scslab.society.params import SocietyParams


class Society:
    """Persons (rows 0..n_persons-1) and organisations (rows n_persons..n_subjects-1).

    Arrays per person: ``age`` [years on the start date], ``birth_frac`` (where the birthday
    falls in the year before the start date, in 1/65536ths; see :meth:`birth_day`), ``sex``
    (1 male), ``region`` (index into ``region_codes``), ``household`` (index),
    ``ability_to_pay`` (relative income, median 1), ``propensity`` (m, mean 1).
    ``household_start``: CSR offsets, members of household h are rows
    ``household_start[h]:household_start[h+1]``; the first member is the household head (an adult).
    Per organisation: ``org_legal_rep`` (person row), ``org_region``.

    Each attribute is drawn on first use from its own named stream, so a run pays only for the
    attributes it uses, and the values never depend on which were used first.
    """

    def __init__(self, params: SocietyParams, streams: Streams) -> None:
        self.params = params
        self.streams = streams

    # ------------------------------------------------------------------ sizes
    @property
    def n_persons(self) -> int:
        """Number of persons."""
        return self.params.persons

    @property
    def n_orgs(self) -> int:
        """Number of organisations."""
        return round(self.params.persons * self.params.orgs_per_1000_persons / 1000)

    @property
    def n_subjects(self) -> int:
        """Persons plus organisations."""
        return self.n_persons + self.n_orgs

    @property
    def region_codes(self) -> list[str]:
        """6-digit division codes; ``region`` indexes into them."""
        return list(self.params.region_codes)

    @cached_property
    def start_day(self) -> int:
        """The start date as a day number."""
        return to_day(_dt.date.fromisoformat(self.params.start_date))

    # ------------------------------------------------------------- attributes
    @cached_property
    def propensity(self) -> np.ndarray:
        """m ~ LogNormal(-0.125, 0.5), mean 1 (fixed by the benchmark), float32."""
        rng = self.streams.get("society.propensity")
        return np.exp(rng.standard_normal(self.n_persons, dtype=np.float32) * np.float32(0.5)
                      - np.float32(0.125))

    @cached_property
    def household_start(self) -> np.ndarray:
        """CSR offsets of households; sizes are 1 + Poisson(mean - 1), so the mean is the parameter."""
        n, mean = self.n_persons, self.params.mean_household_size
        rng = self.streams.get("society.households")
        ends = np.cumsum(1 + rng.poisson(mean - 1, size=int(n / mean) + 64))
        while ends[-1] < n:  # rare for small n: draw more households
            ends = np.concatenate([ends, ends[-1] + np.cumsum(1 + rng.poisson(mean - 1, size=64))])
        h = int(np.searchsorted(ends, n)) + 1
        ends = ends[:h].copy()
        ends[-1] = n
        return np.concatenate([[0], ends]).astype(np.int32)

    @cached_property
    def household(self) -> np.ndarray:
        """Household index of each person (int32)."""
        hs = self.household_start
        return np.repeat(np.arange(len(hs) - 1, dtype=np.int32), np.diff(hs))

    @cached_property
    def _ages(self) -> tuple[np.ndarray, np.ndarray]:
        # The census's three broad age groups, uniform within each; heads are adults (18+).
        p, n = self.params, self.n_persons
        rng = self.streams.get("society.ages")
        u = rng.random(n, dtype=np.float32)
        kid, old = p.share_under_15, p.share_60_plus
        age = np.where(u < kid, u / kid * 15,
                       np.where(u < kid + old, 60 + (u - kid) / old * 30,
                                15 + (u - kid - old) / (1 - kid - old) * 45))
        heads = self.household_start[:-1]
        age[heads] = 18 + rng.random(len(heads)) * 67
        return np.floor(age).astype(np.uint8), rng.integers(0, 65536, n, dtype=np.uint16)

    @property
    def age(self) -> np.ndarray:
        """Age on the start date [years], uint8."""
        return self._ages[0]

    @property
    def birth_frac(self) -> np.ndarray:
        """Position of the birthday in its year, in 1/65536ths (uint16)."""
        return self._ages[1]

    @cached_property
    def sex(self) -> np.ndarray:
        """1 for males, 0 for females (uint8)."""
        u = self.streams.get("society.sex").random(self.n_persons, dtype=np.float32)
        return (u < self.params.share_male).view(np.uint8)

    @cached_property
    def region(self) -> np.ndarray:
        """Region index per person (uint16); households share a region."""
        rng = self.streams.get("society.regions")
        n_h = len(self.household_start) - 1
        return rng.integers(0, len(self.params.region_codes), n_h).astype(np.uint16)[self.household]

    @cached_property
    def ability_to_pay(self) -> np.ndarray:
        """Relative income, lognormal with median 1 (float32)."""
        rng = self.streams.get("society.income")
        return np.exp(rng.standard_normal(self.n_persons, dtype=np.float32)
                      * np.float32(self.params.income_sigma))

    @cached_property
    def org_legal_rep(self) -> np.ndarray:
        """Person row of each organisation's legal representative (an adult), int32."""
        rng = self.streams.get("society.organisations")
        adults = np.flatnonzero(self.age >= 18)
        return adults[rng.integers(0, len(adults), self.n_orgs)].astype(np.int32)

    @property
    def org_region(self) -> np.ndarray:
        """Region of each organisation: its legal representative's."""
        return self.region[self.org_legal_rep]

    # ---------------------------------------------------------------- derived
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

    @cached_property
    def _friends(self) -> tuple[np.ndarray, np.ndarray]:
        return friendship_graph(self.n_persons, self.params.mean_friends,
                                self.streams.get("society.friends"))

    def friends(self) -> tuple[np.ndarray, np.ndarray]:
        """The friendship graph as CSR (indptr, indices); built on first use, then cached."""
        return self._friends

    def nbytes_per_person(self) -> float:
        """Stored bytes per person once every attribute is drawn, excluding the graph."""
        arrays = (self.age, self.birth_frac, self.sex, self.region, self.household,
                  self.household_start, self.ability_to_pay, self.propensity, self.org_legal_rep)
        return sum(a.nbytes for a in arrays) / max(self.n_persons, 1)


def build_society(params: SocietyParams, streams: Streams) -> Society:
    """A synthetic society from ``params``, its attributes drawn from the named streams."""
    return Society(params, streams)
