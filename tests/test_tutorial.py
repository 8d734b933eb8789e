"""docs/tutorial.md works as written: every command in it exits 0, shown outputs match.

The commands run in-process (one numba compile for all), from a temporary folder holding a copy
of examples/tutorial, with fewer persons and days than the page gives so the test stays short.
The Python blocks run after the commands, in the same folder.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from scslab.cli import main

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "docs" / "tutorial.md"
SMALL = ["--persons", "200", "--days", "30"]


def _blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", TUTORIAL.read_text(encoding="utf-8"), re.S)


def _commands() -> list[tuple[list[str], str | None]]:
    """``(argv, shown output or None)`` of every ``$ scslab`` line, in page order."""
    found = []
    for block in _blocks("console"):
        lines = block.splitlines()
        for i, line in enumerate(lines):
            if not line.startswith("$ "):
                continue
            argv = shlex.split(line[2:])
            assert argv[0] == "scslab", line
            rest = []
            for later in lines[i + 1:]:
                if later.startswith("$ "):
                    break
                rest.append(later)
            found.append((argv[1:], "\n".join(rest).strip() or None))
    return found


def _small(argv: list[str]) -> list[str]:
    """``argv`` with --persons and --days made small for run and sweep."""
    if argv[0] not in ("run", "sweep"):
        return argv
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a in ("--persons", "--days"):
            skip = True
            continue
        out.append(a)
    return [*out, *SMALL]


def test_the_tutorial_has_every_step():
    commands = [argv[0] for argv, _ in _commands()]
    for step in ("check", "replay", "explain", "run", "compare", "sweep"):
        assert step in commands, step
    assert _blocks("python")


def test_every_command_and_python_block_of_the_tutorial_works(tmp_path, monkeypatch, capsys):
    shutil.copytree(ROOT / "examples" / "tutorial", tmp_path / "examples" / "tutorial")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    for argv, shown in _commands():
        code = main(_small(argv))
        captured = capsys.readouterr()
        assert code == 0, (argv, captured.err)
        if shown is not None:
            assert captured.out.strip() == shown, argv
    assert (tmp_path / "runs" / "block" / "report.html").is_file()
    assert (tmp_path / "runs" / "compare" / "compare.parquet").is_file()
    assert (tmp_path / "runs" / "sweep" / "summary.parquet").is_file()
    for block in _blocks("python"):
        exec(compile(block, str(TUTORIAL), "exec"), {})
    printed = capsys.readouterr().out
    assert printed.count("'arm'") == 2  # one row per arm of the sweep


@pytest.mark.parametrize("name", ["quiet-block.toml", "block.toml"])
def test_the_tutorial_files_are_valid(name, capsys):
    assert main(["check", str(ROOT / "examples" / "tutorial" / name)]) == 0
    assert "a valid" in capsys.readouterr().out
