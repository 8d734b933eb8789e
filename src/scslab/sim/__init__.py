"""scslab.sim: scenarios, the daily loop, run folders and the benchmark."""

from scslab.sim.loop import Daily, Simulation
from scslab.sim.run import RunResult, bench, run_scenario
from scslab.sim.scenario import Scenario, builtin_scenarios, load_scenario

__all__ = [
    "Daily",
    "RunResult",
    "Scenario",
    "Simulation",
    "bench",
    "builtin_scenarios",
    "load_scenario",
    "run_scenario",
]
