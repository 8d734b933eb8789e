"""Who is hurt: restrictions, denials and wrongful listings by group, counted per person."""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from helpers import assert_one_line_error, cli
from scslab.experiment.executor import RunSpec
from scslab.experiment.hurt import SHOWN, HurtTracker
from scslab.experiment.metrics import run_metrics, scalars
from scslab.sim import Simulation
from scslab.sim.run import RunResult

# Court filings far more often than the scenario's calibrated rate, so a month lists people.
SETS = {"behaviour.rates.refuses_despite_ability": "1/30"}


def _run():
    plan = RunSpec("court-sources", 2000, 20, 1, SETS).resolve()
    sim = Simulation(plan, keep_ledger=False).init()
    tracker = HurtTracker(sim)
    daily = sim.run(on_day=tracker.on_day)
    return tracker, scalars(run_metrics(RunResult(sim, daily, None, 0.0).daily_table()))


def _value(t, dim, group, metric):
    rows = t.filter(pc.and_(pc.and_(pc.equal(t.column("dimension"), dim), pc.equal(t.column("group"), group)),
                            pc.equal(t.column("metric"), metric)))
    return rows.column("value").to_pylist()[0]


def test_groups_partition_the_persons_and_denials_match_the_gates():
    tracker, sc = _run()
    t = tracker.table()
    own = sum(v for k, v in sc.items()
              if k.startswith("denied/") and not k.endswith("_family_spillover"))
    assert own > 0
    for dim in ("age_group", "income_quintile", "region", "sex"):
        rows = t.filter(pc.equal(t.column("dimension"), dim))
        groups = sorted(set(rows.column("group").to_pylist()))
        assert sum(_value(t, dim, g, "persons") for g in groups) == 2000
        # denials per person-year times person-years, summed over groups: every own denial
        total = sum(_value(t, dim, g, "denials_per_person_year") * _value(t, dim, g, "person_years")
                    for g in groups if _value(t, dim, g, "persons") > 0)
        assert total == own or np.isclose(total, own)
        for g in groups:
            affected = _value(t, dim, g, "persons_affected")
            assert _value(t, dim, g, "persons_denied") <= affected <= _value(t, dim, g, "persons")
    # distinct persons, not requests: nobody is counted twice
    assert int((tracker.denials > 0).sum()) <= own
    assert _value(t, "sex", "male", "share_ever_restricted") > 0


def test_children_are_never_restricted_by_their_own_filings():
    tracker, _ = _run()
    t = tracker.table()
    assert _value(t, "age_group", "0-17", "share_ever_restricted") == 0


def test_cli_hurt_writes_the_tables_and_report(tmp_path):
    out = tmp_path / "h"
    r = cli("hurt", "court-sources", "--persons", 1500, "--days", 10, "--seeds", 2,
            "--fix", "behaviour.rates.refuses_despite_ability='1/30'", "--out", out)
    assert r.code == 0, r.stderr
    s = pq.read_table(out / "hurt_summary.parquet")
    assert set(s.column("n").to_pylist()) == {2}
    assert set(s.column("dimension").to_pylist()) == {"age_group", "income_quintile", "region", "sex"}
    html = (out / "report.html").read_text()
    assert all(m in html for m in SHOWN) and "By income quintile" in html
    assert_one_line_error(cli("hurt", "court-sources", "--fix", "nope", "--out", tmp_path / "x"), "--fix")


def test_sweep_with_hurt_gives_each_arm_its_distribution(tmp_path):
    out = tmp_path / "sw"
    r = cli("sweep", "court-sources", "--set", "behaviour.rates.refuses_despite_ability='1/30','1/3000'",
            "--persons", 1500, "--days", 10, "--hurt", "--out", out)
    assert r.code == 0, r.stderr
    s = pq.read_table(out / "summary.parquet")
    rows = s.filter(pc.equal(s.column("metric"), "hurt/sex/male/share_ever_restricted"))
    by = dict(zip(rows.column("behaviour.rates.refuses_despite_ability").to_pylist(),
                  rows.column("mean").to_pylist(), strict=True))
    assert by["1/30"] > by["1/3000"]
    assert "Who is hurt, by income quintile" in (out / "report.html").read_text()
