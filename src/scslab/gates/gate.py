"""One regime's gate: what its consequences do to each service, as boolean lookup tables.

A regime's consequences attach restriction and privilege ids to bands and lists
(``rulebook.consequences``). Against the services table they compile, once, into
``band x service`` and ``list x service`` boolean tables (deny, privilege) and ``band x channel`` /
``list x channel`` shaming and honour markers, so answering a request costs a band lookup and one array
read per relevant list: no per-request Python, no pass over the population.

Who bears a consequence follows the rulebook (``organisation_falls_on``, see
``scslab.regime.consequences``, whose tables these are built from): a person bears all of their
own; an organisation's own row bears those that fall on the organisation; its legal representative
bears those that fall on the legal representative (an organisation without a representative bears
them itself). So the tables come in three *modes* (:data:`PERSON`, :data:`ORG_OWN`,
:data:`VIA_REP`), chosen per gate subject.

Joint punishment (``[[joint_punishment]]`` in the services table) adds restrictions to a regime's
list in the simulation: the memorandum's signatories apply the list in their own fields.

A service's outcome classes (``Service.outcome``) compile the same way, into ``band x column`` and
``list x column`` tables with one column per (service, class): :meth:`RegimeGate.classify` gives
each request the precedence of the first class its subject holds.
"""

from __future__ import annotations

import numpy as np

from scslab.gates.services import ServiceTable
from scslab.regime.consequences import ORG_OWN, PERSON, VIA_REP, ConsequenceTable
from scslab.regime.engine import Engine

__all__ = ["NO_CLASS", "ORG_OWN", "PERSON", "VIA_REP", "RegimeGate"]

