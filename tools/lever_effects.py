"""The size of each behaviour lever's effect on a 10^5-person run (docs/behaviour.md#levers).

    PYTHONPATH=src python tools/lever_effects.py [--persons N] [--days D] [--seeds S]

Each lever is one paired comparison: two arms of a built-in scenario that differ in the lever
alone, run at the same seeds (common random numbers), and the difference of one outcome with its
95 % interval over the seeds (:func:`scslab.experiment.stats.summarise`). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
import pyarrow as pa

from scslab.experiment.stats import summarise
from scslab.sim.loop import Simulation
from scslab.sim.resolve import resolve
from scslab.studies.measures.common import engine

_RONGCHENG_ONLY = {"regimes": ["rongcheng"],
                   "behaviour.answers_to": {"rongcheng": {"weight": 1.0, "margin": 30}}}
_NO_FRIENDS = {"regimes": ["sesame-no-friends"],
               "behaviour.answers_to": {"sesame-no-friends": {"weight": 1.0, "margin": 30}},
               "behaviour.friends.regime": "sesame-no-friends",
               "behaviour.friends.reviews_per_year": 0}

# (lever, scenario, outcome, arm without the lever, arm with it)
LEVERS: list[tuple[str, str, str, dict[str, Any], dict[str, Any]]] = [
    ("visibility: aware_share 0 -> 1", "rongcheng", "harmful acts per 1,000 py",
     {"behaviour.aware_share": 0.0}, {"behaviour.aware_share": 1.0}),
    ("detection as believed: perceived_detection 0.5 -> 1", "rongcheng",
     "harmful acts per 1,000 py",
     {"behaviour.perceived_detection": 0.5}, {"behaviour.perceived_detection": 1.0}),
    ("reward: volunteering +10 from 1 Jul (effort_response 4)", "measurable-drift",
     "volunteering per 1,000 py", _RONGCHENG_ONLY, {}),
    ("reward: the same, unmeasured side", "measurable-drift",
     "helping_neighbours per 1,000 py", _RONGCHENG_ONLY, {}),
    ("friend weight: 0 -> 5 % (no tie reviews)", "sesame", "friends' score correlation at the end",
     _NO_FRIENDS, {"behaviour.friends.reviews_per_year": 0}),
]


def outcome(sim: Simulation, daily: Any, what: str) -> float:
    """One run's outcome named ``what`` (see LEVERS)."""
    plan = sim.plan
    py = plan.horizon.persons * plan.horizon.days / 365.0 / 1000.0
    acts = list(plan.acts.ids)  # the columns of daily.occurred (not the scenario's own order)
    if what == "harmful acts per 1,000 py":
        harmful = [i for i, a in enumerate(acts) if plan.scenario.acts[a].kind == "harmful"]
        return float(daily.occurred[:, harmful].sum()) / py
    if what.endswith(" per 1,000 py"):
        return float(daily.occurred[:, acts.index(what.split()[0])].sum()) / py
    # Friends' scores: the Pearson correlation across ties of the Sesame score on the last day.
    score = engine(sim, "sesame").score[:sim.n_persons]
    return float(sim.society.friend_graph().assortativity(np.asarray(score)))


def main() -> None:
    """Run every lever's two arms at every seed and print the paired differences."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--seeds", type=int, default=5)
    a = ap.parse_args()
    print("| lever | scenario | outcome | without | with | difference [95 % CI] |")
    print("|---|---|---|---|---|---|")
    for lever, scenario, what, off, on in LEVERS:
        got: dict[str, list[float]] = {"off": [], "on": []}
        for seed in range(1, a.seeds + 1):
            for arm, sets in (("off", off), ("on", on)):
                plan = resolve(scenario, persons=a.persons, days=a.days, seed=seed, sets=dict(sets))
                sim = Simulation(plan).init()
                got[arm].append(outcome(sim, sim.run(), what))
        diff = np.array(got["on"]) - np.array(got["off"])
        s = summarise(pa.table({"k": ["d"] * len(diff), "value": diff}), ["k"]).to_pylist()[0]
        print(f"| {lever} | {scenario} | {what} | {np.mean(got['off']):.4g} | "
              f"{np.mean(got['on']):.4g} | {s['mean']:+.4g} [{s['ci_low']:+.4g}, {s['ci_high']:+.4g}] |")


if __name__ == "__main__":
    main()
