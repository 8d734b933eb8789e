"""The HTML report (scslab.report) on small synthetic run folders."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from scslab.errors import InputError
from scslab.report import write_report

try:  # the run-folder builder lives beside these tests
    from tests.test_runfolder import BANDS, SERVICES, build_run
except ImportError:  # tests/ on sys.path (pytest's default rootdir-less "prepend" import mode)
    from test_runfolder import BANDS, SERVICES, build_run


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], str]:
    """A two-regime run with gates and exposures, and its report text."""
    root = tmp_path_factory.mktemp("run")
    expected = build_run(root)
    path = write_report(root)
    return path, expected, path.read_text(encoding="utf-8")


def _num(cell: str) -> float:
    if cell == "—":
        return float("nan")
    return float(cell.replace(",", "").removesuffix(" %"))


def _summary_rows(html: str, regime: str) -> dict[str, list[float]]:
    """``{label: [cells]}`` of the summary table of ``regime``."""
    table = re.search(
        rf'<table class="summary" id="summary-\d+" data-regime="{re.escape(regime)}">(.*?)</table>',
        html,
        re.S,
    )
    assert table is not None, f"no summary table for {regime}"
    rows = {}
    for label, cells in re.findall(
        r'<tr data-label="([^"]*)"><th>[^<]*</th>(.*?)</tr>', table.group(1), re.S
    ):
        rows[label] = [_num(c) for c in re.findall(r"<td[^>]*>([^<]*)</td>", cells) if c != "—"]
    return rows


def test_writes_one_file_at_the_default_path(full: tuple[Path, dict[str, Any], str]) -> None:
    path, _, _ = full
    assert path == path.parent / "report.html"
    assert [p.name for p in path.parent.iterdir() if p.suffix == ".html"] == ["report.html"]
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".part")]


def test_has_sections_and_embedded_images(full: tuple[Path, dict[str, Any], str]) -> None:
    _, _, html = full
    for heading in [
        "<h2 id=\"summary\">Summary</h2>",
        "Regime rongcheng</h2>",
        "Regime courts</h2>",
        "<h3>Bands over time (rongcheng)</h3>",
        "<h3>Score distribution (rongcheng)</h3>",
        "<h3>List sizes over time (rongcheng)</h3>",
        "<h2 id=\"acts\">Acts</h2>",
        "<h3>Occurred vs recorded</h3>",
        "<h2 id=\"gates\">Gates</h2>",
        "<h2 id=\"shaming\">Shaming: exposures and costs</h2>",
        "<h3>Denial rates per service</h3>",
        "<h3>Costs of shaming over time</h3>",
        "<h2 id=\"scenario\">Scenario</h2>",
    ]:
        assert heading in html
    # bands, score, lists; recorded acts x2; denial rates; exposures; costs
    assert html.count('<img src="data:image/png;base64,') == 8
    assert html.count("<figcaption>") == 8
    assert "Test &lt;town&gt;" in html  # autoescaped scenario name
    assert "Regime courts keeps no score" in html
    assert "private_school_family_spillover" in html and "family spillover" in html


def test_no_external_resources(full: tuple[Path, dict[str, Any], str]) -> None:
    _, _, html = full
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert "<script" not in html and "<link" not in html
    assert "@import" not in html and "url(" not in html


def test_header_comes_from_the_manifest(full: tuple[Path, dict[str, Any], str]) -> None:
    _, expected, html = full
    manifest = expected["manifest"]
    for label, value in [
        ("seed", "7"),
        ("persons", "6"),
        ("days", "10"),
        ("regimes", "rongcheng, courts"),
        ("scslab version", manifest["scslab"]),
        ("dates", "2025-01-01 to 2025-01-10"),
    ]:
        assert f"<tr><th>{label}</th><td>{value}</td></tr>" in html


def test_summary_numbers_match_the_fixture(full: tuple[Path, dict[str, Any], str]) -> None:
    _, expected, html = full
    scored = _summary_rows(html, "rongcheng")
    # bands in rulebook (first appearance) order, not alphabetical
    assert [k for k in scored if k.startswith("band ")] == [f"band {b}" for b in BANDS]
    for band, (first, last) in expected["rongcheng"]["bands"].items():
        assert scored[f"band {band}"] == [first, last]
    assert scored["list blacklist"] == list(expected["rongcheng"]["lists"]["blacklist"])
    assert scored["mean score (points)"] == pytest.approx(expected["rongcheng"]["mean"], abs=0.006)
    for regime, rows in [("rongcheng", scored), ("courts", _summary_rows(html, "courts"))]:
        assert rows["acts occurred (total, all days)"] == [expected["occurred_total"]]
        assert rows["acts recorded (total, all days)"] == [expected["recorded_total"][regime]]
    assert not any(k.startswith(("band", "list", "mean")) for k in _summary_rows(html, "courts"))


def test_gate_table_matches_the_fixture(full: tuple[Path, dict[str, Any], str]) -> None:
    _, expected, html = full
    table = re.search(r'<table id="gates-table">(.*?)</table>', html, re.S)
    assert table is not None
    header = re.findall(r"<th>([^<]*)</th>", table.group(1).split("</thead>")[0])
    assert header[:2] == ["service", "requests"]
    for service in SERVICES:
        row = re.search(rf"<tr><th>{service}</th>(.*?)</tr>", table.group(1))
        assert row is not None
        cells = dict(zip(header[1:], map(_num, re.findall(r">([^<]*)</td>", row.group(1))),
                         strict=True))
        assert cells["requests"] == expected["requests"][service]
        for regime, denied in expected["denied"].items():
            assert cells[f"denied ({regime})"] == denied[service]
            rate = 100 * denied[service] / expected["requests"][service]
            assert cells[f"denial rate ({regime})"] == pytest.approx(rate, abs=0.05)
    assert "denied (any regime)" in header


def test_gates_chart_is_one_compact_chart_of_denial_rates(
    full: tuple[Path, dict[str, Any], str],
) -> None:
    """One figure for the gates, a dot per regime and service, its height one row per service."""
    import base64
    import struct

    _, _, html = full
    gates = html.split('<h2 id="gates">')[1].split("<h2 ")[0]
    images = re.findall(r'<img src="data:image/png;base64,([^"]+)"', gates)
    assert len(images) == 1
    png = base64.b64decode(images[0])
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
    assert width <= 800 and height <= 400, (width, height)
    assert "denied share of requests" in gates or "Denial rates per service" in gates


def test_denial_rate_chart_plots_percentages(monkeypatch: pytest.MonkeyPatch) -> None:
    from scslab.report import plots

    monkeypatch.setattr(plots, "_png_uri", lambda fig: fig)
    fig: Any = plots.denial_rates(["flight", "train"], {"a": [10.0, 50.0], "b": [float("nan"), 5.0]},
                                  title="t")
    ax = fig.axes[0]
    assert list(ax.lines[0].get_xdata()) == [10.0, 50.0]
    assert "%" in ax.get_xlabel() and len(ax.lines) == 2
    assert [t.get_text() for t in ax.get_yticklabels()] == ["flight", "train"]


def test_shaming_costs_are_reported(full: tuple[Path, dict[str, Any], str]) -> None:
    _, expected, html = full
    table = re.search(r'<table id="shaming-table">(.*?)</table>', html, re.S)
    assert table is not None
    header = re.findall(r"<th>([^<]*)</th>", table.group(1).split("</thead>")[0])
    assert header == ["channel", "people exposed", "ties lost", "jobs lost"]
    for channel in ("big_screen", "wechat"):
        row = re.search(rf"<tr><th>{channel}</th>(.*?)</tr>", table.group(1))
        assert row is not None
        cells = [_num(c) for c in re.findall(r">([^<]*)</td>", row.group(1))]
        assert cells[1:] == [expected["costs"][("ties_lost", channel)],
                             expected["costs"][("jobs_lost", channel)]]


def _headings(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h[1-6][^>]*>(.*?)</h[1-6]>", html, re.S)]


def test_no_heading_appears_twice(full: tuple[Path, dict[str, Any], str], tmp_path: Path) -> None:
    _, _, html = full
    headings = _headings(html)
    assert len(headings) > 10 and len(headings) == len(set(headings)), headings
    build_run(tmp_path, regimes=("rongcheng", "courts", "hebei"), shared_records=True)
    more = _headings(write_report(tmp_path).read_text(encoding="utf-8"))
    assert len(more) == len(set(more)), more


def test_every_report_says_the_society_is_synthetic(
    full: tuple[Path, dict[str, Any], str], tmp_path: Path,
) -> None:
    from scslab.reprs import SYNTHETIC_NOTE

    _, _, html = full
    build_run(tmp_path, regimes=("courts",), gates=False, exposures=False, subjects=False)
    bare = write_report(tmp_path).read_text(encoding="utf-8")
    for text in (html, bare):
        line = re.search(r'<p class="synthetic" id="synthetic">([^<]*)</p>', text)
        assert line is not None and "Synthetic society" in line.group(1)
        assert line.group(1) == SYNTHETIC_NOTE.replace("'", "&#39;")
        assert text.index('id="synthetic"') < text.index('<table id="run">')  # seen first


def test_byte_identical_on_two_calls(full: tuple[Path, dict[str, Any], str]) -> None:
    path, _, html = full
    out = write_report(path.parent, path.parent / "again.html")
    assert out.read_bytes() == html.encode("utf-8")


def test_records_shared_by_all_regimes(tmp_path: Path) -> None:
    expected = build_run(tmp_path, shared_records=True, gates=False, exposures=False)
    html = write_report(tmp_path).read_text(encoding="utf-8")
    for regime in expected["regimes"]:
        rows = _summary_rows(html, regime)
        assert rows["acts recorded (total, all days)"] == [expected["recorded_total"][regime]]
    assert html.count("<h3>Acts recorded per day (all regimes)</h3>") == 1
    assert "<th>recorded (all regimes)</th>" in html


def test_optional_sections_only_when_present(tmp_path: Path) -> None:
    build_run(tmp_path, gates=False, exposures=False)
    html = write_report(tmp_path).read_text(encoding="utf-8")
    assert "Gates</h2>" not in html and "gates-table" not in html
    assert "Shaming" not in html and "shaming-table" not in html
    assert "Acts</h2>" in html


def test_one_regime_without_score_lists_or_subjects(tmp_path: Path) -> None:
    build_run(tmp_path, regimes=("courts",), gates=False, exposures=False, subjects=False)
    html = write_report(tmp_path).read_text(encoding="utf-8")
    assert "Regime courts</h2>" in html
    assert "List sizes over time" not in html and "Bands over time" not in html
    assert "Score distribution" not in html
    assert html.count("data:image/png;base64,") == 1  # acts recorded only


def test_not_a_run_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"manifest\.json"):
        write_report(tmp_path)
    assert not (tmp_path / "report.html").exists()


def test_import_does_not_load_matplotlib() -> None:
    """Importing the report package, or the CLI to print --version or an option error, loads
    neither matplotlib nor numba (a second or more at every start)."""
    import subprocess
    import sys

    code = ("import sys, scslab.report, scslab.cli; "
            "print('matplotlib' in sys.modules, 'numba' in sys.modules, 'pyarrow' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False False False"
