"""The court-defaulters regime, replayed against hand-computed outcomes.

Weekdays used below (checked on a calendar): 2024-01-15 Mon, 2024-02-29 Thu, 2024-05-03 Fri,
2024-05-04 Sat, 2024-06-03 Mon, 2026-01-15 Thu, 2026-02-28 Sat, 2026-05-06 Wed, 2026-07-01 Wed,
2027-01-15 Fri, 2028-01-16 Sun, 2028-02-29 Tue, 2029-01-15 Mon, 2029-02-28 Wed.
A deletion takes effect on the 3rd working day (Mon-Fri) after its trigger.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from helpers import cli
from scslab.dates import add_months, add_working_days, iso, to_day
from scslab.errors import InputError
from scslab.regime import Records, explain, load_rulebook, read_records, replay
from scslab.regime.bearers import bearer_from_society, held_consequences

LIST = "dishonest_judgment_defaulters"
RESTRICTIONS = sorted([
    "flight", "soft_sleeper_berth", "ship_class2_berth", "star_hotel", "nightclub_golf",
    "real_estate_purchase", "highgrade_office_rental", "nonessential_vehicle_purchase",
    "tourism_holiday", "private_school_children", "high_premium_insurance", "g_train",
    "emu_first_class",
])
RB = load_rulebook("court-defaulters")


def csv(*records: str, subject: str = "a") -> str:
    """CSV text of ``"date act [value] [age]"`` records of one subject."""
    lines = ["date,subject,act,value,age"]
    for r in records:
        date, act, *rest = r.split()
        value = rest[0] if rest else ""
        age = rest[1] if len(rest) > 1 else ""
        lines.append(f"{date},{subject},{act},{value},{age}")
    return "\n".join(lines)


def listed(replay_rows, records, as_of=None, regime="court-defaulters") -> bool:
    """Whether subject ``a`` is on the list at the end of ``as_of``; checks restrictions agree."""
    row = replay_rows(regime, csv(*records), as_of=as_of)["a"]
    on = row["lists"] == [LIST]
    assert row["restrictions"] == (RESTRICTIONS if on else [])
    assert (row["score"], row["band"], row["privileges"]) == (None, "", [])
    return on


def rules(records, tmp_path: Path, as_of: str | None = None, subject: str = "a") -> list[str]:
    """``"date act: rule"`` for every ledger line of ``subject``'s file (explain)."""
    p = tmp_path / "explain.csv"
    p.write_text(csv(*records, subject=subject) + "\n")
    cf = explain(RB, read_records(p, RB), subject, None if as_of is None else to_day(as_of))
    return [f"{ln.date} {ln.act}: {ln.rule}" for ln in cf.lines]


# ------------------------------------------------------------------------- the rulebook
def test_rulebook_shape_and_citations():
    assert RB.score is None and RB.bands == []
    (lst,) = RB.lists
    assert lst.id == LIST
    assert (lst.removal_delay_working_days, lst.early_removal_on_performance, lst.min_age) == \
        (3, True, 18)
    terms = {e.act: (None if e.term is None else str(e.term)) for e in lst.entries}
    assert terms == {"refuses_despite_ability": None, "obstructs_enforcement": "2y",
                     "sham_litigation": "2y", "violates_property_report": "2y",
                     "violates_consumption_order": "2y", "refuses_settlement": "2y"}
    assert lst.extension_acts == ["serious_violence_extension"]
    assert (lst.extension_min_years, lst.extension_max_years) == (1, 3)
    assert lst.removal_acts == ["performs_obligation", "settlement_performed",
                                "creditor_requests_removal", "enforcement_terminated"]
    (c,) = RB.consequences
    assert (c.list, sorted(c.restrictions), c.privileges) == (LIST, RESTRICTIONS, [])
    assert c.organisation_falls_on == "legal_representative"
    # no fixed term for item 1 is an inference: marked and explained
    item1 = next(e for e in lst.entries if e.act == "refuses_despite_ability")
    assert not item1.verified and "inference" in item1.note
    # joint punishment: shared with the 44 signatories of the 2016 memorandum, cited
    assert "44 signatories" in RB.regime.note and "MEMO-2016" in RB.regime.sources
    urls = {s.key: s.url for s in RB.sources}
    assert urls["MEMO-2016"] == "http://ncaasportsforum.com/h-nd-773.html"
    assert urls["SPC-HC-2015"] == "http://lnmlw.com/Bankloan/uzhxeknwvh.html"
    for item in [RB.regime, *RB.acts, *RB.lists, *lst.entries, *RB.consequences]:
        assert item.sources, item
        assert item.verified or item.note, item


