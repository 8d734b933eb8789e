"""Loading rulebooks: TOML text -> checked :class:`Rulebook`, with errors that say where."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from scslab import inputfile
from scslab.errors import InputError
from scslab.regime.schema import Rulebook
from scslab.regime.variant import resolve_variant

_LIBRARY = "scslab.regime.library"


def builtin_regimes() -> list[str]:
    """Ids of the rulebooks shipped with scslab, sorted."""
    files = resources.files(_LIBRARY)
    return sorted(p.name[:-5] for p in files.iterdir() if p.name.endswith(".toml"))


def parse_toml(text: str, file: str) -> dict[str, Any]:
    """Parse TOML text; a syntax error becomes an :class:`InputError` with the line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        raise InputError(f"invalid TOML: {e}", file=file, line=int(m.group(1)) if m else None) from None
    except RecursionError:
        # tomllib parses nested arrays and inline tables recursively; no rulebook nests deeply.
        raise InputError("invalid TOML: arrays or tables nested too deeply", file=file) from None
    if inputfile.nesting_depth(data) > inputfile.MAX_NESTING:
        raise InputError(f"invalid TOML: arrays or tables nested too deeply (over "
                         f"{inputfile.MAX_NESTING} levels)", file=file)
    return data


#: ``check`` prints at most this many errors of one file, then how many more there were.
MAX_ERRORS = 20
_SHOWN_CHARS = 60  # of a bad value or a key in a message: enough to recognise it


def _clip(text: str) -> str:
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "..."


def _one_error(err: ErrorDetails, file: str) -> InputError:
    key = ".".join(
        f"[{p}]" if isinstance(p, int) else _clip(str(p)) for p in err["loc"]
    ).replace(".[", "[")
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown key (not part of the schema)"
    elif err["type"] == "missing":
        msg = "required key is missing"
    elif "input" in err and err["type"] not in ("value_error",):
        msg = f"{msg}; got {_clip(repr(err['input']))}"
    return InputError(msg, file=file, key=key or None)


def validation_error(e: ValidationError, file: str) -> InputError:
    """A pydantic ValidationError as one InputError: the first error with its key path.

    All of them (up to :data:`MAX_ERRORS`) go in ``related``, for ``scslab check``.
    """
    errors = e.errors()
    shown = [_one_error(x, file) for x in errors[:MAX_ERRORS]]
    first = shown[0]
    more = len(errors) - 1
    msg = first.message
    if more:
        msg += f" (and {more} more error{'s' if more > 1 else ''})"
    return InputError(msg, file=file, key=first.key, related=shown, total=len(errors))


def load_rulebook(name_or_path: str | Path) -> Rulebook:
    """Load a built-in rulebook by name (``"rongcheng"``) or a rulebook TOML file by path."""
    text, file = _read(name_or_path)
    data = parse_toml(text, file)
    if "extends" in data:
        base_dir = Path(file).parent if not file.startswith("<") else None

        def load(name: str) -> tuple[dict[str, Any], str]:
            if base_dir is not None and name.endswith(".toml") and not Path(name).is_absolute():
                name = str(base_dir / name)
            t, f = _read(name)
            return parse_toml(t, f), f
        data = resolve_variant(data, file, load)
    try:
        return Rulebook.model_validate(data)
    except ValidationError as e:
        raise validation_error(e, file) from None


def _read(name_or_path: str | Path) -> tuple[str, str]:
    p = Path(name_or_path)
    if p.suffix == ".toml" or inputfile.exists(p):
        return inputfile.read_text(p, "rulebook file"), str(p)
    name = str(name_or_path)
    if name in builtin_regimes():
        return builtin_text(name), f"<built-in {name}>"
    raise InputError(
        f"unknown regime {_clip(repr(name))}: not a file, and not a built-in regime "
        f"({', '.join(builtin_regimes())})"
    )


def builtin_text(name: str) -> str:
    """The TOML text of the built-in regime ``name`` (``scslab regimes export``)."""
    if name not in builtin_regimes():
        raise InputError(f"unknown regime {_clip(repr(name))}; built-in regimes are "
                         f"{', '.join(builtin_regimes())}")
    return (resources.files(_LIBRARY) / f"{name}.toml").read_text(encoding="utf-8")


def regime_list(rulebooks: list[Rulebook] | tuple[Rulebook, ...], regime: str, list_id: str,
                source: str, key: str) -> tuple[int, int]:
    """Indices of ``regime`` among ``rulebooks`` and of its list ``list_id``.

    A scenario names lists by regime id and list id; a wrong name is its error at ``key``
    (``key.regime`` or ``key.list``).
    """
    regimes = [rb.regime.id for rb in rulebooks]
    if regime not in regimes:
        raise InputError(f"unknown regime {regime!r}; the scenario runs {', '.join(regimes)}",
                         file=source, key=f"{key}.regime")
    r = regimes.index(regime)
    lists = [lst.id for lst in rulebooks[r].lists]
    if list_id not in lists:
        raise InputError(f"regime {regime} has no list {list_id!r} "
                         f"(lists: {', '.join(lists) or 'none'})", file=source, key=f"{key}.list")
    return r, lists.index(list_id)
