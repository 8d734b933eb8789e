"""Conduct of organisations: acts at constant rates, drawn in time proportional to acts.

Persons act through the event-driven :class:`~scslab.conduct.scheduler.Scheduler`. Organisations
(subject rows ``n_persons ..``) act here at a constant rate per act and organisation
(``behaviour.organisation_rates``, [acts/organisation/day]): a day's acts are
``Poisson(n_orgs * sum of rates)``, each made by a uniformly drawn organisation and of an act
chosen in proportion to its rate. No deterrence applies to organisations (an assumption).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from scslab.society import Society


class OrganisationConduct:
    """Draws the day's acts of organisations.

    Args:
        acts: act index (among the scenario's acts) per rate.
        rates: rate per act [acts/organisation/day].
        n_persons, n_orgs: subject counts.
        rng: the stream ``conduct.organisations``.
    """

    def __init__(self, acts: np.ndarray, rates: np.ndarray, n_persons: int, n_orgs: int,
                 rng: np.random.Generator) -> None:
        self.acts = np.asarray(acts, np.int64)
        self.cum = np.cumsum(np.asarray(rates, np.float64))
        self.n_persons, self.n_orgs = n_persons, n_orgs
        self.total = n_orgs * (float(self.cum[-1]) if len(self.cum) else 0.0)  # [acts/day]
        self.rng = rng

    def occurrences(self, subj: np.ndarray, act: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Append the day's organisation acts to the persons' (subject, act) arrays."""
        k = int(self.rng.poisson(self.total)) if self.total > 0 else 0
        if not k:
            return subj, act
        who = self.n_persons + self.rng.integers(0, self.n_orgs, size=k)
        pick = np.searchsorted(self.cum, self.rng.random(k) * self.cum[-1], side="right")
        what = self.acts[np.minimum(pick, len(self.acts) - 1)]
        return np.concatenate([subj, who]), np.concatenate([act, what])


def organisation_conduct(acts: np.ndarray, rates: np.ndarray, society: Society,
                         rng: np.random.Generator) -> OrganisationConduct | None:
    """Organisation conduct at ``rates`` [acts/organisation/day] of scenario acts ``acts``
    (None if there are no rates or the society has no organisations)."""
    if not len(rates) or not society.n_orgs:
        return None
    return OrganisationConduct(acts, rates, society.n_persons, society.n_orgs, rng)
