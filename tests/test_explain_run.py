"""``scslab explain RUN_DIR SUBJECT``: one subject's whole file from a simulated run."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow.parquet as pq
import pytest

from helpers import assert_one_line_error, cli
from scslab.dates import iso, to_day
from scslab.runfile import subject_file
from scslab.sim.run import run_scenario


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("explain") / "run"
    run_scenario("court-flows", persons=5000, days=90, seed=1, out=out)
    return out


def listed_person(out):
    t = pq.read_table(out / "subjects.parquet")
    lists, kind = t.column("court-defaulters.lists").to_pylist(), t.column("kind").to_pylist()
    return next(i for i, x in enumerate(lists) if x and kind[i] == "person")


def test_a_listed_person_s_file_shows_the_court_listing_and_every_flow_after_it(run):
    s = listed_person(run)
    f = subject_file(run, str(s))
    assert f.attributes["kind"] == "person" and f.attributes["sex"] in ("female", "male")
    assert {"age", "region", "household", "ability_to_pay", "propensity"} <= set(f.attributes)
    enters = {e.regime: e.day for e in f.entries if e.kind == "list" and e.text.startswith("enters")}
    d = enters["court-defaulters"]
    # The record that listed the subject came first, with its source.
    assert any(e.kind == "record" and e.day == d and "from the default source" in e.text
               for e in f.entries)
    # The flows' delays of court-flows.toml: Sesame 1, the map 7, the ringback 30 days.
    assert enters["sesame"] == d + 1 and enters["hebei-deadbeat-map"] == d + 7
    if d + 30 < to_end(run):
        assert enters["court-ringback"] == d + 30
    held = [e for e in f.entries if e.kind == "status" and e.regime == "sesame"]
    assert any("taobao_high_price_items" in e.text and e.day == d + 1 for e in held)
    # Dates ascend, and the final state agrees with subjects.parquet.
    assert [e.day for e in f.entries] == sorted(e.day for e in f.entries)
    assert "dishonest_judgment_defaulters" in f.final["court-defaulters"]["lists"]
    assert f.final["sesame"]["lists"][0] == "court_defaulters"


def to_end(out):
    """Day number one past the run's last day."""
    m = json.loads((out / "manifest.json").read_text())
    return to_day(dt.date.fromisoformat(m["start_date"])) + m["days"]


def test_the_id_number_names_the_same_file_as_the_row(run):
    s = listed_person(run)
    ids = pq.read_table(run / "subjects.parquet").column("id").to_pylist()
    assert subject_file(run, ids[s]).entries == subject_file(run, str(s)).entries


def test_gate_outcomes_and_baihang_records_are_in_the_file(run):
    g = pq.read_table(run / "gates.parquet").to_pylist()
    denied = next(r for r in g if r["outcome"] == "denied")
    f = subject_file(run, str(denied["subject"]))
    assert any(e.kind == "gate" and e.text == f"{denied['service']}: denied"
               and e.regime == denied["regime"] and e.date == iso(e.day) for e in f.entries)
    recs = pq.read_table(run / "records.parquet").to_pylist()
    b = next(r for r in recs if r["source"] == "baihang")
    f = subject_file(run, str(b["subject"]))
    assert any(e.kind == "record" and e.text.startswith(f"{b['act']} from baihang (commercial)")
               for e in f.entries)


def test_a_false_record_says_so(tmp_path):
    out = tmp_path / "run"
    sets = {"sources.court-filings.false_positives": {"refuses_despite_ability": 0.002}}
    run_scenario("court-sources", persons=2000, days=15, seed=2, out=out, sets=sets)
    recs = pq.read_table(out / "records.parquet").to_pylist()
    bad = next(r for r in recs if not r["true"])
    f = subject_file(out, str(bad["subject"]))
    assert any(e.kind == "record" and "FALSE" in e.text and "(judicial)" in e.text
               for e in f.entries)


def test_cli_explain_run_and_replay_both_work(run, tmp_path):
    s = listed_person(run)
    r = cli("explain", run, s)
    assert r.code == 0, r.stderr
    assert "enters dishonest_judgment_defaulters" in r.stdout and "court_listed" in r.stdout
    p = tmp_path / "r.csv"
    p.write_text("date,subject,act\n2024-01-02,a,refuses_despite_ability\n", encoding="utf-8")
    r = cli("explain", "court-defaulters", p, "a")
    assert r.code == 0 and "Credit file of a" in r.stdout


@pytest.mark.parametrize("who", ["99999999", "ABCDEFGHIJKLMNOPQR", "x"])
def test_an_unknown_subject_is_one_line(run, who):
    assert_one_line_error(cli("explain", run, who), "subjects.parquet")


def test_a_file_that_is_no_run_folder_is_one_line(tmp_path):
    assert_one_line_error(cli("explain", tmp_path / "nothing", "3"), "run folder")
