"""The rulebook engine: records in, ledger, scores, bands and list entries out.

One call of :meth:`Engine.step` applies one day. The order within a day is fixed:

1. calendar events due that day (points expiring, fixed terms ending, deletions taking effect),
   so a term or expiry that ends on a date no longer counts at the end of that date; then
   triggers, for the subjects those events touched;
2. the day's records, in file order per subject. Records are applied in *rank passes*: pass k
   applies the k-th record of every subject that has one, vectorised over subjects. That is
   exactly sequential application per subject (caps, bounds and lists depend on order) at the
   cost of a few array operations per pass, not per record;
3. per record: list removals, extensions and entries, then points (conditions, drop-to-band
   caps, score bounds), then rolling windows (which may emit derived records), then triggers.

Every change writes a ledger line whose ``delta`` is the change actually applied, so a score
always equals its initial value plus the sum of its ledger deltas.
"""

from __future__ import annotations

import numpy as np

from scslab.dates import add_months, add_working_days, iso
from scslab.regime._kernels import apply_points
from scslab.regime.computed import build_extension
from scslab.regime.ledger import NO_SCORE, SYSTEM_ACT, Ledger
from scslab.regime.schema import Rulebook
from scslab.regime.tables import NO_CAP, NO_TERM, NOT_ENTRY, Tables, compile_rulebook

NEVER = np.iinfo(np.int32).min // 2  # "no such day" (not listed, never used)
OPEN_END = np.iinfo(np.int32).max  # end day of a listing with no fixed term


class ListState:
    """Membership of one list, per subject: since/until/pending day, term months and days.

    ``until`` is ``add_months(since, months) + days`` for a fixed term (kept so that an extension
    recomputes the end from the listing day: 29 Feb + 1y + 3y is 29 Feb, not 28 Feb).
    """

    def __init__(self, n: int) -> None:
        self.since = np.full(n, NEVER, np.int32)
        self.until = np.full(n, NEVER, np.int32)
        self.months = np.zeros(n, np.int32)
        self.days = np.zeros(n, np.int32)
        self.pending = np.full(n, NEVER, np.int32)
        self.size = 0

    def listed(self, s: np.ndarray) -> np.ndarray:
        """Whether subjects ``s`` are on the list."""
        return self.since[s] != NEVER


