"""Calibration through Optuna: parameter values that bring a scenario's metrics to targets.

Targets are a CSV with the header ``metric,date,value`` (and an optional ``weight``): a metric
name as in :mod:`scslab.experiment.metrics`, an ISO date (empty for the run's scalar: the total
of a flow, the last-day value of a stock) and the published value. Each trial runs the
experiment's seeds at one point of the ranges (the same seeds every trial: common random
numbers) and scores the mean over seeds by the weighted mean squared relative error
``((sim - target) / target)²`` (absolute error where the target is 0). Optuna's TPE sampler,
seeded with the first seed, proposes the points; ``processes`` trials run at once.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from scslab import inputfile
from scslab.errors import InputError
from scslab.experiment.executor import RunSpec, check_specs, run_spec
from scslab.experiment.params import Range
from scslab.experiment.stats import interval

if TYPE_CHECKING:
    from scslab.experiment.api import Experiment

TARGET_COLUMNS = ("metric", "date", "value")


def read_targets(path: str | Path) -> pa.Table:
    """Read a targets CSV: ``metric``, ``date`` (ISO or empty), ``value``, optional ``weight``.

    Raises:
        InputError: the file cannot be read, lacks a column, or has a bad date or number
            (the message names the file, line and column).
    """
    p = Path(path)
    text = inputfile.read_text(p, "targets file")
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    missing = [c for c in TARGET_COLUMNS if c not in header]
    if missing:
        raise InputError(f"targets file lacks column(s) {', '.join(missing)}; expected "
                         "metric,date,value[,weight]", file=p, line=1)
    rows: dict[str, list[Any]] = {"metric": [], "date": [], "target": [], "weight": []}
    for i, row in enumerate(reader, start=2):
        metric = (row.get("metric") or "").strip()
        if not metric:
            raise InputError("empty metric", file=p, line=i, key="metric")
        d = (row.get("date") or "").strip()
        try:
            day = dt.date.fromisoformat(d) if d else None
        except ValueError:
            raise InputError(f"date {d[:30]!r} is not an ISO date (YYYY-MM-DD)", file=p, line=i,
                             key="date") from None
        nums = []
        for col, default in (("value", None), ("weight", "1")):
            raw = (row.get(col) or default or "").strip()
            try:
                x = float(raw)
            except ValueError:
                x = math.nan
            if not math.isfinite(x) or (col == "weight" and x < 0):
                raise InputError(f"{col} {raw[:30]!r} is not a {'non-negative ' if col == 'weight' else ''}"
                                 "finite number", file=p, line=i, key=col)
            nums.append(x)
        rows["metric"].append(metric)
        rows["date"].append(day)
        rows["target"].append(nums[0])
        rows["weight"].append(nums[1])
    if not rows["metric"]:
        raise InputError("targets file has no targets", file=p)
    return pa.table({"metric": pa.array(rows["metric"], pa.string()),
                     "date": pa.array(rows["date"], pa.date32()),
                     "target": pa.array(rows["target"], pa.float64()),
                     "weight": pa.array(rows["weight"], pa.float64())})


def _optuna() -> Any:
    try:
        import optuna
    except ImportError:
        raise InputError("calibrate needs Optuna: pip install 'scslab[experiments]'") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def _lookup(metrics: pa.Table, targets: pa.Table) -> np.ndarray:
    """Each target's simulated value in one run's metrics (nan where the run lacks it)."""
    key = {(m, d): v for m, d, v in zip(metrics.column("metric").to_pylist(),
                                         metrics.column("date").to_pylist(),
                                         metrics.column("value").to_pylist(), strict=True)}
    return np.array([key.get((m, d), math.nan) for m, d in zip(targets.column("metric").to_pylist(),
                                                                targets.column("date").to_pylist(),
                                                                strict=True)], np.float64)


def loss(sim: np.ndarray, target: np.ndarray, weight: np.ndarray) -> float:
    """Weighted mean squared relative error (absolute where the target is 0); inf if any is nan."""
    if np.any(~np.isfinite(sim)):
        return math.inf
    scale = np.where(target == 0, 1.0, np.abs(target))
    return float(np.sum(weight * ((sim - target) / scale) ** 2) / max(np.sum(weight), 1e-300))


def _check_found(sim: np.ndarray, targets: pa.Table) -> None:
    bad = np.flatnonzero(np.isnan(sim[0]))
    if len(bad):
        i = int(bad[0])
        raise InputError(f"targets file: metric {targets.column('metric')[i].as_py()!r} (date "
                         f"{targets.column('date')[i].as_py() or 'empty'}) is not among the run's "
                         "metrics, or not on that date (docs/experiments.md lists them)", key="metric")


@dataclass
class CalibrationResult:
    """The best point, every trial (``history``) and the best trial's ``fit`` to the targets."""

    params: list[Range]
    best_params: dict[str, float | int]
    best_loss: float
    history: pa.Table
    fit: pa.Table
    design: dict[str, Any]

    def write(self, out: str | Path, force: bool = False) -> Path:
        """Write ``best.json``, ``history.parquet``, ``fit.parquet``, ``fit.png``, ``report.html``."""
        from scslab.experiment.folder import write_bytes, write_folder
        from scslab.experiment.plots import calibration_png
        from scslab.experiment.report import page, section, table_rows
        from scslab.io import write_json, write_parquet, write_text

        png = calibration_png(self)
        cols = ["metric", "date", "target", "simulated", "ci_low", "ci_high", "rel_error"]
        html = page(f"Calibration of {self.design['scenario']}", [
            f"{self.history.num_rows} trials × {len(self.design['seeds'])} seed(s); best loss "
            f"{self.best_loss:.4g} (weighted mean squared relative error)."],
            [section("Best parameters", ["parameter", "value", "range"],
                     [[r.path, self.best_params[r.path], f"{r.low:g}..{r.high:g}"] for r in self.params]),
             section("Fit at the best parameters", cols, table_rows(self.fit, cols), png=png)])
        return write_folder(out, "calibrate", {
            "best.json": lambda p: write_json(p, {"params": self.best_params, "loss": self.best_loss}),
            "history.parquet": lambda p: write_parquet(p, self.history),
            "fit.parquet": lambda p: write_parquet(p, self.fit),
            "fit.png": lambda p: write_bytes(p, png),
            "report.html": lambda p: write_text(p, html),
        }, self.design, force)


