"""What each built-in study measures: one module per study, named by its file's ``measures``.

A module defines ``Measure``, built on the initialised simulation before it runs::

    class Measure:
        keep_ledger = False                     # True: the run keeps its ledger lines
        def __init__(self, sim, options, arm): ...   # options: the study file's [options]
        def on_day(self, k): ...                # after each simulated day (index k)
        def rows(self, metrics): ...            # -> [(metric, date or None, value), ...]

``metrics`` is the run's tidy table (:mod:`scslab.experiment.metrics`). A module may also
define ``conclude(res) -> list[str]``, sentences the report adds to the
conclusion, and ``extra_files(res) -> {name: bytes}``, files the study folder gets.
"""

from __future__ import annotations

import importlib
from types import ModuleType


def measure_module(name: str) -> ModuleType:
    """The measure module ``name`` (``scslab.studies.measures.<name>``)."""
    return importlib.import_module(f"{__name__}.{name}")
