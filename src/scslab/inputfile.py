"""Reading user files (rulebooks, scenarios, record files) as text, with errors that say where.

Every reader goes through here, so an unreadable path, a file that is not UTF-8 (UTF-16 saved by
a spreadsheet, Latin-1) or a path the operating system refuses gives one :class:`InputError`
naming the file, never a ``UnicodeDecodeError`` or ``OSError`` traceback.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path

from scslab.errors import InputError

#: Larger text inputs are refused: no rulebook or scenario comes near, and reading one
#: would only exhaust memory. Record files are streamed and have no such limit.
MAX_TEXT_BYTES = 16 * 1024 * 1024


#: Deepest nesting of arrays and tables a rulebook, scenario or manifest may have. The deepest
#: shipped file nests 7 levels; the limit is explicit because whether a parser overflows its
#: recursion limit first differs between Python versions.
MAX_NESTING = 32


def nesting_depth(value: object) -> int:
    """Depth of nested lists and dicts in a parsed TOML or JSON value (a scalar is 0)."""
    deepest, stack = 0, [(value, 1)]
    while stack:  # iterative: the value may be deeper than Python's recursion limit
        v, depth = stack.pop()
        if isinstance(v, dict):
            v = list(v.values())
        if isinstance(v, list):
            deepest = max(deepest, depth)
            stack.extend((item, depth + 1) for item in v if isinstance(item, (list, dict)))
    return deepest


def os_problem(exc: OSError) -> str:
    """A short reason for an ``OSError`` (``File name too long``, ``Permission denied``)."""
    return exc.strerror or type(exc).__name__


def is_file(path: str | Path) -> bool:
    """Whether ``path`` is a regular file; a path the OS refuses (too long, ...) is an error."""
    try:
        return Path(path).is_file()
    except OSError as exc:  # ENAMETOOLONG and friends: pathlib ignores only "not found"
        raise InputError(f"unusable path: {os_problem(exc)}", file=shown_path(path)) from None


def exists(path: str | Path) -> bool:
    """Whether anything exists at ``path``; a path the OS refuses is an error."""
    try:
        return Path(path).exists()
    except OSError as exc:
        raise InputError(f"unusable path: {os_problem(exc)}", file=shown_path(path)) from None


def shown_path(path: str | Path) -> str:
    """The path for a message, cut if very long (a 300-character name is not worth repeating)."""
    s = str(path)
    return s if len(s) <= 200 else s[:120] + "..." + s[-60:]


def refuse_utf16(head: bytes, file: str | Path) -> None:
    """Raise if the first bytes of a file show UTF-16 or UTF-32 (a BOM, or ASCII with NULs)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
            len(head) > 1 and (head[0] == 0) != (head[1] == 0)):
        raise InputError("the file is UTF-16 (or UTF-32) text; save it as UTF-8", file=file,
                         line=1)


def decode(data: bytes, file: str | Path) -> str:
    """UTF-8 text of ``data`` (a leading BOM is dropped); anything else is an InputError."""
    refuse_utf16(data[:4], file)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded; save "
                         "the file as UTF-8", file=file, line=line) from None


def bad_utf8_line(path: str | Path) -> int:
    """The 1-based line of the first byte of ``path`` that is not UTF-8.

    The file is read in chunks, for record files too large to hold twice.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with Path(path).open("rb") as f:
        while chunk := f.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return line + chunk.count(b"\n", 0, max(exc.start, 0))
            line += chunk.count(b"\n")
    return line


def read_text(path: str | Path, what: str) -> str:
    """The UTF-8 text of the file ``path``; ``what`` names it in errors ("rulebook file")."""
    p = Path(path)
    if not is_file(p):
        raise InputError(f"no such {what}", file=shown_path(p))
    try:
        size = os.path.getsize(p)
        if size > MAX_TEXT_BYTES:
            raise InputError(f"the {what} is {size:,} bytes; at most {MAX_TEXT_BYTES:,} are read",
                             file=p)
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the {what}: {os_problem(exc)}", file=shown_path(p)) from None
    return decode(data, p)
