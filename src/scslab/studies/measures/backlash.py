"""Backlash (seed 001): Suining's first published batch, and when a declared outcry rule trips.

Every count is scaled from the sample to the county: ``scale = county_population / persons``
(the study's ``[options]``), as Covasim's ``pop_scale`` does.

* ``deductions_first_batch``: records of the regime's deducting acts (points < 0) dated in the
  first batch's window (``batch_from`` .. ``batch_to``), scaled to the county.
* ``graded_C_or_D_first_batch``: persons in a band of ``outcry_bands`` on ``batch_to``, scaled.
* ``days_to_outcry``: grades are published monthly from the first batch on: the persons ever
  graded in ``outcry_bands`` by a month's end (``batch_to``, then each later month's end) appear
  ``publication_lag_days`` later. The outcry rule (declared in the study,
  unverified) trips on the first publication whose count reaches ``outcry_per_100k`` per 100,000
  residents; the metric is that day's distance from the start [days]. A run that never trips is
  censored at the horizon (``n_days``) and has ``outcry = 0``.
* ``cd_person_days_until_outcry``: person-days spent graded C or D up to the outcry (or the
  horizon), scaled: what the regime had imposed by the time the rule ended it.

When the rule trips, the rule acts: :meth:`Measure.follow_up` asks for the regime's ``end``
``end_after_outcry_days`` after the tripping publication, and for people to stop answering to
it from then (deterrence 0, striving and offsetting off, effort unshifted: a behaviour change on
the timeline; the scenario answers to this one regime only). The study framework runs the arm
again with these events (:func:`scslab.studies.run.run_job`), so the rows come from the run in
which the regime was ended, and compare it with the first run, in which it went on:

* ``cd_person_days_to_horizon``: C/D person-days to the horizon had the regime gone on (the
  first run), scaled;
* ``cd_person_days_imposed``: C/D person-days while the regime ran (to its end, else the
  horizon), scaled;
* ``harmful_after_end_per_1000py`` and ``harmful_after_end_per_1000py_had_it_gone_on``:
  harmful acts from the end day to the horizon per 1,000 person-years, with the regime ended and
  had it gone on (only runs in which it ended have them): the deterrence its end gave up.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scslab.studies.measures.common import Row, engine

NEVER = -1


def month_ends(start: _dt.date, n_days: int) -> list[int]:
    """Day indices (0 = ``start``) of the last day of each month within ``n_days``."""
    out = []
    for k in range(n_days):
        d = start + _dt.timedelta(days=k)
        if (d + _dt.timedelta(days=1)).day == 1:
            out.append(k)
    return out


def outcry_day(ever: np.ndarray, start: _dt.date, lag: int, threshold: float, first: int = 0) -> int:
    """First publication day index whose published count reaches ``threshold``, or NEVER.

    ``ever[k]``: the (scaled, per 100,000) count of persons ever graded by the end of day ``k``.
    Publications fall ``lag`` days after each month's end from day index ``first`` on (the first
    batch's last day), and only those within the horizon count.
    """
    n = len(ever)
    for m in month_ends(start, n):
        if m < first:
            continue
        pub = m + lag
        if pub < n and ever[m] >= threshold:
            return pub
    return NEVER


class Measure:
    """Follows who is graded C or D each day, and the grades a publication would show."""

    def __init__(self, sim: Any, options: dict[str, Any], arm: Any) -> None:
        self.sim = sim
        self.e = engine(sim, options.get("regime", "suining-2010"))
        self.scale = float(options["county_population"]) / sim.n_persons
        self.start = _dt.date.fromisoformat(sim.plan.horizon.start_date)
        self.batch_from = _dt.date.fromisoformat(options["batch_from"])
        self.batch_to = _dt.date.fromisoformat(options["batch_to"])
        self.lag = int(options["publication_lag_days"])
        self.threshold = float(options["outcry_per_100k"])
        labels = list(self.e.band_labels)
        self.cd = np.array([labels.index(b) for b in options["outcry_bands"]], np.int64)
        n = sim.n_persons
        self.ever = np.zeros(n, bool)
        self.ever_count = np.zeros(sim.n_days, np.int64)
        self.now_count = np.zeros(sim.n_days, np.int64)
        self.batch_graded = float("nan")
        self.end_lag = int(options.get("end_after_outcry_days", 0))
        # The run in which the regime went on, and its metrics (set by run_job; see follow_up).
        self.previous: Measure | None = None
        self.previous_metrics: pa.Table | None = None

    def on_day(self, k: int) -> None:
        """Grades after day index ``k``."""
        b = np.asarray(self.e.band_index(np.arange(self.sim.n_persons)), np.int64)
        cd = np.isin(b, self.cd)
        self.ever |= cd
        self.ever_count[k] = int(self.ever.sum())
        self.now_count[k] = int(cd.sum())
        if self.start + _dt.timedelta(days=k) == self.batch_to:
            self.batch_graded = float(cd.sum())

    def deducting_acts(self) -> list[str]:
        """The regime's acts that take points away."""
        return [a.id for a in self.e.rulebook.acts if a.points < 0]

    def outcry(self) -> int:
        """Day index of the publication that trips the outcry rule, or NEVER."""
        per100k = self.ever_count * self.scale / (self.scale * self.sim.n_persons) * 1e5
        return outcry_day(per100k, self.start, self.lag, self.threshold,
                          (self.batch_to - self.start).days)

    def end_day(self) -> int:
        """Day index from which the rule ends the regime, or NEVER (not within the horizon)."""
        day = self.outcry()
        if day == NEVER or day + self.end_lag >= self.sim.n_days:
            return NEVER
        return day + self.end_lag

    def follow_up(self) -> list[dict[str, Any]] | None:
        """Timeline events that end the regime where the rule tripped (None: it did not)."""
        end = self.end_day()
        if end == NEVER:
            return None
        date = (self.start + _dt.timedelta(days=end)).isoformat()
        note = "the backlash study's declared outcry rule tripped (verified = false)"
        flat = dict.fromkeys(("restricted", "near_restriction", "clear", "near_privilege",
                              "privileged"), 1.0)
        return [
            {"date": date, "regime": self.e.rulebook.regime.id, "action": "end",
             "verified": False, "note": note},
            {"date": date, "verified": False, "note": "with the regime ended, nobody answers to it",
             "behaviour": {"deterrence": dict.fromkeys(flat, 0.0), "striving": flat,
                           "offset_strength": 0.0, "effort_response": 0.0}},
        ]

    def harmful_after(self, metrics: pa.Table, day: int) -> float:
        """Harmful acts on day indices ``day`` .. horizon, per 1,000 person-years."""
        acts = self.sim.plan.scenario.acts
        names = pa.array([f"occurred/{a}" for a, v in acts.items() if v.kind == "harmful"],
                         pa.string())
        d = metrics.column("date")
        sel = metrics.filter(pc.and_(pc.is_in(metrics.column("metric"), names), pc.greater_equal(
            d, pa.scalar(self.start + _dt.timedelta(days=day)))))
        person_years = self.sim.n_persons * (self.sim.n_days - day) / 365.0
        return 1000.0 * float(pc.sum(sel.column("value")).as_py() or 0.0) / person_years

    def rows(self, metrics: pa.Table) -> list[Row]:
        """The study's metrics of this run, scaled to the county."""
        s, county = self.scale, self.scale * self.sim.n_persons
        names = pa.array([f"recorded/{a}" for a in self.deducting_acts()], pa.string())
        d = metrics.column("date")
        sel = metrics.filter(pc.and_(pc.is_in(metrics.column("metric"), names),
                                     pc.and_(pc.greater_equal(d, pa.scalar(self.batch_from)),
                                             pc.less_equal(d, pa.scalar(self.batch_to)))))
        deductions = float(pc.sum(sel.column("value")).as_py() or 0.0)
        per100k = self.ever_count * s / county * 1e5
        day = self.outcry()
        crossed = day != NEVER
        until = day if crossed else self.sim.n_days
        went_on = self.previous if self.previous is not None else self
        end = self.end_day() if self.previous is not None else NEVER
        imposed = self.now_count[:end].sum() if end != NEVER else self.now_count.sum()
        rows: list[Row] = [
            ("deductions_first_batch", None, s * deductions),
            ("graded_C_or_D_first_batch", None, s * self.batch_graded),
            ("days_to_outcry", None, float(until)),
            ("outcry", None, float(crossed)),
            ("cd_person_days_until_outcry", None, s * float(self.now_count[:until].sum())),
            ("cd_person_days_to_horizon", None, s * float(went_on.now_count.sum())),
            ("cd_person_days_imposed", None, s * float(imposed)),
            ("ever_C_or_D_per_100k", None, float(per100k[-1])),
        ]
        if self.previous is not None and self.previous_metrics is not None and end != NEVER:
            rows += [("harmful_after_end_per_1000py", None, self.harmful_after(metrics, end)),
                     ("harmful_after_end_per_1000py_had_it_gone_on", None,
                      self.harmful_after(self.previous_metrics, end))]
        for m in month_ends(self.start, self.sim.n_days):
            rows.append(("ever_C_or_D_per_100k", self.start + _dt.timedelta(days=m), float(per100k[m])))
        return rows


