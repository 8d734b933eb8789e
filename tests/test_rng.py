"""The keyed generator: Philox4x32-10 known answers, distributions, and order independence."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scslab.rng import Keyed, Streams, philox, poisson

# Known-answer vectors of Philox4x32-10 from Random123's kat_vectors (counter, key -> output).
KAT = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


@pytest.mark.parametrize(("ctr", "key", "want"), KAT)
def test_philox_known_answers(ctr, key, want):
    assert tuple(int(x) for x in philox(*ctr, *key)) == want


def test_uniforms_and_normals_have_their_moments():
    k = Keyed(11, "test.moments")
    n = 400_000
    u = k.uniform(np.arange(n))
    assert 0 < u.min() and u.max() < 1
    assert abs(u.mean() - 0.5) < 5 * np.sqrt(1 / 12 / n)
    assert abs(np.histogram(u, 10, (0, 1))[0] / n - 0.1).max() < 0.005
    z = k.normal(np.arange(n))
    assert abs(z.mean()) < 5 / np.sqrt(n) and abs(z.std() - 1) < 0.01
    e = k.exponential(np.arange(n), 3)
    assert abs(e.mean() - 1) < 5 / np.sqrt(n)


@pytest.mark.parametrize("lam", [0.3, 4.0, 9.9, 10.0, 57.0, 3000.0])
def test_poisson_mean_and_variance(lam):
    k = Keyed(5, "test.poisson")
    x = np.array([poisson(lam, k.k0, k.k1, k.sid, i, 0) for i in range(40_000)], float)
    se = np.sqrt(lam / len(x))
    assert abs(x.mean() - lam) < 5 * se
    assert abs(x.var() / lam - 1) < 0.05
    assert (x >= 0).all()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 2**31 - 1), min_size=1, max_size=50, unique=True),
       st.integers(0, 2**63 - 1), st.integers(0, 30_000), st.randoms(use_true_random=False))
def test_a_draw_depends_on_its_key_only(ids, seed, day, rnd):
    """Draws are the same in any order and in any grouping of the ids."""
    k = Keyed(seed, "test.order")
    ids = np.array(ids, np.int64)
    whole = dict(zip(ids.tolist(), k.uniform(ids, day).tolist(), strict=True))
    shuffled = ids.copy()
    rnd.shuffle(shuffled)
    cut = rnd.randint(0, len(ids))
    parts = [shuffled[:cut], shuffled[cut:]]
    again = {i: u for p in parts for i, u in zip(p.tolist(), k.uniform(p, day).tolist(), strict=True)}
    assert again == whole


def test_streams_seeds_and_days_are_independent():
    ids = np.arange(50_000)
    a = Keyed(1, "a").uniform(ids)
    for other in (Keyed(1, "b").uniform(ids), Keyed(2, "a").uniform(ids), Keyed(1, "a").uniform(ids, 1)):
        assert abs(np.corrcoef(a, other)[0, 1]) < 0.03
        assert not np.array_equal(a, other)
    assert np.array_equal(a, Streams(1).keyed("a").uniform(ids))


def test_negative_seed_is_refused():
    with pytest.raises(ValueError, match="non-negative"):
        Streams(-1)


def test_words_are_the_uniforms_bits():
    k = Keyed(9, "test.words")
    ids = np.arange(10_000)
    assert np.array_equal(k.words(ids, 4, 1).astype(np.float64),
                          np.floor(k.uniform(ids, 4, 1) * 2.0**32))
