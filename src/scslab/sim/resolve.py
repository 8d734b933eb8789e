"""One resolve step: a scenario plus its overrides become one frozen, fully checked run plan.

``scslab check`` and ``scslab run`` both call :func:`resolve`, so whatever ``check`` accepts,
``run`` accepts. Every error the step can find is collected (up to the loader's cap) before it
raises, so ``check`` reports them all. The builders of the simulation receive the typed parts of
the plan (:class:`Acts`, :class:`GatesPlan`, ``SocietyParams``), never the whole simulation.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from pydantic import ValidationError

from scslab.conduct.acts import KINDS, MAX_AGE, Multipliers, ValueDist
from scslab.conduct.cells import Cells
from scslab.conduct.params import Behaviour
from scslab.conduct.plan import BehaviourPlan, behaviour_plan
from scslab.conduct.rates import ActRates, RateParams, age_cuts
from scslab.conduct.scheduler import MAX_GROUPS
from scslab.dates import to_day
from scslab.errors import InputError
from scslab.gates.config import GatesPlan
from scslab.gates.services import ServiceTable, load_services
from scslab.limits import DAYS, PERSONS, SEED
from scslab.regime import inforce
from scslab.regime.load import MAX_ERRORS, load_rulebook, validation_error
from scslab.regime.schema import Rulebook
from scslab.sim.flows import FlowPlan, flows_plan
from scslab.sim.scenario import (
    Scenario,
    apply_sets,
    read_scenario_data,
    scenario_data,
    scenario_from_data,
)
from scslab.sim.timeline import TimelinePlan, timeline_plan
from scslab.society import SocietyParams
from scslab.sources.plan import SourcesPlan, read_maps, sources_plan

_T = TypeVar("_T")


@dataclass(frozen=True)
class RunHorizon:
    """Size and length of the run after overrides."""

    persons: int  # [persons]
    days: int  # [days]
    seed: int
    start_date: str  # ISO date of the first simulated day
    start: int  # day number of the first simulated day (scslab.dates)

    @property
    def end(self) -> int:
        """Day number one past the last simulated day."""
        return self.start + self.days


@dataclass(frozen=True)
class Acts:
    """The scenario's acts and what each regime makes of them (arrays are read-only)."""

    ids: tuple[str, ...]
    base: np.ndarray  # base rate per act [acts/person/day]
    detection: np.ndarray  # probability an occurrence is recorded, per act
    kind: np.ndarray  # index into conduct.acts.KINDS, per act (int8)
    min_age: np.ndarray  # youngest age that commits the act [years] (int16)
    max_age: np.ndarray  # oldest age [years] (int16; MAX_AGE: no limit)
    values: tuple[ValueDist | None, ...]  # the value each occurrence carries, per act
    multipliers: tuple[Multipliers | None, ...]  # rate multipliers by attribute, per act
    regime_map: tuple[np.ndarray, ...]  # per regime: scenario act -> regime act (-1: unknown)
    identity: tuple[bool, ...]  # per regime: the map is the identity (no translation needed)
    org_acts: np.ndarray  # act index per organisation rate
    org_rates: np.ndarray  # [acts/organisation/day], all > 0
    behaviour: BehaviourPlan  # standing, deterrence, effort, awareness, list answers, friends
    needs_age: bool  # some list has a minimum age, so records carry the subject's age


