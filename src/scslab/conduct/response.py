"""Behaviour's answer to gates: listed subjects perform their obligation, sooner after denials.

This is conduct (what subjects do); gates only report the denials (:meth:`Performance.denied`).

A subject on the response list (e.g. the court-defaulter list) performs the obligation (the
list's removal act, e.g. ``performs_obligation``) at hazard

    h(t) = base + per_denial * (denials so far in this listing)    [per day]

Hazards add, so the day of performance is the first of independent exponential clocks: one
started at entry with rate ``base``, and one more started at each denial with rate
``per_denial``. Each clock is one draw when it starts; the subject keeps only the earliest
due day, and stale queue entries are skipped when their day comes. The cost is O(entries +
denials), never a pass over the listed stock.

Each clock's draw is keyed by (subject, day, kind) (:mod:`scslab.rng`), so it never depends on
which other subjects start clocks that day.

Calibration (loose, unverified): about 20 % of the 3.08 m listed at end-2015 had performed
"under discipline" (see the court-defaulters rulebook's sources).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scslab.regime.engine import Engine
from scslab.rng import Keyed

FAR = np.iinfo(np.int32).max  # no performance scheduled
_BASE, _DENIAL, _LUCK = 0, 1, 2  # kinds of draw, part of their keys


@dataclass(frozen=True)
class ResponsePlan:
    """The resolved response: listed subjects perform an act at a hazard rising with denials.

    ``regime``, ``list`` and ``act`` index the scenario's regimes, that regime's lists and the
    scenario's acts.
    """

    regime: int
    list: int
    act: int
    base: float  # [per day]
    per_denial: float  # [per day per denial]


class Performance:
    """Schedules and emits the removal act of listed subjects.

    Args:
        engine: the regime holding the list; list_index: the list.
        act: the act's index among the scenario's acts (what conduct emits).
        base_per_day, per_denial_per_day: hazards [per day].
        n_subjects: subject rows; end: one past the last simulated day number.
        stream: the keyed response stream.
    """

    def __init__(self, engine: Engine, list_index: int, act: int, base_per_day: float,
                 per_denial_per_day: float, n_subjects: int, end: int, stream: Keyed) -> None:
        self.engine = engine
        self.list_index = list_index
        self.act = act
        self.base = base_per_day
        self.per_denial = per_denial_per_day
        self.end = end
        self.stream = stream
        self.when = np.full(n_subjects, FAR, np.int32)  # earliest due day per subject
        self.queue: dict[int, list[np.ndarray]] = {}
        self.emitted = 0

    def _schedule(self, day: int, s: np.ndarray, rate: float, kind: int) -> None:
        """Start one clock of ``rate`` for each of ``s`` from ``day + 1``; keep the earliest."""
        if rate <= 0 or not len(s):
            return
        s = np.unique(s)  # one clock per subject, event day and kind
        due = day + 1 + np.floor(self.stream.exponential(s, day, kind) / rate)
        sooner = (due < self.end) & (due < self.when[s])
        s, due = s[sooner], due[sooner].astype(np.int32)
        self.when[s] = due
        for d in np.unique(due):
            self.queue.setdefault(int(d), []).append(s[due == d])

    def entered(self, day: int, touched: np.ndarray) -> None:
        """After the regime's step: subjects listed on ``day`` start their base clock."""
        if not len(touched):
            return
        s = np.unique(touched)
        # A subject whose clock already runs keeps it (a renewed listing, or a clock left from an
        # earlier listing): exponential clocks are memoryless, so it stays exact for the base rate.
        new = (self.engine.listed_since(self.list_index, s) == day) & (self.when[s] == FAR)
        self._schedule(day, s[new], self.base, _BASE)

    def denied(self, day: int, s: np.ndarray) -> None:
        """Subjects ``s`` (listed) were denied a service on ``day``: one more clock each."""
        self._schedule(day, s, self.per_denial, _DENIAL)

    def occurrences(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The day's performance acts: (subject, act, luck)."""
        s = self.due(day)
        luck = self.stream.words(s, day, _LUCK)
        return s, np.full(len(s), self.act, np.int64), luck

    def due(self, day: int) -> np.ndarray:
        """Subjects who perform on ``day`` (still listed, no deletion pending)."""
        chunks = self.queue.pop(day, None)
        if not chunks:
            return np.zeros(0, np.int64)
        s = np.unique(np.concatenate(chunks)).astype(np.int64)
        s = s[self.when[s] == day]
        self.when[s] = FAR
        li = self.list_index
        s = s[self.engine.listed(li, s) & ~self.engine.deletion_pending(li, s)]
        self.emitted += len(s)
        return s


def build_response(plan: ResponsePlan | None, engines: list[Engine], end: int,
                   stream: Keyed) -> Performance | None:
    """The response of a gates plan (None when the scenario has none)."""
    if plan is None:
        return None
    e = engines[plan.regime]
    return Performance(e, plan.list, plan.act, plan.base, plan.per_denial, e.n_subjects, end, stream)
