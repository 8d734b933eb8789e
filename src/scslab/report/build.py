"""Assemble the report: read the run folder, compute tables, draw figures, render the template.

Everything here is deterministic (stable key orders, no timestamps, fixed PNG metadata), so
one run folder always gives the same bytes. Optional pieces (subjects, lists, gates,
shaming) are skipped when the run folder does not have them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scslab import io
from scslab.gates.services import HONOUR_PREFIX
from scslab.report import plots
from scslab.report.summary import RegimeSummary, fmt, recorded_scope, regime_summary
from scslab.reprs import SYNTHETIC_NOTE
from scslab.runfolder import SUBJECTS, RunFolder, read_run

TEMPLATE = "report.html.j2"
#: Acts drawn individually in the acts plot; the rest are summed into "other".
TOP_ACTS = 8
SPILLOVER_SERVICE = "private_school_family_spillover"


@dataclass(frozen=True)
class Plot:
    """One embedded figure."""

    title: str
    caption: str
    uri: str


@dataclass
class Table:
    """A plain table: header cells and rows of already formatted cells."""

    header: list[str]
    rows: list[list[str]]


@dataclass
class RegimeSection:
    """One regime's part of the report: its summary table, figures and notes."""

    regime: str
    summary: RegimeSummary
    plots: list[Plot] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# -- header ----------------------------------------------------------------------------------


def _get(mapping: dict[str, Any], *paths: str) -> Any:
    """First present value among dotted ``paths`` (manifest writers differ in key names)."""
    for path in paths:
        node: Any = mapping
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                break
            node = node[part]
        else:
            if node is not None and not isinstance(node, dict):
                return node
    return None


def _scenario_name(run: RunFolder) -> str:
    name = _get(run.manifest, "scenario_name", "scenario.name", "scenario", "name")
    if name is None and run.scenario_text:
        try:
            scenario = tomllib.loads(run.scenario_text)
        except tomllib.TOMLDecodeError:
            scenario = {}
        name = _get(scenario, "name", "scenario.name", "meta.name")
    return str(name) if name is not None else run.path.resolve().name


def _header(run: RunFolder) -> list[tuple[str, str]]:
    m = run.manifest
    persons = _get(m, "persons", "n_persons", "society.persons")
    rows = [
        ("scenario", _scenario_name(run)),
        ("seed", str(_get(m, "seed"))),
        ("persons", fmt(float(persons)) if isinstance(persons, int | float) else str(persons)),
        ("days", fmt(float(run.n_days))),
    ]
    dates = run.daily.column("date") if "date" in run.daily.column_names else None
    if dates is not None and run.daily.num_rows:
        rows.append(("dates", f"{pc.min(dates).as_py()} to {pc.max(dates).as_py()}"))
    rows += [
        ("regimes", ", ".join(run.regimes) or "none"),
        ("scslab version", str(_get(m, "scslab", "scslab_version", "version", "versions.scslab"))),
    ]
    sha = _get(m, "scenario_sha256", "scenario_sha", "sha256")
    if sha is not None:
        rows.append(("scenario SHA-256", str(sha)))
    return rows


# -- per regime ------------------------------------------------------------------------------


def _score_samples(run: RunFolder, regime: str) -> dict[str, np.ndarray] | None:
    """Non-null start and end scores of ``regime`` (points), or ``None`` if it has no score."""
    if not run.has(SUBJECTS):
        return None
    start_col, end_col = f"{regime}.score_start", f"{regime}.score"
    table = run.subject_columns([start_col, end_col])
    if end_col not in table.column_names:
        return None
    end = table.column(end_col)
    if end.null_count == len(end):
        return None  # a regime without a score
    out: dict[str, np.ndarray] = {}
    if start_col in table.column_names:
        out["start (day 0)"] = pc.drop_null(table.column(start_col)).to_numpy()
    out[f"end (day {run.n_days - 1})"] = pc.drop_null(end).to_numpy()
    return out


def _start(run: RunFolder) -> str | None:
    """The run's first date (ISO), for dates on the plots' x-axes; None if the manifest lacks it."""
    start = run.manifest.get("start_date")
    return start if isinstance(start, str) else None


