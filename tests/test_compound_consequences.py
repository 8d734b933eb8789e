"""Compound consequences: a band AND the presence or absence of a list entry.

Hand-computed replay cases on a small rulebook and on Sesame's deposit-free bike (>= 600 and no
bad credit record in 5 years), the gates' answers, and the daily counts against brute force.
"""

from __future__ import annotations

import tomllib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from scslab.gates.services import load_services
from scslab.gates.system import Gates
from scslab.regime import Engine, describe_rulebook
from scslab.regime.schema import Rulebook
from scslab.rng import Streams
from test_gates import DAY, small_society

# Score 0 + 10 per 'good'; band high >= 10. Lists: flagged (removed by 'cleared'), vip.
RULEBOOK = """
[regime]
id = "compound-test"
name = "compound consequences"
description = "a perk in a band unless flagged; a lounge in a band and on a list"
[score]
initial = 0
[[bands]]
label = "high"
min = 10
[[bands]]
label = "low"
[[acts]]
id = "good"
category = "moral"
points = 10
[[acts]]
id = "bad"
category = "financial"
[[acts]]
id = "cleared"
category = "financial"
[[acts]]
id = "made_vip"
category = "commercial"
[[lists]]
id = "flagged"
entries = [{ act = "bad" }]
removal_acts = ["cleared"]
[[lists]]
id = "vip"
entries = [{ act = "made_vip" }]
[[consequences]]
band = "high"
not_on_list = "flagged"
privileges = ["deposit_free_bike"]
[[consequences]]
band = "high"
list = "vip"
privileges = ["discounted_air_tickets"]
[[consequences]]
list = "flagged"
not_on_list = "vip"
restrictions = ["flight"]
[[sources]]
key = "T"
title = "test"
url = "https://example.org"
"""
RB = Rulebook.model_validate(tomllib.loads(RULEBOOK))
ACTS = RB.act_ids()


def held(csv: str, replay_rows, tmp_path) -> dict[str, tuple[list[str], list[str]]]:
    path = tmp_path / "compound.toml"
    path.write_text(RULEBOOK, encoding="utf-8")
    rows = replay_rows(str(path), "date,subject,act\n" + csv)
    return {s: (r["restrictions"], r["privileges"]) for s, r in rows.items()}


@pytest.mark.parametrize(("records", "restrictions", "privileges"), [
    ([], [], []),
    (["good"], [], ["deposit_free_bike"]),  # high, not flagged
    (["good", "bad"], ["flight"], []),  # flagged: the perk goes, the flight ban comes
    (["good", "bad", "cleared"], [], ["deposit_free_bike"]),  # cleared: the perk is back
    (["bad"], ["flight"], []),  # low and flagged
    (["good", "made_vip"], [], ["deposit_free_bike", "discounted_air_tickets"]),
    (["made_vip"], [], []),  # on the list but not in the band
    (["good", "made_vip", "bad"], [], ["discounted_air_tickets"]),  # vip: flagged without a ban
])
def test_hand_computed_holdings(replay_rows, tmp_path, records, restrictions, privileges):
    csv = "".join(f"2024-01-{i + 1:02d},a,{r}\n" for i, r in enumerate(records)) or "2024-01-01,a,cleared\n"
    assert held(csv + "2024-01-01,b,cleared\n", replay_rows, tmp_path)["a"] == (restrictions, privileges)


def test_schema_accepts_band_and_list_together_and_rejects_nonsense():
    data = tomllib.loads(RULEBOOK)
    for bad, msg in [({"not_on_list": "flagged", "privileges": ["x"]}, "give a band, a list"),
                     ({"list": "vip", "not_on_list": "vip", "privileges": ["x"]}, "could never hold"),
                     ({"band": "high", "not_on_list": "nope", "privileges": ["x"]}, "unknown list 'nope'")]:
        with pytest.raises(ValidationError, match=msg):
            Rulebook.model_validate({**data, "consequences": [bad]})
    text = describe_rulebook(RB)
    assert "band high and not on list flagged: privileged: deposit_free_bike" in text
    assert "band high and list vip: privileged: discounted_air_tickets" in text


