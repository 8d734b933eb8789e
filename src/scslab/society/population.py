"""The synthetic society: persons and organisations as struct-of-arrays.

Synthetic only: every attribute is drawn from keyed random streams (``society.<attribute>``),
keyed by the person's row, so any range of rows can be built alone with the same values;
nothing here reads data about real people. Persons are ordered by household, so a household's
members are one contiguous range.
"""

from __future__ import annotations

import datetime as _dt
from functools import cached_property

import numpy as np
from numba import njit

from scslab.dates import add_months, to_day
from scslab.rng import Streams, philox
from scslab.society.friends import Friends
from scslab.society.graph import friendship_graph
from scslab.society.params import SocietyParams

ADULT_AGE = 18  # full civil capacity at 18: Civil Code of the PRC, Art. 17
MAX_AGE = 100  # [years]
_LEVELS = 1 << 16  # categorical draws: one uint16 per draw, probabilities in steps of 2^-16
HOUSEHOLD_BLOCK = 4096  # persons per household block [persons]; a power of two, so partition
# boundaries rounded to it fall between households


def age_pmf(share_under_15: float, share_60_plus: float) -> np.ndarray:
    """Probability of each age 0..MAX_AGE [years] on the start date.

    Uniform within 0-14 and 15-59; from 60 the density falls linearly to zero after MAX_AGE,
    which puts 4.2 % of persons at 60-64 and 14.5 % at 65+ against 5.2 % and 13.5 % in the 2020
    census (communique no. 5), closer than a flat 60-89.
    """
    age = np.arange(MAX_AGE + 1)
    pmf = np.where(age < 15, share_under_15 / 15, (1 - share_under_15 - share_60_plus) / 45)
    old = age >= 60
    pmf[old] = share_60_plus * (MAX_AGE + 1 - age[old]) / (MAX_AGE + 1 - age[old]).sum()
    return pmf


def _shifted_poisson_pmf(lam: float) -> np.ndarray:
    """Probabilities of 1 + Poisson(lam) over sizes 0..k (entry 0 is 0), k ~12 std devs out."""
    k = np.arange(int(lam + 12 * np.sqrt(lam) + 12))
    logp = k * np.log(lam) - lam - np.cumsum(np.log(np.maximum(k, 1))) if lam > 0 else \
        np.where(k == 0, 0.0, -np.inf)
    return np.concatenate([[0.0], np.exp(logp)])


def _inverse_cdf_table(pmf: np.ndarray) -> np.ndarray:
    """Value drawn for each of the 2^16 uint16 levels: a categorical draw is one table lookup.

    Level j maps to the category whose CDF interval holds (j + 0.5) / 2^16, so each probability is
    rounded to a multiple of 2^-16 (at most 1.5e-5 off).
    """
    cdf = np.cumsum(pmf / pmf.sum())
    idx = np.searchsorted(cdf, (np.arange(_LEVELS) + 0.5) / _LEVELS, side="right")
    return np.minimum(idx, len(pmf) - 1).astype(np.int32)


