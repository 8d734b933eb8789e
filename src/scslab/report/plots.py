"""Matplotlib figures rendered to PNG data URIs (no files, no external resources).

Figures are built with :class:`matplotlib.figure.Figure` on an explicit Agg canvas, never
through ``pyplot``: this selects the Agg backend for these figures only, leaves the global
backend of the caller alone and keeps no figure registry alive. PNGs are saved without the
``Software`` metadata and with fixed rcParams so the same data give the same bytes.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib
import matplotlib.dates as mdates
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.typing import RcKeyType

#: Fixed style: a user's matplotlibrc must not change the report's bytes. Keyed by matplotlib's
#: own rc key type, so mypy rejects a misspelt key.
_RC: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.labelsize": 9.0,
    "legend.fontsize": 8.0,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "savefig.dpi": 100,
    "figure.dpi": 100,
    "path.simplify": True,
}

#: Label of the remainder series (e.g. all acts beyond the top 8), drawn grey and dashed.
OTHER = "other"

#: Histograms use at most this many bins.
_MAX_BINS = 100

#: At most this many legend entries are shown in one column before a second column is used.
_LEGEND_ROWS = 10


def _figure(width: float = 8.0, height: float = 3.6) -> Figure:
    """A new figure (size in inches at 100 dpi) attached to an Agg canvas."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _png_uri(fig: Figure) -> str:
    """Encode ``fig`` as a ``data:image/png;base64,...`` URI."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _legend(ax: Axes, n: int) -> None:
    if n > 0:
        ax.legend(
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            ncols=1 + (n - 1) // _LEGEND_ROWS,
            frameon=False,
        )


def _days(n_days: int, start: str | None = None) -> np.ndarray:
    """The x values: dates from ``start`` (ISO date), or day indices without one."""
    if start is None:
        return np.arange(n_days, dtype=np.int64)
    return np.datetime64(start, "D") + np.arange(n_days)


def _xlim(ax: Axes, x: np.ndarray) -> None:
    if len(x) > 1:
        ax.set_xlim(x[0], x[-1])
    if x.dtype.kind == "M":  # dates: few ticks, short labels, so they never overlap
        locator = mdates.AutoDateLocator(minticks=3, maxticks=7)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _finish(fig: Figure, ax: Axes, title: str, xlabel: str, ylabel: str, n_series: int) -> str:
    """Title, axis labels and legend, then the figure as a PNG data URI."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    _legend(ax, n_series)
    return _png_uri(fig)


