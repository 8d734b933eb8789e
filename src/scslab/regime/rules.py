"""The fixed vocabulary of ledger rule codes, and the text each line renders to.

A ledger line is data: a :class:`Rule` code plus structured fields (list, until, ref, amount,
item). Nothing in a line is prose; :func:`render` turns one into the sentence that ``explain``
and the reports show. The fields mean, per code:

* ``list``: index of the list the line concerns (-1 none);
* ``until``: a day the line sets: a listing's end, a deletion's effective day (NEVER none);
* ``ref``: a day the line refers to (a record's date, a last use, a pending deletion, an old
  end), or a year (evaluations); NEVER / 0 none;
* ``amount``: a number the line carries (extension years, a record's value, an age, a count);
* ``item``: a window, trigger or class index, or an act index (-1 none).

The codes' numbers are part of the ledger's meaning; new codes are appended, never renumbered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import NamedTuple

from scslab.dates import iso

NEVER = -(2**31) // 2  # "no such day" (not listed, never used)
OPEN_END = 2**31 - 1  # end day of a listing with no fixed term


class Rule(IntEnum):
    """Why a ledger line was written."""

    POINTS = 0
    DROP_TO_BAND = 1
    POINTS_AT_MAX = 2
    POINTS_AT_MIN = 3
    NOT_APPLIED_MAX_SCORE = 4
    NOT_APPLIED_MIN_SCORE = 5
    NOT_APPLIED_COOLDOWN = 6
    RECORDED = 7
    EXPIRED = 8
    WINDOW_EMIT = 9
    WINDOW_COUNT = 10
    TRIGGER_RESET = 11
    LIST_ENTER = 12
    LIST_RENEWED = 13
    LIST_LATER_END = 14
    LIST_UNCHANGED = 15
    LIST_EXTEND = 16
    LIST_DELETE_SCHEDULED = 17
    LIST_TERM_ENDED = 18
    LIST_DELETED = 19
    IGNORED_MINOR = 20
    IGNORED_EXTENSION_NOT_LISTED = 21
    IGNORED_EXTENSION_OPEN_END = 22
    IGNORED_EXTENSION_PENDING = 23
    IGNORED_EXTENSION_VALUE = 24
    IGNORED_REMOVAL_NOT_LISTED = 25
    IGNORED_REMOVAL_PENDING = 26
    IGNORED_REMOVAL_FIXED_TERM = 27
    FACTOR_UPDATE = 28
    FACTOR_UPDATE_AT_MAX = 29
    FACTOR_UPDATE_AT_MIN = 30
    EVALUATION_INDICATOR = 31
    EVALUATION_BELOW = 32
    EVALUATION_DIRECT = 33
    EVALUATION_SPREAD = 34
    EVALUATION_KEPT = 35
    EVALUATION_NEW_ENTITY = 36
    EVALUATION_NO_REVENUE = 37
    EVALUATION_BARRED = 38
    EVALUATION_LIST_ENTER = 39
    AMENDED_SCORE = 40
    AMENDED_LIST = 41

    @property
    def code(self) -> str:
        """The code as it appears in ``ledger.parquet``'s ``rule`` column (``list_enter``)."""
        return self.name.lower()


RULE_CODES = [r.code for r in Rule]
"""Rule code names by number (the ``rule`` column's dictionary)."""

EVALUATION_CODES = (Rule.EVALUATION_INDICATOR, Rule.EVALUATION_BELOW, Rule.EVALUATION_DIRECT,
                    Rule.EVALUATION_SPREAD, Rule.EVALUATION_KEPT, Rule.EVALUATION_NEW_ENTITY,
                    Rule.EVALUATION_NO_REVENUE, Rule.EVALUATION_BARRED)


