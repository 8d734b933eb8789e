"""A scenario's ``[[timeline]]``: dated events that change a run while it goes (docs/timeline.md).

Three kinds of event, each a ``[[timeline]]`` entry with a ``date``:

* a regime starts, ends, is suspended or resumes (``regime`` and ``action``), or is amended:
  replaced from the date by another regime of the scenario (``by``), which takes over its state;
* a source's detection or coverage changes (``source``: a declared source's id, or ``default``
  for ``[sources] detection``; ``detection``, ``coverage``, ``coverage_groups``);
* behaviour parameters that the rate tables read change (``behaviour``: a partial
  ``[behaviour]`` table, merged over the one in force).

The resolve step checks every event here (:func:`timeline_plan`) and turns them into a
:class:`TimelinePlan`: per day number, what changes. The run applies a day's changes before its
conduct (:mod:`scslab.sim.timeline_run`), so an event dated D governs day D whole.
"""

from __future__ import annotations

import copy
import datetime as _dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from scslab.conduct.params import Behaviour, Probability
from scslab.conduct.rates import ActRates, RateParams
from scslab.dates import to_day
from scslab.errors import InputError
from scslab.regime.load import validation_error
from scslab.sources.plan import DEFAULT_SOURCE, SourcesPlan
from scslab.sources.spec import SEXES

ACTIONS = ("start", "end", "suspend", "resume", "amend")
# Behaviour parameters a timeline may change: those only the rate tables read. The others
# (who answers to what, awareness, score checks, list answers, friends) shape structures built
# once, so changing them mid-run is refused with a message naming the key.
TABLE_PARAMS = ("rates", "deterrence", "striving", "offset_strength", "effort_response",
                "perceived_detection", "perceived_cost", "perceived_reward")


class TimelineEvent(BaseModel):
    """One dated change of a run: give ``regime`` and ``action``, or ``source``, or ``behaviour``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$",
                      description="the first day the change governs (from the start of that day)")
    regime: str | None = Field(None, description="the regime an action concerns (its id)")
    action: Literal["start", "end", "suspend", "resume", "amend"] | None = Field(
        None, description="start (inactive before), end, suspend (state frozen), resume, or "
                          "amend (replaced by the regime `by`, its state carried over)")
    by: str | None = Field(
        None, description="amend: the regime (one of the scenario's) whose rulebook replaces "
                          "this one from the date; it does not run before")
    source: str | None = Field(
        None, description="the source whose detection or coverage changes (default: "
                          "[sources] detection)")
    detection: dict[str, Probability] | None = Field(
        None, description="new detection probability per act of the source")
    coverage: Probability | None = Field(
        None, description="new share of subjects the source covers (those in no named group)")
    coverage_groups: dict[str, Probability] | None = Field(
        None, description="new share the source covers per group (region code or sex)")
    behaviour: dict[str, Any] | None = Field(
        None, description="behaviour parameters that change: a partial [behaviour] table of "
                          "rates, deterrence, striving, offset_strength, effort_response, "
                          "perceived_detection, perceived_cost, perceived_reward")
    sources: list[str] = Field(default_factory=list,
                               description="where the date and the change are documented (URLs)")
    verified: bool = Field(True, description="false: the date or the change is an assumption")
    note: str = Field("", description="why the change happens (free text)")

    @model_validator(mode="after")
    def _one_kind(self) -> TimelineEvent:
        if not self.sources and self.verified:
            raise ValueError("a dated change is a claim: give its sources, or verified = false")
        kinds = [k for k, on in (("regime", self.regime is not None or self.action is not None),
                                 ("source", self.source is not None),
                                 ("behaviour", self.behaviour is not None)) if on]
        if len(kinds) != 1:
            raise ValueError("an event gives regime and action, or source, or behaviour: "
                             f"{'none' if not kinds else ' and '.join(kinds)} given")
        if kinds == ["regime"] and (self.regime is None or self.action is None):
            raise ValueError("a regime event needs both regime and action")
        if (self.action == "amend") != (self.by is not None):
            raise ValueError("an amendment names the regime that amends it (by), and only an "
                             "amendment does")
        if kinds == ["source"] and self.detection is None and self.coverage is None \
                and self.coverage_groups is None:
            raise ValueError("a source event needs detection, coverage or coverage_groups")
        if kinds != ["source"] and (self.detection is not None or self.coverage is not None
                                    or self.coverage_groups is not None):
            raise ValueError("detection and coverage belong to a source event")
        return self


@dataclass(frozen=True)
class Coverage:
    """A declared source's new coverage from a date (None: that part unchanged)."""

    source: int  # index of the declared source
    share: float | None
    groups: dict[str, float] | None


