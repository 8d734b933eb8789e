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
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from scslab import inputfile
from scslab.dates import iso, to_day
from scslab.errors import InputError
from scslab.regime.bearers import bearer_from_representative, held_consequences
from scslab.regime.engine import Engine
from scslab.regime.schema import MAX_CHANGE, Rulebook
from scslab.text import forbidden_char

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

    def __repr__(self) -> str:
        # The dataclass repr prints every column in full.
        span = f", {iso(int(self.day[0]))} to {iso(int(self.day[-1]))}" if len(self) else ""
        return f"<Records: {len(self):,} records of {len(self.subject_ids):,} subjects{span}>"


def read_records(path: str | Path, rulebook: Rulebook) -> Records:
    """Read and check a record CSV; raise :class:`InputError` naming file, line and problem."""
    path = Path(path)
    if not inputfile.is_file(path):
        raise InputError("no such record file", file=path)
    try:
        with path.open("rb") as fb:
            inputfile.refuse_utf16(fb.read(4), path)
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            try:
                return _read_rows(reader, path, rulebook)
            except UnicodeDecodeError:
                raise InputError("not UTF-8 text; save the file as UTF-8", file=path,
                                 line=inputfile.bad_utf8_line(path)) from None
            except csv.Error as exc:
                # e.g. a field over csv.field_size_limit() (131,072 characters): no record
                # field is anywhere near that long, so it is reported, not accommodated.
                raise InputError(f"malformed CSV: {exc}", file=path, line=reader.line_num) from None
    except OSError as exc:
        raise InputError(f"cannot read the record file: {inputfile.os_problem(exc)}",
                         file=path) from None


#: Largest magnitude of a record's value. Amounts, years and counts are far below; and sums of
#: values (``value_sum`` inputs) stay exact in float64 (2^53 = 9e15) for 9,000 records at it.
MAX_VALUE = 1e12
#: The oldest age a record may give [years]: anything above is a typing error.
MAX_AGE = 150
#: Longest subject id [characters]; ids are names or codes, never prose.
MAX_ID_CHARS = 256
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _header(reader: _CsvRows, path: Path) -> list[str]:
    """The checked header: the required columns, known optional ones, each once."""
    header = next(reader, None)
    if header is None:
        raise InputError("the file is empty; a header with date,subject,act was expected",
                         file=path, line=1)
    header = [h.strip() for h in header]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(f"missing required column(s): {', '.join(missing)} "
                         f"(the header has: {', '.join(_shown(h) for h in header)})",
                         file=path, line=1)
    known = (*REQUIRED, *OPTIONAL)
    unknown = [h for h in header if h not in known]
    if unknown:
        # A misspelt optional column ("vlaue") would silently fall back to its default.
        raise InputError(f"unknown column(s): {', '.join(_shown(h) or '(empty)' for h in unknown)}; "
                         f"known columns are {', '.join(known)}", file=path, line=1)
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise InputError(f"column(s) given twice: {', '.join(dupes)}", file=path, line=1)
    return header


def _shown(text: str) -> str:
    """A cell for a message: control characters made visible, cut if long."""
    r = repr(text)[1:-1]
    return r if len(r) <= 60 else r[:60] + "..."


def _subject_id(text: str, what: str, path: Path, line: int) -> str:
    """A checked subject id: printable, and not too long; ``what`` names the column."""
    bad = forbidden_char(text)
    if bad is not None:
        raise InputError(f"{what} id {_shown(text)!r} holds the control character {bad}; ids are "
                         "printable text", file=path, line=line)
    if len(text) > MAX_ID_CHARS:
        raise InputError(f"{what} id of {len(text):,} characters; at most {MAX_ID_CHARS}",
                         file=path, line=line)
    return text


class _CsvRows(Protocol):
    """Rows of a CSV file, as :func:`csv.reader` yields them, with the line last read."""

    @property
    def line_num(self) -> int: ...

    def __iter__(self) -> Iterator[list[str]]: ...

    def __next__(self) -> list[str]: ...


@dataclass
class _Columns:
    """The records read so far, as lists in file order."""

    days: list[int] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    acts: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    ages: list[float] = field(default_factory=list)
    # organisation -> (representative, line first given)
    reps: dict[str, tuple[str, int]] = field(default_factory=dict)


def _read_rows(reader: _CsvRows, path: Path, rulebook: Rulebook) -> Records:
    """Read the header and the rows after it into :class:`Records`."""
    acts = {a: i for i, a in enumerate(rulebook.act_ids())}
    per_value = {acts[a.id]: a.points for a in rulebook.acts if a.per_value and a.points}
    cols = _Columns()
    header = _header(reader, path)
    col = {c: header.index(c) for c in header}
    for row in reader:
        line = reader.line_num
        if not any(x.strip() for x in row):
            continue
        if len(row) != len(header):
            raise InputError(f"expected {len(header)} fields, found {len(row)}",
                             file=path, line=line)
        _read_row(row, col, cols, acts, per_value, rulebook, path, line)
    return _records(cols, "representative" in col, path)


