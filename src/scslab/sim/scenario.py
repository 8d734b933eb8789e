"""Scenarios: society + regimes + behaviour + sources + horizon, as a checked TOML file.

A scenario is data: rates are numbers or fractions written as text (``"1/200"``), never
expressions to evaluate.
"""

from __future__ import annotations

import copy
import datetime as _dt
import hashlib
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    model_validator,
)

from scslab import inputfile
from scslab.conduct.acts import ActSpec
from scslab.conduct.params import Behaviour, Probability
from scslab.errors import InputError
from scslab.gates.config import GatesConfig
from scslab.limits import DAYS, PERSONS, SEED
from scslab.regime.load import parse_toml, validation_error
from scslab.sim.flows import FlowSpec
from scslab.sim.timeline import TimelineEvent
from scslab.society.params import Demography
from scslab.sources.spec import DeletionDelay, SourceSpec

_LIBRARY = "scslab.sim.scenarios"
_SOURCE_ID = re.compile(r"[a-z][a-z0-9_-]{0,63}")


class Meta(BaseModel):
    """Name and description of the scenario."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1)
    description: str = ""


class Horizon(BaseModel):
    """Defaults for size and length; the CLI may override them."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # ``default=`` by keyword: mypy reads a positional default as none, and then takes the field
    # for required (``Horizon()`` would not type-check as a default factory).
    persons: int = Field(default=100_000, ge=PERSONS.lo, le=PERSONS.hi,
                         description="synthetic persons [persons]")
    days: int = Field(default=365, ge=DAYS.lo, le=DAYS.hi, description="simulated days [days]")
    start_date: str = Field(default="2020-01-01", pattern=r"^\d{4}-\d{2}-\d{2}$",
                            description="first day")
    seed: int = Field(default=0, ge=SEED.lo, le=SEED.hi, description="run seed")


class Sources(BaseModel):
    """How acts become records.

    ``detection`` is the default source: the probability each act no declared source observes
    is recorded. Every other key is a declared source, ``[sources.ID]`` (:mod:`scslab.sources.spec`).
    """

    # Extra keys are the declared sources, validated as SourceSpec; they dump back as
    # ``[sources.ID]``, so a resolved scenario reads back the same.
    model_config = ConfigDict(extra="allow", frozen=True)
    __pydantic_extra__: dict[str, SourceSpec] = Field(init=False)
    detection: dict[str, Probability] = Field(
        default_factory=dict, description="probability an occurrence is recorded (default 1)"
    )

    @model_validator(mode="after")
    def _ids(self) -> Sources:
        for sid in self.declared:
            if not _SOURCE_ID.fullmatch(sid):
                raise ValueError(f"source id {sid[:40]!r} must be lower-case letters, digits, "
                                 "'_' or '-', starting with a letter")
        return self

    @property
    def declared(self) -> dict[str, SourceSpec]:
        """The declared sources by id, in file order."""
        return dict(self.__pydantic_extra__ or {})


