"""One subject's whole file from a run folder: ``scslab explain RUN_DIR SUBJECT``.

The merged file of every regime, in date order: the records that reached the regimes (with
source, sector and truth, from ``records.parquet`` where the run declared sources), every
regime's ledger lines, list entries and exits, the band and consequences held after each change
(the rulebook's consequences for the score and lists the ledger shows), and the gate answers
that were not "allowed" (``gates.parquet`` where gates were on). The subject is named by its
synthetic ID number (18 characters) or by its row.

Only the subject's rows are read: each table is read with a filter on ``subject``, so a large
ledger is scanned row group by row group, never loaded whole.
"""

from __future__ import annotations

import datetime as _dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from scslab.dates import iso
from scslab.errors import InputError
from scslab.regime.explain import StatusCheck
from scslab.regime.ledger import NO_SCORE
from scslab.regime.load import load_rulebook
from scslab.regime.rules import Rule
from scslab.runfolder import LEDGER, SUBJECTS, RunFolder, read_run

RECORDS, GATES = "records.parquet", "gates.parquet"  # as scslab.sim.subjectfile writes them
ID_LENGTH = 18  # resident identity numbers and unified social credit codes
ATTRIBUTES = ("kind", "sex", "age", "region", "household", "ability_to_pay", "propensity",
              "legal_representative")
_ENTER = {Rule.LIST_ENTER.code}
_LEAVE = {Rule.LIST_TERM_ENDED.code, Rule.LIST_DELETED.code}
# The day's phase order; "start" is the status on the first day, before anything happened.
_RANK = {"start": -1, "record": 0, "ledger": 1, "list": 1, "status": 2, "gate": 3}


@dataclass(frozen=True)
class Entry:
    """One line of the merged file."""

    day: int  # day number
    regime: str  # "" for a record (every regime that knows the act received it)
    kind: str  # start, record, ledger, list, status or gate
    text: str

    @property
    def date(self) -> str:
        """ISO date of the entry."""
        return iso(self.day)


@dataclass
class SubjectFile:
    """A subject's whole file from a run."""

    subject: int  # row
    id: str  # synthetic ID number
    attributes: dict[str, Any]
    entries: list[Entry] = field(default_factory=list)
    final: dict[str, dict[str, Any]] = field(default_factory=dict)  # regime -> score, band, lists
    notes: list[str] = field(default_factory=list)


def _rows(run: RunFolder, name: str, subject: int, columns: list[str] | None = None) -> pa.Table:
    path = run.path / name
    try:
        return pq.read_table(path, columns=columns, filters=[("subject", "=", subject)])
    except (OSError, pa.ArrowException) as exc:
        raise InputError(f"not a readable Parquet file: {exc}", file=path) from exc


def find_subject(run: RunFolder, name: str) -> int:
    """The row of the subject named by its synthetic ID number or by its row number."""
    n = int(run.manifest.get("persons", 0)) + int(run.manifest.get("organisations", 0))
    if len(name) == ID_LENGTH:
        t = pq.read_table(run.path / SUBJECTS, columns=["subject"], filters=[("id", "=", name)])
        if t.num_rows:
            return int(t.column("subject")[0].as_py())
        raise InputError(f"no subject has ID {name!r} in this run", file=run.path / SUBJECTS)
    if name.isdigit() and int(name) < n:
        return int(name)
    raise InputError(f"subject {name[:40]!r}: give an {ID_LENGTH}-character ID number or a row "
                     f"from 0 to {n - 1}", file=run.path / SUBJECTS)


def _rulebooks(run: RunFolder) -> tuple[dict[str, StatusCheck], list[str]]:
    """The run's rulebooks (from its scenario.toml), each as a status check, and what failed."""
    regimes = tomllib.loads(run.scenario_text).get("regimes", [])
    out: dict[str, StatusCheck] = {}
    notes = []
    for name in regimes:
        try:
            rb = load_rulebook(name)
        except InputError as e:
            notes.append(f"rulebook {name!r} could not be read ({e.message}); its bands and "
                         "consequences are not shown")
            continue
        out[rb.regime.id] = StatusCheck(rb)
    return out, notes


