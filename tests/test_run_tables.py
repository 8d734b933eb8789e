"""A run's results as labelled Arrow tables, the same numbers as its run folder's files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import scslab

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PERSONS, DAYS = 400, 25


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[scslab.RunResult, Path]:
    out = tmp_path_factory.mktemp("run")
    return scslab.run_scenario(EXAMPLES / "village.toml", persons=PERSONS, days=DAYS, seed=5,
                               out=out, force=True), out


def test_daily_and_subjects_tables_equal_the_run_folder_files(written):
    run, out = written
    assert run.daily_table().equals(pq.read_table(out / "daily.parquet"))
    assert run.subjects_table().equals(pq.read_table(out / "subjects.parquet"))


def test_bands_are_labelled_by_date_and_band(written):
    run, _ = written
    t = run.bands()
    assert t.column_names == ["date", "A", "B", "C"]
    dates = t.column("date").to_pylist()
    assert dates[0] == dt.date(2021, 1, 1) and dates[-1] == dt.date(2021, 1, DAYS)
    per_day = [sum(t.column(b)[i].as_py() for b in "ABC") for i in range(DAYS)]
    assert per_day == [PERSONS] * DAYS  # every person is in one band every day
    # the same counts as the tidy table's band rows of the last day
    tidy = run.daily_table().to_pylist()
    last = {r["key"]: r["value"] for r in tidy if r["metric"] == "band" and r["day"] == DAYS - 1}
    assert last == {b: t.column(b)[-1].as_py() for b in "ABC"}
    assert run.bands("my-village").equals(t)


def test_acts_by_day_sums_to_the_run_totals(written):
    run, _ = written
    t = run.acts_by_day()
    assert t.column_names == ["date", "act", "occurred", "recorded"]
    assert t.num_rows == DAYS * 2
    totals: dict[str, list[int]] = {}
    for r in t.to_pylist():
        o, c = totals.setdefault(r["act"], [0, 0])
        totals[r["act"]] = [o + r["occurred"], c + r["recorded"]]
    assert {a: tuple(v) for a, v in totals.items()} == run.acts()
    assert sum(v[0] for v in totals.values()) > 0


def test_unknown_regime_or_missing_lists_say_so(written):
    run, _ = written
    with pytest.raises(ValueError, match="unknown regime 'nope'; this run has my-village"):
        run.bands("nope")
    with pytest.raises(ValueError, match="no regime of this run has a list"):
        run.lists()


def test_lists_are_labelled_and_match_the_tidy_rows():
    run = scslab.run_scenario("court-and-rongcheng", persons=300, days=10, seed=1)
    t = run.lists()  # the first regime with lists: court-defaulters
    assert t.column_names == ["date", "dishonest_judgment_defaulters"]
    assert run.lists("court-defaulters").equals(t)
    tidy = [r for r in run.daily_table().to_pylist()
            if r["metric"] == "list" and r["regime"] == "court-defaulters"]
    assert [r["value"] for r in tidy] == t.column("dishonest_judgment_defaulters").to_pylist()
    assert run.bands().column_names == ["date", "AAA", "AA", "A", "B", "C", "D"]  # rongcheng's
