"""Computed scores: the engine extension for scores of kind "factor" and "evaluation".

The point engine moves a score record by record. A computed score instead is recomputed for
every subject at once on the update days of ``[update]`` (monthly, quarterly, yearly). The
engine holds one extension (``engine.ext``, None for point scores) and calls it through a narrow
interface:

* ``ext.after_day(engine, day, subj, act, value, age, touched)`` at the end of every
  :meth:`Engine.step`: the extension notes the day's records (O(records)) and, on an update day
  only, recomputes every score (O(subjects)). It returns the subjects whose file changed.
* ``ext.next_due()``: the next update day, so that replay steps to it like a calendar event.

Every score change is a ledger line (``delta = new - old``, act ``SYSTEM_ACT``), so a score still
equals its initial value plus the sum of its ledger deltas.

What a caller supplies (the simulation loop, once after building the engines)::

    from scslab.regime.computed import bind_society
    for e in engines:
        bind_society(e, society, start_day)   # no-op for point scores

Replay has no society: :func:`bind_records` (called by :func:`scslab.regime.replay.replay`) binds
what a record file says (ages in the records, the ``representative`` column); everything else
takes the defaults the rulebook declares (no friends, the attribute ``default``).
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Protocol

import numpy as np

from scslab.dates import to_date, to_day
from scslab.regime.schema import Update

if TYPE_CHECKING:
    from scslab.regime.engine import Engine
    from scslab.regime.replay import Records
    from scslab.society import Society


class Extension(Protocol):
    """What the engine calls on a computed score (see the module docstring)."""

    def after_day(self, engine: Engine, day: int, subj, act, value, age,
                  touched: np.ndarray) -> np.ndarray: ...

    def next_due(self) -> int | None: ...


def build_extension(engine: Engine) -> Extension | None:
    """The extension for ``engine``'s rulebook: None for a point score."""
    score = engine.rulebook.score
    if score is None or score.kind == "points":
        return None
    if score.kind == "factor":
        from scslab.regime.factor import FactorModel

        return FactorModel(engine)
    from scslab.regime.evaluation import AnnualEvaluation

    return AnnualEvaluation(engine)


def bind_society(engine: Engine, society: Society, start_day: int) -> None:
    """Give a computed score the society's inputs: friends (CSR), ability to pay, ages on
    ``start_day``, legal representatives; which rows an evaluation rates (organisations).
    Nothing for point scores. Call once, after ``Engine.init()`` and before the first step."""
    ext = getattr(engine, "ext", None)
    if ext is not None:
        ext.bind_society(society, start_day)


def bind_records(engine: Engine, records: Records) -> None:
    """Replay: what a record file says about the subjects (see :func:`bind_society`)."""
    ext = getattr(engine, "ext", None)
    if ext is not None:
        ext.bind_records(records)


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


def refresh_aggregates(engine: Engine) -> None:
    """Recount ``band_counts`` and ``score_sum`` after an update touched every subject (O(n))."""
    nb = len(engine.t.band_labels) + 1
    engine.band_counts[:] = np.bincount(engine._band_idx(np.arange(engine.n_subjects)),
                                        minlength=nb)
    engine.score_sum = int(engine.score.sum(dtype=np.int64))


def normalise_day(subj, act, value, age) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A day's records as arrays (``Engine.step`` allows None for all but ``day``)."""
    s = np.zeros(0, np.int64) if subj is None else np.asarray(subj, np.int64)
    k = len(s)
    a = np.zeros(0, np.int64) if act is None else np.asarray(act, np.int64)
    v = np.ones(k) if value is None else np.asarray(value, np.float64)
    g = np.full(k, np.nan) if age is None else np.asarray(age, np.float64)
    return s, a, v, g


# ---------------------------------------------------------------------------------- describe
def _mark(item) -> str:
    cite = f" [{', '.join(item.sources)}]" if item.sources else ""
    return cite + ("" if item.verified else " (unverified)")


def _curve(c: list[tuple[float, float]]) -> str:
    return " ".join(f"{x:g}->{y:+g}" for x, y in c)


def describe_act(rb, act) -> list[str]:
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


def describe_lines(rb) -> list[str]:
    """The update cadence, the factors or the evaluation of a computed score, as text lines."""
    if rb.score is None or rb.score.kind == "points":
        return []
    u = rb.update
    when = {"monthly": f"monthly, on day {u.day}",
            "quarterly": f"quarterly, on day {u.day} of month {u.month} and every third month",
            "yearly": f"yearly, on day {u.day} of month {u.month}"}[u.cadence]
    out = ["", f"Computed score ({rb.score.kind}): recomputed {when}{_mark(u)}"]
    if rb.factors:
        lo, hi = rb.score.scale or (rb.score.min, rb.score.max)
        total = sum(f.weight for f in rb.factors)
        out.append(f"  score = {lo} + {hi - lo} x weighted mean of factor values (0..1), "
                   f"held within {rb.score.min}..{rb.score.max}")
        out.append("Factors:")
        for f in rb.factors:
            out.append(f"  {f.id:<24} weight {f.weight:g} ({100 * f.weight / total:.0f} %), "
                       f"baseline {f.baseline:g}  {f.name}{_mark(f)}")
            for x in f.inputs:
                what = x.quantity
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
    ev = rb.evaluation
    if ev is not None:
        band = {x.id: x.band for x in rb.lists}
        out.append(f"Evaluation of the previous calendar year: indicator = {ev.start} - deductions"
                   f"{_mark(ev)}")
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
