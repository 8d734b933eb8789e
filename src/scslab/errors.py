"""User-input errors: one exception type that says what is wrong and where.

The CLI turns :class:`InputError` into one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class InputError(ValueError):
    """Bad user input: a rulebook, scenario, record file or command-line value.

    Args:
        message: what is wrong and what was expected.
        file: the file that holds the bad input, if any.
        line: 1-based line number in ``file``, if known.
        key: dotted key path inside a TOML file (``acts[3].points``), if any.
        related: every error found in the same input, this one first (``scslab check`` prints
            them all; other commands print only this one, which counts the rest).
        total: how many errors there were, if more than ``related`` holds.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        key: str | None = None,
        related: Sequence[InputError] = (),
        total: int | None = None,
    ) -> None:
        self.message = message
        self.file = None if file is None else str(file)
        self.line = line
        self.key = key
        self.related: tuple[InputError, ...] = tuple(related) or (self,)
        self.total = max(total or 0, len(self.related))
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            where.append(self.file if self.line is None else f"{self.file}:{self.line}")
        if self.key:
            where.append(f"key '{self.key}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message
