"""Checkpoints of a run, and resuming a killed run from the last one.

While ``scslab run`` writes a run folder, every K simulated days (``--checkpoint-every``,
default 30) it writes, into the folder's hidden ``.checkpoint/``:

* ``ledger-NNNNN.arrows``: the ledger batches handed to the Parquet writer since the previous
  checkpoint (an Arrow IPC stream, LZ4), the writer's *position*: the Parquet file being
  written is not readable until it is closed, so a resumed run writes these batches again,
  in order, into a fresh one, and gets the same bytes;
* ``state.pickle``: a header (scslab version, the run's identity, the next day, the number of
  ledger segments), then the whole :class:`~scslab.sim.loop.Simulation` and its
  :class:`~scslab.sim.loop.Daily` pickled together (protocol 5). Pickling the objects rather
  than a list of fields keeps every piece of state, including state added later, and the
  shared references between them. One thing pickling does not keep: a numpy view and its base
  come back as two arrays, so state must never be written through one and read through the
  other (``tests/test_resume.py`` resumes every built-in scenario to catch it).

Each file is written to a temporary name, fsynced and renamed (then the folder is fsynced), the
segment before the state that counts it, so a run killed at any moment leaves the last complete
checkpoint. The folder is removed just before the manifest is written; a run killed in between
starts again from day 0 when resumed, with the same result. A running run holds an exclusive
lock on its folder, so a resume never runs beside it.

A checkpoint is a pickle: resume only folders your own runs wrote.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa

from scslab._version import __version__
from scslab.errors import InputError
from scslab.inputfile import os_problem, shown_path
from scslab.runfolder_write import CHECKPOINT_STATE, CHECKPOINTS, remove_checkpoints
from scslab.sim.loop import Daily, Simulation
from scslab.sim.resolve import Resolved

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no lock
    fcntl = None  # type: ignore[assignment]

DEFAULT_EVERY = 30
"""Simulated days between checkpoints unless ``--checkpoint-every`` says otherwise."""
FORMAT = 1  # of state.pickle; a checkpoint of another format or scslab version is refused


def identity(plan: Resolved) -> dict[str, Any]:
    """What makes two runs the same run: resolved scenario, seed and horizon."""
    h = plan.horizon
    return {"scenario": plan.scenario.sha256(), "seed": h.seed, "persons": h.persons,
            "days": h.days, "start": h.start}


@dataclass
class Resumed:
    """The last checkpoint of a run: its next day, simulation and aggregates."""

    first: int
    segments: int
    sim: Simulation
    daily: Daily


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _durable(path: Path) -> Iterator[BinaryIO]:
    """A binary file that replaces ``path`` only once it is complete and on disk."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_folder(path.parent)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


