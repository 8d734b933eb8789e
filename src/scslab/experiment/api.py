"""``scslab.Experiment``: sweeps, comparisons, sensitivity and calibration from Python.

Every method returns tidy Arrow tables (``.to_pandas()`` where pandas is installed) and can
write the same folder the command line writes::

    from scslab import Experiment
    ex = Experiment("rongcheng", persons=5_000, days=90, seeds=5, processes=2)
    res = ex.sweep({"behaviour.aware_share": [0.2, 0.8]})
    res.summary                      # mean, 95 % CI, n per arm, metric and date
    res.write("out/aware")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from scslab.experiment.executor import Executor, LocalExecutor, RunSpec
from scslab.experiment.params import Range
from scslab.experiment.sweep import SweepResult, run_sweep, seeds_from


class Experiment:
    """One scenario, one horizon and a set of replicate seeds, to run designs on.

    Args:
        scenario: a built-in scenario name or a scenario file.
        persons: persons per run (None: the scenario's).
        days: days per run (None: the scenario's).
        seeds: replicates per arm; seeds ``seed, seed+1, ...``.
        seed: the first seed (None: the scenario's).
        sets: overrides applied to every run (dotted keys, as ``--set``).
        processes: local processes (ignored when ``executor`` is given).
        executor: where runs execute (:mod:`scslab.experiment.executor`;
            :class:`~scslab.experiment.ray_executor.RayExecutor` for a Ray cluster).
    """

    def __init__(self, scenario: str | Path, *, persons: int | None = None, days: int | None = None,
                 seeds: int = 1, seed: int | None = None, sets: Mapping[str, Any] | None = None,
                 processes: int = 1, executor: Executor | None = None) -> None:
        self.scenario = str(scenario)
        self.persons, self.days = persons, days
        self.fixed = dict(sets or {})
        plan = self.base()
        self.seeds = seeds_from(seed if seed is not None else plan.horizon.seed, seeds)
        self.executor: Executor = executor or LocalExecutor(processes)
        here = getattr(self.executor, "runs_here", None)
        self._check_memory(plan, int(here if here is not None else getattr(self.executor, "processes", 1)))

    def _check_memory(self, plan: Any, at_once: int) -> None:
        """Refuse a design whose runs at once would not fit in this machine's memory.

        ``at_once`` 0: the runs execute elsewhere (a remote Ray cluster); nothing to check here.
        """
        from scslab.memory import check_memory

        if at_once < 1:
            return
        where = "--persons" if self.persons is not None else f"{self.scenario}: [horizon] persons"
        check_memory(plan.horizon.persons * at_once, len(plan.rulebooks), where)

    def base(self) -> Any:
        """The resolved plan of the scenario with the fixed overrides (checks them), at its own seed."""
        from scslab.sim.resolve import resolve

        return resolve(self.scenario, persons=self.persons, days=self.days, sets=dict(self.fixed))

    def sweep(self, axes: Mapping[str, Sequence[Any]] | None = None, *,
              hurt: bool = False) -> SweepResult:
        """Run the grid of ``axes`` (dotted path -> values) at every seed; no axes: replicates.

        ``hurt``: also measure who is hurt in every run (metrics ``hurt/...``).
        """
        return run_sweep(self.scenario, axes or {}, self.seeds, persons=self.persons,
                         days=self.days, fixed=self.fixed, executor=self.executor, hurt=hurt)

    def sensitivity(self, params: Sequence[Range], *, method: str = "morris",
                    samples: int = 8) -> Any:
        """Sensitivity indices of every scalar metric to ``params`` (SALib); see ``sensitivity``."""
        from scslab.experiment.sensitivity import run_sensitivity

        return run_sensitivity(self, list(params), method=method, samples=samples)

    def calibrate(self, targets: Any, params: Sequence[Range], *, trials: int = 20) -> Any:
        """Fit ``params`` to ``targets`` with Optuna; see :mod:`scslab.experiment.calibrate`."""
        from scslab.experiment.calibrate import run_calibration

        return run_calibration(self, targets, list(params), trials=trials)

    def who_is_hurt(self) -> tuple[Any, Any]:
        """Who is hurt, per seed: ``(long, summary)`` tables (:mod:`scslab.experiment.hurt`)."""
        from scslab.experiment.hurt import hurt_over_seeds
        from scslab.experiment.spec import hurt_of

        specs = [RunSpec(self.scenario, self.persons, self.days, s, self.fixed) for s in self.seeds]
        specs[0].resolve()
        return hurt_over_seeds(list(self.executor.map(hurt_of, specs)), self.seeds)

    def __repr__(self) -> str:
        return (f"Experiment({self.scenario!r}, persons={self.persons}, days={self.days}, "
                f"seeds={self.seeds}, sets={self.fixed})")


def compare(run_dirs: Sequence[str | Path]) -> Any:
    """Compare run folders; see :func:`scslab.experiment.compare.compare_runs`."""
    from scslab.experiment.compare import compare_runs

    return compare_runs(run_dirs)
