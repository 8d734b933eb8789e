"""Writing a run folder (see docs/architecture.md for the file formats).

Every file is written atomically; the ledger is streamed to disk while the run goes, so
memory does not grow with the ledger. ``manifest.json`` is written last.
"""

from __future__ import annotations

import platform
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

import numpy as np
import pyarrow as pa

from scslab._version import __version__
from scslab.dates import EPOCH
from scslab.io import ParquetStream, write_parquet, write_text
from scslab.regime.engine import NEVER, Engine
from scslab.regime.ledger import NO_SCORE
from scslab.regime.rules import RULE_CODES
from scslab.runfolder_write import write_manifest
from scslab.sim.loop import Daily, Simulation
from scslab.society import Society, org_code_chars, resident_id_chars
from scslab.society.ids import id_sequences

LEDGER_SCHEMA = pa.schema([
    ("day", pa.int32()), ("date", pa.date32()), ("subject", pa.int32()),
    ("regime", pa.dictionary(pa.int32(), pa.string())),
    ("act", pa.dictionary(pa.int32(), pa.string())), ("delta", pa.int32()),
    ("score_after", pa.int32()), ("rule", pa.dictionary(pa.int32(), pa.string())),
    ("list", pa.dictionary(pa.int32(), pa.string())), ("until", pa.date32()),
    ("ref", pa.int32()), ("amount", pa.float64()), ("item", pa.dictionary(pa.int32(), pa.string())),
])
"""``ledger.parquet``: one row per ledger line; ``rule`` is a code of
:class:`scslab.regime.rules.Rule` and the other fields are documented there."""
DEPENDENCIES = ("numpy", "pyarrow", "pydantic", "python-stdnum", "typer", "rich", "matplotlib",
                "jinja2", "tomli-w")


def _dict_strings(codes: np.ndarray, values: list[str]) -> pa.Array:
    """Strings from integer codes into ``values`` (code -1 = null), decoded in Arrow."""
    return _dictionary(codes, values).dictionary_decode()


def _dictionary(codes: np.ndarray, values: list[str]) -> pa.DictionaryArray:
    """A dictionary array of integer codes into ``values`` (code < 0 = null): no per-row strings."""
    codes = np.asarray(codes, np.int32)
    mask = codes < 0
    return pa.DictionaryArray.from_arrays(
        pa.array(np.where(mask, 0, codes), pa.int32(), mask=mask if mask.any() else None),
        pa.array(values or [""], pa.string()))


def _days(day: np.ndarray, missing: int | None = None) -> pa.Array:
    """date32 of day numbers (``missing`` = null)."""
    d = np.asarray(day, np.int32)
    mask = None if missing is None else d == missing
    return pa.array(d, pa.date32(), mask=mask if mask is not None and mask.any() else None)


