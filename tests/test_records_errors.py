"""Bad record files: the message names the file, the line and the problem; exit 2; nothing on stdout."""

from __future__ import annotations

import pytest

from helpers import cli
from scslab.errors import InputError
from scslab.regime import load_rulebook, read_records


@pytest.fixture
def rb():
    return load_rulebook("rongcheng")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("date,subject\n2024-01-01,a\n", 1, "missing required column(s): act"),
        ("subject,act\na,traffic_ticket\n", 1, "missing required column(s): date"),
        ("date,subject,act\n2024-01-01,a,traffic_ticket\n2024-13-01,a,traffic_ticket\n", 3,
         "malformed date '2024-13-01'"),
        ("date,subject,act\n2024/01/01,a,traffic_ticket\n", 2, "malformed date"),
        ("date,subject,act\n2024-01-01,a,jaywalk\n", 2, "unknown act 'jaywalk'"),
        ("date,subject,act,value\n2024-01-01,a,traffic_ticket,lots\n", 2, "column 'value': a number"),
        ("date,subject,act,age\n2024-01-01,a,traffic_ticket,nan\n", 2, "a finite number"),
        ("date,subject,act\n2024-01-01,a\n", 2, "expected 3 fields, found 2"),
        ("date,subject,act\n2024-01-01,,traffic_ticket\n", 2, "empty subject id"),
        ("", 1, "the file is empty"),
    ],
)
def test_bad_records(tmp_path, rb, text, line, message):
    p = tmp_path / "r.csv"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as ei:
        read_records(p, rb)
    err = ei.value
    assert err.file == str(p) and err.line == line
    assert message in str(err)


def test_unknown_act_lists_valid_ids(tmp_path, rb):
    p = tmp_path / "r.csv"
    p.write_text("date,subject,act\n2024-01-01,a,jaywalk\n", encoding="utf-8")
    with pytest.raises(InputError) as ei:
        read_records(p, rb)
    for act in rb.act_ids():
        assert act in str(ei.value)


def test_cli_replay_bad_input_exit_2_nothing_on_stdout(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("date,subject,act\n2024-01-01,a,traffic_ticket\n2024-02-30,b,traffic_ticket\n")
    r = cli("replay", "rongcheng", p)
    assert r.code == 2
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    assert f"{p}:3" in r.stderr and "malformed date" in r.stderr


def test_cli_bad_as_of(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("date,subject,act\n2024-01-01,a,traffic_ticket\n")
    r = cli("replay", "rongcheng", p, "--as-of", "soon")
    assert r.code == 2 and r.stdout == "" and "--as-of" in r.stderr
