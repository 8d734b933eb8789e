"""Scenarios with a timeline: regimes start, end, pause and resume; detection, coverage and
behaviour change on their dates, and nothing else does."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from helpers import ledger_lines
from scslab.dates import to_day
from scslab.errors import InputError
from scslab.regime.engine import Engine
from scslab.regime.load import load_rulebook
from scslab.regime.rules import Rule
from scslab.regime.schema import Act
from scslab.sim import Simulation
from scslab.sim.resolve import resolve

BASE = "court-sources"  # two regimes, declared sources, gates; starts 2020-01-01
COURT, CITY = "court-defaulters", "rongcheng"
CALENDAR_RULES = {int(Rule.LIST_DELETED), int(Rule.EXPIRED), int(Rule.LIST_TERM_ENDED)}


def run(timeline: list[dict[str, Any]] | None, persons: int = 6000, days: int = 40,
        seed: int = 2, partitions: int = 1, sets: dict[str, Any] | None = None):
    s = dict(sets or {})
    if timeline is not None:
        s["timeline"] = [{"verified": False, **ev} for ev in timeline]
    sim = Simulation(resolve(BASE, persons=persons, days=days, seed=seed, sets=s),
                     partitions=partitions).init()
    return sim, sim.run()


def regime(sim, rid: str) -> int:
    return [e.rulebook.regime.id for e in sim.engines].index(rid)


def lines(sim, r: int):
    return sim.engines[r].ledger.drain()


def test_a_suspended_regime_is_frozen_and_catches_up_its_calendar_on_resume():
    """Suspended days 10-24 (2020-01-11 .. 01-25): bands, lists and scores do not move; the
    regime writes no line for a record then; before the suspension the run is the plain one."""
    tl = [{"date": "2020-01-11", "regime": CITY, "action": "suspend"},
          {"date": "2020-01-26", "regime": CITY, "action": "resume"}]
    sim, daily = run(tl)
    plain, pdaily = run(None)
    r = regime(sim, CITY)
    for k in range(10, 25):  # the end of day 9 is the state throughout
        assert (daily.bands[r][k] == daily.bands[r][9]).all()
        assert (daily.lists[r][k] == daily.lists[r][9]).all()
        assert daily.score_sum[r][k] == daily.score_sum[r][9]
    assert daily.score_sum[r][26:].tolist() != [daily.score_sum[r][9]] * 14  # it moves again
    x, p = lines(sim, r), lines(plain, r)
    day = x.day - sim.start  # days as 0-based indexes
    inside = (day >= 10) & (day < 25)
    assert set(x.rule[inside].tolist()) <= CALENDAR_RULES  # only the catch-up of its calendar
    before, pbefore = day < 10, (p.day - plain.start) < 10
    assert x.subject[before].tolist() == p.subject[pbefore].tolist()
    assert x.delta[before].tolist() == p.delta[pbefore].tolist()
    assert (daily.bands[r][:10] == pdaily.bands[r][:10]).all()


def test_a_suspension_keeps_pending_deletions_until_the_resume_day():
    """The court list's deletions that fall due while it is suspended happen on resumption."""
    tl = [{"date": "2020-01-06", "regime": COURT, "action": "suspend"},
          {"date": "2020-01-31", "regime": COURT, "action": "resume"}]
    sim, daily = run(tl, persons=20000, days=40,
                     sets={"behaviour.list_answers": [{
                         "regime": COURT, "list": "dishonest_judgment_defaulters",
                         "act": "performs_obligation", "base_per_year": 20.0}]})
    r = regime(sim, COURT)
    sizes = daily.lists[r][:, 0]
    assert (sizes[5:30] == sizes[4]).all()
    x = lines(sim, r)
    day = x.day - sim.start
    deleted_late = (x.rule == int(Rule.LIST_DELETED)) & (day >= 5) & (day < 30)
    # the engine's calendar had deletions due in the suspension: they are in the ledger under
    # their own days, and the list shrinks on the resume day by at least that many
    assert sizes[30] <= sizes[29] - int(deleted_late.sum()) + int(
        ((x.rule == int(Rule.LIST_ENTER)) & (day == 30)).sum())


