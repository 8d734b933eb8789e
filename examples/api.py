"""The first hour with scslab's Python API, in one script that runs in a few seconds.

Run it from anywhere: ``python examples/api.py``. It uses only ``import scslab`` and the files
beside it. Every society here is synthetic.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import scslab

HERE = Path(__file__).resolve().parent


def main() -> None:
    """Check a rulebook, replay records through it, run it on a society and read the results."""
    # 1. A rulebook written by hand (docs/reference/rulebook.md) and a built-in one.
    mine = scslab.load_rulebook(HERE / "my-village.toml")
    rongcheng = scslab.load_rulebook("rongcheng")
    print(mine)
    print(rongcheng)

    # 2. Replay: records from a CSV, applied to the letter, without any simulation.
    records = scslab.read_records(HERE / "records.csv", rongcheng)
    result = scslab.replay(rongcheng, records)
    print(records, result, sep="\n")
    for row in result.rows():
        print(f"  {row['subject']}: {row['score']} points, band {row['band']}, "
              f"restrictions {', '.join(row['restrictions']) or '-'}")

    # 3. A run: the example scenario on 2,000 synthetic persons for 90 days, seed 1.
    with tempfile.TemporaryDirectory() as tmp:
        run = scslab.run_scenario(HERE / "village.toml", days=90, seed=1, out=Path(tmp) / "run")
        print(run)
        for regime in run.summary():
            print(f"  {regime['regime']}: bands {regime['bands_start']} -> {regime['bands_end']}, "
                  f"mean score {regime['mean_score_end']:.1f}")

        # Labelled tables (pyarrow): one column per band, with dates.
        bands = run.bands("my-village")
        last = bands.slice(bands.num_rows - 1).to_pylist()[0]
        print(f"  on {last['date']}: " + ", ".join(f"{k} {v}" for k, v in last.items() if k != "date"))
        acts = run.acts_by_day()
        print(f"  {acts.num_rows} rows of acts by day; columns {acts.column_names}")

        # The same numbers from the run folder it wrote (Parquet files, checked against the
        # folder's manifest), as a later session would read them.
        folder = scslab.read_run(run.out or tmp)
        print(folder)
        memory = run.daily_table()
        same = folder.daily.select(memory.column_names).equals(memory)
        print(f"  the folder's daily table equals the in-memory one: {same}")
        # pandas, polars and duckdb read Arrow tables directly, if installed:
        #   bands.to_pandas(); polars.from_arrow(bands); duckdb.sql("select * from bands")


if __name__ == "__main__":
    main()
