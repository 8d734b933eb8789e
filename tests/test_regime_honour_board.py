"""The village honour board (Dibaoquan, the analogue of Fulushan's posters) and public honour.

Hand-computed: points count for a year; 10 points post the villager on the board for a year, after
which the trigger is checked again. In a simulation the board is an honour channel: exposures
with the opposite sign to shaming, and no costs.
"""

from __future__ import annotations

import tomllib
from importlib import resources

import numpy as np
import pytest
from pydantic import ValidationError

from scslab.gates.services import ServiceTable, load_services
from scslab.gates.system import Gates
from scslab.regime import Engine, load_rulebook
from scslab.rng import Streams
from test_gates import DAY, small_society

BOARD = "honour-board"


def rows(replay_rows, text: str, as_of: str | None = None) -> dict[str, dict]:
    return replay_rows(BOARD, "date,subject,act\n" + text, as_of)


def test_rulebook_names_dibaoquan_as_the_analogue_of_fulushan():
    rb = load_rulebook(BOARD)
    assert "Fulushan" in rb.regime.note and "Dibaoquan" in rb.regime.note
    assert not rb.regime.verified and all(not a.verified for a in rb.acts)


# caring 3, blood 3, clean-up 2, helping 2, government 2; quarrel -3, green -2, rubbish -2, building -5
@pytest.mark.parametrize(("acts", "score", "posted"), [
    (["caring_for_elderly_relatives", "blood_donation", "village_cleanup"], 8, False),
    (["caring_for_elderly_relatives", "blood_donation", "village_cleanup", "helping_others"], 10, True),
    (["family_quarrel"] + ["caring_for_elderly_relatives"] * 4, 9, False),  # -3 + 12
    (["caring_for_elderly_relatives"] * 4 + ["family_quarrel"], 9, True),  # 12 reached first
    (["blood_donation"] * 4, 12, True),
    (["blood_donation"] * 4 + ["illegal_building"], 7, True),  # posted at 12: stays for the term
])
def test_points_and_posting(replay_rows, acts, score, posted):
    text = "".join(f"2024-03-{i + 1:02d},a,{x}\n" for i, x in enumerate(acts))
    r = rows(replay_rows, text)["a"]
    assert r["score"] == score
    assert (r["lists"] == ["honour_board"]) == posted
    assert (r["privileges"] == ["honoured_notice_board"]) == posted


def test_points_count_for_a_year_and_the_board_for_a_year(replay_rows):
    text = ("2024-03-01,a,blood_donation\n2024-03-02,a,blood_donation\n"
            "2024-03-03,a,blood_donation\n2024-03-04,a,blood_donation\n")
    assert rows(replay_rows, text, "2025-02-28")["a"]["lists"] == ["honour_board"]
    # The points expire a year after each record (1-4 Mar 2025) and the posting ends on
    # 4 Mar 2025, a year after 12 points were reached: the trigger, checked again, finds 0.
    later = rows(replay_rows, text, "2025-03-05")["a"]
    assert (later["score"], later["lists"]) == (0, [])


def test_still_worthy_at_the_end_of_the_term_is_posted_again(replay_rows):
    text = "".join(f"2024-03-{i + 1:02d},a,blood_donation\n" for i in range(4))
    text += "".join(f"2025-02-{i + 1:02d},a,caring_for_elderly_relatives\n" for i in range(4))
    r = rows(replay_rows, text, "2025-03-10")["a"]
    assert (r["score"], r["lists"]) == (12, ["honour_board"])


def test_the_board_is_an_exposure_without_costs():
    soc = small_society()
    e = Engine(load_rulebook(BOARD), soc.n_persons, keep_ledger=False).init()
    g = Gates(load_services(), soc, [e], Streams(1), n_days=20, end=DAY + 20)
    sh = g.shaming[0]
    assert [c.id for c in sh.channels] == ["honoured_notice_board"]
    t = e.step(DAY, np.array([0] * 4), np.array([e.act_ids.index("blood_donation")] * 4))
    g.step(0, DAY, [t])
    assert sh.stock[0] == 1
    for k in range(1, 20):
        g.step(k, DAY + k, [np.zeros(0, np.int64)])
    lam = sh.channels[0].viewers_per_day
    assert sh.exposure[1:].sum() == pytest.approx(19 * lam, abs=6 * np.sqrt(19 * lam))
    assert sh.ties_lost.sum() == 0 and sh.jobs_lost.sum() == 0
    # Honour privileges no service: the board grants nothing at a gate.
    d = g.decide(np.arange(len(g.service_ids)), np.zeros(len(g.service_ids), np.int64))
    assert not d.privileged.any() and not d.denied.any()


def test_honour_channels_have_no_costs_and_are_no_service_privilege():
    base = tomllib.loads((resources.files("scslab.gates") / "services.toml").read_text())
    board = next(c for c in base["channels"] if c["id"] == "honoured_notice_board")
    with pytest.raises(ValidationError, match="costs nothing"):
        ServiceTable.model_validate({**base, "channels": [{**board, "tie_loss": 0.1}]})
    bad = {**base, "services": [{**base["services"][0], "privileged_by": ["honoured_notice_board"]}]}
    with pytest.raises(ValidationError, match="honour marker"):
        ServiceTable.model_validate(bad)
    with pytest.raises(ValidationError, match="must start with"):
        ServiceTable.model_validate({**base, "channels": [{**board, "id": "praised_board"}]})


VILLAGE = """# Illustrative rates (assumptions), raised so that a small village fills the board.
regimes = ["honour-board"]

[scenario]
name = "village"
description = "A village honour board alone."

[horizon]
persons = 2_000
days = 60
start_date = "2022-01-01"
seed = 4

[acts]
caring_for_elderly_relatives = { kind = "prosocial" }
blood_donation = { kind = "prosocial" }
village_cleanup = { kind = "prosocial" }
helping_others = { kind = "prosocial" }
cooperating_with_government = { kind = "prosocial" }
family_quarrel = { kind = "harmful" }
trampling_green_space = { kind = "harmful" }
dumping_rubbish = { kind = "harmful" }
illegal_building = { kind = "harmful" }

[behaviour.rates]
caring_for_elderly_relatives = "1/60"
blood_donation = "1/365"
village_cleanup = "1/60"
helping_others = "1/60"
cooperating_with_government = "1/365"
family_quarrel = "1/365"
trampling_green_space = "1/730"
dumping_rubbish = "1/365"
illegal_building = "1/20000"

[gates]
enabled = true
"""


def test_the_report_shows_honour_as_honour_not_as_shaming(tmp_path):
    # Public honour is an exposure of the opposite sign: the run report plots it apart from
    # shaming and charges it no costs.
    from scslab.report.build import write_report
    from scslab.sim import run_scenario

    path = tmp_path / "village.toml"
    path.write_text(VILLAGE, encoding="utf-8")
    out = tmp_path / "run"
    res = run_scenario(path, out=out)
    sh = next(iter(res.sim.gates.shaming.values()))
    assert [c.id for c in sh.channels] == ["honoured_notice_board"] and sh.exposure.sum() > 0
    html = write_report(out).read_text(encoding="utf-8")
    assert "Honour exposures per day" in html
    assert "Shaming exposures per day" not in html and "Costs of shaming" not in html
