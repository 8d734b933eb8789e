"""Flows: one regime's list membership, band or score becomes an input of another regime.

A scenario declares ``[[flows]]``. A flow watches a condition of a *source* regime (a subject is
on one of its lists, in one of its bands, or has a score below a threshold) and, when a subject
comes to meet it (``on_entry``) or stops meeting it (``on_exit``), delivers a record of an act of
the *receiving* regime ``delay_days`` later. The receiving rulebook names its own inputs (for
example Sesame's ``court_listed`` and ``court_delisted``); it never copies the source's act ids.
A flow may deliver to the subject itself or, for an organisation, to its legal representative.

Event-driven: after the regimes phase, each flow looks only at the subjects its source regime
touched that day, compares the condition with what it last saw for them (one bool per subject)
and puts the changes in the bucket of their arrival day. A flow carries changes, never the
status on the first day: a subject who starts in the watched band has not entered it. A subject
who enters and leaves on the same day is not seen to change. Arrivals are appended, sorted by
subject, after the day's records, in flow order; nothing depends on how persons are partitioned.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from scslab.errors import InputError
from scslab.regime.engine import Engine
from scslab.regime.schema import Rulebook
from scslab.regime.tables import compile_rulebook
from scslab.sources.spec import MAX_DELAY_DAYS

ON_LIST, IN_BAND, SCORE_BELOW = 0, 1, 2  # what a flow watches


class FlowSpec(BaseModel):
    """One declared flow (``[[flows]]``): a condition of one regime, an act of another."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              serialize_by_alias=True)
    from_regime: str = Field(min_length=1, alias="from",
                             description="id of the regime whose status is read")
    list_id: str | None = Field(None, alias="list",
                                description="watch membership of this list of the source regime")
    band: str | None = Field(None, description="watch presence in this band of the source regime")
    score_below: int | None = Field(None, description="watch a score below this value [points]")
    to: str = Field(min_length=1, description="id of the receiving regime")
    on_entry: str | None = Field(None, description="act of the receiving regime recorded when a "
                                                   "subject comes to meet the condition")
    on_exit: str | None = Field(None, description="act of the receiving regime recorded when a "
                                                  "subject stops meeting it")
    delay_days: int = Field(1, ge=1, le=MAX_DELAY_DAYS,
                            description="days from the change to the record's arrival [days]")
    subject: Literal["self", "legal_representative"] = Field(
        "self", description="who the record is about: the subject, or (for an organisation) its "
                            "legal representative")
    sources: list[str] = Field(default_factory=list, description="citations (URLs) for the link")
    verified: bool = Field(True, description="false where the link rests on an assumption")
    note: str = Field("", max_length=2000, description="free text")

    @model_validator(mode="after")
    def _check(self) -> FlowSpec:
        watched = [k for k in ("list", "band", "score_below")
                   if getattr(self, {"list": "list_id"}.get(k, k)) is not None]
        if len(watched) != 1:
            raise ValueError("a flow watches exactly one of list, band or score_below"
                             + (f" (got {', '.join(watched)})" if watched else ""))
        if self.on_entry is None and self.on_exit is None:
            raise ValueError("a flow needs on_entry, on_exit or both (the receiving regime's acts)")
        if not self.sources and self.verified:
            raise ValueError("a flow is a claim that one regime reads another: give its sources, "
                             "or verified = false")
        return self

    @property
    def label(self) -> str:
        """Output name: ``from.condition->to``."""
        what = self.list_id or self.band or f"score<{self.score_below}"
        return f"{self.from_regime}.{what}->{self.to}"


@dataclass(frozen=True)
class FlowPlan:
    """A checked flow, by indices (regimes in the resolved order)."""

    label: str
    src: int  # source regime index
    kind: int  # ON_LIST, IN_BAND or SCORE_BELOW
    index: int  # list index, band index, or the score threshold [points]
    dst: int  # receiving regime index
    entry_act: int  # receiving regime act index (-1: none)
    exit_act: int
    delay: int  # [days]
    to_representative: bool


def flows_plan(flows: Sequence[FlowSpec], rulebooks: Sequence[Rulebook], source: str
               ) -> tuple[FlowPlan, ...]:
    """Every flow's references checked; errors name the scenario and ``flows[i].key``."""
    ids = [rb.regime.id for rb in rulebooks]
    out = []
    for i, f in enumerate(flows):
        def bad(msg: str, key: str, i: int = i) -> InputError:
            return InputError(msg, file=source, key=f"flows[{i}].{key}")
        for key, rid in (("from", f.from_regime), ("to", f.to)):
            if rid not in ids:
                raise bad(f"regime {rid!r} is not one of the scenario's ({', '.join(ids)})", key)
        src, dst = ids.index(f.from_regime), ids.index(f.to)
        rb = rulebooks[src]
        kind, index = _watched(f, rb, bad)
        acts = rulebooks[dst].act_ids()
        chosen = []
        for key, a in (("on_entry", f.on_entry), ("on_exit", f.on_exit)):
            if a is not None and a not in acts:
                raise bad(f"regime {f.to!r} has no act {a!r}; a flow delivers one of the "
                          "receiving rulebook's own acts", key)
            chosen.append(-1 if a is None else acts.index(a))
        if f.subject == "legal_representative" and "organisation" not in \
                rb.regime.subject_kinds:
            raise bad(f"regime {f.from_regime!r} covers no organisations, so its subjects have "
                      "no legal representative", "subject")
        out.append(FlowPlan(f.label, src, kind, index, dst, chosen[0], chosen[1], f.delay_days,
                            f.subject == "legal_representative"))
    return tuple(out)


