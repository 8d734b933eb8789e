"""Computed scores in general: schema errors, the fixed input vocabulary, cadence, the engine hook.

Regime-specific behaviour is in test_regime_sesame.py, test_regime_schufa.py and test_regime_tax.py.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from scslab.dates import iso, to_day
from scslab.errors import InputError
from scslab.regime import Engine, load_rulebook, read_records, replay
from scslab.regime.computed import update_after, update_on_or_after
from scslab.regime.factor import FactorModel
from scslab.regime.schema import Update

FACTOR = """
[regime]
id = "tiny-factor"
name = "Tiny factor score"
description = "A test regime."

[score]
kind = "factor"
initial = 50
min = 0
max = 100

[update]
cadence = "monthly"

[[acts]]
id = "good"
category = "reward"

[[acts]]
id = "old_age"
category = "civic"

[[factors]]
id = "f"
weight = 1
baseline = 0.5

[[factors.inputs]]
quantity = "count"
acts = ["good"]
half_life_days = 30
curve = [[0, 0], [1, 0.2]]

[[factors.inputs]]
quantity = "attribute"
attribute = "age"
default = 20
curve = [[20, 0], [40, 0.2]]

[[sources]]
key = "S"
title = "A source"
url = "https://example.org/s"
"""

EVALUATION_TAIL = """
[update]
cadence = "yearly"
month = 4

[evaluation]
start = 100
[[evaluation.classes]]
list = "hi"
min_score = 50
[[evaluation.classes]]
list = "lo"

[[lists]]
id = "hi"
band = "H"
[[lists]]
id = "lo"
band = "L"

[[acts]]
id = "x"
category = "tax"

[[sources]]
key = "S"
title = "A source"
url = "https://example.org/s"
"""

EVALUATION = """
[regime]
id = "tiny-eval"
name = "Tiny evaluation"
description = "A test regime."
subject_kinds = ["organisation"]

