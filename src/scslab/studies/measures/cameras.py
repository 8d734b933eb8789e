"""Cameras (seed 004): how much of conduct is recorded as the camera network grows, and whom.

``recorded_per_occurred``: records of the camera acts (the ``camera_acts`` option) that reached
the regime, false ones included, over those acts that occurred (the run's ``recorded/ACT`` and
``occurred/ACT``), for the whole run and month by month; harmful and camera acts per 1,000
person-years come month by month too. ``recorded_per_occurred_<region>``: true records over
acts, by the acting person's district, from the day's occurrences and records (the measure
wraps the simulation's public ``observe`` step to see them; nothing it returns is changed).
``wrongful_records_per_million``: false records the regime applied per million person-years
(``<regime>/wrongful_records``); ``false_records_per_million_<region>``: the false camera
records by the named person's district, per million person-years there.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from scslab.experiment.report import fmt
from scslab.studies.measures.common import (
    DAYS_PER_YEAR,
    Row,
    acts_of_kind,
    daily_sum,
    monthly_rate,
    occurred_per_1000py,
    person_years,
    total,
)

if TYPE_CHECKING:
    from scslab.studies.run import StudyResult


class RegionTally:
    """Acts, true records and false records of some acts, counted by the subject's region."""

    def __init__(self, region: np.ndarray, n_regions: int, acts: list[int]) -> None:
        self.region = np.asarray(region, np.int64)
        self.n = n_regions
        self.acts = np.asarray(acts, np.int64)
        self.occurred = np.zeros(n_regions, np.int64)
        self.true = np.zeros(n_regions, np.int64)
        self.false = np.zeros(n_regions, np.int64)

    def _count(self, subject: np.ndarray, act: np.ndarray, keep: np.ndarray | None = None) -> np.ndarray:
        s, a = np.asarray(subject, np.int64), np.asarray(act, np.int64)
        m = np.isin(a, self.acts) & (s < len(self.region))
        if keep is not None:
            m &= keep
        return np.bincount(self.region[s[m]], minlength=self.n)

    def add(self, occ_subject: np.ndarray, occ_act: np.ndarray, rec_subject: np.ndarray,
            rec_act: np.ndarray, rec_true: np.ndarray | None) -> None:
        """Count one day's occurrences and records (``rec_true`` None: every record true)."""
        self.occurred += self._count(occ_subject, occ_act)
        true = np.ones(len(rec_subject), bool) if rec_true is None else np.asarray(rec_true, bool)
        self.true += self._count(rec_subject, rec_act, true)
        self.false += self._count(rec_subject, rec_act, ~true)


def monthly_ratio(metrics: pa.Table, num: list[str], den: list[str], metric: str) -> list[Row]:
    """Sum of ``num`` over sum of ``den``, month by month (dated on the month's first day)."""
    dates, top = daily_sum(metrics, num)
    _, bottom = daily_sum(metrics, den)
    by: dict[_dt.date, list[float]] = {}
    for d, x, y in zip(dates, top, bottom, strict=True):
        acc = by.setdefault(d.replace(day=1), [0.0, 0.0])
        acc[0] += x
        acc[1] += y
    return [(metric, m, x / y if y else float("nan")) for m, (x, y) in by.items()]


