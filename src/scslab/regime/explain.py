"""Explain one subject's credit file: records, ledger lines with their rules, and history."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scslab.dates import iso
from scslab.errors import InputError
from scslab.regime.bearers import bearer_from_representative, held_consequences
from scslab.regime.engine import Engine
from scslab.regime.ledger import NO_SCORE, SYSTEM_ACT
from scslab.regime.replay import Records, replay
from scslab.regime.rules import Rule
from scslab.regime.schema import Rulebook
from scslab.regime.tables import NO_TERM, band_index


@dataclass
class FileLine:
    """One ledger line of the subject's file."""

    date: str
    act: str
    delta: int
    score_after: int | None
    band: str
    rule: str


@dataclass
class StateChange:
    """The subject's band, lists and consequences after a day on which any of them changed."""

    date: str
    band: str
    lists: list[str]
    restrictions: list[str]
    privileges: list[str]


@dataclass
class CreditFile:
    """A subject's whole file under one regime."""

    subject: str
    regime: str
    records: list[tuple[str, str, float]] = field(default_factory=list)  # (date, act, value)
    lines: list[FileLine] = field(default_factory=list)
    history: list[StateChange] = field(default_factory=list)
    final: StateChange | None = None
    # An organisation's legal representative, who bears the consequences that the rulebook puts
    # on representatives; those are then not shown in this (the organisation's) file.
    representative: str | None = None


def explain(rulebook: Rulebook, records: Records, subject: str, as_of: int | None = None) -> CreditFile:
    """Replay only ``subject``'s records (files are independent in replay) and narrate them."""
    if subject not in records.subject_ids:
        sample = ", ".join(records.subject_ids[:10])
        raise InputError(f"subject {subject!r} has no records; subjects include: {sample}")
    row = records.subject_ids.index(subject)
    m = records.subject == row
    mine = Records(records.day[m], np.zeros(int(m.sum()), np.int64), records.act[m],
                   records.value[m], records.age[m], [subject])
    rep = -1 if records.representative is None else int(records.representative[row])
    if rep >= 0:  # row 1: the representative, with no records, to bear what falls on them
        mine.subject_ids.append(records.subject_ids[rep])
        mine.representative = np.array([1, -1], np.int64)
    if as_of is None and len(records):
        as_of = int(records.day[-1])
    acts = rulebook.act_ids()
    cf = CreditFile(subject, rulebook.regime.id,
                    representative=records.subject_ids[rep] if rep >= 0 else None)
    cf.records = [(iso(d), acts[a], float(v)) for d, a, v in zip(mine.day, mine.act, mine.value,
                                                                  strict=True)]
    last: list[tuple[str, list[str], list[str], list[str]]] = []  # the last state's key

    def snapshot(engine: Engine, day: int) -> None:
        lines = engine.ledger.drain()
        texts = engine.rule_texts(lines)
        for i in range(len(lines)):
            sa = int(lines.score_after[i])
            cf.lines.append(FileLine(
                date=iso(lines.day[i]),
                act="—" if lines.act[i] == SYSTEM_ACT else acts[lines.act[i]],
                delta=int(lines.delta[i]),
                score_after=None if sa == NO_SCORE else sa,
                band=_band_for(engine, sa),
                rule=texts[i],
            ))
        state = _state(engine, day, mine.representative)
        key = (state.band, state.lists, state.restrictions, state.privileges)
        if not last or last[0] != key:
            cf.history.append(state)
            last[:] = [key]

    res = replay(rulebook, mine, as_of=as_of, on_day=snapshot)
    cf.final = _state(res.engine, res.as_of, mine.representative)
    return cf


def _band_for(engine: Engine, score: int) -> str:
    """The score band a score falls in (ignoring list overrides)."""
    if score == NO_SCORE:
        return ""
    labels = [*engine.band_labels, ""]
    return labels[int(band_index(engine.tables, np.array([score]))[0])]


def _state(engine: Engine, day: int, representative: np.ndarray | None = None) -> StateChange:
    bearer = bearer_from_representative(representative, engine.n_subjects)
    r, p = held_consequences(engine, bearer, np.array([0]))[0]
    return StateChange(iso(day), str(engine.bands(np.array([0]))[0]), engine.lists_of(0), r, p)


class StatusCheck:
    """A regime's band and consequences for a status read back from a run (one scratch file).

    ``scslab explain RUN_DIR SUBJECT`` reads a subject's score and lists from the run's ledger;
    this turns them into the band and the consequences the rulebook attaches (compound ones
    included), through the state's own write API on a one-subject engine.
    """

    def __init__(self, rulebook: Rulebook) -> None:
        self.engine = Engine(rulebook, 1, keep_ledger=False).init()
        self.row = np.array([0], np.int64)

    def __repr__(self) -> str:
        return f"<StatusCheck {self.engine.rulebook.regime.id}>"

    def status(self, day: int, score: int | None, lists: set[str]
               ) -> tuple[str, list[str], list[str]]:
        """(band, restrictions, privileges) of a subject with ``score`` on ``lists`` on ``day``."""
        e, row = self.engine, self.row
        st = e.state
        if score is not None and st.score is not None and int(st.score[0]) != score:
            st.set_scores(day, row, np.array([score]), -1, Rule.POINTS)
        for li, lid in enumerate(e.list_ids):
            on = bool(st.listed(li, row)[0])
            if lid in lists and not on:
                st.enter(day, li, row, -1, NO_TERM, 0)
            elif on and lid not in lists:
                st.delete(day, li, row)
        r, p = e.consequences(0)
        return str(e.bands(row)[0]), r, p
