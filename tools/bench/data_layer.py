"""Write the paired scenarios of issue 8's combined cost: the data layer on and off.

``with.toml`` is the built-in ``court-sources`` (declared sources with false positives and
reporting delays, late and missed deletions) plus two flows (the court list to the ringback,
and to Rongcheng's points as a debt judgment) and a timeline (a camera-detection change and the
ringback starting in April). ``without.toml`` is the same scenario with none of them: the same
regimes, acts, rates and gates, and the default source's detection. ``with-shaming.toml`` and
``without-shaming.toml`` add Hebei's deadbeat map, fed by the court list in the first. Run::

    python tools/bench/data_layer.py /tmp/dl
    scslab run /tmp/dl/with.toml --persons 1000000 --days 365 --out /tmp/a --force
    scslab run /tmp/dl/without.toml --persons 1000000 --days 365 --out /tmp/b --force
"""

from __future__ import annotations

import sys
import tomllib
from importlib import resources
from pathlib import Path

import tomli_w

FLOWS = [
    {"from": "court-defaulters", "list": "dishonest_judgment_defaulters", "to": "court-ringback",
     "on_entry": "ringback_imposed", "on_exit": "repayment_proven", "delay_days": 30,
     "verified": False, "note": "as in court-flows"},
    {"from": "court-defaulters", "list": "dishonest_judgment_defaulters", "to": "rongcheng",
     "on_entry": "debt_judgment", "delay_days": 7, "verified": False,
     "note": "benchmark: a court listing reaches Rongcheng's points as a debt judgment"},
]
#: The shaming variant's second flow: the deadbeat map publishes the listed (court-flows).
MAP_FLOW = {"from": "court-defaulters", "list": "dishonest_judgment_defaulters",
            "to": "hebei-deadbeat-map", "on_entry": "listed_defaulter_published",
            "on_exit": "delisted", "delay_days": 7, "verified": False, "note": "as in court-flows"}
TIMELINE = [
    {"date": "2020-04-01", "regime": "court-ringback", "action": "start", "verified": False,
     "note": "benchmark: the ringback starts in April"},
    {"date": "2020-07-01", "source": "traffic-cameras", "detection": {"traffic_ticket": 0.6},
     "verified": False,
     "note": "benchmark: cameras detect more from July"},
]


def main(out: str) -> None:
    """Write ``with.toml`` and ``without.toml`` into folder ``out``."""
    text = (resources.files("scslab.sim.scenarios") / "court-sources.toml").read_text("utf-8")
    base = tomllib.loads(text)
    base["regimes"] = [*base["regimes"], "court-ringback"]
    on = dict(base, flows=FLOWS, timeline=TIMELINE)
    # The same with the deadbeat map fed too: its shaming then runs (friends graph, tie losses),
    # a cost of that regime rather than of the data layer, so it is measured apart.
    shaming = dict(on, regimes=[*base["regimes"], "hebei-deadbeat-map"], flows=[FLOWS[0], MAP_FLOW])
    shaming["scenario"] = {**base["scenario"], "name": "data-layer-on-shaming"}
    shaming_off = dict(base, regimes=shaming["regimes"])
    on["scenario"] = {**base["scenario"], "name": "data-layer-on"}
    off = {k: v for k, v in base.items() if k not in ("deletion_delays",)}
    off["sources"] = {"detection": {**base["sources"]["detection"], "traffic_ticket": 0.5,
                                    "drunk_driving": 0.4}}
    off["scenario"] = {**base["scenario"], "name": "data-layer-off"}
    p = Path(out)
    p.mkdir(parents=True, exist_ok=True)
    (p / "with.toml").write_text(tomli_w.dumps(on), encoding="utf-8")
    (p / "without.toml").write_text(tomli_w.dumps(off), encoding="utf-8")
    (p / "with-shaming.toml").write_text(tomli_w.dumps(shaming), encoding="utf-8")
    off_s = dict(off, regimes=shaming_off["regimes"])
    (p / "without-shaming.toml").write_text(tomli_w.dumps(off_s), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data-layer")