class Scenario(BaseModel):
    """A whole scenario."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    scenario: Meta
    horizon: Horizon = Field(default_factory=Horizon)
    # Not ``default_factory=Demography``: its fields give positional defaults, which mypy takes for
    # none, so the bare call would not type-check; validating no keys makes the same defaults.
    society: Demography = Field(default_factory=lambda: Demography.model_validate({}))
    regimes: list[str] = Field(min_length=1, description="built-in regime names or rulebook paths")
    acts: dict[str, ActSpec] = Field(
        default_factory=dict, description="every simulated act: kind, ages, value (conduct.acts)")
    behaviour: Behaviour
    sources: Sources = Field(default_factory=Sources)
    # None, not [], when absent: a scenario without them dumps (and hashes) as before.
    deletion_delays: list[DeletionDelay] | None = Field(
        None, description="deletions from lists that run late or are missed")
    flows: list[FlowSpec] | None = Field(
        None, description="one regime's list, band or score as an input of another (sim.flows)")
    gates: GatesConfig = Field(default_factory=GatesConfig)
    timeline: list[TimelineEvent] | None = Field(
        None, description="dated changes during the run: regimes, sources, behaviour "
                          "(docs/timeline.md)")
    _source: str = PrivateAttr("<scenario>")

    def located(self, source: str) -> Scenario:
        """This scenario, noting where it came from (errors name it); returns ``self``."""
        self._source = source
        return self

    @property
    def source(self) -> str:
        """Where the scenario came from: its file, or ``<built-in scenario NAME>``."""
        return self._source

    def __repr__(self) -> str:
        # Short, unlike pydantic's nested repr; ``to_toml()`` gives the whole scenario.
        h = self.horizon
        return (f"<Scenario {self.scenario.name}: regimes {', '.join(self.regimes)}; {h.persons:,} "
                f"persons, {h.days:,} days from {h.start_date}, seed {h.seed}; {len(self.acts)} acts; "
                f"gates {'on' if self.gates.enabled else 'off'}>")

    __str__ = __repr__

    def _repr_html_(self) -> str:
        """A short table for notebooks; ``to_toml()`` gives the whole scenario."""
        from scslab.reprs import SYNTHETIC_NOTE, html_table, join_short

        h = self.horizon
        return html_table(f"Scenario {self.scenario.name}", [
            ("regimes", join_short(self.regimes)),
            ("persons", f"{h.persons:,}"),
            ("days", f"{h.days:,} from {h.start_date}"),
            ("seed", h.seed),
            ("acts", join_short(self.acts, 6)),
            ("gates", "on" if self.gates.enabled else "off"),
            ("source", self.source),
        ], note=SYNTHETIC_NOTE)

    def to_toml(self) -> str:
        """The resolved scenario as TOML text."""
        return tomli_w.dumps(self.model_dump(mode="json", exclude_none=True))

    def sha256(self) -> str:
        """Hash of the resolved scenario."""
        return hashlib.sha256(self.to_toml().encode()).hexdigest()


def builtin_scenarios() -> list[str]:
    """Names of the scenarios shipped with scslab."""
    return sorted(p.name[:-5] for p in resources.files(_LIBRARY).iterdir() if p.name.endswith(".toml"))


def load_scenario(name_or_path: str | Path, sets: Mapping[str, Any] | None = None) -> Scenario:
    """Load a built-in scenario by name or a scenario file by path.

    Relative rulebook paths in ``regimes`` are resolved against the scenario file's folder.

    Args:
        name_or_path: a built-in scenario's name or a scenario TOML file.
        sets: dotted keys and their new values, applied before validation.
    """
    data, file = read_scenario_data(name_or_path)
    return scenario_from_data(data, file, sets)


def read_scenario_data(name_or_path: str | Path) -> tuple[dict[str, Any], str]:
    """A scenario's parsed TOML data, before validation, and where it came from.

    Relative rulebook paths in ``regimes`` are made relative to the scenario file's folder.
    """
    p = Path(name_or_path)
    if p.suffix == ".toml" or inputfile.exists(p):
        text, file, base = inputfile.read_text(p, "scenario file"), str(p), p.parent
    elif str(name_or_path) in builtin_scenarios():
        text = (resources.files(_LIBRARY) / f"{name_or_path}.toml").read_text(encoding="utf-8")
        file, base = f"<built-in scenario {name_or_path}>", None
    else:
        raise InputError(f"unknown scenario {str(name_or_path)!r}: not a file, and not a built-in "
                         f"scenario ({', '.join(builtin_scenarios())})")
    data = parse_toml(text, file)
    if base is not None and isinstance(data.get("regimes"), list):
        data["regimes"] = [str(base / r) if isinstance(r, str) and r.endswith(".toml")
                           and not Path(r).is_absolute() else r for r in data["regimes"]]
    return data, file


def scenario_from_data(data: dict[str, Any], source: str,
                       sets: Mapping[str, Any] | None = None) -> Scenario:
    """Validate scenario data (as parsed from TOML) after applying ``sets``; errors name ``source``."""
    data = apply_sets(data, sets or {}, source)
    society = data.get("society")
    for key in ("persons", "start_date"):  # a common slip: they are horizon values
        if isinstance(society, dict) and key in society:
            raise InputError(f"set {key} in [horizon], not in [society]", file=source,
                             key=f"society.{key}")
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as e:
        raise validation_error(e, source) from None
    try:  # the schema checks the shape YYYY-MM-DD; 2021-02-30 has it and is no date
        _dt.date.fromisoformat(sc.horizon.start_date)
    except ValueError:
        raise InputError(f"no such date {sc.horizon.start_date!r}", file=source,
                         key="horizon.start_date") from None
    return sc.located(source)


def scenario_data(sc: Scenario) -> dict[str, Any]:
    """The scenario as plain data (what its TOML would parse to)."""
    return sc.model_dump(mode="json", exclude_none=True)


def apply_sets(data: dict[str, Any], sets: Mapping[str, Any], source: str) -> dict[str, Any]:
    """A copy of ``data`` with each dotted key of ``sets`` given its value.

    A key names tables that exist, or a new key in an existing table; the schema then checks the
    value. ``--set behaviour.aware_share=0.5`` is ``{"behaviour.aware_share": 0.5}``.
    """
    out = copy.deepcopy(data)
    for dotted, value in sets.items():
        parts = dotted.split(".")
        node: Any = out
        for i, part in enumerate(parts[:-1]):
            node = node.setdefault(part, {}) if isinstance(node, dict) else None
            if not isinstance(node, dict):
                raise InputError(f"option --set: {'.'.join(parts[:i + 1])!r} is not a table",
                                 file=source, key=dotted)
        if not parts[-1]:
            raise InputError("option --set: empty key", file=source, key=dotted)
        node[parts[-1]] = value
    return out
