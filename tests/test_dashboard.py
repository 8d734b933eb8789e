"""``scslab dashboard`` without a browser: bad input, lazy imports and the views' numbers."""

from __future__ import annotations

import json
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from dashboard_fixtures import write_study
from helpers import assert_one_line_error, cli
from scslab.regime import load_rulebook

pytest.importorskip("duckdb")


def test_a_missing_folder_is_one_line_and_exit_2(tmp_path):
    assert_one_line_error(cli("dashboard", tmp_path / "nope"), "nope", "no such folder")


def test_a_folder_that_is_no_run_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    assert_one_line_error(cli("dashboard", tmp_path), "not a run folder")
    assert_one_line_error(cli("dashboard", tmp_path / "notes.txt"), "not a folder")


def test_a_broken_run_folder_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "manifest.json").write_text("{", encoding="utf-8")
    assert_one_line_error(cli("dashboard", tmp_path), "manifest")


def test_a_bad_host_is_one_line_and_exit_2(tmp_path):
    write_study(tmp_path / "s")
    assert_one_line_error(cli("dashboard", tmp_path, "--host", "a b"), "--host")


def test_importing_scslab_and_its_cli_loads_no_web_code():
    code = ("import sys, scslab, scslab.cli; "
            "print([m for m in sys.modules if m.split('.')[0] in ('dash', 'plotly', 'duckdb', 'flask')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_folders_are_found_one_level_down_and_named_uniquely(tmp_path):
    from scslab.dashboard.folders import discover

    write_study(tmp_path / "a" / "study")
    write_study(tmp_path / "b" / "study")
    (tmp_path / "a" / "junk").mkdir()
    cat = discover([tmp_path / "a", tmp_path / "b"])
    assert sorted(cat.studies) == ["study", "study-2"]
    assert cat.studies["study"].meta["question"].startswith("Do more")


def test_an_experiment_of_another_kind_is_refused_by_name(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"experiment": "calibrate"}), encoding="utf-8")
    assert_one_line_error(cli("dashboard", tmp_path), "calibrate")


def test_band_moves_name_the_nearest_thresholds_and_acts_that_cross_them():
    from scslab.dashboard.data import band_moves

    rb = load_rulebook("rongcheng")
    moves = band_moves(rb, 1000, [])  # band A: 960..1029
    assert any(m.startswith("band AA starts at 1030: 30 points up") and "heroic_act" in m for m in moves)
    assert any(m.startswith("band B starts below 960: 41 points down") for m in moves)
    top = band_moves(rb, 1100, [])
    assert top[0] == "AAA is the highest band"


def test_results_of_a_study_keep_scalars_and_dated_rows(tmp_path):
    from scslab.dashboard.data import arms_of, results

    p = write_study(tmp_path / "s")
    t = results(p / "results.parquet")
    assert arms_of(t) == ["cameras-low", "cameras-high"]
    assert t.filter(pq.read_table(p / "results.parquet").column("date").is_null()).num_rows == 2


def test_a_port_in_use_is_one_line_and_exit_2(tmp_path):
    import socket

    write_study(tmp_path / "s")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert_one_line_error(cli("dashboard", tmp_path, "--port", port), str(port))


def test_leaving_a_list_is_named_with_its_removal_acts():
    from scslab.dashboard.data import band_moves

    rb = load_rulebook("court-defaulters")
    lid = rb.lists[0].id
    moves = band_moves(rb, None, [lid])
    assert moves[0].startswith(f"list {lid} ends with ")
    assert moves[-1].startswith("this regime has no score bands")


def test_a_listing_without_a_fixed_end_shows_as_text(tmp_path):
    import types

    import pyarrow as pa

    from scslab.dashboard.data import ledger_of

    t = pa.table({"day": pa.array([0, 1], pa.int32()), "date": pa.array([0, 1], pa.date32()),
                  "subject": pa.array([3, 3], pa.int32()), "regime": ["r", "r"], "act": ["a", "a"],
                  "delta": pa.array([0, 0], pa.int32()), "score_after": pa.array([1, 1], pa.int32()),
                  "rule": ["list_enter", "points"], "list": ["L", None],
                  "until": pa.array([2**31 - 1, None], pa.date32())})
    pq.write_table(t, tmp_path / "ledger.parquet")
    run = types.SimpleNamespace(path=tmp_path, has=lambda name: True)
    assert ledger_of(run, 3).column("until").to_pylist() == ["no fixed end", None]


def test_a_real_study_folder_is_read_with_its_question_arms_and_conclusion(tmp_path):
    from scslab.cli import main
    from scslab.dashboard.data import arms_of, results
    from scslab.dashboard.folders import read_folder

    out = tmp_path / "study"
    assert main(["study", "run", "offsetting", "--quick", "--replicates", "3", "--out", str(out)]) == 0
    s = read_folder(out)
    assert s is not None and not hasattr(s, "daily")
    assert s.meta["question"].startswith("Does one score")
    assert "harmful_acts_per_1000py" in s.meta["conclusion"]
    assert arms_of(results(out / "results.parquet")) == ["separate ledgers", "one mixed score"]
