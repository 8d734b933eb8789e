"""The friends study's month ends: one measurement per calendar month, and the run's last day."""

from __future__ import annotations

import datetime as dt

from scslab.studies.measures.friends import month_ends


def test_month_ends_by_hand() -> None:
    # From 2019-01-01: 31 January days (index 30), 28 February days (index 58), then day 69 is
    # the last of a 70-day run.
    assert month_ends(dt.date(2019, 1, 1), 70) == [30, 58, 69]
    assert month_ends(dt.date(2019, 1, 1), 59) == [30, 58]
    assert month_ends(dt.date(2020, 2, 1), 29) == [28]  # a leap February
