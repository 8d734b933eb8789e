"""What a simulated act is: its kind, who may commit it, and the value it carries.

A scenario declares every act it simulates under ``[acts.<id>]``; its base rate stays in
``behaviour.rates``. The kind is declared, never inferred from points:

* ``harmful`` acts are deterred by their expected cost and scale with the person's propensity;
* ``prosocial`` acts are effort: more frequent under an incentive, when a regime rewards them
  and can see them;
* ``neutral`` acts (purchases) and ``compliance`` acts (paying a debt, performing a judgment)
  occur at their base rate.

Acts that no regime scores and no source sees are allowed: they occur, and are counted as
occurring, but are never recorded, so the unmeasured part of conduct stays visible.
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING, Annotated, Literal

import numpy as np
from numba import njit
from pydantic import BaseModel, ConfigDict, Field, model_validator

from scslab.rng import Keyed, philox, u01

if TYPE_CHECKING:
    from scslab.society import Society

ADULT_AGE = 18  # full civil capacity at 18: Civil Code of the PRC, Art. 17 (default eligibility)
MAX_AGE = 100  # [years], as the society's ages
MAX_VALUE = 1e9  # bound of a declared value (yuan, years, ...): beyond it a typo, and float-safe

KINDS = ("harmful", "prosocial", "neutral", "compliance")
Kind = Literal["harmful", "prosocial", "neutral", "compliance"]


class ValueDist(BaseModel):
    """The value an act carries (a purchase in yuan, a debt, extension years).

    ``fixed``: always ``value``. ``lognormal``: median ``median``, log-sd ``sigma``.
    ``integers``: uniform on ``low..high``. A lognormal value is scaled by the person's
    ability to pay to the power ``income_elasticity`` (relative income, median 1).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    dist: Literal["fixed", "lognormal", "integers"]
    unit: str = Field("", max_length=40, description="what the value counts (yuan, years, ...)")
    value: float | None = Field(None, ge=0, le=MAX_VALUE, allow_inf_nan=False)
    median: float | None = Field(None, gt=0, le=MAX_VALUE, allow_inf_nan=False)
    sigma: float | None = Field(None, ge=0, le=5, allow_inf_nan=False)
    income_elasticity: float = Field(0.0, ge=-5, le=5, allow_inf_nan=False)
    low: int | None = Field(None, ge=0, le=int(MAX_VALUE))
    high: int | None = Field(None, ge=0, le=int(MAX_VALUE))

    @model_validator(mode="after")
    def _needs(self) -> ValueDist:
        need = {"fixed": ("value",), "lognormal": ("median", "sigma"), "integers": ("low", "high")}
        missing = [k for k in need[self.dist] if getattr(self, k) is None]
        if missing:
            raise ValueError(f"a {self.dist} value needs {' and '.join(missing)}")
        if self.dist == "integers" and self.low is not None and self.high is not None \
                and self.low > self.high:
            raise ValueError(f"low ({self.low}) must not exceed high ({self.high})")
        return self


Factor = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]


class Multipliers(BaseModel):
    """Rate multipliers of an act by synthetic attribute (1 for any level not named).

    ``age``: steps ``[[18, 1.6], [30, 1.0], [60, 0.4]]``: 1 below the first age, then each factor
    from its age on. ``income_quintile``: five factors, poorest fifth first, by ability to pay.
    ``region``: 6-digit division codes of the society. ``household_role``: ``head`` is the
    household's first member (an adult), ``member`` anyone else.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    age: list[tuple[Annotated[int, Field(ge=0, le=MAX_AGE)], Factor]] = Field(
        default_factory=list, max_length=16,
        description="[from_age, factor] steps, ascending: the factor holds from that age [years]")
    sex: dict[Literal["male", "female"], Factor] = Field(
        default_factory=dict, description="rate multiplier by sex")
    income_quintile: list[Factor] | None = Field(
        None, min_length=5, max_length=5,
        description="rate multiplier per fifth of ability to pay, poorest first")
    region: dict[Annotated[str, Field(pattern=r"^\d{6}$")], Factor] = Field(
        default_factory=dict, description="rate multiplier by 6-digit division code")
    household_role: dict[Literal["head", "member"], Factor] = Field(
        default_factory=dict, description="rate multiplier for household heads and other members")

    @model_validator(mode="after")
    def _ascending(self) -> Multipliers:
        ages = [a for a, _ in self.age]
        if any(b <= a for a, b in itertools.pairwise(ages)):
            raise ValueError(f"age steps must start at ascending ages, got {ages}")
        return self


class ActSpec(BaseModel):
    """One simulated act: its kind, who may commit it [years of age] and its value."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Kind = Field(description="harmful, prosocial, neutral or compliance")
    min_age: int = Field(ADULT_AGE, ge=0, le=MAX_AGE, description="youngest age that commits it [years]")
    max_age: int | None = Field(None, ge=0, le=MAX_AGE, description="oldest age [years]; none: no limit")
    value: ValueDist | None = Field(None, description="the value each occurrence carries")
    multipliers: Multipliers | None = Field(None, description="rate multipliers by attribute")
    sources: list[str] = Field(default_factory=list, description="citations (URLs) for the values")
    verified: bool = Field(True, description="false where a value rests on an assumption")
    note: str = Field("", max_length=2000)

    @model_validator(mode="after")
    def _ages(self) -> ActSpec:
        if self.max_age is not None and self.max_age < self.min_age:
            raise ValueError(f"max_age ({self.max_age}) is below min_age ({self.min_age})")
        if self.min_age < ADULT_AGE and not self.sources and self.verified:
            raise ValueError(f"children ({self.min_age} and up) commit this act only as a "
                             "documented exception: give its sources, or verified = false")
        return self


