"""FICO-like point score replayed against hand-computed outcomes.

Start 850, range 300-850 (clip = "total": the floor cuts the shown score, not the deductions),
every negative record counts 7 years. Bands (unverified): exceptional >= 800, very_good 740-799,
good 670-739, fair 580-669, poor 300-579.
"""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scslab.dates import iso, to_day
from scslab.regime import Engine, Records, load_rulebook, read_records, replay

REGIME = "fico-like"


def csv(*records: str) -> str:
    """CSV text of ``"date act"`` records of subject ``a``, in this order."""
    return "date,subject,act\n" + "\n".join(f"{r.split()[0]},a,{r.split()[1]}" for r in records)


def on(day: str, *acts: str) -> list[str]:
    return [f"{day} {a}" for a in acts]


FLOORED = on("2015-01-01", *["late_payment_90d"] * 4)  # 850 - 560 = 290 -> shown 300

# (records, as of, score, band)
CASES = [
    # one record of each factor: 2 points per percent of weight (4 for severe records)
    (on("2020-01-01", "late_payment_30d"), None, 780, "very_good"),
    (on("2020-01-01", "late_payment_90d"), None, 710, "good"),
    (on("2020-01-01", "collection_account"), None, 710, "good"),
    (on("2020-01-01", "civil_judgment"), None, 710, "good"),
    (on("2020-01-01", "high_utilisation"), None, 790, "very_good"),
    (on("2020-01-01", "oldest_account_closed"), None, 820, "exceptional"),
    (on("2020-01-01", "hard_inquiry", "new_account_opened", "credit_mix_narrowed"), None, 790,
     "very_good"),
    # band boundaries
    (on("2020-01-01", "hard_inquiry", "oldest_account_closed"), None, 800, "exceptional"),
    (on("2020-01-01", "high_utilisation"), None, 790, "very_good"),
    (on("2020-01-01", "late_payment_30d", "hard_inquiry", "hard_inquiry"), None, 740,
     "very_good"),
    (on("2020-01-01", "late_payment_30d", "hard_inquiry", "hard_inquiry", "hard_inquiry"), None,
     720, "good"),
    (on("2020-01-01", "late_payment_90d", "hard_inquiry", "hard_inquiry"), None, 670, "good"),
    (on("2020-01-01", "late_payment_90d", "hard_inquiry", "hard_inquiry", "hard_inquiry"), None,
     650, "fair"),
    (on("2020-01-01", "late_payment_90d", "late_payment_30d", "high_utilisation"), None, 580,
     "fair"),
    (on("2020-01-01", "late_payment_90d", "late_payment_30d", "high_utilisation",
        "hard_inquiry"), None, 560, "poor"),
    # the floor: 850 - 4 * 140 = 290, shown as 300
    (FLOORED, None, 300, "poor"),
    # 7 years from the record's date; 29 Feb + 7y = 28 Feb
    (on("2016-02-29", "late_payment_30d"), "2023-02-27", 780, "very_good"),
    (on("2016-02-29", "late_payment_30d"), "2023-02-28", 850, "exceptional"),
    (on("2016-01-01", "civil_judgment"), "2022-12-31", 710, "good"),
    (on("2016-01-01", "civil_judgment"), "2023-01-01", 850, "exceptional"),
    # a deduction cut by the floor still counts once older ones expire: on 2022-01-01 the four of
    # 2015 expire; the judgment of 2016 (absorbed: shown delta 0) is still live -> 710
    (FLOORED + on("2016-01-01", "civil_judgment"), "2021-12-31", 300, "poor"),
    (FLOORED + on("2016-01-01", "civil_judgment"), "2022-01-01", 710, "good"),
    (FLOORED + on("2016-01-01", "civil_judgment"), "2023-01-01", 850, "exceptional"),
    # the top: expiries never lift the score above 850
    (on("2010-01-01", *["late_payment_90d"] * 6), "2017-01-01", 850, "exceptional"),
]


@pytest.mark.parametrize(("records", "as_of", "score", "band"), CASES)
def test_fico_like(replay_rows, records, as_of, score, band):
    row = replay_rows(REGIME, csv(*records), as_of=as_of)["a"]
    assert (row["score"], row["band"]) == (score, band)
    assert (row["lists"], row["restrictions"], row["privileges"]) == ([], [], [])


def test_boundaries_not_reachable_by_records():
    # Deductions are multiples of 10: check 799/739/669/579 through the band lookup.
    e = Engine(load_rulebook(REGIME), 9).init()
    e.score[:] = [850, 800, 799, 740, 739, 670, 669, 580, 579]
    assert list(e.bands()) == ["exceptional", "exceptional", "very_good", "very_good", "good",
                               "good", "fair", "fair", "poor"]


def test_floor_ledger(tmp_path: Path):
    rb = load_rulebook(REGIME)
    path = tmp_path / "r.csv"
    path.write_text(csv(*FLOORED, "2016-01-01 civil_judgment") + "\n")
    res = replay(rb, read_records(path, rb), as_of=to_day("2022-01-01"))
    lines = res.engine.ledger.drain()
    got = [(iso(lines.day[i]), int(lines.delta[i]), int(lines.score_after[i]),
            res.engine.rule_texts(lines)[i]) for i in range(len(lines))]
    expired = "expired: points of late_payment_90d recorded 2015-01-01"
    assert got == [
        ("2015-01-01", -140, 710, "points"),
        ("2015-01-01", -140, 570, "points"),
        ("2015-01-01", -140, 430, "points"),
        ("2015-01-01", -130, 300, "points, limited by the minimum score 300"),
        ("2016-01-01", 0, 300, "points, limited by the minimum score 300"),
        # the total of live deductions is 850 - 700 = 150 (shown 300), then 290 (300), 430, ...
        ("2022-01-01", 0, 300, expired),
        ("2022-01-01", 130, 430, expired),
        ("2022-01-01", 140, 570, expired),
        ("2022-01-01", 140, 710, expired),
    ]


# ------------------------------------------------------------------ property: a reference model
RB = load_rulebook(REGIME)
POINTS = {a.id: a.points for a in RB.acts}
START = dt.date(2015, 1, 1)


def _plus_7y(d: dt.date) -> dt.date:
    return dt.date(d.year + 7, d.month, min(d.day, calendar.monthrange(d.year + 7, d.month)[1]))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 2), st.sampled_from(list(POINTS))),
                min_size=1, max_size=50), st.integers(0, 6000))
def test_score_is_clipped_sum_of_live_deductions(draw, end):
    draw = sorted(draw, key=lambda r: r[0])
    recs = Records(day=np.array([to_day(START) + d for d, _, _ in draw], np.int64),
                   subject=np.array([s for _, s, _ in draw], np.int64),
                   act=np.array([RB.act_ids().index(a) for _, _, a in draw], np.int64),
                   value=np.ones(len(draw)), age=np.full(len(draw), 40.0),
                   subject_ids=["s0", "s1", "s2"])
    e = replay(RB, recs, as_of=to_day(START) + end).engine
    as_of = START + dt.timedelta(days=end)
    for s in range(3):
        live = sum(POINTS[a] for d, who, a in draw if who == s
                   and START + dt.timedelta(days=d) <= as_of
                   < _plus_7y(START + dt.timedelta(days=d)))
        assert int(e.score[s]) == max(300, 850 + live)
