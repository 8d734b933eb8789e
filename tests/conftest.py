"""Shared test helpers."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from scslab.dates import to_day
from scslab.regime import load_rulebook, read_records, replay


def replay_csv(regime: str, csv_text: str, tmp_path: Path, as_of: str | None = None,
               name: str = "records.csv") -> dict[str, dict]:
    """Replay CSV text through a built-in regime (or rulebook path); rows keyed by subject."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(csv_text).strip() + "\n", encoding="utf-8")
    rb = load_rulebook(regime)
    res = replay(rb, read_records(path, rb), as_of=None if as_of is None else to_day(as_of))
    return {r["subject"]: r for r in res.rows()}


@pytest.fixture
def replay_rows(tmp_path):
    """``replay_rows(regime, csv_text, as_of=None)`` -> {subject: row} (see replay_csv)."""
    counter = iter(range(10_000))

    def run(regime: str, csv_text: str, as_of: str | None = None) -> dict[str, dict]:
        return replay_csv(regime, csv_text, tmp_path, as_of, name=f"records{next(counter)}.csv")

    return run