# ---------------------------------------------------------------------------------- values
_DIST = {"fixed": 0, "lognormal": 1, "integers": 2}


@njit(cache=True, nogil=True)
def _values(subj, act, luck, day, code, a, b, elasticity, ability, n_persons, k0, k1, sid):
    """Each record's value, keyed by (subject, day, luck): a pure function of the occurrence."""
    n = subj.shape[0]
    out = np.ones(n)
    # The persons' abilities are gathered first, in a loop of independent loads whose cache
    # misses overlap: read inside the draw loop below, each miss waited behind the long chain
    # of the draw (measured at 10^6 persons: 250 ns a value instead of 100).
    scale = np.ones(n)
    for i in range(n):
        s = subj[i]
        if s < n_persons:
            scale[i] = ability[s]
    for i in range(n):
        j = act[i]
        kind = code[j]
        if kind < 0:
            continue
        if kind == 0:
            out[i] = a[j]
            continue
        x0, x1, _, _ = philox(subj[i], day, luck[i], sid, k0, k1)
        if kind == 1:
            z = math.sqrt(-2.0 * math.log(u01(x0))) * math.cos(2.0 * math.pi * u01(x1))
            v = a[j] * math.exp(b[j] * z)
            if elasticity[j] != 0.0 and subj[i] < n_persons:
                # The common elasticity 1 is a product: pow costs more than the rest of the draw.
                v *= scale[i] if elasticity[j] == 1.0 else scale[i] ** elasticity[j]
            out[i] = v
        else:
            out[i] = a[j] + min(b[j] - a[j], math.floor(u01(x0) * (b[j] - a[j] + 1)))
    return out


class Values:
    """Draws the value each recorded act carries (acts without a declared value carry 1).

    Args:
        dists: the declared value per act (None: none).
        society: its ``ability_to_pay`` (relative income, read only when some value scales with
            it) and ``n_persons`` (organisations' values are not scaled).
        stream: the keyed stream ``conduct.values``.
    """

    def __init__(self, dists: tuple[ValueDist | None, ...], society: Society, stream: Keyed) -> None:
        n = len(dists)
        self.code = np.full(n, -1, np.int8)
        self.a, self.b, self.e = np.zeros(n), np.zeros(n), np.zeros(n)
        for j, d in enumerate(dists):
            if d is None:
                continue
            self.code[j] = _DIST[d.dist]
            self.a[j] = {"fixed": d.value, "lognormal": d.median, "integers": d.low}[d.dist] or 0.0
            self.b[j] = {"fixed": 0.0, "lognormal": d.sigma, "integers": d.high}[d.dist] or 0.0
            self.e[j] = d.income_elasticity if d.dist == "lognormal" else 0.0
        self.any = bool((self.code >= 0).any())
        self.ability = np.asarray(society.ability_to_pay, np.float64) if self.e.any() else np.ones(1)
        self.n_persons, self.stream = society.n_persons, stream

    def lose_ability(self, persons: np.ndarray, factor: float) -> None:
        """Persons ``persons`` keep ``factor`` of their ability to pay (a job lost to shaming).

        Only the values drawn from then on scale with the lower income; income quintile cells
        are fixed for the run.
        """
        if self.e.any() and len(persons) and factor < 1:
            self.ability[np.unique(persons)] *= factor

    def draw(self, day: int, subj: np.ndarray, act: np.ndarray, luck: np.ndarray) -> np.ndarray | None:
        """Values of records (subject, act, luck) of day ``day`` (relative); None: all 1."""
        if not self.any:
            return None
        k = self.stream
        return _values(subj, act, luck, day, self.code, self.a, self.b, self.e, self.ability,
                       self.n_persons if self.e.any() else 0, k.k0, k.k1, k.sid)
