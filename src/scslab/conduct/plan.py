"""The resolved behaviour: the ``[behaviour]`` table checked against the regimes and acts.

The resolve step (:mod:`scslab.sim.resolve`) calls :func:`behaviour_plan`; the simulation's
builders receive the typed :class:`BehaviourPlan`, never the raw table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scslab.conduct.params import Behaviour
from scslab.conduct.rates import ActRates, RateParams
from scslab.conduct.response import ResponsePlan
from scslab.conduct.standing import RegimeStanding, lead_of, regime_standing
from scslab.errors import InputError
from scslab.regime.load import regime_list
from scslab.regime.schema import Rulebook

DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class FriendingPlan:
    """Tie reviews of aware persons, judged by one regime's score."""

    regime: int
    reviews_per_day: float
    drop_below: int
    p_drop: float
    seek_above: int
    p_seek: float
    tries: int
    accept_above: float  # a seeker scoring below this is refused [points]


@dataclass(frozen=True)
class BehaviourPlan:
    """Everything conduct needs of the behaviour table, checked and typed."""

    acts: ActRates
    params: RateParams
    standing: tuple[RegimeStanding, ...]  # regimes answered to (weight > 0), canonical order
    aware_share: float
    continuous: bool  # aware persons see every change at once
    offset_target: str
    initial: int | None  # the lead regime's initial score [points]
    list_answers: tuple[ResponsePlan, ...]
    friends: FriendingPlan | None
    job_loss_ability: float = 1.0  # ability to pay after a job lost to shaming, relative


def _weights(b: Behaviour, rulebooks: list[Rulebook], source: str) -> list[tuple[int, float, int]]:
    """(regime index, weight, margin) of each regime answered to; default every regime."""
    ids = [rb.regime.id for rb in rulebooks]
    if not b.answers_to:
        return [(i, 1.0, 0) for i in range(len(ids))]
    out = []
    for rid, ans in b.answers_to.items():
        if rid not in ids:
            raise InputError(f"unknown regime {rid!r}; the scenario runs {', '.join(ids)}",
                             file=source, key=f"behaviour.answers_to.{rid}")
        if ans.weight > 0:
            out.append((ids.index(rid), ans.weight, ans.margin))
    return sorted(out)


def _points(rulebooks: list[Rulebook], weights: list[tuple[int, float, int]],
            ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Weighted points each act costs and earns across the regimes answered to [points]."""
    cost, reward = np.zeros(len(ids)), np.zeros(len(ids))
    for r, w, _ in weights:
        pts = {x.id: x.points for x in rulebooks[r].acts}
        for i, a in enumerate(ids):
            p = pts.get(a, 0)
            cost[i] += w * max(0, -p)
            reward[i] += w * max(0, p)
    return cost, reward


def _list_answers(b: Behaviour, rulebooks: list[Rulebook], ids: list[str],
                  source: str) -> tuple[ResponsePlan, ...]:
    """Each list answer with its regime, list and act checked."""
    out: list[ResponsePlan] = []
    for j, la in enumerate(b.list_answers):
        key = f"behaviour.list_answers[{j}]"
        r, li = regime_list(rulebooks, la.regime, la.list, source, key)
        removal = rulebooks[r].lists[li].removal_acts
        if la.act not in removal:
            raise InputError(f"{la.act!r} is not a removal act of {la.list} "
                             f"({', '.join(removal) or 'none'})", file=source, key=f"{key}.act")
        if la.act not in ids:
            raise InputError(f"act {la.act!r} must be one of the scenario's acts: add it to "
                             "behaviour.rates (rate 0 if only the answer emits it)",
                             file=source, key=f"{key}.act")
        if any(p.regime == r and p.list == li for p in out):
            raise InputError(f"list {la.list} of {la.regime} has two answers", file=source, key=key)
        out.append(ResponsePlan(r, li, ids.index(la.act), la.base_per_year / DAYS_PER_YEAR,
                                la.per_denial_per_year / DAYS_PER_YEAR,
                                la.per_shaming_per_year / DAYS_PER_YEAR))
    return tuple(out)


def _friending(b: Behaviour, rulebooks: list[Rulebook], source: str) -> FriendingPlan | None:
    f = b.friends
    if f is None or f.reviews_per_year == 0:
        return None
    regimes = [rb.regime.id for rb in rulebooks]
    if f.regime not in regimes or rulebooks[regimes.index(f.regime)].score is None:
        raise InputError(f"friends are judged by a regime with a score; {f.regime!r} is none of "
                         f"{', '.join(regimes)}", file=source, key="behaviour.friends.regime")
    return FriendingPlan(regimes.index(f.regime), f.reviews_per_year / DAYS_PER_YEAR, f.drop_below,
                         f.p_drop, f.seek_above, f.p_seek, f.tries,
                         float(f.seek_above) if f.mutual else -math.inf)


def behaviour_plan(b: Behaviour, rulebooks: list[Rulebook], ids: list[str], kind: np.ndarray,
                   detection: np.ndarray, min_age: np.ndarray, max_age: np.ndarray,
                   source: str) -> BehaviourPlan:
    """The checked behaviour of a scenario over its acts ``ids`` (rulebooks in canonical order)."""
    weights = _weights(b, rulebooks, source)
    score_cost, reward = _points(rulebooks, weights, ids)
    list_cost = np.array([b.perceived_cost.get(a, 0.0) for a in ids])
    reward = reward + np.array([b.perceived_reward.get(a, 0.0) for a in ids])
    acts = ActRates(np.array([b.rates[a] for a in ids], np.float64), kind, detection, score_cost,
                    list_cost, reward, min_age, max_age)
    for arr in (acts.base, acts.score_cost, acts.list_cost, acts.reward):
        arr.setflags(write=False)
    checks = 0.0 if b.checks_per_year is None else b.checks_per_year / DAYS_PER_YEAR
    friends = _friending(b, rulebooks, source)
    params = RateParams(b.deterrence.values(), b.striving.values(), b.offset_strength,
                        b.effort_response, b.perceived_detection, checks if b.aware_share else 0.0,
                        friends.reviews_per_day if friends is not None and b.aware_share else 0.0)
    standing = tuple(regime_standing(rulebooks[r], r, w, m) for r, w, m in weights)
    lead = lead_of(standing)
    initial = None
    if lead is not None:
        sc = rulebooks[lead.regime].score
        initial = None if sc is None else sc.initial
    return BehaviourPlan(acts, params, standing, b.aware_share, b.checks_per_year is None,
                         b.offset_target, initial, _list_answers(b, rulebooks, ids, source),
                         friends, b.job_loss_ability)
