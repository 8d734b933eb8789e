"""Calendar arithmetic on day numbers (``numpy.datetime64[D]`` counted from 1970-01-01).

Terms and expiries in the rulebooks are calendar terms ("2 years", "2 years 6 months"):
they end on the same day of the month that many months later, or on the month's last day
where that day does not exist (29 Feb + 1 year -> 28 Feb). Working days are Monday to Friday.
"""

from __future__ import annotations

import datetime as _dt

import numpy as np

EPOCH = np.datetime64("1970-01-01", "D")


def to_day(date: str | _dt.date) -> int:
    """Day number of an ISO date string or ``datetime.date``; raises ``ValueError`` if malformed."""
    if isinstance(date, _dt.date):
        return int((np.datetime64(date, "D") - EPOCH).astype(np.int64))
    return int((np.datetime64(_dt.date.fromisoformat(date), "D") - EPOCH).astype(np.int64))


def to_date(day: int | np.integer) -> _dt.date:
    """``datetime.date`` of a day number."""
    return (EPOCH + np.timedelta64(int(day), "D")).astype(object)


def iso(day: int | np.integer) -> str:
    """ISO string (YYYY-MM-DD) of a day number."""
    return str(EPOCH + np.timedelta64(int(day), "D"))


def add_months(day: np.ndarray | int, months: np.ndarray | int) -> np.ndarray:
    """Day numbers ``months`` calendar months after ``day``, clamped to the month's end.

    Vectorised: both arguments broadcast. Years are 12 months.
    """
    d = EPOCH + np.asarray(day, dtype=np.int64).astype("timedelta64[D]")
    month0 = d.astype("datetime64[M]")
    dom = (d - month0.astype("datetime64[D]")).astype(np.int64)  # 0-based day of month
    target = month0 + np.asarray(months, dtype=np.int64).astype("timedelta64[M]")
    last = ((target + np.timedelta64(1, "M")).astype("datetime64[D]") - np.timedelta64(1, "D"))
    start = target.astype("datetime64[D]")
    out = np.minimum(start + dom.astype("timedelta64[D]"), last)
    return (out - EPOCH).astype(np.int64)


def add_working_days(day: np.ndarray | int, n: np.ndarray | int) -> np.ndarray:
    """The ``n``-th working day (Mon-Fri) strictly after ``day`` (vectorised)."""
    d = EPOCH + np.asarray(day, dtype=np.int64).astype("timedelta64[D]")
    # roll='backward' makes a weekend trigger count from the Friday before it, so that
    # Saturday + 3 working days is Wednesday (Mon, Tue, Wed), as for Friday.
    out = np.busday_offset(d, n, roll="backward")
    return (out - EPOCH).astype(np.int64)
