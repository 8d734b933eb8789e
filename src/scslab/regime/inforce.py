"""Rules in force between dates: an act's ``in_force_from`` / ``in_force_until``.

Outside its dates a regime ignores the act's records (no points, no listing, no window count),
and persons weigh no points for it (the rate tables are rebuilt at each date a rule comes into
or goes out of force: :mod:`scslab.sim.timeline`).
"""

from __future__ import annotations

import datetime as _dt

import numpy as np

from scslab.dates import to_day
from scslab.regime.schema import Rulebook

ALWAYS_FROM = np.iinfo(np.int64).min // 2  # "in force since ever" [day number]
NO_END = np.iinfo(np.int64).max // 2  # "never goes out of force" [day number]


def _day(iso: str) -> int:
    return int(to_day(_dt.date.fromisoformat(iso)))


def act_periods(rb: Rulebook) -> tuple[np.ndarray, np.ndarray] | None:
    """Per act of ``rb``: first day in force and one past the last (int64); None: all always."""
    if not any(a.in_force_from or a.in_force_until for a in rb.acts):
        return None
    lo = np.array([ALWAYS_FROM if a.in_force_from is None else _day(a.in_force_from)
                   for a in rb.acts], np.int64)
    hi = np.array([NO_END if a.in_force_until is None else _day(a.in_force_until) + 1
                   for a in rb.acts], np.int64)
    return lo, hi


def changes(rb: Rulebook) -> set[int]:
    """The day numbers on which some act of ``rb`` comes into or goes out of force."""
    p = act_periods(rb)
    if p is None:
        return set()
    return {int(d) for d in np.concatenate(p) if ALWAYS_FROM < d < NO_END}


def as_of(rb: Rulebook, day: int) -> Rulebook:
    """``rb`` as persons see it on ``day``: acts out of force carry no points."""
    p = act_periods(rb)
    if p is None:
        return rb
    lo, hi = p
    out = (lo > day) | (hi <= day)
    if not out.any():
        return rb
    acts = [a.model_copy(update={"points": 0, "drop_to_band": None}) if o else a
            for a, o in zip(rb.acts, out.tolist(), strict=True)]
    return rb.model_copy(update={"acts": acts})