def subject_file(folder: str | Path, name: str) -> SubjectFile:
    """The whole file of subject ``name`` (ID number or row) in the run folder ``folder``."""
    run = read_run(folder)
    s = find_subject(run, name)
    row = _rows(run, SUBJECTS, s).to_pylist()[0]
    cf = SubjectFile(s, row["id"], {k: row[k] for k in ATTRIBUTES if k in row})
    start = (_dt.date.fromisoformat(run.manifest["start_date"]) - _dt.date(1970, 1, 1)).days
    checks, cf.notes = _rulebooks(run)
    for rid in run.manifest.get("regimes", []):
        if f"{rid}.lists" in row:
            lists = row[f"{rid}.lists"]
            cf.final[rid] = {"score": row.get(f"{rid}.score"), "band": row.get(f"{rid}.band"),
                             "lists": lists.split(";") if lists else []}
    entries: list[Entry] = []
    if run.has(RECORDS):
        for r in _rows(run, RECORDS, s, ["day", "act", "source", "sector", "true"]).to_pylist():
            truth = "" if r["true"] else "; FALSE (the subject did not act)"
            src = f"{r['source']} ({r['sector']})" if r["sector"] else "the default source"
            entries.append(Entry(start + r["day"], "", "record",
                                 f"{r['act']} from {src}{truth}"))
    else:
        cf.notes.append("the run declared no sources: every record came from the default "
                        "source and is true; records show as ledger lines")
    entries += _ledger(run, s, start, checks, row)
    if run.has(GATES):
        for r in _rows(run, GATES, s, ["day", "service", "regime", "outcome"]).to_pylist():
            entries.append(Entry(start + r["day"], r["regime"], "gate",
                                 f"{r['service']}: {r['outcome']}"))
    cf.entries = sorted(entries, key=lambda x: (x.day, _RANK[x.kind]))
    return cf


def _ledger(run: RunFolder, s: int, start: int, checks: dict[str, StatusCheck],
            row: dict[str, Any]) -> list[Entry]:
    """Ledger lines, list entries and exits, and the status after each day that changed it."""
    cols = ["day", "regime", "act", "delta", "score_after", "rule", "list"]
    lines = _rows(run, LEDGER, s, cols).to_pylist()
    out: list[Entry] = []
    for rid in run.manifest.get("regimes", []):
        if f"{rid}.lists" not in row:
            continue
        score = row.get(f"{rid}.score_start")
        lists: set[str] = set()
        check = checks.get(rid)
        last = None
        if check is not None:
            last = check.status(start, score, lists)
            out.append(Entry(start, rid, "start", _status_text(score, *last)))
        mine = [x for x in lines if x["regime"] == rid]
        for i, x in enumerate(mine):
            d = start + x["day"]
            sa = x["score_after"]
            if sa is not None and sa != NO_SCORE:
                score = sa
            act = x["act"] or "—"
            pts = "" if sa is None or sa == NO_SCORE else f" {x['delta']:+d} -> {sa}"
            out.append(Entry(d, rid, "ledger", f"{act}{pts} [{x['rule']}]"
                             + (f" list {x['list']}" if x["list"] else "")))
            if x["rule"] in _ENTER and x["list"]:
                lists.add(x["list"])
                out.append(Entry(d, rid, "list", f"enters {x['list']}"))
            elif x["rule"] in _LEAVE and x["list"]:
                lists.discard(x["list"])
                out.append(Entry(d, rid, "list", f"leaves {x['list']}"))
            end_of_day = i + 1 == len(mine) or mine[i + 1]["day"] != x["day"]
            if check is not None and end_of_day:
                now = check.status(d, score, lists)
                if now != last:
                    out.append(Entry(d, rid, "status", _status_text(score, *now)))
                    last = now
    return out


def _status_text(score: int | None, band: str, restrictions: list[str],
                 privileges: list[str]) -> str:
    parts = [] if score is None else [f"score {score}"]
    if band:
        parts.append(f"band {band}")
    parts.append(f"restrictions: {', '.join(restrictions) or 'none'}")
    parts.append(f"privileges: {', '.join(privileges) or 'none'}")
    return "; ".join(parts)