# --------------------------------------------------------------------- terms and deletion
@pytest.mark.parametrize(
    ("records", "as_of", "on"),
    [
        # 2-year term from Mon 2024-01-15 ends Thu 2026-01-15; the deletion takes effect on the
        # 3rd working day after: Fri 16 (1), Mon 19 (2), Tue 20 (3)
        (["2024-01-15 sham_litigation"], "2026-01-14", True),
        (["2024-01-15 sham_litigation"], "2026-01-15", True),  # term ended, deletion pending
        (["2024-01-15 sham_litigation"], "2026-01-19", True),  # the day before the deletion
        (["2024-01-15 sham_litigation"], "2026-01-20", False),  # the deletion day
        # from 29 Feb: 2 years end on Sat 2026-02-28; Mon 2 (1), Tue 3 (2), Wed 4 (3)
        (["2024-02-29 violates_property_report"], "2026-02-27", True),
        (["2024-02-29 violates_property_report"], "2026-03-03", True),
        (["2024-02-29 violates_property_report"], "2026-03-04", False),
        # every fixed-term listing act runs 2 years
        (["2024-01-15 obstructs_enforcement"], "2026-01-20", False),
        (["2024-01-15 violates_consumption_order"], "2026-01-19", True),
        (["2024-01-15 refuses_settlement"], "2026-01-20", False),
        # item 1 has no fixed term: still listed ten years later
        (["2024-01-15 refuses_despite_ability"], "2034-01-15", True),
    ],
)
def test_terms_and_deletion_day(replay_rows, records, as_of, on):
    assert listed(replay_rows, records, as_of) is on


@pytest.mark.parametrize(
    ("removal", "as_of", "on"),
    [
        # removal on Fri 2024-05-03: Mon 6 (1), Tue 7 (2), Wed 8 (3)
        ("2024-05-03 performs_obligation", "2024-05-07", True),
        ("2024-05-03 performs_obligation", "2024-05-08", False),
        # every removal act deletes alike
        ("2024-05-03 settlement_performed", "2024-05-08", False),
        ("2024-05-03 creditor_requests_removal", "2024-05-07", True),
        ("2024-05-03 enforcement_terminated", "2024-05-08", False),
        # a Saturday trigger counts like the Friday before: Mon 6, Tue 7, Wed 8
        ("2024-05-04 performs_obligation", "2024-05-07", True),
        ("2024-05-04 performs_obligation", "2024-05-08", False),
    ],
)
def test_no_term_listing_removed_after_three_working_days(replay_rows, removal, as_of, on):
    assert listed(replay_rows, ["2024-04-01 refuses_despite_ability", removal], as_of) is on


def test_removal_ledger(tmp_path):
    assert rules(["2024-04-01 refuses_despite_ability", "2024-05-03 performs_obligation"],
                 tmp_path, "2024-05-08") == [
        f"2024-04-01 refuses_despite_ability: entered {LIST} (no fixed term)",
        f"2024-05-03 performs_obligation: {LIST}: deletion requested, effective 2024-05-08 "
        "(working day 3 after 2024-05-03)",
        f"2024-05-08 —: deleted from {LIST}",
    ]


