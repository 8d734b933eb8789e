"""Experiment output folders, written whole or not at all.

The files are written into a hidden temporary sibling, sealed by ``manifest.json`` (each file's
size and SHA-256, and ``kind``: ``sweep``, ``compare``...), and only then renamed onto the
destination. A folder that exists must be empty, or, with ``force``, an earlier experiment
folder (one with such a manifest), which is replaced. :func:`check_folder` runs before any
simulation so a bad ``--out`` fails at once.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from scslab.errors import InputError
from scslab.inputfile import os_problem, shown_path
from scslab.io import atomic_path, write_json
from scslab.runfolder_write import file_digest

MANIFEST = "manifest.json"


def _experiment_kind(p: Path) -> str | None:
    try:
        m = json.loads((p / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return m.get("experiment") if isinstance(m, dict) else None


def check_folder(path: str | Path, force: bool = False) -> Path:
    """Check, changing nothing, that an experiment folder can be written at ``path``.

    Raises:
        InputError: the path is empty or a file, its parent cannot be written, or it holds
            files (without ``force``, or with ``force`` but not an experiment folder).
    """
    if str(path) == "":
        raise InputError("option --out: a folder name was expected, got ''")
    p = Path(path)
    try:
        if p.exists() and not p.is_dir():
            raise InputError("option --out: the output folder is a file, not a folder",
                             file=shown_path(p))
        parent = p.parent if str(p.parent) else Path(".")
        existing = parent
        while not existing.exists():
            existing = existing.parent
        if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
            raise InputError(f"option --out: cannot write into {existing}", file=shown_path(p))
        if p.is_dir() and any(p.iterdir()):
            if not force:
                raise InputError("option --out: the output folder already holds files; use --force "
                                 "to replace an earlier experiment folder, or choose another",
                                 file=shown_path(p))
            if _experiment_kind(p) is None:
                raise InputError("option --out: the output folder holds files but is not an "
                                 "experiment folder; --force replaces only those", file=shown_path(p))
    except OSError as exc:
        raise InputError(f"option --out: unusable output folder: {os_problem(exc)}",
                         file=shown_path(p)) from None
    return p


def write_folder(path: str | Path, kind: str, writers: Mapping[str, Callable[[Path], None]],
                 meta: Mapping[str, Any], force: bool = False) -> Path:
    """Write an experiment folder atomically and return its path.

    Args:
        path: the destination folder.
        kind: what made it (``sweep``, ``compare``, ``sensitivity``, ``calibrate``, ``hurt``).
        writers: file name -> function that writes that file at the path it is given.
        meta: the design, recorded in the manifest (JSON-serialisable).
        force: replace an earlier experiment folder at ``path``.
    """
    p = check_folder(path, force)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{p.name}.", suffix=".part", dir=p.parent))
    try:
        for name, write in writers.items():
            write(tmp / name)
        files = {n: file_digest(tmp / n) for n in sorted(writers)}
        write_json(tmp / MANIFEST, {"experiment": kind, **meta, "files": files})
        os.chmod(tmp, 0o755)
        if p.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{p.name}.old.", suffix=".part", dir=p.parent))
            os.replace(p, old / p.name)
            os.replace(tmp, p)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, p)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return p


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (a plot, for instance)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
