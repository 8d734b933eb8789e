"""Running a scenario end to end, and the benchmark."""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from scslab.dates import iso
from scslab.errors import InputError
from scslab.inputfile import shown_path
from scslab.limits import CHECKPOINT_EVERY, PARTITIONS
from scslab.regime.engine import Engine
from scslab.regime.tables import band_index
from scslab.runfolder import read_run
from scslab.runfolder_write import MANIFEST, check_output_folder, prepare_output_folder
from scslab.sim.checkpoint import DEFAULT_EVERY, Checkpoints, Resumed, identity, load
from scslab.sim.loop import Daily, Simulation
from scslab.sim.output import (
    LedgerWriter,
    daily_table,
    subjects_table,
    write_run_manifest,
    write_tables,
)
from scslab.sim.resolve import Resolved, resolve
from scslab.sim.scenario import Scenario, load_scenario
from scslab.society.ids import id_sequences


@dataclass
class RunResult:
    """What a run produced: the simulation state, per-day aggregates and the output folder."""

    sim: Simulation
    daily: Daily
    out: Path | None
    seconds: float

    def __repr__(self) -> str:
        # The dataclass repr would print the simulation and every per-day matrix.
        sim = self.sim
        recorded = int(self.daily.recorded.sum())
        where = f"folder {str(self.out)!r}" if self.out is not None else "no folder"
        return (f"<RunResult {sim.scenario.scenario.name}: regimes "
                f"{', '.join(e.rulebook.regime.id for e in sim.engines)}; {sim.n_persons:,} persons, "
                f"{sim.n_days:,} days from {iso(sim.start)}, seed {sim.run_seed}; {recorded:,} records; "
                f"{self.seconds:.1f} s; {where}>")

    def _repr_html_(self) -> str:
        """A short table for notebooks: the run's size, records and where it was written."""
        from scslab.reprs import SYNTHETIC_NOTE, html_table, join_short

        sim = self.sim
        rows: list[tuple[str, object]] = [
            ("regimes", join_short(e.rulebook.regime.id for e in sim.engines)),
            ("persons", f"{sim.n_persons:,}"),
            ("days", f"{sim.n_days:,} from {iso(sim.start)}"),
            ("seed", sim.run_seed),
            ("acts occurred", f"{int(self.daily.occurred.sum()):,}"),
            ("acts recorded", f"{int(self.daily.recorded.sum()):,}"),
        ]
        for e in sim.engines:
            if e.score is not None:
                rows.append((f"mean score, {e.rulebook.regime.id}", f"{e.score_sum / e.n_subjects:,.1f}"))
        rows += [("seconds", f"{self.seconds:.1f}"),
                 ("folder", str(self.out) if self.out is not None else "none")]
        return html_table(f"RunResult {sim.scenario.scenario.name}", rows, note=SYNTHETIC_NOTE)

    def summary(self) -> list[dict]:
        """Per regime: band counts at the start and end, acts recorded, mean score."""
        rows = []
        for e in self.sim.engines:
            labels = e.band_labels
            n = e.n_subjects
            start = np.zeros(len(labels) + 1, np.int64)
            initial = 0 if e.rulebook.score is None else e.rulebook.score.initial
            start[band_index(e.tables, np.array([initial]))[0]] = n  # everyone starts alike
            rows.append({
                "regime": e.rulebook.regime.id,
                "bands_start": dict(zip(labels, start[:-1].tolist(), strict=True)),
                "bands_end": dict(zip(labels, e.band_counts[:-1].tolist(), strict=True)),
                "lists_end": dict(zip(e.list_ids, e.list_sizes().tolist(), strict=True)),
                "mean_score_start": None if e.score is None else float(initial),
                "mean_score_end": None if e.score is None else e.score_sum / n,
            })
        return rows

    def acts(self) -> dict[str, tuple[int, int]]:
        """Act id -> (occurred, recorded) over the run."""
        occ = self.daily.occurred.sum(axis=0)
        rec = self.daily.recorded.sum(axis=0)
        return {a: (int(o), int(r)) for a, o, r in zip(self.sim.act_ids, occ, rec, strict=True)}

    # Labelled tables. ``daily`` holds unlabelled matrices (days x acts, days x bands); these
    # give the same numbers with their dates and names, as Arrow tables (``.to_pandas()``,
    # ``polars.from_arrow``, duckdb all read them without a copy where they can).

    def daily_table(self) -> pa.Table:
        """The per-day aggregates, exactly as ``daily.parquet`` of a run folder holds them.

        Columns ``day``, ``date``, ``regime``, ``metric``, ``key``, ``value``; the metrics are
        listed in docs/architecture.md (Run folder).
        """
        return daily_table(self.sim, self.daily)

    def subjects_table(self) -> pa.Table:
        """Every subject's final state, exactly as ``subjects.parquet`` of a run folder holds it."""
        return subjects_table(self.sim)

    def bands(self, regime: str | None = None) -> pa.Table:
        """Subjects per band at the end of each day: ``date``, then one column per band label.

        Args:
            regime: a regime id of the run; default the first regime that has bands.
        """
        return self._wide(regime, "band", lambda r, e: self.daily.bands[r][:, : len(e.band_labels)],
                          lambda e: e.band_labels)

    def lists(self, regime: str | None = None) -> pa.Table:
        """Subjects on each list at the end of each day: ``date``, then one column per list id.

        Args:
            regime: a regime id of the run; default the first regime that has lists.
        """
        return self._wide(regime, "list", lambda r, e: self.daily.lists[r], lambda e: e.list_ids)

    def acts_by_day(self) -> pa.Table:
        """Acts per day: ``date``, ``act``, ``occurred``, ``recorded`` (one row per day and act)."""
        days, n_acts = self.daily.occurred.shape
        return pa.table({
            "date": pa.array(np.repeat(self._dates(), n_acts)),
            "act": pa.array(np.tile(np.array(self.sim.act_ids, dtype=object), days)),
            "occurred": self.daily.occurred.reshape(-1).astype(np.int64),
            "recorded": self.daily.recorded.reshape(-1).astype(np.int64),
        })

    def _dates(self) -> np.ndarray:
        """The run's dates, one per simulated day (datetime64[D])."""
        first = np.datetime64(iso(self.sim.start), "D")
        return first + np.arange(self.sim.n_days)

    def _wide(self, regime: str | None, what: str,
              values: Callable[[int, Engine], np.ndarray],
              names: Callable[[Engine], list[str]]) -> pa.Table:
        ids = [e.rulebook.regime.id for e in self.sim.engines]
        if regime is None:
            with_some = [i for i, e in enumerate(self.sim.engines) if names(e)]
            if not with_some:
                raise ValueError(f"no regime of this run has a {what}")
            r = with_some[0]
        elif regime in ids:
            r = ids.index(regime)
        else:
            raise ValueError(f"unknown regime {regime!r}; this run has {', '.join(ids)}")
        e = self.sim.engines[r]
        matrix = np.asarray(values(r, e), np.int64)
        cols: dict[str, Any] = {"date": pa.array(self._dates())}
        cols.update({name: matrix[:, j] for j, name in enumerate(names(e))})
        return pa.table(cols)


