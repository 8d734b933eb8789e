"""Gates in the daily loop: requests, answers of every regime, and shaming.

Each day, after every regime has applied the day's records:

1. :class:`~scslab.gates.demand.Demand` draws the day's requests, O(requests);
2. every request is checked against the *gate subjects* it concerns: the requester itself; for a
   person, also every organisation they legally represent (an organisation's restrictions fall on
   its legal representative: SPC-2017 Art. 8, in the court-defaulters rulebook's [[sources]]);
   for a child's request, the child's guardians and the organisations they represent (family
   spillover);
3. each regime answers denied / privileged / allowed from its own consequences
   (:class:`~scslab.gates.gate.RegimeGate`); privileges count only from the requester's own status
   (a guardian's for a child) and never for a denied request;
4. shaming markers of the subjects whose file changed update exposures and costs
   (:mod:`scslab.gates.shaming`); the day's denials are kept for behaviour to answer
   (:mod:`scslab.conduct.response`, :mod:`scslab.conduct.perception`).

Nothing here touches every subject on a day: the work grows with requests and file changes.

Counts per day (``daily.parquet``): ``request`` by service (regime ""); ``denied`` and
``privileged`` by service per gating regime and, under regime "", for the combined answer (denied
if any regime denies, else privileged if any privileges); ``denied`` also has the key
``<service>_family_spillover`` for denials of a child's request that come from a guardian's status
alone; ``exposure``, ``ties_lost`` and ``jobs_lost`` by shaming channel per regime. For a
service with an outcome (``Service.outcome``), regime "": ``outcome_requests`` (allowed requests)
and ``outcome`` (those the outcome befell), keyed ``<service>:<class>`` with the class the held id
of the requester's first class, or ``none``; their ratio per class is the outcome's rate (a
customs declaration's inspection rate by the firm's credit class).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from scslab.gates.config import GatesPlan
from scslab.gates.demand import Demand, guardians
from scslab.gates.gate import NO_CLASS, ORG_OWN, PERSON, VIA_REP, RegimeGate
from scslab.gates.services import ServiceTable
from scslab.gates.shaming import Shaming, Ties
from scslab.regime.engine import Engine
from scslab.rng import Streams

if TYPE_CHECKING:
    from scslab.society import Society

SPILLOVER_SUFFIX = "_family_spillover"
_KIND = {"persons": 0, "children": 1, "organisations": 2}

Part = tuple[str, str, list[str], np.ndarray]  # (regime, metric, keys, values (days, keys))


@dataclass
class Decisions:
    """Answers to a batch of requests.

    Row j is regime ``regimes[j]``, the last row (regime "") the combined answer.
    ``spillover``: denied only through a guardian (family spillover).
    """

    regimes: list[str]
    denied: np.ndarray  # (regimes, requests) bool
    privileged: np.ndarray  # (regimes, requests) bool, never where denied
    spillover: np.ndarray  # (regimes, requests) bool
    # Per request, its outcome column (Gates.outcome_keys) or -1: no outcome (the service has
    # none, or the request was denied); and whether the outcome befell it (set by Gates.step).
    outcome_col: np.ndarray | None = None
    outcome: np.ndarray | None = None


def represented(org_legal_rep: np.ndarray, n_persons: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR person -> organisations they legally represent (as subject rows): (indptr, orgs)."""
    rep = np.asarray(org_legal_rep, np.int64)
    ok = rep >= 0
    orgs = np.flatnonzero(ok)
    order = np.argsort(rep[ok], kind="stable")
    # int32 offsets (organisations are fewer than 2^31): half the memory per person of int64.
    indptr = np.zeros(n_persons + 1, np.int32)
    np.cumsum(np.bincount(rep[ok], minlength=n_persons), out=indptr[1:])
    return indptr, (orgs[order] + n_persons).astype(np.int64)