class LedgerWriter:
    """Streams engine ledgers into ``ledger.parquet``.

    Parquet encoding runs in one background thread (pyarrow releases the GIL), so it overlaps
    with the next days of simulation; at most one batch waits, so memory stays bounded, and an
    encoding error surfaces at the next batch or on exit.
    """

    def __init__(self, path: Path, sim: Simulation,
                 spool: Callable[[pa.Table], None] | None = None) -> None:
        # Readers filter lines by day and subject; subjects are mostly distinct within a page.
        self.stream = ParquetStream(path, LEDGER_SCHEMA, plain=("subject",),
                                    stats=("day", "date", "subject"))
        self.sim = sim
        self.spool = spool  # also handed every batch (the checkpoints' copy of the ledger)
        self._items: dict[int, tuple[np.ndarray, list[str]]] = {}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scslab-ledger")
        self._pending: Future | None = None

    def __enter__(self) -> LedgerWriter:
        self.stream.__enter__()
        return self

    def _wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def flush(self) -> None:
        """Wait until every batch handed over so far is written (to the file and the spool)."""
        self._wait()

    def replay(self, batches: Iterable[pa.Table]) -> None:
        """Write batches a killed run wrote before its checkpoint, in their order (resuming).

        They are written exactly as they were first, so the file gets the same bytes.
        """
        self._wait()
        for table in batches:
            self.stream.write_table(table)

    def _write(self, table: pa.Table) -> None:
        self.stream.write_table(table)
        if self.spool is not None:
            self.spool(table)

    def _item_names(self, r: int, engine: Engine) -> tuple[np.ndarray, list[str]]:
        """Per rule code, the offset of its kind of item in one name list (-1: no item)."""
        if r not in self._items:
            names, offset = engine.vocabulary().item_names()
            self._items[r] = (np.array(offset, np.int64), names)
        return self._items[r]

    def __call__(self, r: int, engine: Engine) -> None:
        """Drain the ledger of regime ``r`` into the file.

        Lines come in canonical order (:meth:`~scslab.regime.ledger.LedgerLines.canonical`);
        Parquet encoding runs in the writer's thread.
        """
        lines = engine.ledger.drain()
        if not len(lines):
            return
        k = len(lines)
        offset, items = self._item_names(r, engine)
        off = offset[lines.rule]
        item = np.where((off >= 0) & (lines.item >= 0), off + lines.item, -1)
        batch = {
            "day": lines.day - self.sim.start,
            "date": _days(lines.day),
            "subject": lines.subject,
            "regime": _dictionary(np.zeros(k, np.int32), [engine.rulebook.regime.id]),
            "act": _dictionary(lines.act, engine.act_ids),
            "delta": lines.delta,
            "score_after": pa.array(lines.score_after, mask=lines.score_after == NO_SCORE),
            "rule": _dictionary(lines.rule, RULE_CODES),
            "list": _dictionary(lines.list, engine.list_ids),
            "until": _days(lines.until, NEVER),
            "ref": pa.array(lines.ref, mask=lines.ref == NEVER),
            "amount": pa.array(lines.amount, mask=np.isnan(lines.amount)),
            "item": _dictionary(item, items),
        }
        self._wait()
        self._pending = self._pool.submit(self._write, pa.table(batch, schema=LEDGER_SCHEMA))

    def __exit__(self, *exc) -> None:
        try:
            self._wait()
        finally:
            self._pool.shutdown(wait=True)
            self.stream.__exit__(*exc)


def consequence_counts(e: Engine, days: np.ndarray, bands: np.ndarray,
                       lists: np.ndarray) -> dict[str, np.ndarray]:
    """Per restriction or privilege id, on each of ``days``: subjects holding it.

    See :meth:`scslab.regime.engine.Engine.consequence_counts`.
    """
    return e.consequence_counts(days, bands, lists)


def source_parts(sim: Simulation, daily: Daily) -> list[tuple[str, str, list[str], np.ndarray]]:
    """The sources layer's per-day counts (none without a declared source).

    See docs/sources.md: records and false records per source, records pending, and per
    regime what false records and late deletions cost.
    """
    layer, w = daily.sources, daily.wrongful
    parts: list[tuple[str, str, list[str], np.ndarray]] = []
    if layer is not None:
        names = layer.plan.names
        parts += [("", "source_records", names, layer.by_source),
                  ("", "source_false", names, layer.false_by_source),
                  ("", "records_pending", [""], layer.pending[:, None])]
    if w is None:
        return parts
    for r, e in enumerate(sim.engines):
        rid = e.rulebook.regime.id
        parts.append((rid, "wrongful_records", [""], w.records[:, r : r + 1]))
        if e.list_ids:
            parts.append((rid, "wrongful_listed", e.list_ids, w.listed[r]))
            parts.append((rid, "restricted_after_performance", e.list_ids, w.after_performance[r]))
        parts.append((rid, "wrongful_restricted", [""], w.restricted[:, r : r + 1]))
        if daily.gates is not None:
            parts.append((rid, "wrongful_denied", [""], w.denied[:, r : r + 1]))
    return parts


