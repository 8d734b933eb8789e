"""Which consequences hold for whom: one table per regime, compiled once.

A rulebook attaches restriction and privilege ids to bands and lists (``[[consequences]]``).
They compile into boolean tables ``band x id`` and ``list x id`` in three *modes*, which say
whose consequences count for a row:

* :data:`PERSON`: a person's own status, every consequence (also an organisation without a
  known legal representative, so that nothing is lost);
* :data:`ORG_OWN`: an organisation's own status, the consequences that fall on the organisation;
* :data:`VIA_REP`: an organisation's status as borne by its legal representative
  (``organisation_falls_on = "legal_representative"``: the 2015 consumption restrictions fall,
  for a unit, on its legal representative; see the court-defaulters rulebook's sources).

A *compound* consequence needs a list condition on top of its band (``band`` and ``list``
together, or ``not_on_list``). Compound consequences with the same list condition form a
:class:`Compound` group with its own ``band x id`` tables; :class:`ConditionCounts` keeps, per
group and band, how many subjects meet the condition, in O(touched subjects) a day, so the
run's daily consequence counts stay exact without a pass over everyone.

Gates, replay, explain and the run outputs all read consequences from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from scslab.regime._kernels import recount
from scslab.regime.rules import NEVER
from scslab.regime.schema import Rulebook
from scslab.regime.tables import Tables

if TYPE_CHECKING:
    from scslab.regime.state import RegimeState

PERSON, ORG_OWN, VIA_REP = 0, 1, 2
REPRESENTATIVE = "legal_representative"
_NO_DAYS = np.zeros(0, np.int32)  # no list condition (recount)


class Listed(Protocol):
    """Anything that says who is on a list (a regime's state, or its engine)."""

    def listed(self, li: int, s: np.ndarray) -> np.ndarray:
        """Whether subjects ``s`` are on list ``li``."""
        ...


@dataclass(frozen=True)
class Compound:
    """Compound consequences that share one list condition.

    ``on``: list index the subject must be on; ``off``: list index it must not be on (-1: no
    such condition). ``band``: (mode, band + 1, ids) bool, the ids held per band by a subject
    meeting the condition (every band row, the last one "no band" included, when the
    consequences name no band).
    """

    on: int
    off: int
    band: np.ndarray

    def meets(self, state: Listed, s: np.ndarray) -> np.ndarray:
        """Whether subjects ``s`` meet the list condition now."""
        ok = np.ones(len(s), bool)
        if self.on >= 0:
            ok &= state.listed(self.on, s)
        if self.off >= 0:
            ok &= ~state.listed(self.off, s)
        return ok


class ConsequenceTable:
    """Restriction and privilege ids held per band and per list, in three modes.

    Args:
        rulebook: the regime.
        tables: its compiled tables (band labels, lists).
        extra: more list consequences the simulation adds (joint punishment): objects with
            ``list``, ``restrictions`` and ``organisation_falls_on``.
    """

    # ``extra`` is duck-typed (fields read with getattr where optional), so entries stay Any.
    def __init__(self, rulebook: Rulebook, tables: Tables, extra: Sequence[Any] = ()) -> None:
        entries = [*rulebook.consequences, *extra]
        restr = sorted({r for c in entries for r in c.restrictions})
        priv = sorted({p for c in entries for p in getattr(c, "privileges", ())})
        self.ids: list[str] = [*restr, *priv]
        self.is_privilege = np.array([False] * len(restr) + [True] * len(priv), bool)
        col = {x: i for i, x in enumerate(restr)}
        pcol = {x: len(restr) + i for i, x in enumerate(priv)}
        labels = tables.band_labels
        lists = {lt.id: i for i, lt in enumerate(tables.lists)}
        nb, nl, nc = len(labels) + 1, len(tables.lists), len(self.ids)
        self.band = np.zeros((3, nb, nc), bool)  # last band row: no band
        self.list = np.zeros((3, nl, nc), bool)
        groups: dict[tuple[int, int], np.ndarray] = {}
        for c in entries:
            cols = [col[r] for r in c.restrictions] + [pcol[p] for p in getattr(c, "privileges", ())]
            falls = getattr(c, "organisation_falls_on", "organisation")
            modes = [PERSON, VIA_REP] if falls == REPRESENTATIVE else [PERSON, ORG_OWN]
            band = getattr(c, "band", None)
            on = -1 if c.list is None else lists[c.list]
            off = getattr(c, "not_on_list", None)
            if not cols:
                continue
            if off is not None or (band is not None and on >= 0):
                table = groups.setdefault((on, -1 if off is None else lists[off]),
                                          np.zeros((3, nb, nc), bool))
                rows = list(range(nb)) if band is None else [labels.index(band)]
                table[np.ix_(modes, rows, cols)] = True
            elif band is not None:
                self.band[np.ix_(modes, [labels.index(band)], cols)] = True
            else:
                self.list[np.ix_(modes, [on], cols)] = True
        self.used_lists = [li for li in range(nl) if self.list[:, li].any()]
        self.compound = [Compound(on, off, t) for (on, off), t in sorted(groups.items())]

    def held(self, state: RegimeState, s: np.ndarray, mode: int | np.ndarray = PERSON) -> np.ndarray:
        """(len(s), ids) bool: the ids that hold for subjects ``s`` now.

        ``mode``: one mode for all subjects, or one per subject.
        """
        s = np.asarray(s, np.int64)
        m = np.broadcast_to(np.asarray(mode, np.int64), s.shape)
        b = state.band_index(s)
        out = self.band[m, b]
        for li in self.used_lists:
            on = state.listed(li, s)
            if on.any():
                out[on] |= self.list[m[on], li]
        for g in self.compound:
            ok = g.meets(state, s)
            if ok.any():
                out[ok] |= g.band[m[ok], b[ok]]
        return out

    def names(self, row: np.ndarray) -> tuple[list[str], list[str]]:
        """Sorted (restrictions, privileges) of one ``held`` row."""
        on = np.flatnonzero(row)
        return ([self.ids[i] for i in on if not self.is_privilege[i]],
                [self.ids[i] for i in on if self.is_privilege[i]])

    def counts(self, bands: np.ndarray, lists: np.ndarray,
               conditions: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Per id, per day: subjects holding it through a band, a list or a compound condition.

        From daily band counts (days, bands + 1), list sizes (days, lists) and, when the table
        has compound groups, the subjects per group and band meeting the group's condition
        (days, groups, bands + 1; :meth:`ConditionCounts.series`). A subject holding one id in
        two ways counts twice; costs nothing per day.
        """
        total = bands.astype(np.int64) @ self.band[PERSON].astype(np.int64)
        if lists.shape[1]:
            total = total + lists.astype(np.int64) @ self.list[PERSON].astype(np.int64)
        if self.compound:
            if conditions is None:
                raise ValueError("compound consequences need the condition counts")
            for j, g in enumerate(self.compound):
                total = total + conditions[:, j].astype(np.int64) @ g.band[PERSON].astype(np.int64)
        return {x: total[:, i] for i, x in sorted(enumerate(self.ids), key=lambda p: p[1])}


class ConditionCounts:
    """Subjects per band that meet each compound group's list condition, kept as files change.

    ``where[g, s]`` is the band row subject ``s`` is counted in for group ``g`` (-1: the condition
    does not hold). Built with one pass when the engine is set up; afterwards :meth:`update`
    costs O(touched subjects). The counts are recorded on every day they change, so
    :meth:`series` gives them for any days. Allocated only for rulebooks with compound
    consequences (2 bytes per subject and group).
    """

    def __init__(self, table: ConsequenceTable, state: RegimeState, n_subjects: int) -> None:
        self.groups = table.compound
        self.state = state
        nb = table.band.shape[1]
        every = np.arange(n_subjects, dtype=np.int64)
        b = state.band_index(every).astype(np.int16)
        self.where = np.stack([np.where(g.meets(state, every), b, np.int16(-1)) for g in self.groups])
        self.now = np.stack([np.bincount(w[w >= 0], minlength=nb) for w in self.where]).astype(np.int64)
        self.start = self.now.copy()
        self.days: list[int] = []
        self.history: list[np.ndarray] = []

    def update(self, day: int, touched: np.ndarray) -> None:
        """After day ``day``: recount the subjects in ``touched`` (may repeat)."""
        if not len(touched):
            return
        # One compiled pass per group over the touched subjects as they come (repeats too):
        # at 10^6 subjects the distinct pass and numpy's gathers and scatters cost 11 ms a day.
        s = np.asarray(touched, np.int64)
        b = self.state.band_index(s)
        changed = False
        for j, g in enumerate(self.groups):
            on = self.state.list_since[g.on] if g.on >= 0 else _NO_DAYS
            off = self.state.list_since[g.off] if g.off >= 0 else _NO_DAYS
            changed |= recount(s, b, on, off, NEVER, self.where[j], self.now[j])
        if changed:
            if self.days and self.days[-1] == day:
                self.history[-1] = self.now.copy()
            else:
                self.days.append(day)
                self.history.append(self.now.copy())

    def series(self, days: np.ndarray) -> np.ndarray:
        """(len(days), groups, bands + 1): the counts at the end of each of ``days``."""
        pos = np.searchsorted(np.array(self.days, np.int64), np.asarray(days, np.int64), side="right")
        stack = np.stack([self.start, *self.history])
        return stack[pos]


def held_by_bearer(table: ConsequenceTable, state: RegimeState, bearer: np.ndarray,
                   subjects: np.ndarray) -> list[tuple[list[str], list[str]]]:
    """Sorted (restrictions, privileges) held by each of ``subjects`` now.

    ``bearer[s]`` is the row that bears organisation ``s``'s representative-borne consequences
    (``s`` itself for a person or an organisation with no representative).

    A subject holds its own (all of them, or only those falling on the organisation when it has
    a bearer), plus those falling on the representative from every organisation it represents.
    O(subjects + organisations) with numpy: for replay, explain and reports.
    """
    n = len(bearer)
    subjects = np.asarray(subjects, np.int64)
    rows = np.arange(n)
    has_rep = bearer != rows
    own = table.held(state, subjects, np.where(has_rep[subjects], ORG_OWN, PERSON))
    wanted = np.zeros(n, bool)
    wanted[subjects] = True
    orgs = np.flatnonzero(has_rep & wanted[bearer])
    if len(orgs):
        moved = table.held(state, orgs, VIA_REP)
        pos = np.full(n, -1, np.int64)
        pos[subjects] = np.arange(len(subjects))
        np.logical_or.at(own, pos[bearer[orgs]], moved)
    return [table.names(r) for r in own]
