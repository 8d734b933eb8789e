"""Periodic class ratings (``[score] kind = "evaluation"``), e.g. the tax credit rating A/B/M/C/D.

On each (yearly) update day the *evaluation year* is the calendar year before it. For every
rated subject known by the end of that year (replay: with a record by then; simulation: from the
first day):

1. indicator = ``start`` - the deductions of the evaluation year's records, held within the
   score's min..max; it becomes the subject's score (a ledger line, delta = new - old).
2. class, first rule that applies (the lowest class is called D below):

   * D *afresh*: a record of a ``direct_lowest_acts`` act in the evaluation year, or an
     indicator below the lowest ``min_score`` (own conduct); or, with
     ``lowest_spreads_to_representative``, another subject with the same legal representative
     is D afresh by its own conduct (one step: a D that spread does not spread again);
   * D *kept*: the subject was D afresh in one of the ``lowest_kept`` previous evaluations;
   * the new-entity class (``new_entity_list``, M): a ``new_entity_acts`` record in the
     evaluation year, or a ``no_revenue_acts`` record with indicator >= ``no_revenue_min_score``;
   * by indicator: the first class whose ``min_score`` it reaches; but the top class is barred
     (the next one is given) for ``no_top_after_lowest`` evaluations after the kept ones.

3. the class is held by membership of its list (whose ``band`` is the class label), so bands,
   consequences, gates and reports see it like any list; changes are ledger lines.

Between update days the evaluation only tallies records per calendar year: O(records) per day.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from scslab.dates import to_date, to_day
from scslab.regime.computed import update_after, update_on_or_after
from scslab.regime.ledger import SYSTEM_ACT
from scslab.regime.rules import Rule
from scslab.regime.schema import Rulebook
from scslab.regime.state import RegimeState
from scslab.regime.tables import NO_TERM

if TYPE_CHECKING:
    from scslab.regime.replay import Records
    from scslab.society import Society

NOT_YET = np.iinfo(np.int64).max  # known_since of a subject not seen yet
NO_YEAR = -10_000  # last_lowest of a subject never in the lowest class


@dataclass
class YearTally:
    """What one calendar year's records say, per subject."""

    deducted: np.ndarray  # int64 points
    direct_act: np.ndarray  # int64: first direct-lowest act of the year, -1 none
    new_entity: np.ndarray  # bool
    no_revenue: np.ndarray  # bool

    @classmethod
    def empty(cls, n: int) -> YearTally:
        """A year without records for ``n`` subjects."""
        return cls(np.zeros(n, np.int64), np.full(n, -1, np.int64), np.zeros(n, bool),
                   np.zeros(n, bool))


@dataclass
class Result:
    """One evaluation, per subject (arrays over all rows; meaningful where ``evaluated``)."""

    year: int
    evaluated: np.ndarray  # bool
    indicator: np.ndarray  # int64
    klass: np.ndarray  # int64: index into classes, len(classes) = new-entity class, -1 none
    why: np.ndarray  # int64 :class:`~scslab.regime.rules.Rule` evaluation code per subject
    ref: np.ndarray  # int64: what the reason quotes (a threshold, the direct act, a year)