def test_a_regime_that_starts_later_holds_everyone_at_the_start_until_its_date():
    tl = [{"date": "2020-01-21", "regime": CITY, "action": "start"}]
    sim, daily = run(tl)
    r = regime(sim, CITY)
    e = sim.engines[r]
    initial = e.rulebook.score.initial
    n = e.n_subjects
    assert daily.score_sum[r][:20].tolist() == [initial * n] * 20
    assert (daily.lists[r][:20] == 0).all()
    x = lines(sim, r)
    assert len(x) and (x.day - sim.start).min() >= 20


def test_an_ended_regime_writes_nothing_and_denies_nothing_after_its_end():
    tl = [{"date": "2020-01-16", "regime": COURT, "action": "end"}]
    sim, daily = run(tl, persons=6000, sets={"behaviour.rates.refuses_despite_ability": "1/300"})
    r = regime(sim, COURT)
    x = lines(sim, r)
    assert len(x) and (x.day - sim.start).max() < 15
    assert (daily.lists[r][15:] == daily.lists[r][14]).all()
    g = sim.gates
    j = [g.regime_gates[q].id for q in g.gating].index(COURT)
    e = sim.engines[r]
    listed = np.flatnonzero(e.listed(0, np.arange(sim.society.n_persons)))
    assert len(listed)
    svc = np.repeat(np.arange(len(g.service_ids)), len(listed))
    req = np.tile(listed, len(g.service_ids))
    assert not g.decide(svc, req).denied[j].any()  # ended: its list restricts nothing
    g.inactive.discard(r)
    assert g.decide(svc, req).denied[j].any()  # the same list, running, denies services


def test_a_detection_change_governs_the_acts_from_its_date():
    """Detection 0 then 1 for the default source's act: nothing recorded, then everything."""
    a = "public_fee_delay"
    tl = [{"date": "2020-01-01", "source": "default", "detection": {a: 0.0}},
          {"date": "2020-01-21", "source": "default", "detection": {a: 1.0}}]
    sim, daily = run(tl)
    i = sim.act_ids.index(a)
    assert daily.recorded[:20, i].sum() == 0 and daily.occurred[:20, i].sum() > 0
    assert daily.recorded[20:, i].tolist() == daily.occurred[20:, i].tolist()


def test_a_coverage_change_adds_the_uncovered_from_its_date():
    """Cameras that see nobody, then everybody (detection 1, no false matches, no delay)."""
    cams = {"sector": "social", "detection": {"traffic_ticket": 1.0}, "verified": False,
            "coverage": {"share": 0.0}}
    tl = [{"date": "2020-01-16", "source": "cams", "coverage": 1.0}]
    sets = {"sources.traffic-cameras": {"sector": "social", "detection": {"drunk_driving": 0.4},
                                        "verified": False}, "sources.cams": cams}
    sim, daily = run(tl, sets=sets)
    i = sim.act_ids.index("traffic_ticket")
    assert daily.recorded[:15, i].sum() == 0
    assert daily.recorded[15:, i].tolist() == daily.occurred[15:, i].tolist()


def test_a_coverage_group_change_touches_that_group_only():
    tl = [{"date": "2020-01-11", "source": "traffic-cameras",
           "coverage_groups": {"371002": 0.0}}]
    sim, _ = run(tl, days=12)
    layer = sim.layer
    src = layer.src[0]
    assert src.shares.tolist() == [0.8, 0.0, 0.6]


