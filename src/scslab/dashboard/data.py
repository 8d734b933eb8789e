"""What the dashboard's views show, read from run, study and sweep folders (no web code here).

``daily.parquet`` is small (days x metrics x keys) and is read whole by
:func:`~scslab.runfolder.read_run`. The per-subject tables (``ledger.parquet``,
``records.parquet``, ``gates.parquet``) can hold 10^8 rows: they are only ever queried through
DuckDB with a filter or an aggregate, which scans the Parquet file row group by row group and
never holds it in memory. ``subjects.parquet`` (one row per subject) is read a few columns at a
time.
"""

from __future__ import annotations

import datetime as _dt
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scslab.errors import InputError
from scslab.regime.schema import Rulebook
from scslab.runfolder import LEDGER, SUBJECTS, RunFolder

RECORDS, GATES = "records.parquet", "gates.parquet"
NO_SCORE = -(2**31)  # score_after of regimes without a score (scslab.regime.ledger.NO_SCORE)
#: Age groups as in scslab.experiment.hurt: lower bounds [years] and labels.
AGE_EDGES = (0, 18, 30, 45, 60)
AGE_LABELS = ("0-17", "18-29", "30-44", "45-59", "60+")
#: Rows a table of one subject's lines shows at most (a subject's file is rarely longer).
MAX_LINES = 5000


def query(sql: str, params: list[Any] | None = None) -> pa.Table:
    """Run one DuckDB query (a fresh in-memory connection: safe across the server's threads)."""
    import duckdb

    con = duckdb.connect()
    try:
        rel = con.sql(sql, params=params or [])
        # duckdb 2 names it to_arrow_table, 1.x arrow (both return a pa.Table)
        fetch = getattr(rel, "to_arrow_table", None) or rel.arrow
        res = fetch()
    except duckdb.Error as exc:
        raise InputError(f"cannot read the run's tables: {str(exc).splitlines()[0]}") from None
    finally:
        con.close()
    return res


def start_day(run: RunFolder) -> _dt.date:
    """The run's first simulated date."""
    try:
        return _dt.date.fromisoformat(str(run.manifest.get("start_date", "2020-01-01")))
    except ValueError:
        return _dt.date(2020, 1, 1)


def dates(run: RunFolder) -> list[_dt.date]:
    """The date of each simulated day."""
    s = start_day(run)
    return [s + _dt.timedelta(days=d) for d in range(run.n_days)]


# ----------------------------------------------------------------------------- rulebooks
def rulebooks(run: RunFolder) -> tuple[dict[str, Rulebook], list[str]]:
    """The run's rulebooks by regime id (from its scenario.toml), and notes on those not loaded."""
    from scslab.regime.load import load_rulebook

    try:
        names = tomllib.loads(run.scenario_text).get("regimes", []) if run.scenario_text else []
    except tomllib.TOMLDecodeError:
        names = []
    if not names:
        names = list(run.regimes)
    out: dict[str, Rulebook] = {}
    notes = []
    for name in names:
        try:
            rb = load_rulebook(str(name))
        except InputError as e:
            notes.append(f"rulebook {str(name)[:60]!r} could not be read ({e.message})")
            continue
        out[rb.regime.id] = rb
    return out, notes


# ------------------------------------------------------------------------------ overview
def overview(run: RunFolder) -> dict[str, Any]:
    """Headline facts of a run from its manifest and daily table."""
    m = run.manifest
    occurred = sum(run.total("occurred", "").values()) if run.has_metric("occurred", "") else 0.0
    recorded = sum(run.total("recorded", "").values()) if run.has_metric("recorded", "") else 0.0
    denied = run.total("denied", "") if run.has_metric("denied", "") else {}
    return {
        "scenario": m.get("scenario", ""), "persons": m.get("persons"),
        "organisations": m.get("organisations"), "days": run.n_days, "seed": m.get("seed"),
        "start_date": str(start_day(run)), "regimes": list(run.regimes),
        "acts_occurred": occurred, "acts_recorded": recorded,
        "denials": sum(v for k, v in denied.items() if not k.endswith("_family_spillover")),
        "ledger_lines": m.get("ledger_lines"),
    }


