"""The experiment layer: sweeps (grid × seeds), their folders, and comparing run folders."""

from __future__ import annotations

import json

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from helpers import assert_one_line_error, cli
from scslab import Experiment
from scslab.errors import InputError
from scslab.experiment.params import parse_axes, parse_ranges

SMALL = ["--persons", 1500, "--days", 12]


def test_axes_are_toml_values_split_at_top_level_commas():
    axes = parse_axes(["behaviour.aware_share=0.1,0.5", "society.region_codes=[\"1\",\"2\"],[\"3\"]",
                       "scenario.description=a,'b,c'"])
    assert axes == {"behaviour.aware_share": [0.1, 0.5],
                    "society.region_codes": [["1", "2"], ["3"]],
                    "scenario.description": ["a", "b,c"]}


@pytest.mark.parametrize("item", ["noequals", "x=", "x=1,,2", "=1", "x=1,2,1"])
def test_bad_axis_names_the_option(item):
    with pytest.raises(InputError, match="--set"):
        parse_axes([item])


@pytest.mark.parametrize("item", ["x=1", "x=2:1", "x=a:b", "x=true:2"])
def test_bad_range_names_the_option(item):
    with pytest.raises(InputError, match="--param"):
        parse_ranges([item])


def test_integer_range_keeps_integers():
    (r,) = parse_ranges(["a.b=1:5"])
    assert r.integer and r.value(2.6) == 3


def test_sweep_results_one_row_per_run_metric_date_and_summary_per_arm():
    ex = Experiment("rongcheng", persons=1500, days=12, seeds=2, seed=5)
    res = ex.sweep({"behaviour.aware_share": [0.0, 1.0]})
    r = res.results
    assert r.column_names[:4] == ["arm", "run", "seed", "behaviour.aware_share"]
    assert sorted(set(r.column("run").to_pylist())) == [0, 1, 2, 3]
    assert sorted(set(r.column("seed").to_pylist())) == [5, 6]
    # one value per (run, metric, date): no duplicates
    keys = set(zip(r.column("run").to_pylist(), r.column("metric").to_pylist(),
                   r.column("date").to_pylist(), strict=True))
    assert len(keys) == r.num_rows
    assert "occurred/traffic_ticket" in set(r.column("metric").to_pylist())
    sc = res.scalars()
    assert set(sc.column("n").to_pylist()) == {2}
    assert all(lo <= m <= hi for m, lo, hi in zip(sc.column("mean").to_pylist(),
                                                   sc.column("ci_low").to_pylist(),
                                                   sc.column("ci_high").to_pylist(), strict=True))
    # the scalar of a flow is its total over the run
    one = r.filter(pc.and_(pc.equal(r.column("run"), 0),
                           pc.equal(r.column("metric"), "occurred/traffic_ticket")))
    days = one.filter(pc.is_valid(one.column("date"))).column("value").to_pylist()
    total = one.filter(pc.is_null(one.column("date"))).column("value").to_pylist()
    assert len(days) == 12 and total == [sum(days)]


def test_arms_share_persons_and_luck_at_each_seed():
    """Common random numbers: an axis that changes nothing simulated gives every arm identical
    values at one seed, while different seeds differ."""
    ex = Experiment("rongcheng", persons=1500, days=12, seeds=2)
    res = ex.sweep({"scenario.description": ["one", "two"]})
    r = res.results.filter(pc.is_null(res.results.column("date")))
    by = {}
    for arm, seed, m, v in zip(*(r.column(c).to_pylist() for c in ("arm", "seed", "metric", "value")),
                               strict=True):
        by.setdefault((seed, m), {})[arm] = v
    assert all(len(set(v.values())) == 1 for v in by.values())
    seeds = sorted({s for s, _ in by})
    assert any(by[(seeds[0], m)] != by[(seeds[1], m)] for _, m in by)


def test_sweep_in_two_processes_equals_one():
    one = Experiment("rongcheng", persons=1500, days=8, seeds=2).sweep({"behaviour.aware_share": [0.2]})
    two = Experiment("rongcheng", persons=1500, days=8, seeds=2, processes=2).sweep(
        {"behaviour.aware_share": [0.2]})
    assert one.results.equals(two.results)