def daily_table(sim: Simulation, daily: Daily) -> pa.Table:
    """The tidy per-day table: day, date, regime, metric, key, value."""
    D = sim.n_days
    parts: list[tuple[str, str, list[str], np.ndarray]] = []
    for r, e in enumerate(sim.engines):
        rid = e.rulebook.regime.id
        labels = e.band_labels
        if labels:
            parts.append((rid, "band", labels, daily.bands[r][:, : len(labels)]))
        if e.list_ids:
            parts.append((rid, "list", e.list_ids, daily.lists[r]))
        if e.score is not None:
            parts.append((rid, "mean_score", [""], (daily.score_sum[r] / e.n_subjects)[:, None]))
        held = consequence_counts(e, sim.start + np.arange(D), daily.bands[r], daily.lists[r])
        if held:
            parts.append((rid, "consequence", list(held), np.stack(list(held.values()), axis=1)))
    parts.append(("", "occurred", sim.act_ids, daily.occurred))
    parts.append(("", "recorded", sim.act_ids, daily.recorded))
    if daily.gates is not None:  # request / denied / privileged, exposures (scslab.gates.system)
        parts.extend(daily.gates.parts())
    for metric, values in daily.conduct.items():  # score checks, ties, assortativity (sim.loop)
        parts.append(("", metric, [""], values[:, None]))
    parts.extend(source_parts(sim, daily))
    if sim.flows is not None:  # records each flow delivered, under the receiving regime
        for i, p in enumerate(sim.flows.plans):
            parts.append((sim.engines[p.dst].rulebook.regime.id, "flowed", [p.label],
                          sim.flows.delivered[:, i : i + 1]))
    cols: dict[str, list] = {k: [] for k in ("day", "regime", "metric", "key", "value")}
    for regime, metric, keys, values in parts:
        nk = len(keys)
        cols["day"].append(np.repeat(np.arange(D, dtype=np.int32), nk))
        cols["regime"].append(np.full(D * nk, regime, dtype=object))
        cols["metric"].append(np.full(D * nk, metric, dtype=object))
        cols["key"].append(np.tile(np.array(keys, dtype=object), D))
        cols["value"].append(np.asarray(values, np.float64).reshape(-1))
    value = np.concatenate(cols["value"])
    # A metric measured on some days only (assortativity, monthly) has no row on the others.
    keep = ~np.isnan(value)
    for k in cols:
        cols[k] = [np.concatenate(cols[k])[keep]]
    value = value[keep]
    day = cols["day"][0]
    date = (EPOCH + (sim.start + day.astype(np.int64)).astype("timedelta64[D]"))
    return pa.table({
        "day": day,
        "date": pa.array(date, pa.date32()),
        "regime": pa.array(cols["regime"][0], pa.string()),
        "metric": pa.array(cols["metric"][0], pa.string()),
        "key": pa.array(cols["key"][0], pa.string()),
        "value": value,
    })


def _fixed_strings(chars: np.ndarray) -> pa.Array:
    """A string array from (width, n) ASCII codes, built from one buffer: no Python strings."""
    width, n = chars.shape
    offsets = np.arange(0, width * (n + 1), width, dtype=np.int32)
    data = np.ascontiguousarray(chars.T)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


def _list_bits(e: Engine, lo: int, hi: int) -> np.ndarray:
    """Per subject row ``lo .. hi - 1``, the lists it is on as bits (bit ``li``: list ``li``)."""
    bits = np.zeros(hi - lo, np.int64)
    k = min(max(e.n_subjects, lo), hi)  # rows lo .. k - 1 are the regime's
    if k > lo:
        rows = np.arange(lo, k)
        for li in range(len(e.list_ids)):
            bits[: k - lo] |= e.listed(li, rows).astype(np.int64) << li
    return bits


def list_patterns(e: Engine, n: int, chunk: int) -> np.ndarray:
    """The distinct sets of lists (bit patterns, ascending) over all ``n`` subject rows."""
    found = [np.unique(_list_bits(e, lo, min(lo + chunk, n))) for lo in range(0, n, chunk)]
    return np.unique(np.concatenate(found)) if found else np.zeros(0, np.int64)


def _list_sets(e: Engine, lo: int, hi: int, patterns: np.ndarray) -> pa.Array:
    """Per row ``lo .. hi - 1``, the ids of the lists it is on, sorted and ``;``-joined.

    Dictionary-encoded over ``patterns`` (every distinct set of lists of the whole table, as
    bits), so each chunk of the table has the same dictionary: O(n) array work whatever the lists.
    """
    codes = np.searchsorted(patterns, _list_bits(e, lo, hi))
    names = [";".join(sorted(lid for li, lid in enumerate(e.list_ids) if p >> li & 1))
             for p in patterns.tolist()]
    return _dictionary(codes, names)


def id_chars(soc: Society) -> np.ndarray:
    """(18, n_subjects) ASCII codes of every subject's synthetic ID (persons, then organisations)."""
    return _id_chars(soc, 0, soc.n_subjects, id_sequences(soc))


def _id_chars(soc: Society, lo: int, hi: int, seq: np.ndarray) -> np.ndarray:
    """(18, hi - lo) ASCII codes of the IDs of subject rows ``lo .. hi - 1``.

    ``seq``: the persons' :func:`~scslab.society.ids.id_sequences`.
    """
    n_p = soc.n_persons
    parts = []
    if lo < n_p:
        parts.append(resident_id_chars(soc, np.arange(lo, min(hi, n_p)), seq=seq))
    if hi > n_p:
        parts.append(org_code_chars(soc, np.arange(max(lo, n_p), hi) - n_p))
    return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)


