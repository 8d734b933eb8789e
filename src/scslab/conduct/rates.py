"""Act rates as per-group, per-class tables (docs/behaviour.md#rates).

A person's rate of act ``a`` depends on their group ``g`` (age, which acts they may commit,
:mod:`scslab.conduct.acts`), their propensity ``m`` and their *class* ``c``: their perceived
standing rank ``r`` (:mod:`scslab.conduct.standing`), whether they are climbing back after a
fall (``o``) and whether they know their score (``k``). With ``q_a = min(1, perceived_detection *
detection_a)``:

* harmful: ``base_a * m * exp(-beta_r * q_a * (k * score_cost_a + list_cost_a) / 100)``;
  ``score_cost_a`` is the weighted points the act costs, which only those who know their score
  weigh; ``list_cost_a`` the believed cost of what else it brings (a listing, a band drop);
* prosocial: a fixed effort ``sum_b base_b`` split over the group's prosocial acts in proportion
  to ``base_a * exp(eta * k * q_a * reward_a / 100)`` (drift toward the measured);
* rewarded prosocial and neutral acts (``reward_a > 0``, seen by a source) are then multiplied
  by ``striving_r * (1 + offset_strength * o)``;
* other neutral and compliance acts: ``base_a``;
* score checks and tie reviews (pseudo-acts, the last "other" columns) at ``checks_per_day * k``
  and ``reviews_per_day * k``;

and 0 in the groups that may not commit it. So every person's total rate is
``Λ = m * N[g, c] + P[g, c]``: two numbers per group and class, which is what lets the scheduler
draw events in time proportional to events rather than person-days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scslab.conduct.standing import CLEAR

N_CLASSES = 32  # rank (3 bits: 0..4 used), offsetting (bit 3), knows the score (bit 4)
OFFSET_BIT, AWARE_BIT = 8, 16


def klass(rank: np.ndarray | int, offset: np.ndarray | int, aware: np.ndarray | int) -> np.ndarray:
    """Class of persons from their rank, offsetting flag and awareness flag (int8)."""
    return (np.asarray(rank, np.int16) | (np.asarray(offset, np.int16) * OFFSET_BIT)
            | (np.asarray(aware, np.int16) * AWARE_BIT)).astype(np.int8)


@dataclass(frozen=True)
class ActRates:
    """What the rate tables need of each act (arrays over the scenario's acts)."""

    base: np.ndarray  # [acts/person/day]
    kind: np.ndarray  # index into conduct.acts.KINDS (int8)
    detection: np.ndarray  # probability an occurrence is recorded
    score_cost: np.ndarray  # weighted points it costs, >= 0 [points]
    list_cost: np.ndarray  # believed cost beyond points (a listing) [points]
    reward: np.ndarray  # weighted points it earns, >= 0 [points]
    min_age: np.ndarray  # [years] (int16)
    max_age: np.ndarray  # [years] (int16)


@dataclass(frozen=True)
class RateParams:
    """The behaviour parameters the tables use (see :mod:`scslab.conduct.params`)."""

    deterrence: tuple[float, ...]  # beta per rank
    striving: tuple[float, ...]  # multiplier of rewarded acts per rank
    offset_strength: float
    effort_response: float  # eta
    perceived_detection: float
    checks_per_day: float  # of aware persons (0: no check events)
    reviews_per_day: float = 0.0  # tie reviews of aware persons (0: none)


@dataclass(frozen=True)
class RateTables:
    """Per-group, per-class rate tables over the simulated acts (:data:`N_CLASSES` classes).

    Attributes:
        neg_total: ``N[g, c]``, summed harmful rate [acts/person/day, per unit m].
        pos_total: ``P[g, c]``, summed rate of the other acts [acts/person/day].
        cum_neg: cumulative harmful rates, (groups, classes, harmful acts), per unit m.
        cum_pos: cumulative other rates, (groups, classes, other acts).
        acts_neg, acts_pos: act index of each column of ``cum_neg`` / ``cum_pos``.
        cuts: ages [years] where a new group starts; group g holds ages
            ``cuts[g - 1] .. cuts[g] - 1`` (int16, ascending; empty: one group).
        check_act: act index given to score checks (one past the scenario's acts; -1: none).
        review_act: act index given to tie reviews (two past the scenario's acts; -1: none).
    """

    neg_total: np.ndarray
    pos_total: np.ndarray
    cum_neg: np.ndarray
    cum_pos: np.ndarray
    acts_neg: np.ndarray
    acts_pos: np.ndarray
    cuts: np.ndarray
    check_act: int
    review_act: int = -1
    n_cells: int = 1  # attribute cells (scslab.conduct.cells); group = age group * n_cells + cell

    @property
    def n_classes(self) -> int:
        """Number of classes."""
        return self.neg_total.shape[1]

    @property
    def n_groups(self) -> int:
        """Number of groups (age groups times attribute cells)."""
        return self.neg_total.shape[0]

    def group_of(self, age: np.ndarray, cell: np.ndarray | int = 0) -> np.ndarray:
        """Group of persons of ``age`` [years] in attribute ``cell`` (uint8)."""
        g = np.searchsorted(self.cuts, age, side="right").astype(np.int64)
        return (g * self.n_cells + np.asarray(cell, np.int64)).astype(np.uint8)


def age_cuts(min_age: np.ndarray, max_age: np.ndarray, oldest: int,
             steps: list[int] | None = None) -> np.ndarray:
    """Ages where some act's rate changes: each ``min_age``, ``max_age + 1`` and age step."""
    cuts = {int(a) for a in min_age if a > 0} | {int(a) + 1 for a in max_age if a < oldest}
    cuts |= {int(a) for a in steps or [] if 0 < a <= oldest}
    return np.array(sorted(cuts), np.int16)


def _class_rates(a: ActRates, p: RateParams, ok: np.ndarray, c: int) -> np.ndarray:
    """Rate of each act in class ``c`` for a group; ``ok``: eligibility times attribute factor.

    Harmful entries are per unit propensity.
    """
    rank = c & 7 if c & 7 <= 4 else CLEAR
    o, k = bool(c & OFFSET_BIT), bool(c & AWARE_BIT)
    q = np.minimum(1.0, p.perceived_detection * a.detection)
    base = a.base * ok
    harmful, prosocial = a.kind == 0, a.kind == 1
    out = np.where(harmful, base * np.exp(-p.deterrence[rank] * q * (k * a.score_cost + a.list_cost)
                                          / 100.0), base)
    if prosocial.any() and k and p.effort_response > 0:
        raw = base * np.exp(p.effort_response * q * a.reward / 100.0) * prosocial
        if raw.sum() > 0:
            out = np.where(prosocial, raw * (base * prosocial).sum() / raw.sum(), out)
    rewarded = (a.reward > 0) & (a.detection > 0) & ((a.kind == 1) | (a.kind == 2))
    return np.where(rewarded, out * p.striving[rank] * (1.0 + p.offset_strength * o), out)


def _age_factor(steps: list[tuple[int, float]], age: int) -> float:
    """The factor of the last step at or below ``age`` (1 below the first)."""
    f = 1.0
    for start, factor in steps:
        if age >= start:
            f = factor
    return f


def build_rate_tables(a: ActRates, p: RateParams, oldest: int = 100,
                      cell_factor: np.ndarray | None = None,
                      age_steps: tuple[list[tuple[int, float]], ...] | None = None) -> RateTables:
    """Tables for the groups and the :data:`N_CLASSES` classes.

    Args:
        a: the acts.
        p: the behaviour parameters.
        oldest: the society's oldest age [years] (a max_age at or above it is no limit).
        cell_factor: rate multiplier per attribute cell and act (cells, acts); None: one cell.
        age_steps: per act, its age-band multipliers ``[(from_age, factor), ...]``.
    """
    steps = age_steps if age_steps is not None else tuple([] for _ in a.base)
    cf = np.ones((1, len(a.base))) if cell_factor is None else cell_factor
    n_cells = cf.shape[0]
    neg = a.kind == 0
    pos = ~neg
    cuts = age_cuts(a.min_age, a.max_age, oldest, [x for s in steps for x, _ in s])
    lows = np.concatenate([[0], cuts]).astype(np.int64)  # youngest age of each group
    highs = np.concatenate([cuts - 1, [oldest]]).astype(np.int64)
    n_grp = len(lows) * n_cells
    n_pos = int(pos.sum()) + (p.checks_per_day > 0) + (p.reviews_per_day > 0)
    cum_neg = np.zeros((n_grp, N_CLASSES, int(neg.sum())))
    cum_pos = np.zeros((n_grp, N_CLASSES, n_pos))
    for g in range(n_grp):
        age, cell = divmod(g, n_cells)
        band = np.array([_age_factor(s, int(lows[age])) for s in steps])
        ok = ((a.min_age <= lows[age]) & (highs[age] <= a.max_age)) * cf[cell] * band
        for c in range(N_CLASSES):
            r = _class_rates(a, p, ok, c)
            cum_neg[g, c] = np.cumsum(r[neg])
            other = r[pos]
            if p.checks_per_day > 0:
                other = np.append(other, p.checks_per_day if c & AWARE_BIT else 0.0)
            if p.reviews_per_day > 0:
                other = np.append(other, p.reviews_per_day if c & AWARE_BIT else 0.0)
            cum_pos[g, c] = np.cumsum(other)
    last = lambda x: x[:, :, -1] if x.shape[2] else np.zeros((n_grp, N_CLASSES))  # noqa: E731
    acts_pos = np.flatnonzero(pos)
    check = review = -1
    if p.checks_per_day > 0:
        check = len(a.base)
        acts_pos = np.append(acts_pos, check)
    if p.reviews_per_day > 0:
        review = len(a.base) + 1
        acts_pos = np.append(acts_pos, review)
    return RateTables(neg_total=last(cum_neg), pos_total=last(cum_pos), cum_neg=cum_neg,
                      cum_pos=cum_pos, acts_neg=np.flatnonzero(neg), acts_pos=acts_pos,
                      cuts=cuts, check_act=check, review_act=review, n_cells=n_cells)


def deterrence_table(a: ActRates, p: RateParams) -> np.ndarray:
    """Factor by which each class deters each act (classes, acts; 1 for acts not harmful).

    Organisations act through their legal representatives: an organisation's harmful act is
    kept with its representative's factor (:mod:`scslab.conduct.organisations`).
    """
    out = np.ones((N_CLASSES, len(a.base)))
    ok = np.ones(len(a.base))
    base = np.where(a.base > 0, a.base, 1.0)
    unit = ActRates(base, a.kind, a.detection, a.score_cost, a.list_cost, a.reward, a.min_age,
                    a.max_age)
    harmful = a.kind == 0
    for c in range(N_CLASSES):
        out[c, harmful] = (_class_rates(unit, p, ok, c) / base)[harmful]
    return out
