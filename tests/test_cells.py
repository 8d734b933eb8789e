"""Rate multipliers by attribute (conduct.cells): each cell acts at its declared multiple."""

from __future__ import annotations

import numpy as np
import pytest

from scslab.conduct.cells import quintile
from scslab.errors import InputError
from scslab.sim import Simulation
from scslab.sim.resolve import resolve
from scslab.sim.scenario import load_scenario, scenario_data, scenario_from_data


def with_multipliers(mult, act="traffic_ticket"):
    data = scenario_data(load_scenario("rongcheng"))
    data["acts"][act] = {"kind": "harmful", "multipliers": mult, "verified": False}
    return scenario_from_data(data, "test")

def counts_by(sim, days, act, attr):
    """Occurrences of ``act`` per level of ``attr`` (per person) over ``days``."""
    j = sim.act_ids.index(act)
    per = np.zeros(sim.society.n_persons)
    daily = sim.empty_daily()
    for k in range(days):
        day = sim.start + k
        occ = sim.conduct(day)
        np.add.at(per, occ.subject[(occ.act == j) & (occ.subject < len(per))], 1)
        rec = sim.observe(k, occ, daily)
        ch = sim.apply(day, rec)
        sim.answer(k, day, ch)
        sim.respond(day, occ, ch)
    adult = sim.society.age >= 20  # adults all run long, so eligibility does not differ
    return {lv: per[adult & (attr == lv)].mean() for lv in np.unique(attr)}

def test_quintiles_are_fifths():
    z = np.random.default_rng(0).normal(size=200_000)
    q = quintile(np.exp(0.7 * z), 0.7)
    assert np.allclose(np.bincount(q) / len(q), 0.2, atol=0.005)

def test_sex_and_household_role_multiply_the_rate():
    sc = with_multipliers({"sex": {"male": 3.0}, "household_role": {"head": 0.5}})
    sim = Simulation(sc, persons=60_000, days=60, seed=1).init()
    soc = sim.society
    head = np.zeros(soc.n_persons, int)
    head[soc.household_start[:-1]] = 1
    cell = soc.sex.astype(int) * 2 + head
    got = counts_by(sim, 60, "traffic_ticket", cell)
    base = got[0]  # female member
    for c, want in ((1, 0.5), (2, 3.0), (3, 1.5)):
        assert abs(got[c] / base - want) < 0.15 * want, (c, got[c] / base, want)

def test_income_quintiles_multiply_the_rate():
    sc = with_multipliers({"income_quintile": [2.0, 1.5, 1.0, 0.75, 0.5]})
    sim = Simulation(sc, persons=60_000, days=60, seed=2).init()
    soc = sim.society
    q = quintile(soc.ability_to_pay, soc.params.income_sigma)
    got = counts_by(sim, 60, "traffic_ticket", q)
    for k, want in enumerate((2.0, 1.5, 1.0, 0.75, 0.5)):
        assert abs(got[k] / got[2] - want) < 0.15 * want, (k, got[k] / got[2], want)

def test_an_unknown_region_names_its_key():
    with pytest.raises(InputError, match=r"multipliers\.region"):
        resolve(with_multipliers({"region": {"110101": 2.0}}))

def test_multipliers_keep_partitions_identical():
    sc = with_multipliers({"sex": {"female": 0.3}, "income_quintile": [1, 1, 1, 1, 4]})
    a = Simulation(sc, persons=9_000, days=40, seed=4).init()
    b = Simulation(sc, persons=9_000, days=40, seed=4, partitions=3).init()
    da, db = a.run(), b.run()
    assert np.array_equal(da.occurred, db.occurred)
    assert np.array_equal(a.engines[0].score, b.engines[0].score)


def test_age_bands_multiply_the_rate():
    sc = with_multipliers({"age": [[30, 0.5], [60, 0.2]]})
    sim = Simulation(sc, persons=60_000, days=60, seed=5).init()
    age = sim.society.age
    band = np.where(age >= 61, 2, np.where((age >= 31) & (age < 59), 1, -1))
    band[(age >= 20) & (age < 29)] = 0
    got = counts_by(sim, 60, "traffic_ticket", band)
    for b, want in ((1, 0.5), (2, 0.2)):
        assert abs(got[b] / got[0] - want) < 0.15 * want, (b, got[b] / got[0], want)


def test_age_steps_must_ascend():
    with pytest.raises(InputError, match="ascending"):
        resolve(with_multipliers({"age": [[30, 0.5], [20, 0.2]]}))


def test_too_many_groups_are_refused_by_check():
    with pytest.raises(InputError, match="at most 32"):
        resolve(with_multipliers({"age": [[a, 1.0 + a / 100] for a in range(20, 100, 5)],
                                  "sex": {"male": 2.0}}))
