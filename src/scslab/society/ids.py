"""Synthetic identity numbers: 18-character resident ID numbers and unified social credit codes.

They follow the real formats and check characters so that the machinery is realistic, and they are
derived from synthetic attributes: they belong to nobody. Check characters are computed with
python-stdnum's published algorithms; resident IDs are computed vectorised (python-stdnum's
per-string call would take seconds for 10^6 persons) and the tests compare every character with
``stdnum.cn.ric.calc_check_digit``.
"""

from __future__ import annotations

import numpy as np
from stdnum.cn import uscc

from scslab.dates import EPOCH

# ISO 7064 MOD 11-2 weights for the 17 digits of a resident ID: 2^(17-i) mod 11.
_RIC_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], np.int64)
_RIC_CHECK = np.frombuffer(b"10X98765432", np.uint8)  # check char for (sum mod 11)
# GB 11714 organisation code check: weights of the 8 body characters.
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], np.int64)


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) ASCII digit codes of non-negative integers, zero padded."""
    v = values.astype(np.int64)[:, None]
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((v // powers) % 10 + 48).astype(np.uint8)


def resident_ids(soc, rows: np.ndarray | None = None) -> np.ndarray:
    """18-character resident ID numbers of persons ``rows`` (default all), as a str array.

    Layout: 6-digit region code, birth date YYYYMMDD, 3-digit sequence (odd for males, even for
    females), ISO 7064 MOD 11-2 check character. The sequence is the person's rank among persons of
    the same region, birth date and sex, so IDs are unique.
    """
    n = soc.n_persons
    seq_all = _sequences(soc)
    rows = np.arange(n) if rows is None else np.asarray(rows, np.int64)
    region = np.array([int(c) for c in soc.region_codes], np.int64)[soc.region[rows]]
    birth = EPOCH + soc.birth_day(rows).astype("timedelta64[D]")
    y = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    mo = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    d = (birth - birth.astype("datetime64[M]")).astype(np.int64) + 1
    body = np.concatenate([_digits(region, 6), _digits(y, 4), _digits(mo, 2), _digits(d, 2),
                           _digits(seq_all[rows], 3)], axis=1)
    total = ((body - 48).astype(np.int64) * _RIC_WEIGHTS).sum(axis=1) % 11
    chars = np.concatenate([body, _RIC_CHECK[total][:, None]], axis=1)
    return np.ascontiguousarray(chars).view("S18").ravel().astype("U18")


def _sequences(soc) -> np.ndarray:
    """Sequence number per person: 2 * rank within (region, birth date, sex) + (1 if male)."""
    birth = soc.birth_day()
    order = np.lexsort((np.arange(soc.n_persons), soc.sex, birth, soc.region))
    key = ((soc.region[order].astype(np.int64) << 40) | ((birth[order] + (1 << 30)) << 1)
           | soc.sex[order].astype(np.int64))
    first = np.ones(len(order), bool)
    first[1:] = key[1:] != key[:-1]
    pos = np.arange(len(order))
    rank_sorted = pos - np.maximum.accumulate(np.where(first, pos, 0))
    rank = np.empty(len(order), np.int64)
    rank[order] = rank_sorted
    if len(rank) and rank.max() >= 500:
        raise ValueError("more than 500 persons share a region, birth date and sex: resident IDs "
                         "would repeat; give the society more region_codes")
    return 2 * rank + soc.sex.astype(np.int64)


def org_codes(soc, rows: np.ndarray | None = None) -> np.ndarray:
    """18-character unified social credit codes (GB 32100-2015) of organisations ``rows``.

    Layout: '9' (market regulation) + '1' (enterprise) + 6-digit division code + 9-character
    organisation code (8 digits + GB 11714 check character) + GB 32100 check character.
    """
    rows = np.arange(soc.n_orgs) if rows is None else np.asarray(rows, np.int64)
    out = []
    for i in rows.tolist():
        body = f"{10_000_000 + i:08d}"
        c9 = 11 - int(sum(int(ch) * w for ch, w in zip(body, _ORG_WEIGHTS, strict=True))) % 11
        org = body + ("X" if c9 == 10 else "0" if c9 == 11 else str(c9))
        stem = "91" + soc.region_codes[soc.org_region[i]] + org
        out.append(stem + uscc.calc_check_digit(stem))
    return np.array(out, dtype="U18")
