"""Family (seeds 000, 003): how many children does a parent's listing reach, and for how long?

For every service a child requests (``requesters = "children"`` in the services table; in the
built-in table only ``private_school``, gated by item 7 of the 2015 restrictions), with ``SVC``
its id:

* ``child_years_exposed_per_million/SVC``: days lived by children of the service's ages whose
  guardian (either of the two the gates use, :func:`scslab.gates.demand.guardians`) holds, by
  their own status in some regime, a restriction that denies the service, in years, per million
  person-years of the population: the mean number of such children per million persons.
* ``children_affected_per_million/SVC``: distinct children who had a request for the service
  denied through a guardian (the gates' family spillover) during the run, per million persons.
* ``children_exposed_per_million/SVC``: distinct children exposed at some time, per million.

Ages are taken at the run's start (as the gates take them); a guardian's status is read from the
regimes' lists each day (``consequences`` of the persons on any list: band-only restrictions,
absent from the court list, would be missed), and restrictions that fall on a guardian through an
organisation they represent are not counted as exposure (the gates do count them in denials).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from scslab.gates.demand import guardians
from scslab.studies.measures.common import DAYS_PER_YEAR, Row, listed_persons, person_years


class Measure:
    """Counts children exposed through a guardian each day, and the children denied."""

    def __init__(self, sim: Any, options: dict[str, Any], arm: Any) -> None:
        self.sim = sim
        n = sim.n_persons
        soc = sim.society
        age = np.asarray(soc.age[:n])
        self.g1, self.g2 = guardians(age, np.asarray(soc.household_start))
        gates = sim.gates
        if gates is None:
            raise ValueError("the family study needs gates on (a child's requests are gates')")
        self.services: list[tuple[int, str, frozenset[str], np.ndarray]] = []
        for i, s in enumerate(gates.table.services):
            if s.requesters != "children":
                continue
            ok = (self.g1 >= 0) | (self.g2 >= 0)
            if s.min_age is not None:
                ok &= age >= s.min_age
            if s.max_age is not None:
                ok &= age <= s.max_age
            self.services.append((i, s.id, frozenset(s.denied_by), ok))
        self.days = {sid: 0 for _, sid, _, _ in self.services}
        self.ever = {sid: np.zeros(n, bool) for _, sid, _, _ in self.services}
        self.denied = {sid: np.zeros(n, bool) for _, sid, _, _ in self.services}
        self.listed_days = 0
        self.parent_days = 0
        inner = gates.answer_watch

        def watch(day: int, svc: np.ndarray, req: np.ndarray, dec: Any) -> None:
            if inner is not None:
                inner(day, svc, req, dec)
            spill = np.asarray(dec.spillover[-1], bool)  # the combined answer's
            for i, sid, _, _ in self.services:
                m = spill & (np.asarray(svc) == i)
                r = np.asarray(req)[m]
                self.denied[sid][r[r < n]] = True

        gates.answer_watch = watch

    def on_day(self, k: int) -> None:
        """Children whose guardian holds a restriction that denies a child's service today."""
        n = self.sim.n_persons
        holders = {sid: np.zeros(n + 1, bool) for _, sid, _, _ in self.services}  # n: no guardian
        listed = np.zeros(n, bool)
        for e in self.sim.engines:
            if not len(e.list_ids):
                continue
            on = listed_persons(self.sim, e)
            listed |= on
            for p in np.flatnonzero(on).tolist():
                held = set(e.consequences(p)[0])
                for _, sid, denied_by, _ in self.services:
                    if held & denied_by:
                        holders[sid][p] = True
        self.listed_days += int(listed.sum())
        g1 = np.where(self.g1 >= 0, self.g1, n)
        g2 = np.where(self.g2 >= 0, self.g2, n)
        parents = np.zeros(n + 1, bool)
        for _, sid, _, ok in self.services:
            h = holders[sid]
            exposed = ok & (h[g1] | h[g2])
            self.days[sid] += int(exposed.sum())
            self.ever[sid] |= exposed
            parents[g1[exposed]] = True
            parents[g2[exposed]] = True
        parents[n] = False
        self.parent_days += int(parents.sum())

    def rows(self, metrics: pa.Table) -> list[Row]:
        """The study's metrics of this run."""
        sim = self.sim
        n = sim.n_persons
        py = person_years(sim)
        out: list[Row] = [
            ("listed_persons_per_million", None, 1e6 * self.listed_days / sim.n_days / n),
            ("exposed_parents_per_million", None, 1e6 * self.parent_days / sim.n_days / n),
        ]
        for _, sid, _, _ in self.services:
            years = self.days[sid] / DAYS_PER_YEAR
            out += [
                (f"child_years_exposed_per_million/{sid}", None, 1e6 * years / py),
                (f"children_affected_per_million/{sid}", None, 1e6 * float(self.denied[sid].sum()) / n),
                (f"children_exposed_per_million/{sid}", None, 1e6 * float(self.ever[sid].sum()) / n),
            ]
        out.append(("child_years_exposed_per_listed_py", None,
                    sum(self.days.values()) / max(self.listed_days, 1)))
        return out
