"""The ``[behaviour]`` table of a scenario: every behaviour parameter, declared once.

Each parameter has its unit, default and constraint here; its evidence is in
:data:`EVIDENCE` (sources, or ``verified = false`` with a note), which ``docs/behaviour.md``
reproduces. A scenario that sets a parameter may cite its own value in
``[behaviour.cite.<parameter>]``.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from scslab.limits import RATE
from scslab.regime.schema import SCORE_LIMIT

_MAX_FACTOR = 100.0  # factors multiply rates; above 100 they are typos, and tables stay finite
_MAX_SCORE = SCORE_LIMIT  # a score never leaves +-SCORE_LIMIT, so costs beyond it mean nothing
_STRICT = ConfigDict(extra="forbid", frozen=True)


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


Rate = Annotated[float, BeforeValidator(_rate), Field(ge=0, le=RATE)]
Cost = Annotated[float, Field(ge=0, le=_MAX_SCORE, allow_inf_nan=False)]
Factor = Annotated[float, Field(ge=0, le=_MAX_FACTOR, allow_inf_nan=False)]
Probability = Annotated[float, BeforeValidator(_rate), Field(ge=0, le=1)]


class ByRank(BaseModel):
    """One value per standing rank (:mod:`scslab.conduct.standing`)."""

    model_config = _STRICT
    restricted: Factor = Field(description="in a band or on a list that restricts")
    near_restriction: Factor = Field(description="within the margin above a restricting band")
    clear: Factor = Field(description="neither near nor in a consequence band")
    near_privilege: Factor = Field(description="within the margin below a privileged band")
    privileged: Factor = Field(description="in a band that carries a privilege")

    def values(self) -> tuple[float, ...]:
        """The five values, from restricted to privileged."""
        return (self.restricted, self.near_restriction, self.clear, self.near_privilege,
                self.privileged)


class Answer(BaseModel):
    """A regime people answer to: how much its points weigh, and what counts as near."""

    model_config = _STRICT
    weight: float = Field(1.0, ge=0, le=_MAX_FACTOR, allow_inf_nan=False,
                          description="weight of its points in expected costs and rewards")
    margin: int = Field(0, ge=0, le=_MAX_SCORE,
                        description="a consequence band within this many points is near [points]")


def _answers(v: Any) -> Any:
    """``answers_to = ["a", "b"]`` is shorthand for weight 1 and margin 0 each."""
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return {x: {} for x in v}
    return v


class ListAnswer(BaseModel):
    """Subjects on a list perform its removal act at a hazard raised by listing and denials."""

    model_config = _STRICT
    regime: str = Field(min_length=1, description="regime id holding the list")
    list: str = Field(min_length=1, description="the list whose subjects answer")
    act: str = Field(min_length=1, description="the act they perform (one of the scenario's acts)")
    base_per_year: float = Field(0.0, ge=0, le=1e6, allow_inf_nan=False,
                                 description="hazard from the day of listing [per year]")
    per_denial_per_year: float = Field(0.0, ge=0, le=1e6, allow_inf_nan=False,
                                       description="added hazard per denial [per year]")
    per_shaming_per_year: float = Field(0.0, ge=0, le=1e6, allow_inf_nan=False,
                                        description="added hazard per shaming episode, of any "
                                                    "regime [per year]")


class Friending(BaseModel):
    """Where friends' scores count, aware persons review their ties (docs/behaviour.md#friends)."""

    model_config = _STRICT
    regime: str = Field(min_length=1, description="the regime whose score friends are judged by")
    reviews_per_year: float = Field(0.0, ge=0, le=365, allow_inf_nan=False,
                                    description="reviews of one's ties [per person per year]")
    drop_below: int = Field(ge=-_MAX_SCORE, le=_MAX_SCORE,
                            description="friends scoring below this are candidates to drop [points]")
    p_drop: float = Field(0.0, ge=0, le=1, description="chance a review drops each such friend")
    seek_above: int = Field(ge=-_MAX_SCORE, le=_MAX_SCORE,
                            description="persons scoring at least this are sought as friends [points]")
    p_seek: float = Field(0.0, ge=0, le=1, description="chance a review seeks a new friend")
    tries: int = Field(3, ge=0, le=100, description="persons met per seeking review")
    mutual: bool = Field(True, description="those sought want high scores too: a tie forms only "
                                           "between two persons at or above seek_above")


