"""A run's timeline as it goes: which regimes step, and the changes of each dated day.

At the start of a day with events (before its conduct), in file order:

* ``start``: the regime steps from this day and its consequences count; before, it took no
  records and answered no gate;
* ``suspend``: the regime takes no records and applies no calendar events or score updates, so
  its state stays frozen; its consequences still count, from the frozen state;
* ``resume``: the regime steps again; the calendar events that fell due while it was suspended
  (expiries, ends of terms, deletions: the law's clocks) apply first, each under its own date;
  the score updates it missed are skipped (Zhima's pause of Feb 2020 skipped one), the next
  is its first update day on or after the resume;
* ``end``: the regime steps no more and answers no gate; its state stays as it was;
* ``amend``: the regime ends and the amending regime (``by``) starts, taking over each subject's
  score and its entries on the lists both name alike (:meth:`Engine.carry_over`, ledger codes
  ``amended_score`` and ``amended_list``);
* a detection change: the sources use the new detection per act, and the rate tables (whose
  harmful rates read detection) are rebuilt;
* a coverage change: the declared source covers the new shares (who is covered stays keyed
  per subject, so a larger share only adds subjects);
* a behaviour change: the rate tables are rebuilt, and every person's next act day is redrawn
  once from the day (memorylessness makes this exact).

The cost is per change: a rebuild and one redraw of everyone at a dated event, nothing on the
other days.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from scslab.conduct.rates import ActRates, RateParams, RateTables
from scslab.conduct.scheduler import Scheduler
from scslab.gates import Gates
from scslab.regime.engine import Engine
from scslab.rng import Keyed
from scslab.sim.timeline import TimelinePlan
from scslab.sources import Detection, SourceLayer

Rebuild = Callable[[ActRates, RateParams], RateTables]


class TimelineRun:
    """The timeline's state during a run.

    Args:
        plan: the checked timeline.
        n_regimes: regimes of the run.
        key: the stream of the Exp(1) draws when next act days are redrawn
            (``conduct.timeline``, keyed by person and day).
    """

    def __init__(self, plan: TimelinePlan, n_regimes: int, key: Keyed) -> None:
        self.plan = plan
        self.key = key
        # Per regime: it takes the day's records and calendar (False: pending, suspended, ended).
        self.stepping = [r not in plan.inactive_at_start for r in range(n_regimes)]
        self.suspended_since: dict[int, int] = {}  # regime -> first suspended day
        self.resumed: dict[int, int] = {}  # regime -> first suspended day (catch-up due today)
        self.carried: dict[int, np.ndarray] = {}  # amending regime -> subjects it took over

    def inactive(self) -> set[int]:
        """Regimes not started at the first day (they answer no gate)."""
        return set(self.plan.inactive_at_start)

    def at(self, day: int, engines: Sequence[Engine], gates: Gates | None, default: Detection,
           layer: SourceLayer | None, schedulers: Sequence[Scheduler],
           rebuild: Rebuild) -> RateTables | None:
        """Apply the changes of ``day``; returns the new rate tables when they were rebuilt."""
        ch = self.plan.days.get(day)
        if ch is None:
            return None
        for r, action, by in ch.regimes:
            if action == "amend":
                self._switch(r, False, gates)
                self._switch(by, True, gates)
                self.carried[by] = engines[by].carry_over(day, engines[r])
            elif action == "suspend":
                self.stepping[r] = False
                self.suspended_since[r] = day
            elif action == "resume":
                self.stepping[r] = True
                self.resumed[r] = self.suspended_since.pop(r)
            else:
                self._switch(r, action == "start", gates)
        if ch.detection is not None:
            default.detection = ch.detection
            if layer is not None:
                layer.set_detection(ch.detection)
        for c in ch.coverage:
            if layer is not None:
                layer.set_coverage(c.source, c.share, c.groups)
        if ch.rates is None:
            return None
        tables = rebuild(*ch.rates)
        for s in schedulers:
            s.retable(day, tables, self.key)
        return tables

    def _switch(self, r: int, on: bool, gates: Gates | None) -> None:
        """Regime ``r`` starts (``on``) or ends."""
        self.stepping[r] = on
        self.suspended_since.pop(r, None)
        if gates is not None:
            (gates.inactive.discard if on else gates.inactive.add)(r)

    def catch_up(self, r: int, day: int, engine: Engine) -> np.ndarray | None:
        """Subjects regime ``r``'s file changed for before its records today, or None.

        On a resume day, its missed calendar days apply (its missed score updates are skipped:
        :meth:`scslab.regime.engine.Engine.skip_updates`); on an amendment, what it took over.
        """
        parts = []
        carried = self.carried.pop(r, None)
        if carried is not None:
            parts.append(carried)
        since = self.resumed.pop(r, None)
        if since is not None:
            engine.skip_updates(day)
            parts += [engine.step(d) for d in range(since, day)]
        return np.concatenate(parts) if parts else None
