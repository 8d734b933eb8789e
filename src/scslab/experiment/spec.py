"""One run of an experiment: what it is (:class:`RunSpec`) and what it yields (:func:`run_spec`)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from scslab.experiment.hurt import HurtTracker
from scslab.experiment.metrics import SCHEMA, run_metrics


@dataclass(frozen=True)
class RunSpec:
    """One run of an experiment.

    Args:
        scenario: a built-in scenario name or a scenario file.
        persons: persons (None: the scenario's).
        days: days (None: the scenario's).
        seed: the run seed; arms that share it share persons and luck (common random numbers).
        sets: the dotted overrides that make this run's arm.
        hurt: also gather the who-is-hurt table (:mod:`scslab.experiment.hurt`), as metrics
            ``hurt/<dimension>/<group>/<metric>`` (scalars); costs a pass over the persons a day.
    """

    scenario: str
    persons: int | None
    days: int | None
    seed: int
    sets: Mapping[str, Any] = field(default_factory=dict)
    hurt: bool = False

    def resolve(self) -> Any:
        """The resolved plan (checks the overrides like the scenario file itself)."""
        from scslab.sim.resolve import resolve

        return resolve(self.scenario, persons=self.persons, days=self.days, seed=self.seed,
                       sets=dict(self.sets))


def _simulate(spec: RunSpec) -> tuple[Any, HurtTracker | None]:
    """Run ``spec`` without a run folder; the result, and the tracker if ``spec.hurt``."""
    from scslab.sim.loop import Simulation
    from scslab.sim.run import RunResult

    plan = spec.resolve()
    t0 = time.perf_counter()
    sim = Simulation(plan, keep_ledger=False).init()
    tracker = HurtTracker(sim) if spec.hurt else None
    daily = sim.run(on_day=None if tracker is None else tracker.on_day)
    return RunResult(sim, daily, None, time.perf_counter() - t0), tracker


def run_spec(spec: RunSpec) -> pa.Table:
    """Run ``spec`` (no run folder) and return its tidy metrics table.

    With ``spec.hurt`` the who-is-hurt table is added as scalar metrics.
    """
    res, tracker = _simulate(spec)
    metrics = run_metrics(res.daily_table())
    if tracker is None:
        return metrics
    h = tracker.table()
    names = pc.binary_join_element_wise("hurt", h.column("dimension"), h.column("group"),
                                        h.column("metric"), "/")
    extra = pa.table({"metric": names.cast(pa.string()), "date": pa.nulls(h.num_rows, pa.date32()),
                      "value": h.column("value")}, schema=SCHEMA)
    return pa.concat_tables([metrics, extra])


def hurt_of(spec: RunSpec) -> pa.Table:
    """Run ``spec`` and return its who-is-hurt table (``dimension``, ``group``, ``metric``, ``value``)."""
    _, tracker = _simulate(RunSpec(spec.scenario, spec.persons, spec.days, spec.seed, spec.sets, True))
    assert tracker is not None
    return tracker.table()
