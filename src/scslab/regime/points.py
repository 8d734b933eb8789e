"""Point rules: how records move a regime's state (points, lists, windows, triggers).

The strategy every rulebook has; computed scores (:mod:`scslab.regime.factor`,
:mod:`scslab.regime.evaluation`) come on top of it. It changes the state only through the
:class:`~scslab.regime.state.RegimeState` write API. The order within a day is fixed:

1. calendar events due that day (:mod:`scslab.regime.calendar`), then triggers for the subjects
   those events touched;
2. the day's records, in file order per subject, in *rank passes*: pass k applies the k-th
   record of every subject that has one, vectorised over subjects. That is exactly sequential
   application per subject (caps, bounds and lists depend on order) at the cost of a few array
   operations per pass, not per record;
3. per record: list removals, extensions and entries, then points (conditions, drop-to-band caps,
   score bounds), then rolling windows (which may emit derived records), then triggers.
"""

from __future__ import annotations

import numpy as np

from scslab.dates import add_months, add_working_days
from scslab.regime._kernels import occurrence_rank
from scslab.regime.calendar import Expire
from scslab.regime.ledger import SYSTEM_ACT
from scslab.regime.rules import NEVER, OPEN_END, Rule
from scslab.regime.state import RegimeState
from scslab.regime.tables import NO_CAP, NO_TERM, NOT_ENTRY, ListTables, Tables


