"""Tax credit rating: a yearly evaluation, replayed against hand-computed classes.

Each 1 April the previous calendar year is rated: indicator = 100 - deductions (late_filing 5,
late_withholding 5, false_commitment 11, bank_account_unreported 11, late_financial_statements 3);
A >= 90, B 70-89, C 40-69, D < 40 or a direct determination; M for a new entity, or no operating
revenue with indicator >= 70. D is kept one more evaluation, then A is barred for one.
"""

from __future__ import annotations

import numpy as np
import pytest

from scslab.dates import to_day
from scslab.regime import Engine, describe_rulebook, load_rulebook, replay
from scslab.regime.evaluation import AnnualEvaluation

TAX = load_rulebook("tax-credit")


def rows(replay_rows, text: str, as_of: str | None = None, rep: bool = False) -> dict[str, dict]:
    head = "date,subject,act,representative\n" if rep else "date,subject,act\n"
    return replay_rows("tax-credit", head + text, as_of)


def state(replay_rows, text: str, as_of: str, subject: str = "f", rep: bool = False) -> tuple:
    r = rows(replay_rows, text, as_of, rep)[subject]
    return r["score"], r["band"]


def filings(subject: str, n: int, act: str = "late_filing", year: int = 2023) -> str:
    """``n`` records of ``act`` for ``subject`` in ``year`` (one a day from 1 February)."""
    return "".join(f"{year}-02-{d + 1:02d},{subject},{act}\n" for d in range(n))


def test_rulebook_classes_date_and_direct_d():
    assert [c.min_score for c in TAX.evaluation.classes] == [90, 70, 40, None]
    bands = {x.id: x.band for x in TAX.lists}
    assert [bands[c.list] for c in TAX.evaluation.classes] == ["A", "B", "C", "D"]
    assert bands[TAX.evaluation.new_entity_list] == "M"
    assert (TAX.update.cadence, TAX.update.month, TAX.update.day) == ("yearly", 4, 1)
    assert "April" in TAX.update.note and not TAX.update.verified
    assert len(TAX.evaluation.direct_lowest_acts) == 15  # the 13 situations, 11 by spreading
    text = describe_rulebook(TAX)
    assert "class A   indicator >= 90" in text and "direct D at the evaluation" in text
    for d in TAX.evaluation.deductions:  # not in the research notes: aggregator values
        assert not d.verified and d.note


@pytest.mark.parametrize(("records", "expected"), [
    (filings("f", 2), (90, "A")),  # 2 x 5
    (filings("f", 1, "false_commitment"), (89, "B")),
    (filings("f", 6), (70, "B")),
    (filings("f", 5) + filings("f", 2, "late_financial_statements"), (69, "C")),  # 25 + 6
    (filings("f", 12), (40, "C")),
    (filings("f", 11) + filings("f", 2, "late_financial_statements"), (39, "D")),  # 55 + 6
    (filings("f", 21), (0, "D")),  # 105 points deducted: the indicator stops at 0
])
def test_class_thresholds(replay_rows, records, expected):
    assert state(replay_rows, records, "2024-04-01") == expected


def test_unrated_until_the_first_april_evaluation(replay_rows):
    text = filings("f", 3)
    assert state(replay_rows, text, "2024-03-31") == (100, "")  # no class before any evaluation
    assert state(replay_rows, text, "2024-04-01") == (85, "B")


def test_only_the_evaluation_year_counts(replay_rows):
    # records of January-March 2024 belong to 2024, rated on 1 April 2025
    text = filings("f", 1) + "2024-03-01,f,false_commitment\n"
    assert state(replay_rows, text, "2024-04-01") == (95, "A")
    assert state(replay_rows, text, "2025-04-01") == (89, "B")
    assert state(replay_rows, text, "2026-04-01") == (100, "A")  # 2025 had no records