@njit(cache=True)
def household_offsets(n: int, block: int, table: np.ndarray, k0: int, k1: int,
                      sid: int) -> np.ndarray:
    """Household CSR offsets (int32) of ``n`` persons drawn block by block.

    Block b holds persons ``b * block ..``; its j-th household size is ``table[level]`` with
    ``level`` the high 16 bits of Philox(b, j); the block's last household is cut at its end.
    """
    out = np.empty(n + 1, np.int32)
    out[0] = 0
    h = 0
    for b in range((n + block - 1) // block):
        end = min(n, (b + 1) * block)
        at = b * block
        j = 0
        while at < end:
            x0, _, _, _ = philox(b, j, 0, sid, k0, k1)
            at = min(end, at + table[x0 >> np.uint64(16)])
            h += 1
            out[h] = at
            j += 1
    return out[:h + 1].copy()


class Society:
    """Persons (rows 0..n_persons-1) and organisations (rows n_persons..n_subjects-1).

    Arrays per person: ``age`` [years on the start date], ``birth_frac`` (where the birthday
    falls in the year before the start date, in 1/65536ths; see :meth:`birth_day`), ``sex``
    (1 male), ``region`` (index into ``region_codes``), ``household`` (index),
    ``ability_to_pay`` (relative income, median 1), ``propensity`` (m, mean 1).
    ``household_start``: CSR offsets, members of household h are rows
    ``household_start[h]:household_start[h+1]``; the first member is the household head (an adult);
    :meth:`household_members` gathers the households of given persons.
    Per organisation: ``org_legal_rep`` (person row), ``org_region``.

    Each attribute is drawn on first use from its own named stream, so a run pays only for the
    attributes it uses, and the values never depend on which were used first.
    """

    def __init__(self, params: SocietyParams, streams: Streams) -> None:
        self.params = params
        self.streams = streams

    def __repr__(self) -> str:
        # Sizes only: the attributes are large arrays, built on first use.
        p = self.params
        return (f"<Society: {self.n_persons:,} persons, {self.n_orgs:,} organisations, "
                f"{len(p.region_codes):,} regions, start {p.start_date} (synthetic)>")

    # ------------------------------------------------------------------ sizes
    @property
    def n_persons(self) -> int:
        """Number of persons."""
        return self.params.persons

    @property
    def n_orgs(self) -> int:
        """Number of organisations."""
        return self.params.n_orgs

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
        """Propensity m ~ LogNormal(mu=-sigma^2/2, sigma), mean 1, float32; sigma = 0.5, mu = -0.125.

        One normal per person, keyed by the person's row (stream ``society.propensity``).
        """
        z = self.streams.keyed("society.propensity").normal(np.arange(self.n_persons))
        return np.exp(-0.125 + 0.5 * z).astype(np.float32)

    @cached_property
    def household_start(self) -> np.ndarray:
        """CSR offsets of households (int32, len n_households + 1).

        Sizes are 1 + Poisson(mean - 1), so the mean size is the parameter. Households are drawn
        in fixed blocks of :data:`HOUSEHOLD_BLOCK` persons, each from its own keys, and the last
        household of a block is cut at the block's end: any range of whole blocks can be built
        alone and gives the same households (partitions, workers).
        """
        table = _inverse_cdf_table(_shifted_poisson_pmf(self.params.mean_household_size - 1))
        k = self.streams.keyed("society.households")
        return household_offsets(self.n_persons, HOUSEHOLD_BLOCK, table, k.k0, k.k1, k.sid)

    @cached_property
    def household(self) -> np.ndarray:
        """Household index of each person (int32)."""
        hs = self.household_start
        return np.repeat(np.arange(len(hs) - 1, dtype=np.int32), np.diff(hs))

    @cached_property
    def _ages(self) -> tuple[np.ndarray, np.ndarray]:
        # Ages follow census shares (see age_pmf). Household heads (first members) must be adults,
        # so heads draw from the adult part of the distribution and the others from what is left,
        # which keeps the society-wide shares equal to the parameters. The heads' share is its
        # expectation, 1 / mean household size, so no person's age depends on other blocks.
        p, n = self.params, self.n_persons
        pmf = age_pmf(p.share_under_15, p.share_60_plus)
        heads = self.household_start[:-1]
        h = 1.0 / p.mean_household_size  # expected share of persons who head a household
        head_pmf = np.where(np.arange(len(pmf)) >= ADULT_AGE, pmf, 0.0)
        head_pmf /= head_pmf.sum()
        # Feasible when adults are at least as many as households; else the share of children
        # falls below the parameter (all heads stay adults).
        other_pmf = np.clip(pmf - h * head_pmf, 0.0, None) if h < 1 else pmf
        k = self.streams.keyed("society.ages")
        bits = k.words(np.arange(n))  # the high 16 bits pick the age, the low 16 the birthday
        level = (bits >> 16).astype(np.uint16)
        age = _inverse_cdf_table(other_pmf)[level].astype(np.uint8)
        age[heads] = _inverse_cdf_table(head_pmf)[level[heads]]
        return age, (bits & 0xFFFF).astype(np.uint16)

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
        u = self.streams.keyed("society.sex").uniform(np.arange(self.n_persons))
        return (u < self.params.share_male).view(np.uint8)

    @cached_property
    def region(self) -> np.ndarray:
        """Region index per person (uint16); households share a region, keyed by their head."""
        heads = self.household_start[:-1]
        u = self.streams.keyed("society.regions").uniform(heads)
        n_r = len(self.params.region_codes)
        return np.minimum(u * n_r, n_r - 1).astype(np.uint16)[self.household]

    @cached_property
    def ability_to_pay(self) -> np.ndarray:
        """Relative income, lognormal with median 1 (float32)."""
        z = self.streams.keyed("society.income").normal(np.arange(self.n_persons))
        return np.exp(z * self.params.income_sigma).astype(np.float32)

    @cached_property
    def org_legal_rep(self) -> np.ndarray:
        """Person row of each organisation's legal representative (an adult), int32.

        Keyed by the organisation's subject row; -1 where the society has no adult.
        """
        adults = np.flatnonzero(self.age >= ADULT_AGE)
        if not len(adults):
            return np.full(self.n_orgs, -1, np.int32)
        u = self.streams.keyed("society.organisations").uniform(
            np.arange(self.n_persons, self.n_subjects))
        return adults[np.minimum(u * len(adults), len(adults) - 1).astype(np.int64)].astype(np.int32)

    @property
    def org_region(self) -> np.ndarray:
        """Region of each organisation: its legal representative's."""
        return self.region[self.org_legal_rep]

    # ---------------------------------------------------------------- derived
    def birth_day(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Birth date [day number] of persons ``rows`` (derived on demand).

        It falls within the year that ends on the start date ``age`` years earlier, so the age on
        the start date is ``age``.
        """
        age = self.age if rows is None else self.age[np.asarray(rows, np.int64)]
        frac = self.birth_frac if rows is None else self.birth_frac[np.asarray(rows, np.int64)]
        # Calendar arithmetic once per age (256 values), then a gather per person.
        years = np.arange(256, dtype=np.int64)
        lo = add_months(self.start_day, -12 * (years + 1)) + 1
        span = add_months(self.start_day, -12 * years) - lo + 1  # 365 or 366 days
        return lo[age] + (frac.astype(np.int64) * span[age]) // 65536

    @property
    def n_households(self) -> int:
        """Number of households."""
        return len(self.household_start) - 1

    def household_members(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Members of the households of persons ``rows``, CSR-style.

        Returns ``(offsets, members)``: ``members[offsets[i]:offsets[i+1]]`` are the rows (int32,
        ascending, the person included) of the household of ``rows[i]``; ``offsets`` is int64 with
        ``len(rows) + 1`` entries.
        """
        hs = self.household_start
        h = self.household[np.asarray(rows, np.int64).ravel()]
        first = hs[h].astype(np.int64)
        size = hs[h + 1] - first
        offsets = np.zeros(len(h) + 1, np.int64)
        np.cumsum(size, out=offsets[1:])
        members = np.arange(offsets[-1], dtype=np.int64) + np.repeat(first - offsets[:-1], size)
        return offsets, members.astype(np.int32)

    def household_heads(self) -> np.ndarray:
        """Row of each person's household head (the household's first member)."""
        return self.household_start[self.household]

    @cached_property
    def _friends(self) -> tuple[np.ndarray, np.ndarray]:
        return self._build_friends()

    def friends(self) -> tuple[np.ndarray, np.ndarray]:
        """The initial friendship graph as CSR (indptr, indices); built on first use, then cached.

        A run's consumers share the live graph, :meth:`friend_graph`, instead.
        """
        return self._friends

    @cached_property
    def _friend_graph(self) -> Friends:
        # Built from the cached CSR when there is one; otherwise the CSR is not kept, so a run
        # holds one copy of the graph.
        indptr, indices = self.__dict__.get("_friends") or self._build_friends()
        return Friends.from_csr(indptr, indices, simple=True)  # symmetric_csr's output

    def _build_friends(self) -> tuple[np.ndarray, np.ndarray]:
        return friendship_graph(self.n_persons, self.params.mean_friends,
                                self.streams.keyed("society.friends"))

    def friend_graph(self) -> Friends:
        """The live friendship graph (:class:`~scslab.society.friends.Friends`), shared.

        Built on first use from the initial one; shaming's dropped ties and the behaviour's edits
        go into it, and the friends' mean score reads it.
        """
        return self._friend_graph

    def nbytes_per_person(self) -> float:
        """Stored bytes per person once every attribute is drawn, excluding the graph."""
        arrays = (self.age, self.birth_frac, self.sex, self.region, self.household,
                  self.household_start, self.ability_to_pay, self.propensity, self.org_legal_rep)
        return sum(a.nbytes for a in arrays) / max(self.n_persons, 1)


def build_society(params: SocietyParams, streams: Streams) -> Society:
    """A synthetic society from ``params``, its attributes drawn from the named streams."""
    return Society(params, streams)