class AnnualEvaluation:
    """The strategy of an evaluation score.

    It tallies records and rates every known subject on evaluation days, through the state's
    write API.
    """

    def __init__(self, rb: Rulebook, state: RegimeState) -> None:
        self.state = state
        assert rb.evaluation is not None and rb.update is not None and rb.score is not None
        # A computed score has both bounds (checked by the schema).
        assert rb.score.min is not None and rb.score.max is not None
        ev = self.ev = rb.evaluation
        self.update_spec = rb.update
        self._kinds = list(rb.regime.subject_kinds)
        self.lo, self.hi = int(rb.score.min), int(rb.score.max)
        n = self.n = state.n
        ids = rb.act_ids()
        idx = {a: i for i, a in enumerate(ids)}
        self.act_ids = ids
        self.points = np.zeros(len(ids), np.int64)
        for d in ev.deductions:
            self.points[idx[d.act]] = d.points
        self.is_direct = np.isin(np.arange(len(ids)), [idx[a] for a in ev.direct_lowest_acts])
        self.is_new = np.isin(np.arange(len(ids)), [idx[a] for a in ev.new_entity_acts])
        self.is_norev = np.isin(np.arange(len(ids)), [idx[a] for a in ev.no_revenue_acts])
        list_idx = {x.id: i for i, x in enumerate(rb.lists)}
        band_of = {x.id: x.band for x in rb.lists}
        self.class_lists = [list_idx[c.list] for c in ev.classes]
        self.labels: list[str] = [_label(band_of, c.list) for c in ev.classes]
        self.mins: list[int] = []
        for c in ev.classes[:-1]:
            assert c.min_score is not None  # every class but the last has one (schema)
            self.mins.append(c.min_score)
        if ev.new_entity_list is not None:
            self.class_lists.append(list_idx[ev.new_entity_list])
            self.labels.append(_label(band_of, ev.new_entity_list))
        self.years: dict[int, YearTally] = {}
        self.last_lowest = np.full(n, NO_YEAR, np.int64)  # evaluation year of the last fresh D
        self.known_since = np.full(n, NOT_YET, np.int64)  # first day the subject is known
        self.rated = np.ones(n, bool)
        self.representative: np.ndarray | None = None  # row of the legal representative, -1
        self._bound_known = False
        self.next_update: int | None = None

    # ------------------------------------------------------------------ inputs
    def bind(self, representative: np.ndarray | None = None, rated: np.ndarray | None = None,
             known_since: int | None = None) -> None:
        """Bind the caller's inputs (any subset).

        Args:
            representative: the legal representative's row per subject, -1 none.
            rated: which rows are rated.
            known_since: a day from which every rated row is known (default: from its first
                record).
        """
        if representative is not None:
            rep = np.full(self.n, -1, np.int64)
            r = np.asarray(representative, np.int64)[:self.n]
            rep[:len(r)] = np.where(r < self.n, r, -1)
            self.representative = rep
        if rated is not None:
            self.rated = np.asarray(rated, bool).copy()
        if known_since is not None:
            self.known_since[:] = np.minimum(self.known_since, known_since)
            self._bound_known = True

    def bind_society(self, society: Society, start_day: int) -> None:
        """Bind what the society says about the subjects.

        Rows of the kinds the regime covers are rated and known from ``start_day``;
        organisations' legal representatives come from the society.
        """
        kinds = set(self._kinds)
        n, npers = self.n, society.n_persons
        rated = np.zeros(n, bool)
        if "person" in kinds:
            rated[:min(n, npers)] = True
        if "organisation" in kinds:
            rated[npers:] = True
        rep = np.full(n, -1, np.int64)
        if n > npers:
            rep[npers:] = np.asarray(society.org_legal_rep, np.int64)[:n - npers]
        self.bind(representative=rep, rated=rated, known_since=start_day)

    def bind_records(self, records: Records) -> None:
        """Replay: bind the ``representative`` column.

        A row named as someone's representative is a person, rated only if the regime covers
        persons.
        """
        if records.representative is None:
            return
        rep = np.asarray(records.representative, np.int64)
        is_rep = np.zeros(self.n, bool)
        is_rep[rep[rep >= 0]] = True
        rated = ~is_rep | ("person" in self._kinds)
        self.bind(representative=rep, rated=rated)

    # -------------------------------------------------------------- the engine
    def next_due(self) -> int | None:
        """The next evaluation day (None before the first step)."""
        return self.next_update

    def after_day(self, day: int, s: np.ndarray, a: np.ndarray, v: np.ndarray, g: np.ndarray,
                  touched: np.ndarray) -> np.ndarray:
        """Tally the day's records; on an evaluation day rate every known subject.

        Returns the subjects whose file changed.
        """
        if self.next_update is None:
            # The first evaluation rates the year of the first day seen (a part year, possibly).
            first = to_day(_dt.date(to_date(day).year + 1, 1, 1))
            self.next_update = update_on_or_after(self.update_spec, first)
        changed = []
        while self.next_update < day:  # a caller skipped an evaluation day: catch up, as of it
            changed.append(self.update(self.next_update))
            self.next_update = update_after(self.update_spec, self.next_update)
        if len(s):
            self.observe(day, s, a)
        if day == self.next_update:
            changed.append(self.update(day))
            self.next_update = update_after(self.update_spec, day)
        return np.concatenate([touched, *changed]) if changed else touched

    def observe(self, day: int, s: np.ndarray, a: np.ndarray) -> None:
        """Tally one day's records into their calendar year: O(records)."""
        year = to_date(day).year
        t = self.years.get(year)
        if t is None:
            t = self.years[year] = YearTally.empty(self.n)
        pts = self.points[a]
        m = pts > 0
        np.add.at(t.deducted, s[m], pts[m])
        m = self.is_direct[a]
        if m.any():
            ds, da = s[m], a[m]
            fresh = t.direct_act[ds] < 0
            ds, da = ds[fresh], da[fresh]
            t.direct_act[ds[::-1]] = da[::-1]  # reversed: the day's first act stays
        t.new_entity[s[self.is_new[a]]] = True
        t.no_revenue[s[self.is_norev[a]]] = True
        if not self._bound_known:
            self.known_since[s] = np.minimum(self.known_since[s], day)

    # --------------------------------------------------------------- the rating
    def evaluate(self, day: int) -> Result:
        """Rate the evaluation year of update day ``day``.

        Updates the D history; pure of the engine otherwise.
        """
        ev, n = self.ev, self.n
        year = to_date(day).year - 1
        tally = self.years.pop(year, None) or YearTally.empty(n)
        for y in [y for y in self.years if y < year]:  # never evaluated (before the first day)
            del self.years[y]
        end = to_day(_dt.date(year, 12, 31))
        evaluated = self.rated & (self.known_since <= end)
        ind = np.clip(ev.start - tally.deducted, self.lo, self.hi)
        why = np.full(n, -1, np.int64)
        ref = np.zeros(n, np.int64)
        low = len(ev.classes) - 1
        # class by indicator
        klass = np.zeros(n, np.int64)
        for m in self.mins:
            klass += ind < m
        why[evaluated] = Rule.EVALUATION_INDICATOR
        # D afresh by own conduct
        below = evaluated & (ind < self.mins[-1])
        why[below], ref[below] = Rule.EVALUATION_BELOW, self.mins[-1]
        direct = evaluated & (tally.direct_act >= 0)
        why[direct], ref[direct] = Rule.EVALUATION_DIRECT, tally.direct_act[direct]
        own = below | direct
        spread = np.zeros(n, bool)
        if ev.lowest_spreads_to_representative and self.representative is not None:
            rep = self.representative
            marked = np.zeros(n, bool)
            r = rep[own]
            marked[r[r >= 0]] = True
            spread = evaluated & ~own & (rep >= 0) & marked[np.maximum(rep, 0)]
            why[spread] = Rule.EVALUATION_SPREAD
        fresh = own | spread
        since = year - self.last_lowest
        kept = evaluated & ~fresh & (since >= 1) & (since <= ev.lowest_kept)
        why[kept], ref[kept] = Rule.EVALUATION_KEPT, self.last_lowest[kept]
        lowest = fresh | kept
        klass[lowest] = low
        rest = evaluated & ~lowest
        if ev.new_entity_list is not None:
            new = rest & tally.new_entity
            norev = rest & ~new & tally.no_revenue & (ind >= (ev.no_revenue_min_score or 0))
            klass[new | norev] = len(ev.classes)
            why[new] = Rule.EVALUATION_NEW_ENTITY
            why[norev] = Rule.EVALUATION_NO_REVENUE
            rest &= ~(new | norev)
        first_free = ev.lowest_kept
        barred = rest & (klass == 0) & (since > first_free) & (since <= first_free + ev.no_top_after_lowest)
        klass[barred] = 1
        why[barred], ref[barred] = Rule.EVALUATION_BARRED, self.last_lowest[barred]
        self.last_lowest[fresh] = year
        klass[~evaluated] = -1
        return Result(year, evaluated, ind, klass, why, ref)

    def update(self, day: int) -> np.ndarray:
        """Evaluate, and write scores and classes through the state's write API.

        Returns the rated subjects.
        """
        st = self.state
        r = self.evaluate(day)
        s = np.flatnonzero(r.evaluated)
        new = r.indicator[s]
        # One write per (class, reason, what it quotes): lines of a group share their fields.
        key = np.stack([r.klass[s], r.why[s], r.ref[s]], axis=1)
        groups, inverse = np.unique(key, axis=0, return_inverse=True)
        for g, (c, w, q) in enumerate(groups):
            m = inverse.reshape(-1) == g
            st.set_scores(day, s[m], new[m], SYSTEM_ACT, int(w), item=int(c), amount=float(r.year),
                          ref=int(q))
        cur = np.full(self.n, -1, np.int64)
        for k, li in enumerate(self.class_lists):
            cur[st.listed(li, np.arange(self.n))] = k
        move = s[cur[s] != r.klass[s]]
        for k, li in enumerate(self.class_lists):
            out = move[cur[move] == k]
            if len(out):
                st.delete(day, li, out)
        for k, li in enumerate(self.class_lists):
            into = move[r.klass[move] == k]
            if len(into):
                st.enter(day, li, into, SYSTEM_ACT, NO_TERM, 0, year=r.year)
        return s


def _label(band_of: dict[str, str | None], list_id: str) -> str:
    """The class label of a class list: the list's band."""
    label = band_of[list_id]
    assert label is not None  # a list holding a class has a band (checked by the schema)
    return label
