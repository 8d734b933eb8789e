"""Sesame Credit: a monthly factor score, replayed against hand-computed values.

With weights 35/25/15/20/5 (sum 100) and scale 350..950, score = 350 + 6 * sum_f(w_f * v_f).
A subject with no records, no friends and median ability (replay's defaults) has
credit 0.5*35 + capacity 0.4*25 + identity 0.4*15 + behaviour 0.2*20 + friends 0*5 = 37.5,
so 350 + 6 * 37.5 = 575, the initial score.
"""

from __future__ import annotations

import numpy as np
import pytest

from scslab.dates import iso, to_day
from scslab.regime import Engine, describe_rulebook, load_rulebook, replay
from scslab.regime.factor import FactorModel, factor_scores, friends_mean
from scslab.regime.ledger import SYSTEM_ACT
from scslab.society.friends import Friends

SESAME = load_rulebook("sesame")


def rows(replay_rows, text: str, as_of: str | None = None) -> dict[str, dict]:
    return replay_rows("sesame", "date,subject,act,value\n" + text, as_of)


def score(replay_rows, text: str, as_of: str, subject: str = "a") -> int:
    return rows(replay_rows, text, as_of)[subject]["score"]


# ----------------------------------------------------------------------------- the rulebook
def test_rulebook_cites_weights_as_unverified_and_describes_factors():
    weights = {f.id: f.weight for f in SESAME.factors}
    assert weights == {"credit_history": 35, "fulfilment_capacity": 25, "identity_traits": 15,
                       "behaviour_preferences": 20, "interpersonal": 5}
    for f in SESAME.factors:
        assert "HY" in f.sources and not f.verified
    swap = [f for f in SESAME.factors if f.id in ("fulfilment_capacity", "behaviour_preferences")]
    assert all("swap" in f.note for f in swap)
    assert (SESAME.score.min, SESAME.score.max, SESAME.update.cadence) == (350, 950, "monthly")
    assert not SESAME.update.verified  # monthly cadence is unconfirmed
    text = describe_rulebook(SESAME)
    for f in SESAME.factors:
        assert f.id in text
    assert "weight 35 (35 %)" in text and "friends_mean_score (default 350)" in text
    assert "recomputed monthly" in text


# --------------------------------------------------------------------------- update timing
def test_no_records_keeps_the_initial_score_and_writes_no_delta(replay_rows):
    # identity 0 + spending 0: a record that feeds nothing that changes (a delisting, unlisted)
    r = rows(replay_rows, "2024-01-10,a,court_delisted,\n", as_of="2024-06-01")
    assert r["a"]["score"] == 575 and r["a"]["band"] == "fair"


def test_score_changes_only_on_the_monthly_update_day(replay_rows):
    text = "2024-01-10,a,platform_spending,10000\n"
    # behaviour 0.2 + 0.3 = 0.5: +0.3 * 20 * 6 = +36
    assert score(replay_rows, text, "2024-01-31") == 575
    assert score(replay_rows, text, "2024-02-01") == 611


def test_records_of_the_update_day_count_that_day(replay_rows):
    assert score(replay_rows, "2024-02-01,a,platform_spending,10000\n", "2024-02-01") == 611


def test_spending_curve_is_piecewise_linear(replay_rows):
    # 30,000 yuan: 0.3 + 0.3 * (20,000 / 40,000) = 0.45 -> behaviour 0.65 -> 350 + 6 * (37.5 + 9)
    assert score(replay_rows, "2024-01-10,a,platform_spending,30000\n", "2024-02-01") == 629
    # beyond 50,000 the curve is flat at 0.6 -> behaviour 0.8 -> +72
    assert score(replay_rows, "2024-01-10,a,platform_spending,90000\n", "2024-02-01") == 647


def test_spending_leaves_the_12_month_window(replay_rows):
    text = "2024-01-10,a,platform_spending,10000\n"
    # update 2025-01-01 counts records after 2024-01-01: still in; 2025-02-01: after 2024-02-01: out
    assert score(replay_rows, text, "2025-01-01") == 611
    assert score(replay_rows, text, "2025-02-01") == 575


def test_every_change_is_a_monthly_factor_update_line(replay_rows, tmp_path):
    text = "date,subject,act,value\n2024-01-10,a,platform_spending,10000\n"
    p = tmp_path / "r.csv"
    p.write_text(text)
    from scslab.regime import read_records

    res = replay(SESAME, read_records(p, SESAME), as_of=to_day("2025-03-01"))
    lines = res.engine.ledger.drain()
    rules = res.engine.rule_texts(lines)
    updates = [(iso(d), int(x)) for d, x, r in zip(lines.day, lines.delta, rules, strict=True)
               if r == "monthly factor update"]
    assert updates == [("2024-02-01", 36), ("2025-02-01", -36)]
    assert all(a == SYSTEM_ACT for a, r in zip(lines.act, rules, strict=True)
               if r == "monthly factor update")


