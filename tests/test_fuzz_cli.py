"""Command-line options: every bad option, and every unusable --out, gives exit code 2 and one
line naming the option or path, before anything is simulated or written; Ctrl-C gives 130."""

from __future__ import annotations

import importlib.abc
import sys
from importlib import resources

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import assert_one_line_error, cli
from scslab import entry
from scslab.limits import DAYS
from scslab.regime import builtin_regimes
from scslab.sim import builtin_scenarios

SMALL = ("--persons", "50", "--days", "2")

# (name, argv, text the message must hold)
OPTION_CASES = [
    ("persons text", ("run", "rongcheng", "--persons", "abc"), "--persons"),
    ("persons zero", ("run", "rongcheng", "--persons", "0"), "--persons"),
    ("persons negative", ("run", "rongcheng", "--persons", "-5"), "--persons"),
    ("persons beyond memory", ("run", "rongcheng", "--persons", str(10**13)), "option --persons"),
    ("persons 2^70", ("run", "rongcheng", "--persons", str(2**70)), "option --persons"),
    ("days text", ("run", "rongcheng", "--days", "abc"), "--days"),
    ("days zero", ("run", "rongcheng", "--days", "0"), "--days"),
    ("days over the limit", ("run", "rongcheng", "--days", str(DAYS.hi + 1)), "--days"),
    ("days 2^31", ("run", "rongcheng", "--days", str(2**31)), "--days"),
    ("seed negative", ("run", "rongcheng", "--seed", "-1"), "--seed"),
    ("seed 2^64", ("run", "rongcheng", "--seed", str(2**64)), "--seed"),
    ("unknown option", ("run", "rongcheng", "--pesrons", "5"), "--pesrons"),
    ("unknown command", ("rnu", "rongcheng"), "rnu"),
    ("missing argument", ("run",), "SCENARIO"),
    ("out empty", ("run", "rongcheng", "--out", ""), "--out"),
    ("report without out", ("run", "rongcheng", "--report"), "--report"),
    ("as-of text", ("replay", "rongcheng", "r.csv", "--as-of", "soon"), "--as-of"),
    ("as-of week date", ("replay", "rongcheng", "r.csv", "--as-of", "2020-W01-1"), "--as-of"),
    ("as-of no such day", ("replay", "rongcheng", "r.csv", "--as-of", "2021-02-30"), "--as-of"),
    ("bench persons", ("bench", "--persons", "0"), "--persons"),
    ("demo days", ("demo", "--days", "40000"), "--days"),
    ("regimes export unknown", ("regimes", "export", "nope"), "unknown regime 'nope'"),
    ("scenarios export unknown", ("scenarios", "export", "nope"), "unknown scenario 'nope'"),
    ("report no folder", ("report", "no-such-folder"), "no-such-folder"),
]


