"""Every class of invalid rulebook gets one clear error naming the file, the key and what was expected."""

from __future__ import annotations

import re
import textwrap

import pytest

from helpers import cli
from scslab.errors import InputError
from scslab.regime import load_rulebook

VALID = """
[regime]
id = "tiny"
name = "Tiny"
description = "A tiny test regime."

[score]
initial = 100
min = 0
max = 100

[[bands]]
label = "good"
min = 50
[[bands]]
label = "bad"

[[acts]]
id = "late"
category = "financial"
points = -10

[[acts]]
id = "drunk"
category = "traffic"
drop_to_band = "bad"

[[lists]]
id = "black"
entries = [{ act = "late", term = "1y" }]

[[consequences]]
list = "black"
restrictions = ["flight"]

[[sources]]
key = "S"
title = "A source"
url = "https://example.org/s"
"""


def write(tmp_path, text, name="rb.toml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def error_of(tmp_path, text) -> InputError:
    with pytest.raises(InputError) as ei:
        load_rulebook(write(tmp_path, text))
    return ei.value


def test_valid_rulebook_loads(tmp_path):
    rb = load_rulebook(write(tmp_path, VALID))
    assert rb.act_ids() == ["late", "drunk"]


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        ('points = -10', 'points = -10\nweight = 3', "acts[0].weight", "unknown key"),
        ('category = "financial"', 'category = "finance"', "acts[0].category", "category must be one of"),
        ('points = -10', 'points = "ten"', "acts[0].points", "valid integer"),
        ('description = "A tiny test regime."\n', '', "regime.description", "required key is missing"),
        ('drop_to_band = "bad"', 'drop_to_band = "worse"', None,
         "acts[1].drop_to_band: unknown band 'worse'"),
        ('act = "late", term = "1y"', 'act = "early", term = "1y"', None, "unknown act 'early'"),
        ('act = "late", term = "1y"', 'act = "late", term = "one year"', "lists[0].entries[0].term",
         "duration like '2y'"),
        ('list = "black"', 'list = "white"', None, "consequences[0].list: unknown list 'white'"),
        ('id = "drunk"', 'id = "late"', None, "duplicate act ids: late"),
        ('label = "good"\nmin = 50', 'label = "good"\nmin = 50\n[[bands]]\nlabel = "ok"\nmin = 60', None,
         "bands must be listed"),
        ('max = 100', 'max = -1', "score", "min (0) must not exceed max (-1)"),
        ('url = "https://example.org/s"', 'url = "example.org"', "sources[0].url", "should match pattern"),
        ('[[acts]]\nid = "late"', '[[acts]]\nid = "late"\nsources = ["NOPE"]', None,
         "unknown source key 'NOPE'"),
        ('id = "late"', 'id = "Late Payment"', "acts[0].id", "should match pattern"),
    ],
)
def test_invalid_rulebook_message(tmp_path, old, new, key, message):
    assert old in VALID
    err = error_of(tmp_path, VALID.replace(old, new, 1))
    assert err.file is not None and err.file.endswith("rb.toml")
    if key is not None:
        assert err.key == key
    assert message in str(err)


def test_toml_syntax_error_names_line(tmp_path):
    err = error_of(tmp_path, VALID.replace('points = -10', 'points = -10 -', 1))
    assert err.line is not None and err.line > 1
    assert "invalid TOML" in str(err)


def test_unknown_builtin_lists_known():
    with pytest.raises(InputError, match="rongcheng"):
        load_rulebook("no-such-regime")


def test_cli_check_bad_rulebook_exit_2_no_traceback(tmp_path):
    p = write(tmp_path, VALID.replace('category = "financial"', 'category = "finance"', 1))
    r = cli("check", p)
    assert r.code == 2
    assert "Traceback" not in r.stderr
    assert re.search(r"rb\.toml.*acts\[0\]\.category.*category must be one of", r.stderr)
    assert r.stdout == ""


def test_cli_check_good_rulebook(tmp_path):
    r = cli("check", write(tmp_path, VALID))
    assert r.code == 0, r.stderr
    assert "valid rulebook" in r.stdout


def test_tiny_list_entry_term_and_exit(tmp_path, replay_rows):
    """The tiny regime's list: 'late' lists for one year; the term's end takes the subject off."""
    rb = write(tmp_path, VALID, name="tiny.toml")
    text = """
        date,subject,act
        2023-03-10,a,late
        2023-03-10,b,late
        2023-06-01,b,late
        """
    rows = replay_rows(str(rb), text, as_of="2024-03-09")
    assert rows["a"]["lists"] == ["black"] and rows["a"]["restrictions"] == ["flight"]
    rows = replay_rows(str(rb), text, as_of="2024-03-10")
    assert rows["a"]["lists"] == [] and rows["a"]["restrictions"] == []
    # b was listed again on 2023-06-01: the later end (2024-06-01) wins
    assert rows["b"]["lists"] == ["black"] and rows["b"]["score"] == 80
    assert replay_rows(str(rb), text, as_of="2024-06-01")["b"]["lists"] == []