def test_term_end_ledger_from_29_february(tmp_path):
    assert rules(["2024-02-29 violates_property_report"], tmp_path, "2026-03-04") == [
        f"2024-02-29 violates_property_report: entered {LIST} (until 2026-02-28)",
        f"2026-02-28 —: {LIST}: term ended, deletion effective 2026-03-04 "
        "(working day 3 after 2026-02-28)",
        f"2026-03-04 —: deleted from {LIST}",
    ]


# ----------------------------------------------------------------------------- extension
@pytest.mark.parametrize(
    ("records", "as_of", "on"),
    [
        # +1 year: ends Fri 2027-01-15; Mon 18 (1), Tue 19 (2), Wed 20 (3)
        (["2024-01-15 obstructs_enforcement", "2024-06-01 serious_violence_extension 1"],
         "2026-01-20", True),
        (["2024-01-15 obstructs_enforcement", "2024-06-01 serious_violence_extension 1"],
         "2027-01-19", True),
        (["2024-01-15 obstructs_enforcement", "2024-06-01 serious_violence_extension 1"],
         "2027-01-20", False),
        # +3 years: ends Mon 2029-01-15; Tue 16 (1), Wed 17 (2), Thu 18 (3)
        (["2024-01-15 obstructs_enforcement", "2024-06-01 serious_violence_extension 3"],
         "2029-01-17", True),
        (["2024-01-15 obstructs_enforcement", "2024-06-01 serious_violence_extension 3"],
         "2029-01-18", False),
        # the end counts from the listing day: 29 Feb + 4 years is Tue 2028-02-29 (not 28 Feb);
        # Wed 1 Mar (1), Thu 2 (2), Fri 3 (3)
        (["2024-02-29 violates_property_report", "2024-03-01 serious_violence_extension 2"],
         "2028-03-02", True),
        (["2024-02-29 violates_property_report", "2024-03-01 serious_violence_extension 2"],
         "2028-03-03", False),
        # 29 Feb + 5 years: Wed 2029-02-28; Thu 1 Mar (1), Fri 2 (2), Mon 5 (3)
        (["2024-02-29 violates_property_report", "2024-03-01 serious_violence_extension 3"],
         "2029-03-02", True),
        (["2024-02-29 violates_property_report", "2024-03-01 serious_violence_extension 3"],
         "2029-03-05", False),
        # on a listing with no fixed term: ignored, still listed
        (["2024-04-01 refuses_despite_ability", "2024-05-01 serious_violence_extension 2"],
         "2031-01-01", True),
    ],
)
def test_extension(replay_rows, records, as_of, on):
    assert listed(replay_rows, records, as_of) is on


@pytest.mark.parametrize("value", ["0", "4", "1.5", "-1"])
def test_extension_value_outside_1_to_3_is_ignored_with_a_ledger_line(replay_rows, tmp_path,
                                                                        value):
    records = ["2024-01-15 obstructs_enforcement", f"2024-06-01 serious_violence_extension {value}"]
    # the term is unchanged: deleted on Tue 2026-01-20
    assert listed(replay_rows, records, "2026-01-19") is True
    assert listed(replay_rows, records, "2026-01-20") is False
    shown = f"{float(value):g}"
    assert rules(records, tmp_path)[1] == (
        f"2024-06-01 serious_violence_extension: ignored: {LIST} extension: value {shown} is not "
        "a whole number of years in 1-3")


def test_extension_ledger(tmp_path):
    assert rules(["2024-01-15 obstructs_enforcement", "2024-06-01 serious_violence_extension 3"],
                 tmp_path)[1] == \
        f"2024-06-01 serious_violence_extension: {LIST}: term extended by 3 years to 2029-01-15"
    assert rules(["2024-04-01 refuses_despite_ability", "2024-05-01 serious_violence_extension 2"],
                 tmp_path)[1] == (
        f"2024-05-01 serious_violence_extension: ignored: {LIST} extension: the listing has no "
        "fixed term to extend")
    assert rules(["2024-05-01 serious_violence_extension 2"], tmp_path) == [
        f"2024-05-01 serious_violence_extension: ignored: {LIST} extension: not on the list"]
    # after the term has ended the deletion is under way: too late to extend
    assert rules(["2024-01-15 sham_litigation", "2026-01-16 serious_violence_extension 1"],
                 tmp_path)[-1] == (
        f"2026-01-16 serious_violence_extension: ignored: {LIST} extension: the term has ended; "
        "deletion pending for 2026-01-20")