@dataclass
class DayChanges:
    """What changes at the start of one day."""

    # (regime index, action, the amending regime's index or -1)
    regimes: list[tuple[int, str, int]] = field(default_factory=list)
    detection: np.ndarray | None = None  # detection per act from this day (None: unchanged)
    coverage: list[Coverage] = field(default_factory=list)
    rates: tuple[ActRates, RateParams] | None = None  # rebuild the rate tables from these


@dataclass(frozen=True)
class TimelinePlan:
    """The checked timeline: day number -> its changes, and who is inactive on the first day."""

    days: dict[int, DayChanges]
    inactive_at_start: tuple[int, ...]  # regimes that start later (their first event: start)

    @property
    def any(self) -> bool:
        """Some event falls in or before the run."""
        return bool(self.days) or bool(self.inactive_at_start)


PlanOf = Callable[[Behaviour, np.ndarray, int], tuple[ActRates, RateParams]]
"""Builds the rate tables' inputs from a behaviour, a detection per act and a day number (the
resolve step's :func:`scslab.conduct.plan.behaviour_plan` with the scenario's acts and its
rulebooks as in force that day)."""


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) \
            else copy.deepcopy(v)
    return out


def timeline_plan(events: Sequence[TimelineEvent], start: int, end: int,
                  regimes: Sequence[str], acts: Sequence[str], detection: np.ndarray,
                  sources: SourcesPlan, region_codes: Sequence[str], behaviour: dict[str, Any],
                  plan_of: PlanOf, source: str, rule_days: Sequence[int] = ()) -> TimelinePlan:
    """Check the timeline against the scenario and the run's days ``start .. end - 1``.

    Events dated before the start take effect on the first day; those at or after the end are
    checked and never happen. Events of one day apply in file order.

    Args:
        events: the scenario's ``[[timeline]]``, in file order.
        start: the first day number of the run.
        end: one past its last day number.
        regimes: the regime ids, in the run's order.
        acts: the scenario's act ids.
        detection: each act's detection before any event.
        sources: the checked sources.
        region_codes: the society's regions.
        behaviour: the scenario's ``[behaviour]`` table as data, over which changes merge.
        plan_of: the rate tables' inputs of a behaviour and a detection (see :data:`PlanOf`).
        source: the scenario file, named by errors.
        rule_days: day numbers on which a rulebook's rule comes into or goes out of force:
            the rate tables are rebuilt on each within the run.
    """
    dated: list[tuple[int, int, TimelineEvent | None]] = []
    for i, event in enumerate(events):
        try:
            d = to_day(_dt.date.fromisoformat(event.date))
        except ValueError:
            raise InputError(f"no such date {event.date!r}", file=source,
                             key=f"timeline[{i}].date") from None
        dated.append((max(d, start), i, event))
    dated.sort(key=lambda x: (x[0], x[1]))
    dated += [(d, len(events), None) for d in sorted(set(rule_days)) if start < d < end]
    dated.sort(key=lambda x: (x[0], x[1]))
    state = {r: "active" for r in regimes}
    inactive = []
    for r in regimes:  # a regime first started or first amending another is not yet running
        first = next((ev for _, _, ev in dated if ev is not None and r in (ev.regime, ev.by)),
                     None)
        if first is not None and (first.action == "start" or first.by == r):
            state[r] = "pending"
            inactive.append(regimes.index(r))
    det = np.array(detection, np.float64)
    beh = behaviour
    days: dict[int, DayChanges] = {}
    for d, i, ev in dated:
        key = f"timeline[{i}]"
        ch = days.setdefault(d, DayChanges())
        if ev is None:  # a rule comes into or goes out of force
            ch.rates = plan_of(_behaviour(beh, "behaviour", source), det, d)
        elif ev.regime is not None:
            ch.regimes.append(_regime_change(ev, key, state, regimes, source))
        elif ev.source is not None:
            det = _source_change(ev, key, det, ch, acts, sources, region_codes, source)
            if ev.detection:
                ch.detection = det.copy()
                ch.rates = plan_of(_behaviour(beh, key, source), det, d)
        else:
            beh = _behaviour_change(ev, key, beh, acts, source)
            ch.rates = plan_of(_behaviour(beh, key, source), det, d)
    return TimelinePlan({d: c for d, c in days.items() if d < end}, tuple(sorted(inactive)))


_ALLOWED = {"start": ("pending",), "suspend": ("active",), "resume": ("suspended",),
            "end": ("active", "suspended"), "amend": ("active", "suspended")}
