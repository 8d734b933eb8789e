"""Flensburg points replayed against hand-computed outcomes.

Rules: offence_1pt/2pt/3pt add 1/2/3 points that stop counting 2y6m/5y/10y after the record's
date (same day of the month, or the month's last day); bands clear 0, noted 1-3, ermahnung 4-5,
verwarnung 6-7; at 8 the licence is withdrawn: all points erased, band "withdrawn" and restriction
"driving" for 6 months; a seminar takes 1 point off at a total of 1-5, at most once in 5 years.
"""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import ledger_lines
from scslab.dates import to_day
from scslab.regime import Records, load_rulebook, replay

REGIME = "flensburg"
W = ["licence_withdrawn"]


def csv(*records: str) -> str:
    """CSV text of ``"date act"`` records of subject ``a``, in this order."""
    return "date,subject,act\n" + "\n".join(f"{r.split()[0]},a,{r.split()[1]}" for r in records)


def ledger(text: str, tmp_path: Path, as_of: str | None = None) -> list[tuple[str, str, int, str]]:
    """(date, act or "", delta, rule) of every ledger line, in order."""
    return ledger_lines(REGIME, text, tmp_path, as_of)


# (records, as of, score, band, withdrawn)
CASES = [
    # --- bands from the current total
    (["2024-01-01 offence_1pt"], None, 1, "noted", False),
    (["2024-01-01 offence_3pt"], None, 3, "noted", False),
    (["2024-01-01 offence_3pt", "2024-01-02 offence_1pt"], None, 4, "ermahnung", False),
    (["2024-01-01 offence_3pt", "2024-01-02 offence_2pt"], None, 5, "ermahnung", False),
    (["2024-01-01 offence_3pt", "2024-01-02 offence_3pt"], None, 6, "verwarnung", False),
    (["2024-01-01 offence_3pt", "2024-01-02 offence_3pt", "2024-01-03 offence_1pt"], None, 7,
     "verwarnung", False),
    # --- expiry: same day of the month, else the month's last day; gone from that date on
    # 31 Aug 2021 + 2y6m = 29 Feb 2024 (leap year)
    (["2021-08-31 offence_1pt"], "2024-02-28", 1, "noted", False),
    (["2021-08-31 offence_1pt"], "2024-02-29", 0, "clear", False),
    # 31 Aug 2022 + 2y6m = 28 Feb 2025
    (["2022-08-31 offence_1pt"], "2025-02-27", 1, "noted", False),
    (["2022-08-31 offence_1pt"], "2025-02-28", 0, "clear", False),
    # 29 Feb 2020 + 5y = 28 Feb 2025
    (["2020-02-29 offence_2pt"], "2025-02-27", 2, "noted", False),
    (["2020-02-29 offence_2pt"], "2025-02-28", 0, "clear", False),
    # 1 May 2014 + 10y = 1 May 2024
    (["2014-05-01 offence_3pt"], "2024-04-30", 3, "noted", False),
    (["2014-05-01 offence_3pt"], "2024-05-01", 0, "clear", False),
    # each offence on its own clock: 3 + 1 -> the 1 point goes first
    (["2020-01-15 offence_3pt", "2020-01-15 offence_1pt"], "2022-07-15", 3, "noted", False),
    # --- withdrawal at exactly 8 (and above): score 0, band withdrawn, 6 months
    (["2022-03-01 offence_3pt", "2022-03-01 offence_3pt", "2022-03-01 offence_2pt"], None, 0,
     "withdrawn", True),
    (["2022-01-01 offence_3pt", "2022-02-01 offence_3pt", "2022-03-01 offence_1pt",
      "2022-04-01 offence_3pt"], None, 0, "withdrawn", True),  # 7 + 3 = 10
    # one short of 8 is no withdrawal
    (["2022-01-01 offence_3pt", "2022-02-01 offence_3pt", "2022-03-01 offence_1pt"], None, 7,
     "verwarnung", False),
    # the withdrawal ends on the date 6 months later, not the day before
    (["2022-03-01 offence_3pt", "2022-03-01 offence_3pt", "2022-03-01 offence_2pt"],
     "2022-08-31", 0, "withdrawn", True),
    (["2022-03-01 offence_3pt", "2022-03-01 offence_3pt", "2022-03-01 offence_2pt"],
     "2022-09-01", 0, "clear", False),
    # 31 Aug + 6 months = 28 Feb
    (["2022-08-31 offence_3pt", "2022-08-31 offence_3pt", "2022-08-31 offence_2pt"],
     "2023-02-27", 0, "withdrawn", True),
    (["2022-08-31 offence_3pt", "2022-08-31 offence_3pt", "2022-08-31 offence_2pt"],
     "2023-02-28", 0, "clear", False),
    # erased points never expire a second time: the 1pt of 2022-01-10 (due 2024-07-10), the 3pt
    # and 2pts (due 2027/2032) were erased on 2022-04-01; only the 2pt of 2022-10-01 counts.
    (["2022-01-10 offence_1pt", "2022-02-01 offence_3pt", "2022-03-01 offence_2pt",
      "2022-04-01 offence_2pt", "2022-10-01 offence_2pt"], "2024-07-10", 2, "noted", False),
    (["2022-01-10 offence_1pt", "2022-02-01 offence_3pt", "2022-03-01 offence_2pt",
      "2022-04-01 offence_2pt", "2022-10-01 offence_2pt"], "2027-03-01", 2, "noted", False),
    (["2022-01-10 offence_1pt", "2022-02-01 offence_3pt", "2022-03-01 offence_2pt",
      "2022-04-01 offence_2pt", "2022-10-01 offence_2pt"], "2027-10-01", 0, "clear", False),
    # points gathered while withdrawn count from 0 after the erasure
    (["2022-03-01 offence_3pt", "2022-03-01 offence_3pt", "2022-03-01 offence_2pt",
      "2022-04-01 offence_3pt"], "2022-09-01", 3, "noted", False),
    # ... and 8 of them keep the licence withdrawn when the term ends: erased again, 6 more months
    (["2022-03-01 offence_3pt", "2022-03-01 offence_3pt", "2022-03-01 offence_2pt",
      "2022-04-01 offence_3pt", "2022-05-01 offence_3pt", "2022-06-01 offence_2pt"],
     "2022-08-31", 8, "withdrawn", True),
    (["2022-03-01 offence_3pt", "2022-03-01 offence_3pt", "2022-03-01 offence_2pt",
      "2022-04-01 offence_3pt", "2022-05-01 offence_3pt", "2022-06-01 offence_2pt"],
     "2022-09-01", 0, "withdrawn", True),
    (["2022-03-01 offence_3pt", "2022-03-01 offence_3pt", "2022-03-01 offence_2pt",
      "2022-04-01 offence_3pt", "2022-05-01 offence_3pt", "2022-06-01 offence_2pt"],
     "2023-03-01", 0, "clear", False),
    # an expiry is applied before the day's records: 7 - 1 + 1 = 7, no withdrawal on 2023-07-15
    (["2021-01-15 offence_1pt", "2022-01-01 offence_3pt", "2022-02-01 offence_3pt",
      "2023-07-15 offence_1pt"], None, 7, "verwarnung", False),
    # --- seminar: -1 at 1..5, refused at 6, at most once in 5 years
    (["2020-01-01 offence_3pt", "2020-01-02 offence_2pt", "2020-03-01 seminar"], None, 4,
     "ermahnung", False),
    (["2020-01-01 offence_3pt", "2020-01-02 offence_3pt", "2020-03-01 seminar"], None, 6,
     "verwarnung", False),
    (["2020-01-01 offence_1pt", "2020-03-01 seminar"], None, 0, "clear", False),
    (["2020-03-01 seminar"], None, 0, "clear", False),  # nothing to take off at 0
    # second seminar one day short of 5 years: refused; on the day: applied (3 - 1 + 2 = 4)
    (["2020-01-01 offence_3pt", "2020-03-01 seminar", "2024-06-01 offence_2pt",
      "2025-02-28 seminar"], None, 4, "ermahnung", False),
    (["2020-01-01 offence_3pt", "2020-03-01 seminar", "2024-06-01 offence_2pt",
      "2025-03-01 seminar"], None, 3, "noted", False),
    # a refused seminar (at 6) does not start the 5 years: at 5, the next one applies
    (["2018-01-01 offence_1pt", "2019-01-01 offence_3pt", "2019-01-01 offence_2pt",
      "2020-06-01 seminar", "2020-07-02 seminar"], None, 4, "ermahnung", False),
    # order within a day: seminar at 5 then +2 = 6; +2 first = 7, seminar refused
    (["2020-01-01 offence_3pt", "2020-01-01 offence_2pt", "2020-05-05 seminar",
      "2020-05-05 offence_2pt"], None, 6, "verwarnung", False),
    (["2020-01-01 offence_3pt", "2020-01-01 offence_2pt", "2020-05-05 offence_2pt",
      "2020-05-05 seminar"], None, 7, "verwarnung", False),
    # --- never below 0: the seminar's point off outlives the offence it was taken from
    (["2020-01-01 offence_1pt", "2020-02-01 seminar"], "2022-07-01", 0, "clear", False),
    (["2020-01-01 offence_1pt", "2020-02-01 seminar", "2020-03-01 offence_2pt"], "2022-07-01", 1,
     "noted", False),
]


