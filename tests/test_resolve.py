"""The resolve step (scslab.sim.resolve): what ``scslab check`` accepts, ``scslab run`` runs; every
error of a scenario is reported at once, each naming its file and key; overrides and ``--set``
keys are checked against the same limits; the resolved plan cannot be changed afterwards."""

from __future__ import annotations

import copy
import dataclasses
import math
import re
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from helpers import assert_one_line_error, cli
from scslab.errors import InputError
from scslab.limits import DAYS, PERSONS, SEED
from scslab.regime import builtin_regimes, load_rulebook
from scslab.regime.load import MAX_ERRORS
from scslab.sim import Resolved, load_scenario, resolve, run_scenario
from scslab.sim.scenario import scenario_data, scenario_from_data

BASES = ("court-and-rongcheng", "rongcheng", "shaming")
TINY = {"persons": 200, "days": 3}


@cache
def _base(name: str) -> dict[str, Any]:
    return scenario_data(load_scenario(name))


def base(name: str = "court-and-rongcheng") -> dict[str, Any]:
    """A fresh copy of a built-in scenario's data."""
    return copy.deepcopy(_base(name))


def write(tmp_path: Path, data: dict[str, Any], name: str = "scenario.toml") -> Path:
    path = tmp_path / name
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def rejected(fn, *args, **kwargs) -> InputError:
    """The InputError ``fn`` raises (the test fails if it raises nothing or something else)."""
    with pytest.raises(InputError) as info:
        fn(*args, **kwargs)
    return info.value


def keys(e: InputError) -> list[str]:
    return [x.key or "" for x in e.related]


def assert_well_formed(e: InputError) -> None:
    """An error says where: every entry names a file or a key; the count covers the entries."""
    assert e.related and e.message.startswith(e.related[0].message)
    assert e.total >= len(e.related) >= 1
    for x in e.related:
        assert isinstance(x, InputError)
        assert x.file or x.key, f"an error that names neither file nor key: {x!r}"
        assert x.message.strip()


# ------------------------------------------------------------------ 1. check == run (property)
@cache
def _all_acts() -> tuple[str, ...]:
    return tuple(sorted({a for r in builtin_regimes() for a in load_rulebook(r).act_ids()}))


_weird_numbers = st.sampled_from([
    -1, -0.5, -1e-300, 0, 0.0, 1e-9, 0.02, 0.5, 1, 1.0, 1.5, 2, 9.99, 10, 10.5, 100, 101, 960,
    10**6, 10**12, 2**31, 2**63, 10**400, math.inf, -math.inf, math.nan, 1e308,
])
_weird_values = st.one_of(
    _weird_numbers,
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from(["1/200", "1 / 2000", "1/0", "0/1", "-1/2", "1e309", "abc", "", "inf", "nan",
                     True, False, [], [1], {}, {"a": 1}]),
)
_dates = st.sampled_from(["2020-01-01", "1900-01-01", "1899-12-31", "1800-01-01", "2200-12-31",
                          "2201-01-01", "2199-12-31", "2021-02-30", "2020-02-29", "20200101",
                          "2020-W01-1", "9999-12-31", 20200101])
_regime_names = st.one_of(st.sampled_from(builtin_regimes()),
                          st.sampled_from(["no-such-regime", "", "RONGCHENG", "rongcheng.toml"]))


@st.composite
def _act(draw, data: dict[str, Any]) -> str:
    """Mostly an act of the scenario; else one of some other regime, or of none."""
    own = sorted(data["behaviour"].get("rates") or {"traffic_ticket": 0})
    if draw(st.integers(0, 3)):
        return draw(st.sampled_from(own))
    return draw(st.one_of(st.sampled_from(_all_acts()),
                          st.sampled_from(["no_such_act", "Traffic_Ticket", ""])))