# --------------------------------------------------------------------------- credit history
def test_court_listing_lowers_the_score_until_deleted(replay_rows):
    text = "2024-01-10,a,court_listed,\n2024-02-15,a,court_delisted,\n"
    # credit 0.5 - 0.5 = 0: -0.5 * 35 * 6 = -105 (size unpublished: an assumption)
    r = rows(replay_rows, text, "2024-02-01")["a"]
    assert (r["score"], r["band"], r["lists"]) == (470, "poor", ["court_defaulters"])
    assert r["restrictions"] == ["taobao_high_price_items"]
    r = rows(replay_rows, text, "2024-03-01")["a"]
    assert (r["score"], r["band"], r["lists"], r["restrictions"]) == (575, "fair", [], [])


def test_bad_records_lower_credit_history_and_list_for_five_years(replay_rows):
    text = "2024-01-15,a,repayment_overdue,\n"
    r = rows(replay_rows, text, "2024-02-01")["a"]
    assert r["score"] == 575 - 42  # credit 0.5 - 0.2 = 0.3: -0.2 * 35 * 6
    assert r["lists"] == ["bad_record_5y"]
    # three bad records cost 0.5 (credit 0): -105
    three = text + "2024-01-16,a,loan_default,\n2024-01-17,a,repayment_overdue,\n"
    assert score(replay_rows, three, "2024-02-01") == 470
    # the 5-year window ends: the update of 2029-02-01 counts records after 2024-02-01
    assert score(replay_rows, text, "2029-01-01") == 533
    assert score(replay_rows, text, "2029-02-01") == 575
    assert rows(replay_rows, text, "2029-01-15")["a"]["lists"] == []  # term ended 2029-01-15


def test_on_time_repayments_are_capped_at_24(replay_rows):
    many = "".join(f"2023-{m:02d}-{d:02d},a,repaid_on_time,\n" for m in range(1, 13)
                   for d in (5, 20, 25))  # 36 repayments
    # credit 0.5 + 0.3 = 0.8: +0.3 * 35 * 6 = +63
    assert score(replay_rows, many, "2024-01-01") == 638
    one = "2023-12-05,a,repaid_on_time,\n"  # +0.0125 * 35 * 6 = 2.625 -> 577.625 -> 578
    assert score(replay_rows, one, "2024-01-01") == 578


# ---------------------------------------------------------------------------------- friends
def test_friends_mean_on_a_tiny_csr_graph():
    # 0-1, 0-2; 3 has no friends; row 4 lies beyond the graph
    indptr = np.array([0, 2, 3, 4, 4])
    indices = np.array([1, 2, 0, 0])
    s = np.array([575, 350, 950, 700, 800])
    g = Friends.from_csr(indptr, indices)
    assert friends_mean(s, g, default=350).tolist() == [650, 575, 575, 350, 350]
    g.drop(np.array([2]), np.array([0]))  # the live graph: a dropped tie no longer counts
    g.add(np.array([3]), np.array([1]))
    assert friends_mean(s, g, default=350).tolist() == [350, 637.5, 350, 350, 350]


def test_a_friend_with_a_low_score_lowers_yours():
    e = Engine(SESAME, 3).init()
    model: FactorModel = e.ext
    model.bind(friends=(np.array([0, 2, 3, 4]), np.array([1, 2, 0, 0])))
    day = to_day("2024-02-01")
    e.score[:] = [575, 350, 950]
    new, _ = model.scores(day)
    # 0: friends' mean 650 -> (650 - 350) / 600 = 0.5 -> +0.5 * 5 * 6 = +15
    # 1, 2: friend 0 at 575 -> 225 / 600 * 30 = 11.25 -> 586.25
    assert new.tolist() == [590, 586, 586]
    e.score[:] = [575, 350, 350]  # friend 2 falls to 350
    new, _ = model.scores(day)
    assert new[0] == 575  # friends' mean 350 -> factor 0, as with no friends


def test_update_reads_friends_scores_before_the_update():
    e = Engine(SESAME, 2).init()
    e.ext.bind(friends=(np.array([0, 1, 2]), np.array([1, 0])))
    e.step(to_day("2024-01-31"))  # first step: next update 2024-02-01
    e.step(to_day("2024-02-01"))
    # both read the other's 575 before the update: 225 / 600 * 30 = 11.25 -> 586, not iterated
    assert e.score.tolist() == [586, 586]


