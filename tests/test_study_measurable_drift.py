"""The measurable-drift study's window rates and its paired differences."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pyarrow as pa
import pytest

from scslab.studies.measures.measurable_drift import window_rate

SCHEMA = pa.schema([("metric", pa.string()), ("date", pa.date32()), ("value", pa.float64())])


def test_window_rate_counts_only_the_days_in_the_window() -> None:
    days = [dt.date(2020, 6, 29) + dt.timedelta(days=i) for i in range(4)]  # 29 Jun .. 2 Jul
    m = pa.table({"metric": ["occurred/a"] * 4 + ["occurred/b"] * 4, "date": days * 2,
                  "value": [1.0, 2.0, 3.0, 4.0, 10.0, 10.0, 10.0, 10.0]}, schema=SCHEMA)
    sim = SimpleNamespace(n_persons=365.25)  # a day of these persons is one person-year
    start = dt.date(2020, 7, 1)
    # after: 1 and 2 Jul, 3 + 4 acts of "a" in two person-years
    after = window_rate(sim, m, ["occurred/a"], start, None)
    assert after == pytest.approx(1000.0 * 7 / (365.25 * 2 / 365.25))
    before = window_rate(sim, m, ["occurred/a", "occurred/b"], None, start)
    assert before == pytest.approx(1000.0 * 23 / 2)
    assert window_rate(sim, m, ["occurred/a"], dt.date(2021, 1, 1), None) != \
        window_rate(sim, m, ["occurred/a"], dt.date(2021, 1, 1), None)  # empty window: nan
