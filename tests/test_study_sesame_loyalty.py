"""The sesame-loyalty study's own arithmetic: the rank AUC with ties and the points a purchase buys."""

from __future__ import annotations

import math

import numpy as np

from scslab.regime.factor import FactorSpec
from scslab.regime.load import load_rulebook
from scslab.studies.measures.sesame_loyalty import auc, average_ranks, factor_gain


def test_average_ranks_share_ties() -> None:
    assert average_ranks(np.array([3.0, 1.0, 3.0, 2.0])).tolist() == [3.5, 1.0, 3.5, 2.0]


def test_auc_by_hand() -> None:
    # Scores 1, 2, 3, 4; defaulters are the first and third. Risk is minus the score. Of the four
    # (defaulter, non-defaulter) pairs the defaulter scores lower in three: 1<2, 1<4, 3<4.
    s = np.array([1.0, 2.0, 3.0, 4.0])
    assert auc(-s, np.array([True, False, True, False])) == 0.75
    # A tie counts one half: scores 5, 5, 6 with the first a defaulter: (0.5 + 1) / 2.
    assert auc(-np.array([5.0, 5.0, 6.0]), np.array([True, False, False])) == 0.75
    # Perfect, reversed, and undefined.
    assert auc(-s, s < 2.5) == 1.0
    assert auc(s, s < 2.5) == 0.0
    assert math.isnan(auc(s, np.zeros(4, bool)))


def test_auc_agrees_with_pair_counting() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(0, 6, 60).astype(float)
    y = rng.random(60) < 0.3
    pos, neg = x[y], x[~y]
    wins = sum((p > q) + 0.5 * (p == q) for p in pos for q in neg)
    assert math.isclose(auc(x, y), wins / (len(pos) * len(neg)))


def test_points_per_yuan_follow_the_sesame_curve() -> None:
    rb = load_rulebook("sesame")
    spec = FactorSpec(rb)
    i = [a.id for a in rb.acts].index("platform_spending")
    # Behaviour and preferences: weight 20 of 100, curve 0.3 at 10,000 yuan, 0.6 at 50,000;
    # a unit of weight x value is 6 points, so 10,000 yuan buy 600 * 0.2 * 0.3 = 36 points.
    got = factor_gain(spec, i, "value_sum", np.array([0.0, 10_000.0, 50_000.0, 90_000.0]), 0.0)
    assert np.allclose(got, [0.0, 36.0, 72.0, 72.0])
    marg = factor_gain(spec, i, "value_sum", np.array([0.0, 20_000.0]), 1000.0,
                       base=np.array([0.0, 20_000.0]))
    assert np.allclose(marg, [3.6, 0.9])
