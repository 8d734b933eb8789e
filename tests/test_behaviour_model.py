"""The behaviour model (standing, awareness, checks, offsetting, effort) against a brute force.

``brute_force`` re-implements docs/behaviour.md literally, day by day for every person, with
its own formulas (nothing from scslab.conduct), and the event-driven scheduler must agree with
it within 5 standard errors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from scslab.sim import Simulation
from scslab.sim.scenario import scenario_from_data

RULEBOOK = """
[regime]
id = "ref"
name = "Reference points"
description = "Three bands: a privileged top, a plain middle, a restricted bottom."
jurisdiction = "synthetic"
subject_kinds = ["person"]
verified = false
[score]
initial = 1000
verified = false
[[bands]]
label = "P"
min = 1040
verified = false
[[bands]]
label = "N"
min = 960
verified = false
[[bands]]
label = "R"
verified = false
[[acts]]
id = "bad1"
category = "civic"
points = -10
verified = false
[[acts]]
id = "bad2"
category = "civic"
points = -30
verified = false
[[acts]]
id = "good"
category = "civic"
points = 10
verified = false
[[consequences]]
band = "P"
privileges = ["perk"]
verified = false
[[consequences]]
band = "R"
restrictions = ["ban"]
verified = false
[[sources]]
key = "TEST"
title = "a test rulebook"
url = "docs/behaviour.md"
"""

# act: (kind, base rate [per day], points, detection)
ACTS = {
    "bad1": ("harmful", 1 / 40, -10, 0.5),
    "bad2": ("harmful", 1 / 200, -30, 1.0),
    "good": ("prosocial", 1 / 50, 10, 0.8),
    "unseen": ("prosocial", 1 / 50, 0, 0.0),  # no regime knows it: never recorded
}
DETER = (3.0, 2.0, 1.0, 0.8, 0.5)  # by rank: restricted .. privileged
STRIVE = (1.0, 1.0, 1.0, 2.0, 1.0)
OFFSET, ETA, AWARE, CHECKS, MARGIN = 1.0, 1.5, 0.6, 36.0, 20
MINS = (960, 1040)  # band N from 960, P from 1040


def scenario(tmp_path):
    (tmp_path / "ref.toml").write_text(RULEBOOK)
    data = {
        "regimes": [str(tmp_path / "ref.toml")],
        "scenario": {"name": "ref"},
        "society": {"share_under_15": 0.0, "share_60_plus": 0.2},
        "acts": {a: {"kind": k, "min_age": 0, "verified": False} for a, (k, *_) in ACTS.items()},
        "behaviour": {
            "rates": {a: v[1] for a, v in ACTS.items()},
            "answers_to": {"ref": {"margin": MARGIN}},
            "deterrence": dict(zip(("restricted", "near_restriction", "clear", "near_privilege",
                                    "privileged"), DETER, strict=True)),
            "striving": dict(zip(("restricted", "near_restriction", "clear", "near_privilege",
                                  "privileged"), STRIVE, strict=True)),
            "offset_strength": OFFSET, "offset_target": "band", "effort_response": ETA,
            "aware_share": AWARE, "checks_per_year": CHECKS,
        },
        "sources": {"detection": {a: v[3] for a, v in ACTS.items() if v[3] > 0}},
    }
    return scenario_from_data(data, "ref-scenario")


def band(x):
    """0 = R, 1 = N, 2 = P."""
    return (x >= MINS[0]).astype(int) + (x >= MINS[1])


def true_rank(x):
    r = np.full(len(x), 2)
    r[band(x + MARGIN) == 2] = 3
    r[band(x - MARGIN) == 0] = 1
    r[band(x) == 2] = 4
    r[band(x) == 0] = 0
    return r


def rates(rank, off, aware, m):
    """Per act, each person's rate today [per day] (docs/behaviour.md#rates)."""
    out = {}
    for a, (kind, base, pts, det) in ACTS.items():
        if kind == "harmful":
            beta = np.array(DETER)[rank]
            out[a] = base * m * np.exp(-beta * det * aware * -pts / 100)
    raw = {a: ACTS[a][1] * np.exp(ETA * aware * ACTS[a][3] * max(ACTS[a][2], 0) / 100)
           for a in ("good", "unseen")}
    total = sum(ACTS[a][1] for a in raw)
    for a, r in raw.items():
        out[a] = r * total / (raw["good"] + raw["unseen"])
    out["good"] = out["good"] * np.array(STRIVE)[rank] * (1 + OFFSET * off)
    return out


def brute_force(m, aware, days, rng):
    n = len(m)
    score = np.full(n, 1000)
    rank = np.where(aware, true_rank(score), 2)
    seen = np.where(aware, band(score), -1)
    target = np.full(n, -1)
    off = np.zeros(n, bool)
    occurred = dict.fromkeys(ACTS, 0)
    for _ in range(days):
        lam = rates(rank, off, aware, m)
        pts = np.zeros(n, int)
        touched = np.zeros(n, bool)
        for a, (_, _, p, det) in ACTS.items():
            k = rng.poisson(lam[a])
            occurred[a] += int(k.sum())
            rec = rng.binomial(k, det)
            pts += rec * p
            touched |= rec > 0
        score = score + pts
        checked = aware & (rng.poisson(CHECKS / 365.25, n) > 0)
        tr = true_rank(score)
        met = np.where(rank == 0, np.where(tr == 0, 0, 2), rank)
        new_rank = np.where(checked, tr, np.where(touched, met, rank))
        b = band(score)
        fell = checked & (seen >= 0) & (b < seen)
        target = np.where(fell, np.where(target < 0, seen, np.maximum(target, seen)), target)
        target = np.where(checked & (target >= 0) & (b >= target), -1, target)
        seen = np.where(checked, b, seen)
        off = np.where(checked, target >= 0, off)
        rank = new_rank
    return score, occurred


@pytest.mark.parametrize("seed", [5])
def test_event_driven_matches_brute_force(tmp_path, seed):
    n, days = 20_000, 120
    sim = Simulation(scenario(tmp_path), persons=n, days=days, seed=seed).init()
    daily = sim.run()
    m = sim.society.propensity.astype(np.float64)
    aware = sim.perception.aware(np.arange(n))
    assert abs(aware.mean() - AWARE) < 0.02
    ev = sim.engines[0].score[:n].astype(np.float64)
    bf_score, bf_occ = brute_force(m, aware, days, np.random.default_rng(seed + 100))
    bf = bf_score.astype(np.float64)
    se = math.sqrt(ev.var() / n + bf.var() / n)
    assert abs(ev.mean() - bf.mean()) < 5 * se, (ev.mean(), bf.mean(), se)
    assert abs(ev.std() - bf.std()) / bf.std() < 0.05
    for b in range(3):
        p_ev, p_bf = np.mean(band(ev) == b), np.mean(band(bf) == b)
        assert abs(p_ev - p_bf) < 5 * math.sqrt(p_bf * (1 - p_bf) * 2 / n) + 1e-3, (b, p_ev, p_bf)
    for j, a in enumerate(sim.act_ids):
        o_ev, o_bf = int(daily.occurred[:, j].sum()), bf_occ[a]
        assert abs(o_ev - o_bf) < 5 * math.sqrt(2 * o_bf) + 5, (a, o_ev, o_bf)
    assert daily.recorded[:, sim.act_ids.index("unseen")].sum() == 0
    checks = sum(s.checks for s in sim.schedulers)
    want = aware.sum() * days * CHECKS / 365.25
    assert abs(checks - want) < 5 * math.sqrt(want), (checks, want)
