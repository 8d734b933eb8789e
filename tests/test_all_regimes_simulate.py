"""Every built-in regime runs in simulation: its acts occur, are recorded, and change files."""

from __future__ import annotations

import pytest

from scslab.regime import builtin_regimes, load_rulebook
from scslab.sim import Scenario, Simulation


@pytest.mark.parametrize("name", [n for n in builtin_regimes() if n != "bench"])
def test_regime_runs_in_simulation(name):
    rb = load_rulebook(name)
    kinds = rb.regime.subject_kinds
    behaviour: dict = {"rates": {a.id: (0.002 if "person" in kinds else 0.0) for a in rb.acts}}
    if "organisation" in kinds:
        behaviour["organisation_rates"] = {a.id: 0.002 for a in rb.acts}
    # The smoke test declares kinds from the rulebook (the library never infers them).
    removal = {a for lst in rb.lists for a in lst.removal_acts}
    acts = {a.id: {"kind": "compliance" if a.id in removal else
                   "prosocial" if a.points > 0 else "harmful"} for a in rb.acts}
    sc = Scenario.model_validate({"scenario": {"name": f"smoke-{name}"}, "regimes": [name],
                                  "acts": acts, "behaviour": behaviour})
    days = 480 if rb.score is not None and getattr(rb.score, "kind", "points") == "evaluation" else 120
    sim = Simulation(sc, 3_000, days, 1).init()
    daily = sim.run()
    e = sim.engines[0]
    assert daily.recorded.sum() > 0
    assert e.ledger.n_lines > 0
    changed = (e.score is not None and (e.score != e.rulebook.score.initial).any()) or \
        bool((e.list_sizes() > 0).any())
    assert changed, f"{name}: no subject's file changed"


def test_shaming_scenario_produces_exposures_and_costs(tmp_path):
    import pyarrow.parquet as pq

    from scslab.sim import run_scenario

    run_scenario("shaming", persons=20_000, days=120, seed=3, out=tmp_path)
    daily = pq.read_table(tmp_path / "daily.parquet").to_pylist()
    exposures = {r["regime"] for r in daily if r["metric"] == "exposure" and r["value"] > 0}
    assert exposures == {"shenzhen-jaywalking", "court-ringback", "hebei-deadbeat-map"}
    assert sum(r["value"] for r in daily if r["metric"] == "ties_lost") > 0

    # The report shows those costs: a chart over time and the totals per channel.
    import re

    from scslab.report import write_report

    html = write_report(tmp_path).read_text(encoding="utf-8")
    assert "<h3>Costs of shaming over time</h3>" in html
    table = re.search(r'<table id="shaming-table">(.*?)</table>', html, re.S)
    assert table is not None and "<th>ties lost</th>" in table.group(1)
    assert "<th>jobs lost</th>" in table.group(1)
    ties = sum(r["value"] for r in daily if r["metric"] == "ties_lost")
    cells = re.findall(r"<tr><th>[^<]*</th><td[^>]*>[^<]*</td><td[^>]*>([^<]*)</td>", table.group(1))
    assert sum(float(c.replace(",", "")) for c in cells) == ties
