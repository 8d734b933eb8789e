"""Service outcomes drawn with a probability per class: customs inspections by credit class.

A hand-computed small case (classes, precedence, keyed draws, denied requests), the schema's
refusals, and calibration target 7: in the built-in scenario ``customs`` at 10^5 persons
(20,000 firms), the simulated inspection rate of every class matches the 2019 rate within
sampling error.
"""

from __future__ import annotations

import math
import tomllib

import numpy as np
import pytest

from helpers import assert_one_line_error, cli
from scslab.gates.gate import NO_CLASS
from scslab.gates.services import OUTCOME_BASE, ServiceTable, load_services
from scslab.gates.system import Gates
from scslab.regime.engine import Engine
from scslab.regime.load import load_rulebook
from scslab.rng import Streams
from test_gates import DAY, FakeSociety

# Calibration target 7 (https://expolinking.com/linking/1526.html): inspection rate by class, 2019.
TARGET = {"customs_intensified_inspection": 0.8476, "customs_reduced_inspection_rate": 0.0169,
          "customs_low_inspection_rate": 0.0057, OUTCOME_BASE: 0.0244}


def firms(n_orgs: int) -> FakeSociety:
    """One person (40) who represents every one of ``n_orgs`` organisations."""
    return FakeSociety(age=np.array([40], np.uint8), household_start=np.array([0, 1]),
                       ability_to_pay=np.ones(1, np.float32),
                       org_legal_rep=np.zeros(n_orgs, np.int32))


def customs_gates(table: ServiceTable | str = "services-customs", n_orgs: int = 4, seed: int = 7):
    """Order 282 on 1 person and ``n_orgs`` firms; firm 0 advanced-certified, 1 certified,
    2 certified and then found dishonest (which ends the certification), 3 in no class."""
    soc = firms(n_orgs)
    e = Engine(load_rulebook("customs-credit-2026"), soc.n_subjects, keep_ledger=False).init()
    a = {x.id: i for i, x in enumerate(e.rulebook.acts)}
    e.step(DAY, np.array([1, 2, 3]), np.array([a["advanced_certification_granted"],
                                               a["certification_granted"], a["certification_granted"]]))
    e.step(DAY + 1, np.array([3]), np.array([a["dishonesty_determined"]]))
    t = load_services(table) if isinstance(table, str) else table
    return soc, e, Gates(t, soc, [e], Streams(seed), n_days=3, end=DAY + 3)


def test_each_firm_is_in_its_first_held_class():
    _, _, g = customs_gates()
    keys = g.outcome_keys
    assert keys == [f"customs_clearance:{k}" for k in TARGET]
    gate = g.regime_gates[0]
    assert gate.classes and g.classing == [0]
    svc = np.zeros(4, np.int64)
    mode = np.ones(4, np.int8)  # ORG_OWN: the firms have a legal representative
    # Precedence order: intensified (0), reduced (1), low (2); firm 3 holds none.
    assert gate.classify(np.arange(1, 5), svc, mode).tolist() == [2, 1, 0, NO_CLASS]
    dec = g.decide(svc, np.arange(1, 5))
    assert [keys[c] for c in dec.outcome_col] == [
        "customs_clearance:customs_low_inspection_rate", "customs_clearance:customs_reduced_inspection_rate",
        "customs_clearance:customs_intensified_inspection", "customs_clearance:none"]
    # The one person asks for no customs clearance: only firms are requesters.
    assert g.demand.pool[0].rows.tolist() == [1, 2, 3, 4]


def test_a_firm_holding_two_classes_is_in_the_first():
    # Order 251: certified while dishonest (no rule forbids the record) holds both ids.
    soc = firms(1)
    e = Engine(load_rulebook("customs-credit"), soc.n_subjects, keep_ledger=False).init()
    a = {x.id: i for i, x in enumerate(e.rulebook.acts)}
    e.step(DAY, np.array([1]), np.array([a["dishonesty_determined"]]))
    e.step(DAY + 1, np.array([1]), np.array([a["advanced_certification_granted"]]))
    g = Gates(load_services("services-customs"), soc, [e], Streams(0), n_days=2, end=DAY + 2)
    dec = g.decide(np.zeros(1, np.int64), np.array([1]))
    assert g.outcome_keys[dec.outcome_col[0]] == "customs_clearance:customs_intensified_inspection"


def test_inspections_are_keyed_by_firm_day_and_nth_request():
    _, _, g = customs_gates()
    svc = np.zeros(6, np.int64)
    req = np.array([4, 1, 4, 2, 3, 4])  # firm 3 (row 4) declares three times
    dec = g.decide(svc, req)
    got = g.draw_outcomes(2, svc, req, dec.outcome_col)
    # By hand: the n-th declaration of row r on day 2 draws uniform (r, 2, n) of its stream.
    stream = Streams(7).keyed("gates.customs_clearance.outcome")
    nth = [0, 0, 1, 0, 0, 2]
    p = [0.0244, 0.0057, 0.0244, 0.0169, 0.8476, 0.0244]
    want = [stream.uniform(np.array([r]), 2, n)[0] < q for r, n, q in zip(req, nth, p, strict=True)]
    assert got.tolist() == want
    # Order and company do not matter: each declaration's draw is its own.
    perm = np.array([5, 3, 0, 4, 1, 2])
    again = g.draw_outcomes(2, svc[perm], req[perm], dec.outcome_col[perm])
    # Reordering firm 3's own declarations renumbers them, so compare the other firms exactly
    # and firm 3's count of inspections.
    other = req[perm] != 4
    assert again[other].tolist() == got[perm][other].tolist()
    assert again[~other].sum() == got[req == 4].sum()