# -------------------------------------------------------------------------------- minors
@pytest.mark.parametrize(("age", "on"), [("17", False), ("17.9", False), ("18", True),
                                         ("", True)])
def test_minors_are_never_listed(replay_rows, age, on):
    assert listed(replay_rows, [f"2024-01-15 sham_litigation 1 {age}"], "2024-01-15") is on


def test_minor_ledger(tmp_path):
    assert rules(["2024-01-15 sham_litigation 1 17", "2024-02-01 refuses_despite_ability 1 18"],
                 tmp_path) == [
        f"2024-01-15 sham_litigation: ignored: {LIST} never lists a subject under 18 (age 17)",
        f"2024-02-01 refuses_despite_ability: entered {LIST} (no fixed term)",
    ]


# ------------------------------------------------------------------------------ removals
def test_removal_when_not_listed_is_ignored(replay_rows, tmp_path):
    assert listed(replay_rows, ["2024-05-03 performs_obligation"]) is False
    assert rules(["2024-05-03 performs_obligation"], tmp_path) == [
        f"2024-05-03 performs_obligation: ignored: {LIST} removal: not on the list"]
    # a second removal while the deletion is pending changes nothing
    assert rules(["2024-04-01 refuses_despite_ability", "2024-05-03 performs_obligation",
                  "2024-05-06 settlement_performed"], tmp_path)[2] == (
        f"2024-05-06 settlement_performed: ignored: {LIST} removal: deletion already pending "
        "for 2024-05-08")


def test_early_removal_on_performance(replay_rows):
    # on (default): a fixed-term listing ends early; performance Mon 2024-06-03 -> Thu 06-06
    records = ["2024-01-15 obstructs_enforcement", "2024-06-03 performs_obligation"]
    assert listed(replay_rows, records, "2024-06-05") is True
    assert listed(replay_rows, records, "2024-06-06") is False


@pytest.fixture
def early_off(tmp_path) -> str:
    """A copy of the rulebook with early_removal_on_performance = false."""
    text = (resources.files("scslab.regime.library") / "court-defaulters.toml").read_text("utf-8")
    assert text.count("early_removal_on_performance = true") == 1
    p = tmp_path / "court-early-off.toml"
    p.write_text(text.replace("early_removal_on_performance = true",
                              "early_removal_on_performance = false"), encoding="utf-8")
    return str(p)


def test_early_removal_off_keeps_a_fixed_term_to_its_end(replay_rows, early_off, tmp_path):
    records = ["2024-01-15 obstructs_enforcement", "2024-06-03 performs_obligation"]
    assert listed(replay_rows, records, "2024-06-06", regime=early_off) is True
    assert listed(replay_rows, records, "2026-01-19", regime=early_off) is True
    assert listed(replay_rows, records, "2026-01-20", regime=early_off) is False
    rb = load_rulebook(early_off)
    p = tmp_path / "off.csv"
    p.write_text(csv(*records) + "\n")
    cf = explain(rb, read_records(p, rb), "a")
    assert cf.lines[1].rule == (f"ignored: {LIST} removal: fixed term runs to 2026-01-15; "
                                "early deletion is off")
    # a listing with no fixed term is still removed by performance
    assert listed(replay_rows, ["2024-04-01 refuses_despite_ability",
                                "2024-05-03 performs_obligation"], "2024-05-08",
                  regime=early_off) is False