@dataclass(frozen=True)
class Resolved:
    """A scenario ready to simulate: every part checked and typed."""

    scenario: Scenario  # with the overrides applied
    source: str  # the scenario file, or "<built-in scenario NAME>"
    horizon: RunHorizon
    society: SocietyParams
    rulebooks: tuple[Rulebook, ...]
    acts: Acts
    gates: GatesPlan | None  # None: gates off
    sources: SourcesPlan  # the declared sources (none: the default source alone)
    timeline: TimelinePlan = field(default_factory=lambda: TimelinePlan({}, ()))  # dated changes
    flows: tuple[FlowPlan, ...] = ()  # one regime's status as another's input (sim.flows)

    def rows_of(self, regime: int) -> int:
        """Subject rows regime ``regime`` covers: persons only, or persons and organisations.

        Persons come first, so a regime of persons covers rows 0..persons-1 and its bands, lists
        and means count persons only.
        """
        kinds = self.rulebooks[regime].regime.subject_kinds
        return self.society.persons if kinds == ["person"] else self.society.persons + self.n_orgs

    @property
    def n_orgs(self) -> int:
        """Organisations in the society [organisations]."""
        return self.society.n_orgs

    def __repr__(self) -> str:
        # The dataclass repr would print every act table and the whole scenario.
        h = self.horizon
        return (f"<Resolved {self.scenario.scenario.name}: regimes "
                f"{', '.join(r.regime.id for r in self.rulebooks)}; {h.persons:,} persons, "
                f"{self.n_orgs:,} organisations, {h.days:,} days from {h.start_date}, seed {h.seed}; "
                f"{len(self.acts.ids)} acts; gates {'off' if self.gates is None else 'on'}>")

    def _repr_html_(self) -> str:
        """A short table for notebooks: the resolved plan's size, dates, seed and regimes."""
        from scslab.reprs import SYNTHETIC_NOTE, html_table, join_short

        h = self.horizon
        return html_table(f"Resolved scenario {self.scenario.scenario.name}", [
            ("regimes", join_short(r.regime.id for r in self.rulebooks)),
            ("persons", f"{h.persons:,}"),
            ("organisations", f"{self.n_orgs:,}"),
            ("days", f"{h.days:,} from {h.start_date}"),
            ("seed", h.seed),
            ("acts", join_short(self.acts.ids, 6)),
            ("gates", "off" if self.gates is None else "on"),
            ("source", self.source),
        ], note=SYNTHETIC_NOTE)


