"""Where an experiment's runs execute: the seam between the design and the machines.

A :class:`~scslab.experiment.spec.RunSpec` is one run, small and picklable, and
:func:`~scslab.experiment.spec.run_spec` executes it and returns its tidy metrics. An executor
maps a function over specs and yields the results in the specs' order. There is
:class:`LocalExecutor` (this process, or a pool of local processes) and
:class:`~scslab.experiment.ray_executor.RayExecutor` (tasks on a Ray cluster, in its own module so
that Ray is imported only when used). An executor may also say how many runs it runs at once
(``processes``) and how many of them in this machine's memory (``runs_here``; default
``processes``), which calibration and the memory check read.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Protocol

import pyarrow as pa

from scslab.errors import InputError
from scslab.experiment.spec import RunSpec, run_spec

__all__ = ["Executor", "LocalExecutor", "RunSpec", "check_specs", "run_spec"]


class Executor(Protocol):
    """Runs a function over items; yields the results in the items' order."""

    def map(self, fn: Callable[[RunSpec], pa.Table], specs: Sequence[RunSpec]) -> Iterator[pa.Table]:
        """``fn(spec)`` for each spec, in order."""
        ...


class LocalExecutor:
    """Runs specs in this process (``processes=1``) or in a pool of local processes.

    Worker processes are started with ``spawn``: numba's threads and the parent's state are not
    inherited, and each worker loads the compiled kernels from numba's on-disk cache.

    Args:
        processes: how many runs at once (1: in this process, in order).
    """

    def __init__(self, processes: int = 1) -> None:
        if processes < 1:
            raise InputError(f"option --processes: at least 1 is needed, got {processes}")
        self.processes = processes

    def map(self, fn: Callable[[RunSpec], pa.Table], specs: Sequence[RunSpec]) -> Iterator[pa.Table]:
        """``fn(spec)`` for each spec, in order."""
        if self.processes == 1 or len(specs) <= 1:
            for s in specs:
                yield fn(s)
            return
        ctx = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(max_workers=min(self.processes, len(specs)), mp_context=ctx)
        try:
            yield from pool.map(fn, specs)
        except BaseException:
            # Ctrl-C or a failed run: drop the queued runs rather than wait for them.
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()


def check_specs(specs: Sequence[RunSpec]) -> None:
    """Resolve every distinct arm once, before anything runs: a bad value fails early.

    Raises:
        InputError: an override is not valid for the scenario (the message names the key).
    """
    seen: set[tuple] = set()
    for s in specs:
        key = tuple(sorted((k, repr(v)) for k, v in s.sets.items()))
        if key not in seen:
            seen.add(key)
            s.resolve()
