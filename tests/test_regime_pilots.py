"""The local pilots (their rulebooks' [[sources]]), replayed against hand-computed outcomes.

Regimes: shenzhen-jaywalking, court-ringback, hebei-deadbeat-map, shanghai-garbage, honest-shanghai,
suqian-xichu, suzhou-civility. Each table row is one case: records in, the subject's final state out.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import ledger_lines
from scslab.regime import describe_rulebook, load_rulebook

PILOTS = ["shenzhen-jaywalking", "court-ringback", "hebei-deadbeat-map", "shanghai-garbage",
          "honest-shanghai", "suqian-xichu", "suzhou-civility"]


def csv(*records: str) -> str:
    """CSV text of ``"date act"`` records of subject ``a``."""
    return "date,subject,act\n" + "\n".join(f"{r.split()[0]},a,{r.split()[1]}" for r in records)


def ledger_acts(regime: str, text: str, tmp_path: Path, as_of: str | None = None) -> list[tuple]:
    """(date, act, rule) of every ledger line, in order."""
    return [(d, a, rule) for d, a, _, rule in ledger_lines(regime, text, tmp_path, as_of)]


# ------------------------------------------------------------------------------- all pilots
@pytest.mark.parametrize("regime", PILOTS)
def test_pilot_loads_describes_and_cites(regime):
    rb = load_rulebook(regime)
    assert rb.regime.id == regime
    assert rb.regime.name in describe_rulebook(rb)
    keys = {s.key for s in rb.sources}
    assert rb.regime.sources and set(rb.regime.sources) <= keys
    for a in rb.acts:
        assert a.sources, f"{regime}: act {a.id} cites nothing"
        # no source for these pilots describes political or religious conduct
        assert a.category not in ("political", "religious"), a.id
    for item in [*rb.acts, *rb.bands, *rb.lists, *rb.consequences, *rb.windows]:
        if not item.verified:
            assert item.note, f"{regime}: an unverified value must say why in its note"


# ---------------------------------------------------------------------- shenzhen-jaywalking
DISPLAY = ["jaywalking_credit_record", "public_display"]
SHAMED = ["negative_credit_record", "shamed_public_display"]


@pytest.mark.parametrize(
    ("records", "as_of", "lists", "restrictions"),
    [
        # shown on the day of the offence (term 1d) ...
        (["2024-03-05 jaywalking"], "2024-03-05", DISPLAY, SHAMED),
        # ... and gone the next day; the credit record stays (term 5y)
        (["2024-03-05 jaywalking"], "2024-03-06", ["jaywalking_credit_record"],
         ["negative_credit_record"]),
        (["2024-03-05 jaywalking"], "2029-03-04", ["jaywalking_credit_record"],
         ["negative_credit_record"]),
        (["2024-03-05 jaywalking"], "2029-03-05", [], []),
        # a second offence shows the subject again and renews the record to 2029-03-07
        (["2024-03-05 jaywalking", "2024-03-07 jaywalking"], "2024-03-07", DISPLAY, SHAMED),
        (["2024-03-05 jaywalking", "2024-03-07 jaywalking"], "2029-03-06",
         ["jaywalking_credit_record"], ["negative_credit_record"]),
        (["2024-03-05 jaywalking", "2024-03-07 jaywalking"], "2029-03-07", [], []),
        # two offences on one day: one display, one record
        (["2024-03-05 jaywalking", "2024-03-05 jaywalking"], "2024-03-05", DISPLAY, SHAMED),
        # non-motor-vehicle violations are handled alike (assumption)
        (["2024-03-05 non_motor_vehicle_violation"], "2024-03-05", DISPLAY, SHAMED),
        (["2024-03-05 non_motor_vehicle_violation"], "2024-03-06", ["jaywalking_credit_record"],
         ["negative_credit_record"]),
        # 29 Feb + 5 years ends on 28 Feb
        (["2024-02-29 jaywalking"], "2029-02-27", ["jaywalking_credit_record"],
         ["negative_credit_record"]),
        (["2024-02-29 jaywalking"], "2029-02-28", [], []),
    ],
)
def test_shenzhen_jaywalking(replay_rows, records, as_of, lists, restrictions):
    row = replay_rows("shenzhen-jaywalking", csv(*records), as_of=as_of)["a"]
    assert (row["lists"], row["restrictions"], row["privileges"]) == (lists, restrictions, [])
    assert row["score"] is None and row["band"] == ""


# ---------------------------------------------------------------------------- court-ringback
@pytest.mark.parametrize(
    ("records", "as_of", "listed"),
    [
        (["2024-05-01 ringback_imposed"], None, True),
        # no fixed term: still on ten years later
        (["2024-05-01 ringback_imposed"], "2034-05-01", True),
        (["2024-05-01 ringback_imposed", "2024-08-01 repayment_proven"], None, False),
        # before the proof arrives the message still plays
        (["2024-05-01 ringback_imposed", "2024-08-01 repayment_proven"], "2024-07-31", True),
        # proof without a ringback changes nothing
        (["2024-05-01 repayment_proven"], None, False),
        # re-imposed after repayment: on again
        (["2024-05-01 ringback_imposed", "2024-06-01 repayment_proven",
          "2024-09-01 ringback_imposed"], None, True),
        # imposed twice, one proof lifts it
        (["2024-05-01 ringback_imposed", "2024-05-20 ringback_imposed",
          "2024-06-01 repayment_proven"], None, False),
        # same day, file order: imposed then proven -> off; proven then imposed -> on
        (["2024-05-01 ringback_imposed", "2024-05-01 repayment_proven"], None, False),
        (["2024-05-01 repayment_proven", "2024-05-01 ringback_imposed"], None, True),
        # a second proof after lifting is ignored
        (["2024-05-01 ringback_imposed", "2024-06-01 repayment_proven",
          "2024-07-01 repayment_proven"], None, False),
    ],
)
def test_court_ringback(replay_rows, records, as_of, listed):
    row = replay_rows("court-ringback", csv(*records), as_of=as_of)["a"]
    assert row["lists"] == (["ringback"] if listed else [])
    assert row["restrictions"] == (["shamed_ringback"] if listed else [])


def test_court_ringback_lifted_the_same_day(tmp_path):
    lines = ledger_acts("court-ringback", csv("2024-05-01 ringback_imposed",
                                              "2024-08-01 repayment_proven"), tmp_path)
    assert lines == [
        ("2024-05-01", "ringback_imposed", "entered ringback (no fixed term)"),
        ("2024-08-01", "repayment_proven", "ringback: deletion requested, effective 2024-08-01"),
        ("2024-08-01", "", "deleted from ringback"),
    ]


# ------------------------------------------------------------------------ hebei-deadbeat-map
@pytest.mark.parametrize(
    ("records", "as_of", "listed"),
    [
        (["2019-01-14 listed_defaulter_published"], None, True),
        (["2019-01-14 listed_defaulter_published"], "2029-01-14", True),
        # as of a day before the publication, nothing shows yet
        (["2019-01-14 listed_defaulter_published"], "2019-01-13", False),
        (["2019-01-14 listed_defaulter_published", "2019-03-01 delisted"], None, False),
        (["2019-01-14 listed_defaulter_published", "2019-03-01 delisted"], "2019-02-28", True),
        (["2019-03-01 delisted"], None, False),
        (["2019-01-14 listed_defaulter_published", "2019-03-01 delisted",
          "2020-01-01 listed_defaulter_published"], None, True),
        (["2019-01-14 listed_defaulter_published", "2019-01-14 delisted"], None, False),
        (["2019-01-14 delisted", "2019-01-14 listed_defaulter_published"], None, True),
        (["2019-01-14 listed_defaulter_published", "2019-02-01 listed_defaulter_published",
          "2019-03-01 delisted"], None, False),
    ],
)
def test_hebei_deadbeat_map(replay_rows, records, as_of, listed):
    row = replay_rows("hebei-deadbeat-map", csv(*records), as_of=as_of)["a"]
    assert row["lists"] == (["deadbeat_map"] if listed else [])
    assert row["restrictions"] == (["shamed_map_500m"] if listed else [])


def test_hebei_map_shows_organisations_and_persons_alike(replay_rows):
    rows = replay_rows("hebei-deadbeat-map", """
        date,subject,act
        2019-01-14,91130100MA0000000X,listed_defaulter_published
        2019-01-14,130102199001011234,listed_defaulter_published
        2019-02-01,130102199001011234,delisted
        """)
    assert rows["91130100MA0000000X"]["restrictions"] == ["shamed_map_500m"]
    assert rows["130102199001011234"]["restrictions"] == []


def test_hebei_map_radius_is_recorded():
    rb = load_rulebook("hebei-deadbeat-map")
    assert "radius_m = 500" in rb.regime.note
    assert "radius_m = 500" in rb.consequences[0].note


# -------------------------------------------------------------------------- shanghai-garbage
IRR = "sorting_irregularity"


def fines(text: str, tmp_path: Path, as_of: str | None = None) -> list[tuple[str, str]]:
    """(date, act) of each fine: a refusal record or a window-derived repeat fine."""
    return [(d, a) for d, a, rule in ledger_acts("shanghai-garbage", text, tmp_path, as_of)
            if a in ("refused_rectification", "repeat_irregularity_fine")
            and "garbage_credit_record" in rule]


@pytest.mark.parametrize(
    ("dates", "fined_on"),
    [
        (["2024-01-01", "2024-01-10", "2024-01-20"], []),
        (["2024-01-01", "2024-01-10", "2024-01-20", "2024-01-30"], ["2024-01-30"]),
        (["2024-01-01", "2024-01-10", "2024-01-20", "2024-01-31"], []),
        (["2024-01-05"] * 4, ["2024-01-05"]),
        (["2024-01-05"] * 3 + ["2024-02-05"], []),
        (["2024-01-01", "2024-01-10", "2024-01-20", "2024-01-30", "2024-01-30"],
         ["2024-01-30", "2024-01-30"]),
        (["2024-01-01", "2024-01-10", "2024-01-20", "2024-01-30", "2024-02-09"], ["2024-01-30"]),
        (["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-31", "2024-02-01"],
         ["2024-01-04", "2024-01-31", "2024-02-01"]),
    ],
)
def test_garbage_fine_after_more_than_3_in_30_days(dates, fined_on, tmp_path):
    got = fines(csv(*(f"{d} {IRR}" for d in dates)), tmp_path)
    assert got == [(d, "repeat_irregularity_fine") for d in fined_on]


@pytest.mark.parametrize(
    ("records", "as_of", "recorded"),
    [
        # three irregularities: rectification orders only, no credit record
        ([f"2024-01-0{i} {IRR}" for i in (1, 2, 3)], None, False),
        # the fourth within 30 days is fined and recorded
        ([f"2024-01-0{i} {IRR}" for i in (1, 2, 3, 4)], None, True),
        # the record lasts 5 years (assumed): 2024-01-04 .. 2029-01-03
        ([f"2024-01-0{i} {IRR}" for i in (1, 2, 3, 4)], "2029-01-03", True),
        ([f"2024-01-0{i} {IRR}" for i in (1, 2, 3, 4)], "2029-01-04", False),
        # refusing to rectify is fined and recorded at once
        (["2024-01-01 refused_rectification"], None, True),
        (["2024-01-01 refused_rectification"], "2029-01-01", False),
        # a later fine renews the term: 2025-01-04 + 5y
        (["2024-01-01 refused_rectification", *(f"2025-01-0{i} {IRR}" for i in (1, 2, 3, 4))],
         "2029-06-01", True),
        (["2024-01-01 refused_rectification", *(f"2025-01-0{i} {IRR}" for i in (1, 2, 3, 4))],
         "2030-01-04", False),
    ],
)
def test_garbage_credit_record(replay_rows, records, as_of, recorded):
    row = replay_rows("shanghai-garbage", csv(*records), as_of=as_of)["a"]
    assert row["lists"] == (["garbage_credit_record"] if recorded else [])
    assert row["restrictions"] == (["negative_credit_record"] if recorded else [])


def test_garbage_counts_each_resident_separately(replay_rows):
    text = "date,subject,act\n" + "\n".join(
        f"2024-01-0{i},{s},{IRR}" for i in (1, 2, 3) for s in ("a", "b")) + f"\n2024-01-04,a,{IRR}"
    rows = replay_rows("shanghai-garbage", text)
    assert rows["a"]["lists"] == ["garbage_credit_record"] and rows["b"]["lists"] == []


def test_garbage_unit_fine_makes_no_credit_record(replay_rows, tmp_path):
    row = replay_rows("shanghai-garbage", csv("2024-01-01 unit_sorting_violation"))["a"]
    assert row["lists"] == [] and row["restrictions"] == []
    assert ledger_acts("shanghai-garbage", csv("2024-01-01 unit_sorting_violation"), tmp_path) == [
        ("2024-01-01", "unit_sorting_violation", "recorded (no effect on score or lists)")]


def test_garbage_ledger_explains_the_fine(tmp_path):
    lines = ledger_acts("shanghai-garbage", csv(*(f"2024-01-0{i} {IRR}" for i in (1, 2, 3, 4))),
                        tmp_path)
    assert lines[2:] == [
        ("2024-01-03", IRR, f"window more_than_3_in_30_days: 3 {IRR} in 30 days (emits above 3)"),
        ("2024-01-04", IRR, f"window more_than_3_in_30_days: more than 3 {IRR} in 30 days, "
                            "emits repeat_irregularity_fine"),
        ("2024-01-04", "repeat_irregularity_fine", "entered garbage_credit_record (until 2029-01-04)"),
    ]


# --------------------------------------------------------------------------- honest-shanghai
# Bands (assumed): very_good >= 10, good -10..9, bad <= -11. Start 0.
GOOD_PRIV = ["discounted_air_tickets"]
BAD_RESTR = ["flight_seat_difficulty", "loan_difficulty", "train_seat_difficulty"]


@pytest.mark.parametrize(
    ("acts", "score", "band"),
    [
        (["government_commendation"], 10, "very_good"),
        (["volunteer_service_record"], 5, "good"),
        (["volunteer_service_record", "blood_donation"], 10, "very_good"),
        (["traffic_violation", "traffic_violation"], -10, "good"),
        (["traffic_violation"] * 3, -15, "bad"),
        (["tax_arrears"], -20, "bad"),
        (["government_commendation", "tax_arrears"], -10, "good"),
        (["utility_arrears", "administrative_penalty"], -20, "bad"),
        (["loan_default", "government_commendation", "blood_donation"], -5, "good"),
        # a court listing caps the score at the top of 'bad' (-11)
        (["court_defaulter_listed"], -11, "bad"),
        (["government_commendation"] * 3 + ["court_defaulter_listed"], -11, "bad"),
        # the cap applies once: later good records count again
        (["court_defaulter_listed", "government_commendation"], -1, "good"),
        (["court_defaulter_listed", "traffic_violation"], -16, "bad"),
    ],
)
def test_honest_shanghai(replay_rows, acts, score, band):
    row = replay_rows("honest-shanghai", csv(*(f"2017-01-{i + 1:02d} {a}" for i, a in
                                               enumerate(acts))))["a"]
    assert (row["score"], row["band"]) == (score, band)
    assert row["privileges"] == (GOOD_PRIV if band in ("very_good", "good") else [])
    assert row["restrictions"] == (BAD_RESTR if band == "bad" else [])


# ------------------------------------------------------------------------------ suqian-xichu
# Bands (assumed): AAA >= 1100, AA >= 1050, A >= 1000, BBB >= 950, BB >= 900, B >= 850,
# C >= 800, D below. Start 1000.
PERKS = ["hospital_deposit_waiver", "transport_card_discount"]


@pytest.mark.parametrize(
    ("acts", "score", "band"),
    [
        (["blood_donation"], 1010, "A"),
        (["blood_donation"] * 5, 1050, "AA"),
        (["blood_donation"] * 4, 1040, "A"),
        (["model_worker"] * 3 + ["blood_donation"], 1100, "AAA"),
        (["unpaid_utility_bill"], 980, "BBB"),
        (["unpaid_utility_bill"] * 3, 940, "BB"),
        (["criminal_conviction"], 900, "BB"),
        (["criminal_conviction", "unpaid_utility_bill"], 880, "B"),
        (["criminal_conviction"] * 2, 800, "C"),
        (["criminal_conviction"] * 2 + ["traffic_violation"], 790, "D"),
        (["loan_default", "bone_marrow_donation"], 1000, "A"),
        (["volunteer_work"] * 4 + ["blood_donation"], 1050, "AA"),
        (["blood_donation", "unpaid_utility_bill"], 990, "BBB"),
    ],
)
def test_suqian_xichu(replay_rows, acts, score, band):
    row = replay_rows("suqian-xichu", csv(*(f"2018-06-{i + 1:02d} {a}" for i, a in
                                            enumerate(acts))))["a"]
    assert (row["score"], row["band"]) == (score, band)
    assert row["privileges"] == (PERKS if band in ("AAA", "AA") else [])
    assert row["restrictions"] == []


# --------------------------------------------------------------------------- suzhou-civility
@pytest.mark.parametrize(
    ("acts", "score"),
    [
        (["drunk_driving"], 900),
        (["red_light_running"], 950),
        (["red_light_running", "red_light_running", "drunk_driving"], 800),
        # the cap of 1000 (unverified) holds: volunteering cannot lift a clean file
        (["volunteer_service"], 1000),
        (["red_light_running", "volunteer_service"], 960),
        (["red_light_running"] + ["traffic_volunteer_duty"] * 5, 1000),
        (["red_light_running"] + ["traffic_volunteer_duty"] * 6, 1000),
        (["drunk_driving"] + ["volunteer_service"] * 9, 990),
        # points earned before a deduction are lost to the cap, not banked
        (["volunteer_service", "red_light_running"], 950),
        # no lower bound is documented
        (["drunk_driving"] * 11, -100),
    ],
)
def test_suzhou_civility(replay_rows, acts, score):
    row = replay_rows("suzhou-civility", csv(*(f"2020-09-{3 + i // 20:02d} {a}" for i, a in
                                               enumerate(acts))))["a"]
    assert row["score"] == score
    assert (row["band"], row["restrictions"], row["privileges"]) == ("", [], [])


def test_suzhou_cap_is_explained(tmp_path):
    lines = ledger_acts("suzhou-civility", csv("2020-09-03 red_light_running",
                                               "2020-09-04 volunteer_service",
                                               "2020-09-05 volunteer_service",
                                               "2020-09-05 volunteer_service",
                                               "2020-09-05 volunteer_service",
                                               "2020-09-05 volunteer_service",
                                               "2020-09-05 volunteer_service"), tmp_path)
    assert lines[-1] == ("2020-09-05", "volunteer_service",
                         "points, limited by the maximum score 1000")
