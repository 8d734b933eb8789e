"""The rulebook schema: a regime as declarative, cited data (TOML checked by pydantic).

A rulebook is never evaluated as code. Every value that rests on an unverified or
conflicting report carries ``verified = false`` and names its ``sources``.
"""

from __future__ import annotations

import builtins
import itertools
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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
_DURATION = re.compile(r"^(?:(\d+)y)?(?:(\d+)m)?(?:(\d+)d)?$")

Id = Annotated[str, Field(pattern=_ID, description="lower-case id: letters, digits, _")]


class Duration(BaseModel):
    """A calendar duration: months (years are 12 months) plus days."""

    model_config = ConfigDict(frozen=True)
    months: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Parse ``"2y6m"``, ``"6m"``, ``"30d"``, ``"5y"``."""
        m = _DURATION.match(text.strip()) if isinstance(text, str) else None
        if not m or not any(m.groups()):
            raise ValueError(
                f"a duration like '2y', '2y6m', '6m' or '30d' was expected, got {text!r}"
            )
        y, mo, d = (int(g) if g else 0 for g in m.groups())
        return cls(months=12 * y + mo, days=d)

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


class _Cited(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sources: list[str] = Field(default_factory=list, description="keys of [[sources]] entries")
    verified: bool = Field(True, description="false if the value rests on unverified reports")
    note: str = ""


class Source(BaseModel):
    """A cited document."""

    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=1)
    title: str = Field(min_length=1)
    url: str = Field(pattern=r"^(https?://|docs/)",
                     description="where the document was read (a URL, or docs/... in this repo)")


class RegimeInfo(_Cited):
    """Identity and scope of the regime."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    name: str
    description: str = Field(description="one line, shown by `scslab regimes`")
    jurisdiction: str = ""
    subject_kinds: list[Literal["person", "organisation"]] = Field(default_factory=lambda: ["person"])
    tags: list[str] = Field(default_factory=list)


class Score(_Cited):
    """The score: its initial value and bounds [points]."""

    initial: int
    min: int | None = None
    max: int | None = None
    # Why two modes: a cap that swallows a merit (Suining, 1000 at most) is "each_change"; a
    # floor under expiring deductions (FICO-like, 300) must let an absorbed deduction count once
    # older ones expire, so the score is the clipped total of the points that count ("total").
    clip: Literal["each_change", "total"] = Field(
        "each_change", description="how min/max hold: 'each_change' clips every change as it is "
                                   "applied (points cut off are lost); 'total' clips the total of "
                                   "the points that count (points cut off still count, and expire)")

    @model_validator(mode="after")
    def _bounds(self) -> Score:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) must not exceed max ({self.max})")
        for bound, ok in (("min", self.min is None or self.initial >= self.min),
                          ("max", self.max is None or self.initial <= self.max)):
            if not ok:
                raise ValueError(f"initial ({self.initial}) lies outside the score's {bound}")
        return self


class Band(_Cited):
    """A band: subjects whose score is at least ``min`` (and below the band above)."""

    label: str = Field(min_length=1)
    min: int | None = Field(None, description="inclusive lower bound [points]; omit for the lowest")


class Requires(BaseModel):
    """Conditions under which an act takes effect; otherwise the ledger says why not."""

    model_config = ConfigDict(extra="forbid")
    max_score: int | None = Field(None, description="score at most this [points]")
    min_score: int | None = Field(None, description="score at least this [points]")
    cooldown: Duration | None = Field(None, description="at most once per this period")

    _v = field_validator("cooldown", mode="before")(_duration)


class Act(_Cited):
    """An act a record can report, and what it does to the subject's file."""

    id: Id
    category: str
    description: str = ""
    points: int = Field(0, description="score change per unit of value [points]")
    per_value: bool = Field(False, description="multiply points by the record's value")
    drop_to_band: str | None = Field(None, description="score drops to at most the top of this band")
    expires: Duration | None = Field(None, description="points stop counting after this period")
    requires: Requires | None = None
    subject_kinds: list[Literal["person", "organisation"]] | None = None

    _v = field_validator("expires", mode="before")(_duration)

    @field_validator("category")
    @classmethod
    def _category(cls, v: str) -> str:
        if v not in CATEGORIES:
            raise ValueError(f"category must be one of {', '.join(CATEGORIES)}; got {v!r}")
        return v