_RATE = st.one_of(st.floats(0, 0.05), st.sampled_from(["1/200", "1/100000", 0, 0.0]))
_GOOD = {  # plausible values per key; _value mixes in the weird ones
    "rate": _RATE, "detection": st.floats(0, 1), "cost": st.floats(0, 1000),
    "offset_strength": st.floats(0, 100), "effort_response": st.floats(0, 100),
    "betta": st.floats(0, 100), "aware_share": st.floats(0, 1),
    "checks_per_year": st.floats(0, 400), "perceived_detection": st.floats(0, 100),
    "offset_target": st.sampled_from(["band", "initial", "bend"]),
    "share_under_15": st.floats(0, 0.5), "share_60_plus": st.floats(0, 0.5),
    "share_male": st.floats(0, 1), "share_female": st.floats(0, 1),
    "mean_household_size": st.floats(1, 8), "income_sigma": st.floats(0, 3),
    "orgs_per_1000_persons": st.floats(0, 1000), "mean_friends": st.floats(0, 500),
    "region_codes": st.sampled_from([["371082"], ["110101", "371082"], ["371082", "371082"],
                                     ["000000"], ["37108"], [], "371082"]),
    "persons": st.integers(PERSONS.lo, 10**6), "days": st.integers(DAYS.lo, DAYS.hi),
    "seed": st.integers(SEED.lo, SEED.hi), "start_date": _dates,
    "base_per_year": st.floats(0, 100), "per_denial_per_year": st.floats(0, 100),
}


@st.composite
def _value(draw, key: str) -> Any:
    """Mostly a plausible value for ``key``; one time in four a weird one."""
    if key in _GOOD and draw(st.integers(0, 3)):
        return draw(_GOOD[key])
    return draw(_dates if key == "start_date" else _weird_values)


@st.composite
def _mutation(draw, data: dict[str, Any]) -> None:
    """Change one thing in ``data`` (in place): a value, a new key, or a removed one."""
    kind = draw(st.sampled_from([
        "rate", "detection", "cost", "org_rate", "behaviour", "society", "horizon", "gates",
        "response", "regimes_add", "regimes_set", "delete",
    ]))
    b = data["behaviour"]
    if not isinstance(data.get("regimes"), list):
        data["regimes"] = []
    if kind in ("rate", "org_rate"):
        table = "rates" if kind == "rate" else "organisation_rates"
        b.setdefault(table, {})[draw(_act(data))] = draw(_value("rate"))
    elif kind == "detection":
        data.setdefault("sources", {}).setdefault("detection", {})[draw(_act(data))] = \
            draw(_value("detection"))
    elif kind == "cost":
        b.setdefault("perceived_cost", {})[draw(_act(data))] = draw(_value("cost"))
    elif kind == "behaviour":
        key = draw(st.sampled_from(["offset_strength", "effort_response", "aware_share",
                                    "checks_per_year", "perceived_detection", "offset_target",
                                    "betta"]))
        b[key] = draw(_value(key))
    elif kind == "society":
        key = draw(st.sampled_from(["share_under_15", "share_60_plus", "share_male",
                                    "mean_household_size", "income_sigma", "orgs_per_1000_persons",
                                    "mean_friends", "region_codes", "persons", "start_date",
                                    "share_female"]))
        data.setdefault("society", {})[key] = draw(_value(key))
    elif kind == "horizon":
        key = draw(st.sampled_from(["persons", "days", "seed", "start_date"]))
        data.setdefault("horizon", {})[key] = draw(_value(key))
    elif kind == "gates":
        key = draw(st.sampled_from(["enabled", "shaming", "services", "servces"]))
        # An unknown services *name* is left out here: its error names no file nor key
        # (test_unknown_services_table_names_its_key below).
        data.setdefault("gates", {})[key] = draw(st.one_of(
            st.booleans(), st.sampled_from(["services", 5, [], "yes", 1, 0])))
    elif kind == "response":
        key = draw(st.sampled_from(["regime", "list", "act", "base_per_year",
                                    "per_denial_per_year"]))
        if key in ("regime", "list", "act"):
            value: Any = draw(st.one_of(st.sampled_from(
                ["", "court-defaulters", "rongcheng", "dishonest_judgment_defaulters",
                 "performs_obligation", "traffic_ticket", "nope", 3]), _act(data)))
        else:
            value = draw(_value(key))
        answers = b.setdefault("list_answers", [{}])
        if isinstance(answers, list) and answers and isinstance(answers[0], dict):
            answers[0][key] = value
    elif kind == "regimes_add":
        data["regimes"].append(draw(st.one_of(st.sampled_from(data["regimes"] or ["rongcheng"]),
                                              _regime_names)))
    elif kind == "regimes_set":
        data["regimes"] = draw(st.one_of(st.lists(_regime_names, max_size=3),
                                         st.sampled_from(["rongcheng", 1, [1]])))
    else:
        table = draw(st.sampled_from(["horizon", "society", "sources", "gates",
                                      "behaviour", "behaviour.rates"]))
        if "." in table:  # a nested table
            outer, inner = table.split(".")
            data, table = data.get(outer) or {}, inner
        if isinstance(data.get(table), dict) and data[table]:
            del data[table][draw(st.sampled_from(sorted(data[table])))]


