"""Malformed rulebook TOML files: each gives exit code 2 and one line naming the file and the
key (or line), with nothing on stdout and no traceback; strings are printed without escapes."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import assert_one_line_error, cli
from scslab.regime.schema import MAX_CHANGE, POINTS_LIMIT, SCORE_LIMIT
from test_rulebook_errors import VALID


def sub(old: str, new: str) -> str:
    assert old in VALID
    return VALID.replace(old, new, 1)


BIG = "x" * 100_000
# (name, file bytes, text the message must hold: a key, a line or the problem)
CASES = [
    ("latin-1", sub('name = "Tiny"', 'name = "Tin\xff"').encode("latin-1"), "not UTF-8"),
    ("utf-16", VALID.encode("utf-16"), "UTF-16"),
    ("utf-16-be no bom", VALID.encode("utf-16-be"), "UTF-16"),
    ("nested arrays", ("x = " + "[" * 500 + "]" * 500 + "\n" + VALID).encode(), "nested too deeply"),
    ("nested tables", ("x = " + "{a = " * 500 + "1" + "}" * 500 + "\n" + VALID).encode(),
     "nested too deeply"),
    # Deeper than any rulebook, yet shallow enough that no Python's parser overflows first.
    ("nested 40 arrays", ("x = " + "[" * 40 + "]" * 40 + "\n" + VALID).encode(), "nested too deeply"),
    ("syntax", sub("points = -10", "points = -10 -").encode(), "invalid TOML"),
    ("initial int32+1", sub("initial = 100", f"initial = {2**31}").encode(), "score.initial"),
    ("initial int64+1", sub("initial = 100", f"initial = {2**63}").encode(), "score.initial"),
    ("initial -2^40", sub("initial = 100", f"initial = {-2**40}").encode(), "score.initial"),
    ("initial inf", sub("initial = 100", "initial = inf").encode(), "score.initial"),
    ("initial 1e309", sub("initial = 100", "initial = 1e309").encode(), "score.initial"),
    ("initial nan", sub("initial = 100", "initial = nan").encode(), "score.initial"),
    ("max beyond", sub("max = 100", f"max = {SCORE_LIMIT + 1}").encode(), "score.max"),
    ("points beyond", sub("points = -10", f"points = {-POINTS_LIMIT - 1}").encode(), "acts[0].points"),
    ("points 2^63", sub("points = -10", f"points = {2**63}").encode(), "acts[0].points"),
    ("band min 2^40", sub("min = 50", f"min = {2**40}").encode(), "bands[0].min"),
    ("term 300y", sub('term = "1y"', 'term = "300y"').encode(), "lists[0].entries[0].term"),
    ("term digits", sub('term = "1y"', 'term = "99999999999y"').encode(), "lists[0].entries[0].term"),
    ("extension years", sub('id = "black"', f'id = "black"\nextension_max_years = {10**6}').encode(),
     "lists[0].extension_max_years"),
    ("min_age", sub('id = "black"', 'id = "black"\nmin_age = 151').encode(), "lists[0].min_age"),
    ("delay", sub('id = "black"', f'id = "black"\nremoval_delay_working_days = {2**31}').encode(),
     "lists[0].removal_delay_working_days"),
    ("100k name", sub('name = "Tiny"', f'name = "{BIG}"').encode(), "regime.name"),
    ("100k description", sub('description = "A tiny test regime."', f'description = "{BIG}"').encode(),
     "regime.description"),
    ("100k label", sub('label = "good"', f'label = "{BIG}"').encode(), "bands[0].label"),
    ("100k note", sub('name = "Tiny"', f'name = "Tiny"\nnote = "{BIG}"').encode(), "regime.note"),
    ("100k unknown key", sub('name = "Tiny"', f'name = "Tiny"\n{BIG} = 1').encode(), "unknown key"),
    ("100k id", sub('id = "late"', f'id = "{"a" * 100_000}"').encode(), "acts[0].id"),
]


@pytest.mark.parametrize(("name", "data", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_rulebook_file(tmp_path, name, data, message):
    p = tmp_path / "rb.toml"
    p.write_bytes(data)
    for command in (("regimes", "show", p), ("check", p), ("replay", p, tmp_path / "none.csv")):
        r = cli(*command)
        assert_one_line_error(r, p, message)
        assert len(r.stderr) < 1_000  # a 100,000-character value is not echoed back


def test_path_problems(tmp_path):
    assert_one_line_error(cli("regimes", "show", tmp_path / "none.toml"), "no such rulebook file")
    d = tmp_path / "d.toml"
    d.mkdir()
    assert_one_line_error(cli("regimes", "show", d), d, "no such rulebook file")
    r = cli("regimes", "show", tmp_path / ("r" * 300 + ".toml"))
    assert_one_line_error(r, "File name too long")


def test_bounds_keep_one_change_inside_int32():
    """The schema's bounds: a score at its limit plus the largest single change fits int32."""
    assert SCORE_LIMIT + MAX_CHANGE < 2**31 - 1
    assert POINTS_LIMIT <= MAX_CHANGE