def _watched(f: FlowSpec, rb: Rulebook, bad: Callable[[str, str], InputError]) -> tuple[int, int]:
    """What flow ``f`` watches in its source regime ``rb``: (kind, list or band index or score)."""
    if f.list_id is not None:
        lists = [lt.id for lt in rb.lists]
        if f.list_id not in lists:
            raise bad(f"regime {f.from_regime!r} has no list {f.list_id!r} "
                      f"(lists: {', '.join(lists) or 'none'})", "list")
        return ON_LIST, lists.index(f.list_id)
    if f.band is not None:
        labels = compile_rulebook(rb).band_labels
        if f.band not in labels:
            raise bad(f"regime {f.from_regime!r} has no band {f.band!r} "
                      f"(bands: {', '.join(labels) or 'none'})", "band")
        return IN_BAND, labels.index(f.band)
    if rb.score is None:
        raise bad(f"regime {f.from_regime!r} has no score", "score_below")
    assert f.score_below is not None
    return SCORE_BELOW, f.score_below


class Flows:
    """The flows of a run: what each last saw, and the records on their way (per-day buckets).

    Args:
        plans: the checked flows.
        engines: every regime's engine, in the resolved order.
        representative: person row of each organisation's legal representative (-1: none).
        n_persons: persons (organisation rows follow them).
        start, days: the first day and the number of days of the run.
    """

    def __init__(self, plans: Sequence[FlowPlan], engines: Sequence[Engine],
                 representative: np.ndarray, n_persons: int, start: int, days: int) -> None:
        self.plans = tuple(plans)
        self.engines = engines
        self.rep = np.asarray(representative, np.int64)
        self.n_persons, self.start, self.days = n_persons, start, days
        # What each flow last saw per subject of its source: at first, the status on day one.
        self.seen = [self._holds(p, np.arange(engines[p.src].n_subjects)) for p in self.plans]
        self.buckets: dict[int, list[tuple[int, np.ndarray, int]]] = {}
        self.delivered = np.zeros((days, len(self.plans)), np.int64)  # records that arrived
        self.pending = 0  # records due after the horizon (never arrive)
        self._origin: dict[int, list[int]] = {}  # arrival day -> flow index of each bucket entry

    def __repr__(self) -> str:
        return f"<Flows: {', '.join(p.label for p in self.plans)}; {self.pending} pending>"

    @property
    def labels(self) -> list[str]:
        """Output names of the flows, in order."""
        return [p.label for p in self.plans]

    def _holds(self, p: FlowPlan, s: np.ndarray) -> np.ndarray:
        e = self.engines[p.src]
        if p.kind == ON_LIST:
            return e.listed(p.index, s)
        if p.kind == IN_BAND:
            return e.band_index(s) == p.index
        score = e.score
        assert score is not None
        return score[s] < p.index

    def _receivers(self, p: FlowPlan, s: np.ndarray) -> np.ndarray:
        if p.to_representative:
            org = s >= self.n_persons
            s = s.copy()
            s[org] = self.rep[s[org] - self.n_persons]
            s = s[s >= 0]
        return np.unique(s[s < self.engines[p.dst].n_subjects])

    def observe(self, day: int, touched: Sequence[np.ndarray]) -> None:
        """After the regimes phase: the changes of the subjects each source regime touched."""
        for i, p in enumerate(self.plans):
            t = touched[p.src]
            if not len(t):
                continue
            s = np.unique(t)
            now = self._holds(p, s)
            changed = now != self.seen[i][s]
            if not changed.any():
                continue
            self.seen[i][s[changed]] = now[changed]
            for rows, act in ((s[changed & now], p.entry_act), (s[changed & ~now], p.exit_act)):
                if act < 0 or not len(rows):
                    continue
                rec = self._receivers(p, rows)
                due = day + p.delay
                if due >= self.start + self.days:
                    self.pending += len(rec)
                    continue
                self.buckets.setdefault(due, []).append((p.dst, rec, act))
                self._origin.setdefault(due, []).append(i)

    def arrivals(self, day: int) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """The records arriving on ``day``, per receiving regime: (subject rows, regime acts)."""
        bucket = self.buckets.pop(day, None)
        origin = self._origin.pop(day, [])
        if not bucket:
            return {}
        parts: dict[int, list[tuple[np.ndarray, int]]] = {}
        for (r, rows, act), i in zip(bucket, origin, strict=True):
            parts.setdefault(r, []).append((rows, act))
            self.delivered[day - self.start, i] += len(rows)
        return {r: (np.concatenate([x for x, _ in v]),
                    np.concatenate([np.full(len(x), a, np.int64) for x, a in v]))
                for r, v in parts.items()}