def wrongful_metrics(run: RunFolder) -> list[str]:
    """The daily metrics that count wrongful records, listings, restrictions and denials."""
    present = set(run.daily.column("metric").to_pylist())
    return [x for x in ("wrongful_records", "wrongful_listed", "wrongful_restricted",
                        "wrongful_denied", "restricted_after_performance") if x in present]


# ------------------------------------------------------------------------------ subjects
def subject_row(run: RunFolder, s: int) -> dict[str, Any]:
    """Subject ``s``'s row of subjects.parquet."""
    t = query("SELECT * FROM read_parquet(?) WHERE subject = ?", [str(run.path / SUBJECTS), s])
    if t.num_rows == 0:
        raise InputError(f"row {s} is not in subjects.parquet", file=run.path / SUBJECTS)
    return t.to_pylist()[0]


_EXAMPLES: dict[str, list[tuple[str, str]]] = {}  # run path -> examples (a sealed run does not change)


def examples(run: RunFolder, n: int = 6) -> list[tuple[str, str]]:
    """A few subjects worth a look: listed, lowest scores, highest: (id, why)."""
    key = str(run.path.resolve())
    if key in _EXAMPLES:
        return _EXAMPLES[key]
    path = str(run.path / SUBJECTS)
    cols = set(_schema_names(run.path / SUBJECTS))
    out: list[tuple[str, str]] = []
    for rid in run.regimes:
        if f"{rid}.lists" in cols:
            t = query(f'SELECT id, "{rid}.lists" AS l FROM read_parquet(?) WHERE "{rid}.lists" <> \'\' '
                      "ORDER BY subject LIMIT 2", [path])
            out += [(r["id"], f"on {rid} list {r['l']}") for r in t.to_pylist()]
        if f"{rid}.score" in cols:
            for order, why in (("ASC", "lowest"), ("DESC", "highest")):
                t = query(f'SELECT id, "{rid}.score" AS s FROM read_parquet(?) WHERE "{rid}.score" IS '
                          f'NOT NULL ORDER BY "{rid}.score" {order}, subject LIMIT 1', [path])
                out += [(r["id"], f"{why} {rid} score, {r['s']}") for r in t.to_pylist()]
    first: dict[str, str] = {}
    for sid, why in out:
        first.setdefault(sid, why)  # one reason per subject, the first
    _EXAMPLES[key] = list(first.items())[:n]
    return _EXAMPLES[key]


def _schema_names(path: Path) -> list[str]:
    import pyarrow.parquet as pq

    return list(pq.read_schema(path).names)


def _lines(run: RunFolder, name: str, columns: str, s: int) -> pa.Table:
    """One subject's rows of a per-subject table, in file order (DuckDB filter: never read whole)."""
    return query(f"SELECT {columns} FROM read_parquet(?, file_row_number = true) WHERE subject = ? "
                 f"ORDER BY file_row_number LIMIT {MAX_LINES}", [str(run.path / name), s])


def ledger_of(run: RunFolder, s: int) -> pa.Table:
    """Every ledger line of subject ``s``: date, regime, act, delta, score after, rule, list, until."""
    if not run.has(LEDGER):
        return pa.table({"date": pa.array([], pa.date32())})
    # A listing without a fixed term ends on the largest date32 (OPEN_END), which DuckDB reads as
    # infinity and Python's dates cannot hold: shown as text.
    until = ("CASE WHEN until IS NULL THEN NULL WHEN isfinite(until) THEN CAST(until AS VARCHAR) "
             "ELSE 'no fixed end' END AS until")
    return _lines(run, LEDGER, f"date, regime, act, delta, score_after, rule, list, {until}", s)


