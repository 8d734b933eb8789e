"""The event-driven loop against the benchmark's specification (docs/benchmark.md)."""

from __future__ import annotations

import math

import numpy as np

from scslab.sim import Simulation, load_scenario

ACTS = {  # base rate, points, detection
    "traffic_ticket": (1 / 200, -5, 0.5),
    "bank_arrears_month": (1 / 400, -10, 1.0),
    "public_fee_delay": (1 / 500, -20, 0.8),
    "contract_nonperformance": (1 / 2000, -20, 1.0),
    "debt_judgment": (1 / 5000, -30, 1.0),
    "utility_theft": (1 / 20000, -60, 0.3),
    "volunteer": (1 / 60, 5, 0.6),
    "heroic_act": (1 / 10000, 30, 1.0),
}


def simulate(n, days, seed):
    sim = Simulation(load_scenario("bench"), n, days, seed, keep_ledger=False).init()
    daily = sim.run()
    return sim, daily


def brute_force(m: np.ndarray, days: int, rng: np.random.Generator) -> np.ndarray:
    """The specification, literally: every act for every person every day."""
    score = np.full(len(m), 1000, np.int64)
    for _ in range(days):
        beta = np.where(score < 960, 2.0, 1.0)
        inc = np.where(score < 1000, 1.5, 1.0)
        points = np.zeros(len(m), np.int64)
        for base, pts, det in ACTS.values():
            lam = base * m * np.exp(-beta * det * abs(pts) / 100) if pts < 0 else base * inc
            k = rng.poisson(lam)
            points += rng.binomial(k, det) * pts
        score += points
    return score


def test_day_one_mean_score_matches_analytic_expectation():
    n = 300_000
    sim, _ = simulate(n, 1, seed=7)
    m_mean = float(sim.society.propensity.astype(np.float64).mean())
    # Everyone starts at 1000: beta = 1 and no incentive on day one.
    expected = 0.0
    variance = 0.0
    for base, pts, det in ACTS.values():
        lam = base * m_mean * math.exp(-det * abs(pts) / 100) if pts < 0 else base
        expected += lam * det * pts
        variance += lam * det * pts**2  # recorded points: compound Poisson
    e = sim.engines[0]
    got = e.score_sum / n - 1000
    assert abs(got - expected) < 5 * math.sqrt(variance / n), (got, expected)


def test_day_one_occurrences_match_rates():
    n = 300_000
    sim, daily = simulate(n, 1, seed=3)
    m_sum = float(sim.society.propensity.astype(np.float64).sum())
    for i, (act, (base, pts, det)) in enumerate(ACTS.items()):
        assert sim.act_ids[i] == act
        lam = base * m_sum * math.exp(-det * abs(pts) / 100) if pts < 0 else base * n
        occ, rec = int(daily.occurred[0, i]), int(daily.recorded[0, i])
        assert abs(occ - lam) < 5 * math.sqrt(lam) + 1, (act, occ, lam)
        assert abs(rec - det * occ) < 5 * math.sqrt(occ * det * (1 - det)) + 1, (act, rec, occ)


def test_event_driven_matches_brute_force_over_a_quarter():
    n, days = 20_000, 90
    sim, _ = simulate(n, days, seed=11)
    ev = sim.engines[0].score[:n].astype(np.float64)
    bf = brute_force(sim.society.propensity.astype(np.float64), days,
                     np.random.default_rng(12)).astype(np.float64)
    se = math.sqrt(ev.var() / n + bf.var() / n)
    assert abs(ev.mean() - bf.mean()) < 5 * se, (ev.mean(), bf.mean(), se)
    assert abs(ev.std() - bf.std()) / bf.std() < 0.05
    for lo, hi in ((960, 1030), (850, 960), (1030, 1050)):
        p_ev = np.mean((ev >= lo) & (ev < hi))
        p_bf = np.mean((bf >= lo) & (bf < hi))
        assert abs(p_ev - p_bf) < 5 * math.sqrt(p_bf * (1 - p_bf) * 2 / n) + 1e-3, (lo, hi, p_ev, p_bf)


def test_same_seed_same_result_different_seed_differs():
    a, _ = simulate(5_000, 60, seed=1)
    b, _ = simulate(5_000, 60, seed=1)
    c, _ = simulate(5_000, 60, seed=2)
    assert np.array_equal(a.engines[0].score, b.engines[0].score)
    assert not np.array_equal(a.engines[0].score, c.engines[0].score)