NO_CLASS = np.int64(1 << 30)
""":meth:`RegimeGate.classify` of a request whose subject holds none of the service's classes."""


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
        list_index = set(engine.list_ids)
        joint = [j for j in table.joint_punishment if j.regime == self.id and j.list in list_index]
        # Which ids hold per band and list, per mode: the regime's one consequences table, with
        # the joint-punishment restrictions the simulation adds to its lists.
        ct = ConsequenceTable(engine.rulebook, engine.tables, joint)
        ids = ct.ids
        restr = ~ct.is_privilege
        deny = np.array([[x in s.denied_by for s in services] for x in ids], bool).reshape(-1, len(services))
        deny &= restr[:, None]
        priv = np.array([[x in s.privileged_by for s in services] for x in ids],
                        bool).reshape(-1, len(services)) & ct.is_privilege[:, None]
        mark = np.array([[x == ch.id for ch in channels] for x in ids], bool).reshape(len(ids), len(channels))
        # Shaming channels are marked by restrictions, honour channels by privileges.
        honour = np.array([ch.honour for ch in channels], bool)
        mark &= np.where(honour[None, :], ct.is_privilege[:, None], restr[:, None])

        def any_of(held: np.ndarray, what: np.ndarray) -> np.ndarray:
            return (held.astype(np.int64) @ what.astype(np.int64)) > 0

        self.band_deny = any_of(ct.band, deny)  # (mode, band, service); last band: none
        self.band_priv = any_of(ct.band, priv)
        self.band_mark = any_of(ct.band[PERSON], mark)  # (band, channel), whoever bears it
        per_list = {li: (any_of(ct.list[:, li], deny), any_of(ct.list[:, li], priv),
                         any_of(ct.list[PERSON, li], mark)) for li in ct.used_lists}
        # Only lists that gate or shame anything are read per request.
        self.lists = [(li, d, p) for li, (d, p, _) in sorted(per_list.items()) if d.any() or p.any()]
        self.mark_lists = [(li, m) for li, (_, _, m) in sorted(per_list.items()) if m.any()]
        # Compound consequences: a band table per list condition, read where the condition holds.
        per_group = [(g, any_of(g.band, deny), any_of(g.band, priv), any_of(g.band[PERSON], mark))
                     for g in ct.compound]
        self.compound = [(g, d, p) for g, d, p, _ in per_group if d.any() or p.any()]
        self.mark_compound = [(g, m) for g, _, _, m in per_group if m.any()]
        self._band_gates = bool(self.band_deny.any() or self.band_priv.any())
        # Per service: whether this regime can deny or privilege it at all.
        answers = self.band_deny.any(axis=(0, 1)) | self.band_priv.any(axis=(0, 1))
        for _, d, p in self.lists:
            answers |= d.any(axis=0) | p.any(axis=0)
        for _, d, p in self.compound:
            answers |= d.any(axis=(0, 1)) | p.any(axis=(0, 1))
        self.answers_services = answers
        self.gates = self._band_gates or bool(self.lists) or bool(self.compound)
        self.shames = bool(self.band_mark.any() or self.mark_lists or self.mark_compound)
        self.joint = [j.list for j in joint]
        # Outcome classes: one column per (service, class), in the services' order; a request of
        # service s reads columns class_start[s] .. class_start[s + 1].
        cols = [(i, c.held) for i, sv in enumerate(services) if sv.outcome for c in sv.outcome.classes]
        n_cls = [len(sv.outcome.classes) if sv.outcome else 0 for sv in services]
        self.class_start = np.concatenate([[0], np.cumsum(n_cls)]).astype(np.int64)
        self.class_service = np.array([i for i, _ in cols], np.int64)
        cls = np.array([[x == held for _, held in cols] for x in ids], bool).reshape(len(ids), len(cols))
        self.band_cls = any_of(ct.band, cls)  # (mode, band, column)
        self.cls_lists = [(li, c) for li in ct.used_lists
                          if (c := any_of(ct.list[:, li], cls)).any()]
        self.cls_compound = [(g, c) for g in ct.compound if (c := any_of(g.band, cls)).any()]
        self.classes = bool(self.band_cls.any() or self.cls_lists or self.cls_compound)

    def _in_scope(self, s: np.ndarray) -> np.ndarray | None:
        """Mask of subjects the regime covers (None: all of them).

        A regime of persons only has rows for persons only (``engine.n_subjects``).
        """
        if self.persons_in_scope and self.orgs_in_scope and self.engine.n_subjects > self.n_persons:
            return None
        if self.persons_in_scope:
            return s < min(self.n_persons, self.engine.n_subjects)
        return (s >= self.n_persons) & (s < self.engine.n_subjects)

    def answer(self, s: np.ndarray, svc: np.ndarray, mode: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(denied, privileged) for each request: gate subject ``s[i]`` asks for service ``svc[i]``.

        Subject ``s[i]`` asks in ``mode[i]``; the answer comes from this regime's consequences
        alone (denied wins over privileged). O(len(s)).
        """
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
        b = e.band_index(s) if self._band_gates or self.compound else None
        if self._band_gates:
            deny = self.band_deny[mode, b, svc]
            priv = self.band_priv[mode, b, svc]
        else:
            deny = np.zeros(len(s), bool)
            priv = np.zeros(len(s), bool)
        for li, d, p in self.lists:
            on = e.listed(li, s)
            deny |= on & d[mode, svc]
            priv |= on & p[mode, svc]
        for g, d, p in self.compound:
            ok = g.meets(e, s)
            deny |= ok & d[mode, b, svc]
            priv |= ok & p[mode, b, svc]
        return deny, priv & ~deny

    def classify(self, s: np.ndarray, svc: np.ndarray, mode: np.ndarray) -> np.ndarray:
        """Per request, the precedence of the first outcome class of ``svc[i]`` that ``s[i]`` holds.

        0 is the service's first class; :data:`NO_CLASS` where the subject holds none of them
        (or the regime does not cover it). O(len(s) x classes).
        """
        out = np.full(len(s), NO_CLASS, np.int64)
        if not self.classes or not len(s):
            return out
        scope = self._in_scope(s)
        idx = np.arange(len(s)) if scope is None else np.flatnonzero(scope)
        s, svc, mode = s[idx], svc[idx], mode[idx]
        e = self.engine
        b = e.band_index(s)
        held = self.band_cls[mode, b]  # (requests, columns), a copy
        for li, c in self.cls_lists:
            on = e.listed(li, s)
            held[on] |= c[mode[on]]
        for g, c in self.cls_compound:
            ok = g.meets(e, s)
            held[ok] |= c[mode[ok], b[ok]]
        held &= self.class_service[None, :] == svc[:, None]  # only the request's own service
        first = held.argmax(axis=1) - self.class_start[svc]
        out[idx] = np.where(held.any(axis=1), first, NO_CLASS)
        return out

    def listed(self, li: int, s: np.ndarray) -> np.ndarray:
        """Whether subjects ``s`` are on list ``li`` (False for subjects the regime does not cover)."""
        scope = self._in_scope(s)
        if scope is None:
            return self.engine.listed(li, s)
        out = np.zeros(len(s), bool)
        out[scope] = self.engine.listed(li, s[scope])
        return out

    def marks(self, s: np.ndarray) -> np.ndarray:
        """Shaming markers (len(s), channels) that hold for subjects ``s`` now, whoever bears them.

        An organisation is shown whether or not its costs fall on its representative.
        """
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
        if self.mark_compound:
            b = e.band_index(s)
            for g, mk in self.mark_compound:
                m |= g.meets(e, s)[:, None] & mk[b]
        return m