@dataclass(frozen=True)
class Vocabulary:
    """The names a regime's lines refer to by index, and the constants their texts quote."""

    act_ids: list[str]
    list_ids: list[str]
    list_delay: list[int]  # working days from trigger to deletion, per list
    list_min_age: list[int | None]
    extension_span: list[str]  # "1-3", "1+" per list
    window_ids: list[str]
    window_acts: list[int]
    window_days: list[int]
    window_more: list[int]
    window_emits: list[int]
    trigger_ids: list[str]
    cap_band: list[str | None]  # per act
    cap: list[int]  # per act
    req_max: list[int]
    req_min: list[int]
    cooldown: dict[int, tuple[int, int]]
    lo: int | None
    hi: int | None
    cadence: str  # monthly / quarterly / yearly ("" for point scores)
    class_labels: list[str]  # evaluation classes (new-entity class last), else []
    low_class: int = -1  # index of the lowest class (D) in class_labels
    no_revenue_min: int | None = None

    def item_names(self) -> tuple[list[str], list[int]]:
        """All item names in one list (windows, triggers, classes), and offsets into it.

        The offsets: per rule code, where its kind of item starts in that list (-1: the code has
        no item).
        """
        names = [*self.window_ids, *self.trigger_ids, *self.class_labels]
        base = {"window": 0, "trigger": len(self.window_ids),
                "class": len(self.window_ids) + len(self.trigger_ids), None: -1}
        return names, [base[item_kind(r)] for r in Rule]


def item_kind(code: int) -> str | None:
    """What a line's ``item`` indexes under ``code``: a window, a trigger, a class, or nothing."""
    r = Rule(code)
    if r in (Rule.WINDOW_EMIT, Rule.WINDOW_COUNT):
        return "window"
    if r in (Rule.TRIGGER_RESET, Rule.LIST_ENTER, Rule.LIST_RENEWED, Rule.LIST_LATER_END,
             Rule.LIST_UNCHANGED):
        return "trigger"
    if r in EVALUATION_CODES:
        return "class"
    return None


def _until(day: int) -> str:
    return "no fixed term" if day == OPEN_END else f"until {iso(day)}"


class _Line(NamedTuple):
    """One ledger line's fields, with the names its text quotes."""

    r: Rule
    act: int
    day: int
    lst: int
    until: int
    ref: int
    amount: float
    item: int
    a: str  # the act's id ("" for lines the calendar or an update made)
    lid: str  # the list's id ("" for none)
    prefix: str  # "trigger T: " for a line a trigger made, else ""


def render(v: Vocabulary, code: int, act: int, day: int, lst: int, until: int, ref: int,
           amount: float, item: int) -> str:
    """The text of one ledger line (``act`` is -1 for lines the calendar or an update made)."""
    r = Rule(code)
    a = v.act_ids[act] if act >= 0 else ""
    lid = v.list_ids[lst] if lst >= 0 else ""
    prefix = f"trigger {v.trigger_ids[item]}: " if item >= 0 and item_kind(r) == "trigger" else ""
    line = _Line(r, act, day, lst, until, ref, amount, item, a, lid, prefix)
    return _RENDER[r](v, line)


def _render_points(v: Vocabulary, x: _Line) -> str:
    """Points, their limits and conditions, plain records and expiry."""
    r, a, act = x.r, x.a, x.act
    if r is Rule.POINTS:
        return "points"
    if r is Rule.DROP_TO_BAND:
        return f"drop to band {v.cap_band[act]} (at most {v.cap[act]})"
    if r is Rule.POINTS_AT_MAX:
        return f"points, limited by the maximum score {v.hi}"
    if r is Rule.POINTS_AT_MIN:
        return f"points, limited by the minimum score {v.lo}"
    if r is Rule.NOT_APPLIED_MAX_SCORE:
        return f"not applied: {a} requires a score of at most {v.req_max[act]}"
    if r is Rule.NOT_APPLIED_MIN_SCORE:
        return f"not applied: {a} requires a score of at least {v.req_min[act]}"
    if r is Rule.NOT_APPLIED_COOLDOWN:
        months, _ = v.cooldown[act]
        return f"not applied: {a} at most once per {months // 12}y{months % 12}m, last on {iso(x.ref)}"
    if r is Rule.RECORDED:
        return "recorded (no effect on score or lists)"
    return f"expired: points of {a} recorded {iso(x.ref)}"  # Rule.EXPIRED


