"""Event-driven conduct: who acts on which day, in time proportional to events.

Each person holds one number, the day of their next act. Because a person's rate ``Λ`` is
constant between changes of their pressure class, the first day with at least one act is
``d + 1 + floor(E / Λ)`` with ``E ~ Exp(1)`` (Poisson process, thinned to days), and the number of
acts on that day is ``1 + Poisson(Λ (1 - τ))`` where ``τ`` is the first arrival's fraction of the
day, drawn from its truncated exponential. When a person's class changes, memorylessness lets
us simply redraw from the next day; stale queue entries are skipped lazily.

Persons are kept in per-day buckets (lists of row arrays), so a day costs work only for the
persons who act that day, never a pass over the whole population.
"""

from __future__ import annotations

import numpy as np

from scslab.conduct.rates import RateTables

FAR = np.iinfo(np.int32).max  # "no act before the horizon"


def _truncated_poisson_tail(u: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Inverse CDF of Poisson(lam) given K >= 1, for uniforms ``u`` known to exceed P(K=1)."""
    norm = -np.expm1(-lam)  # P(K >= 1)
    pk = lam * np.exp(-lam) / norm  # P(K = 1 | K >= 1)
    cdf = pk.copy()
    k = np.ones(len(u), np.int64)
    todo = np.flatnonzero(u >= cdf)
    j = 1
    while len(todo):
        j += 1
        pk[todo] *= lam[todo] / j
        cdf[todo] += pk[todo]
        k[todo] = j
        todo = todo[u[todo] >= cdf[todo]]
        if j > 1000:  # numerical safety: cdf can fall short of u by rounding
            break
    return k


class Scheduler:
    """Draws occurrences day by day.

    Args:
        tables: per-class rate tables.
        propensity: m per person (float32).
        start: first day number; end: one past the last day number.
        rng: the stream for all conduct draws.
    """

    def __init__(self, tables: RateTables, propensity: np.ndarray, start: int, end: int,
                 rng: np.random.Generator) -> None:
        self.tables = tables
        self.propensity = propensity
        self.start = start
        self.end = end
        self.rng = rng

    def init(self, klass: np.ndarray) -> Scheduler:
        """Draw everyone's first act day from their initial class."""
        n = len(self.propensity)
        self.klass = klass.astype(np.int8, copy=True)
        self.next_day = np.full(n, FAR, np.int32)
        self.buckets: dict[int, list[np.ndarray]] = {}
        self._draw(np.arange(n, dtype=np.int64), self.start)
        return self

    def rate(self, p: np.ndarray) -> np.ndarray:
        """Total rate Λ of persons ``p`` [acts/day]."""
        c = self.klass[p]
        return self.propensity[p] * self.tables.neg_total[c] + self.tables.pos_total[c]

    def _draw(self, p: np.ndarray, first: int, old: np.ndarray | None = None) -> None:
        """Schedule persons ``p`` from day ``first`` on; skip re-adding unchanged entries."""
        lam = self.rate(p)
        with np.errstate(divide="ignore"):
            gap = np.floor(self.rng.standard_exponential(len(p)) / lam)
        day = np.where(gap < self.end - first, first + gap, FAR).astype(np.int32)
        self.next_day[p] = day
        keep = day < self.end
        if old is not None:
            keep &= day != old  # already queued for that day
        p, day = p[keep], day[keep]
        if not len(p):
            return
        rel = (day - first).astype(np.int16 if self.end - first < 32767 else np.int32)
        order = np.argsort(rel, kind="stable")
        p, rel = p[order], rel[order]
        cuts = np.flatnonzero(rel[1:] != rel[:-1]) + 1
        starts = np.concatenate([[0], cuts])
        buckets = self.buckets
        for lo, hi in zip(starts.tolist(), [*cuts.tolist(), len(p)], strict=True):
            buckets.setdefault(first + int(rel[lo]), []).append(p[lo:hi])

    def occurrences(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Acts that occur on ``day``.

        Returns:
            (actors, subject per occurrence, act index per occurrence). ``actors`` are the
            persons who acted; they must be passed back to :meth:`reschedule` after the day.
        """
        chunks = self.buckets.pop(day, None)
        if not chunks:
            e = np.zeros(0, np.int64)
            return e, e, e
        cand = chunks[0] if len(chunks) == 1 else np.concatenate(chunks)
        actors = cand[self.next_day[cand] == day]
        rng, t = self.rng, self.tables
        c = self.klass[actors]
        m = self.propensity[actors].astype(np.float64)
        neg = m * t.neg_total[c]
        lam = neg + t.pos_total[c]
        # Acts that day: zero-truncated Poisson(lam), by inverse CDF. P(K=1) = lam / expm1(lam);
        # the rare K >= 2 are resolved in a short loop over that small subset.
        u = rng.random(len(actors))
        p1 = lam / np.expm1(lam)
        more = np.flatnonzero(u >= p1)
        if len(more):
            count = np.ones(len(actors), np.int64)
            count[more] = _truncated_poisson_tail(u[more], lam[more])
            subj = np.repeat(actors, count)
            c, m, neg, lam = (np.repeat(x, count) for x in (c, m, neg, lam))
        else:
            subj = actors
        x = rng.random(len(subj)) * lam
        # Negative part of each class's table is per unit m; positives are offset by N[c];
        # classes are stacked with offset `stride` so one searchsorted serves all classes.
        x = np.where(x < neg, x / m, x - neg + t.neg_total[c]) + t.stride * c
        idx = np.searchsorted(t.flat_cum, x, side="right")
        return actors, subj, t.flat_act[idx].astype(np.int64)

    def reschedule(self, day: int, actors: np.ndarray, touched: np.ndarray,
                   new_class: np.ndarray) -> None:
        """After ``day``: draw the next act of ``actors``; redraw others whose class changed.

        Args:
            actors: persons who acted on ``day`` (from :meth:`occurrences`).
            touched: persons whose file changed (may overlap ``actors``).
            new_class: the class of each of ``touched``.
        """
        if len(touched):
            changed = new_class != self.klass[touched]
            self.klass[touched] = new_class
            others = touched[changed & (self.next_day[touched] != day)]
        else:
            others = touched
        self._draw(actors, day + 1)
        if len(others):
            self._draw(others, day + 1, old=self.next_day[others].copy())
