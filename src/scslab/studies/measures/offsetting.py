"""Offsetting (seed 004): harm, how often a deduction is bought back within a year, low grades.

``share_deductions_offset_1y``: of the persons whose main score (the scenario's first scored
regime) fell on some day, at least 365 days before the run's end, the share whose score was
back at its level before that first fall within 365 days. A pass over the persons a day.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from scslab.studies.measures.common import (
    Row,
    acts_of_kind,
    band_shares,
    engine,
    monthly_rate,
    occurred_per_1000py,
)

NEVER = np.iinfo(np.int32).max
WINDOW = 365  # days within which a deduction counts as offset [days]


class Measure:
    """Tracks each person's first fall of the main score and whether it was made good."""

    def __init__(self, sim: Any, options: dict[str, Any], arm: Any) -> None:
        self.sim = sim
        self.main = engine(sim, options.get("main_regime"))
        n = sim.n_persons
        self.prev = np.asarray(self.main.score[:n], np.int64).copy()
        self.fell = np.full(n, NEVER, np.int32)
        self.before = np.zeros(n, np.int64)
        self.back = np.full(n, NEVER, np.int32)
        self.below = options.get("below_bands", ["C", "D"])

    def on_day(self, k: int) -> None:
        """Note first falls and recoveries after day index ``k``."""
        s = np.asarray(self.main.score[: self.sim.n_persons], np.int64)
        new = (s < self.prev) & (self.fell == NEVER)
        self.fell[new] = k
        self.before[new] = self.prev[new]
        made_good = (self.fell != NEVER) & (self.back == NEVER) & (s >= self.before)
        self.back[made_good] = k
        self.prev = s.copy()

    def rows(self, metrics: pa.Table) -> list[Row]:
        """The study's metrics of this run."""
        sim = self.sim
        window = min(WINDOW, sim.n_days // 2)
        eligible = self.fell <= sim.n_days - 1 - window
        offset = eligible & (self.back.astype(np.int64) - self.fell <= window)
        share_offset = float(offset.sum()) / max(int(eligible.sum()), 1)
        shares = band_shares(sim, self.main)
        harmful = [f"occurred/{a}" for a in acts_of_kind(sim, "harmful")]
        prosocial = [f"occurred/{a}" for a in acts_of_kind(sim, "prosocial")]
        return [
            ("harmful_acts_per_1000py", None, occurred_per_1000py(sim, metrics, "harmful")),
            ("prosocial_acts_per_1000py", None, occurred_per_1000py(sim, metrics, "prosocial")),
            ("share_deductions_offset_1y", None, share_offset),
            ("persons_with_a_deduction", None, float(eligible.sum())),
            ("share_below_B", None, sum(v for b, v in shares.items() if b in self.below)),
            *monthly_rate(sim, metrics, harmful, "harmful_acts_per_1000py"),
            *monthly_rate(sim, metrics, prosocial, "prosocial_acts_per_1000py"),
        ]
