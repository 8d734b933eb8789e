"""Self-discipline (seed 003): harm, the spread of scores and the band shares by visibility.

``harmful_acts_per_1000py``: harmful acts that occurred per 1,000 person-years (whole run, and
month by month). ``score_sd`` and ``share_band_<B>``: the persons' score spread and the share
in each band of the study's regime at the run's end, and also on the first day of each month
(dated rows). ``share_aware``: the share who know their score (checks the arm's lever took);
``checks_per_aware_py``: score checks per aware person-year (the daily counts summed:
the run's scalar of ``score_checks`` is its last day's).
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from scslab.experiment.report import fmt
from scslab.studies.conclude import direction
from scslab.studies.measures.common import (
    Row,
    acts_of_kind,
    band_shares,
    daily_sum,
    engine,
    monthly_rate,
    occurred_per_1000py,
    person_years,
    score_sd,
)

if TYPE_CHECKING:
    from scslab.studies.run import StudyResult


class Measure:
    """Samples the score spread and band shares on the first of each month."""

    def __init__(self, sim: Any, options: dict[str, Any], arm: Any) -> None:
        self.sim = sim
        self.e = engine(sim, options.get("regime"))
        self.first = _dt.date.fromisoformat(sim.plan.horizon.start_date)
        self.samples: list[Row] = []

    def on_day(self, k: int) -> None:
        """After day ``k``: on a month's last day, the state that holds on the next month's first."""
        nxt = self.first + _dt.timedelta(days=k + 1)
        if nxt.day != 1:
            return
        sim, e = self.sim, self.e
        self.samples.append(("score_sd", nxt, score_sd(sim, e)))
        for b, v in band_shares(sim, e).items():
            self.samples.append((f"share_band_{b}", nxt, v))

    def rows(self, metrics: pa.Table) -> list[Row]:
        """The study's metrics of this run."""
        sim, e = self.sim, self.e
        harmful = [f"occurred/{a}" for a in acts_of_kind(sim, "harmful")]
        aware = float(np.mean(sim.perception.aware(np.arange(sim.n_persons))))
        aware_py = aware * person_years(sim)
        rows: list[Row] = [
            ("harmful_acts_per_1000py", None, occurred_per_1000py(sim, metrics, "harmful")),
            ("score_sd", None, score_sd(sim, e)),
            ("mean_score", None, float(np.mean(np.asarray(e.score[: sim.n_persons], np.float64)))),
            ("share_aware", None, aware),
            ("checks_per_aware_py", None,
             float(daily_sum(metrics, ["score_checks"])[1].sum()) / aware_py if aware_py > 0 else 0.0),
        ]
        rows += [(f"share_band_{b}", None, v) for b, v in band_shares(sim, e).items()]
        rows += monthly_rate(sim, metrics, harmful, "harmful_acts_per_1000py")
        return rows + self.samples


def conclude(res: StudyResult) -> list[str]:
    """How much of the fall in harm visibility buys, and what checking less often gives back."""
    out = []
    v0 = res.value("visibility 0", "harmful_acts_per_1000py")[0]
    v1 = res.value("visibility 1", "harmful_acts_per_1000py")[0]
    if v0 == v0 and v1 == v1 and v0 > 0:
        out.append(f"Everyone seeing their score changes harmful acts by {fmt(100 * (v1 - v0) / v0)} % "
                   f"against nobody seeing it ({fmt(v1)} against {fmt(v0)} per 1,000 person-years).")
    v5 = res.value("visibility 0.5", "harmful_acts_per_1000py")[0]
    if v0 == v0 and v1 == v1 and v5 == v5 and v1 != v0:
        out.append(f"Half visibility gives {fmt(100 * (v0 - v5) / (v0 - v1))} % of that change.")
    from scslab.studies.measures.measurable_drift import paired

    for arm in ("visibility 1, checks 12/yr", "visibility 1, checks 1/yr"):
        if arm not in {a.name for a in res.study.arms}:
            continue
        parts = []
        for metric in ("harmful_acts_per_1000py", "share_band_B"):
            d = paired(res, arm, "visibility 1", metric)
            if d is not None:
                word = {"higher": "higher", "lower": "lower", "same": "not detectably different"}[
                    direction(d[1], d[2])]
                parts.append(f"{metric} is {word} (difference {fmt(d[0])}, 95 % interval "
                             f"{fmt(d[1])} to {fmt(d[2])})")
        if parts:
            out.append(f"Against seeing every change at once, with {arm.split(', ')[1]} "
                       + "; ".join(parts) + ".")
    return out
