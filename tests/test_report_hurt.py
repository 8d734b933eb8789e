"""Who is hurt, from a run folder: the groups partition the persons, and each count agrees with a
direct reading of the folder's files."""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from scslab.report.hurt import run_hurt
from scslab.runfolder import read_run
from scslab.sim.run import run_scenario


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hurt") / "run"
    run_scenario("court-sources", persons=6_000, days=200, out=out)
    return out


def _by(table, dim: str, metric: str) -> float:
    t = table.filter(pc.and_(pc.equal(table.column("dimension"), dim),
                             pc.equal(table.column("metric"), metric)))
    return sum(t.column("value").to_pylist())


def test_groups_partition_the_persons(run_dir: Path) -> None:
    h = run_hurt(read_run(run_dir))
    for dim in ("age_group", "income_quintile", "region", "sex"):
        assert _by(h, dim, "persons") == 6_000


def test_denied_persons_are_the_distinct_denied_subjects(run_dir: Path) -> None:
    h = run_hurt(read_run(run_dir))
    g = pq.read_table(run_dir / "gates.parquet")
    denied = g.filter(pc.equal(g.column("outcome"), "denied")).column("subject").to_pylist()
    persons = {s for s in denied if s < 6_000}
    assert persons, "the fixture should deny someone"
    for dim in ("age_group", "sex"):
        assert _by(h, dim, "persons_denied") == len(persons)


def test_ever_listed_matches_the_ledger(run_dir: Path) -> None:
    h = run_hurt(read_run(run_dir))
    led = pq.read_table(run_dir / "ledger.parquet", columns=["subject", "rule", "list", "regime"])
    enters = led.filter(pc.equal(led.column("rule"), "list_enter"))
    listed = {s for s, r, li in zip(enters.column("subject").to_pylist(),
                                    enters.column("regime").to_pylist(),
                                    enters.column("list").to_pylist(), strict=True)
              if s < 6_000 and r == "court-defaulters"}
    share = sum(v * p for v, p in zip(
        h.filter(pc.and_(pc.equal(h.column("dimension"), "sex"),
                         pc.equal(h.column("metric"), "share_ever_listed"))).column("value").to_pylist(),
        h.filter(pc.and_(pc.equal(h.column("dimension"), "sex"),
                         pc.equal(h.column("metric"), "persons"))).column("value").to_pylist(),
        strict=True))
    assert round(share) == len(listed)
    assert _by(h, "sex", "persons_affected") >= len(listed)


def test_run_report_has_a_who_is_hurt_table_per_dimension(run_dir: Path) -> None:
    from scslab.report.build import write_report

    html = write_report(run_dir).read_text()
    for dim in ("age-group", "income-quintile", "region", "sex"):
        assert f'id="hurt-{dim}"' in html
    assert "persons wrongly listed" in html
