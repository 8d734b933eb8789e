"""The court-list study's measures on a small run that lists many (rates raised 50x)."""

from __future__ import annotations

import time

from scslab.experiment.metrics import run_metrics, scalars
from scslab.sim.loop import Simulation
from scslab.sim.resolve import resolve
from scslab.sim.run import RunResult
from scslab.studies.measures.court_list import Measure


def _run(sets: dict) -> tuple[Measure, dict[str, float], dict[str, float]]:
    sets = {"behaviour.rates.refuses_despite_ability": "1/5000",
            "behaviour.list_answers": [{"regime": "court-defaulters",
                                        "list": "dishonest_judgment_defaulters",
                                        "act": "performs_obligation", "base_per_year": 2.0,
                                        "per_denial_per_year": 0.0}], **sets}
    plan = resolve("court-list", persons=1500, days=150, seed=3, sets=sets)
    sim = Simulation(plan).init()
    m = Measure(sim, {}, None)
    daily = sim.run(on_day=m.on_day)
    metrics = run_metrics(RunResult(sim, daily, None, time.perf_counter()).daily_table())
    rows = {r[0]: r[2] for r in m.rows(metrics) if r[1] is None}
    return m, rows, scalars(metrics)


def test_stock_share_and_restricted_after_performance_are_consistent() -> None:
    _, rows, sc = _run({})
    # Persons on the list on the last day: at most the run's own stock of subjects.
    listed = sc["court-defaulters/list/dishonest_judgment_defaulters"]
    assert 0 < rows["list_stock_per_million"] * 1500 / 1e6 <= listed
    assert rows["subjects_ever_listed"] > 10
    assert 0 < rows["share_performed"] <= 1
    assert rows["restriction_days_after_performance_per_million"] > 0
    # Subject-days restricted after performance never exceed restriction x days.
    assert (rows["restriction_days_after_performance_per_million"]
            <= rows["restrictions_after_performance_per_million"])
    _, rows0, _ = _run({"deletion_delays": []})
    assert rows0["restriction_days_after_performance_per_million"] \
        <= rows["restriction_days_after_performance_per_million"]
    assert rows0["subjects_ever_listed"] == rows["subjects_ever_listed"]


def test_no_false_filings_means_no_wrongful_days() -> None:
    _, rows, _ = _run({"sources.court-filings.false_positives.refuses_despite_ability": 0.0})
    assert rows["wrongful_list_days_per_million"] == 0