def _who(run: RunFolder, regime: str) -> str:
    """What a regime's counts count: persons, or persons and organisations."""
    if not run.has(SUBJECTS):
        return "subjects"
    t = run.subject_columns(["kind", f"{regime}.score"])
    if "kind" not in t.column_names or f"{regime}.score" not in t.column_names:
        return "subjects"
    scored = pc.is_valid(t.column(f"{regime}.score"))
    if pc.sum(scored).as_py() in (0, None):
        return "subjects"
    org = pc.equal(t.column("kind").cast(pa.string()), "organisation")
    return "persons + organisations" if pc.any(pc.and_(org, scored)).as_py() else "persons"


def _regime_section(run: RunFolder, regime: str) -> RegimeSection:
    section = RegimeSection(regime, regime_summary(run, regime))
    who = _who(run, regime)
    start = _start(run)
    bands = run.series("band", regime)
    if bands:
        section.plots.append(Plot(
            f"Bands over time ({regime})",
            f"Subjects in each band of regime {regime} at the end of each day, stacked; "
            "bands in rulebook order, highest at the bottom; the legend lists them as stacked.",
            plots.stacked_area(bands, title=f"{regime}: subjects per band",
                               ylabel=f"subjects per band ({who})", start=start),
        ))
    samples = _score_samples(run, regime)
    if samples is not None:
        section.plots.append(Plot(
            f"Score distribution ({regime})",
            f"Distribution of regime {regime} scores over all scored subjects at the start "
            "and at the end of the run, from subjects.parquet.",
            plots.histograms(samples, title=f"{regime}: score distribution, start vs end",
                             xlabel="score (points)", ylabel=f"subjects per bin ({who})"),
        ))
    else:
        section.notes.append(f"Regime {regime} keeps no score: no score distribution.")
    lists = run.series("list", regime)
    if lists:
        section.plots.append(Plot(
            f"List sizes over time ({regime})",
            f"Subjects on each list of regime {regime} at the end of each day.",
            plots.lines(lists, title=f"{regime}: list sizes",
                        ylabel=f"subjects on the list ({who})", start=start),
        ))
    return section


# -- acts ------------------------------------------------------------------------------------


def _top_with_other(series: dict[str, np.ndarray], top: int) -> dict[str, np.ndarray]:
    """The ``top`` keys by total (ties: first appearance) plus their remainder as "other"."""
    if len(series) <= top:
        return series
    names = list(series)
    totals = np.array([np.nansum(series[k]) for k in names])
    order = np.argsort(-totals, kind="stable")  # stable: ties keep first-appearance order
    keep = [names[i] for i in order[:top]]
    rest = [names[i] for i in order[top:]]
    out = {k: series[k] for k in keep}
    out[plots.OTHER] = np.sum([series[k] for k in rest], axis=0)
    return out


def _acts(run: RunFolder) -> tuple[list[Plot], Table | None]:
    scopes = list(dict.fromkeys(recorded_scope(run, r) for r in run.regimes)) or [""]
    figs: list[Plot] = []
    recorded_totals: dict[str, dict[str, float]] = {}
    for scope in scopes:
        series = run.series("recorded", scope)
        if not series:
            continue
        label = scope or "all regimes"
        recorded_totals[label] = {k: float(np.nansum(v)) for k, v in series.items()}
        shown = _top_with_other(series, TOP_ACTS)
        more = f" The top {TOP_ACTS} acts by total are shown; the rest are summed as 'other'."
        figs.append(Plot(
            f"Acts recorded per day ({label})",
            f"Records per act and day for {label}." + (more if len(series) > TOP_ACTS else ""),
            plots.lines(shown, title=f"acts recorded per day: {label}",
                        ylabel="records per day (acts)", start=_start(run)),
        ))
    occurred = run.total("occurred", "")
    if not occurred and not recorded_totals:
        return figs, None
    acts = list(dict.fromkeys([*occurred, *(k for t in recorded_totals.values() for k in t)]))
    # Most frequent first; Python's sort is stable, so ties keep first-appearance order.
    acts.sort(key=lambda a: -occurred.get(a, 0.0))
    header = ["act", "occurred", *(f"recorded ({s})" for s in recorded_totals)]
    rows = [
        [a, fmt(occurred.get(a, 0.0)), *(fmt(t.get(a, 0.0)) for t in recorded_totals.values())]
        for a in acts
    ]
    return figs, Table(header, rows)


# -- gates -----------------------------------------------------------------------------------


#: Label of the denials and privileges that scslab files under regime "" (any regime's gate).
ANY_REGIME = "any regime"


def _rate(part: float, whole: float) -> float:
    """``part`` as a percentage of ``whole``; NaN when ``whole`` is 0."""
    return 100.0 * part / whole if whole > 0 else float("nan")


