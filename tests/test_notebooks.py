"""The notebooks in examples/notebooks/ run from top to bottom without an error (nbclient).

They are committed without outputs, exactly as tools/build_notebooks.py writes them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "examples" / "notebooks").glob("*.ipynb"))

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

sys.path.insert(0, str(ROOT / "tools"))
import build_notebooks  # noqa: E402


def test_every_first_hour_task_has_a_notebook():
    names = {p.stem for p in NOTEBOOKS}
    assert len(names) == 6
    for task in ("compare-two-regimes", "replicates", "sweep", "who-is-hurt", "one-persons-file",
                 "export-pandas-polars-duckdb"):
        assert any(task in n for n in names), task


def test_notebooks_are_generated_and_carry_no_outputs():
    written = build_notebooks.texts()
    assert sorted(written) == [p.name for p in NOTEBOOKS]
    for path in NOTEBOOKS:
        assert path.read_text(encoding="utf-8") == written[path.name], (
            f"{path.name} differs from tools/build_notebooks.py: run it")
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_without_error(path, tmp_path):
    pytest.importorskip("polars")
    pytest.importorskip("duckdb")
    pytest.importorskip("pandas")
    nb = nbformat.read(path, as_version=4)
    # The kernel imports this checkout's scslab, and writes its files under tmp_path.
    env = {"PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
           "TMPDIR": str(tmp_path)}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                         resources={"metadata": {"path": str(path.parent)}})
        client.execute()  # raises CellExecutionError on the first cell that fails
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.get("output_type") == "error"]
    assert not errors
    assert nb.cells[-1].outputs, "the last cell shows a result"
