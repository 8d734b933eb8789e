"""Broken run folders and manifests: ``scslab report`` gives exit code 2 and one line naming the
file, and writes no report; the manifest seals a folder (written last, removed first)."""

from __future__ import annotations

import hashlib
import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import assert_one_line_error, cli
from scslab.errors import InputError
from scslab.runfolder import read_run
from scslab.runfolder_write import (
    OPTIONAL_OUTPUTS,
    OUTPUTS,
    prepare_output_folder,
    write_manifest,
)
from scslab.sim import run_scenario
from test_runfolder import build_run

REQUIRED = [o for o in OUTPUTS if o not in OPTIONAL_OUTPUTS]  # what every run writes


def manifest_of(root):
    return json.loads((root / "manifest.json").read_text())


def put_manifest(root, **changes):
    m = {**manifest_of(root), **changes}
    (root / "manifest.json").write_text(json.dumps(m), encoding="utf-8")


def _append(root, name, data=b"x"):
    with (root / name).open("ab") as f:
        f.write(data)


def _flip_byte(root, name):
    data = bytearray((root / name).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (root / name).write_bytes(bytes(data))


# (name, how to break a good run folder, file the message names, text it must hold)
CASES = [
    ("no manifest", lambda r: (r / "manifest.json").unlink(), "manifest.json", "is missing"),
    ("manifest latin-1", lambda r: (r / "manifest.json").write_bytes(b'{"a": "\xe9"}'),
     "manifest.json", "not UTF-8"),
    ("manifest utf-16", lambda r: (r / "manifest.json").write_bytes(
        json.dumps(manifest_of(r)).encode("utf-16")), "manifest.json", "UTF-16"),
    ("manifest not json", lambda r: (r / "manifest.json").write_text("{days: 3"), "manifest.json",
     "not valid JSON"),
    ("manifest nested", lambda r: (r / "manifest.json").write_text("[" * 100_000 + "]" * 100_000),
     "manifest.json", "nested too deeply"),
    ("manifest nested 40", lambda r: (r / "manifest.json").write_text(
        '{"a": ' + "[" * 40 + "]" * 40 + "}"), "manifest.json", "nested too deeply"),
    ("manifest a list", lambda r: (r / "manifest.json").write_text("[]"), "manifest.json",
     "a JSON object"),
    ("manifest huge", lambda r: (r / "manifest.json").write_text(" " * (2 << 20) + "{}"),
     "manifest.json", "bytes"),
    ("10^12 days", lambda r: put_manifest(r, days=10**12), "manifest.json",
     "claims 1000000000000 days"),
    ("negative days", lambda r: put_manifest(r, days=-1), "manifest.json", "key 'days'"),
    ("days text", lambda r: put_manifest(r, days="many"), "manifest.json", "key 'days'"),
    ("regimes not a list", lambda r: put_manifest(r, regimes="rongcheng"), "manifest.json",
     "key 'regimes'"),
    ("no files entry", lambda r: put_manifest(r, files=None), "manifest.json", "lists no files"),
    ("odd files entry", lambda r: put_manifest(r, files={"../x": {}}), "manifest.json",
     "unexpected file entry"),
    ("listed file missing", lambda r: (r / "subjects.parquet").unlink(), "subjects.parquet",
     "is missing, though the manifest lists it"),
    ("size differs", lambda r: _append(r, "ledger.parquet"), "ledger.parquet", "bytes, the manifest"),
    ("hash differs", lambda r: _flip_byte(r, "daily.parquet"), "daily.parquet", "SHA-256"),
    ("scenario edited", lambda r: _append(r, "scenario.toml", b"# x\n"), "scenario.toml",
     "the manifest says"),
    ("daily not parquet", lambda r: ((r / "daily.parquet").write_bytes(b"PAR1 nope"),
                                     write_manifest(r, manifest_of(r))), "daily.parquet", "Parquet"),
    ("daily missing", lambda r: ((r / "daily.parquet").unlink(), write_manifest(r, manifest_of(r))),
     "daily.parquet", "is missing"),
]


@pytest.mark.parametrize(("name", "breaks", "file", "message"), CASES, ids=[c[0] for c in CASES])
def test_broken_run_folder(tmp_path, name, breaks, file, message):
    build_run(tmp_path)
    breaks(tmp_path)
    r = cli("report", tmp_path)
    assert_one_line_error(r, tmp_path / file, message)
    assert not (tmp_path / "report.html").exists()
    with pytest.raises(InputError):
        read_run(tmp_path)


def test_not_a_folder_and_long_names(tmp_path):
    (tmp_path / "f").write_text("x")
    assert_one_line_error(cli("report", tmp_path / "f"), "not a run folder")
    r = cli("report", tmp_path / ("d" * 300))
    assert_one_line_error(r, "File name too long")
    assert len(r.stderr) < 400


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("small") / "run"
    run_scenario("rongcheng", persons=200, days=5, seed=1, out=out)
    return out


def test_manifest_lists_every_output_with_size_and_sha256(small_run):
    files = manifest_of(small_run)["files"]
    # rongcheng declares no sources and has gates off: no records or gate outcomes
    assert sorted(files) == sorted(REQUIRED)
    for name, entry in files.items():
        data = (small_run / name).read_bytes()
        assert entry == {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    assert not [p for p in small_run.iterdir() if p.name.endswith(".part")]


def test_manifest_is_written_last(tmp_path, monkeypatch):
    done = []
    real = os.replace

    def record(src, dst):
        real(src, dst)
        done.append(os.path.basename(dst))

    monkeypatch.setattr(os, "replace", record)
    run_scenario("rongcheng", persons=100, days=3, out=tmp_path / "o")
    written = sorted(REQUIRED)
    assert done[-1] == "manifest.json" and sorted(done[:-1]) == written


def test_force_removes_the_manifest_first(tmp_path, monkeypatch):
    build_run(tmp_path)
    (tmp_path / "report.html").write_text("old")
    (tmp_path / ".ledger.parquet.x.part").write_text("")
    (tmp_path / "mine.csv").write_text("keep")
    removed = []
    real = type(tmp_path).unlink

    def record(self, missing_ok=False):
        removed.append(self.name)
        real(self, missing_ok=missing_ok)

    monkeypatch.setattr(type(tmp_path), "unlink", record)
    with pytest.raises(InputError, match="--force"):
        prepare_output_folder(tmp_path)
    assert removed == []
    prepare_output_folder(tmp_path, force=True)
    assert removed[0] == "manifest.json"
    assert sorted(removed) == sorted(["manifest.json", *REQUIRED, "report.html",
                                      ".ledger.parquet.x.part"])
    assert [p.name for p in tmp_path.iterdir()] == ["mine.csv"]


def test_a_later_run_over_an_earlier_one_cannot_pass_for_it(tmp_path):
    """A run killed after writing daily.parquet over an old run used to leave the old manifest
    beside new files; now the manifest goes first, and a stale one is caught by its hashes."""
    run_scenario("rongcheng", persons=100, days=3, seed=1, out=tmp_path)
    old = manifest_of(tmp_path)
    run_scenario("rongcheng", persons=100, days=3, seed=2, out=tmp_path, force=True)
    (tmp_path / "manifest.json").write_text(json.dumps(old), encoding="utf-8")  # the stale one
    with pytest.raises(InputError, match="manifest"):
        read_run(tmp_path)


def test_summary_start_band_is_the_initial_scores():
    res = run_scenario("rongcheng", persons=300, days=3)
    s = res.summary()[0]
    assert s["bands_start"]["A"] == sum(s["bands_start"].values()) > 0  # 1000 points is grade A


def test_series_without_a_regime_when_there_is_one(small_run, tmp_path):
    run = read_run(small_run)
    assert run.series("band").keys() == run.series("band", "rongcheng").keys()
    assert sum(v[-1] for v in run.series("band").values()) == 200
    build_run(tmp_path)  # two regimes: a per-regime metric must name one
    with pytest.raises(ValueError, match="rongcheng, courts"):
        read_run(tmp_path).series("band")
    assert read_run(tmp_path).total("occurred")  # shared metrics need no regime


JSON = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(),
                              st.text(max_size=8)),
                    lambda inner: st.one_of(st.lists(inner, max_size=3),
                                            st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                    max_leaves=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(["days", "regimes", "files", "persons", "seed", "scenario", "acts"]),
       value=JSON)
def test_any_manifest_value_gives_a_run_or_an_input_error(tmp_path, key, value):
    """Property: whatever a manifest key holds, read_run either refuses it with an InputError
    naming the manifest, or gives a run whose days, regimes and series can be read."""
    root = tmp_path / "run"
    build_run(root, gates=False, exposures=False)
    put_manifest(root, **{key: value})
    try:
        run = read_run(root)
    except InputError as e:
        assert e.file == str(root / "manifest.json")
        return
    assert 0 <= run.n_days <= 100_000 and all(isinstance(r, str) for r in run.regimes)
    assert run.total("occurred")