def _render_window(v: Vocabulary, x: _Line) -> str:
    """A rolling window's count, or the derived record it emits."""
    w = x.item
    wa, wd, more = v.act_ids[v.window_acts[w]], v.window_days[w], v.window_more[w]
    if x.r is Rule.WINDOW_EMIT:
        return (f"window {v.window_ids[w]}: more than {more} {wa} in {wd} days, emits "
                f"{v.act_ids[v.window_emits[w]]}")
    return f"window {v.window_ids[w]}: {int(x.amount)} {wa} in {wd} days (emits above {more})"


def _render_listing(v: Vocabulary, x: _Line) -> str:
    """A trigger's reset, and entering, extending or leaving a list."""
    r, lid, prefix, until, ref = x.r, x.lid, x.prefix, x.until, x.ref
    if r is Rule.TRIGGER_RESET:
        return f"trigger {v.trigger_ids[x.item]}: all points erased"
    if r is Rule.LIST_ENTER:
        return f"{prefix}entered {lid} ({_until(until)})"
    if r is Rule.EVALUATION_LIST_ENTER:
        return f"evaluation of {ref}: entered {lid} ({_until(until)})"
    if r is Rule.LIST_RENEWED:
        return (f"{prefix}listed again on {lid}: deletion pending for {iso(ref)} cancelled; "
                f"new listing ({_until(until)})")
    if r in (Rule.LIST_LATER_END, Rule.LIST_UNCHANGED):
        was = "no fixed term" if ref == OPEN_END else f"until {iso(ref)}"
        if r is Rule.LIST_LATER_END:
            return f"{prefix}listed again on {lid}: the later end wins: now {_until(until)} (was {was})"
        return f"{prefix}listed again on {lid}: the running listing ({was}) ends no earlier; unchanged"
    if r is Rule.LIST_EXTEND:
        y = int(x.amount)
        return f"{lid}: term extended by {y} year{'s' if y != 1 else ''} to {iso(until)}"
    if r in (Rule.LIST_DELETE_SCHEDULED, Rule.LIST_TERM_ENDED):
        delay = v.list_delay[x.lst]
        after = f" (working day {delay} after {iso(x.day)})" if delay else ""
        what = "deletion requested," if r is Rule.LIST_DELETE_SCHEDULED else "term ended, deletion"
        if ref != NEVER:  # a deletion delay made it late, or missed it until an appeal
            how = "missed, deleted on the subject's appeal" if x.amount == 1 else "late"
            return f"{lid}: {what} effective {iso(until)} ({how}; due {iso(ref)})"
        return f"{lid}: {what} effective {iso(until)}{after}"
    return f"deleted from {lid}"  # Rule.LIST_DELETED


def _render_ignored(v: Vocabulary, x: _Line) -> str:
    """A list act ignored: a minor, or an extension or removal that does not apply."""
    r, lid, ref = x.r, x.lid, x.ref
    if r is Rule.IGNORED_MINOR:
        return f"ignored: {lid} never lists a subject under {v.list_min_age[x.lst]} (age {int(x.amount)})"
    if r is Rule.IGNORED_EXTENSION_NOT_LISTED:
        return f"ignored: {lid} extension: not on the list"
    if r is Rule.IGNORED_EXTENSION_OPEN_END:
        return f"ignored: {lid} extension: the listing has no fixed term to extend"
    if r is Rule.IGNORED_EXTENSION_PENDING:
        return f"ignored: {lid} extension: the term has ended; deletion pending for {iso(ref)}"
    if r is Rule.IGNORED_EXTENSION_VALUE:
        return (f"ignored: {lid} extension: value {x.amount:g} is not a whole number of years in "
                f"{v.extension_span[x.lst]}")
    if r is Rule.IGNORED_REMOVAL_NOT_LISTED:
        return f"ignored: {lid} removal: not on the list"
    if r is Rule.IGNORED_REMOVAL_PENDING:
        return f"ignored: {lid} removal: deletion already pending for {iso(ref)}"
    return f"ignored: {lid} removal: fixed term runs to {iso(ref)}; early deletion is off"


