"""The self-discipline study's monthly samples: taken once a month, dated on the month's first."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pytest

from scslab.studies.measures.self_discipline import Measure


def _sim() -> SimpleNamespace:
    score = np.array([1000, 960, 900, 800], np.int64)
    labels = ["A", "B", "C"]

    def band_index(p: np.ndarray) -> np.ndarray:
        s = score[p]
        return np.where(s >= 960, 0, np.where(s >= 850, 1, 2))

    e = SimpleNamespace(rulebook=SimpleNamespace(regime=SimpleNamespace(id="rongcheng")),
                        score=score, band_labels=labels, band_index=band_index)
    return SimpleNamespace(engines=[e], n_persons=4, n_days=70,
                           plan=SimpleNamespace(horizon=SimpleNamespace(start_date="2020-01-01")))


def test_samples_fall_on_the_first_of_each_month() -> None:
    m = Measure(_sim(), {"regime": "rongcheng"}, None)
    for k in range(70):  # 1 Jan .. 10 Mar 2020
        m.on_day(k)
    dates = sorted({d for _, d, _ in m.samples})
    assert dates == [dt.date(2020, 2, 1), dt.date(2020, 3, 1)]
    feb = {name: v for name, d, v in m.samples if d == dt.date(2020, 2, 1)}
    assert feb["share_band_A"] == 0.5 and feb["share_band_B"] == 0.25 and feb["share_band_C"] == 0.25
    assert feb["score_sd"] == pytest.approx(float(np.std([1000, 960, 900, 800])))
