"""One conformance suite over every built-in regime (as scikit-learn checks every estimator).

Each property holds for any rulebook the engine can run, so each is checked on random record
sequences for every regime: point scores, factor scores, evaluations, lists, windows and triggers
alike. Regime-specific behaviour is tested in each regime's own module.
"""

from __future__ import annotations

import tomllib

import numpy as np
import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scslab.regime import (
    Records,
    Rulebook,
    builtin_regimes,
    describe_rulebook,
    explain,
    load_rulebook,
    replay,
)
from scslab.regime.ledger import NO_SCORE, LedgerLines
from scslab.regime.rules import Rule
from scslab.regime.state import STATE_FIELDS, RegimeState

REGIMES = builtin_regimes()
RULEBOOKS = {name: load_rulebook(name) for name in REGIMES}
N = 5
FIRST_DAY = 19_000  # 2022-01-08; evaluations and updates fall inside the horizon


def draws(rb: Rulebook):
    """Record sequences for ``rb``: days over ~4 years, any act, values 0-3 (extension years,
    per-value points) and ages that include minors."""
    return st.lists(st.tuples(st.integers(0, 1500), st.integers(0, N - 1),
                              st.integers(0, len(rb.acts) - 1), st.sampled_from([0.0, 1.0, 2.0, 3.0]),
                              st.sampled_from([12.0, 40.0, np.nan])),
                    min_size=1, max_size=60)


def records(draw_list) -> Records:
    draw_list = sorted(draw_list, key=lambda x: x[0])
    return Records(
        day=np.array([d for d, *_ in draw_list], np.int64) + FIRST_DAY,
        subject=np.array([s for _, s, *_ in draw_list], np.int64),
        act=np.array([a for _, _, a, *_ in draw_list], np.int64),
        value=np.array([v for *_, v, _ in draw_list], np.float64),
        age=np.array([g for *_, g in draw_list], np.float64),
        subject_ids=[f"s{i}" for i in range(N)])


def run(rb: Rulebook, recs: Records, extra: int):
    res = replay(rb, recs, as_of=int(recs.day[-1]) + extra)
    return res, res.engine.ledger.drain()


CONFORMANCE = settings(max_examples=25, deadline=None,
                       suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("name", REGIMES)
def test_score_is_initial_plus_ledger_within_bounds(name):
    rb = RULEBOOKS[name]

    @CONFORMANCE
    @given(draws(rb), st.integers(0, 400))
    def check(draw_list, extra):
        res, lines = run(rb, records(draw_list), extra)
        e = res.engine
        if e.score is None:
            assert (lines.delta == 0).all() and (lines.score_after == NO_SCORE).all()
            return
        total = np.bincount(lines.subject, weights=lines.delta, minlength=N).astype(np.int64)
        assert np.array_equal(e.score, rb.score.initial + total)
        for s in range(N):  # the last line of each subject shows its final score
            mine = np.flatnonzero(lines.subject == s)
            if len(mine):
                assert lines.score_after[mine[-1]] == e.score[s]
        if rb.score.min is not None:
            assert e.score.min() >= rb.score.min
        if rb.score.max is not None:
            assert e.score.max() <= rb.score.max

    check()


@pytest.mark.parametrize("name", REGIMES)
def test_aggregates_match_a_recount(name):
    rb = RULEBOOKS[name]

    @CONFORMANCE
    @given(draws(rb), st.integers(0, 400))
    def check(draw_list, extra):
        res, lines = run(rb, records(draw_list), extra)
        e = res.engine
        everyone = np.arange(N)
        bands = e.band_index(everyone)
        assert np.array_equal(e.band_counts, np.bincount(bands, minlength=len(e.band_labels) + 1))
        sizes = [int(e.listed(li, everyone).sum()) for li in range(len(e.list_ids))]
        assert e.list_sizes().tolist() == sizes
        if e.score is not None:
            assert e.score_sum == int(e.score.sum())
        # list entries and exits in the ledger explain who is listed now
        for li in range(len(e.list_ids)):
            on = lines.list == li
            entered = on & np.isin(lines.rule, [Rule.LIST_ENTER, Rule.EVALUATION_LIST_ENTER])
            left = on & (lines.rule == Rule.LIST_DELETED)
            net = np.bincount(lines.subject[entered], minlength=N) - \
                np.bincount(lines.subject[left], minlength=N)
            assert np.array_equal(net, e.listed(li, everyone).astype(np.int64))
        if rb.evaluation is not None:  # a class is a list: one class per subject at most
            on = sum(e.listed(li, everyone).astype(int) for li in range(len(e.list_ids)))
            assert on.max() <= 1

    check()


@pytest.mark.parametrize("name", REGIMES)
def test_replay_is_deterministic_and_every_line_renders(name):
    rb = RULEBOOKS[name]

    @CONFORMANCE
    @given(draws(rb), st.integers(0, 400))
    def check(draw_list, extra):
        recs = records(draw_list)
        (a, la), (b, lb) = run(rb, recs, extra), run(rb, recs, extra)
        assert a.rows() == b.rows()
        for f in LedgerLines.__dataclass_fields__:
            assert np.array_equal(getattr(la, f), getattr(lb, f), equal_nan=f == "amount"), f
        texts = a.engine.rule_texts(la)
        assert all(isinstance(t, str) and t for t in texts)

    check()


@pytest.mark.parametrize("name", REGIMES)
def test_explain_agrees_with_replay(name):
    rb = RULEBOOKS[name]

    @CONFORMANCE
    @given(draws(rb))
    def check(draw_list):
        recs = records(draw_list)
        rows = {r["subject"]: r for r in replay(rb, recs).rows()}
        s = recs.subject_ids[int(recs.subject[0])]
        cf = explain(rb, recs, s)
        row = rows[s]
        assert cf.final is not None
        assert (cf.final.band, cf.final.lists) == (row["band"], row["lists"])
        assert (cf.final.restrictions, cf.final.privileges) == (row["restrictions"], row["privileges"])
        if row["score"] is not None:
            assert rb.score.initial + sum(ln.delta for ln in cf.lines) == row["score"]

    check()


@pytest.mark.parametrize("name", REGIMES)
def test_describe_and_toml_round_trip(name):
    rb = RULEBOOKS[name]
    text = describe_rulebook(rb)
    assert rb.regime.id in text and all(a.id in text for a in rb.acts)
    again = Rulebook.model_validate(tomllib.loads(tomli_w.dumps(rb.model_dump(mode="json",
                                                                             exclude_none=True))))
    assert again == rb


@pytest.mark.parametrize("name", REGIMES)
def test_every_state_array_is_declared(name):
    from scslab.regime import Engine

    e = Engine(RULEBOOKS[name], N).init()
    declared = {f.name for f in STATE_FIELDS}
    arrays = {k for k, v in vars(e.state).items() if not k.startswith("_")
              and (isinstance(v, np.ndarray) or (isinstance(v, list | dict) and v and all(
                  isinstance(x, np.ndarray) for x in (v.values() if isinstance(v, dict) else v))))}
    assert arrays <= declared, arrays - declared
    assert isinstance(e.state, RegimeState)


def test_every_rule_code_is_documented():
    from pathlib import Path

    text = (Path(__file__).parents[1] / "docs" / "ledger.md").read_text(encoding="utf-8")
    missing = [r.code for r in Rule if f"`{r.code}`" not in text]
    assert not missing, missing