class ListEntry(_Cited):
    """An act that puts a subject on a list, and the term it runs for.

    Cited on its own: one entry's term may be documented while another's is an inference.
    """

    act: Id
    term: Duration | None = Field(None, description="fixed term; omit for no fixed term")

    _v = field_validator("term", mode="before")(_duration)


class ListSpec(_Cited):
    """A list (blacklist, redlist): who goes on, for how long, and how they come off."""

    id: Id
    name: str = ""
    entries: list[ListEntry] = Field(default_factory=list)
    term: Duration | None = Field(None, description="term of entries made by [[triggers]]")
    extension_acts: list[Id] = Field(
        default_factory=list, description="acts whose value (years) extends a running fixed term"
    )
    # Outside this range an extension is ignored with a ledger line (not rejected when the records
    # are read): the engine holds the rule, so simulation and replay treat it alike.
    extension_min_years: int = Field(1, ge=1, description="smallest extension [years]")
    extension_max_years: int | None = Field(None, ge=1, description="largest extension [years]")
    removal_acts: list[Id] = Field(default_factory=list)
    removal_delay_working_days: int = Field(
        0, ge=0, description="a deletion takes effect on this working day after its trigger"
    )
    early_removal_on_performance: bool = Field(
        True, description="removal acts also end fixed-term listings early"
    )
    min_age: int | None = Field(None, ge=0, description="records about younger subjects never list")
    band: str | None = Field(None, description="band shown while listed, overriding the score band")
    enter_resets_score: bool = Field(False, description="entering erases all points (score -> initial)")

    _v = field_validator("term", mode="before")(_duration)

    @model_validator(mode="after")
    def _extension_range(self) -> ListSpec:
        if self.extension_max_years is not None and self.extension_max_years < self.extension_min_years:
            raise ValueError(f"extension_max_years ({self.extension_max_years}) must not be below "
                             f"extension_min_years ({self.extension_min_years})")
        return self


class Trigger(_Cited):
    """A condition on the score that puts the subject on a list when it holds after a record or
    after the day's calendar events (a term ending, points expiring) touched the subject."""

    id: Id
    score_at_least: int | None = None
    score_at_most: int | None = None
    enter_list: Id

    @model_validator(mode="after")
    def _one(self) -> Trigger:
        if (self.score_at_least is None) == (self.score_at_most is None):
            raise ValueError("give exactly one of score_at_least or score_at_most")
        return self


class Window(_Cited):
    """Rolling-window counting: more than ``more_than`` records of ``act`` within ``days``
    days (the record's day included) emits a derived record of ``emit``.

    The window of a record on day d is [d - days + 1, d], and records of one day count in file
    order. Every record that makes the count exceed ``more_than`` emits (the window is not reset
    by an emission), so emissions match a brute-force count over the window.
    """

    id: Id
    act: Id
    days: int = Field(ge=1)
    more_than: int = Field(ge=0)
    emit: Id


class Consequence(_Cited):
    """Restrictions and privileges that hold while a subject is in a band or on a list."""

    band: str | None = None
    list: str | None = None
    # ``builtins.list``: the field ``list`` above shadows the builtin inside this class.
    restrictions: builtins.list[Id] = Field(default_factory=builtins.list)
    privileges: builtins.list[Id] = Field(default_factory=builtins.list)
    organisation_falls_on: Literal["organisation", "legal_representative"] = Field(
        "organisation",
        description="who bears these consequences when the subject is an organisation: the "
                    "organisation itself, or its legal representative (a person)",
    )

    @model_validator(mode="after")
    def _one(self) -> Consequence:
        if (self.band is None) == (self.list is None):
            raise ValueError("give exactly one of band or list")
        return self


