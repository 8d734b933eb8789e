"""Flows: one regime's list, band or score delivered as another regime's own act, days later.

Hand-computed cases on engines stepped by hand, then the built-in ``court-flows`` scenario.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from scslab.dates import to_day
from scslab.errors import InputError
from scslab.regime import Engine, load_rulebook
from scslab.regime.rules import Rule
from scslab.sim import Simulation
from scslab.sim.flows import Flows, FlowSpec, flows_plan
from scslab.sim.resolve import resolve

D0 = to_day(dt.date(2024, 1, 1))

BANK = """
[regime]
id = "bank"
name = "A bank's loan desk"
description = "test rulebook: a bank that scrutinises what other regimes report"
jurisdiction = "test"
subject_kinds = ["person"]
sources = ["TEST"]

[[acts]]
id = "grade_reported_low"
category = "financial"
description = "another regime reports a low grade"
verified = false

[[acts]]
id = "grade_restored"
category = "financial"
description = "the low grade is over"
verified = false

[[lists]]
id = "scrutiny"
name = "Loans scrutinised"
entries = [{ act = "grade_reported_low" }]
removal_acts = ["grade_restored"]
verified = false

[[consequences]]
list = "scrutiny"
restrictions = ["loan_scrutiny"]
verified = false

[[sources]]
key = "TEST"
title = "a test rulebook, no claim about any bank"
url = "https://example.org/"
"""


@pytest.fixture
def bank(tmp_path):
    p = tmp_path / "bank.toml"
    p.write_text(BANK, encoding="utf-8")
    return load_rulebook(str(p))


def flows(specs, books, engines, n_persons, days=200, rep=None):
    plans = flows_plan([FlowSpec.model_validate(s) for s in specs], books, "<test>")
    rep = np.full(max(0, engines[0].n_subjects - n_persons), -1) if rep is None else rep
    return Flows(plans, engines, rep, n_persons, D0, days)


def run_days(fl, engines, records, days):
    """Step every engine day by day: records[(regime, day offset)] = [(subject, act id)]."""
    touched_by_day = []
    for k in range(days):
        day = D0 + k
        arrived = fl.arrivals(day)
        touched = []
        for r, e in enumerate(engines):
            recs = records.get((r, k), [])
            s = [x for x, _ in recs]
            a = [e.act_ids.index(x) for _, x in recs]
            if r in arrived:
                s += arrived[r][0].tolist()
                a += arrived[r][1].tolist()
            touched.append(e.step(day, np.array(s, np.int64), np.array(a, np.int64)))
        fl.observe(day, touched)
        touched_by_day.append(touched)
    return touched_by_day


def lines(e, all_lines=False):
    """(day offset, subject, act id) of the ledger lines of records; all_lines: "" for others."""
    x = e.ledger.drain()
    out = [(int(d) - D0, int(s), e.act_ids[int(a)] if a >= 0 else "") for d, s, a in
           zip(x.day, x.subject, x.act, strict=True)]
    return out if all_lines else [t for t in out if t[2]]


def test_court_listing_reaches_sesame_a_day_later_and_its_deletion_too():
    court, sesame = load_rulebook("court-defaulters"), load_rulebook("sesame")
    e = [Engine(court, 10).init(), Engine(sesame, 8).init()]
    fl = flows([{"from": "court-defaulters", "list": "dishonest_judgment_defaulters",
                 "to": "sesame", "on_entry": "court_listed", "on_exit": "court_delisted",
                 "delay_days": 3, "verified": False}], [court, sesame], e, 8)
    # Subject 2 listed on day 5, performs on day 20; subject 9 (an organisation, beyond
    # Sesame's 8 persons) is listed on day 5 and never reaches Sesame.
    run_days(fl, e, {(0, 5): [(2, "refuses_despite_ability"), (9, "refuses_despite_ability")],
                     (0, 20): [(2, "performs_obligation")]}, 40)
    court_lines = lines(e[0], all_lines=True)
    assert (5, 2, "refuses_despite_ability") in court_lines
    exit_day = next(d for d, s, a in court_lines if s == 2 and d > 5 and a == "")
    got = lines(e[1])
    assert got == [(8, 2, "court_listed"), (exit_day + 3, 2, "court_delisted")]
    assert not e[1].listed(0, np.array([2]))[0]
    assert fl.delivered.sum() == 2 and fl.delivered[8, 0] == 1


def test_a_listing_reaches_sesame_s_list_only_after_the_delay():
    court, sesame = load_rulebook("court-defaulters"), load_rulebook("sesame")
    e = [Engine(court, 4).init(), Engine(sesame, 4).init()]
    fl = flows([{"from": "court-defaulters", "list": "dishonest_judgment_defaulters",
                 "to": "sesame", "on_entry": "court_listed", "delay_days": 10,
                 "verified": False}], [court, sesame], e, 4)
    run_days(fl, e, {(0, 0): [(1, "refuses_despite_ability")]}, 10)
    assert e[0].listed(0, np.array([1]))[0] and not e[1].listed(0, np.array([1]))[0]
    run_days_from = fl.arrivals(D0 + 10)
    assert run_days_from[1][0].tolist() == [1]


def test_an_organisation_s_listing_falls_on_its_legal_representative(bank):
    court = load_rulebook("court-defaulters")
    e = [Engine(court, 6).init(), Engine(bank, 4).init()]
    # persons 0..3, organisations 4 (represented by person 3) and 5 (by nobody)
    fl = flows([{"from": "court-defaulters", "list": "dishonest_judgment_defaulters",
                 "to": "bank", "on_entry": "grade_reported_low", "delay_days": 1,
                 "subject": "legal_representative", "verified": False}],
               [court, bank], e, 4, rep=np.array([3, -1]))
    run_days(fl, e, {(0, 2): [(4, "refuses_despite_ability"), (5, "refuses_despite_ability"),
                              (0, "refuses_despite_ability")]}, 5)
    assert [(d, s, a) for d, s, a in lines(e[1])] == [(3, 0, "grade_reported_low"),
                                                      (3, 3, "grade_reported_low")]
    assert e[1].consequences(3) == (["loan_scrutiny"], [])


def test_a_rongcheng_grade_reaches_the_bank_and_so_does_its_recovery(bank):
    rc = load_rulebook("rongcheng")
    e = [Engine(rc, 3).init(), Engine(bank, 3).init()]
    fl = flows([{"from": "rongcheng", "band": "C", "to": "bank", "on_entry": "grade_reported_low",
                 "on_exit": "grade_restored", "delay_days": 2, "verified": False}], [rc, bank], e, 3)
    # 1000 -100 = 900 (B) on day 1, -100 = 800 (C) on day 4, +30 = 830 (C) on day 6,
    # then -100 -100 -100 = 530 (D: out of C) on day 9.
    run_days(fl, e, {(0, 1): [(0, "utility_equipment_damage")],
                     (0, 4): [(0, "utility_equipment_damage")], (0, 6): [(0, "heroic_act")],
                     (0, 9): [(0, "utility_equipment_damage")] * 3}, 15)
    assert int(e[0].score[0]) == 530
    assert [(d, s, a) for d, s, a in lines(e[1])] == [(6, 0, "grade_reported_low"),
                                                      (11, 0, "grade_restored")]


def test_a_score_threshold_flows_on_crossing_only(bank):
    rc = load_rulebook("rongcheng")
    e = [Engine(rc, 2).init(), Engine(bank, 2).init()]
    fl = flows([{"from": "rongcheng", "score_below": 900, "to": "bank",
                 "on_entry": "grade_reported_low", "delay_days": 1, "verified": False}],
               [rc, bank], e, 2)
    # 900 is not below 900; 800 is; 700 is still below: one record only.
    run_days(fl, e, {(0, 0): [(1, "utility_equipment_damage")],
                     (0, 3): [(1, "utility_equipment_damage")],
                     (0, 5): [(1, "utility_equipment_damage")]}, 8)
    assert [(d, s, a) for d, s, a in lines(e[1])] == [(4, 1, "grade_reported_low")]


def test_starting_in_the_watched_band_is_no_entry(bank):
    rc = load_rulebook("rongcheng")
    e = [Engine(rc, 2).init(), Engine(bank, 2).init()]
    fl = flows([{"from": "rongcheng", "band": "A", "to": "bank", "on_exit": "grade_restored",
                 "delay_days": 1, "verified": False}], [rc, bank], e, 2)
    run_days(fl, e, {(0, 0): [(0, "traffic_ticket")], (0, 1): [(1, "utility_equipment_damage")]},
             4)
    assert lines(e[1]) == [(2, 1, "grade_restored")]  # 995 stays A; 900 leaves A


def test_records_due_after_the_horizon_are_pending():
    court, sesame = load_rulebook("court-defaulters"), load_rulebook("sesame")
    e = [Engine(court, 2).init(), Engine(sesame, 2).init()]
    fl = flows([{"from": "court-defaulters", "list": "dishonest_judgment_defaulters",
                 "to": "sesame", "on_entry": "court_listed", "delay_days": 30,
                 "verified": False}], [court, sesame], e, 2, days=20)
    run_days(fl, e, {(0, 1): [(0, "refuses_despite_ability")]}, 20)
    assert fl.pending == 1 and not fl.buckets and fl.delivered.sum() == 0


@pytest.mark.parametrize(("change", "key", "says"), [
    ({"list": "no_such_list"}, "flows[0].list", "has no list 'no_such_list'"),
    ({"to": "nowhere"}, "flows[0].to", "regime 'nowhere' is not one of"),
    ({"on_entry": "refuses_despite_ability"}, "flows[0].on_entry", "receiving rulebook's own"),
    ({"subject": "legal_representative", "from": "sesame", "list": "court_defaulters",
      "to": "court-ringback", "on_entry": "ringback_imposed", "on_exit": None},
     "flows[0].subject", "covers no organisations"),
])
def test_bad_flows_name_the_key(change, key, says):
    flow = {"from": "court-defaulters", "list": "dishonest_judgment_defaulters", "to": "sesame",
            "on_entry": "court_listed", "on_exit": "court_delisted", "delay_days": 1,
            "verified": False, **change}
    flow = {k: v for k, v in flow.items() if v is not None}
    with pytest.raises(InputError) as x:
        resolve("court-flows", sets={"flows": [flow]})
    assert x.value.key == key and says in x.value.message


@pytest.mark.parametrize("flow", [
    {"from": "a", "to": "b", "on_entry": "x", "verified": False},
    {"from": "a", "list": "l", "band": "B", "to": "b", "on_entry": "x", "verified": False},
    {"from": "a", "list": "l", "to": "b", "verified": False},
    {"from": "a", "list": "l", "to": "b", "on_entry": "x"},
    {"from": "a", "list": "l", "to": "b", "on_entry": "x", "delay_days": 0, "verified": False},
])
def test_a_flow_watches_one_thing_delivers_an_act_is_cited_and_takes_a_day(flow):
    with pytest.raises(InputError):
        resolve("court-flows", sets={"flows": [flow]})


def test_court_flows_scenario_every_delivery_follows_its_court_change():
    """Each receiving regime records its own act exactly ``delay`` days after each entry/exit."""
    sim = Simulation("court-flows", persons=6000, days=120, seed=2).init()
    sim.run()
    ids = [e.rulebook.regime.id for e in sim.engines]
    c = sim.engines[ids.index("court-defaulters")].ledger.drain()
    changes = {}
    for rules, what in (((Rule.LIST_ENTER,), "entry"), ((Rule.LIST_TERM_ENDED, Rule.LIST_DELETED),
                                                        "exit")):
        hit = np.isin(c.rule, rules) & (c.list == 0)
        changes[what] = list(zip(c.day[hit].tolist(), c.subject[hit].tolist(), strict=True))
    assert changes["entry"] and changes["exit"]
    end = sim.start + sim.n_days
    for rid, acts, delay in (("sesame", ("court_listed", "court_delisted"), 1),
                             ("court-ringback", ("ringback_imposed", "repayment_proven"), 30),
                             ("hebei-deadbeat-map", ("listed_defaulter_published", "delisted"), 7)):
        e = sim.engines[ids.index(rid)]
        x = e.ledger.drain()
        for act, what in zip(acts, ("entry", "exit"), strict=True):
            got = sorted((int(d), int(s)) for d, s, a, r in zip(x.day, x.subject, x.act, x.rule,
                                                                strict=True)
                         if a >= 0 and e.act_ids[int(a)] == act and r != Rule.LIST_DELETED)
            want = sorted((d + delay, s) for d, s in changes[what]
                          if d + delay < end and s < e.n_subjects)
            assert got == want, (rid, act)


# ------------------------------------------------------------------ Baihang: a shared source
BAIHANG = {"sector": "commercial", "detection": {"loan_default": 1.0, "repayment_overdue": 1.0},
           "verified": False}


def test_a_source_reaches_only_its_readers():
    """honest-shanghai knows loan_default too, but reads no Baihang: its map drops the act."""
    sets = {"regimes": ["court-defaulters", "sesame", "honest-shanghai"],
            "sources.baihang": {**BAIHANG, "readers": ["sesame"]},
            "behaviour.rates.loan_default": "1/50", "flows": []}
    plan = resolve("court-flows", sets=sets)
    ids = [rb.regime.id for rb in plan.rulebooks]
    j = plan.acts.ids.index("loan_default")
    assert plan.acts.regime_map[ids.index("sesame")][j] >= 0
    assert plan.acts.regime_map[ids.index("honest-shanghai")][j] == -1
    sim = Simulation(plan, persons=3000, days=20, seed=4).init()
    sim.run()
    for rid, sees in (("sesame", True), ("honest-shanghai", False)):
        e = sim.engines[ids.index(rid)]
        x = e.ledger.drain()
        got = {e.act_ids[int(a)] for a in x.act if a >= 0}
        assert ("loan_default" in got) is sees, rid
    # Shared by both, each regime gets every Baihang record (the same subjects and days).
    sets["sources.baihang"] = {**BAIHANG, "readers": ["sesame", "honest-shanghai"]}
    plan = resolve("court-flows", sets=sets)
    sim = Simulation(plan, persons=3000, days=20, seed=4).init()
    sim.run()
    seen = []
    for rid in ("sesame", "honest-shanghai"):
        e = sim.engines[ids.index(rid)]
        x = e.ledger.drain()
        seen.append(sorted((int(d), int(s)) for d, s, a in zip(x.day, x.subject, x.act, strict=True)
                           if a >= 0 and e.act_ids[int(a)] == "loan_default"))
    assert seen[0] and seen[0] == seen[1]


@pytest.mark.parametrize(("readers", "key"), [(["nobody"], "sources.baihang.readers[0]"),
                                              (["court-defaulters"],
                                               "sources.baihang.detection.loan_default")])
def test_readers_are_checked(readers, key):
    with pytest.raises(InputError) as x:
        resolve("court-flows", sets={"sources.baihang": {**BAIHANG, "readers": readers}})
    assert x.value.key == key


def test_a_tax_d_falls_on_the_legal_representative_once_per_day(bank):
    """tax-credit's April evaluation puts firms 3 and 4 (both represented by person 0) in D."""
    tax = load_rulebook("tax-credit")

    class Society:
        n_persons = 3
        org_legal_rep = np.array([0, 0, 1])

    e = [Engine(tax, 6).init(), Engine(bank, 3).init()]
    start = to_day(dt.date(2023, 1, 1))
    e[0].bind_society(Society(), start)
    plans = flows_plan([FlowSpec.model_validate(
        {"from": "tax-credit", "list": "class_d", "to": "bank", "on_entry": "grade_reported_low",
         "delay_days": 1, "subject": "legal_representative", "verified": False})],
        [tax, bank], "<test>")
    fl = Flows(plans, e, Society.org_legal_rep, 3, start, 500)
    vat = tax.act_ids().index("false_vat_invoice")
    april = to_day(dt.date(2024, 4, 1))
    for day in range(start, april + 3):
        arrived = fl.arrivals(day)
        s, a = (np.array([3]), np.array([vat])) if day == start + 181 else (None, None)
        touched = [e[0].step(day, s, a)]
        s2, a2 = arrived.get(1, (None, None))
        touched.append(e[1].step(day, s2, a2))
        fl.observe(day, touched)
    assert e[0].bands().tolist()[3:] == ["D", "D", "A"]
    x = e[1].ledger.drain()
    got = [(int(d) - april, int(s), e[1].act_ids[int(a)]) for d, s, a in
           zip(x.day, x.subject, x.act, strict=True) if a >= 0]
    assert got == [(1, 0, "grade_reported_low")]
    assert e[1].consequences(0) == (["loan_scrutiny"], []) and e[1].consequences(1) == ([], [])
