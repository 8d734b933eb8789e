"""Short self-contained HTML reports of experiments (jinja2): design, then the results table."""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import jinja2

if TYPE_CHECKING:
    import pyarrow as pa

    from scslab.experiment.sweep import SweepResult

_PAGE = jinja2.Template("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title|e }}</title>
<style>body{font-family:sans-serif;max-width:72em;margin:2em auto;padding:0 1em}
table{border-collapse:collapse;font-size:90%}td,th{border:1px solid #ccc;padding:.2em .5em}
td.n{text-align:right;font-variant-numeric:tabular-nums}caption{text-align:left;font-weight:bold}
</style></head><body>
<h1>{{ title|e }}</h1>
{% for p in intro %}<p>{{ p|e }}</p>{% endfor %}
{% for s in sections %}<h2>{{ s.heading|e }}</h2>
{% if s.text %}<p>{{ s.text|e }}</p>{% endif %}
{% if s.image %}<p><img alt="{{ s.heading|e }}" src="data:image/png;base64,{{ s.image }}"></p>{% endif %}
{% if s.header %}<table><tr>{% for h in s.header %}<th>{{ h|e }}</th>{% endfor %}</tr>
{% for row in s.rows %}<tr>{% for c in row %}<td{% if c.num %} class="n"{% endif %}>{{ c.text|e }}</td>
{%- endfor %}</tr>
{% endfor %}</table>{% endif %}
{% endfor %}
</body></html>
""", autoescape=False)


def fmt(x: Any) -> str:
    """A value for a table cell: numbers to 4 significant digits, nulls as an en dash."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if isinstance(x, float):
        return f"{x:,.4g}" if abs(x) < 1e6 else f"{x:,.0f}"
    if isinstance(x, int):
        return f"{x:,}"
    return str(x)


def section(heading: str, header: Sequence[str] = (), rows: Sequence[Sequence[Any]] = (),
            text: str = "", png: bytes | None = None) -> dict[str, Any]:
    """One report section: a heading, optional text, an optional PNG and an optional table."""
    return {"heading": heading, "text": text, "header": list(header),
            "image": base64.b64encode(png).decode("ascii") if png else None,
            "rows": [[{"text": fmt(c), "num": isinstance(c, int | float) and not isinstance(c, bool)}
                      for c in r] for r in rows]}


def page(title: str, intro: Sequence[str], sections: Sequence[dict[str, Any]]) -> str:
    """The whole HTML page (every string escaped)."""
    return _PAGE.render(title=title, intro=list(intro), sections=list(sections))


def table_rows(t: pa.Table, columns: Sequence[str]) -> list[list[Any]]:
    """Rows of ``t`` as lists of Python values, in the order of ``columns``."""
    cols = [t.column(c).to_pylist() for c in columns]
    return [list(r) for r in zip(*cols, strict=True)] if cols else []


def interval_text(mean: float, lo: float | None, hi: float | None) -> str:
    """``mean [lo, hi]``, or the mean alone where there is no interval."""
    if lo is None or hi is None or math.isnan(lo) or math.isnan(hi):
        return fmt(mean)
    return f"{fmt(mean)} [{fmt(lo)}, {fmt(hi)}]"


def sweep_report(res: SweepResult) -> str:
    """The report of a sweep: design, then each scalar metric per arm with its 95 % interval."""
    sc = res.scalars()
    arms = [a for a in dict.fromkeys(sc.column("arm").to_pylist())]
    by: dict[tuple[str, str], str] = {}
    n_of: dict[str, int] = {}
    for arm, m, mean, lo, hi, n in table_rows(sc, ["arm", "metric", "mean", "ci_low", "ci_high", "n"]):
        by[(m, arm)] = interval_text(mean, lo, hi)
        n_of[arm] = max(n_of.get(arm, 0), n)
    metrics = sorted({m for m, _ in by if not m.startswith("hurt/")})
    from scslab.experiment.plots import sweep_png

    design: list[list[Any]] = [["scenario", res.scenario], ["persons", res.persons or "scenario's"],
              ["days", res.days or "scenario's"], ["seeds", ", ".join(map(str, res.seeds))]]
    design += [[f"fixed {k}", str(v)] for k, v in res.fixed.items()]
    return page(f"Sweep of {res.scenario}", [
        f"{len(res.arms)} arm(s) × {len(res.seeds)} seed(s). Arms share seeds (common random "
        "numbers). Each cell: mean over seeds [95 % interval, Student t]; totals over the run for "
        "flows, last-day values for stocks (docs/experiments.md)."],
        [section("Design", ["item", "value"], design),
         section("Arms", ["arm", "runs"], [[a, n_of.get(a, 0)] for a in arms]),
         section("Metrics that differ most between arms",
                 text="Mean over seeds by date (cumulative for flows); shaded: the range over seeds.",
                 png=sweep_png(res)),
         section("Scalar metrics", ["metric", *arms],
                 [[m, *(by.get((m, a), "–") for a in arms)] for m in metrics]),
         *difference_sections(res, metrics),
         *hurt_sections(by, arms)])


def difference_sections(res: SweepResult, metrics: list[str]) -> list[dict[str, Any]]:
    """The paired differences of each arm from the first (none for one arm)."""
    d = res.differences()
    if d.num_rows == 0:
        return []
    cells = {(m, a): interval_text(x, lo, hi) for a, m, x, lo, hi in
             table_rows(d, ["arm", "metric", "mean", "ci_low", "ci_high"])}
    arms = list(dict.fromkeys(d.column("arm").to_pylist()))
    ref = d.column("reference")[0].as_py()
    return [section(f"Paired differences from {ref}", ["metric", *(f"{a} − ref" for a in arms)],
                    [[m, *(cells.get((m, a), "–") for a in arms)] for m in metrics],
                    text="Seed by seed (the same persons and luck), then mean [95 % interval] over seeds.")]


#: The who-is-hurt metrics a sweep report shows per group and arm.
HURT_SHOWN = ("share_ever_restricted", "denials_per_person_year", "wrongful_list_days",
              "persons_affected")


def hurt_sections(by: dict[tuple[str, str], str], arms: list[str]) -> list[dict[str, Any]]:
    """Who is hurt per dimension: a row per group and metric, a column per arm (none if unmeasured)."""
    keys = sorted({m for m, _ in by if m.startswith("hurt/")})
    order: dict[str, list[str]] = {}
    for m in keys:
        _, dim, group, _metric = m.split("/", 3)
        if group not in order.setdefault(dim, []):
            order[dim].append(group)
    out = []
    for dim, groups in order.items():
        rows = [[g, metric, *(by.get((f"hurt/{dim}/{g}/{metric}", a), "–") for a in arms)]
                for g in groups for metric in HURT_SHOWN]
        out.append(section(f"Who is hurt, by {dim.replace('_', ' ')}", ["group", "metric", *arms], rows))
    return out