@st.composite
def scenario_variants(draw) -> tuple[str, dict[str, Any]]:
    name = draw(st.sampled_from(BASES))
    data = base(name)
    for _ in range(draw(st.integers(1, 3))):
        draw(_mutation(data))
    return name, data


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario_variants())
def test_what_check_accepts_runs(variant):
    """Whatever resolve (what ``scslab check`` runs) accepts, a tiny run runs without raising;
    whatever it rejects, it rejects with an InputError that names the file or key at fault, and
    ``scslab check`` on the same data as a file agrees, printing each error on its own line."""
    _, data = variant
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder), data)
        checked = cli("check", path)
    assert "Traceback" not in checked.stderr, checked.stderr
    try:
        plan = resolve(scenario_from_data(copy.deepcopy(data), "<fuzzed scenario>"))
    except InputError as e:
        assert_well_formed(e)
        assert checked.code == 2, (checked.stdout, str(e))
        assert len(checked.stderr.splitlines()) >= min(len(e.related), MAX_ERRORS)
        event("rejected")
        return
    event("accepted")
    assert checked.code == 0, checked.stderr
    assert isinstance(plan, Resolved)
    tiny = resolve(plan.scenario, **TINY)  # the run's overrides are within the limits
    assert (tiny.horizon.persons, tiny.horizon.days) == (TINY["persons"], TINY["days"])
    assert tiny.horizon.seed == plan.horizon.seed
    res = run_scenario(tiny)
    assert res.daily.occurred.shape == (TINY["days"], len(plan.acts.ids))
    assert all(o >= r >= 0 for o, r in res.acts().values())


@pytest.mark.parametrize("name", BASES)
def test_builtin_scenarios_pass_check_and_run(name, tmp_path):
    """The unmutated bases: resolve accepts each (as data, as a file and by name) and it runs."""
    plan = resolve(name)
    path = write(tmp_path, _base(name))
    from_file = resolve(path)
    assert from_file.acts.ids == plan.acts.ids
    assert (from_file.acts.base == plan.acts.base).all()
    assert from_file.scenario.sha256() == plan.scenario.sha256()
    assert cli("check", path).code == 0
    res = run_scenario(name, **TINY)
    assert res.sim.act_ids == list(plan.acts.ids)


# ----------------------------------------------------------------- 2. every error is reported
def _three_mistakes() -> dict[str, Any]:
    """Three independent mistakes the resolve step finds, in three different tables."""
    d = base()
    d["behaviour"]["rates"]["no_such_act"] = 0.01
    d["sources"]["detection"]["jaywalking"] = 0.5  # an act of a regime the scenario lacks
    d["behaviour"]["perceived_cost"]["not_an_act"] = 10
    return d


