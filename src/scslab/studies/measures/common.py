"""Measures several studies share: rates per person-year, band shares, score spread, lists.

Every rate is per person-year of the simulated population [1/(person·year)], with a year of
365.25 days; shares are of persons (organisations are never counted in them).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scslab.conduct.acts import KINDS
from scslab.experiment.metrics import scalars

DAYS_PER_YEAR = 365.25
Row = tuple[str, _dt.date | None, float]


def person_years(sim: Any) -> float:
    """Person-years the run simulated [person·year]."""
    return sim.n_persons * sim.n_days / DAYS_PER_YEAR


def acts_of_kind(sim: Any, kind: str) -> list[str]:
    """The scenario's acts of one kind (``harmful``, ``prosocial``...)."""
    k = KINDS.index(kind)
    return [a for a, x in zip(sim.act_ids, sim.plan.acts.kind, strict=True) if int(x) == k]


def total(metrics: pa.Table, names: Iterable[str]) -> float:
    """Sum of the scalar values of ``names`` (a missing metric counts 0)."""
    sc = scalars(metrics)
    return float(sum(sc.get(n, 0.0) for n in names))


def per_1000py(sim: Any, metrics: pa.Table, names: Iterable[str]) -> float:
    """Total of ``names`` per 1,000 person-years."""
    return 1000.0 * total(metrics, names) / person_years(sim)


def occurred_per_1000py(sim: Any, metrics: pa.Table, kind: str) -> float:
    """Acts of ``kind`` that occurred, per 1,000 person-years."""
    return per_1000py(sim, metrics, [f"occurred/{a}" for a in acts_of_kind(sim, kind)])


def daily_sum(metrics: pa.Table, names: Sequence[str]) -> tuple[list[_dt.date], np.ndarray]:
    """The dates of the run and the per-day sum of the dated values of ``names``."""
    rows = metrics.filter(pc.and_(pc.is_valid(metrics.column("date")),
                                  pc.is_in(metrics.column("metric"), pa.array(list(names), pa.string()))))
    dates = sorted(set(metrics.filter(pc.is_valid(metrics.column("date"))).column("date").to_pylist()))
    pos = {d: i for i, d in enumerate(dates)}
    out = np.zeros(len(dates))
    for d, v in zip(rows.column("date").to_pylist(), rows.column("value").to_pylist(), strict=True):
        out[pos[d]] += v
    return dates, out


def monthly_rate(sim: Any, metrics: pa.Table, names: Sequence[str], metric: str) -> list[Row]:
    """``names`` per 1,000 person-years, month by month (dated on the month's first day)."""
    dates, per_day = daily_sum(metrics, names)
    by: dict[_dt.date, list[float]] = {}
    for d, v in zip(dates, per_day, strict=True):
        by.setdefault(d.replace(day=1), []).append(v)
    return [(metric, m, 1000.0 * sum(v) / (sim.n_persons * len(v) / DAYS_PER_YEAR))
            for m, v in by.items()]


def engine(sim: Any, regime: str | None = None) -> Any:
    """The engine whose id is ``regime`` or begins with ``regime-`` (default: the first scored).

    Regimes run in the order of their ids, not of the scenario's list, hence the explicit name.
    """
    for e in sim.engines:
        rid = e.rulebook.regime.id
        if regime is not None and (rid == regime or rid.startswith(regime + "-")):
            return e
        if regime is None and e.score is not None:
            return e
    raise KeyError(f"no regime {regime!r} in this run" if regime else "no scored regime in this run")


def band_shares(sim: Any, e: Any) -> dict[str, float]:
    """Share of persons in each band of engine ``e`` now (bands in the rulebook's order)."""
    n = sim.n_persons
    b = np.asarray(e.band_index(np.arange(n)), np.int64)
    labels = list(e.band_labels)
    counts = np.bincount(b[(b >= 0) & (b < len(labels))], minlength=len(labels))
    return {lab: float(c) / n for lab, c in zip(labels, counts, strict=True)}


def score_sd(sim: Any, e: Any) -> float:
    """Standard deviation of the persons' scores now [points]."""
    return float(np.std(np.asarray(e.score[: sim.n_persons], np.float64)))


def listed_persons(sim: Any, e: Any) -> np.ndarray:
    """Whether each person is on any of engine ``e``'s lists now."""
    n = sim.n_persons
    p = np.arange(n)
    out = np.zeros(n, bool)
    for li in range(len(e.list_ids)):
        out |= e.listed(li, p)
    return out
