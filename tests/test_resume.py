"""Checkpoints and resume: a run killed at any moment continues to the same bytes.

The kill test forks the run (so that each child starts with the kernels already loaded and a
tiny run takes a fraction of a second), SIGKILLs it at a random moment, checks that the folder
does not read as a run folder, and resumes it (killing resumed runs too) until it completes.
One test does the same with the ``scslab`` executable itself.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import assert_one_line_error, cli
from scslab.errors import InputError
from scslab.runfolder import read_run
from scslab.runfolder_write import CHECKPOINT_STATE, CHECKPOINTS
from scslab.sim.checkpoint import Checkpoints
from scslab.sim.run import run_scenario
from scslab.sim.scenario import builtin_scenarios
from scslab.society.population import HOUSEHOLD_BLOCK

# court-sources: two regimes, declared sources, late deletions; 80 days drain the ledger at
# days 31 and 63 and at the end, between checkpoints every 7 days.
SCENARIO = "court-sources"
RUN = {"persons": 3000, "days": 80, "seed": 5}
EVERY = 7
CLI_RUN = [SCENARIO, "--persons", "3000", "--days", "80", "--seed", "5"]
KILLS = 24


def digests(folder: Path) -> dict[str, str]:
    """Every entry of the folder (hidden ones included) with its SHA-256."""
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() if f.is_file() else "dir"
            for f in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, str]:
    """The files of an uninterrupted run without checkpoints."""
    out = tmp_path_factory.mktemp("reference") / "run"
    run_scenario(SCENARIO, out=out, checkpoint_every=0, **RUN)
    files = digests(out)
    assert set(files) == {"manifest.json", "scenario.toml", "daily.parquet", "subjects.parquet",
                          "ledger.parquet", "records.parquet", "gates.parquet"}
    return files


def _child(out: Path, resume: bool) -> None:
    run_scenario(SCENARIO, out=out, resume=resume, checkpoint_every=EVERY, **RUN)


def assert_not_a_run_folder(out: Path) -> None:
    with pytest.raises(InputError) as exc:
        read_run(out)
    assert "\n" not in str(exc.value)


def complete(out: Path) -> bool:
    """Whether a killed run's folder reads as a run folder; if not, the refusal is one line."""
    try:
        read_run(out)
    except InputError as exc:
        assert "\n" not in str(exc)
        return False
    return True


def test_checkpoints_change_no_byte(tmp_path, reference):
    out = tmp_path / "run"
    run_scenario(SCENARIO, out=out, checkpoint_every=EVERY, **RUN)
    assert digests(out) == reference  # and the checkpoint folder is gone


def test_runs_killed_at_random_moments_resume_to_the_same_bytes(tmp_path, reference):
    ctx = mp.get_context("fork")
    t0 = time.perf_counter()
    _child(tmp_path / "timing", False)
    took = time.perf_counter() - t0
    rng = random.Random(20261203)
    kills = from_checkpoint = trials = 0
    while kills < KILLS:
        trials += 1
        assert trials < 10 * KILLS, "the runs end before they can be killed"
        out = tmp_path / f"run{trials}"
        resume = False
        for attempt in range(5):
            p = ctx.Process(target=_child, args=(out, resume))
            p.start()
            # The fifth start in a trial is let finish, so that every trial ends.
            p.join(rng.uniform(0.0, 1.2 * took) if attempt < 4 else 120)
            if p.exitcode is not None:
                break
            os.kill(p.pid, signal.SIGKILL)
            p.join()
            kills += 1
            if complete(out):  # killed after its manifest was written: it is complete
                break
            from_checkpoint += (out / CHECKPOINTS / CHECKPOINT_STATE).is_file()
            resume = True
        assert p.exitcode in (0, -signal.SIGKILL)
        assert digests(out) == reference, f"trial {trials}, after {kills} kills"
        read_run(out)
    assert from_checkpoint >= KILLS // 4  # most resumed runs continued from a checkpoint


