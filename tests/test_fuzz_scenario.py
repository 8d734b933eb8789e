"""Malformed scenario TOML files: ``scslab run`` and ``scslab check`` give exit code 2 and one
line naming the file and the key (or line), write nothing and show no traceback."""

from __future__ import annotations

import pytest

from helpers import assert_one_line_error, cli
from scslab.limits import PERSONS

VALID = """regimes = ["rongcheng"]

[scenario]
name = "tiny"
description = "A tiny scenario."

[horizon]
persons = 50
days = 2

[acts]
traffic_ticket = { kind = "harmful" }

[behaviour]
rates = { traffic_ticket = 0.01 }
"""


def sub(old: str, new: str) -> str:
    assert old in VALID
    return VALID.replace(old, new, 1)


BAD_RULEBOOK = """[regime]
id = "bad"
name = "Bad"
description = "x"
[score]
initial = 9223372036854775808
[[acts]]
id = "a"
category = "civic"
[[sources]]
key = "S"
title = "t"
url = "https://example.org"
"""

# (name, file bytes, text the message must hold)
CASES = [
    ("latin-1", sub('name = "tiny"', 'name = "t\xefny"').encode("latin-1"), "not UTF-8"),
    ("utf-16", VALID.encode("utf-16"), "UTF-16"),
    ("utf-16-le no bom", VALID.encode("utf-16-le"), "UTF-16"),
    ("nested arrays", ("x = " + "[" * 500 + "]" * 500 + "\n" + VALID).encode(), "nested too deeply"),
    ("nested tables", (VALID + "[society]\nx = " + "{a = " * 500 + "1" + "}" * 500 + "\n").encode(),
     "nested too deeply"),
    # Deeper than any scenario, yet shallow enough that no Python's parser overflows first.
    ("nested 40 arrays", ("x = " + "[" * 40 + "]" * 40 + "\n" + VALID).encode(), "nested too deeply"),
    ("syntax", sub("days = 2", "days = = 2").encode(), "invalid TOML"),
    ("no scenario table", VALID.replace('[scenario]\nname = "tiny"\n', "").replace(
        'description = "A tiny scenario."\n', "").encode(), "scenario"),
    ("unknown key", sub("days = 2", "days = 2\ndayz = 3").encode(), "horizon.dayz"),
    ("days over the limit", sub("days = 2", "days = 40000").encode(), "horizon.days"),
    ("persons zero", sub("persons = 50", "persons = 0").encode(), "horizon.persons"),
    ("persons text", sub("persons = 50", 'persons = "many"').encode(), "horizon.persons"),
    ("persons beyond memory", sub("persons = 50", f"persons = {PERSONS.hi}").encode(),
     "[horizon] persons"),
    ("persons beyond the limit", sub("persons = 50", f"persons = {10**13}").encode(),
     "horizon.persons"),
    ("seed negative", sub("days = 2", "days = 2\nseed = -1").encode(), "horizon.seed"),
    ("start date shape", sub("days = 2", 'days = 2\nstart_date = "2020-W01-1"').encode(),
     "horizon.start_date"),
    ("start date no date", sub("days = 2", 'days = 2\nstart_date = "2021-02-30"').encode(),
     "horizon.start_date"),
    ("rate 1e309", sub("traffic_ticket = 0.01", 'traffic_ticket = "1e309"').encode(),
     "behaviour.rates.traffic_ticket"),
    ("rate inf", sub("traffic_ticket = 0.01", "traffic_ticket = inf").encode(),
     "behaviour.rates.traffic_ticket"),
    ("rate 10^400", sub("traffic_ticket = 0.01", f"traffic_ticket = {10**400}").encode(),
     "behaviour.rates.traffic_ticket"),
    ("organisation rate inf", sub("traffic_ticket = 0.01", "traffic_ticket = 0.01 }\n"
                                  "organisation_rates = { traffic_ticket = inf").encode(),
     "behaviour.organisation_rates.traffic_ticket"),
    ("no regimes", sub('regimes = ["rongcheng"]', "regimes = []").encode(), "regimes"),
    ("unknown regime", sub('"rongcheng"]', '"rongchen"]').encode(), "unknown regime 'rongchen'"),
    ("missing rulebook file", sub('"rongcheng"]', '"nope.toml"]').encode(), "no such rulebook file"),
    ("unknown rate act", sub("traffic_ticket = 0.01", "jaywalk = 0.01").encode(), "jaywalk"),
    ("rate text", sub("traffic_ticket = 0.01", 'traffic_ticket = "often"').encode(),
     "behaviour.rates.traffic_ticket"),
    ("society key", (VALID + "[society]\nmean_household_size = 0.1\n").encode(),
     "society.mean_household_size"),
]


@pytest.mark.parametrize(("name", "data", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_scenario_file(tmp_path, name, data, message):
    p = tmp_path / "s.toml"
    p.write_bytes(data)
    out = tmp_path / "out"
    r = cli("run", p, "--out", out)
    assert_one_line_error(r, message)
    assert str(p) in r.stderr or "rulebook" in r.stderr  # the file at fault is named
    assert not out.exists()  # nothing written


CHECKED = [c for c in CASES if c[0] not in ("no scenario table", "persons beyond memory",
                                              "unknown regime", "missing rulebook file",
                                              "unknown rate act", "society key")]


@pytest.mark.parametrize(("name", "data", "message"), CHECKED, ids=[c[0] for c in CHECKED])
def test_check_names_the_same_problem(tmp_path, name, data, message):
    p = tmp_path / "s.toml"
    p.write_bytes(data)
    assert_one_line_error(cli("check", p), p, message)


def test_rulebook_named_by_a_scenario_is_checked_before_the_run(tmp_path):
    (tmp_path / "bad.toml").write_text(BAD_RULEBOOK, encoding="utf-8")
    p = tmp_path / "s.toml"
    p.write_text(sub('"rongcheng"]', '"bad.toml"]'), encoding="utf-8")
    r = cli("run", p, "--out", tmp_path / "out")
    assert_one_line_error(r, tmp_path / "bad.toml", "score.initial")
    assert not (tmp_path / "out").exists()


def test_path_problems(tmp_path):
    assert_one_line_error(cli("run", tmp_path / "none.toml"), "no such scenario file")
    assert_one_line_error(cli("run", "no-such-scenario"), "unknown scenario", "rongcheng")
    assert_one_line_error(cli("run", tmp_path / ("s" * 300 + ".toml")), "File name too long")


def test_scenario_strings_are_printed_without_escapes(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text(sub('name = "tiny"', 'name = "ti\\u001b[31mny\\u202e"'), encoding="utf-8")
    r = cli("check", p)
    assert r.code == 0, r.stderr
    assert "a valid scenario (tiny," in r.stdout
    assert "\x1b" not in r.stdout and "\u202e" not in r.stdout