def conclude(res: Any) -> list[str]:
    """Which arms' designs trip the outcry rule, and how the reference arm meets the first batch."""
    from scslab.experiment.report import fmt

    st = res.study
    out = []
    ref = st.arms[0].name
    pub = {p.path: p.value for p in st.parameters}
    want_d, want_g = pub.get("first_batch.deductions"), pub.get("first_batch.graded_C_or_D")
    d, g = res.value(ref, "deductions_first_batch"), res.value(ref, "graded_C_or_D_first_batch")
    if want_d is not None and want_g is not None:
        out.append(f"In “{ref}”, the first batch has {fmt(d[0])} deduction reasons (95 % interval "
                   f"{fmt(d[1])} to {fmt(d[2])}; published {fmt(float(want_d))}) and {fmt(g[0])} persons "
                   f"graded C or D ({fmt(g[1])} to {fmt(g[2])}; published {fmt(float(want_g))}), "
                   f"scaled to the county.")
    thr = st.options.get("outcry_per_100k")
    for a in st.arms:
        share = res.value(a.name, "outcry")[0]
        days = res.value(a.name, "days_to_outcry")
        if share != share:  # nan
            continue
        if share >= 1.0:
            what = f"trips the outcry rule ({thr} per 100,000 published) in every replicate"
        elif share <= 0.0:
            what = "never trips the outcry rule within the horizon"
        else:
            what = f"trips the outcry rule in {100 * share:.0f} % of replicates"
        out.append(f"“{a.name}” {what}; days to outcry {fmt(days[0])} "
                   f"(95 % interval {fmt(days[1])} to {fmt(days[2])}, censored at the horizon).")
        ended = res.value(a.name, "harmful_after_end_per_1000py")
        went_on = res.value(a.name, "harmful_after_end_per_1000py_had_it_gone_on")
        if ended[0] == ended[0] and went_on[0] == went_on[0]:
            imposed = res.value(a.name, "cd_person_days_imposed")[0]
            horizon = res.value(a.name, "cd_person_days_to_horizon")[0]
            out.append(f"Where it tripped, ending “{a.name}” cut the C/D person-days imposed from "
                       f"{fmt(horizon)} to {fmt(imposed)} (means over all replicates) and gave up its "
                       f"deterrence: {fmt(ended[0])} harmful acts per 1,000 person-years after the "
                       f"end ({fmt(ended[1])} to {fmt(ended[2])}) against {fmt(went_on[0])} had it "
                       f"gone on ({fmt(went_on[1])} to {fmt(went_on[2])}).")
    return out
