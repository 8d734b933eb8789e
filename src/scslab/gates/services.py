"""The services table: what people and organisations ask for, and the shaming channels.

For each service: how often it is asked for, and which consequence ids deny or privilege it.
Declarative, cited data (TOML checked by pydantic), shipped as ``scslab/gates/services.toml``.

A service's rate is ``rate_per_year * ability_to_pay ** income_elasticity`` requests per eligible
requester per year, for requesters inside the age window; ``ability_to_pay`` has median 1, so
``rate_per_year`` is the rate of a median requester.

A service may also have an :class:`Outcome`: something that befalls an allowed request with a
probability set by the class of its requester, the first of the outcome's ``classes`` whose
restriction or privilege id the requester holds (a customs declaration is inspected with the
class's inspection rate).
"""

from __future__ import annotations

import builtins
from importlib import resources
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from scslab.errors import InputError
from scslab.regime.load import parse_toml, validation_error
from scslab.regime.schema import Cited, Id, Source

_PACKAGE = "scslab.gates"
DEFAULT = "services"  # the built-in table: scslab/gates/services.toml

Sector = Literal["transport", "hotels", "education", "real_estate", "employment", "finance",
                 "procurement", "mobility", "travel_abroad", "customs"]
SECTORS: tuple[Sector, ...] = get_args(Sector)
"""Sectors of a service. The first seven are those the joint-punishment memorandum of 2016
reaches (SPC-2017 Art. 8 and the 2015 consumption restrictions; see the court-defaulters
rulebook's [[sources]], keys SPC-2017, SPC-HC-2015 and MEMO-2016)."""

JOINT_PUNISHMENT_SECTORS = SECTORS[:7]

SHAMING_PREFIX = "shamed_"
"""Restriction ids starting with this prefix are shaming markers: exposures, not gates."""
HONOUR_PREFIX = "honoured_"
"""Privilege ids starting with this prefix are honour markers: public praise, an exposure with the
opposite sign to shaming (a red list on a notice-board), not a gate."""


OUTCOME_BASE = "none"
"""The class key of requesters who hold none of an outcome's classes."""


class OutcomeClass(Cited):
    """The requesters who hold one restriction or privilege id, and their outcome probability."""

    held: Id = Field(description="restriction or privilege id whose holders form the class")
    probability: float = Field(ge=0, le=1, description="probability that an allowed request of a "
                                                       "holder has the outcome [1/request]")


class Outcome(Cited):
    """What may befall an allowed request, with a probability per class of requester.

    A requester's class is the first entry of ``classes`` whose id it holds from its own status
    (in any regime of the run); one holding none has ``probability``. A denied request has no
    outcome. The draw is keyed by (requester, day, the requester's n-th request of the service
    that day), so it never depends on partitioning.
    """

    name: Id = Field(description="what the outcome is, e.g. inspected")
    probability: float = Field(ge=0, le=1, description="probability for a requester holding none "
                                                       "of the classes [1/request]")
    classes: list[OutcomeClass] = Field(min_length=1, description="in order of precedence: a "
                                        "requester holding several ids is in the first class")

    @model_validator(mode="after")
    def _distinct(self) -> Outcome:
        seen: set[str] = set()
        for c in self.classes:
            if c.held in seen:
                raise ValueError(f"outcome {self.name}: class {c.held!r} is given twice")
            if c.held == OUTCOME_BASE:
                raise ValueError(f"outcome {self.name}: {OUTCOME_BASE!r} names the requesters "
                                 "in no class (the outcome's own probability)")
            seen.add(c.held)
        return self

    def keys(self) -> list[str]:
        """Class keys in output order: the classes, then :data:`OUTCOME_BASE`."""
        return [*(c.held for c in self.classes), OUTCOME_BASE]

    def probabilities(self) -> list[float]:
        """Probability per class key, in :meth:`keys` order [1/request]."""
        return [*(c.probability for c in self.classes), self.probability]


class Service(Cited):
    """A service that subjects request, and the consequence ids that gate it."""

    id: Id
    name: str = Field(min_length=1)
    sector: Sector
    requesters: Literal["persons", "children", "organisations"] = Field(
        description="persons: the person asks for themself; children: one request per child, "
                    "checked on the child's guardians (family spillover); organisations")
    rate_per_year: float = Field(ge=0, description="requests per eligible requester per year "
                                                   "at ability_to_pay 1 [requests/year]")
    income_elasticity: float = Field(0.0, ge=0, le=4, description="rate scales as ability_to_pay ** this "
                                     "(children: the first guardian's ability to pay)")
    min_age: int | None = Field(None, ge=0, le=120, description="youngest eligible requester [years]")
    max_age: int | None = Field(None, ge=0, le=120, description="oldest eligible requester [years]")
    denied_by: list[Id] = Field(default_factory=list, description="restriction ids that deny it")
    privileged_by: list[Id] = Field(default_factory=list, description="privilege ids that privilege it")
    outcome: Outcome | None = Field(None, description="what may befall an allowed request, with a "
                                                      "probability per class of requester")

    @model_validator(mode="after")
    def _check(self) -> Service:
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValueError(f"min_age ({self.min_age}) exceeds max_age ({self.max_age})")
        if self.requesters == "organisations" and (self.min_age is not None or self.max_age is not None
                                                   or self.income_elasticity):
            raise ValueError("organisations have no age and no ability to pay: drop min_age, max_age "
                             "and income_elasticity")
        for x in self.denied_by:
            if x.startswith(SHAMING_PREFIX):
                raise ValueError(f"{x!r} is a shaming marker, not a restriction that denies a service")
        for x in self.privileged_by:
            if x.startswith(HONOUR_PREFIX):
                raise ValueError(f"{x!r} is an honour marker, not a privilege of a service")
        for c in self.outcome.classes if self.outcome else ():
            if c.held.startswith((SHAMING_PREFIX, HONOUR_PREFIX)):
                raise ValueError(f"{c.held!r} is a shaming or honour marker, not a class of an outcome")
        return self


