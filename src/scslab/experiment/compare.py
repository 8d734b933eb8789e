"""Comparing finished run folders: the same metrics side by side, paired where seeds match.

The first folder is the reference. For every other folder that shares its seed (the same
persons and luck, docs/architecture.md#randomness) the table also gives the paired difference
``other - reference`` of each scalar metric; between different seeds no difference is shown,
because it would mix the arms' effect with the replicates' noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from scslab.errors import InputError
from scslab.experiment.metrics import run_metrics, scalars


@dataclass
class Comparison:
    """Runs compared, as ``table`` and ``metrics``.

    ``table`` has one row per scalar metric, one column per run, then the paired differences
    ``<run> - <reference>``; ``metrics`` holds every run's tidy metrics, long.
    """

    labels: list[str]
    seeds: list[int | None]
    paths: list[str]
    table: pa.Table
    metrics: pa.Table

    def text(self) -> str:
        """The table as aligned plain text (for the terminal)."""
        cols = self.table.column_names
        rows = [[str(c) for c in cols]] + [
            [_cell(v) for v in r] for r in zip(*(self.table.column(c).to_pylist() for c in cols),
                                               strict=True)]
        widths = [max(len(r[i]) for r in rows) for i in range(len(cols))]
        return "\n".join("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                                   for i, (c, w) in enumerate(zip(r, widths, strict=True)))
                         for r in rows)

    def write(self, out: str | Path, force: bool = False) -> Path:
        """Write ``compare.parquet``, ``metrics.parquet`` and ``report.html`` to ``out``."""
        from scslab.experiment.folder import write_folder
        from scslab.experiment.report import page, section, table_rows
        from scslab.io import write_parquet, write_text

        html = page("Comparison of runs", [
            f"Reference: {self.labels[0]}. Paired differences are given only for runs with the "
            "reference's seed (common random numbers)."],
            [section("Runs", ["run", "seed", "folder"],
                     [[lab, s, p] for lab, s, p in zip(self.labels, self.seeds, self.paths, strict=True)]),
             section("Scalar metrics (totals of flows, last-day stocks)", self.table.column_names,
                     table_rows(self.table, self.table.column_names))])
        return write_folder(out, "compare", {
            "compare.parquet": lambda p: write_parquet(p, self.table),
            "metrics.parquet": lambda p: write_parquet(p, self.metrics),
            "report.html": lambda p: write_text(p, html),
        }, {"runs": self.paths, "labels": self.labels, "seeds": self.seeds}, force)


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "–"
    return f"{v:,.6g}" if isinstance(v, float) else str(v)


def _labels(paths: Sequence[Path]) -> list[str]:
    names = [p.resolve().name or str(p) for p in paths]
    return [n if names.count(n) == 1 else f"{n}#{i + 1}" for i, n in enumerate(names)]


def compare_runs(run_dirs: Sequence[str | Path]) -> Comparison:
    """Read the run folders (each checked against its manifest) and compare their metrics.

    Raises:
        InputError: fewer than two folders, or one is not a valid run folder.
    """
    from scslab.runfolder import read_run

    if len(run_dirs) < 2:
        raise InputError("compare: at least two run folders are needed")
    paths = [Path(d) for d in run_dirs]
    labels = _labels(paths)
    runs = [read_run(p) for p in paths]
    tables = [run_metrics(r.daily) for r in runs]
    seeds = [r.manifest.get("seed") if isinstance(r.manifest.get("seed"), int) else None for r in runs]
    per = [scalars(t) for t in tables]
    names = sorted(set().union(*per))
    cols: dict[str, Any] = {"metric": pa.array(names, pa.string())}
    for lab, s in zip(labels, per, strict=True):
        cols[lab] = pa.array([s.get(m) for m in names], pa.float64())
    for lab, s, sd in zip(labels[1:], per[1:], seeds[1:], strict=True):
        if sd is not None and sd == seeds[0]:
            cols[f"{lab} - {labels[0]}"] = pa.array(
                [None if m not in s or m not in per[0] else s[m] - per[0][m] for m in names],
                pa.float64())
    long = pa.concat_tables([
        pa.table({"run": pa.array([lab] * t.num_rows, pa.string()),
                  "seed": pa.array([sd] * t.num_rows, pa.int64()),
                  **{c: t.column(c) for c in t.column_names}})
        for lab, sd, t in zip(labels, seeds, tables, strict=True)])
    return Comparison(labels, seeds, [str(p) for p in paths], pa.table(cols), long)
