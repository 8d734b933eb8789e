"""What a scenario declares about a source (``[sources.ID]``) and about late deletions.

A source belongs to one sector, observes some acts (each with its detection probability), sees
a share of the subjects (its coverage, by region or sex, never by ethnicity), may grow over
time, attributes false records to subjects who did not act, and reports after a delay. Every
number is a behavioural or empirical claim, so a source names its ``sources`` or says
``verified = false``. See ``docs/sources.md``.
"""

from __future__ import annotations

import datetime as _dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SECTORS = ("administrative", "commercial", "social", "judicial")
Sector = Literal["administrative", "commercial", "social", "judicial"]
GROUPINGS = ("region", "sex")  # synthetic attributes only; nothing is keyed to ethnicity
SEXES = ("female", "male")  # society.sex: 0 female, 1 male
MAX_DELAY_DAYS = 3650  # a report or a deletion later than ten years is a typo [days]
MAX_FALSE_RATE = 0.1  # false records per covered subject per day; above it a typo [1/day]
MAX_GROWTH = 10.0  # yearly growth factor - 1 of a schedule; above +1000 %/yr a typo

_Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
_Date = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]


def _cited(sources: list[str], verified: bool, what: str) -> None:
    if not sources and verified:
        raise ValueError(f"{what} rests on numbers: give its sources, or verified = false")


class DelayDist(BaseModel):
    """Days until something happens.

    ``fixed`` (``days``), ``uniform`` integers ``low..high``, or ``exponential`` with mean
    ``mean_days`` (rounded down to whole days).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    dist: Literal["fixed", "uniform", "exponential"] = Field(description="the shape of the delay")
    days: int | None = Field(None, ge=0, le=MAX_DELAY_DAYS, description="fixed delay [days]")
    low: int | None = Field(None, ge=0, le=MAX_DELAY_DAYS, description="uniform: least [days]")
    high: int | None = Field(None, ge=0, le=MAX_DELAY_DAYS, description="uniform: most [days]")
    mean_days: float | None = Field(None, ge=0, le=MAX_DELAY_DAYS, allow_inf_nan=False,
                                    description="exponential: mean [days]")

    @model_validator(mode="after")
    def _needs(self) -> DelayDist:
        need = {"fixed": ("days",), "uniform": ("low", "high"), "exponential": ("mean_days",)}
        missing = [k for k in need[self.dist] if getattr(self, k) is None]
        if missing:
            raise ValueError(f"a {self.dist} delay needs {' and '.join(missing)}")
        if self.dist == "uniform" and self.low is not None and self.high is not None \
                and self.low > self.high:
            raise ValueError(f"low ({self.low}) must not exceed high ({self.high})")
        return self


class Coverage(BaseModel):
    """The share of subjects a source sees: ``share`` for all, or per group of ``by``.

    Whether a subject is seen is fixed for the run by one keyed uniform per subject (below the
    share: seen), so a growing share adds subjects and never swaps them.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    share: _Share = Field(1.0, description="share of subjects seen, where no group says [0-1]")
    by: Literal["region", "sex"] | None = Field(
        None, description="the synthetic attribute the groups are of (region code, or sex)")
    groups: dict[str, _Share] = Field(default_factory=dict,
                                      description="share of subjects seen per group [0-1]")

    @model_validator(mode="after")
    def _groups(self) -> Coverage:
        if self.groups and self.by is None:
            raise ValueError("coverage groups need `by` (region or sex)")
        if self.by == "sex":
            bad = [g for g in self.groups if g not in SEXES]
            if bad:
                raise ValueError(f"unknown sex {bad[0]!r} (female or male)")
        return self

    @property
    def full(self) -> bool:
        """Every subject is seen."""
        return self.share == 1 and all(v == 1 for v in self.groups.values())