def _pct(value: float) -> str:
    return "—" if np.isnan(value) else f"{value:.1f} %"


def _gate_scopes(run: RunFolder) -> list[tuple[str, str]]:
    """``(regime, label)`` of every scope with gate outcomes: each gating regime, then "" (any)."""
    scopes = [(r, r) for r in run.regimes if run.has_metric("denied", r)]
    if run.has_metric("denied", ""):
        scopes.append(("", ANY_REGIME))
    return scopes


def _gates(run: RunFolder) -> tuple[list[Plot], Table | None, list[str]]:
    if not run.has_metric("request", None):
        return [], None, []
    requests = run.total("request", "")
    if not requests:  # tolerate a writer that files requests under a regime
        requests = {}
        for regime in run.regimes:
            for k, v in run.total("request", regime).items():
                requests[k] = requests.get(k, 0.0) + v
    scopes = _gate_scopes(run)
    outcomes = {label: (run.total("denied", r), run.total("privileged", r)) for r, label in scopes}
    services = list(dict.fromkeys(
        [*requests, *(k for d, p in outcomes.values() for k in (*d, *p))]
    ))
    header = ["service", "requests"]
    for label in outcomes:
        header += [f"denied ({label})", f"denial rate ({label})", f"privileged ({label})"]
    rows = []
    for s in services:
        asked = requests.get(s, 0.0)
        row = [s, fmt(asked)]
        for denied, privileged in outcomes.values():
            d = denied.get(s, 0.0)
            row += [fmt(d), _pct(_rate(d, asked)), fmt(privileged.get(s, 0.0))]
        rows.append(row)
    notes = []
    if SPILLOVER_SERVICE in services:
        notes.append(
            f"Denials of a child's school place that count as family spillover appear as "
            f"service {SPILLOVER_SERVICE}; it has no requests of its own, so no rate."
        )
    asked_services = [s for s in services if requests.get(s, 0.0) > 0]
    denied_any = any(sum(d.values()) > 0 for d, _ in outcomes.values())
    if not outcomes:
        notes.append("No regime in this run gates a service: every request was granted.")
        return [], Table(header, rows), notes
    if not denied_any:
        notes.append("No request was denied in this run: no denial-rate chart.")
        return [], Table(header, rows), notes
    rates = {
        label: [_rate(denied.get(s, 0.0), requests[s]) for s in asked_services]
        for label, (denied, _) in outcomes.items()
    }
    fig = Plot(
        "Denial rates per service",
        "Share of each service's requests over the run that each regime's gate denied "
        f"(percent of requests); '{ANY_REGIME}' counts a request denied by at least one regime.",
        plots.denial_rates(asked_services, rates, title="denied share of requests per service"),
    )
    return [fig], Table(header, rows), notes


def _outcomes(run: RunFolder) -> Table | None:
    """Outcomes by class (customs inspections): allowed requests, outcomes and their rate.

    None where no service of the run has an outcome (``Service.outcome``).
    """
    if not run.has_metric("outcome_requests", ""):
        return None
    asked, hit = run.total("outcome_requests", ""), run.total("outcome", "")
    rows = []
    for key, n in asked.items():
        service, _, cls = key.partition(":")
        x = hit.get(key, 0.0)
        rows.append([service, cls, fmt(n), fmt(x), _pct(_rate(x, n))])
    return Table(["service", "class (id held)", "allowed requests", "outcomes", "rate"], rows)


# -- shaming ---------------------------------------------------------------------------------

#: The shaming metrics of ``daily.parquet``, per regime and channel, and their report labels.
SHAMING = (("exposure", "people exposed"), ("ties_lost", "ties lost"), ("jobs_lost", "jobs lost"))


def _shaming_series(run: RunFolder, metric: str) -> dict[str, np.ndarray]:
    """``{channel: day series}``; a channel that two regimes share is named ``regime: channel``."""
    found = [(scope, channel, values) for scope in ["", *run.regimes]
             for channel, values in run.series(metric, scope).items()]
    channels = [c for _, c, _ in found]
    return {
        c if channels.count(c) == 1 or not scope else f"{scope}: {c}": v
        for scope, c, v in found
    }


