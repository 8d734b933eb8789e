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


def _list_sets(e: Engine, n: int) -> pa.Array:
    """Per row, the ids of the lists it is on, sorted and ``;``-joined.

    Dictionary-encoded: each distinct set of lists is one bit pattern, so this is O(n) array
    work whatever the lists.
    """
    k = e.n_subjects
    bits = np.zeros(n, np.int64)
    everyone = np.arange(k)
    for li in range(len(e.list_ids)):
        bits[:k] |= e.listed(li, everyone).astype(np.int64) << li
    patterns, codes = np.unique(bits, return_inverse=True)
    names = [";".join(sorted(lid for li, lid in enumerate(e.list_ids) if p >> li & 1))
             for p in patterns.tolist()]
    return _dictionary(codes.reshape(-1), names)


def id_chars(soc: Society) -> np.ndarray:
    """(18, n_subjects) ASCII codes of every subject's synthetic ID (persons, then organisations).

    They depend on the society alone, so the run writer computes them while the days run.
    """
    chars = resident_id_chars(soc)
    if soc.n_orgs:
        chars = np.concatenate([chars, org_code_chars(soc)], axis=1)
    return chars


def person_attributes(soc: Society) -> dict[str, pa.Array]:
    """Sex, ability to pay, propensity and legal representative of every subject.

    The first three are null for organisations; the representative (a person row) is null for
    persons and for an organisation without one.
    """
    n_o = soc.n_orgs
    org = np.r_[np.zeros(soc.n_persons, bool), np.ones(n_o, bool)]
    rep = np.concatenate([np.full(soc.n_persons, -1, np.int32), soc.org_legal_rep.astype(np.int32)])
    return {
        "sex": _dictionary(np.where(org, -1, np.pad(soc.sex.astype(np.int32), (0, n_o))),
                           ["female", "male"]),
        "ability_to_pay": pa.array(np.pad(soc.ability_to_pay.astype(np.float64), (0, n_o)),
                                   mask=org),
        "propensity": pa.array(np.pad(soc.propensity.astype(np.float64), (0, n_o)), mask=org),
        "legal_representative": pa.array(rep, mask=rep < 0),
    }


def subjects_table(sim: Simulation, chars: np.ndarray | None = None) -> pa.Table:
    """The final state of every subject; ``chars``: their :func:`id_chars` if already made."""
    soc = sim.society
    n_p, n = soc.n_persons, soc.n_subjects
    if chars is None:
        chars = id_chars(soc)
    kind = np.where(np.arange(n) < n_p, 0, 1)
    region = np.concatenate([soc.region, soc.org_region]).astype(np.int64)
    cols: dict[str, pa.Array | np.ndarray] = {
        "subject": np.arange(n, dtype=np.int32),
        "id": _fixed_strings(chars),
        "kind": _dictionary(kind, ["person", "organisation"]),
        "age": pa.array(np.concatenate([soc.age.astype(np.int16), np.zeros(soc.n_orgs, np.int16)]),
                        mask=kind == 1),
        "region": _dictionary(region, list(soc.region_codes)),
        "household": pa.array(np.concatenate([soc.household, np.zeros(soc.n_orgs, np.int32)]),
                              mask=kind == 1),
        **person_attributes(soc),
    }
    for e in sim.engines:
        rid = e.rulebook.regime.id
        k = e.n_subjects  # rows the regime covers; the rest are null
        covered = np.arange(n) >= k
        rule = e.rulebook.score
        if e.score is not None and rule is not None:
            cols[f"{rid}.score_start"] = pa.array(np.full(n, rule.initial, np.int32),
                                                  mask=covered)
            cols[f"{rid}.score"] = pa.array(np.pad(e.score, (0, n - k)), mask=covered)
        else:
            cols[f"{rid}.score_start"] = pa.nulls(n, pa.int32())
            cols[f"{rid}.score"] = pa.nulls(n, pa.int32())
        band = np.full(n, -1, np.int32)
        band[:k] = e.band_index(np.arange(k))
        band[:k][band[:k] == len(e.band_labels)] = -1
        cols[f"{rid}.band"] = _dictionary(band, e.band_labels)
        cols[f"{rid}.lists"] = _list_sets(e, n)
    return pa.table(cols)


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


def write_tables(sim: Simulation, daily: Daily, out: Path, chars: np.ndarray | None = None) -> None:
    """Write the scenario, daily and subjects files (the ledger streams separately).

    ``chars``: the subjects' :func:`id_chars`, if already made.
    """
    write_text(out / "scenario.toml", resolved_scenario(sim))
    # The two tables encode in parallel (pyarrow releases the GIL while writing).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="scslab-out") as pool:
        daily_done = pool.submit(write_parquet, out / "daily.parquet", daily_table(sim, daily))
        write_parquet(out / "subjects.parquet", subjects_table(sim, chars),
                      plain=("subject", "household"), stats=("subject",))
        daily_done.result()


def write_run_manifest(sim: Simulation, out: Path) -> None:
    """Seal the run folder: the manifest, written last, with every file's size and SHA-256."""
    write_manifest(out, manifest(sim, sum(e.ledger.n_lines for e in sim.engines)))