def test_direct_d_regardless_of_the_indicator(replay_rows):
    text = "2023-05-01,f,false_vat_invoice\n"
    r = rows(replay_rows, text, "2024-04-01")["f"]
    assert (r["score"], r["band"], r["lists"]) == (100, "D", ["class_d"])
    assert "published_on_d_list" in r["restrictions"] and "financing" in r["restrictions"]


def test_d_is_kept_two_years_and_a_barred_in_the_third(replay_rows):
    text = "2023-05-01,f,abnormal_household\n"
    assert state(replay_rows, text, "2024-04-01") == (100, "D")  # D for 2023
    assert state(replay_rows, text, "2025-04-01") == (100, "D")  # kept: 2024 was clean
    assert state(replay_rows, text, "2026-04-01") == (100, "B")  # third year: no A
    assert state(replay_rows, text, "2027-04-01") == (100, "A")


def test_the_third_year_bar_only_removes_a(replay_rows):
    text = "2023-05-01,f,abnormal_household\n" + filings("f", 7, year=2025)
    assert state(replay_rows, text, "2026-04-01") == (65, "C")


def test_a_new_d_while_kept_restarts_the_two_years(replay_rows):
    text = "2023-05-01,f,major_tax_evasion\n2024-05-01,f,unpaid_tax_after_decision\n"
    assert state(replay_rows, text, "2025-04-01") == (100, "D")  # afresh for 2024
    assert state(replay_rows, text, "2026-04-01") == (100, "D")  # kept
    assert state(replay_rows, text, "2027-04-01") == (100, "B")  # barred from A


def test_an_indicator_below_40_is_a_d_that_is_kept(replay_rows):
    text = filings("f", 13)  # 65 deducted
    assert state(replay_rows, text, "2024-04-01") == (35, "D")
    assert state(replay_rows, text, "2025-04-01") == (100, "D")
    assert state(replay_rows, text, "2026-04-01") == (100, "B")


def test_d_spreads_to_firms_of_the_same_legal_representative(replay_rows):
    text = ("2023-03-01,f1,false_vat_invoice,p1\n2023-03-02,f2,late_filing,p1\n"
            "2023-03-03,f3,late_filing,p2\n")
    r = rows(replay_rows, text, "2024-04-01", rep=True)
    assert [(r[f]["score"], r[f]["band"]) for f in ("f1", "f2", "f3")] == [
        (100, "D"), (95, "D"), (95, "A")]
    assert (r["p1"]["band"], r["p2"]["band"]) == ("", "")  # representatives are persons: unrated
    r = rows(replay_rows, text, "2025-04-01", rep=True)
    assert [r[f]["band"] for f in ("f1", "f2", "f3")] == ["D", "D", "A"]  # both kept
    r = rows(replay_rows, text, "2026-04-01", rep=True)
    assert [r[f]["band"] for f in ("f1", "f2", "f3")] == ["B", "B", "A"]


def test_without_representatives_d_does_not_spread(replay_rows):
    text = "2023-03-01,f1,false_vat_invoice\n2023-03-02,f2,late_filing\n"
    r = rows(replay_rows, text, "2024-04-01")
    assert (r["f1"]["band"], r["f2"]["band"]) == ("D", "A")


def test_a_kept_d_does_not_spread(replay_rows):
    # f2 is first known in 2024 (its first record), when f1's D of 2023 is only kept
    text = "2023-03-01,f1,false_vat_invoice,p1\n2024-03-02,f2,late_filing,p1\n"
    r = rows(replay_rows, text, "2024-04-01", rep=True)
    assert (r["f1"]["band"], r["f2"]["band"]) == ("D", "")  # f2 not known in 2023: unrated
    r = rows(replay_rows, text, "2025-04-01", rep=True)
    assert (r["f1"]["band"], r["f2"]["score"], r["f2"]["band"]) == ("D", 95, "A")