def records_of(run: RunFolder, s: int) -> pa.Table | None:
    """Every record of ``s`` with source, sector and truth; None where the run declared no sources."""
    if not run.has(RECORDS):
        return None
    return _lines(run, RECORDS, 'date, act, source, sector, "true"', s)


def gates_of(run: RunFolder, s: int) -> pa.Table | None:
    """The gate answers to ``s`` that were not "allowed"; None where gates were off."""
    if not run.has(GATES):
        return None
    return _lines(run, GATES, "date, service, regime, outcome", s)


def score_series(run: RunFolder, row: dict[str, Any], ledger: pa.Table) -> dict[str, tuple[list, list]]:
    """Per regime with a score: (dates, scores) of a step line from the start to the last day."""
    first = start_day(run)
    last = first + _dt.timedelta(days=max(run.n_days - 1, 0))
    out: dict[str, tuple[list, list]] = {}
    lines = ledger.to_pylist() if ledger.num_rows and "score_after" in ledger.column_names else []
    for rid in run.regimes:
        start = row.get(f"{rid}.score_start")
        if start is None:
            continue
        xs, ys = [first], [int(start)]
        for ln in lines:
            sa = ln["score_after"]
            if ln["regime"] == rid and sa is not None and sa != NO_SCORE:
                xs.append(ln["date"])
                ys.append(int(sa))
        xs.append(last)
        ys.append(ys[-1])
        out[rid] = (xs, ys)
    return out


def history(run: RunFolder, row: dict[str, Any], ledger: pa.Table,
            books: dict[str, Rulebook]) -> list[dict[str, Any]]:
    """Per regime: the band, lists and consequences at the start and after each changing day.

    Replays the subject's ledger lines (score after each line, list entries and exits) through
    the rulebook's :class:`~scslab.regime.explain.StatusCheck`, as ``scslab explain`` does.
    """
    from scslab.regime.explain import StatusCheck
    from scslab.regime.rules import Rule

    enter, leave = {Rule.LIST_ENTER.code}, {Rule.LIST_TERM_ENDED.code, Rule.LIST_DELETED.code}
    epoch = _dt.date(1970, 1, 1)
    first = start_day(run)
    lines = ledger.to_pylist() if ledger.num_rows and "rule" in ledger.column_names else []
    out: list[dict[str, Any]] = []
    for rid in run.regimes:
        rb = books.get(rid)
        if rb is None or f"{rid}.lists" not in row:
            continue
        check = StatusCheck(rb)
        score = row.get(f"{rid}.score_start")
        lists: set[str] = set()
        last: tuple[str, list[str], list[str]] | None = None
        mine = [x for x in lines if x["regime"] == rid]
        days = [first] + [x["date"] for i, x in enumerate(mine)
                          if i + 1 == len(mine) or mine[i + 1]["date"] != x["date"]]
        k = 0
        for d in days:
            while k < len(mine) and mine[k]["date"] <= d:
                x = mine[k]
                if x["score_after"] is not None and x["score_after"] != NO_SCORE:
                    score = x["score_after"]
                if x["list"] and x["rule"] in enter:
                    lists.add(x["list"])
                elif x["list"] and x["rule"] in leave:
                    lists.discard(x["list"])
                k += 1
            now = check.status((d - epoch).days, score, set(lists))
            if now != last:
                out.append({"date": d, "regime": rid, "score": score, "band": now[0],
                            "lists": ", ".join(sorted(lists)), "restrictions": ", ".join(now[1]),
                            "privileges": ", ".join(now[2])})
                last = now
    return out


@dataclass
class Standing:
    """A subject's standing under one regime at the end of the run."""

    regime: str
    score: int | None
    band: str
    lists: list[str]
    restrictions: list[str] = field(default_factory=list)
    privileges: list[str] = field(default_factory=list)
    moves: list[str] = field(default_factory=list)  # "what would change my band"


