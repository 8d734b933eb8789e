"""Shaming in a simulation: how many people saw a subject shamed, and what it cost the subject.

A subject is shamed through channel ``c`` while, in some regime, its band or a list it is on
carries the marker restriction ``c`` (``shamed_public_display``, ``shamed_ringback``,
``shamed_map_500m``). Public honour is the same exposure with the opposite sign: a subject is
honoured through channel ``c`` while it holds the marker privilege ``c`` (``honoured_notice_board``,
a red list of model citizens); honour channels count exposures only (their costs are 0, see
:class:`~scslab.gates.services.Channel`). Everything here is event-driven:

* the set of shamed subjects changes only for subjects whose file changed that day (the engine
  returns them), so the stock and the sum of their ties are kept up to date in O(changes);
* a day's exposures are ``Poisson(viewers_per_day * stock + viewers_per_tie_per_day * ties)``
  [person-views]: one draw per channel and day, whatever the stock;
* costs fall once per *episode* (when shaming starts): each friend tie of the shamed person is
  dropped with probability ``tie_loss`` and a person of working age loses their job with
  probability ``job_loss``. An organisation's costs fall on its legal representative.

Ties are the society's live friend graph (:class:`scslab.society.friends.Friends`), shared with
the friends' mean score and the behaviour: a tie shaming drops is gone for both persons, and a
dropped tie no longer calls (ringback).

Draws are keyed (:mod:`scslab.rng`): a tie's fall by (shamed person, day and channel, friend),
in its own stream, so it names the tie and not its place in the graph, which edits move; a job
loss by (person, day, channel) and a day's exposures by (channel, day). When both ends of a tie
start being shamed on the same day and channel, each draws for it, and it falls if either does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from scslab.gates.gate import RegimeGate
from scslab.gates.services import Channel
from scslab.rng import Keyed, philox, u01

if TYPE_CHECKING:
    from scslab.society.friends import Friends


@njit(cache=True, nogil=True)
def _falls(start, deg, nbr, persons, prob, c1, k0, k1, sid):
    """The ties of ``persons`` that fall, as (person, friend) pairs; keyed (person, c1, friend)."""
    cnt = 0
    for p in persons:
        cnt += deg[p]
    a = np.empty(cnt, np.int64)
    b = np.empty(cnt, np.int64)
    m = 0
    for p in persons:
        for k in range(start[p], start[p] + deg[p]):
            f = nbr[k]
            x0, _, _, _ = philox(p, c1, f, sid, k0, k1)
            if u01(x0) < prob:
                a[m] = p
                b[m] = f
                m += 1
    return a[:m], b[:m]


class Ties:
    """Shaming's access to the shared live friend graph (loaded on first use).

    Args:
        friends: returns the society's live graph; called once, on first use.
        n_persons: persons in the society.
    """

    def __init__(self, friends: Callable[[], Friends], n_persons: int) -> None:
        self._friends = friends
        self.n_persons = n_persons
        self.graph: Friends | None = None

    def _load(self) -> Friends:
        """The graph, loading it on first use."""
        if self.graph is None:
            self.graph = self._friends()
        return self.graph

    def live_degree(self, p: np.ndarray) -> np.ndarray:
        """Ties of persons ``p`` now."""
        return self._load().degree(p)

    def drop(self, p: np.ndarray, prob: float, day: int, channel: int, stream: Keyed) -> int:
        """Drop each tie of persons ``p`` with probability ``prob``; return how many fell.

        A fallen tie is gone for both ends, and counts once whoever dropped it. Draws are keyed
        by (person, ``day`` and ``channel``, friend).
        """
        g = self._load()
        if prob <= 0 or not len(p):
            return 0
        if not 0 <= channel < 256:
            raise ValueError(f"channel {channel} is outside 0..255")
        start, deg, nbr = g.rows()
        a, b = _falls(start, deg, nbr, np.asarray(p, np.int64), float(prob), (day << 8) | channel,
                      stream.k0, stream.k1, stream.sid)
        return g.drop(a, b)


class Shaming:
    """The shaming channels one regime uses; fills per-day exposure and cost counts.

    Args:
        gate: the regime's gate (its markers).
        channels: the services table's channels (columns of ``gate.marks``).
        n_subjects, n_persons: subject counts.
        age: per person [years], for job loss.
        org_legal_rep: person row of each organisation's legal representative (-1 none).
        ties: the shared friend graph.
        n_days: days of the run.
        stream: the regime's keyed shaming stream (``gates.shaming.<regime>``).
    """

    def __init__(self, gate: RegimeGate, channels: list[Channel], n_subjects: int, n_persons: int,
                 age: np.ndarray, org_legal_rep: np.ndarray, ties: Ties, n_days: int,
                 stream: Keyed) -> None:
        used = gate.band_mark.any(axis=0)
        for _, m in gate.mark_lists:
            used |= m
        for _, m in gate.mark_compound:
            used |= m.any(axis=0)
        self.cols = np.flatnonzero(used)
        self.channels = [channels[c] for c in self.cols]
        self.gate, self.ties, self.stream = gate, ties, stream
        self.tie_stream = Keyed(stream.seed, stream.name + ".ties")
        self.n_persons = n_persons
        self.age = age
        self.rep = np.asarray(org_legal_rep, np.int64)
        nc = len(self.cols)
        self.on = np.zeros((n_subjects, nc), bool)  # shamed now, per channel
        self.stock = np.zeros(nc, np.int64)  # subjects shamed now
        self.tie_sum = np.zeros(nc, np.int64)  # live ties of those subjects (callers)
        self.contrib = {j: np.zeros(n_subjects, np.int32) for j, ch in enumerate(self.channels)
                        if ch.viewers_per_tie_per_day > 0}
        self.exposure = np.zeros((n_days, nc), np.int64)
        self.ties_lost = np.zeros((n_days, nc), np.int64)
        self.jobs_lost = np.zeros((n_days, nc), np.int64)
        # The day's new episodes (subjects) and job losses (persons), for behaviour to answer.
        self.started_today: list[np.ndarray] = []
        self.jobless_today: list[np.ndarray] = []

    def person_of(self, s: np.ndarray) -> np.ndarray:
        """The person who bears the costs: the subject, or an organisation's legal representative."""
        org = s >= self.n_persons
        if not org.any():
            return s
        return np.where(org, self.rep[np.where(org, s - self.n_persons, 0)], s)

    def step(self, k: int, touched: np.ndarray) -> None:
        """Day ``k``: update who is shamed among ``touched``, draw the day's exposures and costs."""
        self.started_today, self.jobless_today = [], []
        if len(touched):
            s = np.unique(touched)
            now = self.gate.marks(s)[:, self.cols]
            was = self.on[s]
            if (now != was).any():
                self.on[s] = now
                for j, ch in enumerate(self.channels):
                    self._update(k, j, ch, s[now[:, j] & ~was[:, j]], s[~now[:, j] & was[:, j]])
        lam = np.array([ch.viewers_per_day for ch in self.channels]) * self.stock
        lam += np.array([ch.viewers_per_tie_per_day for ch in self.channels]) * self.tie_sum
        self.exposure[k] = [self.stream.poisson(x, j, 2 * k) for j, x in enumerate(lam.tolist())]

    def _update(self, k: int, j: int, ch: Channel, started: np.ndarray, ended: np.ndarray) -> None:
        self.stock[j] += len(started) - len(ended)
        contrib = self.contrib.get(j)
        if contrib is not None and len(ended):
            self.tie_sum[j] -= int(contrib[ended].sum(dtype=np.int64))
            contrib[ended] = 0
        if not len(started):
            return
        if not ch.id.startswith("honoured_"):  # praise is no shaming to answer
            self.started_today.append(started)
        p = self.person_of(started)
        has = p >= 0
        p = p[has]
        self.ties_lost[k, j] += self.ties.drop(p, ch.tie_loss, k, j, self.tie_stream)
        lo, hi = ch.working_age
        a = self.age[p]
        working = (a >= lo) & (a <= hi)
        lose = self.stream.uniform(p, 2 * k + 1, j) < ch.job_loss
        self.jobs_lost[k, j] += int(lose[working].sum())
        self.jobless_today.append(p[working & lose])
        if contrib is not None:
            deg = np.zeros(len(started), np.int64)
            deg[has] = self.ties.live_degree(p)
            contrib[started] = deg
            self.tie_sum[j] += int(deg.sum())
