"""Friends (seeds 003, 000): does scoring friends make people sort their ties by score?

``score_assortativity``: the Pearson correlation of the scores at the two ends of every friend
tie (each tie counted in both directions, :meth:`scslab.society.friends.Friends.assortativity`),
measured by this module on the last day of every month, so that every arm has the same dated
rows whether or not its persons review their ties (the run's own ``assortativity`` exists only
where they do). The scalar is the value on the run's last day.

``ties_dropped_per_1000py``: friend ties dropped in tie reviews (the run's daily
``ties_dropped``, net of ties re-formed the same day) per 1,000 person-years; 0 in arms without
reviews. ``ties_formed_per_1000py`` likewise. The degree of low and high scorers at the end says
who the pruning leaves with fewer friends.
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

import numpy as np
import pyarrow as pa

from scslab.studies.measures.common import Row, daily_sum, engine, person_years

#: Sesame's "poor" band ends at 550 and its seeking threshold in the scenario is 700 [points].
LOW, HIGH = 550, 700


def month_ends(start: _dt.date, n_days: int) -> list[int]:
    """Day indices (0-based) that are the last day of a calendar month, plus the run's last day."""
    out = [k for k in range(n_days)
           if (start + _dt.timedelta(days=k + 1)).month != (start + _dt.timedelta(days=k)).month]
    if not out or out[-1] != n_days - 1:
        out.append(n_days - 1)
    return out


class Measure:
    """Measures the friends' score assortativity monthly and the graph's degree at the end."""

    def __init__(self, sim: Any, options: dict[str, Any], arm: Any) -> None:
        self.sim = sim
        self.main = engine(sim, options.get("regime"))
        self.start = _dt.date.fromisoformat(sim.plan.horizon.start_date)
        self.due = set(month_ends(self.start, sim.n_days))
        self.low = float(options.get("low_score", LOW))
        self.high = float(options.get("high_score", HIGH))
        self.series: list[tuple[_dt.date, float]] = []

    def on_day(self, k: int) -> None:
        """On a month's last day, the correlation of scores across ties."""
        if k not in self.due:
            return
        n = self.sim.n_persons
        a = self.sim.society.friend_graph().assortativity(np.asarray(self.main.score[:n]))
        if not math.isnan(a):
            self.series.append((self.start + _dt.timedelta(days=k), a))

    def rows(self, metrics: pa.Table) -> list[Row]:
        """The study's metrics of this run."""
        sim = self.sim
        n = sim.n_persons
        py = person_years(sim)
        _, dropped = daily_sum(metrics, ["ties_dropped"])
        _, formed = daily_sum(metrics, ["ties_formed"])
        graph = sim.society.friend_graph()
        deg = np.asarray(graph.degree(np.arange(n)), np.float64)
        score = np.asarray(self.main.score[:n], np.float64)
        low, high = score < self.low, score >= self.high
        out: list[Row] = [
            ("ties_dropped_per_1000py", None, 1000.0 * float(dropped.sum()) / py),
            ("ties_formed_per_1000py", None, 1000.0 * float(formed.sum()) / py),
            ("mean_friends", None, float(deg.mean())),
            ("mean_score", None, float(score.mean())),
            ("share_below_550", None, float(low.mean())),
        ]
        if self.series:
            out.append(("score_assortativity", None, self.series[-1][1]))
            out.extend(("score_assortativity", d, v) for d, v in self.series)
        if low.any():
            out.append(("mean_friends_below_550", None, float(deg[low].mean())))
        if high.any():
            out.append(("mean_friends_from_700", None, float(deg[high].mean())))
        return out


def conclude(res: Any) -> list[str]:
    """How far the arms' final assortativity lies from zero, in words computed from the results."""
    out = []
    for arm in res.study.arms:
        m, lo, hi = res.value(arm.name, "score_assortativity")
        d, _, _ = res.value(arm.name, "ties_dropped_per_1000py")
        if math.isnan(m):
            continue
        out.append(f"In “{arm.name}” the scores of friends correlate at {m:.3f} (95 % interval "
                   f"{lo:.3f} to {hi:.3f}) at the end of the run, with {d:.1f} ties dropped per "
                   f"1,000 person-years.")
    return out
