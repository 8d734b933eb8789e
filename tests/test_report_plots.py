"""What the report's plots show: dates, stack-ordered legends, a readable start spike, labels."""

from __future__ import annotations

import numpy as np
import pytest

from scslab.report import plots


@pytest.fixture()
def figures(monkeypatch):
    """The plot functions return their matplotlib figure instead of a PNG."""
    monkeypatch.setattr(plots, "_png_uri", lambda fig: fig)


def test_stacked_legend_lists_the_stack_top_first(figures):
    fig = plots.stacked_area({"AAA": np.ones(5), "AA": np.ones(5), "A": np.ones(5)},
                             title="t", ylabel="y", start="2020-01-01")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["A", "AA", "AAA"]
    assert ax.get_xlabel() == "date"


def test_lines_put_dates_on_the_x_axis(figures):
    fig = plots.lines({"x": np.arange(10.0)}, title="t", ylabel="y", start="2021-03-01")
    x = fig.axes[0].lines[0].get_xdata()
    assert np.asarray(x).dtype.kind == "M" and str(np.asarray(x)[0]) == "2021-03-01"
    fig = plots.lines({"x": np.arange(10.0)}, title="t", ylabel="y")
    assert fig.axes[0].get_xlabel() == "day of run (days)"


def test_a_start_spike_switches_to_a_log_scale(figures):
    rng = np.random.default_rng(0)
    start, end = np.full(10_000, 1000), rng.normal(980, 30, 10_000).round()
    fig = plots.histograms({"start": start, "end": end}, title="t", xlabel="x", ylabel="y")
    assert fig.axes[0].get_yscale() == "log" and "log scale" in fig.axes[0].get_ylabel()
    fig = plots.histograms({"a": end, "b": end + 5}, title="t", xlabel="x", ylabel="y")
    assert fig.axes[0].get_yscale() == "linear"