def test_a_behaviour_change_redraws_everyone_once_at_the_new_rates():
    """All persons' rates 0 from day 20: no person acts from then on; before, the plain run."""
    plan = resolve(BASE)
    zero = {a: 0 for a in plan.acts.ids}
    tl = [{"date": "2020-01-21", "behaviour": {"rates": zero}}]
    sets = {"behaviour.organisation_rates": {}, "behaviour.list_answers": []}
    _, daily = run(tl, sets=sets)
    _, pdaily = run(None, sets=sets)
    assert daily.occurred[20:].sum() == 0
    assert daily.occurred[:20].tolist() == pdaily.occurred[:20].tolist()


def test_a_doubled_rate_doubles_the_acts_from_its_date():
    """traffic_ticket at 1/200 a day, then 1/100: 30,000 persons (adults about 80 %) commit about
    120 then about 240 a day; deterrence is the same in both halves."""
    tl = [{"date": "2020-01-21", "behaviour": {"rates": {"traffic_ticket": "1/100"}}}]
    sim, daily = run(tl, persons=30000)
    i = sim.act_ids.index("traffic_ticket")
    before, after = daily.occurred[:20, i].mean(), daily.occurred[20:, i].mean()
    assert 1.8 < after / before < 2.2


@pytest.mark.parametrize(("event", "key"), [
    ({"date": "2020-01-05", "regime": "sesame", "action": "end"}, "timeline[0].regime"),
    ({"date": "2020-01-05", "regime": COURT, "action": "resume"}, "timeline[0].action"),
    ({"date": "2020-02-30", "regime": COURT, "action": "end"}, "timeline[0].date"),
    ({"date": "2020-01-05", "behaviour": {"aware_share": 0.5}}, "timeline[0].behaviour.aware_share"),
    ({"date": "2020-01-05", "behaviour": {"rates": {"nope": 1}}}, "timeline[0].behaviour.rates.nope"),
    ({"date": "2020-01-05", "behaviour": {"deterrence": {"clear": -1}}},
     "timeline[0].behaviour.deterrence.clear"),
    ({"date": "2020-01-05", "source": "default", "detection": {"traffic_ticket": 0.5}},
     "timeline[0].detection.traffic_ticket"),
    ({"date": "2020-01-05", "source": "default", "coverage": 0.5}, "timeline[0].coverage"),
    ({"date": "2020-01-05", "source": "cctv", "coverage": 0.5}, "timeline[0].source"),
    ({"date": "2020-01-05", "source": "traffic-cameras", "coverage_groups": {"999": 0.5}},
     "timeline[0].coverage_groups.999"),
    ({"date": "2020-01-05", "regime": CITY, "action": "amend", "by": "sesame"},
     "timeline[0].by"),
    ({"date": "2020-01-05", "regime": CITY, "action": "amend", "by": CITY},
     "timeline[0].action"),  # a regime amending itself never ran
    ({"date": "2020-01-05", "regime": CITY, "action": "amend"}, "timeline[0]"),
])
def test_bad_timeline_events_are_one_error_naming_the_key(event, key):
    with pytest.raises(InputError) as e:
        resolve(BASE, sets={"timeline": [{"verified": False, **event}]})
    assert e.value.key == key, e.value.message


def test_an_event_gives_one_kind_of_change():
    with pytest.raises(InputError) as e:
        resolve(BASE, sets={"timeline": [{"date": "2020-01-05", "regime": COURT, "verified": False,
                                          "action": "end", "source": "default",
                                          "detection": {"public_fee_delay": 0.1}}]})
    assert "timeline" in (e.value.key or "")


def test_a_timeline_run_is_the_same_for_every_partitioning():
    tl = [{"date": "2020-01-06", "regime": COURT, "action": "suspend"},
          {"date": "2020-01-16", "regime": COURT, "action": "resume"},
          {"date": "2020-01-09", "source": "traffic-cameras", "detection": {"traffic_ticket": 0.9}},
          {"date": "2020-01-12", "behaviour": {"perceived_detection": 0.5}}]
    out = []
    for p in (1, 3):
        sim, daily = run(tl, persons=9000, days=25, partitions=p)
        out.append((daily.occurred.tolist(), daily.recorded.tolist(),
                    [b.tolist() for b in daily.bands], [x.tolist() for x in daily.lists],
                    [e.ledger.drain().subject.tolist() for e in sim.engines]))
    assert out[0] == out[1]


