"""A regime's state: one declared struct of arrays, with the only API that writes ledger lines.

Every per-subject array is declared once in :data:`STATE_FIELDS` (name, dtype, default or
sentinel, shape, when it exists), as Starsim declares its ``People`` states, so tools and tests
can enumerate them. :class:`RegimeState` allocates them and offers

* a **read API**: band index, score, list membership and terms, list sizes, band counts, the
  score sum;
* a **write API**: :meth:`~RegimeState.set_scores`, :meth:`~RegimeState.enter`,
  :meth:`~RegimeState.extend`, :meth:`~RegimeState.request_deletion`,
  :meth:`~RegimeState.delete` and :meth:`~RegimeState.note` (a line that changes nothing).

Each write keeps the aggregates (band counts, score sum, list sizes) up to date in O(subjects
written) and writes the ledger line, so a score always equals its initial value plus the sum of
its ledger deltas. Point rules, factor scores and evaluations are strategies that change the
state only through this API.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Unpack

import numpy as np

from scslab.dates import add_months
from scslab.regime.calendar import Calendar, Delete, TermEnd
from scslab.regime.ledger import NO_SCORE, Column, Ledger, LineFields
from scslab.regime.rules import NEVER, OPEN_END, Rule
from scslab.regime.tables import NO_TERM, Tables, band_index


@dataclass(frozen=True)
class StateField:
    """One declared per-subject array."""

    name: str
    dtype: str
    default: str  # a number, a sentinel name (NEVER, OPEN_END) or "initial"
    shape: str  # "subjects", "per list: subjects", "cooldown acts x subjects", ...
    exists: str  # when the regime has it
    doc: str


STATE_FIELDS: tuple[StateField, ...] = (
    StateField("score", "int32", "initial", "subjects", "the regime has a score",
               "the score [points]"),
    StateField("raw", "int64", "initial", "subjects", "score clip = 'total' with bounds",
               "unclipped total of the points that count; the score is it, clipped [points]"),
    StateField("epoch", "int32", "0", "subjects", "a list that erases the points",
               "times the points were erased; expiries scheduled before are void"),
    StateField("list_since", "int32", "NEVER", "per list: subjects", "the regime has lists",
               "day of listing; NEVER: not listed [day]"),
    StateField("list_until", "int32", "NEVER", "per list: subjects", "the regime has lists",
               "end day of the listing, OPEN_END with no fixed term [day]"),
    StateField("list_months", "int32", "0", "per list: subjects", "the regime has lists",
               "term in months, kept so an extension recomputes the end from the listing day"),
    StateField("list_days", "int32", "0", "per list: subjects", "the regime has lists",
               "extra days of the term [days]"),
    StateField("list_pending", "int32", "NEVER", "per list: subjects", "the regime has lists",
               "day a scheduled deletion takes effect; NEVER: none [day]"),
    StateField("last_use", "int32", "NEVER", "cooldown acts x subjects", "acts with a cooldown",
               "day the act last took effect [day]"),
    StateField("window_ring", "int32", "NEVER", "windows: subjects x more_than",
               "rolling windows", "days of the last more_than records of the window's act"),
)
"""Every per-subject array of a regime's state."""

_BIG = np.iinfo(np.int64).max // 4

ON_TIME, LATE, MISSED = 0, 1, 2  # how a deletion went, as a deletion delay reports it
DeletionDelayFn = Callable[[int, np.ndarray, int], tuple[np.ndarray, np.ndarray]]
"""(day requested, subjects, day due) -> (day each deletion takes effect, ON_TIME/LATE/MISSED)."""


