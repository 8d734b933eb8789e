"""The synthetic society: identity numbers, households, graph, reproducibility."""

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


@pytest.fixture(scope="module")
def soc():
    return build_society(SocietyParams(persons=30_000, region_codes=["371082", "110105"]), Streams(4))


def test_resident_ids_valid_unique_and_consistent(soc):
    ids = resident_ids(soc)
    assert len(ids) == soc.n_persons and len(set(ids.tolist())) == soc.n_persons
    birth = soc.birth_day()
    for i in range(0, soc.n_persons, 7):
        x = str(ids[i])
        assert len(x) == 18
        assert ric.calc_check_digit(x) == x[-1]  # ISO 7064 MOD 11-2
        assert x[:6] == soc.region_codes[soc.region[i]]
        assert int(x[16]) % 2 == soc.sex[i]  # odd for males
        born = dt.date(int(x[6:10]), int(x[10:12]), int(x[12:14]))
        assert born == to_date(birth[i])
        start = dt.date(2020, 1, 1)
        age = start.year - born.year - ((start.month, start.day) < (born.month, born.day))
        assert age == soc.age[i]


def test_a_corrupted_id_fails_its_check(soc):
    x = str(resident_ids(soc, np.array([0]))[0])
    bad = x[:5] + str((int(x[5]) + 1) % 10) + x[6:]
    assert ric.calc_check_digit(bad) != bad[-1]


def test_uscc_valid_unique(soc):
    codes = org_codes(soc)
    assert len(codes) == soc.n_orgs == 600
    assert len(set(codes.tolist())) == len(codes)
    assert all(uscc.is_valid(c) for c in codes)
    c = str(codes[0])
    assert not uscc.is_valid(c[:10] + ("1" if c[10] != "1" else "2") + c[11:])


def test_households_csr(soc):
    hs = soc.household_start
    assert hs[0] == 0 and hs[-1] == soc.n_persons and (np.diff(hs) >= 1).all()
    for h in (0, 17, len(hs) - 2):
        assert (soc.household[hs[h]:hs[h + 1]] == h).all()
    assert abs(soc.n_persons / (len(hs) - 1) - 2.62) < 0.1
    assert (soc.age[hs[:-1]] >= 18).all()  # heads are adults
    assert (soc.age[soc.org_legal_rep] >= 18).all()


def test_propensity_mean_one():
    s = build_society(SocietyParams(persons=400_000, orgs_per_1000_persons=0), Streams(1))
    m = s.propensity.astype(np.float64)
    assert abs(m.mean() - 1) < 4 * m.std() / np.sqrt(len(m))
    assert abs(np.log(m).mean() + 0.125) < 0.005 and abs(np.log(m).std() - 0.5) < 0.005


def test_deterministic_and_seed_sensitive():
    p = SocietyParams(persons=5_000)
    a, b, c = (build_society(p, Streams(s)) for s in (3, 3, 4))
    for name in ("age", "sex", "household", "propensity", "ability_to_pay", "org_legal_rep"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.propensity, c.propensity)
    assert np.array_equal(resident_ids(a), resident_ids(b))


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 3_000), st.floats(0, 12), st.integers(0, 2**31))
def test_friend_graph_is_simple_and_symmetric(n, degree, seed):
    s = build_society(SocietyParams(persons=n, mean_friends=degree), Streams(seed))
    indptr, idx = s.friends()
    assert indptr[0] == 0 and indptr[-1] == len(idx) and (np.diff(indptr) >= 0).all()
    src = np.repeat(np.arange(n), np.diff(indptr))
    assert (src != idx).all()  # no self loops
    pairs = set(zip(src.tolist(), idx.tolist(), strict=True))
    assert len(pairs) == len(idx)  # no repeats
    assert all((b, a) in pairs for a, b in pairs)  # symmetric


def test_friend_degree_near_parameter():
    s = build_society(SocietyParams(persons=50_000, mean_friends=6), Streams(2))
    indptr, _ = s.friends()
    assert abs(indptr[-1] / 50_000 - 6) < 0.3


@pytest.mark.parametrize("bad", [{"persons": -1}, {"persons": 10, "colour": "red"},
                                 {"persons": 10, "region_codes": ["3710"]},
                                 {"persons": 10, "mean_household_size": 0.5}])
def test_params_rejected(bad):
    with pytest.raises(ValidationError):
        SocietyParams(**bad)
