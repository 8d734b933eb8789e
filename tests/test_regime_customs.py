"""Customs enterprise credit (GACC Orders 251 and 282), replayed against hand-computed classes.

Order 251: advanced_certified and dishonest are lists with a band; a firm on neither is 'other'
(no band). Order 282: advanced_certified, certified, dishonest and seriously_dishonest; a firm on
none is 'regular'. A later list's band wins; a dishonesty determination ends a certification.
"""

from __future__ import annotations

import pytest

from scslab.regime import load_rulebook

ORDER_251 = "customs-credit"
ORDER_282 = "customs-credit-2026"


def state(replay_rows, regime: str, *acts: str) -> tuple[str, list[str], list[str], list[str]]:
    """(band, lists, restrictions, privileges) of firm f after ``acts``, one a day from 1 Jun 2022."""
    text = "date,subject,act\n" + "".join(f"2022-06-{i + 1:02d},f,{a}\n" for i, a in enumerate(acts))
    r = replay_rows(regime, text + "2022-06-01,g,credit_repaired\n")["f"]
    return r["band"], r["lists"], r["restrictions"], r["privileges"]


AEO = ["aeo_mutual_recognition", "customs_coordinator", "customs_low_inspection_rate",
       "customs_priority_clearance", "customs_release_before_classification_settled",
       "customs_simplified_document_review"]


@pytest.mark.parametrize(("acts", "band", "lists", "restrictions", "privileges"), [
    (["credit_repaired"], "", [], [], []),  # 'other enterprises': no band, nothing held
    (["advanced_certification_granted"], "advanced_certified", ["advanced_certified"], [], AEO),
    (["advanced_certification_granted", "certification_revoked"], "", [], [], []),
    # a dishonesty determination ends the certification the same day
    (["advanced_certification_granted", "dishonesty_determined"], "dishonest", ["dishonest"],
     ["customs_intensified_inspection"], []),
    (["dishonesty_determined", "credit_repaired"], "", [], [], []),
    # certified while dishonest (no rule forbids the record): the dishonest band wins
    (["dishonesty_determined", "advanced_certification_granted"], "dishonest",
     ["advanced_certified", "dishonest"], ["customs_intensified_inspection"], AEO),
])
def test_order_251_classes(replay_rows, acts, band, lists, restrictions, privileges):
    assert state(replay_rows, ORDER_251, *acts) == (band, lists, restrictions, privileges)


CERTIFIED = ["aeo_mutual_recognition", "customs_priority_clearance", "customs_reduced_inspection_rate",
             "customs_simplified_document_review"]


@pytest.mark.parametrize(("acts", "band", "lists", "restrictions", "privileges"), [
    (["credit_repaired"], "", [], [], []),  # regular
    (["certification_granted"], "certified", ["certified"], [], CERTIFIED),
    (["certification_granted", "advanced_certification_granted"], "advanced_certified",
     ["advanced_certified"], [], AEO),  # an upgrade leaves the certified class
    (["advanced_certification_granted", "certification_granted"], "certified", ["certified"], [], CERTIFIED),
    (["certification_granted", "dishonesty_determined"], "dishonest", ["dishonest"],
     ["customs_intensified_inspection"], []),
    (["dishonesty_determined", "serious_dishonesty_determined"], "seriously_dishonest",
     ["seriously_dishonest"], ["customs_intensified_inspection"], []),
    (["advanced_certification_granted", "serious_dishonesty_determined", "credit_repaired"], "", [], [], []),
])
def test_order_282_classes(replay_rows, acts, band, lists, restrictions, privileges):
    assert state(replay_rows, ORDER_282, *acts) == (band, lists, restrictions, privileges)


@pytest.mark.parametrize("regime", [ORDER_251, ORDER_282])
def test_rulebooks_record_the_2019_inspection_rates_as_calibration_targets(regime):
    rb = load_rulebook(regime)
    assert rb.regime.subject_kinds == ["organisation"] and rb.score is None
    for rate in ("0.57 %", "1.69 %", "2.44 %", "84.76 %"):
        assert rate in rb.regime.note
    assert "EXPO" in rb.regime.sources
    notes = {c.list: c.note for c in rb.consequences}
    assert "0.57 %" in notes["advanced_certified"] and "84.76 %" in notes["dishonest"]
    urls = {s.key: s.url for s in rb.sources}
    assert urls["EXPO"] == "https://expolinking.com/linking/1526.html"


def test_order_282_has_five_classes_the_fifth_unlisted():
    rb = load_rulebook(ORDER_282)
    assert "1 Apr 2026" in rb.regime.description
    bands = ["advanced_certified", "certified", "dishonest", "seriously_dishonest"]
    assert [x.band for x in rb.lists] == bands
