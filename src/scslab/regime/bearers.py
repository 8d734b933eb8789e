"""Who bears a subject's consequences: an organisation's legal representative, where so ruled.

The rulebook says so with ``[[consequences]] organisation_falls_on = "legal_representative"``.

The 2015 restrictions on high consumption apply, where the debtor is a unit, to its legal
representative (2015 Art. 3; see the court-defaulters rulebook's sources): an organisation
cannot take a flight or enrol a child in a private school. Such consequences are therefore moved
from the organisation's row to its representative's row; the organisation keeps only
consequences that fall on itself.

A *bearer* array gives, per subject row, the row that bears its representative-borne
consequences: the subject itself for a person (or an organisation with no known representative,
so that nothing is lost), the legal representative for an organisation. Replay builds it from
the CSV column ``representative``; a simulation from ``society.org_legal_rep``
(:func:`bearer_from_society`).
"""

from __future__ import annotations

import numpy as np

from scslab.regime.consequences import held_by_bearer
from scslab.regime.engine import Engine

ORGANISATION = "organisation"


def bearer_from_representative(representative: np.ndarray | None, n: int) -> np.ndarray:
    """Bearer rows from a per-subject representative row (-1 where none); identity if None."""
    bearer = np.arange(n, dtype=np.int64)
    if representative is not None:
        rep = np.asarray(representative, np.int64)
        has = rep >= 0
        bearer[has] = rep[has]
    return bearer


def bearer_from_society(org_legal_rep: np.ndarray, n_persons: int) -> np.ndarray:
    """Bearer rows for a simulated society.

    Persons ``0..n_persons-1`` bear their own, and organisation ``n_persons + k`` has its
    consequences borne by person ``org_legal_rep[k]`` (itself where that is -1).
    """
    rep = np.asarray(org_legal_rep, np.int64)
    full = np.concatenate([np.full(n_persons, -1, np.int64), rep])
    return bearer_from_representative(full, n_persons + len(rep))


def held_consequences(engine: Engine, bearer: np.ndarray | None = None,
                      subjects: np.ndarray | None = None) -> list[tuple[list[str], list[str]]]:
    """Sorted (restrictions, privileges) that hold for each of ``subjects`` (default all) now.

    A subject holds the consequences of its own band and lists, except those that fall on a
    legal representative when it has one (``bearer[s] != s``), plus those that fall on a legal
    representative from every organisation it represents (see
    :func:`scslab.regime.consequences.held_by_bearer`). For replay and reports, not the daily loop.
    """
    n = engine.n_subjects
    bearer = np.arange(n, dtype=np.int64) if bearer is None else np.asarray(bearer, np.int64)
    if len(bearer) != n:
        raise ValueError(f"bearer has {len(bearer)} rows, the engine {n} subjects")
    subjects = np.arange(n) if subjects is None else np.asarray(subjects, np.int64)
    return held_by_bearer(engine.consequence_table, engine.state, bearer, subjects)