def stacked_area(
    series: dict[str, np.ndarray], *, title: str, ylabel: str, xlabel: str = "date",
    start: str | None = None,
) -> str:
    """Stacked areas of day series, in the given key order (first key at the bottom).

    The legend lists the keys top to bottom as the stack shows them. ``start``: the first day's
    ISO date, for dates on the x-axis (day indices without it).
    """
    with matplotlib.rc_context(_RC):
        fig = _figure()
        ax = fig.add_subplot()
        labels = list(series)
        n_days = len(next(iter(series.values()))) if series else 0
        # Bands are ordered high->low; a sequential colormap makes that order readable.
        colors = matplotlib.colormaps["viridis"](np.linspace(0.9, 0.1, max(len(labels), 1)))
        x = _days(n_days, start)
        if labels:
            ax.stackplot(x, *series.values(), labels=labels, colors=colors[: len(labels)])
        _xlim(ax, x)
        ax.set_title(title)
        ax.set_xlabel(xlabel if start is not None or xlabel != "date" else "day of run (days)")
        ax.set_ylabel(ylabel)
        if labels:  # the stack's order, top first (matplotlib lists the bottom area first)
            handles, names = ax.get_legend_handles_labels()
            ax.legend(handles[::-1], names[::-1], loc="upper left", bbox_to_anchor=(1.01, 1.0),
                      ncols=1 + (len(labels) - 1) // _LEGEND_ROWS, frameon=False)
        return _png_uri(fig)


def lines(
    series: dict[str, np.ndarray],
    *,
    title: str,
    ylabel: str,
    xlabel: str = "date",
    start: str | None = None,
) -> str:
    """One line per key over days (dates from ``start``, an ISO date, when given)."""
    with matplotlib.rc_context(_RC):
        fig = _figure()
        ax = fig.add_subplot()
        for label, values in series.items():
            # The remainder bucket is not one act: draw it apart from the real ones.
            style: dict[str, Any] = {"color": "0.45", "linestyle": "--"} if label == OTHER else {}
            ax.plot(_days(len(values), start), values, label=label, linewidth=1.2, **style)
        n_days = max((len(v) for v in series.values()), default=0)
        _xlim(ax, _days(n_days, start))
        ax.set_ylim(bottom=0)
        shown = xlabel if start is not None or xlabel != "date" else "day of run (days)"
        return _finish(fig, ax, title, shown, ylabel, len(series))


def histograms(
    samples: dict[str, np.ndarray], *, title: str, xlabel: str, ylabel: str
) -> str:
    """Overlaid step histograms of integer samples on shared bins (at most 100 bins).

    Counting is done by :func:`numpy.histogram` (vectorised over 10^6 values); only the bin
    counts reach matplotlib, so drawing cost does not grow with the sample size. Every sample is
    a step line (none filled); when one bin of a sample holds more than half of it (everyone
    starts at the same score), the counts are drawn on a log scale, so the spike does not
    flatten the other distributions.
    """
    nonempty = [v for v in samples.values() if v.size]
    lo = min((float(v.min()) for v in nonempty), default=0.0)
    hi = max((float(v.max()) for v in nonempty), default=1.0)
    # Scores are integers: bins a whole number of points wide, edges halfway between
    # integers, so no bin holds one value more than its neighbour (no comb pattern).
    width = max(1, int(np.ceil((hi - lo + 1) / _MAX_BINS)))
    edges = np.arange(np.floor(lo) - 0.5, np.ceil(hi) + width, width, dtype=np.float64)
    with matplotlib.rc_context(_RC):
        fig = _figure()
        ax = fig.add_subplot()
        spike = False
        for label, values in samples.items():
            counts, _ = np.histogram(values, bins=edges)
            spike |= bool(counts.size) and counts.max() > 0.5 * max(counts.sum(), 1)
            ax.stairs(counts, edges, label=label, linewidth=1.4)
        if spike and len(samples) > 1:
            ax.set_yscale("log")
            ax.set_ylim(bottom=0.8)
            ylabel = f"{ylabel}, log scale"
        else:
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts of subjects
            ax.set_ylim(bottom=0)
        return _finish(fig, ax, title, xlabel, ylabel, len(samples))


def denial_rates(
    services: Sequence[str],
    rates: Mapping[str, Sequence[float]],
    *,
    title: str,
    xlabel: str = "denied (% of requests)",
) -> str:
    """One compact dot chart: a row per service, one marker per ``rates`` entry (a regime).

    Rates are percentages of the service's requests, so services of very different demand
    share one linear axis; a service's markers sit on one line, so the chart grows by one
    row per service, not per service and regime. NaN (no requests) draws no marker.
    """
    n = len(services)
    markers = "osD^vP*X"
    with matplotlib.rc_context(_RC):
        fig = _figure(8.0, min(1.1 + 0.24 * max(n, 1), 6.0))
        ax = fig.add_subplot()
        y = np.arange(n, dtype=np.float64)
        top = 0.0
        for i, (label, vals) in enumerate(rates.items()):
            v = np.asarray(list(vals), dtype=np.float64)
            if np.isfinite(v).any():
                top = max(top, float(np.nanmax(v)))
            ax.plot(v, y, linestyle="none", marker=markers[i % len(markers)], markersize=5,
                    label=label, alpha=0.85)
        ax.set_yticks(y, list(services))
        ax.set_ylim(n - 0.5, -0.5)  # first service on top, as in the table
        ax.set_xlim(0, max(1.0, top * 1.08))
        ax.grid(axis="y", alpha=0.15)
        return _finish(fig, ax, title, xlabel, "", len(rates))
