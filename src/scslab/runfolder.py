"""Reading a run folder written by ``scslab run`` (layout: ``docs/architecture.md``).

:func:`read_run` checks the two files every consumer needs (``manifest.json`` and
``daily.parquet``) and reads them eagerly; the per-subject tables can be large
(10^6 rows and more) and are read only when asked for.
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from scslab import inputfile
from scslab.errors import InputError
from scslab.runfolder_write import verify_files

MANIFEST = "manifest.json"
SCENARIO = "scenario.toml"
DAILY = "daily.parquet"
SUBJECTS = "subjects.parquet"
LEDGER = "ledger.parquet"

#: The normalised schema of ``daily.parquet`` (``date`` is optional and kept if present).
DAILY_COLUMNS: dict[str, pa.DataType] = {
    "day": pa.int32(),
    "regime": pa.string(),
    "metric": pa.string(),
    "key": pa.string(),
    "value": pa.float64(),
}


class RunFolder:
    """One run folder: manifest, scenario text and the daily table; subjects and ledger lazily.

    Build it with :func:`read_run`, which validates the folder.
    """

    def __init__(
        self, path: Path, manifest: dict[str, Any], scenario_text: str, daily: pa.Table
    ) -> None:
        self.path = path
        self.manifest = manifest
        self.scenario_text = scenario_text
        self.daily = daily

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r}, days={self.n_days}, regimes={self.regimes!r})"

    def _repr_html_(self) -> str:
        """A short table for notebooks: which run, how long, which files it holds."""
        from scslab.reprs import SYNTHETIC_NOTE, html_table, join_short

        m = self.manifest
        files = [n for n in (SUBJECTS, LEDGER, "report.html") if self.has(n)]
        rows: list[tuple[str, object]] = [
            ("path", str(self.path)),
            ("scenario", m.get("scenario") or m.get("scenario_name") or "?"),
            ("regimes", join_short(self.regimes)),
            ("persons", f"{m['persons']:,}" if isinstance(m.get("persons"), int) else "?"),
            ("days", f"{self.n_days:,}" + (f" from {m['start_date']}" if "start_date" in m else "")),
            ("seed", m.get("seed", "?")),
            ("files", join_short(["manifest.json", "daily.parquet", *files])),
        ]
        return html_table("RunFolder", rows, note=SYNTHETIC_NOTE)

    # -- files ---------------------------------------------------------------------------

    def has(self, name: str) -> bool:
        """Whether the folder holds the file ``name`` (e.g. ``"subjects.parquet"``)."""
        return (self.path / name).is_file()

    def _parquet(self, name: str) -> pq.ParquetFile:
        path = self.path / name
        if not path.is_file():
            raise InputError(f"run folder has no {name}", file=path)
        try:
            return pq.ParquetFile(path, memory_map=True)
        except (OSError, pa.ArrowException) as exc:
            raise InputError(f"not a readable Parquet file: {exc}", file=path) from exc

    @cached_property
    def subjects(self) -> pa.Table:
        """``subjects.parquet`` in full (one row per subject; read on first access)."""
        return self._parquet(SUBJECTS).read()

    @cached_property
    def ledger(self) -> pa.Table:
        """``ledger.parquet`` in full (read on first access; may be very large, prefer ``subjects``)."""
        return self._parquet(LEDGER).read()

    def subject_columns(self, names: list[str]) -> pa.Table:
        """Only the listed columns of ``subjects.parquet`` (those absent are left out).

        Cheaper than :attr:`subjects` for 10^6 subjects: Parquet reads columns independently.
        Column names hold dots (``R.score``), so this goes through :class:`pq.ParquetFile`,
        which matches whole top-level names rather than nested paths.
        """
        if "subjects" in self.__dict__:  # already in memory
            table: pa.Table = self.__dict__["subjects"]
            return table.select([n for n in names if n in table.column_names])
        pf = self._parquet(SUBJECTS)
        present = set(pf.schema_arrow.names)
        return pf.read(columns=[n for n in names if n in present])

    # -- manifest ------------------------------------------------------------------------

    @cached_property
    def regimes(self) -> list[str]:
        """Regime ids in manifest order; from ``daily`` (first appearance) if the manifest has none."""
        listed = self.manifest.get("regimes")
        if isinstance(listed, list) and listed:
            # Tolerate a list of tables (``{"id": ...}``) as well as the documented list of ids.
            return [str(r["id"]) if isinstance(r, dict) and "id" in r else str(r) for r in listed]
        names = _first_appearance(self.daily.column("regime"))
        return [n for n in names if n]

    @cached_property
    def n_days(self) -> int:
        """Number of simulated days (``manifest["days"]``, else the last day in ``daily`` + 1)."""
        days = self.manifest.get("days")
        if isinstance(days, int) and not isinstance(days, bool) and days >= 0:
            return days
        if self.daily.num_rows == 0:
            return 0
        return int(pc.max(self.daily.column("day")).as_py()) + 1

    # -- daily ---------------------------------------------------------------------------

    @property
    def sources(self) -> list[dict[str, Any]]:
        """The declared sources (id, sector, verified) the manifest names; [] for none."""
        found = self.manifest.get("sources", [])
        return [x for x in found if isinstance(x, dict)] if isinstance(found, list) else []

    def rows(self, metric: str, regime: str | None = "") -> pa.Table:
        """Rows of ``daily`` for ``metric`` (and ``regime``; ``None`` for every regime)."""
        mask = pc.equal(self.daily.column("metric"), metric)
        if regime is not None:
            mask = pc.and_(mask, pc.equal(self.daily.column("regime"), regime))
        return self.daily.filter(mask)

    def has_metric(self, metric: str, regime: str | None = None) -> bool:
        """Whether ``daily`` has any row of ``metric`` (for ``regime``; ``None``: any regime)."""
        return self.rows(metric, regime).num_rows > 0

    def keys(self, metric: str, regime: str | None = "") -> list[str]:
        """Keys of ``metric`` in order of first appearance in ``daily`` (rulebook order for bands)."""
        return _first_appearance(self.rows(metric, regime).column("key"))

    def _regime_of(self, metric: str, regime: str | None) -> str:
        """``regime``, or where omitted: "" for a shared metric, else the run's only regime."""
        if regime is not None:
            return regime
        if self.has_metric(metric, ""):
            return ""
        if len(self.regimes) == 1:
            return self.regimes[0]
        if self.has_metric(metric, None):
            raise ValueError(f"metric {metric!r} is per regime; name one of "
                             f"{', '.join(self.regimes)}")
        return ""

    def series(
        self, metric: str, regime: str | None = None, key: str | None = None, *, fill: float = 0.0
    ) -> dict[str, np.ndarray]:
        """Per-key day series of one metric: ``{key: float64 array of length n_days}``.

        Index ``d`` holds the value on day ``d`` (0-based). Days without a row get ``fill``:
        0 suits counts (a tidy table may leave zero rows out); use ``nan`` for means.
        Keys come in order of first appearance in ``daily``; ``key`` selects a single one.
        ``regime`` may be omitted for a metric shared by all regimes (``occurred``) and, when
        the run has one regime, for that regime's metrics (``band``).
        """
        rows = self.rows(metric, self._regime_of(metric, regime))
        if key is not None:
            rows = rows.filter(pc.equal(rows.column("key"), key))
        n_days = self.n_days
        if rows.num_rows == 0:
            return {} if key is None else {key: np.full(n_days, fill)}
        encoded = pc.dictionary_encode(rows.column("key").combine_chunks())
        names = encoded.dictionary.to_pylist()
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        days = rows.column("day").to_numpy()
        values = rows.column("value").to_numpy()
        keep = (days >= 0) & (days < n_days)  # a day outside the run cannot be plotted
        out = np.full((len(names), n_days), fill, dtype=np.float64)
        out[codes[keep], days[keep]] = values[keep]
        return dict(zip(names, out, strict=True))

    def total(self, metric: str, regime: str | None = None) -> dict[str, float]:
        """Sum over all days per key (``{key: total}``), keys in first-appearance order."""
        return {k: float(np.nansum(v)) for k, v in self.series(metric, regime).items()}


