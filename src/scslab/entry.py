"""The ``scslab`` executable: an interrupt guard around :func:`scslab.cli.main`.

This module imports nothing heavy, so Ctrl-C while the CLI's own modules load (typer, and
numpy or numba for most commands) still ends in one line and exit code 130, not a traceback.
"""

from __future__ import annotations

import signal
import sys

INTERRUPTED = 130  # 128 + SIGINT, what shells report for a command stopped by Ctrl-C


def main(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: the command line); return the exit code."""
    try:
        from scslab.cli import main as cli_main

        return cli_main(argv)
    except KeyboardInterrupt:
        sys.stderr.write("scslab: interrupted\n")
        return INTERRUPTED


def run() -> None:
    """The console script: :func:`main`, then exit without being interruptible.

    Once the command is done, Ctrl-C can change nothing; but while the interpreter shuts down
    (a second, for a large run) Python restores the default SIGINT action, and the shell would
    report the finished command as killed. Ignoring SIGINT from here on keeps the exit code.
    """
    code = main()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(code)