# ---------------------------------------------------------------- relisting and overlaps
@pytest.mark.parametrize(
    ("records", "as_of", "on"),
    [
        # removed on Wed 2024-05-08, listed again on 2024-07-01 until Wed 2026-07-01;
        # Thu 2 (1), Fri 3 (2), Mon 6 (3)
        (["2024-04-01 refuses_despite_ability", "2024-05-03 performs_obligation",
          "2024-07-01 sham_litigation"], "2024-07-01", True),
        (["2024-04-01 refuses_despite_ability", "2024-05-03 performs_obligation",
          "2024-07-01 sham_litigation"], "2026-07-03", True),
        (["2024-04-01 refuses_despite_ability", "2024-05-03 performs_obligation",
          "2024-07-01 sham_litigation"], "2026-07-06", False),
        # listed again while listed: the later end wins. 2-year then no fixed term: open
        (["2024-01-15 obstructs_enforcement", "2024-03-01 refuses_despite_ability"],
         "2030-01-01", True),
        # no fixed term, then a 2-year act: still no fixed term
        (["2024-01-15 refuses_despite_ability", "2024-03-01 obstructs_enforcement"],
         "2030-01-01", True),
        # 2 years, then 2 years from 2025-01-15: ends Fri 2027-01-15, deleted Wed 2027-01-20
        (["2024-01-15 obstructs_enforcement", "2025-01-15 sham_litigation"], "2027-01-19", True),
        (["2024-01-15 obstructs_enforcement", "2025-01-15 sham_litigation"], "2027-01-20", False),
        # a deletion pending (performance Fri 2024-05-03, due Wed 05-08) is cancelled by a new
        # listing act on Mon 05-06, which starts a fresh 2-year listing to Wed 2026-05-06;
        # Thu 7 (1), Fri 8 (2), Mon 11 (3)
        (["2024-04-01 refuses_despite_ability", "2024-05-03 performs_obligation",
          "2024-05-06 sham_litigation"], "2024-05-08", True),
        (["2024-04-01 refuses_despite_ability", "2024-05-03 performs_obligation",
          "2024-05-06 sham_litigation"], "2026-05-08", True),
        (["2024-04-01 refuses_despite_ability", "2024-05-03 performs_obligation",
          "2024-05-06 sham_litigation"], "2026-05-11", False),
        # a term ended Thu 2026-01-15 (deletion due Tue 01-20); a new act on 01-16 lists afresh
        # until Sun 2028-01-16: Mon 17 (1), Tue 18 (2), Wed 19 (3)
        (["2024-01-15 sham_litigation", "2026-01-16 obstructs_enforcement"], "2026-01-20", True),
        (["2024-01-15 sham_litigation", "2026-01-16 obstructs_enforcement"], "2028-01-18", True),
        (["2024-01-15 sham_litigation", "2026-01-16 obstructs_enforcement"], "2028-01-19", False),
        # same day, file order: listed then removed -> deleted 3 working days later
        (["2024-05-03 refuses_despite_ability", "2024-05-03 performs_obligation"],
         "2024-05-08", False),
        # removed then listed on the same day: the removal finds nothing, the listing stays
        (["2024-05-03 performs_obligation", "2024-05-03 refuses_despite_ability"],
         "2024-05-08", True),
    ],
)
def test_relisting_and_listing_while_listed(replay_rows, records, as_of, on):
    assert listed(replay_rows, records, as_of) is on


