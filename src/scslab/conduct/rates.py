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
    """Per-class rate tables over the simulated acts.

    Attributes:
        acts: indices of the simulated acts (into the act list of the scenario).
        neg_total: ``N[c]``, summed negative rate per class [acts/person/day, before m].
        pos_total: ``P[c]``, summed positive rate per class [acts/person/day].
        cum: per class, cumulative rates of the combined table (negatives first, scaled to
            sum ``N[c]``; positives after, offset by ``N[c]``). Used with ``searchsorted``.
        table_act: act index of each entry of the combined table.
        detection: detection probability per act (index as ``acts``).
    """

    neg_total: np.ndarray
    pos_total: np.ndarray
    cum: np.ndarray  # (n_classes, n_entries)
    table_act: np.ndarray
    n_acts: int
    stride: float  # offset between classes in ``flat_cum``
    flat_cum: np.ndarray  # cum of all classes, class c shifted by c * stride
    flat_act: np.ndarray  # act index of each entry of ``flat_cum`` (one past the end clamps)

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
    order = np.concatenate([np.flatnonzero(neg), np.flatnonzero(pos)])
    n_cls = 4
    cum = np.zeros((n_cls, len(order)))
    neg_total = np.zeros(n_cls)
    pos_total = np.zeros(n_cls)
    for c in range(n_cls):
        b = beta_low if c & 2 else beta
        inc = incentive if c & 1 else 1.0
        rn = base[neg] * np.exp(-b * detection[neg] * cost[neg] / 100.0)
        rp = base[pos] * inc
        neg_total[c], pos_total[c] = rn.sum(), rp.sum()
        cum[c] = np.concatenate([np.cumsum(rn), rn.sum() + np.cumsum(rp)])
    stride = 2.0 * float(cum.max(initial=0.0)) + 1.0
    flat_cum = (cum + stride * np.arange(n_cls)[:, None]).ravel()
    # A draw lands in [c*stride, c*stride + total_c); `side="right"` gives its entry. The last
    # entry of each class also catches rounding at the top of the class's range.
    flat_act = np.tile(order, n_cls)
    last = np.arange(1, n_cls + 1) * len(order) - 1
    flat_cum[last] = stride * np.arange(n_cls) + stride / 2
    flat_act = np.concatenate([flat_act, order[-1:]]).astype(np.int16)
    return RateTables(neg_total=neg_total, pos_total=pos_total, cum=cum,
                      table_act=order.astype(np.int16), n_acts=len(base), stride=stride,
                      flat_cum=flat_cum, flat_act=flat_act)