[score]
kind = "evaluation"
initial = 100
min = 0
max = 100
""" + EVALUATION_TAIL


def write(tmp_path, text, name="rb.toml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def error(tmp_path, text) -> InputError:
    with pytest.raises(InputError) as e:
        load_rulebook(write(tmp_path, text))
    return e.value


def test_the_valid_examples_load(tmp_path):
    assert load_rulebook(write(tmp_path, FACTOR)).score.kind == "factor"
    assert load_rulebook(write(tmp_path, EVALUATION, "e.toml")).score.kind == "evaluation"


@pytest.mark.parametrize(("change", "key", "message"), [
    (("[update]\ncadence = \"monthly\"\n", ""), None, "a score of kind 'factor' needs [update]"),
    (('category = "reward"', 'category = "reward"\npoints = 5'), "acts[0]",
     "use [[factors.inputs]]"),
    (('quantity = "count"', 'quantity = "mean_of_everything"'), "factors[0].inputs[0].quantity",
     "Input should be"),
    (("default = 20\n", ""), "factors[0].inputs[1]", "quantity 'attribute' needs 'default'"),
    (("curve = [[20, 0], [40, 0.2]]", "curve = [[40, 0], [20, 0.2]]"), "factors[0].inputs[1]",
     "curve x values must increase strictly"),
    (("half_life_days = 30", 'half_life_days = 30\nwindow = "1y"'), "factors[0].inputs[0]",
     "at most one of 'window' and 'half_life_days'"),
    (('acts = ["good"]', 'acts = ["gold"]'), "factors[0].inputs[0].acts", "unknown act 'gold'"),
    (('acts = ["good"]', 'acts = ["good"]\nlist = "x"'), "factors[0].inputs[0]",
     "'list' does not apply to quantity 'count'"),
    (("weight = 1", "weight = 0"), "factors[0].weight", "greater than 0"),
    (('kind = "factor"', 'kind = "factor"\nscale = [100, 0]'), "score", "low < high"),
    (('kind = "factor"\n', ""), None, "[update] belongs to a score of kind factor or evaluation"),
])
def test_factor_rulebook_errors(tmp_path, change, key, message):
    old, new = change
    assert old in FACTOR
    e = error(tmp_path, FACTOR.replace(old, new, 1))
    assert message in e.message
    if key is not None:
        # field errors carry a key; cross-reference errors start their message with the place
        assert (e.key or e.message).startswith(key)


@pytest.mark.parametrize(("change", "message"), [
    (('cadence = "yearly"', 'cadence = "monthly"'), "cadence must be 'yearly'"),
    (('list = "lo"', 'list = "nowhere"'), "unknown list 'nowhere'"),
    (('id = "lo"\nband = "L"', 'id = "lo"'), "needs a 'band'"),
    (('id = "hi"\nband = "H"', 'id = "hi"\nband = "H"\nentries = [{ act = "x" }]'),
     "only the evaluation enters and leaves"),
    (("min_score = 50\n", ""), "every class but the last"),
    (("start = 100", 'start = 100\nnew_entity_acts = ["x"]'), "need new_entity_list"),
    (("start = 100", 'start = 100\ndirect_lowest_acts = ["y"]'), "unknown act 'y'"),
    (("start = 100", "start = 100\nsources = [\"NOPE\"]"), "unknown source key 'NOPE'"),
])
def test_evaluation_rulebook_errors(tmp_path, change, message):
    old, new = change
    assert old in EVALUATION
    assert message in error(tmp_path, EVALUATION.replace(old, new, 1)).message


def test_points_rulebooks_reject_computed_tables(tmp_path):
    text = EVALUATION.replace('kind = "evaluation"\n', "")
    assert "[update] belongs to a score of kind" in error(tmp_path, text).message


# ------------------------------------------------------------------------------------ cadence
@pytest.mark.parametrize(("cadence", "month", "day", "start", "first", "second"), [
    ("monthly", 1, 1, "2024-01-10", "2024-02-01", "2024-03-01"),
    ("monthly", 1, 1, "2024-02-01", "2024-02-01", "2024-03-01"),
    ("monthly", 1, 28, "2024-12-29", "2025-01-28", "2025-02-28"),
    ("quarterly", 1, 1, "2024-01-02", "2024-04-01", "2024-07-01"),
    ("quarterly", 2, 15, "2024-01-02", "2024-02-15", "2024-05-15"),
    ("quarterly", 12, 1, "2024-10-02", "2024-12-01", "2025-03-01"),
    ("yearly", 4, 1, "2024-04-02", "2025-04-01", "2026-04-01"),
])
def test_update_days(cadence, month, day, start, first, second):
    spec = Update(cadence=cadence, month=month, day=day)
    d1 = update_on_or_after(spec, to_day(start))
    assert (iso(d1), iso(update_after(spec, d1))) == (first, second)


# ------------------------------------------------------------------------------ factor inputs
def replay_text(rb, text, tmp_path, as_of):
    p = tmp_path / "r.csv"
    p.write_text(textwrap.dedent(text).strip() + "\n")
    return replay(rb, read_records(p, rb), as_of=to_day(as_of))


def test_half_life_decay_and_ages_from_records(tmp_path):
    rb = load_rulebook(write(tmp_path, FACTOR))
    text = """
        date,subject,act,age
        2024-01-02,a,good,
        2024-01-02,b,old_age,30
        2024-01-02,c,old_age,
    """
    res = replay_text(rb, text, tmp_path, "2024-02-01")
    # a: one record 30 days old (half-life 30): q = 0.5 -> 0.1; f = 0.6 -> 60
    # b: 30 on 2 Jan, 30 + 30/365.25 on 1 Feb -> 0.2 * (10.08 / 20) = 0.1008; f = 0.6008 -> 60
    # c: no age -> default 20 -> 0; f = 0.5 -> 50
    assert res.engine.score.tolist() == [60, 60, 50]
    res = replay_text(rb, text, tmp_path, "2024-03-02")  # 60 days: q = 0.25 -> 0.05 -> 55
    assert res.engine.score[0] == 55


def test_bound_ages_grow_with_time(tmp_path):
    rb = load_rulebook(write(tmp_path, FACTOR))
    e = Engine(rb, 2).init()
    e.ext.bind(age=np.array([40.0, 20.0]), age_day=to_day("2024-01-01"))
    new, _ = e.ext.scores(to_day("2024-01-01"))
    assert new.tolist() == [70, 50]
    with pytest.raises(ValueError, match="age_day"):
        e.ext.bind(age=np.array([1.0]))


def test_updates_run_on_update_days_only(tmp_path, monkeypatch):
    rb = load_rulebook(write(tmp_path, FACTOR))
    calls: list[str] = []
    real = FactorModel.update

    def spy(self, day):
        calls.append(iso(day))
        return real(self, day)

    monkeypatch.setattr(FactorModel, "update", spy)
    e = Engine(rb, 3).init()
    start = to_day("2024-01-15")
    for k in range(80):  # as the simulation does: every day, mostly without records
        e.step(start + k, np.array([k % 3]) if k % 7 == 0 else None,
               np.array([0]) if k % 7 == 0 else None)
    assert calls == ["2024-02-01", "2024-03-01", "2024-04-01"]


def test_a_skipped_update_day_is_caught_up(tmp_path):
    rb = load_rulebook(write(tmp_path, FACTOR))
    e = Engine(rb, 1).init()
    e.step(to_day("2024-01-02"), np.array([0]), np.array([0]))
    assert e.next_due() == to_day("2024-02-01")
    e.step(to_day("2024-02-20"))  # 1 Feb was skipped: updated as of 1 Feb
    lines = e.ledger.drain()
    assert iso(lines.day[-1]) == "2024-02-01" and e.score[0] == 60


def test_replay_without_computed_score_is_unchanged():
    e = Engine(load_rulebook("rongcheng"), 2).init()
    assert e.ext is None


# ----------------------------------------------------------------------------- the simulation
def test_simulation_binds_society_inputs():
    from scslab.sim.loop import Simulation
    from scslab.sim.scenario import load_scenario

    sc = load_scenario("rongcheng", sets={
        "regimes": ["sesame", "tax-credit"],
        "behaviour.rates": {"platform_spending": 0.05, "repaid_on_time": 0.02, "late_filing": 0.001},
        "behaviour.perceived_cost": {}, "sources.detection": {}, "behaviour.answers_to": ["sesame"],
        "acts": {"platform_spending": {"kind": "neutral"}, "repaid_on_time": {"kind": "compliance"},
                 "late_filing": {"kind": "harmful"}}})
    sim = Simulation(sc, persons=400, days=460).init()
    sesame, tax = sim.engines
    assert sesame.ext.friends is not None and "ability_to_pay" in sesame.ext.attributes
    n = sim.society.n_persons
    assert not tax.ext.rated[:n].any() and tax.ext.rated[n:].all()
    sim.run()
    assert (tax.bands()[:n] == "").all()  # persons are not rated
    assert (tax.bands()[n:] != "").all()  # organisations rated on 1 April 2021
    assert sesame.score.min() >= 350 and sesame.score.max() <= 950
    assert len(np.unique(sesame.score)) > 5  # ability and friends spread the scores


# ------------------------------------------------------------------------------ the rulebooks
@pytest.mark.parametrize("regime", ["sesame", "schufa-like", "tax-credit"])
def test_every_unverified_value_says_why_and_every_act_cites(regime):
    rb = load_rulebook(regime)
    items = [rb.score, rb.update, *rb.acts, *rb.bands, *rb.lists, *rb.consequences, *rb.factors,
             *(x for f in rb.factors for x in f.inputs), *(e for x in rb.lists for e in x.entries)]
    if rb.evaluation is not None:
        items += [rb.evaluation, *rb.evaluation.classes, *rb.evaluation.deductions]
    for it in items:
        assert it.verified or it.note, f"{regime}: an unverified {type(it).__name__} needs a note"
    for a in rb.acts:
        assert a.sources, f"{regime}: act {a.id} cites nothing"
        assert a.category not in ("political", "religious"), a.id
