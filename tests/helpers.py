"""Helpers shared by several test modules (import with ``from helpers import ...``)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from scslab.dates import iso, to_day
from scslab.regime import Records, load_rulebook, read_records, replay


def ledger_lines(regime: str, text: str, tmp_path: Path, as_of: str | None = None
                 ) -> list[tuple[str, str, int, str]]:
    """(date, act or "", delta, rule) of every ledger line of replaying CSV ``text``, in order."""
    rb = load_rulebook(regime)
    path = tmp_path / "ledger.csv"
    path.write_text(text + "\n")
    res = replay(rb, read_records(path, rb), as_of=None if as_of is None else to_day(as_of))
    lines = res.engine.ledger.drain()
    acts = rb.act_ids()
    texts = res.engine.rule_texts(lines)
    return [(iso(lines.day[i]), acts[lines.act[i]] if lines.act[i] >= 0 else "",
             int(lines.delta[i]), texts[i])
            for i in range(len(lines))]


def records_from(draws: list[tuple[int, int, int]], first_day: str, n_subjects: int,
                 prefix: str = "s") -> Records:
    """Records from (day offset, subject, act) triples, in day order, ages unknown."""
    draws = sorted(draws, key=lambda x: x[0])
    return Records(day=np.array([d for d, _, _ in draws], np.int64) + to_day(first_day),
                   subject=np.array([s for _, s, _ in draws], np.int64),
                   act=np.array([a for *_, a in draws], np.int64),
                   value=np.ones(len(draws)), age=np.full(len(draws), np.nan),
                   subject_ids=[f"{prefix}{i}" for i in range(n_subjects)])


@dataclass
class CliResult:
    """What one in-process ``scslab`` call gave: exit code, stdout, stderr."""

    code: int
    stdout: str
    stderr: str


def cli(*args: object) -> CliResult:
    """Run ``scslab ARGS`` in-process through :func:`scslab.cli.main`, the executable's own
    error handling, with typer's ``CliRunner`` capturing stdout and stderr."""
    from scslab.cli import main

    with CliRunner().isolation() as (out, err, _):
        code = main([str(a) for a in args])
        sys.stdout.flush()
        sys.stderr.flush()
        return CliResult(code, out.getvalue().decode(), err.getvalue().decode())


def assert_one_line_error(r: CliResult, *names: object) -> None:
    """Bad input: exit code 2, nothing on stdout, exactly one line on stderr (no traceback)
    that names each of ``names`` (the file, line, key or option at fault)."""
    assert r.code == 2, (r.code, r.stderr)
    assert r.stdout == "", r.stdout
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr and lines[0].startswith("error: "), r.stderr
    for name in names:
        assert str(name) in lines[0], (name, lines[0])
