"""The daily loop: society -> conduct -> sources -> regime -> (gates) -> back to conduct.

Each day, only the persons who act and the subjects whose files change are touched: the
cost of a run grows with events, not with person-days.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from pydantic import ValidationError

from scslab.conduct.organisations import organisation_conduct
from scslab.conduct.rates import RateTables, build_rate_tables
from scslab.conduct.scheduler import Scheduler
from scslab.dates import to_day
from scslab.errors import InputError
from scslab.gates import Gates, build_gates
from scslab.regime.engine import Engine
from scslab.regime.load import load_rulebook, validation_error
from scslab.regime.schema import Rulebook
from scslab.rng import Streams
from scslab.sim.scenario import Scenario
from scslab.society import Society, SocietyParams, build_society
from scslab.sources import Detection


@dataclass
class Daily:
    """Per-day aggregates, one row per day (arrays filled as the run goes)."""

    occurred: np.ndarray  # (days, acts) int64
    recorded: np.ndarray  # (days, acts) int64
    bands: list[np.ndarray] = field(default_factory=list)  # per regime (days, bands+1)
    lists: list[np.ndarray] = field(default_factory=list)  # per regime (days, lists)
    score_sum: list[np.ndarray] = field(default_factory=list)  # per regime (days,)
    gates: Gates | None = None  # requests, denials, privileges, exposures (None: gates off)


@dataclass
class Simulation:
    """A prepared run: society, engines, conduct. Call :meth:`run` to simulate.

    Args:
        scenario: the checked scenario.
        persons, days, seed: overrides of the scenario's horizon (None keeps it).
        keep_ledger: keep ledger lines (False for benchmarks).
    """

    scenario: Scenario
    persons: int | None = None
    days: int | None = None
    seed: int | None = None
    keep_ledger: bool = True

    def init(self) -> Simulation:
        """Build the society, load the regimes and draw everyone's first acts."""
        sc = self.scenario
        h = sc.horizon
        self.n_persons = h.persons if self.persons is None else self.persons
        self.n_days = h.days if self.days is None else self.days
        self.run_seed = h.seed if self.seed is None else self.seed
        if self.n_persons < 1 or self.n_days < 1 or self.run_seed < 0:
            raise InputError("persons and days must be at least 1, and the seed non-negative")
        self.start = to_day(_dt.date.fromisoformat(h.start_date))
        self.streams = Streams(self.run_seed)
        file = getattr(sc, "_file", "<scenario>")
        for key in ("persons", "start_date"):
            if key in sc.society:
                raise InputError(f"set {key} in [horizon], not in [society]", file=file,
                                 key=f"society.{key}")
        try:
            params = SocietyParams(persons=self.n_persons, start_date=h.start_date, **sc.society)
        except ValidationError as e:
            err = validation_error(e, file)
            raise InputError(err.message, file=err.file,
                             key=f"society.{err.key}" if err.key else "society") from None
        self.society: Society = build_society(params, self.streams)
        self.rulebooks: list[Rulebook] = [load_rulebook(r) for r in sc.regimes]
        # Persons come first, so a regime of persons only covers rows 0..n_persons-1 and its
        # bands, lists and means count persons only.
        self.engines = [Engine(rb, self._rows_of(rb), self.keep_ledger).init() for rb in self.rulebooks]
        for e in self.engines:  # computed scores read friends, attributes, representatives
            e.bind_society(self.society, self.start)
        self._init_acts()
        b = sc.behaviour
        self.scheduler = Scheduler(self.tables, self.society.propensity, self.start,
                                   self.start + self.n_days, b.low_score, b.incentive_below,
                                   self.streams.get("conduct.acts"))
        self.scheduler.init(self._primary_score())
        self.sources = Detection(self.detection, self.streams.get("sources.detection"))
        self.org_conduct = organisation_conduct(self)  # None: organisations do not act
        self.gates = build_gates(self)  # None: gates off (the benchmark)
        return self

    def _rows_of(self, rb: Rulebook) -> int:
        """Subject rows a regime covers: persons only, or persons and organisations."""
        return self.society.n_persons if rb.regime.subject_kinds == ["person"] else \
            self.society.n_subjects

    # --------------------------------------------------------------- wiring
    def _init_acts(self) -> None:
        sc = self.scenario
        file = getattr(sc, "_file", "<scenario>")
        self.act_ids = list(sc.behaviour.rates)
        known = {a for rb in self.rulebooks for a in rb.act_ids()}
        for a in [*self.act_ids, *sc.sources.detection, *sc.behaviour.perceived_cost]:
            if a not in known:
                raise InputError(f"act {a!r} is in no regime of this scenario; known acts: "
                                 f"{', '.join(sorted(known))}", file=file, key=f"behaviour.rates.{a}")
        # The primary regime (first with a score) drives deterrence and incentives.
        self.primary = next((i for i, rb in enumerate(self.rulebooks) if rb.score is not None), None)
        n = len(self.act_ids)
        base = np.array([sc.behaviour.rates[a] for a in self.act_ids])
        self.detection = np.array([sc.sources.detection.get(a, 1.0) for a in self.act_ids])
        cost = np.zeros(n)
        sign = -np.ones(n)
        for i, a in enumerate(self.act_ids):
            pts = [x.points for rb in self.rulebooks for x in rb.acts if x.id == a]
            p = pts[0] if pts else 0
            sign[i] = 1.0 if p > 0 else -1.0
            cost[i] = sc.behaviour.perceived_cost.get(a, abs(p) if p < 0 else 0.0)
        b = sc.behaviour
        self.tables: RateTables = build_rate_tables(base, cost, sign, self.detection, b.beta,
                                                    b.beta_low, b.incentive)
        # act index in the scenario -> act index in each regime (-1: the regime ignores it)
        self.act_map = []
        for rb in self.rulebooks:
            idx = {x: j for j, x in enumerate(rb.act_ids())}
            self.act_map.append(np.array([idx.get(a, -1) for a in self.act_ids], np.int64))
        # Regimes whose act indices equal the scenario's need no translation.
        self._identity = [bool((m == np.arange(n)).all()) for m in self.act_map]
        self._needs_age = any(lst.min_age is not None for rb in self.rulebooks for lst in rb.lists)

    def _primary_score(self) -> np.ndarray | None:
        """Scores of the regime that drives deterrence and incentives (None if no regime scores)."""
        return None if self.primary is None else self.engines[self.primary].score

    # ------------------------------------------------------------------ run
    def run(self, on_day: Callable[[int], None] | None = None,
            on_ledger: Callable[[int, Engine], None] | None = None) -> Daily:
        """Simulate every day.

        Args:
            on_day: called with the 0-based day index after each day (progress bars).
            on_ledger: called every 32 days and at the end with (regime index, engine), to
                drain ledger lines (streamed to disk by the run writer).
        """
        D, A = self.n_days, len(self.act_ids)
        daily = Daily(np.zeros((D, A), np.int64), np.zeros((D, A), np.int64))
        for e in self.engines:
            daily.bands.append(np.zeros((D, len(e.band_counts)), np.int64))
            daily.lists.append(np.zeros((D, len(e.list_ids)), np.int64))
            daily.score_sum.append(np.zeros(D, np.int64))
        sched, soc = self.scheduler, self.society
        score = self._primary_score()
        age0 = soc.age.astype(np.float64) if self._needs_age else None
        if self.org_conduct is not None and age0 is not None:  # organisations have no age (NaN)
            age0 = np.concatenate([age0, np.full(soc.n_orgs, np.nan)])
        orgs, gates = self.org_conduct, self.gates
        for k in range(D):
            day = self.start + k
            actors, subj, act = sched.occurrences(day)
            if orgs is not None:
                subj, act = orgs.occurrences(subj, act)
            if gates is not None:
                subj, act = gates.conduct(day, subj, act)
            rs, ra = self.sources.observe(subj, act, daily.occurred[k], daily.recorded[k])
            age = age0[rs] + k / 365.25 if self._needs_age else None
            touched = None
            changed = []  # per regime: subjects whose file changed (for the gates)
            for r, e in enumerate(self.engines):
                if self._identity[r] and (orgs is None or e.n_subjects == soc.n_subjects):
                    t = e.step(day, rs, ra, age=age)
                else:
                    ma = self.act_map[r][ra]
                    # A regime sees the acts it knows, by the subjects it covers.
                    known = (ma >= 0) & (rs < e.n_subjects)
                    t = e.step(day, rs[known], ma[known], age=None if age is None else age[known])
                if r == self.primary:
                    touched = t
                changed.append(t)
                daily.bands[r][k] = e.band_counts
                daily.lists[r][k] = e.list_sizes()
                daily.score_sum[r][k] = e.score_sum
                if on_ledger is not None and (k % 32 == 31):
                    on_ledger(r, e)
            if gates is not None:
                gates.step(k, day, changed)
            if touched is None:
                touched = np.zeros(0, np.int64)
            sched.respond(day, actors, touched, score)
            if on_day is not None:
                on_day(k)
        if on_ledger is not None:
            for r, e in enumerate(self.engines):
                on_ledger(r, e)
        daily.gates = gates
        return daily