class _Errors:
    """Collects the errors of one resolve step; :meth:`raise_any` raises them as one."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.found: list[InputError] = []
        self.total = 0

    def add(self, message: str, key: str | None = None, file: str | None = None) -> None:
        """Note an error at ``key`` of the scenario (or of ``file``)."""
        self.extend(InputError(message, file=file or self.source, key=key))

    def extend(self, e: InputError) -> None:
        """Note every error an input error carries."""
        self.total += e.total
        self.found += list(e.related)[: max(0, MAX_ERRORS - len(self.found))]

    def attempt(self, fn: Callable[[], _T]) -> _T | None:
        """``fn()``, or None after noting its input error."""
        try:
            return fn()
        except InputError as e:
            self.extend(e)
            return None

    def raise_any(self) -> None:
        """Raise the errors found, the first one counting the rest."""
        if not self.found:
            return
        first = self.found[0]
        more = self.total - 1
        msg = first.message + (f" (and {more} more error{'s' if more > 1 else ''})" if more else "")
        raise InputError(msg, file=first.file, line=first.line, key=first.key,
                         related=self.found, total=self.total)


def resolve(scenario: str | Path | Scenario, *, persons: int | None = None,
            days: int | None = None, seed: int | None = None,
            sets: Mapping[str, Any] | None = None) -> Resolved:
    """Check a scenario with its overrides and return the plan a simulation runs.

    Args:
        scenario: a built-in name, a scenario file, or a loaded :class:`Scenario`.
        persons: override of the scenario's ``[horizon]`` persons [persons] (None keeps it).
        days: override of its simulated days [days] (None keeps them).
        seed: override of its run seed (None keeps it).
        sets: dotted keys of the scenario and their new values (``{"behaviour.aware_share": 0.5}``),
            applied before the scenario is validated.

    Raises:
        InputError: listing every error found, the first one first.
    """
    # A loaded scenario is validated again from its data: a Scenario object is only as good as
    # the values it was given, and the plan must hold checked ones.
    if isinstance(scenario, Scenario):
        data, src = scenario_data(scenario), scenario.source
    else:
        data, src = read_scenario_data(scenario)
    err = _Errors(src)
    checked = err.attempt(lambda: scenario_from_data(data, src, sets))
    if checked is None:  # the schema failed; still name the acts no regime knows
        _raw_references(data, sets, src, err)
        err.raise_any()
    assert checked is not None
    sc = checked
    horizon = _horizon(sc, persons, days, seed, err)
    rulebooks = _rulebooks(sc.regimes, src, err)
    if rulebooks is not None:  # one canonical order, so no output depends on the listing order
        books = rulebooks
        order = sorted(range(len(books)), key=lambda i: books[i].regime.id)
        rulebooks = [books[i] for i in order]
        sc = sc.model_copy(update={"regimes": [sc.regimes[i] for i in order]})
    society: SocietyParams | None = None
    if horizon is not None:
        society = err.attempt(lambda: _society(sc, horizon))
    acts = None if rulebooks is None or horizon is None else \
        err.attempt(lambda: _acts(sc, rulebooks, horizon.start))
    gates: GatesPlan | None = None
    if rulebooks is not None:
        gates = err.attempt(lambda: _gates(sc))
    srcs: SourcesPlan | None = None
    if acts is not None and society is not None and rulebooks is not None:
        books_, acts_, society_ = rulebooks, acts, society
        srcs = err.attempt(lambda: _sources(sc, acts_, society_, books_))
        if srcs is not None and any(x.readers for x in srcs.specs):
            acts = _read_only(acts_, srcs, books_)
    flows: tuple[FlowPlan, ...] | None = ()
    if rulebooks is not None and sc.flows:
        books_f = rulebooks
        flows = err.attempt(lambda: flows_plan(sc.flows or [], books_f, src))
    tl: TimelinePlan | None = None
    if srcs is not None and horizon is not None and acts is not None and rulebooks is not None:
        parts = (sc, horizon, rulebooks, acts, srcs)
        tl = err.attempt(lambda: _timeline(*parts))
    err.raise_any()
    assert horizon is not None and society is not None and rulebooks is not None and acts is not None
    assert srcs is not None and tl is not None and flows is not None
    resolved = Resolved(sc.model_copy(update={"horizon": sc.horizon.model_copy(update={
        "persons": horizon.persons, "days": horizon.days, "seed": horizon.seed})}),
        src, horizon, society, tuple(rulebooks), acts, gates, srcs, tl, flows)
    return resolved


def _horizon(sc: Scenario, persons: int | None, days: int | None, seed: int | None,
             err: _Errors) -> RunHorizon | None:
    """The horizon after overrides; each limit is the one :mod:`scslab.limits` declares."""
    h = sc.horizon
    values = {}
    for limit, given, own in ((PERSONS, persons, h.persons), (DAYS, days, h.days),
                              (SEED, seed, h.seed)):
        v = own if given is None else given
        problem = limit.problem(v)
        if problem is not None:
            if given is None:
                err.add(problem, key=f"horizon.{limit.name}")
            else:
                err.extend(InputError(f"option --{limit.name}: {problem}"))
        values[limit.name] = v
    start = _dt.date.fromisoformat(h.start_date)  # the scenario loader checked it is a date
    if err.found:
        return None
    return RunHorizon(values["persons"], values["days"], values["seed"], h.start_date,
                      to_day(start))


def _rulebooks(regimes: list[str], source: str, err: _Errors) -> list[Rulebook] | None:
    """Each regime loaded once; an unknown or repeated regime is the scenario's error."""
    books: list[Rulebook] = []
    seen: dict[str, int] = {}
    ok = True
    for i, name in enumerate(regimes):
        try:
            rb = load_rulebook(name)
        except InputError as e:
            ok = False
            err.extend(e if e.file is not None else
                       InputError(e.message, file=source, key=f"regimes[{i}]"))
            continue
        rid = rb.regime.id
        if rid in seen:
            ok = False
            err.add(f"regime {rid!r} is listed twice (also regimes[{seen[rid]}]); each regime "
                    "keeps one file per subject, so it can run only once", key=f"regimes[{i}]")
        seen[rid] = i
        books.append(rb)
    return books if ok else None


def _society(sc: Scenario, h: RunHorizon) -> SocietyParams:
    """The society's parameters with the run's size and start date."""
    try:
        return SocietyParams(persons=h.persons, start_date=h.start_date,
                             **sc.society.model_dump())
    except ValidationError as e:
        x = validation_error(e, sc.source)
        table = "horizon" if x.key in ("persons", "start_date") else "society"  # where they are set
        raise InputError(x.message, file=x.file,
                         key=f"{table}.{x.key}" if x.key else "society") from None


