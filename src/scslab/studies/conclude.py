"""A study's conclusion, computed from its results: paired differences, never the seed's word.

For each headline metric and each arm, the paired difference from the reference arm (the
first) over seeds decides: "higher" or "lower" when its 95 % interval excludes zero, else "no
detectable difference". The seed's claim, when the study states one, is then *supported*,
*contradicted* or left *undecided* by the sign of its own difference.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pyarrow.compute as pc

from scslab.experiment.report import fmt

if TYPE_CHECKING:
    from scslab.studies.run import StudyResult


def direction(lo: float, hi: float) -> str:
    """``higher``, ``lower`` or ``same`` by whether the interval [lo, hi] excludes zero."""
    if math.isnan(lo) or math.isnan(hi):
        return "same"
    if lo > 0:
        return "higher"
    if hi < 0:
        return "lower"
    return "same"


def differences(res: StudyResult) -> dict[tuple[str, str], tuple[float, float, float]]:
    """``(arm, metric) -> (mean, ci_low, ci_high)`` of arm − reference, paired by seed."""
    d = res.paired()
    cols = [d.column(c).to_pylist() for c in ("arm", "metric", "mean", "ci_low", "ci_high")]
    return {(a, m): (x, lo, hi) for a, m, x, lo, hi in zip(*cols, strict=True)}


def claim_verdict(res: StudyResult) -> str | None:
    """``supported``, ``contradicted`` or ``undecided`` for the study's claim (None: no claim)."""
    c = res.study.claim
    if c is None:
        return None
    diff = _claim_difference(res)
    if diff is None:
        return "undecided"
    got = direction(diff[1], diff[2])
    if got == "same":
        return "undecided"
    return "supported" if got == c.direction else "contradicted"


def _claim_difference(res: StudyResult) -> tuple[float, float, float] | None:
    """Arm − reference of the claim's metric, paired by seed (the sign flipped as needed)."""
    c = res.study.claim
    assert c is not None
    ref0 = res.study.arms[0].name
    diffs = differences(res)
    if c.reference == ref0:
        return diffs.get((c.arm, c.metric))
    if c.arm == ref0:
        d = diffs.get((c.reference, c.metric))
        return None if d is None else (-d[0], -d[2], -d[1])
    # Neither is the reference: paired difference of the two arms seed by seed.
    sc = res.runs.filter(pc.is_null(res.runs.column("date")))
    sc = sc.filter(pc.equal(sc.column("metric"), c.metric))
    by: dict[tuple[str, int], float] = {
        (a, s): v for a, s, v in zip(sc.column("arm").to_pylist(), sc.column("seed").to_pylist(),
                                     sc.column("value").to_pylist(), strict=True)}
    vals = [by[(c.arm, s)] - by[(c.reference, s)] for s in res.seeds
            if (c.arm, s) in by and (c.reference, s) in by]
    if len(vals) < 2:
        return None
    import numpy as np

    from scslab.experiment.stats import interval

    v = np.array(vals)
    m, n = np.array([v.mean()]), np.array([len(v)])
    lo, hi = interval(m, np.array([v.std(ddof=1)]), n)
    return float(m[0]), float(lo[0]), float(hi[0])


def conclusion(res: StudyResult) -> list[str]:
    """The conclusion's sentences, from the results alone."""
    out: list[str] = []
    ref = res.study.arms[0].name
    diffs = differences(res)
    for metric in res.study.metrics:
        parts = []
        for arm in res.study.arms[1:]:
            d = diffs.get((arm.name, metric))
            if d is None:
                continue
            word = {"higher": "higher than in", "lower": "lower than in",
                    "same": "not detectably different from"}[direction(d[1], d[2])]
            parts.append(f"in “{arm.name}” it is {word} “{ref}” "
                         f"(difference {fmt(d[0])}, 95 % interval {fmt(d[1])} to {fmt(d[2])})")
        if parts:
            out.append(f"{metric}: " + "; ".join(parts) + ".")
    c = res.study.claim
    verdict = claim_verdict(res)
    if c is not None:
        d = _claim_difference(res)
        shown = "" if d is None else (f" ({c.metric}, “{c.arm}” − “{c.reference}”: {fmt(d[0])}, "
                                       f"95 % interval {fmt(d[1])} to {fmt(d[2])})")
        out.append(f"The seed's claim — {c.text} — is {verdict} by these runs{shown}.")
    from scslab.studies.measures import measure_module

    extra = getattr(measure_module(res.study.measures), "conclude", None)
    if extra is not None:
        out.extend(extra(res))
    return out
