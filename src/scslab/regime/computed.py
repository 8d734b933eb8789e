"""Computed scores (``[score] kind = "factor"`` or ``"evaluation"``).

This module holds their update calendars and the descriptions ``scslab regimes show`` prints.

The point rules move a score record by record. A computed score is instead recomputed for
every subject at once on the update days of ``[update]`` (monthly, quarterly, yearly) by a
strategy (:class:`~scslab.regime.factor.FactorModel`,
:class:`~scslab.regime.evaluation.AnnualEvaluation`) that the engine calls at the end of every
day: it notes the day's records (O(records)) and, on an update day only, recomputes every score
(O(subjects)), writing through the state's API, so a score still equals its initial value plus
the sum of its ledger deltas.

A simulation binds the society's inputs once (``Engine.bind_society``); replay has no society
and binds what a record file says (``Engine.bind_records``): ages in the records, the
``representative`` column; everything else takes the defaults the rulebook declares.
"""

from __future__ import annotations

import datetime as _dt

from scslab.dates import to_date, to_day
from scslab.regime.schema import Act, Cited, Evaluation, Rulebook, Score, Update


# ------------------------------------------------------------------------------------ calendar
def _months(spec: Update) -> set[int]:
    if spec.cadence == "monthly":
        return set(range(1, 13))
    if spec.cadence == "quarterly":
        return {(spec.month - 1 + 3 * k) % 12 + 1 for k in range(4)}
    return {spec.month}


def update_on_or_after(spec: Update, day: int) -> int:
    """The first update day on or after ``day`` (day numbers)."""
    d = to_date(day)
    months = _months(spec)
    y, m = d.year, d.month
    for _ in range(13):
        if m in months:
            cand = to_day(_dt.date(y, m, spec.day))
            if cand >= day:
                return cand
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    raise AssertionError("unreachable: every cadence has an update within 13 months")


def update_after(spec: Update, day: int) -> int:
    """The first update day strictly after ``day``."""
    return update_on_or_after(spec, day + 1)


def cadence_word(spec: Update) -> str:
    """``monthly``, ``quarterly`` or ``yearly``: for ledger rules."""
    return spec.cadence


# ---------------------------------------------------------------------------------- describe
def _mark(item: Cited) -> str:
    cite = f" [{', '.join(item.sources)}]" if item.sources else ""
    return cite + ("" if item.verified else " (unverified)")


def _curve(c: list[tuple[float, float]]) -> str:
    return " ".join(f"{x:g}->{y:+g}" for x, y in c)


def describe_act(rb: Rulebook, act: Act) -> list[str]:
    """What an act does under a computed score (for ``scslab regimes show``)."""
    out = []
    for f in rb.factors:
        if any(act.id in x.acts or act.category in x.categories for x in f.inputs):
            out.append(f"feeds factor {f.id}")
    ev = rb.evaluation
    if ev is not None:
        out += [f"-{d.points} at the evaluation" for d in ev.deductions if d.act == act.id]
        low = next(x.band for x in rb.lists if x.id == ev.classes[-1].list)
        if act.id in ev.direct_lowest_acts:
            out.append(f"direct {low} at the evaluation")
        if act.id in ev.new_entity_acts:
            out.append("new entity at the evaluation")
        if act.id in ev.no_revenue_acts:
            out.append("no operating revenue at the evaluation")
    return out


def describe_lines(rb: Rulebook) -> list[str]:
    """The update cadence, the factors or the evaluation of a computed score, as text lines."""
    if rb.score is None or rb.score.kind == "points":
        return []
    u = rb.update
    assert u is not None  # a computed score has an [update] (checked by the schema)
    when = {"monthly": f"monthly, on day {u.day}",
            "quarterly": f"quarterly, on day {u.day} of month {u.month} and every third month",
            "yearly": f"yearly, on day {u.day} of month {u.month}"}[u.cadence]
    out = ["", f"Computed score ({rb.score.kind}): recomputed {when}{_mark(u)}"]
    if rb.factors:
        out += _factor_lines(rb, rb.score)
    if rb.evaluation is not None:
        out += _evaluation_lines(rb, rb.evaluation)
    return out


def _factor_lines(rb: Rulebook, score: Score) -> list[str]:
    """The score formula, then each factor with its inputs."""
    lo, hi = score.scale or (score.min, score.max)
    # A computed score has both bounds (checked by the schema).
    assert lo is not None and hi is not None
    total = sum(f.weight for f in rb.factors)
    out = [f"  score = {lo} + {hi - lo} x weighted mean of factor values (0..1), "
           f"held within {score.min}..{score.max}", "Factors:"]
    for f in rb.factors:
        out.append(f"  {f.id:<24} weight {f.weight:g} ({100 * f.weight / total:.0f} %), "
                   f"baseline {f.baseline:g}  {f.name}{_mark(f)}")
        for x in f.inputs:
            what: str = x.quantity
            if x.acts or x.categories:
                what += " of " + ", ".join([*x.acts, *(f"category {c}" for c in x.categories)])
            if x.window is not None:
                what += f" in the last {x.window}"
            if x.half_life_days is not None:
                what += f", half-life {x.half_life_days:g} days"
            if x.attribute:
                what += f" {x.attribute}"
            if x.list:
                what += f" {x.list}"
            if x.default is not None:
                what += f" (default {x.default:g})"
            out.append(f"    {what}: {_curve(x.curve)}{_mark(x)}")
    return out


def _evaluation_lines(rb: Rulebook, ev: Evaluation) -> list[str]:
    """The indicator, the classes and the rules that keep, spread or bar a class."""
    band = {x.id: x.band for x in rb.lists}
    out = [f"Evaluation of the previous calendar year: indicator = {ev.start} - deductions"
           f"{_mark(ev)}"]
    for c in ev.classes:
        cond = f"indicator >= {c.min_score}" if c.min_score is not None else \
            "below that, or a direct determination"
        out.append(f"  class {band[c.list]:<3} {cond} (list {c.list}){_mark(c)}")
    low, top = band[ev.classes[-1].list], band[ev.classes[0].list]
    if ev.new_entity_list:
        out.append(f"  class {band[ev.new_entity_list]:<3} new entity, or no operating revenue "
                   f"with indicator >= {ev.no_revenue_min_score} (list {ev.new_entity_list})")
    out.append(f"  {low} is kept {ev.lowest_kept} more evaluation(s); then {top} is barred for "
               f"{ev.no_top_after_lowest}")
    if ev.lowest_spreads_to_representative:
        out.append(f"  {low} spreads to the other subjects of the same legal representative")
    for d in ev.deductions:
        out.append(f"  deduction {d.act:<28} -{d.points}{_mark(d)}")
    out.append(f"  direct {low}: {', '.join(ev.direct_lowest_acts)}")
    return out
