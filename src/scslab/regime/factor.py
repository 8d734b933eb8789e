"""Factor scores (``[score] kind = "factor"``): recomputed for every subject on update days.

For each subject, on an update day ``u``::

    q_i   = quantity of input i on day u           (fixed vocabulary, see FactorInput)
    v_f   = clip(baseline_f + sum_{i in f} curve_i(q_i), 0, 1)
    score = round_half_up(low + (high - low) * sum_f w_f v_f / sum_f w_f), held within min..max

``curve_i`` is piecewise linear and flat beyond its end points. Everything is vectorised over
subjects; the friends' mean reads the live friend graph (:class:`Friends`) at each update.

Between update days the model only notes records (O(records) per day): running sums for inputs
over all records, exponentially decayed sums for ``half_life_days``, and, per ``window`` input, a
log of the records inside the window with a running sum per subject
(:class:`~scslab.regime.window.WindowSum`). An update adds the records that arrived and subtracts
those that left the window: it costs O(subjects + friendships + records entering and leaving),
never a re-scan of the records still inside.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from scslab.dates import add_months
from scslab.regime.computed import update_after, update_on_or_after
from scslab.regime.ledger import SYSTEM_ACT
from scslab.regime.rules import Rule
from scslab.regime.schema import Rulebook
from scslab.regime.state import RegimeState
from scslab.regime.window import WindowSum
from scslab.society.friends import Friends

if TYPE_CHECKING:
    from scslab.regime.replay import Records
    from scslab.society import Society

DAYS_PER_YEAR = 365.25  # ages grow by elapsed days / DAYS_PER_YEAR [years]
_EPS = 1e-9  # so that an exact .5 rounds up despite binary fractions


@dataclass(frozen=True)
class InputPlan:
    """One factor input, compiled."""

    factor: int  # index of its factor
    quantity: str
    acts: np.ndarray | None  # bool per act index (count, value_sum)
    window: tuple[int, int] | None  # (months, days)
    half_life: float | None  # [days]
    attribute: str | None
    list_index: int  # on_list: index into the engine's lists; else -1
    default: float
    xs: np.ndarray
    ys: np.ndarray


class FactorSpec:
    """The factors of a rulebook, compiled to arrays."""

    def __init__(self, rb: Rulebook) -> None:
        score = rb.score
        if score is None or score.kind != "factor":
            raise ValueError(f"regime {rb.regime.id} has no factor score")
        # A computed score has both bounds (checked by the schema).
        assert score.min is not None and score.max is not None
        self.low, self.high = score.scale if score.scale is not None else (score.min, score.max)
        self.min, self.max = int(score.min), int(score.max)
        self.factor_ids = [f.id for f in rb.factors]
        self.weights = np.array([f.weight for f in rb.factors], np.float64)
        self.baselines = np.array([f.baseline for f in rb.factors], np.float64)
        list_idx = {x.id: i for i, x in enumerate(rb.lists)}
        plans = []
        for fi, f in enumerate(rb.factors):
            for x in f.inputs:
                acts = None
                if x.quantity in ("count", "value_sum"):
                    acts = np.array([a.id in x.acts or a.category in x.categories
                                     for a in rb.acts], bool)
                plans.append(InputPlan(
                    factor=fi, quantity=x.quantity, acts=acts,
                    window=None if x.window is None else (x.window.months, x.window.days),
                    half_life=x.half_life_days, attribute=x.attribute,
                    list_index=list_idx[x.list] if x.list is not None else -1,
                    default=np.nan if x.default is None else float(x.default),
                    xs=np.array([p[0] for p in x.curve], np.float64),
                    ys=np.array([p[1] for p in x.curve], np.float64)))
        self.inputs: list[InputPlan] = plans


def friends_mean(score: np.ndarray, friends: Friends, default: float) -> np.ndarray:
    """Mean of each subject's friends' scores (float64), ``default`` for a subject without friends.

    Reads the live graph as it stands (ties dropped or formed during the run included); subjects
    beyond the graph have no friends, and friends beyond ``len(score)`` are ignored.
    """
    return friends.mean_of(score, default)


def factor_values(spec: FactorSpec, quantities: list[np.ndarray]) -> np.ndarray:
    """(factors, subjects) values in 0..1 from one quantity array per input (spec order)."""
    n = len(quantities[0]) if quantities else 0
    v = np.repeat(spec.baselines[:, None], n, axis=1)
    for plan, q in zip(spec.inputs, quantities, strict=True):
        v[plan.factor] += np.interp(q, plan.xs, plan.ys)
    return np.clip(v, 0.0, 1.0)


def factor_scores(spec: FactorSpec, quantities: list[np.ndarray],
                  n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Scores (int64, within min..max) and a flag per subject: +1 held at max, -1 held at min.

    Args:
        spec: the compiled factors.
        quantities: one float array per input (``spec.inputs`` order), one entry per subject.
        n: number of subjects, needed only when the factors have no inputs.
    """
    if quantities:
        v = factor_values(spec, quantities)
    else:
        v = np.repeat(spec.baselines[:, None], n or 0, axis=1)
    mean = spec.weights @ v / spec.weights.sum()
    raw = np.floor(spec.low + (spec.high - spec.low) * mean + 0.5 + _EPS).astype(np.int64)
    held = np.clip(raw, spec.min, spec.max)
    return held, np.sign(raw - held)


