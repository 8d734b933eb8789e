"""The rulebook schema: a regime as declarative, cited data (TOML checked by pydantic).

A rulebook is never evaluated as code. Every value that rests on an unverified or
conflicting report carries ``verified = false`` and names its ``sources``.
"""

from __future__ import annotations

import builtins
import collections
import datetime as _dt
import itertools
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_serializer, model_validator

CATEGORIES = (
    "financial",
    "commercial",
    "judicial",
    "traffic",
    "civic",
    "public_services",
    "family",
    "moral",
    "online",
    "political",
    "religious",
    "environment",
    "tax",
    "reward",
    "administrative",
)
"""Act category tags. ``political`` and ``religious`` mark conduct that studies should weigh."""

SUBJECT_KINDS = ("person", "organisation")

_ID = r"^[a-z][a-z0-9_]*$"
_DURATION = re.compile(r"^(?:(\d{1,5})y)?(?:(\d{1,5})m)?(?:(\d{1,6})d)?$")

# Bounds on numbers. The engine holds scores, points and bounds as int32 (at most 2,147,483,647):
# a score within SCORE_LIMIT plus one change within MAX_CHANGE stays inside int32, so no single
# step can wrap around. Real regimes stay far below (the built-ins use scores up to 10,000 and
# points up to 150).
SCORE_LIMIT = 10**9
"""Largest magnitude of a score, a bound, a band or a threshold [points]."""
POINTS_LIMIT = 10**6
"""Largest magnitude of the points of one act [points]."""
MAX_CHANGE = 10**9
"""Largest magnitude of one record's change: points x value for ``per_value`` acts [points]."""
MAX_YEARS = 200
"""Longest duration (term, expiry, retention, cooldown) [years]; also bounds day counts."""

# Bounds on text: printing is linear, but rich's table layout is not, and a 100,000-character
# name made `scslab regimes` take a minute. Ids are codes; names are a line; notes a paragraph.
ID_CHARS, NAME_CHARS, TEXT_CHARS, NOTE_CHARS = 64, 200, 2_000, 10_000

Id = Annotated[str, Field(pattern=_ID, max_length=ID_CHARS,
                          description="lower-case id: letters, digits, _")]
Points = Annotated[int, Field(ge=-SCORE_LIMIT, le=SCORE_LIMIT)]
Name = Annotated[str, Field(max_length=NAME_CHARS)]
Text = Annotated[str, Field(max_length=TEXT_CHARS)]
_STRICT = ConfigDict(extra="forbid", allow_inf_nan=False)  # TOML has inf and nan literals


class Duration(BaseModel):
    """A calendar duration: months (years are 12 months) plus days."""

    model_config = ConfigDict(frozen=True)
    months: int = Field(0, ge=0, le=12 * MAX_YEARS)
    days: int = Field(0, ge=0, le=366 * MAX_YEARS)

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Parse ``"2y6m"``, ``"6m"``, ``"30d"``, ``"5y"``."""
        m = _DURATION.match(text.strip()) if isinstance(text, str) else None
        if not m or not any(m.groups()):
            raise ValueError(
                f"a duration like '2y', '2y6m', '6m' or '30d' was expected, got {text!r}"
            )
        y, mo, d = (int(g) if g else 0 for g in m.groups())
        if 12 * y + mo > 12 * MAX_YEARS or d > 366 * MAX_YEARS:
            raise ValueError(f"a duration of at most {MAX_YEARS} years was expected, got {text!r}")
        return cls(months=12 * y + mo, days=d)

    @model_serializer
    def _as_text(self) -> str:
        # Dumped as it is written ("2y6m"), so a dumped rulebook loads again unchanged.
        return str(self)

    def __str__(self) -> str:
        y, mo = divmod(self.months, 12)
        parts = [f"{y}y" if y else "", f"{mo}m" if mo else "", f"{self.days}d" if self.days else ""]
        return "".join(parts) or "0d"


def _duration(v: object) -> Duration | None:
    if v is None or isinstance(v, Duration):
        return v
    if isinstance(v, str):
        return Duration.parse(v)
    raise ValueError(f"a duration string like '2y6m' was expected, got {v!r}")


class Cited(BaseModel):
    """A value with its sources and whether it rests on verified reports."""

    model_config = _STRICT
    sources: list[Annotated[str, Field(max_length=ID_CHARS)]] = Field(
        default_factory=list, description="keys of [[sources]] entries")
    # ``default=`` by keyword: mypy reads a positional default as none, and then takes the field
    # for required (``Retention()`` would not type-check as a default factory).
    verified: bool = Field(default=True, description="false if the value rests on unverified reports")
    note: str = Field(default="", max_length=NOTE_CHARS,
                      description="what the value rests on, and why where it is an assumption")


class Source(BaseModel):
    """A cited document."""

    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=1, max_length=ID_CHARS,
                     description="the key other tables cite it by in their `sources`")
    title: str = Field(min_length=1, max_length=TEXT_CHARS, description="what the document is")
    url: str = Field(pattern=r"^(https?://|docs/)", max_length=TEXT_CHARS,
                     description="where the document was read (a URL, or docs/... in this repo)")


def _persons_only() -> list[Literal["person", "organisation"]]:
    """The default subject kinds of a regime: persons only."""
    return ["person"]


class RegimeInfo(Cited):
    """Identity and scope of the regime."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$", max_length=ID_CHARS,
                    description="the regime's name in scenarios, run folders and column names")
    name: Name = Field(description="full name, shown by `scslab regimes show`")
    description: Text = Field(description="one line, shown by `scslab regimes`")
    jurisdiction: Name = Field("", description="where the regime applies")
    subject_kinds: list[Literal["person", "organisation"]] = Field(
        default_factory=_persons_only, description="who the regime covers")
    tags: list[Name] = Field(default_factory=list, description="free labels for searching")


