"""The experiment commands of the CLI: ``sweep``, ``compare``, ``sensitivity``, ``calibrate``, ``hurt``.

Registered on the main app by :mod:`scslab.cli`; each is a thin layer over
:mod:`scslab.experiment`. Options are checked, and every arm resolved, before anything runs; the
output folder appears whole or not at all.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from scslab.errors import InputError
from scslab.limits import DAYS, PERSONS, SEED
from scslab.text import safe_text

if TYPE_CHECKING:
    import pyarrow as pa

    from scslab.experiment.executor import Executor
    from scslab.experiment.spec import RunSpec

out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, soft_wrap=True)


class ProgressExecutor:
    """An executor that shows a progress bar of runs on stderr (on a terminal; gone when they end).

    Args:
        inner: the executor that runs them (local processes, or Ray).
    """

    def __init__(self, inner: Executor) -> None:
        self.inner = inner

    @property
    def processes(self) -> int:
        """Runs at once (the inner executor's)."""
        return int(getattr(self.inner, "processes", 1))

    @property
    def runs_here(self) -> int:
        """Runs at once in this machine's memory (the inner executor's)."""
        return int(getattr(self.inner, "runs_here", self.processes))

    def map(self, fn: Callable[[RunSpec], pa.Table], specs: Sequence[RunSpec]) -> Iterator[pa.Table]:
        """``fn(spec)`` for each spec, in order, advancing the bar as each finishes."""
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        if not err.is_terminal:  # a log or a pipe: no bar, so an error stays one line
            yield from self.inner.map(fn, specs)
            return
        with Progress(TextColumn("runs"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=err, transient=True) as bar:
            task = bar.add_task("runs", total=len(specs))
            for result in self.inner.map(fn, specs):
                bar.advance(task)
                yield result


def executor_for(processes: int | None, ray_address: str | None) -> ProgressExecutor:
    """Local processes, or Ray tasks with ``--ray-address`` (``local``: a local Ray cluster)."""
    if ray_address is None:
        from scslab.experiment.executor import LocalExecutor

        return ProgressExecutor(LocalExecutor(processes or 1))
    from scslab.experiment.ray_executor import RayExecutor

    return ProgressExecutor(RayExecutor(ray_address, processes))

Scenario = Annotated[str, typer.Argument(help="built-in scenario name or scenario TOML file",
                                         metavar="SCENARIO")]
Out = Annotated[str, typer.Option("--out", metavar="DIR", help="experiment folder to write")]
Persons = Annotated[int | None, typer.Option(min=PERSONS.lo, max=PERSONS.hi, metavar="N",
                                             help="persons per run (default: the scenario's)")]
Days = Annotated[int | None, typer.Option(min=DAYS.lo, max=DAYS.hi, metavar="DAYS",
                                          help="days per run (default: the scenario's)")]
Seed = Annotated[int | None, typer.Option(min=0, max=SEED.hi, metavar="SEED",
                                          help="first seed (default: the scenario's)")]
Seeds = Annotated[int, typer.Option(min=1, max=10_000, metavar="N",
                                    help="replicate seeds per arm (seed, seed+1, ...)")]
Processes = Annotated[int | None, typer.Option(
    min=1, max=256, metavar="P", help="runs at once, in local processes (default 1); with "
    "--ray-address, runs at once on the cluster (default: its CPUs)")]
RayAddress = Annotated[str | None, typer.Option(
    "--ray-address", metavar="ADDRESS", help="run the runs as tasks on a Ray cluster: its address "
    "(auto, ray://HOST:10001), or local for a new local cluster (needs scslab[ray])")]
Force = Annotated[bool, typer.Option("--force", help="replace an earlier experiment folder")]
Fixed = Annotated[list[str] | None, typer.Option(
    "--fix", metavar="PATH=VALUE", help="an override for every run (repeatable)")]
Params = Annotated[list[str], typer.Option(
    "--param", metavar="PATH=LOW:HIGH", help="a parameter and its range (repeatable)")]


def _fixed(items: list[str] | None) -> dict[str, object]:
    from scslab.experiment.params import toml_value

    fixed: dict[str, object] = {}
    for item in items or []:
        key, eq, text = item.partition("=")
        if not eq or not key.strip():
            raise InputError(f"option --fix: expected PATH=VALUE, got {item[:60]!r}")
        fixed[key.strip()] = toml_value(text, "--fix")
    return fixed


def _done(path: Path) -> None:
    out.print(f"Experiment folder: [bold]{safe_text(str(path))}[/]")


def sweep(
    scenario: Scenario,
    out_dir: Out,
    sets: Annotated[list[str] | None, typer.Option(
        "--set", metavar="PATH=V1,V2,...", help="one sweep axis: a dotted key and its values "
        "(TOML values; repeatable, the grid is every combination)")] = None,
    seeds: Seeds = 1,
    processes: Processes = None,
    ray_address: RayAddress = None,
    persons: Persons = None,
    days: Days = None,
    seed: Seed = None,
    fixed: Fixed = None,
    hurt: Annotated[bool, typer.Option("--hurt", help="also measure who is hurt in every run "
                                       "(by age group, income quintile, region and sex)")] = False,
    force: Force = False,
) -> None:
    """Run the grid of --set values × seeds; write results.parquet, summary.parquet, report.html."""
    from scslab.experiment import Experiment
    from scslab.experiment.folder import check_folder
    from scslab.experiment.params import parse_axes

    check_folder(out_dir, force)
    axes = parse_axes(sets or [])
    ex = Experiment(scenario, persons=persons, days=days, seeds=seeds, seed=seed,
                    sets=_fixed(fixed), executor=executor_for(processes, ray_address))
    res = ex.sweep(axes, hurt=hurt)
    out.print(f"{len(res.arms)} arm(s) × {len(res.seeds)} seed(s): {res.results.num_rows:,} rows")
    _done(res.write(out_dir, force))


def compare(
    run_dirs: Annotated[list[Path], typer.Argument(help="two or more run folders", metavar="RUN_DIR")],
    out_dir: Annotated[str | None, typer.Option("--out", metavar="DIR",
                                                help="write compare.parquet and report.html")] = None,
    force: Force = False,
) -> None:
    """The same metrics of run folders side by side; paired differences where seeds match."""
    from scslab.experiment.compare import compare_runs
    from scslab.experiment.folder import check_folder

    if out_dir is not None:
        check_folder(out_dir, force)
    res = compare_runs(run_dirs)
    out.print(res.text())
    if out_dir is not None:
        _done(res.write(out_dir, force))


def sensitivity(
    scenario: Scenario,
    out_dir: Out,
    params: Params,
    method: Annotated[str, typer.Option("--method", metavar="morris|sobol",
                                        help="Morris elementary effects or Sobol indices")] = "morris",
    samples: Annotated[int, typer.Option(min=2, max=100_000, metavar="N",
                                         help="Morris trajectories, or Sobol base samples")] = 8,
    processes: Processes = None,
    ray_address: RayAddress = None,
    persons: Persons = None,
    days: Days = None,
    seed: Seed = None,
    fixed: Fixed = None,
    force: Force = False,
) -> None:
    """Sensitivity of every scalar metric to the --param ranges (SALib); indices and a plot."""
    from scslab.experiment import Experiment
    from scslab.experiment.folder import check_folder
    from scslab.experiment.params import parse_ranges
    from scslab.experiment.sensitivity import check_method

    check_folder(out_dir, force)
    check_method(method)
    ranges = parse_ranges(params)
    ex = Experiment(scenario, persons=persons, days=days, seeds=1, seed=seed, sets=_fixed(fixed),
                    executor=executor_for(processes, ray_address))
    res = ex.sensitivity(ranges, method=method, samples=samples)
    out.print(f"{res.n_runs:,} runs; indices for {len(res.metrics):,} metrics")
    _done(res.write(out_dir, force))


def calibrate(
    scenario: Scenario,
    out_dir: Out,
    targets: Annotated[Path, typer.Option("--targets", metavar="TARGETS.csv",
                                          help="CSV: metric, date (empty: the run's scalar), value")],
    params: Params,
    trials: Annotated[int, typer.Option(min=1, max=100_000, metavar="N",
                                        help="Optuna trials")] = 20,
    seeds: Seeds = 1,
    processes: Processes = None,
    ray_address: RayAddress = None,
    persons: Persons = None,
    days: Days = None,
    seed: Seed = None,
    fixed: Fixed = None,
    force: Force = False,
) -> None:
    """Fit the --param ranges to target values (Optuna); best params, history, fit table, plot."""
    from scslab.experiment import Experiment
    from scslab.experiment.calibrate import read_targets
    from scslab.experiment.folder import check_folder
    from scslab.experiment.params import parse_ranges

    check_folder(out_dir, force)
    ranges = parse_ranges(params)
    table = read_targets(targets)
    ex = Experiment(scenario, persons=persons, days=days, seeds=seeds, seed=seed,
                    sets=_fixed(fixed), executor=executor_for(processes, ray_address))
    res = ex.calibrate(table, ranges, trials=trials)
    out.print(f"best loss {res.best_loss:.4g} at {res.best_params}")
    _done(res.write(out_dir, force))


def hurt(
    scenario: Scenario,
    out_dir: Out,
    seeds: Seeds = 1,
    processes: Processes = None,
    ray_address: RayAddress = None,
    persons: Persons = None,
    days: Days = None,
    seed: Seed = None,
    fixed: Fixed = None,
    force: Force = False,
) -> None:
    """Who is hurt: restriction, denials and wrongful listing by age, income, region and sex."""
    from scslab.experiment import Experiment
    from scslab.experiment.folder import check_folder
    from scslab.experiment.hurt import write_hurt

    check_folder(out_dir, force)
    ex = Experiment(scenario, persons=persons, days=days, seeds=seeds, seed=seed,
                    sets=_fixed(fixed), executor=executor_for(processes, ray_address))
    long, summary = ex.who_is_hurt()
    design = {"scenario": ex.scenario, "persons": persons, "days": days, "seeds": ex.seeds,
              "fixed": ex.fixed}
    _done(write_hurt(out_dir, ex.scenario, ex.seeds, long, summary, design, force))


def register(app: typer.Typer) -> None:
    """Add the experiment commands to ``app``."""
    for fn in (sweep, compare, sensitivity, calibrate, hurt):
        app.command()(fn)