class FactorModel:
    """The strategy of a factor score.

    It notes records and recomputes every score on update days, through the state's write API.

    Inputs the caller may bind (:meth:`bind`): the friendship graph, ``ability_to_pay`` and
    ``age`` arrays (rows beyond an array, and NaN, take the input's ``default``). Unbound, ages
    come from the records (the age on a record's date, growing with time since) and the rest
    from the defaults: a subject without friends, the default ability.
    """

    def __init__(self, rb: Rulebook, state: RegimeState) -> None:
        self.state = state
        self.spec = FactorSpec(rb)
        assert rb.update is not None, "a factor score has an [update] (checked by the schema)"
        self.update_spec = rb.update
        n = self.n = state.n
        self.next_update: int | None = None
        self._acc: dict[int, np.ndarray] = {}  # input -> running or decayed sum per subject
        self._last: dict[int, np.ndarray] = {}  # input -> day of the decayed sum
        self._windows: dict[int, WindowSum] = {}  # input -> the records inside its window
        for i, p in enumerate(self.spec.inputs):
            if p.acts is None:
                continue
            if p.window is not None:
                self._windows[i] = WindowSum(n)
            else:
                self._acc[i] = np.zeros(n, np.float64)
                if p.half_life is not None:
                    self._last[i] = np.zeros(n, np.int64)
        self.friends: Friends | None = None
        self.attributes: dict[str, np.ndarray] = {}
        self.age_day: int | None = None  # day on which the bound ages hold
        self._uses = {p.quantity for p in self.spec.inputs} | \
            {p.attribute for p in self.spec.inputs if p.attribute}
        self._rec_age = np.full(n, np.nan) if "age" in self._uses else None
        self._rec_age_day = np.zeros(n, np.int64) if "age" in self._uses else None

    # ------------------------------------------------------------------ inputs
    def bind(self, friends: Friends | tuple[np.ndarray, np.ndarray] | None = None,
             ability_to_pay: np.ndarray | None = None, age: np.ndarray | None = None,
             age_day: int | None = None) -> None:
        """Bind the caller's inputs (any subset). ``age`` holds on day ``age_day`` [years].

        ``friends`` is the live graph, read at every update (so edits during the run count), or
        a CSR (indptr, indices), which becomes a graph of its own.
        """
        if friends is not None:
            self.friends = friends if isinstance(friends, Friends) else Friends.from_csr(*friends)
        if ability_to_pay is not None:
            self.attributes["ability_to_pay"] = np.asarray(ability_to_pay, np.float64)
        if age is not None:
            if age_day is None:
                raise ValueError("bound ages need age_day, the day on which they hold")
            self.attributes["age"] = np.asarray(age, np.float64)
            self.age_day = int(age_day)

    def bind_society(self, society: Society, start_day: int) -> None:
        """Bind what the rulebook's inputs read from the society.

        Society attributes are drawn on first use, so only those are read.
        """
        friends = society.friend_graph() if "friends_mean_score" in self._uses else None
        self.bind(
            friends=friends,
            ability_to_pay=society.ability_to_pay if "ability_to_pay" in self._uses else None,
            age=society.age if "age" in self._uses else None,
            age_day=start_day if "age" in self._uses else None)

    def bind_records(self, records: Records) -> None:
        """Replay: nothing beyond the records themselves (ages arrive with them)."""

    # -------------------------------------------------------------- the engine
    def next_due(self) -> int | None:
        """The next update day (None before the first step)."""
        return self.next_update

    def after_day(self, day: int, s: np.ndarray, a: np.ndarray, v: np.ndarray, g: np.ndarray,
                  touched: np.ndarray) -> np.ndarray:
        """Note the day's records; on an update day recompute every score.

        Returns the subjects whose file changed (``touched`` and those the update changed).
        """
        if self.next_update is None:
            self.next_update = update_on_or_after(self.update_spec, day)
        changed = []
        while self.next_update < day:  # a caller skipped an update day: catch up, as of it
            changed.append(self.update(self.next_update))
            self.next_update = update_after(self.update_spec, self.next_update)
        if len(s):
            self.observe(day, s, a, v, g)
        if day == self.next_update:
            changed.append(self.update(day))
            self.next_update = update_after(self.update_spec, day)
        return np.concatenate([touched, *changed]) if changed else touched

    def observe(self, day: int, s: np.ndarray, a: np.ndarray, v: np.ndarray,
                g: np.ndarray) -> None:
        """Fold one day's records into the running sums and logs: O(records)."""
        for i, p in enumerate(self.spec.inputs):
            if p.acts is None:
                continue
            m = p.acts[a]
            if not m.any():
                continue
            ss = s[m]
            if p.window is not None:
                self._windows[i].add(day, ss, None if p.quantity == "count" else v[m])
                continue
            val = np.ones(len(ss)) if p.quantity == "count" else v[m]
            acc = self._acc[i]
            if p.half_life is not None:
                last = self._last[i]
                u = np.unique(ss)
                acc[u] *= np.exp2(-(day - last[u]) / p.half_life)
                last[u] = day
            np.add.at(acc, ss, val)
        if self._rec_age is not None:
            assert self._rec_age_day is not None  # allocated together with _rec_age
            k = np.isfinite(g)
            self._rec_age[s[k]] = g[k]
            self._rec_age_day[s[k]] = day

    def quantities(self, day: int) -> list[np.ndarray]:
        """The quantity of every input for every subject on update day ``day``.

        Scores count as they stand before the update.
        """
        n = self.n
        out = []
        for i, p in enumerate(self.spec.inputs):
            if p.acts is not None and p.window is not None:
                out.append(self._windowed(i, p, day))
            elif p.acts is not None:
                q = self._acc[i]
                if p.half_life is not None:
                    q = q * np.exp2(-(day - self._last[i]) / p.half_life)
                out.append(q.copy())
            elif p.quantity == "attribute":
                out.append(self._attribute(p, day))
            elif p.quantity == "friends_mean_score":
                if self.friends is None:
                    out.append(np.full(n, p.default))
                else:
                    score = self.state.score
                    assert score is not None  # a factor regime has a score
                    out.append(friends_mean(score, self.friends, p.default))
            else:  # on_list
                on = self.state.listed(p.list_index, np.arange(n))
                out.append(on.astype(np.float64))
        return out

    def _windowed(self, i: int, p: InputPlan, day: int) -> np.ndarray:
        assert p.window is not None  # called for windowed inputs only (quantities)
        cutoff = int(add_months(day, -p.window[0])) - p.window[1]  # counts: cutoff < d <= day
        # Later update days have later cutoffs: what falls out now never counts again.
        return self._windows[i].update(cutoff)

    def _attribute(self, p: InputPlan, day: int) -> np.ndarray:
        n = self.n
        out = np.full(n, p.default)
        bound = self.attributes.get(p.attribute) if p.attribute is not None else None
        if bound is not None:
            k = min(len(bound), n)
            out[:k] = bound[:k]
            if p.attribute == "age":
                assert self.age_day is not None  # bind() sets it with the bound ages
                out[:k] += (day - self.age_day) / DAYS_PER_YEAR
        elif p.attribute == "age" and self._rec_age is not None:
            assert self._rec_age_day is not None  # allocated together with _rec_age
            known = np.isfinite(self._rec_age)
            out[known] = self._rec_age[known] + (day - self._rec_age_day[known]) / DAYS_PER_YEAR
        out[np.isnan(out)] = p.default
        return out

    def scores(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        """New scores of every subject on update day ``day`` and their min/max flags."""
        return factor_scores(self.spec, self.quantities(day), self.n)

    def update(self, day: int) -> np.ndarray:
        """Recompute every score; a ledger line for each that changed. Returns those subjects."""
        st = self.state
        assert st.score is not None  # a factor regime has a score
        old = st.score.astype(np.int64)
        new, flag = self.scores(day)
        changed = np.flatnonzero(new != old)
        for f, rule in ((0, Rule.FACTOR_UPDATE), (1, Rule.FACTOR_UPDATE_AT_MAX),
                        (-1, Rule.FACTOR_UPDATE_AT_MIN)):
            s = changed[flag[changed] == f]
            if len(s):
                st.set_scores(day, s, new[s], SYSTEM_ACT, int(rule))
        return changed
