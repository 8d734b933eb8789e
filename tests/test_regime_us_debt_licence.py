"""US debt-based licence suspension replayed against hand-computed outcomes.

court_debt_unpaid suspends (no fixed term); court_debt_paid lifts the suspension on its own day.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scslab.dates import iso
from scslab.regime import Records, load_rulebook, read_records, replay

REGIME = "us-debt-licence"
LIST = "licence_suspended_for_debt"


def csv(*records: str) -> str:
    """CSV text of ``"date act"`` records of subject ``a``, in this order."""
    return "date,subject,act\n" + "\n".join(f"{r.split()[0]},a,{r.split()[1]}" for r in records)


@pytest.mark.parametrize(
    ("records", "as_of", "suspended"),
    [
        (["2019-09-10 court_debt_unpaid"], None, True),
        # before the record nothing holds
        (["2019-09-10 court_debt_unpaid"], "2019-09-09", False),
        # no fixed term: still suspended twenty years on
        (["2019-09-10 court_debt_unpaid"], "2039-09-10", True),
        # paid: lifted on the day of payment, not the day after
        (["2019-09-10 court_debt_unpaid", "2020-01-15 court_debt_paid"], "2020-01-14", True),
        (["2019-09-10 court_debt_unpaid", "2020-01-15 court_debt_paid"], "2020-01-15", False),
        # a payment with no suspension changes nothing
        (["2020-01-15 court_debt_paid"], None, False),
        # a payment before the debt does not protect against a later suspension
        (["2020-01-15 court_debt_paid", "2020-02-01 court_debt_unpaid"], None, True),
        # suspended again after payment
        (["2019-09-10 court_debt_unpaid", "2020-01-15 court_debt_paid",
          "2021-03-01 court_debt_unpaid"], None, True),
        # two unpaid debts: one payment record clears all (assumption, see the rulebook)
        (["2019-09-10 court_debt_unpaid", "2019-11-01 court_debt_unpaid",
          "2020-01-15 court_debt_paid"], None, False),
        # the same day in file order: unpaid then paid -> lifted; paid then unpaid -> suspended
        (["2020-05-05 court_debt_unpaid", "2020-05-05 court_debt_paid"], None, False),
        (["2020-05-05 court_debt_paid", "2020-05-05 court_debt_unpaid"], None, True),
        # a second payment after lifting is ignored
        (["2019-09-10 court_debt_unpaid", "2020-01-15 court_debt_paid",
          "2020-02-15 court_debt_paid"], None, False),
    ],
)
def test_us_debt_licence(replay_rows, records, as_of, suspended):
    row = replay_rows(REGIME, csv(*records), as_of=as_of)["a"]
    assert row["lists"] == ([LIST] if suspended else [])
    assert row["restrictions"] == (["driving"] if suspended else [])
    assert (row["score"], row["band"], row["privileges"]) == (None, "", [])


def test_ledger(tmp_path: Path):
    rb = load_rulebook(REGIME)
    path = tmp_path / "r.csv"
    path.write_text(csv("2019-09-10 court_debt_unpaid", "2019-11-01 court_debt_unpaid",
                        "2020-01-15 court_debt_paid", "2020-02-15 court_debt_paid") + "\n")
    res = replay(rb, read_records(path, rb))
    lines = res.engine.ledger.drain()
    acts = rb.act_ids()
    got = [(iso(lines.day[i]), acts[lines.act[i]] if lines.act[i] >= 0 else "",
            res.engine.rule_texts(lines)[i]) for i in range(len(lines))]
    # a second debt while suspended changes nothing (the wording is the list engine's)
    assert got[1][:2] == ("2019-11-01", "court_debt_unpaid")
    assert got[1][2].startswith(f"listed again on {LIST}: ")
    assert got[:1] + got[2:] == [
        ("2019-09-10", "court_debt_unpaid", f"entered {LIST} (no fixed term)"),
        ("2020-01-15", "court_debt_paid", f"{LIST}: deletion requested, effective 2020-01-15"),
        ("2020-01-15", "", f"deleted from {LIST}"),
        ("2020-02-15", "court_debt_paid", f"ignored: {LIST} removal: not on the list"),
    ]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 2), st.booleans()), min_size=1,
                max_size=60))
def test_suspended_iff_last_record_is_unpaid(draw):
    # Invariant: a subject is suspended exactly when their last record (day, then file order)
    # is court_debt_unpaid.
    rb = load_rulebook(REGIME)
    draw = sorted(draw, key=lambda r: r[0])
    recs = Records(day=np.array([18_000 + d for d, _, _ in draw], np.int64),
                   subject=np.array([s for _, s, _ in draw], np.int64),
                   act=np.array([0 if unpaid else 1 for _, _, unpaid in draw], np.int64),
                   value=np.ones(len(draw)), age=np.full(len(draw), 40.0),
                   subject_ids=["s0", "s1", "s2"])
    e = replay(rb, recs).engine
    last = {s: unpaid for _, s, unpaid in draw}
    for s in range(3):
        assert e.lists_of(s) == ([LIST] if last.get(s, False) else [])
