"""The experiment layer's plots (matplotlib, Agg), returned as PNG bytes."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scslab.experiment.calibrate import CalibrationResult
    from scslab.experiment.sensitivity import SensitivityResult
    from scslab.experiment.sweep import SweepResult


def _png(fig: object) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, metadata={"Software": None})  # type: ignore[attr-defined]
    plt.close(fig)  # type: ignore[arg-type]
    return buf.getvalue()


def sensitivity_png(res: SensitivityResult) -> bytes:
    """Bars of mu* (Morris) or ST (Sobol) per parameter for the metrics that vary most."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pyarrow.compute as pc

    key = "mu_star" if res.method == "morris" else "ST"
    metrics = res.top_metrics(6) or res.metrics[:1]
    fig, axes = plt.subplots(max(1, len(metrics)), 1, figsize=(7, 1.6 + 1.4 * len(metrics)),
                             squeeze=False)
    t = res.indices.filter(pc.equal(res.indices.column("index"), key))
    for ax, m in zip(axes[:, 0], metrics, strict=False):
        rows = t.filter(pc.equal(t.column("metric"), m))
        ax.barh(rows.column("param").to_pylist(), rows.column("value").to_pylist(),
                xerr=[0 if c is None else c for c in rows.column("conf").to_pylist()], color="#4a7")
        ax.set_title(m, fontsize=9)
        ax.tick_params(labelsize=8)
    axes[-1, 0].set_xlabel(key)
    fig.tight_layout()
    return _png(fig)


def calibration_png(res: CalibrationResult) -> bytes:
    """Target against simulated value (best trial, 95 % interval) per target, and the loss by trial."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fit = res.fit
    labels = [f"{m}" + (f" {d}" if d is not None else "") for m, d in
              zip(fit.column("metric").to_pylist(), fit.column("date").to_pylist(), strict=True)]
    target = fit.column("target").to_pylist()
    sim = fit.column("simulated").to_pylist()
    lo = fit.column("ci_low").to_pylist()
    hi = fit.column("ci_high").to_pylist()
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 1.5 + 0.35 * len(labels)))
    pos = list(range(len(labels)))

    def ratio(x: float | None, t: float) -> float:  # simulated / target (difference if target 0)
        if x is None:
            return float("nan")
        return x / t if t else x - t + 1.0

    mid = [ratio(x, t) for x, t in zip(sim, target, strict=True)]
    low = [ratio(x if x is not None else s, t) for x, s, t in zip(lo, sim, target, strict=True)]
    high = [ratio(x if x is not None else s, t) for x, s, t in zip(hi, sim, target, strict=True)]
    err = [[max(0.0, m - x) for m, x in zip(mid, low, strict=True)],
           [max(0.0, x - m) for m, x in zip(mid, high, strict=True)]]
    a.axvline(1.0, color="black", lw=0.8)
    a.errorbar(mid, pos, xerr=err, fmt="o", color="#c52")
    a.set_yticks(pos, labels, fontsize=8)
    a.set_xlabel("simulated / target (best trial, 95 % interval)")
    a.set_title("fit", fontsize=9)
    losses = res.history.column("loss").to_pylist()
    b.plot(range(len(losses)), losses, ".", color="#888")
    best = [min(losses[: i + 1]) for i in range(len(losses))]
    b.plot(range(len(losses)), best, "-", color="#c52")
    b.set_xlabel("trial")
    b.set_ylabel("loss")
    b.set_yscale("symlog", linthresh=1e-3)
    b.set_title("loss by trial (line: best so far)", fontsize=9)
    fig.tight_layout()
    return _png(fig)


def is_flow(metric: str) -> bool:
    """Whether a metric name (``regime/metric/key``) names a flow (counted per day)."""
    from scslab.experiment.metrics import FLOWS

    return any(part in FLOWS for part in metric.split("/")[:2])


def sweep_metrics(res: SweepResult, k: int = 4) -> list[str]:
    """The ``k`` scalar metrics whose arm means differ most (relative to their size)."""
    import numpy as np

    sc = res.scalars()
    by: dict[str, list[float]] = {}
    for m, v in zip(sc.column("metric").to_pylist(), sc.column("mean").to_pylist(), strict=True):
        if not m.startswith("hurt/"):  # scalars only: nothing to draw by date
            by.setdefault(m, []).append(v)
    spread = {m: (max(v) - min(v)) / (float(np.mean(np.abs(v))) or 1.0) for m, v in by.items()
              if max(abs(x) for x in v) >= 10}
    ranked = sorted(spread, key=lambda m: (-spread[m], m))
    if not ranked or spread[ranked[0]] == 0:  # one arm, or no difference: scores and bands
        ranked = [m for m in sorted(by) if "mean_score" in m] + [m for m in sorted(spread)]
    return list(dict.fromkeys(ranked))[:k]


def sweep_png(res: SweepResult) -> bytes | None:
    """Each chosen metric's mean over seeds by date and arm, the range over seeds shaded.

    Flows are drawn cumulative. None when no metric is worth a plot.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import pyarrow.compute as pc

    metrics = sweep_metrics(res)
    if not metrics:
        return None
    r = res.results.filter(pc.is_valid(res.results.column("date")))
    fig, axes = plt.subplots(len(metrics), 1, figsize=(8, 2.4 * len(metrics)), squeeze=False)
    for ax, m in zip(axes[:, 0], metrics, strict=True):
        rows = r.filter(pc.equal(r.column("metric"), m))
        for arm in dict.fromkeys(rows.column("arm").to_pylist()):
            a = rows.filter(pc.equal(rows.column("arm"), arm))
            dates = np.array(sorted(set(a.column("date").to_pylist())), dtype="datetime64[D]")
            pos = {d: i for i, d in enumerate(dates.tolist())}
            runs = sorted(set(a.column("run").to_pylist()))
            mat = np.zeros((len(runs), len(dates)))
            ri = {x: i for i, x in enumerate(runs)}
            for run, d, v in zip(a.column("run").to_pylist(), a.column("date").to_pylist(),
                                 a.column("value").to_pylist(), strict=True):
                mat[ri[run], pos[d]] = v
            if is_flow(m):
                mat = np.cumsum(mat, axis=1)
            line = ax.plot(dates, mat.mean(axis=0), label=arm, lw=1.2)[0]
            ax.fill_between(dates, mat.min(axis=0), mat.max(axis=0), color=line.get_color(), alpha=0.15)
        ax.set_title(m + (" (cumulative)" if is_flow(m) else ""), fontsize=9)
        ax.tick_params(labelsize=8)
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    return _png(fig)
