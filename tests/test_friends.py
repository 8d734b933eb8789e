"""The live friend graph: edits against a set-of-ties model, reviews against a brute-force
reference, batch independence, assortativity and the friends' mean."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scslab.rng import Keyed, Streams
from scslab.society import SocietyParams, build_society
from scslab.society.friends import Friends, review_ties

# ------------------------------------------------------------------------------ helpers


def ties_of(indptr: np.ndarray, indices: np.ndarray) -> set[tuple[int, int]]:
    """Undirected ties of a CSR as (min, max) pairs, checking that it is valid and symmetric."""
    n = len(indptr) - 1
    assert indptr.dtype == np.int64 and indices.dtype == np.int32
    assert indptr[0] == 0 and indptr[-1] == len(indices) and (np.diff(indptr) >= 0).all()
    directed = set()
    for i in range(n):
        row = indices[indptr[i]:indptr[i + 1]].tolist()
        assert row == sorted(set(row)), "rows ascending without repeats"
        assert i not in row, "no self loops"
        assert all(0 <= j < n for j in row)
        directed |= {(i, j) for j in row}
    assert all((j, i) in directed for i, j in directed), "symmetric"
    return {(i, j) for i, j in directed if i < j}


def model_csr(n: int, ties: set[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    rows: list[list[int]] = [[] for _ in range(n)]
    for a, b in ties:
        rows[a].append(b)
        rows[b].append(a)
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum([len(r) for r in rows], out=indptr[1:])
    return indptr, np.array([j for r in rows for j in sorted(r)], np.int32)


def norm(pairs) -> set[tuple[int, int]]:
    return {(min(a, b), max(a, b)) for a, b in pairs if a != b}


def graph_of(n: int, ties: set[tuple[int, int]]) -> Friends:
    return Friends.from_csr(*model_csr(n, ties))


pairs_st = st.lists(st.tuples(st.integers(0, 19), st.integers(0, 19)), max_size=40)


# -------------------------------------------------------------------------------- editing
@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 20), initial=pairs_st,
       ops=st.lists(st.tuples(st.booleans(), pairs_st), max_size=12))
def test_edits_keep_a_valid_symmetric_graph_equal_to_a_set_of_ties(n, initial, ops):
    initial = [(a % n, b % n) for a, b in initial]
    model = norm(initial)
    src = np.array([a for a, _ in initial], np.int64)
    dst = np.array([b for _, b in initial], np.int32)
    # As an arbitrary (one-sided, repeated) CSR: every entry is read as an undirected tie.
    order = np.argsort(src, kind="stable")
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    g = Friends.from_csr(indptr, dst[order], n)
    assert ties_of(*g.csr()) == model
    for is_add, pairs in ops:
        pairs = [(a % n, b % n) for a, b in pairs]
        u = np.array([a for a, _ in pairs], np.int64)
        v = np.array([b for _, b in pairs], np.int64)
        want = norm(pairs)
        if is_add:
            assert g.add(u, v) == len(want - model)
            model |= want
        else:
            assert g.drop(u, v) == len(want & model)
            model -= want
        assert ties_of(*g.csr()) == model
        assert g.n_ties == len(model)
    indptr, indices = g.csr()
    for p in range(n):
        assert g.neighbours(p).tolist() == indices[indptr[p]:indptr[p + 1]].tolist()
        assert g.degree(p) == indptr[p + 1] - indptr[p]
    if n > 1:
        u, v = np.meshgrid(np.arange(n), np.arange(n))
        assert g.has(u.ravel(), v.ravel()).tolist() == \
            [(min(a, b), max(a, b)) in model for a, b in zip(u.ravel(), v.ravel(), strict=True)]


def test_full_rows_move_and_the_pool_is_compacted_without_losing_ties():
    n = 50
    g = Friends.from_csr(np.zeros(n + 1, np.int64), np.zeros(0, np.int32))
    model: set[tuple[int, int]] = set()
    rng = np.random.default_rng(5)
    compacted = False
    for _ in range(200):
        u, v = rng.integers(0, n, 20), rng.integers(0, n, 20)
        garbage = g.garbage
        g.add(u, v)
        compacted |= g.garbage < garbage
        model |= norm(zip(u.tolist(), v.tolist(), strict=True))
        d, e = rng.integers(0, n, 10), rng.integers(0, n, 10)
        g.drop(d, e)
        model -= norm(zip(d.tolist(), e.tolist(), strict=True))
    assert compacted, "the test should reach a compaction"
    assert ties_of(*g.csr()) == model
    assert g.used <= len(g.nbr) and (g.deg <= g.cap).all()


def test_an_edit_costs_in_proportion_to_itself_not_to_the_graph():
    s = build_society(SocietyParams(persons=200_000, mean_friends=6), Streams(1))
    g = s.friend_graph()
    slots = len(g.nbr)
    # A person's row is full after a few additions: it moves, the rest stays where it is.
    before, degree = g.start.copy(), int(g.degree(7))
    for k in range(10):
        g.add(np.array([7]), np.array([1000 + k]))
    moved = np.flatnonzero(g.start != before)
    assert set(moved.tolist()) <= {7, *range(1000, 1010)}
    assert g.used - slots < 100 and g.degree(7) == degree + 10


def test_the_society_shares_one_live_graph_that_starts_as_its_friends():
    s = build_society(SocietyParams(persons=3_000, mean_friends=5), Streams(3))
    g = s.friend_graph()
    assert s.friend_graph() is g
    indptr, indices = s.friends()
    a, b = g.csr()
    assert (a == indptr).all() and (b == indices).all()
    # Built without the cached CSR too (a run keeps one copy), and the same.
    t = build_society(SocietyParams(persons=3_000, mean_friends=5), Streams(3)).friend_graph()
    assert ties_of(*t.csr()) == ties_of(*g.csr())


def test_bad_pairs_are_refused():
    g = graph_of(3, {(0, 1)})
    with pytest.raises(ValueError, match="outside"):
        g.add(np.array([0]), np.array([3]))
    with pytest.raises(ValueError, match="as many"):
        g.drop(np.array([0, 1]), np.array([1]))
    with pytest.raises(ValueError, match="beyond"):
        Friends.from_csr(np.array([0, 1]), np.array([4]))


# ------------------------------------------------------------------------ assortativity
@settings(max_examples=100, deadline=None)
@given(n=st.integers(2, 20), ties=pairs_st, scores=st.lists(st.integers(300, 950), min_size=20,
                                                             max_size=20))
def test_assortativity_is_the_correlation_over_both_directions_of_every_tie(n, ties, scores):
    model = norm((a % n, b % n) for a, b in ties)
    score = np.array(scores[:n])
    r = graph_of(n, model).assortativity(score)
    x = [score[a] for a, b in model] + [score[b] for a, b in model]
    y = [score[b] for a, b in model] + [score[a] for a, b in model]
    if not model or np.var(x) == 0:
        assert np.isnan(r)
    else:
        assert r == pytest.approx(np.corrcoef(x, y)[0, 1], abs=1e-9)


def test_assortativity_sees_like_befriending_like():
    # Two cliques of different scores, one tie between them: strongly assortative.
    ties = {(a, b) for a in range(5) for b in range(a + 1, 5)}
    ties |= {(a, b) for a in range(5, 10) for b in range(a + 1, 10)} | {(0, 5)}
    score = np.array([900] * 5 + [400] * 5)
    assert graph_of(10, ties).assortativity(score) > 0.8
    g = graph_of(4, {(0, 1), (2, 3), (0, 2)})
    assert np.isnan(g.assortativity(np.full(4, 600)))


@settings(max_examples=100, deadline=None)
@given(n=st.integers(1, 20), ties=pairs_st, extra=st.integers(0, 3))
def test_the_friends_mean_reads_the_live_graph(n, ties, extra):
    model = norm((a % n, b % n) for a, b in ties)
    g = graph_of(n, model)
    score = np.arange(n + extra) * 10 + 300
    got = g.mean_of(score, 350.0)
    for p in range(n + extra):
        f = [b for a, b in model if a == p] + [a for a, b in model if b == p]
        assert got[p] == (np.mean(score[f]) if f else 350.0)


# -------------------------------------------------------------------------------- reviews
PARAMS = st.fixed_dictionaries({
    "drop_below": st.integers(0, 10), "p_drop": st.sampled_from([0.0, 0.3, 0.7, 1.0]),
    "seek_above": st.integers(0, 10), "p_seek": st.sampled_from([0.0, 0.4, 1.0]),
    "tries": st.integers(0, 4),
    "accept_above": st.sampled_from([-np.inf, 0, 3, 7])})


def reference(n, ties, reviewers, score, day, stream, drop_below, p_drop, seek_above, p_seek,
              tries, accept_above=-np.inf):
    """One day in plain Python: decide from the start of the day, drops first, then seeks."""
    g0 = set(ties)
    drops, seeks = set(), set()
    for r in reviewers:
        for f in sorted({b for a, b in g0 if a == r} | {a for a, b in g0 if b == r}):
            if score[f] < drop_below and stream.uniform([r], day, 2**31 | f)[0] < p_drop:
                drops.add((min(r, f), max(r, f)))
        if stream.uniform([r], day, 0)[0] < p_seek and score[r] >= accept_above:
            for j in range(tries):
                c = min(n - 1, int((int(stream.words([r], day, 1 + j)[0]) + 0.5) / 2**32 * n))
                if c != r and score[c] >= seek_above:
                    seeks.add((min(r, c), max(r, c)))
                    break
    final = (g0 - drops) | seeks
    return final, len(g0 - final), len(final - g0)


review_case = st.fixed_dictionaries({
    "n": st.integers(1, 16), "ties": pairs_st, "seed": st.integers(0, 2**32),
    "scores": st.lists(st.integers(0, 10), min_size=16, max_size=16),
    "who": st.lists(st.integers(0, 2), min_size=16, max_size=16),  # 0 no, 1 batch A, 2 batch B
    "params": PARAMS, "day": st.integers(0, 30_000)})


@settings(max_examples=300, deadline=None)
@given(case=review_case)
def test_review_ties_matches_a_brute_force_reference(case):
    n = case["n"]
    ties = norm((a % n, b % n) for a, b in case["ties"])
    score = np.array(case["scores"][:n])
    reviewers = np.array([p for p in range(n) if case["who"][p]], np.int64)
    stream = Keyed(case["seed"], "conduct.friends")
    g = graph_of(n, ties)
    got = review_ties(g, reviewers, score, case["day"], stream, **case["params"])
    final, dropped, formed = reference(n, ties, reviewers.tolist(), score, case["day"], stream,
                                       **case["params"])
    assert ties_of(*g.csr()) == final
    assert got == (dropped, formed)


@settings(max_examples=300, deadline=None)
@given(case=review_case, a_first=st.booleans())
def test_review_ties_is_the_same_in_two_batches_in_either_order(case, a_first):
    n = case["n"]
    ties = norm((a % n, b % n) for a, b in case["ties"])
    score = np.array(case["scores"][:n])
    who = np.array(case["who"][:n])
    stream = Keyed(case["seed"], "conduct.friends")
    day = case["day"]
    one = graph_of(n, ties)
    whole = review_ties(one, np.flatnonzero(who > 0), score, day, stream, **case["params"])
    two = graph_of(n, ties)
    batches = [np.flatnonzero(who == 1), np.flatnonzero(who == 2)]
    if not a_first:
        batches.reverse()
    parts = [review_ties(two, b, score, day, stream, **case["params"]) for b in batches]
    assert ties_of(*two.csr()) == ties_of(*one.csr())
    assert (sum(p[0] for p in parts), sum(p[1] for p in parts)) == whole
    # The next day starts afresh, from the graph the day left.
    nxt = [review_ties(g, np.arange(n), score, day + 1, stream, **case["params"])
           for g in (one, two)]
    assert nxt[0] == nxt[1] and ties_of(*one.csr()) == ties_of(*two.csr())


def test_a_tie_dropped_and_sought_on_one_day_stays_and_counts_as_neither():
    # 0 has a low score, 1 a high one: 1 drops 0 for sure, 0 seeks someone high for sure.
    n = 2
    score = np.array([0, 10])
    stream = Keyed(1, "conduct.friends")
    kw = {"drop_below": 5, "p_drop": 1.0, "seek_above": 5, "p_seek": 1.0, "tries": 50}
    for batches in ([[0, 1]], [[0], [1]], [[1], [0]]):
        g = graph_of(n, {(0, 1)})
        counts = [review_ties(g, np.array(b), score, 3, stream, **kw) for b in batches]
        assert g.n_ties == 1
        assert (sum(c[0] for c in counts), sum(c[1] for c in counts)) == (0, 0)
    # Apart, the drop and the seek each happen.
    g = graph_of(n, {(0, 1)})
    assert review_ties(g, np.array([1]), score, 4, stream, **kw) == (1, 0) and g.n_ties == 0
    assert review_ties(g, np.array([0]), score, 5, stream, **kw) == (0, 1) and g.n_ties == 1


def test_reviews_are_checked():
    g = graph_of(3, {(0, 1)})
    s = Keyed(1, "conduct.friends")
    kw = {"drop_below": 5, "p_drop": 1.0, "seek_above": 5, "p_seek": 1.0, "tries": 1}
    with pytest.raises(ValueError, match="sorted"):
        review_ties(g, np.array([1, 0]), np.zeros(3), 1, s, **kw)
    review_ties(g, np.array([0]), np.zeros(3), 2, s, **kw)
    with pytest.raises(ValueError, match="after day"):
        review_ties(g, np.array([0]), np.zeros(3), 1, s, **kw)