def test_an_unsourced_event_says_it_is_unverified():
    with pytest.raises(InputError) as e:
        resolve(BASE, sets={"timeline": [{"date": "2020-01-05", "regime": COURT, "action": "end"}]})
    assert e.value.key == "timeline[0]" and "verified = false" in e.value.message


def test_without_a_timeline_nothing_is_planned():
    assert not resolve(BASE).timeline.any


def test_zhimas_pause_skips_the_february_update_and_freezes_every_score():
    """sesame-pause: suspended 1 Feb - 29 Feb 2020 (days 31-59); updates on the 1st."""
    sim = Simulation(resolve("sesame-pause", persons=4000, days=75)).init()
    daily = sim.run()
    s = daily.score_sum[0]
    assert (s[31:60] == s[30]).all() and s[60] != s[59]
    x = sim.engines[0].ledger.drain()
    day = x.day - sim.start
    assert not ((day >= 31) & (day < 60)).any()  # no record, no update, nothing due
    assert (day == 60).sum() > (day == 61).sum()  # the 1 Mar update rewrites scores


# ------------------------------------------------------------------- rules in force between dates
def test_records_before_a_rule_is_in_force_are_ignored(tmp_path):
    """Shanghai's garbage rules are in force from 1 Jul 2019: a refusal the day before counts not."""
    lines = ledger_lines("shanghai-garbage", "date,subject,act\n2019-06-30,a,refused_rectification\n"
                         "2019-07-01,a,refused_rectification", tmp_path)
    assert lines and {d for d, *_ in lines} == {"2019-07-01"}


def test_an_act_out_of_force_has_a_date_order():
    with pytest.raises(ValidationError, match="before in_force_from"):
        Act.model_validate({"id": "x", "category": "traffic", "sources": ["s"],
                            "in_force_from": "2019-02-01", "in_force_until": "2019-01-31"})
    with pytest.raises(ValidationError, match="no such date"):
        Act.model_validate({"id": "x", "category": "traffic", "sources": ["s"],
                            "in_force_until": "2019-02-30"})


def test_a_rule_coming_into_force_is_weighed_and_applied_from_its_date(tmp_path):
    """Rongcheng's traffic ticket (-5 points) in force from 2020-01-21 (day 20): persons weigh 0
    points for it before and 5 after (weight 1), and the regime writes no line for it before."""
    book = tmp_path / "rongcheng-2020.toml"
    book.write_text('extends = "rongcheng"\n[regime]\nid = "rongcheng-2020"\n'
                    'name = "Rongcheng, tickets from 21 Jan 2020"\n'
                    'description = "test variant"\n\n[[acts]]\nid = "traffic_ticket"\n'
                    'category = "traffic"\npoints = -5\nsources = ["FP"]\nverified = false\n'
                    'in_force_from = "2020-01-21"\n')
    sets = {"regimes": [str(book), COURT], "behaviour.answers_to": {
        "rongcheng-2020": {"weight": 1.0, "margin": 30}, COURT: {"weight": 1.0}}}
    plan = resolve(BASE, persons=6000, days=40, seed=2, sets=sets)
    i = plan.acts.ids.index("traffic_ticket")
    assert plan.acts.behaviour.acts.score_cost[i] == 0
    rates = plan.timeline.days[plan.horizon.start + 20].rates
    assert rates is not None and rates[0].score_cost[i] == 5.0
    sim = Simulation(plan).init()
    sim.run()
    r = regime(sim, "rongcheng-2020")
    x = lines(sim, r)
    tt = sim.engines[r].act_ids.index("traffic_ticket")
    day = x.day[x.act == tt] - sim.start
    assert len(day) and day.min() >= 20


