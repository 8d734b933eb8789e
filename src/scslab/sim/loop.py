"""The daily loop: an explicit, ordered list of phases run once per simulated day.

The society is built once before the first day. Then, each day, in this order (:data:`PHASES`):

1. ``conduct``: persons act (event-driven scheduler), organisations act, and listed subjects
   perform their obligations (the response to denials). Output: :class:`Occurrences`.
2. ``sources``: each occurrence is recorded or missed. Output: :class:`Records`.
3. ``regimes``: every regime applies its due calendar events and the records it knows, by the
   subjects it covers. Output: :class:`Changes` (the subjects whose file changed, per regime).
4. ``gates``: services are requested and every regime answers them; shaming exposures follow
   the day's changes.
5. ``responses``: persons perceive what changed (their class, :mod:`scslab.conduct.perception`),
   and list answers start their clocks from new listings and denials.
6. ``aggregates``: band counts, list sizes and score sums of the day; ledger lines are drained.

Phases hand each other these typed struct-of-arrays records, never positional arrays. Only the
persons who act and the subjects whose file changes are touched: a day costs work in
proportion to events, never a pass over everyone.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scslab.conduct.acts import MAX_AGE, Values
from scslab.conduct.cells import Cells, quintile
from scslab.conduct.organisations import OrganisationConduct, organisation_conduct
from scslab.conduct.perception import Perception, perceive
from scslab.conduct.rates import (
    ActRates,
    RateParams,
    RateTables,
    build_rate_tables,
    deterrence_table,
)
from scslab.conduct.response import ListAnswers
from scslab.conduct.scheduler import Scheduler
from scslab.conduct.standing import Standing
from scslab.dates import add_months
from scslab.gates import Gates, build_gates
from scslab.regime.engine import Engine
from scslab.rng import Streams
from scslab.sim.flows import Flows
from scslab.sim.resolve import Resolved, resolve
from scslab.sim.scenario import Scenario
from scslab.sim.subjectfile import SubjectFiles
from scslab.sim.timeline_run import TimelineRun
from scslab.society import Society, build_society
from scslab.society.friends import review_ties
from scslab.society.population import HOUSEHOLD_BLOCK
from scslab.sources import Detection, SourceLayer
from scslab.sources.deletions import LateDeletions
from scslab.sources.truth import Wrongful


def partition_bounds(n_persons: int, partitions: int) -> np.ndarray:
    """Row bounds of ``partitions`` contiguous partitions of the persons (int64, len P + 1).

    Inner bounds are rounded to whole household blocks (:data:`HOUSEHOLD_BLOCK`), so that no
    household is split; partitions may be empty when the persons are few.
    """
    if partitions < 1:
        raise ValueError(f"partitions must be at least 1, got {partitions}")
    b = HOUSEHOLD_BLOCK
    inner = [min(n_persons, round(n_persons * i / partitions / b) * b) for i in range(1, partitions)]
    return np.array([0, *inner, n_persons], np.int64)


def age_groups(tables: RateTables, society: Society, start: int, end: int,
               cell: np.ndarray | None = None
               ) -> tuple[np.ndarray | None, dict[int, tuple[np.ndarray, np.ndarray]]]:
    """Each person's group (age group and attribute cell) on the first day, and its changes.

    The crossings map a day number to (person rows, new group) for the persons whose birthday
    that day takes them into the next age group. None and no crossings when there is one group.
    """
    if tables.n_groups == 1:
        return None, {}
    age = society.age
    cell = np.zeros(len(age), np.uint8) if cell is None else cell
    group = tables.group_of(age, cell)
    born = society.birth_day()
    days, rows, groups = [], [], []
    for cut in tables.cuts.tolist():
        young = np.flatnonzero(age < cut)
        when = add_months(born[young], 12 * cut)
        inside = (when > start) & (when < end)
        days.append(when[inside])
        rows.append(young[inside])
        groups.append(tables.group_of(np.full(int(inside.sum()), cut), cell[young[inside]]))
    day, row, grp = (np.concatenate(x) for x in (days, rows, groups))
    order = np.lexsort((row, day))
    day, row, grp = day[order], row[order], grp[order]
    cuts = np.flatnonzero(np.diff(day)) + 1
    crossings = {int(d[0]): (r, g) for d, r, g in zip(np.split(day, cuts), np.split(row, cuts),
                                                      np.split(grp, cuts), strict=True) if len(d)}
    return group, crossings


def _local(crossings: dict[int, tuple[np.ndarray, np.ndarray]], lo: int, hi: int
           ) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """The crossings of persons ``lo .. hi - 1``, as rows within that partition."""
    out = {}
    for d, (r, g) in crossings.items():
        mine = (r >= lo) & (r < hi)
        if mine.any():
            out[d] = (r[mine] - lo, g[mine])
    return out


def _join(parts: list[np.ndarray]) -> np.ndarray:
    """One array of the parts (no copy when there is one)."""
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


PHASES = ("conduct", "sources", "regimes", "gates", "responses", "aggregates")
"""The phases of a day, in the order they run (see the module docstring)."""

ASSORTATIVITY_DAYS = 30  # the friends' score correlation is measured monthly (O(ties) each)
LEDGER_DRAIN_DAYS = 32  # ledger lines are handed to the writer every 32 days and at the end
_EMPTY = np.zeros(0, np.int64)


@dataclass(frozen=True)
class Occurrences:
    """The day's acts, one entry per act.

    Each has its ``subject`` row, ``act`` index (scenario acts) and ``luck``, a uniform 32-bit word
    keyed by the act's subject, day and draw, with which sources observe it (see
    :mod:`scslab.sources.detection`).

    ``actors`` are, per partition, the persons the scheduler let act today (rows within the
    partition); they are redrawn in ``responses``. ``checked`` are, per partition, the persons
    who checked their score today (rows within the partition, sorted); ``reviewed``, per
    partition, those who reviewed their ties (person rows, sorted).
    """

    actors: tuple[np.ndarray, ...]
    checked: tuple[np.ndarray, ...]
    reviewed: tuple[np.ndarray, ...]
    subject: np.ndarray
    act: np.ndarray
    luck: np.ndarray


@dataclass(frozen=True)
class Records:
    """The day's arriving records: ``subject``, ``act``, ``value``, ``age``, ``source``, ``true``.

    ``value`` is set where acts declare one (None: every value is 1); ``age`` [years] when a
    list needs it. ``source`` (0 the default source, i + 1 the i-th declared) and ``true``
    (False: a false positive) are for the outputs only; regimes are never handed them. Both are
    None when no source is declared (every record true, from the default source).
    """

    subject: np.ndarray
    act: np.ndarray
    value: np.ndarray | None
    age: np.ndarray | None
    source: np.ndarray | None = None
    true: np.ndarray | None = None


@dataclass(frozen=True)
class Changes:
    """Per regime, the subjects whose file changed today (may repeat)."""

    touched: tuple[np.ndarray, ...]


@dataclass
class Daily:
    """Per-day aggregates, one row per day (arrays filled as the run goes)."""

    occurred: np.ndarray  # (days, acts) int64
    recorded: np.ndarray  # (days, acts) int64
    bands: list[np.ndarray] = field(default_factory=list)  # per regime (days, bands+1)
    lists: list[np.ndarray] = field(default_factory=list)  # per regime (days, lists)
    score_sum: list[np.ndarray] = field(default_factory=list)  # per regime (days,)
    gates: Gates | None = None  # requests, denials, privileges, exposures (None: gates off)
    # behaviour's own counts, metric -> (days,): score checks, ties dropped and formed, and the
    # friends' score assortativity (NaN on days it is not measured)
    conduct: dict[str, np.ndarray] = field(default_factory=dict)
    sources: SourceLayer | None = None  # records per source, pending (None: no declared source)
    wrongful: Wrongful | None = None  # what false records cost (None: no declared source)

    def __repr__(self) -> str:  # the dataclass repr prints every matrix in full
        days, acts = self.occurred.shape
        return (f"<Daily: {days:,} days, {acts} acts, {len(self.bands)} regimes, "
                f"gates {'off' if self.gates is None else 'on'}>")


class StartAges:
    """Every subject's age on the start date as float64 (NaN for organisations), by subject row.

    Indexed like the array it stands for (``ages[rows]``), but derived from the society's uint8
    ages on demand, so no 8-byte array per subject lives all run.

    Args:
        society: the society whose persons' ages these are.
    """

    def __init__(self, society: Society) -> None:
        self.society = society

    def __getitem__(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows)
        age = self.society.age
        person = rows < len(age)
        out = np.full(rows.shape, np.nan)
        out[person] = age[rows[person]]
        return out


class Simulation:
    """A prepared run: society, engines, conduct. Call :meth:`init`, then :meth:`run`.

    Args:
        scenario: a resolved plan, or a scenario (a name, a file or a :class:`Scenario`) that is
            resolved with the overrides.
        persons, days, seed: overrides of the scenario's horizon (None keeps it).
        keep_ledger: keep ledger lines (False for benchmarks).
        partitions: process persons in this many contiguous partitions (:func:`partition_bounds`);
            results are identical for every value.
    """

    def __init__(self, scenario: Resolved | Scenario | str | Path, persons: int | None = None,
                 days: int | None = None, seed: int | None = None,
                 keep_ledger: bool = True, partitions: int = 1) -> None:
        self.plan = scenario if isinstance(scenario, Resolved) else \
            resolve(scenario, persons=persons, days=days, seed=seed)
        self.keep_ledger = keep_ledger
        self.partitions = partitions
        h = self.plan.horizon
        self.scenario = self.plan.scenario
        self.n_persons, self.n_days, self.run_seed, self.start = h.persons, h.days, h.seed, h.start
        self.act_ids = list(self.plan.acts.ids)

    def __repr__(self) -> str:
        regimes = ", ".join(r.regime.id for r in self.plan.rulebooks)
        return (f"<Simulation {self.scenario.scenario.name}: regimes {regimes}; {self.n_persons:,} "
                f"persons, {self.n_days:,} days from {self.plan.horizon.start_date}, seed "
                f"{self.run_seed}; {'built' if hasattr(self, 'society') else 'not built'}>")

    def init(self) -> Simulation:
        """Build the society and the regimes, and draw everyone's first acts."""
        plan = self.plan
        self.streams = Streams(self.run_seed)
        self.society: Society = build_society(plan.society, self.streams)
        self.rulebooks = list(plan.rulebooks)
        self.engines = [Engine(rb, plan.rows_of(r), self.keep_ledger).init()
                        for r, rb in enumerate(self.rulebooks)]
        for e in self.engines:  # computed scores read friends, attributes, representatives
            e.bind_society(self.society, self.start)
        self.files: SubjectFiles | None = None  # records and gate answers kept (keep_files)
        self.flows: Flows | None = None if not plan.flows else Flows(
            plan.flows, self.engines, self.society.org_legal_rep, self.society.n_persons,
            self.start, self.n_days)
        acts, bp = plan.acts, plan.acts.behaviour
        cells = Cells(acts.multipliers, self.society.region_codes, plan.source, acts.ids)
        self.age_steps = tuple([] if m is None else list(m.age) for m in acts.multipliers)
        self.tables: RateTables = build_rate_tables(bp.acts, bp.params, oldest=MAX_AGE,
                                                    cell_factor=cells.factor,
                                                    age_steps=self.age_steps)
        self.cells = cells
        cell = None
        if cells.n > 1:
            soc = self.society
            head = np.zeros(soc.n_persons, np.uint8)
            head[soc.household_start[:-1]] = 1
            cell = cells.of(soc.sex, quintile(soc.ability_to_pay, soc.params.income_sigma),
                            soc.region, head)
        self.standing = Standing(bp.standing, self.engines)
        self.perception = Perception(self.standing, self.society.n_persons, bp.aware_share,
                                     bp.continuous, bp.offset_target, bp.initial,
                                     self.streams.keyed("conduct.awareness"))
        # Persons answer only through scored regimes or restricting lists; without either,
        # classes never change and nothing needs re-perceiving.
        self.perceives = any(s.scored or s.lists for s in bp.standing)
        bounds = partition_bounds(self.society.n_persons, self.partitions)
        self.bounds = bounds
        m = self.society.propensity
        nxt, what = self.streams.keyed("conduct.next"), self.streams.keyed("conduct.acts")
        group, crossings = age_groups(self.tables, self.society, self.start, plan.horizon.end,
                                      cell)
        self.schedulers = [Scheduler(self.tables, m[lo:hi], self.start, plan.horizon.end, nxt, what,
                                     base=lo, group=None if group is None else group[lo:hi].copy(),
                                     crossings=_local(crossings, lo, hi))
                           .init(self.perception.initial_classes(np.arange(lo, hi)))
                           for lo, hi in itertools.pairwise(bounds)]
        self.values = Values(acts.values, self.society, self.streams.keyed("conduct.values"))
        self.sources = Detection(acts.detection)
        self.layer: SourceLayer | None = None
        if plan.sources.any:
            org_only = (acts.base == 0) & np.isin(np.arange(len(acts.ids)), acts.org_acts)
            self.layer = SourceLayer(plan.sources, acts.detection, org_only, self.society,
                                     self.streams, self.act_ids, self.start, self.n_days)
        self.org_conduct: OrganisationConduct | None = organisation_conduct(
            acts.org_acts, acts.org_rates, self.society, self.streams.keyed("conduct.organisations"))
        self.answers: ListAnswers | None = ListAnswers(
            bp.list_answers, self.engines, plan.horizon.end,
            self.streams.keyed("conduct.response")) if bp.list_answers else None
        self.gates: Gates | None = None if plan.gates is None else build_gates(
            plan.gates, self.society, self.engines, self.streams, self.n_days, plan.horizon.end)
        self.deter = deterrence_table(bp.acts, bp.params)
        self.timeline = TimelineRun(plan.timeline, len(self.engines),
                                    self.streams.keyed("conduct.timeline"))
        if self.gates is not None:
            self.gates.inactive = self.timeline.inactive()
        self.friending = bp.friends
        self.friends_stream = self.streams.keyed("conduct.friends")
        for r, li, spec in plan.sources.deletions:
            rid, lid = self.engines[r].rulebook.regime.id, self.engines[r].list_ids[li]
            self.engines[r].delay_deletions(
                li, LateDeletions(spec, self.streams.keyed(f"regime.{rid}.deletions.{lid}")))
        self.truth: Wrongful | None = None
        if plan.sources.any or plan.sources.deletions:
            self.truth = Wrongful(self.engines, acts.regime_map, self.n_days)
            if self.gates is not None:
                self.gates.denial_watch = self.truth.denials
        self._age0 = StartAges(self.society) if acts.needs_age else None
        return self

    def keep_files(self) -> SubjectFiles:
        """Keep records and gate answers for each subject's merged file; call after :meth:`init`.

        Records are kept where sources are declared, the gate answers that are not "allowed"
        where gates are on (:mod:`scslab.sim.subjectfile`).
        """
        src, g = self.plan.sources, self.gates
        files = SubjectFiles(self.start, self.act_ids, src.names if src.any else None,
                             ["", *(s.sector for s in src.specs)],
                             None if g is None else [g.regime_gates[r].id for r in g.gating],
                             [] if g is None else list(g.service_ids),
                             None if g is None else [None if sv.outcome is None else sv.outcome.name
                                                     for sv in g.table.services])
        if g is not None:
            g.answer_watch = files.on_answers
        self.files = files
        return files

    # ---------------------------------------------------------------- phases
    def at_timeline(self, day: int) -> None:
        """Before the day's phases: its timeline events (:mod:`scslab.sim.timeline_run`)."""
        tables = self.timeline.at(day, self.engines, self.gates, self.sources, self.layer,
                                  self.schedulers, self._rate_tables)
        if tables is not None:
            self.tables = tables

    def _rate_tables(self, a: ActRates, p: RateParams) -> RateTables:
        """Rate tables for acts ``a`` and parameters ``p`` (organisations' deterrence too)."""
        self.deter = deterrence_table(a, p)
        return build_rate_tables(a, p, oldest=MAX_AGE, cell_factor=self.cells.factor,
                                 age_steps=self.age_steps)

    def conduct(self, day: int) -> Occurrences:
        """Phase 1: the day's acts of persons, organisations and responding listed subjects."""
        parts = [s.occurrences(day) for s in self.schedulers]
        actors = tuple(p[0] for p in parts)
        checked = tuple(p[4] for p in parts)
        reviewed = tuple(p[5] for p in parts)
        subj, act, luck = ([p[i] for p in parts] for i in (1, 2, 3))
        if self.org_conduct is not None:
            for a, b in zip((subj, act, luck), self.org_conduct.occurrences(
                    day - self.start, self.person_class, self.deter), strict=True):
                a.append(b)
        if self.answers is not None:
            for a, b in zip((subj, act, luck), self.answers.occurrences(day), strict=True):
                a.append(b)
        return Occurrences(actors, checked, reviewed, *(_join(x) for x in (subj, act, luck)))

    def observe(self, k: int, occ: Occurrences, daily: Daily) -> Records:
        """Phase 2: which occurrences the sources record (counts go to ``daily`` row ``k``)."""
        if self.layer is not None:
            x = self.layer.observe(k, occ.subject, occ.act, occ.luck, daily.occurred[k],
                                   daily.recorded[k], self.values.draw)
            age = None if self._age0 is None else self._age0[x.subject] + x.act_k / 365.25
            if self.truth is not None:
                self.truth.on_records(k, self.start + k, x.subject, x.act, x.true)
            return Records(x.subject, x.act, x.value, age, x.source, x.true)
        rs, ra, rl = self.sources.observe(occ.subject, occ.act, occ.luck, daily.occurred[k],
                                          daily.recorded[k])
        age = None if self._age0 is None else self._age0[rs] + k / 365.25
        if self.truth is not None:  # deletion delays without declared sources: all true
            self.truth.on_records(k, self.start + k, rs, ra, np.ones(len(rs), bool))
        return Records(rs, ra, self.values.draw(k, rs, ra, rl), age)

    def apply(self, day: int, rec: Records) -> Changes:
        """Phase 3: every regime applies the day.

        A regime sees the acts it knows, by the subjects it covers.
        """
        if self.files is not None:
            self.files.on_records(day, rec)
        touched = []
        arrived = self.flows.arrivals(day) if self.flows is not None else {}
        for r, e in enumerate(self.engines):
            if not self.timeline.stepping[r]:  # not started, suspended or ended
                touched.append(_EMPTY)
                continue
            missed = self.timeline.catch_up(r, day, e)
            now = (self.step_with_flows(day, r, rec, *arrived[r]) if r in arrived
                   else self._step(r, e, day, rec))
            touched.append(now if missed is None else np.concatenate([missed, now]))
        if self.flows is not None:
            self.flows.observe(day, touched)
        return Changes(tuple(touched))

    def _step(self, r: int, e: Engine, day: int, rec: Records) -> np.ndarray:
        """Regime ``r`` applies the day's records it knows, by the subjects it covers."""
        acts = self.plan.acts
        if acts.identity[r] and e.n_subjects == self.society.n_subjects:
            return e.step(day, rec.subject, rec.act, value=rec.value, age=rec.age)
        ma = acts.regime_map[r][rec.act]
        known = (ma >= 0) & (rec.subject < e.n_subjects)
        return e.step(day, rec.subject[known], ma[known],
                      value=None if rec.value is None else rec.value[known],
                      age=None if rec.age is None else rec.age[known])

    def step_with_flows(self, day: int, r: int, rec: Records, subj: np.ndarray,
                        act: np.ndarray) -> np.ndarray:
        """Part of phase 3: regime ``r`` applies the day's records, then the flows' arrivals.

        Arrivals are acts of the regime itself (:mod:`scslab.sim.flows`), with value 1 and the
        subject's age of the day.
        """
        e = self.engines[r]
        ma = self.plan.acts.regime_map[r][rec.act]
        known = (ma >= 0) & (rec.subject < e.n_subjects)
        s = np.concatenate([rec.subject[known], subj])
        a = np.concatenate([ma[known], act])
        v = None if rec.value is None else np.concatenate([rec.value[known], np.ones(len(subj))])
        g = None
        if rec.age is not None:
            assert self._age0 is not None
            g = np.concatenate([rec.age[known], self._age0[subj] + (day - self.start) / 365.25])
        return e.step(day, s, a, value=v, age=g)

    def answer(self, k: int, day: int, changes: Changes) -> None:
        """Phase 4: requests, every regime's answers, shaming."""
        if self.gates is not None:
            self.gates.step(k, day, list(changes.touched))

    def respond(self, day: int, occ: Occurrences, changes: Changes) -> None:
        """Phase 5: list answers start clocks; persons perceive; actors get their next act day.

        Re-perceived are the persons whose file changed in a regime they answer to, who checked
        their score, or who were denied a service: work in proportion to events.
        """
        denied = self.gates.denied_today if self.gates is not None else None
        if self.answers is not None:
            self.answers.entered(day, list(changes.touched))
            if denied is not None:
                self.answers.denied(day, denied)
            if self.gates is not None:
                self.answers.shamed(day, self.gates.shamed_today())
        if self.gates is not None and self.plan.acts.behaviour.job_loss_ability < 1:
            self.values.lose_ability(self.gates.jobless_today(),
                                     self.plan.acts.behaviour.job_loss_ability)
        if not self.perceives:
            for sched, actors in zip(self.schedulers, occ.actors, strict=True):
                sched.redraw(day, actors, _EMPTY, _EMPTY, refresh_actors=False)
            return
        # Persons may repeat: perception is idempotent for one day, and a later entry of a
        # person (a check after a file change) wins, so no sort or unique is needed.
        parts = [changes.touched[s.regime] for s in self.standing.plans]
        touched = parts[0] if len(parts) == 1 else np.concatenate(parts)
        hit = [d for d in denied if len(d)] if denied is not None else []
        dn = np.concatenate(hit) if hit else _EMPTY
        cont = self.perception.continuous
        # One partition holding every subject (no organisations) takes the rows as they are.
        whole = len(self.schedulers) == 1 and self.society.n_orgs == 0
        for i, (sched, actors) in enumerate(zip(self.schedulers, occ.actors, strict=True)):
            lo, hi = int(self.bounds[i]), int(self.bounds[i + 1])
            t, d = (touched, dn) if whole else \
                (x[(x >= lo) & (x < hi)] - lo for x in (touched, dn))
            chk = occ.checked[i]
            p = np.concatenate([t, d, chk]) if len(d) or len(chk) else t
            sees = np.full(len(p), cont)
            sees[len(t) + len(d):] = True
            met = np.zeros(len(p), bool)
            met[len(t):len(t) + len(d)] = True
            others, old = perceive(self.perception, day - self.start, p, lo, sees, met,
                                   sched.state)
            sched.redraw(day, actors, others, old, refresh_actors=len(p) > 0)

    def person_class(self, p: np.ndarray) -> np.ndarray:
        """Class of persons ``p`` (rows of the society), whichever partition holds them."""
        part = np.searchsorted(self.bounds, p, side="right") - 1
        out = np.empty(len(p), np.int8)
        for i in np.unique(part).tolist():
            mine = part == i
            out[mine] = self.schedulers[i].classes(p[mine] - int(self.bounds[i]))
        return out

    def review(self, k: int, day: int, occ: Occurrences, daily: Daily) -> None:
        """Part of phase 5: persons who reviewed their ties drop and seek friends by score.

        Each partition's reviewers are one batch; the graph's day journal makes the result
        independent of the batching (:func:`scslab.society.friends.review_ties`).
        """
        f = self.friending
        if f is None:
            return
        score = self.engines[f.regime].score
        assert score is not None
        graph = self.society.friend_graph()
        for r in occ.reviewed:
            dropped, formed = review_ties(graph, r, score, day, self.friends_stream, f.drop_below,
                                          f.p_drop, f.seek_above, f.p_seek, f.tries,
                                          f.accept_above)
            daily.conduct["ties_dropped"][k] += dropped
            daily.conduct["ties_formed"][k] += formed
        if k % ASSORTATIVITY_DAYS == ASSORTATIVITY_DAYS - 1 or k == self.n_days - 1:
            daily.conduct["assortativity"][k] = graph.assortativity(score[:self.society.n_persons])

    def aggregate(self, k: int, daily: Daily, on_ledger: Callable[[int, Engine], None] | None) -> None:
        """Phase 6: the day's band counts, list sizes and score sums; drain ledger lines."""
        for r, e in enumerate(self.engines):
            daily.bands[r][k] = e.band_counts
            daily.lists[r][k] = e.list_sizes()
            daily.score_sum[r][k] = e.score_sum
            if on_ledger is not None and k % LEDGER_DRAIN_DAYS == LEDGER_DRAIN_DAYS - 1:
                on_ledger(r, e)
        if self.truth is not None:
            self.truth.aggregate(k)

    # ------------------------------------------------------------------ run
    def run(self, on_day: Callable[[int], None] | None = None,
            on_ledger: Callable[[int, Engine], None] | None = None,
            daily: Daily | None = None, first: int = 0) -> Daily:
        """Simulate every day from ``first`` on, phase by phase (:data:`PHASES`).

        All state a day leaves for the next lives on this object and in ``daily``, never in
        this method's locals, so a pickle of both after a day resumes the run
        (:mod:`scslab.sim.checkpoint`).

        Args:
            on_day: called with the 0-based day index after each day (progress bars,
                checkpoints).
            on_ledger: called every 32 days and at the end with (regime index, engine), to
                drain ledger lines (streamed to disk by the run writer).
            daily: the aggregates to fill (default :meth:`empty_daily`; a checkpoint's when
                resuming).
            first: the 0-based index of the first day to simulate (a checkpoint's when resuming).
        """
        daily = self.empty_daily() if daily is None else daily
        checks = sum(s.checks for s in self.schedulers) if first else 0
        for k in range(first, self.n_days):
            day = self.start + k
            self.at_timeline(day)
            occ = self.conduct(day)
            rec = self.observe(k, occ, daily)
            changes = self.apply(day, rec)
            self.answer(k, day, changes)
            self.respond(day, occ, changes)
            self.review(k, day, occ, daily)
            if "score_checks" in daily.conduct:
                now = sum(s.checks for s in self.schedulers)
                daily.conduct["score_checks"][k], checks = now - checks, now
            self.aggregate(k, daily, on_ledger)
            if on_day is not None:
                on_day(k)
        if on_ledger is not None:
            for r, e in enumerate(self.engines):
                on_ledger(r, e)
        daily.gates = self.gates
        daily.sources, daily.wrongful = self.layer, self.truth
        return daily

    def empty_daily(self) -> Daily:
        """Per-day aggregates of this run, all zero (the loop fills them day by day)."""
        D, A = self.n_days, len(self.act_ids)
        daily = Daily(np.zeros((D, A), np.int64), np.zeros((D, A), np.int64))
        for e in self.engines:
            daily.bands.append(np.zeros((D, len(e.band_counts)), np.int64))
            daily.lists.append(np.zeros((D, len(e.list_ids)), np.int64))
            daily.score_sum.append(np.zeros(D, np.int64))
        if self.tables.check_act >= 0:
            daily.conduct["score_checks"] = np.zeros(D, np.int64)
        if self.friending is not None:
            daily.conduct["ties_dropped"] = np.zeros(D, np.int64)
            daily.conduct["ties_formed"] = np.zeros(D, np.int64)
            daily.conduct["assortativity"] = np.full(D, np.nan)
        return daily