class PointRules:
    """Applies records to a :class:`RegimeState` under its compiled rulebook."""

    def __init__(self, state: RegimeState) -> None:
        self.state = state
        t = self.t = state.t
        self.act_rule = np.array([Rule.DROP_TO_BAND if c else Rule.POINTS for c in t.cap_band],
                                 np.int16)
        self.points_like = (t.points != 0) | (t.cap != NO_CAP)
        self._plain = plain_point_acts(t, self.points_like)
        # The compiled path applies; tests set ``compiled = False`` to force the rank passes.
        self.compiled = (t.has_score and not t.triggers and not t.windows and state.raw is None
                             and all(lt.band < 0 for lt in t.lists)
                             and len(t.band_labels) == t.n_score_bands)
        self._points64 = t.points.astype(np.int64)
        # Acts that only get a RECORDED line (no list, points or window rule reads them), when
        # the regime has no triggers: None otherwise. A subject whose records of the day are
        # all such acts needs no rank passes.
        noted = ~self.points_like if state.score is not None else np.ones(len(t.points), bool)
        for lt in t.lists:
            noted &= ~lt.is_removal & ~lt.is_extension & (lt.entry_months == NOT_ENTRY)
        for w in t.windows:
            noted[w[1]] = False
        self._noted = None if t.triggers or not noted.any() else noted

    # ------------------------------------------------------------------------- the day
    def step_day(self, day: int, subj: np.ndarray, act: np.ndarray, value: np.ndarray,
                 age: np.ndarray) -> np.ndarray:
        """Apply day ``day``: due calendar events, then the records (file order).

        Returns the subjects whose file the day touched (each at least once; may repeat).
        """
        st = self.state
        due = st.calendar.pop(day)
        if not len(subj) and not due:
            return subj
        if not due and self.compiled and self._plain[act].all():
            st.apply_plain_points(day, subj, act, self._points64, self.act_rule)
            return subj
        for ev in due:
            ev.apply(st, day)
        touched = np.concatenate([subj, *(ev.subjects for ev in due)]) if due else subj
        if due and st.score is not None and self.t.triggers:
            # A trigger's condition can come to hold without a record: points gathered while on
            # the list meet it when the term ends (a licence is not returned at 8 points).
            self._triggers(day, self.distinct(np.concatenate([ev.subjects for ev in due])))
        if len(subj):
            self._apply_records(day, subj, act, value, age)
        return touched

    def first(self, s: np.ndarray) -> np.ndarray:
        """Mask of the first occurrence of each subject in ``s``.

        O(len(s) log len(s)) by a sort of the day's subjects, rather than O(len(s)) with a
        scratch array of every subject: 4 bytes per subject and regime less for the whole run.
        """
        mask = np.zeros(len(s), bool)
        if len(s):
            mask[np.unique(s, return_index=True)[1]] = True  # first occurrences' positions
        return mask

    def distinct(self, s: np.ndarray) -> np.ndarray:
        """The distinct subjects of ``s``, in order of first occurrence."""
        return s[self.first(s)]

    def _apply_records(self, day: int, subj: np.ndarray, act: np.ndarray, value: np.ndarray,
                       age: np.ndarray) -> None:
        if self._noted is not None:
            # Subjects with only noted acts today get their lines in one go, in file order: the
            # ledger is read in (day, subject, order made) order, so only a subject's own order
            # counts, and those lines change nothing. The others take every record of theirs
            # through the rank passes.
            quiet = self._noted[act]
            if not quiet.all():
                quiet &= ~np.isin(subj, subj[~quiet])
            if quiet.any():
                self.state.note(day, subj[quiet], act[quiet], Rule.RECORDED)
                if quiet.all():
                    return
                busy = ~quiet
                subj, act, value, age = subj[busy], act[busy], value[busy], age[busy]
        # Pass k applies the k-th record (file order) of every subject that has one. The ranks
        # come from one O(records) pass, not a sort of the remaining records per pass.
        rank, top = occurrence_rank(subj, self.state.n)
        if top <= 1:
            self._apply_unique(day, subj, act, value, age)
            return
        for k in range(top):
            sel = np.flatnonzero(rank == k)
            self._apply_unique(day, subj[sel], act[sel], value[sel], age[sel])

    def _apply_unique(self, day: int, s: np.ndarray, a: np.ndarray, v: np.ndarray,
                      age: np.ndarray) -> None:
        """Apply one record to each of the (distinct) subjects ``s``."""
        st, t = self.state, self.t
        handled = np.zeros(len(s), bool)
        for li, lt in enumerate(t.lists):
            handled |= self._list_records(day, li, lt, s, a, v, age)
        if st.score is not None:
            pm = self.points_like[a]
            if pm.any():
                self._points(day, s[pm], a[pm], v[pm])
                handled |= pm
        emitted: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for wi, w in enumerate(t.windows):
            m = a == w[1]
            if m.any():
                handled |= m  # counted in a window: the window's ledger line says so
                emitted.append(self._window(day, wi, s[m], age[m]))
        rec = ~handled
        if rec.any():
            st.note(day, s[rec], a[rec], Rule.RECORDED)
        if st.score is not None and t.triggers:
            self._triggers(day, s)
        es = [e for e in emitted if len(e[0])]
        if es:
            # Two windows may emit for the same subject: rank passes keep that sequential.
            # A derived record has value 1 and the age of the record that caused it.
            ss = np.concatenate([e[0] for e in es])
            self._apply_records(day, ss, np.concatenate([e[1] for e in es]), np.ones(len(ss)),
                                np.concatenate([e[2] for e in es]))

    def _window(self, day: int, wi: int, ws: np.ndarray,
                wage: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Count records of window ``wi``'s act; return the derived records it emits."""
        st = self.state
        _, wact, wdays, more, emit = self.t.windows[wi]
        ring = st.window_ring[wi]
        lo = day - wdays + 1  # first day of the window [day - days + 1, day]
        # ring holds the days of the last `more` records; the oldest is column 0. This record
        # makes the count exceed `more` iff the `more`-th previous one is still in the window
        # (records arrive in day order), so every such record emits: no reset after emitting.
        hit = (ring[ws, 0] >= lo) if more > 0 else np.ones(len(ws), bool)
        if more > 0:
            ring[ws, :-1] = ring[ws, 1:]
            ring[ws, -1] = day
        if hit.any():
            st.note(day, ws[hit], wact, Rule.WINDOW_EMIT, item=wi)
        if not hit.all():
            # Without a hit every record still in the ring is in the window: an exact count.
            count = (ring[ws[~hit]] >= lo).sum(axis=1)
            for k in np.unique(count):
                c = ~hit
                c[c] = count == k
                st.note(day, ws[c], wact, Rule.WINDOW_COUNT, item=wi, amount=float(k))
        return ws[hit], np.full(int(hit.sum()), emit, np.int64), wage[hit]

    # ----------------------------------------------------------------------- points
    def _points(self, day: int, s: np.ndarray, a: np.ndarray, v: np.ndarray) -> None:
        st, t = self.state, self.t
        assert st.score is not None  # called only for a regime with a score (_apply_unique)
        cur = st.score[s].astype(np.int64)
        fail_max = cur > t.req_max[a]
        fail_min = cur < t.req_min[a]
        bad = fail_max | fail_min
        if bad.any():
            st.note(day, s[bad], a[bad], np.where(fail_max[bad], Rule.NOT_APPLIED_MAX_SCORE,
                                                  Rule.NOT_APPLIED_MIN_SCORE))
        ok = ~bad
        for c, (months, days) in t.cooldown.items():
            m = ok & (a == c)
            if not m.any():
                continue
            idx = np.flatnonzero(m)
            last = st.last_use[c][s[idx]]
            blocked = (last != NEVER) & (day < add_months(last, months) + days)
            if blocked.any():
                st.note(day, s[idx[blocked]], c, Rule.NOT_APPLIED_COOLDOWN, ref=last[blocked])
            ok[idx[blocked]] = False
            st.last_use[c][s[idx[~blocked]]] = day
        s, a, v, cur = s[ok], a[ok], v[ok], cur[ok]
        if not len(s):
            return
        pts = t.points[a].astype(np.int64)
        if t.per_value.any():
            pv = t.per_value[a]
            pts = np.where(pv, np.rint(pts * v).astype(np.int64), pts)
        base = cur if st.raw is None else st.raw[s]
        new = np.minimum(base + pts, t.cap[a])
        raw = new
        rule = self.act_rule[a]
        if t.hi is not None or t.lo is not None:
            clipped = np.clip(new, t.lo, t.hi)
            at = clipped != new
            if at.any():
                rule = rule.copy()
                rule[at & (new > clipped)] = Rule.POINTS_AT_MAX
                rule[at & (new < clipped)] = Rule.POINTS_AT_MIN
            new = clipped
        delta = st.set_scores(day, s, new, a, rule, raw=raw)
        # What expires later: with clip = "total" the full change, even if a bound cut it.
        amount = raw - base if st.raw is not None else delta
        exp = t.expire_months[a] >= 0
        if exp.any():
            for act_i in np.unique(a[exp]):
                m = exp & (a == act_i) & (amount != 0)
                if m.any():
                    when = int(add_months(day, t.expire_months[act_i])) + int(t.expire_days[act_i])
                    ep = st.epoch[s[m]].copy() if st.epoch is not None else None
                    st.calendar.schedule(when, Expire(int(act_i), s[m].copy(), amount[m].copy(),
                                                      ep, day))

    def _triggers(self, day: int, s: np.ndarray) -> None:
        st = self.state
        assert st.score is not None  # triggers are checked only for a regime with a score
        for ti, (_, sign, thr, li) in enumerate(self.t.triggers):
            lt = self.t.lists[li]
            sc = st.score[s].astype(np.int64)
            hit = ((sc >= thr) if sign > 0 else (sc <= thr)) & ~st.listed(li, s)
            if not hit.any():
                continue
            hs = s[hit]
            if lt.resets_score:
                st.reset_points(day, hs, ti)
            st.enter(day, li, hs, SYSTEM_ACT, lt.trigger_months, lt.trigger_days, item=ti)

    # ------------------------------------------------------------------------ lists
    def _list_records(self, day: int, li: int, lt: ListTables, s: np.ndarray, a: np.ndarray,
                      v: np.ndarray, age: np.ndarray) -> np.ndarray:
        """Apply list acts of list ``li``; return which records it handled."""
        st = self.state
        handled = np.zeros(len(s), bool)
        rem = lt.is_removal[a]
        if rem.any():
            handled |= rem
            self._removal(day, li, lt, s[rem], a[rem])
        ext = lt.is_extension[a]
        if ext.any():
            handled |= ext
            self._extension(day, li, lt, s[ext], a[ext], v[ext])
        ent = lt.entry_months[a] != NOT_ENTRY
        if ent.any():
            handled |= ent
            if lt.min_age is not None:
                minor = ent & (age < lt.min_age)
                if minor.any():
                    st.note(day, s[minor], a[minor], Rule.IGNORED_MINOR, lst=li,
                            amount=np.floor(np.nan_to_num(age[minor])))
                ent &= ~minor
            for act_i in np.unique(a[ent]):
                m = ent & (a == act_i)
                st.enter(day, li, s[m], int(act_i), int(lt.entry_months[act_i]),
                         int(lt.entry_days[act_i]))
        return handled

    def _extension(self, day: int, li: int, lt: ListTables, es: np.ndarray, ea: np.ndarray,
                   ev: np.ndarray) -> None:
        st = self.state
        listed = st.listed(li, es)
        until, pending = st.list_until[li][es], st.list_pending[li][es]
        open_end = listed & (until == OPEN_END)
        pend = listed & ~open_end & (pending != NEVER)
        hi = np.inf if lt.ext_max is None else lt.ext_max
        # A bad value is ignored with a ledger line, not rejected on reading: the engine holds
        # the rule, so simulation and replay treat it alike.
        good_v = (ev >= lt.ext_min) & (ev <= hi) & (ev == np.floor(ev))
        do = listed & ~open_end & ~pend & good_v
        why = np.select([~listed, open_end, pend, ~do],
                        [Rule.IGNORED_EXTENSION_NOT_LISTED, Rule.IGNORED_EXTENSION_OPEN_END,
                         Rule.IGNORED_EXTENSION_PENDING, Rule.IGNORED_EXTENSION_VALUE], -1)
        bad = why >= 0
        if bad.any():
            st.note(day, es[bad], ea[bad], why[bad].astype(np.int16), lst=li,
                    ref=np.where(why[bad] == Rule.IGNORED_EXTENSION_PENDING, pending[bad], NEVER),
                    amount=ev[bad])
        if do.any():
            st.extend(day, li, es[do], ea[do], ev[do])

    def _removal(self, day: int, li: int, lt: ListTables, s: np.ndarray, a: np.ndarray) -> None:
        st = self.state
        listed = st.listed(li, s)
        pending, until = st.list_pending[li][s], st.list_until[li][s]
        pend = listed & (pending != NEVER)
        fixed = listed & (until != OPEN_END)
        blocked = fixed & ~pend & (not lt.early_removal)
        go = listed & ~pend & ~blocked
        why = np.select([~listed, pend, blocked], [Rule.IGNORED_REMOVAL_NOT_LISTED,
                                                   Rule.IGNORED_REMOVAL_PENDING,
                                                   Rule.IGNORED_REMOVAL_FIXED_TERM], -1)
        bad = why >= 0
        if bad.any():
            st.note(day, s[bad], a[bad], why[bad].astype(np.int16), lst=li,
                    ref=np.where(pend[bad], pending[bad], np.where(blocked[bad], until[bad], NEVER)))
        if go.any():
            when = int(add_working_days(day, lt.delay)) if lt.delay else day
            st.request_deletion(day, when, li, s[go], a[go], Rule.LIST_DELETE_SCHEDULED)


def plain_point_acts(t: Tables, points_like: np.ndarray) -> np.ndarray:
    """Acts the compiled sequential path can apply.

    Points and drop-to-band caps only: no lists, windows, expiry, conditions, cooldown or
    per-value points.
    """
    in_list = np.zeros(len(t.act_ids), bool)
    for lt in t.lists:
        in_list |= (lt.entry_months != NOT_ENTRY) | lt.is_extension | lt.is_removal
    in_window = np.zeros(len(t.act_ids), bool)
    for w in t.windows:
        in_window[[w[1], w[4]]] = True
    plain = (points_like & ~in_list & ~in_window & (t.expire_months < 0)
             & (t.req_max == NO_CAP) & (t.req_min == -NO_CAP) & ~t.per_value)
    for c in t.cooldown:
        plain[c] = False
    return plain


__all__ = ["NO_TERM", "PointRules", "plain_point_acts"]
