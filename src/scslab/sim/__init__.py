"""scslab.sim: scenarios, the daily loop, run folders and the benchmark."""

from scslab.sim.loop import PHASES, Daily, Simulation
from scslab.sim.resolve import Resolved, resolve
from scslab.sim.run import RunResult, bench, run_scenario
from scslab.sim.scenario import Scenario, builtin_scenarios, load_scenario

__all__ = [
    "PHASES",
    "Daily",
    "Resolved",
    "RunResult",
    "Scenario",
    "Simulation",
    "bench",
    "builtin_scenarios",
    "load_scenario",
    "resolve",
    "run_scenario",
]
