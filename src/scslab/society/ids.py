"""Synthetic identity numbers: 18-character resident ID numbers and unified social credit codes.

They follow the real formats and check characters so that the machinery is realistic, and they are
derived on demand from synthetic attributes (never stored, never read from anywhere): they belong to
nobody. Check characters use the published algorithms, computed vectorised with numpy: building
10^6 resident IDs as Python strings with ``stdnum.cn.ric.calc_check_digit`` takes ~3.1 s against
~0.5 s for this whole derivation, and a USCC costs ~7 us with ``stdnum.cn.uscc.calc_check_digit``
(measured on one core, 2026-11). tests/test_ids.py checks the vectorised characters against
python-stdnum on thousands of numbers, and tests/test_society.py generated numbers against its
``is_valid``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from scslab.errors import InputError
from scslab.society.divisions import code_table

if TYPE_CHECKING:
    from scslab.society.population import Society

# ISO 7064 MOD 11-2 (GB 11643-1999): weight of digit i (0-based, 17 digits) is 2^(17-i) mod 11;
# the check character of (weighted sum mod 11) = s is (12 - s) mod 11, 'X' for 10.
_RIC_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], np.int64)
_RIC_CHECK = np.frombuffer(b"10X98765432", np.uint8)  # indexed by s
# GB 11714-1997 organisation code: weights of the 8 body characters; check = 11 - (sum mod 11),
# 'X' for 10 and '0' for 11.
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], np.int64)
_ORG_CHECK = np.frombuffer(b"0123456789X0", np.uint8)  # indexed by 11 - (sum mod 11)
# GB 32100-2015 unified social credit code: 31-character alphabet (no I, O, Z, S, V), weights
# 3^i mod 31, check = alphabet[(31 - sum mod 31) mod 31].
_USCC_ALPHABET = b"0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], np.int64)
_USCC_VALUE = np.zeros(128, np.int64)
_USCC_VALUE[np.frombuffer(_USCC_ALPHABET, np.uint8)] = np.arange(31)
_USCC_CHECK = np.frombuffer(_USCC_ALPHABET, np.uint8)

_SEQ_PER_SEX = 500  # sequences 000-999: 500 even (women), 500 odd (men)
_ORG_BODY_MAX = 90_000_000  # bodies 10000000..99999999


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """(width, n) ASCII codes of the decimal digits of non-negative integers, zero padded.

    Column-major (one row per digit position): each row is one pass of integer arithmetic, many
    times faster than an (n, width) broadcast.
    """
    v = np.asarray(values, np.int64)
    out = np.empty((width, len(v)), np.uint8)
    for k in range(width):
        out[k] = v // 10 ** (width - 1 - k) % 10 + 48
    return out


def _as_str(chars: np.ndarray) -> np.ndarray:
    """(width, n) uint8 ASCII codes -> length-n array of str (numpy unicode)."""
    width = chars.shape[0]
    # numpy's str dtype stores one native uint32 code point per character, so widening the bytes
    # and viewing them is ~7x faster than converting via a bytes (S) array.
    return chars.T.astype(np.uint32, order="C").view(f"U{width}").ravel()


@njit(cache=True, nogil=True)
def ymd_of_days(days: np.ndarray) -> np.ndarray:
    """YYYYMMDD (int64) of day numbers (days since 1970-01-01), proleptic Gregorian.

    Howard Hinnant's ``civil_from_days`` (https://howardhinnant.github.io/date_algorithms.html),
    one pass instead of numpy's several datetime64 conversions.
    """
    out = np.empty(days.shape[0], np.int64)
    for i in range(days.shape[0]):
        z = np.int64(days[i]) + 719468
        era = (z if z >= 0 else z - 146096) // 146097
        doe = z - era * 146097
        yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
        doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
        mp = (5 * doy + 2) // 153
        d = doy - (153 * mp + 2) // 5 + 1
        m = mp + 3 if mp < 10 else mp - 9
        y = yoe + era * 400 + (1 if m <= 2 else 0)
        out[i] = y * 10_000 + m * 100 + d
    return out


@njit(cache=True, nogil=True)
def _ric_kernel(code: np.ndarray, ymd: np.ndarray, seq: np.ndarray, weights: np.ndarray,
                check: np.ndarray, out: np.ndarray) -> None:
    """Fill (18, n) ``out`` with the ASCII codes of resident IDs.

    One pass per person instead of 17 digit passes and 17 check passes over the population
    (~10x faster at 10^6).
    """
    for i in range(code.shape[0]):
        total = 0
        for v, width, at in ((code[i], 6, 0), (ymd[i], 8, 6), (seq[i], 3, 14)):
            for j in range(width - 1, -1, -1):
                d = v % 10
                v //= 10
                out[at + j, i] = 48 + d
        for k in range(17):
            total += (out[k, i] - 48) * weights[k]
        out[17, i] = check[total % 11]


def ric_check_chars(body: np.ndarray) -> np.ndarray:
    """ISO 7064 MOD 11-2 check characters (ASCII codes) of (17, n) ASCII digit columns."""
    total = np.zeros(body.shape[1], np.int64)
    for k in range(17):
        total += (body[k].astype(np.int64) - 48) * _RIC_WEIGHTS[k]
    return _RIC_CHECK[total % 11]


def org_check_chars(body: np.ndarray) -> np.ndarray:
    """GB 11714 check characters (ASCII codes) of (8, n) ASCII digit columns."""
    total = np.zeros(body.shape[1], np.int64)
    for k in range(8):
        total += (body[k].astype(np.int64) - 48) * _ORG_WEIGHTS[k]
    return _ORG_CHECK[11 - total % 11]


def uscc_check_chars(body: np.ndarray) -> np.ndarray:
    """GB 32100 check characters (ASCII codes) of (17, n) columns over the USCC alphabet."""
    total = np.zeros(body.shape[1], np.int64)
    for k in range(17):
        total += _USCC_VALUE[body[k]] * _USCC_WEIGHTS[k]
    return _USCC_CHECK[(31 - total % 31) % 31]


def _rows(rows: np.ndarray | None, n: int) -> np.ndarray:
    out = np.arange(n, dtype=np.int64) if rows is None else np.asarray(rows, np.int64).ravel()
    if len(out) and (out.min() < 0 or out.max() >= n):
        raise IndexError(f"rows must lie in 0..{n - 1}")
    return out


def _address_codes(soc: Society, year: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """Division code (int) in a person's ID: their region's code in force in their birth ``year``.

    ``rows``: the persons ``year`` belongs to (default all). python-stdnum rejects an ID whose
    division code was not in use in the birth year (see :mod:`scslab.society.divisions`).
    """
    if not len(year):
        return np.zeros(0, np.int64)
    y0 = int(year.min())
    table = code_table(list(soc.region_codes), y0, int(year.max()))
    region = soc.region if rows is None else soc.region[rows]
    return table[region, year - y0].astype(np.int64)


def resident_ids(soc: Society, rows: np.ndarray | None = None) -> np.ndarray:
    """18-character synthetic resident ID numbers of person ``rows`` (default all).

    A str array; see :func:`resident_id_chars`.
    """
    return _as_str(resident_id_chars(soc, rows))


def resident_id_chars(soc: Society, rows: np.ndarray | None = None,
                      seq: np.ndarray | None = None) -> np.ndarray:
    """(18, n) ASCII codes of the synthetic resident ID numbers of person ``rows`` (default all).

    Layout (GB 11643-1999): 6-digit division code (the person's region's code in force in the birth
    year), birth date YYYYMMDD (``soc.birth_day``), 3-digit sequence, check character (ISO 7064
    MOD 11-2, 'X' for 10). The sequence is ``2 * rank + sex``: odd for men, even for women, where
    rank orders persons of the same division code, birth date and sex by row, so IDs are unique.
    The sequences are derived for the whole society (:func:`id_sequences`, O(n log n)) unless
    ``seq`` gives them; the rest only for ``rows``.

    Raises:
        InputError: more than 500 persons share a division code, birth date and sex.
    """
    n = soc.n_persons
    rows = _rows(rows, n)
    if seq is None:
        seq = id_sequences(soc)
    birth = soc.birth_day(rows)
    ymd = ymd_of_days(birth)
    code = _address_codes(soc, ymd // 10_000, rows)
    out = np.empty((18, len(rows)), np.uint8)
    _ric_kernel(code, ymd, seq[rows].astype(np.int64), _RIC_WEIGHTS, _RIC_CHECK, out)
    return out


def id_sequences(soc: Society) -> np.ndarray:
    """The 3-digit sequence of every person's resident ID (int16): 2 * rank + sex.

    rank orders persons of the same division code, birth date and sex by row. Persons born on
    one day share their age on the start date, so the persons are taken one age at a time: the
    sort's temporaries are those of one age group, not of the society.

    Raises:
        InputError: more than 500 persons share a division code, birth date and sex.
    """
    age = soc.age
    seq = np.empty(soc.n_persons, np.int16)
    for a in np.flatnonzero(np.bincount(age, minlength=1)):
        rows = np.flatnonzero(age == a)
        birth = soc.birth_day(rows)
        code = _address_codes(soc, ymd_of_days(birth) // 10_000, rows)
        seq[rows] = _sequences(code, birth, soc.sex[rows])
    return seq


def _sequences(code: np.ndarray, birth: np.ndarray, sex: np.ndarray) -> np.ndarray:
    """Sequence number per person: 2 * rank within (division code, birth date, sex) + sex."""
    n = len(code)
    # One sortable key: code (< 2^20) | birth day + 2^20 (days 1970 +- 2800 years) | sex.
    key = (code << 22) | ((birth.astype(np.int64) + (1 << 20)) << 1) | sex.astype(np.int64)
    order = np.argsort(key, kind="stable")  # stable: ties (same group) stay in row order
    sorted_key = key[order]
    pos = np.arange(n, dtype=np.int64)
    first = np.ones(n, bool)
    first[1:] = sorted_key[1:] != sorted_key[:-1]
    rank = np.empty(n, np.int64)
    rank[order] = pos - np.maximum.accumulate(np.where(first, pos, 0))
    if n and rank.max() >= _SEQ_PER_SEX:
        raise InputError(
            f"more than {_SEQ_PER_SEX} persons share a region, birth date and sex, so their "
            "resident ID numbers would repeat; spread the persons over more region_codes",
            key="society.region_codes",
        )
    return 2 * rank + sex.astype(np.int64)


def org_codes(soc: Society, rows: np.ndarray | None = None) -> np.ndarray:
    """18-character synthetic unified social credit codes of organisations ``rows`` (default all).

    A str array; see :func:`org_code_chars`.
    """
    return _as_str(org_code_chars(soc, rows))


def org_code_chars(soc: Society, rows: np.ndarray | None = None) -> np.ndarray:
    """(18, n) ASCII codes of the synthetic unified social credit codes of organisations ``rows``.

    ``rows`` are organisation indices 0..n_orgs-1 (subject row minus ``n_persons``). Layout
    (GB 32100-2015): '9' (registered by market regulation) + '1' (enterprise) + the 6-digit code of
    the organisation's region + 9-character organisation code (8 digits ``10000000 + index``, then
    its GB 11714 check character) + GB 32100 check character. Unique, as the index is.
    """
    n = soc.n_orgs
    if n > _ORG_BODY_MAX:
        raise InputError(f"at most {_ORG_BODY_MAX} organisations get distinct codes; got {n}",
                         key="society.orgs_per_1000_persons")
    rows = _rows(rows, n)
    region = np.array([int(c) for c in soc.region_codes], np.int64)[soc.org_region[rows]]
    org = _digits(10_000_000 + rows, 8)
    body = np.concatenate([np.full((2, len(rows)), [[57], [49]], np.uint8),  # "91"
                           _digits(region, 6), org, org_check_chars(org)[None, :]])
    return np.concatenate([body, uscc_check_chars(body)[None, :]])


def subject_ids(soc: Society) -> np.ndarray:
    """ID string of every subject row: resident IDs of persons, then USCCs of organisations."""
    return np.concatenate([resident_ids(soc), org_codes(soc)])