def _first_appearance(column: pa.ChunkedArray | pa.Array) -> list[str]:
    """Distinct values in order of first appearance (vectorised via dictionary encoding)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if len(column) == 0:
        return []
    return pc.dictionary_encode(column).dictionary.to_pylist()


#: Largest ``days`` a manifest may claim: the longest horizon a scenario allows is far below,
#: and per-day arrays of a larger claim would not fit in memory.
MAX_DAYS = 100_000
MAX_MANIFEST_BYTES = 1024 * 1024


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise InputError(f"manifest is over {MAX_MANIFEST_BYTES:,} bytes; scslab writes a few "
                             "kilobytes", file=path)
        manifest = json.loads(inputfile.decode(path.read_bytes(), path))
    except OSError as exc:
        raise InputError(f"cannot read manifest: {inputfile.os_problem(exc)}", file=path) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"manifest is not valid JSON: {exc.msg}", file=path, line=exc.lineno) from None
    except RecursionError:
        raise InputError("manifest is not valid JSON: nested too deeply", file=path) from None
    if inputfile.nesting_depth(manifest) > inputfile.MAX_NESTING:
        raise InputError("manifest is not valid JSON: nested too deeply", file=path)
    if not isinstance(manifest, dict):
        raise InputError("manifest must be a JSON object", file=path)
    days = manifest.get("days")
    if days is not None and (not isinstance(days, int) or isinstance(days, bool)
                             or not 0 <= days <= MAX_DAYS):
        raise InputError(f"manifest claims {str(days)[:40]} days; a whole number from 0 to "
                         f"{MAX_DAYS:,} was expected", file=path, key="days")
    regimes = manifest.get("regimes")
    if regimes is not None and not isinstance(regimes, list):
        raise InputError("manifest 'regimes' must be a list", file=path, key="regimes")
    return manifest


def _read_daily(path: Path) -> pa.Table:
    """Read ``daily.parquet`` and normalise it to :data:`DAILY_COLUMNS` (+ ``date``)."""
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise InputError(f"not a readable Parquet file: {exc}", file=path) from exc
    missing = [c for c in DAILY_COLUMNS if c not in table.column_names]
    if missing:
        raise InputError(f"daily table lacks column(s) {', '.join(missing)}", file=path)
    columns: dict[str, pa.ChunkedArray] = {}
    for name, dtype in DAILY_COLUMNS.items():
        col = table.column(name)
        try:
            # Writers may use large_string or dictionary columns, or int64 days: same meaning.
            if pa.types.is_dictionary(col.type):
                col = col.cast(col.type.value_type)
            col = col.cast(dtype)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise InputError(f"column '{name}' should be {dtype}, is {col.type}", file=path) from exc
        if name in ("regime", "key"):
            col = pc.fill_null(col, "")  # "" is the documented "no regime" / "no key"
        columns[name] = col
    if "date" in table.column_names:
        columns["date"] = table.column("date")
    return pa.table(columns)


def read_run(path: str | Path) -> RunFolder:
    """Open the run folder ``path``.

    Raises:
        InputError: ``path`` is not a folder, or lacks or has a malformed ``manifest.json``
            or ``daily.parquet``, or a file differs from the size and SHA-256 the manifest
            lists (the message names the file).
    """
    root = Path(path)
    try:
        if not root.is_dir():
            raise InputError("not a run folder (no such directory)", file=root)
        for name in (MANIFEST, DAILY):
            if not (root / name).is_file():
                raise InputError(f"not a run folder: {name} is missing", file=root / name)
        manifest = _read_manifest(root / MANIFEST)
        # Files written over (or beside) an earlier run's manifest must not pass for that run.
        verify_files(root, manifest)
        daily = _read_daily(root / DAILY)
        scenario_path = root / SCENARIO
        scenario_text = (inputfile.read_text(scenario_path, "scenario file")
                         if scenario_path.is_file() else "")
    except OSError as exc:
        raise InputError(f"cannot read the run folder: {inputfile.os_problem(exc)}",
                         file=inputfile.shown_path(root)) from None
    return RunFolder(root, manifest, scenario_text, daily)
