"""SCHUFA-like Basisscore: a quarterly factor score in basis points (1 = 0.01 %).

score = 10000 * (60 * v_payment + 25 * v_history + 15 * v_activity) / 100, held within 0..9999.
With no records: 60 * 1 + 25 * 0.912 + 15 * 1 = 97.8, so 9780 (97.80 %), the initial score.
"""

from __future__ import annotations

import pytest

from scslab.dates import iso, to_day
from scslab.regime import Engine, load_rulebook, read_records, replay

SCHUFA = load_rulebook("schufa-like")


def rows(replay_rows, text: str, as_of: str | None = None) -> dict[str, dict]:
    return replay_rows("schufa-like", "date,subject,act\n" + text, as_of)


def score(replay_rows, text: str, as_of: str, subject: str = "a") -> int:
    return rows(replay_rows, text, as_of)[subject]["score"]


def test_rulebook_units_range_and_cadence():
    s = SCHUFA.score
    assert (s.kind, s.initial, s.min, s.max, s.scale) == ("factor", 9780, 0, 9999, (0, 10000))
    assert "basis points" in SCHUFA.regime.note.lower() or "basis points" in s.note
    assert SCHUFA.update.cadence == "quarterly"
    for f in SCHUFA.factors:  # the formula is not published: every factor is an assumption
        assert not f.verified and f.note


@pytest.mark.parametrize(("bp", "band"), [
    (9999, "very_low_risk"), (9751, "very_low_risk"),  # > 97.5 %
    (9750, "low_to_moderate_risk"), (9500, "low_to_moderate_risk"),
    (9499, "satisfactory_to_increased_risk"), (9000, "satisfactory_to_increased_risk"),
    (8999, "clearly_increased_to_high_risk"), (8000, "clearly_increased_to_high_risk"),
    (7999, "very_high_risk"), (5000, "very_high_risk"),
    (4999, "very_critical_risk"), (0, "very_critical_risk"),
])
def test_band_boundaries_in_basis_points(bp, band):
    e = Engine(SCHUFA, 1).init()
    e.score[0] = bp
    assert e.bands()[0] == band


@pytest.mark.parametrize(("bp", "restricted"), [(9000, []), (8999, ["loan"]), (4999, ["loan"])])
def test_below_90_percent_lenders_refuse(bp, restricted):
    e = Engine(SCHUFA, 1).init()
    e.score[0] = bp
    assert e.consequences(0) == (restricted, [])


def test_quarterly_update_timing(replay_rows):
    text = "2024-01-10,a,payment_default\n"
    # payment 1 - 0.15 = 0.85: 51 + 22.8 + 15 = 88.8 -> 8880
    assert score(replay_rows, text, "2024-03-31") == 9780
    r = rows(replay_rows, text, "2024-04-01")["a"]
    assert (r["score"], r["band"], r["restrictions"]) == (8880, "clearly_increased_to_high_risk",
                                                          ["loan"])


def test_a_record_after_an_update_waits_for_the_next_quarter(replay_rows):
    text = "2024-01-10,b,loan_repaid\n2024-04-02,a,payment_default\n"
    assert score(replay_rows, text, "2024-06-30") == 9780
    assert score(replay_rows, text, "2024-07-01") == 8880


def test_two_defaults_follow_the_curve(replay_rows):
    text = "2024-01-10,a,payment_default\n2024-02-10,a,payment_default\n"
    # curve at 2: -0.15 + (-0.25 / 2) = -0.275 -> payment 0.725: 43.5 + 22.8 + 15 = 81.3
    assert score(replay_rows, text, "2024-04-01") == 8130


def test_a_default_leaves_the_3_year_window(replay_rows):
    text = "2024-01-10,a,payment_default\n"
    # the update of 2027-01-01 counts records after 2024-01-01; that of 2027-04-01 after 2024-04-01
    assert score(replay_rows, text, "2027-01-01") == 8880
    assert score(replay_rows, text, "2027-04-01") == 9780


def test_insolvency_and_repaid_loans(replay_rows):
    text = "2024-02-10,c,insolvency\n" + "".join(f"2024-02-{d},b,loan_repaid\n" for d in range(10, 16))
    r = rows(replay_rows, text, "2024-04-01")
    # insolvency: payment 0.4 -> 24 + 22.8 + 15 = 61.8
    assert (r["c"]["score"], r["c"]["band"]) == (6180, "very_high_risk")
    # six loans repaid, capped at four: history 0.912 + 0.08 = 0.992 -> 60 + 24.8 + 15 = 99.8
    assert (r["b"]["score"], r["b"]["band"]) == (9980, "very_low_risk")


def test_credit_applications_two_are_free(replay_rows):
    two = "2024-02-10,a,credit_application\n2024-02-11,a,credit_application\n"
    assert score(replay_rows, two, "2024-04-01") == 9780
    # a third costs 0.05: activity 0.95 -> 14.25 -> 97.05 %
    three = two + "2024-02-12,a,credit_application\n"
    r = rows(replay_rows, three, "2024-04-01")["a"]
    assert (r["score"], r["band"]) == (9705, "low_to_moderate_risk")


def test_the_maximum_is_9999_because_100_percent_is_impossible(tmp_path):
    perfect = SCHUFA.model_copy(deep=True)
    perfect.factors[1].baseline = 1.0  # credit history 1: 60 + 25 + 15 = 100 % -> 10000
    p = tmp_path / "r.csv"
    p.write_text("date,subject,act\n2024-02-10,a,loan_repaid\n")
    res = replay(perfect, read_records(p, perfect), as_of=to_day("2024-04-01"))
    assert res.engine.score[0] == 9999
    lines = res.engine.ledger.drain()
    rules = res.engine.rule_texts(lines)
    assert (iso(lines.day[-1]), int(lines.delta[-1]), rules[-1]) == (
        "2024-04-01", 219, "quarterly factor update, limited by the maximum score 9999")


def test_updates_fall_on_the_first_of_january_april_july_october(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("date,subject,act\n2024-01-10,a,payment_default\n2024-05-10,a,payment_default\n"
                 "2024-08-10,a,loan_repaid\n")
    res = replay(SCHUFA, read_records(p, SCHUFA), as_of=to_day("2025-01-01"))
    lines = res.engine.ledger.drain()
    texts = res.engine.rule_texts(lines)
    upd = [(iso(d), int(x)) for d, x, r in zip(lines.day, lines.delta, texts, strict=True)
           if r == "quarterly factor update"]
    # 8880; two defaults 8130 (-750); one loan: history 0.932 -> +0.5 % -> 8180 (+50)
    assert upd == [("2024-04-01", -900), ("2024-07-01", -750), ("2024-10-01", 50)]


N = 4
ACTS = SCHUFA.act_ids()


