"""Sweeps: a grid of overrides × replicate seeds, run and summarised.

Each arm is one combination of the grid's values; each arm runs once per seed. Arms share
their seeds, so the same seed gives every arm the same persons and the same luck (common
random numbers, docs/architecture.md#randomness) and differences between arms at one seed are
the parameters' doing.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scslab.errors import InputError
from scslab.experiment.executor import Executor, LocalExecutor, RunSpec, check_specs, run_spec
from scslab.experiment.stats import summarise
from scslab.limits import SEED


def arm_label(values: Mapping[str, Any]) -> str:
    """An arm's name: ``path=value`` pairs joined by ``, `` (``baseline`` for no parameters)."""
    if not values:
        return "baseline"
    return ", ".join(f"{k}={json.dumps(v, separators=(',', ':'))}" for k, v in values.items())


def grid(axes: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the axes' values, the last axis varying fastest."""
    keys = list(axes)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*axes.values())]


def param_column(values: list[Any]) -> pa.Array:
    """One parameter's values as a column: float64 when all are numbers, else JSON text."""
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return pa.array([float(v) for v in values], pa.float64())
    return pa.array([v if isinstance(v, str) else json.dumps(v) for v in values], pa.string())


@dataclass
class SweepResult:
    """A finished sweep: ``results`` (one row per run, metric and date) and ``summary``.

    ``results`` columns: ``arm``, ``run``, ``seed``, one column per swept parameter, then
    ``metric``, ``date`` (null for a run's scalar), ``value``. ``summary``: ``arm``, the
    parameters, ``metric``, ``date``, ``mean``, ``ci_low``, ``ci_high`` (95 %, Student t over
    seeds), ``n``.
    """

    scenario: str
    arms: list[dict[str, Any]]
    seeds: list[int]
    fixed: dict[str, Any]
    persons: int | None
    days: int | None
    results: pa.Table
    summary: pa.Table

    def scalars(self) -> pa.Table:
        """The summary's scalar rows (``date`` null): one value per arm and metric."""
        return self.summary.filter(pc.is_null(self.summary.column("date")))

    def differences(self) -> pa.Table:
        """Paired differences of each arm from the first arm, seed by seed, for every scalar metric.

        Arms share seeds, so ``arm - reference`` at one seed removes the noise the two runs have
        in common (common random numbers); returns ``arm``, ``reference``, ``metric``, ``mean``,
        ``ci_low``, ``ci_high`` (95 %, Student t over seeds), ``n``. Empty for one arm.
        """
        sc = self.results.filter(pc.is_null(self.results.column("date"))).select(
            ["arm", "seed", "metric", "value"])
        ref = arm_label(self.arms[0]) if self.arms else ""
        base = sc.filter(pc.equal(sc.column("arm"), ref)).select(["seed", "metric", "value"])
        others = sc.filter(pc.not_equal(sc.column("arm"), ref))
        joined = others.join(base.rename_columns(["seed", "metric", "ref_value"]),
                             keys=["seed", "metric"], join_type="inner")
        diff = pa.table({"arm": joined.column("arm"), "metric": joined.column("metric"),
                         "value": pc.subtract(joined.column("value"), joined.column("ref_value"))})
        out = summarise(diff, ["arm", "metric"])
        return out.add_column(1, "reference", pa.array([ref] * out.num_rows, pa.string()))

    def design(self) -> dict[str, Any]:
        """The design as JSON-ready data (recorded in the folder's manifest)."""
        return {"scenario": self.scenario, "persons": self.persons, "days": self.days,
                "seeds": self.seeds, "fixed": self.fixed,
                "arms": [{"arm": arm_label(a), "values": a} for a in self.arms]}

    def write(self, out: str | Path, force: bool = False) -> Path:
        """Write ``results.parquet``, ``summary.parquet``, ``differences.parquet``, ``report.html``."""
        from scslab.experiment.folder import write_folder
        from scslab.experiment.report import sweep_report
        from scslab.io import write_parquet, write_text

        return write_folder(out, "sweep", {
            "results.parquet": lambda p: write_parquet(p, self.results),
            "summary.parquet": lambda p: write_parquet(p, self.summary),
            "differences.parquet": lambda p: write_parquet(p, self.differences()),
            "report.html": lambda p: write_text(p, sweep_report(self)),
        }, self.design(), force)


def seeds_from(first: int, n: int) -> list[int]:
    """``n`` consecutive seeds from ``first``, checked against the seed limits."""
    if n < 1:
        raise InputError(f"option --seeds: at least 1 is needed, got {n}")
    last = first + n - 1
    problem = SEED.problem(last)
    if problem:
        raise InputError(f"option --seeds: seed {last}: {problem}")
    return list(range(first, last + 1))


def run_sweep(scenario: str, axes: Mapping[str, Sequence[Any]], seeds: Sequence[int], *,
              persons: int | None = None, days: int | None = None,
              fixed: Mapping[str, Any] | None = None,
              executor: Executor | None = None, hurt: bool = False) -> SweepResult:
    """Run every arm of ``axes`` (plus the ``fixed`` overrides) at every seed.

    Every arm is resolved before any run starts, so a bad value fails at once. With ``hurt``,
    each run also yields the who-is-hurt table as metrics ``hurt/<dimension>/<group>/<metric>``.
    """
    fixed = dict(fixed or {})
    clash = sorted(set(fixed) & set(axes))
    if clash:
        raise InputError(f"option --set: {clash[0]!r} is both fixed and swept")
    arms = grid(axes)
    specs = [RunSpec(scenario, persons, days, s, {**fixed, **a}, hurt) for a in arms for s in seeds]
    check_specs(specs)
    tables = list((executor or LocalExecutor()).map(run_spec, specs))
    results = _stack(arms, list(seeds), tables, list(axes))
    summary = _summary(results, arms, list(axes))
    return SweepResult(scenario, arms, list(seeds), fixed, persons, days, results, summary)


def _stack(arms: list[dict[str, Any]], seeds: list[int], tables: list[pa.Table],
           params: list[str]) -> pa.Table:
    """One table of every run's metrics, with the run's arm, index, seed and parameters."""
    sizes = np.array([t.num_rows for t in tables], np.int64)
    run = np.repeat(np.arange(len(tables), dtype=np.int64), sizes)
    arm_of_run = [arms[i // len(seeds)] for i in range(len(tables))]
    body = pa.concat_tables(tables)
    take = pa.array(run)
    cols: dict[str, Any] = {
        "arm": pa.array([arm_label(a) for a in arm_of_run], pa.string()).take(take),
        "run": pa.array(run),
        "seed": pa.array(np.array([seeds[i % len(seeds)] for i in range(len(tables))],
                                  np.int64)[run]),
    }
    for p in params:
        per_run = param_column([a[p] for a in arm_of_run])
        cols[p] = per_run.take(take)
    cols.update({c: body.column(c) for c in body.column_names})
    return pa.table(cols)


def _summary(results: pa.Table, arms: list[dict[str, Any]], params: list[str]) -> pa.Table:
    s = summarise(results.select(["arm", "metric", "date", "value"]), ["arm", "metric", "date"])
    labels = s.column("arm").to_pylist()
    by_label = {arm_label(a): a for a in arms}
    cols: dict[str, Any] = {"arm": s.column("arm")}
    for p in params:
        cols[p] = param_column([by_label[lab][p] for lab in labels])
    for c in s.column_names[1:]:
        cols[c] = s.column(c)
    return pa.table(cols)
