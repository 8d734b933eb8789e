"""Running a study: every arm × replicate seed through an executor, then mean and 95 % CI.

Arms share their seeds (common random numbers), so each arm meets the same persons and the same
luck and a difference at one seed is the arm's doing. A run yields the study's own metrics (its
measure module), the who-is-hurt table as ``hurt/<dimension>/<group>/<metric>`` and nothing
else; the study's ``results.parquet`` has one row per arm, metric and date.
"""

from __future__ import annotations

import datetime as _dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scslab.experiment.stats import summarise
from scslab.studies.spec import Size, Study, load_study

#: The columns of a study's ``results.parquet`` (issue 9, docs/studies.md).
RESULTS = pa.schema([("study", pa.string()), ("arm", pa.string()), ("metric", pa.string()),
                     ("date", pa.date32()), ("mean", pa.float64()), ("ci_low", pa.float64()),
                     ("ci_high", pa.float64()), ("replicates", pa.int64())])
RUN_ROWS = pa.schema([("metric", pa.string()), ("date", pa.date32()), ("value", pa.float64())])
#: Replicate seeds are FIRST_SEED, FIRST_SEED + 1, ... in every arm.
FIRST_SEED = 1


@dataclass(frozen=True)
class Job:
    """One run of a study: which study (name or file), arm index, seed and size. Picklable."""

    study: str
    arm: int
    seed: int
    size: Size


def run_job(job: Job) -> pa.Table:
    """Run one arm at one seed; its metrics as ``metric``, ``date``, ``value`` rows.

    A measure whose run trips a declared rule (the backlash study's outcry) may ask for the
    rule's consequence through ``follow_up()``: dated timeline events, such as the regime's end.
    The arm is then run again at the same seed with those events added to its timeline, and the
    rows come from that second run, whose measure is handed the first run's measure as
    ``previous`` and its metrics as ``previous_metrics``. Keyed
    randomness makes the two runs identical up to the first added date, so this is the run in
    which the rule acted on the day it tripped.
    """
    study = load_study(job.study)
    arm = study.arms[job.arm]
    sim, measure, hurt, metrics = run_arm(study, arm, job, dict(arm.sets))
    follow = getattr(measure, "follow_up", None)
    events = follow() if follow is not None else None
    if events:
        sets = dict(arm.sets)
        sets["timeline"] = [e.model_dump(exclude_defaults=True)
                            for e in (sim.plan.scenario.timeline or [])] + list(events)
        first, first_metrics = measure, metrics
        sim, measure, hurt, metrics = run_arm(study, arm, job, sets)
        measure.previous, measure.previous_metrics = first, first_metrics
    rows = list(measure.rows(metrics))
    h = hurt.table()
    for d, g, m, v in zip(*(h.column(c).to_pylist() for c in ("dimension", "group", "metric", "value")),
                          strict=True):
        rows.append((f"hurt/{d}/{g}/{m}", None, v))
    return pa.table({"metric": [r[0] for r in rows], "date": [r[1] for r in rows],
                     "value": [float(r[2]) for r in rows]}, schema=RUN_ROWS)


def run_arm(study: Study, arm: Any, job: Job, sets: dict[str, Any]) -> tuple[Any, Any, Any, pa.Table]:
    """One simulation of ``arm`` at the job's seed and size: (sim, measure, hurt, metrics)."""
    from scslab.experiment.hurt import HurtTracker
    from scslab.experiment.metrics import run_metrics
    from scslab.sim.loop import Simulation
    from scslab.sim.resolve import resolve
    from scslab.sim.run import RunResult
    from scslab.studies.measures import measure_module

    plan = resolve(arm.scenario or study.scenario, persons=job.size.persons, days=job.size.days,
                   seed=job.seed, sets=sets)
    mod = measure_module(study.measures)
    keep = bool(getattr(mod.Measure, "keep_ledger", False))
    t0 = time.perf_counter()
    sim = Simulation(plan, keep_ledger=keep).init()
    measure = mod.Measure(sim, dict(study.options), arm)
    hurt = HurtTracker(sim)

    def on_day(k: int) -> None:
        measure.on_day(k)
        hurt.on_day(k)

    daily = sim.run(on_day=on_day)
    metrics = run_metrics(RunResult(sim, daily, None, time.perf_counter() - t0).daily_table())
    return sim, measure, hurt, metrics


