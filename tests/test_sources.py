"""The sources layer: coverage, schedules, false positives, delays, truth counts, late deletions."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scslab.dates import add_working_days, to_day
from scslab.errors import InputError
from scslab.regime.state import LATE, MISSED, ON_TIME
from scslab.rng import Keyed
from scslab.sim import Simulation
from scslab.sim.resolve import resolve
from scslab.sources.deletions import LateDeletions
from scslab.sources.layer import growth
from scslab.sources.spec import DeletionDelay, SourceSpec

BASE = "court-and-rongcheng"
LIST = "dishonest_judgment_defaulters"
COURT_ACTS = ("refuses_despite_ability", "violates_property_report", "obstructs_enforcement",
              "sham_litigation", "violates_consumption_order", "refuses_settlement",
              "performs_obligation")


def _known_detection() -> dict[str, float]:
    """Every act some regime knows, with the detection the base scenario gives it."""
    plan = resolve(BASE)
    return {a: float(d) for a, d in zip(plan.acts.ids, plan.acts.detection, strict=True) if d > 0}


def source(**kw: Any) -> dict[str, Any]:
    return {"sector": "judicial", "verified": False, **kw}


def run(sets: dict[str, Any], persons: int = 5000, days: int = 40, seed: int = 1):
    sim = Simulation(resolve(BASE, persons=persons, days=days, seed=seed, sets=sets)).init()
    return sim, sim.run()


def state(sim, daily):
    lines = [e.ledger.drain() for e in sim.engines]
    return (daily.occurred.tolist(), daily.recorded.tolist(), [b.tolist() for b in daily.bands],
            [x.tolist() for x in daily.lists],
            [None if e.score is None else e.score.tolist() for e in sim.engines],
            [(x.day.tolist(), x.subject.tolist(), x.rule.tolist(), x.delta.tolist()) for x in lines])


def only_false_listings(rate: float) -> dict[str, Any]:
    """Nobody acts; court filings falsely name persons for the first listing ground."""
    plan = resolve(BASE)
    sets: dict[str, Any] = {f"behaviour.rates.{a}": 0 for a in plan.acts.ids}
    sets["behaviour.organisation_rates"] = {}
    sets["sources.court"] = source(detection={a: 1.0 for a in COURT_ACTS},
                                   false_positives={"refuses_despite_ability": rate})
    return sets


# ------------------------------------------------------------------ equal to the default source
@settings(max_examples=4, deadline=None)
@given(st.integers(1, 6000), st.integers(1, 30), st.integers(0, 2**63 - 1))
def test_a_perfect_declared_source_changes_nothing(persons, days, seed):
    """False-positive rate 0, full coverage, no delay: the run equals today's, nothing wrongful."""
    det = _known_detection()
    sets = {"sources.detection": {}, "sources.all": source(
        detection=det, false_positives={a: 0.0 for a in det}, coverage={"share": 1.0})}
    plain = Simulation(resolve(BASE, persons=persons, days=days, seed=seed)).init()
    a = state(plain, plain.run())
    sim, daily = run(sets, persons, days, seed)
    assert state(sim, daily) == a
    w = daily.wrongful
    assert w.records.sum() == 0 and w.restricted.sum() == 0 and w.denied.sum() == 0
    assert all(x.sum() == 0 for x in w.listed)
    assert daily.sources.false_by_source.sum() == 0 and daily.sources.pending.sum() == 0


def test_without_declared_sources_there_is_no_layer():
    sim, daily = run({}, persons=2000, days=5)
    assert sim.layer is None and daily.wrongful is None and daily.sources is None


# ------------------------------------------------------------------------ false positives
def test_false_positives_follow_their_keyed_draws_and_reach_the_regime():
    """Hand-computed reference: per day, Poisson(rate x persons) candidates, each covered."""
    rate, persons, days, seed = 2e-4, 5000, 30, 7
    sim, daily = run(only_false_listings(rate), persons, days, seed)
    a = sim.act_ids.index("refuses_despite_ability")
    k = Keyed(seed, "sources.court.false")
    n_persons = sim.society.n_persons
    want = [k.poisson(rate * n_persons, a, sim.start + d) for d in range(days)]
    got = daily.sources.false_by_source[:, 1]
    assert got.tolist() == want and sum(want) > 0
    assert daily.recorded[:, a].tolist() == want  # nobody acts: every record is false
    court = [e.rulebook.regime.id for e in sim.engines].index("court-defaulters")
    assert daily.wrongful.records[:, court].tolist() == want