def person_attributes(soc: Society, lo: int = 0, hi: int | None = None) -> dict[str, pa.Array]:
    """Sex, ability to pay, propensity and legal representative of subject rows ``lo .. hi - 1``.

    The first three are null for organisations; the representative (a person row) is null for
    persons and for an organisation without one.
    """
    n_p = soc.n_persons
    hi = soc.n_subjects if hi is None else hi
    p = slice(min(lo, n_p), min(hi, n_p))  # the persons' rows
    o = slice(max(lo, n_p) - n_p, max(hi, n_p) - n_p)  # the organisations', from 0
    n_per, n_o = p.stop - p.start, o.stop - o.start
    org = np.r_[np.zeros(n_per, bool), np.ones(n_o, bool)]
    rep = np.concatenate([np.full(n_per, -1, np.int32), soc.org_legal_rep[o].astype(np.int32)])
    return {
        "sex": _dictionary(np.where(org, -1, np.pad(soc.sex[p].astype(np.int32), (0, n_o))),
                           ["female", "male"]),
        "ability_to_pay": pa.array(np.pad(soc.ability_to_pay[p].astype(np.float64), (0, n_o)),
                                   mask=org),
        "propensity": pa.array(np.pad(soc.propensity[p].astype(np.float64), (0, n_o)), mask=org),
        "legal_representative": pa.array(rep, mask=rep < 0),
    }


#: Rows per chunk of ``subjects.parquet`` as it is written: Arrow's default row group (2^20
#: rows), so the chunks are the row groups ``pq.write_table`` of the whole table makes and the
#: file is the same, byte for byte, at the memory of one chunk.
SUBJECT_CHUNK = 1 << 20


class SubjectsTable:
    """The final state of every subject, built a range of rows at a time.

    Args:
        sim: the finished simulation.
        seq: the persons' ID sequences (:func:`~scslab.society.ids.id_sequences`), if made.
    """

    def __init__(self, sim: Simulation, seq: np.ndarray | None = None) -> None:
        self.sim = sim
        soc = sim.society
        self.n = soc.n_subjects
        self.seq = id_sequences(soc) if seq is None else seq
        self.patterns = [list_patterns(e, self.n, SUBJECT_CHUNK) for e in sim.engines]

    def chunks(self, size: int = SUBJECT_CHUNK) -> Iterable[pa.Table]:
        """The table in chunks of ``size`` rows."""
        for lo in range(0, self.n, size):
            yield self.rows(lo, min(lo + size, self.n))

    def rows(self, lo: int, hi: int) -> pa.Table:
        """Subject rows ``lo .. hi - 1``."""
        soc, n_p = self.sim.society, self.sim.society.n_persons
        p = slice(min(lo, n_p), min(hi, n_p))
        o = slice(max(lo, n_p) - n_p, max(hi, n_p) - n_p)
        n_per, n_org = p.stop - p.start, o.stop - o.start
        kind = np.r_[np.zeros(n_per, np.int64), np.ones(n_org, np.int64)]
        org_region = soc.region[soc.org_legal_rep[o]] if n_org else np.zeros(0, np.uint16)
        region = np.concatenate([soc.region[p], org_region]).astype(np.int64)
        hs = soc.household_start  # household of a person: the last household starting at or before
        household = np.searchsorted(hs, np.arange(p.start, p.stop), side="right").astype(np.int32) - 1
        cols: dict[str, pa.Array | np.ndarray] = {
            "subject": np.arange(lo, hi, dtype=np.int32),
            "id": _fixed_strings(_id_chars(soc, lo, hi, self.seq)),
            "kind": _dictionary(kind, ["person", "organisation"]),
            "age": pa.array(np.concatenate([soc.age[p].astype(np.int16), np.zeros(n_org, np.int16)]),
                            mask=kind == 1),
            "region": _dictionary(region, list(soc.region_codes)),
            "household": pa.array(np.concatenate([household, np.zeros(n_org, np.int32)]),
                                  mask=kind == 1),
            **person_attributes(soc, lo, hi),
        }
        for e, patterns in zip(self.sim.engines, self.patterns, strict=True):
            rid = e.rulebook.regime.id
            k = min(max(e.n_subjects, lo), hi)  # rows lo .. k - 1 are the regime's; the rest null
            covered = np.arange(lo, hi) >= k
            rule = e.rulebook.score
            if e.score is not None and rule is not None:
                cols[f"{rid}.score_start"] = pa.array(np.full(hi - lo, rule.initial, np.int32),
                                                      mask=covered)
                cols[f"{rid}.score"] = pa.array(np.pad(e.score[lo:k], (0, hi - k)), mask=covered)
            else:
                cols[f"{rid}.score_start"] = pa.nulls(hi - lo, pa.int32())
                cols[f"{rid}.score"] = pa.nulls(hi - lo, pa.int32())
            band = np.full(hi - lo, -1, np.int32)
            band[: k - lo] = e.band_index(np.arange(lo, k))
            band[: k - lo][band[: k - lo] == len(e.band_labels)] = -1
            cols[f"{rid}.band"] = _dictionary(band, e.band_labels)
            cols[f"{rid}.lists"] = _list_sets(e, lo, hi, patterns)
        return pa.table(cols)