@pytest.mark.parametrize(("records", "as_of", "score", "band", "withdrawn"), CASES)
def test_flensburg(replay_rows, records, as_of, score, band, withdrawn):
    row = replay_rows(REGIME, csv(*records), as_of=as_of)["a"]
    assert (row["score"], row["band"]) == (score, band)
    assert row["lists"] == (W if withdrawn else [])
    assert row["restrictions"] == (["driving"] if withdrawn else [])
    assert row["privileges"] == []


def test_withdrawal_ledger(tmp_path):
    text = csv("2021-08-31 offence_1pt", "2022-01-10 offence_3pt", "2022-02-10 offence_3pt",
               "2022-03-01 offence_2pt", "2022-03-02 offence_1pt")
    assert ledger(text, tmp_path, "2025-01-01") == [
        ("2021-08-31", "offence_1pt", 1, "points"),
        ("2022-01-10", "offence_3pt", 3, "points"),
        ("2022-02-10", "offence_3pt", 3, "points"),
        ("2022-03-01", "offence_2pt", 2, "points"),
        # 9 points erased in one line, so the score is the sum of the deltas
        ("2022-03-01", "", -9, "trigger eight_points: all points erased"),
        ("2022-03-01", "", 0, "trigger eight_points: entered licence_withdrawn (until 2022-09-01)"),
        ("2022-03-02", "offence_1pt", 1, "points"),
        ("2022-09-01", "", 0, "licence_withdrawn: term ended, deletion effective 2022-09-01"),
        ("2022-09-01", "", 0, "deleted from licence_withdrawn"),
        # the erased 1pt of 2021-08-31 (due 2024-02-29) does not expire again; the new one does
        ("2024-09-02", "offence_1pt", -1, "expired: points of offence_1pt recorded 2022-03-02"),
    ]