@dataclass
class StudyResult:
    """A finished study: per-run rows, the summary (``results.parquet``) and the design."""

    study: Study
    source: str  # the name or file it was loaded from
    quick: bool
    size: Size
    seeds: list[int]
    runs: pa.Table  # arm, seed, metric, date, value
    results: pa.Table  # RESULTS
    seconds: float
    extra: dict[str, bytes] = field(default_factory=dict)

    def __repr__(self) -> str:  # the dataclass repr would print every table in full
        return (f"<StudyResult {self.study.name}: {len(self.study.arms)} arms × "
                f"{self.size.replicates} replicates, {self.size.persons:,} persons × "
                f"{self.size.days:,} days, {'quick' if self.quick else 'full'}>")

    def _repr_html_(self) -> str:
        """A short table for notebooks: the question, design, claim's verdict and headline values."""
        from scslab.reprs import SYNTHETIC_NOTE, html_table
        from scslab.studies.conclude import claim_verdict

        rows: list[tuple[str, object]] = [
            ("question", self.study.question), ("seed", self.study.seed),
            ("arms", ", ".join(a.name for a in self.study.arms)),
            ("size", f"{self.size.persons:,} persons × {self.size.days:,} days × "
                     f"{self.size.replicates} replicates ({'quick' if self.quick else 'full'})")]
        verdict = claim_verdict(self)
        if verdict is not None:
            rows.append(("the seed's claim", verdict))
        for m in self.study.metrics:
            for a in self.study.arms:
                mean, lo, hi = self.value(a.name, m)
                rows.append((f"{m} ({a.name})", f"{mean:.4g} [{lo:.4g}, {hi:.4g}]"))
        return html_table(f"Study {self.study.name}", rows, note=SYNTHETIC_NOTE)

    def scalars(self) -> pa.Table:
        """The summary's scalar rows (``date`` null)."""
        return self.results.filter(pc.is_null(self.results.column("date")))

    def paired(self) -> pa.Table:
        """Each arm minus the first arm, seed by seed, for every scalar metric: mean, CI, n.

        Columns ``arm``, ``metric``, ``mean``, ``ci_low``, ``ci_high``, ``n``; empty for one arm.
        """
        sc = self.runs.filter(pc.is_null(self.runs.column("date"))).select(
            ["arm", "seed", "metric", "value"])
        ref = self.study.arms[0].name
        base = sc.filter(pc.equal(sc.column("arm"), ref)).select(["seed", "metric", "value"])
        others = sc.filter(pc.not_equal(sc.column("arm"), ref))
        joined = others.join(base.rename_columns(["seed", "metric", "ref"]), keys=["seed", "metric"],
                             join_type="inner")
        diff = pa.table({"arm": joined.column("arm"), "metric": joined.column("metric"),
                         "value": pc.subtract(joined.column("value"), joined.column("ref"))})
        return summarise(diff, ["arm", "metric"])

    def value(self, arm: str, metric: str) -> tuple[float, float, float]:
        """``(mean, ci_low, ci_high)`` of a scalar metric in one arm (nan where absent).

        A bound is absent where only one replicate has the metric.
        """
        sc = self.scalars()
        m = sc.filter(pc.and_(pc.equal(sc.column("arm"), arm), pc.equal(sc.column("metric"), metric)))
        if m.num_rows == 0:
            return (float("nan"),) * 3
        got = [m.column(c)[0].as_py() for c in ("mean", "ci_low", "ci_high")]
        return tuple(float("nan") if v is None else float(v) for v in got)  # type: ignore[return-value]

    def write(self, out: str | Path, force: bool = False) -> Path:
        """Write ``results.parquet``, ``runs.parquet``, ``report.html`` and ``study.toml``."""
        from scslab.experiment.folder import write_folder
        from scslab.io import write_parquet, write_text
        from scslab.studies.report import design_toml, study_report

        writers: dict[str, Any] = {
            "results.parquet": lambda p: write_parquet(p, self.results),
            "runs.parquet": lambda p: write_parquet(p, self.runs),
            "report.html": lambda p: write_text(p, study_report(self)),
            "study.toml": lambda p: write_text(p, design_toml(self)),
        }
        for name, data in self.extra.items():
            writers[name] = (lambda d: lambda p: Path(p).write_bytes(d))(data)
        return write_folder(out, "study", writers, {
            "study": self.study.name, "quick": self.quick, "seeds": self.seeds,
            "persons": self.size.persons, "days": self.size.days, "seconds": round(self.seconds, 3),
        }, force)