def subjects_table(sim: Simulation, seq: np.ndarray | None = None) -> pa.Table:
    """The final state of every subject; ``seq``: the persons' ID sequences if already made."""
    return SubjectsTable(sim, seq).rows(0, sim.society.n_subjects)


def write_subjects(path: Path, sim: Simulation, seq: np.ndarray | None = None) -> None:
    """Write ``subjects.parquet`` a row group at a time (the bytes of the whole table's file)."""
    table = SubjectsTable(sim, seq)
    chunks = iter(table.chunks())
    first = next(chunks, None)
    if first is None:  # no subjects: the empty table, as pq.write_table writes it
        write_parquet(path, table.rows(0, 0), plain=SUBJECT_PLAIN, stats=SUBJECT_STATS)
        return
    with ParquetStream(path, first.schema, plain=SUBJECT_PLAIN, stats=SUBJECT_STATS) as out:
        out.write_table(first)
        del first
        for chunk in chunks:
            out.write_table(chunk)


SUBJECT_PLAIN = ("subject", "household")  # mostly distinct values: no dictionary pages
SUBJECT_STATS = ("subject",)  # the column readers filter on


def manifest(sim: Simulation, ledger_lines: int) -> dict:
    """Versions, seed and scenario hash: what is needed to reproduce the run."""
    deps: dict[str, str | None] = {}
    for d in DEPENDENCIES:
        try:
            deps[d] = metadata.version(d)
        except metadata.PackageNotFoundError:
            deps[d] = None
    return {
        "scslab": __version__,
        "python": platform.python_version(),
        "dependencies": deps,
        "scenario": sim.scenario.scenario.name,
        "scenario_sha256": sim.scenario.sha256(),
        "seed": sim.run_seed,
        "persons": sim.n_persons,
        "organisations": sim.society.n_orgs,
        "days": sim.n_days,
        "start_date": sim.scenario.horizon.start_date,
        "regimes": [e.rulebook.regime.id for e in sim.engines],
        "acts": sim.act_ids,
        "ledger_lines": ledger_lines,
        # Only where sources are declared, so that other manifests stay as they were.
        **({"sources": [{"id": sid, "sector": sp.sector, "verified": sp.verified}
                        for sid, sp in zip(sim.plan.sources.ids, sim.plan.sources.specs,
                                           strict=True)]} if sim.plan.sources.any else {}),
    }


def resolved_scenario(sim: Simulation) -> str:
    """The scenario with the run's overrides applied (the resolve step put them in), as TOML."""
    return sim.scenario.to_toml()


def write_tables(sim: Simulation, daily: Daily, out: Path, seq: np.ndarray | None = None) -> None:
    """Write the scenario, daily and subjects files (the ledger streams separately).

    ``seq``: the persons' ID sequences (:func:`~scslab.society.ids.id_sequences`), if made.
    """
    write_text(out / "scenario.toml", resolved_scenario(sim))
    # The two tables encode in parallel (pyarrow releases the GIL while writing).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="scslab-out") as pool:
        daily_done = pool.submit(write_parquet, out / "daily.parquet", daily_table(sim, daily))
        write_subjects(out / "subjects.parquet", sim, seq)
        daily_done.result()


def write_run_manifest(sim: Simulation, out: Path) -> None:
    """Seal the run folder: the manifest, written last, with every file's size and SHA-256."""
    write_manifest(out, manifest(sim, sum(e.ledger.n_lines for e in sim.engines)))