def test_false_records_fall_on_the_subjects_their_keyed_words_name():
    """Brute-force reference of one day: candidate j's subject is (word0 x persons) >> 32."""
    from scslab.rng import philox

    seed = 11
    sim = Simulation(resolve(BASE, persons=20_000, days=3, seed=seed,
                             sets=only_false_listings(1e-3))).init()
    a = sim.act_ids.index("refuses_despite_ability")
    n_p, day = sim.society.n_persons, sim.start
    e = np.zeros(0, np.int64)
    occ = np.zeros(len(sim.act_ids), np.int64)
    x = sim.layer.observe(0, e, e, e.astype(np.uint32), occ, occ.copy(), lambda *args: None)
    n = Keyed(seed, "sources.court.false").poisson(1e-3 * n_p, a, day)
    who = Keyed(seed, "sources.court.false.who")
    want = [(int(philox(j, day, a, who.sid, who.k0, who.k1)[0]) * n_p) >> 32 for j in range(n)]
    assert n > 5 and x.subject.tolist() == want
    assert (x.act == a).all() and not x.true.any() and (x.source == 1).all()


def test_uncovered_subjects_get_no_false_records():
    sets = only_false_listings(1e-3)
    sets["sources.court"]["coverage"] = {"share": 0.0}
    _, daily = run(sets, 3000, 20)
    assert daily.sources.false_by_source.sum() == 0


def test_the_wrongly_listed_are_counted_with_their_restrictions_and_denials():
    """Every listing is wrongful when every record is false."""
    sim, daily = run(only_false_listings(2e-4), 8000, 60, 3)
    court = [e.rulebook.regime.id for e in sim.engines].index("court-defaulters")
    e = sim.engines[court]
    li = e.list_ids.index(LIST)
    w = daily.wrongful
    assert w.listed[court][:, li].tolist() == daily.lists[court][:, li].tolist()
    assert daily.lists[court][-1, li] > 0
    listed = np.flatnonzero(e.listed(li, np.arange(e.n_subjects)))
    assert w.restricted[-1, court] == e.restrictions_held(listed).sum() > 0
    assert w.denied[:, court].sum() > 0


# ------------------------------------------------------------------------------ coverage
def test_coverage_by_region_sees_only_the_covered_region():
    det = _known_detection()
    sets = {"society.region_codes": ["371082", "371002"], "sources.detection": {},
            "sources.all": source(detection=det, coverage={
                "share": 1.0, "by": "region", "groups": {"371002": 0.0}})}
    sim, _ = run(sets, 4000, 20)
    soc = sim.society
    region = np.concatenate([soc.region, soc.org_region])
    lines = [e.ledger.drain() for e in sim.engines]
    rec = np.concatenate([x.subject[x.act >= 0] for x in lines])
    assert len(rec) and (region[rec] == 0).all()
    assert (region == 1).sum() > 1000  # the uncovered region has people


def test_growth_compounds_between_its_dates():
    spec = SourceSpec.model_validate(source(detection={"x": 0.5}, schedule={
        "applies_to": "coverage", "growth_per_year": 0.13, "start": "2012-01-01",
        "end": "2017-12-31"}))
    d = to_day(_dt.date(2014, 1, 1))
    t = d - to_day(_dt.date(2012, 1, 1))
    assert growth(spec, d) == pytest.approx(1.13 ** (t / 365.25))
    assert growth(spec, to_day(_dt.date(2011, 5, 1))) == 1.0
    end = growth(spec, to_day(_dt.date(2017, 12, 31)))
    assert growth(spec, to_day(_dt.date(2020, 1, 1))) == end
    assert end == pytest.approx(1.13 ** ((to_day(_dt.date(2017, 12, 31)) -
                                          to_day(_dt.date(2012, 1, 1))) / 365.25))


