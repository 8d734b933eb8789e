"""Parameters of an experiment as the command line gives them.

``--set PATH=V1,V2,...`` is one sweep axis (each value a TOML value, else plain text; commas
inside brackets, braces or quotes do not split) and ``--param PATH=LOW:HIGH`` is one range for
sensitivity analysis and calibration. Bad input raises :class:`InputError` naming the option.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from scslab.errors import InputError


def toml_value(text: str, option: str) -> Any:
    """``text`` read as a TOML value (``0.6``, ``true``, ``[1, 2]``, ``{a = 1}``), else as text."""
    from scslab.regime.load import parse_toml

    try:
        return parse_toml(f"v = {text}", option)["v"]
    except InputError:
        return text.strip()


def split_top(text: str) -> list[str]:
    """Split ``text`` at commas that are outside brackets, braces and quotes."""
    parts: list[str] = []
    cur: list[str] = []
    depth, quote = 0, ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    parts.append("".join(cur))
    return parts


def _key(item: str, sep: str, option: str, form: str) -> tuple[str, str]:
    key, eq, text = item.partition(sep)
    key = key.strip()
    if not eq or not key or not text.strip():
        raise InputError(f"option {option}: expected {form}, got {item[:60]!r}")
    return key, text


def parse_axes(items: list[str], option: str = "--set") -> dict[str, list[Any]]:
    """``PATH=V1,V2,...`` options as ``{path: [values]}`` in the order given."""
    axes: dict[str, list[Any]] = {}
    for item in items:
        key, text = _key(item, "=", option, "PATH=V1,V2,...")
        if key in axes:
            raise InputError(f"option {option}: {key!r} is given twice")
        parts = split_top(text)
        if any(not p.strip() for p in parts):
            raise InputError(f"option {option}: empty value in {item[:60]!r}")
        values = [toml_value(p, option) for p in parts]
        if len({repr(v) for v in values}) < len(values):
            raise InputError(f"option {option}: {key!r} lists a value twice")
        axes[key] = values
    return axes


@dataclass(frozen=True)
class Range:
    """One parameter's range ``[low, high]`` (``integer`` when both bounds are whole numbers)."""

    path: str
    low: float
    high: float
    integer: bool = False

    def value(self, x: float) -> float | int:
        """``x`` in the parameter's type (rounded for an integer parameter)."""
        return round(x) if self.integer else float(x)


def parse_ranges(items: list[str], option: str = "--param") -> list[Range]:
    """``PATH=LOW:HIGH`` options as ranges, each checked (finite, LOW < HIGH, no path twice)."""
    out: list[Range] = []
    for item in items:
        key, text = _key(item, "=", option, "PATH=LOW:HIGH")
        lo_text, colon, hi_text = text.partition(":")
        lo, hi = toml_value(lo_text, option), toml_value(hi_text, option)
        if (not colon or isinstance(lo, bool) or isinstance(hi, bool)
                or not isinstance(lo, int | float) or not isinstance(hi, int | float)
                or not math.isfinite(lo) or not math.isfinite(hi)):
            raise InputError(f"option {option}: {key}: expected LOW:HIGH numbers, got {text[:40]!r}")
        if not lo < hi:
            raise InputError(f"option {option}: {key}: LOW must be below HIGH, got {text[:40]!r}")
        if any(r.path == key for r in out):
            raise InputError(f"option {option}: {key!r} is given twice")
        out.append(Range(key, float(lo), float(hi), isinstance(lo, int) and isinstance(hi, int)))
    if not out:
        raise InputError(f"option {option}: at least one PATH=LOW:HIGH is needed")
    return out
