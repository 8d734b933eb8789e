"""Windowed factor inputs kept incrementally (WindowSum) against a brute-force re-sum.

The reference recomputes each windowed sum from every record from scratch, as np.bincount over
the records after the cutoff in arrival order (what FactorModel computed before the sums were
kept incrementally); results must be bit-identical, not merely close.
"""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scslab.dates import to_date, to_day
from scslab.regime import Engine, load_rulebook
from scslab.regime.factor import FactorModel
from scslab.regime.window import WindowSum, fraction_bits

N = 6  # subjects; the streams leave some of them without records

# ------------------------------------------------------------------------------ WindowSum
WEIGHTS = {
    "ones": st.just(1.0),
    "integers": st.integers(-1000, 1000).map(float),
    "dyadic": st.integers(-4096, 4096).map(lambda k: k / 64),
    "decimal": st.integers(-10_000, 10_000).map(lambda k: k / 100),  # 0.01 is not dyadic
    "huge": st.sampled_from([1.0, 2.0 ** 52, 3.0 * 2.0 ** 50, -(2.0 ** 51), 1e12]),
    "mixed": st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
}


def reference(records: list[tuple[int, int, float]], cutoff: int, n: int) -> np.ndarray:
    """Sum per subject over the records with day > cutoff, from scratch, in arrival order.

    float64 throughout (np.bincount of no records with weights gives int64 zeros; same values).
    """
    keep = [(s, w) for d, s, w in records if d > cutoff]
    s = np.array([x for x, _ in keep], np.int64)
    w = np.array([x for _, x in keep], np.float64)
    return np.bincount(s, weights=w, minlength=n).astype(np.float64)


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal bit for bit (so 0.0 and -0.0 differ; NaNs compare by pattern)."""
    return a.shape == b.shape and a.dtype == b.dtype and \
        bool((a.view(np.int64) == b.view(np.int64)).all())


@st.composite
def stream(draw: st.DrawFn, ordered: bool = True) -> tuple[list, list]:
    """A stream of days of records (day, subjects, weights) and update cutoffs among them.

    Returns (events, []), events being ("add", day, subjects, weights) or ("update", cutoff),
    with non-decreasing cutoffs; record days non-decreasing unless ``ordered`` is false.
    """
    weights = draw(st.sampled_from(sorted(WEIGHTS)))
    wst = WEIGHTS[weights]
    subj = st.integers(0, draw(st.integers(0, N - 1)))  # subjects above it get no records
    events: list = []
    day, cutoff = 0, -1
    for _ in range(draw(st.integers(0, 40))):
        if draw(st.booleans()):
            day += draw(st.integers(0, 3))
            d = day if ordered else max(0, day - draw(st.integers(0, 6)))
            k = draw(st.integers(0, 5))
            s = draw(st.lists(subj, min_size=k, max_size=k))
            w = draw(st.one_of(st.none(), st.lists(wst, min_size=k, max_size=k)))
            events.append(("add", d, s, w))
        else:
            # cutoffs move on by 0.. days: equal cutoffs, records exactly on the cutoff
            cutoff += draw(st.integers(0, 4))
            events.append(("update", cutoff))
    events.append(("update", cutoff + draw(st.integers(0, 200))))  # often everything leaves
    return events, []


def check(events: list) -> None:
    """Replay ``events`` into a WindowSum and compare every update with the reference."""
    ws = WindowSum(N)
    records: list[tuple[int, int, float]] = []
    for e in events:
        if e[0] == "add":
            _, d, s, w = e
            ws.add(d, np.array(s, np.int64), None if w is None else np.array(w, np.float64))
            records += [(d, x, 1.0 if w is None else w[j]) for j, x in enumerate(s)]
        else:
            got = ws.update(e[1])
            want = reference(records, e[1], N)
            assert same_bits(got, want), (e, got, want)


@settings(max_examples=400, deadline=None)
@given(stream())
def test_window_sums_match_a_re_sum_from_scratch(ev):
    check(ev[0])


@settings(max_examples=200, deadline=None)
@given(stream(ordered=False))
def test_window_sums_match_with_days_out_of_order(ev):
    check(ev[0])


def test_an_update_returns_a_copy_and_an_empty_window_is_zero():
    ws = WindowSum(3)
    assert same_bits(ws.update(10), np.zeros(3))  # nothing ever added
    ws.add(11, np.array([1, 1]), None)
    a = ws.update(10)
    a[:] = 99  # the caller's copy
    assert ws.update(10).tolist() == [0, 2, 0]
    assert ws.update(11).tolist() == [0, 0, 0]  # the record on the cutoff day has left


def test_inexact_weights_re_sum_in_arrival_order():
    # 0.1 + 0.2 - 0.1 would drift; the window re-sums what is left, in arrival order
    ws = WindowSum(1)
    for d, w in ((1, 0.1), (2, 0.2), (3, 0.3)):
        ws.add(d, np.array([0]), np.array([w]))
    assert same_bits(ws.update(0), np.array([0.1 + 0.2 + 0.3]))
    assert same_bits(ws.update(1), np.array([0.2 + 0.3]))
    ws.add(4, np.array([0]), np.array([4.0]))
    assert same_bits(ws.update(2), np.array([0.3 + 4.0]))
    assert same_bits(ws.update(3), np.array([4.0]))  # exact again: kept incrementally from here
    ws.add(5, np.array([0]), np.array([5.0]))
    assert same_bits(ws.update(4), np.array([5.0]))


def test_non_finite_weights_as_bincount():
    ws = WindowSum(2)
    ws.add(1, np.array([0, 1]), np.array([np.inf, np.nan]))
    ws.add(2, np.array([0, 1]), np.array([1.0, 1.0]))
    got = ws.update(0)
    assert got[0] == np.inf and np.isnan(got[1])
    assert same_bits(ws.update(1), np.array([1.0, 1.0]))


@pytest.mark.parametrize(("w", "bits"), [
    ([1.0, -3.0, 0.0, -0.0], 0), ([0.5], 1), ([0.75, 2.0], 2), ([3 / 64], 6),
    ([2.0 ** -1074], 1074), ([0.1], 55), ([1e300], 0), ([np.nan], None), ([np.inf], None),
])
def test_fraction_bits(w, bits):
    assert fraction_bits(np.array(w)) == bits


# ---------------------------------------------------------------------------- FactorModel
RULEBOOK = """
[regime]
id = "windows"
name = "Windowed inputs"
description = "A test regime."