# -------------------------------------------------------------------------------- delays
def _layer(delay: dict[str, Any], days: int = 12):
    det = _known_detection()
    sim = Simulation(resolve(BASE, persons=2000, days=days, seed=4, sets={
        "sources.detection": {}, "sources.all": source(detection=det, delay=delay)})).init()
    return sim, sim.layer, sim.act_ids.index("traffic_ticket")


def _feed(layer, a: int, k: int, n: int = 50):
    """Day k: subjects 100 k .. 100 k + n - 1 each commit act a, with luck 0 (always seen)."""
    subj = np.arange(n, dtype=np.int64) + 100 * k
    occ, rec = np.zeros(len(layer.detection), np.int64), np.zeros(len(layer.detection), np.int64)
    x = layer.observe(k, subj, np.full(n, a, np.int64), np.zeros(n, np.uint32), occ, rec,
                      lambda *args: None)
    return x, occ, rec


def test_a_fixed_delay_holds_each_record_its_days():
    lag = 4
    _, layer, a = _layer({"dist": "fixed", "days": lag})
    for k in range(12):
        x, occ, rec = _feed(layer, a, k)
        assert occ[a] == 50
        if k < lag:
            assert len(x) == 0 and rec[a] == 0
        else:
            assert x.subject.tolist() == list(range(100 * (k - lag), 100 * (k - lag) + 50))
            assert (x.act_k == k - lag).all() and x.true.all() and rec[a] == 50
        assert layer.pending[k] == 50 * min(k + 1, lag)


def test_uniform_delays_arrive_within_their_bounds_and_in_act_order():
    _, layer, a = _layer({"dist": "uniform", "low": 2, "high": 5}, days=30)
    seen, lags = [], set()
    for k in range(30):
        x, _, _ = _feed(layer, a, k)
        lag = k - x.act_k
        assert ((lag >= 2) & (lag <= 5)).all()
        assert (np.diff(x.act_k) >= 0).all()  # the oldest first
        seen += x.subject.tolist()
        lags |= set(lag.tolist())
    assert len(seen) == len(set(seen))  # each record arrives once
    assert len(seen) + layer.pending[-1] == 30 * 50
    assert lags == {2, 3, 4, 5}


# ---------------------------------------------------------------------------- deletions
def _late(**kw: Any) -> LateDeletions:
    spec = DeletionDelay.model_validate({"regime": "r", "list": "l", "verified": False, **kw})
    return LateDeletions(spec, Keyed(5, "regime.r.deletions.l"))


def test_a_late_deletion_runs_its_extra_working_days_late():
    day = to_day(_dt.date(2024, 3, 1))  # a Friday
    due = int(add_working_days(day, 3))  # Wednesday 6 March
    when, how = _late(late_share=1.0, extra_days={"dist": "fixed", "days": 5})(
        day, np.arange(10), due)
    assert (how == LATE).all()
    assert (when == to_day(_dt.date(2024, 3, 13))).all()  # 5 working days after 6 March


def test_a_missed_deletion_waits_for_the_appeal():
    day, due = 20000, 20003
    s = np.arange(200)
    when, how = _late(missed_share=1.0, appeal_per_year=2.0)(day, s, due)
    assert (how == MISSED).all()
    wait = Keyed(5, "regime.r.deletions.l").exponential(s, day, 2) * 365.25 / 2.0
    assert when.tolist() == (due + np.maximum(1, np.ceil(wait))).astype(int).tolist()
    assert abs((when - due).mean() - 365.25 / 2) < 40  # mean wait half a year


def test_on_time_deletions_keep_their_day():
    when, how = _late(late_share=0.0, missed_share=0.0)(100, np.arange(5), 103)
    assert (how == ON_TIME).all() and (when == 103).all()


def test_missed_deletions_keep_performers_restricted():
    """Every deletion missed: after performance, subjects stay listed and restricted."""
    sets = only_false_listings(3e-4)
    sets["behaviour.list_answers"] = [{  # the wrongly listed perform within weeks
        "regime": "court-defaulters", "list": LIST, "act": "performs_obligation",
        "base_per_year": 20.0, "per_denial_per_year": 0.1}]
    base = run(sets, 6000, 90, 2)[1]
    sets["deletion_delays"] = [{"regime": "court-defaulters", "list": LIST, "missed_share": 1.0,
                                "appeal_per_year": 0.5, "verified": False}]
    sim, daily = run(sets, 6000, 90, 2)
    court = [e.rulebook.regime.id for e in sim.engines].index("court-defaulters")
    li = sim.engines[court].list_ids.index(LIST)
    on_time = base.wrongful.after_performance[court][:, li].sum()
    missed = daily.wrongful.after_performance[court][:, li].sum()
    assert missed > on_time > 0
    assert daily.lists[court][-1, li] > base.lists[court][-1, li]