class Schedule(BaseModel):
    """Growth of detection or coverage: a factor (1 + growth)^years from ``start`` to ``end``.

    Before ``start`` the factor is 1, after ``end`` it stays at its value there; the grown
    probability is capped at 1. Evaluated once per day, never per subject.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    applies_to: Literal["detection", "coverage"]
    growth_per_year: float = Field(ge=-1, le=MAX_GROWTH, allow_inf_nan=False,
                                   description="compound growth per year [1/year]")
    start: _Date = Field(description="first day of growth")
    end: _Date = Field(description="last day of growth")

    @model_validator(mode="after")
    def _dates(self) -> Schedule:
        try:
            a, b = _dt.date.fromisoformat(self.start), _dt.date.fromisoformat(self.end)
        except ValueError as e:
            raise ValueError(f"no such date: {e}") from None
        if b < a:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self


class SourceSpec(BaseModel):
    """One declared source (``[sources.ID]``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    sector: Sector = Field(description="administrative, commercial, social or judicial")
    detection: dict[str, _Share] = Field(
        min_length=1, description="the acts it observes, each with the probability an act of a "
                                  "covered subject is recorded [0-1]")
    # Not ``default_factory=Coverage``: mypy takes its keyword defaults for none (as for
    # Scenario.society); validating no keys makes the same defaults.
    coverage: Coverage = Field(default_factory=lambda: Coverage.model_validate({}))
    schedule: Schedule | None = None
    false_positives: dict[str, Annotated[float, Field(ge=0, le=MAX_FALSE_RATE,
                                                      allow_inf_nan=False)]] = Field(
        default_factory=dict,
        description="false records per covered subject per day, per act [records/subject/day]")
    delay: DelayDist | None = Field(None, description="days from the act to the record's arrival")
    readers: list[str] = Field(
        default_factory=list, description="ids of the regimes that read this source (a database "
                                          "shared by some regimes); none: every regime that "
                                          "knows the act")
    sources: list[str] = Field(default_factory=list, description="citations (URLs) for the numbers")
    verified: bool = Field(True, description="false where a number rests on an assumption")
    note: str = Field("", max_length=2000)

    @model_validator(mode="after")
    def _check(self) -> SourceSpec:
        extra = [a for a in self.false_positives if a not in self.detection]
        if extra:
            raise ValueError(f"false_positives names {extra[0]!r}, which the source does not "
                             "observe: add it to detection")
        _cited(self.sources, self.verified, "a source")
        return self


class DeletionDelay(BaseModel):
    """Deletions from one regime's list that run late or are missed (``[[deletion_delays]]``).

    A deletion (after a removal act or a term's end) is late with probability ``late_share``,
    by ``extra_days`` more working days; it is missed with probability ``missed_share`` and then
    happens only when the subject appeals, at ``appeal_per_year``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              serialize_by_alias=True)
    regime: str = Field(min_length=1, description="the regime's id")
    list_id: str = Field(min_length=1, alias="list", description="the list's id")
    late_share: _Share = Field(0.0, description="share of deletions that run late [0-1]")
    extra_days: DelayDist | None = Field(None, description="extra working days of a late one")
    missed_share: _Share = Field(0.0, description="share of deletions missed until an appeal")
    appeal_per_year: float = Field(1.0, gt=0, le=365, allow_inf_nan=False,
                                   description="appeals of a subject whose deletion was missed "
                                               "[1/year]")
    sources: list[str] = Field(default_factory=list, description="citations (URLs) for the numbers")
    verified: bool = Field(True, description="false where a number rests on an assumption")

    @model_validator(mode="after")
    def _check(self) -> DeletionDelay:
        if self.late_share > 0 and self.extra_days is None:
            raise ValueError("late_share needs extra_days (the distribution of the lateness)")
        if self.late_share + self.missed_share > 1:
            raise ValueError(f"late_share + missed_share ({self.late_share + self.missed_share:g}) "
                             "exceeds 1")
        _cited(self.sources, self.verified, "a deletion delay")
        return self
