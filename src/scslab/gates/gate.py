"""One regime's gate: what its consequences do to each service, as boolean lookup tables.

A regime's consequences attach restriction and privilege ids to bands and lists
(``rulebook.consequences``). Against the services table they compile, once, into
``band x service`` and ``list x service`` boolean tables (deny, privilege) and ``band x channel`` /
``list x channel`` shaming markers, so answering a request costs a band lookup and one array
read per relevant list: no per-request Python, no pass over the population.

Who bears a consequence follows the rulebook (``organisation_falls_on``, see
``scslab.regime.bearers``): a person bears all of their own; an organisation's own row bears those
that fall on the organisation; its legal representative bears those that fall on the legal
representative (an organisation without a representative bears them itself). So the tables come
in three *modes* (:data:`PERSON`, :data:`ORG_OWN`, :data:`VIA_REP`), chosen per gate subject.

Joint punishment (``[[joint_punishment]]`` in the services table) adds restrictions to a regime's
list in the simulation: the memorandum's signatories apply the list in their own fields.
"""

from __future__ import annotations

import numpy as np

from scslab.gates.services import JointPunishment, ServiceTable
from scslab.regime.engine import Engine

PERSON, ORG_OWN, VIA_REP = 0, 1, 2
"""Modes: a person's own status; an organisation's own status (its own request); an organisation's
status as borne by its legal representative (a request of the representative)."""

REPRESENTATIVE = "legal_representative"


def _falls_on(c) -> str:
    # Rulebooks written before ``organisation_falls_on`` existed: the organisation bears it.
    return getattr(c, "organisation_falls_on", "organisation")


class RegimeGate:
    """Answers requests for one engine (regime).

    Args:
        engine: an initialised engine (its state is read at answer time).
        table: the services table (its joint-punishment entries for this regime included).
        n_persons: subjects below this row are persons, the rest organisations.
    """

    def __init__(self, engine: Engine, table: ServiceTable, n_persons: int) -> None:
        self.engine = engine
        self.id = engine.rulebook.regime.id
        self.n_persons = n_persons
        kinds = engine.rulebook.regime.subject_kinds
        self.persons_in_scope = "person" in kinds
        self.orgs_in_scope = "organisation" in kinds
        services, channels = table.services, table.channels
        labels = engine.band_labels
        list_index = {lid: i for i, lid in enumerate(engine.list_ids)}
        nb, ns, nc = len(labels) + 1, len(services), len(channels)
        self.band_deny = np.zeros((3, nb, ns), bool)  # (mode, band, service); last band: none
        self.band_priv = np.zeros((3, nb, ns), bool)
        self.band_mark = np.zeros((nb, nc), bool)
        per_list: dict[int, list[np.ndarray]] = {}
        joint = [j for j in table.joint_punishment if j.regime == self.id and j.list in list_index]
        for c in [*engine.rulebook.consequences, *joint]:
            r, p = set(c.restrictions), set(getattr(c, "privileges", ()))
            deny = np.array([bool(r & set(s.denied_by)) for s in services], bool)
            priv = np.array([bool(p & set(s.privileged_by)) for s in services], bool)
            mark = np.array([ch.id in r for ch in channels], bool)
            modes = [PERSON, VIA_REP] if _falls_on(c) == REPRESENTATIVE else [PERSON, ORG_OWN]
            band = None if isinstance(c, JointPunishment) else c.band
            if band is not None:
                b = labels.index(band)
                self.band_deny[modes, b] |= deny
                self.band_priv[modes, b] |= priv
                self.band_mark[b] |= mark
            else:
                rows = per_list.setdefault(list_index[c.list], [np.zeros((3, ns), bool),
                                                                np.zeros((3, ns), bool),
                                                                np.zeros(nc, bool)])
                rows[0][modes] |= deny
                rows[1][modes] |= priv
                rows[2] |= mark
        # Only lists that gate or shame anything are read per request.
        self.lists = [(li, d, p) for li, (d, p, _) in sorted(per_list.items()) if d.any() or p.any()]
        self.mark_lists = [(li, m) for li, (_, _, m) in sorted(per_list.items()) if m.any()]
        self._band_gates = bool(self.band_deny.any() or self.band_priv.any())
        self.gates = self._band_gates or bool(self.lists)
        self.shames = bool(self.band_mark.any() or self.mark_lists)
        self.joint = [j.list for j in joint]

    def _in_scope(self, s: np.ndarray) -> np.ndarray | None:
        """Mask of subjects the regime covers (None: all of them). A regime of persons only has
        rows for persons only (``engine.n_subjects``)."""
        if self.persons_in_scope and self.orgs_in_scope and self.engine.n_subjects > self.n_persons:
            return None
        if self.persons_in_scope:
            return s < min(self.n_persons, self.engine.n_subjects)
        return (s >= self.n_persons) & (s < self.engine.n_subjects)

    def answer(self, s: np.ndarray, svc: np.ndarray, mode: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(denied, privileged) for gate subject ``s[i]`` (in ``mode[i]``) of a request for service
        ``svc[i]``, by this regime's consequences alone (denied wins over privileged). O(len(s))."""
        scope = self._in_scope(s)
        if scope is None:
            return self._answer(s, svc, mode)
        deny = np.zeros(len(s), bool)
        priv = np.zeros(len(s), bool)
        if scope.any():
            deny[scope], priv[scope] = self._answer(s[scope], svc[scope], mode[scope])
        return deny, priv

    def _answer(self, s: np.ndarray, svc: np.ndarray, mode: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        e = self.engine
        if self._band_gates:
            b = e.band_index(s)
            deny = self.band_deny[mode, b, svc]
            priv = self.band_priv[mode, b, svc]
        else:
            deny = np.zeros(len(s), bool)
            priv = np.zeros(len(s), bool)
        for li, d, p in self.lists:
            on = e.listed(li, s)
            deny |= on & d[mode, svc]
            priv |= on & p[mode, svc]
        return deny, priv & ~deny

    def listed(self, li: int, s: np.ndarray) -> np.ndarray:
        """Whether subjects ``s`` are on list ``li`` (False for subjects the regime does not cover)."""
        scope = self._in_scope(s)
        if scope is None:
            return self.engine.listed(li, s)
        out = np.zeros(len(s), bool)
        out[scope] = self.engine.listed(li, s[scope])
        return out

    def marks(self, s: np.ndarray) -> np.ndarray:
        """Shaming markers (len(s), channels) that hold for subjects ``s`` now, whoever bears
        them (an organisation is shown whether or not its costs fall on its representative)."""
        scope = self._in_scope(s)
        if scope is not None:
            m = np.zeros((len(s), self.band_mark.shape[1]), bool)
            if scope.any():
                m[scope] = self._marks(s[scope])
            return m
        return self._marks(s)

    def _marks(self, s: np.ndarray) -> np.ndarray:
        e = self.engine
        m = self.band_mark[e.band_index(s)] if self.band_mark.any() else \
            np.zeros((len(s), self.band_mark.shape[1]), bool)
        for li, mk in self.mark_lists:
            on = e.listed(li, s)
            m |= on[:, None] & mk[None, :]
        return m
