"""SPC national (court list, Oct 2013 - Mar 2019): stock and cumulative flows, scaled to China.

The sample's aggregates are multiplied by ``scale = population / persons`` (the study's
``[options]``), as Covasim's ``pop_scale`` does. Series (dated, month ends and each target
date; scalar = the last day):

* ``list_stock``: persons on the list at the end of the day;
* ``flights_blocked_cumulative``, ``hsr_blocked_cumulative``: denied flight and high-speed-train
  purchases since the start;
* ``performed_cumulative``: obligations performed by listed persons (the list's answer) since the
  start.

``extra_files`` writes ``targets.csv``: each published figure against the simulated mean and
its 95 % interval over replicates; ``fitted`` is true only for the stock series.
"""

from __future__ import annotations

import datetime as _dt
import io
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scslab.studies.measures.common import Row, daily_sum

SERIES = {
    "list_stock": ("court-defaulters/list/dishonest_judgment_defaulters", False),
    "flights_blocked_cumulative": ("denied/flight", True),
    "hsr_blocked_cumulative": ("denied/high_speed_train", True),
    "performed_cumulative": ("occurred/performs_obligation", True),
}
HEADER = "target,date,published,simulated,ci_low,ci_high,fitted"


def series(metrics: pa.Table, metric: str, cumulative: bool) -> tuple[list[_dt.date], np.ndarray]:
    """Dates and the daily values of ``metric`` (summed over the days if ``cumulative``)."""
    dates, v = daily_sum(metrics, [metric])
    return dates, (np.cumsum(v) if cumulative else v)


def targets(options: dict[str, Any]) -> list[tuple[str, _dt.date, float]]:
    """``(target, date, published)`` of the study's options ``targets`` table."""
    out = []
    for name, rows in options["targets"].items():
        for d, v in rows:
            out.append((name, _dt.date.fromisoformat(d), float(v)))
    return out


class Measure:
    """Nothing to follow day by day: the run's daily metrics hold every series."""

    def __init__(self, sim: Any, options: dict[str, Any], arm: Any) -> None:
        self.sim = sim
        self.scale = float(options["population"]) / sim.n_persons
        self.targets = targets(options)

    def on_day(self, k: int) -> None:
        """Nothing per day."""

    def rows(self, metrics: pa.Table) -> list[Row]:
        """Each series, scaled to the nation, at month ends, target dates and the last day."""
        out: list[Row] = []
        for name, (metric, cum) in SERIES.items():
            dates, v = series(metrics, metric, cum)
            if not dates:
                continue
            v = v * self.scale
            want = {d for t, d, _ in self.targets if t == name}
            for i, d in enumerate(dates):
                last_of_month = i + 1 == len(dates) or dates[i + 1].month != d.month
                if last_of_month or d in want:
                    out.append((name, d, float(v[i])))
            out.append((name, None, float(v[-1])))
        return out


def _at(res: Any, arm: str, metric: str, day: _dt.date) -> tuple[float, float, float]:
    r = res.results
    m = r.filter(pc.and_(pc.and_(pc.equal(r.column("arm"), arm), pc.equal(r.column("metric"), metric)),
                         pc.equal(r.column("date"), pa.scalar(day, pa.date32()))))
    if m.num_rows == 0:
        return (float("nan"),) * 3
    return tuple(float(m.column(c)[0].as_py()) for c in ("mean", "ci_low", "ci_high"))  # type: ignore[return-value]


def fit_table(res: Any) -> list[tuple[str, _dt.date, float, float, float, float, bool]]:
    """Each target of the reference arm: name, date, published, mean, CI low, CI high, fitted."""
    arm = res.study.arms[0].name
    fitted = set(res.study.options.get("fitted", ["list_stock"]))
    return [(t, d, p, *_at(res, arm, t, d), t in fitted) for t, d, p in targets(res.study.options)]


def extra_files(res: Any) -> dict[str, bytes]:
    """``targets.csv``: the published figures against the simulated ones."""
    buf = io.StringIO()
    buf.write(HEADER + "\n")
    for t, d, p, m, lo, hi, f in fit_table(res):
        buf.write(f"{t},{d.isoformat()},{p:.0f},{m:.0f},{lo:.0f},{hi:.0f},{str(f).lower()}\n")
    return {"targets.csv": buf.getvalue().encode()}


def conclude(res: Any) -> list[str]:
    """How far each simulated figure is from the published one, and which miss the 15 % goal."""
    tol = float(res.study.options.get("tolerance", 0.15))
    out = []
    misses = []
    for t, d, p, m, _lo, _hi, f in fit_table(res):
        err = (m - p) / p if p else float("nan")
        if not abs(err) <= tol:
            misses.append(f"{t} on {d.isoformat()} ({'fitted' if f else 'validation'}: simulated "
                          f"{m / 1e6:.3g} m against {p / 1e6:.3g} m published, {100 * err:+.0f} %)")
    n = len(fit_table(res))
    if misses:
        out.append(f"{n - len(misses)} of {n} figures are within {100 * tol:.0f} % of the published ones; "
                   "these miss: " + "; ".join(misses) + ".")
    else:
        out.append(f"All {n} figures are within {100 * tol:.0f} % of the published ones.")
    return out
