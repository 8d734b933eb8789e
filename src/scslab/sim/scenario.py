"""Scenarios: society + regimes + behaviour + sources + horizon, as a checked TOML file.

A scenario is data: rates are numbers or fractions written as text (``"1/200"``), never
expressions to evaluate.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import tomli_w
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from scslab import inputfile
from scslab.errors import InputError
from scslab.gates.config import GatesConfig
from scslab.regime.load import parse_toml, validation_error

_LIBRARY = "scslab.sim.scenarios"


def _rate(v: Any) -> float:
    """A rate given as a number or as a fraction string like "1/200"."""
    if isinstance(v, bool):
        raise ValueError(f"a number or a fraction like '1/200' was expected, got {v!r}")
    try:
        if isinstance(v, int | float):
            x = float(v)
        elif isinstance(v, str):
            x = float(Fraction(v.replace(" ", "")))
        else:
            raise ValueError
    except (ValueError, ZeroDivisionError, OverflowError):  # "1e309" overflows a float
        raise ValueError(f"a number or a fraction like '1/200' was expected, got {str(v)[:40]!r}") \
            from None
    if not math.isfinite(x):
        raise ValueError(f"a finite rate was expected, got {str(v)[:40]!r}")
    return x


Rate = Annotated[float, BeforeValidator(_rate), Field(ge=0)]
Probability = Annotated[float, BeforeValidator(_rate), Field(ge=0, le=1)]


class Meta(BaseModel):
    """Name and description of the scenario."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    description: str = ""


class Horizon(BaseModel):
    """Defaults for size and length; the CLI may override them."""

    model_config = ConfigDict(extra="forbid")
    persons: int = Field(100_000, ge=1, description="synthetic persons [persons]")
    days: int = Field(365, ge=1, le=32_000, description="simulated days [days]")
    start_date: str = Field("2020-01-01", pattern=r"^\d{4}-\d{2}-\d{2}$", description="first day")
    seed: int = Field(0, ge=0, description="run seed")


class Behaviour(BaseModel):
    """How people act: base rates, propensity, deterrence and incentives."""

    model_config = ConfigDict(extra="forbid")
    rates: dict[str, Rate] = Field(description="base rate per act [acts/person/day]")
    beta: float = Field(1.0, ge=0, description="deterrence per 100 expected points, at or above low_score")
    beta_low: float = Field(2.0, ge=0, description="deterrence per 100 expected points, below low_score")
    low_score: int = Field(960, description="score below which deterrence is beta_low [points]")
    incentive: float = Field(1.5, ge=0, description="multiplier of rewarded acts below incentive_below")
    incentive_below: int = Field(1000, description="score below which rewarded acts are more frequent")
    perceived_cost: dict[str, float] = Field(
        default_factory=dict,
        description="cost in points used for deterrence, for acts whose cost is not points (lists)",
    )
    organisation_rates: dict[str, Rate] = Field(
        default_factory=dict,
        description="rate per act of organisations [acts/organisation/day] (see conduct.organisations)",
    )


class Sources(BaseModel):
    """How acts become records."""

    model_config = ConfigDict(extra="forbid")
    detection: dict[str, Probability] = Field(
        default_factory=dict, description="probability an occurrence is recorded (default 1)"
    )


class Scenario(BaseModel):
    """A whole scenario."""

    model_config = ConfigDict(extra="forbid")
    scenario: Meta
    horizon: Horizon = Field(default_factory=Horizon)
    society: dict[str, Any] = Field(default_factory=dict)
    regimes: list[str] = Field(min_length=1, description="built-in regime names or rulebook paths")
    behaviour: Behaviour
    sources: Sources = Field(default_factory=Sources)
    gates: GatesConfig = Field(default_factory=GatesConfig)

    def to_toml(self) -> str:
        """The resolved scenario as TOML text."""
        return tomli_w.dumps(self.model_dump(mode="json"))

    def sha256(self) -> str:
        """Hash of the resolved scenario."""
        return hashlib.sha256(self.to_toml().encode()).hexdigest()


def builtin_scenarios() -> list[str]:
    """Names of the scenarios shipped with scslab."""
    return sorted(p.name[:-5] for p in resources.files(_LIBRARY).iterdir() if p.name.endswith(".toml"))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a built-in scenario by name or a scenario file by path.

    Relative rulebook paths in ``regimes`` are resolved against the scenario file's folder.
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
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as e:
        raise validation_error(e, file) from None
    try:  # the schema checks the shape YYYY-MM-DD; 2021-02-30 has it and is no date
        _dt.date.fromisoformat(sc.horizon.start_date)
    except ValueError:
        raise InputError(f"no such date {sc.horizon.start_date!r}", file=file,
                         key="horizon.start_date") from None
    if base is not None:
        sc.regimes = [str(base / r) if r.endswith(".toml") and not Path(r).is_absolute() else r
                      for r in sc.regimes]
    sc._file = file  # type: ignore[attr-defined]
    return sc
