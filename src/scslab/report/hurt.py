"""Who is hurt, from a run folder's files: restrictions, denials and wrongful listings by group.

For each of age group, income quintile, region and sex, per group of persons (organisations
are never counted): persons, the share ever on a restricting list, list-days per person-year,
denials per person-year, distinct persons denied, wrongful list-days, distinct persons wrongly
listed, and distinct persons affected (listed, denied or wrongly listed at least once).

Read from the folder alone, with filtered columns: ``subjects.parquet`` (age, sex, region,
ability to pay), the ledger's list lines (``list_enter`` ... ``list_deleted``), ``gates.parquet``
(denials) and ``records.parquet`` (false records). A *restricting list* is one a consequence of
the rulebook attaches restrictions to. A listing counts as *wrongful* when the subject had a
false record in that regime's acts on or before the listing day, the folder's closest evidence
of a listing no true act caused. Income quintiles are the persons' own quintiles of ability to
pay. Shares are of persons, never of requests.
"""

from __future__ import annotations

import tomllib
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from scslab.errors import InputError
from scslab.experiment.hurt import AGE_EDGES, AGE_LABELS, DAYS_PER_YEAR
from scslab.regime.load import load_rulebook
from scslab.runfolder import RunFolder

ENTER = ("list_enter", "list_renewed", "evaluation_list_enter", "amended_list")
LEAVE = ("list_deleted",)
#: The metrics shown per group, in order, with their labels.
SHOWN = (("persons", "persons"), ("share_ever_listed", "share ever on a restricting list"),
         ("list_days_per_person_year", "list-days per person-year"),
         ("denials_per_person_year", "denials per person-year"),
         ("persons_denied", "persons denied"), ("wrongful_list_days", "wrongful list-days"),
         ("persons_wrongly_listed", "persons wrongly listed"),
         ("persons_affected", "persons affected"))


def _rulebooks(run: RunFolder) -> list[Any] | None:
    """The run's rulebooks, from its scenario (None: one of them is unreadable)."""
    try:
        return [load_rulebook(n) for n in tomllib.loads(run.scenario_text).get("regimes", [])]
    except InputError:
        return None


def restricting_lists(books: list[Any] | None) -> dict[str, set[str]] | None:
    """Regime id -> the ids of its lists that carry restrictions (None: rulebooks unreadable)."""
    if books is None:
        return None
    return {rb.regime.id: {c.list for c in rb.consequences if c.list and c.restrictions}
            for rb in books}


def _read(run: RunFolder, name: str, columns: list[str], filters: Any = None) -> pa.Table | None:
    """The columns of a folder file, or None when the file or one of the columns is absent."""
    if not run.has(name):
        return None
    present = set(pq.read_schema(run.path / name).names)
    if not set(columns) <= present:
        return None
    return pq.read_table(run.path / name, columns=columns, filters=filters)


