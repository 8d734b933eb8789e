"""The family study's counts agree with the gates' own and with each other on a small run."""

from __future__ import annotations

import numpy as np

from scslab.experiment.metrics import run_metrics, scalars
from scslab.sim.loop import Simulation
from scslab.sim.resolve import resolve
from scslab.sim.run import RunResult
from scslab.studies.measures.family import Measure


def test_children_counts_agree_with_the_gates() -> None:
    # Listings 125 times the scenario's rate, so a small run has listed parents.
    plan = resolve("family", persons=3000, days=200, seed=1,
                   sets={"behaviour.rates.refuses_despite_ability": "1/2000"})
    sim = Simulation(plan, keep_ledger=False).init()
    m = Measure(sim, {}, None)
    daily = sim.run(on_day=m.on_day)
    metrics = run_metrics(RunResult(sim, daily, None, 0.0).daily_table())
    rows = {name: v for name, d, v in m.rows(metrics) if d is None}
    n = sim.n_persons
    refused = rows["children_affected_per_million/private_school"] * n / 1e6
    exposed = rows["children_exposed_per_million/private_school"] * n / 1e6
    spill = scalars(metrics).get("denied/private_school_family_spillover", 0.0)
    assert exposed > 0
    assert round(refused) <= spill  # distinct children, never more than the refusals
    # Each exposed child is exposed at most every day of the run.
    child_days = rows["child_years_exposed_per_million/private_school"] / 1e6 * n * sim.n_days
    assert 0 < child_days <= exposed * sim.n_days + 1e-6
    # A refused child's guardian was restricted: every refused child was exposed.
    assert np.all(m.denied["private_school"] <= m.ever["private_school"])
