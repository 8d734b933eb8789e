"""docs/reference/rulebook.md and docs/reference/scenario.md: generated from the schema, and their
worked examples and error messages are what scslab really does."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import assert_one_line_error, cli
from scslab.regime.schema import Rulebook
from scslab.sim.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
RULEBOOK_DOC = (ROOT / "docs" / "reference" / "rulebook.md").read_text(encoding="utf-8")
SCENARIO_DOC = (ROOT / "docs" / "reference" / "scenario.md").read_text(encoding="utf-8")
EXAMPLE = (ROOT / "examples" / "my-village.toml").read_text(encoding="utf-8")
SCENARIO = (ROOT / "examples" / "village.toml").read_text(encoding="utf-8")


def generator():
    spec = importlib.util.spec_from_file_location("gen_format_docs", ROOT / "tools" / "gen_format_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_references_match_the_schema():
    r = subprocess.run([sys.executable, "tools/gen_format_docs.py", "--check"], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, (
        "docs/reference/*.md are out of date with the schema; regenerate them with "
        f"`python tools/gen_format_docs.py` and commit the result. {r.stdout}{r.stderr}")


def test_a_stale_reference_is_detected_and_rewritten():
    gen = generator()
    stale = RULEBOOK_DOC.replace("| `initial` |", "| `start` |", 1)
    assert stale != RULEBOOK_DOC
    assert gen.updated(stale, Rulebook) == RULEBOOK_DOC


@pytest.mark.parametrize(("doc", "root"), [(RULEBOOK_DOC, Rulebook), (SCENARIO_DOC, Scenario)])
def test_every_key_of_the_schema_has_a_row(doc, root):
    gen = generator()
    for section in gen.sections(root):
        assert f"### `{section.header}`" in doc
        for row in gen.rows(section.model):
            assert row.meaning, f"{section.header} {row.key}: no description in the schema"
            assert f"| `{row.key}` |" in doc


def test_the_worked_examples_are_in_the_docs_and_pass_check(tmp_path):
    assert EXAMPLE.strip() in RULEBOOK_DOC
    assert SCENARIO.strip() in SCENARIO_DOC
    assert cli("check", ROOT / "examples" / "my-village.toml").code == 0
    assert cli("check", ROOT / "examples" / "village.toml").code == 0


# (old text, new text, the error `scslab check my-village.toml` prints): each mistake, and its
# message, must appear in docs/reference/rulebook.md exactly as scslab gives it.
MISTAKES = [
    ('[[sources]]\nkey = "notes"\ntitle = "The scslab rulebook format reference"\n'
     'url = "docs/reference/rulebook.md"\n', "",
     "error: my-village.toml, key 'sources': required key is missing"),
    ('sources = ["notes"]         #', 'sources = ["note"]         #',
     "error: my-village.toml: regime.sources: unknown source key 'note'; known keys are notes"),
    ('category = "environment"', 'category = "environmental"',
     "error: my-village.toml, key 'acts[0].category': category must be one of financial, commercial, "
     "judicial, traffic, civic, public_services, family, moral, online, political, religious, "
     "environment, tax, reward, administrative; got 'environmental'"),
    ('category = "reward"\n', "",
     "error: my-village.toml, key 'acts[1].category': required key is missing"),
    ('id = "littering"', 'id = "Littering"',
     "error: my-village.toml, key 'acts[0].id': String should match pattern '^[a-z][a-z0-9_]*$'; "
     "got 'Littering'"),
    ('expires = "1y"', "expires = 365",
     "error: my-village.toml, key 'acts[0].expires': a duration string like '2y6m' was expected, "
     "got 365"),
    ("points = -20", "point = -20",
     "error: my-village.toml, key 'acts[0].point': unknown key (not part of the schema)"),
    ('[[acts]]\nid = "volunteering"', '[act]\nid = "volunteering"',
     "error: my-village.toml, key 'act': unknown key (not part of the schema)"),
    ('label = "A"\nmin = 1050', 'label = "A"\nmin = 900',
     "error: my-village.toml: bands must be listed from the highest 'min' to the lowest"),
    ('band = "C"', 'band = "D"', "error: my-village.toml: consequences[0].band: unknown band 'D'"),
    ('url = "docs/reference/rulebook.md"', 'url = "www.example.org"',
     "error: my-village.toml, key 'sources[0].url': String should match pattern "
     "'^(https?://|docs/)'; got 'www.example.org'"),
    ('label = "C"', "label = C",
     "error: my-village.toml:27: invalid TOML: Invalid value (at line 27, column 9)"),
]


@pytest.mark.parametrize(("old", "new", "error"), MISTAKES, ids=[m[2][24:60] for m in MISTAKES])
def test_each_documented_mistake_gives_its_documented_error(old, new, error, tmp_path, monkeypatch):
    assert EXAMPLE.count(old) == 1, old
    monkeypatch.chdir(tmp_path)
    Path("my-village.toml").write_text(EXAMPLE.replace(old, new), encoding="utf-8")
    r = cli("check", "my-village.toml")
    assert_one_line_error(r, "my-village.toml")
    assert r.stderr.strip() == error
    assert error in RULEBOOK_DOC.replace("\n", " ") or error in RULEBOOK_DOC


def test_the_documented_replay_of_the_example_is_what_replay_prints():
    r = cli("replay", ROOT / "examples" / "my-village.toml", ROOT / "examples" / "village-records.csv")
    assert r.code == 0, r.stderr
    assert r.stdout.strip() in RULEBOOK_DOC
    records = (ROOT / "examples" / "village-records.csv").read_text(encoding="utf-8")
    assert records.strip() in RULEBOOK_DOC


# (old text, new text, the lines `scslab check village.toml` prints), as in docs/reference/scenario.md.
SCENARIO_MISTAKES = [
    ("[horizon]", "[society]",
     ["error: village.toml, key 'society.persons': set persons in [horizon], not in [society]"]),
    ('littering = { kind = "harmful" }\n', "",
     ["error: village.toml, key 'behaviour.rates.littering': act 'littering' is not declared: add "
      "[acts.littering] with its kind (harmful, prosocial, neutral or compliance)"]),
    ('littering = "1/200"', 'litering = "1/200"',
     ["error: village.toml, key 'behaviour.rates.litering': act 'litering' is not declared: add "
      "[acts.litering] with its kind (harmful, prosocial, neutral or compliance) (no regime of "
      "this scenario knows it either; known acts: littering, volunteering)",
      "error: village.toml, key 'acts.littering': act 'littering' is declared but has no rate: add "
      "it to behaviour.rates (rate 0 if only organisations or gates emit it)"]),
    ('volunteering = "1/400"', 'volunteering = "1 in 400"',
     ["error: village.toml, key 'behaviour.rates.volunteering': a number or a fraction like '1/200' "
      "was expected, got '1 in 400'"]),
    ('start_date = "2021-01-01"', "start_date = 2021-01-01",
     ["error: village.toml, key 'horizon.start_date': Input should be a valid string; got "
      "datetime.date(2021, 1, 1)"]),
]


@pytest.mark.parametrize(("old", "new", "errors"), SCENARIO_MISTAKES,
                         ids=[m[2][0][26:60] for m in SCENARIO_MISTAKES])
def test_each_documented_scenario_mistake_gives_its_documented_errors(old, new, errors, tmp_path,
                                                                      monkeypatch):
    assert SCENARIO.count(old) == 1, old
    monkeypatch.chdir(tmp_path)
    Path("my-village.toml").write_text(EXAMPLE, encoding="utf-8")
    Path("village.toml").write_text(SCENARIO.replace(old, new), encoding="utf-8")
    r = cli("check", "village.toml")
    assert r.code == 2 and r.stdout == ""
    assert r.stderr.splitlines() == errors
    for e in errors:
        assert e in SCENARIO_DOC