class Score(Cited):
    """The score: its initial value and bounds [points].

    ``kind`` says who moves it: ``"points"`` (acts add points, the engine's own rules),
    ``"factor"`` (recomputed from ``[[factors]]`` on the days of ``[update]``,
    :mod:`scslab.regime.factor`) or ``"evaluation"`` (a periodic class rating, ``[evaluation]``,
    :mod:`scslab.regime.evaluation`).
    """

    initial: Points = Field(description="every subject's score at the start [points]")
    min: Points | None = Field(None, description="lowest score; none: no floor [points]")
    max: Points | None = Field(None, description="highest score; none: no cap [points]")
    # Why two modes: a cap that swallows a merit (Suining, 1000 at most) is "each_change"; a
    # floor under expiring deductions (FICO-like, 300) must let an absorbed deduction count once
    # older ones expire, so the score is the clipped total of the points that count ("total").
    clip: Literal["each_change", "total"] = Field(
        "each_change", description="how min/max hold: 'each_change' clips every change as it is "
                                   "applied (points cut off are lost); 'total' clips the total of "
                                   "the points that count (points cut off still count, and expire)")
    kind: Literal["points", "factor", "evaluation"] = Field(
        "points", description="what moves the score: acts' points, the [[factors]] or the [evaluation] table")
    scale: tuple[Points, Points] | None = Field(
        None, description="factor scores: [low, high], score = low + (high - low) * weighted mean "
                          "of the factor values (each 0..1), then held within min..max; "
                          "default [min, max]")

    @model_validator(mode="after")
    def _bounds(self) -> Score:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) must not exceed max ({self.max})")
        if self.kind != "points" and (self.min is None or self.max is None):
            raise ValueError(f"a '{self.kind}' score needs both min and max")
        if self.scale is not None and (self.kind != "factor" or self.scale[0] >= self.scale[1]):
            raise ValueError("scale = [low, high] with low < high belongs to kind = 'factor' only")
        for bound, ok in (("min", self.min is None or self.initial >= self.min),
                          ("max", self.max is None or self.initial <= self.max)):
            if not ok:
                raise ValueError(f"initial ({self.initial}) lies outside the score's {bound}")
        return self


class Band(Cited):
    """A band: subjects whose score is at least ``min`` (and below the band above)."""

    label: str = Field(min_length=1, max_length=ID_CHARS,
                       description="the band's name (AAA, C, ...), as in outputs and consequences")
    min: Points | None = Field(None, description="inclusive lower bound [points]; omit for the lowest")


class Requires(BaseModel):
    """Conditions under which an act takes effect; otherwise the ledger says why not."""

    model_config = _STRICT
    max_score: Points | None = Field(None, description="score at most this [points]")
    min_score: Points | None = Field(None, description="score at least this [points]")
    cooldown: Duration | None = Field(None, description="at most once per this period")

    _v = field_validator("cooldown", mode="before")(_duration)


class Act(Cited):
    """An act a record can report, and what it does to the subject's file."""

    id: Id = Field(description="the act's id, as record files and scenarios name it")
    category: str = Field(description=f"one of {', '.join(CATEGORIES)}")
    description: Text = Field("", description="what the act is, in one line")
    points: int = Field(0, ge=-POINTS_LIMIT, le=POINTS_LIMIT,
                        description="score change per unit of value [points]")
    per_value: bool = Field(False, description="multiply points by the record's value")
    drop_to_band: str | None = Field(None, max_length=ID_CHARS,
                                     description="score drops to at most the top of this band")
    expires: Duration | None = Field(None, description="points stop counting after this period")
    requires: Requires | None = None
    subject_kinds: list[Literal["person", "organisation"]] | None = Field(
        None, description="who the act applies to; none: every kind the regime covers")
    in_force_from: str | None = Field(
        None, pattern=r"^\d{4}-\d{2}-\d{2}$",
        description="first day the act's rules apply; records before are ignored (none: always)")
    in_force_until: str | None = Field(
        None, pattern=r"^\d{4}-\d{2}-\d{2}$",
        description="last day the act's rules apply; records after are ignored (none: no end)")

    _v = field_validator("expires", mode="before")(_duration)

    @model_validator(mode="after")
    def _in_force(self) -> Act:
        for k in ("in_force_from", "in_force_until"):
            v = getattr(self, k)
            try:
                if v is not None:
                    _dt.date.fromisoformat(v)
            except ValueError:
                raise ValueError(f"{k}: no such date {v!r}") from None
        if self.in_force_from and self.in_force_until and self.in_force_until < self.in_force_from:
            raise ValueError(f"in_force_until {self.in_force_until} is before in_force_from "
                             f"{self.in_force_from}")
        return self

    @field_validator("category")
    @classmethod
    def _category(cls, v: str) -> str:
        if v not in CATEGORIES:
            raise ValueError(f"category must be one of {', '.join(CATEGORIES)}; got {v!r}")
        return v


