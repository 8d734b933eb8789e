"""The rulebook engine: records in, ledger, scores, bands and list entries out.

An :class:`Engine` holds one regime's compiled rulebook, its :class:`~scslab.regime.state.RegimeState`
and its strategies: the point rules every rulebook has (:mod:`scslab.regime.points`) and, for a
computed score, the factor model or the yearly evaluation recomputed on update days. One call of
:meth:`Engine.step` applies one day; the order within a day is documented in
:mod:`scslab.regime.points` and :mod:`scslab.regime.calendar`.

Every change writes a ledger line (:mod:`scslab.regime.rules`) whose ``delta`` is the change
actually applied, so a score always equals its initial value plus the sum of its ledger deltas.
Outside ``scslab.regime``, read the state only through the public names here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from scslab.regime.computed import update_on_or_after
from scslab.regime.consequences import ConditionCounts, ConsequenceTable
from scslab.regime.evaluation import AnnualEvaluation
from scslab.regime.factor import FactorModel
from scslab.regime.inforce import act_periods
from scslab.regime.ledger import Ledger, LedgerLines
from scslab.regime.points import PointRules
from scslab.regime.rules import NEVER, OPEN_END, Rule, Vocabulary, render
from scslab.regime.schema import Rulebook
from scslab.regime.state import DeletionDelayFn, RegimeState
from scslab.regime.tables import NO_TERM, NOT_ENTRY, Tables, compile_rulebook

if TYPE_CHECKING:
    from scslab.regime.replay import Records
    from scslab.society import Society

__all__ = ["NEVER", "OPEN_END", "Engine"]


class Engine:
    """Applies records to the files of ``n_subjects`` subjects under one rulebook.

    Args:
        rulebook: a checked rulebook.
        n_subjects: number of subject rows.
        keep_ledger: store ledger lines (False counts them only, for benchmarks).
    """

    def __init__(self, rulebook: Rulebook, n_subjects: int, keep_ledger: bool = True) -> None:
        self.rulebook = rulebook
        self.n_subjects = n_subjects
        self.keep_ledger = keep_ledger

    def __repr__(self) -> str:
        head = f"<Engine {self.rulebook.regime.id}: {self.n_subjects:,} subjects"
        if not hasattr(self, "state"):
            return f"{head}, not initialised>"
        n = self.n_subjects
        mean = "" if self.score is None or not n else f", mean score {self.score_sum / n:.1f}"
        return (f"{head}{mean}, {len(self.band_labels)} bands, {len(self.list_ids)} lists, "
                f"{self.ledger.n_lines:,} ledger lines>")

    def init(self) -> Engine:
        """Allocate the state: every subject at the initial score, on no list."""
        self.tables: Tables = compile_rulebook(self.rulebook)
        self.ledger = Ledger(self.keep_ledger)
        self.state = RegimeState(self.tables, self.n_subjects, self.ledger)
        self.rules = PointRules(self.state)
        kind = None if self.rulebook.score is None else self.rulebook.score.kind
        self.ext: FactorModel | AnnualEvaluation | None = (
            FactorModel(self.rulebook, self.state) if kind == "factor" else
            AnnualEvaluation(self.rulebook, self.state) if kind == "evaluation" else None)
        self.in_force = act_periods(self.rulebook)  # None: every act always in force
        self.consequence_table = ConsequenceTable(self.rulebook, self.tables)
        # Compound consequences (a band and a list condition) are counted as files change.
        self.conditions = (ConditionCounts(self.consequence_table, self.state, self.n_subjects)
                           if self.consequence_table.compound else None)
        return self

    # --------------------------------------------------------------------- read API
    @property
    def score(self) -> np.ndarray | None:
        """Every subject's score (int32; None for a regime without a score). Read only."""
        return self.state.score

    @property
    def band_labels(self) -> list[str]:
        """Band labels: score bands (high to low), then the bands lists show."""
        return self.tables.band_labels

    @property
    def list_ids(self) -> list[str]:
        """Ids of the regime's lists, in rulebook order (list index = position)."""
        return [lt.id for lt in self.tables.lists]

    @property
    def act_ids(self) -> list[str]:
        """Ids of the regime's acts (act index = position)."""
        return self.tables.act_ids

    @property
    def band_counts(self) -> np.ndarray:
        """Subjects per band now (int64; last slot: no band)."""
        return self.state.band_counts

    @property
    def score_sum(self) -> int:
        """Sum of all scores now [points]."""
        return self.state.score_sum

    def band_index(self, s: np.ndarray) -> np.ndarray:
        """Band index of subjects ``s`` (``len(band_labels)``: no band)."""
        return self.state.band_index(s)

    def bands(self, s: np.ndarray | None = None) -> np.ndarray:
        """Band labels (object array; ``""`` for none) of subjects ``s`` (default all)."""
        s = np.arange(self.n_subjects) if s is None else np.asarray(s)
        labels = np.array([*self.band_labels, ""], dtype=object)
        return labels[self.state.band_index(s)]

    def list_sizes(self) -> np.ndarray:
        """Subjects on each list now (int64 per list)."""
        return self.state.list_sizes()

    def listed(self, li: int, s: np.ndarray) -> np.ndarray:
        """Whether subjects ``s`` are on list ``li``."""
        return self.state.listed(li, s)

    def listed_since(self, li: int, s: np.ndarray) -> np.ndarray:
        """Day subjects ``s`` were put on list ``li`` (NEVER: not listed)."""
        return self.state.listed_since(li, s)

    def deletion_pending(self, li: int, s: np.ndarray) -> np.ndarray:
        """Whether a deletion from list ``li`` is scheduled for subjects ``s``."""
        return self.state.deletion_pending(li, s)

    def consequences(self, s: int) -> tuple[list[str], list[str]]:
        """Sorted (restrictions, privileges) that hold for subject ``s`` by its own status."""
        return self.consequence_table.names(self.consequence_table.held(self.state, np.array([s]))[0])

    def consequence_counts(self, days: np.ndarray, bands: np.ndarray,
                           lists: np.ndarray) -> dict[str, np.ndarray]:
        """Per restriction or privilege id: subjects holding it at the end of each of ``days``.

        ``bands`` and ``lists``: the band counts and list sizes of those days (see
        :meth:`scslab.regime.consequences.ConsequenceTable.counts`).
        """
        cond = None if self.conditions is None else self.conditions.series(days)
        return self.consequence_table.counts(bands, lists, cond)
    def restrictions_held(self, s: np.ndarray) -> np.ndarray:
        """How many restrictions subjects ``s`` hold now by their own status (int64 each)."""
        if not len(s):
            return np.zeros(0, np.int64)
        t = self.consequence_table
        held = t.held(self.state, np.asarray(s, np.int64))
        return held[:, ~t.is_privilege].sum(axis=1, dtype=np.int64)

    def list_acts(self, li: int) -> tuple[np.ndarray, np.ndarray]:
        """Per regime act, whether it enters list ``li``, and whether it is a removal act of it."""
        lt = self.tables.lists[li]
        return lt.entry_months != NOT_ENTRY, lt.is_removal

    def lists_of(self, s: int) -> list[str]:
        """Sorted ids of the lists subject ``s`` is on."""
        row = np.array([s])
        return sorted(lid for li, lid in enumerate(self.list_ids) if self.state.listed(li, row)[0])

    def next_due(self) -> int | None:
        """The earliest day with a calendar event (or a computed score's update), or None."""
        due = self.state.calendar.next_day()
        upd = None if self.ext is None else self.ext.next_due()
        return due if upd is None else upd if due is None else min(due, upd)

    def vocabulary(self) -> Vocabulary:
        """What the regime's ledger lines refer to by index (to render them)."""
        t, rb = self.tables, self.rulebook
        ext = self.ext
        return Vocabulary(
            act_ids=t.act_ids, list_ids=self.list_ids, list_delay=[lt.delay for lt in t.lists],
            list_min_age=[lt.min_age for lt in t.lists],
            extension_span=[f"{lt.ext_min}" + ("+" if lt.ext_max is None else f"-{lt.ext_max}")
                            for lt in t.lists],
            window_ids=[w[0] for w in t.windows], window_acts=[w[1] for w in t.windows],
            window_days=[w[2] for w in t.windows], window_more=[w[3] for w in t.windows],
            window_emits=[w[4] for w in t.windows], trigger_ids=[x[0] for x in t.triggers],
            cap_band=t.cap_band, cap=t.cap.tolist(), req_max=t.req_max.tolist(),
            req_min=t.req_min.tolist(), cooldown=t.cooldown, lo=t.lo, hi=t.hi,
            cadence="" if rb.update is None else rb.update.cadence,
            class_labels=ext.labels if isinstance(ext, AnnualEvaluation) else [],
            low_class=len(rb.evaluation.classes) - 1 if rb.evaluation is not None else -1,
            no_revenue_min=rb.evaluation.no_revenue_min_score if rb.evaluation is not None else None)

    def rule_texts(self, lines: LedgerLines) -> list[str]:
        """The text of each ledger line (what ``explain`` and reports show)."""
        v = self.vocabulary()
        return [render(v, int(lines.rule[i]), int(lines.act[i]), int(lines.day[i]),
                       int(lines.list[i]), int(lines.until[i]), int(lines.ref[i]),
                       float(lines.amount[i]), int(lines.item[i])) for i in range(len(lines))]

    # ------------------------------------------------------------------------ inputs
    def bind_society(self, society: Society, start_day: int) -> None:
        """Give a computed score the society's inputs; nothing for point scores.

        The inputs: friends, attributes, ages on ``start_day``, legal representatives.
        """
        if self.ext is not None:
            self.ext.bind_society(society, start_day)

    def bind_records(self, records: Records) -> None:
        """Replay: what a record file says about the subjects (see :meth:`bind_society`)."""
        if self.ext is not None:
            self.ext.bind_records(records)

    def delay_deletions(self, li: int, fn: DeletionDelayFn | None) -> None:
        """Make deletions from list ``li`` late or missed by ``fn`` (None: on time, the default).

        ``fn(day, subjects, due)`` returns the day each deletion takes effect and how it went
        (:data:`~scslab.regime.state.ON_TIME`, ``LATE`` or ``MISSED``).
        """
        self.state.deletion_delay[li] = fn

    def skip_updates(self, day: int) -> None:
        """A computed score skips its update days before ``day`` (a suspension ends on ``day``).

        The next update is then the first on or after ``day``; point scores have none.
        """
        ext = self.ext
        if ext is not None and ext.next_update is not None and ext.next_update < day:
            ext.next_update = update_on_or_after(ext.update_spec, day)

    def carry_over(self, day: int, old: Engine) -> np.ndarray:
        """This rulebook amends ``old``'s from ``day``: take over its subjects' state.

        Each subject's score (clipped to this rulebook's bounds; a ledger line
        ``amended_score`` where it differs from this regime's) and its entries on the lists
        both rulebooks name by the same id, to the same end (``amended_list``; a pending
        deletion's day becomes the end). Points due to expire, windows and computed-score
        inputs stay with ``old``. Returns the subjects touched. One pass over the subjects:
        the cost of the amendment, once.
        """
        st = self.state
        n = min(self.n_subjects, old.n_subjects)
        rows = np.arange(n, dtype=np.int64)
        touched = [rows[:0]]
        if st.score is not None and old.score is not None:
            new = old.score[:n].astype(np.int64)
            t = st.t
            if t.lo is not None or t.hi is not None:
                new = np.clip(new, t.lo, t.hi)
            ch = rows[new != st.score[:n]]
            st.set_scores(day, ch, new[ch], -1, int(Rule.AMENDED_SCORE),
                          raw=None if st.raw is None else new[ch])
            touched.append(ch)
        for li, lid in enumerate(self.list_ids):
            if lid not in old.list_ids:
                continue
            oj = old.list_ids.index(lid)
            s = rows[old.listed(oj, rows)]
            if not len(s):
                continue
            pend = old.state.list_pending[oj][s]
            end = np.where(pend != NEVER, pend, old.state.list_until[oj][s])
            for e in np.unique(end).tolist():
                grp = s[end == e]
                if e == OPEN_END:
                    st.enter(day, li, grp, -1, NO_TERM, 0, code=Rule.AMENDED_LIST)
                else:
                    st.enter(day, li, grp, -1, 0, max(0, int(e) - day), code=Rule.AMENDED_LIST)
            touched.append(s)
        if self.conditions is not None:
            self.conditions.update(day, np.concatenate(touched))
        return np.concatenate(touched)

    # -------------------------------------------------------------------------- step
    def step(self, day: int, subj: np.ndarray | None = None, act: np.ndarray | None = None,
             value: np.ndarray | None = None, age: np.ndarray | None = None) -> np.ndarray:
        """Apply day ``day``.

        First due calendar events, then records (file order; those of acts out of force on
        ``day`` are ignored), then, for a computed score on its
        update day, the update of every score.

        Args:
            day: day number.
            subj: int array, the subject row of each record.
            act: int array, the act index of each record.
            value: float array (default 1 per record).
            age: float array, the subject's age [years] (NaN = unknown).

        Returns:
            The subjects whose file the day touched (each at least once; may repeat).
        """
        s = np.zeros(0, np.int64) if subj is None else np.asarray(subj, np.int64)
        k = len(s)
        a = np.zeros(0, np.int64) if act is None else np.asarray(act, np.int64)
        v = np.ones(k) if value is None else np.asarray(value, np.float64)
        g = np.full(k, np.nan) if age is None else np.asarray(age, np.float64)
        if self.in_force is not None and k:  # records of acts out of force are ignored
            lo, hi = self.in_force
            ok = (lo[a] <= day) & (day < hi[a])
            if not ok.all():
                s, a, v, g = s[ok], a[ok], v[ok], g[ok]
        touched = self.rules.step_day(day, s, a, v, g)
        if self.ext is not None:
            # O(records) except on update days (see scslab.regime.computed).
            touched = self.ext.after_day(day, s, a, v, g, touched)
        if self.conditions is not None:
            self.conditions.update(day, touched)
        return touched