def test_listing_while_listed_ledger(tmp_path):
    got = rules(["2024-01-15 obstructs_enforcement", "2024-03-01 sham_litigation",
                 "2025-01-15 sham_litigation", "2025-02-01 refuses_despite_ability",
                 "2025-03-03 performs_obligation", "2025-03-04 obstructs_enforcement"], tmp_path)
    assert got[1:] == [
        f"2024-03-01 sham_litigation: listed again on {LIST}: the later end wins: now until "
        "2026-03-01 (was until 2026-01-15)",
        f"2025-01-15 sham_litigation: listed again on {LIST}: the later end wins: now until "
        "2027-01-15 (was until 2026-03-01)",
        f"2025-02-01 refuses_despite_ability: listed again on {LIST}: the later end wins: now no "
        "fixed term (was until 2027-01-15)",
        # Mon 2025-03-03: Tue 4 (1), Wed 5 (2), Thu 6 (3)
        f"2025-03-03 performs_obligation: {LIST}: deletion requested, effective 2025-03-06 "
        "(working day 3 after 2025-03-03)",
        f"2025-03-04 obstructs_enforcement: listed again on {LIST}: deletion pending for "
        "2025-03-06 cancelled; new listing (until 2027-03-04)",
    ]
    assert rules(["2024-01-15 refuses_despite_ability", "2024-03-01 sham_litigation"],
                 tmp_path)[1] == (f"2024-03-01 sham_litigation: listed again on {LIST}: the "
                                  "running listing (no fixed term) ends no earlier; unchanged")


# --------------------------------------------------------------------------- organisations
ORG_CSV = """
    date,subject,act,value,age,representative
    2024-01-15,org1,sham_litigation,,,rep1
    2024-02-01,org2,refuses_despite_ability,,,rep2
    2024-03-01,rep2,violates_property_report,,40,
    2024-04-01,per1,refuses_despite_ability,,40,
"""


def test_organisation_restrictions_fall_on_its_representative(replay_rows):
    rows = replay_rows("court-defaulters", ORG_CSV, as_of="2024-04-01")
    # one row per subject, representatives included, sorted by id
    assert list(rows) == ["org1", "org2", "per1", "rep1", "rep2"]
    got = {s: (r["lists"], r["restrictions"]) for s, r in rows.items()}
    assert got == {
        "org1": ([LIST], []),  # listed, but an organisation cannot fly: nothing it could use
        "org2": ([LIST], []),
        "per1": ([LIST], RESTRICTIONS),
        "rep1": ([], RESTRICTIONS),  # not listed, bears org1's restrictions
        "rep2": ([LIST], RESTRICTIONS),  # listed and a representative: the same ids, once
    }
    # org1's 2-year term ends Thu 2026-01-15, deleted Tue 2026-01-20: rep1 is free again
    rows = replay_rows("court-defaulters", ORG_CSV, as_of="2026-01-20")
    assert (rows["org1"]["lists"], rows["rep1"]["restrictions"]) == ([], [])
    assert rows["rep2"]["restrictions"] == RESTRICTIONS  # org2 has no fixed term


def test_without_representative_column_an_organisation_keeps_its_restrictions(replay_rows):
    rows = replay_rows("court-defaulters", "date,subject,act\n2024-01-15,org1,sham_litigation")
    assert rows["org1"]["restrictions"] == RESTRICTIONS


def test_cli_replay_prints_empty_score_and_representatives(tmp_path):
    import textwrap

    p = tmp_path / "orgs.csv"
    p.write_text(textwrap.dedent(ORG_CSV).strip() + "\n")
    r = cli("replay", "court-defaulters", p)
    assert r.code == 0, r.stderr
    ids = ";".join(RESTRICTIONS)
    assert r.stdout.splitlines() == [
        "subject,score,band,lists,restrictions,privileges",
        f"org1,,,{LIST},,",
        f"org2,,,{LIST},,",
        f"per1,,,{LIST},{ids},",
        f"rep1,,,,{ids},",
        f"rep2,,,{LIST},{ids},",
    ]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("2024-01-15,org1,sham_litigation,org1", 2, "its own representative"),
        ("2024-01-15,org1,sham_litigation,rep1\n2024-01-16,org1,sham_litigation,rep9", 3,
         "one representative per organisation"),
        ("2024-01-15,org1,sham_litigation,org2\n2024-01-16,org2,sham_litigation,rep1", 2,
         "is itself an organisation"),
    ],
)
def test_bad_representatives_name_the_line(tmp_path, text, line, message):
    p = tmp_path / "bad.csv"
    p.write_text("date,subject,act,representative\n" + text + "\n")
    with pytest.raises(InputError, match=message) as e:
        read_records(p, RB)
    assert (e.value.file, e.value.line) == (str(p), line)