class RegimeState:
    """The state of ``n`` subjects under one compiled rulebook.

    Args:
        tables: the compiled rulebook.
        n: subject rows.
        ledger: where lines go.
    """

    def __init__(self, tables: Tables, n: int, ledger: Ledger) -> None:
        t = self.t = tables
        self.n = n
        self.ledger = ledger
        nl = len(t.lists)
        self.score = np.full(n, t.initial, np.int32) if t.has_score else None
        bounded = t.lo is not None or t.hi is not None
        self.raw = np.full(n, t.initial, np.int64) if t.has_score and t.clip_total and bounded \
            else None
        self.epoch = np.zeros(n, np.int32) if any(x.resets_score for x in t.lists) else None
        # One array per list (not one 2-D array), so a list's state is a plain per-subject array.
        self.list_since = [np.full(n, NEVER, np.int32) for _ in range(nl)]
        self.list_until = [np.full(n, NEVER, np.int32) for _ in range(nl)]
        self.list_months = [np.zeros(n, np.int32) for _ in range(nl)]
        self.list_days = [np.zeros(n, np.int32) for _ in range(nl)]
        self.list_pending = [np.full(n, NEVER, np.int32) for _ in range(nl)]
        self.last_use = {a: np.full(n, NEVER, np.int32) for a in t.cooldown}
        self.window_ring = [np.full((n, max(w[3], 1)), NEVER, np.int32) for w in t.windows]
        self.calendar = Calendar()
        # Per list, what makes its deletions late or missed (None: on the day the rules say).
        self.deletion_delay: list[DeletionDelayFn | None] = [None] * nl
        self._list_size = np.zeros(nl, np.int64)
        self._band_counts = np.zeros(len(t.band_labels) + 1, np.int64)  # last slot: no band
        if n:  # everyone starts alike: the initial score, on no list
            self._band_counts[band_index(t, np.array([t.initial]))[0]] = n
        self._score_sum = n * t.initial
        self._overrides = [li for li, lt in enumerate(t.lists) if lt.band >= 0]
        self.lo = -_BIG if t.lo is None else t.lo
        self.hi = _BIG if t.hi is None else t.hi

    # ------------------------------------------------------------------------ read API
    def band_index(self, s: np.ndarray) -> np.ndarray:
        """Band index of subjects ``s`` (``len(band_labels)`` = no band).

        A list's band overrides the score band while the subject is listed.
        """
        s = np.asarray(s, np.int64)
        b = band_index(self.t, self.score[s]) if self.score is not None else \
            np.full(len(s), len(self.t.band_labels), np.int64)
        for li in self._overrides:
            b = np.where(self.list_since[li][s] != NEVER, self.t.lists[li].band, b)
        return b

    def score_of(self, s: np.ndarray) -> np.ndarray | int:
        """Scores of subjects ``s`` (NO_SCORE for a regime without a score)."""
        return self.score[s] if self.score is not None else NO_SCORE

    def listed(self, li: int, s: np.ndarray) -> np.ndarray:
        """Whether subjects ``s`` are on list ``li``."""
        return self.list_since[li][s] != NEVER

    def listed_since(self, li: int, s: np.ndarray) -> np.ndarray:
        """Day subjects ``s`` were listed on list ``li`` (NEVER: not listed)."""
        return self.list_since[li][s]

    def deletion_pending(self, li: int, s: np.ndarray) -> np.ndarray:
        """Whether a deletion from list ``li`` is scheduled for subjects ``s``."""
        return self.list_pending[li][s] != NEVER

    def list_sizes(self) -> np.ndarray:
        """Subjects on each list now (int64 per list)."""
        return self._list_size.copy()

    @property
    def band_counts(self) -> np.ndarray:
        """Subjects per band now (int64; last slot: no band). A read-only view."""
        v = self._band_counts.view()
        v.flags.writeable = False
        return v

    @property
    def score_sum(self) -> int:
        """Sum of all scores now [points]."""
        return int(self._score_sum)

    # ----------------------------------------------------------------------- write API
    def note(self, day: int, s: np.ndarray, act: Column, rule: Column,
             **fields: Unpack[LineFields]) -> None:
        """A ledger line that changes nothing (an act recorded, ignored or not applied)."""
        # A ledger that only counts lines needs no scores: a gather per record saved.
        score = self.score_of(s) if self.ledger.keep else NO_SCORE
        self.ledger.add(day, s, act, 0, score, rule, **fields)

    def set_scores(self, day: int, s: np.ndarray, new: np.ndarray, act: Column, rule: Column, *,
                   raw: np.ndarray | None = None, **fields: Unpack[LineFields]) -> np.ndarray:
        """Set the scores of distinct subjects ``s`` to ``new``.

        ``rule`` may be one code or one per subject; ``raw``: the unclipped totals (clip total).
        Returns the deltas (new - old).
        """
        assert self.score is not None, "set_scores on a regime without a score"
        new = np.asarray(new, np.int64)
        old = self.score[s].astype(np.int64)
        if len(self.t.band_labels):
            before = self.band_index(s)
        self.score[s] = new
        if raw is not None and self.raw is not None:
            self.raw[s] = raw
        if len(self.t.band_labels):
            self._move_bands(before, self.band_index(s))
        delta = new - old
        self._score_sum += int(delta.sum())
        self.ledger.add(day, s, act, delta, new, rule, **fields)
        return delta

    def reset_points(self, day: int, s: np.ndarray, item: int) -> None:
        """Erase all points of subjects ``s`` (score and raw back to the initial score).

        Points scheduled to expire before no longer count (their epoch is gone).
        """
        init = np.full(len(s), self.t.initial, np.int64)
        self.set_scores(day, s, init, -1, int(Rule.TRIGGER_RESET), raw=init, item=item)
        if self.epoch is not None:
            self.epoch[s] += 1

    def apply_plain_points(self, day: int, s: np.ndarray, a: np.ndarray, points: np.ndarray,
                           act_rule: np.ndarray) -> None:
        """Plain point records in file order, through the compiled kernel (see ``_kernels``)."""
        from scslab.regime._kernels import apply_points

        t = self.t
        assert self.score is not None  # the compiled path serves regimes with a score only
        delta, after, flag, total = apply_points(
            s, a, self.score, points, t.cap, self.lo, self.hi, t.band_asc, t.n_score_bands,
            t.bottom_open, self._band_counts)
        self._score_sum += int(total)
        if self.ledger.keep:
            rule = act_rule[a]
            if flag.any():
                rule = rule.copy()
                rule[flag == 1] = Rule.POINTS_AT_MAX
                rule[flag == 2] = Rule.POINTS_AT_MIN
            self.ledger.add(day, s, a, delta, after, rule)
        else:
            self.ledger.n_lines += len(s)

    def enter(self, day: int, li: int, s: np.ndarray, act: int, months: int, days: int, *,
              item: int = -1, year: int | None = None, code: Rule = Rule.LIST_ENTER) -> None:
        """Put distinct subjects ``s`` on list ``li`` for ``months`` + ``days``.

        ``months`` = NO_TERM: no fixed term. ``item``: the trigger that listed them; ``year``: the
        evaluation that did; ``code``: the new entries' ledger code (an amendment's carry-over).
        """
        end = OPEN_END if months == NO_TERM else int(add_months(day, months)) + days
        term_m, term_d = (0, 0) if months == NO_TERM else (months, days)
        since, until = self.list_since[li], self.list_until[li]
        listed = since[s] != NEVER
        new, old = s[~listed], s[listed]
        if len(new):
            before = self.band_index(new) if li in self._overrides else None
            since[new], until[new], self.list_pending[li][new] = day, end, NEVER
            self.list_months[li][new], self.list_days[li][new] = term_m, term_d
            self._list_size[li] += len(new)
            if before is not None:
                self._move_bands(before, self.band_index(new))
            if year is None:
                self.note(day, new, act, code, lst=li, until=end, item=item)
            else:
                self.note(day, new, act, Rule.EVALUATION_LIST_ENTER, lst=li, until=end, ref=year)
        if len(old):
            # A listing act while listed (one listing per subject: records name no case).
            # Assumption, as the sources do not say how concurrent listings combine:
            # - deletion pending (term ended or removal act): the pending deletion is cancelled
            #   and the act starts a fresh listing with its own term (since = today);
            # - otherwise the later end wins (no fixed term beats any end); when the new act's
            #   end is later, the listing restarts today with the new act's term, so a later
            #   extension counts from today.
            keep_end = until[old].copy()
            pend_day = self.list_pending[li][old].copy()
            pend = pend_day != NEVER
            later = np.where(keep_end == OPEN_END, False, (end == OPEN_END) | (end > keep_end))
            r = old[pend | later]
            since[r], until[r] = day, end
            self.list_months[li][r], self.list_days[li][r] = term_m, term_d
            rule = np.where(pend, Rule.LIST_RENEWED, np.where(later, Rule.LIST_LATER_END,
                                                             Rule.LIST_UNCHANGED))
            self.note(day, old, act, rule, lst=li, until=np.where(pend | later, end, NEVER),
                      ref=np.where(pend, pend_day, keep_end), item=item)
            self.list_pending[li][old] = NEVER
        if end != OPEN_END:
            self.calendar.schedule(end, TermEnd(li, s.copy()))

    def extend(self, day: int, li: int, s: np.ndarray, act: np.ndarray,
               years: np.ndarray) -> None:
        """Extend the fixed terms of subjects ``s`` on list ``li`` by whole ``years``.

        The end is recomputed from the listing day over the whole term (N years after listing,
        28 Feb where 29 Feb does not exist); the old term-end event goes stale.
        """
        years = years.astype(np.int32)
        self.list_months[li][s] += 12 * years
        end = (add_months(self.list_since[li][s], self.list_months[li][s])
               + self.list_days[li][s]).astype(np.int32)
        self.list_until[li][s] = end
        for d in np.unique(end):
            self.calendar.schedule(int(d), TermEnd(li, s[end == d].copy()))
        self.note(day, s, act, Rule.LIST_EXTEND, lst=li, until=end, amount=years)

    def request_deletion(self, day: int, when: int, li: int, s: np.ndarray, act: Column,
                         rule: Rule) -> None:
        """Schedule the deletion of subjects ``s`` from list ``li`` on day ``when``.

        On ``when`` = today they are deleted at once. A line says why (a removal act, or the
        term's end). Where the list has a deletion delay, a late deletion's line carries the
        due day in ``ref``, and a missed one (deleted when the subject appeals) also
        ``amount`` = 1.
        """
        hook = self.deletion_delay[li]
        if hook is None:
            self.note(day, s, act, rule, lst=li, until=when)
            if when == day:
                self.delete(day, li, s)
            else:
                self.list_pending[li][s] = when
                self.calendar.schedule(when, Delete(li, s.copy()))
            return
        w, how = hook(day, s, when)
        self.note(day, s, act, rule, lst=li, until=w, ref=np.where(how > ON_TIME, when, NEVER),
                  amount=np.where(how == MISSED, 1.0, np.nan))
        now = w == day
        if now.any():
            self.delete(day, li, s[now])
        later = s[~now]
        if len(later):
            wl = w[~now]
            self.list_pending[li][later] = wl
            for d in np.unique(wl).tolist():
                self.calendar.schedule(d, Delete(li, later[wl == d].copy()))

    def delete(self, day: int, li: int, s: np.ndarray) -> None:
        """Take distinct listed subjects ``s`` off list ``li`` now."""
        before = self.band_index(s) if li in self._overrides else None
        self.list_since[li][s] = self.list_until[li][s] = self.list_pending[li][s] = NEVER
        self._list_size[li] -= len(s)
        if before is not None:
            self._move_bands(before, self.band_index(s))
        self.note(day, s, -1, Rule.LIST_DELETED, lst=li)

    def refresh_aggregates(self) -> None:
        """Recount band counts and the score sum after an update touched every subject: O(n)."""
        nb = len(self.t.band_labels) + 1
        self._band_counts[:] = np.bincount(self.band_index(np.arange(self.n)), minlength=nb)
        if self.score is not None:
            self._score_sum = int(self.score.sum(dtype=np.int64))

    def _move_bands(self, before: np.ndarray, after: np.ndarray) -> None:
        moved = before != after
        if moved.any():
            nb = len(self._band_counts)
            self._band_counts += np.bincount(after[moved], minlength=nb) - \
                np.bincount(before[moved], minlength=nb)
