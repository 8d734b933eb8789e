"""A study's declarative design: its question, seed, arms, sizes, parameters and claim.

Each built-in study is one TOML file in ``scslab/studies/defs`` (docs/studies.md). Its
parameters and their sources live there, not in code; the code only measures. The file is
checked by this schema like a scenario: an unknown key, a missing value or an arm whose
overrides the scenario refuses is one line naming the file and the key.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from scslab import inputfile
from scslab.errors import InputError
from scslab.limits import DAYS, PERSONS
from scslab.regime.load import parse_toml, validation_error

_LIBRARY = "scslab.studies.defs"
_NAME = r"^[a-z][a-z0-9-]{0,63}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Size(_Strict):
    """A run size: persons per run, simulated days and replicates (seeds) per arm."""

    persons: int = Field(ge=100, le=PERSONS.hi, description="persons per run [persons]")
    days: int = Field(ge=1, le=DAYS.hi, description="simulated days per run [days]")
    replicates: int = Field(ge=1, le=200, description="replicates (seeds) per arm")


class Arm(_Strict):
    """One arm: a scenario (the study's unless named) and the overrides that make the arm."""

    name: str = Field(min_length=1, max_length=80, description="the arm's label")
    scenario: str | None = Field(None, description="a built-in scenario or file; None: the study's")
    sets: dict[str, Any] = Field(default_factory=dict, description="dotted overrides, as --set")
    note: str = Field("", description="what the arm stands for")


class Parameter(_Strict):
    """A parameter of the design, with its source or an explicit ``verified = false``."""

    path: str = Field(min_length=1, description="dotted path in the scenario, or the study's own")
    value: Any = Field(description="its value in the study")
    unit: str = Field("", description="its unit")
    source: str = Field("", description="URL or docs/sources.md entry it comes from")
    verified: bool = Field(True, description="false: an assumption, flagged in the report")
    note: str = Field("", description="why this value")

    @model_validator(mode="after")
    def _cited(self) -> Parameter:
        if self.verified and not self.source:
            raise ValueError("a parameter needs a source, or verified = false")
        return self


class Claim(_Strict):
    """What the seed claims, as a signed difference the results can support or contradict."""

    metric: str = Field(min_length=1, description="the headline metric the claim is about")
    arm: str = Field(min_length=1, description="the arm the claim is about")
    reference: str = Field(min_length=1, description="the arm it is compared with")
    direction: Literal["higher", "lower"] = Field(description="the claimed sign of arm - reference")
    text: str = Field(min_length=1, description="the claim in words")


class Study(_Strict):
    """One study (docs/studies.md)."""

    name: str = Field(pattern=_NAME, description="the study's name")
    question: str = Field(min_length=1, description="its one-line question")
    seed: str = Field(min_length=1, description="the seed(s) it comes from, e.g. '004'")
    quote: str = Field(min_length=1, description="the seed's words it tests")
    scenario: str = Field(min_length=1, description="the built-in scenario (or file) it runs")
    measures: str = Field(pattern=r"^[a-z][a-z0-9_]*$",
                          description="its measure module in scslab.studies.measures")
    metrics: list[str] = Field(min_length=1, description="the headline metrics, in order")
    full: Size = Field(description="the size of a full run")
    quick: Size = Field(description="the size of a --quick run (under 60 s on 2 cores)")
    arms: list[Arm] = Field(min_length=1, description="the arms, the first the reference")
    parameters: list[Parameter] = Field(default_factory=list, description="the design's values")
    claim: Claim | None = Field(None, description="the seed's claim, tested by the conclusion")
    caveats: list[str] = Field(default_factory=list, description="what the design cannot show")
    options: dict[str, Any] = Field(default_factory=dict,
                                    description="values the measure module reads (cited above)")

    @model_validator(mode="after")
    def _consistent(self) -> Study:
        names = [a.name for a in self.arms]
        if len(set(names)) != len(names):
            raise ValueError("arm names must be distinct")
        if self.quick.replicates < 3:
            raise ValueError("quick.replicates: at least 3 replicates are needed for an interval")
        c = self.claim
        if c is not None:
            for what in (c.arm, c.reference):
                if what not in names:
                    raise ValueError(f"claim names arm {what!r}, which is not among the arms")
            if c.metric not in self.metrics:
                raise ValueError(f"claim names metric {c.metric!r}, which is not a headline metric")
        return self

    def arm(self, name: str) -> Arm:
        """The arm called ``name``."""
        return next(a for a in self.arms if a.name == name)


def builtin_studies() -> list[str]:
    """Names of the built-in studies, sorted."""
    files = resources.files(_LIBRARY)
    return sorted(p.name[:-5] for p in files.iterdir() if p.name.endswith(".toml"))


def study_text(name_or_path: str | Path) -> tuple[str, str]:
    """A study's TOML text and where it came from (a built-in name or a file)."""
    p = Path(name_or_path)
    if p.suffix == ".toml" or inputfile.exists(p):
        return inputfile.read_text(p, "study file"), str(p)
    if str(name_or_path) in builtin_studies():
        text = (resources.files(_LIBRARY) / f"{name_or_path}.toml").read_text(encoding="utf-8")
        return text, f"<built-in study {name_or_path}>"
    raise InputError(f"unknown study {str(name_or_path)!r}: not a file, and not a built-in study "
                     f"({', '.join(builtin_studies())})")


def load_study(name_or_path: str | Path) -> Study:
    """Load and check a study by built-in name or TOML file.

    Raises:
        InputError: the file is unreadable, not TOML, or breaks the schema (naming the key).
    """
    text, file = study_text(name_or_path)
    data = parse_toml(text, file)
    try:
        return Study.model_validate(data)
    except ValidationError as e:
        raise validation_error(e, file) from None