class ListEntry(Cited):
    """An act that puts a subject on a list, and the term it runs for.

    Cited on its own: one entry's term may be documented while another's is an inference.
    """

    act: Id = Field(description="the act whose record enters the list")
    term: Duration | None = Field(None, description="fixed term; omit for no fixed term")

    _v = field_validator("term", mode="before")(_duration)


class ListSpec(Cited):
    """A list (blacklist, redlist): who goes on, for how long, and how they come off."""

    id: Id = Field(description="the list's id, as outputs and consequences name it")
    name: Name = Field("", description="full name")
    entries: list[ListEntry] = Field(default_factory=list)
    term: Duration | None = Field(None, description="term of entries made by [[triggers]]")
    extension_acts: list[Id] = Field(
        default_factory=list, description="acts whose value (years) extends a running fixed term"
    )
    # Outside this range an extension is ignored with a ledger line (not rejected when the records
    # are read): the engine holds the rule, so simulation and replay treat it alike.
    extension_min_years: int = Field(1, ge=1, le=MAX_YEARS, description="smallest extension [years]")
    extension_max_years: int | None = Field(None, ge=1, le=MAX_YEARS,
                                            description="largest extension [years]")
    removal_acts: list[Id] = Field(default_factory=list,
                                   description="acts whose record takes the subject off the list")
    removal_delay_working_days: int = Field(
        0, ge=0, le=261 * MAX_YEARS,
        description="a deletion takes effect on this working day after its trigger [working days]"
    )
    early_removal_on_performance: bool = Field(
        True, description="removal acts also end fixed-term listings early"
    )
    min_age: int | None = Field(None, ge=0, le=150,
                                description="records about younger subjects never list [years]")
    band: str | None = Field(None, max_length=ID_CHARS,
                             description="band shown while listed, overriding the score band")
    enter_resets_score: bool = Field(False, description="entering erases all points (score -> initial)")

    _v = field_validator("term", mode="before")(_duration)

    @model_validator(mode="after")
    def _extension_range(self) -> ListSpec:
        if self.extension_max_years is not None and self.extension_max_years < self.extension_min_years:
            raise ValueError(f"extension_max_years ({self.extension_max_years}) must not be below "
                             f"extension_min_years ({self.extension_min_years})")
        return self


class Trigger(Cited):
    """A condition on the score that puts the subject on a list.

    It is checked after a record or after the day's calendar events (a term ending, points
    expiring) touched the subject.
    """

    id: Id = Field(description="the trigger's id, named in ledger lines")
    score_at_least: Points | None = Field(None, description="enter when the score is at least this "
                                                            "[points]")
    score_at_most: Points | None = Field(None, description="enter when the score is at most this "
                                                           "[points]")
    enter_list: Id = Field(description="the list entered")

    @model_validator(mode="after")
    def _one(self) -> Trigger:
        if (self.score_at_least is None) == (self.score_at_most is None):
            raise ValueError("give exactly one of score_at_least or score_at_most")
        return self


class Window(Cited):
    """Rolling-window counting: too many records of one act within a span emit a derived record.

    More than ``more_than`` records of ``act`` within ``days`` days (the record's day included)
    emit a derived record of ``emit``.

    The window of a record on day d is [d - days + 1, d], and records of one day count in file
    order. Every record that makes the count exceed ``more_than`` emits (the window is not reset
    by an emission), so emissions match a brute-force count over the window.
    """

    id: Id = Field(description="the window's id")
    act: Id = Field(description="the act counted")
    days: int = Field(ge=1, le=366 * MAX_YEARS, description="length of the window [days]")
    more_than: int = Field(ge=0, le=10**6, description="emit when the count exceeds this [records]")
    emit: Id = Field(description="the act of the derived record")


class Consequence(Cited):
    """Restrictions and privileges that hold while a subject is in a band and/or on a list.

    ``band`` and ``list`` given together must both hold; ``not_on_list`` adds that the subject is
    not on that list. So a perk can need a band and a clean record (Sesame's deposit-free bike:
    at least 600 and no bad credit record in 5 years).
    """

    band: str | None = Field(None, max_length=ID_CHARS, description="the subject is in this band")
    list: str | None = Field(None, max_length=ID_CHARS, description="the subject is on this list")
    not_on_list: str | None = Field(None, max_length=ID_CHARS,
                                    description="and the subject is not on this list")
    # ``builtins.list``: the field ``list`` above shadows the builtin inside this class.
    restrictions: builtins.list[Id] = Field(
        default_factory=builtins.list, description="restriction ids (services' `denied_by` names them)")
    privileges: builtins.list[Id] = Field(
        default_factory=builtins.list, description="privilege ids (services' `privileged_by` names them)")
    organisation_falls_on: Literal["organisation", "legal_representative"] = Field(
        "organisation",
        description="who bears these consequences when the subject is an organisation: the "
                    "organisation itself, or its legal representative (a person)",
    )

    @model_validator(mode="after")
    def _one(self) -> Consequence:
        if self.band is None and self.list is None:
            raise ValueError("give a band, a list, or both (not_on_list only narrows them)")
        if self.not_on_list is not None and self.not_on_list == self.list:
            raise ValueError(f"list and not_on_list are both {self.list!r}: the consequence "
                             "could never hold")
        return self

    @property
    def compound(self) -> bool:
        """Whether it needs more than one condition (a band and a list, or a list's absence)."""
        return self.not_on_list is not None or (self.band is not None and self.list is not None)