def test_m_for_new_entities_and_no_revenue(replay_rows):
    text = ("2023-06-01,new,newly_registered\n2023-06-02,new,late_filing\n"
            "2023-06-01,idle,no_operating_revenue\n" + filings("idle", 6) +
            "2023-06-01,idle2,no_operating_revenue\n" + filings("idle2", 7) +
            "2023-06-01,bad,newly_registered\n2023-06-02,bad,export_rebate_fraud\n")
    r = rows(replay_rows, text, "2024-04-01")
    assert (r["new"]["score"], r["new"]["band"]) == (95, "M")
    assert (r["idle"]["score"], r["idle"]["band"]) == (70, "M")  # no revenue, indicator >= 70
    assert (r["idle2"]["score"], r["idle2"]["band"]) == (65, "C")  # below 70: rated by score
    assert r["bad"]["band"] == "D"  # a D condition comes first
    r = rows(replay_rows, text, "2025-04-01")
    assert (r["new"]["band"], r["idle"]["band"]) == ("A", "A")  # no longer new, no record 2024


def test_ledger_lines_name_the_class_and_reason(replay_rows, tmp_path):
    from scslab.regime import read_records

    p = tmp_path / "r.csv"
    p.write_text("date,subject,act\n2023-05-01,f,false_vat_invoice\n2023-05-02,f,late_filing\n")
    res = replay(TAX, read_records(p, TAX), as_of=to_day("2026-04-01"))
    led = res.engine.ledger
    lines = led.drain()
    rules = res.engine.rule_texts(lines)
    # indicator 95 for 2023, 100 for 2024 and 2025: deltas -5, +5, 0
    assert [(r, int(d)) for r, d in zip(rules, lines.delta, strict=True)
            if r.startswith("evaluation of")] == [
        ("evaluation of 2023: class D (direct D: false_vat_invoice)", -5),
        ("evaluation of 2023: entered class_d (no fixed term)", 0),
        ("evaluation of 2024: class D (D of the evaluation of 2023 kept)", 5),
        ("evaluation of 2025: class B (A barred after D in the evaluation of 2023)", 0),
        ("evaluation of 2025: entered class_b (no fixed term)", 0),
    ]
    assert "deleted from class_d" in rules
    assert int(res.engine.score[0]) == TAX.score.initial + int(lines.delta.sum())


def test_simulation_binding_rates_organisations_with_their_representatives():
    # persons 0..2, organisations 3..5 represented by persons 0, 0 and 1
    class Society:
        n_persons = 3
        org_legal_rep = np.array([0, 0, 1])

    e = Engine(TAX, 6).init()
    e.bind_society(Society(), to_day("2023-01-01"))
    ev: AnnualEvaluation = e.ext
    assert ev.rated.tolist() == [False] * 3 + [True] * 3
    e.step(to_day("2023-01-01"))
    e.step(to_day("2023-07-01"), np.array([3]), np.array([TAX.act_ids().index("false_vat_invoice")]))
    e.step(to_day("2024-04-01"))
    assert e.bands().tolist() == ["", "", "", "D", "D", "A"]  # 4 shares person 0 with 3
    assert e.band_counts.tolist()[-1] == 3 and e.score_sum == 600


N = 6
ACTS = TAX.act_ids()


def test_cli_as_of_steps_to_the_april_evaluation(tmp_path):
    from helpers import cli as scslab

    p = tmp_path / "r.csv"
    p.write_text("date,subject,act,representative\n2023-03-01,f1,false_vat_invoice,p1\n"
                 "2023-03-02,f2,late_filing,p1\n")

    def cli(as_of: str) -> list[str]:
        r = scslab("replay", "tax-credit", p, "--as-of", as_of)
        assert r.code == 0, r.stderr
        return [line.split(",")[:4] for line in r.stdout.splitlines()[1:]]

    assert cli("2024-03-31") == [["f1", "100", "", ""], ["f2", "100", "", ""],
                                 ["p1", "100", "", ""]]
    assert cli("2024-04-01") == [["f1", "100", "D", "class_d"], ["f2", "95", "D", "class_d"],
                                 ["p1", "100", "", ""]]
