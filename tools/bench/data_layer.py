"""Write the paired scenarios of issue 8's combined cost: the data layer on and off.

``with.toml`` is the built-in ``court-sources`` (declared sources with false positives and
reporting delays, late and missed deletions) plus two flows (the court list to Rongcheng's
points, as a debt judgment and as a contract judgment) and a timeline (camera coverage and
detection changes). ``without.toml`` is the same scenario with none of them: the same
regimes, acts, rates and gates, and the default source's detection. ``with-shaming.toml`` and
``without-shaming.toml`` add the court ringback and Hebei's deadbeat
map, fed by the court list in the first (as in ``court-flows``). Run::

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
    {"from": "court-defaulters", "list": "dishonest_judgment_defaulters", "to": "rongcheng",
     "on_entry": "debt_judgment", "delay_days": 7, "verified": False,
     "note": "benchmark: a court listing reaches Rongcheng's points as a debt judgment"},
    {"from": "court-defaulters", "list": "dishonest_judgment_defaulters", "to": "rongcheng",
     "on_entry": "contract_breach_judgment", "delay_days": 30, "verified": False,
     "note": "benchmark: and, a month later, as the contract judgment behind it"},
]
#: The shaming variant: the court list feeds the ringback and the deadbeat map (court-flows).
SHAMING_FLOWS = [
    {"from": "court-defaulters", "list": "dishonest_judgment_defaulters", "to": "court-ringback",
     "on_entry": "ringback_imposed", "on_exit": "repayment_proven", "delay_days": 30,
     "verified": False, "note": "as in court-flows"},
    {"from": "court-defaulters", "list": "dishonest_judgment_defaulters",
     "to": "hebei-deadbeat-map", "on_entry": "listed_defaulter_published",
     "on_exit": "delisted", "delay_days": 7, "verified": False, "note": "as in court-flows"},
]
TIMELINE = [
    {"date": "2020-04-01", "source": "traffic-cameras", "coverage": 0.7, "verified": False,
     "note": "benchmark: camera coverage widens in April"},
    {"date": "2020-07-01", "source": "traffic-cameras", "detection": {"traffic_ticket": 0.6},
     "verified": False, "note": "benchmark: cameras detect more from July"},
]


def _named(d: dict, name: str) -> dict:
    return {**d, "scenario": {**d["scenario"], "name": name}}


def main(out: str) -> None:
    """Write the four scenarios into folder ``out``."""
    text = (resources.files("scslab.sim.scenarios") / "court-sources.toml").read_text("utf-8")
    base = tomllib.loads(text)
    off = {k: v for k, v in base.items() if k != "deletion_delays"}
    off["sources"] = {"detection": {**base["sources"]["detection"], "traffic_ticket": 0.5,
                                    "drunk_driving": 0.4}}
    shaming = [*base["regimes"], "court-ringback", "hebei-deadbeat-map"]
    files = {
        "with": _named(dict(base, flows=FLOWS, timeline=TIMELINE), "data-layer-on"),
        "without": _named(off, "data-layer-off"),
        # The shaming pilots fed by the court list: their exposures and tie losses then run,
        # a cost of those regimes rather than of the data layer, so it is measured apart.
        "with-shaming": _named(dict(base, regimes=shaming, flows=SHAMING_FLOWS, timeline=TIMELINE),
                               "data-layer-on-shaming"),
        "without-shaming": _named(dict(off, regimes=shaming), "data-layer-off-shaming"),
    }
    p = Path(out)
    p.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (p / f"{name}.toml").write_text(tomli_w.dumps(data), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data-layer")
