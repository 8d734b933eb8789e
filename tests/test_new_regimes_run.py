"""`scslab check` and `scslab run` on one scenario with every regime added for issue 8 §5.

customs-credit, customs-credit-2026, market-risk, market-risk-shandong and honour-board, gates on:
the classes fill, their consequences are counted, and the honour board produces exposures.
"""

from __future__ import annotations

import pyarrow.parquet as pq

from helpers import cli

SCENARIO = """# Illustrative: every rate is an assumption (raised for a small test society).
regimes = ["customs-credit", "market-risk", "honour-board", "customs-credit-2026", "market-risk-shandong"]

[scenario]
name = "firms-and-village"
description = "Customs and market-risk classes of firms, and a village honour board (illustrative rates)."

[horizon]
persons = 3_000
days = 90
start_date = "2022-01-01"
seed = 1

[acts]
advanced_certification_granted = { kind = "prosocial" }
certification_granted = { kind = "prosocial" }
certification_revoked = { kind = "harmful" }
dishonesty_determined = { kind = "harmful" }
serious_dishonesty_determined = { kind = "harmful" }
credit_repaired = { kind = "compliance" }
rated_a = { kind = "neutral" }
rated_b = { kind = "neutral" }
rated_c = { kind = "neutral" }
rated_d = { kind = "neutral" }
rated_e = { kind = "neutral" }
caring_for_elderly_relatives = { kind = "prosocial" }
blood_donation = { kind = "prosocial" }
village_cleanup = { kind = "prosocial" }
helping_others = { kind = "prosocial" }
cooperating_with_government = { kind = "prosocial" }
family_quarrel = { kind = "harmful" }
trampling_green_space = { kind = "harmful" }
dumping_rubbish = { kind = "harmful" }
illegal_building = { kind = "harmful" }

[behaviour.rates]
caring_for_elderly_relatives = "1/365"
blood_donation = "1/3650"
village_cleanup = "1/365"
helping_others = "1/365"
cooperating_with_government = "1/730"
family_quarrel = "1/365"
trampling_green_space = "1/730"
dumping_rubbish = "1/365"
illegal_building = "1/20000"
advanced_certification_granted = 0
certification_granted = 0
certification_revoked = 0
dishonesty_determined = 0
serious_dishonesty_determined = 0
credit_repaired = 0
rated_a = 0
rated_b = 0
rated_c = 0
rated_d = 0
rated_e = 0

[behaviour.organisation_rates]
advanced_certification_granted = "1/1000"
certification_granted = "1/1000"
certification_revoked = "1/100000"
dishonesty_determined = "1/1000"
serious_dishonesty_determined = "1/200000"
credit_repaired = "1/100000"
rated_a = "1/1200"
rated_b = "1/730"
rated_c = "1/2400"
rated_d = "1/7300"
rated_e = "1/7300"

[gates]
enabled = true
"""


def test_check_and_run_a_scenario_with_the_new_regimes(tmp_path):
    path = tmp_path / "firms-and-village.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    r = cli("check", path)
    assert r.code == 0, r.stderr
    assert "a valid scenario" in r.stdout
    out = tmp_path / "run"
    r = cli("run", path, "--out", out)
    assert r.code == 0, r.stderr
    daily = pq.read_table(out / "daily.parquet").to_pylist()
    total: dict[tuple[str, str, str], float] = {}
    for row in daily:
        key = (row["regime"], row["metric"], row["key"])
        total[key] = total.get(key, 0.0) + row["value"]
    for regime, band in [("market-risk", "B"), ("market-risk-shandong", "E"),
                         ("customs-credit", "advanced_certified"), ("customs-credit-2026", "certified")]:
        assert total[(regime, "band", band)] > 0, (regime, band)
    assert total[("market-risk", "consequence", "spot_check_reduced")] > 0
    assert total[("honour-board", "list", "honour_board")] > 0
    assert total[("honour-board", "exposure", "honoured_notice_board")] > 0
    assert ("honour-board", "ties_lost", "honoured_notice_board") in total
    assert total[("honour-board", "ties_lost", "honoured_notice_board")] == 0