CERTAIN = """
[[services]]
id = "customs_clearance"
name = "declare"
sector = "customs"
requesters = "organisations"
rate_per_year = 365.25
denied_by = ["customs_intensified_inspection"]
[services.outcome]
name = "inspected"
probability = 0.0
[[services.outcome.classes]]
held = "customs_reduced_inspection_rate"
probability = 1.0
[[services.outcome.classes]]
held = "customs_low_inspection_rate"
probability = 0.0
[[sources]]
key = "T"
title = "test"
url = "https://example.org"
"""


def test_hand_computed_day_with_certain_outcomes_and_a_denial():
    table = ServiceTable.model_validate(tomllib.loads(CERTAIN))
    _, _, g = customs_gates(table)
    svc = np.zeros(5, np.int64)
    req = np.array([1, 2, 2, 3, 4])  # advanced, certified twice, dishonest (denied here), none
    g._answer(1, DAY, svc, req)
    keys = g.outcome_keys
    assert keys == ["customs_clearance:customs_reduced_inspection_rate",
                    "customs_clearance:customs_low_inspection_rate", "customs_clearance:none"]
    # The dishonest firm is denied, so it is neither asked nor inspected; the certified firm's two
    # declarations are both inspected (probability 1), the others none (probability 0).
    assert g.outcome_requests[1].tolist() == [2, 1, 1]
    assert g.outcomes[1].tolist() == [2, 0, 0]
    assert g.denied[1, -1, 0] == 1
    parts = {(r, m): k for r, m, k, _ in g.parts()}
    assert parts[("", "outcome")] == keys and parts[("", "outcome_requests")] == keys


def test_tables_without_outcomes_add_no_outputs():
    soc = firms(2)
    e = Engine(load_rulebook("customs-credit"), soc.n_subjects, keep_ledger=False).init()
    g = Gates(load_services(), soc, [e], Streams(0), n_days=2, end=DAY + 2)
    assert g.outcome_keys == [] and not g.classing
    assert not {m for _, m, _, _ in g.parts()} & {"outcome", "outcome_requests"}


@pytest.mark.parametrize(("edit", "names"), [
    (('probability = 1.0', 'probability = 1.5'), ["probability"]),
    (('held = "customs_low_inspection_rate"', 'held = "customs_reduced_inspection_rate"'), ["given twice"]),
    (('held = "customs_low_inspection_rate"', 'held = "none"'), ["none"]),
    (('held = "customs_low_inspection_rate"', 'held = "shamed_ringback"'), ["shamed_ringback"]),
    (('probability = 0.0\n[[services.outcome.classes]]',
      'probability = 0.0\nsources = ["NOPE"]\n[[services.outcome.classes]]'), ["NOPE"]),
    (('name = "inspected"', 'name = "inspected"\nrate = 3'), ["rate"]),
])
def test_bad_outcome_is_one_line_naming_the_file_and_key(tmp_path, edit, names):
    bad = tmp_path / "bad-services.toml"
    text = CERTAIN.replace(*edit, 1)
    assert text != CERTAIN
    bad.write_text(text, encoding="utf-8")
    scenario = tmp_path / "s.toml"
    from importlib import resources
    base = (resources.files("scslab.sim") / "scenarios" / "customs.toml").read_text(encoding="utf-8")
    scenario.write_text(base.replace('services = "services-customs"', f'services = "{bad.name}"'),
                        encoding="utf-8")
    assert_one_line_error(cli("check", scenario), bad.name, *names)


def test_calibration_target_7_inspection_rate_by_class_at_1e5_persons():
    """The simulated inspection rate of each class is its 2019 rate within 4 standard errors."""
    from scslab.sim import run_scenario

    res = run_scenario("customs", persons=100_000, days=365, seed=0)
    g = res.daily.gates
    asked = dict(zip(g.outcome_keys, g.outcome_requests.sum(axis=0).tolist(), strict=True))
    hit = dict(zip(g.outcome_keys, g.outcomes.sum(axis=0).tolist(), strict=True))
    for cls, p in TARGET.items():
        key = f"customs_clearance:{cls}"
        n = asked[key]
        assert n > 10_000, (cls, n)  # every class is well filled
        se = math.sqrt(p * (1 - p) / n)
        assert abs(hit[key] / n - p) < 4 * se, (cls, hit[key] / n, p, se)


def test_inspections_are_in_the_run_folder_and_each_firms_file(tmp_path):
    import pyarrow.parquet as pq

    from scslab.sim import run_scenario

    out = tmp_path / "run"
    run_scenario("customs", persons=5_000, days=40, seed=2, out=out)
    rows = pq.read_table(out / "gates.parquet").to_pylist()
    inspected = [r for r in rows if r["outcome"] == "inspected"]
    assert inspected and all(r["regime"] == "" and r["service"] == "customs_clearance" for r in inspected)
    daily = pq.read_table(out / "daily.parquet").to_pylist()
    total = sum(r["value"] for r in daily if r["metric"] == "outcome")
    assert total == len(inspected)
    firm = inspected[0]["subject"]
    r = cli("explain", out, firm)
    assert r.code == 0, r.stderr
    assert "customs_clearance: inspected" in r.stdout
    # The report gives the inspection rate by class.
    from scslab.report.build import write_report

    html = write_report(out).read_text(encoding="utf-8")
    assert "Outcomes by class" in html and "customs_intensified_inspection" in html