def test_seminar_ledger_says_why(tmp_path):
    text = csv("2020-01-01 offence_3pt", "2020-01-01 offence_3pt", "2020-02-01 seminar",
               "2020-03-01 seminar")
    lines = ledger(text, tmp_path)
    assert lines[2] == ("2020-02-01", "seminar", 0,
                        "not applied: seminar requires a score of at most 5")
    assert ledger(csv("2020-02-01 seminar"), tmp_path) == [
        ("2020-02-01", "seminar", 0, "not applied: seminar requires a score of at least 1")]
    text = csv("2020-01-01 offence_3pt", "2020-03-01 seminar", "2025-02-28 seminar")
    assert ledger(text, tmp_path)[-1] == (
        "2025-02-28", "seminar", 0,
        "not applied: seminar at most once per 5y0m, last on 2020-03-01")


# ------------------------------------------------------------------ property: a reference model
def _add_months(d: dt.date, months: int) -> dt.date:
    """Same day ``months`` later, or that month's last day (written apart from scslab.dates)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


EXPIRY = {"offence_1pt": (1, 30), "offence_2pt": (2, 60), "offence_3pt": (3, 120)}
ACTS = [*EXPIRY, "seminar"]
START = dt.date(2020, 1, 1)


def reference(events: list[tuple[int, str]], end: int) -> tuple[int, bool, int]:
    """(score, withdrawn, sum of unexpired, unerased offence points) at the end of day ``end``,
    walking the calendar day by day: expiries and the term's end, the trigger, then records."""
    live: list[tuple[dt.date, int]] = []  # (expiry date, points) of unerased offences
    score, until, last_seminar = 0, None, None
    by_day: dict[int, list[str]] = {}
    for d, a in events:
        by_day.setdefault(d, []).append(a)
    for k in range(end + 1):
        day = START + dt.timedelta(days=k)
        for exp, pts in [x for x in live if x[0] == day]:
            live.remove((exp, pts))
            score = max(0, score - pts)
        if until == day:
            until = None
        for a in [None, *by_day.get(k, [])]:  # None: the check after the calendar events
            if a in EXPIRY:
                pts, months = EXPIRY[a]
                score += pts
                live.append((_add_months(day, months), pts))
            elif a == "seminar" and 1 <= score <= 5 and (
                    last_seminar is None or day >= _add_months(last_seminar, 60)):
                score -= 1
                last_seminar = day
            if score >= 8 and until is None:
                score, live, until = 0, [], _add_months(day, 6)
    return score, until is not None, sum(p for _, p in live)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4000), st.sampled_from(ACTS)), min_size=1, max_size=40),
       st.integers(0, 5000), st.booleans())
def test_matches_reference_model(events, end, with_seminars):
    if not with_seminars:
        events = [e for e in events if e[1] != "seminar"] or [(0, "offence_1pt")]
    events = sorted(events, key=lambda e: e[0])  # stable: file order within a day
    rb = load_rulebook(REGIME)
    acts = rb.act_ids()
    recs = Records(
        day=np.array([to_day(START) + d for d, _ in events], np.int64),
        subject=np.zeros(len(events), np.int64),
        act=np.array([acts.index(a) for _, a in events], np.int64),
        value=np.ones(len(events)), age=np.full(len(events), 40.0), subject_ids=["a"],
    )
    res = replay(rb, recs, as_of=to_day(START) + end)
    e = res.engine
    score, withdrawn, live_points = reference(events, end)
    assert int(e.score[0]) == score >= 0
    assert e.lists_of(0) == (W if withdrawn else [])
    if not with_seminars:
        assert score == live_points  # the score is the sum of unexpired, unerased points
