"""Shaming (seed 004): per pilot, how many distinct people saw a shamed person, and the costs.

A *pilot* is a regime of the run that shames (its gate's shaming channels, ``sim.gates.shaming``):
in the shaming scenario Shenzhen's jaywalking display, the court ringback and Hebei's deadbeat
map. Per pilot (``METRIC/PILOT``) and pooled over pilots (``METRIC``):

* ``shamed``: distinct persons with at least one shaming episode in the run;
* ``distinct_viewers_per_shamed``: the expected number of *distinct* persons who saw or heard a
  shamed person, per shamed person. The engine counts views (Poisson person-views a day), not
  viewers, so this module adds the smallest model that turns views into viewers: each day a
  person is shamed through channel c, they get ``viewers_per_day`` views from a pool of
  ``catchment[c]`` persons (options; the same people pass the same screen) and, for a channel
  with ``viewers_per_tie_per_day`` (ringback callers), each of their friends calls at that rate.
  Over D shamed days with V public views, distinct viewers = C (1 − exp(−V / C)) from the pool
  plus, per friend tie, 1 − exp(−rate · D): each friend heard at least once. The two parts
  are added (a friend who is also in the pool counts twice: an upper bound);
* ``ties_lost_per_shamed``, ``jobs_lost_per_shamed``: the run's ``ties_lost`` and ``jobs_lost``
  of the pilot's channels, over its shamed persons;
* ``share_performed``: of the pilot's shamed persons, the share whose shaming ended by the
  list's removal act (the debtor proved repayment, the map delisted them). Options name the
  pilots whose shaming ends only so (``performed_on_exit``); a display that ends with its
  1-day term has nothing to perform, and its share is 0 by construction.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from scslab.studies.measures.common import Row, total


class _Pilot:
    """One shaming regime's running tallies per person."""

    def __init__(self, sim: Any, r: int, sh: Any, catchment: dict[str, float]) -> None:
        n = sim.n_persons
        self.id = sim.engines[r].rulebook.regime.id
        self.sh = sh
        self.channels = list(sh.channels)
        nc = len(self.channels)
        self.days = np.zeros((n, nc), np.int64)  # shamed days per channel
        self.ever = np.zeros(n, bool)
        self.was = np.zeros(n, bool)
        self.exited = np.zeros(n, bool)
        self.pool = np.array([float(catchment.get(c.id, n)) for c in self.channels])
        self.public = np.array([c.viewers_per_day for c in self.channels])
        self.per_tie = np.array([c.viewers_per_tie_per_day for c in self.channels])

    def on_day(self, n: int) -> None:
        on = np.asarray(self.sh.on[:n], bool)
        self.days += on
        now: np.ndarray = np.asarray(on.any(axis=1), bool)
        self.ever |= now
        self.exited |= self.was & ~now
        self.was = now

    def distinct_viewers(self, degree: np.ndarray) -> np.ndarray:
        """Expected distinct viewers of each ever-shamed person (see the module's doc)."""
        d = self.days[self.ever].astype(np.float64)
        views = d * self.public
        pool = self.pool
        out = (pool * (1.0 - np.exp(-views / pool))).sum(axis=1)
        deg = degree[self.ever].astype(np.float64)[:, None]
        out += (deg * (1.0 - np.exp(-self.per_tie * d))).sum(axis=1)
        return out


class Measure:
    """Follows each shaming pilot's persons day by day."""

    def __init__(self, sim: Any, options: dict[str, Any], arm: Any) -> None:
        self.sim = sim
        self.n = sim.n_persons
        catchment = {str(k): float(v) for k, v in dict(options.get("catchment", {})).items()}
        self.performs = set(options.get("performed_on_exit", []))
        gates = sim.gates
        shaming = gates.shaming if gates is not None else {}
        self.pilots = [_Pilot(sim, r, sh, catchment) for r, sh in sorted(shaming.items())
                       if any(not c.id.startswith("honoured_") for c in sh.channels)]
        self.persons = np.arange(self.n, dtype=np.int64)
        self.ties = next(iter(shaming.values())).ties if shaming else None
        self.degree0 = self.degree()

    def degree(self) -> np.ndarray:
        """Live friend ties of every person now."""
        if self.ties is None:
            return np.zeros(self.n, np.int64)
        return np.asarray(self.ties.live_degree(self.persons), np.int64)

    def on_day(self, k: int) -> None:
        """Tally day index ``k``."""
        for p in self.pilots:
            p.on_day(self.n)

    def rows(self, metrics: pa.Table) -> list[Row]:
        """The study's metrics of this run, per pilot and pooled."""
        out: list[Row] = []
        sums = {"shamed": 0.0, "viewers": 0.0, "ties": 0.0, "jobs": 0.0, "perf_shamed": 0.0,
                "performed": 0.0}
        for p in self.pilots:
            shamed = int(p.ever.sum())
            viewers = float(p.distinct_viewers(self.degree0).sum())
            ties = total(metrics, [f"{p.id}/ties_lost/{c.id}" for c in p.channels])
            jobs = total(metrics, [f"{p.id}/jobs_lost/{c.id}" for c in p.channels])
            performed = float((p.exited & p.ever).sum()) if p.id in self.performs else 0.0

            def per(x: float, shamed: int = shamed) -> float:
                return x / shamed if shamed else 0.0

            out += [
                (f"shamed/{p.id}", None, float(shamed)),
                (f"distinct_viewers_per_shamed/{p.id}", None, per(viewers)),
                (f"ties_lost_per_shamed/{p.id}", None, per(ties)),
                (f"jobs_lost_per_shamed/{p.id}", None, per(jobs)),
                (f"share_performed/{p.id}", None, per(performed)),
            ]
            sums["shamed"] += shamed
            sums["viewers"] += viewers
            sums["ties"] += ties
            sums["jobs"] += jobs
            if p.id in self.performs:
                sums["perf_shamed"] += shamed
                sums["performed"] += performed
        s = sums["shamed"]
        ps = sums["perf_shamed"]
        out += [
            ("shamed", None, s),
            ("distinct_viewers_per_shamed", None, sums["viewers"] / s if s else 0.0),
            ("ties_lost_per_shamed", None, sums["ties"] / s if s else 0.0),
            ("jobs_lost_per_shamed", None, sums["jobs"] / s if s else 0.0),
            ("share_performed", None, sums["performed"] / ps if ps else 0.0),
        ]
        return out
