"""``scslab dashboard`` in a real browser: Debian's Chromium, driven by playwright.

The server runs in a thread on a free port of 127.0.0.1 and is stopped at the end. The tests
check what a user sees: the figures render (plotly's SVG), search finds a synthetic person, and
their citizen view shows the score and band that subjects.parquet holds. Screenshots go to
artifacts/screenshots/. Skipped only where Chromium is missing and CI is not set; in CI they run.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from dashboard_fixtures import write_study, write_sweep
from scslab.sim.run import run_scenario

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None and not os.environ.get("CI"):
    pytest.skip("Chromium is not installed (apt-get install chromium); CI runs these",
                allow_module_level=True)
if not os.environ.get("CI"):  # in CI a missing package is a failure, not a skip
    pytest.importorskip("dash")
    pytest.importorskip("playwright")
from playwright.sync_api import expect, sync_playwright  # noqa: E402

# dash_table.DataTable warns that a future Dash moves it out of the builtins (docs/dashboard.md).
pytestmark = pytest.mark.filterwarnings(r"ignore:\s*The dash_table.DataTable:DeprecationWarning")
SHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
TIMEOUT_MS = 20_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("dash")
    run_scenario("court-sources", persons=2000, days=60, seed=0, out=root / "court")
    run_scenario("rongcheng", persons=1000, days=30, seed=1, out=root / "rongcheng")
    write_study(root / "study")
    write_sweep(root / "sweep")
    return root


@pytest.fixture(scope="module")
def server(folders):
    from werkzeug.serving import make_server

    from scslab.dashboard.app import create_app
    from scslab.dashboard.folders import discover

    app = create_app(discover([folders]))
    port = _free_port()
    srv = make_server("127.0.0.1", port, app.server, threaded=True)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{port}"
    srv.shutdown()
    t.join(10)


@pytest.fixture(scope="module")
def page(server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.set_default_timeout(TIMEOUT_MS)
        expect.set_options(timeout=TIMEOUT_MS)  # a shared CI machine can be slow to render
        yield pg
        browser.close()


def _subject(folders, pick):
    t = pq.read_table(folders / "court" / "subjects.parquet").to_pylist()
    return next(r for r in t if pick(r))


def _plots(page, n):
    """Wait until at least ``n`` plotly figures have drawn their SVG."""
    page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot svg.main-svg').length >= {2 * n}")
    return page.locator(".js-plotly-plot").count()


def test_run_overview_renders_its_plots_with_dates(page, server):
    page.goto(f"{server}/?run=court")
    expect(page.locator("#synthetic")).to_contain_text("Synthetic society")
    expect(page.locator("h2")).to_contain_text("Run overview: court")
    _plots(page, 6)
    for gid in ("bands-rongcheng", "acts", "denials", "wrongful"):
        expect(page.locator(f"#{gid} svg.main-svg").first).to_be_visible()
    # the x-axis is a date axis: its ticks name months of the run's year
    expect(page.locator("#acts .xtick").first).to_contain_text("2020")
    page.screenshot(path=str(SHOTS / "run-overview.png"), full_page=False)


def test_dragging_over_a_plot_zooms_into_a_period(page, server):
    page.goto(f"{server}/?run=court")
    drag = page.locator("#acts .nsewdrag").first
    expect(drag).to_be_visible()
    ticks = "els => els.map(e => e.textContent).join('|')"  # SVG text has no innerText
    before = page.eval_on_selector_all("#acts .xtick", ticks)
    box = drag.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.3, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.45, y, steps=8)
    page.mouse.up()
    page.wait_for_function(
        "b => [...document.querySelectorAll('#acts .xtick')].map(e => e.textContent).join('|') !== b",
        arg=before)
    assert page.eval_on_selector_all("#acts .xtick", ticks) != before


def test_search_finds_a_subject_and_shows_the_score_and_band_of_subjects_parquet(page, server, folders):
    t = pq.read_table(folders / "court" / "subjects.parquet").to_pylist()
    row = min((r for r in t if r["kind"] == "person"), key=lambda r: (r["rongcheng.score"], r["subject"]))
    page.goto(f"{server}/citizen?run=court")
    page.fill("#subject-input", row["id"])
    page.click("#subject-go")
    expect(page.locator("#citizen-title")).to_contain_text(row["id"])
    expect(page.locator(".synthetic-person")).to_contain_text("synthetic person")
    expect(page.locator("#score-rongcheng")).to_have_text(str(row["rongcheng.score"]))
    expect(page.locator("#band-rongcheng")).to_have_text(row["rongcheng.band"])
    expect(page.locator("#score-plot svg.main-svg").first).to_be_visible()
    expect(page.locator("#ledger-table")).to_contain_text("points")
    expect(page.locator("#records-table")).to_contain_text("default")
    expect(page.locator(".card").first).to_contain_text("What would change my band")
    expect(page.locator("#history-table")).to_contain_text(row["rongcheng.band"])
    page.screenshot(path=str(SHOTS / "citizen-view.png"), full_page=False)


def test_subject_in_the_url_opens_the_citizen_view_by_row(page, server, folders):
    row = _subject(folders, lambda r: r["subject"] == 7)
    page.goto(f"{server}/?run=court&subject=7")
    expect(page.locator("#citizen-title")).to_contain_text(row["id"])
    expect(page.locator("#band-rongcheng")).to_have_text(row["rongcheng.band"])


def test_an_unknown_subject_is_one_message_not_a_crash(page, server):
    page.goto(f"{server}/citizen?run=court&subject=nobody")
    expect(page.locator("#error")).to_contain_text("ID number or a row")


def test_who_is_hurt_regime_studies_and_compare(page, server):
    page.goto(f"{server}/hurt?run=court")
    expect(page.locator("#hurt-income-quintile svg.main-svg").first).to_be_visible()
    expect(page.locator("#hurt-table")).to_contain_text("Q5")
    page.screenshot(path=str(SHOTS / "who-is-hurt.png"))
    page.goto(f"{server}/regime?regime=rongcheng")
    expect(page.locator("#acts-table")).to_contain_text("heroic_act")
    expect(page.locator("#consequences-table")).to_be_visible()
    page.screenshot(path=str(SHOTS / "regime-explorer.png"))
    page.goto(f"{server}/studies")
    expect(page.locator("#study-question")).to_contain_text("cameras")
    expect(page.locator("#study-conclusion")).to_contain_text("synthetic")
    expect(page.locator("#study-results")).to_contain_text("[")
    page.screenshot(path=str(SHOTS / "studies.png"))
    page.goto(f"{server}/compare?runs=court,rongcheng")
    expect(page.locator("#compare-table")).to_contain_text("court-sources")
    expect(page.locator("#compare-table")).to_contain_text("rongcheng")
    expect(page.locator("#compare-plots svg.main-svg").first).to_be_visible()
    expect(page.locator("#sweep-results")).to_contain_text("aware_share=0.8")
    expect(page.locator("#sweep-results")).to_contain_text("[994, 996.5]")
    page.screenshot(path=str(SHOTS / "compare.png"))


def test_navigation_keeps_the_synthetic_notice_on_every_page(page, server):
    page.goto(f"{server}/?run=rongcheng")
    for label in ("Who is hurt", "Citizen view", "Regime explorer", "Studies", "Compare"):
        page.click(f"nav >> text={label}")
        expect(page.locator("nav a.active")).to_have_text(label)
        expect(page.locator("#synthetic")).to_contain_text("none is real")


def test_who_is_hurt_agrees_with_each_person_s_consequences(folders):
    """The restricted share by sex is the share of persons whose final band and lists carry a
    restriction, worked out person by person (StatusCheck, as scslab explain does)."""
    from scslab.dashboard.data import hurt_table, rulebooks
    from scslab.dates import to_day
    from scslab.regime.explain import StatusCheck
    from scslab.runfolder import read_run

    run = read_run(folders / "court")
    books, _ = rulebooks(run)
    t = {(r["dimension"], r["group"]): r for r in hurt_table(run, books).to_pylist()}
    checks = {rid: StatusCheck(rb) for rid, rb in books.items()}
    rows = pq.read_table(folders / "court" / "subjects.parquet").to_pylist()
    last = to_day(run.manifest["start_date"]) + run.n_days - 1

    def restricted(r):
        return any(checks[rid].status(last, r[f"{rid}.score"],
                                      set(filter(None, (r[f"{rid}.lists"] or "").split(";"))))[1]
                   for rid in checks)

    for sex in ("female", "male"):
        mine = [r for r in rows if r["kind"] == "person" and r["sex"] == sex]
        hit = sum(restricted(r) for r in mine)
        assert t[("sex", sex)]["persons"] == len(mine)
        assert t[("sex", sex)]["restricted_share"] == pytest.approx(hit / len(mine))
