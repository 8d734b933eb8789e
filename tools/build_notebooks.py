"""Write examples/notebooks/*.ipynb from the cells below (valid nbformat 4, no outputs).

Run ``python tools/build_notebooks.py`` after editing a notebook's cells here; the notebooks are
generated so that they stay valid JSON and carry no outputs. tests/test_notebooks.py executes
every notebook and checks that the files equal what this script writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

OUT = Path(__file__).resolve().parents[1] / "examples" / "notebooks"

SETUP = '''import tempfile
from pathlib import Path

import scslab

# The tutorial's scenario (docs/tutorial.md), small so the notebook runs in seconds.
SCENARIO = Path("../tutorial/block.toml").resolve()
PERSONS, DAYS = 300, 60
work = Path(tempfile.mkdtemp(prefix="scslab-notebook-"))'''

SYNTHETIC = ("Every society here is synthetic: scslab generates every person, and no real "
             "person's data is used.")

NOTEBOOKS: dict[str, list[tuple[str, str]]] = {
    "01-compare-two-regimes": [
        ("md", "# Compare two regimes\n\nThe tutorial's invented `quiet-block` regime and the "
               "built-in `rongcheng` regime, on the same synthetic society with the same seed. "
               + SYNTHETIC),
        ("code", SETUP),
        ("md", "Run the scenario twice. The second run swaps the regime with `sets`, as "
               "`--set` does on the command line. Both runs write a run folder."),
        ("code", '''mine = scslab.run_scenario(SCENARIO, persons=PERSONS, days=DAYS, out=work / "block")
theirs = scslab.run_scenario(SCENARIO, persons=PERSONS, days=DAYS, out=work / "rongcheng",
                             sets={"regimes": ["rongcheng"]})
mine'''),
        ("code", '''for run in (mine, theirs):
    for regime in run.summary():
        print(regime["regime"], regime["bands_end"], round(regime["mean_score_end"], 1))'''),
        ("md", "`compare` lines up every scalar metric of the run folders. The runs share a "
               "seed, so the last column is a paired difference."),
        ("code", '''from scslab.experiment.api import compare

comparison = compare([work / "block", work / "rongcheng"])
table = comparison.table.to_pandas()
shared = table.dropna()  # the metrics both runs have (not each regime's own bands)
shared[(shared["block"] != 0) | (shared["rongcheng"] != 0)]'''),
    ],
    "02-replicates-with-cis": [
        ("md", "# Replicates with confidence intervals\n\nOne run is one draw. Here the same "
               "scenario runs at four seeds, and each metric gets a mean with a 95 % interval "
               "(Student t over the seeds). " + SYNTHETIC),
        ("code", SETUP),
        ("code", '''experiment = scslab.Experiment(SCENARIO, persons=PERSONS, days=DAYS, seeds=4)
result = experiment.sweep()  # no axes: replicates of the scenario as it is
experiment'''),
        ("md", "`scalars()` holds one row per metric: the value over the whole run."),
        ("code", '''scalars = result.scalars().to_pandas()
scalars[scalars["metric"].str.startswith("quiet-block/")][["metric", "mean", "ci_low", "ci_high", "n"]]'''),
        ("md", "The summary also has one row per day, for plots over time."),
        ("code", '''daily = result.summary.to_pandas()
red = daily[daily["metric"] == "quiet-block/band/red"].dropna(subset=["date"])
red[["date", "mean", "ci_low", "ci_high"]].tail()'''),
    ],
    "03-sweep": [
        ("md", "# Sweep one parameter\n\nDoes it matter whether people know their score? "
               "`behaviour.aware_share` is the share of persons who do. Every arm runs at the "
               "same seeds, so the arms differ only in the swept value. " + SYNTHETIC),
        ("code", SETUP),
        ("code", '''experiment = scslab.Experiment(SCENARIO, persons=PERSONS, days=DAYS, seeds=3)
result = experiment.sweep({"behaviour.aware_share": [0.0, 1.0]})
result.arms'''),
        ("md", "Paired differences from the first arm, seed by seed, with 95 % intervals:"),
        ("code", '''diff = result.differences().to_pandas()
diff[diff["metric"].str.startswith(("occurred/", "quiet-block/"))]'''),
        ("md", "`write` makes the same experiment folder as `scslab sweep --out`."),
        ("code", '''folder = result.write(work / "sweep")
sorted(p.name for p in folder.iterdir())'''),
    ],
    "04-who-is-hurt": [
        ("md", "# Who is hurt\n\nRestriction and denials by age group, income quintile, "
               "region and sex, over three seeds. " + SYNTHETIC),
        ("code", SETUP),
        ("code", '''experiment = scslab.Experiment(SCENARIO, persons=PERSONS, days=DAYS, seeds=3)
per_seed, summary = experiment.who_is_hurt()
summary.column_names'''),
        ("code", '''hurt = summary.to_pandas()
hurt[hurt["metric"] == "share_ever_restricted"][["dimension", "group", "mean", "ci_low", "ci_high"]]'''),
        ("code", '''by_income = hurt[hurt["dimension"] == "income_quintile"]
by_income[by_income["metric"] == "denials_per_person_year"]'''),
    ],
    "05-one-persons-file": [
        ("md", "# One person's file\n\nEvery record, ledger line, list entry and gate outcome "
               "of one synthetic person, from a run folder (what `scslab explain RUN_DIR "
               "SUBJECT` prints). " + SYNTHETIC),
        ("code", SETUP),
        ("code", '''run = scslab.run_scenario(SCENARIO, persons=PERSONS, days=DAYS, out=work / "run")
folder = scslab.read_run(run.out)
folder'''),
        ("md", "Pick the person who ended with the lowest score."),
        ("code", '''columns = ["id", "quiet-block.score", "quiet-block.band"]
subjects = folder.subject_columns(columns).to_pandas()
lowest = subjects.sort_values("quiet-block.score").iloc[0]
lowest'''),
        ("code", '''from scslab.runfile import subject_file

file = subject_file(run.out, str(lowest["id"]))
for entry in file.entries[:15]:
    print(entry.date, entry.regime, entry.kind, entry.text)
file.final'''),
    ],
    "06-export-pandas-polars-duckdb": [
        ("md", "# Export to pandas, polars and duckdb\n\nResults are Arrow tables, in memory and "
               "in the run folder's Parquet files. pandas, polars and duckdb read both. "
               + SYNTHETIC),
        ("code", SETUP),
        ("code", '''run = scslab.run_scenario(SCENARIO, persons=PERSONS, days=DAYS, out=work / "run")
bands = run.bands("quiet-block")   # date, then one column per band
bands.schema'''),
        ("md", "## pandas"),
        ("code", '''frame = bands.to_pandas()
frame.tail(3)'''),
        ("md", "## polars"),
        ("code", '''import polars as pl

acts = pl.from_arrow(run.acts_by_day())
acts.group_by("act").agg(pl.col("occurred").sum(), pl.col("recorded").sum()).sort("act")'''),
        ("md", "## duckdb\n\nduckdb queries the run folder's Parquet files in place, without "
               "loading them whole, which suits a large ledger."),
        ("code", '''import duckdb

daily = (run.out / "daily.parquet").as_posix()
duckdb.sql(f"""
    select metric, key, sum(value) as total
    from read_parquet('{daily}')
    where metric in ('denied', 'privileged') and regime = 'quiet-block' and value > 0
    group by metric, key order by metric, key
""").df()'''),
        ("code", '''ledger = (run.out / "ledger.parquet").as_posix()
duckdb.sql(f"select count(*) as ledger_lines from read_parquet('{ledger}')").fetchall()'''),
    ],
}


def notebook(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    """A notebook of ``cells`` (kind, source), with a Python 3 kernel and no outputs."""
    nb = new_notebook(cells=[new_markdown_cell(s) if k == "md" else new_code_cell(s) for k, s in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"  # stable ids: the same cells give the same bytes
    nbformat.validate(nb)
    return nb


def texts() -> dict[str, str]:
    """``{file name: notebook text}`` of every notebook."""
    return {f"{name}.ipynb": nbformat.writes(notebook(cells)) + "\n" for name, cells in NOTEBOOKS.items()}


def main() -> int:
    """Write every notebook into examples/notebooks/."""
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in texts().items():
        (OUT / name).write_text(text, encoding="utf-8")
        print(OUT / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