class Checkpoints:
    """The checkpoints of the run being written into ``out`` (see the module docstring).

    Args:
        out: the run folder.
        every: simulated days between checkpoints (0: none).
    """

    def __init__(self, out: Path, every: int) -> None:
        self.out, self.every = out, every
        self.folder = out / CHECKPOINTS
        self.segments = 0  # committed ledger segments
        self._stream: pa.ipc.RecordBatchStreamWriter | None = None
        self._file: BinaryIO | None = None
        self._tmp = ""  # the spool's temporary file
        self._lock: int | None = None

    # ------------------------------------------------------------------ life
    @property
    def locked(self) -> bool:
        """Whether this process holds the folder's lock."""
        return self._lock is not None

    def lock(self) -> Checkpoints:
        """Take the folder's lock (released when this process ends, killed or not)."""
        fd = os.open(self.out, os.O_RDONLY)
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                raise InputError("a run is still writing this folder (it holds the folder's "
                                 "lock); wait for it or stop it first",
                                 file=shown_path(self.out)) from None
        self._lock = fd
        return self

    def start(self, resumed: Resumed | None) -> None:
        """Get the folder ready: empty for a new run; for a resumed one, only what it counts."""
        self.folder.mkdir(exist_ok=True)
        self.segments = 0 if resumed is None else resumed.segments
        for f in self.folder.iterdir():
            if f.name == CHECKPOINT_STATE and resumed is not None:
                continue
            n = _segment_number(f.name)
            if n is None or n >= self.segments:  # temporaries, and segments of no checkpoint
                f.unlink()

    def finish(self) -> None:
        """Remove the checkpoints (the run is complete but for its manifest)."""
        self._close_stream()
        remove_checkpoints(self.out)

    def release(self) -> None:
        """Close the spool and release the folder's lock."""
        self._close_stream()
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    # ------------------------------------------------------------------ ledger spool
    def _segment(self, n: int) -> Path:
        return self.folder / f"ledger-{n:05d}.arrows"

    def spool(self, table: pa.Table) -> None:
        """Keep one ledger batch for the segment of the next checkpoint."""
        if self._stream is None:
            fd, self._tmp = tempfile.mkstemp(prefix=".ledger.", suffix=".part", dir=self.folder)
            self._file = os.fdopen(fd, "wb")
            self._stream = pa.ipc.new_stream(self._file, table.schema,
                                             options=pa.ipc.IpcWriteOptions(compression="lz4"))
        self._stream.write_table(table)

    def _close_stream(self) -> None:
        if self._stream is not None and self._file is not None:
            self._stream.close()
            self._file.close()
            Path(self._tmp).unlink(missing_ok=True)
        self._stream = self._file = None

    def _commit_segment(self) -> None:
        path = self._segment(self.segments)
        if self._stream is None or self._file is None:  # no batch since the last checkpoint
            with _durable(path):
                pass
        else:
            self._stream.close()
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            os.replace(self._tmp, path)
            self._stream = self._file = None
        self.segments += 1

    def replay(self, segments: int) -> Iterator[pa.Table]:
        """The ledger batches of the first ``segments`` segments, in the order they came."""
        for n in range(segments):
            path = self._segment(n)
            if path.stat().st_size == 0:
                continue
            with pa.ipc.open_stream(pa.memory_map(str(path))) as reader:
                for batch in reader:
                    yield pa.Table.from_batches([batch])

    # ------------------------------------------------------------------ state
    def due(self, k: int, n_days: int) -> bool:
        """Whether a checkpoint follows day index ``k`` (never after the last day)."""
        return self.every > 0 and (k + 1) % self.every == 0 and k + 1 < n_days

    def save(self, first: int, sim: Simulation, daily: Daily) -> None:
        """Write the checkpoint before day index ``first`` (the ledger writer is flushed)."""
        self._commit_segment()
        header = {"format": FORMAT, "scslab": __version__, "run": identity(sim.plan), "first": first,
                  "segments": self.segments}
        with _durable(self.folder / CHECKPOINT_STATE) as f:
            pickle.dump(header, f, protocol=5)
            pickle.dump((sim, daily), f, protocol=5)


def _segment_number(name: str) -> int | None:
    if name.startswith("ledger-") and name.endswith(".arrows") and name[7:-7].isdigit():
        return int(name[7:-7])
    return None


def load(out: Path, run: dict[str, Any]) -> Resumed | None:
    """The last checkpoint in the run folder ``out``, or None when there is none.

    Raises:
        InputError: it is of another run than ``run`` (:func:`identity`), of another scslab
            version, or unreadable.
    """
    path = out / CHECKPOINTS / CHECKPOINT_STATE
    if not path.is_file():
        return None
    shown = shown_path(path)
    try:
        with path.open("rb") as f:
            header = pickle.load(f)
            if not isinstance(header, dict) or header.get("format") != FORMAT \
                    or header.get("scslab") != __version__:
                got = header.get("scslab") if isinstance(header, dict) else None
                raise InputError(f"option --resume: the checkpoint was written by scslab {got}, "
                                 f"this is {__version__}; resume with that version", file=shown)
            if header.get("run") != run:
                # The scenario's hash covers its horizon too: name it only if nothing else differs.
                differ = [k for k in run if header["run"].get(k) != run[k] and k != "scenario"]
                raise InputError("option --resume: the folder holds a run of another "
                                 f"{', '.join(differ) or 'scenario'}; give the killed run's "
                                 "scenario and options", file=shown)
            sim, daily = pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError) as exc:
        problem = os_problem(exc) if isinstance(exc, OSError) else type(exc).__name__
        raise InputError(f"option --resume: the checkpoint cannot be read ({problem})",
                         file=shown) from None
    return Resumed(int(header["first"]), int(header["segments"]), sim, daily)
