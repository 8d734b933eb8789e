"""A plain-text description of a rulebook: rules, bands, lists, consequences and sources."""

from __future__ import annotations

from scslab.regime.computed import describe_act, describe_lines
from scslab.regime.schema import Act, Band, Cited, ListSpec, Rulebook
from scslab.text import safe_text


def _mark(item: Cited) -> str:
    cite = f" [{', '.join(item.sources)}]" if item.sources else ""
    return cite + ("" if item.verified else " (unverified)")


def describe_rulebook(rb: Rulebook) -> str:
    """The rulebook as readable text, with each value's sources and verification flag.

    Terminal escape codes and control characters in the rulebook's strings are removed: the
    text is meant for a terminal, and a rulebook is untrusted input.
    """
    out = _regime_lines(rb)
    if rb.score:
        out += ["", _score_line(rb)]
    if rb.bands:
        out += ["", "Bands:", *_band_lines(rb.bands)]
    out += ["", "Acts:"]
    out += [_act_line(rb, a) for a in rb.acts]
    for lst in rb.lists:
        out += ["", *_list_lines(lst)]
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
        out += ["", "Consequences:", *_consequence_lines(rb)]
    out += ["", "Sources:"]
    for src in rb.sources:
        out.append(f"  [{src.key}] {src.title}\n      {src.url}")
    return safe_text("\n".join(out))


def _regime_lines(rb: Rulebook) -> list[str]:
    """Id, name, description and the other facts of ``[regime]``."""
    r = rb.regime
    out = [f"{r.id}: {r.name}", f"  {r.description}"]
    if r.jurisdiction:
        out.append(f"  jurisdiction: {r.jurisdiction}")
    out.append(f"  subjects: {', '.join(r.subject_kinds)}{_mark(r)}")
    if r.tags:
        out.append(f"  tags: {', '.join(r.tags)}")
    if r.note:
        out.append(f"  note: {r.note}")
    return out


def _score_line(rb: Rulebook) -> str:
    """The initial score and the bounds."""
    s = rb.score
    assert s is not None  # called only for a rulebook with a score
    bounds = [f"min {s.min}" if s.min is not None else "", f"max {s.max}" if s.max is not None else ""]
    b = ", ".join(x for x in bounds if x) or "no bounds"
    if s.clip == "total" and (s.min is not None or s.max is not None):
        b += " (bounds clip the total of the points that count)"
    return f"Score: starts at {s.initial}, {b}{_mark(s)}"


def _band_lines(bands: list[Band]) -> list[str]:
    """One line per band with its score range (bands are listed from the highest down)."""
    out = []
    upper: int | None = None
    for band in bands:
        if band.min is not None:
            rng = f">= {band.min}" if upper is None else f"{band.min}-{upper - 1}"
        else:
            rng = f"<= {upper - 1}" if upper is not None else "all"
        out.append(f"  {band.label:<12} {rng}{_mark(band)}")
        upper = band.min
    return out


def _act_line(rb: Rulebook, a: Act) -> str:
    """One act: its id, category and effects."""
    eff = point_effects(a)
    for lst in rb.lists:
        eff += _list_effects(lst, a)
    eff += describe_act(rb, a)  # factor inputs, evaluation deductions (computed scores)
    return f"  {a.id:<32} {a.category:<15} {'; '.join(eff) or 'recorded'}{_mark(a)}"


def point_effects(a: Act) -> list[str]:
    """What an act does to the score: points, drop to band, expiry and conditions."""
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
    return eff


def _list_effects(lst: ListSpec, a: Act) -> list[str]:
    """What an act does to list ``lst``: entries, removal and extension."""
    eff = []
    for e in lst.entries:
        if e.act == a.id:
            term = f"term {e.term}" if e.term else "no fixed term"
            eff.append(f"lists on {lst.id} ({term}{_mark(e)})")
    if a.id in lst.removal_acts:
        eff.append(f"removes from {lst.id}")
    if a.id in lst.extension_acts:
        hi = "" if lst.extension_max_years is None else f"-{lst.extension_max_years}"
        eff.append(f"extends {lst.id} by value years ({lst.extension_min_years}{hi or '+'})")
    return eff


def _list_lines(lst: ListSpec) -> list[str]:
    """A list's name, deletion rules, term and band."""
    out = [f"List {lst.id}: {lst.name}".rstrip(": ")]
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
    return out


def _consequence_lines(rb: Rulebook) -> list[str]:
    """Who is restricted or privileged, and how."""
    out = []
    for c in rb.consequences:
        conds = [f"band {c.band}" if c.band else "", f"list {c.list}" if c.list else "",
                 f"not on list {c.not_on_list}" if c.not_on_list else ""]
        who = " and ".join(x for x in conds if x)
        parts = []
        if c.restrictions:
            parts.append("restricted: " + ", ".join(c.restrictions))
        if c.privileges:
            parts.append("privileged: " + ", ".join(c.privileges))
        if c.organisation_falls_on == "legal_representative":
            parts.append("on an organisation: borne by its legal representative")
        out.append(f"  {who}: {'; '.join(parts)}{_mark(c)}")
    return out