def _acts(sc: Scenario, rulebooks: list[Rulebook], start: int) -> Acts:
    """The scenario's acts as arrays, each checked to be known to some regime.

    Persons weigh the rules in force on the first day, ``start`` (a day number).
    """
    b = sc.behaviour
    ids = list(b.rates)
    err = _Errors(sc.source)
    _check_act_names(rulebooks, {"behaviour.rates": ids, "sources.detection": sc.sources.detection,
                                 "behaviour.perceived_cost": b.perceived_cost,
                                 "behaviour.perceived_reward": b.perceived_reward,
                                 "behaviour.organisation_rates": b.organisation_rates}, err,
                     declared=set(sc.acts))
    for a in sc.acts:
        if a not in b.rates:
            err.add(f"act {a!r} is declared but has no rate: add it to behaviour.rates "
                    "(rate 0 if only organisations or gates emit it)", key=f"acts.{a}")
    err.raise_any()
    n = len(ids)
    specs = [sc.acts[a] for a in ids]
    codes = list(sc.society.region_codes)
    for a, x in zip(ids, specs, strict=True):
        for code in x.multipliers.region if x.multipliers is not None else ():
            if code not in codes:
                err.add(f"region {code} is not one of the society's ({', '.join(codes)})",
                        key=f"acts.{a}.multipliers.region")
    err.raise_any()
    kind = np.array([KINDS.index(x.kind) for x in specs], np.int8)
    known = {a for rb in rulebooks for a in rb.act_ids()}
    # An act no regime knows occurs but is never recorded: the unmeasured part of conduct. An act
    # a declared source observes has that source's detection (before coverage and schedule).
    declared = {a: x.detection[a] for x in sc.sources.declared.values() for a in x.detection}
    detection = np.array([0.0 if a not in known else declared[a] if a in declared else
                          sc.sources.detection.get(a, 1.0) for a in ids], np.float64)
    min_age = np.array([x.min_age for x in specs], np.int16)
    max_age = np.array([MAX_AGE if x.max_age is None else x.max_age for x in specs], np.int16)
    maps = []
    for rb in rulebooks:
        idx = {x: j for j, x in enumerate(rb.act_ids())}
        maps.append(np.array([idx.get(a, -1) for a in ids], np.int64))
    org = {a: r for a, r in b.organisation_rates.items() if r > 0}
    arrays: list[np.ndarray] = [np.array([b.rates[a] for a in ids], np.float64), detection, kind,
                                min_age, max_age,
              *maps, np.array([ids.index(a) for a in org], np.int64),
              np.array(list(org.values()), np.float64)]
    for arr in arrays:
        arr.setflags(write=False)
    plan = behaviour_plan(b, [inforce.as_of(rb, start) for rb in rulebooks], ids, kind, detection,
                          min_age, max_age, sc.source)
    mults = tuple(x.multipliers for x in specs)
    steps = [a for m in mults if m is not None for a, _ in m.age]
    groups = (len(age_cuts(min_age, max_age, MAX_AGE, steps)) + 1) * Cells(mults, codes, sc.source,
                                                                           tuple(ids)).n
    if groups > MAX_GROUPS:
        raise InputError(f"the acts' ages and multipliers make {groups} groups of persons; at most "
                         f"{MAX_GROUPS} fit (use fewer distinct ages, regions or attributes)",
                         file=sc.source, key="acts")
    return Acts(tuple(ids), arrays[0], detection, kind, min_age, max_age,
                tuple(x.value for x in specs), tuple(x.multipliers for x in specs), tuple(maps),
                tuple(bool((m == np.arange(n)).all()) for m in maps), arrays[-2], arrays[-1],
                plan, any(lst.min_age is not None for rb in rulebooks for lst in rb.lists))


def _sources(sc: Scenario, acts: Acts, society: SocietyParams,
             rulebooks: list[Rulebook]) -> SourcesPlan:
    """The declared sources and deletion delays, every reference checked."""
    known = {a for rb in rulebooks for a in rb.act_ids()}
    return sources_plan(sc.sources.declared, sc.sources.detection, list(acts.ids), known,
                        list(society.region_codes), sc.deletion_delays or [], rulebooks, sc.source)


def _timeline(sc: Scenario, h: RunHorizon, rulebooks: list[Rulebook], acts: Acts,
              srcs: SourcesPlan) -> TimelinePlan:
    """The checked timeline; a behaviour change is planned like the scenario's own behaviour."""
    ids = list(acts.ids)

    def plan_of(b: Behaviour, detection: np.ndarray, day: int) -> tuple[ActRates, RateParams]:
        books = [inforce.as_of(rb, day) for rb in rulebooks]
        p = behaviour_plan(b, books, ids, acts.kind, detection, acts.min_age, acts.max_age,
                           sc.source)
        return p.acts, p.params

    rule_days = sorted(set().union(*(inforce.changes(rb) for rb in rulebooks)))
    return timeline_plan(sc.timeline or [], h.start, h.end, [rb.regime.id for rb in rulebooks],
                         ids, acts.detection, srcs, list(sc.society.region_codes),
                         sc.behaviour.model_dump(mode="json", exclude_none=True), plan_of,
                         sc.source, rule_days)