THREE_KEYS = ("behaviour.rates.no_such_act", "sources.detection.jaywalking",
              "behaviour.perceived_cost.not_an_act")


def test_three_mistakes_give_one_error_naming_each(tmp_path):
    path = write(tmp_path, _three_mistakes())
    e = rejected(resolve, path)
    assert_well_formed(e)
    assert e.total >= 3
    assert set(THREE_KEYS) <= set(keys(e)), keys(e)
    assert all(x.file == str(path) for x in e.related)
    assert "2 more errors" in str(e)  # the first one counts the rest


def test_check_prints_every_error(tmp_path):
    path = write(tmp_path, _three_mistakes())
    r = cli("check", path)
    assert r.code == 2, r.stderr
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 3 and all(ln.startswith("error: ") for ln in lines), r.stderr
    for key in THREE_KEYS:
        assert sum(f"key '{key}'" in ln for ln in lines) == 1, (key, r.stderr)
    # run reports the first one, counting the rest, on one line
    assert_one_line_error(cli("run", path, "--persons", "50", "--days", "2"), THREE_KEYS[0],
                          "2 more errors")


def test_schema_errors_in_three_tables_are_all_reported(tmp_path):
    d = base()
    d["behaviour"]["rates"]["traffic_ticket"] = "abc"
    d["sources"]["detection"]["traffic_ticket"] = -0.5
    d["gates"]["enabled"] = "x"
    e = rejected(resolve, write(tmp_path, d))
    assert e.total >= 3
    assert {"behaviour.rates.traffic_ticket", "sources.detection.traffic_ticket",
            "gates.enabled"} <= set(keys(e)), keys(e)


def test_override_and_regime_errors_are_reported_together():
    d = base()
    d["regimes"] += ["no-such-regime", "rongcheng"]
    e = rejected(resolve, scenario_from_data(d, "x.toml"), persons=0, days=DAYS.hi + 1, seed=-1)
    text = [str(x) for x in e.related]
    assert e.total == 5, text
    for option in ("--persons", "--days", "--seed"):
        assert sum(f"option {option}" in t for t in text) == 1, (option, text)
    assert {"regimes[2]", "regimes[3]"} <= set(keys(e))


def test_schema_and_reference_mistakes_are_reported_together(tmp_path):
    d = base()
    d["behaviour"]["rates"]["no_such_act"] = 0.01
    d["sources"]["detection"]["traffic_ticket"] = -0.5
    d["gates"]["services"] = "no-such-services"
    e = rejected(resolve, write(tmp_path, d))
    assert e.total >= 3, [str(x) for x in e.related]


@pytest.mark.parametrize(("field", "value", "key"), [
    ("regime", "nope", "behaviour.list_answers[0].regime"),
    ("list", "no_such_list", "behaviour.list_answers[0].list"),
    ("act", "traffic_ticket", "behaviour.list_answers[0].act"),
])
def test_a_list_answer_mistake_names_its_key(field, value, key):
    d = base()
    d["behaviour"]["list_answers"][0][field] = value
    e = rejected(resolve, scenario_from_data(d, "x.toml"))
    assert key in keys(e), keys(e)


def test_unknown_services_table_names_its_key():
    d = base()
    d["gates"]["services"] = "no-such-services"
    e = rejected(resolve, scenario_from_data(d, "x.toml"))
    assert e.key == "gates.services" and e.file == "x.toml", repr(e)


def test_start_year_out_of_range_names_horizon_key():
    d = base()
    d["horizon"]["start_date"] = "1800-01-01"
    e = rejected(resolve, scenario_from_data(d, "x.toml"))
    assert e.key == "horizon.start_date", e.key


# --------------------------------------------------------------- 3. a regime listed twice
@pytest.mark.parametrize("regimes", [["rongcheng", "rongcheng"],
                                     ["rongcheng", "court-defaulters", "rongcheng"]])