class Retention(_Cited):
    """How long records count. ``records`` omitted means records never expire."""

    records: Duration | None = None

    _v = field_validator("records", mode="before")(_duration)


class Rulebook(BaseModel):
    """A whole regime."""

    model_config = ConfigDict(extra="forbid")
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

    @model_validator(mode="after")
    def _references(self) -> Rulebook:
        _check_references(self)
        return self

    def act_ids(self) -> list[str]:
        """Act ids in rulebook order."""
        return [a.id for a in self.acts]


def _dupes(items: list[str]) -> list[str]:
    seen: set[str] = set()
    return sorted({i for i in items if i in seen or seen.add(i)})  # type: ignore[func-returns-value]


def _check_references(rb: Rulebook) -> None:
    """Cross-references must resolve; raise ValueError naming the first that does not."""
    acts = rb.act_ids()
    if d := _dupes(acts):
        raise ValueError(f"duplicate act ids: {', '.join(d)}")
    labels = [b.label for b in rb.bands]
    if d := _dupes(labels):
        raise ValueError(f"duplicate band labels: {', '.join(d)}")
    list_ids = [x.id for x in rb.lists]
    if d := _dupes(list_ids):
        raise ValueError(f"duplicate list ids: {', '.join(d)}")
    keys = [s.key for s in rb.sources]
    if d := _dupes(keys):
        raise ValueError(f"duplicate source keys: {', '.join(d)}")
    if rb.bands:
        if rb.score is None:
            raise ValueError("bands need a [score] table")
        mins = [b.min for b in rb.bands]
        if (mins[-1] is not None and any(m is None for m in mins[:-1])) or None in mins[:-1]:
            raise ValueError("every band but the last needs a 'min'")
        given = [m for m in mins if m is not None]
        if any(a <= b for a, b in itertools.pairwise(given)):
            raise ValueError("bands must be listed from the highest 'min' to the lowest")
    override_bands = {x.band for x in rb.lists if x.band}
    all_bands = set(labels) | override_bands
    for i, a in enumerate(rb.acts):
        if a.drop_to_band is not None and a.drop_to_band not in labels:
            raise ValueError(f"acts[{i}].drop_to_band: unknown band {a.drop_to_band!r}; "
                             f"bands are {', '.join(labels)}")
        if (a.points or a.drop_to_band or a.requires) and rb.score is None:
            raise ValueError(f"acts[{i}] ({a.id}) changes a score, but the rulebook has no [score]")
    triggered = {t.enter_list for t in rb.triggers}
    for i, lst in enumerate(rb.lists):
        if not lst.entries and lst.id not in triggered:
            raise ValueError(f"lists[{i}] ({lst.id}) has no entries and no trigger enters it")
        for j, e in enumerate(lst.entries):
            if e.act not in acts:
                raise ValueError(f"lists[{i}].entries[{j}].act: unknown act {e.act!r}")
        for field in ("extension_acts", "removal_acts"):
            for a in getattr(lst, field):
                if a not in acts:
                    raise ValueError(f"lists[{i}].{field}: unknown act {a!r}")
    for i, t in enumerate(rb.triggers):
        if t.enter_list not in list_ids:
            raise ValueError(f"triggers[{i}].enter_list: unknown list {t.enter_list!r}")
        if rb.score is None:
            raise ValueError(f"triggers[{i}] needs a [score]")
    for i, w in enumerate(rb.windows):
        for field in ("act", "emit"):
            if getattr(w, field) not in acts:
                raise ValueError(f"windows[{i}].{field}: unknown act {getattr(w, field)!r}")
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
    for i, c in enumerate(rb.consequences):
        if c.band is not None and c.band not in all_bands:
            raise ValueError(f"consequences[{i}].band: unknown band {c.band!r}")
        if c.list is not None and c.list not in list_ids:
            raise ValueError(f"consequences[{i}].list: unknown list {c.list!r}")
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
    for where, srcs in cited:
        for s in srcs:
            if s not in keys:
                raise ValueError(f"{where}.sources: unknown source key {s!r}; "
                                 f"known keys are {', '.join(keys)}")
