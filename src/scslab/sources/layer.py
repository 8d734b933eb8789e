"""The sources layer: declared sources turn the day's acts into records that arrive later.

Per day, in this order (work in proportion to the day's acts and false records):

1. each act is seen by its source when its *luck* (as a uniform) falls below the source's
   detection for the day and the subject is covered (as :mod:`scslab.sources.detection` does
   for the default source, which sees every act no declared source observes, fully covered);
2. each source with false positives attributes, per act, a Poisson(rate x subjects) number of
   candidate records to uniformly drawn subjects; those it covers keep theirs. Thinning a
   Poisson count this way leaves Poisson(rate x covered subjects) false records;
3. each record of a source with a delay is held in the bucket of its arrival day;
4. the records arriving today are those due from the buckets (oldest first), then today's.

A subject is covered when a keyed uniform of (subject) for the source falls below its group's
share; the schedule's factor of the day scales the share or the detection (capped at 1). Every
draw is keyed by subject, day and act or luck, so nothing depends on how subjects are
partitioned. Records carry their source and whether they are true; regimes are handed neither.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import njit

from scslab.dates import to_day
from scslab.rng import Keyed, Streams, philox, u01, uniform
from scslab.society import Society
from scslab.sources.plan import SourcesPlan
from scslab.sources.spec import SEXES, DelayDist, SourceSpec

DAYS_PER_YEAR = 365.25  # a schedule's years are of this length [days]
_DIST = {"fixed": 0, "uniform": 1, "exponential": 2}

ValueOf = Callable[[int, np.ndarray, np.ndarray, np.ndarray], np.ndarray | None]


@dataclass(frozen=True)
class Arrivals:
    """Records arriving today.

    Each has its subject, act, luck, value (None: all 1), the act's day index ``act_k``, its
    ``source`` (0 default, i + 1 the i-th declared) and whether it is ``true``.
    """

    subject: np.ndarray
    act: np.ndarray
    luck: np.ndarray
    value: np.ndarray | None
    act_k: np.ndarray
    source: np.ndarray
    true: np.ndarray

    def __len__(self) -> int:
        return len(self.subject)


@njit(cache=True, nogil=True)
def _seen(act, luck, det):
    out = np.empty(act.shape[0], np.bool_)
    for i in range(act.shape[0]):
        out[i] = u01(luck[i]) < det[act[i]]
    return out


@njit(cache=True, nogil=True)
def _covered(subj, share, k0, k1, sid):
    """Whether each subject is covered: its keyed uniform (subject, 0, 0) is below its share."""
    out = np.empty(subj.shape[0], np.bool_)
    for i in range(subj.shape[0]):
        out[i] = uniform(k0, k1, sid, subj[i], 0, 0) < share[i]
    return out


@njit(cache=True, nogil=True)
def _delays(subj, day, luck, code, a, b, k0, k1, sid):
    """Whole days of delay per record, keyed by (subject, day, luck)."""
    out = np.empty(subj.shape[0], np.int64)
    for i in range(subj.shape[0]):
        u = uniform(k0, k1, sid, subj[i], day, luck[i])
        if code == 0:
            out[i] = int(a)
        elif code == 1:
            out[i] = int(a) + min(int(u * (b - a + 1.0)), int(b - a))
        else:
            out[i] = int(-a * np.log(u))
    return out


@njit(cache=True, nogil=True)
def _candidates(n, lo, count, day, act, k0, k1, sid):
    """``n`` candidate subjects in ``lo .. lo + count - 1`` and their luck, keyed (j, day, act)."""
    subj = np.empty(n, np.int64)
    luck = np.empty(n, np.uint32)
    for j in range(n):
        x0, x1, _, _ = philox(j, day, act, sid, k0, k1)
        subj[j] = lo + ((np.uint64(x0) * np.uint64(count)) >> np.uint64(32))
        luck[j] = x1
    return subj, luck


def delay_code(d: DelayDist) -> tuple[int, float, float]:
    """(kind, a, b) of a delay for the kernel: fixed (days), uniform (low, high), exp (mean)."""
    if d.dist == "fixed":
        return 0, float(d.days or 0), 0.0
    if d.dist == "uniform":
        return 1, float(d.low or 0), float(d.high or 0)
    return 2, float(d.mean_days or 0.0), 0.0


def draw_delays(stream: Keyed, d: DelayDist, subj: np.ndarray, day: int,
                luck: np.ndarray) -> np.ndarray:
    """Whole days of delay of ``d`` per (subject, day, luck), from ``stream``."""
    code, a, b = delay_code(d)
    return _delays(np.asarray(subj, np.int64), day, np.asarray(luck, np.int64), code, a, b,
                   stream.k0, stream.k1, stream.sid)


def growth(spec: SourceSpec, day: int) -> float:
    """The schedule's factor on ``day`` (1 without a schedule)."""
    s = spec.schedule
    if s is None:
        return 1.0
    a = to_day(_dt.date.fromisoformat(s.start))
    b = to_day(_dt.date.fromisoformat(s.end))
    t = min(max(day, a), b) - a
    return float((1.0 + s.growth_per_year) ** (t / DAYS_PER_YEAR))


