"""Answers to lists: listed subjects perform their obligation, sooner after denials.

This is conduct (what subjects do); gates only report the denials. Each list can declare its own
answer (``[[behaviour.list_answers]]``). A subject on such a list (e.g. the court-defaulter
list) performs the obligation (the list's removal act, e.g. ``performs_obligation``) at hazard

    h(t) = base + per_denial * (denials so far in this listing)    [per day]

Hazards add, so the day of performance is the first of independent exponential clocks: one
started at entry with rate ``base``, and one more started at each denial with rate
``per_denial``. Each clock is one draw when it starts; the subject keeps only the earliest
due day, and stale queue entries are skipped when their day comes. The cost is O(entries +
denials), never a pass over the listed stock.

Each clock's draw is keyed by (subject, day, kind) (:mod:`scslab.rng`), so it never depends on
which other subjects start clocks that day; each answer has its own kinds.

Calibration (loose, unverified): about 20 % of the 3.08 m listed at end-2015 had performed
"under discipline" (see the court-defaulters rulebook's sources).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scslab.regime.engine import Engine
from scslab.rng import Keyed

FAR = np.iinfo(np.int32).max  # no performance scheduled
_BASE, _DENIAL, _LUCK, _SHAMING = 0, 1, 2, 3  # kinds of draw, part of their keys


@dataclass(frozen=True)
class ResponsePlan:
    """One resolved list answer: listed subjects perform an act at a hazard rising with denials.

    ``regime``, ``list`` and ``act`` index the scenario's regimes, that regime's lists and the
    scenario's acts.
    """

    regime: int
    list: int
    act: int
    base: float  # [per day]
    per_denial: float  # [per day per denial]
    per_shaming: float = 0.0  # [per day per shaming episode]


class Performance:
    """Schedules and emits the removal act of listed subjects.

    Args:
        engine: the regime holding the list; list_index: the list.
        act: the act's index among the scenario's acts (what conduct emits).
        base_per_day, per_denial_per_day: hazards [per day].
        n_subjects: subject rows; end: one past the last simulated day number.
        stream: the keyed response stream.
        answer: this answer's position among the scenario's (its draws' kinds).
    """

    def __init__(self, engine: Engine, list_index: int, act: int, base_per_day: float,
                 per_denial_per_day: float, n_subjects: int, end: int, stream: Keyed,
                 answer: int = 0) -> None:
        self.engine = engine
        self.list_index = list_index
        self.act = act
        self.base = base_per_day
        self.per_denial = per_denial_per_day
        self.end = end
        self.stream = stream
        self.kind0 = 4 * answer
        self.per_shaming = 0.0
        self.when = np.full(n_subjects, FAR, np.int32)  # earliest due day per subject
        self.queue: dict[int, list[np.ndarray]] = {}
        self.emitted = 0

    def _schedule(self, day: int, s: np.ndarray, rate: float, kind: int) -> None:
        """Start one clock of ``rate`` for each of ``s`` from ``day + 1``; keep the earliest."""
        if rate <= 0 or not len(s):
            return
        s = np.unique(s)  # one clock per subject, event day and kind
        due = day + 1 + np.floor(self.stream.exponential(s, day, self.kind0 + kind) / rate)
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
        """Subjects ``s`` were denied a service on ``day``: one more clock each of those listed."""
        if len(s):
            self._schedule(day, s[self.engine.listed(self.list_index, s)], self.per_denial, _DENIAL)

    def shamed(self, day: int, s: np.ndarray) -> None:
        """Subjects ``s`` started being shamed on ``day``: one more clock each of those listed."""
        if len(s):
            self._schedule(day, s[self.engine.listed(self.list_index, s)], self.per_shaming,
                           _SHAMING)

    def occurrences(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The day's performance acts: (subject, act, luck)."""
        s = self.due(day)
        luck = self.stream.words(s, day, self.kind0 + _LUCK)
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


class ListAnswers:
    """Every list answer of a scenario, in declared order."""

    def __init__(self, plans: tuple[ResponsePlan, ...], engines: list[Engine], end: int,
                 stream: Keyed) -> None:
        self.plans = plans
        self.answers = [Performance(engines[p.regime], p.list, p.act, p.base, p.per_denial,
                                    engines[p.regime].n_subjects, end, stream, answer=j)
                        for j, p in enumerate(plans)]
        for p, a in zip(plans, self.answers, strict=True):
            a.per_shaming = p.per_shaming

    def entered(self, day: int, touched: list[np.ndarray]) -> None:
        """After the regimes' step (``touched`` per regime): new listings start their clocks."""
        for p, a in zip(self.plans, self.answers, strict=True):
            a.entered(day, touched[p.regime])

    def denied(self, day: int, denied: list[np.ndarray]) -> None:
        """After the gates (denied subjects per regime): denials of listed subjects add clocks."""
        for p, a in zip(self.plans, self.answers, strict=True):
            a.denied(day, denied[p.regime])

    def shamed(self, day: int, shamed: list[np.ndarray]) -> None:
        """After the gates (subjects whose shaming started, per regime): shaming adds clocks.

        A listed subject answers the shaming of any regime (a deadbeat map shames the court's
        defaulters), so every answer sees every regime's new episodes.
        """
        every = [s for s in shamed if len(s)]
        if every:
            s = np.concatenate(every)
            for a in self.answers:
                a.shamed(day, s)

    def occurrences(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The day's performance acts of every answer: (subject, act, luck)."""
        parts = [a.occurrences(day) for a in self.answers]
        if len(parts) == 1:
            return parts[0]
        return tuple(np.concatenate([p[i] for p in parts]) for i in range(3))  # type: ignore[return-value]

    @property
    def emitted(self) -> int:
        """Performance acts emitted so far."""
        return sum(a.emitted for a in self.answers)