def standings(run: RunFolder, row: dict[str, Any], books: dict[str, Rulebook]) -> list[Standing]:
    """The subject's score, band, lists and consequences per regime, and what would change the band."""
    from scslab.regime.explain import StatusCheck

    last = (start_day(run) - _dt.date(1970, 1, 1)).days + max(run.n_days - 1, 0)
    out = []
    for rid in run.regimes:
        if f"{rid}.band" not in row and f"{rid}.lists" not in row:
            continue
        lists_text = row.get(f"{rid}.lists") or ""
        st = Standing(rid, row.get(f"{rid}.score"), str(row.get(f"{rid}.band") or ""),
                      lists_text.split(";") if lists_text else [])
        rb = books.get(rid)
        if rb is not None:
            try:
                _band, st.restrictions, st.privileges = StatusCheck(rb).status(
                    last, st.score, set(st.lists))
            except (InputError, ValueError, IndexError) as e:
                st.moves.append(f"consequences could not be worked out ({e})")
            st.moves += band_moves(rb, st.score, st.lists)
        out.append(st)
    return out


def _band_of(rb: Rulebook, score: int) -> int:
    """Index into ``rb.bands`` (highest first) of the score band ``score`` falls in."""
    for i, b in enumerate(rb.bands):
        if b.min is None or score >= b.min:
            return i
    return len(rb.bands) - 1


def band_moves(rb: Rulebook, score: int | None, lists: list[str]) -> list[str]:
    """What would change the subject's band: the nearest thresholds and the acts that cross them.

    Points are taken at face value: conditions (``requires``), expiry and the score's bounds are
    named where an act has them, not simulated.
    """
    out = _list_exits(rb, lists)
    if rb.score is None or not rb.bands:
        return [*out, "this regime has no score bands: only its lists decide its consequences"]
    if rb.score.kind != "points":
        return [*out, f"the score is computed ({rb.score.kind}) at each update from the record, not "
                "moved by points per act: see the Regime explorer for its factors"]
    if score is None:
        return out
    i = _band_of(rb, score)
    bands = rb.bands
    ups = sorted((a for a in rb.acts if a.points > 0), key=lambda a: -a.points)
    downs = sorted((a for a in rb.acts if a.points < 0), key=lambda a: a.points)
    if i > 0 and bands[i - 1].min is not None:
        up = bands[i - 1].min
        assert up is not None
        gap = up - score
        text = f"band {bands[i - 1].label} starts at {up}: {gap} points up"
        if ups:
            text += "; e.g. " + ", ".join(f"{math.ceil(gap / a.points)} x {a.id} ({a.points:+d}"
                                          f"{' per unit' if a.per_value else ''}{_caveat(a)})"
                                          for a in ups[:3])
        else:
            text += "; no act of this regime adds points"
        out.append(text)
    else:
        out.append(f"{bands[i].label} is the highest band")
    low = bands[i].min
    if low is not None and i + 1 < len(bands):
        gap = score - low + 1
        text = f"band {bands[i + 1].label} starts below {low}: {gap} points down"
        if downs:
            text += "; e.g. " + ", ".join(f"{math.ceil(gap / -a.points)} x {a.id} ({a.points:+d}"
                                          f"{_caveat(a)})" for a in downs[:3])
        out.append(text)
    drops = [a for a in rb.acts if a.drop_to_band]
    if drops:
        out.append("at once: " + ", ".join(f"{a.id} drops the band to {a.drop_to_band}" for a in drops[:4]))
    return out


