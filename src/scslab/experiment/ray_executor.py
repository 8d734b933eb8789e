"""Runs an experiment's specs as Ray tasks, on a Ray cluster or on a local one.

Ray is an optional dependency (``pip install 'scslab[ray]'``); it is imported only when a
:class:`RayExecutor` first maps something, so the rest of scslab never needs it.

Each spec becomes one task (``num_cpus=1``) that runs :func:`~scslab.experiment.spec.run_spec`
(or whatever function is mapped) on a worker and returns its Arrow table; the results are yielded
in the specs' order, whatever order the tasks finish in. A run depends only on its spec (scenario,
persons, days, seed, overrides), never on where it ran, so a sweep gives the same tables on a
cluster as in one process. The workers must be able to import the same scslab (install it on
every node, or start the cluster from an environment that has it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pyarrow as pa

from scslab.errors import InputError
from scslab.experiment.spec import RunSpec

__all__ = ["RayExecutor"]

#: ``--ray-address`` values that start a new local cluster in this process (and stop it after).
LOCAL = ("", "local")


def _ray() -> Any:
    try:
        import ray
    except ImportError as e:  # pragma: no cover - depends on the installation
        raise InputError("option --ray-address: Ray is not installed; install it with "
                         "pip install 'scslab[ray]'") from e
    return ray


class RayExecutor:
    """Maps specs over Ray tasks; yields the results in the specs' order.

    If Ray is already initialised in this process (``ray.init(...)`` called by the user or a
    test), its cluster is used and left running. Otherwise :meth:`map` connects with
    ``ray.init(address=address)`` and disconnects when the map ends; ``address`` ``None`` or
    ``"local"`` starts a local cluster of this machine's CPUs for the map (``"auto"`` joins the
    cluster started on this machine with ``ray start``; ``ray://HOST:10001`` a remote one).

    Args:
        address: the Ray cluster's address (None or ``"local"``: a new local cluster).
        processes: runs at once that callers (calibration) should batch; None: the cluster's CPUs.
    """

    def __init__(self, address: str | None = None, processes: int | None = None) -> None:
        if processes is not None and processes < 1:
            raise InputError(f"option --processes: at least 1 is needed, got {processes}")
        self.address = address
        self._processes = processes

    @property
    def local(self) -> bool:
        """Whether the runs execute on this machine (a local cluster started here)."""
        return self.address is None or self.address in LOCAL

    @property
    def runs_here(self) -> int:
        """Runs at once in this machine's memory: 0 for a remote cluster (the driver holds none)."""
        return self.processes if self.local else 0

    @property
    def processes(self) -> int:
        """Runs at once: as given, else the cluster's CPUs (connects to the cluster to ask)."""
        if self._processes is not None:
            return self._processes
        if self.local and not _ray().is_initialized():
            import os

            return max(1, os.cpu_count() or 1)
        ray, started = self._connect()
        try:
            return max(1, int(ray.cluster_resources().get("CPU", 1)))
        finally:
            if started:
                ray.shutdown()

    def _connect(self) -> tuple[Any, bool]:
        """Ray, initialised; and whether this call started it (so must shut it down)."""
        ray = _ray()
        if ray.is_initialized():
            return ray, False
        address = None if self.local else self.address
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=False,
                     configure_logging=False)
        except ConnectionError as e:
            raise InputError(f"option --ray-address: cannot connect to the Ray cluster at "
                             f"{self.address!r}: {str(e).splitlines()[0] if str(e) else e}") from e
        return ray, True

    def map(self, fn: Callable[[RunSpec], pa.Table], specs: Sequence[RunSpec]) -> Iterator[pa.Table]:
        """``fn(spec)`` for each spec, as Ray tasks; the results in the specs' order."""
        if not specs:
            return
        ray, started = self._connect()
        refs: list[Any] = []
        try:
            task = ray.remote(num_cpus=1, max_retries=0)(fn)
            refs = [task.remote(s) for s in specs]
            for i, ref in enumerate(refs):
                yield ray.get(ref)
                refs[i] = None  # let Ray free the result
        except BaseException:
            # Ctrl-C or a failed run: cancel the runs not yet finished rather than wait for them.
            for ref in refs:
                if ref is not None:
                    ray.cancel(ref, force=True)
            raise
        finally:
            if started:
                ray.shutdown()
