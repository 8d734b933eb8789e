"""The backlash study's outcry rule on hand-made counts: publications, lag, threshold."""

from __future__ import annotations

import datetime as dt

import numpy as np

from scslab.studies.measures.backlash import NEVER, month_ends, outcry_day


def test_month_ends_of_2010() -> None:
    start = dt.date(2010, 1, 1)
    assert month_ends(start, 90)[:2] == [30, 58]  # 31 Jan and 28 Feb


def test_outcry_trips_on_the_first_publication_at_or_over_the_threshold() -> None:
    start = dt.date(2010, 1, 1)
    ever = np.zeros(200)
    ever[20:] = 1.0   # 1 per 100,000 from 21 Jan
    ever[70:] = 2.0   # 2 per 100,000 from 12 Mar
    # Publications from the end of Feb (day 58) on, 22 days after each month's end.
    assert outcry_day(ever, start, 22, 1.0, first=58) == 58 + 22     # 22 Mar
    assert outcry_day(ever, start, 22, 1.5, first=58) == 89 + 22     # the end of March, published 22 Apr
    assert outcry_day(ever, start, 22, 3.0, first=58) == NEVER
    # A publication after the horizon does not count.
    assert outcry_day(ever[:80], start, 22, 1.0, first=58) == NEVER
