"""Event-driven conduct: who acts on which day, in time proportional to events.

Each person holds one number, the day of their next act. Because a person's rate ``Λ`` is
constant between changes of their class (:mod:`scslab.conduct.rates`), the first day with at least one act is
``d + 1 + floor(E / Λ)`` with ``E ~ Exp(1)`` (Poisson process, thinned to days), and the number of
acts on that day is ``1 + Poisson(Λ (1 - τ))`` where ``τ`` is the first arrival's fraction of the
day, drawn from its truncated exponential. When a person's class changes, memorylessness lets
us simply redraw from the next day; stale queue entries are skipped lazily.

Persons are kept in per-day buckets (lists of row arrays), so a day costs work only for the
persons who act that day, never a pass over the whole population.

A scheduler serves one partition: the contiguous persons ``base .. base + n - 1``. All its
draws are keyed by person and day (:mod:`scslab.rng`), so splitting the persons into
partitions changes no one's acts.
"""

from __future__ import annotations

import numpy as np

from scslab.conduct._kernels import (
    CLASS_MASK,
    MAX_GROUPS,
    NONE_DAY,
    SHIFT,
    current,
    newest_per_person,
    next_days,
    occurrences,
    pack,
    refresh,
    split_looks,
)
from scslab.conduct.rates import RateTables
from scslab.rng import Keyed

FAR = NONE_DAY  # "no act before the horizon" (also written by the kernel)
MAX_DAYS = FAR - 1  # horizon limit [days]; queued days are relative to the start
_NO_E = np.zeros(0, np.float32)
_NO_GROUP = np.zeros(0, np.uint8)


def _distinct_sorted(x: np.ndarray) -> np.ndarray:
    """np.unique(x) for a non-empty int array, by a sort.

    numpy's hashing unique took 12x longer on a day's ~25,000 score checks.
    """
    y = np.sort(x)
    keep = np.empty(len(y), bool)
    keep[0] = True
    np.not_equal(y[1:], y[:-1], out=keep[1:])
    return y[keep]


