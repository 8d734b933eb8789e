"""Shell completion: ``scslab --show-completion SHELL`` and ``--install-completion SHELL``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scslab.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), SHELL="/bin/bash")
    env.update(extra)
    return env


def _scslab(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scslab", *args], capture_output=True, text=True,
                          env=_env(**env), timeout=120, check=False)


@pytest.mark.parametrize(("shell", "marker"), [
    ("bash", "complete -o default -F _scslab_completion scslab"),
    ("zsh", "#compdef scslab"),
    ("fish", "complete --command scslab"),
])
def test_show_completion_prints_the_script_of_the_named_shell(capsys, shell, marker):
    assert main(["--show-completion", shell]) == 0
    out = capsys.readouterr().out
    assert marker in out and "_SCSLAB_COMPLETE" in out


def test_show_completion_bash_from_the_command_line():
    result = _scslab("--show-completion", "bash")
    assert result.returncode == 0, result.stderr
    assert "_scslab_completion()" in result.stdout and "complete_bash" in result.stdout


def test_an_unknown_shell_is_one_line_and_exit_2(capsys):
    assert main(["--show-completion", "tcsh"]) == 2
    err = capsys.readouterr().err
    assert "unknown shell 'tcsh'" in err and "bash" in err and "Traceback" not in err


def test_help_lists_the_completion_options(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "--install-completion" in out and "--show-completion" in out


def test_the_script_gets_commands_and_options_back():
    """What the installed script asks: the words so far; scslab answers with completions."""
    result = _scslab(_SCSLAB_COMPLETE="complete_bash", COMP_WORDS="scslab re", COMP_CWORD="1")
    assert result.returncode == 0, result.stderr
    assert {"replay", "report", "regimes"} <= set(result.stdout.split())
    result = _scslab(_SCSLAB_COMPLETE="complete_bash", COMP_WORDS="scslab run --pe", COMP_CWORD="2")
    assert "--persons" in result.stdout.split()


def test_install_completion_writes_into_home(tmp_path):
    result = _scslab("--install-completion", "bash", HOME=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "bash completion installed" in result.stdout
    script = tmp_path / ".bash_completions" / "scslab.sh"
    assert script.is_file() and "_scslab_completion" in script.read_text()
    assert str(script) in (tmp_path / ".bashrc").read_text()
