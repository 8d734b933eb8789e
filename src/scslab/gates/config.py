"""The ``[gates]`` table of a scenario, and the checked plan the resolve step makes of it."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from scslab.gates.services import ServiceTable


class GatesConfig(BaseModel):
    """Services requested in the simulation, and shaming exposures.

    How listed subjects answer denials is behaviour's (``behaviour.list_answers``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    enabled: bool = Field(default=False, description="simulate service requests, gates and shaming")
    services: str = Field(default="services",
                          description="built-in services table, or a TOML path (relative paths are "
                                      "resolved against the scenario's folder)")
    shaming: bool = Field(default=True, description="count exposures and costs of shaming markers")


@dataclass(frozen=True)
class GatesPlan:
    """Services requested, and whether shaming counts."""

    services: ServiceTable
    shaming: bool
