"""The Ray executor: the same sweep tables as in this process, on a local Ray cluster started here."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from helpers import cli
from scslab.experiment import Experiment, LocalExecutor

ray = pytest.importorskip("ray")

from scslab.experiment.ray_executor import RayExecutor  # noqa: E402


@pytest.fixture(scope="module")
def local_ray():
    """A local Ray cluster of 2 CPUs for this module's tests, shut down after them."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        yield
    finally:
        ray.shutdown()


AXES = {"behaviour.aware_share": [0.2, 0.8]}


@pytest.fixture(scope="module")
def local():
    """The tiny sweep (2 arms x 2 seeds, 500 persons, 20 days) in this process."""
    return Experiment("rongcheng", persons=500, days=20, seeds=2, executor=LocalExecutor()).sweep(AXES)


def test_ray_sweep_equals_local(local_ray, local):
    """The tiny sweep through Ray tasks gives the tables of one process."""
    axes = AXES
    on_ray = Experiment("rongcheng", persons=500, days=20, seeds=2,
                        executor=RayExecutor()).sweep(axes)
    assert on_ray.results.num_rows > 0
    assert on_ray.results.equals(local.results)
    assert on_ray.summary.equals(local.summary)
    assert ray.is_initialized()  # the executor used, and left, the cluster it found


def test_ray_executor_says_how_many_runs_at_once(local_ray):
    assert RayExecutor().processes == 2  # the cluster's CPUs
    assert RayExecutor(processes=3).processes == 3
    assert RayExecutor("ray://example:10001").runs_here == 0  # a remote cluster: none here


def test_cli_sweep_on_ray_writes_the_local_results(local_ray, local, tmp_path):
    """``scslab sweep --ray-address local`` uses the cluster already started in this process."""
    out = tmp_path / "sw"
    r = cli("sweep", "rongcheng", "--set", "behaviour.aware_share=0.2,0.8", "--seeds", 2,
            "--persons", 500, "--days", 20, "--ray-address", "local", "--out", out)
    assert r.code == 0, r.stderr
    assert pq.read_table(out / "results.parquet").equals(local.results)


def test_a_study_on_ray_gives_the_local_results(local_ray, tmp_path):
    """Studies share the executor seam: replicates spread over a cluster, the same tables."""
    from scslab.studies import run_study

    here = run_study("offsetting", quick=True, replicates=3)
    there = run_study("offsetting", quick=True, replicates=3, executor=RayExecutor())
    assert there.results.equals(here.results)
    assert there.runs.equals(here.runs)