class Retention(Cited):
    """How long records count. ``records`` omitted means records never expire."""

    records: Duration | None = Field(default=None, description="records stop counting after this period")

    _v = field_validator("records", mode="before")(_duration)


# ------------------------------------------------------------------------------ computed scores
# Scores the point engine cannot express: a factor score recomputed on a cadence, and a periodic
# class rating. Inputs come from a FIXED vocabulary of named quantities; nothing is evaluated.

QUANTITIES = ("count", "value_sum", "attribute", "friends_mean_score", "on_list")
"""Named quantities a factor input may read (see :class:`FactorInput`)."""

ATTRIBUTES = ("ability_to_pay", "age")
"""Subject attributes the caller supplies (a society; replay uses defaults and record ages)."""


class Update(Cited):
    """When a computed score is recomputed.

    At the end of ``day`` of the month: every month (``monthly``), in every third month counting
    from ``month`` (``quarterly``), or in ``month`` once a year (``yearly``). Records of the
    update day count.
    """

    cadence: Literal["monthly", "quarterly", "yearly"] = Field(description="how often")
    month: int = Field(1, ge=1, le=12, description="yearly: the month; quarterly: a month of the cycle")
    day: int = Field(1, ge=1, le=28, description="day of the month (at most 28: every month has it)")


class FactorInput(Cited):
    """One named quantity, mapped by ``curve`` into a contribution to its factor's value.

    Quantities (fixed vocabulary):

    * ``count``: records of ``acts`` / acts of ``categories``; ``value_sum``: the sum of their
      values. Over ``window`` (records on days after update day - window, up to the update day),
      or decayed with ``half_life_days`` (a record's weight halves every so many days), or, with
      neither, all records so far.
    * ``attribute``: ``ability_to_pay`` (relative income, median 1) or ``age`` [years], supplied
      by the caller; ``default`` where unknown.
    * ``friends_mean_score``: mean score of the subject's friends before this update;
      ``default`` for a subject without friends.
    * ``on_list``: 1 while the subject is on ``list``, else 0.

    ``curve`` is a piecewise-linear map [[x, y], ...] (x strictly increasing, flat beyond the
    ends) from the quantity to the contribution (y may be negative).
    """

    quantity: Literal["count", "value_sum", "attribute", "friends_mean_score", "on_list"] = Field(
        description="what is measured (see the table's text)")
    acts: builtins.list[Id] = Field(default_factory=builtins.list,
                                    description="count, value_sum: the acts whose records count")
    categories: builtins.list[str] = Field(
        default_factory=builtins.list, description="count, value_sum: act categories whose records count")
    window: Duration | None = Field(None, description="count, value_sum: only records within this period")
    half_life_days: float | None = Field(None, gt=0, le=366 * MAX_YEARS,
                                         description="count, value_sum: a record's weight halves "
                                                     "every so many days [days]")
    attribute: Literal["ability_to_pay", "age"] | None = Field(
        None, description="attribute: which one")
    default: Annotated[float, Field(ge=-1e12, le=1e12)] | None = Field(
        None, description="attribute, friends_mean_score: the quantity where it is unknown")
    curve: builtins.list[tuple[Annotated[float, Field(ge=-1e12, le=1e12)],
                               Annotated[float, Field(ge=-1e12, le=1e12)]]] = Field(
        min_length=2, description="[[x, y], ...]: quantity x to contribution y, linear between "
                                  "points, flat beyond the ends; x strictly increasing")
    # ``builtins.list`` above: this field shadows the builtin inside the class.
    list: Id | None = Field(None, description="on_list: the list")

    _v = field_validator("window", mode="before")(_duration)

    @model_validator(mode="after")
    def _shape(self) -> FactorInput:
        q = self.quantity
        allowed = {"count": {"acts", "categories", "window", "half_life_days"},
                   "value_sum": {"acts", "categories", "window", "half_life_days"},
                   "attribute": {"attribute", "default"},
                   "friends_mean_score": {"default"},
                   "on_list": {"list"}}[q]
        for name in ("acts", "categories", "window", "half_life_days", "attribute", "default", "list"):
            if getattr(self, name) not in (None, []) and name not in allowed:
                raise ValueError(f"'{name}' does not apply to quantity '{q}' "
                                 f"(it takes: {', '.join(sorted(allowed))})")
        if q in ("count", "value_sum") and not (self.acts or self.categories):
            raise ValueError(f"quantity '{q}' needs 'acts' or 'categories'")
        if self.window is not None and self.half_life_days is not None:
            raise ValueError("give at most one of 'window' and 'half_life_days'")
        for c in self.categories:
            if c not in CATEGORIES:
                raise ValueError(f"category must be one of {', '.join(CATEGORIES)}; got {c!r}")
        needs = {"attribute": ("attribute", "default"), "friends_mean_score": ("default",),
                 "on_list": ("list",)}.get(q, ())
        for name in needs:
            if getattr(self, name) is None:
                raise ValueError(f"quantity '{q}' needs '{name}'")
        xs = [x for x, _ in self.curve]
        if any(b <= a for a, b in itertools.pairwise(xs)):
            raise ValueError(f"curve x values must increase strictly; got {xs}")
        return self


