"""Market-regulation risk classes (SAMR 2022 A-D; the Shandong 2020 pilot A-E), replayed.

A classification record puts the firm in its class and takes it out of the others; an unclassified
firm has no band. SAMR: A reduces spot checks, C and D increase them, B keeps the normal checks.
"""

from __future__ import annotations

import pytest

from scslab.regime import load_rulebook


def state(replay_rows, regime: str, *acts: str) -> tuple[str, list[str], list[str], list[str]]:
    """(band, lists, restrictions, privileges) of firm f after ``acts``, one a day from 1 Mar 2023."""
    text = "date,subject,act\n" + "".join(f"2023-03-{i + 1:02d},f,{a}\n" for i, a in enumerate(acts))
    r = replay_rows(regime, text + "2023-03-01,g,rated_b\n")["f"]
    return r["band"], r["lists"], r["restrictions"], r["privileges"]


@pytest.mark.parametrize(("acts", "expected"), [
    (["rated_a"], ("A", ["class_a"], [], ["spot_check_reduced"])),
    (["rated_b"], ("B", ["class_b"], [], [])),
    (["rated_c"], ("C", ["class_c"], ["spot_check_increased"], [])),
    (["rated_a", "rated_d"], ("D", ["class_d"], ["spot_check_increased"], [])),  # reclassified
    (["rated_d", "rated_c", "rated_a"], ("A", ["class_a"], [], ["spot_check_reduced"])),
    (["rated_b", "rated_b"], ("B", ["class_b"], [], [])),  # the same class again
])
def test_samr_classes(replay_rows, acts, expected):
    assert state(replay_rows, "market-risk", *acts) == expected


def test_unclassified_firm_has_no_class(replay_rows):
    rows = replay_rows("market-risk", "date,subject,act\n2023-03-01,g,rated_b\n2023-03-01,f,rated_b\n"
                                      "2023-03-02,f,rated_c\n")
    assert (rows["g"]["band"], rows["f"]["band"]) == ("B", "C")


@pytest.mark.parametrize(("acts", "expected"), [
    (["rated_b"], ("B", ["class_b"], [], ["spot_check_reduced"])),
    (["rated_c"], ("C", ["class_c"], [], [])),
    (["rated_a", "rated_e"], ("E", ["class_e"], ["spot_check_increased"], [])),
])
def test_shandong_five_classes(replay_rows, acts, expected):
    assert state(replay_rows, "market-risk-shandong", *acts) == expected


def test_every_class_is_a_list_and_shandong_directions_are_assumptions():
    samr, sd = load_rulebook("market-risk"), load_rulebook("market-risk-shandong")
    assert [x.band for x in samr.lists] == ["A", "B", "C", "D"]
    assert [x.band for x in sd.lists] == ["A", "B", "C", "D", "E"]
    assert all(not c.verified for c in sd.consequences)
    assert "non-punitive" in sd.regime.note.lower() or "not punitive" in sd.regime.note.lower()
