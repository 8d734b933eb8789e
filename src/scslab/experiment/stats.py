"""Replicate statistics: mean, 95 % interval (Student t) and n per arm, and paired differences."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Two-sided 95 % quantiles of Student's t for 1..30 degrees of freedom.
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
         2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
         2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


def t975(df: int) -> float:
    """The 97.5 % quantile of Student's t with ``df`` degrees of freedom (nan for df < 1)."""
    if df < 1:
        return math.nan
    if df <= len(_T975):
        return _T975[df - 1]
    return 1.959964 + 2.37 / df  # within 0.002 of the exact value above 30


def interval(mean: np.ndarray, sd: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 95 % interval of a mean from replicate sd and n (nan where n < 2)."""
    t = np.array([t975(int(k) - 1) for k in n], dtype=np.float64)
    half = t * sd / np.sqrt(np.maximum(n, 1))
    return mean - half, mean + half


def summarise(results: pa.Table, by: Sequence[str]) -> pa.Table:
    """Mean, 95 % interval and n of ``value`` per group of ``by`` columns (null dates included).

    Returns the ``by`` columns, then ``mean``, ``ci_low``, ``ci_high``, ``n``, sorted by them.
    """
    g = results.group_by(list(by), use_threads=False).aggregate(
        [("value", "mean"), ("value", "stddev", pc.VarianceOptions(ddof=1)), ("value", "count")])
    n = g.column("value_count").to_numpy().astype(np.int64)
    mean = g.column("value_mean").to_numpy(zero_copy_only=False).astype(np.float64)
    sd = pc.fill_null(g.column("value_stddev"), math.nan).to_numpy(zero_copy_only=False)
    lo, hi = interval(mean, np.asarray(sd, np.float64), n)
    out = g.select(list(by)).append_column("mean", pa.array(mean))
    out = out.append_column("ci_low", pa.array(lo, from_pandas=True))
    out = out.append_column("ci_high", pa.array(hi, from_pandas=True))
    out = out.append_column("n", pa.array(n, pa.int64()))
    return out.sort_by([(c, "ascending") for c in by])
