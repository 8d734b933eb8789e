"""Conduct of organisations: acts at constant rates, drawn in time proportional to acts.

Persons act through the event-driven :class:`~scslab.conduct.scheduler.Scheduler`. Organisations
(subject rows ``n_persons ..``) act here at a constant rate per act and organisation
(``behaviour.organisation_rates``, [acts/organisation/day]). Organisations are taken in fixed
blocks of :data:`ORG_BLOCK`: a block's acts on a day number ``Poisson(size * sum of rates)``,
each made by a uniformly drawn organisation of the block and of an act chosen in proportion to
its rate. Every draw is keyed by (block, day), so the acts never depend on how subjects are
partitioned.

Organisations act through their legal representatives, who answer for them: an organisation's
harmful act is kept with the deterrence factor of its representative's class (what the
representative believes of their own file; :func:`scslab.conduct.rates.deterrence_table`). The
blocks draw at the undeterred rate and thinning keeps each act with that factor, which is
exactly the deterred rate. An organisation without a representative is not deterred.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from scslab.rng import Keyed, philox, poisson, u01

if TYPE_CHECKING:
    from scslab.society import Society

ORG_BLOCK = 4096  # organisations per block [organisations]


@njit(cache=True, nogil=True)
def _org_acts(n_persons, n_orgs, block, total, cum, acts, day, k0, k1, sid):
    """(subject, act, luck) of every organisation act on ``day``, block by block."""
    n_blocks = (n_orgs + block - 1) // block
    counts = np.empty(n_blocks, np.int64)
    for b in range(n_blocks):
        size = min(n_orgs, (b + 1) * block) - b * block
        counts[b] = poisson(size * total, k0, k1, sid, b, 2 * day)
    m = counts.sum()
    who = np.empty(m, np.int64)
    what = np.empty(m, np.int64)
    luck = np.empty(m, np.uint32)
    keep = np.empty(m, np.float64)
    e = 0
    for b in range(n_blocks):
        size = min(n_orgs, (b + 1) * block) - b * block
        for i in range(counts[b]):
            x0, x1, x2, x3 = philox(b, 2 * day + 1, i, sid, k0, k1)
            who[e] = n_persons + b * block + min(size - 1, np.int64(u01(x0) * size))
            j = np.searchsorted(cum, u01(x1) * cum[-1], side="right")
            what[e] = acts[min(j, acts.shape[0] - 1)]
            luck[e] = np.uint32(x2)
            keep[e] = u01(x3)
            e += 1
    return who, what, luck, keep


class OrganisationConduct:
    """Draws the day's acts of organisations.

    Args:
        acts: act index (among the scenario's acts) per rate.
        rates: rate per act [acts/organisation/day].
        n_persons, n_orgs: subject counts.
        stream: the keyed stream ``conduct.organisations``.
    """

    def __init__(self, acts: np.ndarray, rates: np.ndarray, n_persons: int, n_orgs: int,
                 stream: Keyed, legal_rep: np.ndarray | None = None) -> None:
        self.acts = np.asarray(acts, np.int64)
        self.cum = np.cumsum(np.asarray(rates, np.float64))
        self.n_persons, self.n_orgs = n_persons, n_orgs
        self.per_org = float(self.cum[-1]) if len(self.cum) else 0.0  # [acts/organisation/day]
        self.total = n_orgs * self.per_org  # [acts/day]
        self.stream = stream
        self.rep = (np.full(n_orgs, -1, np.int64) if legal_rep is None
                    else np.asarray(legal_rep, np.int64))  # person row per organisation (-1: none)

    def occurrences(self, day: int, rep_class: Callable[[np.ndarray], np.ndarray] | None = None,
                    deter: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The organisations' acts on ``day`` (relative to the start): (subject, act, luck).

        ``rep_class`` gives the class of persons (the representatives), ``deter`` the factor per
        class and act (:func:`scslab.conduct.rates.deterrence_table`); without them no act is
        deterred.
        """
        if self.total <= 0:
            e = np.zeros(0, np.int64)
            return e, e, np.zeros(0, np.uint32)
        k = self.stream
        who, what, luck, u = _org_acts(self.n_persons, self.n_orgs, ORG_BLOCK, self.per_org,
                                       self.cum, self.acts, day, k.k0, k.k1, k.sid)
        if rep_class is None or deter is None or not len(who):
            return who, what, luck
        rep = self.rep[who - self.n_persons]
        factor = np.ones(len(who))
        has = rep >= 0
        factor[has] = deter[rep_class(rep[has]), what[has]]
        kept = u < factor
        return who[kept], what[kept], luck[kept]


def organisation_conduct(acts: np.ndarray, rates: np.ndarray, society: Society,
                         stream: Keyed) -> OrganisationConduct | None:
    """Organisation conduct at ``rates`` [acts/organisation/day] of scenario acts ``acts``.

    None if there are no rates or the society has no organisations.
    """
    if not len(rates) or not society.n_orgs:
        return None
    return OrganisationConduct(acts, rates, society.n_persons, society.n_orgs, stream,
                               society.org_legal_rep)
