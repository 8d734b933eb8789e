"""Replay: apply a file of records to a regime, without simulation.

Input CSV (header required): ``date`` (YYYY-MM-DD), ``subject`` (string id), ``act`` (an act id of
the rulebook); optional ``value`` (number, default 1) and ``age`` (years on that date), and
``representative``: on rows whose subject is an organisation, the subject id of its legal
representative, who then bears the consequences the rulebook puts on representatives
(``organisation_falls_on``) and gets an output row of their own. Records are applied in date
order, and in file order within a date.

Computed scores (``[score] kind = "factor"`` or ``"evaluation"``) are also stepped to their update
days up to ``as_of``. Replay has no society, so their inputs take defaults: no friends (the
input's ``default``), the attribute ``default`` (e.g. ability to pay 1, the median), ages from the
``age`` column (growing with time since the record); an evaluation rates every subject from its
first record, except the persons named as representatives (see :mod:`scslab.regime.computed`).
"""

from __future__ import annotations

import csv
import datetime as _dt
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scslab.dates import to_day
from scslab.errors import InputError
from scslab.regime.bearers import bearer_from_representative, held_consequences
from scslab.regime.engine import Engine
from scslab.regime.schema import Rulebook

REQUIRED = ("date", "subject", "act")
OPTIONAL = ("value", "age", "representative")


@dataclass
class Records:
    """Records as columns, sorted by day (stable: file order within a day)."""

    day: np.ndarray  # int64 day numbers
    subject: np.ndarray  # int64 row into ``subject_ids``
    act: np.ndarray  # int64 act index
    value: np.ndarray  # float64
    age: np.ndarray  # float64, NaN = unknown
    subject_ids: list[str]  # sorted
    # int64 per subject row: the row of its legal representative, -1 where none; None: no column
    representative: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.day)


def read_records(path: str | Path, rulebook: Rulebook) -> Records:
    """Read and check a record CSV; raise :class:`InputError` naming file, line and problem."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such record file", file=path)
    acts = {a: i for i, a in enumerate(rulebook.act_ids())}
    days: list[int] = []
    subjects: list[str] = []
    act_idx: list[int] = []
    values: list[float] = []
    ages: list[float] = []
    reps: dict[str, tuple[str, int]] = {}  # organisation -> (representative, line first given)
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            raise InputError("the file is empty; a header with date,subject,act was expected",
                             file=path, line=1)
        header = [h.strip() for h in header]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise InputError(f"missing required column(s): {', '.join(missing)} "
                             f"(the header has: {', '.join(header)})", file=path, line=1)
        col = {c: header.index(c) for c in (*REQUIRED, *OPTIONAL) if c in header}
        for row in reader:
            line = reader.line_num
            if not any(x.strip() for x in row):
                continue
            if len(row) < len(header):
                raise InputError(f"expected {len(header)} fields, found {len(row)}",
                                 file=path, line=line)
            date = row[col["date"]].strip()
            try:
                if len(date) != 10:
                    raise ValueError
                days.append(to_day(_dt.date.fromisoformat(date)))
            except ValueError:
                raise InputError(f"malformed date {date!r}: YYYY-MM-DD expected",
                                 file=path, line=line) from None
            subject = row[col["subject"]].strip()
            if not subject:
                raise InputError("empty subject id", file=path, line=line)
            subjects.append(subject)
            act = row[col["act"]].strip()
            if act not in acts:
                raise InputError(f"unknown act {act!r} for regime {rulebook.regime.id}; "
                                 f"valid acts: {', '.join(sorted(acts))}", file=path, line=line)
            act_idx.append(acts[act])
            values.append(_number(row, col, "value", 1.0, path, line))
            ages.append(_number(row, col, "age", math.nan, path, line))
            if "representative" in col:
                _representative(reps, subject, row[col["representative"]].strip(), path, line)
    for org, (rep, line) in reps.items():
        if rep in reps:
            raise InputError(f"representative {rep!r} of {org!r} is itself an organisation (it has "
                             "a representative); a legal representative is a person",
                             file=path, line=line)
    everyone = subjects + sorted({r for r, _ in reps.values()} - set(subjects))
    ids, inverse = np.unique(np.array(everyone, dtype=object).astype(str), return_inverse=True)
    inverse = inverse[:len(subjects)]
    representative = None
    if "representative" in col:
        row_of = {str(x): i for i, x in enumerate(ids)}
        representative = np.full(len(ids), -1, np.int64)
        for org, (rep, _) in reps.items():
            representative[row_of[org]] = row_of[rep]
    day = np.array(days, np.int64)
    order = np.argsort(day, kind="stable")
    return Records(
        day=day[order], subject=inverse.astype(np.int64)[order],
        act=np.array(act_idx, np.int64)[order], value=np.array(values)[order],
        age=np.array(ages)[order], subject_ids=[str(x) for x in ids],
        representative=representative,
    )


def _representative(reps: dict[str, tuple[str, int]], subject: str, rep: str, path: Path,
                    line: int) -> None:
    """Note ``rep`` as ``subject``'s legal representative (an empty cell says nothing)."""
    if not rep:
        return
    if rep == subject:
        raise InputError(f"subject {subject!r} is named as its own representative",
                         file=path, line=line)
    known = reps.setdefault(subject, (rep, line))
    if known[0] != rep:
        raise InputError(f"subject {subject!r} has representative {rep!r} here but {known[0]!r} "
                         f"on line {known[1]}; one representative per organisation",
                         file=path, line=line)