def _render_factor(v: Vocabulary, x: _Line) -> str:
    """A factor score's update, possibly held at a bound."""
    why = {Rule.FACTOR_UPDATE: "", Rule.FACTOR_UPDATE_AT_MAX: f", limited by the maximum score {v.hi}",
           Rule.FACTOR_UPDATE_AT_MIN: f", limited by the minimum score {v.lo}"}[x.r]
    return f"{v.cadence} factor update{why}"


def _render_evaluation(v: Vocabulary, x: _Line) -> str:
    """An evaluation's class and the reason for it."""
    return f"evaluation of {int(x.amount)}: class {v.class_labels[x.item]} ({_reason(v, x.r, x.ref)})"


def _render_amended(v: Vocabulary, x: _Line) -> str:
    """State carried over from the rulebook this one amends (a scenario's timeline)."""
    if x.r is Rule.AMENDED_SCORE:
        return "amended: score carried over from the previous rulebook"
    return f"amended: {x.lid} entry carried over from the previous rulebook, {_until(x.until)}"


_GROUPS: tuple[tuple[Callable[[Vocabulary, _Line], str], tuple[Rule, ...]], ...] = (
    (_render_points, (Rule.POINTS, Rule.DROP_TO_BAND, Rule.POINTS_AT_MAX, Rule.POINTS_AT_MIN,
                      Rule.NOT_APPLIED_MAX_SCORE, Rule.NOT_APPLIED_MIN_SCORE,
                      Rule.NOT_APPLIED_COOLDOWN, Rule.RECORDED, Rule.EXPIRED)),
    (_render_window, (Rule.WINDOW_EMIT, Rule.WINDOW_COUNT)),
    (_render_listing, (Rule.TRIGGER_RESET, Rule.LIST_ENTER, Rule.EVALUATION_LIST_ENTER,
                       Rule.LIST_RENEWED, Rule.LIST_LATER_END, Rule.LIST_UNCHANGED, Rule.LIST_EXTEND,
                       Rule.LIST_DELETE_SCHEDULED, Rule.LIST_TERM_ENDED, Rule.LIST_DELETED)),
    (_render_ignored, (Rule.IGNORED_MINOR, Rule.IGNORED_EXTENSION_NOT_LISTED,
                       Rule.IGNORED_EXTENSION_OPEN_END, Rule.IGNORED_EXTENSION_PENDING,
                       Rule.IGNORED_EXTENSION_VALUE, Rule.IGNORED_REMOVAL_NOT_LISTED,
                       Rule.IGNORED_REMOVAL_PENDING, Rule.IGNORED_REMOVAL_FIXED_TERM)),
    (_render_factor, (Rule.FACTOR_UPDATE, Rule.FACTOR_UPDATE_AT_MAX, Rule.FACTOR_UPDATE_AT_MIN)),
    (_render_evaluation, EVALUATION_CODES),
    (_render_amended, (Rule.AMENDED_SCORE, Rule.AMENDED_LIST)),
)
# Each code's renderer; the assert keeps every code covered, and by one group only.
_RENDER: dict[Rule, Callable[[Vocabulary, _Line], str]] = {
    r: fn for fn, codes in _GROUPS for r in codes}
assert len(_RENDER) == len(Rule) == sum(len(c) for _, c in _GROUPS), "a rule code without text"


def _reason(v: Vocabulary, r: Rule, ref: int) -> str:
    """Why an evaluation gave its class; ``ref`` is the direct act or the earlier year."""
    low, top = v.class_labels[v.low_class], v.class_labels[0]
    if r is Rule.EVALUATION_INDICATOR:
        return "indicator score"
    if r is Rule.EVALUATION_BELOW:
        return f"indicator below {ref}"
    if r is Rule.EVALUATION_DIRECT:
        return f"direct {low}: {v.act_ids[ref]}"
    if r is Rule.EVALUATION_SPREAD:
        return f"{low}: another subject with the same legal representative is {low}"
    if r is Rule.EVALUATION_KEPT:
        return f"{low} of the evaluation of {ref} kept"
    if r is Rule.EVALUATION_NEW_ENTITY:
        return "new entity"
    if r is Rule.EVALUATION_NO_REVENUE:
        return f"no operating revenue, indicator at least {v.no_revenue_min}"
    return f"{top} barred after {low} in the evaluation of {ref}"