def test_gates_answer_compound_consequences():
    soc = small_society()
    e = Engine(RB, soc.n_persons, keep_ledger=False).init()
    g = Gates(load_services(), soc, [e], Streams(1), n_days=10, end=DAY + 10)
    step = [("good", 0), ("good", 1), ("bad", 1), ("bad", 2), ("good", 3), ("made_vip", 3), ("bad", 3)]
    for a, s in step:
        e.step(DAY, np.array([s]), np.array([ACTS.index(a)]))
    who = [0, 1, 2, 3]
    bike = g.decide(np.full(4, g.service_ids.index("bike_rental")), np.array(who))
    flight = g.decide(np.full(4, g.service_ids.index("flight")), np.array(who))
    assert bike.privileged[0].tolist() == [True, False, False, False]
    assert flight.denied[0].tolist() == [False, True, True, False]  # 3 is vip: no ban
    assert flight.privileged[0].tolist() == [False, False, False, True]


def brute_force(e: Engine) -> dict[str, int]:
    """Subjects holding each id now, from every subject's holdings."""
    rows = e.consequence_table.held(e.state, np.arange(e.n_subjects))
    return dict(zip(e.consequence_table.ids, rows.sum(axis=0).tolist(), strict=True))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 5), st.integers(0, len(ACTS) - 1)),
                max_size=60))
def test_condition_counts_match_brute_force_every_day(draws):
    e = Engine(RB, 6, keep_ledger=False).init()
    draws.sort(key=lambda x: x[0])
    days = np.arange(DAY, DAY + 32)
    want = []
    for d in days:
        today = [(s, a) for k, s, a in draws if DAY + k == d]
        e.step(int(d), np.array([s for s, _ in today], np.int64), np.array([a for _, a in today], np.int64))
        want.append(brute_force(e))
    bands = np.array([[(e.band_index(np.arange(6)) == b).sum() for b in range(3)]] * len(days))
    got = e.consequence_counts(days, bands, np.zeros((len(days), 2), np.int64))
    # Only compound consequences here, so the band and list counts contribute nothing.
    for k in range(len(days)):
        assert {x: int(v[k]) for x, v in got.items()} == want[k]


def test_sesame_bike_needs_no_bad_record_in_5_years(replay_rows):
    # identity +0.4 * 15 * 6 = +36 (for good); spending 90,000 yuan +0.6 * 20 * 6 = +72 (12 months);
    # an overdue repayment -0.2 * 35 * 6 = -42 (5 years) and the list bad_record_5y for 5 years.
    text = ("date,subject,act,value\n2019-01-10,a,repayment_overdue,\n2019-01-10,b,identity_info_completed,\n"
            "2019-01-10,a,identity_info_completed,\n2023-06-01,a,platform_spending,90000\n"
            "2023-06-01,b,platform_spending,90000\n")
    rows = replay_rows("sesame", text, "2024-01-01")
    assert (rows["b"]["score"], rows["b"]["band"]) == (683, "very_good")
    assert "deposit_free_bike" in rows["b"]["privileges"]
    # a: 683 - 42 = 641 (band good, >= 600) but a bad record in the last 5 years: no bike
    assert (rows["a"]["score"], rows["a"]["band"], rows["a"]["lists"]) == (641, "good", ["bad_record_5y"])
    assert "deposit_free_bike" not in rows["a"]["privileges"]
    # 5 years after the record (2024-01-10) the list term ends; the update of 1 Feb no longer
    # counts it: 683, and the bike is back.
    rows = replay_rows("sesame", text, "2024-02-01")
    assert (rows["a"]["score"], rows["a"]["lists"]) == (683, [])
    assert "deposit_free_bike" in rows["a"]["privileges"]


def test_sesame_simulation_counts_the_bike_exactly():
    from scslab.sim import Simulation

    sim = Simulation("sesame", 3_000, 120, 5).init()
    daily = sim.run()
    e = sim.engines[0]
    days = sim.start + np.arange(sim.n_days)
    got = e.consequence_counts(days, daily.bands[0], daily.lists[0])
    assert got["deposit_free_bike"][-1] == brute_force(e)["deposit_free_bike"]
    # The perk is withheld from somebody in a band from 600 with a bad record.
    b = e.bands()
    listed = e.listed(e.list_ids.index("bad_record_5y"), np.arange(e.n_subjects))
    high = np.isin(b, ["good", "very_good", "excellent", "excellent_750"])
    assert got["deposit_free_bike"][-1] == int((high & ~listed).sum())