class Factor(Cited):
    """A factor of a factor score: value = baseline + sum of its inputs' contributions.

    The value is held within 0..1. The score is the weighted mean of the factor values, scaled
    (``[score].scale``).
    """

    id: Id = Field(description="the factor's id")
    name: Name = Field("", description="full name")
    weight: float = Field(gt=0, le=1e6, description="relative weight (weights need not sum to 100)")
    baseline: float = Field(ge=0, le=1, description="value before any input [0..1]")
    inputs: builtins.list[FactorInput] = Field(default_factory=builtins.list,
                                               description="contributions added to the baseline")


class EvaluationClass(Cited):
    """A class of a periodic rating, held by a list (whose ``band`` is the class label)."""

    min_score: Points | None = Field(None, description="indicator score at least this; omit for the "
                                                    "lowest class")
    # Last: shadows the builtin inside the class.
    list: Id = Field(description="the list holding the class (its `band` is the class label)")


class Deduction(Cited):
    """Points an act deducts from the indicator score of the evaluation year it falls in."""

    act: Id = Field(description="the act deducted for")
    points: int = Field(gt=0, le=POINTS_LIMIT, description="deducted per record [points]")


class Evaluation(Cited):
    """A periodic class rating (kind = "evaluation"; :mod:`scslab.regime.evaluation`).

    On each update day (``[update]``, yearly) the evaluation year is the calendar year before it.
    Per subject: indicator = ``start`` - deductions of that year's records (held within the
    score's min..max). Class, first rule that applies: the lowest class for a record of a
    ``direct_lowest_acts`` act, for an indicator below the lowest ``min_score``, for a subject
    sharing a legal representative with such a subject (``lowest_spreads_to_representative``),
    or while the lowest class is kept (``lowest_kept`` further evaluations); then the new-entity
    class; then by indicator score, except that the top class is barred for
    ``no_top_after_lowest`` evaluations after the kept ones.
    """

    start: Points = Field(description="indicator score before deductions [points]")
    classes: builtins.list[EvaluationClass] = Field(min_length=2, description="highest first")
    deductions: builtins.list[Deduction] = Field(default_factory=builtins.list)
    direct_lowest_acts: builtins.list[Id] = Field(
        default_factory=builtins.list, description="a record in the evaluation year: the lowest class")
    lowest_kept: int = Field(0, ge=0, le=100, description="further evaluations that keep the lowest class")
    no_top_after_lowest: int = Field(0, ge=0, le=100, description="evaluations after those barred from "
                                                          "the top class")
    lowest_spreads_to_representative: bool = Field(
        False, description="the lowest class spreads to organisations sharing a legal representative")
    new_entity_list: Id | None = Field(None, description="list holding the new-entity class")
    new_entity_acts: builtins.list[Id] = Field(
        default_factory=builtins.list, description="a record in the evaluation year: new entity")
    no_revenue_acts: builtins.list[Id] = Field(
        default_factory=builtins.list,
        description="a record in the evaluation year: new-entity class if the indicator is at "
                    "least no_revenue_min_score")
    no_revenue_min_score: Points | None = Field(None, description="see no_revenue_acts [points]")


class Rulebook(BaseModel):
    """A whole regime."""

    model_config = _STRICT
    regime: RegimeInfo
    score: Score | None = None
    bands: list[Band] = Field(default_factory=list)
    acts: list[Act] = Field(min_length=1)
    lists: list[ListSpec] = Field(default_factory=list)
    triggers: list[Trigger] = Field(default_factory=list)
    windows: list[Window] = Field(default_factory=list)
    retention: Retention = Field(default_factory=Retention)
    consequences: list[Consequence] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1)
    update: Update | None = None  # computed scores (kind "factor" or "evaluation") only
    factors: list[Factor] = Field(default_factory=list)  # kind "factor"
    evaluation: Evaluation | None = None  # kind "evaluation"

    @model_validator(mode="after")
    def _references(self) -> Rulebook:
        _check_references(self)
        _check_computed(self)
        return self

    def act_ids(self) -> list[str]:
        """Act ids in rulebook order."""
        return [a.id for a in self.acts]

    def __repr__(self) -> str:
        # pydantic's repr spells out every nested table (thousands of characters); this says
        # what the regime is and how big. ``model_dump()`` or ``scslab regimes show`` give the rest.
        s = self.score
        if s is None:
            score = "no score"
        else:
            lo, hi = ("" if s.min is None else s.min), ("" if s.max is None else s.max)
            score = f"{s.kind} score from {s.initial}" + (f" in {lo}..{hi}" if (lo, hi) != ("", "") else "")
        return (f"<Rulebook {self.regime.id} {self.regime.name!r}: {score}, {len(self.bands)} bands, "
                f"{len(self.acts)} acts, {len(self.lists)} lists, {len(self.consequences)} "
                f"consequences, {len(self.sources)} sources>")

    __str__ = __repr__

    def _repr_html_(self) -> str:
        """A short table for notebooks: what the regime is, how big, where it comes from."""
        from scslab.reprs import html_table, join_short

        s = self.score
        if s is None:
            score = "none"
        else:
            bounds = "" if s.min is None and s.max is None else f", in {s.min}..{s.max}"
            score = f"{s.kind}, from {s.initial}{bounds}"
        return html_table(f"Rulebook {self.regime.id}", [
            ("name", self.regime.name),
            ("subjects", ", ".join(self.regime.subject_kinds)),
            ("score", score),
            ("bands", join_short(b.label for b in self.bands)),
            ("acts", f"{len(self.acts)}: {join_short(self.act_ids(), 6)}"),
            ("lists", join_short(x.id for x in self.lists)),
            ("consequences", len(self.consequences)),
            ("sources", join_short(src.key for src in self.sources)),
        ])