class _Source:
    """One declared source's compiled state."""

    def __init__(self, spec: SourceSpec, sid: str, society: Society, streams: Streams,
                 act_ids: list[str], org_only: np.ndarray) -> None:
        self.spec = spec
        self.cover = streams.keyed(f"sources.{sid}.coverage")
        self.delay = streams.keyed(f"sources.{sid}.delay")
        self.false = streams.keyed(f"sources.{sid}.false")  # the day's count, per act
        self.who = streams.keyed(f"sources.{sid}.false.who")  # each candidate's subject and luck
        cov = spec.coverage
        # Share per group index; the last slot is the share of subjects in no group.
        if cov.by == "region":
            self.names: list[str] = list(society.region_codes)
            self.group: np.ndarray | None = np.concatenate([society.region, society.org_region]) \
                .astype(np.int64)
        elif cov.by == "sex":
            self.names = list(SEXES)
            self.group = np.concatenate([society.sex.astype(np.int64),
                                         np.full(society.n_orgs, len(SEXES), np.int64)])
        else:
            self.names, self.group = [], None
        self.grows = bool(spec.schedule and spec.schedule.applies_to == "coverage")
        self.recover(cov.share, dict(cov.groups))
        self.fp = [(act_ids.index(a), r) for a, r in spec.false_positives.items() if r > 0]
        n_p, n_o = society.n_persons, society.n_orgs
        # False records fall on the subjects who commit the act: organisations for an act only
        # organisations commit, persons otherwise.
        self.fp_rows = [(n_p, n_o) if org_only[a] else (0, n_p) for a, _ in self.fp]

    def recover(self, share: float, groups: dict[str, float]) -> None:
        """Cover ``share`` of the subjects in no named group and ``groups[g]`` of group ``g``.

        Who is covered stays fixed by one keyed uniform per subject, so a larger share adds
        subjects and a smaller one drops some, never swapping them.
        """
        self.share, self.groups = share, dict(groups)
        self.shares = np.array([groups.get(c, share) for c in self.names] + [share])
        self.full = bool((self.shares >= 1).all()) and not self.grows

    def covered(self, subj: np.ndarray, factor: float) -> np.ndarray:
        """Whether the source sees subjects ``subj`` today (coverage grown by ``factor``)."""
        if self.full:
            return np.ones(len(subj), bool)
        g = np.zeros(len(subj), np.int64) if self.group is None else self.group[subj]
        share = np.minimum(self.shares[g] * factor, 1.0)
        return _covered(np.asarray(subj, np.int64), share, self.cover.k0, self.cover.k1,
                        self.cover.sid)


