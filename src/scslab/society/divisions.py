"""Administrative division codes (GB/T 2260) as python-stdnum knows them.

A resident ID number starts with the 6-digit code of a county-level division. python-stdnum
(``stdnum.cn.ric.is_valid``) accepts a number only if, according to its table of division codes
(``stdnum/cn/loc.dat``, compiled from Wikipedia), that code was in use in the holder's birth
year. Codes change: Rongcheng (荣成) was 372133 until 1983, then 370633, 371023, and has been
371082 since 1989. So a synthetic person born in 1950 who lives in 371082 today gets the code
that was in force in 1950 (this mirrors stdnum's check; the real rule, the code of the place
where the number was first issued, cannot be checked and so is not modelled).

The table is read lazily from stdnum's own data file (never at import time) and cached. Only
public division codes are read; no personal data.
"""

from __future__ import annotations

import functools
import importlib.resources
import re

import numpy as np

# One entry of a division: (first year or None, last year or None, name). Years are inclusive,
# as in stdnum.cn.ric.get_birth_place.
Entry = tuple[int | None, int | None, str]

_ENTRY = re.compile(r"^\[(\d*)-(\d*)\](.*)$")
_COUNTY = re.compile(r'county="([^"]*)"')


@functools.cache
def division_table() -> dict[str, tuple[Entry, ...]]:
    """Every 6-digit division code in stdnum's table with its dated names (cached)."""
    text = (importlib.resources.files("stdnum") / "cn" / "loc.dat").read_text(encoding="utf-8")
    table: dict[str, tuple[Entry, ...]] = {}
    province = ""
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        if not line.startswith(" "):
            province = line.split()[0]  # 2-digit province prefix
            continue
        code4 = line.split()[0]
        m = _COUNTY.search(line)
        if m is None or len(province) + len(code4) != 6:
            continue
        entries: list[Entry] = []
        for item in m.group(1).split(","):
            dated = _ENTRY.match(item)
            if dated is None:
                entries.append((None, None, item))  # undated: valid in every year
            else:
                start, end, name = dated.groups()
                entries.append((int(start) if start else None, int(end) if end else None, name))
        table[province + code4] = tuple(entries)
    return table


def _valid_entry(entry: Entry, year: int) -> bool:
    start, end, _ = entry
    return (start is None or year >= start) and (end is None or year <= end)


def in_use(code: str, year: int) -> bool:
    """Whether stdnum's table has division ``code`` in use in ``year`` (stdnum's RIC rule)."""
    entries = division_table().get(code)
    return entries is not None and any(_valid_entry(e, year) for e in entries)


@functools.cache
def _by_name_stem() -> dict[str, tuple[str, ...]]:
    # Chinese county names are nearly always two characters plus a suffix (县, 市, 区...), and a
    # county keeps its stem when it is renamed or recoded (荣成县 -> 荣成市).
    index: dict[str, list[str]] = {}
    for code, entries in division_table().items():
        for _, _, name in entries:
            index.setdefault(name[:2], []).append(code)
    return {stem: tuple(sorted(set(codes))) for stem, codes in index.items()}


@functools.cache
def _by_province() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for code in division_table():
        index.setdefault(code[:2], []).append(code)
    return {prov: tuple(codes) for prov, codes in index.items()}


@functools.cache
def code_in_year(code: str, year: int) -> str:
    """The division code that stood for the place ``code`` in ``year``.

    ``code`` itself if it was in use; otherwise the best code in use that year, preferring (in
    order) the same province and name stem (the same county under an older or newer code), the
    same prefecture, the same province, the same name stem elsewhere, then the nearest code.
    """
    if in_use(code, year):
        return code
    table = division_table()
    stems = {name[:2] for _, _, name in table.get(code, ())}
    index = _by_name_stem()
    named = {c for s in stems for c in index.get(s, ())}
    target = int(code)

    def rank(c: str) -> tuple[bool, bool, bool, bool, int, int]:
        same_prov = c[:2] == code[:2]
        # The last key breaks ties between equally near codes, so the choice never depends on
        # set iteration order (string hashes vary between processes).
        return (same_prov and c in named, c[:4] == code[:4], same_prov, c in named,
                -abs(int(c) - target), int(c))

    candidates = [c for c in named | set(_by_province().get(code[:2], ())) if in_use(c, year)]
    if not candidates:  # a province created later (Hainan 1988, Chongqing 1997): look anywhere
        candidates = [c for c in table if in_use(c, year)]
    if not candidates:
        raise ValueError(f"No division code was in use in {year}.")
    return max(candidates, key=rank)


def code_table(codes: list[str], first_year: int, last_year: int) -> np.ndarray:
    """int32 array [region, year - first_year] of the code in force for each region and year."""
    out = np.empty((len(codes), last_year - first_year + 1), dtype=np.int32)
    for i, code in enumerate(codes):
        for j, year in enumerate(range(first_year, last_year + 1)):
            out[i, j] = int(code_in_year(code, year))
    return out
