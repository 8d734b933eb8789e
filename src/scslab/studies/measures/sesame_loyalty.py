"""Sesame as a loyalty programme (seeds 002, 004): does the score predict default?

And what does a purchase buy?

``auc_score_vs_default``: the ROC AUC of the score at month 12 (the end of day ``score_day``,
2020-01-01 in the sesame scenario, after that day's monthly update) as a predictor of a *true*
default in the following year: a person is a defaulter when a default-type act
(``default_acts``, by default ``loan_default``) *occurred* in the next ``horizon_days`` days,
whether or not any source recorded it. A run shorter than ``score_day + horizon_days + 1`` days
(a ``--quick`` one) scores at its middle day and follows defaults to its end. Only persons aged
``min_age`` (18, the acts' adult default) or more on the score day are ranked: Sesame scores
children too, who never default. Lower scores should mean more risk, so the AUC is the chance
that a defaulter scores below a non-defaulter, ties counting one half (:func:`auc`).
``auc_score_vs_late_or_default`` does the same with late payments counted as defaults.

``points_per_1000_yuan_spent``: what purchases bought on the score at month 12. Each person's
spending recorded in the factor's window before the update (``value_sum`` inputs of the spending
act) is put through the arm's own rulebook: a factor ``f`` fed by spending ``S`` adds
``(high - low) * w_f / sum(w) * (v_f(S) - v_f(0))`` points, with ``v_f`` the factor's baseline plus
the spending curve, held in 0..1 (the other inputs of that factor, none in Sesame, are taken at
0). The metric is the points all persons' purchases bought over the yuan they spent, times 1,000;
``marginal_points_per_1000_yuan`` is the mean gain of 1,000 more yuan at each person's spending,
and ``points_per_on_time_repayment`` the mean gain of one more on-time repayment, for comparison.

To see every occurrence and every recorded value, the measure wraps the simulation's
``observe`` phase (the phase's inputs are the day's occurrences, its output the records with
their values) and hands the result on unchanged.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyarrow as pa

from scslab.regime.factor import FactorSpec
from scslab.studies.measures.common import Row, engine

MONTH12 = 365  # day index of the update that closes the first 12 months (2020-01-01) [days]
YEAR = 365  # the following year [days]


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n of ``x`` (float64), tied values sharing the mean of their ranks."""
    x = np.asarray(x, np.float64)
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    starts = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]])
    ends = np.r_[starts[1:], len(xs)]
    mean_rank = (starts + 1 + ends) / 2.0  # ranks starts+1..ends, averaged
    ranks = np.empty(len(x), np.float64)
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return ranks


def auc(risk: np.ndarray, positive: np.ndarray) -> float:
    """ROC AUC of ``risk`` for ``positive`` by the rank (Mann-Whitney) formula, ties averaged.

    The chance that a random positive has a higher risk than a random negative, a tie counting
    one half; NaN without positives or without negatives.
    """
    positive = np.asarray(positive, bool)
    n1 = int(positive.sum())
    n0 = len(positive) - n1
    if n1 == 0 or n0 == 0:
        return math.nan
    r = average_ranks(risk)
    return float((r[positive].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0))


def factor_gain(spec: FactorSpec, act: int, quantity: str, x: np.ndarray, dx: float,
                base: np.ndarray | None = None) -> np.ndarray:
    """Points the score gains when an input of rulebook act ``act`` moves.

    The input is of kind ``quantity`` and goes from ``base`` (default 0) to ``x + dx``; each
    factor is held in 0..1 and its other inputs are taken at 0.
    """
    x = np.asarray(x, np.float64)
    lo = np.zeros_like(x) if base is None else np.asarray(base, np.float64)
    out = np.zeros_like(x)
    scale = (spec.high - spec.low) / spec.weights.sum()
    for p in spec.inputs:
        if p.quantity != quantity or p.acts is None or not p.acts[act]:
            continue
        b = spec.baselines[p.factor]
        v1 = np.clip(b + np.interp(x + dx, p.xs, p.ys), 0.0, 1.0)
        v0 = np.clip(b + np.interp(lo, p.xs, p.ys), 0.0, 1.0)
        out += scale * spec.weights[p.factor] * (v1 - v0)
    return out