def _list_exits(rb: Rulebook, lists: list[str]) -> list[str]:
    """For each list the subject is on: how it ends, and the band it fixes meanwhile."""
    out = []
    by_id = {lst.id: lst for lst in rb.lists}
    for lid in lists:
        lst = by_id.get(lid)
        if lst is None:
            continue
        how = [f"an act that removes it ({', '.join(lst.removal_acts)})" if lst.removal_acts else "",
               "early deletion on performance" if lst.early_removal_on_performance else "",
               f"the end of its term ({lst.term})" if lst.term
               else "the end of the entry's term, if it has one"]
        delay = (f", taking effect {lst.removal_delay_working_days} working days later"
                 if lst.removal_delay_working_days else "")
        fixed = f"; while on it the band is {lst.band} whatever the score" if lst.band else ""
        out.append(f"list {lid} ends with " + " or ".join(h for h in how if h) + delay + fixed)
    return out


def _caveat(a: Any) -> str:
    q = a.requires
    parts = []
    if q is not None:
        if q.max_score is not None:
            parts.append(f"only at score <= {q.max_score}")
        if q.min_score is not None:
            parts.append(f"only at score >= {q.min_score}")
        if q.cooldown is not None:
            parts.append(f"once per {q.cooldown}")
    if a.expires:
        parts.append(f"expires after {a.expires}")
    return ("; " + ", ".join(parts)) if parts else ""


# ---------------------------------------------------------------------------- who is hurt
def _income_sigma(run: RunFolder) -> float:
    from scslab.society.params import Demography

    default = float(Demography.model_fields["income_sigma"].default)
    try:
        soc = tomllib.loads(run.scenario_text).get("society", {}) if run.scenario_text else {}
    except tomllib.TOMLDecodeError:
        return default
    v = soc.get("income_sigma", default)
    return float(v) if isinstance(v, int | float) else default


def _text(t: pa.Table, name: str) -> pa.Array:
    """Column ``name`` as plain strings, "" for null or absent."""
    if name not in t.column_names:
        return pa.array([""] * t.num_rows, pa.string())
    col = t.column(name).combine_chunks()
    if pa.types.is_dictionary(col.type):
        col = col.cast(col.type.value_type)
    return pc.fill_null(col.cast(pa.string()), "")


_HURT: dict[str, pa.Table] = {}  # run path -> table: a sealed run folder does not change


def hurt(run: RunFolder, books: dict[str, Rulebook]) -> pa.Table:
    """:func:`hurt_table`, worked out once per run folder while the server runs."""
    key = str(run.path.resolve())
    if key not in _HURT:
        _HURT[key] = hurt_table(run, books)
    return _HURT[key]


