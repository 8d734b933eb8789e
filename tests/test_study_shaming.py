"""The shaming study's views-to-viewers model, on a hand-checked case."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from scslab.studies.measures.shaming import _Pilot


def _pilot(public: float, per_tie: float, pool: float) -> _Pilot:
    ch = SimpleNamespace(id="shamed_x", viewers_per_day=public, viewers_per_tie_per_day=per_tie)
    sh = SimpleNamespace(channels=[ch], on=np.zeros((3, 1), bool))
    eng = SimpleNamespace(rulebook=SimpleNamespace(regime=SimpleNamespace(id="pilot")))
    sim = SimpleNamespace(n_persons=3, engines=[eng])
    return _Pilot(sim, 0, sh, {"shamed_x": pool})


def test_distinct_viewers_saturate_at_the_pool_and_the_friends() -> None:
    p = _pilot(public=100.0, per_tie=0.2, pool=1000.0)
    for day in range(10):  # person 0 shamed 10 days, person 1 one day, person 2 never
        p.sh.on[:] = False
        p.sh.on[0, 0] = True
        p.sh.on[1, 0] = day == 0
        p.on_day(3)
    deg = np.array([5, 0, 7])
    got = p.distinct_viewers(deg)
    # 1000 views over a pool of 1000, plus 5 friends each heard with 1 - e^-2.
    assert np.allclose(got, [1000 * (1 - np.exp(-1)) + 5 * (1 - np.exp(-2)),
                             1000 * (1 - np.exp(-0.1))])
    assert p.ever.tolist() == [True, True, False]
    assert p.exited.tolist() == [False, True, False]  # person 1 left after day 0
