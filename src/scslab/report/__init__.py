"""scslab.report: one self-contained HTML report with plots from a run folder.

``write_report`` imports matplotlib only when called, so importing this package stays cheap
(the CLI imports it on every start).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["write_report"]


def write_report(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write ``run_dir/report.html`` (or ``out``) atomically and return its path.

    Raises:
        scslab.errors.InputError: ``run_dir`` is not a run folder.
    """
    from scslab.report.build import write_report as _write_report

    return _write_report(run_dir, out)