def run_scenario(
    scenario: str | Path | Scenario | Resolved,
    *,
    persons: int | None = None,
    days: int | None = None,
    seed: int | None = None,
    out: str | Path | None = None,
    on_day: Callable[[int], None] | None = None,
    force: bool = False,
    sets: Mapping[str, Any] | None = None,
    partitions: int = 1,
    checkpoint_every: int = DEFAULT_EVERY,
    resume: bool = False,
) -> RunResult:
    """Run a scenario; if ``out`` is given, write the run folder there.

    Args:
        scenario: a built-in name, a scenario file, a :class:`Scenario`, or a resolved plan
            (then the overrides must be None: they are part of the plan).
        persons: override of the scenario's horizon persons.
        days: override of its days.
        seed: override of its seed.
        out: the run folder to write (created if needed; refused if it holds files).
        on_day: progress callback with the 0-based day index.
        force: write into a folder that holds files, removing scslab's own files there first.
        sets: dotted scenario keys and their values (see :func:`~scslab.sim.resolve.resolve`).
        partitions: process the persons in this many contiguous partitions; the results and
            the run folder's files are the same for every value.
        checkpoint_every: with ``out``, write a checkpoint into it every this many simulated
            days (0: never; :mod:`scslab.sim.checkpoint`).
        resume: continue the killed run whose folder is ``out`` from its last checkpoint (from
            day 0 if it has none); the files are the same as an uninterrupted run's. The plan
            must be the killed run's; its partitions are kept.
    """
    for option, limit, value in (("--partitions", PARTITIONS, partitions),
                                 ("--checkpoint-every", CHECKPOINT_EVERY, checkpoint_every)):
        problem = limit.problem(value)
        if problem:
            raise InputError(f"option {option}: {problem}")
    if resume and out is None:
        raise InputError("option --resume: needs the run folder to continue")
    if isinstance(scenario, Resolved):
        if persons is not None or days is not None or seed is not None or sets:
            raise ValueError("a resolved plan already holds its overrides")
        plan = scenario
    else:
        plan = resolve(scenario, persons=persons, days=days, seed=seed, sets=sets)
    t0 = time.perf_counter()
    if out is None:
        sim = Simulation(plan, keep_ledger=False, partitions=partitions).init()
        daily = sim.run(on_day=on_day)
        return RunResult(sim, daily, None, time.perf_counter() - t0)
    # Refused early, before the society is built.
    folder = check_output_folder(out, force or resume)
    if resume:
        _refuse_complete(folder)
    ckpt = Checkpoints(folder, checkpoint_every)
    try:
        if folder.is_dir():  # never beside a run still writing it
            ckpt.lock()
        state = load(folder, identity(plan)) if resume and folder.is_dir() else None
        prepare_output_folder(folder, force, resume=resume)
        if not ckpt.locked:
            ckpt.lock()
        return _write(plan, folder, ckpt, state, on_day, partitions, t0)
    finally:
        ckpt.release()