class Channel(Cited):
    """A shaming or honour channel: how many people see a subject shown, and what it costs them.

    A subject is shamed through a channel ``shamed_...`` while, in some regime, its band or a list
    it is on carries the restriction ``id``; it is honoured through a channel ``honoured_...``
    while they carry the privilege ``id``. An *episode* starts when that begins. Honour has the
    opposite sign to shaming; what praise gains a subject (ties, jobs) is not modelled, so an
    honour channel counts exposures only and its costs must be 0.
    """

    id: Id
    name: str = Field(min_length=1)
    viewers_per_day: float = Field(ge=0, description="people who see one shamed subject per day, "
                                                     "ties aside [persons/day]")
    viewers_per_tie_per_day: float = Field(0.0, ge=0, description="more viewers per friend tie of "
                                           "the subject per day, e.g. callers [persons/tie/day]")
    tie_loss: float = Field(ge=0, le=1, description="probability that each friend tie is dropped, "
                                                    "once per episode")
    job_loss: float = Field(ge=0, le=1, description="probability that a shamed person of working age "
                                                    "loses their job, once per episode")
    working_age: tuple[int, int] = Field((18, 60), description="ages at risk of job loss [years]")

    @model_validator(mode="after")
    def _prefix(self) -> Channel:
        if not self.id.startswith((SHAMING_PREFIX, HONOUR_PREFIX)):
            raise ValueError(f"a channel id must start with {SHAMING_PREFIX!r} or {HONOUR_PREFIX!r}; "
                             f"got {self.id!r}")
        if self.honour and (self.tie_loss or self.job_loss):
            raise ValueError(f"{self.id}: an honour channel costs nothing (tie_loss and job_loss 0); "
                             "what praise gains is not modelled")
        return self

    @property
    def honour(self) -> bool:
        """Whether the channel shows honour (a privilege marker) rather than shame (a restriction)."""
        return self.id.startswith(HONOUR_PREFIX)


class JointPunishment(Cited):
    """Restrictions that a regime's list carries in the simulation beyond its rulebook.

    The list is shared with the signatories of a joint-punishment memorandum, who apply it in
    their fields.
    """

    regime: str = Field(min_length=1, description="regime id")
    list: str = Field(min_length=1, description="list id in that regime")
    # ``builtins.list``: the field ``list`` above shadows the builtin inside this class.
    restrictions: builtins.list[Id] = Field(min_length=1)
    organisation_falls_on: Literal["organisation", "legal_representative"] = Field(
        "organisation", description="who bears them when the listed subject is an organisation")


class ServiceTable(BaseModel):
    """The whole table: services, shaming channels and the sources they cite."""

    model_config = ConfigDict(extra="forbid")
    services: list[Service] = Field(min_length=1)
    channels: list[Channel] = Field(default_factory=list)
    joint_punishment: list[JointPunishment] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> ServiceTable:
        for kind, ids in (("service", [s.id for s in self.services]),
                          ("channel", [c.id for c in self.channels]),
                          ("source", [s.key for s in self.sources])):
            seen: set[str] = set()
            for i in ids:
                if i in seen:
                    raise ValueError(f"duplicate {kind} id {i!r}")
                seen.add(i)
        keys = {s.key for s in self.sources}
        for where, item in [*((f"services {s.id}", s) for s in self.services),
                            *((f"channels {c.id}", c) for c in self.channels),
                            *((f"joint_punishment {j.regime}.{j.list}", j) for j in self.joint_punishment)]:
            for k in item.sources:
                if k not in keys:
                    raise ValueError(f"{where}: unknown source {k!r}")
        for s in self.services:
            cited = [s.outcome, *s.outcome.classes] if s.outcome else []
            for item in cited:
                for k in item.sources:
                    if k not in keys:
                        raise ValueError(f"services {s.id} outcome: unknown source {k!r}")
        return self

    def service_ids(self) -> list[str]:
        """Service ids in table order."""
        return [s.id for s in self.services]

    def gated_ids(self) -> set[str]:
        """Every restriction or privilege id that some service or channel reacts to."""
        out = {c.id for c in self.channels}
        for s in self.services:
            out.update(s.denied_by)
            out.update(s.privileged_by)
            if s.outcome:
                out.update(c.held for c in s.outcome.classes)
        return out

    def sectors_denied(self, restrictions: set[str]) -> set[str]:
        """Sectors with a service that one of ``restrictions`` denies."""
        return {s.sector for s in self.services if restrictions & set(s.denied_by)}


def builtin_tables() -> list[str]:
    """Names of the service tables shipped with scslab."""
    return sorted(p.name[:-5] for p in resources.files(_PACKAGE).iterdir() if p.name.endswith(".toml"))


def load_services(name_or_path: str | Path = DEFAULT) -> ServiceTable:
    """Load the built-in services table (``"services"``) or a table file by path."""
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        if not p.is_file():
            raise InputError("no such services table", file=p)
        text, file = p.read_text(encoding="utf-8"), str(p)
    elif str(name_or_path) in builtin_tables():
        text = (resources.files(_PACKAGE) / f"{name_or_path}.toml").read_text(encoding="utf-8")
        file = f"<built-in services table {name_or_path}>"
    else:
        raise InputError(f"unknown services table {str(name_or_path)!r}: not a file, and not a "
                         f"built-in table ({', '.join(builtin_tables())})")
    try:
        return ServiceTable.model_validate(parse_toml(text, file))
    except ValidationError as e:
        raise validation_error(e, file) from None
