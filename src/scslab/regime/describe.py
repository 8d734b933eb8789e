"""A plain-text description of a rulebook: rules, bands, lists, consequences and sources."""

from __future__ import annotations

from scslab.regime.computed import describe_act, describe_lines
from scslab.regime.schema import Rulebook
from scslab.text import safe_text


def _mark(item) -> str:
    cite = f" [{', '.join(item.sources)}]" if item.sources else ""
    return cite + ("" if item.verified else " (unverified)")


def describe_rulebook(rb: Rulebook) -> str:
    """The rulebook as readable text, with each value's sources and verification flag.

    Terminal escape codes and control characters in the rulebook's strings are removed: the
    text is meant for a terminal, and a rulebook is untrusted input.
    """
    r = rb.regime
    out = [f"{r.id}: {r.name}", f"  {r.description}"]
    if r.jurisdiction:
        out.append(f"  jurisdiction: {r.jurisdiction}")
    out.append(f"  subjects: {', '.join(r.subject_kinds)}{_mark(r)}")
    if r.tags:
        out.append(f"  tags: {', '.join(r.tags)}")
    if r.note:
        out.append(f"  note: {r.note}")
    if rb.score:
        s = rb.score
        bounds = [f"min {s.min}" if s.min is not None else "", f"max {s.max}" if s.max is not None else ""]
        b = ", ".join(x for x in bounds if x) or "no bounds"
        if s.clip == "total" and (s.min is not None or s.max is not None):
            b += " (bounds clip the total of the points that count)"
        out += ["", f"Score: starts at {s.initial}, {b}{_mark(s)}"]
    if rb.bands:
        out += ["", "Bands:"]
        upper = None
        for band in rb.bands:
            rng = (f">= {band.min}" if upper is None else f"{band.min}-{upper - 1}") if band.min is not None \
                else f"<= {upper - 1}" if upper is not None else "all"
            out.append(f"  {band.label:<12} {rng}{_mark(band)}")
            upper = band.min
    out += ["", "Acts:"]
    for a in rb.acts:
        eff = []
        if a.points:
            eff.append(f"{a.points:+d}" + (" per unit of value" if a.per_value else ""))
        if a.drop_to_band:
            eff.append(f"drop to band {a.drop_to_band}")
        if a.expires:
            eff.append(f"expires after {a.expires}")
        if a.requires:
            q = a.requires
            if q.max_score is not None:
                eff.append(f"only if score <= {q.max_score}")
            if q.min_score is not None:
                eff.append(f"only if score >= {q.min_score}")
            if q.cooldown is not None:
                eff.append(f"at most once per {q.cooldown}")
        for lst in rb.lists:
            for e in lst.entries:
                if e.act == a.id:
                    term = f"term {e.term}" if e.term else "no fixed term"
                    eff.append(f"lists on {lst.id} ({term}{_mark(e)})")
            if a.id in lst.removal_acts:
                eff.append(f"removes from {lst.id}")
            if a.id in lst.extension_acts:
                hi = "" if lst.extension_max_years is None else f"-{lst.extension_max_years}"
                eff.append(f"extends {lst.id} by value years ({lst.extension_min_years}{hi or '+'})")
        eff += describe_act(rb, a)  # factor inputs, evaluation deductions (computed scores)
        out.append(f"  {a.id:<32} {a.category:<15} {'; '.join(eff) or 'recorded'}{_mark(a)}")
    for lst in rb.lists:
        out += ["", f"List {lst.id}: {lst.name}".rstrip(": ")]
        if lst.removal_delay_working_days:
            out.append(f"  deletions take effect on working day {lst.removal_delay_working_days} "
                       "after the trigger")
        out.append(f"  early deletion on performance: {'yes' if lst.early_removal_on_performance else 'no'}")
        if lst.min_age is not None:
            out.append(f"  never lists subjects under {lst.min_age}")
        if lst.term:
            out.append(f"  term of trigger entries: {lst.term}")
        if lst.band:
            out.append(f"  band while listed: {lst.band}")
        out[-1] += _mark(lst)
    for t in rb.triggers:
        cond = f">= {t.score_at_least}" if t.score_at_least is not None else f"<= {t.score_at_most}"
        out.append(f"Trigger {t.id}: score {cond} enters {t.enter_list}{_mark(t)}")
    for w in rb.windows:
        out.append(f"Window {w.id}: more than {w.more_than} {w.act} in {w.days} days "
                   f"emits {w.emit}{_mark(w)}")
    out += describe_lines(rb)  # factors or evaluation of a computed score
    ret = rb.retention
    kept = f"records expire after {ret.records}" if ret.records else "records never expire"
    out += ["", f"Retention: {kept}{_mark(ret)}"]
    if rb.consequences:
        out += ["", "Consequences:"]
        for c in rb.consequences:
            who = f"band {c.band}" if c.band else f"list {c.list}"
            parts = []
            if c.restrictions:
                parts.append("restricted: " + ", ".join(c.restrictions))
            if c.privileges:
                parts.append("privileged: " + ", ".join(c.privileges))
            if c.organisation_falls_on == "legal_representative":
                parts.append("on an organisation: borne by its legal representative")
            out.append(f"  {who}: {'; '.join(parts)}{_mark(c)}")
    out += ["", "Sources:"]
    for s in rb.sources:
        out.append(f"  [{s.key}] {s.title}\n      {s.url}")
    return safe_text("\n".join(out))
