"""Act rates: base rates, propensity, deterrence and incentives, as per-group, per-class tables.

A person's rate of act ``a`` on a day depends on their age group ``g`` (which acts they may
commit, :mod:`scslab.conduct.acts`), their propensity ``m`` and a small *pressure class* ``c``
derived from their score at the start of the day:

* harmful act: ``base_a * m * exp(-beta_c * detection_a * cost_a / 100)``, where ``cost_a`` is the
  act's points (or a perceived cost) and ``beta_c`` is larger for people whose score is already low;
* prosocial act: ``base_a * incentive_c`` where a regime rewards it and a source sees it (more
  frequent for people below the incentive threshold), else ``base_a``;
* neutral and compliance acts: ``base_a``;

and 0 in the age groups that may not commit it. So every person's total rate is
``Λ = m * N[g, c] + P[g, c]``: two numbers per group and class, which is what lets the scheduler
draw events in time proportional to events rather than person-days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RateTables:
    """Per-group, per-class rate tables over the simulated acts (4 pressure classes).

    Attributes:
        neg_total: ``N[g, c]``, summed harmful rate [acts/person/day, per unit m].
        pos_total: ``P[g, c]``, summed rate of the other acts [acts/person/day].
        cum_neg: cumulative harmful rates, (groups, classes, harmful acts), per unit m.
        cum_pos: cumulative other rates, (groups, classes, other acts).
        acts_neg, acts_pos: act index of each column of ``cum_neg`` / ``cum_pos``.
        cuts: ages [years] where a new group starts; group g holds ages
            ``cuts[g - 1] .. cuts[g] - 1`` (int16, ascending; empty: one group).
    """

    neg_total: np.ndarray
    pos_total: np.ndarray
    cum_neg: np.ndarray
    cum_pos: np.ndarray
    acts_neg: np.ndarray
    acts_pos: np.ndarray
    cuts: np.ndarray

    @property
    def n_classes(self) -> int:
        """Number of pressure classes."""
        return self.neg_total.shape[1]

    @property
    def n_groups(self) -> int:
        """Number of age groups."""
        return self.neg_total.shape[0]

    def group_of(self, age: np.ndarray) -> np.ndarray:
        """Age group of each age [years] (uint8)."""
        return np.searchsorted(self.cuts, age, side="right").astype(np.uint8)


def pressure_class(score: np.ndarray, low_score: int, incentive_below: int) -> np.ndarray:
    """Class 0..3: bit 1 = score below ``low_score``, bit 0 = score below ``incentive_below``."""
    return (2 * (score < low_score) + (score < incentive_below)).astype(np.int8)


def age_cuts(min_age: np.ndarray, max_age: np.ndarray, oldest: int) -> np.ndarray:
    """Ages where eligibility for some act changes: each ``min_age`` and each ``max_age + 1``."""
    cuts = {int(a) for a in min_age if a > 0} | {int(a) + 1 for a in max_age if a < oldest}
    return np.array(sorted(cuts), np.int16)


def build_rate_tables(
    base: np.ndarray,
    cost: np.ndarray,
    sign: np.ndarray,
    detection: np.ndarray,
    incentivised: np.ndarray,
    min_age: np.ndarray,
    max_age: np.ndarray,
    beta: float,
    beta_low: float,
    incentive: float,
    oldest: int = 100,
) -> RateTables:
    """Tables for the age groups and the 4 pressure classes.

    Args:
        base: base rate per act [acts/person/day].
        cost: cost in points used for deterrence (>= 0) per act.
        sign: -1 for harmful acts (deterred, scaled by m), +1 for the others.
        detection: probability that an occurrence is recorded, per act.
        incentivised: the act is more frequent under an incentive (rewarded and seen).
        min_age: youngest age that commits each act [years].
        max_age: oldest age that commits each act [years].
        beta: deterrence strength at or above the low score [per 100 expected points].
        beta_low: deterrence strength below the low score.
        incentive: multiplier of incentivised rates below the incentive threshold.
        oldest: the society's oldest age [years] (a max_age at or above it is no limit).
    """
    neg = sign < 0
    pos = ~neg
    cuts = age_cuts(min_age, max_age, oldest)
    lows = np.concatenate([[0], cuts]).astype(np.int64)  # youngest age of each group
    highs = np.concatenate([cuts - 1, [oldest]]).astype(np.int64)
    n_grp, n_cls = len(lows), 4
    cum_neg = np.zeros((n_grp, n_cls, int(neg.sum())))
    cum_pos = np.zeros((n_grp, n_cls, int(pos.sum())))
    for g in range(n_grp):
        ok = (min_age <= lows[g]) & (highs[g] <= max_age)
        for c in range(n_cls):
            b = beta_low if c & 2 else beta
            inc = np.where(incentivised, incentive if c & 1 else 1.0, 1.0)
            cum_neg[g, c] = np.cumsum((base * ok)[neg] * np.exp(-b * detection[neg] * cost[neg] / 100.0))
            cum_pos[g, c] = np.cumsum((base * ok * inc)[pos])
    last = lambda a: a[:, :, -1] if a.shape[2] else np.zeros((n_grp, n_cls))  # noqa: E731
    return RateTables(neg_total=last(cum_neg), pos_total=last(cum_pos), cum_neg=cum_neg,
                      cum_pos=cum_pos, acts_neg=np.flatnonzero(neg), acts_pos=np.flatnonzero(pos),
                      cuts=cuts)