def _dupes(items: list[str]) -> list[str]:
    """The items given more than once, sorted."""
    return sorted(i for i, n in collections.Counter(items).items() if n > 1)


def _check_references(rb: Rulebook) -> None:
    """Cross-references must resolve; raise ValueError naming the first that does not."""
    acts = rb.act_ids()
    labels = [b.label for b in rb.bands]
    list_ids = [x.id for x in rb.lists]
    keys = [s.key for s in rb.sources]
    _check_unique(acts, labels, list_ids, keys)
    _check_bands(rb)
    _check_acts(rb, labels)
    _check_lists(rb, acts, _entered_lists(rb))
    _check_triggers(rb, list_ids)
    _check_windows(rb, acts)
    _check_consequences(rb, set(labels) | {x.band for x in rb.lists if x.band}, list_ids)
    _check_cited(_references_cited(rb), keys)


def _check_unique(acts: list[str], labels: list[str], list_ids: list[str], keys: list[str]) -> None:
    """Act ids, band labels, list ids and source keys are each given once."""
    for what, items in (("act ids", acts), ("band labels", labels), ("list ids", list_ids),
                        ("source keys", keys)):
        if d := _dupes(items):
            raise ValueError(f"duplicate {what}: {', '.join(d)}")


def _check_bands(rb: Rulebook) -> None:
    """Bands need a score, and are listed from the highest ``min`` down to one without."""
    if not rb.bands:
        return
    if rb.score is None:
        raise ValueError("bands need a [score] table")
    mins = [b.min for b in rb.bands]
    if (mins[-1] is not None and any(m is None for m in mins[:-1])) or None in mins[:-1]:
        raise ValueError("every band but the last needs a 'min'")
    given = [m for m in mins if m is not None]
    if any(a <= b for a, b in itertools.pairwise(given)):
        raise ValueError("bands must be listed from the highest 'min' to the lowest")


def _check_acts(rb: Rulebook, labels: list[str]) -> None:
    """Acts drop to known bands, and change a score only where the rulebook has one."""
    for i, a in enumerate(rb.acts):
        if a.drop_to_band is not None and a.drop_to_band not in labels:
            raise ValueError(f"acts[{i}].drop_to_band: unknown band {a.drop_to_band!r}; "
                             f"bands are {', '.join(labels)}")
        if (a.points or a.drop_to_band or a.requires) and rb.score is None:
            raise ValueError(f"acts[{i}] ({a.id}) changes a score, but the rulebook has no [score]")


def _entered_lists(rb: Rulebook) -> set[str]:
    """Ids of the lists that triggers or the evaluation enter; the evaluation's must exist."""
    triggered = {t.enter_list for t in rb.triggers}
    if rb.evaluation is not None:  # the evaluation enters its class lists
        ev = rb.evaluation
        held = [c.list for c in ev.classes] + ([ev.new_entity_list] if ev.new_entity_list else [])
        for lid in held:
            if lid not in [x.id for x in rb.lists]:
                raise ValueError(f"evaluation: unknown list {lid!r} holds a class; lists are "
                                 f"{', '.join(x.id for x in rb.lists) or 'none'}")
        triggered |= set(held)
    return triggered


def _check_lists(rb: Rulebook, acts: list[str], entered: set[str]) -> None:
    """Every list has a way in, and its entry, extension and removal acts exist."""
    for i, lst in enumerate(rb.lists):
        if not lst.entries and lst.id not in entered:
            raise ValueError(f"lists[{i}] ({lst.id}) has no entries and no trigger enters it")
        for j, e in enumerate(lst.entries):
            if e.act not in acts:
                raise ValueError(f"lists[{i}].entries[{j}].act: unknown act {e.act!r}")
        for field, ids in (("extension_acts", lst.extension_acts), ("removal_acts", lst.removal_acts)):
            for a in ids:
                if a not in acts:
                    raise ValueError(f"lists[{i}].{field}: unknown act {a!r}")


