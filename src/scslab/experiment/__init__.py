"""scslab.experiment: replicates, sweeps, comparison, sensitivity and calibration of scenarios.

See docs/experiments.md. :class:`Experiment` is the Python API; ``scslab sweep``, ``compare``,
``sensitivity`` and ``calibrate`` are the same on the command line.
"""

from scslab.experiment.api import Experiment, compare
from scslab.experiment.executor import Executor, LocalExecutor, RunSpec
from scslab.experiment.params import Range
from scslab.experiment.sweep import SweepResult

__all__ = ["Executor", "Experiment", "LocalExecutor", "Range", "RunSpec", "SweepResult", "compare"]
