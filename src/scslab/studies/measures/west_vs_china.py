"""West vs China (seeds 000, 002): one society under one regime at a time.

Counted over persons (organisations never), in the run's one regime or all of its regimes:

* ``share_restricted``: share of persons holding a restriction on the last day (by their own
  status, ``restrictions_held``); ``share_ever_restricted``: at some day of the run;
* ``denials_per_py``: service requests the gates denied (every service, spillovers to a
  child's guardians included), per person-year;
* ``mean_restriction_days``: mean days restricted per person ever restricted in the run
  (0 where no one was);
* ``share_with_privileges``: share of persons holding a privilege on the last day (a red list,
  a good band's perks): what a negative-only regime never grants.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from scslab.studies.measures.common import Row, person_years, total


class Measure:
    """Per-person restricted days; privileges and restrictions on the last day."""

    def __init__(self, sim: Any, options: dict[str, Any], arm: Any) -> None:
        self.sim = sim
        self.persons = np.arange(sim.n_persons, dtype=np.int64)
        self.days = np.zeros(sim.n_persons, np.int64)
        self.now = np.zeros(sim.n_persons, bool)

    def on_day(self, k: int) -> None:
        """Who is restricted after day index ``k``."""
        held = np.zeros(len(self.persons), bool)
        for e in self.sim.engines:
            held |= np.asarray(e.restrictions_held(self.persons)) > 0
        self.days += held
        self.now = held

    def privileged(self) -> np.ndarray:
        """Whether each person holds some privilege now (one look per person and regime)."""
        out = np.zeros(len(self.persons), bool)
        for e in self.sim.engines:
            for p in self.persons:
                if not out[p] and e.consequences(int(p))[1]:
                    out[p] = True
        return out

    def rows(self, metrics: pa.Table) -> list[Row]:
        """The study's metrics of this run."""
        sim = self.sim
        ever = self.days > 0
        names = [f"denied/{s}" for s in sim.gates.service_ids] if sim.gates is not None else []
        names += [f"{n}_family_spillover" for n in names]
        denied = total(metrics, names)
        return [
            ("share_restricted", None, float(self.now.mean())),
            ("share_ever_restricted", None, float(ever.mean())),
            ("denials_per_py", None, denied / person_years(sim)),
            ("mean_restriction_days", None, float(self.days[ever].mean()) if ever.any() else 0.0),
            ("share_with_privileges", None, float(self.privileged().mean())),
        ]