def test_regime_listed_twice(regimes, tmp_path):
    d = base()
    d["regimes"] = regimes
    path = write(tmp_path, d)
    e = rejected(resolve, path)
    dup = len(regimes) - 1
    assert e.key == f"regimes[{dup}]" and e.file == str(path), repr(e)
    assert "rongcheng" in e.message and "regimes[0]" in e.message
    r = cli("check", path)
    assert r.code == 2 and "Traceback" not in r.stderr
    assert f"key 'regimes[{dup}]'" in r.stderr


def test_regime_listed_twice_by_file_and_name(tmp_path):
    """A rulebook file with a built-in regime's id is the same regime."""
    from scslab.regime.load import builtin_text

    (tmp_path / "mine.toml").write_text(builtin_text("rongcheng"), encoding="utf-8")
    d = base("rongcheng")
    d["regimes"] = ["rongcheng", "mine.toml"]
    e = rejected(resolve, write(tmp_path, d))
    assert e.key == "regimes[1]", repr(e)


# ------------------------------------------------------------------------------- 4. --set
def _summary(stdout: str) -> str:
    """The run's printed summary without its timing line."""
    return re.sub(r"\(\d+\.\d s; no run folder written.*\)", "", stdout)


def test_set_seed_equals_seed_option(tmp_path):
    path = write(tmp_path, base("rongcheng"))
    size = ("--persons", "2000", "--days", "10")
    by_set = cli("run", path, *size, "--set", "horizon.seed=5")
    by_option = cli("run", path, *size, "--seed", "5")
    default = cli("run", path, *size)
    assert by_set.code == by_option.code == default.code == 0, (by_set.stderr, by_option.stderr)
    assert _summary(by_set.stdout) == _summary(by_option.stdout)
    assert _summary(by_set.stdout) != _summary(default.stdout)  # the seed did change something
    assert resolve(path, sets={"horizon.seed": 5}).horizon.seed == 5


@pytest.mark.parametrize(("item", "names"), [
    ("horizon.sed=5", ["horizon.sed"]),
    ("nosuch.table.x=1", ["nosuch"]),
    ("behaviour.betta=2", ["behaviour.betta"]),
    ("horizon.seed=abc", ["horizon.seed"]),
    ("horizon.seed=-1", ["horizon.seed"]),
    ("horizon.days=0", ["horizon.days"]),
    ("behaviour.rates.traffic_ticket=-1", ["behaviour.rates.traffic_ticket"]),
    ("behaviour.rates.traffic_ticket=inf", ["behaviour.rates.traffic_ticket"]),
    ("behaviour.rates.no_such_act=0.1", ["behaviour.rates.no_such_act"]),
    ("behaviour.rates.traffic_ticket.x=1", ["option --set", "behaviour.rates.traffic_ticket"]),
    ("regimes.x=1", ["option --set", "regimes"]),
    ("behaviour.=1", ["option --set"]),
    ("no-equals-sign", ["option --set"]),
    ("=5", ["option --set"]),
])
def test_bad_set_is_one_line(item, names, tmp_path):
    path = write(tmp_path, base("rongcheng"))
    assert_one_line_error(cli("run", path, "--persons", "50", "--days", "2", "--set", item), *names)


def test_set_changes_the_resolved_rate():
    plain = resolve("rongcheng")
    i = plain.acts.ids.index("traffic_ticket")
    assert plain.acts.base[i] != 0.02
    changed = resolve("rongcheng", sets={"behaviour.rates.traffic_ticket": 0.02})
    assert changed.acts.base[i] == 0.02
    assert changed.scenario.behaviour.rates["traffic_ticket"] == 0.02
    others = [j for j in range(len(plain.acts.ids)) if j != i]
    assert (changed.acts.base[others] == plain.acts.base[others]).all()
    assert changed.acts.ids == plain.acts.ids
    # a fraction as text, as in a scenario file
    frac = resolve("rongcheng", sets={"behaviour.rates.traffic_ticket": "1/50"})
    assert frac.acts.base[i] == 0.02


