"""Reading run folders (scslab.runfolder), on a small synthetic folder built with pyarrow.

``build_run`` writes a run folder exactly as docs/architecture.md lays it out; test_report.py
reuses it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from scslab import io
from scslab.dates import to_day
from scslab.errors import InputError
from scslab.runfolder import read_run
from scslab.runfolder_write import write_manifest

N_DAYS = 10
N_PERSONS = 6
N_ORGS = 2
START = to_day("2025-01-01")
# Deliberately not alphabetical: band order must follow first appearance (rulebook order).
BANDS = ["AAA", "AA", "B", "D"]
ACTS = [f"act_{c}" for c in "jihgfedcba"]  # 10 acts: more than the plot's top 8
SERVICES = ["flight", "train", "private_school_family_spillover"]
CHANNELS = ["big_screen", "wechat"]
SCENARIO = 'name = "Test <town>"\nseed = 7\ndays = 10\n'


def build_run(
    root: Path,
    *,
    regimes: tuple[str, ...] = ("rongcheng", "courts"),
    gates: bool = True,
    exposures: bool = True,
    subjects: bool = True,
    shared_records: bool = False,
) -> dict[str, Any]:
    """Write a run folder under ``root``; return the raw numbers it holds, for assertions.

    The first regime listed as "rongcheng" has a score, bands and a list; every other regime
    (e.g. "courts") has no score, no bands and no list, only a consequence. Records are
    per regime, or with ``shared_records`` once under regime ``""`` (as scslab.sim writes them).
    The manifest uses scslab.sim's key names.
    """
    rng = np.random.default_rng(1)
    rows: dict[str, list] = {k: [] for k in ("day", "date", "regime", "metric", "key", "value")}
    expected: dict[str, Any] = {"regimes": list(regimes)}

    def put(regime: str, metric: str, key: str, values: np.ndarray) -> None:
        for d, v in enumerate(values):
            rows["day"].append(d)
            rows["date"].append(START + d)
            rows["regime"].append(regime)
            rows["metric"].append(metric)
            rows["key"].append(key)
            rows["value"].append(float(v))

    n_subjects = N_PERSONS + N_ORGS
    occurred = {a: rng.integers(0, 50, N_DAYS) for a in ACTS}
    for a in ACTS:
        put("", "occurred", a, occurred[a])
    expected["occurred_total"] = sum(int(v.sum()) for v in occurred.values())
    expected["recorded_total"] = {}
    for regime in regimes:
        scored = regime == "rongcheng"
        if scored:
            bands = {b: rng.integers(0, 3, N_DAYS) for b in BANDS}
            for b in BANDS:
                put(regime, "band", b, bands[b])
            listed = rng.integers(0, 4, N_DAYS)
            put(regime, "list", "blacklist", listed)
            mean = 1000 + rng.normal(0, 5, N_DAYS).round(3)
            put(regime, "mean_score", "", mean)
            expected[regime] = {
                "bands": {b: (int(v[0]), int(v[-1])) for b, v in bands.items()},
                "lists": {"blacklist": (int(listed[0]), int(listed[-1]))},
                "mean": (float(mean[0]), float(mean[-1])),
            }
        put(regime, "consequence", "no_flights", rng.integers(0, 3, N_DAYS))
        if not shared_records:
            recorded = {a: np.minimum(occurred[a], rng.integers(0, 30, N_DAYS)) for a in ACTS}
            for a in ACTS:
                put(regime, "recorded", a, recorded[a])
            expected["recorded_total"][regime] = sum(int(v.sum()) for v in recorded.values())
    if shared_records:
        recorded = {a: np.minimum(occurred[a], rng.integers(0, 30, N_DAYS)) for a in ACTS}
        for a in ACTS:
            put("", "recorded", a, recorded[a])
        total = sum(int(v.sum()) for v in recorded.values())
        expected["recorded_total"] = dict.fromkeys(regimes, total)
    if gates:
        requests = {s: rng.integers(100, 200, N_DAYS) for s in SERVICES}
        for s in SERVICES:
            put("", "request", s, requests[s])
        expected["requests"] = {s: int(v.sum()) for s, v in requests.items()}
        expected["denied"] = {}
        for regime in regimes:
            denied = {s: rng.integers(0, 5, N_DAYS) for s in SERVICES}
            for s in SERVICES:
                put(regime, "denied", s, denied[s])
                put(regime, "privileged", s, rng.integers(0, 2, N_DAYS))
            expected["denied"][regime] = {s: int(v.sum()) for s, v in denied.items()}
        # As scslab.sim writes it: regime "" counts requests denied by at least one regime.
        # Its own generator, so the numbers drawn after it stay as they were.
        any_rng = np.random.default_rng(3)
        any_denied = {s: any_rng.integers(0, 8, N_DAYS) for s in SERVICES}
        for s in SERVICES:
            put("", "denied", s, any_denied[s])
            put("", "privileged", s, np.zeros(N_DAYS))
        expected["denied"]["any regime"] = {s: int(v.sum()) for s, v in any_denied.items()}
    if exposures:
        for c in CHANNELS:
            put(regimes[0], "exposure", c, rng.integers(0, 1000, N_DAYS))
        cost_rng = np.random.default_rng(2)
        expected["costs"] = {}
        for metric in ("ties_lost", "jobs_lost"):
            for c in CHANNELS:
                lost = cost_rng.integers(0, 4, N_DAYS)
                put(regimes[0], metric, c, lost)
                expected["costs"][(metric, c)] = int(lost.sum())

    daily = pa.table({
        "day": pa.array(rows["day"], pa.int32()),
        "date": pa.array(np.array(rows["date"], dtype="datetime64[D]"), pa.date32()),
        "regime": pa.array(rows["regime"], pa.string()),
        "metric": pa.array(rows["metric"], pa.string()),
        "key": pa.array(rows["key"], pa.string()),
        "value": pa.array(rows["value"], pa.float64()),
    })
    io.write_parquet(root / "daily.parquet", daily)
    expected["daily_rows"] = daily.num_rows

    if subjects:
        cols: dict[str, pa.Array] = {
            "subject": pa.array(np.arange(n_subjects), pa.int32()),
            "id": pa.array([f"ID{i:04d}" for i in range(n_subjects)], pa.string()),
            "kind": pa.array(["person"] * N_PERSONS + ["org"] * N_ORGS, pa.string()),
            "age": pa.array([30 + i for i in range(N_PERSONS)] + [None] * N_ORGS, pa.int16()),
            "region": pa.array(["north", "south"] * (n_subjects // 2), pa.string()),
            "household": pa.array([i // 2 for i in range(N_PERSONS)] + [-1] * N_ORGS, pa.int32()),
        }
        for regime in regimes:
            if regime == "rongcheng":
                start = rng.integers(990, 1010, n_subjects)
                end = start + rng.integers(-20, 10, n_subjects)
                band = [BANDS[i % len(BANDS)] for i in range(n_subjects)]
                lists = ["blacklist" if s < 980 else "" for s in end]
            else:
                start = end = [None] * n_subjects
                band = [None] * n_subjects
                lists = [""] * n_subjects
            cols[f"{regime}.score_start"] = pa.array(start, pa.int32())
            cols[f"{regime}.score"] = pa.array(end, pa.int32())
            cols[f"{regime}.band"] = pa.array(band, pa.string())
            cols[f"{regime}.lists"] = pa.array(lists, pa.string())
        io.write_parquet(root / "subjects.parquet", pa.table(cols))
        expected["subjects"] = n_subjects

    io.write_parquet(root / "ledger.parquet", pa.table({
        "day": pa.array([0, 3], pa.int32()),
        "subject": pa.array([1, 2], pa.int32()),
        "regime": pa.array([regimes[0]] * 2, pa.string()),
        "act": pa.array(["act_a", "act_b"], pa.string()),
        "delta": pa.array([-5, 3], pa.int32()),
        "score_after": pa.array([995, 1003], pa.int32()),
        "rule": pa.array(["r1", "r2"], pa.string()),
    }))
    io.write_text(root / "scenario.toml", SCENARIO)
    manifest = {
        "scslab": "0.1.0",
        "python": "3.11",
        "dependencies": {"numpy": np.__version__, "pyarrow": pa.__version__},
        "scenario": "Test <town>",
        "scenario_sha256": hashlib.sha256(SCENARIO.encode()).hexdigest(),
        "seed": 7,
        "persons": N_PERSONS,
        "organisations": N_ORGS,
        "days": N_DAYS,
        "start_date": "2025-01-01",
        "regimes": list(regimes),
        "acts": ACTS,
        "ledger_lines": 2,
    }
    write_manifest(root, manifest)  # adds each file's size and SHA-256, as scslab.sim does
    expected["manifest"] = {**manifest, "files": json.loads((root / "manifest.json").read_text())["files"]}
    return expected


@pytest.fixture
def run_dir(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    return tmp_path, build_run(tmp_path)


def test_read_run_round_trips(run_dir: tuple[Path, dict[str, Any]]) -> None:
    path, expected = run_dir
    run = read_run(path)
    assert run.manifest == json.loads(json.dumps(expected["manifest"]))
    assert run.scenario_text == SCENARIO
    assert run.regimes == ["rongcheng", "courts"]
    assert run.n_days == N_DAYS
    assert run.daily.num_rows == expected["daily_rows"]
    assert run.daily.schema.field("day").type == pa.int32()
    assert run.daily.schema.field("date").type == pa.date32()
    assert run.subjects.num_rows == expected["subjects"]
    assert run.subjects.column("rongcheng.score").type == pa.int32()
    assert run.ledger.column("act").to_pylist() == ["act_a", "act_b"]


def test_subject_columns_reads_dotted_names_and_skips_absent(
    run_dir: tuple[Path, dict[str, Any]],
) -> None:
    run = read_run(run_dir[0])
    table = run.subject_columns(["rongcheng.score", "nope.score"])
    assert table.column_names == ["rongcheng.score"]
    assert "subjects" not in run.__dict__  # the full table was not read


def test_series_is_indexed_by_day_in_first_appearance_order(
    run_dir: tuple[Path, dict[str, Any]],
) -> None:
    path, expected = run_dir
    run = read_run(path)
    bands = run.series("band", "rongcheng")
    assert list(bands) == BANDS
    for band, (first, last) in expected["rongcheng"]["bands"].items():
        assert bands[band].shape == (N_DAYS,)
        assert (bands[band][0], bands[band][-1]) == (first, last)
    only = run.series("list", "rongcheng", key="blacklist")
    assert list(only) == ["blacklist"]
    assert run.series("band", "courts") == {}
    occurred = run.total("occurred")
    assert sum(occurred.values()) == expected["occurred_total"]


def test_series_fills_missing_days(tmp_path: Path) -> None:
    build_run(tmp_path, gates=False, exposures=False)
    run = read_run(tmp_path)
    run.daily = run.daily.filter(pa.array(np.asarray(run.daily.column("day")) != 4))
    assert run.series("band", "rongcheng")["AAA"][4] == 0.0
    assert np.isnan(run.series("mean_score", "rongcheng", fill=np.nan)[""][4])


def test_read_run_on_empty_dir_names_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"manifest\.json") as info:
        read_run(tmp_path)
    assert info.value.file == str(tmp_path / "manifest.json")


def test_read_run_names_missing_daily(tmp_path: Path) -> None:
    io.write_json(tmp_path / "manifest.json", {"regimes": []})
    with pytest.raises(InputError, match=r"daily\.parquet") as info:
        read_run(tmp_path)
    assert info.value.file == str(tmp_path / "daily.parquet")


def test_read_run_rejects_missing_dir_and_bad_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such directory"):
        read_run(tmp_path / "absent")
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "daily.parquet").write_bytes(b"not parquet")
    with pytest.raises(InputError, match="not valid JSON") as info:
        read_run(tmp_path)
    assert info.value.line == 1
    write_manifest(tmp_path, {})
    with pytest.raises(InputError, match="Parquet"):
        read_run(tmp_path)
    io.write_parquet(tmp_path / "daily.parquet", pa.table({"day": pa.array([0], pa.int32())}))
    write_manifest(tmp_path, {})
    with pytest.raises(InputError, match="lacks column"):
        read_run(tmp_path)


def test_optional_files_missing(tmp_path: Path) -> None:
    build_run(tmp_path, subjects=False)
    (tmp_path / "ledger.parquet").unlink()
    (tmp_path / "scenario.toml").unlink()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    write_manifest(tmp_path, manifest)  # a run that wrote neither lists neither
    run = read_run(tmp_path)
    assert run.scenario_text == ""
    assert not run.has("subjects.parquet")
    with pytest.raises(InputError, match=r"subjects\.parquet"):
        _ = run.subjects
    with pytest.raises(InputError, match=r"ledger\.parquet"):
        _ = run.ledger