# ------------------------------------------------------------------------------- bound inputs
def test_ability_to_pay_raises_fulfilment_capacity():
    e = Engine(SESAME, 4).init()
    e.ext.bind(ability_to_pay=np.array([0.0, 1.0, 2.5, np.nan]))
    new, _ = e.ext.scores(to_day("2024-02-01"))
    # capacity: 0 -> 0 (-0.4 * 25 * 6 = -60); 1 -> 0.4; 2.5 -> 0.4 + 0.6 * 1.5 / 3 = 0.7 (+45);
    # NaN -> the default 1
    assert new.tolist() == [515, 575, 620, 575]


def test_every_factor_at_its_ends_gives_950_and_350():
    top = SESAME.model_copy(deep=True)
    for f in top.factors:
        f.baseline, f.inputs = 1.0, []
    e = Engine(top, 2).init()
    assert e.ext.scores(0)[0].tolist() == [950, 950]
    for f in top.factors:
        f.baseline = 0.0
    e = Engine(top, 2).init()
    assert e.ext.scores(0)[0].tolist() == [350, 350]


def test_factor_scores_hold_within_bounds_with_a_flag():
    spec = Engine(SESAME, 1).init().ext.spec
    spec.low, spec.high = 0, 2000  # a scale wider than 350..950 exercises the bounds
    spec.baselines[:] = 1.0
    s, flag = factor_scores(spec, [np.full(2, 0.0)] * len(spec.inputs))
    # every quantity 0 adds nothing (each curve is 0 there, or flat at 0 left of its start):
    # all factors at their baseline 1 -> 2000, held at 950
    assert s.tolist() == [950, 950] and flag.tolist() == [1, 1]
    spec.baselines[:] = 0.0
    s, flag = factor_scores(spec, [np.full(2, 0.0)] * len(spec.inputs))
    # all factors at their baseline 0 -> 0, held at 350
    assert s.tolist() == [350, 350] and flag.tolist() == [-1, -1]


# ------------------------------------------------------------------------------------ perks
@pytest.mark.parametrize(("value", "band", "perks"), [
    (549, "poor", []),
    (550, "fair", []),
    (599, "fair", []),
    (600, "good", ["deposit_free_bike"]),
    (649, "good", ["deposit_free_bike"]),
    (650, "very_good", ["deposit_free_bike", "deposit_free_rental_housing"]),
    (699, "very_good", ["deposit_free_bike", "deposit_free_rental_housing"]),
    (700, "excellent", ["deposit_free_bike", "deposit_free_car", "deposit_free_rental_housing",
                        "visa_fast_track", "visa_japan_reduced_documents",
                        "visa_singapore_no_proof"]),
    (749, "excellent", ["deposit_free_bike", "deposit_free_car", "deposit_free_rental_housing",
                        "visa_fast_track", "visa_japan_reduced_documents",
                        "visa_singapore_no_proof"]),
    (750, "excellent_750", ["deposit_free_bike", "deposit_free_car", "deposit_free_rental_housing",
                            "visa_fast_track", "visa_japan_reduced_documents",
                            "visa_luxembourg_schengen", "visa_singapore_no_proof"]),
    (950, "excellent_750", ["deposit_free_bike", "deposit_free_car", "deposit_free_rental_housing",
                            "visa_fast_track", "visa_japan_reduced_documents",
                            "visa_luxembourg_schengen", "visa_singapore_no_proof"]),
])
def test_perk_thresholds(value, band, perks):
    e = Engine(SESAME, 1).init()
    e.score[0] = value
    assert e.bands()[0] == band
    assert e.consequences(0) == ([], perks)


def test_unverified_perks_say_why():
    for c in SESAME.consequences:
        if not c.verified:
            assert c.note
    housing = [c for c in SESAME.consequences if "deposit_free_rental_housing" in c.privileges]
    assert housing and all(not c.verified for c in housing)


# ------------------------------------------------------------------------------- invariants
N = 5
ACTS = SESAME.act_ids()


def test_cli_as_of_steps_to_the_monthly_update(tmp_path):
    from helpers import cli as scslab

    p = tmp_path / "r.csv"
    p.write_text("date,subject,act,value\n2024-01-10,a,platform_spending,10000\n")

    def cli(as_of: str) -> list[str]:
        r = scslab("replay", "sesame", p, "--as-of", as_of)
        assert r.code == 0, r.stderr
        return r.stdout.splitlines()

    assert cli("2024-01-31")[1] == "a,575,fair,,,"
    assert cli("2024-02-01")[1] == "a,611,good,,,deposit_free_bike"
