"""The life of an output folder: checked before a run, cleared with ``--force``, sealed by the manifest.

The manifest is removed first and written last, and it lists every file with its size and
SHA-256. So a folder interrupted at any moment either has no manifest (not a run folder) or is
complete, and :func:`verify_files` tells a complete folder from one whose files changed since.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from scslab.errors import InputError
from scslab.inputfile import os_problem, shown_path
from scslab.io import write_json

MANIFEST = "manifest.json"
#: The files a run writes (besides the manifest), and the report written into the folder later.
#: ``records.parquet`` (declared sources) and ``gates.parquet`` (gates on) are written only where
#: they apply (scslab.sim.subjectfile).
OPTIONAL_OUTPUTS = ("records.parquet", "gates.parquet")
OUTPUTS = ("scenario.toml", "daily.parquet", "subjects.parquet", "ledger.parquet",
           *OPTIONAL_OUTPUTS)
REPORT = "report.html"
#: The hidden folder of a run's checkpoints while it is written (scslab.sim.checkpoint).
CHECKPOINTS = ".checkpoint"
CHECKPOINT_STATE = "state.pickle"  # in CHECKPOINTS; the last one written is the one resumed


def _own(name: str) -> bool:
    """Whether ``name`` is a file scslab writes into a run folder (a temporary one included)."""
    return name in (MANIFEST, *OUTPUTS, REPORT) or (name.startswith(".") and name.endswith(".part"))


def _refuse(message: str, path: Path) -> InputError:
    return InputError(message, file=shown_path(path))


def check_output_folder(path: str | Path, force: bool = False) -> Path:
    """Check, without changing anything, that a run can be written to ``path``.

    Raises:
        InputError: ``path`` is empty, is or lies under a file, cannot be created or written,
            holds a folder where an output file goes, or holds files and ``force`` is off.
    """
    if str(path) == "":
        raise InputError("option --out: a folder name was expected, got ''")
    p = Path(path)
    try:
        return _check(p, force)
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise _refuse("unusable output folder: a path component is over 255 bytes", p) from None
        raise _refuse(f"unusable output folder: {os_problem(exc)}", p) from None


def _check(p: Path, force: bool) -> Path:
    for name in p.parts:  # the OS says ENAMETOOLONG only for some calls; say it always
        if len(os.fsencode(name)) > 255:
            raise _refuse("unusable output folder: a path component is over 255 bytes", p)
    if p.exists() and not p.is_dir():
        raise _refuse("the output folder is a file (or a device), not a folder", p)
    existing = p
    while not existing.exists():  # the nearest ancestor that exists must be a writable folder
        existing = existing.parent
    if not existing.is_dir():
        raise _refuse(f"the output folder lies under {existing}, which is a file", p)
    if not os.access(existing, os.W_OK | os.X_OK):
        raise _refuse(f"the output folder cannot be written (no write permission on {existing})", p)
    _probe(existing, p)
    if existing != p:
        return p
    for name in (MANIFEST, *OUTPUTS):
        if (p / name).exists() and not (p / name).is_file():
            raise _refuse(f"{name} in the output folder is not a file; scslab writes a file there",
                          p)
    present = sorted(x.name for x in p.iterdir())
    if present and not force:
        shown = ", ".join(present[:5]) + (f" and {len(present) - 5} more" if len(present) > 5 else "")
        raise _refuse(f"the output folder already holds files ({shown}); use --force to replace "
                      "scslab's own files there, or choose another folder", p)
    return p


def _probe(folder: Path, p: Path) -> None:
    """Create and remove a temporary folder in ``folder``, or refuse it as unwritable.

    Permission bits do not tell a read-only mount, an ACL or /proc from a writable folder, and
    root passes every access().
    """
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".scslab-probe.", suffix=".part", dir=folder))
    except OSError as exc:
        raise _refuse(f"the output folder cannot be written: {os_problem(exc)} (in {folder})",
                      p) from None


def prepare_output_folder(path: str | Path, force: bool = False, resume: bool = False) -> Path:
    """Make ``path`` ready for a run and return it: created, writable, without old outputs.

    With ``force``, scslab's own files are removed, the manifest first (so the folder stops
    being a run folder before anything in it changes), then an earlier run's checkpoints
    unless ``resume`` (the run continues from them); other files are left alone.
    """
    p = check_output_folder(path, force or resume)
    try:
        p.mkdir(parents=True, exist_ok=True)
        for name in (MANIFEST, *sorted(x.name for x in p.iterdir() if x.name != MANIFEST)):
            if _own(name) and (p / name).is_file():
                (p / name).unlink()
        if not resume and (p / CHECKPOINTS).is_dir():
            remove_checkpoints(p)
    except OSError as exc:
        raise _refuse(f"unusable output folder: {os_problem(exc)}", p) from None
    return p


def remove_checkpoints(path: Path) -> None:
    """Remove the checkpoints in the run folder ``path``.

    Their state goes first, so that a removal cut short leaves nothing to resume from.
    """
    folder = path / CHECKPOINTS
    state = folder / CHECKPOINT_STATE
    if state.is_file():
        state.unlink()
    shutil.rmtree(folder, ignore_errors=True)


def file_digest(path: Path) -> dict[str, Any]:
    """``{"bytes": size, "sha256": hex}`` of one file."""
    with path.open("rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    return {"bytes": path.stat().st_size, "sha256": digest}


def write_manifest(path: str | Path, manifest: dict[str, Any]) -> None:
    """Write ``manifest.json`` into the run folder ``path``, last.

    Its ``files`` entry gives name -> size and SHA-256 for every output present.
    """
    p = Path(path)
    files = {n: file_digest(p / n) for n in OUTPUTS if (p / n).is_file()}
    write_json(p / MANIFEST, {**manifest, "files": files})


def verify_files(path: Path, manifest: dict[str, Any]) -> None:
    """Raise :class:`InputError` unless every file the manifest lists has its size and hash."""
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise InputError("the manifest lists no files with their sizes and SHA-256 (an older "
                         "scslab wrote it, or it was not written by scslab); rerun the scenario",
                         file=path / MANIFEST, key="files")
    for name, want in files.items():
        if name not in OUTPUTS or not isinstance(want, dict):
            raise InputError(f"the manifest lists an unexpected file entry {str(name)[:60]!r}",
                             file=path / MANIFEST, key="files")
        f = path / name
        if not f.is_file():
            raise InputError(f"{name} is missing, though the manifest lists it; the run folder "
                             "is incomplete", file=f)
        size = f.stat().st_size
        if size != want.get("bytes"):
            raise InputError(f"{name} has {size:,} bytes, the manifest says {want.get('bytes')}; "
                             "the file changed after the run (a later, interrupted run?)", file=f)
        if file_digest(f)["sha256"] != want.get("sha256"):
            raise InputError(f"{name} does not match the SHA-256 in the manifest; the file "
                             "changed after the run", file=f)
