"""Who is hurt: how restrictions, denials and wrongful listings fall on groups of persons.

For each of age group, income quintile, region and sex, per group: persons, person-years, the
share ever restricted in the run and the mean share restricted on a day, denials per
person-year, distinct persons denied, wrongful list-days and distinct persons wrongly listed,
and distinct persons affected (restricted, denied or wrongly listed at least once): persons,
not requests.

The run folder does not hold what this needs (``subjects.parquet`` has no sex or income and
only the final state; the ledger has no denials), so the numbers are gathered while the run
goes, from the public state after each day: each regime's ``restrictions_held`` of every
person (a pass over the persons per day: O(persons × days)), the gates' ``denied_today`` and
the sources layer's wrongly listed (``truth.wrong``, present only where sources or deletion
delays are declared).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from scslab.conduct.cells import quintile

#: Age groups [years, at the start of the run]: lower bounds and labels.
AGE_EDGES = (0, 18, 30, 45, 60)
AGE_LABELS = ("0-17", "18-29", "30-44", "45-59", "60+")
SEX_LABELS = ("female", "male")
DAYS_PER_YEAR = 365.25

SCHEMA = pa.schema([("dimension", pa.string()), ("group", pa.string()), ("metric", pa.string()),
                    ("value", pa.float64())])


class HurtTracker:
    """Per-person tallies gathered after each day of a running :class:`~scslab.sim.Simulation`.

    Args:
        sim: the initialised simulation; call :meth:`on_day` after each of its days.
    """

    def __init__(self, sim: Any) -> None:
        self.sim = sim
        n = sim.n_persons
        self.persons = np.arange(n, dtype=np.int64)
        self.denials = np.zeros(n, np.int64)
        self.restricted_days = np.zeros(n, np.int64)
        self.wrong_days = np.zeros(n, np.int64)
        self.days = 0

    def on_day(self, k: int) -> None:
        """Tally day index ``k`` (just simulated)."""
        sim, n = self.sim, len(self.persons)
        self.days += 1
        held = np.zeros(n, bool)
        for e in sim.engines:
            held |= e.restrictions_held(self.persons) > 0
        self.restricted_days += held
        gates = sim.gates
        if gates is not None:
            # A request denied by several regimes is one denial: the most any regime denied.
            most = np.zeros(n, np.int64)
            for subj in gates.denied_today:
                s = np.asarray(subj, np.int64)
                s = s[s < n]
                if len(s):
                    np.maximum(most, np.bincount(s, minlength=n), out=most)
            self.denials += most
        truth = sim.truth
        if truth is not None:
            wrong = np.zeros(n, bool)
            for lists in truth.wrong:
                for s, _since in lists:
                    s = np.asarray(s, np.int64)
                    wrong[s[s < n]] = True
            self.wrong_days += wrong

    def groups(self) -> dict[str, tuple[np.ndarray, tuple[str, ...]]]:
        """Per dimension: each person's group index and the group labels."""
        soc = self.sim.society
        age = np.asarray(soc.age)[: len(self.persons)]
        codes = tuple(str(c) for c in soc.region_codes)
        return {
            "age_group": (np.searchsorted(np.array(AGE_EDGES), age, side="right") - 1, AGE_LABELS),
            "income_quintile": (quintile(np.asarray(soc.ability_to_pay)[: len(self.persons)],
                                         soc.params.income_sigma).astype(np.int64),
                                tuple(f"Q{i + 1}" for i in range(5))),
            "region": (np.asarray(soc.region, np.int64)[: len(self.persons)], codes),
            "sex": (np.asarray(soc.sex, np.int64)[: len(self.persons)], SEX_LABELS),
        }

    def table(self) -> pa.Table:
        """The tidy who-is-hurt table: ``dimension``, ``group``, ``metric``, ``value``."""
        py = self.days / DAYS_PER_YEAR
        restricted = self.restricted_days > 0
        denied = self.denials > 0
        wrong = self.wrong_days > 0
        affected = restricted | denied | wrong
        rows: dict[str, list[Any]] = {"dimension": [], "group": [], "metric": [], "value": []}
        for dim, (idx, labels) in self.groups().items():
            for g, label in enumerate(labels):
                m = idx == g
                n = int(m.sum())
                values = {
                    "persons": n,
                    "person_years": n * py,
                    "share_ever_restricted": _share(restricted[m].sum(), n),
                    "share_restricted_daily": _share(self.restricted_days[m].sum(), n * self.days),
                    "denials_per_person_year": _share(self.denials[m].sum(), n * py),
                    "persons_denied": int(denied[m].sum()),
                    "wrongful_list_days": int(self.wrong_days[m].sum()),
                    "persons_wrongly_listed": int(wrong[m].sum()),
                    "persons_affected": int(affected[m].sum()),
                    "share_affected": _share(affected[m].sum(), n),
                }
                for metric, v in values.items():
                    rows["dimension"].append(dim)
                    rows["group"].append(label)
                    rows["metric"].append(metric)
                    rows["value"].append(float(v))
        return pa.table(rows, schema=SCHEMA)