def test_set_on_a_scenario_object():
    sc = load_scenario("rongcheng")
    r = resolve(sc, sets={"behaviour.rates.traffic_ticket": 0.02, "behaviour.offset_strength": 2})
    assert r.acts.base[r.acts.ids.index("traffic_ticket")] == 0.02
    assert r.scenario.behaviour.offset_strength == 2
    assert r.source == sc.source
    assert sc.behaviour.rates["traffic_ticket"] != 0.02  # the given scenario is left alone


def test_set_new_act_must_be_known():
    r = resolve("court-and-rongcheng", sets={"sources.detection.debt_judgment": 0.25})
    assert r.acts.detection[r.acts.ids.index("debt_judgment")] == 0.25
    e = rejected(resolve, "rongcheng", sets={"sources.detection.jaywalking": 0.25})
    assert e.key == "sources.detection.jaywalking"


# -------------------------------------------------------------------------- 5. overrides
LIMITS = {"persons": PERSONS, "days": DAYS, "seed": SEED}


@pytest.mark.parametrize("option", sorted(LIMITS))
@pytest.mark.parametrize("where", ["below", "above", "bool", "float"])
def test_override_beyond_limit_names_option(option, where):
    limit = LIMITS[option]
    value = {"below": limit.lo - 1, "above": limit.hi + 1, "bool": True, "float": 5.0}[where]
    e = rejected(resolve, "rongcheng", **{option: value})
    assert e.message.startswith(f"option --{option}: "), e.message
    assert e.total == 1


@pytest.mark.parametrize("option", sorted(LIMITS))
def test_override_at_limits_accepted(option):
    limit = LIMITS[option]
    for value in (limit.lo, limit.hi):
        h = resolve("rongcheng", **{option: value}).horizon
        assert getattr(h, option) == value


def test_override_is_in_the_resolved_scenario():
    r = resolve("rongcheng", persons=123, days=4, seed=9)
    assert (r.horizon.persons, r.horizon.days, r.horizon.seed) == (123, 4, 9)
    h = r.scenario.horizon
    assert (h.persons, h.days, h.seed) == (123, 4, 9)
    assert r.society.persons == 123
    assert r.horizon.end == r.horizon.start + 4


@pytest.mark.parametrize(("argv", "name"), [
    (("--persons", str(PERSONS.hi + 1)), "option --persons"),
    (("--days", str(DAYS.hi + 1)), "--days"),
    (("--seed", str(SEED.hi + 1)), "--seed"),
])
def test_cli_override_beyond_limit(argv, name):
    assert_one_line_error(cli("run", "rongcheng", *argv), name)


# ------------------------------------------------------------------------- 6. frozen plan
def test_resolved_is_frozen():
    r = resolve("court-and-rongcheng", **TINY)
    for obj, attr, value in ((r, "horizon", None), (r, "acts", None), (r, "gates", None),
                             (r.horizon, "persons", 10), (r.horizon, "seed", 1),
                             (r.acts, "base", None), (r.acts, "primary", 0)):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, attr, value)
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen models raise ValidationError
        r.society.share_male = 0.9  # type: ignore[misc]
    assert isinstance(r.rulebooks, tuple) and isinstance(r.acts.ids, tuple)


def test_act_arrays_are_read_only():
    r = resolve("court-and-rongcheng", **TINY)
    a = r.acts
    b = a.behaviour.acts
    arrays = [a.base, a.detection, a.kind, b.score_cost, b.list_cost, b.reward, a.org_acts,
              a.org_rates, *a.regime_map]
    assert len(a.org_rates) > 0  # court-and-rongcheng has organisation rates
    for arr in arrays:
        assert not arr.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = arr[0]


def test_resolved_scenario_cannot_be_changed():
    r = resolve("rongcheng", **TINY)
    with pytest.raises(Exception):  # noqa: B017
        r.scenario.behaviour.offset_strength = math.nan