def test_per_value_overflow_is_refused_on_reading(tmp_path):
    rb = tmp_path / "rb.toml"
    rb.write_text(sub("points = -10", "points = -1000\nper_value = true"), encoding="utf-8")
    p = tmp_path / "r.csv"
    p.write_text("date,subject,act,value\n2024-01-01,a,late,1e7\n", encoding="utf-8")
    assert_one_line_error(cli("replay", rb, p), f"{p}:2", "exceeds 1,000,000,000 points")
    p.write_text("date,subject,act,value\n2024-01-01,a,late,1000\n", encoding="utf-8")
    assert cli("replay", rb, p).code == 0


CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e", "\x00", "pwned", "31m")


def test_describe_and_tables_strip_terminal_escapes(tmp_path):
    text = (sub('name = "Tiny"', 'name = "Ti\\u001b[2Jny\\u001b]0;pwned\\u0007"')
            .replace('description = "A tiny test regime."',
                     'description = "A \\u009b31mtiny\\u202e regime\\u0000."'))
    p = tmp_path / "rb.toml"
    p.write_text(text, encoding="utf-8")
    r = cli("regimes", "show", p)
    assert r.code == 0, r.stderr
    assert "tiny: Tiny" in r.stdout and "A tiny regime." in r.stdout
    assert not any(c in r.stdout for c in CONTROLS)


def test_check_prints_every_error_up_to_the_cap(tmp_path):
    acts = "".join(f'\n[[acts]]\nid = "a{i}"\ncategory = "nope"\n' for i in range(25))
    p = tmp_path / "rb.toml"
    p.write_text(VALID + acts, encoding="utf-8")
    r = cli("check", p)
    assert r.code == 2 and r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 21 and lines[-1] == "... and 5 more"
    assert all(re.match(rf"error: {re.escape(str(p))}, key 'acts\[\d+\]\.category'", x)
               for x in lines[:20])
    assert "(and 24 more errors)" in cli("regimes", "show", p).stderr  # one line elsewhere


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(line=st.integers(0, VALID.count("\n")),
       value=st.one_of(st.integers(-2**70, 2**70), st.text(max_size=8),
                       st.floats(allow_nan=True, allow_infinity=True), st.just("[[[")))
def test_any_value_on_any_line_gives_a_rulebook_or_one_line(tmp_path, line, value):
    """Property: replacing the value of any line by anything either loads or gives one line."""
    lines = VALID.split("\n")
    if "=" in lines[line]:
        key = lines[line].split("=")[0]
        lit = repr(value).replace("'", '"') if not isinstance(value, float) else str(value)
        lines[line] = f"{key}= {lit.replace('nan', 'nan').replace('inf', 'inf')}"
    p = tmp_path / "fuzz.toml"
    p.write_text("\n".join(lines), encoding="utf-8")
    r = cli("regimes", "show", p)
    if r.code != 0:
        assert_one_line_error(r, p)


def test_deep_nesting_is_refused_whatever_the_recursion_limit():
    # Newer Pythons parse 500 levels without a RecursionError; the limit must not rely on one.
    import sys

    from scslab.errors import InputError
    from scslab.regime.load import parse_toml

    old = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)
    try:
        with pytest.raises(InputError, match="nested too deeply"):
            parse_toml("x = " + "[" * 500 + "]" * 500 + "\n", "deep.toml")
    finally:
        sys.setrecursionlimit(old)