class Gates:
    """Requests, gates, shaming and the response for one simulation.

    Args:
        table: the services table.
        society: a society (arrays ``age``, ``ability_to_pay``, ``household_start``,
            ``org_legal_rep``; counts; ``friend_graph()``, the live friend graph).
        engines: the regimes' engines, in scenario order.
        streams: the run's named streams.
        n_days: days of the run; end: one past the last day number.
        shaming: count shaming exposures and costs.

    After each :meth:`step`, :attr:`denied_today` holds, per regime (scenario order), the
    subjects it denied that day (may repeat), :meth:`shamed_today` the subjects whose shaming
    started, and :meth:`jobless_today` the persons shaming cost their job: behaviour's to answer.
    """

    def __init__(self, table: ServiceTable, society: Any, engines: list[Engine], streams: Streams,
                 n_days: int, end: int, shaming: bool = True) -> None:
        soc = society
        self.table = table
        self.service_ids = table.service_ids()
        S = len(self.service_ids)
        self.n_persons, self.n_subjects = soc.n_persons, soc.n_subjects
        age = np.asarray(soc.age)
        self.kind = np.array([_KIND[s.requesters] for s in table.services], np.int8)
        if (self.kind == 1).any():
            # int32 (person rows): half the memory of guardians' int64, the same rows.
            self.g1, self.g2 = (g.astype(np.int32) for g in guardians(age, soc.household_start))
        else:
            self.g1 = self.g2 = np.full(soc.n_persons, -1, np.int32)
        self.demand = Demand(table, age, np.asarray(soc.ability_to_pay), soc.n_persons, soc.n_orgs,
                             self.g1, streams)
        self.rep_indptr, self.rep_orgs = represented(soc.org_legal_rep, soc.n_persons)
        self.org_has_rep = np.asarray(soc.org_legal_rep) >= 0
        self.has_reps = len(self.rep_orgs) > 0
        self.regime_gates = [RegimeGate(e, table, soc.n_persons) for e in engines]
        # Services no regime here can deny or privilege are only counted (gates.demand.draw).
        answered = np.zeros(S, bool)
        for g in self.regime_gates:
            answered |= g.answers_services
        # Outcomes (Service.outcome): one column per (service, class key); a request of service
        # s in class c (precedence, NO_CLASS clipped to the last: "none") is column
        # outcome_start[s] + c.
        outs = [(i, sv.id, sv.outcome) for i, sv in enumerate(table.services) if sv.outcome]
        self.has_outcome = np.zeros(S, bool)
        self.has_outcome[[i for i, _, _ in outs]] = True
        answered |= self.has_outcome  # every requester's class matters, "none" included
        self.outcome_keys = [f"{sid}:{key}" for _, sid, o in outs for key in o.keys()]
        self.outcome_p = np.array([p for _, _, o in outs for p in o.probabilities()], np.float64)
        n_keys = np.zeros(S, np.int64)
        n_keys[[i for i, _, _ in outs]] = [len(o.keys()) for _, _, o in outs]
        self.outcome_start = np.concatenate([[0], np.cumsum(n_keys)[:-1]]).astype(np.int64)
        self.outcome_last = self.outcome_start + n_keys - 1  # the "none" column
        self.outcome_streams = {i: streams.keyed(f"gates.{sid}.outcome") for i, sid, _ in outs}
        self.outcome_requests = np.zeros((n_days, len(self.outcome_keys)), np.int64)
        self.outcomes = np.zeros((n_days, len(self.outcome_keys)), np.int64)
        self.count_only = ~answered
        self.gating = [r for r, g in enumerate(self.regime_gates) if g.gates]
        self.classing = [r for r, g in enumerate(self.regime_gates) if g.classes]
        children = [i for i, s in enumerate(table.services) if s.requesters == "children"]
        self.spill_col = np.full(S, -1, np.int64)
        self.spill_col[children] = S + np.arange(len(children))
        self.denied_keys = [*self.service_ids, *(self.service_ids[i] + SPILLOVER_SUFFIX for i in children)]
        R = len(self.gating) + 1  # gating regimes, then the combined answer (regime "")
        self.requests = np.zeros((n_days, S), np.int64)
        self.denied = np.zeros((n_days, R, len(self.denied_keys)), np.int64)
        self.privileged = np.zeros((n_days, R, S), np.int64)
        self.shaming: dict[int, Shaming] = {}
        if shaming and table.channels:
            ties = Ties(soc.friend_graph, soc.n_persons)
            for r, g in enumerate(self.regime_gates):
                if g.shames:
                    self.shaming[r] = Shaming(g, table.channels, soc.n_subjects, soc.n_persons, age,
                                              soc.org_legal_rep, ties, n_days,
                                              streams.keyed(f"gates.shaming.{g.id}"))
        self.denied_today: list[np.ndarray] = [np.zeros(0, np.int64) for _ in engines]
        # Told (regime index, subjects) of each day's denials on the subjects' own status, to
        # count those of the wrongly listed (scslab.sources.truth); None: nobody asks.
        self.denial_watch: Callable[[int, np.ndarray], None] | None = None
        # Regimes not running (not yet started, or ended: scslab.sim.timeline): they answer
        # nothing. A suspended regime still answers, from its frozen state.
        self.inactive: set[int] = set()
        # Called with (day, services, requesters, decisions) after each day's answers (the
        # per-subject gate outcomes of a run folder, scslab.sim.subjectfile); None: not kept.
        self.answer_watch: Callable[[int, np.ndarray, np.ndarray, Decisions], None] | None = None

    # --------------------------------------------------------------------- step
    def step(self, k: int, day: int, touched: list[np.ndarray]) -> None:
        """Day ``k`` (day number ``day``), after every regime's step.

        ``touched[r]`` are the subjects whose file regime ``r`` changed (may repeat).
        """
        self.denied_today = [np.zeros(0, np.int64) for _ in self.regime_gates]
        svc, req, counts = self.demand.draw(k, self.count_only)
        self.requests[k] = counts
        if len(svc):
            self._answer(k, day, svc, req)
        for r, sh in self.shaming.items():
            sh.step(k, touched[r])

    def shamed_today(self) -> list[np.ndarray]:
        """Per regime (scenario order), the subjects whose shaming started today."""
        out = [np.zeros(0, np.int64) for _ in self.regime_gates]
        for r, sh in self.shaming.items():
            if sh.started_today:
                out[r] = np.concatenate(sh.started_today)
        return out

    def jobless_today(self) -> np.ndarray:
        """Persons whose shaming cost them their job today (may repeat)."""
        parts = [x for sh in self.shaming.values() for x in sh.jobless_today]
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)

    def pairs(self, svc: np.ndarray, req: np.ndarray) -> tuple[np.ndarray, ...]:
        """The gate subjects of each request.

        Returns:
            (request index, subject, mode, family, may_privilege) per pair. ``mode`` says which of
            the subject's consequences count (:mod:`scslab.gates.gate`): its own, or an
            organisation's that fall on its legal representative. ``family`` marks a guardian or a
            guardian's organisation; ``may_privilege`` marks the subjects whose privileges count
            (the requester, or a child's guardians).
        """
        n = len(svc)
        idx = np.arange(n)
        kind = self.kind[svc]
        child = kind == 1
        ci, cr = idx[child], req[child]
        g = np.concatenate([self.g1[cr], self.g2[cr]])
        gi = np.concatenate([ci, ci])
        ok = g >= 0
        g, gi = g[ok], gi[ok]
        # An organisation's own request: consequences that fall on the organisation (all of them if
        # it has no legal representative to bear the rest).
        own_mode = np.full(n, PERSON, np.int8)
        org = req >= self.n_persons
        if org.any():
            own_mode[org] = np.where(self.org_has_rep[req[org] - self.n_persons], ORG_OWN, PERSON)
        ri, subj, mode = [idx, gi], [req, g], [own_mode, np.full(len(g), PERSON, np.int8)]
        fam = [np.zeros(n, bool), np.ones(len(g), bool)]
        priv = [~child, np.ones(len(g), bool)]
        if self.has_reps:
            person = kind == 0
            pp = np.concatenate([req[person], g])
            pi = np.concatenate([idx[person], gi])
            pfam = np.concatenate([np.zeros(int(person.sum()), bool), np.ones(len(g), bool)])
            start = self.rep_indptr[pp].astype(np.int64)
            cnt = self.rep_indptr[pp + 1].astype(np.int64) - start
            total = int(cnt.sum())
            if total:
                pos = np.repeat(start - (np.cumsum(cnt) - cnt), cnt) + np.arange(total)
                ri.append(np.repeat(pi, cnt))
                subj.append(self.rep_orgs[pos])
                mode.append(np.full(total, VIA_REP, np.int8))
                fam.append(np.repeat(pfam, cnt))
                priv.append(np.zeros(total, bool))
        return (np.concatenate(ri), np.concatenate(subj), np.concatenate(mode), np.concatenate(fam),
                np.concatenate(priv))

    def decide(self, svc: np.ndarray, req: np.ndarray, day: int | None = None) -> Decisions:
        """Answer requests ``(svc[i], req[i])`` from the regimes' state now.

        Args:
            svc: service index per request.
            req: requester row per request.
            day: the day number; when given, the denied subjects are kept in :attr:`denied_today`.
        """
        n = len(svc)
        ri, subj, mode, fam, may_priv = self.pairs(svc, req)
        psvc = svc[ri]
        R = len(self.gating)
        den = np.zeros((R + 1, n), bool)
        pri = np.zeros((R + 1, n), bool)
        fam_d = np.zeros((R + 1, n), bool)
        own_d = np.zeros((R + 1, n), bool)
        for j, r in enumerate(self.gating):
            if r in self.inactive:
                continue
            d, p = self.regime_gates[r].answer(subj, psvc, mode)
            den[j, ri[d]] = True
            pri[j, ri[p & may_priv]] = True
            fam_d[j, ri[d & fam]] = True
            own_d[j, ri[d & ~fam]] = True
            if day is not None and d.any():
                self.denied_today[r] = subj[d]
            if day is not None and self.denial_watch is not None:
                self.denial_watch(r, subj[d & ~fam])
        if R:
            den[R] = den[:R].any(axis=0)
            pri[R] = pri[:R].any(axis=0)
            fam_d[R] = fam_d[:R].any(axis=0)
            own_d[R] = own_d[:R].any(axis=0)
        pri &= ~den  # a denied request is never privileged
        ids = [self.regime_gates[r].id for r in self.gating] + [""]
        dec = Decisions(ids, den, pri, fam_d & ~own_d)
        if self.has_outcome.any():
            dec.outcome_col = self.classify(svc, ri, subj, mode, may_priv, den[R])
        return dec

    def classify(self, svc: np.ndarray, ri: np.ndarray, subj: np.ndarray, mode: np.ndarray,
                 may_priv: np.ndarray, denied: np.ndarray) -> np.ndarray:
        """Outcome column of each request (-1: none), from its gate subjects ``pairs``.

        A class counts from the requester's own status (a child's guardians'), as privileges
        do, in any running regime; the first class in the service's order wins.
        """
        rank = np.full(len(svc), NO_CLASS, np.int64)
        sel = self.has_outcome[svc[ri]] & may_priv
        if sel.any():
            ri, subj, mode = ri[sel], subj[sel], mode[sel]
            psvc = svc[ri]
            for r in self.classing:
                if r not in self.inactive:
                    np.minimum.at(rank, ri, self.regime_gates[r].classify(subj, psvc, mode))
        col = np.minimum(self.outcome_start[svc] + rank, self.outcome_last[svc])
        return np.where(self.has_outcome[svc] & ~denied, col, -1)

    def draw_outcomes(self, k: int, svc: np.ndarray, req: np.ndarray, col: np.ndarray) -> np.ndarray:
        """Whether each request's outcome befalls it on day ``k`` (False where ``col`` is -1).

        The n-th request of a requester for a service on a day (n = 0, 1, ..., in the order the
        day's requests were drawn) draws the uniform keyed (requester, k, n) in the service's
        stream ``gates.<service>.outcome``: the same whoever draws it.
        """
        out = np.zeros(len(svc), bool)
        has = np.flatnonzero(col >= 0)
        if not len(has):
            return out
        # n: a request's rank among the same requester's requests of the same service that day.
        order = has[np.lexsort((has, req[has], svc[has]))]
        key = svc[order] * np.int64(self.n_subjects) + req[order]
        new = np.ones(len(order), bool)
        new[1:] = key[1:] != key[:-1]
        first = np.maximum.accumulate(np.where(new, np.arange(len(order)), 0))
        nth = np.arange(len(order)) - first
        u = np.empty(len(order))
        for i, stream in self.outcome_streams.items():
            this = svc[order] == i
            for n in np.unique(nth[this]).tolist():
                at = this & (nth == n)
                u[at] = stream.uniform(req[order][at], k, n)
        out[order] = u < self.outcome_p[col[order]]
        return out

    def _answer(self, k: int, day: int, svc: np.ndarray, req: np.ndarray) -> None:
        dec = self.decide(svc, req, day)
        if dec.outcome_col is not None:
            col = dec.outcome_col
            dec.outcome = self.draw_outcomes(k, svc, req, col)
            asked = col >= 0
            self.outcome_requests[k] = np.bincount(col[asked], minlength=len(self.outcome_keys))
            self.outcomes[k] = np.bincount(col[dec.outcome], minlength=len(self.outcome_keys))
        if self.answer_watch is not None:
            self.answer_watch(day, svc, req, dec)
        S = len(self.service_ids)
        for j in range(len(dec.regimes)):
            self._count(k, j, svc, dec.denied[j], dec.privileged[j], dec.spillover[j], S)

    def _count(self, k, j, svc, den, pri, spill, S) -> None:
        self.denied[k, j, :S] = np.bincount(svc[den], minlength=S)
        self.privileged[k, j] = np.bincount(svc[pri], minlength=S)
        if spill.any():
            cols = self.spill_col[svc[spill]]
            cols = cols[cols >= 0]
            self.denied[k, j] += np.bincount(cols, minlength=self.denied.shape[2])

    # ------------------------------------------------------------------- output
    def expected_requests(self) -> dict[str, float]:
        """Expected requests per day per service [requests/day]."""
        return dict(zip(self.service_ids, self.demand.expected().tolist(), strict=True))

    def parts(self) -> list[Part]:
        """Per-day counts for ``daily.parquet``: (regime, metric, keys, values (days, keys))."""
        ids = [self.regime_gates[r].id for r in self.gating] + [""]
        out: list[Part] = [("", "request", self.service_ids, self.requests)]
        for j, rid in enumerate(ids):
            out.append((rid, "denied", self.denied_keys, self.denied[:, j]))
            out.append((rid, "privileged", self.service_ids, self.privileged[:, j]))
        if self.outcome_keys:
            out += [("", "outcome_requests", self.outcome_keys, self.outcome_requests),
                    ("", "outcome", self.outcome_keys, self.outcomes)]
        for r, sh in self.shaming.items():
            keys = [ch.id for ch in sh.channels]
            rid = self.regime_gates[r].id
            out += [(rid, "exposure", keys, sh.exposure), (rid, "ties_lost", keys, sh.ties_lost),
                    (rid, "jobs_lost", keys, sh.jobs_lost)]
        return out


def build_gates(plan: GatesPlan, society: Society, engines: list[Engine], streams: Streams,
                n_days: int, end: int) -> Gates:
    """The gates of a resolved scenario (its :class:`~scslab.gates.config.GatesPlan`)."""
    return Gates(plan.services, society, engines, streams, n_days, end, plan.shaming)
