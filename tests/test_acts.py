"""Acts declared with their kind, age eligibility and values (conduct.acts)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scslab.conduct.acts import ActSpec, ValueDist, Values
from scslab.dates import add_months
from scslab.errors import InputError
from scslab.rng import Keyed
from scslab.sim import Simulation
from scslab.sim.resolve import resolve
from scslab.sim.scenario import load_scenario, scenario_data, scenario_from_data


def exact_age(birth: np.ndarray, day: int) -> np.ndarray:
    """Whole years from birth day to ``day``, by the calendar (a brute-force reference)."""
    years = np.floor((day - birth) / 365.25).astype(np.int64) + 1
    while True:  # step down until the birthday of that many years is not after the day
        late = add_months(birth, 12 * years) > day
        if not late.any():
            return years
        years = np.where(late, years - 1, years)


def occurrences_by_day(sim, days):
    """(day, subject, act) of every occurrence, phase by phase as the loop runs them."""
    out = []
    daily = sim.empty_daily()
    for k in range(days):
        day = sim.start + k
        occ = sim.conduct(day)
        out.append((day, occ.subject.copy(), occ.act.copy()))
        rec = sim.observe(k, occ, daily)
        changes = sim.apply(day, rec)
        sim.answer(k, day, changes)
        sim.respond(day, occ, changes)
        sim.aggregate(k, daily, None)
    return out


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from([(6, None), (12, 15), (0, 3), (18, None), (16, 17)]))
def test_no_act_by_an_ineligible_age(seed, ages):
    lo, hi = ages
    data = scenario_data(load_scenario("shaming"))
    spec = {"kind": "harmful", "min_age": lo, "verified": False}
    if hi is not None:
        spec["max_age"] = hi
    data["acts"]["jaywalking"] = spec
    data["behaviour"]["rates"]["jaywalking"] = 0.05
    sim = Simulation(scenario_from_data(data, "test"), persons=3_000, days=400, seed=seed).init()
    soc = sim.society
    birth = soc.birth_day()
    jay = sim.act_ids.index("jaywalking")
    seen = 0
    for day, subj, act in occurrences_by_day(sim, 400):
        persons = subj[(act == jay) & (subj < soc.n_persons)]
        age = exact_age(birth[persons], day)
        assert (age >= lo).all() and (hi is None or (age <= hi).all()), (day, age.min(), age.max())
        seen += len(persons)
    assert seen > 0


def test_a_birthday_opens_the_adult_acts():
    sim = Simulation("rongcheng", persons=20_000, days=365, seed=4).init()
    soc = sim.society
    birth = soc.birth_day()
    seventeen = np.flatnonzero(soc.age == 17)
    turned = {}
    for day, subj, _ in occurrences_by_day(sim, 365):
        s = subj[np.isin(subj, seventeen)]
        age = exact_age(birth[s], day)
        assert (age >= 18).all()  # never before the 18th birthday
        for p in s.tolist():
            turned.setdefault(p, day)
    assert len(turned) > 20  # and they do act once they are 18


def test_kinds_decide_who_acts_more():
    """Harmful acts scale with propensity; neutral and compliance acts do not."""
    data = scenario_data(load_scenario("rongcheng"))
    data["acts"]["public_fee_delay"] = {"kind": "neutral"}
    sim = Simulation(scenario_from_data(data, "test"), persons=60_000, days=120, seed=2).init()
    m = sim.society.propensity.astype(np.float64)
    counts = {a: np.zeros(sim.society.n_subjects) for a in ("traffic_ticket", "public_fee_delay")}
    for _, subj, act in occurrences_by_day(sim, 120):
        for a in counts:
            np.add.at(counts[a], subj[act == sim.act_ids.index(a)], 1)
    n = sim.society.n_persons
    high = m >= np.median(m)
    for a, ratio in (("traffic_ticket", 1.5), ("public_fee_delay", 1.1)):
        c = counts[a][:n]
        r = c[high].sum() / c[~high].sum()
        if a == "traffic_ticket":
            assert r > ratio  # the more prone act more
        else:
            assert abs(r - 1) < 0.1  # neutral: the same rate whatever the propensity


def test_an_act_no_regime_knows_occurs_and_is_never_recorded():
    data = scenario_data(load_scenario("rongcheng"))
    data["acts"]["elder_care_unrewarded"] = {"kind": "prosocial"}
    data["behaviour"]["rates"]["elder_care_unrewarded"] = 0.01
    sim = Simulation(scenario_from_data(data, "test"), persons=5_000, days=60, seed=1).init()
    daily = sim.run()
    j = sim.act_ids.index("elder_care_unrewarded")
    assert daily.occurred[:, j].sum() > 1_000
    assert daily.recorded[:, j].sum() == 0


def test_unrewarded_prosocial_acts_get_no_incentive():
    plan = resolve("rongcheng")
    acts = plan.acts.behaviour.acts
    assert acts.reward[plan.acts.ids.index("heroic_act")] > 0  # rewarded (+30) and seen
    data = scenario_data(load_scenario("rongcheng"))
    data["acts"]["x"] = {"kind": "prosocial"}
    data["behaviour"]["rates"]["x"] = 0.01
    plan = resolve(scenario_from_data(data, "test"))
    assert plan.acts.behaviour.acts.reward[plan.acts.ids.index("x")] == 0


@pytest.mark.parametrize(("change", "key"), [
    ({"acts.traffic_ticket": {"kind": "bad"}}, "acts.traffic_ticket.kind"),
    ({"acts.traffic_ticket": {"kind": "harmful", "min_age": 10}}, "acts.traffic_ticket"),
    ({"acts.traffic_ticket": {"kind": "harmful", "min_age": 30, "max_age": 20}}, "acts.traffic_ticket"),
    ({"acts.traffic_ticket": {"kind": "harmful", "value": {"dist": "lognormal", "median": 5}}},
     "acts.traffic_ticket.value"),
    ({"acts.traffic_ticket": {"kind": "harmful", "value": {"dist": "integers", "low": 3, "high": 1}}},
     "acts.traffic_ticket.value"),
    ({"acts.ghost": {"kind": "harmful"}}, "acts.ghost"),
    ({"behaviour.rates.heroic_act": 0.001, "acts": {}}, "behaviour.rates"),
])
def test_bad_act_declarations_name_their_key(change, key):
    with pytest.raises(InputError) as e:
        resolve("rongcheng", sets=change)
    keys = [x.key or "" for x in e.value.related]
    assert any(k.startswith(key) for k in keys), keys


def test_values_follow_their_declared_distributions():
    n = 200_000
    ability = np.exp(np.random.default_rng(0).normal(0, 0.6, n))
    dists = (ValueDist(dist="lognormal", median=200.0, sigma=0.8, income_elasticity=1.0, unit="yuan"),
             ValueDist(dist="integers", low=1, high=3, unit="years"),
             ValueDist(dist="fixed", value=7.0), None)
    v = Values(dists, SimpleNamespace(ability_to_pay=ability, n_persons=n), Keyed(3, "conduct.values"))
    subj = np.arange(n)
    luck = np.random.default_rng(1).integers(0, 2**32, n, dtype=np.uint32)
    for a, check in enumerate((
            lambda x: abs(np.median(np.log(x / ability)) - np.log(200)) < 0.02,
            lambda x: set(np.unique(x).tolist()) == {1.0, 2.0, 3.0} and abs(x.mean() - 2) < 0.02,
            lambda x: (x == 7.0).all(),
            lambda x: (x == 1.0).all())):
        x = v.draw(5, subj, np.full(n, a), luck)
        assert check(x), a
    again = v.draw(5, subj, np.zeros(n, np.int64), luck)
    assert np.array_equal(again, v.draw(5, subj, np.zeros(n, np.int64), luck))  # keyed


def test_children_acts_need_a_source_or_a_flag():
    with pytest.raises(ValueError, match="documented exception"):
        ActSpec(kind="harmful", min_age=8)
    assert ActSpec(kind="harmful", min_age=8, verified=False).min_age == 8
    assert ActSpec(kind="harmful", min_age=8, sources=["https://example.org"]).min_age == 8


def test_sesame_purchases_carry_yuan_values_scaled_by_income():
    sim = Simulation("sesame", persons=20_000, days=30, seed=5).init()
    daily = sim.empty_daily()
    j = sim.act_ids.index("platform_spending")
    values, who = [], []
    for k in range(30):
        day = sim.start + k
        occ = sim.conduct(day)
        rec = sim.observe(k, occ, daily)
        assert rec.value is not None
        values.append(rec.value[rec.act == j])
        who.append(rec.subject[rec.act == j])
        sim.respond(day, occ, sim.apply(day, rec))
    v, s = np.concatenate(values), np.concatenate(who)
    income = sim.society.ability_to_pay.astype(np.float64)[s]
    assert abs(np.median(np.log(v / income)) - np.log(100)) < 0.05  # median 100 yuan at median income
    assert np.corrcoef(np.log(v), np.log(income))[0, 1] > 0.3
