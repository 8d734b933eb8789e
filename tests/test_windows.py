"""Rolling windows ([[windows]]): hand-computed cases, schema checks, and a brute-force invariant.

Semantics under test: a record of ``act`` on day d counts the records of ``act`` in
[d - days + 1, d] (file order within a day, this record included); every record that makes the
count exceed ``more_than`` emits one derived record of ``emit`` (no reset after an emission).
"""

from __future__ import annotations

import copy
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from scslab.dates import iso
from scslab.regime import Records, Rulebook, load_rulebook, read_records, replay

# A minimal rulebook: each derived record of `y` adds one point, so the score counts emissions.
BASE: dict = {
    "regime": {"id": "w", "name": "w", "description": "window test"},
    "score": {"initial": 0},
    "acts": [
        {"id": "x", "category": "civic"},
        {"id": "y", "category": "civic", "points": 1},
        {"id": "z", "category": "civic", "points": 100},
    ],
    "windows": [{"id": "w1", "act": "x", "days": 30, "more_than": 3, "emit": "y"}],
    "sources": [{"key": "S", "title": "test", "url": "https://example.org"}],
}


def rulebook(**changes) -> Rulebook:
    data = copy.deepcopy(BASE)
    data.update(changes)
    return Rulebook.model_validate(data)


def _replay(rb: Rulebook | str, csv_text: str, tmp_path: Path):
    rb = load_rulebook(rb) if isinstance(rb, str) else rb
    path = tmp_path / "r.csv"
    path.write_text("\n".join(x.strip() for x in csv_text.strip().splitlines()) + "\n")
    return rb, replay(rb, read_records(path, rb))


def rows_of(rb: Rulebook, csv_text: str, tmp_path: Path) -> dict[str, dict]:
    """Replay and return the output rows keyed by subject."""
    return {r["subject"]: r for r in _replay(rb, csv_text, tmp_path)[1].rows()}


def ledger(rb: Rulebook | str, csv_text: str, tmp_path: Path) -> list[tuple[str, str, str, int, str]]:
    """Replay and return ledger lines as (subject, date, act, delta, rule)."""
    rb, res = _replay(rb, csv_text, tmp_path)
    lines = res.engine.ledger.drain()
    acts = rb.act_ids()
    return [(res.subject_ids[lines.subject[i]], iso(lines.day[i]),
             acts[lines.act[i]] if lines.act[i] >= 0 else "", int(lines.delta[i]),
             res.engine.rule_texts(lines)[i]) for i in range(len(lines))]


def csv_of(days: list[str], act: str = "x", subject: str = "a") -> str:
    return "date,subject,act\n" + "\n".join(f"{d},{subject},{act}" for d in days)


# --------------------------------------------------------------------------- hand-computed
@pytest.mark.parametrize(
    ("days", "emitted_on"),
    [
        # 2024-01-30 is day 30 counting 2024-01-01 as day 1: its window is 01-01..01-30.
        (["2024-01-01", "2024-01-10", "2024-01-20", "2024-01-30"], ["2024-01-30"]),
        # The window of 01-31 is 01-02..01-31: the record of 01-01 has left it.
        (["2024-01-01", "2024-01-10", "2024-01-20", "2024-01-31"], []),
        (["2024-01-01", "2024-01-10", "2024-01-20"], []),
        # Several on one day count one by one in file order: the 4th emits, not the 3rd.
        (["2024-02-01"] * 3, []),
        (["2024-02-01"] * 4, ["2024-02-01"]),
        (["2024-02-01"] * 6, ["2024-02-01"] * 3),
        # A 5th within the window emits again (no reset after an emission).
        (["2024-01-01", "2024-01-10", "2024-01-20", "2024-01-30", "2024-01-30"],
         ["2024-01-30", "2024-01-30"]),
        # ... but not when the window has moved on: window of 02-09 is 01-11..02-09 (3 records).
        (["2024-01-01", "2024-01-10", "2024-01-20", "2024-01-30", "2024-02-09"], ["2024-01-30"]),
        # Sliding: 01-04 (01-01..01-04), 01-31 (02..31 holds 02,03,04,31), 02-01 (03,04,31,01).
        (["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-31", "2024-02-01"],
         ["2024-01-04", "2024-01-31", "2024-02-01"]),
    ],
)
def test_window_emissions(days, emitted_on, tmp_path):
    lines = ledger(rulebook(), csv_of(days), tmp_path)
    assert [d for _, d, act, _, _ in lines if act == "y"] == emitted_on


def test_window_counts_per_subject(tmp_path):
    text = "date,subject,act\n" + "\n".join(
        f"2024-03-0{i},{s},x" for i in range(1, 5) for s in ("a", "b") if not (s == "b" and i == 4))
    lines = ledger(rulebook(), text, tmp_path)
    assert [(s, d) for s, d, act, _, _ in lines if act == "y"] == [("a", "2024-03-04")]


def test_window_ledger_says_count_and_emission(tmp_path):
    lines = ledger(rulebook(), csv_of(["2024-01-01", "2024-01-02", "2024-01-20", "2024-01-30"]),
                   tmp_path)
    rules = [r for _, _, act, _, r in lines if act == "x"]
    assert rules == [
        "window w1: 1 x in 30 days (emits above 3)",
        "window w1: 2 x in 30 days (emits above 3)",
        "window w1: 3 x in 30 days (emits above 3)",
        "window w1: more than 3 x in 30 days, emits y",
    ]