def _read_only(acts: Acts, srcs: SourcesPlan, rulebooks: list[Rulebook]) -> Acts:
    """The acts with each regime's map cut to the sources it reads (``readers``)."""
    maps = read_maps(srcs, [rb.regime.id for rb in rulebooks], acts.regime_map)
    n = len(acts.ids)
    return dataclasses.replace(acts, regime_map=maps,
                               identity=tuple(bool((m == np.arange(n)).all()) for m in maps))


def _check_act_names(rulebooks: list[Rulebook], tables: Mapping[str, Any], err: _Errors,
                     declared: set[str] | None = None) -> None:
    """Every act named in the act tables (table key -> act names) is declared, and a rate's.

    A simulated act needs its ``[acts]`` declaration (its kind); one that no regime knows is
    allowed once declared: it occurs and is never recorded. ``declared``: None when the
    declarations could not be read (only regime names are checked then).
    """
    known = {a for rb in rulebooks for a in rb.act_ids()}
    ids = list(tables.get("behaviour.rates", ()))
    for table, names in tables.items():
        for a in names:
            if declared is not None and table == "behaviour.rates" and a not in declared:
                hint = "" if a in known else f" (no regime of this scenario knows it either; " \
                    f"known acts: {', '.join(sorted(known))})"
                err.add(f"act {a!r} is not declared: add [acts.{a}] with its kind (harmful, "
                        f"prosocial, neutral or compliance){hint}", key=f"{table}.{a}")
            elif a not in known and (declared is None or a not in declared):
                err.add(f"act {a!r} is in no regime of this scenario; known acts: "
                        f"{', '.join(sorted(known))}", key=f"{table}.{a}")
            elif a not in ids:
                err.add(f"act {a!r} must also be one of the scenario's acts: add it to "
                        "behaviour.rates (rate 0 if only organisations or gates emit it)",
                        key=f"{table}.{a}")


def _raw_references(data: dict[str, Any], sets: Mapping[str, Any] | None, source: str,
                    err: _Errors) -> None:
    """Act names checked on unvalidated data, so one check reports them with the schema's errors.

    Anything too malformed to read is left to the schema's messages.
    """
    try:
        data = apply_sets(data, sets or {}, source)
    except InputError:
        return
    gates = data.get("gates")
    if isinstance(gates, dict) and isinstance(gates.get("services"), str):
        err.attempt(lambda: _services(gates["services"], source))
    regimes = data.get("regimes")
    if not isinstance(regimes, list) or not regimes or not all(isinstance(r, str) for r in regimes):
        return
    rulebooks = _rulebooks(regimes, source, err)
    if rulebooks is None:
        return
    tables = {}
    for path in ("behaviour.rates", "sources.detection", "behaviour.perceived_cost",
                 "behaviour.perceived_reward", "behaviour.organisation_rates"):
        head, _, tail = path.partition(".")
        value = data.get(head, {}).get(tail) if isinstance(data.get(head), dict) else None
        if isinstance(value, dict):
            tables[path] = [k for k in value if isinstance(k, str)]
    acts = data.get("acts")
    _check_act_names(rulebooks, tables, err,
                     declared={k for k in acts if isinstance(k, str)} if isinstance(acts, dict) else set())


def _services(name: str, source: str) -> ServiceTable:
    """The services table ``name`` (a built-in name, or a file beside the scenario)."""
    if name.endswith(".toml") and not Path(name).is_absolute() and Path(source).is_file():
        name = str(Path(source).parent / name)
    try:
        return load_services(name)
    except InputError as e:
        if e.file is not None:
            raise
        raise InputError(e.message, file=source, key="gates.services") from None


def _gates(sc: Scenario) -> GatesPlan | None:
    """The services table (None: gates off)."""
    cfg = sc.gates
    if not cfg.enabled:
        return None
    return GatesPlan(_services(cfg.services, sc.source), cfg.shaming)
