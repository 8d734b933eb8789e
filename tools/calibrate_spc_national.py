"""Fit the spc-national scenario's listing rates to the published stock series only (Optuna).

    PYTHONPATH=src python tools/calibrate_spc_national.py [--persons N] [--trials N] [--seeds N] [--span X]

Four rates of the item-1 listing act (item 4 keeps the scenario's 1 : 3.2 split): before
2014-03-10, 2014-03-10 .. 2015, 2016 .. 2017 and from 2018 (the scenario's [[timeline]] knots).
Each trial runs the same seeds (common random numbers) at the full horizon and scores the mean
stock, scaled by 1.39 bn / persons, by the sum of squared relative errors against the six
published stocks (the spc-national study's options). The flight, train and performance figures
are never read. It prints the best rates; paste them into src/scslab/sim/scenarios/spc-national.toml.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import math
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import optuna

from scslab.regime.load import parse_toml
from scslab.sim.resolve import resolve
from scslab.studies.spec import load_study

SPLIT = 1.25 / 4.0  # item 4 : item 1, the scenario's split
STOCK = "court-defaulters/list/dishonest_judgment_defaulters"


def scenario_data() -> dict:
    """The spc-national scenario's parsed TOML."""
    from importlib import resources
    text = (resources.files("scslab.sim.scenarios") / "spc-national.toml").read_text()
    return parse_toml(text, "spc-national.toml")


def sets_for(rates: list[float]) -> dict:
    """Overrides that put the four item-1 rates (item 4 in proportion) into the scenario."""
    data = scenario_data()
    tl = copy.deepcopy(data["timeline"])
    for ev, r in zip(tl, rates[1:], strict=True):
        ev["behaviour"]["rates"] = {"refuses_despite_ability": r, "violates_property_report": r * SPLIT}
    return {"behaviour.rates.refuses_despite_ability": rates[0],
            "behaviour.rates.violates_property_report": rates[0] * SPLIT, "timeline": tl}


def stock_at(args: tuple[list[float], int, int, list[str]]) -> list[float]:
    """The sample's list stock on each date, for one trial's rates and one seed."""
    from scslab.experiment.metrics import run_metrics
    from scslab.sim.loop import Simulation
    from scslab.sim.run import RunResult
    from scslab.studies.measures.common import daily_sum

    rates, persons, seed, dates = args
    plan = resolve("spc-national", persons=persons, seed=seed, sets=sets_for(rates))
    sim = Simulation(plan).init()
    daily = sim.run()
    m = run_metrics(RunResult(sim, daily, None, 0.0).daily_table())
    ds, v = daily_sum(m, [STOCK])
    pos = {d: i for i, d in enumerate(ds)}
    return [float(v[pos[dt.date.fromisoformat(d)]]) for d in dates]


def main() -> None:
    """Run the calibration and print the best rates."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, default=13_900)
    ap.add_argument("--trials", type=int, default=16)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--span", type=float, default=0.4, help="log10 half-width around the scenario's rates")
    a = ap.parse_args()
    study = load_study("spc-national")
    pub = study.options["targets"]["list_stock"]
    dates, want = [d for d, _ in pub], np.array([float(v) for _, v in pub])
    scale = float(study.options["population"]) / a.persons
    pool = ProcessPoolExecutor(2)
    data = scenario_data()
    start = [float(data["behaviour"]["rates"]["refuses_despite_ability"])] + [
        float(e["behaviour"]["rates"]["refuses_despite_ability"]) for e in data["timeline"]]

    def objective(trial: optuna.Trial) -> float:
        rates = [10 ** trial.suggest_float(f"log10_r{i}", math.log10(r) - a.span, math.log10(r) + a.span)
                 for i, r in enumerate(start)]
        sims = list(pool.map(stock_at, [(rates, a.persons, s, dates) for s in range(1, 1 + a.seeds)]))
        got = np.mean(sims, axis=0) * scale
        err = (got - want) / want
        trial.set_user_attr("stock_m", [round(x / 1e6, 3) for x in got])
        return float(np.sum(err ** 2))

    st = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=1))
    st.enqueue_trial({f"log10_r{i}": math.log10(r) for i, r in enumerate(start)})
    st.optimize(objective, n_trials=a.trials)
    best = st.best_trial
    print("loss", round(best.value, 4), "stock (m)", best.user_attrs["stock_m"])
    for i, k in enumerate(sorted(best.params)):
        print(f"r{i} = {10 ** best.params[k]:.3e}  (item 4: {10 ** best.params[k] * SPLIT:.3e})")


if __name__ == "__main__":
    main()