def _check_triggers(rb: Rulebook, list_ids: list[str]) -> None:
    """Triggers enter known lists, and need a score to watch."""
    for i, t in enumerate(rb.triggers):
        if t.enter_list not in list_ids:
            raise ValueError(f"triggers[{i}].enter_list: unknown list {t.enter_list!r}")
        if rb.score is None:
            raise ValueError(f"triggers[{i}] needs a [score]")


def _check_windows(rb: Rulebook, acts: list[str]) -> None:
    """Windows count and emit known acts, have unique ids, and never emit in a cycle."""
    for i, w in enumerate(rb.windows):
        for field, a in (("act", w.act), ("emit", w.emit)):
            if a not in acts:
                raise ValueError(f"windows[{i}].{field}: unknown act {a!r}")
    if d := _dupes([w.id for w in rb.windows]):
        raise ValueError(f"duplicate window ids: {', '.join(d)}")
    # A derived record is counted by the windows on its act, so act -> emit must not loop back:
    # a cycle would emit without end on one day.
    emits: dict[str, set[str]] = {}
    for w in rb.windows:
        emits.setdefault(w.act, set()).add(w.emit)
    for i, w in enumerate(rb.windows):
        seen: set[str] = set()
        todo = [w.emit]
        while todo:
            x = todo.pop()
            if x == w.act:
                raise ValueError(f"windows[{i}] ({w.id}): its derived record {w.emit!r} leads "
                                 f"back to {w.act!r} through windows; emissions would never end")
            if x not in seen:
                seen.add(x)
                todo.extend(emits.get(x, ()))


def _check_consequences(rb: Rulebook, bands: set[str], list_ids: list[str]) -> None:
    """Consequences hold in known bands (score bands or list overrides) and on or off known lists."""
    for i, c in enumerate(rb.consequences):
        if c.band is not None and c.band not in bands:
            raise ValueError(f"consequences[{i}].band: unknown band {c.band!r}")
        for field, lid in (("list", c.list), ("not_on_list", c.not_on_list)):
            if lid is not None and lid not in list_ids:
                raise ValueError(f"consequences[{i}].{field}: unknown list {lid!r}")


def _references_cited(rb: Rulebook) -> list[tuple[str, list[str]]]:
    """Where each point-score table cites sources, with the keys it cites."""
    cited: list[tuple[str, list[str]]] = [("regime", rb.regime.sources)]
    if rb.score:
        cited.append(("score", rb.score.sources))
    cited += [(f"bands[{i}]", b.sources) for i, b in enumerate(rb.bands)]
    cited += [(f"acts[{i}]", a.sources) for i, a in enumerate(rb.acts)]
    cited += [(f"lists[{i}]", x.sources) for i, x in enumerate(rb.lists)]
    cited += [(f"lists[{i}].entries[{j}]", e.sources)
              for i, x in enumerate(rb.lists) for j, e in enumerate(x.entries)]
    cited += [(f"consequences[{i}]", c.sources) for i, c in enumerate(rb.consequences)]
    cited += [(f"windows[{i}]", w.sources) for i, w in enumerate(rb.windows)]
    return cited


def _check_computed(rb: Rulebook) -> None:
    """Computed scores (kind "factor" or "evaluation"): the tables they need, and only those."""
    kind = rb.score.kind if rb.score is not None else "points"
    _check_computed_parts(rb, kind)
    if kind == "points":
        return
    update = rb.update
    assert update is not None  # _check_computed_parts: a computed score needs [update]
    _check_not_moved(rb, kind)
    acts = set(rb.act_ids())
    lists = {x.id: x for x in rb.lists}
    cited: list[tuple[str, list[str]]] = [("update", update.sources)]
    if kind == "factor":
        cited += _check_factors(rb.factors, acts, lists)
    else:
        ev = rb.evaluation
        assert ev is not None  # _check_computed_parts: an evaluation score needs [evaluation]
        if update.cadence != "yearly":
            raise ValueError("an evaluation rates a calendar year: [update] cadence must be 'yearly'")
        cited += _check_evaluation(ev, acts, lists)
    _check_cited(cited, sorted({s.key for s in rb.sources}))


def _check_computed_parts(rb: Rulebook, kind: str) -> None:
    """A score of ``kind`` has exactly the tables ``[update]``, ``[[factors]]``, ``[evaluation]`` it needs."""
    parts = {"update": rb.update is not None, "factors": bool(rb.factors),
             "evaluation": rb.evaluation is not None}
    needed: set[str] = {"points": set(), "factor": {"update", "factors"},
                        "evaluation": {"update", "evaluation"}}[kind]
    for part, present in parts.items():
        if present and part not in needed:
            raise ValueError(f"[{part}] belongs to a score of kind "
                             f"{'evaluation' if part == 'evaluation' else 'factor'}"
                             f"{'' if part != 'update' else ' or evaluation'}; this score's kind "
                             f"is '{kind}'")
        if not present and part in needed:
            raise ValueError(f"a score of kind '{kind}' needs [{part}]")


