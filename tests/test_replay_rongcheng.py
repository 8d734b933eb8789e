"""Replay through Rongcheng against hand-computed cases (points, bands, drop to band, order, as-of)."""

from __future__ import annotations

import json

import pytest

from helpers import cli

# Bands (unverified): AAA >= 1050, AA 1030-1049, A 960-1029, B 850-959, C 600-849, D <= 599.


def test_points_and_default_start(replay_rows):
    rows = replay_rows("rongcheng", """
        date,subject,act
        2024-01-01,a,traffic_ticket
        2024-01-02,a,bank_arrears_month
        2024-01-03,b,heroic_act
        """)
    assert rows["a"]["score"] == 1000 - 5 - 10 and rows["a"]["band"] == "A"
    assert rows["b"]["score"] == 1030 and rows["b"]["band"] == "AA"


@pytest.mark.parametrize(
    ("acts", "score", "band"),
    [
        (["heroic_act"] * 2 + ["traffic_ticket"] * 2, 1050, "AAA"),  # 1000+60-10
        (["heroic_act"] * 2 + ["traffic_ticket"] * 2 + ["traffic_ticket"] * 1, 1045, "AA"),
        (["heroic_act"], 1030, "AA"),
        (["heroic_act", "traffic_ticket"], 1025, "A"),
        (["contract_nonperformance", "contract_nonperformance", "traffic_ticket"] * 1, 955, "B"),
        (["bank_arrears_month"] * 4, 960, "A"),
        (["bank_arrears_month"] * 4 + ["traffic_ticket"], 955, "B"),
        (["utility_equipment_damage", "bank_arrears_month", "traffic_ticket"], 885, "B"),
        (["utility_equipment_damage"] * 1 + ["contract_breach_judgment"], 850, "B"),
        (["utility_equipment_damage", "contract_breach_judgment", "traffic_ticket"], 845, "C"),
        (["utility_equipment_damage"] * 4, 600, "C"),
        (["utility_equipment_damage"] * 4 + ["traffic_ticket"], 595, "D"),
    ],
)
def test_band_boundaries(replay_rows, acts, score, band):
    csv = "date,subject,act\n" + "".join(f"2024-01-{i + 1:02d},x,{a}\n" for i, a in enumerate(acts))
    row = replay_rows("rongcheng", csv)["x"]
    assert (row["score"], row["band"]) == (score, band)


def test_drop_to_band_caps_at_top_of_c(replay_rows):
    rows = replay_rows("rongcheng", """
        date,subject,act
        2024-01-01,high,heroic_act
        2024-01-02,high,drunk_driving
        2024-01-01,low,utility_equipment_damage
        2024-01-01,low,utility_equipment_damage
        2024-01-01,low,utility_equipment_damage
        2024-01-02,low,drunk_driving
        """)
    assert rows["high"]["score"] == 849 and rows["high"]["band"] == "C"
    # already below the top of C: drunk driving changes nothing
    assert rows["low"]["score"] == 700 and rows["low"]["band"] == "C"


def test_order_within_a_day_is_file_order(replay_rows):
    # heroic act then drunk driving: 1030 -> 849; drunk driving then heroic act: 849 -> 879
    rows = replay_rows("rongcheng", """
        date,subject,act
        2024-05-05,p,heroic_act
        2024-05-05,q,drunk_driving
        2024-05-05,p,drunk_driving
        2024-05-05,q,heroic_act
        """)
    assert rows["p"]["score"] == 849
    assert rows["q"]["score"] == 879


def test_date_order_not_file_order(replay_rows):
    rows = replay_rows("rongcheng", """
        date,subject,act
        2024-02-01,p,heroic_act
        2024-01-01,p,drunk_driving
        """)
    assert rows["p"]["score"] == 879  # drunk driving first (January), then +30


def test_as_of_ignores_later_records(replay_rows):
    text = """
        date,subject,act
        2024-01-01,p,traffic_ticket
        2024-03-01,p,traffic_ticket
        2024-03-01,r,heroic_act
        """
    rows = replay_rows("rongcheng", text, as_of="2024-02-01")
    assert rows["p"]["score"] == 995
    assert rows["r"]["score"] == 1000  # subject appears, with no record applied yet
    assert replay_rows("rongcheng", text)["p"]["score"] == 990


def test_cli_csv_and_json(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("date,subject,act\n2024-01-01,zed,heroic_act\n2024-01-01,amy,drunk_driving\n")
    r = cli("replay", "rongcheng", p)
    assert r.code == 0, r.stderr
    assert r.stdout.splitlines() == [
        "subject,score,band,lists,restrictions,privileges",
        "amy,849,C,,loan_scrutiny,",
        "zed,1030,AA,,,expedited_handling;green_channel;simplified_procedures",
    ]
    j = cli("replay", "rongcheng", p, "--json")
    assert j.code == 0, j.stderr
    rows = [json.loads(x) for x in j.stdout.splitlines()]
    assert rows[0] == {"subject": "amy", "score": 849, "band": "C", "lists": [],
                       "restrictions": ["loan_scrutiny"], "privileges": []}


def test_cli_explain_shows_rules(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("date,subject,act\n2024-01-01,amy,heroic_act\n2024-01-02,amy,drunk_driving\n")
    r = cli("explain", "rongcheng", p, "amy")
    assert r.code == 0, r.stderr
    assert "drop to band C (at most 849)" in r.stdout
    assert "-181" in r.stdout and "849" in r.stdout