def _list_days(run: RunFolder, n: int, lists: dict[str, set[str]] | None,
               wrong_from: dict[str, np.ndarray] | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per person: days on restricting lists, ever listed, and wrongful list-days."""
    days = np.zeros(n, np.int64)
    wrong = np.zeros(n, np.int64)
    ever = np.zeros(n, bool)
    t = _read(run, "ledger.parquet", ["day", "subject", "regime", "rule", "list"],
              [("rule", "in", list(ENTER + LEAVE))])
    if t is None or t.num_rows == 0:
        return days, ever, wrong
    end = run.n_days
    cols = {c: t.column(c).to_pylist() for c in ("day", "subject", "regime", "rule", "list")}
    open_since: dict[tuple[int, str, str], int] = {}
    order = np.lexsort((np.array(cols["day"]),))
    spans: list[tuple[int, str, int, int]] = []
    for i in order:
        s, r, li, d, rule = (cols["subject"][i], cols["regime"][i], cols["list"][i],
                             cols["day"][i], cols["rule"][i])
        if s >= n or li is None or (lists is not None and li not in lists.get(r, set())):
            continue
        key = (s, r, li)
        if rule in ENTER:
            open_since.setdefault(key, d)
        elif key in open_since:
            spans.append((s, r, open_since.pop(key), d))
    spans += [(s, r, d, end) for (s, r, _li), d in open_since.items()]
    for s, r, a, b in spans:
        days[s] += b - a
        ever[s] = True
        if wrong_from is not None and r in wrong_from and wrong_from[r][s] <= a:
            wrong[s] += b - a
    return days, ever, wrong


def _false_records(run: RunFolder, n: int, books: list[Any] | None) -> dict[str, np.ndarray] | None:
    """Regime id -> per person the first day of a false record in that regime's acts."""
    t = _read(run, "records.parquet", ["day", "subject", "act"], [("true", "=", False)])
    if t is None or books is None:
        return None
    acts_of = {rb.regime.id: {a.id for a in rb.acts} for rb in books}
    never = np.iinfo(np.int64).max
    out = {r: np.full(n, never, np.int64) for r in acts_of}
    for d, s, a in zip(*(t.column(c).to_pylist() for c in ("day", "subject", "act")), strict=True):
        if s < n:
            for r, acts in acts_of.items():
                if a in acts:
                    out[r][s] = min(out[r][s], d)
    return out


def run_hurt(run: RunFolder) -> pa.Table:
    """The who-is-hurt table of a run folder: ``dimension``, ``group``, ``metric``, ``value``."""
    subj = run.subject_columns(["kind", "age", "sex", "region", "ability_to_pay"])
    persons = pc.equal(subj.column("kind"), "person") if "kind" in subj.column_names else None
    if persons is not None:
        subj = subj.filter(persons)
    n = subj.num_rows
    books = _rulebooks(run)
    lists = restricting_lists(books)
    wrong_from = _false_records(run, n, books)
    days, ever, wrong = _list_days(run, n, lists, wrong_from)
    denials = np.zeros(n, np.int64)
    g = _read(run, "gates.parquet", ["subject", "outcome"], [("outcome", "=", "denied")])
    if g is not None and g.num_rows:
        s = g.column("subject").to_numpy()
        denials = np.bincount(s[s < n], minlength=n).astype(np.int64)
    py = run.n_days / DAYS_PER_YEAR
    dims = _groups(subj)
    rows: dict[str, list[Any]] = {"dimension": [], "group": [], "metric": [], "value": []}
    affected = ever | (denials > 0) | (wrong > 0)
    for dim, (idx, labels) in dims.items():
        for k, label in enumerate(labels):
            m = idx == k
            c = int(m.sum())
            values = {
                "persons": c,
                "share_ever_listed": _ratio(ever[m].sum(), c),
                "list_days_per_person_year": _ratio(days[m].sum(), c * py),
                "denials_per_person_year": _ratio(denials[m].sum(), c * py),
                "persons_denied": int((denials[m] > 0).sum()),
                "wrongful_list_days": int(wrong[m].sum()),
                "persons_wrongly_listed": int((wrong[m] > 0).sum()),
                "persons_affected": int(affected[m].sum()),
            }
            for metric, v in values.items():
                rows["dimension"].append(dim)
                rows["group"].append(label)
                rows["metric"].append(metric)
                rows["value"].append(float(v))
    return pa.table(rows, schema=pa.schema([("dimension", pa.string()), ("group", pa.string()),
                                            ("metric", pa.string()), ("value", pa.float64())]))


def _groups(subj: pa.Table) -> dict[str, tuple[np.ndarray, tuple[str, ...]]]:
    out: dict[str, tuple[np.ndarray, tuple[str, ...]]] = {}
    if "age" in subj.column_names:
        age = subj.column("age").to_numpy(zero_copy_only=False)
        out["age_group"] = (np.searchsorted(np.array(AGE_EDGES), age, side="right") - 1, AGE_LABELS)
    if "ability_to_pay" in subj.column_names and subj.num_rows:
        a = subj.column("ability_to_pay").to_numpy(zero_copy_only=False).astype(np.float64)
        cuts = np.quantile(a, [0.2, 0.4, 0.6, 0.8])
        out["income_quintile"] = (np.searchsorted(cuts, a, side="right"),
                                  tuple(f"Q{i + 1}" for i in range(5)))
    if "region" in subj.column_names:
        reg = subj.column("region").cast(pa.string())
        labels = tuple(sorted(set(reg.to_pylist())))
        pos = {x: i for i, x in enumerate(labels)}
        out["region"] = (np.array([pos[x] for x in reg.to_pylist()], np.int64), labels)
    if "sex" in subj.column_names:
        sex = subj.column("sex").cast(pa.string()).to_pylist()
        labels = tuple(sorted(set(sex)))
        pos = {x: i for i, x in enumerate(labels)}
        out["sex"] = (np.array([pos[x] for x in sex], np.int64), labels)
    return out


def _ratio(num: float, den: float) -> float:
    return float(num) / den if den else float("nan")
