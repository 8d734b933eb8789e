"""Where a person stands: one of five ranks read off the regimes they answer to.

A person weighs their file by how close it is to consequences, not by the raw number
(docs/behaviour.md#standing). For each regime they answer to, a score ``x`` is

* ``restricted`` (0) in a band that carries a restriction, or on a list that does;
* ``near_restriction`` (1) within ``margin`` points above such a band;
* ``clear`` (2) otherwise;
* ``near_privilege`` (3) within ``margin`` points below a band that carries a privilege;
* ``privileged`` (4) in such a band.

The person's rank is the lowest over the regimes they answer to (the most pressing position),
so it never depends on the order in which regimes are listed. Ranks are computed only for the
persons whose file changed or who checked their score on a day, never for everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from scslab.regime.engine import Engine
from scslab.regime.schema import Rulebook

RANKS = ("restricted", "near_restriction", "clear", "near_privilege", "privileged")
RESTRICTED, NEAR_RESTRICTION, CLEAR, NEAR_PRIVILEGE, PRIVILEGED = range(5)
NO_BAND = 255  # perceived band of a person who does not know it


@dataclass(frozen=True)
class RegimeStanding:
    """How one regime's file maps to a rank.

    Attributes:
        regime: index of the regime among the scenario's (canonical order).
        weight: weight of its points in expected costs and rewards.
        margin: "near" means within this many points of a consequence band [points].
        mins: ascending lower bounds of the score bands [points] (the lowest band open below
            when ``bottom_open``).
        restricted, privileged: per band, ascending order (bool).
        lists: indices of its lists that carry a restriction.
    """

    regime: int
    weight: float
    margin: int
    mins: np.ndarray
    bottom_open: bool
    restricted: np.ndarray
    privileged: np.ndarray
    lists: tuple[int, ...]

    @property
    def scored(self) -> bool:
        """Whether the regime has score bands."""
        return len(self.restricted) > 0

    def band(self, x: np.ndarray) -> np.ndarray:
        """Ascending band index of scores ``x`` (-1: below every band)."""
        k = np.searchsorted(self.mins, x, side="right") - 1
        return np.maximum(k, 0) if self.bottom_open else k

    def rank(self, x: np.ndarray) -> np.ndarray:
        """Rank of scores ``x`` by this regime's bands alone (int8): one binary search each.

        The rank is a step function of the score that can change only at a band's bound or a
        margin away from one, so it is tabled once over those breakpoints.
        """
        edges, ranks = self.steps()
        return ranks[np.searchsorted(edges, x, side="right")]

    def steps(self) -> tuple[np.ndarray, np.ndarray]:
        """(edges, ranks): rank ``ranks[searchsorted(edges, x, "right")]`` of a score ``x``."""
        return self._steps

    @cached_property
    def _steps(self) -> tuple[np.ndarray, np.ndarray]:
        lo = np.iinfo(np.int64).min
        finite = self.mins[self.mins > lo]
        edges = np.unique(np.concatenate([finite, finite + self.margin, finite - self.margin]))
        # One score per interval: below the first edge, then each edge (intervals are [e_i, e_i+1)).
        probe = np.concatenate([[edges[0] - 1] if len(edges) else [0], edges])
        return edges, self.rank_direct(probe)

    def rank_direct(self, x: np.ndarray) -> np.ndarray:
        """Rank of scores ``x`` computed from the bands, without the table (a reference)."""
        def at(b: np.ndarray, table: np.ndarray) -> np.ndarray:
            return np.where(b >= 0, table[np.maximum(b, 0)], False)
        b = self.band(x)
        out = np.full(len(x), CLEAR, np.int8)
        out[at(self.band(x + self.margin), self.privileged)] = NEAR_PRIVILEGE
        out[at(self.band(x - self.margin), self.restricted)] = NEAR_RESTRICTION
        out[at(b, self.privileged)] = PRIVILEGED
        out[at(b, self.restricted)] = RESTRICTED
        return out


def regime_standing(rb: Rulebook, regime: int, weight: float, margin: int) -> RegimeStanding:
    """The standing table of rulebook ``rb`` (index ``regime``), from its bands and consequences."""
    labels = [b.label for b in rb.bands] if rb.score is not None else []
    restr = {c.band for c in rb.consequences if c.band is not None and c.restrictions}
    priv = {c.band for c in rb.consequences if c.band is not None and c.privileges}
    # Rulebooks list bands high to low; the lowest may have no lower bound (open below).
    asc = labels[::-1]
    mins_desc = [b.min for b in rb.bands] if labels else []
    bottom_open = bool(mins_desc) and mins_desc[-1] is None
    mins = np.array([m if m is not None else np.iinfo(np.int64).min
                     for m in mins_desc[::-1]], np.int64)
    lists = tuple(i for i, lst in enumerate(rb.lists)
                  if any(c.list == lst.id and c.restrictions for c in rb.consequences))
    return RegimeStanding(regime, weight, margin, mins, bottom_open,
                          np.array([a in restr for a in asc], bool),
                          np.array([a in priv for a in asc], bool), lists)


def lead_of(plans: tuple[RegimeStanding, ...]) -> RegimeStanding | None:
    """The regime offsetting climbs back in: the heaviest scored one (ties: first in order).

    One regime, so one byte per person keeps the band a person climbs back to.
    """
    scored = [p for p in plans if p.scored]
    return max(scored, key=lambda p: p.weight) if scored else None


class Standing:
    """Ranks of persons from the live files of the regimes they answer to.

    Args:
        plans: one per regime answered to (weight > 0), in canonical regime order.
        engines: every regime's engine (scenario order).
    """

    def __init__(self, plans: tuple[RegimeStanding, ...], engines: list[Engine]) -> None:
        self.plans = plans
        self.engines = engines
        self.lead = lead_of(plans)

    def single_scored(self) -> RegimeStanding | None:
        """The one regime answered to, when it has a score and at most one restricting list.

        Then a rank needs only that score and that list's listing days, which a compiled kernel
        reads inline (:meth:`listing_days`). None otherwise.
        """
        if len(self.plans) == 1 and self.plans[0].scored and len(self.plans[0].lists) <= 1 \
                and self.engines[self.plans[0].regime].score is not None:
            return self.plans[0]
        return None

    def listing_days(self, plan: RegimeStanding) -> np.ndarray:
        """Listing day per subject on ``plan``'s one restricting list (NEVER: not listed).

        Empty (int32) when the regime has no restricting list; the live array, not a copy.
        """
        if not plan.lists:
            return np.zeros(0, np.int32)
        return self.engines[plan.regime].state.list_since[plan.lists[0]]

    def listed(self, p: np.ndarray) -> np.ndarray:
        """Whether persons ``p`` are on a restricting list of a regime they answer to."""
        out = np.zeros(len(p), bool)
        for plan in self.plans:
            for li in plan.lists:
                out |= self.engines[plan.regime].listed(li, p)
        return out

    def rank(self, p: np.ndarray) -> np.ndarray:
        """True rank of persons ``p`` now (int8): the lowest over the regimes answered to."""
        out: np.ndarray | None = None
        for plan in self.plans:
            score = self.engines[plan.regime].score
            if plan.scored and score is not None:
                r = plan.rank(score[p])
                out = r if out is None else np.minimum(out, r)
        if out is None:  # lists only: clear unless listed
            out = np.full(len(p), CLEAR, np.int8)
        out[self.listed(p)] = RESTRICTED
        return out

    def band(self, p: np.ndarray) -> np.ndarray:
        """Band of persons ``p`` in the lead regime, ascending (uint8; 0 without one)."""
        if self.lead is None:
            return np.zeros(len(p), np.uint8)
        score = self.engines[self.lead.regime].score
        assert score is not None
        return np.maximum(self.lead.band(score[p]), 0).astype(np.uint8)