class SourceLayer:
    """Declared sources with coverage, schedules, false positives and delays.

    Args:
        plan: the checked sources.
        detection: per act, its detection before schedules (resolve: the source's or default's).
        org_only: per act, only organisations commit it (their false records fall on them).
        society, streams: the run's.
        start, n_days: the run's first day number and length.
    """

    def __init__(self, plan: SourcesPlan, detection: np.ndarray, org_only: np.ndarray,
                 society: Society, streams: Streams, act_ids: list[str], start: int,
                 n_days: int) -> None:
        self.plan = plan
        self.detection = detection
        self.src = [_Source(sp, sid, society, streams, act_ids, org_only)
                    for sid, sp in zip(plan.ids, plan.specs, strict=True)]
        self.source_of = plan.source_of
        self.start, self.n_days = start, n_days
        S = len(self.src) + 1
        self.by_source = np.zeros((n_days, S), np.int64)  # records arriving, per source
        self.false_by_source = np.zeros((n_days, S), np.int64)  # false ones among them
        self.pending = np.zeros(n_days, np.int64)  # records held back at the end of the day
        self._held = 0  # records detected and not yet arrived (also those due past the end)
        self.buckets: dict[int, list[Arrivals]] = {}

    def set_detection(self, detection: np.ndarray) -> None:
        """From now on, each act's detection before schedules is ``detection`` (a timeline)."""
        self.detection = detection

    def set_coverage(self, i: int, share: float | None, groups: dict[str, float] | None) -> None:
        """From now on, declared source ``i`` covers ``share`` and ``groups`` (None: unchanged)."""
        s = self.src[i]
        s.recover(s.share if share is None else share, {**s.groups, **(groups or {})})

    def _factors(self, day: int) -> tuple[np.ndarray, list[float]]:
        """Today's detection per act and coverage factor per source."""
        det = self.detection.copy()
        cover = []
        for i, s in enumerate(self.src):
            f = growth(s.spec, day)
            sch = s.spec.schedule
            if sch is not None and sch.applies_to == "detection":
                mine = self.source_of == i
                det[mine] = np.minimum(det[mine] * f, 1.0)
            cover.append(f if sch is not None and sch.applies_to == "coverage" else 1.0)
        return det, cover

    def observe(self, k: int, subj: np.ndarray, act: np.ndarray, luck: np.ndarray,
                occurred: np.ndarray, recorded: np.ndarray, value_of: ValueOf) -> Arrivals:
        """The records arriving on day index ``k`` (counts per act go to the two arrays)."""
        day = self.start + k
        A = len(occurred)
        occurred += np.bincount(act, minlength=A)
        det, cover = self._factors(day)
        keep = _seen(act, luck, det)
        src = self.source_of[act]
        for i, s in enumerate(self.src):
            m = keep & (src == i)
            if m.any() and not s.full:
                keep[m] = s.covered(subj[m], cover[i])
        fresh = [self._records(k, subj[keep], act[keep], luck[keep], True, value_of)]
        for i, s in enumerate(self.src):
            for (a, rate), (lo, count) in zip(s.fp, s.fp_rows, strict=True):
                if not count:
                    continue
                n = s.false.poisson(rate * count, a, day)
                if not n:
                    continue
                fs, fl = _candidates(n, lo, count, day, a, s.who.k0, s.who.k1, s.who.sid)
                seen = s.covered(fs, cover[i])
                fs, fl = fs[seen], fl[seen]
                fresh.append(self._records(k, fs, np.full(len(fs), a, np.int64), fl, False,
                                           value_of))
        now = self.buckets.pop(day, [])
        self._held -= sum(len(x) for x in now)
        for x in fresh:
            now.append(self._hold(day, x))
        out = _concat(now)
        recorded += np.bincount(out.act, minlength=A)
        S = len(self.src) + 1
        self.by_source[k] = np.bincount(out.source, minlength=S)
        self.false_by_source[k] = np.bincount(out.source[~out.true], minlength=S)
        self.pending[k] = self._held
        return out

    def _records(self, k: int, subj: np.ndarray, act: np.ndarray, luck: np.ndarray, true: bool,
                 value_of: ValueOf) -> Arrivals:
        v = value_of(k, subj, act, luck)
        return Arrivals(subj, act, luck, v, np.full(len(subj), k, np.int64),
                        (self.source_of[act] + 1).astype(np.int16),
                        np.full(len(subj), true, bool))

    def _hold(self, day: int, x: Arrivals) -> Arrivals:
        """The part of ``x`` that arrives today; the rest goes to the buckets of its days."""
        if not len(x):
            return x
        d = np.zeros(len(x), np.int64)
        for i, s in enumerate(self.src):
            dl = s.spec.delay
            m = x.source == i + 1
            if dl is not None and not (dl.dist == "fixed" and dl.days == 0) and m.any():
                d[m] = draw_delays(s.delay, dl, x.subject[m], day, x.luck[m])
        if not (d > 0).any():
            return x
        # One stable sort by delay, then a slice per arrival day: records keep their order
        # within a day, and the cost does not grow with the number of distinct delays.
        order = np.argsort(d, kind="stable")
        xs, ds = _take(x, order), d[order]
        when, first = np.unique(ds, return_index=True)
        bounds = [*first.tolist(), len(ds)]
        end = self.start + self.n_days
        now = _slice(xs, 0, bounds[1]) if when[0] == 0 else _slice(xs, 0, 0)
        for i, w in enumerate(when.tolist()):
            if w == 0:
                continue
            lo, hi = bounds[i], bounds[i + 1]
            if day + w < end:  # arrivals after the horizon are never seen, only counted
                self.buckets.setdefault(day + w, []).append(_slice(xs, lo, hi))
            self._held += hi - lo
        return now


def _take(x: Arrivals, m: np.ndarray) -> Arrivals:
    return Arrivals(x.subject[m], x.act[m], x.luck[m], None if x.value is None else x.value[m],
                    x.act_k[m], x.source[m], x.true[m])


def _slice(x: Arrivals, lo: int, hi: int) -> Arrivals:
    return Arrivals(x.subject[lo:hi], x.act[lo:hi], x.luck[lo:hi],
                    None if x.value is None else x.value[lo:hi], x.act_k[lo:hi],
                    x.source[lo:hi], x.true[lo:hi])


def _concat(parts: list[Arrivals]) -> Arrivals:
    if len(parts) == 1:
        return parts[0]
    vals = None
    if any(p.value is not None for p in parts):
        vals = np.concatenate([np.ones(len(p)) if p.value is None else p.value for p in parts])

    def cat(f: str) -> np.ndarray:
        return np.concatenate([getattr(p, f) for p in parts])

    return Arrivals(cat("subject"), cat("act"), cat("luck"), vals, cat("act_k"), cat("source"),
                    cat("true"))