def _number(row, col, name, default, path, line) -> float:
    if name not in col or not row[col[name]].strip():
        return default
    text = row[col[name]].strip()
    try:
        x = float(text)
    except ValueError:
        raise InputError(f"column '{name}': a number was expected, got {text!r}",
                         file=path, line=line) from None
    if not math.isfinite(x):
        raise InputError(f"column '{name}': a finite number was expected, got {text!r}",
                         file=path, line=line)
    return x


@dataclass
class ReplayResult:
    """The state of every subject at the end of ``as_of``."""

    engine: Engine
    subject_ids: list[str]
    as_of: int
    representative: np.ndarray | None = None  # as in :class:`Records`

    def rows(self) -> list[dict]:
        """One dict per subject, sorted by subject id: the replay output contract.

        Consequences that the rulebook puts on an organisation's legal representative appear on
        the representative's row, not the organisation's (see :mod:`scslab.regime.bearers`).
        """
        e = self.engine
        bands = e.bands()
        held = held_consequences(e, bearer_from_representative(self.representative, e.n_subjects))
        out = []
        for i, sid in enumerate(self.subject_ids):
            restr, priv = held[i]
            out.append({
                "subject": sid,
                "score": None if e.score is None else int(e.score[i]),
                "band": bands[i],
                "lists": e.lists_of(i),
                "restrictions": restr,
                "privileges": priv,
            })
        return out


def replay(rulebook: Rulebook, records: Records, as_of: int | None = None,
           on_day=None) -> ReplayResult:
    """Apply ``records`` through ``rulebook`` up to the end of day ``as_of``.

    Args:
        rulebook: the regime.
        records: from :func:`read_records`.
        as_of: day number; default the last record's day. Later records are ignored; terms,
            expiries and deletions due on or before it take effect.
        on_day: optional callback ``on_day(engine, day)`` after each applied day (explain).
    """
    if as_of is None:
        as_of = int(records.day[-1]) if len(records) else 0
    engine = Engine(rulebook, len(records.subject_ids)).init()
    engine.bind_records(records)  # computed scores: no society, defaults (scslab.regime.computed)
    n_keep = int(np.searchsorted(records.day, as_of, side="right"))
    day_vals, starts = np.unique(records.day[:n_keep], return_index=True)
    bounds = [*starts.tolist(), n_keep]
    i = 0
    while True:
        due = engine.next_due()
        rec_day = int(day_vals[i]) if i < len(day_vals) else None
        cands = [d for d in (due, rec_day) if d is not None]
        if not cands or min(cands) > as_of:
            break
        d = min(cands)
        if rec_day == d:
            sl = slice(bounds[i], bounds[i + 1])
            engine.step(d, records.subject[sl], records.act[sl], records.value[sl],
                        records.age[sl])
            i += 1
        else:
            engine.step(d)
        if on_day is not None:
            on_day(engine, d)
    return ReplayResult(engine, records.subject_ids, as_of, records.representative)
