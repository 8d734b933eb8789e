"""Loading rulebooks: TOML text -> checked :class:`Rulebook`, with errors that say where."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from scslab.errors import InputError
from scslab.regime.schema import Rulebook

_LIBRARY = "scslab.regime.library"


def builtin_regimes() -> list[str]:
    """Ids of the rulebooks shipped with scslab, sorted."""
    files = resources.files(_LIBRARY)
    return sorted(p.name[:-5] for p in files.iterdir() if p.name.endswith(".toml"))


def parse_toml(text: str, file: str) -> dict:
    """Parse TOML text; a syntax error becomes an :class:`InputError` with the line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        raise InputError(f"invalid TOML: {e}", file=file, line=int(m.group(1)) if m else None) from None


def validation_error(e: ValidationError, file: str) -> InputError:
    """The first error of a pydantic ValidationError, as an InputError with its key path."""
    err = e.errors()[0]
    key = ".".join(
        f"[{p}]" if isinstance(p, int) else str(p) for p in err["loc"]
    ).replace(".[", "[")
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown key (not part of the schema)"
    elif err["type"] == "missing":
        msg = "required key is missing"
    elif "input" in err and err["type"] not in ("value_error",):
        msg = f"{msg}; got {err['input']!r}"
    more = len(e.errors()) - 1
    if more:
        msg += f" (and {more} more error{'s' if more > 1 else ''})"
    return InputError(msg, file=file, key=key or None)


def load_rulebook(name_or_path: str | Path) -> Rulebook:
    """Load a built-in rulebook by name (``"rongcheng"``) or a rulebook TOML file by path."""
    text, file = _read(name_or_path)
    data = parse_toml(text, file)
    try:
        return Rulebook.model_validate(data)
    except ValidationError as e:
        raise validation_error(e, file) from None


def _read(name_or_path: str | Path) -> tuple[str, str]:
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        if not p.is_file():
            raise InputError("no such rulebook file", file=str(p))
        return p.read_text(encoding="utf-8"), str(p)
    name = str(name_or_path)
    if name in builtin_regimes():
        res = resources.files(_LIBRARY) / f"{name}.toml"
        return res.read_text(encoding="utf-8"), f"<built-in {name}>"
    raise InputError(
        f"unknown regime {name!r}: not a file, and not a built-in regime "
        f"({', '.join(builtin_regimes())})"
    )
