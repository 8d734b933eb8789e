"""Malformed record CSV files: each gives exit code 2 and one line naming the file (and line),
with nothing on stdout and no traceback. The cases come from fuzzing ``scslab replay``."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import assert_one_line_error, cli

H = "date,subject,act\n"
OK = "2024-01-01,a,traffic_ticket\n"

# (name, file bytes, line the message must name or None, text the message must hold)
CASES = [
    ("latin-1", (H + "2024-01-01,Jos\xe9,traffic_ticket\n").encode("latin-1"), 2, "not UTF-8"),
    ("utf-16 bom", (H + OK).encode("utf-16"), 1, "UTF-16"),
    ("utf-16-le no bom", (H + OK).encode("utf-16-le"), 1, "UTF-16"),
    ("utf-32", codecs.BOM_UTF32_LE + (H + OK).encode("utf-32-le"), 1, "UTF-16"),
    ("huge field", (H + "2024-01-01," + "x" * 200_000 + ",traffic_ticket\n").encode(), 2,
     "field larger than field limit"),
    ("more fields than header", (H + OK + "2024-01-02,b,traffic_ticket,9\n").encode(), 3,
     "expected 3 fields, found 4"),
    ("fewer fields", (H + "2024-01-02,b\n").encode(), 2, "expected 3 fields, found 2"),
    ("duplicate column", (b"date,subject,act,value,value\n2024-01-01,a,traffic_ticket,1,3\n"),
     1, "given twice: value"),
    ("misspelt column", (b"date,subject,act,vlaue\n2024-01-01,a,traffic_ticket,3\n"), 1,
     "unknown column(s): vlaue; known columns are date, subject, act, value"),
    ("empty column name", (b"date,subject,act,\n2024-01-01,a,traffic_ticket,\n"), 1,
     "unknown column(s): (empty)"),
    ("negative age", (b"date,subject,act,age\n2024-01-01,a,traffic_ticket,-3\n"), 2,
     "an age from 0 to 150"),
    ("impossible age", (b"date,subject,act,age\n2024-01-01,a,traffic_ticket,151\n"), 2,
     "an age from 0 to 150"),
    ("iso week date", (H + "2020-W01-1,a,traffic_ticket\n").encode(), 2, "malformed date"),
    ("no such day", (H + "2021-02-30,a,traffic_ticket\n").encode(), 2, "malformed date"),
    ("basic date", (H + "20210201,a,traffic_ticket\n").encode(), 2, "malformed date"),
    ("date with time", (H + "2021-02-01T00:00,a,traffic_ticket\n").encode(), 2, "malformed date"),
    ("non-ascii digits", (H + "٢٠٢١-٠٢-٠١,a,traffic_ticket\n").encode(), 2, "malformed date"),
    ("year zero", (H + "0000-01-01,a,traffic_ticket\n").encode(), 2, "malformed date"),
    ("nul in id", (H + "2024-01-01,a\x00b,traffic_ticket\n").encode(), 2, "U+0000"),
    ("bom in id", (H + "2024-01-01,a\ufeffb,traffic_ticket\n").encode(), 2, "U+FEFF"),
    ("rtl override in id", (H + "2024-01-01,a\u202eb,traffic_ticket\n").encode(), 2, "U+202E"),
    ("lr embedding in id", (H + "2024-01-01,a\u202ab,traffic_ticket\n").encode(), 2, "U+202A"),
    ("isolate in id", (H + "2024-01-01,a\u2066b,traffic_ticket\n").encode(), 2, "U+2066"),
    ("escape in id", (H + "2024-01-01,a\x1b[2Jb,traffic_ticket\n").encode(), 2, "U+001B"),
    ("control in representative",
     ("date,subject,act,representative\n2024-01-01,o,traffic_ticket,r\u2069\n").encode(), 2,
     "U+2069"),
    ("long id", (H + "2024-01-01," + "a" * 300 + ",traffic_ticket\n").encode(), 2,
     "at most 256"),
    ("value inf", (b"date,subject,act,value\n2024-01-01,a,traffic_ticket,inf\n"), 2,
     "a finite number"),
    ("value 1e309", (b"date,subject,act,value\n2024-01-01,a,traffic_ticket,1e309\n"), 2,
     "a finite number"),
    ("value nan", (b"date,subject,act,value\n2024-01-01,a,traffic_ticket,nan\n"), 2,
     "a finite number"),
    ("value absurd", (b"date,subject,act,value\n2024-01-01,a,traffic_ticket,1e15\n"), 2,
     "beyond"),
    ("value text", (b"date,subject,act,value\n2024-01-01,a,traffic_ticket,lots\n"), 2,
     "a number was expected"),
    ("unknown act", (H + "2024-01-01,a,jaywalk\n").encode(), 2, "unknown act 'jaywalk'"),
    ("empty subject", (H + "2024-01-01,,traffic_ticket\n").encode(), 2, "empty subject id"),
    ("empty file", b"", 1, "the file is empty"),
    ("header lacks act", b"date,subject\n2024-01-01,a\n", 1, "missing required column(s): act"),
]


@pytest.mark.parametrize(("name", "data", "line", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_record_file(tmp_path, name, data, line, message):
    p = tmp_path / "r.csv"
    p.write_bytes(data)
    r = cli("replay", "rongcheng", p)
    assert_one_line_error(r, f"{p}:{line}" if line else p, message)


def test_no_such_file_and_a_folder(tmp_path):
    assert_one_line_error(cli("replay", "rongcheng", tmp_path / "none.csv"), "no such record file")
    assert_one_line_error(cli("replay", "rongcheng", tmp_path), tmp_path, "no such record file")


def test_path_component_over_255_bytes(tmp_path):
    r = cli("replay", "rongcheng", tmp_path / ("r" * 300 + ".csv"))
    assert_one_line_error(r, "File name too long")
    assert len(r.stderr) < 400  # the 300-character name is not repeated in full


def test_leading_bom_is_accepted(tmp_path):
    """A UTF-8 BOM at the start of the file is what spreadsheets write: not an error."""
    p = tmp_path / "r.csv"
    p.write_bytes(codecs.BOM_UTF8 + (H + OK).encode())
    r = cli("replay", "rongcheng", p)
    assert r.code == 0, r.stderr
    assert r.stdout.splitlines()[1].startswith("a,")


CELL = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.lists(st.sampled_from(["date", "subject", "act", "value", "age", "x", ""]),
                       min_size=0, max_size=6),
       rows=st.lists(st.lists(CELL, max_size=6), max_size=4),
       raw=st.binary(max_size=40))
def test_any_file_gives_a_result_or_one_line(tmp_path, header, rows, raw):
    """Property: whatever the file holds, replay succeeds or prints one line (never a traceback)."""
    p = tmp_path / "fuzz.csv"
    text = ",".join(header) + "\n" + "\n".join(",".join(r) for r in rows)
    p.write_bytes(text.encode() + raw)
    r = cli("replay", "rongcheng", p)
    if r.code != 0:
        assert_one_line_error(r, p)
