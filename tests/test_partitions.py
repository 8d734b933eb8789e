"""Splitting persons into partitions changes nothing: outputs are byte-identical for every P."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scslab.rng import Streams
from scslab.sim import Simulation
from scslab.sim.loop import partition_bounds
from scslab.sim.run import run_scenario
from scslab.sim.scenario import builtin_scenarios
from scslab.society import build_society
from scslab.society.params import SocietyParams
from scslab.society.population import HOUSEHOLD_BLOCK


def digests(folder):
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(folder.iterdir())}


@pytest.mark.parametrize("scenario", builtin_scenarios())
def test_run_folders_are_byte_identical_for_1_2_4_partitions(tmp_path, scenario):
    files = []
    for p in (1, 2, 4):
        out = tmp_path / f"p{p}"
        run_scenario(scenario, persons=5 * HOUSEHOLD_BLOCK + 321, days=45, seed=3, out=out,
                     partitions=p)
        files.append(digests(out))
    assert {"ledger.parquet", "daily.parquet", "subjects.parquet", "manifest.json"} <= set(files[0])
    assert files[0] == files[1] == files[2]


def final_state(scenario, persons, days, seed, partitions):
    sim = Simulation(scenario, persons, days, seed, partitions=partitions).init()
    daily = sim.run()
    lines = [e.ledger.drain() for e in sim.engines]
    return (daily.occurred.tolist(), daily.recorded.tolist(),
            [b.tolist() for b in daily.bands], [x.tolist() for x in daily.lists],
            [None if e.score is None else e.score.tolist() for e in sim.engines],
            [(x.day.tolist(), x.subject.tolist(), x.rule.tolist(), x.delta.tolist()) for x in lines],
            None if daily.wrongful is None else (
                daily.wrongful.records.tolist(), [x.tolist() for x in daily.wrongful.listed],
                daily.wrongful.restricted.tolist(), daily.wrongful.denied.tolist(),
                daily.sources.pending.tolist(), daily.sources.false_by_source.tolist()))


@settings(max_examples=6, deadline=None)
@given(st.sampled_from(["rongcheng", "court-and-rongcheng", "shaming", "court-sources"]),
       st.integers(1, 4 * HOUSEHOLD_BLOCK), st.integers(1, 25), st.integers(0, 2**63 - 1),
       st.integers(2, 7))
def test_any_partitioning_gives_the_same_run(scenario, persons, days, seed, partitions):
    assert final_state(scenario, persons, days, seed, 1) == \
        final_state(scenario, persons, days, seed, partitions)


def test_partition_bounds_fall_between_household_blocks():
    b = partition_bounds(10 * HOUSEHOLD_BLOCK + 7, 4)
    assert b[0] == 0 and b[-1] == 10 * HOUSEHOLD_BLOCK + 7
    assert (np.diff(b) >= 0).all() and all(x % HOUSEHOLD_BLOCK == 0 for x in b[1:-1])
    assert len(partition_bounds(100, 3)) == 4
    with pytest.raises(ValueError):
        partition_bounds(100, 0)


def test_a_prefix_of_whole_blocks_is_the_same_society():
    """Any range of whole household blocks can be built alone (what workers will do)."""
    small, big = 2 * HOUSEHOLD_BLOCK, 3 * HOUSEHOLD_BLOCK + 999
    a, b = (build_society(SocietyParams(persons=n, orgs_per_1000_persons=0), Streams(8))
            for n in (small, big))
    hs = b.household_start
    assert np.array_equal(a.household_start, hs[: len(a.household_start)])
    for attr in ("age", "birth_frac", "sex", "region", "propensity", "ability_to_pay"):
        assert np.array_equal(getattr(a, attr), getattr(b, attr)[:small]), attr
    ia, ja = a.friends()
    assert len(ja) > 0  # the graph is keyed per edge: same seed, same edges for the same n
    assert np.array_equal(ia, build_society(SocietyParams(persons=small, orgs_per_1000_persons=0),
                                            Streams(8)).friends()[0])


def test_partitions_option_is_checked(tmp_path):
    from scslab.errors import InputError

    with pytest.raises(InputError, match="--partitions"):
        run_scenario("rongcheng", persons=100, days=2, partitions=0)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 2**31 - 1)), max_size=300),
       st.booleans())
def test_canonical_order_is_a_stable_sort_by_day_then_subject(lines, days_in_order):
    from scslab.regime.ledger import canonical_order

    if days_in_order:
        lines = sorted(lines, key=lambda x: x[0])
    day = np.array([d for d, _ in lines], np.int32)
    subject = np.array([s for _, s in lines], np.int32)
    want = sorted(range(len(lines)), key=lambda i: (lines[i][0], lines[i][1]))  # stable
    got = canonical_order(day, subject)
    assert (list(range(len(lines))) if got is None else got.tolist()) == want


@pytest.mark.parametrize("scenario", ["shaming", "court-and-rongcheng"])
def test_the_order_of_regimes_changes_no_output_file(tmp_path, scenario):
    from itertools import permutations

    from scslab.sim.scenario import load_scenario

    regimes = load_scenario(scenario).regimes
    files = []
    for i, order in enumerate(list(permutations(regimes))[:3]):
        out = tmp_path / f"o{i}"
        run_scenario(scenario, persons=3_000, days=30, seed=2, out=out,
                     sets={"regimes": list(order)})
        files.append(digests(out))
    assert len(files) > 1 and all(f == files[0] for f in files)


def test_people_answer_to_the_regimes_named_with_their_weights():
    from scslab.errors import InputError
    from scslab.sim.resolve import resolve

    sets = {"regimes": ["rongcheng", "sesame"]}
    with pytest.raises(InputError, match=r"answers_to\.nope"):
        resolve("rongcheng", sets={**sets, "behaviour.answers_to": {"nope": {}}})
    plan = resolve("rongcheng", sets={**sets, "behaviour.answers_to": {
        "sesame": {"weight": 0.5}, "rongcheng": {"weight": 2.0, "margin": 10}}})
    st = plan.acts.behaviour.standing
    assert [plan.rulebooks[s.regime].regime.id for s in st] == ["rongcheng", "sesame"]
    assert [s.weight for s in st] == [2.0, 0.5]
    i = plan.acts.ids.index("traffic_ticket")
    assert plan.acts.behaviour.acts.score_cost[i] == 2.0 * 5  # Rongcheng's -5, weighted
