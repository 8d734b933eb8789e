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

Gates, replay, explain and the run outputs all read consequences from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from scslab.regime.schema import Rulebook
from scslab.regime.tables import Tables

if TYPE_CHECKING:
    from scslab.regime.state import RegimeState

PERSON, ORG_OWN, VIA_REP = 0, 1, 2
REPRESENTATIVE = "legal_representative"


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
        for c in entries:
            cols = [col[r] for r in c.restrictions] + [pcol[p] for p in getattr(c, "privileges", ())]
            falls = getattr(c, "organisation_falls_on", "organisation")
            modes = [PERSON, VIA_REP] if falls == REPRESENTATIVE else [PERSON, ORG_OWN]
            band = getattr(c, "band", None)
            if not cols:
                continue
            if band is not None:
                self.band[np.ix_(modes, [labels.index(band)], cols)] = True
            else:
                self.list[np.ix_(modes, [lists[c.list]], cols)] = True
        self.used_lists = [li for li in range(nl) if self.list[:, li].any()]

    def held(self, state: RegimeState, s: np.ndarray, mode: int | np.ndarray = PERSON) -> np.ndarray:
        """(len(s), ids) bool: the ids that hold for subjects ``s`` now.

        ``mode``: one mode for all subjects, or one per subject.
        """
        s = np.asarray(s, np.int64)
        m = np.broadcast_to(np.asarray(mode, np.int64), s.shape)
        out = self.band[m, state.band_index(s)]
        for li in self.used_lists:
            on = state.listed(li, s)
            if on.any():
                out[on] |= self.list[m[on], li]
        return out

    def names(self, row: np.ndarray) -> tuple[list[str], list[str]]:
        """Sorted (restrictions, privileges) of one ``held`` row."""
        on = np.flatnonzero(row)
        return ([self.ids[i] for i in on if not self.is_privilege[i]],
                [self.ids[i] for i in on if self.is_privilege[i]])

    def counts(self, bands: np.ndarray, lists: np.ndarray) -> dict[str, np.ndarray]:
        """Per id, per day: subjects holding it through a band or a list.

        From daily band counts (days, bands + 1) and list sizes (days, lists). A subject holding
        one id through a band and a list counts twice; costs nothing per day.
        """
        total = bands.astype(np.int64) @ self.band[PERSON].astype(np.int64)
        if lists.shape[1]:
            total = total + lists.astype(np.int64) @ self.list[PERSON].astype(np.int64)
        return {x: total[:, i] for i, x in sorted(enumerate(self.ids), key=lambda p: p[1])}


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