class Citation(BaseModel):
    """A scenario's evidence for a value it sets."""

    model_config = _STRICT
    sources: list[str] = Field(default_factory=list, description="URLs or docs/ paths")
    verified: bool = Field(True, description="false where the value is an assumption")
    note: str = Field("", max_length=2000, description="what the value rests on")

    @model_validator(mode="after")
    def _cited(self) -> Citation:
        if self.verified and not self.sources:
            raise ValueError("give sources, or verified = false with a note")
        return self


class Behaviour(BaseModel):
    """How people act: base rates, standing, deterrence, effort, awareness, offsetting, friends."""

    model_config = _STRICT
    rates: dict[str, Rate] = Field(description="base rate per act [acts/person/day]")
    answers_to: Annotated[dict[str, Answer], BeforeValidator(_answers)] = Field(
        default_factory=dict,
        description="regimes people answer to, with weights; default: every regime, weight 1")
    deterrence: ByRank = Field(
        default_factory=lambda: ByRank(restricted=2.0, near_restriction=1.5, clear=1.0,
                                       near_privilege=1.0, privileged=1.0),
        description="beta by rank: harmful rates fall by exp(-beta * expected cost / 100)")
    striving: ByRank = Field(
        default_factory=lambda: ByRank(restricted=1.0, near_restriction=1.0, clear=1.0,
                                       near_privilege=1.5, privileged=1.0),
        description="multiplier of rewarded acts by rank")
    offset_strength: float = Field(0.5, ge=0, le=_MAX_FACTOR, allow_inf_nan=False,
                                   description="rewarded acts x (1 + this) while climbing back")
    offset_target: Literal["band", "initial"] = Field(
        "band", description="climb back to the band fallen from, or to the initial score")
    effort_response: float = Field(0.0, ge=0, le=_MAX_FACTOR, allow_inf_nan=False,
                                   description="eta: prosocial effort shifts by exp(eta * expected "
                                               "reward / 100) toward measured acts")
    perceived_detection: float = Field(1.0, ge=0, le=_MAX_FACTOR, allow_inf_nan=False,
                                       description="believed / true detection (capped at 1)")
    aware_share: float = Field(1.0, ge=0, le=1, description="share of persons who know their score")
    checks_per_year: float | None = Field(
        None, gt=0, le=365, allow_inf_nan=False,
        description="score checks [per aware person per year]; none: every change is seen at once")
    perceived_cost: dict[str, Cost] = Field(
        default_factory=dict,
        description="believed cost of acts whose cost is not points (listings) [points]")
    perceived_reward: dict[str, Cost] = Field(
        default_factory=dict,
        description="believed reward of acts a computed score rewards (spending) [points]")
    list_answers: list[ListAnswer] = Field(default_factory=list, max_length=64,
                                           description="how listed subjects answer each list")
    friends: Friending | None = Field(None, description="tie reviews where friends' scores count")
    job_loss_ability: float = Field(1.0, ge=0, le=1, allow_inf_nan=False,
                                    description="ability to pay is multiplied by this when shaming "
                                                "costs a person their job (1: unchanged)")
    organisation_rates: dict[str, Rate] = Field(
        default_factory=dict,
        description="rate per act of organisations [acts/organisation/day] (conduct.organisations)")
    cite: dict[str, Citation] = Field(
        default_factory=dict, description="evidence for the values this scenario sets")

    @model_validator(mode="after")
    def _cited_names(self) -> Behaviour:
        unknown = sorted(set(self.cite) - set(type(self).model_fields) - {"cite"})
        if unknown:
            raise ValueError(f"cite names no behaviour parameter: {', '.join(unknown)}")
        return self


_UNVERIFIED = {"verified": False}
EVIDENCE: dict[str, dict[str, Any]] = {
    # The defaults are the benchmark's illustrative values; docs/behaviour-parameters.md gathers
    # what the literature offers for each and why none of it fixes these numbers.
    "deterrence": {**_UNVERIFIED, "note": "illustrative: deterrence doubles in a restricted band"},
    "striving": {**_UNVERIFIED, "note": "illustrative: 1.5x rewarded acts near a privilege"},
    "offset_strength": {**_UNVERIFIED, "note": "illustrative: the benchmark's 1.5x below 1000"},
    "effort_response": {**_UNVERIFIED, "note": "no estimate exists; 0 keeps effort unshifted"},
    "perceived_detection": {**_UNVERIFIED, "note": "1: people believe the true detection"},
    "aware_share": {**_UNVERIFIED, "note": "1: everyone knows; Hangzhou's 76 % registration is "
                    "an upper bound for Sesame (docs/behaviour-parameters.md)"},
    "checks_per_year": {**_UNVERIFIED, "note": "none: every change is seen at once"},
}
