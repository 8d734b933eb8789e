"""Run folders: contents, reproducibility, atomic writes, and the CLI around them."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import numpy as np
import pyarrow.parquet as pq
import pytest

from helpers import cli
from scslab.io import ParquetStream, write_text
from scslab.sim import run_scenario

FILES = ("scenario.toml", "manifest.json", "daily.parquet", "subjects.parquet", "ledger.parquet")


def digest(folder):
    return {f: hashlib.sha256((folder / f).read_bytes()).hexdigest() for f in FILES}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("runs")
    out = {}
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        run_scenario("rongcheng", persons=3_000, days=60, seed=seed, out=base / name)
        out[name] = base / name
    return out


def test_same_seed_identical_files(runs):
    assert digest(runs["a"]) == digest(runs["b"])


def test_different_seed_differs(runs):
    assert digest(runs["a"])["ledger.parquet"] != digest(runs["c"])["ledger.parquet"]


def test_manifest_and_scenario(runs):
    m = json.loads((runs["a"] / "manifest.json").read_text())
    assert m["seed"] == 5 and m["persons"] == 3_000 and m["days"] == 60
    assert m["regimes"] == ["rongcheng"]
    assert m["dependencies"]["numpy"] and m["scenario_sha256"]
    assert "persons = 3000" in (runs["a"] / "scenario.toml").read_text()


def test_final_state_and_ledger_agree(runs):
    subjects = pq.read_table(runs["a"] / "subjects.parquet")
    ledger = pq.read_table(runs["a"] / "ledger.parquet")
    kind = np.array(subjects.column("kind").to_pylist())
    persons = int((kind == "person").sum())
    # Rongcheng scores persons only: organisations' cells are null.
    assert subjects.column("rongcheng.score").null_count == len(kind) - persons > 0
    score = subjects.column("rongcheng.score").to_numpy(zero_copy_only=False)[:persons].astype(np.int64)
    start = subjects.column("rongcheng.score_start").to_numpy(zero_copy_only=False)[:persons]
    total = np.bincount(ledger.column("subject").to_numpy(), weights=ledger.column("delta").to_numpy(),
                        minlength=len(score))
    assert np.array_equal(score, start + total.astype(np.int64))
    ids = subjects.column("id").to_pylist()
    assert len(set(ids)) == len(ids) and all(len(x) == 18 for x in ids)


def test_daily_aggregates(runs):
    daily = pq.read_table(runs["a"] / "daily.parquet").to_pylist()
    last = [r for r in daily if r["day"] == 59]
    bands = {r["key"]: r["value"] for r in last if r["metric"] == "band"}
    subjects = pq.read_table(runs["a"] / "subjects.parquet")
    labels = subjects.column("rongcheng.band").to_pylist()
    for b, v in bands.items():
        assert v == labels.count(b)
    occurred = sum(r["value"] for r in daily if r["metric"] == "occurred")
    recorded = sum(r["value"] for r in daily if r["metric"] == "recorded")
    assert 0 < recorded <= occurred


def test_interrupted_stream_leaves_no_file(tmp_path):
    import pyarrow as pa

    target = tmp_path / "ledger.parquet"
    with pytest.raises(RuntimeError), ParquetStream(target, pa.schema([("x", pa.int32())])) as s:
        s.write({"x": np.arange(3, dtype=np.int32)})
        raise RuntimeError("interrupted")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_atomic_text_replaces_whole_file(tmp_path):
    p = tmp_path / "f.txt"
    write_text(p, "old")
    write_text(p, "new")
    assert p.read_text() == "new" and len(list(tmp_path.iterdir())) == 1


def test_cli_run_and_report(tmp_path):
    """The one CLI test in a subprocess: the installed entry point, end to end."""
    out = tmp_path / "run"
    r = subprocess.run([sys.executable, "-m", "scslab", "run", "rongcheng", "--persons", "2000",
                        "--days", "30", "--seed", "3", "--out", str(out), "--report"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "mean score" in r.stdout and "Report:" in r.stdout
    for f in (*FILES, "report.html"):
        assert (out / f).is_file()


def test_cli_run_bad_scenario(tmp_path):
    bad = tmp_path / "s.toml"
    bad.write_text('regimes = ["rongcheng"]\n[scenario]\nname = "x"\n[behaviour]\nrates = {jaywalk = 0.1}\n')
    r = cli("run", bad, "--out", tmp_path / "o")
    assert r.code == 2 and "Traceback" not in r.stderr
    assert "jaywalk" in r.stderr and "s.toml" in r.stderr


def test_cli_bench_json():
    r = cli("bench", "--persons", "2000", "--days", "10", "--json")
    assert r.code == 0, r.stderr
    res = json.loads(r.stdout)
    assert set(res) == {"persons", "days", "seconds", "person_days_per_s", "peak_rss_mb", "bands",
                        "mean_score", "occurrences", "recorded"}
    assert sum(res["bands"].values()) == 2000


def test_daily_consequences_follow_bands(tmp_path):
    out = tmp_path / "r"
    run_scenario("rongcheng", persons=3_000, days=40, seed=2, out=out)
    daily = pq.read_table(out / "daily.parquet").to_pylist()
    last = {(r["metric"], r["key"]): r["value"] for r in daily if r["day"] == 39}
    # Rongcheng's AAA grade carries its privileges (see the rulebook's consequences).
    assert last[("consequence", "deposit_free_bike")] == last[("band", "AAA")]


@pytest.mark.parametrize(("society", "key"), [("persons = 5", "society.persons"),
                                              ("mean_household_size = 0.1", "society.mean_household_size")])
def test_bad_society_table_names_key(tmp_path, society, key):
    bad = tmp_path / "s.toml"
    bad.write_text('regimes = ["rongcheng"]\n[scenario]\nname = "x"\n[society]\n' + society +
                   '\n[behaviour]\nrates = {traffic_ticket = 0.01}\n')
    r = cli("run", bad, "--out", tmp_path / "o", "--persons", "100", "--days", "2")
    assert r.code == 2 and "Traceback" not in r.stderr
    assert key in r.stderr and "s.toml" in r.stderr
