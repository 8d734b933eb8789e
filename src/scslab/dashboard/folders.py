"""The folders a dashboard serves: run folders, study folders and sweep folders.

Each ``DIR`` given to ``scslab dashboard`` is one such folder, or a folder that holds them (one
level down, as ``runs/`` would). A folder named on the command line that is none of these is bad
input: :func:`discover` raises :class:`~scslab.errors.InputError`, which the CLI prints as one line.
A folder found one level down that cannot be read is skipped with a note instead, so one broken
run does not keep the rest from being shown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scslab.errors import InputError
from scslab.inputfile import os_problem, shown_path
from scslab.runfolder import DAILY, MANIFEST, RunFolder, read_run

RESULTS = "results.parquet"  # a study's and a sweep's per-arm results
SUMMARY = "summary.parquet"  # a sweep's mean and interval per arm and metric
STUDY_TOML = "study.toml"
REPORT = "report.html"
#: Experiment kinds the dashboard shows (other experiment folders are skipped).
SHOWN_KINDS = ("study", "sweep")


@dataclass
class Study:
    """A study or sweep folder: its manifest and, for a study, the text of ``study.toml``."""

    path: Path
    kind: str  # "study" or "sweep"
    manifest: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)  # study.toml, parsed

    @property
    def results_file(self) -> Path:
        """The table of means and intervals: ``results.parquet`` (study) or ``summary.parquet`` (sweep)."""
        return self.path / (RESULTS if self.kind == "study" else SUMMARY)


@dataclass
class Catalog:
    """Everything the dashboard serves, by the name shown in its menus (unique)."""

    runs: dict[str, RunFolder] = field(default_factory=dict)
    studies: dict[str, Study] = field(default_factory=dict)
    sweeps: dict[str, Study] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # folders found but skipped, and why

    def __len__(self) -> int:
        return len(self.runs) + len(self.studies) + len(self.sweeps)

    def _name(self, path: Path) -> str:
        base = path.resolve().name or str(path)
        taken = set(self.runs) | set(self.studies) | set(self.sweeps)
        name, k = base, 2
        while name in taken:
            name, k = f"{base}-{k}", k + 1
        return name

    def add(self, item: RunFolder | Study) -> None:
        """Add a run, study or sweep under a name not yet taken."""
        name = self._name(item.path)
        if isinstance(item, RunFolder):
            self.runs[name] = item
        elif item.kind == "study":
            self.studies[name] = item
        else:
            self.sweeps[name] = item


def _manifest(p: Path) -> dict[str, Any] | None:
    """The folder's manifest.json as an object, or None where it has none."""
    f = p / MANIFEST
    if not f.is_file():
        return None
    try:
        m = json.loads(f.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"unreadable manifest: {exc}", file=shown_path(f)) from None
    if not isinstance(m, dict):
        raise InputError("manifest must be a JSON object", file=shown_path(f))
    return m


def read_study(p: Path, manifest: dict[str, Any]) -> Study:
    """A study or sweep folder (checked: its kind is shown and its results table is there)."""
    import tomllib

    kind = str(manifest.get("experiment"))
    if kind not in SHOWN_KINDS:
        raise InputError(f"an experiment folder of kind {kind[:40]!r}; the dashboard shows run "
                         "folders, studies and sweeps", file=shown_path(p))
    study = Study(p, kind, manifest)
    if not study.results_file.is_file():
        raise InputError(f"{kind} folder has no {study.results_file.name}", file=shown_path(p))
    toml = p / STUDY_TOML
    if toml.is_file():
        try:
            study.meta = tomllib.loads(toml.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise InputError(f"unreadable study.toml: {exc}", file=shown_path(toml)) from None
    return study


def read_folder(p: Path) -> RunFolder | Study | None:
    """The run, study or sweep at ``p``; None where ``p`` has no manifest.json (and no daily table)."""
    m = _manifest(p)
    if m is not None and "experiment" in m:
        return read_study(p, m)
    if m is None and not (p / DAILY).is_file():
        return None
    return read_run(p)  # checks the files against the manifest


def discover(paths: list[str | Path]) -> Catalog:
    """The catalog of the folders ``paths`` name, or that they hold one level down.

    Raises:
        InputError: a path does not exist, is a file, is a broken run or experiment folder, or
            is none of them and holds none of them.
    """
    cat = Catalog()
    for raw in paths:
        p = Path(raw)
        try:
            if not p.exists():
                raise InputError("no such folder", file=shown_path(p))
            if not p.is_dir():
                raise InputError("not a folder (give a run, study or sweep folder, or a folder "
                                 "that holds them)", file=shown_path(p))
            item = read_folder(p)
            if item is not None:
                cat.add(item)
                continue
            found = 0
            for child in sorted(c for c in p.iterdir() if c.is_dir() and not c.name.startswith(".")):
                try:
                    sub = read_folder(child)
                except InputError as e:
                    cat.notes.append(f"skipped {e}")
                    continue
                if sub is not None:
                    cat.add(sub)
                    found += 1
            if not found:
                raise InputError("not a run folder (no manifest.json), nor a study or sweep "
                                 "folder, nor a folder that holds them", file=shown_path(p))
        except OSError as exc:
            raise InputError(f"cannot read the folder: {os_problem(exc)}", file=shown_path(p)) from None
    return cat
