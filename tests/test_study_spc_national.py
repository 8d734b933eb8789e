"""spc-national's targets.csv: its header, and `fitted` true only for the stock series."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from scslab.cli import main
from scslab.studies.measures.spc_national import HEADER


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("spc") / "out"
    assert main(["study", "run", "spc-national", "--quick", "--out", str(d)]) == 0
    return d


def test_targets_csv_has_the_header_and_fits_only_the_stock(out: Path) -> None:
    text = (out / "targets.csv").read_text()
    assert text.splitlines()[0] == HEADER == "target,date,published,simulated,ci_low,ci_high,fitted"
    rows = list(csv.DictReader(text.splitlines()))
    assert {r["target"] for r in rows} == {"list_stock", "flights_blocked_cumulative",
                                          "hsr_blocked_cumulative", "performed_cumulative"}
    for r in rows:
        assert r["fitted"] == ("true" if r["target"] == "list_stock" else "false")
    assert sum(r["target"] == "list_stock" for r in rows) == 6
