"""scslab: a laboratory for social credit regimes, run on synthetic societies only.

The public API: rulebooks and replay (``load_rulebook``, ``read_records``, ``replay``,
``explain``), simulation (``load_scenario``, ``run_scenario``, ``Simulation``, ``bench``),
societies (``build_society``), run folders and reports (``read_run``, ``write_report``).

Names are imported on first use: the simulation pulls in numba (a second or more), and the
command line should not pay for it to print ``--version`` or an option error.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from scslab._version import __version__
from scslab.errors import InputError

# name -> module that defines it
_EXPORTS = {
    "Engine": "scslab.regime", "Records": "scslab.regime", "Rulebook": "scslab.regime",
    "builtin_regimes": "scslab.regime", "describe_rulebook": "scslab.regime",
    "explain": "scslab.regime", "load_rulebook": "scslab.regime",
    "read_records": "scslab.regime", "replay": "scslab.regime",
    "write_report": "scslab.report",
    "Streams": "scslab.rng",
    "RunFolder": "scslab.runfolder", "read_run": "scslab.runfolder",
    "RunResult": "scslab.sim", "Scenario": "scslab.sim", "Simulation": "scslab.sim",
    "bench": "scslab.sim", "builtin_scenarios": "scslab.sim", "load_scenario": "scslab.sim",
    "run_scenario": "scslab.sim",
    "Experiment": "scslab.experiment",
    "Society": "scslab.society", "SocietyParams": "scslab.society",
    "build_society": "scslab.society",
}

__all__ = [
    "Engine",
    "Experiment",
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


def __getattr__(name: str) -> Any:
    """Import a public name (or a subpackage such as ``scslab.sim``) on first access."""
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError:
        raise AttributeError(f"module 'scslab' has no attribute {name!r}") from None


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:  # for type checkers and editors: the same names, imported eagerly
    # From their defining modules: imported through scslab.regime, whose submodules of the same
    # names they shadow, mypy reports them as redefined (no-redef).
    from scslab.experiment import Experiment
    from scslab.regime import (
        Engine,
        Records,
        Rulebook,
        builtin_regimes,
        describe_rulebook,
        load_rulebook,
        read_records,
    )
    from scslab.regime.explain import explain
    from scslab.regime.replay import replay
    from scslab.report import write_report
    from scslab.rng import Streams
    from scslab.runfolder import RunFolder, read_run
    from scslab.sim import (
        RunResult,
        Scenario,
        Simulation,
        bench,
        builtin_scenarios,
        load_scenario,
        run_scenario,
    )
    from scslab.society import Society, SocietyParams, build_society