def test_cli_sweep_writes_a_sealed_folder(tmp_path):
    out = tmp_path / "sw"
    r = cli("sweep", "rongcheng", "--set", "sources.detection.traffic_ticket=0.5,1",
            "--seeds", 2, *SMALL, "--out", out)
    assert r.code == 0, r.stderr
    names = {p.name for p in out.iterdir()}
    assert names == {"results.parquet", "summary.parquet", "differences.parquet", "report.html",
                     "manifest.json"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["experiment"] == "sweep" and set(manifest["files"]) == names - {"manifest.json"}
    summary = pq.read_table(out / "summary.parquet")
    assert set(summary.column("sources.detection.traffic_ticket").to_pylist()) == {0.5, 1.0}
    rec = summary.filter(pc.and_(pc.equal(summary.column("metric"), "recorded/traffic_ticket"),
                                 pc.is_null(summary.column("date"))))
    by = dict(zip(rec.column("sources.detection.traffic_ticket").to_pylist(),
                  rec.column("mean").to_pylist(), strict=True))
    assert by[0.5] < by[1.0]
    assert "traffic_ticket" in (out / "report.html").read_text()
    # an existing folder is refused without --force, replaced with it
    again = cli("sweep", "rongcheng", "--seeds", 1, *SMALL, "--out", out)
    assert_one_line_error(again, "--out")
    assert cli("sweep", "rongcheng", "--seeds", 1, *SMALL, "--out", out, "--force").code == 0


def test_cli_sweep_bad_key_fails_before_running_and_writes_nothing(tmp_path):
    out = tmp_path / "sw"
    r = cli("sweep", "rongcheng", "--set", "behaviour.aware_share=0.5,7", *SMALL, "--out", out)
    assert_one_line_error(r, "aware_share")
    assert not out.exists() and list(tmp_path.iterdir()) == []
    assert_one_line_error(cli("sweep", "rongcheng", "--set", "oops", "--out", out), "--set")


def test_force_does_not_replace_a_folder_that_is_not_an_experiment(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    r = cli("sweep", "rongcheng", *SMALL, "--out", tmp_path, "--force")
    assert_one_line_error(r, "--out")
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_compare_pairs_only_runs_that_share_a_seed(tmp_path):
    for name, seed, aware in (("a", 3, 0.0), ("b", 3, 1.0), ("c", 4, 0.0)):
        r = cli("run", "rongcheng", *SMALL, "--seed", seed, "--set", f"behaviour.aware_share={aware}",
                "--out", tmp_path / name)
        assert r.code == 0, r.stderr
    r = cli("compare", tmp_path / "a", tmp_path / "b", tmp_path / "c", "--out", tmp_path / "cmp")
    assert r.code == 0, r.stderr
    t = pq.read_table(tmp_path / "cmp" / "compare.parquet")
    assert t.column_names == ["metric", "a", "b", "c", "b - a"]
    row = {c: t.column(c).to_pylist() for c in t.column_names}
    for a, b, d in zip(row["a"], row["b"], row["b - a"], strict=True):
        assert d == pytest.approx(b - a)
    assert "occurred/traffic_ticket" in r.stdout
    assert_one_line_error(cli("compare", tmp_path / "a"), "two")
    assert_one_line_error(cli("compare", tmp_path / "a", tmp_path / "nope"), "nope")


def test_run_set_takes_lists_and_tables_as_toml_values(tmp_path):
    r = cli("run", "rongcheng", "--persons", 300, "--days", 2, "--out", tmp_path / "r",
            "--set", 'society.region_codes=["371082","371002"]',
            "--set", "sources.detection={traffic_ticket = 0.5}")
    assert r.code == 0, r.stderr
    text = (tmp_path / "r" / "scenario.toml").read_text()
    assert "371002" in text and "0.5" in text


def test_sweep_over_list_values(tmp_path):
    ex = Experiment("rongcheng", persons=600, days=3)
    res = ex.sweep({"society.region_codes": [["371082"], ["371082", "371002"]]})
    col = res.summary.column("society.region_codes").to_pylist()
    assert set(col) == {'["371082"]', '["371082", "371002"]'}


def test_runs_at_once_must_fit_in_memory(tmp_path):
    r = cli("sweep", "rongcheng", "--persons", 10**9, "--processes", 64, "--out", tmp_path / "x")
    assert_one_line_error(r, "--persons")
    assert not (tmp_path / "x").exists()


def test_seeds_start_at_the_scenarios_seed_unless_given():
    assert Experiment("rongcheng", persons=100, days=1, seeds=3, sets={"horizon.seed": 7}).seeds == [7, 8, 9]
    assert Experiment("rongcheng", persons=100, days=1, seeds=2, seed=3).seeds == [3, 4]


def test_paired_differences_are_taken_seed_by_seed():
    res = Experiment("rongcheng", persons=1500, days=12, seeds=3).sweep(
        {"sources.detection.traffic_ticket": [1.0, 0.4]})
    d = res.differences()
    row = d.filter(pc.equal(d.column("metric"), "recorded/traffic_ticket")).to_pylist()[0]
    assert row["reference"] == "sources.detection.traffic_ticket=1.0" and row["n"] == 3
    r = res.results.filter(pc.and_(pc.is_null(res.results.column("date")),
                                   pc.equal(res.results.column("metric"), "recorded/traffic_ticket")))
    by = {(a, s): v for a, s, v in zip(*(r.column(c).to_pylist() for c in ("arm", "seed", "value")),
                                       strict=True)}
    seeds = sorted({s for _, s in by})
    want = [by[("sources.detection.traffic_ticket=0.4", s)] - by[("sources.detection.traffic_ticket=1.0", s)]
            for s in seeds]
    assert row["mean"] == pytest.approx(sum(want) / 3) and row["mean"] < 0
    assert row["ci_low"] <= row["mean"] <= row["ci_high"]
    # detection decides what is recorded; occurrences move only through the response to scores
    occ = d.filter(pc.equal(d.column("metric"), "occurred/traffic_ticket")).to_pylist()[0]
    assert abs(occ["mean"]) < abs(row["mean"]) / 5
