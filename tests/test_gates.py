"""Gates: hand-computed decisions, request rates, shaming, the response, determinism, structure."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pytest

from scslab.conduct.response import Performance
from scslab.gates.demand import DAYS_PER_YEAR, Demand, guardians
from scslab.gates.services import JOINT_PUNISHMENT_SECTORS, ServiceTable, load_services
from scslab.gates.system import SPILLOVER_SUFFIX, Gates, represented
from scslab.regime.engine import Engine
from scslab.regime.load import load_rulebook
from scslab.regime.schema import Rulebook
from scslab.rng import Streams
from scslab.society.friends import Friends

DAY = 18_262  # 2020-01-01


@dataclass
class FakeSociety:
    """The slice of ``scslab.society.Society`` that gates read: small hand-made arrays."""

    age: np.ndarray
    household_start: np.ndarray
    ability_to_pay: np.ndarray
    org_legal_rep: np.ndarray
    indptr: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    indices: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    graph: Friends | None = None

    @property
    def n_persons(self) -> int:
        return len(self.age)

    @property
    def n_orgs(self) -> int:
        return len(self.org_legal_rep)

    @property
    def n_subjects(self) -> int:
        return self.n_persons + self.n_orgs

    def friends(self) -> tuple[np.ndarray, np.ndarray]:
        return self.indptr, self.indices

    def friend_graph(self) -> Friends:
        if self.graph is None:
            self.graph = Friends.from_csr(self.indptr, self.indices, self.n_persons)
        return self.graph


COURT = """
[regime]
id = "court-test"
name = "test list"
description = "a list with consumption restrictions and a ringback"
subject_kinds = ["person", "organisation"]
[[acts]]
id = "listed"
category = "judicial"
[[acts]]
id = "performs_obligation"
category = "judicial"
[[lists]]
id = "defaulters"
entries = [{ act = "listed" }]
removal_acts = ["performs_obligation"]
[[consequences]]
list = "defaulters"
restrictions = ["flight", "private_school_children"]
organisation_falls_on = "legal_representative"
[[consequences]]
list = "defaulters"
restrictions = ["public_procurement", "financing", "shamed_ringback"]
[[sources]]
key = "T"
title = "test"
url = "https://example.org"
"""

POINTS = """
[regime]
id = "points-test"
name = "test points"
description = "bands with a privilege at the top and a flight ban at the bottom"
[score]
initial = 1000
[[bands]]
label = "AAA"
min = 1050
[[bands]]
label = "A"
min = 960
[[bands]]
label = "D"
[[acts]]
id = "good"
category = "moral"
points = 50
[[acts]]
id = "bad"
category = "traffic"
points = -41
[[consequences]]
band = "AAA"
privileges = ["deposit_free_bike", "discounted_air_tickets"]
[[consequences]]
band = "D"
restrictions = ["flight"]
[[sources]]
key = "T"
title = "test"
url = "https://example.org"
"""


def engine(text: str, n: int) -> Engine:
    return Engine(Rulebook.model_validate(tomllib.loads(text)), n, keep_ledger=False).init()


def small_society() -> FakeSociety:
    """Household 0: persons 0 (40), 1 (38), 2 (10, child), 3 (70). Household 1: persons 4 (30),
    5 (5, child). Household 2: person 6 (50). Organisation 0 (subject 7) is represented by 4."""
    return FakeSociety(
        age=np.array([40, 38, 10, 70, 30, 5, 50], np.uint8),
        household_start=np.array([0, 4, 6, 7]),
        ability_to_pay=np.ones(7, np.float32),
        org_legal_rep=np.array([4], np.int32),
        indptr=np.array([0, 2, 3, 3, 3, 3, 3, 4]),
        indices=np.array([1, 6, 0, 0]),
    )


@pytest.fixture
def setup():
    soc = small_society()
    court, points = engine(COURT, soc.n_subjects), engine(POINTS, soc.n_subjects)
    g = Gates(load_services(), soc, [court, points], Streams(1), n_days=10, end=DAY + 10)
    return soc, court, points, g


def ask(g: Gates, service: str, who: list[int]):
    s = g.service_ids.index(service)
    return g.decide(np.full(len(who), s, np.int64), np.array(who, np.int64))


def test_guardians_are_working_age_adults_of_the_household():
    soc = small_society()
    g1, g2 = guardians(soc.age, soc.household_start)
    assert (g1[2], g2[2]) == (0, 1)  # the grandparent (70) is passed over
    assert (g1[5], g2[5]) == (4, -1)
    assert (g1[[0, 1, 3, 4, 6]] == -1).all()
    # A child living only with a grandparent is enrolled by the grandparent.
    g1, g2 = guardians(np.array([72, 8], np.uint8), np.array([0, 2]))
    assert (g1[1], g2[1]) == (0, -1)


def test_listed_person_denied_a_flight_others_allowed(setup):
    _, court, _, g = setup
    court.step(DAY, np.array([0]), np.array([0]))  # person 0 listed
    d = ask(g, "flight", [0, 1, 6])
    assert d.regimes == ["court-test", "points-test", ""]  # gating regimes, then combined
    assert d.denied[0].tolist() == [True, False, False]
    assert d.denied[1].tolist() == [False, False, False]  # everyone is in band A
    assert d.denied[-1].tolist() == [True, False, False]
    assert not d.privileged.any() and not d.spillover.any()


def test_organisation_restriction_lands_on_its_legal_representative(setup):
    soc, court, _, g = setup
    org = soc.n_persons
    court.step(DAY, np.array([org]), np.array([0]))  # organisation 0 listed
    d = ask(g, "flight", [4, 6, 0])
    assert d.denied[0].tolist() == [True, False, False]  # 4 represents the listed organisation
    # Consequences that fall on the organisation stay with it: barred from procurement and
    # financing itself, while its representative may still borrow.
    assert ask(g, "public_procurement", [org]).denied[0].tolist() == [True]
    assert ask(g, "business_loan", [org]).denied[0].tolist() == [True]
    assert ask(g, "loan", [4]).denied[0].tolist() == [False]


def test_joint_punishment_extends_the_list_across_sectors():
    from scslab.gates.gate import ORG_OWN, PERSON, VIA_REP, RegimeGate

    table = load_services()
    jp = [j for j in table.joint_punishment if j.regime == "court-defaulters"]
    assert jp and table.sectors_denied(set(jp[0].restrictions)) >= {"employment", "finance", "procurement"}
    text = COURT.replace('id = "court-test"', 'id = "court-defaulters"').replace(
        '"defaulters"', '"dishonest_judgment_defaulters"')
    gate = RegimeGate(engine(text, 8), table, 7)
    assert gate.joint == ["dishonest_judgment_defaulters"]
    _, deny, _ = gate.lists[0]
    ids = table.service_ids()
    for sid in ("civil_service_job", "executive_post", "loan"):
        assert deny[PERSON, ids.index(sid)] and not deny[VIA_REP, ids.index(sid)]
    assert deny[ORG_OWN, ids.index("public_procurement")] and deny[ORG_OWN, ids.index("business_loan")]
    assert deny[VIA_REP, ids.index("flight")] and not deny[ORG_OWN, ids.index("flight")]
    # Together with the rulebook's consumption restrictions, the list reaches every sector of the
    # memorandum.
    rb = load_rulebook("court-defaulters")
    held = {r for c in rb.consequences for r in c.restrictions} | set(jp[0].restrictions)
    assert table.sectors_denied(held) == set(JOINT_PUNISHMENT_SECTORS)


def test_parent_listing_denies_school_place_as_family_spillover(setup):
    _, court, _, g = setup
    court.step(DAY, np.array([1]), np.array([0]))  # person 1, the second guardian of child 2
    d = ask(g, "private_school", [2, 5])
    assert d.denied[0].tolist() == [True, False]
    assert d.spillover[0].tolist() == [True, False]
    # Through a guardian's organisation it is family spillover too.
    court.step(DAY, np.array([7]), np.array([0]))  # organisation of person 4, parent of child 5
    assert ask(g, "private_school", [5]).spillover[0].tolist() == [True]


def test_privileges_at_thresholds_and_denial_wins(setup):
    _, _, points, g = setup
    points.step(DAY, np.array([0, 1, 1]), np.array([0, 0, 1]))  # 0: 1050 (AAA), 1: 1009 (A)
    d = ask(g, "bike_rental", [0, 1, 6])
    j = d.regimes.index("points-test")
    assert d.privileged[j].tolist() == [True, False, False]
    assert not d.denied.any()
    points.step(DAY + 1, np.array([1]), np.array([1]))  # 1009 - 41 = 968: still A
    assert not ask(g, "flight", [1]).denied.any()
    points.step(DAY + 2, np.array([1, 1]), np.array([1, 1]))  # 886: D, below 960
    d = ask(g, "flight", [0, 1])
    assert d.privileged[j].tolist() == [True, False]  # AAA: discounted air tickets
    assert d.denied[j].tolist() == [False, True]


def test_daily_counts_and_keys(setup):
    _, court, _, g = setup
    court.step(DAY, np.array([0, 1, 4]), np.array([0, 0, 0]))
    svc = np.array([g.service_ids.index(s) for s in ("flight", "flight", "private_school", "loan")])
    g._answer(3, DAY, svc, np.array([0, 6, 2, 0]))
    keys = g.denied_keys
    assert "private_school" + SPILLOVER_SUFFIX in keys
    row = dict(zip(keys, g.denied[3, 0].tolist(), strict=True))
    assert row["flight"] == 1 and row["private_school"] == 1
    assert row["private_school_family_spillover"] == 1 and row["loan"] == 0
    parts = {(r, m) for r, m, _, _ in g.parts()}
    assert ("", "request") in parts and ("court-test", "denied") in parts and ("", "denied") in parts
    assert ("court-test", "exposure") in parts and ("points-test", "privileged") in parts


def test_represented_csr():
    indptr, orgs = represented(np.array([2, -1, 0, 2], np.int32), 3)
    assert indptr.tolist() == [0, 1, 1, 3]
    assert orgs.tolist() == [3 + 2, 3 + 0, 3 + 3]


# ------------------------------------------------------------------------------ request rates
def big_society(n: int = 200_000, seed: int = 3) -> FakeSociety:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 6, size=n)
    sizes = sizes[np.cumsum(sizes) <= n]
    sizes = np.append(sizes, n - sizes.sum()) if sizes.sum() < n else sizes
    start = np.concatenate([[0], np.cumsum(sizes)])
    return FakeSociety(
        age=rng.integers(0, 90, size=n).astype(np.uint8),
        household_start=start,
        ability_to_pay=rng.lognormal(0.0, 0.6, size=n).astype(np.float32),
        org_legal_rep=rng.integers(0, n, size=n // 50).astype(np.int32),
    )


def test_counting_requests_only_gives_the_same_counts():
    soc = big_society()
    table = load_services()
    g1, _ = guardians(soc.age, soc.household_start)
    dem = Demand(table, soc.age, soc.ability_to_pay, soc.n_persons, soc.n_orgs, g1, Streams(7))
    every = np.ones(len(table.services), bool)
    for k in range(5):
        svc, _, counts = dem.draw(k)
        assert counts.tolist() == np.bincount(svc, minlength=len(every)).tolist()
        svc2, who2, counts2 = dem.draw(k, every)
        assert len(svc2) == len(who2) == 0 and counts2.tolist() == counts.tolist()


def test_request_counts_are_poisson_with_the_table_rates():
    soc = big_society()
    table = load_services()
    g1, _ = guardians(soc.age, soc.household_start)
    dem = Demand(table, soc.age, soc.ability_to_pay, soc.n_persons, soc.n_orgs, g1, Streams(7))
    days = 40
    counts = np.zeros(len(table.services))
    by_who = np.zeros(soc.n_subjects)
    flight = table.service_ids().index("flight")
    for k in range(days):
        svc, who, _ = dem.draw(k)
        counts += np.bincount(svc, minlength=len(counts))
        np.add.at(by_who, who[svc == flight], 1)
    # Expected rates by hand from the table's rule, not from Demand's own totals.
    a, w = soc.age, soc.ability_to_pay.astype(np.float64)
    for i, s in enumerate(table.services):
        if s.requesters == "organisations":
            weight = float(soc.n_orgs)
        else:
            ok = np.ones(soc.n_persons, bool)
            if s.min_age is not None:
                ok &= a >= s.min_age
            if s.max_age is not None:
                ok &= a <= s.max_age
            payer = np.arange(soc.n_persons)
            if s.requesters == "children":
                ok &= g1 >= 0
                payer = np.where(g1 >= 0, g1, 0)
            weight = float((w[payer] ** s.income_elasticity)[ok].sum())
        expected = s.rate_per_year / DAYS_PER_YEAR * weight * days
        assert expected > 30, s.id  # enough for the normal approximation
        z = (counts[i] - expected) / np.sqrt(expected)
        assert abs(z) < 4.5, (s.id, counts[i], expected, z)
    # Income elasticity: flights of the richer half against the poorer half of adults.
    adult = np.flatnonzero(a >= 18)
    rich = adult[w[adult] >= np.median(w[adult])]
    poor = np.setdiff1d(adult, rich)
    per = table.services[flight].rate_per_year / DAYS_PER_YEAR * days
    for grp in (rich, poor):
        exp = per * w[grp].sum()
        assert abs(by_who[grp].sum() - exp) / np.sqrt(exp) < 4.5
    assert by_who[np.flatnonzero(a < 18)].sum() == 0


def test_same_seed_same_requests_different_seed_differs():
    soc = big_society(20_000)
    table = load_services()
    g1, _ = guardians(soc.age, soc.household_start)

    def run(seed):
        dem = Demand(table, soc.age, soc.ability_to_pay, soc.n_persons, soc.n_orgs, g1, Streams(seed))
        return [tuple(map(np.ndarray.tolist, dem.draw(k)[:2])) for k in range(5)]

    assert run(4) == run(4)
    assert run(4) != run(5)


# ------------------------------------------------------------------------------ joint punishment
def test_table_covers_the_joint_punishment_sectors_and_cites_sources():
    table = load_services()
    sectors = {s.sector for s in table.services if s.denied_by}
    assert set(JOINT_PUNISHMENT_SECTORS) <= sectors
    assert all(s.sources for s in table.services) and all(c.sources for c in table.channels)
    assert all(not s.verified for s in table.services if "assumption" in s.note.lower())


def test_table_rejects_bad_input():
    from pydantic import ValidationError

    base = tomllib.loads((__import__("importlib.resources").resources.files("scslab.gates")
                          / "services.toml").read_text())
    bad = {**base, "services": [{**base["services"][0], "denied_by": ["shamed_ringback"]}]}
    with pytest.raises(ValidationError, match="shaming marker"):
        ServiceTable.model_validate(bad)
    bad = {**base, "services": [{**base["services"][0], "sources": ["NOPE"]}]}
    with pytest.raises(ValidationError, match="unknown source"):
        ServiceTable.model_validate(bad)


# ------------------------------------------------------------------------------ shaming
def test_shaming_exposures_and_costs(setup):
    soc, court, _, g = setup
    sh = g.shaming[0]  # court-test shames through the ringback
    assert [c.id for c in sh.channels] == ["shamed_ringback"]
    ch = sh.channels[0]
    t = court.step(DAY, np.array([0, soc.n_persons]), np.array([0, 0]))  # person 0 and the organisation
    g.step(0, DAY, [t, np.zeros(0, np.int64)])
    assert sh.stock[0] == 2
    # Person 0 has 2 ties; the organisation's legal representative (4) has none.
    assert sh.tie_sum[0] == 2 - sh.ties_lost[0, 0]
    # A fallen tie is gone for both ends, in the society's shared graph.
    assert sh.ties.live_degree(np.array([0]))[0] == 2 - sh.ties_lost[0, 0]
    assert soc.friend_graph().n_ties == 2 - sh.ties_lost[0, 0]
    for k in range(1, 10):
        g.step(k, DAY + k, [np.zeros(0, np.int64)] * 2)
    lam = ch.viewers_per_day * 2 + ch.viewers_per_tie_per_day * sh.tie_sum[0]
    assert sh.exposure[1:].sum() == pytest.approx(9 * lam, abs=6 * np.sqrt(9 * lam) + 1)
    # Leaving the list ends the episode.
    t = court.step(DAY + 10, np.array([0]), np.array([1]))
    sh.step(9, t)
    assert sh.stock[0] == 1 and sh.tie_sum[0] == 0


def test_tie_and_job_losses_match_their_probabilities():
    n = 22_000
    deg = 10
    # A ring: person i's friends are i +- 1..5; the listed (every 11th) share no tie.
    off = np.array([-5, -4, -3, -2, -1, 1, 2, 3, 4, 5])
    soc = FakeSociety(age=np.full(n, 30, np.uint8), household_start=np.array([0, n]),
                      ability_to_pay=np.ones(n, np.float32), org_legal_rep=np.zeros(0, np.int32),
                      indptr=np.arange(0, deg * n + 1, deg),
                      indices=np.sort((np.arange(n)[:, None] + off) % n, axis=1).ravel())
    court = engine(COURT, n)
    g = Gates(load_services(), soc, [court], Streams(2), n_days=2, end=DAY + 2)
    sh = g.shaming[0]
    ch = sh.channels[0]
    listed = np.arange(0, n, 11)
    g.step(0, DAY, [court.step(DAY, listed, np.zeros(len(listed), np.int64))])
    m = len(listed)
    p = ch.tie_loss
    assert abs(sh.ties_lost[0, 0] - m * deg * p) < 5 * np.sqrt(m * deg * p * (1 - p))
    q = ch.job_loss
    assert abs(sh.jobs_lost[0, 0] - m * q) < 5 * np.sqrt(m * q * (1 - q))
    assert sh.tie_sum[0] == m * deg - sh.ties_lost[0, 0]
    graph = soc.friend_graph()  # symmetric: each fallen tie left both rows
    assert graph.n_ties == n * deg // 2 - sh.ties_lost[0, 0]
    friends_of_listed = (listed[:, None] + off) % n
    assert n * deg - graph.degree(np.arange(n)).sum() == 2 * sh.ties_lost[0, 0]
    assert deg * friends_of_listed.size - graph.degree(friends_of_listed.ravel()).sum() == \
        sh.ties_lost[0, 0]  # each friend lost the tie too


# ------------------------------------------------------------------------------ response
def test_denials_speed_up_performance():
    n = 40_000
    court = engine(COURT, n)
    rate = 0.01  # per day
    perf = Performance(court, 0, 1, rate, rate, n, DAY + 400, Streams(3).keyed("conduct.response"))
    t = court.step(DAY, np.arange(n), np.zeros(n, np.int64))
    perf.entered(DAY, t)
    half = np.arange(n // 2)
    perf.denied(DAY, half)  # the first half was denied once on day 0
    done = np.zeros(n, bool)
    for k in range(1, 31):
        s = perf.due(DAY + k)
        assert not done[s].any()
        done[s] = True
        court.step(DAY + k, s, np.ones(len(s), np.int64))
    # P(performed by day 30) = 1 - exp(-30 h): h = 2 * rate for the denied half, rate otherwise.
    for grp, h in ((half, 2 * rate), (np.arange(n // 2, n), rate)):
        p = 1 - np.exp(-30 * h)
        assert abs(done[grp].mean() - p) < 5 * np.sqrt(p * (1 - p) / len(grp))
    assert court.list_sizes()[0] == n - done.sum()
    # Conduct emits the act for due subjects who are still listed.
    day = DAY + 31
    due = np.flatnonzero(perf.when == day)
    subj, act, _ = perf.occurrences(day)
    assert sorted(subj.tolist()) == due.tolist() and (act == 1).all()


# ------------------------------------------------------------------------------ structure
class Guard(np.ndarray):
    """A per-subject array that fails the test when a whole-array operation touches it."""

    active = False
    full: ClassVar[set[int]] = set()

    def _check(self, objs) -> None:
        if Guard.active:
            for x in objs:
                if isinstance(x, Guard) and id(x) in Guard.full:
                    raise AssertionError(f"whole-array operation on a per-subject array of {x.size}")

    def __array_ufunc__(self, ufunc, method, *inputs, **kw):
        if method != "at":  # ufunc.at scatters into the given rows only: O(rows)
            self._check([*inputs, *kw.get("out", ())])
        inputs = tuple(x.view(np.ndarray) if isinstance(x, Guard) else x for x in inputs)
        if "out" in kw:
            kw["out"] = tuple(x.view(np.ndarray) if isinstance(x, Guard) else x for x in kw["out"])
        return getattr(ufunc, method)(*inputs, **kw)

    def __array_function__(self, func, types, args, kwargs):
        self._check([*args, *kwargs.values()])
        args = tuple(a.view(np.ndarray) if isinstance(a, Guard) else a for a in args)
        return func(*args, **kwargs)

    def __getitem__(self, key):
        if Guard.active and id(self) in Guard.full:
            k = key[0] if isinstance(key, tuple) else key
            if isinstance(k, slice) or (isinstance(k, np.ndarray) and k.size >= self.shape[0]):
                raise AssertionError("whole-array read of a per-subject array")
        return np.ndarray.__getitem__(self.view(np.ndarray), key)

    def __setitem__(self, key, value):
        if Guard.active and id(self) in Guard.full:
            k = key[0] if isinstance(key, tuple) else key
            if isinstance(k, slice):
                raise AssertionError("whole-array write of a per-subject array")
        np.ndarray.__setitem__(self.view(np.ndarray), key, value)


def guard(a: np.ndarray) -> np.ndarray:
    g = a.view(Guard)
    Guard.full.add(id(g))
    return g


def test_a_day_never_touches_every_subject():
    soc = big_society(50_000)
    soc.indptr = np.arange(0, 3 * soc.n_persons + 1, 3)
    soc.indices = np.random.default_rng(1).integers(0, soc.n_persons, 3 * soc.n_persons)
    n = soc.n_subjects
    court, points = engine(COURT, n), engine(POINTS, n)
    perf = Performance(court, 0, 1, 0.01, 0.01, n, DAY + 20, Streams(9).keyed("conduct.response"))
    g = Gates(load_services(), soc, [court, points], Streams(9), n_days=20, end=DAY + 20)
    g.shaming[0].ties._load()
    # Every per-subject array the day reads: engines', the gates' and the society's.
    cs = court.state
    cs.list_since, cs.list_pending = [guard(x) for x in cs.list_since], [guard(x) for x in cs.list_pending]
    points.state.score = guard(points.state.score)
    g.g1, g.g2, g.rep_indptr = guard(g.g1), guard(g.g2), guard(g.rep_indptr)
    sh = g.shaming[0]
    sh.on, sh.age, sh.rep = guard(sh.on), guard(np.asarray(sh.age)), guard(sh.rep)
    sh.contrib = {j: guard(c) for j, c in sh.contrib.items()}
    fg = sh.ties.graph
    fg.start, fg.deg, fg.cap = guard(fg.start), guard(fg.deg), guard(fg.cap)
    perf.when = guard(perf.when)
    rng = np.random.default_rng(0)
    for k in range(20):
        day = DAY + k
        Guard.active = True
        try:
            subj, act, _ = perf.occurrences(day)
        finally:
            Guard.active = False
        new = rng.integers(0, n, 200)
        t0 = court.step(day, np.concatenate([new, subj]),
                        np.concatenate([np.zeros(200, np.int64), act]))
        t1 = points.step(day, rng.integers(0, n, 500), rng.integers(0, 2, 500))
        Guard.active = True
        try:
            g.step(k, day, [t0, t1])
            perf.entered(day, t0)
            perf.denied(day, g.denied_today[0])
        finally:
            Guard.active = False
    assert g.denied[:, 0].sum() > 0 and g.requests.sum() > 0 and g.shaming[0].exposure.sum() > 0
    # And the guard works: a whole-array pass is caught.
    Guard.active = True
    try:
        with pytest.raises(AssertionError):
            np.count_nonzero(points.score < 900)
    finally:
        Guard.active = False


# ------------------------------------------------------------------------------ run folders
SCENARIO = """
regimes = ["rongcheng", "court.toml", "court-ringback"]
[scenario]
name = "gates-test"
[horizon]
persons = 4000
days = 60
[society]
orgs_per_1000_persons = 20
[acts]
traffic_ticket = { kind = "harmful" }
heroic_act = { kind = "prosocial" }
bank_arrears_month = { kind = "harmful" }
listed = { kind = "harmful" }
performs_obligation = { kind = "compliance" }
ringback_imposed = { kind = "harmful" }
repayment_proven = { kind = "compliance" }
[behaviour.rates]
traffic_ticket = "1/200"
heroic_act = "1/100"
bank_arrears_month = "1/400"
listed = "1/500"
performs_obligation = 0
ringback_imposed = "1/2000"
repayment_proven = 0
[behaviour.organisation_rates]
listed = "1/20"
[[behaviour.list_answers]]
regime = "court-test"
list = "defaulters"
act = "performs_obligation"
base_per_year = 1.0
per_denial_per_year = 2.0
[gates]
enabled = true
"""


@pytest.fixture(scope="module")
def gate_runs(tmp_path_factory):
    from scslab.sim import run_scenario

    base = tmp_path_factory.mktemp("gates")
    (base / "court.toml").write_text(COURT)
    (base / "s.toml").write_text(SCENARIO)
    return [run_scenario(base / "s.toml", seed=s, out=base / f"run{i}")
            for i, s in enumerate((1, 1, 2))]


def test_run_folder_has_gate_outputs_and_is_deterministic(gate_runs):
    from scslab.runfolder import read_run

    a, b, c = gate_runs
    da, db = (x.out / "daily.parquet" for x in (a, b))
    assert da.read_bytes() == db.read_bytes()
    assert da.read_bytes() != (c.out / "daily.parquet").read_bytes()
    run = read_run(a.out)
    requests = run.total("request", "")
    assert set(requests) == set(load_services().service_ids())
    denied = run.total("denied", "court-test")
    assert denied["flight"] > 0 and denied["public_procurement"] > 0
    assert denied["private_school_family_spillover"] == denied["private_school"]
    combined = run.total("denied", "")
    assert all(combined[k] >= v for k, v in denied.items())
    assert run.total("exposure", "court-test")["shamed_ringback"] > 0
    assert run.total("exposure", "court-ringback")["shamed_ringback"] > 0
    assert set(run.total("ties_lost", "court-test")) == {"shamed_ringback"}
    assert run.total("occurred", "")["performs_obligation"] > 0
    # Rongcheng only privileges (deposit-free bikes at AAA): it never denies.
    assert not any(run.total("denied", "rongcheng").values())
    assert {k for k, v in run.total("privileged", "rongcheng").items() if v} <= {"bike_rental"}


def test_request_totals_match_the_expected_rates(gate_runs):
    g = gate_runs[0].daily.gates
    days = g.requests.shape[0]
    for sid, lam in g.expected_requests().items():
        obs = g.requests[:, g.service_ids.index(sid)].sum()
        assert abs(obs - lam * days) < 5 * np.sqrt(lam * days) + 1, sid


def test_report_shows_the_gates(gate_runs):
    from scslab.report import write_report

    html = write_report(gate_runs[0].out).read_text()
    assert "Gate outcomes per service" in html and "Shaming exposures per day" in html
    assert "private_school_family_spillover" in html


def test_gates_off_leave_the_daily_table_alone(tmp_path):
    from scslab.sim import run_scenario
    from scslab.sim.output import daily_table

    (tmp_path / "court.toml").write_text(COURT)
    (tmp_path / "s.toml").write_text(SCENARIO.replace("enabled = true", "enabled = false"))
    res = run_scenario(tmp_path / "s.toml", persons=500, days=5)
    assert res.sim.gates is None and res.daily.gates is None
    metrics = set(daily_table(res.sim, res.daily).column("metric").to_pylist())
    assert not metrics & {"request", "denied", "privileged", "exposure"}


def test_response_must_name_a_removal_act(tmp_path):
    from scslab.errors import InputError
    from scslab.sim import run_scenario

    (tmp_path / "court.toml").write_text(COURT)
    (tmp_path / "s.toml").write_text(SCENARIO.replace('act = "performs_obligation"', 'act = "listed"'))
    with pytest.raises(InputError, match="not a removal act"):
        run_scenario(tmp_path / "s.toml", persons=100, days=2)


def test_builtin_scenario_runs_with_both_regimes_and_gates(tmp_path):
    from scslab.runfolder import read_run
    from scslab.sim import run_scenario
    from scslab.sim.scenario import builtin_scenarios

    assert "court-and-rongcheng" in builtin_scenarios()
    res = run_scenario("court-and-rongcheng", persons=3_000, days=20, out=tmp_path / "run")
    run = read_run(tmp_path / "run")
    assert run.regimes == ["court-defaulters", "rongcheng"]  # the canonical order: by id
    assert sum(run.total("request", "").values()) > 0
    assert run.has_metric("denied", "court-defaulters") and run.has_metric("privileged", "rongcheng")
    assert res.sim.answers is not None and res.sim.answers.emitted >= 0


def test_organisation_conduct_rates():
    from scslab.conduct.organisations import OrganisationConduct

    oc = OrganisationConduct(np.array([3, 5]), np.array([0.01, 0.03]), 1000, 9000,
                             Streams(0).keyed("conduct.organisations"))
    days = [oc.occurrences(d) for d in range(50)]
    subj, act = (np.concatenate([x[i] for x in days]) for i in (0, 1))
    assert oc.occurrences(7)[0].tolist() == days[7][0].tolist()  # keyed: a day redrawn is the same
    assert ((subj >= 1000) & (subj < 10000)).all()
    assert subj.max() >= 1000 + 4096  # more than one block of organisations acts
    for a, rate in ((3, 0.01), (5, 0.03)):
        exp = 9000 * rate * 50
        assert abs((act == a).sum() - exp) < 5 * np.sqrt(exp)


@pytest.mark.parametrize(("regime", "acts", "listed"), [
    ("us-debt-licence", ["court_debt_unpaid"], "licence_suspended_for_debt"),
    # 3 + 3 + 2 points reach 8: the licence is withdrawn
    ("flensburg", ["offence_3pt", "offence_3pt", "offence_2pt"], "licence_withdrawn"),
])
def test_driving_is_denied_while_the_licence_is_suspended_or_withdrawn(regime, acts, listed):
    soc = small_society()
    e = Engine(load_rulebook(regime), soc.n_persons, keep_ledger=False).init()
    g = Gates(load_services(), soc, [e], Streams(1), n_days=10, end=DAY + 10)
    assert not ask(g, "driving", [0, 1]).denied.any()
    for k, a in enumerate(acts):
        e.step(DAY + k, np.array([0]), np.array([e.act_ids.index(a)]))
    assert e.lists_of(0) == [listed]
    d = ask(g, "driving", [0, 1])
    assert d.regimes == [regime, ""]
    assert d.denied[0].tolist() == [True, False] and d.denied[-1].tolist() == [True, False]