def _shaming(run: RunFolder) -> tuple[list[Plot], Table | None]:
    """Exposures per day, the cumulative costs (ties and jobs lost), and their totals."""
    found = {m: _shaming_series(run, m) for m, _ in SHAMING if run.has_metric(m, None)}
    if not any(found.values()):
        return [], None
    figs: list[Plot] = []
    start = _start(run)
    # Honour channels (a red list on a notice-board) are exposures of the opposite sign: public
    # praise, plotted apart so that it is never read as shaming.
    exposure = found.get("exposure", {})
    shamed = {c: v for c, v in exposure.items() if HONOUR_PREFIX not in c}
    honoured = {c: v for c, v in exposure.items() if HONOUR_PREFIX in c}
    if shamed:
        figs.append(Plot(
            "Shaming exposures per day",
            "People who saw a subject shamed, per regime, channel and day.",
            plots.lines(shamed, title="shaming exposures per channel",
                        ylabel="people exposed per day (persons)", start=start),
        ))
    if honoured:
        figs.append(Plot(
            "Honour exposures per day",
            "People who saw a subject honoured (public praise, the opposite sign to shaming; it "
            "costs the subject nothing), per regime, channel and day.",
            plots.lines(honoured, title="honour exposures per channel",
                        ylabel="people exposed per day (persons)", start=start),
        ))
    costs = {
        f"{label}: {name}": np.cumsum(values)
        for metric, label in SHAMING[1:]
        for name, values in found.get(metric, {}).items()
        if HONOUR_PREFIX not in name  # honour costs nothing (gates.services.Channel)
    }
    if costs:
        figs.append(Plot(
            "Costs of shaming over time",
            "Cumulative social ties and jobs that shamed persons lost, per regime and channel.",
            plots.lines(costs, title="costs of shaming, cumulative",
                        ylabel="lost since day 0 (ties, jobs)", start=start),
        ))
    channels = list(dict.fromkeys(k for series in found.values() for k in series))
    header = ["channel", *(label for m, label in SHAMING if m in found)]
    rows = [
        [c, *(fmt(float(np.nansum(found[m].get(c, 0.0)))) for m, _ in SHAMING if m in found)]
        for c in channels
    ]
    return figs, Table(header, rows)


# -- rendering -------------------------------------------------------------------------------


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = fmt
    return env


def _hurt(run: RunFolder) -> list[tuple[str, Table]]:
    """Who is hurt: one table per dimension (age group, income quintile, region, sex)."""
    from scslab.report.hurt import SHOWN, run_hurt

    if not run.has("subjects.parquet"):
        return []
    h = run_hurt(run)
    cells: dict[str, dict[str, dict[str, float]]] = {}
    for d, g, m, v in zip(*(h.column(c).to_pylist() for c in ("dimension", "group", "metric", "value")),
                          strict=True):
        cells.setdefault(d, {}).setdefault(g, {})[m] = v
    out = []
    for dim, groups in cells.items():
        rows = [[g, *(_fmt_hurt(vals.get(m)) for m, _ in SHOWN)] for g, vals in groups.items()]
        out.append((dim.replace("_", " "), Table(["group", *(label for _, label in SHOWN)], rows)))
    return out


def _fmt_hurt(v: float | None) -> str:
    if v is None or v != v:
        return "–"
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:.4g}"


def render(run: RunFolder) -> str:
    """The report's HTML text for ``run``."""
    acts_plots, acts_table = _acts(run)
    gate_plots, gate_table, gate_notes = _gates(run)
    shaming_plots, shaming_table = _shaming(run)
    context = {
        "title": f"scslab report: {_scenario_name(run)}",
        "synthetic": SYNTHETIC_NOTE,
        "header": _header(run),
        "regimes": [_regime_section(run, r) for r in run.regimes],
        "acts_plots": acts_plots,
        "acts_table": acts_table,
        "gate_plots": gate_plots,
        "gate_table": gate_table,
        "gate_notes": gate_notes,
        "outcome_table": _outcomes(run),
        "shaming_plots": shaming_plots,
        "shaming_table": shaming_table,
        "hurt": _hurt(run),
        "last_day": max(run.n_days - 1, 0),
        "scenario_text": run.scenario_text,
    }
    source = resources.files("scslab.report").joinpath(TEMPLATE).read_text(encoding="utf-8")
    return _environment().from_string(source).render(context)


def write_report(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write the report of the run folder ``run_dir`` to ``out`` (default ``run_dir/report.html``).

    Raises:
        InputError: ``run_dir`` is not a run folder.
    """
    run = read_run(run_dir)
    path = Path(out) if out is not None else run.path / "report.html"
    io.write_text(path, render(run))
    return path
