"""A study's ``report.html`` and ``study.toml`` (docs/studies.md).

The report holds the question, design, plots, results, who is hurt, conclusion and caveats.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import pyarrow.compute as pc
import tomli_w

from scslab.experiment.report import hurt_sections, interval_text, page, section, table_rows

if TYPE_CHECKING:
    from scslab.studies.run import StudyResult

SYNTHETIC = ("Every person in these runs is synthetic: scslab generates its societies and never "
             "takes in real personal data.")


def design_toml(res: StudyResult) -> str:
    """The resolved design as TOML: the study's values, size, seeds and computed conclusion."""
    from scslab.studies.conclude import conclusion

    data = res.study.model_dump(mode="json", exclude_none=True)
    data["conclusion"] = " ".join(conclusion(res))  # computed from the results, as in the report
    data["resolved"] = {"quick": res.quick, "persons": res.size.persons, "days": res.size.days,
                        "replicates": res.size.replicates, "seeds": res.seeds,
                        "seconds": round(res.seconds, 3)}
    return tomli_w.dumps(data)


def _plot(res: StudyResult) -> bytes | None:
    """Each headline metric by arm: mean and 95 % band over dates, or bars with intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    r = res.results
    metrics = [m for m in res.study.metrics
               if r.filter(pc.equal(r.column("metric"), m)).num_rows]
    if not metrics:
        return None
    arms = [a.name for a in res.study.arms]
    fig, axes = plt.subplots(len(metrics), 1, figsize=(8, 2.5 * len(metrics)), squeeze=False)
    for ax, m in zip(axes[:, 0], metrics, strict=True):
        rows = r.filter(pc.equal(r.column("metric"), m))
        dated = rows.filter(pc.is_valid(rows.column("date")))
        if dated.num_rows:
            for arm in arms:
                a = dated.filter(pc.equal(dated.column("arm"), arm))
                if not a.num_rows:
                    continue
                d = np.array(a.column("date").to_pylist(), dtype="datetime64[D]")
                mean = np.array(a.column("mean").to_pylist(), float)
                lo = np.array([np.nan if x is None else x for x in a.column("ci_low").to_pylist()], float)
                hi = np.array([np.nan if x is None else x for x in a.column("ci_high").to_pylist()], float)
                line = ax.plot(d, mean, lw=1.2, label=arm)[0]
                ax.fill_between(d, lo, hi, color=line.get_color(), alpha=0.2)
            ax.legend(fontsize=7)
        else:
            vals = [res.value(arm, m) for arm in arms]
            mean = np.array([v[0] for v in vals])
            err = np.array([[v[0] - v[1], v[2] - v[0]] for v in vals]).T
            ax.bar(range(len(arms)), mean, yerr=np.nan_to_num(err), capsize=4, color="#5b8db8")
            ax.set_xticks(range(len(arms)), arms, fontsize=7, rotation=15)
        ax.set_title(m, fontsize=9)
        ax.tick_params(labelsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _design(res: StudyResult) -> list[dict[str, Any]]:
    s = res.study
    rows: list[list[Any]] = [
        ["scenario", s.scenario], ["persons per run", res.size.persons],
        ["days per run", res.size.days], ["replicates per arm", res.size.replicates],
        ["seeds", ", ".join(map(str, res.seeds))], ["size", "quick" if res.quick else "full"],
        ["wall time [s]", round(res.seconds, 1)]]
    arms = [[a.name, a.scenario or s.scenario,
             "; ".join(f"{k} = {v}" for k, v in a.sets.items()) or "—", a.note] for a in s.arms]
    params = [[p.path, str(p.value), p.unit, p.source or "—",
               "yes" if p.verified else "NO (assumption)", p.note] for p in s.parameters]
    return [section("Design", ["item", "value"], rows),
            section("Arms", ["arm", "scenario", "overrides", "what it stands for"], arms,
                    text="The first arm is the reference. Arms share seeds: the same persons and "
                         "the same luck (common random numbers)."),
            section("Parameters", ["parameter", "value", "unit", "source", "verified", "note"], params,
                    text="Every value the design sets, with its source, or flagged as an assumption. "
                         "The scenario's own values and sources are in its file and its regimes' "
                         "[[sources]] (docs/sources.md).")]


def _results_table(res: StudyResult) -> dict[str, Any]:
    arms = [a.name for a in res.study.arms]
    sc = res.scalars()
    by = {(m, a): interval_text(x, lo, hi) for a, m, x, lo, hi in
          table_rows(sc, ["arm", "metric", "mean", "ci_low", "ci_high"])}
    shown = [m for m in dict.fromkeys(sc.column("metric").to_pylist()) if not m.startswith("hurt/")]
    head = [m for m in res.study.metrics if m in shown]
    rest = sorted(m for m in shown if m not in head)
    return section("Results", ["metric", *arms],
                   [[m, *(by.get((m, a), "–") for a in arms)] for m in head + rest],
                   text="Mean over replicates [95 % interval, Student t]. Headline metrics first; "
                        "time series are in results.parquet by date. Who is hurt counts distinct "
                        "persons and their days, not requests; wrongful list-days only where the "
                        "scenario declares sources or deletion delays.")


def _hurt(res: StudyResult) -> list[dict[str, Any]]:
    """Who is hurt per dimension, a column per arm (the sweep report's sections)."""
    by = {(m, a): interval_text(x, lo, hi) for a, m, x, lo, hi in
          table_rows(res.scalars(), ["arm", "metric", "mean", "ci_low", "ci_high"])
          if m.startswith("hurt/")}
    return hurt_sections(by, [a.name for a in res.study.arms])


def study_report(res: StudyResult) -> str:
    """The study's whole HTML page."""
    from scslab.studies.conclude import conclusion

    s = res.study
    return page(f"Study {s.name}: {s.question}", [
        SYNTHETIC,
        f"Seed {s.seed}: “{s.quote}”",
        f"{len(s.arms)} arm(s) × {res.size.replicates} replicate(s), "
        f"{res.size.persons:,} persons × {res.size.days:,} days each."],
        [*_design(res),
         section("Headline metrics", png=_plot(res),
                 text="Mean over replicates with its 95 % interval, by arm."),
         _results_table(res),
         *_hurt(res),
         section("Conclusion", ["finding"], [[x] for x in conclusion(res)],
                 text="Computed from the results above: a difference counts only where its paired "
                      "95 % interval excludes zero. A laboratory measures; it does not confirm."),
         section("Caveats", ["caveat"], [[c] for c in s.caveats] or [["none stated"]])])
