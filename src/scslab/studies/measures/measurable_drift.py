"""Measurable drift (seed 004): prosocial acts a score measures against those it never sees.

``measured_prosocial_per_1000py`` counts the acts the study's ``measured_acts`` option names
(rewarded once the reward is on), ``unmeasured_prosocial_per_1000py`` those of
``unmeasured_acts`` (no regime knows them): acts that occurred, per 1,000 person-years, from
``reward_from`` to the run's end (``*_before`` the same before it, where the arms should agree).
Both also come month by month. ``unmeasured_share`` is the unmeasured acts' share of both.
Nothing is tracked per day: every number is read off the run's ``occurred/ACT`` metrics.
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from scslab.experiment.report import fmt
from scslab.studies.measures.common import DAYS_PER_YEAR, Row, daily_sum, monthly_rate

if TYPE_CHECKING:
    from scslab.studies.run import StudyResult


def window_rate(sim: Any, metrics: pa.Table, names: list[str], lo: _dt.date | None,
                hi: _dt.date | None) -> float:
    """``names`` per 1,000 person-years over the dates ``lo <= d < hi`` (None: open)."""
    dates, per_day = daily_sum(metrics, names)
    keep = [v for d, v in zip(dates, per_day, strict=True)
            if (lo is None or d >= lo) and (hi is None or d < hi)]
    if not keep:
        return float("nan")
    return 1000.0 * float(sum(keep)) / (sim.n_persons * len(keep) / DAYS_PER_YEAR)


class Measure:
    """Reads the measured and unmeasured prosocial acts off the run's metrics."""

    def __init__(self, sim: Any, options: dict[str, Any], arm: Any) -> None:
        self.sim = sim
        self.start = _dt.date.fromisoformat(str(options["reward_from"]))
        known = set(sim.act_ids)
        self.measured = [a for a in options["measured_acts"] if a in known]
        self.unmeasured = [a for a in options["unmeasured_acts"] if a in known]

    def on_day(self, k: int) -> None:
        """Nothing per day: the metrics hold what is needed."""

    def rows(self, metrics: pa.Table) -> list[Row]:
        """The study's metrics of this run."""
        sim, t0 = self.sim, self.start
        m = [f"occurred/{a}" for a in self.measured]
        u = [f"occurred/{a}" for a in self.unmeasured]
        after_m, after_u = window_rate(sim, metrics, m, t0, None), window_rate(sim, metrics, u, t0, None)
        rows: list[Row] = [
            ("measured_prosocial_per_1000py", None, after_m),
            ("unmeasured_prosocial_per_1000py", None, after_u),
            ("measured_prosocial_per_1000py_before", None, window_rate(sim, metrics, m, None, t0)),
            ("unmeasured_prosocial_per_1000py_before", None, window_rate(sim, metrics, u, None, t0)),
            ("all_prosocial_per_1000py", None, after_m + after_u),
            ("unmeasured_share", None, after_u / (after_m + after_u) if after_m + after_u else math.nan),
        ]
        for a in self.measured + self.unmeasured:
            rows.append((f"{a}_per_1000py", None, window_rate(sim, metrics, [f"occurred/{a}"], t0, None)))
        rows += monthly_rate(sim, metrics, m, "measured_prosocial_per_1000py")
        rows += monthly_rate(sim, metrics, u, "unmeasured_prosocial_per_1000py")
        return rows


def paired(res: StudyResult, arm: str, ref: str, metric: str) -> tuple[float, float, float] | None:
    """Mean and 95 % interval of ``arm − ref`` for a scalar metric, paired by seed (None: < 2)."""
    from scslab.experiment.stats import t975

    sc = res.runs.filter(pc.and_(pc.is_null(res.runs.column("date")),
                                 pc.equal(res.runs.column("metric"), metric)))
    by = {(a, s): v for a, s, v in zip(sc.column("arm").to_pylist(), sc.column("seed").to_pylist(),
                                       sc.column("value").to_pylist(), strict=True)}
    vals = [by[(arm, s)] - by[(ref, s)] for s in res.seeds if (arm, s) in by and (ref, s) in by]
    if len(vals) < 2:
        return None
    mean = sum(vals) / len(vals)
    sd = math.sqrt(sum((v - mean) ** 2 for v in vals) / (len(vals) - 1))
    half = t975(len(vals) - 1) * sd / math.sqrt(len(vals))
    return mean, mean - half, mean + half


def _said(d: tuple[float, float, float] | None) -> str:
    if d is None:
        return "not computable"
    return f"{fmt(d[0])} (95 % interval {fmt(d[1])} to {fmt(d[2])})"


def conclude(res: StudyResult) -> list[str]:
    """The reward's effect with and without the effort shift, and how much of it is substitution."""
    out = []
    pairs = [("reward on", "reward off", "with effort_response = 4"),
             ("reward on, no effort shift", "reward off, no effort shift", "with effort_response = 0")]
    names = {a.name for a in res.study.arms}
    for on, off, how in pairs:
        if on not in names or off not in names:
            continue
        dm = paired(res, on, off, "measured_prosocial_per_1000py")
        du = paired(res, on, off, "unmeasured_prosocial_per_1000py")
        out.append(f"Turning the reward on, {how}: measured prosocial acts change by {_said(dm)} and "
                   f"unmeasured ones by {_said(du)} per 1,000 person-years, from the reward's start.")
        if dm is not None and du is not None and dm[0] > 0 and du[2] < 0:
            out.append(f"{how.capitalize()}, each extra measured act comes with "
                       f"{fmt(-du[0] / dm[0])} fewer unmeasured ones: effort moved rather than grew.")
        elif du is not None and du[1] <= 0 <= du[2]:
            out.append(f"{how.capitalize()}, the unmeasured acts show no detectable crowding-out.")
        elif du is not None and du[1] > 0:
            out.append(f"{how.capitalize()}, the unmeasured acts rise rather than fall: no crowding-out.")
    return out