class Measure:
    """Tallies the camera acts and their records by district, day by day."""

    def __init__(self, sim: Any, options: dict[str, Any], arm: Any) -> None:
        self.sim = sim
        self.acts = [a for a in options["camera_acts"] if a in sim.act_ids]
        self.regime = str(options.get("regime", "rongcheng"))
        soc = sim.society
        self.codes = [str(c) for c in soc.region_codes]
        self.region = np.asarray(soc.region, np.int64)[: sim.n_persons]
        self.tally = RegionTally(self.region, len(self.codes), [sim.act_ids.index(a) for a in self.acts])
        observe = sim.observe

        def observed(k: int, occ: Any, daily: Any) -> Any:
            rec = observe(k, occ, daily)
            self.tally.add(occ.subject, occ.act, rec.subject, rec.act, rec.true)
            return rec

        sim.observe = observed  # the run calls self.observe each day: count, then pass it on

    def on_day(self, k: int) -> None:
        """Nothing more per day: the wrapped observe step counts."""

    def rows(self, metrics: pa.Table) -> list[Row]:
        """The study's metrics of this run."""
        sim, t = self.sim, self.tally
        rec = [f"recorded/{a}" for a in self.acts]
        occ = [f"occurred/{a}" for a in self.acts]
        n_occ = total(metrics, occ)
        py = person_years(sim)
        wrong = total(metrics, [f"{self.regime}/wrongful_records"])
        rows: list[Row] = [
            ("recorded_per_occurred", None, total(metrics, rec) / n_occ if n_occ else float("nan")),
            ("harmful_acts_per_1000py", None, occurred_per_1000py(sim, metrics, "harmful")),
            ("camera_acts_per_1000py", None, 1000.0 * n_occ / py),
            ("other_harmful_acts_per_1000py", None,
             occurred_per_1000py(sim, metrics, "harmful") - 1000.0 * n_occ / py),
            ("wrongful_records_per_million", None, 1e6 * wrong / py),
        ]
        per_region_py = np.bincount(self.region, minlength=len(self.codes)) * sim.n_days / DAYS_PER_YEAR
        for i, code in enumerate(self.codes):
            rows.append((f"recorded_per_occurred_{code}", None,
                         float(t.true[i]) / t.occurred[i] if t.occurred[i] else float("nan")))
            rows.append((f"camera_acts_per_1000py_{code}", None,
                         1000.0 * t.occurred[i] / per_region_py[i] if per_region_py[i] else float("nan")))
            rows.append((f"false_records_per_million_{code}", None,
                         1e6 * t.false[i] / per_region_py[i] if per_region_py[i] else float("nan")))
        rows += monthly_ratio(metrics, rec, occ, "recorded_per_occurred")
        rows += monthly_rate(sim, metrics, occ, "camera_acts_per_1000py")
        harmful = [f"occurred/{a}" for a in acts_of_kind(sim, "harmful")]
        rows += monthly_rate(sim, metrics, harmful, "harmful_acts_per_1000py")
        return rows


def conclude(res: StudyResult) -> list[str]:
    """The share recorded at the start and end of the run, and the gap between the districts."""
    import pyarrow.compute as pc

    out = []
    r = res.results
    dated = r.filter(pc.and_(pc.equal(r.column("metric"), "recorded_per_occurred"),
                             pc.is_valid(r.column("date"))))
    for arm in (a.name for a in res.study.arms):
        m = dated.filter(pc.equal(dated.column("arm"), arm))
        if m.num_rows < 2:
            continue
        ds, vs = m.column("date").to_pylist(), m.column("mean").to_pylist()
        out.append(f"In “{arm}”, {fmt(100 * vs[0])} % of camera acts were recorded in {ds[0]:%b %Y} "
                   f"and {fmt(100 * vs[-1])} % in {ds[-1]:%b %Y}.")
    from scslab.studies.measures.measurable_drift import paired

    ref = res.study.arms[0].name
    for arm in (a.name for a in res.study.arms[1:]):
        cam = paired(res, arm, ref, "camera_acts_per_1000py")
        other = paired(res, arm, ref, "other_harmful_acts_per_1000py")
        if cam is not None and other is not None:
            out.append(f"In “{arm}” against “{ref}”, camera acts change by {fmt(cam[0])} "
                       f"(95 % interval {fmt(cam[1])} to {fmt(cam[2])}) and the other harmful acts, "
                       f"whose detection never changes, by {fmt(other[0])} ({fmt(other[1])} to "
                       f"{fmt(other[2])}) per 1,000 person-years.")
    codes = [m.removeprefix("recorded_per_occurred_") for m in res.study.metrics
             if m.startswith("recorded_per_occurred_")]
    if len(codes) == 2:
        for arm in (a.name for a in res.study.arms):
            a, b = (res.value(arm, f"recorded_per_occurred_{c}")[0] for c in codes)
            if a == a and b == b and b > 0:
                out.append(f"In “{arm}”, an act in district {codes[0]} was {fmt(a / b)} times as likely "
                           f"to be recorded as one in {codes[1]}.")
    return out
