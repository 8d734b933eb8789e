"""Rulebook variants: ``extends = "BASE"`` reuses a rulebook and changes only what differs.

A variant (a study's "Rongcheng with elder care", an amended version of a regime) names its
base by built-in id or path and gives its own ``[regime]`` id. Merging works on the parsed
data, before validation, so the merged rulebook is checked like any other:

* tables merge key by key, recursively; a value replaces the base's;
* arrays of tables keyed by ``id`` (acts, lists...), ``key`` (sources) or ``label`` (bands) merge
  by that key: an entry replaces the base's entry of the same key, others are appended;
* other arrays of tables (consequences) are appended to the base's; other arrays replace.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scslab.errors import InputError

MAX_DEPTH = 4  # variants of variants: deeper chains are mistakes, and a cycle must end
_KEYS = ("id", "key", "label")


def _key_of(items: list[Any]) -> str | None:
    """The key field every entry of an array of tables has, if any."""
    if not items or not all(isinstance(x, dict) for x in items):
        return None
    return next((k for k in _KEYS if all(k in x for x in items)), None)


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` merged onto a copy of ``base`` (see the module docstring)."""
    out = dict(base)
    for k, v in over.items():
        b = out.get(k)
        if isinstance(b, dict) and isinstance(v, dict):
            out[k] = merge(b, v)
        elif isinstance(b, list) and isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            key = _key_of(b + v)
            if key is None:
                out[k] = b + v if all(isinstance(x, dict) for x in b) else v
                continue
            pos = {x[key]: i for i, x in enumerate(b)}
            merged = list(b)
            for x in v:
                if x[key] in pos:
                    merged[pos[x[key]]] = x
                else:
                    merged.append(x)
            out[k] = merged
        else:
            out[k] = v
    return out


def resolve_variant(data: dict[str, Any], file: str,
                    load: Callable[[str], tuple[dict[str, Any], str]], depth: int = 0) -> dict[str, Any]:
    """Data of a rulebook with its ``extends`` chain merged in (``load``: name -> (data, file))."""
    if "extends" not in data:
        return data
    base_name = data["extends"]
    if not isinstance(base_name, str) or not base_name:
        raise InputError("extends must name a rulebook (a built-in id or a path)", file=file,
                         key="extends")
    if depth >= MAX_DEPTH:
        raise InputError(f"variants nest more than {MAX_DEPTH} deep (a cycle?)", file=file,
                         key="extends")
    base, base_file = load(base_name)
    base = resolve_variant(base, base_file, load, depth + 1)
    over = {k: v for k, v in data.items() if k != "extends"}
    own = over.get("regime", {}).get("id") if isinstance(over.get("regime"), dict) else None
    if own is None or own == base.get("regime", {}).get("id"):
        raise InputError("a variant needs its own [regime] id", file=file, key="regime.id")
    return merge(base, over)