def _refuse_complete(folder: Path) -> None:
    """Refuse to resume a folder that is a complete run folder already."""
    if not (folder / MANIFEST).is_file():
        return
    try:
        read_run(folder)
    except InputError:
        return  # not complete: resumed (its manifest is removed first)
    raise InputError("option --resume: the folder is a complete run folder; nothing to resume",
                     file=shown_path(folder))


def _write(plan: Resolved, out: Path, ckpt: Checkpoints, state: Resumed | None,
           on_day: Callable[[int], None] | None, partitions: int, t0: float) -> RunResult:
    """Run (or continue, from ``state``) the plan, writing its folder ``out``; manifest last."""
    if state is None:
        sim = Simulation(plan, keep_ledger=True, partitions=partitions).init()
        sim.keep_files()  # records with source and truth, gate answers (sim.subjectfile)
        daily, first = sim.empty_daily(), 0
    else:
        sim, daily, first = state.sim, state.daily, state.first
    files = sim.files
    assert files is not None
    ckpt.start(state)

    def after(k: int) -> None:
        if on_day is not None:
            on_day(k)
        if ckpt.due(k, sim.n_days):
            ids.result()  # the ID thread fills the society's caches: never pickle it mid-way
            ledger.flush()
            ckpt.save(k + 1, sim, daily)

    # The synthetic IDs depend on the society alone: their sequences (the part that needs a sort
    # of the persons) are made on the second core while the days run (the sort releases the GIL).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="scslab-ids") as pool:
        ids = pool.submit(id_sequences, sim.society)
        spool = ckpt.spool if ckpt.every else None
        with LedgerWriter(out / "ledger.parquet", sim, spool=spool) as ledger:
            if state is not None:
                ledger.replay(ckpt.replay(state.segments))
            daily = sim.run(on_day=after, on_ledger=ledger, daily=daily, first=first)
            # Records and gate answers are kept in the simulation until the end, so a
            # checkpoint holds them and a resumed run writes the same bytes.
            with files.writing(out):
                pass
            # The other tables are written while the last ledger lines encode.
            write_tables(sim, daily, out, ids.result())
    ckpt.finish()
    write_run_manifest(sim, out)
    return RunResult(sim, daily, out, time.perf_counter() - t0)


def peak_rss_mb() -> float:
    """Peak resident memory of this process [MiB]."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 / (1024 if sys.platform == "darwin" else 1)


def bench(persons: int = 1_000_000, days: int = 365, seed: int = 0) -> dict:
    """Run the benchmark scenario (docs/benchmark.md) and report speed and outcomes.

    ``seconds`` is simulation wall time, society generation included, interpreter start and
    imports excluded. Loading the compiled kernels counts as an import: a tiny run before the
    clock starts loads them (from numba's on-disk cache, or compiles them the first time).
    """
    sc = load_scenario("bench")
    Simulation(sc, 100, 2, seed, keep_ledger=False).init().run()
    t0 = time.perf_counter()
    sim = Simulation(sc, persons, days, seed, keep_ledger=False).init()
    daily = sim.run()
    seconds = time.perf_counter() - t0
    e = sim.engines[0]
    occ = daily.occurred.sum(axis=0)
    rec = daily.recorded.sum(axis=0)
    return {
        "persons": persons,
        "days": days,
        "seconds": round(seconds, 4),
        "person_days_per_s": round(persons * days / seconds),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "bands": dict(zip(e.band_labels, e.band_counts[:-1].tolist(), strict=True)),
        "mean_score": e.score_sum / e.n_subjects,
        "occurrences": dict(zip(sim.act_ids, occ.tolist(), strict=True)),
        "recorded": dict(zip(sim.act_ids, rec.tolist(), strict=True)),
    }
