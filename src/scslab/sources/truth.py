"""What false records and late deletions cost: counts per regime and day that only outputs see.

Regimes are never handed a record's truth; this module reads it beside them. Per regime and day:

* ``records``: false records the regime applied (acts it knows, subjects it covers);
* ``listed`` (per list): subjects on the list wrongly at the end of the day; summed over days,
  wrongful list-days. A listing is wrongful when the subject entered the list (or renewed it) on
  a day a false record of theirs reached the regime and no true record of theirs that enters
  the list did; it stays wrongful until the subject leaves the list or a later listing replaces
  it;
* ``restricted``: restrictions held by the wrongly listed (any list of the regime), by their own
  status; summed over days, restriction-days borne by the wrongly listed;
* ``denied``: gate denials of the wrongly listed by this regime, on their own requests;
* ``after_performance`` (per list): restrictions held by subjects who performed (a true removal
  act) and are still on the list awaiting deletion; summed, restriction-days after performance.

Work per day is in proportion to the day's records plus the wrongly listed and the performed
still awaiting deletion, never a pass over everyone.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scslab.regime.engine import Engine

_E = np.zeros(0, np.int64)


class Wrongful:
    """Per-day counts of what false records and late deletions cost, per regime.

    Args:
        engines: the regimes, in the run's order.
        regime_map: per regime, scenario act -> regime act (-1: unknown).
        n_days: days of the run.
    """

    def __init__(self, engines: Sequence[Engine], regime_map: Sequence[np.ndarray],
                 n_days: int) -> None:
        self.engines = list(engines)
        self.maps = list(regime_map)
        R = len(self.engines)
        self.records = np.zeros((n_days, R), np.int64)
        self.restricted = np.zeros((n_days, R), np.int64)
        self.denied = np.zeros((n_days, R), np.int64)
        self.listed = [np.zeros((n_days, len(e.list_ids)), np.int64) for e in self.engines]
        self.after_performance = [np.zeros((n_days, len(e.list_ids)), np.int64)
                                  for e in self.engines]
        # Per regime and list: (subject, listing day) of the wrongly listed, and of the performed.
        self.wrong = [[(_E, _E) for _ in e.list_ids] for e in self.engines]
        self.performed = [[(_E, _E) for _ in e.list_ids] for e in self.engines]
        self._acts = [[e.list_acts(li) for li in range(len(e.list_ids))] for e in self.engines]
        self._today: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._k = -1
        self._day = 0
        self._done = True
        self._wrong_all: list[np.ndarray] = [_E for _ in self.engines]

    def on_records(self, k: int, day: int, subj: np.ndarray, act: np.ndarray,
                   true: np.ndarray) -> None:
        """The records arriving on day index ``k`` (day number ``day``), before regimes apply them."""
        self._k, self._day, self._done = k, day, False
        self._today = []
        for r, e in enumerate(self.engines):
            ma = self.maps[r][act]
            known = (ma >= 0) & (subj < e.n_subjects)
            false = known & ~true
            self.records[k, r] = int(false.sum())
            ok = known & true
            self._today.append((subj[false], subj[ok], ma[ok]))

    def _update(self) -> None:
        """After the regimes applied the day: who is wrongly listed, who performed (once a day)."""
        if self._done:
            return
        self._done = True
        day = self._day
        for r, e in enumerate(self.engines):
            fs, ts, ta = self._today[r]
            for li in range(len(e.list_ids)):
                enters, removes = self._acts[r][li]
                s, since = self.wrong[r][li]
                if len(fs):
                    new = np.unique(fs[e.listed_since(li, fs) == day])
                    new = new[~np.isin(new, ts[enters[ta]])]
                    keep = ~np.isin(s, new)
                    s = np.concatenate([s[keep], new])
                    since = np.concatenate([since[keep], np.full(len(new), day, np.int64)])
                live = e.listed_since(li, s) == since
                self.wrong[r][li] = (s[live], since[live])
                p, psince = self.performed[r][li]
                done = np.unique(ts[removes[ta]])
                if len(done):
                    done = done[e.listed(li, done) & e.deletion_pending(li, done)
                                & ~np.isin(done, p)]
                    p = np.concatenate([p, done])
                    psince = np.concatenate([psince, e.listed_since(li, done).astype(np.int64)])
                live = (e.listed_since(li, p) == psince) & e.deletion_pending(li, p)
                self.performed[r][li] = (p[live], psince[live])
            parts = [w[0] for w in self.wrong[r]]
            self._wrong_all[r] = np.unique(np.concatenate(parts)) if parts else _E

    def denials(self, r: int, subj: np.ndarray) -> None:
        """Regime ``r`` denied the requests of subjects ``subj`` today (on their own status)."""
        self._update()
        w = self._wrong_all[r]  # sorted, distinct
        if len(w) and len(subj):
            i = np.minimum(np.searchsorted(w, subj), len(w) - 1)
            self.denied[self._k, r] += int((w[i] == subj).sum())

    def aggregate(self, k: int) -> None:
        """The day's counts, after every phase of day index ``k``."""
        self._update()
        for r, e in enumerate(self.engines):
            for li in range(len(e.list_ids)):
                self.listed[r][k, li] = len(self.wrong[r][li][0])
                self.after_performance[r][k, li] = int(
                    e.restrictions_held(self.performed[r][li][0]).sum())
            self.restricted[k, r] = int(e.restrictions_held(self._wrong_all[r]).sum())