def test_explain_an_organisation_names_its_representative(tmp_path):
    import textwrap

    p = tmp_path / "orgs.csv"
    p.write_text(textwrap.dedent(ORG_CSV).strip() + "\n")
    cf = explain(RB, read_records(p, RB), "org1", to_day("2024-04-01"))
    assert cf.representative == "rep1"
    assert (cf.final.lists, cf.final.restrictions) == ([LIST], [])
    r = cli("explain", "court-defaulters", p, "org1")
    assert r.code == 0, r.stderr
    assert "borne by rep1" in r.stdout


def test_held_consequences_for_a_simulated_society():
    # persons 0..2, organisations 3 (represented by person 1) and 4 (no representative)
    bearer = bearer_from_society(np.array([1, -1]), 3)
    assert bearer.tolist() == [0, 1, 2, 1, 4]
    sham = RB.act_ids().index("sham_litigation")
    rec = Records(day=np.full(3, to_day("2024-01-15")), subject=np.array([2, 3, 4]),
                  act=np.full(3, sham), value=np.ones(3), age=np.full(3, np.nan),
                  subject_ids=[f"s{i}" for i in range(5)])
    held = held_consequences(replay(RB, rec).engine, bearer)
    assert [r for r, _ in held] == [[], RESTRICTIONS, RESTRICTIONS, [], RESTRICTIONS]


