"""The examples run as their READMEs say, with the output the READMEs show."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from helpers import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_api_example_runs_and_shows_labelled_results(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "api.py")], cwd=tmp_path,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "<Rulebook my-village 'My village points'" in out
    assert "amy: 849 points, band C, restrictions loan_scrutiny" in out
    assert "<RunResult my-village: regimes my-village; 2,000 persons, 90 days from 2021-01-01" in out
    assert "on 2021-03-31: A " in out
    assert "the folder's daily table equals the in-memory one: True" in out
    assert max(len(line) for line in out.splitlines()) < 250  # no raw arrays printed


def test_readme_replay_command_prints_what_the_readme_shows(monkeypatch):
    block = re.search(r"```\n\$ (scslab replay [^\n]+)\n(.*?)```", README, re.S)
    assert block is not None
    command, shown = block.group(1).split()[1:], block.group(2)
    monkeypatch.chdir(ROOT)  # the README's paths are relative to a clone
    r = cli(*command)
    assert r.code == 0, r.stderr
    assert r.stdout == shown


def test_examples_readme_names_every_example_file():
    text = (ROOT / "examples" / "README.md").read_text(encoding="utf-8")
    for f in (ROOT / "examples").iterdir():
        if f.is_file() and f.name != "README.md" and not f.name.startswith("."):
            assert f"`{f.name}`" in text, f.name