class Engine:
    """Applies records to the files of ``n_subjects`` subjects under one rulebook.

    Args:
        rulebook: a checked rulebook.
        n_subjects: number of subject rows.
        keep_ledger: store ledger lines (False counts them only, for benchmarks).
    """

    def __init__(self, rulebook: Rulebook, n_subjects: int, keep_ledger: bool = True) -> None:
        self.rulebook = rulebook
        self.n_subjects = n_subjects
        self.keep_ledger = keep_ledger

    # ------------------------------------------------------------------ setup
    def init(self) -> Engine:
        """Allocate the state: every subject at the initial score, on no list."""
        t: Tables = compile_rulebook(self.rulebook)
        n = self.n_subjects
        self.t = t
        self.ledger = Ledger(self.keep_ledger)
        self.score = np.full(n, t.initial, np.int32) if t.has_score else None
        self.lists = [ListState(n) for _ in t.lists]
        self.last_use = {a: np.full(n, NEVER, np.int32) for a in t.cooldown}
        self.windows = [np.full((n, max(w[3], 1)), NEVER, np.int32) for w in t.windows]
        self.epoch = np.zeros(n, np.int32) if any(x.resets_score for x in t.lists) else None
        # clip = "total": the unclipped total of the points that count; the score is it, clipped.
        bounded = t.lo is not None or t.hi is not None
        self.raw = np.full(n, t.initial, np.int64) if t.has_score and t.clip_total and bounded \
            else None
        self.calendar: dict[int, list[tuple]] = {}
        self._stamp = np.zeros(n, np.int32)  # scratch for O(k) de-duplication
        nb = len(t.band_labels)
        self.band_counts = np.zeros(nb + 1, np.int64)  # last slot: no band
        if n:  # everyone starts alike: initial score, on no list
            self.band_counts[self._band_idx(np.zeros(1, np.int64))[0]] = n
        self.score_sum = n * t.initial
        act_rule = []
        for i in range(len(t.act_ids)):
            cap = t.cap_band[i]
            act_rule.append(self.ledger.code(
                f"drop to band {cap} (at most {t.cap[i]})" if cap else "points"))
        self._act_rule = np.array(act_rule, np.int32)
        self._points_like = (t.points != 0) | (t.cap != NO_CAP)
        # Days whose records are all plain point acts can take the compiled sequential path.
        in_list = np.zeros(len(t.act_ids), bool)
        for lt in t.lists:
            in_list |= (lt.entry_months != NOT_ENTRY) | lt.is_extension | lt.is_removal
        in_window = np.zeros(len(t.act_ids), bool)
        for w in t.windows:
            in_window[[w[1], w[4]]] = True
        self._plain = (self._points_like & ~in_list & ~in_window & (t.expire_months < 0)
                       & (t.req_max == NO_CAP) & (t.req_min == -NO_CAP) & ~t.per_value)
        for c in t.cooldown:
            self._plain[c] = False
        self._compiled_ok = (t.has_score and not t.triggers and not t.windows and self.raw is None
                             and all(lt.band < 0 for lt in t.lists) and len(t.band_labels) == t.n_score_bands)
        self._points64 = t.points.astype(np.int64)
        big = np.iinfo(np.int64).max // 4
        self._lo = -big if t.lo is None else t.lo
        self._hi = big if t.hi is None else t.hi
        # Computed scores (kind "factor" or "evaluation") are recomputed on update days by an
        # extension (scslab.regime.computed); None for point scores.
        self.ext = build_extension(self)
        return self

    # ---------------------------------------------------------------- queries
    def _band_idx(self, s: np.ndarray) -> np.ndarray:
        """Band index of subjects ``s`` (len(band_labels) = no band)."""
        t = self.t
        nb = len(t.band_labels)
        if t.has_score and t.n_score_bands:
            k = np.searchsorted(t.band_asc, self.score[s], side="right")
            if t.bottom_open:
                b = t.n_score_bands - 1 - k
            else:
                b = np.where(k == 0, nb, t.n_score_bands - k)
        else:
            b = np.full(len(s), nb, np.int64)
        for lt, ls in zip(t.lists, self.lists, strict=True):
            if lt.band >= 0:
                b = np.where(ls.listed(s), lt.band, b)
        return b

    def bands(self, s: np.ndarray | None = None) -> np.ndarray:
        """Band labels (object array; ``""`` for none) of subjects ``s`` (default all)."""
        s = np.arange(self.n_subjects) if s is None else np.asarray(s)
        labels = np.array([*self.t.band_labels, ""], dtype=object)
        return labels[self._band_idx(s)]

    def list_ids(self, s: int) -> list[str]:
        """Sorted ids of the lists subject ``s`` is on."""
        return sorted(lt.id for lt, ls in zip(self.t.lists, self.lists, strict=True)
                      if ls.since[s] != NEVER)

    def consequences(self, s: int) -> tuple[list[str], list[str]]:
        """Sorted (restrictions, privileges) that hold for subject ``s`` now."""
        band = self.bands(np.array([s]))[0]
        lists = set(self.list_ids(s))
        r: set[str] = set()
        p: set[str] = set()
        for c in self.rulebook.consequences:
            if (c.band is not None and c.band == band) or (c.list is not None and c.list in lists):
                r.update(c.restrictions)
                p.update(c.privileges)
        return sorted(r), sorted(p)

    def next_due(self) -> int | None:
        """The earliest day with a calendar event (or a computed score's update), or None."""
        due = min(self.calendar) if self.calendar else None
        upd = None if self.ext is None else self.ext.next_due()
        return due if upd is None else upd if due is None else min(due, upd)

    # ------------------------------------------------------------------- step
    def step(self, day: int, subj=None, act=None, value=None, age=None) -> np.ndarray:
        """Apply day ``day``: due calendar events, then records (file order), then, for a
        computed score on its update day, the update of every score.

        Args:
            day: day number.
            subj, act: int arrays, one entry per record.
            value: float array (default 1 per record).
            age: float array, the subject's age [years] (NaN = unknown).

        Returns:
            The subjects whose file the day touched (each at least once; may repeat).
        """
        touched = self._step_day(day, subj, act, value, age)
        if self.ext is None:
            return touched
        # O(records) except on update days (see scslab.regime.computed).
        return self.ext.after_day(self, day, subj, act, value, age, touched)

    def _step_day(self, day: int, subj=None, act=None, value=None, age=None) -> np.ndarray:
        """:meth:`step` without the computed-score extension."""
        subj = np.zeros(0, np.int64) if subj is None else np.asarray(subj, np.int64)
        due = self.calendar.pop(day, [])
        if not len(subj) and not due:
            return subj
        if not due and self._compiled_ok:
            act = np.asarray(act, np.int64)
            if self._plain[act].all():
                return self._step_compiled(day, subj, act)
        parts = [subj] + [ev[2] for ev in due]
        touched = self._distinct(np.concatenate(parts) if len(parts) > 1 else subj)
        nb = len(self.t.band_labels) + 1
        before = self._band_idx(touched)
        s_before = self.score[touched].sum(dtype=np.int64) if self.score is not None else 0
        for ev in due:
            self._calendar_event(day, ev)
        if due and self.score is not None and self.t.triggers:
            # A trigger's condition can come to hold without a record: points gathered while on
            # the list meet it when the term ends (a licence is not returned at 8 points).
            self._triggers(day, self._distinct(np.concatenate([ev[2] for ev in due])))
        if len(subj):
            k = len(subj)
            act = np.asarray(act, np.int64)
            value = np.ones(k) if value is None else np.asarray(value, np.float64)
            age = np.full(k, np.nan) if age is None else np.asarray(age, np.float64)
            self._apply_records(day, subj, act, value, age)
        after = self._band_idx(touched)
        self.band_counts += np.bincount(after, minlength=nb) - np.bincount(before, minlength=nb)
        if self.score is not None:
            self.score_sum += int(self.score[touched].sum(dtype=np.int64) - s_before)
        return touched

    def _step_compiled(self, day: int, subj: np.ndarray, act: np.ndarray) -> np.ndarray:
        """Plain point records, applied in order by the compiled kernel (see ``_kernels``).

        Returns the records' subjects, which may repeat (cheaper than de-duplicating them).
        """
        t = self.t
        delta, after, flag, total = apply_points(
            subj, act, self.score, self._points64, t.cap, self._lo, self._hi, t.band_asc,
            t.n_score_bands, t.bottom_open, self.band_counts)
        self.score_sum += int(total)
        if self.ledger.keep:
            rule = self._act_rule[act]
            if flag.any():
                rule = rule.copy()
                rule[flag == 1] = self.ledger.code(f"points, limited by the maximum score {t.hi}")
                rule[flag == 2] = self.ledger.code(f"points, limited by the minimum score {t.lo}")
            self.ledger.add(day, subj, act, delta, after, rule)
        else:
            self.ledger.n_lines += len(subj)
        return subj

    def _first(self, s: np.ndarray) -> np.ndarray:
        """Mask of the first occurrence of each subject in ``s``, in O(len(s)) without sorting."""
        pos = np.arange(len(s), dtype=np.int32)
        # Scatter positions in reverse so the first occurrence's position is the one that stays.
        self._stamp[s[::-1]] = pos[::-1]
        return self._stamp[s] == pos

    def _distinct(self, s: np.ndarray) -> np.ndarray:
        """The distinct subjects of ``s``, in order of first occurrence."""
        return s[self._first(s)]

    def _apply_records(self, day, subj, act, value, age) -> None:
        # Pass k applies the k-th record (file order) of every subject that has one.
        first = self._first(subj)
        if first.all():
            self._apply_unique(day, subj, act, value, age)
            return
        rest = np.arange(len(subj))
        f = first
        while True:
            sel = rest[f]
            self._apply_unique(day, subj[sel], act[sel], value[sel], age[sel])
            rest = rest[~f]
            if not len(rest):
                break
            f = self._first(subj[rest])

    def _apply_unique(self, day, s, a, v, age) -> None:
        """Apply one record to each of the (distinct) subjects ``s``."""
        t = self.t
        handled = np.zeros(len(s), bool)
        for li, lt in enumerate(t.lists):
            handled |= self._list_records(day, li, lt, s, a, v, age)
        if self.score is not None:
            pm = self._points_like[a]
            if pm.any():
                self._points(day, s[pm], a[pm], v[pm])
                handled |= pm
        emitted_s, emitted_a, emitted_age = [], [], []
        for wi, (wid, wact, wdays, more, emit) in enumerate(t.windows):
            m = a == wact
            if not m.any():
                continue
            handled |= m  # counted in a window: the window's ledger line says so
            ws = s[m]
            ring = self.windows[wi]
            lo = day - wdays + 1  # first day of the window [day - days + 1, day]
            # ring holds the days of the last `more` records; the oldest is column 0. This record
            # makes the count exceed `more` iff the `more`-th previous one is still in the window
            # (records arrive in day order), so every such record emits: no reset after emitting.
            hit = (ring[ws, 0] >= lo) if more > 0 else np.ones(len(ws), bool)
            if more > 0:
                ring[ws, :-1] = ring[ws, 1:]
                ring[ws, -1] = day
            led, act_id, emit_id = self.ledger, t.act_ids[wact], t.act_ids[emit]
            if hit.any():
                led.add(day, ws[hit], wact, 0, self._score_of(ws[hit]), led.code(
                    f"window {wid}: more than {more} {act_id} in {wdays} days, emits {emit_id}"))
            if not hit.all():
                # Without a hit every record still in the ring is in the window: an exact count.
                count = (ring[ws[~hit]] >= lo).sum(axis=1)
                for k in np.unique(count):
                    c = ~hit
                    c[c] = count == k
                    led.add(day, ws[c], wact, 0, self._score_of(ws[c]), led.code(
                        f"window {wid}: {k} {act_id} in {wdays} days (emits above {more})"))
            emitted_s.append(ws[hit])
            emitted_a.append(np.full(int(hit.sum()), emit, np.int64))
            emitted_age.append(age[m][hit])
        rec = ~handled
        if rec.any():
            self.ledger.add(day, s[rec], a[rec], 0, self._score_of(s[rec]),
                            self.ledger.code("recorded (no effect on score or lists)"))
        if self.score is not None and t.triggers:
            self._triggers(day, s)
        if emitted_s:
            es = np.concatenate(emitted_s)
            if len(es):
                # Two windows may emit for the same subject: rank passes keep that sequential.
                # A derived record has value 1 and the age of the record that caused it.
                self._apply_records(day, es, np.concatenate(emitted_a), np.ones(len(es)),
                                    np.concatenate(emitted_age))

    def _ignored(self, day, s, a, mask, keys, text) -> None:
        """Ledger lines for the records ``mask`` selects, one rule text per distinct key.

        Grouping by key keeps this proportional to distinct reasons, not to records.
        """
        if not mask.any():
            return
        s, a, keys = s[mask], a[mask], np.broadcast_to(keys, mask.shape)[mask]
        for k in np.unique(keys):
            m = keys == k
            self.ledger.add(day, s[m], a[m], 0, self._score_of(s[m]), self.ledger.code(text(k)))

    def _score_of(self, s):
        return self.score[s] if self.score is not None else NO_SCORE

    # ----------------------------------------------------------------- points
    def _points(self, day, s, a, v) -> None:
        t, led = self.t, self.ledger
        cur = self.score[s].astype(np.int64)
        ok = np.ones(len(s), bool)
        fail_max = cur > t.req_max[a]
        fail_min = cur < t.req_min[a]
        for i in np.flatnonzero(fail_max | fail_min):
            why = (f"not applied: {t.act_ids[a[i]]} requires a score of at most "
                   f"{t.req_max[a[i]]}" if fail_max[i] else
                   f"not applied: {t.act_ids[a[i]]} requires a score of at least {t.req_min[a[i]]}")
            led.add(day, s[i:i + 1], a[i], 0, cur[i], led.code(why))
        ok &= ~(fail_max | fail_min)
        for c, (months, days) in t.cooldown.items():
            m = ok & (a == c)
            if not m.any():
                continue
            last = self.last_use[c][s[m]]
            blocked = (last != NEVER) & (day < add_months(last, months) + days)
            for i in np.flatnonzero(m)[blocked]:
                led.add(day, s[i:i + 1], c, 0, cur[i], led.code(
                    f"not applied: {t.act_ids[c]} at most once per "
                    f"{months // 12}y{months % 12}m, last on {iso(self.last_use[c][s[i]])}"))
            ok[np.flatnonzero(m)[blocked]] = False
            used = np.flatnonzero(m)[~blocked]
            self.last_use[c][s[used]] = day
        s, a, v, cur = s[ok], a[ok], v[ok], cur[ok]
        if not len(s):
            return
        pts = t.points[a].astype(np.int64)
        if t.per_value.any():
            pv = t.per_value[a]
            pts = np.where(pv, np.rint(pts * v).astype(np.int64), pts)
        base = cur if self.raw is None else self.raw[s]
        new = np.minimum(base + pts, t.cap[a])
        if self.raw is not None:
            amount = new - base  # what expires later: the full change, even if a bound cuts it
            self.raw[s] = new
        rule = self._act_rule[a]
        if t.hi is not None or t.lo is not None:
            clipped = np.clip(new, t.lo, t.hi)
            at = clipped != new
            if at.any():
                rule = rule.copy()
                hi_hit, lo_hit = at & (new > clipped), at & (new < clipped)
                rule[hi_hit] = led.code(f"points, limited by the maximum score {t.hi}")
                rule[lo_hit] = led.code(f"points, limited by the minimum score {t.lo}")
            new = clipped
        self.score[s] = new
        delta = new - cur
        led.add(day, s, a, delta, new, rule)
        if self.raw is None:
            amount = delta
        # Points that expire are scheduled to be taken back on their expiry date.
        exp = t.expire_months[a] >= 0
        if exp.any():
            for act_i in np.unique(a[exp]):
                m = exp & (a == act_i) & (amount != 0)
                if m.any():
                    when = int(add_months(day, t.expire_months[act_i])) + int(t.expire_days[act_i])
                    ep = self.epoch[s[m]].copy() if self.epoch is not None else None
                    self._schedule(when, ("expire", int(act_i), s[m].copy(), amount[m].copy(), ep,
                                          day))

    def _triggers(self, day, s) -> None:
        for tid, sign, thr, li in self.t.triggers:
            ls, lt = self.lists[li], self.t.lists[li]
            sc = self.score[s].astype(np.int64)
            hit = ((sc >= thr) if sign > 0 else (sc <= thr)) & ~ls.listed(s)
            if not hit.any():
                continue
            hs = s[hit]
            if lt.resets_score:
                cur = self.score[hs].astype(np.int64)
                self.score[hs] = self.t.initial
                if self.raw is not None:
                    self.raw[hs] = self.t.initial
                if self.epoch is not None:
                    self.epoch[hs] += 1
                self.ledger.add(day, hs, SYSTEM_ACT, self.t.initial - cur, self.t.initial,
                                self.ledger.code(f"trigger {tid}: all points erased"))
            self._enter(day, li, hs, SYSTEM_ACT, lt.trigger_months, lt.trigger_days,
                        f"trigger {tid}: ")

    # ------------------------------------------------------------------ lists
    def _list_records(self, day, li, lt, s, a, v, age) -> np.ndarray:
        """Apply list acts of list ``li``; return which records it handled."""
        handled = np.zeros(len(s), bool)
        led, ls = self.ledger, self.lists[li]
        rem = lt.is_removal[a]
        if rem.any():
            handled |= rem
            self._removal(day, li, lt, s[rem], a[rem])
        ext = lt.is_extension[a]
        if ext.any():
            handled |= ext
            es, ea, ev = s[ext], a[ext], v[ext]
            listed = ls.listed(es)
            open_end = listed & (ls.until[es] == OPEN_END)
            pend = listed & ~open_end & (ls.pending[es] != NEVER)
            hi = np.inf if lt.ext_max is None else lt.ext_max
            # A bad value is ignored with a ledger line, not rejected on reading: the engine holds
            # the rule, so simulation and replay treat it alike.
            good_v = (ev >= lt.ext_min) & (ev <= hi) & (ev == np.floor(ev))
            do = listed & ~open_end & ~pend & good_v
            span = f"{lt.ext_min}" + ("+" if lt.ext_max is None else f"-{lt.ext_max}")
            head = f"ignored: {lt.id} extension: "
            self._ignored(day, es, ea, ~listed, 0, lambda _: head + "not on the list")
            self._ignored(day, es, ea, open_end, 0,
                          lambda _: head + "the listing has no fixed term to extend")
            self._ignored(day, es, ea, pend, ls.pending[es], lambda d: head +
                          f"the term has ended; deletion pending for {iso(d)}")
            self._ignored(day, es, ea, listed & ~open_end & ~pend & ~good_v, ev, lambda x: head +
                          f"value {x:g} is not a whole number of years in {span}")
            if do.any():
                ds, da, years = es[do], ea[do], ev[do].astype(np.int32)
                # The end is recomputed from the listing day over the whole term (N years after
                # listing, 28 Feb where 29 Feb does not exist); the old term_end event goes stale.
                ls.months[ds] += 12 * years
                ls.until[ds] = add_months(ls.since[ds], ls.months[ds]) + ls.days[ds]
                pairs = np.stack([ls.until[ds].astype(np.int64), years.astype(np.int64)], axis=1)
                for end, y in np.unique(pairs, axis=0):
                    m = (ls.until[ds] == end) & (years == y)
                    self._schedule(int(end), ("term_end", li, ds[m].copy()))
                    led.add(day, ds[m], da[m], 0, self._score_of(ds[m]), led.code(
                        f"{lt.id}: term extended by {y} year{'s' if y != 1 else ''} to {iso(end)}"))
        ent = lt.entry_months[a] != NOT_ENTRY
        if ent.any():
            handled |= ent
            minor = ent & (age < lt.min_age) if lt.min_age is not None else np.zeros(len(s), bool)
            self._ignored(day, s, a, minor, np.floor(np.nan_to_num(age)).astype(np.int64),
                          lambda y: f"ignored: {lt.id} never lists a subject under {lt.min_age} "
                                    f"(age {y})")
            ent &= ~minor
            for act_i in np.unique(a[ent]):
                m = ent & (a == act_i)
                self._enter(day, li, s[m], int(act_i), int(lt.entry_months[act_i]),
                            int(lt.entry_days[act_i]), "")
        return handled

    def _enter(self, day, li, s, act_i, months, days, prefix) -> None:
        lt, ls, led = self.t.lists[li], self.lists[li], self.ledger
        end = OPEN_END if months == NO_TERM else int(add_months(day, months)) + days
        listed = ls.listed(s)
        new, old = s[~listed], s[listed]
        until_txt = "no fixed term" if end == OPEN_END else f"until {iso(end)}"
        term_m, term_d = (0, 0) if months == NO_TERM else (months, days)
        if len(new):
            ls.since[new], ls.until[new], ls.pending[new] = day, end, NEVER
            ls.months[new], ls.days[new] = term_m, term_d
            ls.size += len(new)
            led.add(day, new, act_i, 0, self._score_of(new),
                    led.code(f"{prefix}entered {lt.id} ({until_txt})"))
        if len(old):
            # A listing act while listed (one listing per subject: records name no case).
            # Assumption, as the sources do not say how concurrent listings combine:
            # - deletion pending (term ended or removal act): the pending deletion is cancelled
            #   and the act starts a fresh listing with its own term (since = today);
            # - otherwise the later end wins (no fixed term beats any end); when the new act's
            #   end is later, the listing restarts today with the new act's term, so a later
            #   extension counts from today.
            keep_end = ls.until[old]
            pend = ls.pending[old] != NEVER
            later = np.where(keep_end == OPEN_END, False,
                             (end == OPEN_END) | (end > keep_end))
            renew = pend | later
            r = old[renew]
            ls.since[r], ls.until[r], ls.months[r], ls.days[r] = day, end, term_m, term_d
            for i in range(len(old)):
                was = "no fixed term" if keep_end[i] == OPEN_END else f"until {iso(keep_end[i])}"
                why = (f"deletion pending for {iso(ls.pending[old[i]])} cancelled; new listing "
                       f"({until_txt})" if pend[i] else
                       f"the later end wins: now {until_txt} (was {was})" if later[i] else
                       f"the running listing ({was}) ends no earlier; unchanged")
                led.add(day, old[i:i + 1], act_i, 0, self._score_of(old[i:i + 1]),
                        led.code(f"{prefix}listed again on {lt.id}: {why}"))
            ls.pending[old] = NEVER
        if end != OPEN_END:
            self._schedule(end, ("term_end", li, s.copy()))

    def _removal(self, day, li, lt, s, a) -> None:
        ls, led = self.lists[li], self.ledger
        listed = ls.listed(s)
        pend = listed & (ls.pending[s] != NEVER)
        fixed = listed & (ls.until[s] != OPEN_END)
        blocked = fixed & ~pend & (not lt.early_removal)
        go = listed & ~pend & ~blocked
        head = f"ignored: {lt.id} removal: "
        self._ignored(day, s, a, ~listed, 0, lambda _: head + "not on the list")
        self._ignored(day, s, a, pend, ls.pending[s],
                      lambda d: head + f"deletion already pending for {iso(d)}")
        self._ignored(day, s, a, blocked, ls.until[s],
                      lambda d: head + f"fixed term runs to {iso(d)}; early deletion is off")
        if go.any():
            gs, ga = s[go], a[go]
            when = int(add_working_days(day, lt.delay)) if lt.delay else day
            after = f" (working day {lt.delay} after {iso(day)})" if lt.delay else ""
            led.add(day, gs, ga, 0, self._score_of(gs),
                    led.code(f"{lt.id}: deletion requested, effective {iso(when)}{after}"))
            self._delete_or_schedule(day, when, li, gs)

    def _delete_or_schedule(self, day, when, li, s) -> None:
        ls = self.lists[li]
        if when == day:
            self._delete(day, li, s)
        else:
            ls.pending[s] = when
            self._schedule(when, ("delete", li, s.copy()))

    def _delete(self, day, li, s) -> None:
        ls, lt = self.lists[li], self.t.lists[li]
        ls.since[s] = ls.until[s] = ls.pending[s] = NEVER
        ls.size -= len(s)
        self.ledger.add(day, s, SYSTEM_ACT, 0, self._score_of(s),
                        self.ledger.code(f"deleted from {lt.id}"))

    # --------------------------------------------------------------- calendar
    def _schedule(self, day: int, event: tuple) -> None:
        self.calendar.setdefault(int(day), []).append(event)

    def _calendar_event(self, day, ev) -> None:
        kind = ev[0]
        if kind == "expire":
            _, act_i, s, amount, ep, made = ev
            if self.epoch is not None:
                live = self.epoch[s] == ep
                s, amount = s[live], amount[live]
            if not len(s):
                return
            cur = self.score[s].astype(np.int64)
            new = (cur if self.raw is None else self.raw[s]) - amount
            if self.raw is not None:
                self.raw[s] = new
            if self.t.lo is not None or self.t.hi is not None:
                new = np.clip(new, self.t.lo, self.t.hi)
            self.score[s] = new
            self.ledger.add(day, s, act_i, new - cur, new, self.ledger.code(
                f"expired: points of {self.t.act_ids[act_i]} recorded {iso(made)}"))
        elif kind == "term_end":
            _, li, s = ev
            ls, lt = self.lists[li], self.t.lists[li]
            s = s[(ls.until[s] == day) & (ls.pending[s] == NEVER)]
            if not len(s):
                return
            when = int(add_working_days(day, lt.delay)) if lt.delay else day
            after = f" (working day {lt.delay} after {iso(day)})" if lt.delay else ""
            self.ledger.add(day, s, SYSTEM_ACT, 0, self._score_of(s), self.ledger.code(
                f"{lt.id}: term ended, deletion effective {iso(when)}{after}"))
            self._delete_or_schedule(day, when, li, s)
        elif kind == "delete":
            _, li, s = ev
            s = s[self.lists[li].pending[s] == day]
            if len(s):
                self._delete(day, li, s)