# ----------------------------------------------------------------------------------- CLI
def test_cli_explain_shows_the_rule_texts(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text(csv("2024-01-15 obstructs_enforcement", "2024-06-01 serious_violence_extension 1",
                     "2024-07-01 sham_litigation 1 17") + "\n")
    r = cli("explain", "court-defaulters", p, "a", "--as-of", "2027-01-20")
    assert r.code == 0, r.stderr
    for text in (f"entered {LIST} (until 2026-01-15)",
                 f"{LIST}: term extended by 1 year to 2027-01-15",
                 f"ignored: {LIST} never lists a subject under 18 (age 17)",
                 f"{LIST}: term ended, deletion effective 2027-01-20",
                 f"deleted from {LIST}"):
        assert text in r.stdout, text


# ------------------------------------------------------------------- reference model
LISTING = {"refuses_despite_ability": None, "obstructs_enforcement": 24, "sham_litigation": 24,
           "violates_property_report": 24, "violates_consumption_order": 24,
           "refuses_settlement": 24}
REMOVAL = {"performs_obligation", "settlement_performed", "creditor_requests_removal",
           "enforcement_terminated"}
ACTS = [*LISTING, "serious_violence_extension", *REMOVAL]
START = to_day("2024-02-29")  # the first record is often on 29 Feb (a first gap of 0)
N = 2
RB_OFF = RB.model_copy(deep=True)
RB_OFF.lists[0].early_removal_on_performance = False


def reference(recs: list[tuple[int, int, str, float, float]], horizon: int,
              early: bool) -> np.ndarray:
    """Listed at the end of each day ``START..horizon`` (rows), per subject (columns), by a
    day-by-day walk of the rules: a deletion takes effect on the 3rd working day after its
    trigger (the term's end or a removal act); a listing act lists (not under 18); while listed
    the later end wins, and a pending deletion is replaced by a fresh listing; an extension of
    1-3 whole years counts from the listing day over the whole term."""
    st_ = [{"on": False, "since": 0, "months": 0, "until": None, "pending": None}
           for _ in range(N)]
    by_day: dict[int, list] = {}
    for r in recs:
        by_day.setdefault(r[0], []).append(r)
    out = np.zeros((horizon - START + 1, N), bool)
    for day in range(START, horizon + 1):
        for x in st_:
            if x["on"] and x["pending"] == day:
                x.update(on=False, pending=None)
            elif x["on"] and x["until"] == day and x["pending"] is None:
                x["pending"] = int(add_working_days(day, 3))
        for _, s, act, value, age in by_day.get(day, []):
            x = st_[s]
            if act in REMOVAL:
                if x["on"] and x["pending"] is None and (x["until"] is None or early):
                    x["pending"] = int(add_working_days(day, 3))
            elif act == "serious_violence_extension":
                if (x["on"] and x["until"] is not None and x["pending"] is None
                        and value in (1, 2, 3)):
                    x["months"] += 12 * int(value)
                    x["until"] = int(add_months(x["since"], x["months"]))
            elif age >= 18 or np.isnan(age):
                months = LISTING[act]
                end = None if months is None else int(add_months(day, months))
                fresh = not x["on"] or x["pending"] is not None
                later = x["until"] is not None and (end is None or end > x["until"])
                if fresh or later:
                    x.update(on=True, since=day, months=months or 0, until=end, pending=None)
        out[day - START] = [x["on"] for x in st_]
    return out


# Records are drawn as gaps between consecutive dates, so that acts cluster within a few working
# days (a listing act while a deletion is pending) and also span term ends.
court_acts = st.lists(
    st.tuples(st.sampled_from([0, 1, 1, 2, 3, 4, 5, 30, 365, 731]), st.integers(0, N - 1),
              st.sampled_from(ACTS), st.sampled_from([1.0, 2.0, 3.0, 0.0, 4.0, 1.5]),
              st.sampled_from([40.0, 40.0, 17.0, np.nan])),
    min_size=1, max_size=30,
)


@settings(max_examples=600, deadline=None)
@given(court_acts, st.integers(0, 2500), st.booleans())
# paths that random draws reach rarely: a listing act while a deletion is pending; an extension
# of a 29 Feb listing to 4 years (ends on 29 Feb 2028); an extension value of 4
@example([(0, 0, "refuses_despite_ability", 1.0, 40.0), (30, 0, "performs_obligation", 1.0, 40.0),
          (1, 0, "sham_litigation", 1.0, 40.0)], 0, True)
@example([(0, 1, "sham_litigation", 1.0, 40.0), (5, 1, "serious_violence_extension", 2.0, 40.0)],
         0, True)
@example([(0, 0, "obstructs_enforcement", 1.0, 40.0), (3, 0, "serious_violence_extension", 4.0,
                                                          np.nan)], 0, False)
def test_engine_agrees_with_reference_model(draws, as_of_offset, early):
    days = START + np.cumsum([g for g, *_ in draws])
    recs = [(int(d), s, a, v, age) for d, (_, s, a, v, age) in zip(days, draws, strict=True)]
    horizon = int(days[-1]) + 6 * 366  # past every term end (at most 5 years) and its deletion
    idx = {a: i for i, a in enumerate(RB.act_ids())}
    rb = RB if early else RB_OFF
    records = Records(day=np.array([r[0] for r in recs], np.int64),
                      subject=np.array([r[1] for r in recs], np.int64),
                      act=np.array([idx[r[2]] for r in recs], np.int64),
                      value=np.array([r[3] for r in recs]), age=np.array([r[4] for r in recs]),
                      subject_ids=[f"s{i}" for i in range(N)])
    want = reference(recs, horizon, early)
    # The engine's state changes only on days it applies (records or calendar events): record
    # it there and carry it forward, so every day up to the horizon is compared.
    got = np.zeros_like(want)
    changes: list[tuple[int, np.ndarray]] = []
    replay(rb, records, as_of=horizon,
           on_day=lambda e, d: changes.append((d, e.listed(0, np.arange(e.n_subjects)))))
    for d, on in changes:
        got[d - START:] = on
    bad = np.argwhere(got != want)
    assert not len(bad), f"subject s{bad[0][1]} on {iso(START + bad[0][0])}"
    # and through the replay output contract, at one as-of day
    as_of = min(horizon, START + as_of_offset)
    rows = replay(rb, records, as_of=as_of).rows()
    assert [row["lists"] == [LIST] for row in rows] == want[as_of - START].tolist()
