"""Printing untrusted text: rulebook and scenario strings, subject ids, file names.

Such text may hold terminal escape codes (a rulebook's name could clear the screen or retitle
the window) or bidirectional overrides that make a line read differently from what it holds.
:func:`safe_text` removes them before anything reaches the terminal.
"""

from __future__ import annotations

import re

# CSI (ESC [ ... final byte) and OSC (ESC ] ... BEL or ESC \), then any other ESC sequence,
# then the C1 forms of CSI and OSC; the remaining C0/C1 controls go in a second pass.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[@-Z\\-_]"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|\x9d[^\x07\x9c]*[\x07\x9c]?"
)
# C0 controls but tab and newline, DEL, C1 controls, the BOM, and the bidirectional embeddings,
# overrides and isolates (U+202A-U+202E, U+2066-U+2069).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff\u202a-\u202e\u2066-\u2069]")
# Characters a subject id must not hold: every control above, and tab and newline as well.
_ID_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\ufeff\u202a-\u202e\u2066-\u2069]")


def safe_text(text: object) -> str:
    """``text`` as a string without terminal escape sequences or control characters.

    Tabs and newlines are kept (descriptions span lines); everything else that could move the
    cursor, change colours or reorder the line is removed.
    """
    s = str(text)
    if s.isprintable():  # the common case: nothing to strip (newlines are not printable)
        return s
    return _CONTROLS.sub("", _ESCAPES.sub("", s))


def forbidden_char(text: str) -> str | None:
    """The first control, BOM or bidi character in ``text`` (as ``U+XXXX``), or None."""
    m = _ID_FORBIDDEN.search(text)
    return None if m is None else f"U+{ord(m.group()):04X}"
