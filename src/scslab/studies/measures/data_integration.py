"""Data integration (seed 002): how many regimes and domains restrict one restricted person.

On the last day, for every person holding a restriction in some regime (by its own status,
``restrictions_held``):

* ``regimes_per_restricted_subject``: the number of regimes that restrict them;
* ``domains_per_restricted_subject``: the number of domains their restrictions reach: the
  sectors of the services table (``ServiceTable.sectors_denied``) whose services one of the
  restrictions denies, plus one domain "public shaming" when a restriction is a shaming marker
  (``shamed_...``), plus one domain "score" when a regime that scores them holds a restriction
  no service reacts to (e.g. a score penalty for being on another regime's list);
* ``share_restricted``: the share of persons restricted on the last day; dated: the share on
  the first day of each month.

The joint-punishment restrictions that the gates add to the court list (services.toml) are
counted among the court list's domains, as the gates apply them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from scslab.studies.measures.common import Row, daily_sum

SHAMING = "shamed_"


class Measure:
    """Counts restricted persons monthly; the regimes and domains per person on the last day."""

    def __init__(self, sim: Any, options: dict[str, Any], arm: Any) -> None:
        self.sim = sim
        self.persons = np.arange(sim.n_persons, dtype=np.int64)
        self.share: list[float] = []
        # Per regime: (list, restrictions) its joint-punishment memoranda add (services table).
        self.joint: dict[str, list[tuple[str, set[str]]]] = {}
        table = sim.gates.table if sim.gates is not None else None
        self.table = table
        if table is not None:
            for j in table.joint_punishment:
                self.joint.setdefault(j.regime, []).append((j.list, set(j.restrictions)))
        self.gated = table.gated_ids() if table is not None else set()

    def held(self) -> np.ndarray:
        """Per person, the number of regimes restricting them now."""
        out = np.zeros(len(self.persons), np.int64)
        for e in self.sim.engines:
            out += np.asarray(e.restrictions_held(self.persons), np.int64) > 0
        return out

    def on_day(self, k: int) -> None:
        """Share restricted after day index ``k``."""
        self.share.append(float((self.held() > 0).mean()))

    def domains_of(self, p: int) -> int:
        """Domains the restrictions of person ``p`` reach, over every regime."""
        names: set[str] = set()
        score = False
        one = np.array([p], np.int64)
        for e in self.sim.engines:
            rs = set(e.consequences(int(p))[0])
            if not rs:
                continue
            for li, extra in self.joint.get(e.rulebook.regime.id, []):
                if li in e.list_ids and bool(e.listed(list(e.list_ids).index(li), one)[0]):
                    rs |= extra
            score |= any(not r.startswith(SHAMING) and r not in self.gated for r in rs)
            names |= rs
        domains = self.table.sectors_denied(names) if self.table is not None else set()
        return len(domains) + any(r.startswith(SHAMING) for r in names) + score

    def rows(self, metrics: pa.Table) -> list[Row]:
        """The study's metrics of this run."""
        count = self.held()
        restricted = np.flatnonzero(count > 0)
        domains = [self.domains_of(int(p)) for p in restricted]
        dates, _ = daily_sum(metrics, [])
        monthly = [("share_restricted", d, s) for d, s in zip(dates, self.share, strict=False)
                   if d.day == 1]
        n = len(restricted)
        return [
            ("domains_per_restricted_subject", None, float(np.mean(domains)) if n else 0.0),
            ("regimes_per_restricted_subject", None, float(count[restricted].mean()) if n else 0.0),
            ("share_restricted", None, n / len(self.persons)),
            ("share_restricted_by_2plus_regimes", None, float((count >= 2).mean())),
            *monthly,
        ]
