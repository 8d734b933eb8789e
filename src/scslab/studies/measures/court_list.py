"""Court list (seeds 002, 004): stock, performance, wrongful listings and late deletions.

All counts are of the court list named in the options (``regime``, ``list``); "per million" is
per million person-years of the simulated population, so arms of one study compare directly.

* ``list_stock_per_million``: persons on the list on the last day, per million persons; dated:
  the stock on the first day of each month.
* ``share_performed``: performances of the obligation (the list's answer act, conduct's
  ``occurred``) over the distinct subjects (persons and organisations) listed at some time in
  the run. A subject who performs twice in one run counts twice (rare at these rates).
* ``wrongful_list_days_per_million``: days persons spent listed wrongly (the sources layer's
  truth, ``wrongful_listed``), summed over the run.
* ``restriction_days_after_performance_per_million``: days on which a subject who had
  performed was still listed awaiting deletion and held a restriction (the truth's performed
  set; one day per subject and day, however many restrictions it held). The engine's own
  count, restrictions × days, is ``restrictions_after_performance_per_million``.
* ``flights_denied_per_listed_py``: flight purchases the court list denied, over the
  person-years persons spent listed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from scslab.studies.measures.common import DAYS_PER_YEAR, Row, daily_sum, engine, person_years, total


class Measure:
    """Follows the list's persons day by day; the rest comes from the run's metrics."""

    def __init__(self, sim: Any, options: dict[str, Any], arm: Any) -> None:
        self.sim = sim
        self.regime = str(options.get("regime", "court-defaulters"))
        self.list_id = str(options.get("list", "dishonest_judgment_defaulters"))
        self.act = str(options.get("answer_act", "performs_obligation"))
        self.e = engine(sim, self.regime)
        self.r = next(i for i, x in enumerate(sim.engines) if x is self.e)
        self.li = list(self.e.list_ids).index(self.list_id)
        self.subjects = np.arange(self.e.n_subjects, dtype=np.int64)
        self.ever = np.zeros(self.e.n_subjects, bool)
        self.listed_person_days = 0
        self.after_performance_days = 0
        self.stock: list[int] = []

    def on_day(self, k: int) -> None:
        """Tally day index ``k``: who is listed, and who performed but is still restricted."""
        on = np.asarray(self.e.listed(self.li, self.subjects), bool)
        self.ever |= on
        persons = int(on[: self.sim.n_persons].sum())
        self.listed_person_days += persons
        self.stock.append(persons)
        truth = self.sim.truth
        if truth is not None:
            waiting = np.asarray(truth.performed[self.r][self.li][0], np.int64)
            if len(waiting):
                self.after_performance_days += int((self.e.restrictions_held(waiting) > 0).sum())

    def rows(self, metrics: pa.Table) -> list[Row]:
        """The study's metrics of this run."""
        sim = self.sim
        mpy = person_years(sim) / 1e6  # millions of person-years
        rid, lid = self.e.rulebook.regime.id, self.list_id
        _, wrong = daily_sum(metrics, [f"{rid}/wrongful_listed/{lid}"])
        _, after = daily_sum(metrics, [f"{rid}/restricted_after_performance/{lid}"])
        listed_py = self.listed_person_days / DAYS_PER_YEAR
        flights = total(metrics, [f"{rid}/denied/flight"])
        ever = int(self.ever.sum())
        performed = total(metrics, [f"occurred/{self.act}"])
        dates, _ = daily_sum(metrics, [])
        monthly = [("list_stock_per_million", d, 1e6 * s / sim.n_persons)
                   for d, s in zip(dates, self.stock, strict=False) if d.day == 1]
        return [
            ("list_stock_per_million", None, 1e6 * self.stock[-1] / sim.n_persons),
            ("share_performed", None, performed / ever if ever else 0.0),
            ("wrongful_list_days_per_million", None, float(wrong.sum()) / mpy),
            ("restriction_days_after_performance_per_million", None,
             self.after_performance_days / mpy),
            ("restrictions_after_performance_per_million", None, float(after.sum()) / mpy),
            ("flights_denied_per_listed_py", None, flights / listed_py if listed_py else 0.0),
            ("listed_person_years_per_million", None, listed_py / mpy),
            ("subjects_ever_listed", None, float(ever)),
            ("performances", None, performed),
            *monthly,
        ]


def conclude(res: Any) -> list[str]:
    """How much of the restriction after performance the deletion delays account for."""
    from scslab.studies.conclude import differences

    out: list[str] = []
    ref = res.study.arms[0].name
    m = "restriction_days_after_performance_per_million"
    base = res.value(ref, m)[0]
    for arm in res.study.arms[1:]:
        d = differences(res).get((arm.name, m))
        if d is None or not base or np.isnan(base):
            continue
        if "deletion" in arm.name:
            out.append(f"“{arm.name}” changes restriction-days after performance by "
                       f"{100 * d[0] / base:+.0f} % of the reference's {base:,.0f} per million "
                       f"person-years (95 % interval {100 * d[1] / base:+.0f} % to "
                       f"{100 * d[2] / base:+.0f} %).")
    return out
