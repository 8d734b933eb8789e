"""Who bears a subject's consequences: an organisation's legal representative, where the rulebook
says so (``[[consequences]] organisation_falls_on = "legal_representative"``).

The 2015 restrictions on high consumption apply, where the debtor is a unit, to its legal
representative (regimes.md §4, 2015 Art. 3): an organisation cannot take a flight or enrol a
child in a private school. Such consequences are therefore moved from the organisation's row to
its representative's row; the organisation keeps only consequences that fall on itself.

A *bearer* array gives, per subject row, the row that bears its representative-borne
consequences: the subject itself for a person (or an organisation with no known representative,
so that nothing is lost), the legal representative for an organisation. Replay builds it from
the CSV column ``representative``; a simulation from ``society.org_legal_rep``
(:func:`bearer_from_society`).
"""

from __future__ import annotations

import numpy as np

from scslab.regime.engine import Engine

ORGANISATION = "organisation"
REPRESENTATIVE = "legal_representative"


def bearer_from_representative(representative: np.ndarray | None, n: int) -> np.ndarray:
    """Bearer rows from a per-subject representative row (-1 where none); identity if None."""
    bearer = np.arange(n, dtype=np.int64)
    if representative is not None:
        rep = np.asarray(representative, np.int64)
        has = rep >= 0
        bearer[has] = rep[has]
    return bearer


def bearer_from_society(org_legal_rep: np.ndarray, n_persons: int) -> np.ndarray:
    """Bearer rows for a simulated society: persons ``0..n_persons-1`` bear their own, and
    organisation ``n_persons + k`` has its consequences borne by person ``org_legal_rep[k]``
    (itself where that is -1)."""
    rep = np.asarray(org_legal_rep, np.int64)
    full = np.concatenate([np.full(n_persons, -1, np.int64), rep])
    return bearer_from_representative(full, n_persons + len(rep))


def held_consequences(engine: Engine, bearer: np.ndarray | None = None,
                      subjects: np.ndarray | None = None) -> list[tuple[list[str], list[str]]]:
    """Sorted (restrictions, privileges) that hold for each of ``subjects`` (default all) now.

    A subject holds the consequences of its own band and lists, except those that fall on a
    legal representative when it has one (``bearer[s] != s``), plus those that fall on a legal
    representative from every organisation it represents. O(n_subjects) Python: for replay and
    reports, not the daily loop.
    """
    n = engine.n_subjects
    bearer = np.arange(n, dtype=np.int64) if bearer is None else np.asarray(bearer, np.int64)
    if len(bearer) != n:
        raise ValueError(f"bearer has {len(bearer)} rows, the engine {n} subjects")
    subjects = np.arange(n) if subjects is None else np.asarray(subjects, np.int64)
    rb = engine.rulebook
    bands = engine.bands()
    own: dict[int, tuple[set[str], set[str]]] = {}
    moved: dict[int, tuple[set[str], set[str]]] = {}
    wanted = set(subjects.tolist())
    # Only organisations whose bearer is wanted can move anything onto a wanted row.
    sources = wanted | {int(o) for o in np.flatnonzero(bearer != np.arange(n))
                        if int(bearer[o]) in wanted}
    for s in sorted(sources):
        lists = set(engine.list_ids(s))
        for c in rb.consequences:
            if not ((c.band is not None and c.band == bands[s]) or
                    (c.list is not None and c.list in lists)):
                continue
            to = int(bearer[s]) if c.organisation_falls_on == REPRESENTATIVE else s
            target = own if to == s else moved
            r, p = target.setdefault(to, (set(), set()))
            r.update(c.restrictions)
            p.update(c.privileges)
    out = []
    for s in subjects.tolist():
        r, p = set(), set()
        for part in (own.get(s), moved.get(s)):
            if part:
                r |= part[0]
                p |= part[1]
        out.append((sorted(r), sorted(p)))
    return out