@pytest.mark.parametrize(("name", "argv", "message"), OPTION_CASES, ids=[c[0] for c in OPTION_CASES])
def test_bad_option(tmp_path, monkeypatch, name, argv, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r.csv").write_text("date,subject,act\n2024-01-01,a,traffic_ticket\n")
    r = cli(*argv)
    assert_one_line_error(r, message)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv"]  # nothing written


def _out_cases(tmp_path):
    """(name, --out value, text the message must hold) for unusable output folders."""
    (tmp_path / "file").write_text("x")
    (tmp_path / "named").mkdir()
    (tmp_path / "named" / "daily.parquet").mkdir()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    return [
        ("existing file", tmp_path / "file", "is a file"),
        ("under a file", tmp_path / "file" / "run", "lies under"),
        ("dev null", "/dev/null", "is a file (or a device)"),
        ("unwritable", "/proc/scslab-run", "cannot be written"),
        ("named like an output", tmp_path / "named", "daily.parquet in the output folder is not a file"),
        ("holds files", tmp_path / "full", "already holds files (notes.txt)"),
        ("component over 255", tmp_path / ("o" * 300), "over 255 bytes"),
    ]


OUT_NAMES = ["existing file", "under a file", "dev null", "unwritable", "named like an output",
             "holds files", "component over 255"]


@pytest.mark.parametrize("case", OUT_NAMES)
def test_unusable_out_is_refused_before_simulating(tmp_path, monkeypatch, case):
    import scslab.sim

    def no_run(*a, **k):
        raise AssertionError("simulated despite a bad --out")

    monkeypatch.setattr(scslab.sim, "run_scenario", no_run)
    _, out, message = next(c for c in _out_cases(tmp_path) if c[0] == case)
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    for argv in (("run", "rongcheng", "--out", out, *SMALL), ("demo", "--out", out, *SMALL)):
        assert_one_line_error(cli(*argv), message)
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


def test_version_help_and_bare_command():
    from scslab import __version__

    r = cli("--version")
    assert (r.code, r.stdout) == (0, f"scslab {__version__}\n")
    for argv in (("--help",), ("run", "--help"), ()):
        r = cli(*argv)
        assert r.code == 0 and "Usage: scslab" in r.stdout, r.stderr
    assert "<int>" not in cli("run", "--help").stdout and "<bool>" not in cli("run", "--help").stdout


def test_every_option_has_help():
    import typer

    from scslab.cli import app

    def walk(cmd):
        yield cmd
        for sub in getattr(cmd, "commands", {}).values():
            yield from walk(sub)

    for cmd in walk(typer.main.get_command(app)):
        for p in cmd.params:
            if p.param_type_name == "option":
                assert p.help, (cmd.name, p.name)


def test_scenarios_list_and_export():
    r = cli("scenarios")
    assert r.code == 0
    lines = r.stdout.splitlines()
    assert [x.split()[0] for x in lines] == builtin_scenarios()
    assert all(len(x.split(maxsplit=1)) == 2 for x in lines)  # every one has a description
    for name in builtin_scenarios():
        text = (resources.files("scslab.sim.scenarios") / f"{name}.toml").read_text(encoding="utf-8")
        assert cli("scenarios", "export", name).stdout == text


def test_regimes_export_prints_the_rulebook_verbatim(tmp_path):
    for name in builtin_regimes():
        r = cli("regimes", "export", name)
        text = (resources.files("scslab.regime.library") / f"{name}.toml").read_text(encoding="utf-8")
        assert r.code == 0 and r.stdout == text
    p = tmp_path / "copy.toml"
    p.write_text(cli("regimes", "export", "rongcheng").stdout, encoding="utf-8")
    assert cli("check", p).code == 0


def test_ctrl_c_during_a_command_exits_130(tmp_path, monkeypatch):
    import scslab.sim

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(scslab.sim, "resolve", interrupted)
    r = cli("run", "rongcheng", "--out", tmp_path / "o")
    assert r.code == 130 and r.stderr == "scslab: interrupted\n" and r.stdout == ""
    assert not (tmp_path / "o").exists()


def test_ctrl_c_while_the_cli_loads_exits_130(monkeypatch, capsys):
    class Interrupt(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "scslab.cli":
                raise KeyboardInterrupt
            return None

    monkeypatch.delitem(sys.modules, "scslab.cli", raising=False)
    monkeypatch.setattr(sys, "meta_path", [Interrupt(), *sys.meta_path])
    assert entry.main(["--version"]) == 130
    assert capsys.readouterr().err == "scslab: interrupted\n"


def test_force_replaces_only_scslabs_own_files(tmp_path):
    out = tmp_path / "o"
    assert cli("run", "rongcheng", "--out", out, *SMALL).code == 0
    (out / "notes.txt").write_text("mine")
    (out / "report.html").write_text("old")
    (out / ".daily.parquet.abc.part").write_text("left by a kill")
    assert_one_line_error(cli("run", "rongcheng", "--out", out, *SMALL), "--force")
    r = cli("run", "rongcheng", "--out", out, *SMALL, "--force")
    assert r.code == 0, r.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == ["daily.parquet", "ledger.parquet", "manifest.json", "notes.txt",
                     "scenario.toml", "subjects.parquet"]
    assert (out / "notes.txt").read_text() == "mine"


def test_console_script_exits_uninterruptibly_after_the_command(monkeypatch):
    """After the command, Ctrl-C during interpreter shutdown must not turn exit 0 into 'killed'."""
    import signal

    calls = []
    monkeypatch.setattr(entry, "main", lambda argv=None: 0)
    monkeypatch.setattr(signal, "signal", lambda sig, handler: calls.append((sig, handler)))
    with pytest.raises(SystemExit) as info:
        entry.run()
    assert info.value.code == 0 and calls == [(signal.SIGINT, signal.SIG_IGN)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(option=st.sampled_from(["--persons", "--days", "--seed"]),
       value=st.one_of(st.text(max_size=12), st.integers(-2**80, 2**80).map(str)))
def test_any_option_value_gives_one_line(tmp_path, monkeypatch, option, value):
    """Property: with --out an existing file (given last, so it wins), every command line fails,
    always with one line naming the option at fault or the output folder, never a traceback."""
    monkeypatch.chdir(tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    r = cli("run", "rongcheng", option, value, "--out", blocker)
    assert_one_line_error(r)
    assert option in r.stderr or "a-file" in r.stderr or "No such option" in r.stderr, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"] and blocker.read_text() == "x"


def test_memory_estimate_follows_the_measurements():
    """run_bytes holds the measured peaks (docs in scslab.memory) with its margin, and grows
    with persons and regimes."""
    from scslab.memory import MARGIN, run_bytes

    mib = 2**20
    assert 499 * mib <= run_bytes(10**6, 1) <= 499 * mib * MARGIN
    assert 614 * mib <= run_bytes(10**6, 2) <= 614 * mib * MARGIN
    assert run_bytes(2 * 10**6, 1) > run_bytes(10**6, 1) and run_bytes(10**6, 3) > run_bytes(10**6, 2)