def _check_not_moved(rb: Rulebook, kind: str) -> None:
    """A computed score is not moved by acts, triggers or windows."""
    instead = "[[factors.inputs]]" if kind == "factor" else "[[evaluation.deductions]]"
    for i, a in enumerate(rb.acts):
        for name, value in (("points", a.points), ("drop_to_band", a.drop_to_band),
                            ("requires", a.requires), ("expires", a.expires)):
            if value:
                raise ValueError(f"acts[{i}] ({a.id}).{name}: a '{kind}' score is computed, not "
                                 f"moved by acts; use {instead}")
    for name, items in (("triggers", rb.triggers), ("windows", rb.windows)):
        if items:
            raise ValueError(f"[[{name}]] work on point scores only, not a '{kind}' score")


def _check_act(where: str, a: str, acts: set[str]) -> None:
    """Act ``a``, named at ``where``, is one of ``acts``."""
    if a not in acts:
        raise ValueError(f"{where}: unknown act {a!r}")


def _check_factors(factors: list[Factor], acts: set[str],
                   lists: dict[str, ListSpec]) -> list[tuple[str, list[str]]]:
    """Factor ids are unique and inputs name known acts and lists; returns what they cite."""
    if d := _dupes([f.id for f in factors]):
        raise ValueError(f"duplicate factor ids: {', '.join(d)}")
    cited: list[tuple[str, list[str]]] = []
    for i, f in enumerate(factors):
        cited.append((f"factors[{i}]", f.sources))
        for j, x in enumerate(f.inputs):
            where = f"factors[{i}].inputs[{j}]"
            cited.append((where, x.sources))
            for a in x.acts:
                _check_act(f"{where}.acts", a, acts)
            if x.list is not None and x.list not in lists:
                raise ValueError(f"{where}.list: unknown list {x.list!r}")
    return cited


def _check_evaluation(ev: Evaluation, acts: set[str],
                      lists: dict[str, ListSpec]) -> list[tuple[str, list[str]]]:
    """The evaluation's classes, class lists, deductions and acts; returns what they cite."""
    cited: list[tuple[str, list[str]]] = [("evaluation", ev.sources)]
    class_lists = [c.list for c in ev.classes] + ([ev.new_entity_list] if ev.new_entity_list else [])
    if d := _dupes(class_lists):
        raise ValueError(f"evaluation: a list holds two classes: {', '.join(d)}")
    cited += _check_classes(ev.classes)
    _check_class_lists(ev, lists)
    if d := _dupes([x.act for x in ev.deductions]):
        raise ValueError(f"evaluation.deductions: acts given twice: {', '.join(d)}")
    for i, x in enumerate(ev.deductions):
        _check_act(f"evaluation.deductions[{i}].act", x.act, acts)
        cited.append((f"evaluation.deductions[{i}]", x.sources))
    for name, ids in (("direct_lowest_acts", ev.direct_lowest_acts),
                      ("new_entity_acts", ev.new_entity_acts), ("no_revenue_acts", ev.no_revenue_acts)):
        for a in ids:
            _check_act(f"evaluation.{name}", a, acts)
    if (ev.new_entity_acts or ev.no_revenue_acts) and ev.new_entity_list is None:
        raise ValueError("evaluation: new_entity_acts and no_revenue_acts need new_entity_list")
    if ev.no_revenue_acts and ev.no_revenue_min_score is None:
        raise ValueError("evaluation: no_revenue_acts need no_revenue_min_score")
    return cited


def _check_classes(classes: list[EvaluationClass]) -> list[tuple[str, list[str]]]:
    """Every class but the last has a ``min_score``, highest first; returns what they cite."""
    cited: list[tuple[str, list[str]]] = []
    previous: int | None = None  # min_score of the class above
    for i, c in enumerate(classes):
        cited.append((f"evaluation.classes[{i}]", c.sources))
        last = i == len(classes) - 1
        if (c.min_score is None) != last:
            raise ValueError(f"evaluation.classes[{i}]: every class but the last (lowest) needs "
                             "'min_score', and the last has none")
        if c.min_score is not None and previous is not None and c.min_score >= previous:
            raise ValueError("evaluation.classes must be listed from the highest min_score down")
        previous = c.min_score
    return cited


def _check_class_lists(ev: Evaluation, lists: dict[str, ListSpec]) -> None:
    """The lists holding classes exist, show a band, and only the evaluation moves subjects."""
    held = [(f"evaluation.classes[{i}].list", c.list) for i, c in enumerate(ev.classes)]
    if ev.new_entity_list:
        held.append(("evaluation.new_entity_list", ev.new_entity_list))
    for where, lid in held:
        lst = lists.get(lid)
        if lst is None:
            raise ValueError(f"{where}: unknown list {lid!r}")
        if not lst.band:
            raise ValueError(f"{where}: list {lid!r} needs a 'band' (the class label)")
        if lst.entries or lst.extension_acts or lst.removal_acts:
            raise ValueError(f"{where}: list {lid!r} holds a class, which only the evaluation "
                             "enters and leaves; it takes no entries, extension or removal acts")


def _check_cited(cited: list[tuple[str, list[str]]], keys: list[str]) -> None:
    """Every cited key is one of ``keys`` (listed in this order when one is not)."""
    for where, srcs in cited:
        for s in srcs:
            if s not in keys:
                raise ValueError(f"{where}.sources: unknown source key {s!r}; "
                                 f"known keys are {', '.join(keys)}")
