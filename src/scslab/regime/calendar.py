"""Calendar events: what a regime's state does on a date without a record.

Three kinds, each a typed record with an ``apply``:

* :class:`Expire`: points recorded earlier stop counting (retention, ``expires``);
* :class:`TermEnd`: a fixed listing term ends, and the deletion is scheduled (or done today);
* :class:`Delete`: a scheduled deletion takes effect.

**Order within a day** (the one place it is defined): a day's events apply before the day's
records, in the order they were scheduled; an event whose subjects no longer qualify (a term
that was extended, a deletion cancelled by a new listing, points erased since) is skipped for
them, so stale events cost nothing else. Triggers are checked after the events, for the subjects
they touched (see :mod:`scslab.regime.points`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from scslab.dates import add_working_days
from scslab.regime.rules import NEVER, Rule

if TYPE_CHECKING:
    from scslab.regime.state import RegimeState


class Event(Protocol):
    """A calendar event of some subjects."""

    # Read-only: the events are frozen dataclasses, and the calendar only reads their subjects.
    @property
    def subjects(self) -> np.ndarray:
        """The subject rows the event concerns."""
        ...

    def apply(self, state: RegimeState, day: int) -> None:
        """Apply the event on ``day``."""


@dataclass(frozen=True)
class Expire:
    """Points of ``act`` recorded on day ``made`` stop counting.

    ``amount`` per subject is taken back, unless the subject's points were erased since
    (``epoch`` changed).
    """

    act: int
    subjects: np.ndarray
    amount: np.ndarray  # int64 [points]
    epoch: np.ndarray | None
    made: int

    def apply(self, state: RegimeState, day: int) -> None:
        """Take the points back on ``day`` from the subjects whose points still count."""
        s, amount = self.subjects, self.amount
        if state.epoch is not None and self.epoch is not None:
            live = state.epoch[s] == self.epoch
            s, amount = s[live], amount[live]
        if not len(s):
            return
        # Only points are scheduled to expire, and only a regime with a score has points.
        assert state.score is not None
        base = state.score[s].astype(np.int64) if state.raw is None else state.raw[s]
        raw = base - amount
        new = raw if state.t.lo is None and state.t.hi is None else \
            np.clip(raw, state.t.lo, state.t.hi)
        state.set_scores(day, s, new, self.act, int(Rule.EXPIRED), raw=raw, ref=self.made)


@dataclass(frozen=True)
class TermEnd:
    """The fixed term of ``subjects`` on list ``li`` ends (if it still ends today)."""

    li: int
    subjects: np.ndarray

    def apply(self, state: RegimeState, day: int) -> None:
        """Request the deletion of the subjects whose term still ends on ``day``."""
        s = self.subjects
        s = s[(state.list_until[self.li][s] == day) & (state.list_pending[self.li][s] == NEVER)]
        if not len(s):
            return
        delay = state.t.lists[self.li].delay
        when = int(add_working_days(day, delay)) if delay else day
        state.request_deletion(day, when, self.li, s, -1, Rule.LIST_TERM_ENDED)


@dataclass(frozen=True)
class Delete:
    """A scheduled deletion from list ``li`` takes effect (if still scheduled for today)."""

    li: int
    subjects: np.ndarray

    def apply(self, state: RegimeState, day: int) -> None:
        """Delete the subjects whose deletion is still scheduled for ``day``."""
        s = self.subjects[state.list_pending[self.li][self.subjects] == day]
        if len(s):
            state.delete(day, self.li, s)


class Calendar:
    """Events by day number, each day's in the order they were scheduled."""

    def __init__(self) -> None:
        self._days: dict[int, list[Event]] = {}

    def schedule(self, day: int, event: Event) -> None:
        """Add ``event`` on ``day``."""
        self._days.setdefault(int(day), []).append(event)

    def pop(self, day: int) -> list[Event]:
        """The events of ``day``, removed from the calendar."""
        return self._days.pop(day, [])

    def next_day(self) -> int | None:
        """The earliest day with an event, or None."""
        return min(self._days) if self._days else None