def run_study(name: str | Path, *, quick: bool = False, replicates: int | None = None,
              executor: Any = None) -> StudyResult:
    """Run study ``name`` (a built-in name or file) at its full or quick size.

    Args:
        name: a built-in study's name or a study TOML file.
        quick: the study's small size (``[quick]``), for CI and a first look.
        replicates: seeds per arm (None: the size's).
        executor: where runs go (:mod:`scslab.experiment.executor`; default this process).
    """
    from scslab.experiment.executor import LocalExecutor
    from scslab.sim.resolve import resolve
    from scslab.studies.measures import measure_module

    study = load_study(name)
    size = study.quick if quick else study.full
    if replicates is not None:
        size = Size(persons=size.persons, days=size.days, replicates=replicates)
    seeds = list(range(FIRST_SEED, FIRST_SEED + size.replicates))
    for a in study.arms:  # a bad arm fails before anything runs
        resolve(a.scenario or study.scenario, persons=size.persons, days=size.days, sets=dict(a.sets))
    mod = measure_module(study.measures)
    jobs = [Job(str(name), i, s, size) for i in range(len(study.arms)) for s in seeds]
    t0 = time.perf_counter()
    tables = list((executor or LocalExecutor()).map(run_job, jobs))  # type: ignore[arg-type]
    seconds = time.perf_counter() - t0
    runs = _stack(study, jobs, tables)
    results = _results(study, runs)
    res = StudyResult(study, str(name), quick, size, seeds, runs, results, seconds)
    extra = getattr(mod, "extra_files", None)
    if extra is not None:
        res.extra = dict(extra(res))
    return res


def _stack(study: Study, jobs: list[Job], tables: list[pa.Table]) -> pa.Table:
    sizes = np.array([t.num_rows for t in tables], np.int64)
    idx = pa.array(np.repeat(np.arange(len(tables)), sizes))
    body = pa.concat_tables(tables)
    return pa.table({
        "arm": pa.array([study.arms[j.arm].name for j in jobs], pa.string()).take(idx),
        "seed": pa.array([j.seed for j in jobs], pa.int64()).take(idx),
        **{c: body.column(c) for c in body.column_names}})


def _results(study: Study, runs: pa.Table) -> pa.Table:
    s = summarise(runs.select(["arm", "metric", "date", "value"]), ["arm", "metric", "date"])
    order = {a.name: i for i, a in enumerate(study.arms)}
    rank = pa.array([order[a] for a in s.column("arm").to_pylist()], pa.int64())
    s = s.append_column("_arm", rank).sort_by([("_arm", "ascending"), ("metric", "ascending"),
                                               ("date", "ascending")])
    return pa.table({
        "study": pa.array([study.name] * s.num_rows, pa.string()),
        "arm": s.column("arm"), "metric": s.column("metric"),
        "date": s.column("date").cast(pa.date32()), "mean": s.column("mean"),
        "ci_low": s.column("ci_low"), "ci_high": s.column("ci_high"),
        "replicates": s.column("n").cast(pa.int64())}, schema=RESULTS)


def start_date(study: Study) -> _dt.date:
    """The first simulated date of the study's scenario."""
    from scslab.sim.resolve import resolve

    plan = resolve(study.scenario, persons=study.quick.persons, days=1)
    return _dt.date.fromisoformat(plan.horizon.start_date)
