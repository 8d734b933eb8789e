"""The ``dashboard`` command: a local web app over run, study and sweep folders.

Registered on the main app by :mod:`scslab.cli`. The folders are found and checked before Dash is
imported, so a missing or wrong folder is one line and exit code 2 even where the ``dashboard``
extra is not installed.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from typing import Annotated

import typer

from scslab.errors import InputError
from scslab.text import safe_text

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8050


def _host(value: str) -> str:
    """A host to bind: an IP address or a name (checked only for shape; binding tells the rest)."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        if not value or len(value) > 253 or any(c.isspace() or c in "/?#@" for c in value):
            raise InputError(f"option --host: an IP address or host name was expected, "
                             f"got {value[:60]!r}") from None
    return value


def _check_bind(host: str, port: int) -> None:
    """Bind ``host:port`` once and let go, so a taken port is one line (the server would exit 1)."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
    except OSError as exc:  # socket.gaierror included: a name that does not resolve
        raise InputError(f"option --host/--port: cannot listen on {host}:{port}: "
                         f"{exc.strerror or exc}") from None


def dashboard(
    dirs: Annotated[list[str] | None, typer.Argument(
        help="run, study or sweep folders, or folders that hold them (default: the current folder)",
        metavar="DIR")] = None,
    host: Annotated[str, typer.Option(
        "--host", metavar="ADDRESS",
        help="address to listen on; only this machine by default (another address exposes the "
             "dashboard to the network)")] = DEFAULT_HOST,
    port: Annotated[int, typer.Option("--port", min=1, max=65535, metavar="PORT",
                                      help="port to listen on")] = DEFAULT_PORT,
) -> None:
    """Serve a local web dashboard of run folders, studies and sweeps (docs/dashboard.md)."""
    from scslab.dashboard.folders import discover

    cat = discover(list(dirs or ["."]))
    _host(host)
    _check_bind(host, port)
    try:
        from scslab.dashboard.app import serve
    except ImportError as exc:
        raise InputError(f"the dashboard needs the 'dashboard' extra (pip install "
                         f"'scslab[dashboard]'): {exc.name or exc} is missing") from None
    for note in cat.notes:
        sys.stderr.write(safe_text(note) + "\n")
    shown = f"[{host}]" if ":" in host else host
    sys.stdout.write(f"scslab dashboard: {len(cat.runs)} run(s), {len(cat.studies)} study(ies), "
                     f"{len(cat.sweeps)} sweep(s) of synthetic societies at http://{shown}:{port}/ "
                     "(Ctrl-C stops it)\n")
    sys.stdout.flush()
    try:
        serve(cat, host, port)
    except OSError as exc:  # the port is taken, the address is not this machine's
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def register(app: typer.Typer) -> None:
    """Add the ``dashboard`` command to ``app``."""
    app.command()(dashboard)