_AFTER = {"start": "active", "suspend": "suspended", "resume": "active", "end": "ended",
          "amend": "ended"}


def _regime_change(ev: TimelineEvent, key: str, state: dict[str, str], regimes: Sequence[str],
                   source: str) -> tuple[int, str, int]:
    """(regime index, action, amending regime or -1) of ``ev``, checked against the ``state``."""
    assert ev.regime is not None and ev.action is not None
    for k, r in (("regime", ev.regime), ("by", ev.by)):
        if r is not None and r not in state:
            raise InputError(f"unknown regime {r!r}; the scenario runs {', '.join(regimes)}",
                             file=source, key=f"{key}.{k}")
    if state[ev.regime] not in _ALLOWED[ev.action]:
        raise InputError(f"regime {ev.regime} cannot {ev.action} on {ev.date}: it is "
                         f"{state[ev.regime]} then", file=source, key=f"{key}.action")
    state[ev.regime] = _AFTER[ev.action]
    if ev.by is None:
        return regimes.index(ev.regime), ev.action, -1
    if state[ev.by] != "pending":
        raise InputError(f"regime {ev.by} cannot amend {ev.regime} on {ev.date}: it is "
                         f"{state[ev.by]} then (an amending regime runs only from its amendment)",
                         file=source, key=f"{key}.by")
    state[ev.by] = "active"
    return regimes.index(ev.regime), ev.action, regimes.index(ev.by)


def _behaviour_change(ev: TimelineEvent, key: str, beh: dict[str, Any], acts: Sequence[str],
                      source: str) -> dict[str, Any]:
    """The behaviour data after ``ev`` (merged over ``beh``), its keys checked."""
    assert ev.behaviour is not None
    bad = sorted(set(ev.behaviour) - set(TABLE_PARAMS))
    if bad:
        raise InputError(f"behaviour.{bad[0]} cannot change during a run; a timeline changes "
                         f"{', '.join(TABLE_PARAMS)}", file=source, key=f"{key}.behaviour.{bad[0]}")
    rates = ev.behaviour.get("rates")
    for a in rates if isinstance(rates, dict) else ():
        if a not in acts:
            raise InputError(f"act {a!r} is not one of the scenario's acts (a timeline changes "
                             "rates, it adds no acts)", file=source, key=f"{key}.behaviour.rates.{a}")
    return _merge(beh, ev.behaviour)


def _behaviour(data: dict[str, Any], key: str, source: str) -> Behaviour:
    try:
        return Behaviour.model_validate(data)
    except ValidationError as e:
        x = validation_error(e, source)
        raise InputError(x.message, file=source,
                         key=f"{key}.behaviour" + (f".{x.key}" if x.key else "")) from None


def _source_change(ev: TimelineEvent, key: str, det: np.ndarray, ch: DayChanges,
                   acts: Sequence[str], sources: SourcesPlan, region_codes: Sequence[str],
                   source: str) -> np.ndarray:
    """The detection per act after ``ev``; its coverage change is noted in ``ch``."""
    sid = ev.source
    declared = list(sources.ids)
    if sid != DEFAULT_SOURCE and sid not in declared:
        raise InputError(f"unknown source {sid!r}; the scenario has {DEFAULT_SOURCE}"
                         f"{''.join(', ' + s for s in declared)}", file=source, key=f"{key}.source")
    mine = -1 if sid == DEFAULT_SOURCE else declared.index(str(sid))
    det = det.copy()
    for a, p in (ev.detection or {}).items():
        if a not in acts or sources.source_of[acts.index(a)] != mine:
            raise InputError(f"act {a!r} is not observed by source {sid}", file=source,
                             key=f"{key}.detection.{a}")
        det[acts.index(a)] = p
    if ev.coverage is not None or ev.coverage_groups is not None:
        if mine < 0:
            raise InputError("the default source covers every subject; declare a source to "
                             "change its coverage", file=source, key=f"{key}.coverage")
        spec = sources.specs[mine]
        by = spec.coverage.by
        names = list(region_codes) if by == "region" else list(SEXES) if by == "sex" else []
        for g in ev.coverage_groups or {}:
            if g not in names:
                raise InputError(f"source {sid} has no coverage group {g!r} (groups: "
                                 f"{', '.join(names) or 'none'})", file=source,
                                 key=f"{key}.coverage_groups.{g}")
        ch.coverage.append(Coverage(mine, ev.coverage, ev.coverage_groups))
    return det


__all__ = ["ACTIONS", "TABLE_PARAMS", "Coverage", "DayChanges", "TimelineEvent", "TimelinePlan",
           "timeline_plan"]
