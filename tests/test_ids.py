"""Synthetic identity numbers: the vectorised check characters agree with python-stdnum, division
codes are the ones in force in the birth year, and uniqueness is enforced."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from scslab.errors import InputError
from scslab.society import ids
from scslab.society.divisions import code_in_year, division_table, in_use

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _columns(strings: list[str]) -> np.ndarray:
    """(width, n) ASCII codes of equal-length strings, the layout ids.* works on."""
    return np.frombuffer("".join(strings).encode("ascii"), np.uint8).reshape(len(strings), -1).T


def test_resident_id_check_chars_agree_with_stdnum():
    rng = np.random.default_rng(0)
    bodies = ["".join(map(str, row)) for row in rng.integers(0, 10, (5000, 17))]
    ours = ids.ric_check_chars(_columns(bodies)).tobytes().decode()
    # stdnum's calc_check_digit takes the full number and ignores its last character.
    assert list(ours) == [ric.calc_check_digit(b + "0") for b in bodies]
    assert set(ours) <= set("0123456789X") and "X" in ours


@settings(max_examples=200, deadline=None)
@given(st.text("0123456789", min_size=17, max_size=17))
def test_resident_id_check_char_property(body):
    assert chr(ids.ric_check_chars(_columns([body]))[0]) == ric.calc_check_digit(body + "0")


def test_uscc_check_chars_agree_with_stdnum():
    rng = np.random.default_rng(1)
    alphabet = np.array(list(USCC_ALPHABET))
    bodies = ["".join(row) for row in alphabet[rng.integers(0, 31, (5000, 17))]]
    ours = ids.uscc_check_chars(_columns(bodies)).tobytes().decode()
    assert list(ours) == [uscc.calc_check_digit(b) for b in bodies]


def test_organisation_code_check_char():
    # stdnum's own example USCC 91110000600037341L holds the organisation code 60003734-1.
    assert chr(ids.org_check_chars(_columns(["60003734"]))[0]) == "1"
    rng = np.random.default_rng(2)
    bodies = ["".join(map(str, row)) for row in rng.integers(0, 10, (3000, 8))]
    ours = ids.org_check_chars(_columns(bodies)).tobytes().decode()
    for body, check in zip(bodies, ours, strict=True):  # GB 11714: 11 - sum mod 11; X=10, 0=11
        c = 11 - sum(int(d) * w for d, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
        assert check == {10: "X", 11: "0"}.get(c, str(c))
    assert {"X", "0"} <= set(ours)


def test_rongcheng_codes_through_history():
    # Rongcheng: 372133 (to 1983), 370633 (1983-1987), 371023 (1987-1988), 371082 (from 1989).
    assert code_in_year("371082", 1950) == "372133"
    assert code_in_year("371082", 1985) == "370633"
    assert code_in_year("371082", 1989) == code_in_year("371082", 2020) == "371082"
    assert in_use("371082", 2020) and not in_use("371082", 1950) and not in_use("999999", 2020)


def test_codes_in_force_pass_stdnum_for_every_year():
    codes = sorted(c for c in division_table() if in_use(c, 2020))
    sample = [*codes[:: max(1, len(codes) // 150)], "460105", "500101", "371082"]
    for code in sample:
        for year in range(1915, 2021, 9):
            number = f"{code_in_year(code, year)}{year}0301001"
            number += ric.calc_check_digit(number + "0")
            assert ric.is_valid(number), (code, year, number)


def test_sequences_rank_within_group_and_overflow():
    code = np.array([371082, 371082, 371082, 110105, 371082], np.int64)
    birth = np.array([100, 100, 100, 100, 101], np.int64)
    sex = np.array([1, 0, 1, 1, 1], np.uint8)
    assert ids._sequences(code, birth, sex).tolist() == [1, 0, 3, 1, 1]
    many = np.full(501, 371082, np.int64)
    with pytest.raises(InputError, match="region_codes"):
        ids._sequences(many, np.zeros(501, np.int64), np.ones(501, np.uint8))
    ok = ids._sequences(many[:500], np.zeros(500, np.int64), np.zeros(500, np.uint8))
    assert ok.max() == 998 and len(set(ok.tolist())) == 500


def test_ymd_of_days_matches_the_calendar():
    import datetime as dt

    from scslab.society.ids import ymd_of_days

    days = np.arange(-719_162, 2_932_897, 1_009)  # 0001-01-01 .. 9999-12-31
    want = [int((dt.date(1970, 1, 1) + dt.timedelta(days=int(d))).strftime("%Y%m%d")) for d in days]
    assert ymd_of_days(days).tolist() == want
