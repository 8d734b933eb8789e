"""The public objects print as one short line that says what they are, not raw arrays."""

from __future__ import annotations

from pathlib import Path

import pytest

import scslab
from scslab.sim import resolve

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
LIMIT = 200  # characters: one line of a notebook or terminal, give or take


@pytest.fixture(scope="module")
def run() -> scslab.RunResult:
    return scslab.run_scenario(EXAMPLES / "village.toml", persons=300, days=20, seed=3)


def short(obj: object, *parts: str) -> str:
    text = repr(obj)
    assert len(text) <= LIMIT and "\n" not in text, text
    assert "array(" not in text, text
    for p in parts:
        assert p in text, (p, text)
    assert str(obj) == text  # print() shows the same line
    return text


def test_rulebook_repr_names_the_regime_and_its_sizes():
    short(scslab.load_rulebook("rongcheng"), "<Rulebook rongcheng", "from 1000", "6 bands", "17 acts")
    short(scslab.load_rulebook("court-defaulters"), "no score", "1 lists")
    short(scslab.load_rulebook(EXAMPLES / "my-village.toml"), "in 0..1200", "3 bands", "2 acts")


def test_scenario_and_plan_reprs_give_size_dates_and_seed():
    short(scslab.load_scenario("court-and-rongcheng"), "<Scenario court-and-rongcheng",
          "rongcheng, court-defaulters", "gates on")
    plan = resolve(EXAMPLES / "village.toml", persons=1234, days=10, seed=7)
    short(plan, "<Resolved my-village", "1,234 persons", "10 days from 2021-01-01", "seed 7", "gates off")


def test_simulation_repr_before_and_after_building():
    sim = scslab.Simulation(EXAMPLES / "village.toml", persons=50, days=5, seed=1)
    short(sim, "<Simulation my-village", "50 persons", "5 days", "not built")
    short(sim.init(), "; built>")


def test_run_result_and_its_parts(run, tmp_path):
    recorded = sum(r for _, r in run.acts().values())
    short(run, "<RunResult my-village", "300 persons", "20 days from 2021-01-01", "seed 3",
          f"{recorded:,} records", "no folder")
    short(run.daily, "20 days", "2 acts", "1 regimes")
    short(run.sim.society, "300 persons", "synthetic")
    engine = run.sim.engines[0]
    short(engine, "<Engine my-village", "300 subjects", "mean score", "3 bands")
    short(scslab.Engine(engine.rulebook, 9), "9 subjects", "not initialised")
    big = scslab.Society(scslab.SocietyParams(persons=2_000_000), scslab.Streams(0))
    short(big, "2,000,000 persons")  # nothing is built to print it


def test_records_and_replay_reprs():
    rb = scslab.load_rulebook("rongcheng")
    recs = scslab.read_records(EXAMPLES / "records.csv", rb)
    short(recs, "3 records of 2 subjects", "2021-03-01 to 2021-06-12")
    short(scslab.replay(rb, recs), "<ReplayResult rongcheng", "2 subjects", "as of 2021-06-12")


# -- _repr_html_: what a notebook shows -----------------------------------------------------

HTML_LIMIT = 2_500  # characters: a short table, never the arrays behind it


def short_html(obj: object, *parts: str) -> str:
    text = obj._repr_html_()  # type: ignore[attr-defined]
    assert isinstance(text, str) and text.startswith('<div class="scslab-repr">'), text
    assert len(text) <= HTML_LIMIT, len(text)
    assert "array(" not in text and "<script" not in text.lower(), text
    for p in parts:
        assert p in text, (p, text)
    return text


def test_html_reprs_of_rulebook_scenario_and_plan():
    short_html(scslab.load_rulebook("rongcheng"), "Rulebook rongcheng", "<th", "from 1000")
    short_html(scslab.load_rulebook("court-defaulters"), "<td", "none")
    short_html(scslab.load_scenario("court-and-rongcheng"), "Scenario court-and-rongcheng",
               "rongcheng, court-defaulters", "Synthetic society")
    plan = resolve(EXAMPLES / "village.toml", persons=1234, days=10, seed=7)
    short_html(plan, "Resolved scenario my-village", "1,234", "10 from 2021-01-01", "Synthetic")


def test_html_reprs_of_run_result_and_run_folder(run, tmp_path):
    recorded = sum(r for _, r in run.acts().values())
    short_html(run, "RunResult my-village", "300", f"{recorded:,}", "Synthetic society")
    folder = scslab.run_scenario(EXAMPLES / "village.toml", persons=60, days=5, seed=1,
                                 out=tmp_path / "run")
    from scslab.runfolder import read_run

    short_html(read_run(tmp_path / "run"), "RunFolder", "my-village", "daily.parquet",
               "subjects.parquet", "Synthetic society")
    assert folder.out is not None


def test_html_reprs_escape_names_from_files():
    rb = scslab.load_rulebook("rongcheng")
    evil = rb.model_copy(update={"regime": rb.regime.model_copy(
        update={"id": "<script>x</script>", "name": 'a "b" & <i>c</i>'})})
    text = short_html(evil, "&lt;script&gt;x&lt;/script&gt;", "a &quot;b&quot; &amp; &lt;i&gt;")
    assert "<i>" not in text


def test_html_table_helper_cuts_long_values():
    from scslab.reprs import MAX_VALUE_CHARS, html_table, join_short

    text = html_table("T <1>", [("k&", "v" * 1000)], note="n <b>")
    assert "T &lt;1&gt;" in text and "k&amp;" in text and "n &lt;b&gt;" in text
    assert "v" * MAX_VALUE_CHARS not in text and "…" in text
    assert join_short(range(10), 3) == "0, 1, 2, … (+7 more)" and join_short([]) == "none"