class Scheduler:
    """Draws occurrences day by day; behaviour changes persons' classes between days.

    Queue entries carry the person's class and negative rate along with the person, so the
    day's kernel reads only sequential arrays instead of gathering from per-person arrays.

    Args:
        tables: per-class rate tables.
        propensity: m per person of the partition (float32).
        start: first day number; end: one past the last day number.
        next_key, acts_key: the keyed streams of next-act days and of the acts themselves.
        base: subject row of the partition's first person.
        group: age group per person of the partition on the first day (uint8), when the tables
            have more than one group.
        crossings: day number -> (persons of the partition, their new group), for persons
            whose age group changes on that day (a birthday at a group's first age).
    """

    def __init__(self, tables: RateTables, propensity: np.ndarray, start: int, end: int,
                 next_key: Keyed, acts_key: Keyed,
                 base: int = 0, group: np.ndarray | None = None,
                 crossings: dict[int, tuple[np.ndarray, np.ndarray]] | None = None) -> None:
        self.tables = tables
        self.propensity = propensity
        self.start = start
        self.end = end
        self.next_key, self.acts_key = next_key, acts_key
        self.base = base
        # One group: no per-person group at all (entries carry none, the kernels skip it).
        self.grouped = tables.n_groups > 1
        if tables.n_groups > MAX_GROUPS:
            raise ValueError(f"at most {MAX_GROUPS} groups (distinct min and max ages)")
        self.group = group if self.grouped and group is not None else _NO_GROUP
        self.crossings = crossings or {}
        # day number -> persons whose queued entry for that day predates a change of group
        self._repack: dict[int, list[np.ndarray]] = {}

    def init(self, klass: np.ndarray) -> Scheduler:
        """Draw everyone's first act day from their initial class (int8 per person)."""
        n = len(self.propensity)
        if self.end - self.start > MAX_DAYS:
            raise ValueError(f"at most {MAX_DAYS} days can be simulated")
        # Per person: day of the next act (relative to the start) << 5 | class. One array, so
        # the daily kernels find both in one cache line per person.
        self.state = (np.int32(FAR) << SHIFT) | klass.astype(np.int32)
        self.buckets: dict[int, list[np.ndarray]] = {}  # day -> chunks of packed entries
        # Queue entries go stale only when a person is redrawn before their queued day;
        # until that first happens, every entry is valid and the check can be skipped.
        self._may_be_stale = False
        self._kept_on: np.ndarray | None = None  # per person: last day an entry was kept (int16)
        self._today: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
        self.checks = 0  # score checks so far (the day's are in the kernel's output)
        p = np.arange(n, dtype=np.int64)
        self._draw(p, self.start, self._neg_rate(p, klass), klass)
        return self

    @property
    def klass(self) -> np.ndarray:
        """Class of every person (int8)."""
        return (self.state & CLASS_MASK).astype(np.int8)

    def classes(self, p: np.ndarray) -> np.ndarray:
        """Class of persons ``p`` (rows within the partition; int8)."""
        return (self.state[p] & CLASS_MASK).astype(np.int8)

    @property
    def next_day(self) -> np.ndarray:
        """Day of every person's next act, relative to the start (32767: none)."""
        return self.state >> SHIFT

    def _neg_rate(self, p: np.ndarray, c: np.ndarray) -> np.ndarray:
        """Negative rate m * N[c] of persons ``p`` in classes ``c`` [acts/day], float32."""
        g = self.group[p] if len(self.group) else 0
        return (self.propensity[p] * self.tables.neg_total[g, c]).astype(np.float32)

    def _groups(self, p: np.ndarray) -> np.ndarray:
        """Age groups of persons ``p`` (empty without groups)."""
        return self.group[p] if self.grouped else _NO_GROUP

    def _draw(self, p: np.ndarray, first: int, neg: np.ndarray, c: np.ndarray,
              old: np.ndarray | None = None, e: np.ndarray | None = None,
              g: np.ndarray | None = None, key: Keyed | None = None) -> None:
        """Queue persons ``p`` (negative rates ``neg``, classes ``c``) from day ``first`` on.

        ``e``: their Exp(1) draws if already made (with the day's acts); ``g``: their age groups
        if known (else read from the group array); ``key``: the stream of the Exp(1) draws when
        not given (default: next-act days).
        """
        k = self.next_key if key is None else key
        e = _NO_E if e is None else e
        g = self._groups(p) if g is None else g
        entries, days, offsets = next_days(p, neg, c, g, self.tables.pos_total, e,
                                           first - self.start, self.end - self.start, self.state,
                                           old if old is not None else p[:0],
                                           np.empty(len(p), np.uint64), self.base, k.k0, k.k1, k.sid,
                                           self.grouped)
        buckets = self.buckets
        for j, d in enumerate((days + self.start).tolist()):
            # A copy, so the chunk does not keep the whole draw (all days) alive.
            buckets.setdefault(d, []).append(entries[offsets[j]:offsets[j + 1]].copy())

    def occurrences(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                             np.ndarray, np.ndarray]:
        """Acts that occur on ``day``.

        Returns:
            (actors, subject per occurrence, act index per occurrence, luck per occurrence:
            the uniform 32-bit word sources observe it with, and the persons who checked their
            score, and those who reviewed their ties: subject rows, sorted). The actors (rows
            within the partition) must be passed back to :meth:`redraw` after the day.
        """
        if day in self.crossings:
            self._cross(day)
        chunks = self.buckets.pop(day, None)
        repack = self._repack.pop(day, None)
        if not chunks:
            e = np.zeros(0, np.int64)
            self._today = (np.zeros(0, np.int8), _NO_GROUP, np.zeros(0, np.float32), _NO_E)
            return e, e, e, np.zeros(0, np.uint32), e, e
        entries = chunks[0] if len(chunks) == 1 else np.concatenate(chunks)
        if self._may_be_stale:
            entries = current(entries, self.state, day - self.start)
            if len(chunks) > 1:  # a stale entry on a day its person was redrawn to again
                if self._kept_on is None:
                    self._kept_on = np.full(len(self.propensity), -1, np.int16)
                entries = entries[newest_per_person(entries, self._kept_on, day - self.start)]
        if repack is not None:
            entries = self._repacked(entries, np.concatenate(repack))
        t, k = self.tables, self.acts_key
        cap = 2 * len(entries) + 64
        while True:
            actors, c, g, neg, nxt, subj, act, luck, made = occurrences(
                entries, t.neg_total, t.pos_total, t.cum_neg, t.cum_pos, t.acts_neg, t.acts_pos,
                day - self.start, self.base, k.k0, k.k1, k.sid, cap, self.grouped)
            if made <= cap:
                break
            cap = made  # rare: more acts than room; the keyed draws repeat exactly
        self._today = (c, g, neg, nxt)
        checked = reviewed = subj[:0]
        if t.check_act >= 0 or t.review_act >= 0:
            subj, act, luck, chk, rev = split_looks(subj, act, luck, t.check_act, t.review_act)
            if len(chk):
                checked = _distinct_sorted(chk) - self.base
                self.checks += len(chk)
            if len(rev):
                reviewed = _distinct_sorted(rev)
        return actors, subj, act, luck, checked, reviewed

    def _repacked(self, entries: np.ndarray, persons: np.ndarray) -> np.ndarray:
        """The day's entries, those of ``persons`` packed afresh with their group and rate now."""
        who = (entries >> np.uint64(33)).astype(np.int64)
        hit = np.flatnonzero(np.isin(who, persons))
        if not len(hit):
            return entries
        entries = entries.copy()
        p = who[hit]
        c = ((entries[hit] >> np.uint64(28)) & np.uint64(CLASS_MASK)).astype(np.int8)
        fresh = np.empty(len(hit), np.uint64)
        g = self.group[p] if self.grouped else np.zeros(len(p), np.uint8)
        pack(p, c, g, self._neg_rate(p, c), self.grouped, fresh)
        entries[hit] = fresh
        return entries

    def redraw(self, day: int, actors: np.ndarray, others: np.ndarray, old: np.ndarray,
               refresh_actors: bool = True) -> None:
        """After ``day``, once classes are set: actors and ``others`` get their next act day.

        ``others``: persons whose class changed but who did not act today, with ``old``, their
        queued day (as :func:`scslab.conduct.perception.perceive` returns them). Memorylessness
        makes redrawing exact. ``refresh_actors``: some classes changed today, so the actors'
        carried classes and rates are read afresh.
        """
        assert self._today is not None, "redraw() must follow occurrences()"
        c, g, neg, nxt = self._today
        self._today = None
        if refresh_actors:
            refresh(actors, c, g, neg, self.state, self.propensity, self.tables.neg_total)
        if len(actors):
            self._draw(actors, day + 1, neg, c, e=nxt, g=g)
        if len(others):
            self._may_be_stale = True
            oc = (self.state[others] & CLASS_MASK).astype(np.int8)
            self._draw(others, day + 1, self._neg_rate(others, oc), oc, old=old)

    def _cross(self, day: int) -> None:
        """Persons whose age group changes on ``day`` take its rates from that day on.

        Memorylessness makes a redraw from the day exact; a redraw that lands on the day already
        queued keeps that entry, whose rates the kernel reads afresh from the group.
        """
        p, g = self.crossings.pop(day)
        self.group[p] = g
        c = (self.state[p] & CLASS_MASK).astype(np.int8)
        old = (self.state[p] >> SHIFT).astype(np.int64)
        self._may_be_stale = True
        self._draw(p, day, self._neg_rate(p, c), c, old=old)
        kept = (self.state[p] >> SHIFT) == old  # the queued entry stays, with the old group in it
        for q in np.unique(old[kept]).tolist():
            if q < self.end - self.start:
                self._repack.setdefault(q + self.start, []).append(p[kept & (old == q)])

    def retable(self, day: int, tables: RateTables, key: Keyed) -> None:
        """From ``day`` on (before its acts), every person acts at the rates of ``tables``.

        Everyone's next act day is redrawn once from ``day`` with Exp(1) draws of ``key``,
        keyed (person, day): memorylessness makes this exact. A redraw that lands on the day
        already queued keeps that entry, repacked with the new rate when its day comes. The
        tables must have the groups and columns of the old ones (only rates differ).
        """
        self.tables = tables
        n = len(self.propensity)
        if not n:
            return
        p = np.arange(n, dtype=np.int64)
        c = (self.state & CLASS_MASK).astype(np.int8)
        old = (self.state >> SHIFT).astype(np.int64)
        self._may_be_stale = True
        self._draw(p, day, self._neg_rate(p, c), c, old=old, key=key)
        kept = ((self.state >> SHIFT) == old) & (old < self.end - self.start)
        pk, qk = p[kept], old[kept]  # a fraction: redraws landing on the queued day
        for q in np.unique(qk).tolist():
            self._repack.setdefault(q + self.start, []).append(pk[qk == q])

    def rate(self, p: np.ndarray) -> np.ndarray:
        """Total rate of persons ``p`` in their current class and group [acts/day]."""
        c = self.state[p] & CLASS_MASK
        g = self.group[p] if len(self.group) else 0
        return self.propensity[p] * self.tables.neg_total[g, c] + self.tables.pos_total[g, c]
