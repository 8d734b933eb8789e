"""Every built-in study, in quick mode: its files, their schema, and a computed conclusion.

One conformance suite over every study (as over every regime): a study added to
``scslab/studies/defs`` is tested here without a line of its own.
"""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from scslab.cli import main
from scslab.studies.run import RESULTS
from scslab.studies.spec import builtin_studies, load_study


@pytest.fixture(scope="module", params=builtin_studies())
def study_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp(request.param) / "out"
    assert main(["study", "run", request.param, "--quick", "--out", str(out)]) == 0
    return out


def test_results_have_exactly_the_columns(study_dir: Path) -> None:
    t = pq.read_table(study_dir / "results.parquet")
    assert t.schema.equals(RESULTS)
    name = tomllib.loads((study_dir / "study.toml").read_text())["name"]
    assert set(t.column("study").to_pylist()) == {name}


def test_every_headline_metric_has_a_value_per_arm_with_an_interval(study_dir: Path) -> None:
    design = tomllib.loads((study_dir / "study.toml").read_text())
    t = pq.read_table(study_dir / "results.parquet").to_pylist()
    for metric in design["metrics"]:
        for arm in design["arms"]:
            rows = [r for r in t if r["metric"] == metric and r["arm"] == arm["name"]]
            assert rows, (metric, arm["name"])
            assert all(r["replicates"] >= 3 for r in rows)
            assert all(r["ci_low"] is None or math.isnan(r["ci_low"]) or
                       r["ci_low"] <= r["mean"] <= r["ci_high"] for r in rows)


def test_report_holds_question_design_conclusion_and_who_is_hurt(study_dir: Path) -> None:
    design = tomllib.loads((study_dir / "study.toml").read_text())
    html = (study_dir / "report.html").read_text()
    for part in ("Design", "Parameters", "Results", "Conclusion", "Who is hurt, by age group",
                 "Who is hurt, by income quintile", "Who is hurt, by region", "Who is hurt, by sex",
                 "synthetic", f"Seed {design['seed']}"):
        assert part in html, part
    assert "<img" in html  # the headline plot


def test_manifest_seals_every_file(study_dir: Path) -> None:
    m = json.loads((study_dir / "manifest.json").read_text())
    assert m["experiment"] == "study"
    assert {"results.parquet", "report.html", "study.toml"} <= set(m["files"])
    for name, entry in m["files"].items():
        assert (study_dir / name).stat().st_size == entry["bytes"]


def test_study_toml_records_the_resolved_size(study_dir: Path) -> None:
    d = tomllib.loads((study_dir / "study.toml").read_text())
    assert d["resolved"]["quick"] is True
    assert d["resolved"]["replicates"] == d["quick"]["replicates"] >= 3
    assert len(d["resolved"]["seeds"]) == d["resolved"]["replicates"]
    assert d["conclusion"]  # the computed conclusion, which the dashboard shows


def test_every_study_declares_cited_or_flagged_parameters() -> None:
    for name in builtin_studies():
        s = load_study(name)
        assert s.quote and s.question and s.metrics
        for p in s.parameters:
            assert p.source or not p.verified


def test_study_list_names_every_study(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["study", "list"]) == 0
    shown = capsys.readouterr().out
    for name in builtin_studies():
        assert name in shown


def test_unknown_study_and_bad_file_are_one_line_errors(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["study", "run", "no-such-study", "--out", str(tmp_path / "o")]) == 2
    assert "unknown study" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nquestion = "q"\n')
    assert main(["study", "run", str(bad), "--out", str(tmp_path / "o")]) == 2
    e = capsys.readouterr().err
    assert "bad.toml" in e and len(e.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_a_parameter_without_source_must_be_flagged(tmp_path: Path) -> None:
    from scslab.errors import InputError
    from scslab.studies.spec import study_text

    text, _ = study_text("offsetting")
    f = tmp_path / "s.toml"
    f.write_text(text.replace("verified = false\nnote = \"seed 004's", "note = \"seed 004's", 1))
    with pytest.raises(InputError, match="source"):
        load_study(f)


def test_conclusion_follows_the_results_not_the_claim() -> None:
    from scslab.studies.conclude import claim_verdict, direction

    assert direction(0.1, 0.3) == "higher" and direction(-0.3, -0.1) == "lower"
    assert direction(-0.1, 0.2) == "same"
    # A fabricated result whose difference contradicts the claim must be called contradicted.
    from scslab.studies.run import StudyResult

    s = load_study("offsetting")
    c = s.claim
    assert c is not None
    sign = -1.0 if c.direction == "higher" else 1.0
    runs = pa.table({
        "arm": [c.reference, c.arm] * 3, "seed": [1, 1, 2, 2, 3, 3],
        "metric": [c.metric] * 6, "date": pa.nulls(6, pa.date32()),
        "value": [10.0, 10.0 + sign * 5, 11.0, 11.0 + sign * 6, 12.0, 12.0 + sign * 5.5]})
    res = StudyResult(s, "offsetting", True, s.quick, [1, 2, 3], runs, RESULTS.empty_table(), 0.0)
    assert claim_verdict(res) == "contradicted"


def test_study_result_has_a_short_repr_and_an_escaped_html_view() -> None:
    from scslab.studies import run_study

    res = run_study("offsetting", quick=True, replicates=3)
    assert len(repr(res)) < 200 and "offsetting" in repr(res)
    h = res._repr_html_()
    assert "Study offsetting" in h and "harmful_acts_per_1000py (one mixed score)" in h
    assert "<script" not in h and len(h) < 5_000
