"""The cameras study's own counting: records and acts by district, and monthly ratios."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from scslab.studies.measures.cameras import RegionTally, monthly_ratio


def test_region_tally_counts_acts_true_and_false_records_by_district() -> None:
    # Persons 0, 1 in district 0; person 2 in district 1. Camera act: index 5 only.
    t = RegionTally(np.array([0, 0, 1]), 2, [5])
    occ_s, occ_a = np.array([0, 1, 2, 2, 0]), np.array([5, 5, 5, 3, 3])
    rec_s, rec_a = np.array([0, 2, 1, 2, 7]), np.array([5, 5, 5, 3, 5])
    true = np.array([True, True, False, True, True])  # person 7 is an organisation row: ignored
    t.add(occ_s, occ_a, rec_s, rec_a, true)
    assert t.occurred.tolist() == [2, 1]
    assert t.true.tolist() == [1, 1]
    assert t.false.tolist() == [1, 0]
    t.add(occ_s, occ_a, rec_s, rec_a, None)  # no sources declared: every record true
    assert t.true.tolist() == [1 + 2, 1 + 1] and t.false.tolist() == [1, 0]


def test_monthly_ratio_sums_before_dividing() -> None:
    d = [dt.date(2012, 1, 30), dt.date(2012, 1, 31), dt.date(2012, 2, 1)]
    rows = {"metric": [], "date": [], "value": []}
    for name, vals in (("recorded/x", [1, 0, 2]), ("occurred/x", [4, 6, 4])):
        for day, v in zip(d, vals, strict=True):
            rows["metric"].append(name)
            rows["date"].append(day)
            rows["value"].append(float(v))
    m = pa.table(rows, schema=pa.schema([("metric", pa.string()), ("date", pa.date32()),
                                         ("value", pa.float64())]))
    out = monthly_ratio(m, ["recorded/x"], ["occurred/x"], "r")
    assert out == [("r", dt.date(2012, 1, 1), 0.1), ("r", dt.date(2012, 2, 1), 0.5)]