def hurt_table(run: RunFolder, books: dict[str, Rulebook]) -> pa.Table:
    """Who is hurt, from the run folder: per group of persons, restriction and denials.

    Columns ``dimension``, ``group``, ``persons``, ``restricted_share`` (at the end of the run,
    under any regime), ``persons_denied`` and ``denials_per_1000`` (whole run).
    Groups: age group, income quintile (of the society's own lognormal, as the simulation
    cuts it), region and sex. A request denied by several regimes counts once.
    """
    from scslab.conduct.cells import quintile
    from scslab.regime.explain import StatusCheck

    names = set(_schema_names(run.path / SUBJECTS))
    want = ["subject", "kind", "age", "region", "sex", "ability_to_pay"]
    for rid in run.regimes:
        want += [f"{rid}.score", f"{rid}.band", f"{rid}.lists"]
    t = run.subject_columns([c for c in want if c in names])
    # Vectorised throughout: to_pylist of a dictionary column costs seconds per 10^6 rows.
    persons = (pc.equal(_text(t, "kind"), "person").to_numpy(zero_copy_only=False)
               if "kind" in t.column_names else np.ones(t.num_rows, bool))
    restricted = np.zeros(t.num_rows, bool)
    last = (start_day(run) - _dt.date(1970, 1, 1)).days + max(run.n_days - 1, 0)
    for rid in run.regimes:
        rb = books.get(rid)
        if rb is None or f"{rid}.lists" not in t.column_names:
            continue
        # Consequences follow band and lists only: work them out once per distinct pair, for
        # the first subject that has it (10^6 subjects have a few dozen pairs).
        check = StatusCheck(rb)
        key = pc.binary_join_element_wise(_text(t, f"{rid}.band"), _text(t, f"{rid}.lists"), "\x1f")
        codes = pc.dictionary_encode(key).indices.to_numpy(zero_copy_only=False)
        uniq, first = np.unique(codes, return_index=True)
        take = pa.array(first)
        scores = (t.column(f"{rid}.score").take(take).to_pylist() if f"{rid}.score" in t.column_names
                  else [None] * len(first))
        lists = _text(t, f"{rid}.lists").take(take).to_pylist()
        flags = np.zeros(len(uniq), bool)
        for k in range(len(first)):
            held = set(lists[k].split(";")) if lists[k] else set()
            flags[k] = bool(check.status(last, scores[k], held)[1])
        restricted |= flags[np.searchsorted(uniq, codes)]
    denials = np.zeros(t.num_rows, np.int64)
    if run.has(GATES):
        d = query("SELECT subject, count(*) AS n FROM (SELECT DISTINCT subject, day, service FROM "
                  "read_parquet(?) WHERE outcome = 'denied') GROUP BY subject", [str(run.path / GATES)])
        subj = d.column("subject").to_numpy()
        ok = (subj >= 0) & (subj < t.num_rows)
        denials[subj[ok]] = d.column("n").to_numpy()[ok]
    age = np.asarray(t.column("age").to_numpy(zero_copy_only=False), np.float64)
    ability = np.asarray(pc.fill_null(t.column("ability_to_pay"), 1.0).to_numpy(), np.float64)
    dims: dict[str, tuple[list[str], np.ndarray]] = {
        "age group": (list(AGE_LABELS), np.searchsorted(np.array(AGE_EDGES), age, side="right") - 1),
        "income quintile": ([f"Q{k + 1}" for k in range(5)],
                            quintile(ability, _income_sigma(run)).astype(np.int64)),
    }
    for col in ("region", "sex"):
        enc = pc.dictionary_encode(_text(t, col))
        codes = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        names_ = enc.dictionary.to_pylist()
        present = set(np.unique(codes[persons]).tolist())
        order = sorted((names_[c], c) for c in present)
        remap = np.full(len(names_), -1, np.int64)
        for k, (_name, c) in enumerate(order):
            remap[c] = k
        dims[col] = ([name for name, _c in order], remap[codes])
    rows: dict[str, list[Any]] = {"dimension": [], "group": [], "persons": [], "restricted_share": [],
                                  "persons_denied": [], "denials_per_1000": []}
    for dim, (labels, idx) in dims.items():
        for k, label in enumerate(labels):
            m = persons & (idx == k)
            n = int(m.sum())
            rows["dimension"].append(dim)
            rows["group"].append(label)
            rows["persons"].append(n)
            rows["restricted_share"].append(float(restricted[m].mean()) if n else math.nan)
            rows["persons_denied"].append(int((denials[m] > 0).sum()))
            rows["denials_per_1000"].append(float(denials[m].sum()) * 1000 / n if n else math.nan)
    return pa.table(rows)


# -------------------------------------------------------------------------- studies, sweeps
def results(path: Path) -> pa.Table:
    """A study's results.parquet or a sweep's summary.parquet (means and intervals: small)."""
    import pyarrow.parquet as pq

    try:
        t = pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise InputError(f"not a readable Parquet file: {exc}", file=path) from None
    if "replicates" not in t.column_names and "n" in t.column_names:
        t = t.rename_columns(["replicates" if c == "n" else c for c in t.column_names])
    missing = [c for c in ("arm", "metric", "mean") if c not in t.column_names]
    if missing:
        raise InputError(f"results table lacks column(s) {', '.join(missing)}", file=path)
    return t


def arms_of(table: pa.Table) -> list[str]:
    """The arms of a results table, in order of first appearance."""
    return list(dict.fromkeys(str(a) for a in table.column("arm").to_pylist()))