# --------------------------------------------------------------------------------- input
@pytest.mark.parametrize(("sets", "key"), [
    ({"sources.a": source(detection={"traffic_ticket": 0.5}),
      "sources.b": source(detection={"traffic_ticket": 0.5})}, "sources.b.detection.traffic_ticket"),
    ({"sources.a": source(detection={"traffic_ticket": 0.5})}, "sources.detection.traffic_ticket"),
    ({"sources.detection": {}, "sources.a": source(detection={"traffic_ticket": 0.5},
                                                   coverage={"by": "region", "groups": {"999999": 1}})},
     "sources.a.coverage.groups.999999"),
    ({"sources.a": {"sector": "judicial", "detection": {"heroic_act": 0.5}}}, "sources.a"),
    ({"sources.a": source(detection={"heroic_act": 0.5}, false_positives={"drunk_driving": 1e-6})},
     "sources.a"),
    ({"sources.default": source(detection={"heroic_act": 0.5})}, "sources.default"),
    ({"deletion_delays": [{"regime": "court-defaulters", "list": "nope", "verified": False}]},
     "deletion_delays[0].list"),
])
def test_bad_sources_are_one_error_naming_the_key(sets, key):
    sets = {"sources.detection": {}, **sets} if key != "sources.detection.traffic_ticket" else sets
    with pytest.raises(InputError) as info:
        resolve(BASE, sets=sets)
    assert info.value.key == key


def test_a_run_folder_holds_the_sources_and_their_counts(tmp_path):
    from scslab.runfolder import read_run
    from scslab.sim.run import run_scenario

    run_scenario("court-sources", persons=20_000, days=60, seed=2, out=tmp_path / "run")
    rf = read_run(tmp_path / "run")
    assert [x["id"] for x in rf.sources] == ["traffic-cameras", "court-filings"]
    assert set(rf.keys("source_records")) == {"default", "traffic-cameras", "court-filings"}
    false = rf.total("source_false")
    assert false["traffic-cameras"] > 0 and false["default"] == 0
    assert rf.total("wrongful_records", "rongcheng")[""] == false["traffic-cameras"]
    for metric in ("wrongful_listed", "restricted_after_performance"):
        assert rf.keys(metric, "court-defaulters") == [LIST]
    for metric in ("wrongful_restricted", "wrongful_denied", "wrongful_records"):
        assert rf.keys(metric, "court-defaulters") == [""]


def test_a_late_deletion_in_the_engine_keeps_the_subject_listed_until_its_day():
    """Court list: removal on Fri 1 Mar 2024, due 3 working days later (Wed 6 Mar); 5 more
    working days make it Wed 13 Mar. The ledger line says so, and the subject stays listed."""
    from scslab.regime import load_rulebook
    from scslab.regime.engine import Engine

    rb = load_rulebook("court-defaulters")
    e = Engine(rb, 3).init()
    li = e.list_ids.index(LIST)
    e.delay_deletions(li, _late(late_share=1.0, extra_days={"dist": "fixed", "days": 5}))
    acts = e.act_ids
    fri = to_day(_dt.date(2024, 3, 1))
    e.step(fri - 30, np.array([1]), np.array([acts.index("refuses_despite_ability")]))
    e.step(fri, np.array([1]), np.array([acts.index("performs_obligation")]))
    lines = e.ledger.drain()
    texts = e.rule_texts(lines)
    assert any("effective 2024-03-13 (late; due 2024-03-06)" in t for t in texts), texts
    due, late = to_day(_dt.date(2024, 3, 6)), to_day(_dt.date(2024, 3, 13))
    for d in range(fri + 1, late):
        e.step(d)
        assert e.listed(li, np.array([1]))[0], d
        assert e.deletion_pending(li, np.array([1]))[0]
    assert due < late
    e.step(late)
    assert not e.listed(li, np.array([1]))[0]
