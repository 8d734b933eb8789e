"""The synthetic society: identity numbers, households, ages, graph, reproducibility, parameters."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from stdnum.cn import ric, uscc

from scslab.dates import to_date
from scslab.rng import Streams
from scslab.society import SocietyParams, build_society, org_codes, resident_ids
from scslab.society.divisions import code_in_year

REGIONS = ["371082", "110105", "460105"]  # Rongcheng; Chaoyang, Beijing; Hainan (province 1988)


@pytest.fixture(scope="module")
def soc():
    return build_society(SocietyParams(persons=30_000, region_codes=REGIONS), Streams(4))


def _age_on(start: dt.date, born: dt.date) -> int:
    return start.year - born.year - ((start.month, start.day) < (born.month, born.day))


def test_resident_ids_valid_unique_and_consistent(soc):
    ids = resident_ids(soc)
    assert ids.shape == (soc.n_persons,) and ids.dtype == np.dtype("U18")
    assert len(np.unique(ids)) == soc.n_persons
    chars = ids.view(np.uint32).reshape(-1, 18)  # code points, one row per ID
    assert np.array_equal(chars[:, 16] % 2, soc.sex)  # sequence odd for men, even for women
    birth = soc.birth_day()
    start = dt.date(2020, 1, 1)
    for i in range(0, soc.n_persons, 6):  # stdnum's is_valid is ~70 us per number
        x = str(ids[i])
        assert ric.is_valid(x), x
        born = dt.date(int(x[6:10]), int(x[10:12]), int(x[12:14]))
        assert born == to_date(birth[i]) and _age_on(start, born) == soc.age[i]
        assert x[:6] == code_in_year(soc.region_codes[soc.region[i]], born.year)
    young = (soc.age < 30) & (soc.region == 0)  # born 1990+: Rongcheng's current code
    assert all(x.startswith("371082") for x in ids[young][:500].tolist())


def test_resident_ids_of_selected_rows(soc):
    rows = np.array([5, 0, 29_999, 5])
    assert np.array_equal(resident_ids(soc, rows), resident_ids(soc)[rows])
    with pytest.raises(IndexError):
        resident_ids(soc, [soc.n_persons])


def test_a_corrupted_resident_id_is_detected(soc):
    for x in resident_ids(soc, np.arange(0, 30_000, 3_000)).tolist():
        for pos in range(17):  # MOD 11-2 catches every single-digit substitution
            bad = x[:pos] + str((int(x[pos]) + 3) % 10) + x[pos + 1:]
            assert not ric.is_valid(bad)


def test_uscc_valid_unique_and_corruption_detected(soc):
    codes = org_codes(soc)
    assert len(codes) == soc.n_orgs == 600
    assert len(np.unique(codes)) == len(codes)
    assert all(uscc.is_valid(c) and len(c) == 18 and c[:2] == "91" for c in codes.tolist())
    assert np.array_equal(org_codes(soc, [7, 3]), codes[[7, 3]])
    for i in range(0, 600, 150):
        c = str(codes[i])
        assert c[2:8] == soc.region_codes[soc.org_region[i]]
        for pos in range(18):
            bad = c[:pos] + ("7" if c[pos] != "7" else "8") + c[pos + 1:]
            assert not uscc.is_valid(bad)


def test_households_csr(soc):
    hs, hh = soc.household_start, soc.household
    assert hs.dtype == np.int32 and hh.dtype == np.int32
    assert hs[0] == 0 and hs[-1] == soc.n_persons and (np.diff(hs) >= 1).all()
    assert np.array_equal(hh, np.repeat(np.arange(soc.n_households), np.diff(hs)))
    assert abs(soc.n_persons / soc.n_households - 2.62) < 0.06
    assert (soc.age[hs[:-1]] >= 18).all()  # heads are adults
    # a household shares one region
    assert (soc.region[hs[:-1]] == soc.region[hs[1:] - 1]).all()
    rows = np.array([0, 1, 12_345, soc.n_persons - 1])
    offsets, members = soc.household_members(rows)
    assert offsets[0] == 0 and offsets[-1] == len(members)
    for i, r in enumerate(rows):
        got = members[offsets[i]:offsets[i + 1]]
        assert r in got and np.array_equal(got, np.flatnonzero(hh == hh[r]))


def test_age_and_sex_shares_follow_the_parameters(soc):
    age = soc.age
    assert age.dtype == np.uint8 and age.max() <= 100
    assert abs((age < 15).mean() - 0.1795) < 0.012
    assert abs((age >= 60).mean() - 0.1870) < 0.012
    assert abs(soc.sex.mean() - 0.5124) < 0.015
    assert soc.region.dtype == np.uint16 and set(np.unique(soc.region)) == {0, 1, 2}


def test_organisations_have_adult_representatives(soc):
    reps = soc.org_legal_rep
    assert reps.dtype == np.int32 and len(reps) == soc.n_orgs
    assert (soc.age[reps] >= 18).all()
    assert np.array_equal(soc.org_region, soc.region[reps])
    assert soc.n_subjects == soc.n_persons + soc.n_orgs


def test_propensity_is_the_benchmark_draw_with_mean_one():
    n = 400_000
    s = build_society(SocietyParams(persons=n, orgs_per_1000_persons=0), Streams(1))
    # docs/benchmark.md: m = exp(-0.125 + 0.5 z), z the normal keyed by the person's row.
    expected = np.exp(-0.125 + 0.5 * Streams(1).keyed("society.propensity").normal(np.arange(n)))
    assert s.propensity.dtype == np.float32
    assert np.array_equal(s.propensity, expected.astype(np.float32))
    m = s.propensity.astype(np.float64)
    assert abs(m.mean() - 1) < 4 * m.std() / np.sqrt(n)
    ability = s.ability_to_pay
    assert ability.dtype == np.float32 and (ability > 0).all()
    assert abs(np.median(ability) - 1) < 0.01


def test_deterministic_and_seed_sensitive():
    p = SocietyParams(persons=5_000, region_codes=REGIONS)
    a, b, c = (build_society(p, Streams(s)) for s in (3, 3, 4))
    for name in ("age", "sex", "region", "household", "household_start", "propensity",
                 "ability_to_pay", "org_legal_rep"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
        assert not np.array_equal(getattr(a, name), getattr(c, name)), name
    assert np.array_equal(resident_ids(a), resident_ids(b))
    assert np.array_equal(org_codes(a), org_codes(b))
    for x, y in zip(a.friends(), b.friends(), strict=True):
        assert np.array_equal(x, y)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 400), size=st.floats(1, 8), kids=st.floats(0, 0.6),
       old=st.floats(0, 0.4), seed=st.integers(0, 2**32),
       start=st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31)))
def test_small_societies_hold_their_invariants(n, size, kids, old, seed, start):
    p = SocietyParams(persons=n, mean_household_size=size, share_under_15=kids,
                      share_60_plus=old, orgs_per_1000_persons=50, start_date=start.isoformat())
    s = build_society(p, Streams(seed))
    hs = s.household_start
    assert hs[0] == 0 and hs[-1] == n and (np.diff(hs) >= 1).all()
    assert (s.age[hs[:-1]] >= 18).all() and (s.age[s.org_legal_rep] >= 18).all()
    ids = resident_ids(s).tolist()
    assert len(set(ids)) == n
    for i, x in enumerate(ids):
        assert ric.is_valid(x) and int(x[16]) % 2 == s.sex[i]
        born = dt.date(int(x[6:10]), int(x[10:12]), int(x[12:14]))
        assert _age_on(start, born) == s.age[i]
    assert all(uscc.is_valid(c) for c in org_codes(s).tolist())


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 3_000), st.floats(0, 12), st.integers(0, 2**31))
def test_friend_graph_is_simple_and_symmetric(n, degree, seed):
    s = build_society(SocietyParams(persons=n, mean_friends=degree), Streams(seed))
    indptr, idx = s.friends()
    assert indptr.dtype == np.int64 and idx.dtype == np.int32 and len(indptr) == n + 1
    assert indptr[0] == 0 and indptr[-1] == len(idx) and (np.diff(indptr) >= 0).all()
    src = np.repeat(np.arange(n), np.diff(indptr))
    assert (src != idx).all()  # no self loops
    pairs = set(zip(src.tolist(), idx.tolist(), strict=True))
    assert len(pairs) == len(idx)  # no repeats
    assert all((b, a) in pairs for a, b in pairs)  # symmetric
    assert s.friends() is s.friends()  # built once


def test_friend_degree_near_parameter():
    s = build_society(SocietyParams(persons=50_000, mean_friends=6), Streams(2))
    indptr, _ = s.friends()
    assert abs(indptr[-1] / 50_000 - 6) < 0.3


@pytest.mark.parametrize("bad", [
    {"persons": -1},
    {"persons": 0},
    {"persons": 10, "colour": "red"},
    {"persons": 10, "region_codes": ["3710"]},
    {"persons": 10, "region_codes": ["999999"]},  # no such division
    {"persons": 10, "region_codes": ["372133"]},  # Rongcheng's code until 1983
    {"persons": 10, "region_codes": ["371082", "371082"]},
    {"persons": 10, "start_date": "2020-02-30"},
    {"persons": 10, "mean_household_size": 0.5},
    {"persons": 10, "share_under_15": 0.6, "share_60_plus": 0.5},
    {"persons": 10, "income_sigma": 50},
])
def test_params_rejected(bad):
    with pytest.raises(ValidationError):
        SocietyParams(**bad)


def test_params_defaults_and_descriptions():
    p = SocietyParams(persons=10)
    assert p.region_codes == ["371082"] and p.mean_household_size == 2.62
    for name, field in SocietyParams.model_fields.items():
        assert field.description and "[" in field.description, name