def _share(num: float, den: float) -> float:
    return float(num) / den if den else float("nan")


#: The metrics the report shows per group, in order.
SHOWN = ("persons", "share_ever_restricted", "share_restricted_daily", "denials_per_person_year",
         "persons_denied", "wrongful_list_days", "persons_wrongly_listed", "persons_affected")


def hurt_over_seeds(tables: list[pa.Table], seeds: list[int]) -> tuple[pa.Table, pa.Table]:
    """The runs' tables stacked with a ``seed`` column, and their mean, 95 % CI and n."""
    from scslab.experiment.stats import summarise

    long = pa.concat_tables([
        pa.table({"seed": pa.array([s] * t.num_rows, pa.int64()),
                  **{c: t.column(c) for c in t.column_names}})
        for s, t in zip(seeds, tables, strict=True)])
    return long, summarise(long, ["dimension", "group", "metric"])


def write_hurt(out: Any, scenario: str, seeds: list[int], long: pa.Table, summary: pa.Table,
               design: Mapping[str, Any], force: bool = False) -> Any:
    """Write ``hurt.parquet``, ``hurt_summary.parquet`` and ``report.html`` to ``out``."""
    from scslab.experiment.folder import write_folder
    from scslab.experiment.report import interval_text, page, section, table_rows
    from scslab.io import write_parquet, write_text

    cells: dict[tuple[str, str, str], str] = {}
    for d, g, m, mean, lo, hi in table_rows(summary, ["dimension", "group", "metric", "mean",
                                                      "ci_low", "ci_high"]):
        cells[(d, g, m)] = interval_text(mean, lo, hi)
    groups: dict[str, list[str]] = {}
    for d, g in zip(long.column("dimension").to_pylist(), long.column("group").to_pylist(), strict=True):
        if g not in groups.setdefault(d, []):
            groups[d].append(g)
    sections = [section(f"By {d.replace('_', ' ')}", ["group", *SHOWN],
                        [[g, *(cells.get((d, g, m), "–") for m in SHOWN)] for g in gs])
                for d, gs in groups.items()]
    html = page(f"Who is hurt: {scenario}", [
        f"Seeds {', '.join(map(str, seeds))}; each cell the mean over seeds [95 % interval]. Shares "
        "and counts are of persons, not requests; a person is affected when restricted, denied "
        "or wrongly listed at least once in the run. Wrongful listings are known only where the "
        "scenario declares sources or deletion delays."], sections)
    return write_folder(out, "hurt", {
        "hurt.parquet": lambda p: write_parquet(p, long),
        "hurt_summary.parquet": lambda p: write_parquet(p, summary),
        "report.html": lambda p: write_text(p, html),
    }, dict(design), force)
