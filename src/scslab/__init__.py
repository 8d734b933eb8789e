"""scslab: a laboratory for social credit regimes, run on synthetic societies only.

The public API: rulebooks and replay (``load_rulebook``, ``read_records``, ``replay``,
``explain``), simulation (``load_scenario``, ``run_scenario``, ``Simulation``, ``bench``),
societies (``build_society``), run folders and reports (``read_run``, ``write_report``).
"""

from scslab._version import __version__
from scslab.errors import InputError
from scslab.regime import (
    Engine,
    Records,
    Rulebook,
    builtin_regimes,
    describe_rulebook,
    explain,
    load_rulebook,
    read_records,
    replay,
)
from scslab.report import write_report
from scslab.rng import Streams
from scslab.runfolder import RunFolder, read_run
from scslab.sim import RunResult, Scenario, Simulation, bench, builtin_scenarios, load_scenario, run_scenario
from scslab.society import Society, SocietyParams, build_society

__all__ = [
    "Engine",
    "InputError",
    "Records",
    "Rulebook",
    "RunFolder",
    "RunResult",
    "Scenario",
    "Simulation",
    "Society",
    "SocietyParams",
    "Streams",
    "__version__",
    "bench",
    "build_society",
    "builtin_regimes",
    "builtin_scenarios",
    "describe_rulebook",
    "explain",
    "load_rulebook",
    "load_scenario",
    "read_records",
    "read_run",
    "replay",
    "run_scenario",
    "write_report",
]
