"""Global sensitivity analysis through SALib: Morris elementary effects or Sobol indices.

Each sample of the parameter space is one run at the experiment's first seed, so every sample
sees the same persons and luck (common random numbers) and the indices measure the parameters,
not the replicates' noise. Indices are computed for every scalar metric of the runs
(:mod:`scslab.experiment.metrics`).

Morris (Morris 1991, https://doi.org/10.1080/00401706.1991.10484804): ``samples`` trajectories
of D+1 runs each, 4 levels; indices ``mu``, ``mu_star`` (with ``conf``), ``sigma``. Sobol
(Saltelli's scheme as in SALib, https://doi.org/10.1016/j.cpc.2009.09.018): ``samples`` base
points (a power of 2 is best), N·(D+2) runs; first-order ``S1`` and total ``ST`` with ``conf``.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from scslab.errors import InputError
from scslab.experiment.executor import RunSpec, check_specs, run_spec
from scslab.experiment.metrics import scalars
from scslab.experiment.params import Range

if TYPE_CHECKING:
    from scslab.experiment.api import Experiment

METHODS = ("morris", "sobol")
INDICES = {"morris": ("mu", "mu_star", "sigma"), "sobol": ("S1", "ST")}
CONF = {"mu_star": "mu_star_conf", "S1": "S1_conf", "ST": "ST_conf"}
LEVELS = 4
#: Metrics whose mean is below this count as rare when choosing which to plot.
MIN_MEAN = 10.0


def check_method(method: str) -> None:
    """Raise :class:`InputError` naming ``--method`` unless it is ``morris`` or ``sobol``."""
    if method not in METHODS:
        raise InputError(f"option --method: expected morris or sobol, got {method[:40]!r}")


def _salib() -> Any:
    try:
        import SALib  # noqa: F401
    except ImportError:
        raise InputError("sensitivity needs SALib: pip install 'scslab[experiments]'") from None
    from SALib.analyze import morris as morris_a
    from SALib.analyze import sobol as sobol_a
    from SALib.sample import morris as morris_s
    from SALib.sample import sobol as sobol_s
    return {"morris": (morris_s, morris_a), "sobol": (sobol_s, sobol_a)}


@dataclass
class SensitivityResult:
    """Indices (``metric``, ``param``, ``index``, ``value``, ``conf``) and the runs behind them."""

    method: str
    params: list[Range]
    indices: pa.Table
    samples: pa.Table
    design: dict[str, Any]

    @property
    def n_runs(self) -> int:
        """Runs made."""
        return len(set(self.samples.column("sample").to_pylist()))

    @property
    def metrics(self) -> list[str]:
        """The metrics that have indices."""
        return sorted(set(self.indices.column("metric").to_pylist()))

    def top_metrics(self, k: int = 6) -> list[str]:
        """The ``k`` metrics that vary most across samples (coefficient of variation)."""
        m = self.samples.column("metric").to_numpy(zero_copy_only=False)
        v = self.samples.column("value").to_numpy()
        cv, big = {}, set()
        for name in set(m.tolist()):
            x = v[m == name]
            mean = float(np.mean(np.abs(x)))
            cv[name] = float(np.std(x)) / mean if mean > 0 else 0.0
            if mean >= MIN_MEAN:
                big.add(name)
        # Rare counts (a handful of acts) vary most by chance: prefer metrics of some size.
        ranked = sorted(cv, key=lambda n: (n not in big, -cv[n], n))
        return [n for n in ranked if cv[n] > 0][:k]

    def write(self, out: str | Path, force: bool = False) -> Path:
        """Write ``indices.parquet``, ``samples.parquet``, ``indices.png`` and ``report.html``."""
        from scslab.experiment.folder import write_bytes, write_folder
        from scslab.experiment.plots import sensitivity_png
        from scslab.experiment.report import page, section, table_rows
        from scslab.io import write_parquet, write_text

        png = sensitivity_png(self)
        key = "mu_star" if self.method == "morris" else "ST"
        top = self.top_metrics(12)
        rows = self.indices.filter(pa.compute.equal(self.indices.column("index"), key))
        shown = [r for r in table_rows(rows, ["metric", "param", "value", "conf"]) if r[0] in top]
        html = page(f"Sensitivity ({self.method}) of {self.design['scenario']}", [
            f"{self.n_runs} runs at seed {self.design['seed']} (common random numbers). "
            f"Parameters: {', '.join(f'{r.path} in [{r.low:g}, {r.high:g}]' for r in self.params)}."],
            [section(f"{key} of the metrics that vary most", text="", png=png),
             section(f"{key} by metric and parameter", ["metric", "param", key, "conf"], shown)])
        return write_folder(out, "sensitivity", {
            "indices.parquet": lambda p: write_parquet(p, self.indices),
            "samples.parquet": lambda p: write_parquet(p, self.samples),
            "indices.png": lambda p: write_bytes(p, png),
            "report.html": lambda p: write_text(p, html),
        }, self.design, force)


def run_sensitivity(ex: Experiment, params: list[Range], *, method: str = "morris",
                    samples: int = 8) -> SensitivityResult:
    """Sample the ranges, run every sample, and compute the indices of every scalar metric."""
    check_method(method)
    if not params:
        raise InputError("option --param: at least one PATH=LOW:HIGH is needed")
    sampler, analyser = _salib()[method]
    problem = {"num_vars": len(params), "names": [r.path for r in params],
               "bounds": [[r.low, r.high] for r in params]}
    seed = ex.seeds[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib warns about sample sizes that are not 2^k
        if method == "morris":
            x = sampler.sample(problem, samples, num_levels=LEVELS, seed=seed % 2**32)
        else:
            x = sampler.sample(problem, samples, calc_second_order=False, seed=seed % 2**32)
    sets = [{**ex.fixed, **{r.path: r.value(v) for r, v in zip(params, row, strict=True)}} for row in x]
    specs = [RunSpec(ex.scenario, ex.persons, ex.days, seed, s) for s in sets]
    check_specs(specs)
    per = [scalars(t) for t in ex.executor.map(run_spec, specs)]
    names = sorted(set().union(*per))
    y = np.array([[p.get(m, np.nan) for m in names] for p in per], np.float64)
    rows: dict[str, list[Any]] = {"metric": [], "param": [], "index": [], "value": [], "conf": []}
    for j, m in enumerate(names):
        yj = y[:, j]
        if not np.all(np.isfinite(yj)):
            continue
        res = _analyse(analyser, method, problem, x, yj, seed)
        for idx in INDICES[method]:
            for i, p in enumerate(params):
                rows["metric"].append(m)
                rows["param"].append(p.path)
                rows["index"].append(idx)
                rows["value"].append(float(res[idx][i]))
                rows["conf"].append(float(res[CONF[idx]][i]) if idx in CONF else None)
    indices = pa.table({"metric": pa.array(rows["metric"], pa.string()),
                        "param": pa.array(rows["param"], pa.string()),
                        "index": pa.array(rows["index"], pa.string()),
                        "value": pa.array(rows["value"], pa.float64(), from_pandas=True),
                        "conf": pa.array(rows["conf"], pa.float64(), from_pandas=True)})
    n = len(specs)
    cols: dict[str, Any] = {"sample": pa.array(np.repeat(np.arange(n), len(names)).astype(np.int64))}
    for i, p in enumerate(params):
        cols[p.path] = pa.array(np.repeat([r.value(v) for r, v in ((p, v) for v in x[:, i])],
                                          len(names)).astype(np.float64))
    cols["metric"] = pa.array(names * n, pa.string())
    cols["value"] = pa.array(y.reshape(-1), pa.float64())
    design = {"scenario": ex.scenario, "persons": ex.persons, "days": ex.days, "seed": seed,
              "method": method, "samples": samples, "fixed": ex.fixed,
              "params": [{"path": r.path, "low": r.low, "high": r.high, "integer": r.integer}
                         for r in params]}
    return SensitivityResult(method, params, indices, pa.table(cols), design)


def _analyse(analyser: Any, method: str, problem: dict, x: np.ndarray, y: np.ndarray,
             seed: int) -> dict:
    """One metric's indices; a constant output has every index 0 (SALib would divide by 0)."""
    if np.ptp(y) == 0:
        zero = np.zeros(problem["num_vars"])
        return {k: zero for k in (*INDICES[method], *CONF.values())}
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        if method == "morris":
            return dict(analyser.analyze(problem, x, y, num_levels=LEVELS, seed=seed % 2**32))
        return dict(analyser.analyze(problem, y, calc_second_order=False, seed=seed % 2**32))
