"""The numbers of the report's summary tables, computed from a run folder's ``daily`` table.

Kept apart from plotting so tests can compare the HTML with these numbers directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from scslab.runfolder import RunFolder


@dataclass(frozen=True)
class Row:
    """One summary row: a value at day 0 and at the last day, or one run total.

    ``start``/``end`` are subjects (bands, lists) or points (mean score); ``total`` is acts.
    ``None`` or NaN means "not available".
    """

    label: str
    start: float | None = None
    end: float | None = None
    total: float | None = None


@dataclass
class RegimeSummary:
    """Summary rows of one regime, grouped as in the report table."""

    regime: str
    bands: list[Row] = field(default_factory=list)
    lists: list[Row] = field(default_factory=list)
    mean_score: Row | None = None
    acts: list[Row] = field(default_factory=list)

    @property
    def rows(self) -> list[Row]:
        """All rows in display order."""
        head = [self.mean_score] if self.mean_score is not None else []
        return [*self.bands, *self.lists, *head, *self.acts]


def _start_end(values: np.ndarray) -> tuple[float | None, float | None]:
    if values.size == 0:
        return None, None
    return float(values[0]), float(values[-1])


def recorded_scope(run: RunFolder, regime: str) -> str:
    """The ``regime`` value under which ``recorded`` rows of ``regime`` are stored.

    Records are per regime when the writer knows the regime; a writer that records once for
    all regimes uses ``""``. Use the regime's own rows if any, else the shared ones.
    """
    return regime if run.has_metric("recorded", regime) else ""


def regime_summary(run: RunFolder, regime: str) -> RegimeSummary:
    """Band counts, list sizes and mean score at day 0 and the last day; act totals."""
    out = RegimeSummary(regime)
    for kind, target in (("band", out.bands), ("list", out.lists)):
        for key, values in run.series(kind, regime).items():
            start, end = _start_end(values)
            target.append(Row(f"{kind} {key}", start, end))
    mean = run.series("mean_score", regime, fill=math.nan)
    if mean:
        values = next(iter(mean.values()))
        start, end = _start_end(values)
        out.mean_score = Row("mean score (points)", start, end)
    occurred = sum(run.total("occurred", "").values())
    recorded = sum(run.total("recorded", recorded_scope(run, regime)).values())
    out.acts = [
        Row("acts occurred (total, all days)", total=float(occurred)),
        Row("acts recorded (total, all days)", total=float(recorded)),
    ]
    return out


def fmt(value: float | None) -> str:
    """Display form: thousands separators, integers without decimals, '—' for missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"
