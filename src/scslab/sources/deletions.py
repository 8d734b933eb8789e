"""Deletions from a list that run late or are missed until the subject appeals.

A scenario's ``[[deletion_delays]]`` entry (:class:`~scslab.sources.spec.DeletionDelay`) makes
each deletion the rules schedule on day ``due`` (after a removal act or a term's end)

* late, with probability ``late_share``: ``extra_days`` more working days after ``due``;
* missed, with probability ``missed_share``: it happens only when the subject appeals, an
  Exp(``appeal_per_year``) wait after ``due``, in whole days, at least one;
* on time otherwise.

Draws are keyed by (subject, day requested), so they do not depend on partitions.
"""

from __future__ import annotations

import numpy as np

from scslab.dates import add_working_days
from scslab.regime.state import LATE, MISSED, ON_TIME
from scslab.rng import Keyed
from scslab.sources.layer import DAYS_PER_YEAR, draw_delays
from scslab.sources.spec import DeletionDelay


class LateDeletions:
    """The deletion delay of one list: called by the regime's state for each deletion request."""

    def __init__(self, spec: DeletionDelay, stream: Keyed) -> None:
        self.spec = spec
        self.stream = stream

    def __call__(self, day: int, s: np.ndarray, due: int) -> tuple[np.ndarray, np.ndarray]:
        """(day each deletion of subjects ``s`` takes effect, ON_TIME / LATE / MISSED)."""
        sp = self.spec
        s = np.asarray(s, np.int64)
        u = self.stream.uniform(s, day, 0)
        late = u < sp.late_share
        missed = ~late & (u < sp.late_share + sp.missed_share)
        when = np.full(len(s), due, np.int64)
        if late.any() and sp.extra_days is not None:
            extra = draw_delays(self.stream, sp.extra_days, s[late], day,
                                np.ones(int(late.sum()), np.int64))
            when[late] = np.where(extra > 0, add_working_days(due, extra), due)
        if missed.any():
            wait = self.stream.exponential(s[missed], day, 2) * DAYS_PER_YEAR / sp.appeal_per_year
            when[missed] = due + np.maximum(1, np.ceil(wait)).astype(np.int64)
        how = np.where(late, LATE, np.where(missed, MISSED, ON_TIME))
        return when, how
