"""The ``[gates]`` table of a scenario, and the checked plan the resolve step makes of it."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from scslab.conduct.response import ResponsePlan
from scslab.gates.services import ServiceTable


class Response(BaseModel):
    """Listed subjects perform their obligation at a hazard that rises with denials.

    Leave ``regime`` empty for no response. See :mod:`scslab.conduct.response`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    # ``default=`` by keyword: mypy reads a positional default as none, and then takes the field
    # for required (``Response()`` would not type-check as a default factory).
    regime: str = Field(default="", description="regime id holding the list; empty: no response")
    list: str = Field(default="", description="list whose subjects respond")
    act: str = Field(default="", description="the act they perform: a removal act of that list, and "
                                             "one of the scenario's acts (behaviour.rates, rate 0 if "
                                             "only gates emit it)")
    base_per_year: float = Field(default=0.0, ge=0,
                                 description="hazard from the day of listing [per year]")
    per_denial_per_year: float = Field(default=0.0, ge=0,
                                       description="added hazard per denial [per year]")


class GatesConfig(BaseModel):
    """Services requested in the simulation, shaming exposures and the response to denials."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    enabled: bool = Field(default=False, description="simulate service requests, gates and shaming")
    services: str = Field(default="services",
                          description="built-in services table, or a TOML path (relative paths are "
                                      "resolved against the scenario's folder)")
    shaming: bool = Field(default=True, description="count exposures and costs of shaming markers")
    response: Response = Field(default_factory=Response)


@dataclass(frozen=True)
class GatesPlan:
    """Services requested, whether shaming counts, and the response to denials."""

    services: ServiceTable
    shaming: bool
    response: ResponsePlan | None
