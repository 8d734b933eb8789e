"""Each behaviour lever moves conduct in its documented direction (docs/behaviour.md#levers).

Properties over the rate tables for any parameters (hypothesis), then whole runs with common
random numbers: the same seed gives the same persons and the same luck in both arms.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scslab.conduct.rates import AWARE_BIT, OFFSET_BIT, ActRates, RateParams, build_rate_tables
from scslab.conduct.standing import CLEAR, NEAR_PRIVILEGE, RESTRICTED
from scslab.sim import Simulation
from scslab.sim.scenario import load_scenario, scenario_data, scenario_from_data

# harmful, harmful, prosocial rewarded, prosocial unrewarded, neutral
KIND = np.array([0, 0, 1, 1, 2], np.int8)


def tables(det=0.5, eta=0.0, offset=0.5, beta=(2.0, 1.5, 1.0, 1.0, 1.0), reward=20.0):
    a = ActRates(base=np.array([0.01, 0.002, 0.01, 0.01, 0.05]), kind=KIND,
                 detection=np.array([det, 1.0, 0.8, 0.0, 1.0]),
                 score_cost=np.array([10.0, 50.0, 0, 0, 0]), list_cost=np.array([0, 30.0, 0, 0, 0]),
                 reward=np.array([0, 0, reward, 0, 0]), min_age=np.zeros(5, np.int16),
                 max_age=np.full(5, 100, np.int16))
    p = RateParams(beta, (1.0, 1.0, 1.0, 1.5, 1.0), offset, eta, 1.0, 0.0)
    return build_rate_tables(a, p)


def rate(t, c, act):
    """Rate of scenario act ``act`` in class ``c`` (harmful per unit propensity)."""
    if act in t.acts_neg:
        j = int(np.flatnonzero(t.acts_neg == act)[0])
        cum = t.cum_neg[0, c]
    else:
        j = int(np.flatnonzero(t.acts_pos == act)[0])
        cum = t.cum_pos[0, c]
    return cum[j] - (cum[j - 1] if j else 0.0)


_rank = st.integers(0, 4)


@settings(max_examples=60, deadline=None)
@given(rank=_rank, det=st.floats(0.05, 0.95))
def test_knowing_the_score_deters(rank, det):
    t = tables(det=det)
    for act in (0, 1):
        assert rate(t, rank | AWARE_BIT, act) < rate(t, rank, act)


@settings(max_examples=60, deadline=None)
@given(rank=_rank, lo=st.floats(0.0, 0.9), step=st.floats(0.05, 0.1))
def test_more_detection_deters_more(rank, lo, step):
    c = rank | AWARE_BIT
    assert rate(tables(det=lo + step), c, 0) < rate(tables(det=lo), c, 0)


@settings(max_examples=60, deadline=None)
@given(rank=_rank, eta=st.floats(0.1, 20), reward=st.floats(1, 200))
def test_reward_shifts_effort_to_the_measured_act_and_keeps_it_whole(rank, eta, reward):
    c = rank | AWARE_BIT
    base, shifted = tables(reward=reward), tables(eta=eta, reward=reward)
    striving = (1.0, 1.0, 1.0, 1.5, 1.0)[rank]
    assert rate(shifted, c, 2) > rate(base, c, 2)
    assert rate(shifted, c, 3) < rate(base, c, 3)
    # The split moves effort; only striving adds to it, and only to the rewarded act.
    total = rate(shifted, c, 2) / striving + rate(shifted, c, 3)
    assert math.isclose(total, 0.02, rel_tol=1e-9)
    assert math.isclose(rate(shifted, rank, 2), rate(base, rank, 2), rel_tol=1e-12)  # unaware


@settings(max_examples=60, deadline=None)
@given(rank=_rank, offset=st.floats(0.01, 10))
def test_offsetting_raises_rewarded_acts_only(rank, offset):
    t = tables(offset=offset)
    c = rank | AWARE_BIT
    assert rate(t, c | OFFSET_BIT, 2) > rate(t, c, 2)
    for act in (0, 1, 3, 4):
        assert math.isclose(rate(t, c | OFFSET_BIT, act), rate(t, c, act), rel_tol=1e-12)


def test_restricted_standing_deters_most():
    t = tables()
    assert rate(t, RESTRICTED | AWARE_BIT, 0) < rate(t, CLEAR | AWARE_BIT, 0)
    assert rate(t, NEAR_PRIVILEGE | AWARE_BIT, 2) > rate(t, CLEAR | AWARE_BIT, 2)


# ------------------------------------------------------------------------- whole runs
def run(name, sets, persons=20_000, days=180, seed=3):
    data = scenario_data(load_scenario(name))
    for key, value in sets.items():
        node = data
        *path, last = key.split(".")
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value
    sim = Simulation(scenario_from_data(data, name), persons=persons, days=days, seed=seed).init()
    daily = sim.run()
    return sim, daily


def occurred(sim, daily, kind):
    kinds = sim.plan.acts.kind
    return int(daily.occurred[:, kinds == kind].sum())


def test_visibility_lowers_harmful_acts():
    lo = run("rongcheng", {"behaviour.aware_share": 0.0})
    hi = run("rongcheng", {"behaviour.aware_share": 1.0})
    a, b = occurred(*lo, 0), occurred(*hi, 0)
    assert b < a - 4 * math.sqrt(a + b), (a, b)


def test_detection_lowers_the_detected_act():
    lo = run("rongcheng", {"sources.detection.bank_arrears_month": 0.2})
    hi = run("rongcheng", {"sources.detection.bank_arrears_month": 1.0})
    j = lo[0].act_ids.index("bank_arrears_month")
    a, b = int(lo[1].occurred[:, j].sum()), int(hi[1].occurred[:, j].sum())
    assert b < a - 4 * math.sqrt(a + b), (a, b)


def test_offsetting_and_reward_raise_elder_care():
    j = None
    counts = []
    for sets in ({"behaviour.offset_strength": 0.0}, {"behaviour.offset_strength": 2.0}):
        sim, daily = run("offsetting", sets)
        j = sim.act_ids.index("elder_care")
        counts.append(int(daily.occurred[:, j].sum()))
    a, b = counts
    assert b > a + 4 * math.sqrt(a + b), (a, b)


def test_shaming_raises_the_list_answer():
    def answer(per_shaming):
        return {"behaviour.list_answers": [{
            "regime": "court-ringback", "list": "ringback", "act": "repayment_proven",
            "base_per_year": 0.1, "per_shaming_per_year": per_shaming}]}
    counts = []
    for per_shaming in (0.0, 20.0):
        sim, daily = run("shaming", answer(per_shaming), persons=60_000, days=120)
        counts.append(int(daily.occurred[:, sim.act_ids.index("repayment_proven")].sum()))
    a, b = counts
    assert b > a + 4 * math.sqrt(a + b), (a, b)


def test_a_job_lost_to_shaming_lowers_ability_to_pay():
    sets = {"behaviour.job_loss_ability": 0.5, "acts.jaywalking.value":
            {"dist": "lognormal", "median": 100, "sigma": 0.1, "income_elasticity": 1.0}}
    sim, _ = run("shaming", sets, persons=60_000, days=120)
    lost = sum(int(sh.jobs_lost.sum()) for sh in sim.gates.shaming.values())
    assert lost > 0
    halved = np.isclose(sim.values.ability, 0.5 * sim.society.ability_to_pay, rtol=1e-6)
    assert 0 < halved.sum() <= lost


def test_organisations_are_deterred_through_their_legal_representative():
    from scslab.conduct.organisations import OrganisationConduct
    from scslab.conduct.rates import deterrence_table
    from scslab.rng import Keyed

    t = tables()
    d = deterrence_table(*_params())
    for c in (RESTRICTED | AWARE_BIT, CLEAR | AWARE_BIT, CLEAR):
        assert math.isclose(d[c, 0], rate(t, c, 0) / 0.01, rel_tol=1e-12)
    assert (d[:, 2:] == 1).all()  # only harmful acts are deterred
    n_orgs = 20_000
    rep = np.arange(n_orgs) % 7 - 1  # every seventh organisation has no representative (-1)
    oc = OrganisationConduct(np.array([0]), np.array([0.02]), 100, n_orgs,
                             Keyed(3, "conduct.organisations"), rep)
    deter = np.ones((32, 5))
    deter[:, 0] = 0.25
    free = sum(len(oc.occurrences(k)[0]) for k in range(40))
    kept = [oc.occurrences(k, lambda p: np.zeros(len(p), np.int8), deter) for k in range(40)]
    n = sum(len(s) for s, _, _ in kept)
    with_rep = sum(int((rep[s - 100] >= 0).sum()) for s, _, _ in kept)
    assert abs(with_rep - 0.25 * free * 6 / 7) < 5 * math.sqrt(free * 0.25), (with_rep, free)
    assert n - with_rep > 0.9 * free / 7  # those without a representative are not deterred


def _params():
    a = ActRates(base=np.array([0.01, 0.002, 0.01, 0.01, 0.05]), kind=KIND,
                 detection=np.array([0.5, 1.0, 0.8, 0.0, 1.0]),
                 score_cost=np.array([10.0, 50.0, 0, 0, 0]), list_cost=np.array([0, 30.0, 0, 0, 0]),
                 reward=np.array([0, 0, 20.0, 0, 0]), min_age=np.zeros(5, np.int16),
                 max_age=np.full(5, 100, np.int16))
    return a, RateParams((2.0, 1.5, 1.0, 1.0, 1.0), (1.0, 1.0, 1.0, 1.5, 1.0), 0.5, 0.0, 1.0, 0.0)