class Measure:
    """Follows occurrences of defaults, recorded spending and repayments, and the score at month 12."""

    def __init__(self, sim: Any, options: dict[str, Any], arm: Any) -> None:
        self.sim = sim
        self.main = engine(sim, options.get("regime"))
        n = sim.n_persons
        ids = list(sim.act_ids)
        # A run too short for the design (a --quick run) scores at its middle day instead and
        # follows defaults to its end; the window shrinks with it.
        self.score_day = min(int(options.get("score_day", MONTH12)), (sim.n_days - 1) // 2)
        self.horizon = min(int(options.get("horizon_days", YEAR)), sim.n_days - 1 - self.score_day)
        self.window = min(int(options.get("spending_window_days", 365)), self.score_day)
        self.default_acts = np.array([ids.index(a) for a in options.get("default_acts", ["loan_default"])])
        self.late_acts = np.array([ids.index(a) for a in options.get("late_acts", ["repayment_overdue"])])
        self.spend_id = str(options.get("spending_act", "platform_spending"))
        self.repay_id = str(options.get("repayment_act", "repaid_on_time"))
        self.spend = ids.index(self.spend_id)
        self.repay = ids.index(self.repay_id)
        self.spent = np.zeros(n, np.float64)  # yuan recorded in the window before the update
        self.repaid = np.zeros(n, np.int64)  # on-time repayments recorded up to the update
        self.defaulted = np.zeros(n, bool)  # a default-type act occurred in the following year
        self.late = np.zeros(n, bool)  # ... or a late payment
        self.score12: np.ndarray | None = None
        # Only those who can default are ranked: persons of the default acts' minimum age on the
        # score day (Sesame scores children too, who never default here and score low).
        age = np.asarray(sim.society.age[:n], np.float64) + self.score_day / 365.25
        self.adult = age >= float(options.get("min_age", 18))
        inner = sim.observe

        def observe(k: int, occ: Any, daily: Any) -> Any:
            rec = inner(k, occ, daily)
            self._seen(k, occ, rec)
            return rec

        sim.observe = observe  # the loop calls it through the instance: a pass-through wrapper

    def _seen(self, k: int, occ: Any, rec: Any) -> None:
        n = self.sim.n_persons
        if self.score_day < k <= self.score_day + self.horizon:
            s, a = np.asarray(occ.subject), np.asarray(occ.act)
            person = s < n
            d = person & np.isin(a, self.default_acts)
            self.defaulted[s[d]] = True
            self.late[s[d | (person & np.isin(a, self.late_acts))]] = True
        if self.score_day - self.window < k <= self.score_day:
            s, a = np.asarray(rec.subject), np.asarray(rec.act)
            m = (s < n) & (a == self.spend)
            if m.any():
                v = np.ones(int(m.sum())) if rec.value is None else np.asarray(rec.value)[m]
                np.add.at(self.spent, s[m], v)
        if k <= self.score_day:
            s, a = np.asarray(rec.subject), np.asarray(rec.act)
            m = (s < n) & (a == self.repay)
            np.add.at(self.repaid, s[m], 1)

    def on_day(self, k: int) -> None:
        """Keep the scores at the end of the month-12 update day."""
        if k == self.score_day:
            self.score12 = np.asarray(self.main.score[: self.sim.n_persons], np.float64).copy()

    def rows(self, metrics: pa.Table) -> list[Row]:
        """The study's metrics of this run."""
        if self.score12 is None:
            raise ValueError(f"the run ends before day {self.score_day}: no score at month 12")
        ad = self.adult
        s = self.score12[ad]
        spec = FactorSpec(self.main.rulebook)
        acts = list(self.main.act_ids)
        out: list[Row] = [
            ("share_defaulting_next_year", None, float(self.defaulted[ad].mean())),
            ("mean_score_month12", None, float(s.mean())),
            ("sd_score_month12", None, float(s.std())),
            ("yuan_spent_per_person_year", None, float(self.spent[ad].mean()) * 365.0 / self.window),
        ]
        a = auc(-s, self.defaulted[ad])
        if not math.isnan(a):
            out.append(("auc_score_vs_default", None, a))
        a = auc(-s, self.late[ad])
        if not math.isnan(a):
            out.append(("auc_score_vs_late_or_default", None, a))
        if self.spend_id in acts:
            i = acts.index(self.spend_id)
            spent = self.spent[ad]
            bought = factor_gain(spec, i, "value_sum", spent, 0.0)
            total = float(spent.sum())
            out.append(("points_per_1000_yuan_spent", None,
                        1000.0 * float(bought.sum()) / total if total > 0 else 0.0))
            out.append(("points_from_spending", None, float(bought.mean())))
            marg = factor_gain(spec, i, "value_sum", spent, 1000.0, base=spent)
            out.append(("marginal_points_per_1000_yuan", None, float(marg.mean())))
        if self.repay_id in acts:
            j = acts.index(self.repay_id)
            rep = self.repaid[ad].astype(np.float64)
            one = factor_gain(spec, j, "count", rep, 1.0, base=rep)
            out.append(("points_per_on_time_repayment", None, float(one.mean())))
        return out


def conclude(res: Any) -> list[str]:
    """Each arm's AUC against chance (0.5) and what 1,000 yuan buys, from the results."""
    out = []
    for arm in res.study.arms:
        m, lo, hi = res.value(arm.name, "auc_score_vs_default")
        p, _, _ = res.value(arm.name, "points_per_1000_yuan_spent")
        r, _, _ = res.value(arm.name, "points_per_on_time_repayment")
        if math.isnan(m):
            continue
        word = ("better than chance" if lo > 0.5 else "worse than chance" if hi < 0.5
                else "not detectably better than chance")
        out.append(f"In “{arm.name}” the month-12 score ranks later defaulters {word}: AUC "
                   f"{m:.3f} (95 % interval {lo:.3f} to {hi:.3f}); 1,000 yuan of purchases bought "
                   f"{p:.2f} points on average, one more on-time repayment {r:.2f}.")
    return out