def _read_row(row: list[str], col: dict[str, int], cols: _Columns, acts: dict[str, int],
              per_value: dict[int, int], rulebook: Rulebook, path: Path, line: int) -> None:
    """Check one record row and append it to ``cols``."""
    cols.days.append(_day(row[col["date"]].strip(), path, line))
    subject = _subject_id(row[col["subject"]].strip(), "subject", path, line)
    if not subject:
        raise InputError("empty subject id", file=path, line=line)
    cols.subjects.append(subject)
    act = row[col["act"]].strip()
    if act not in acts:
        raise InputError(f"unknown act {_shown(act)!r} for regime {rulebook.regime.id}; "
                         f"valid acts: {', '.join(sorted(acts))}", file=path, line=line)
    cols.acts.append(acts[act])
    value = _number(row, col, "value", 1.0, path, line)
    points = per_value.get(acts[act])
    if points is not None and abs(points * value) > MAX_CHANGE:
        raise InputError(f"column 'value': {value:g} x {points} points per unit exceeds "
                         f"{MAX_CHANGE:,} points in one record", file=path, line=line)
    cols.values.append(value)
    age = _number(row, col, "age", math.nan, path, line)
    if not (math.isnan(age) or 0 <= age <= MAX_AGE):
        raise InputError(f"column 'age': an age from 0 to {MAX_AGE} years was expected, "
                         f"got {age:g}", file=path, line=line)
    cols.ages.append(age)
    if "representative" in col:
        rep = _subject_id(row[col["representative"]].strip(), "representative", path, line)
        _representative(cols.reps, subject, rep, path, line)


def _day(date: str, path: Path, line: int) -> int:
    """The day number of a ``YYYY-MM-DD`` cell."""
    try:
        if not _DATE.match(date):  # fromisoformat also takes 2020-W01-1 and 20200101
            raise ValueError
        return to_day(_dt.date.fromisoformat(date))
    except ValueError:
        raise InputError(f"malformed date {_shown(date)!r}: YYYY-MM-DD expected",
                         file=path, line=line) from None


def _records(cols: _Columns, has_representatives: bool, path: Path) -> Records:
    """The rows read, as :class:`Records` sorted by day; representatives must be persons."""
    reps, subjects = cols.reps, cols.subjects
    for org, (rep, line) in reps.items():
        if rep in reps:
            raise InputError(f"representative {rep!r} of {org!r} is itself an organisation (it has "
                             "a representative); a legal representative is a person",
                             file=path, line=line)
    everyone = subjects + sorted({r for r, _ in reps.values()} - set(subjects))
    ids, inverse = np.unique(np.array(everyone, dtype=object).astype(str), return_inverse=True)
    inverse = inverse[:len(subjects)]
    representative = None
    if has_representatives:
        row_of = {str(x): i for i, x in enumerate(ids)}
        representative = np.full(len(ids), -1, np.int64)
        for org, (rep, _) in reps.items():
            representative[row_of[org]] = row_of[rep]
    day = np.array(cols.days, np.int64)
    order = np.argsort(day, kind="stable")
    return Records(
        day=day[order], subject=inverse.astype(np.int64)[order],
        act=np.array(cols.acts, np.int64)[order], value=np.array(cols.values)[order],
        age=np.array(cols.ages)[order], subject_ids=[str(x) for x in ids],
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


def _number(row: list[str], col: dict[str, int], name: str, default: float, path: Path,
            line: int) -> float:
    """The number in column ``name`` of ``row``; ``default`` where the column or the cell is empty."""
    if name not in col or not row[col[name]].strip():
        return default
    text = row[col[name]].strip()
    try:
        x = float(text)
    except ValueError:
        raise InputError(f"column '{name}': a number was expected, got {_shown(text)!r}",
                         file=path, line=line) from None
    if not math.isfinite(x):
        raise InputError(f"column '{name}': a finite number was expected, got {_shown(text)!r}",
                         file=path, line=line)
    if abs(x) > MAX_VALUE:
        raise InputError(f"column '{name}': {x:g} is beyond {MAX_VALUE:g}", file=path, line=line)
    return x


@dataclass
class ReplayResult:
    """The state of every subject at the end of ``as_of``."""

    engine: Engine
    subject_ids: list[str]
    as_of: int
    representative: np.ndarray | None = None  # as in :class:`Records`

    def __repr__(self) -> str:
        return (f"<ReplayResult {self.engine.rulebook.regime.id}: {len(self.subject_ids):,} subjects "
                f"as of {iso(self.as_of)}>")

    def rows(self) -> list[dict[str, Any]]:
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
           on_day: Callable[[Engine, int], None] | None = None) -> ReplayResult:
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
