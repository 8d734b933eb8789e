"""Act rates: base rates, propensity, deterrence and incentives, as per-class tables.

A person's rate of act ``a`` on a day depends on their propensity ``m`` and on a small
*pressure class* ``c`` derived from their score at the start of the day:

* negative act: ``base_a * m * exp(-beta_c * detection_a * cost_a / 100)``, where ``cost_a`` is the
  act's points (or a perceived cost) and ``beta_c`` is larger for people whose score is already low;
* positive act: ``base_a * incentive_c`` (more frequent where it is rewarded, for people below the
  incentive threshold).

So every person's total rate is ``Λ = m * N[c] + P[c]``: two numbers per class, which is what lets
the scheduler draw events in time proportional to events rather than person-days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RateTables:
    """Per-class rate tables over the simulated acts (4 pressure classes).

    Attributes:
        neg_total: ``N[c]``, summed negative rate per class [acts/person/day, per unit m].
        pos_total: ``P[c]``, summed positive rate per class [acts/person/day].
        cum_neg: cumulative negative rates per class, (classes, negative acts), per unit m.
        cum_pos: cumulative positive rates per class, (classes, positive acts).
        acts_neg, acts_pos: act index of each column of ``cum_neg`` / ``cum_pos``.
    """

    neg_total: np.ndarray
    pos_total: np.ndarray
    cum_neg: np.ndarray
    cum_pos: np.ndarray
    acts_neg: np.ndarray
    acts_pos: np.ndarray

    @property
    def n_classes(self) -> int:
        """Number of pressure classes."""
        return len(self.neg_total)


def pressure_class(score: np.ndarray, low_score: int, incentive_below: int) -> np.ndarray:
    """Class 0..3: bit 1 = score below ``low_score``, bit 0 = score below ``incentive_below``."""
    return (2 * (score < low_score) + (score < incentive_below)).astype(np.int8)


def build_rate_tables(
    base: np.ndarray,
    cost: np.ndarray,
    sign: np.ndarray,
    detection: np.ndarray,
    beta: float,
    beta_low: float,
    incentive: float,
) -> RateTables:
    """Tables for the 4 pressure classes.

    Args:
        base: base rate per act [acts/person/day].
        cost: cost in points used for deterrence (>= 0) per act.
        sign: -1 for negative acts (deterred, scaled by m), +1 for positive (incentivised).
        detection: probability that an occurrence is recorded, per act.
        beta: deterrence strength at or above the low score [per 100 expected points].
        beta_low: deterrence strength below the low score.
        incentive: multiplier of positive rates below the incentive threshold.
    """
    neg = sign < 0
    pos = ~neg
    n_cls = 4
    cum_neg = np.zeros((n_cls, int(neg.sum())))
    cum_pos = np.zeros((n_cls, int(pos.sum())))
    for c in range(n_cls):
        b = beta_low if c & 2 else beta
        inc = incentive if c & 1 else 1.0
        cum_neg[c] = np.cumsum(base[neg] * np.exp(-b * detection[neg] * cost[neg] / 100.0))
        cum_pos[c] = np.cumsum(base[pos] * inc)
    last = lambda a: a[:, -1] if a.shape[1] else np.zeros(n_cls)  # noqa: E731
    return RateTables(neg_total=last(cum_neg), pos_total=last(cum_pos), cum_neg=cum_neg,
                      cum_pos=cum_pos, acts_neg=np.flatnonzero(neg), acts_pos=np.flatnonzero(pos))