[score]
kind = "factor"
initial = 50
min = 0
max = 100

[update]
cadence = "monthly"

[[acts]]
id = "a"
category = "reward"

[[acts]]
id = "b"
category = "civic"

[[factors]]
id = "f"
weight = 1
baseline = 0.5

[[factors.inputs]]
quantity = "count"
acts = ["a"]
window = "1m"
curve = [[0, 0], [10, 0.2]]

[[factors.inputs]]
quantity = "value_sum"
acts = ["a", "b"]
window = "2m3d"
curve = [[0, 0], [100, 0.2]]

[[factors.inputs]]
quantity = "count"
acts = ["b"]
window = "1y"
curve = [[0, 0], [10, 0.2]]

[[sources]]
key = "S"
title = "A source"
url = "https://example.org/s"
"""
WINDOWS = [(1, 0), (2, 3), (12, 0)]  # (months, days) of the inputs above
ACTS = [{0}, {0, 1}, {1}]  # the acts each input reads


def months_back(day: int, months: int) -> int:
    """``months`` calendar months before ``day``, on the month's last day where it has no such day.

    Written with ``calendar`` rather than :func:`scslab.dates.add_months`.
    """
    d = to_date(day)
    m = d.year * 12 + d.month - 1 - months
    y, mo = divmod(m, 12)
    return to_day(dt.date(y, mo + 1, min(d.day, calendar.monthrange(y, mo + 1)[1])))


@pytest.fixture(scope="module")
def rulebook(tmp_path_factory):
    p = tmp_path_factory.mktemp("rb") / "windows.toml"
    p.write_text(RULEBOOK)
    return load_rulebook(p)


def model_of(rb, n: int = N) -> FactorModel:
    m = Engine(rb, n).init().ext
    assert isinstance(m, FactorModel)
    return m


def model_reference(records: list, day: int, i: int) -> np.ndarray:
    """Input ``i`` on ``day`` from scratch: records after its cutoff, in arrival order."""
    cutoff = months_back(day, WINDOWS[i][0]) - WINDOWS[i][1]
    rows = [(d, s, 1.0 if i != 1 else v) for d, s, a, v in records if a in ACTS[i]]
    return reference(rows, cutoff, N)


# Month ends of different lengths: 31 Jan, 29 Feb (leap), 31 Mar, 30 Apr, 31 May; a year back
# from 29 Feb 2024 is 28 Feb 2023.
FIRST = to_day("2023-12-20")
MONTH_ENDS = [to_day(x) for x in ("2024-01-31", "2024-02-29", "2024-03-30", "2024-03-31",
                                  "2024-04-30", "2024-05-31", "2024-03-01", "2024-03-29")]


@st.composite
def model_stream(draw: st.DrawFn) -> list:
    """Days of records (day, subject, act, value) and update days, both in day order."""
    updates = sorted(set(draw(st.lists(st.sampled_from(MONTH_ENDS) | st.integers(FIRST, FIRST + 180),
                                       max_size=8))))
    # record days: any day, and the days on the updates' cutoffs and just after
    cut = [months_back(u, m) - d + k for u in updates for m, d in WINDOWS for k in (0, 1)]
    day_st = st.integers(FIRST - 400, FIRST + 180) | (st.sampled_from(cut) if cut else st.nothing())
    days = sorted(draw(st.lists(day_st, max_size=30)))
    value = st.sampled_from([1.0, 2.0, 0.5, 0.1, 12.34, 1e6])
    rec = st.tuples(st.integers(0, N - 2), st.integers(0, 1), value)  # subject N-1: no records
    events = [("rec", d, draw(st.lists(rec, min_size=1, max_size=4))) for d in days]
    events += [("update", u, []) for u in updates]
    events.sort(key=lambda e: (e[1], e[0] == "update"))  # a day's records, then its update
    return events


@settings(max_examples=300, deadline=None)
@given(model_stream())
def test_factor_model_windows_match_a_re_sum_from_scratch(rulebook, events):
    m = model_of(rulebook)
    records: list = []
    for kind, day, recs in events:
        if kind == "rec":
            s = np.array([r[0] for r in recs], np.int64)
            a = np.array([r[1] for r in recs], np.int64)
            v = np.array([r[2] for r in recs], np.float64)
            m.observe(day, s, a, v, np.full(len(s), np.nan))
            records += [(day, *r) for r in recs]
        else:
            q = m.quantities(day)
            for i in range(3):
                assert same_bits(q[i], model_reference(records, day, i)), (i, day)


@pytest.mark.parametrize(("update", "cutoff"), [
    ("2024-03-31", "2024-02-29"), ("2023-03-31", "2023-02-28"), ("2024-05-31", "2024-04-30"),
    ("2024-03-29", "2024-02-29"), ("2024-03-01", "2024-02-01"),
])
def test_records_on_the_cutoff_day_have_left(rulebook, update, cutoff):
    m = model_of(rulebook)
    c = to_day(cutoff)
    a = np.array([0, 0])
    m.observe(c - 1, np.array([0, 1]), a, np.ones(2), np.full(2, np.nan))
    m.observe(c, np.array([1, 2]), a, np.ones(2), np.full(2, np.nan))
    m.observe(c + 1, np.array([2, 3]), a, np.ones(2), np.full(2, np.nan))
    q = m.quantities(to_day(update))[0]  # the 1-month count
    assert q.tolist() == [0, 0, 1, 1, 0, 0]