# ------------------------------------------------------------------------------ amendments
def test_an_amendment_carries_list_entries_into_the_new_rulebook():
    """Order 251 -> Order 282 (1 Apr 2026): firm 0, dishonest since 2025, stays dishonest;
    firm 1, advanced-certified, stays so; the new regime's ledger says why."""
    old = Engine(load_rulebook("customs-credit"), 3).init()
    acts = old.act_ids
    old.step(to_day(_dt.date(2025, 5, 1)), np.array([0, 1]),
             np.array([acts.index("dishonesty_determined"),
                       acts.index("advanced_certification_granted")]))
    new = Engine(load_rulebook("customs-credit-2026"), 3).init()
    day = to_day(_dt.date(2026, 4, 1))
    touched = new.carry_over(day, old)
    assert sorted(touched.tolist()) == [0, 1]
    lists = new.list_ids
    assert new.listed(lists.index("dishonest"), np.arange(3)).tolist() == [True, False, False]
    assert new.listed(lists.index("advanced_certified"), np.arange(3)).tolist() == \
        [False, True, False]
    x = new.ledger.drain()
    assert x.rule.tolist() == [int(Rule.AMENDED_LIST)] * 2 and (x.day == day).all()
    assert "carried over" in new.rule_texts(x)[0]


def test_an_amended_regime_hands_its_scores_to_the_new_rulebook(tmp_path):
    """rongcheng amended on 2020-01-21 (day 20) by a variant: the old one writes nothing after,
    the new one nothing before; each score it carries is the old regime's final (frozen) one."""
    book = tmp_path / "rongcheng-b.toml"
    book.write_text('extends = "rongcheng"\n[regime]\nid = "rongcheng-b"\n'
                    'name = "Rongcheng, amended"\ndescription = "test variant"\n\n[[acts]]\n'
                    'id = "traffic_ticket"\ncategory = "traffic"\npoints = -10\n'
                    'sources = ["FP"]\nverified = false\n')
    tl = [{"date": "2020-01-21", "regime": CITY, "action": "amend", "by": "rongcheng-b"}]
    sets = {"regimes": [CITY, str(book), COURT], "behaviour.answers_to": {
        CITY: {"weight": 1.0, "margin": 30}, "rongcheng-b": {"weight": 1.0, "margin": 30},
        COURT: {"weight": 1.0}}}
    sim, daily = run(tl, sets=sets)
    r, b = regime(sim, CITY), regime(sim, "rongcheng-b")
    xo, xb = lines(sim, r), lines(sim, b)
    assert (xo.day - sim.start).max() < 20 and (xb.day - sim.start).min() == 20
    final = sim.engines[r].score
    carried = xb.rule == int(Rule.AMENDED_SCORE)
    assert (xb.day[carried] - sim.start == 20).all()
    assert xb.score_after[carried].tolist() == final[xb.subject[carried]].tolist()
    initial = sim.engines[b].rulebook.score.initial
    assert int(carried.sum()) == int((final != initial).sum())
    assert daily.score_sum[b][:20].tolist() == [initial * sim.engines[b].n_subjects] * 20


def test_only_the_dated_days_change_anything():
    """Tables are rebuilt on the days with a behaviour, detection or rule change, nowhere else."""
    tl = [{"date": "2020-01-11", "regime": COURT, "action": "suspend"},
          {"date": "2020-01-16", "source": "traffic-cameras", "coverage": 0.9},
          {"date": "2020-01-21", "behaviour": {"perceived_detection": 0.5}},
          {"date": "2021-06-01", "behaviour": {"perceived_detection": 0.7}}]  # after the end
    plan = resolve(BASE, days=40, sets={"timeline": [{"verified": False, **e} for e in tl]})
    start = plan.horizon.start
    days = plan.timeline.days
    assert sorted(d - start for d in days) == [10, 15, 20]
    assert [days[start + k].rates is not None for k in (10, 15, 20)] == [False, False, True]
