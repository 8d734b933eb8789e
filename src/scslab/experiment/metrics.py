"""The metrics a run yields, as one tidy table: ``metric``, ``date``, ``value``.

Every row of a run's ``daily.parquet`` becomes one metric named ``regime/metric/key`` with the
empty parts left out (``occurred/traffic_ticket``, ``rongcheng/band/C``,
``rongcheng/mean_score``, ``denied/flight``, ``court-defaulters/list/dishonest``). Besides each
day's value (``date`` set), each metric has one scalar row (``date`` null): the total over the
run for a flow (acts, requests, denials, exposures...) and the value on the last day for a stock
(bands, lists, mean scores, consequences, pending and wrongful stocks).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Metrics of ``daily.parquet`` counted per day (their scalar is the sum over the run).
FLOWS = frozenset({
    "occurred", "recorded", "request", "denied", "privileged", "exposure", "ties_lost",
    "jobs_lost", "source_records", "source_false", "wrongful_records", "wrongful_denied",
    "outcome_requests", "outcome",
})

SCHEMA = pa.schema([("metric", pa.string()), ("date", pa.date32()), ("value", pa.float64())])


def metric_names(daily: pa.Table) -> pa.Array:
    """``regime/metric/key`` for each row of a daily table, empty parts left out."""
    parts = [pc.fill_null(daily.column(c).cast(pa.string()), "") for c in ("regime", "metric", "key")]
    joined = pc.binary_join_element_wise(*parts, "/")
    # Remove the separators of empty parts: leading, trailing and doubled slashes.
    joined = pc.replace_substring_regex(joined, "//+", "/")
    return pc.replace_substring_regex(joined, "^/|/$", "")


def run_metrics(daily: pa.Table) -> pa.Table:
    """The tidy metrics of one run from its daily table (``day``, ``date``, ``regime``...).

    Rows come sorted by metric, then date, with each metric's scalar (null date) last.
    """
    names = metric_names(daily).to_numpy(zero_copy_only=False).astype(object)
    if "date" in daily.column_names:
        dates = daily.column("date").cast(pa.date32()).to_numpy().astype("datetime64[D]")
    else:  # a daily table without dates: day numbers from 1970-01-01 stand in
        dates = daily.column("day").to_numpy().astype("datetime64[D]")
    values = daily.column("value").to_numpy(zero_copy_only=False).astype(np.float64)
    kinds = daily.column("metric").to_numpy(zero_copy_only=False).astype(object)
    order = np.lexsort((dates, names))
    names, dates, values, kinds = names[order], dates[order], values[order], kinds[order]
    if len(names) == 0:
        return SCHEMA.empty_table()
    starts = np.flatnonzero(np.r_[True, names[1:] != names[:-1]])
    ends = np.r_[starts[1:], len(names)]
    flow = np.array([k in FLOWS for k in kinds[starts]])
    scalar = np.where(flow, np.add.reduceat(values, starts), values[ends - 1])
    metric = np.concatenate([names, names[starts]])
    date = pa.concat_arrays([pa.array(dates, pa.date32()), pa.nulls(len(starts), pa.date32())])
    value = np.concatenate([values, scalar])
    # Keep each metric's rows together, its scalar after its days.
    pos = np.concatenate([np.arange(len(names)), ends - 0.5])
    idx = np.argsort(pos, kind="stable")
    return pa.table({"metric": pa.array(metric[idx], pa.string()), "date": date.take(pa.array(idx)),
                     "value": value[idx]}, schema=SCHEMA)


def scalars(metrics: pa.Table) -> dict[str, float]:
    """``{metric: value}`` of a tidy metrics table's scalar rows (``date`` null)."""
    rows = metrics.filter(pc.is_null(metrics.column("date")))
    return dict(zip(rows.column("metric").to_pylist(), rows.column("value").to_pylist(), strict=True))
