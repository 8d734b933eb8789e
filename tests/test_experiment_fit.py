"""Sensitivity analysis (SALib) and calibration (Optuna) of scenarios."""

from __future__ import annotations

import json

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from helpers import assert_one_line_error, cli
from scslab import Experiment
from scslab.errors import InputError
from scslab.experiment import Range
from scslab.experiment.calibrate import read_targets

SMALL = ["--persons", 1500, "--days", 10]
DETECTION = "sources.detection.traffic_ticket"


def _index(t, metric, param, index):
    rows = t.filter(pc.and_(pc.and_(pc.equal(t.column("metric"), metric), pc.equal(t.column("param"), param)),
                            pc.equal(t.column("index"), index)))
    return rows.column("value").to_pylist()[0]


def test_morris_finds_the_parameter_that_drives_a_metric():
    ex = Experiment("rongcheng", persons=1500, days=10)
    res = ex.sensitivity([Range(DETECTION, 0.1, 1.0), Range("behaviour.aware_share", 0.0, 1.0)],
                         method="morris", samples=3)
    assert res.n_runs == 3 * 3
    assert set(res.indices.column("index").to_pylist()) == {"mu", "mu_star", "sigma"}
    # detection drives how many tickets are recorded, and recorded tickets rise with it
    assert _index(res.indices, "recorded/traffic_ticket", DETECTION, "mu") > 0
    assert "recorded/traffic_ticket" in res.top_metrics(20)


def test_cli_sobol_writes_indices_and_a_plot(tmp_path):
    out = tmp_path / "s"
    r = cli("sensitivity", "rongcheng", "--param", f"{DETECTION}=0.1:1", "--param",
            "behaviour.aware_share=0:1", "--method", "sobol", "--samples", 2, *SMALL, "--out", out)
    assert r.code == 0, r.stderr
    t = pq.read_table(out / "indices.parquet")
    assert set(t.column("index").to_pylist()) == {"S1", "ST"}
    assert set(t.column("param").to_pylist()) == {DETECTION, "behaviour.aware_share"}
    assert (out / "indices.png").read_bytes()[:4] == b"\x89PNG"
    assert json.loads((out / "manifest.json").read_text())["experiment"] == "sensitivity"


def test_cli_sensitivity_bad_options_are_one_line(tmp_path):
    out = tmp_path / "s"
    assert_one_line_error(cli("sensitivity", "rongcheng", "--param", "x=1", "--out", out), "--param")
    assert_one_line_error(cli("sensitivity", "rongcheng", "--param", f"{DETECTION}=0:1", "--method",
                              "fast", "--out", out), "--method")
    assert not out.exists()


def test_calibration_moves_detection_toward_the_target(tmp_path):
    # occurrences do not depend on detection; recorded ones scale with it
    base = Experiment("rongcheng", persons=1500, days=10).sweep()
    sc = base.scalars()
    occurred = sc.filter(pc.equal(sc.column("metric"), "occurred/traffic_ticket")).column("mean")[0].as_py()
    targets = tmp_path / "t.csv"
    targets.write_text(f"metric,date,value\nrecorded/traffic_ticket,,{occurred * 0.3}\n")
    out = tmp_path / "cal"
    r = cli("calibrate", "rongcheng", "--targets", targets, "--param", f"{DETECTION}=0.05:1",
            "--trials", 8, *SMALL, "--out", out)
    assert r.code == 0, r.stderr
    best = json.loads((out / "best.json").read_text())
    assert abs(best["params"][DETECTION] - 0.3) < 0.2
    hist = pq.read_table(out / "history.parquet")
    assert hist.num_rows == 8 and min(hist.column("loss").to_pylist()) == pytest.approx(best["loss"])
    fit = pq.read_table(out / "fit.parquet")
    assert fit.column_names == ["metric", "date", "target", "simulated", "ci_low", "ci_high", "rel_error"]
    assert (out / "fit.png").exists() and (out / "report.html").exists()


def test_targets_file_errors_name_line_and_column(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("metric,value\nx,1\n")
    with pytest.raises(InputError, match="date"):
        read_targets(p)
    p.write_text("metric,date,value\nx,2020-13-01,1\n")
    with pytest.raises(InputError, match="ISO") as e:
        read_targets(p)
    assert e.value.line == 2
    p.write_text("metric,date,value\nx,,abc\n")
    with pytest.raises(InputError, match="value"):
        read_targets(p)


def test_calibrate_unknown_target_metric_is_one_line(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("metric,date,value\nno/such/metric,,1\n")
    r = cli("calibrate", "rongcheng", "--targets", p, "--param", f"{DETECTION}=0:1", "--trials", 1,
            *SMALL, "--out", tmp_path / "cal")
    assert_one_line_error(r, "no/such/metric")
    assert not (tmp_path / "cal").exists()
