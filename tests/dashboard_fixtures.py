"""A small study folder, as the study layer writes them, for the dashboard's tests."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def write_study(path: Path) -> Path:
    """results.parquet (scalars and one dated metric), study.toml, report.html, manifest.json."""
    path.mkdir(parents=True)
    rows = []
    for arm, base in (("cameras-low", 10.0), ("cameras-high", 14.0)):
        rows.append(("cameras", arm, "wrongful_listed", None, base, base - 1, base + 1, 5))
        for d in range(10):
            rows.append(("cameras", arm, "listed", dt.date(2020, 1, 1) + dt.timedelta(d),
                         base + d, base + d - 2, base + d + 2, 5))
    cols = list(zip(*rows, strict=True))
    t = pa.table({
        "study": pa.array(cols[0], pa.string()), "arm": pa.array(cols[1], pa.string()),
        "metric": pa.array(cols[2], pa.string()), "date": pa.array(cols[3], pa.date32()),
        "mean": pa.array(cols[4], pa.float64()), "ci_low": pa.array(cols[5], pa.float64()),
        "ci_high": pa.array(cols[6], pa.float64()), "replicates": pa.array(cols[7], pa.int64())})
    pq.write_table(t, path / "results.parquet")
    (path / "study.toml").write_text(
        'name = "cameras"\nquestion = "Do more traffic cameras list more people wrongly?"\n'
        'conclusion = "In this synthetic society, yes: about four more per arm."\n', encoding="utf-8")
    (path / "report.html").write_text("<html><body>report</body></html>", encoding="utf-8")
    (path / "manifest.json").write_text(json.dumps({"experiment": "study", "files": {}}),
                                        encoding="utf-8")
    return path


def write_sweep(path: Path) -> Path:
    """summary.parquet (as scslab sweep writes it: n, not replicates) and manifest.json."""
    path.mkdir(parents=True)
    t = pa.table({"arm": ["aware_share=0.2", "aware_share=0.8"], "metric": ["mean_score_end"] * 2,
                  "date": pa.array([None, None], pa.date32()), "mean": [990.5, 995.25],
                  "ci_low": [989.0, 994.0], "ci_high": [992.0, 996.5],
                  "n": pa.array([3, 3], pa.int64())})
    pq.write_table(t, path / "summary.parquet")
    pq.write_table(t, path / "results.parquet")
    (path / "manifest.json").write_text(json.dumps({"experiment": "sweep", "files": {}}),
                                        encoding="utf-8")
    return path