def test_the_executable_killed_and_resumed(tmp_path, reference):
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "scslab", "run", *CLI_RUN, "--checkpoint-every", "5"]
    p = subprocess.Popen([*cmd, "--out", str(out)], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    state = out / CHECKPOINTS / CHECKPOINT_STATE
    deadline = time.monotonic() + 60
    while not state.is_file() and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert state.is_file()
    assert_not_a_run_folder(out)
    r = subprocess.run([*cmd, "--resume", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert digests(out) == reference


def killed_at(out: Path, day: int) -> None:
    """A run stopped after day index ``day``, with its checkpoints (as if killed)."""
    class Stop(Exception):
        pass

    def stop(k: int) -> None:
        if k == day:
            raise Stop

    with pytest.raises(Stop):
        run_scenario(SCENARIO, out=out, checkpoint_every=EVERY, on_day=stop, **RUN)
    assert (out / CHECKPOINTS / CHECKPOINT_STATE).is_file()


def test_resume_refuses_another_run_and_leaves_the_folder(tmp_path):
    out = tmp_path / "run"
    killed_at(out, 20)
    before = digests(out / CHECKPOINTS)
    r = cli("run", *CLI_RUN[:-1], "6", "--resume", out)
    assert_one_line_error(r, "--resume", "seed")
    r = cli("run", *CLI_RUN, "--set", "behaviour.aware_share=0.25", "--resume", out)
    assert_one_line_error(r, "--resume", "scenario")
    assert digests(out / CHECKPOINTS) == before


def test_resume_refuses_a_complete_folder_and_a_second_out(tmp_path, reference):
    out = tmp_path / "run"
    run_scenario(SCENARIO, out=out, **RUN)
    assert_one_line_error(cli("run", *CLI_RUN, "--resume", out), "--resume", "complete")
    assert_one_line_error(cli("run", *CLI_RUN, "--resume", out, "--out", tmp_path / "x"),
                          "--resume", "--out")
    assert digests(out) == reference


def test_resume_without_a_checkpoint_runs_from_day_0(tmp_path, reference):
    out = tmp_path / "never-started"
    assert cli("run", *CLI_RUN, "--resume", out).code == 0
    assert digests(out) == reference


def test_resume_refuses_a_folder_a_run_still_writes(tmp_path):
    out = tmp_path / "run"
    killed_at(out, 10)
    holder = Checkpoints(out, EVERY).lock()  # the lock of a run still going
    try:
        with pytest.raises(InputError, match="still writing"):
            run_scenario(SCENARIO, out=out, resume=True, **RUN)
    finally:
        holder.release()
    run_scenario(SCENARIO, out=out, resume=True, **RUN)
    read_run(out)


def test_force_clears_a_killed_runs_checkpoints(tmp_path, reference):
    out = tmp_path / "run"
    killed_at(out, 30)
    assert_one_line_error(cli("run", *CLI_RUN, "--out", out), "--force")
    run_scenario(SCENARIO, out=out, force=True, checkpoint_every=0, **RUN)
    assert digests(out) == reference


@pytest.mark.parametrize("bad", ["-1", "40000", "x"])
def test_bad_checkpoint_interval_is_one_line(tmp_path, bad):
    r = cli("run", *CLI_RUN, "--out", tmp_path / "o", "--checkpoint-every", bad)
    assert r.code == 2 and "--checkpoint-every" in r.stderr, r.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("scenario", builtin_scenarios())
def test_every_scenario_resumes_to_the_same_bytes(tmp_path, scenario):
    """Whatever state a scenario's mechanisms hold (gates, shaming, friends, sources), a
    checkpoint of it continues the run; with partitions too, which the checkpoint keeps."""
    run = {"persons": 3 * HOUSEHOLD_BLOCK + 100, "days": 40, "seed": 11}
    whole = tmp_path / "whole"
    run_scenario(scenario, out=whole, checkpoint_every=0, **run)

    def stop(k: int) -> None:
        if k == 23:
            raise KeyboardInterrupt

    out = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):
        run_scenario(scenario, out=out, checkpoint_every=EVERY, partitions=3, on_day=stop, **run)
    assert (out / CHECKPOINTS / CHECKPOINT_STATE).is_file()
    run_scenario(scenario, out=out, resume=True, **run)
    assert digests(out) == digests(whole)
