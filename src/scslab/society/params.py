"""Parameters of a synthetic society: each declared once, with unit, default and constraint.

They shape synthetic persons only; nothing reads data about real people.
"""

from __future__ import annotations

import datetime as _dt

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from scslab.limits import PERSONS, START_YEAR


class Demography(BaseModel):
    """The ``[society]`` table of a scenario: what a synthetic society looks like.

    Whatever its size and start date. Unknown keys are rejected.

    Demographic defaults follow China's 7th census (2020):
    http://www.stats.gov.cn/english/PressRelease/202105/t20210510_1817185.html
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    region_codes: list[str] = Field(
        default_factory=lambda: ["371082"], min_length=1,
        max_length=65_535,
        description="6-digit GB/T 2260 county-level division codes, each in use in the start "
                    "year per python-stdnum's table; households are spread evenly over them "
                    "(default 371082, Rongcheng) [code]")
    mean_household_size: float = Field(
        2.62, ge=1.0, le=8.0,
        description="mean persons per household [persons]; 2.62 in the 2020 census (URL above)")
    share_under_15: float = Field(0.1795, ge=0, lt=1,
                                  description="share aged 0-14; 17.95 % (2020) [fraction]")
    share_60_plus: float = Field(0.1870, ge=0, le=1,
                                 description="share aged 60+; 18.70 % (2020) [fraction]")
    share_male: float = Field(0.5124, ge=0, le=1,
                              description="share of males; 51.24 % (2020) [fraction]")
    income_sigma: float = Field(0.6, ge=0, le=3,
                                description="sigma of log ability to pay (median 1); an "
                                            "assumption (Gini 2*Phi(sigma/sqrt 2) - 1 = 0.33) "
                                            "[log units]")
    orgs_per_1000_persons: float = Field(20.0, ge=0, le=1000,
                                         description="organisations per 1000 persons; an "
                                                     "assumption [organisations / 1000 persons]")
    mean_friends: float = Field(6.0, ge=0, le=500, description="mean friendship degree [persons]; "
                                                              "an assumption")

    @model_validator(mode="after")
    def _shares(self) -> Demography:
        if self.share_under_15 + self.share_60_plus > 1:
            raise ValueError("share_under_15 + share_60_plus must be at most 1")
        return self


class SocietyParams(Demography):
    """How to build one synthetic society: its demography, size and start date."""

    persons: int = Field(ge=PERSONS.lo, le=PERSONS.hi, description=f"synthetic persons [{PERSONS.unit}]")
    start_date: str = Field("2020-01-01", pattern=r"^\d{4}-\d{2}-\d{2}$",
                            description="first simulated day; ages are on this date [ISO date]")

    @property
    def n_orgs(self) -> int:
        """Organisations in the society [organisations]."""
        return round(self.persons * self.orgs_per_1000_persons / 1000)

    @field_validator("start_date")
    @classmethod
    def _date(cls, v: str) -> str:
        try:
            year = _dt.date.fromisoformat(v).year
        except ValueError:
            raise ValueError(f"start_date must be a real date YYYY-MM-DD; got {v!r}") from None
        if not START_YEAR.lo <= year <= START_YEAR.hi:
            raise ValueError(f"start_date must lie in the years {START_YEAR.lo}-{START_YEAR.hi}; "
                             f"got {v!r}")
        return v

    @field_validator("region_codes")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        for c in v:
            if len(c) != 6 or not c.isdigit():
                raise ValueError(f"region codes are 6 digits (GB/T 2260); got {c!r}")
        if len(set(v)) != len(v):
            raise ValueError("region codes must be distinct")
        return v

    @model_validator(mode="after")
    def _regions_in_use(self) -> SocietyParams:
        # Resident ID numbers must pass python-stdnum, which checks the division code against its
        # table (read lazily, once: ~15 ms).
        from scslab.society.divisions import in_use

        year = _dt.date.fromisoformat(self.start_date).year
        unknown = [c for c in self.region_codes if not in_use(c, year)]
        if unknown:
            raise ValueError(f"region codes {unknown} are not GB/T 2260 county-level divisions in "
                             f"use in {year} (per python-stdnum's table)")
        return self