def test_more_than_zero_emits_on_every_record(tmp_path):
    rb = rulebook(windows=[{"id": "w1", "act": "x", "days": 1, "more_than": 0, "emit": "y"}])
    rows = rows_of(rb, csv_of(["2024-01-01", "2024-01-01", "2024-05-01"]), tmp_path)
    assert rows["a"]["score"] == 3


def test_two_windows_on_one_act_both_emit(tmp_path):
    # Both windows emit for the same subject in the same pass: each derived record must count.
    rb = rulebook(windows=[
        {"id": "w1", "act": "x", "days": 30, "more_than": 0, "emit": "y"},
        {"id": "w2", "act": "x", "days": 30, "more_than": 1, "emit": "y"},
    ])
    rows = rows_of(rb, csv_of(["2024-01-01", "2024-01-02"]), tmp_path)
    assert rows["a"]["score"] == 3  # w1 twice, w2 on the second record


def test_windows_chain(tmp_path):
    # x -> y (more than 1 in 30 days), y -> z (more than 1 in 30 days): the 3rd x gives the 2nd y.
    rb = rulebook(windows=[
        {"id": "w1", "act": "x", "days": 30, "more_than": 1, "emit": "y"},
        {"id": "w2", "act": "y", "days": 30, "more_than": 1, "emit": "z"},
    ])
    rows = rows_of(rb, csv_of(["2024-01-01", "2024-01-02", "2024-01-03"]), tmp_path)
    assert rows["a"]["score"] == 1 + 1 + 100


def test_derived_record_keeps_the_age(tmp_path):
    rb = rulebook(
        windows=[{"id": "w1", "act": "x", "days": 30, "more_than": 0, "emit": "y"}],
        lists=[{"id": "l", "entries": [{"act": "y"}], "min_age": 18}],
    )
    text = "date,subject,act,age\n2024-01-01,minor,x,16\n2024-01-01,adult,x,30\n2024-01-01,unknown,x,"
    rows = rows_of(rb, text, tmp_path)
    assert rows["minor"]["lists"] == []
    assert rows["adult"]["lists"] == ["l"]
    assert rows["unknown"]["lists"] == ["l"]  # unknown age never blocks a listing


# ---------------------------------------------------------------------------- schema checks
@pytest.mark.parametrize(
    ("windows", "message"),
    [
        ([{"id": "w1", "act": "x", "days": 30, "more_than": 0, "emit": "x"}], "never end"),
        ([{"id": "w1", "act": "x", "days": 30, "more_than": 3, "emit": "y"},
          {"id": "w2", "act": "y", "days": 30, "more_than": 3, "emit": "x"}], "never end"),
        ([{"id": "w1", "act": "x", "days": 30, "more_than": 3, "emit": "y"},
          {"id": "w1", "act": "x", "days": 10, "more_than": 1, "emit": "z"}], "duplicate window"),
        ([{"id": "w1", "act": "x", "days": 30, "more_than": 3, "emit": "y", "sources": ["NOPE"]}],
         "unknown source key"),
        ([{"id": "w1", "act": "x", "days": 0, "more_than": 3, "emit": "y"}], "greater than or equal"),
        ([{"id": "w1", "act": "q", "days": 30, "more_than": 3, "emit": "y"}], "unknown act"),
    ],
)
def test_bad_windows_are_rejected(windows, message):
    with pytest.raises(ValidationError, match=message):
        rulebook(windows=windows)


# ---------------------------------------------------------------------- brute-force invariant
N_SUBJECTS = 4


@settings(max_examples=80, deadline=None)
@given(
    days=st.integers(1, 40),
    more_than=st.integers(0, 5),
    recs=st.lists(st.tuples(st.integers(0, 90), st.integers(0, N_SUBJECTS - 1)),
                  min_size=1, max_size=80),
)
def test_emission_iff_brute_force_count_exceeds(days, more_than, recs):
    rb = rulebook(windows=[{"id": "w1", "act": "x", "days": days, "more_than": more_than,
                            "emit": "y"}])
    day = np.array([d for d, _ in recs], np.int64)
    order = np.argsort(day, kind="stable")
    day, subj = day[order] + 19_000, np.array([s for _, s in recs], np.int64)[order]
    records = Records(day=day, subject=subj, act=np.zeros(len(day), np.int64),
                      value=np.ones(len(day)), age=np.full(len(day), 40.0),
                      subject_ids=[f"s{i}" for i in range(N_SUBJECTS)])
    res = replay(rb, records)
    lines = res.engine.ledger.drain()
    got = Counter((int(s), int(d)) for s, d, a in zip(lines.subject, lines.day, lines.act,
                                                       strict=True) if a == 1)
    want: Counter = Counter()
    for i in range(len(day)):
        # records of the same subject up to and including this one, inside its window
        prior = (subj[: i + 1] == subj[i]) & (day[: i + 1] >= day[i] - days + 1)
        if prior.sum() > more_than:
            want[(int(subj[i]), int(day[i]))] += 1
    assert got == want
    assert np.array_equal(res.engine.score, np.bincount(
        [s for s, _ in want.elements()], minlength=N_SUBJECTS).astype(np.int32))