def run_calibration(ex: Experiment, targets: pa.Table, params: Sequence[Range], *,
                    trials: int = 20) -> CalibrationResult:
    """Search the ranges for the point whose mean over seeds fits ``targets`` best."""
    optuna = _optuna()
    if trials < 1:
        raise InputError(f"option --trials: at least 1 is needed, got {trials}")
    params = list(params)
    if not params:
        raise InputError("option --param: at least one PATH=LOW:HIGH is needed")
    base = [RunSpec(ex.scenario, ex.persons, ex.days, ex.seeds[0],
                    {**ex.fixed, **{r.path: r.value(v) for r, v in zip(params, pair, strict=True)}})
            for pair in ((r.low for r in params), (r.high for r in params))]
    check_specs(base)  # both corners resolve: a bad path or value fails before any run
    target = targets.column("target").to_numpy()
    weight = targets.column("weight").to_numpy()
    study = optuna.create_study(direction="minimize",
                                sampler=optuna.samplers.TPESampler(seed=ex.seeds[0] % 2**32))
    batch = max(1, getattr(ex.executor, "processes", 1))
    sims: list[np.ndarray] = []  # per trial: seeds x targets
    points: list[dict[str, float | int]] = []
    while len(points) < trials:
        asked = [study.ask() for _ in range(min(batch, trials - len(points)))]
        pts = [{r.path: (t.suggest_int(r.path, int(r.low), int(r.high)) if r.integer
                         else t.suggest_float(r.path, r.low, r.high)) for r in params} for t in asked]
        specs = [RunSpec(ex.scenario, ex.persons, ex.days, s, {**ex.fixed, **pt})
                 for pt in pts for s in ex.seeds]
        tables = list(ex.executor.map(run_spec, specs))
        n = len(ex.seeds)
        for i, (t, pt) in enumerate(zip(asked, pts, strict=True)):
            sim = np.stack([_lookup(m, targets) for m in tables[i * n:(i + 1) * n]])
            sims.append(sim)
            points.append(pt)
            study.tell(t, loss(sim.mean(axis=0), target, weight))
        if len(points) == len(pts):  # after the first batch: every target must exist
            _check_found(sims[0], targets)
    losses = [float(t.value) for t in study.trials]
    best = int(np.argmin(losses))
    hist: dict[str, Any] = {"trial": pa.array(np.arange(len(points), dtype=np.int64))}
    for r in params:
        hist[r.path] = pa.array([float(p[r.path]) for p in points], pa.float64())
    hist["loss"] = pa.array(losses, pa.float64())
    sim = sims[best]
    mean = sim.mean(axis=0)
    sd = sim.std(axis=0, ddof=1) if sim.shape[0] > 1 else np.full(len(mean), np.nan)
    lo, hi = interval(mean, sd, np.full(len(mean), sim.shape[0]))
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(target == 0, np.nan, (mean - target) / np.abs(target))
    fit = pa.table({"metric": targets.column("metric"), "date": targets.column("date"),
                    "target": targets.column("target"), "simulated": pa.array(mean),
                    "ci_low": pa.array(lo, from_pandas=True), "ci_high": pa.array(hi, from_pandas=True),
                    "rel_error": pa.array(rel, from_pandas=True)})
    design = {"scenario": ex.scenario, "persons": ex.persons, "days": ex.days, "seeds": ex.seeds,
              "trials": trials, "fixed": ex.fixed,
              "params": [{"path": r.path, "low": r.low, "high": r.high, "integer": r.integer}
                         for r in params]}
    return CalibrationResult(params, points[best], losses[best], pa.table(hist), fit, design)
