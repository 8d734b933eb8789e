"""What a run keeps for each subject's merged file beyond the ledger: records and gate outcomes.

Two optional, sparse tables of the run folder (``docs/architecture.md``):

* ``records.parquet``, where sources are declared: every record that reached the regimes, with
  its source, the source's sector and whether it is true (``day``, ``date``, ``subject``,
  ``act``, ``source``, ``sector``, ``true``). Without declared sources every record comes from
  the default source and is true, and the ledger's lines show them.
* ``gates.parquet``, where gates are on: one row per request and gating regime that denied or
  privileged it (``day``, ``date``, ``subject``, ``service``, ``regime``, ``outcome``); allowed
  requests are not kept. A service with an outcome (``Service.outcome``, a customs inspection)
  adds a row, regime ``""``, for each request the outcome befell, named by the outcome
  (``inspected``); runs without such a service write the same file as before.

Rows are in canonical order (day, then subject; a subject's rows of a day in the order they
were made), so the files are the same for every ``--partitions``. The cost is one row per record
or per answer that is not "allowed"; rows are streamed to the files in batches of about
:data:`FLUSH_ROWS`, so memory stays bounded.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from scslab.io import ParquetStream

if TYPE_CHECKING:
    from scslab.gates.system import Decisions
    from scslab.sim.loop import Records

RECORDS = "records.parquet"
GATES = "gates.parquet"
OUTCOMES = ("denied", "privileged")
FLUSH_ROWS = 1 << 20  # rows buffered before they are streamed to the file (at a day's end)


def _dictionary(codes: np.ndarray, values: list[str]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(np.asarray(codes, np.int32), pa.int32()),
                                          pa.array(values or [""], pa.string()))


def _dates(day: np.ndarray) -> pa.Array:
    """date32 of day numbers (days since 1970-01-01)."""
    return pa.array(np.asarray(day, np.int32), pa.date32())


class SubjectFiles:
    """Collects the day's records and gate answers of a run (see the module docstring).

    Args:
        start: the run's first day number.
        act_ids: the scenario's acts.
        sources: output names of the sources (the default one first), or None: none declared.
        sectors: the sector of each (``""`` for the default source).
        keep_records, keep_gates: which table to collect.
    """

    def __init__(self, start: int, act_ids: list[str], sources: list[str] | None,
                 sectors: list[str], regimes: list[str] | None, services: list[str],
                 outcome_names: list[str | None] | None = None) -> None:
        self.start, self.act_ids = start, act_ids
        self.sources, self.sectors = sources or [], sectors
        self.keep_records, self.keep_gates = sources is not None, regimes is not None
        self.regimes, self.services = regimes or [], services
        # Outcomes (the outcome's name per service, None: none): extra outcome values, and the
        # regime "" for their rows; absent, the dictionaries are those of runs without outcomes.
        named = [n for n in outcome_names or [] if n is not None]
        self.outcomes = [*OUTCOMES, *dict.fromkeys(named)]
        self.outcome_code = np.array([-1 if n is None else self.outcomes.index(n)
                                      for n in outcome_names or []], np.int64)
        self.outcome_regime = len(self.regimes)
        if named:
            self.regimes = [*self.regimes, ""]
        self.rec: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self.gate: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self.streams: dict[str, ParquetStream] = {}
        self.rows = {RECORDS: 0, GATES: 0}  # rows buffered, not yet streamed

    @contextlib.contextmanager
    def writing(self, out: Path) -> Iterator[None]:
        """Stream the tables into run folder ``out`` while the run goes.

        Each file appears at the end; on an exception none does.
        """
        with contextlib.ExitStack() as stack:
            for name, keep, schema in ((RECORDS, self.keep_records, self.records_table().schema),
                                       (GATES, self.keep_gates, self.gates_table().schema)):
                if keep:
                    self.streams[name] = stack.enter_context(
                        ParquetStream(out / name, schema, plain=("subject",),
                                      stats=("day", "date", "subject")))
            yield
            self._flush(RECORDS, True)
            self._flush(GATES, True)
        self.streams = {}

    def _flush(self, name: str, final: bool = False) -> None:
        """Stream the buffered rows of ``name`` once there are enough (or at the end).

        Batches end at whole days after a fixed number of rows, so the bytes do not depend on
        how the persons were partitioned.
        """
        stream = self.streams.get(name)
        if stream is None or not self.rows[name] or (not final and self.rows[name] < FLUSH_ROWS):
            return
        table = self.records_table() if name == RECORDS else self.gates_table()
        stream.write({c: table.column(c).combine_chunks() for c in table.column_names})
        (self.rec if name == RECORDS else self.gate).clear()
        self.rows[name] = 0

    def __repr__(self) -> str:
        return (f"<SubjectFiles: {sum(len(x[1]) for x in self.rec):,} records, "
                f"{sum(len(x[1]) for x in self.gate):,} gate answers>")

    def on_records(self, day: int, rec: Records) -> None:
        """The records arriving on ``day`` (before the regimes apply them)."""
        if not self.keep_records or not len(rec.subject):
            return
        n = len(rec.subject)
        src = np.zeros(n, np.int64) if rec.source is None else np.asarray(rec.source, np.int64)
        true = np.ones(n, bool) if rec.true is None else np.asarray(rec.true, bool)
        order = np.argsort(rec.subject, kind="stable")
        self.rec.append((day, rec.subject[order].astype(np.int64), rec.act[order].astype(np.int64),
                         src[order], true[order]))
        self.rows[RECORDS] += n
        self._flush(RECORDS)

    def on_answers(self, day: int, svc: np.ndarray, req: np.ndarray, dec: Decisions) -> None:
        """The day's gate answers: per gating regime, the requests it denied or privileged."""
        if not self.keep_gates:
            return
        parts = []
        for j in range(len(self.regimes)):
            for o, m in enumerate((dec.denied[j], dec.privileged[j])):
                idx = np.flatnonzero(m)
                if len(idx):
                    parts.append((idx, np.full(len(idx), j, np.int64), np.full(len(idx), o, np.int64)))
        if dec.outcome is not None and dec.outcome.any():
            idx = np.flatnonzero(dec.outcome)
            parts.append((idx, np.full(len(idx), self.outcome_regime, np.int64),
                          self.outcome_code[svc[idx]]))
        if not parts:
            return
        idx, reg, out = (np.concatenate(x) for x in zip(*parts, strict=True))
        order = np.lexsort((out, reg, idx, req[idx]))  # by subject, then request, regime, outcome
        idx, reg, out = idx[order], reg[order], out[order]
        self.gate.append((day, req[idx].astype(np.int64), svc[idx].astype(np.int64), reg, out))
        self.rows[GATES] += len(idx)
        self._flush(GATES)

    def records_table(self) -> pa.Table:
        """``records.parquet`` (the rows not yet streamed)."""
        day, subj, act, src, true = _stack(self.rec, 4)
        names = self.sources or ["default"]
        sectors = self.sectors or [""]
        return pa.table({
            "day": pa.array((day - self.start).astype(np.int32)), "date": _dates(day),
            "subject": pa.array(subj.astype(np.int32)),
            "act": _dictionary(act, self.act_ids), "source": _dictionary(src, names),
            "sector": _dictionary(src, sectors), "true": pa.array(true.astype(bool)),
        })

    def gates_table(self) -> pa.Table:
        """``gates.parquet`` (the rows not yet streamed)."""
        day, subj, svc, reg, out = _stack(self.gate, 4)
        return pa.table({
            "day": pa.array((day - self.start).astype(np.int32)), "date": _dates(day),
            "subject": pa.array(subj.astype(np.int32)),
            "service": _dictionary(svc, self.services), "regime": _dictionary(reg, self.regimes),
            "outcome": _dictionary(out, self.outcomes),
        })


def _stack(parts: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]], k: int
           ) -> tuple[np.ndarray, ...]:
    """The day of each row, then the k columns, concatenated."""
    if not parts:
        return tuple(np.zeros(0, np.int64) for _ in range(k + 1))
    day = np.concatenate([np.full(len(p[1]), p[0], np.int64) for p in parts])
    return (day, *(np.concatenate([p[i] for p in parts]) for i in range(1, k + 1)))
