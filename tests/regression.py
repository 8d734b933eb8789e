"""The committed regression baseline: summary figures of small seeded runs, compared exactly.

A change that stays deterministic but shifts results would pass every other test; this one
notices. When a change is *meant* to shift results, update the baseline with the documented
command and say why in the commit message::

    python tests/regression.py --update

``tests/test_regression.py`` runs the same cases and compares them with
``tests/baseline/summary.json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

BASELINE = Path(__file__).parent / "baseline" / "summary.json"

# (scenario, persons, days, seed): small enough for CI, large enough that every mechanism acts.
CASES = [
    ("rongcheng", 3_000, 120, 1),
    ("court-and-rongcheng", 3_000, 120, 2),
    ("shaming", 3_000, 120, 3),
    ("bench", 3_000, 120, 4),
    ("sesame", 3_000, 120, 5),
]


def summary(scenario: str, persons: int, days: int, seed: int) -> dict:
    """The figures a run's outcome is judged by: per regime bands, lists and mean score at the
    end; acts occurred and recorded; ledger lines; gate requests and denials."""
    from scslab.sim import run_scenario

    res = run_scenario(scenario, persons=persons, days=days, seed=seed)
    out: dict = {"regimes": res.summary(), "acts": {a: list(v) for a, v in res.acts().items()},
                 "ledger_lines": {e.rulebook.regime.id: e.ledger.n_lines for e in res.sim.engines}}
    gates = res.daily.gates
    if gates is not None:
        out["requests"] = int(gates.requests.sum())
        out["denied"] = int(gates.denied.sum())
        out["privileged"] = int(gates.privileged.sum())
    # repr of floats, so the comparison is exact and the JSON stays readable
    return json.loads(json.dumps(out))


def current() -> dict:
    """Every case's summary now, keyed ``scenario/persons/days/seed``."""
    return {"/".join(map(str, c)): summary(*c) for c in CASES}


def main(argv: list[str]) -> int:
    """``--update`` rewrites the baseline; without it, print the differences and exit 1."""
    now = current()
    if "--update" in argv:
        BASELINE.parent.mkdir(exist_ok=True)
        BASELINE.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {BASELINE}")
        return 0
    old = json.loads(BASELINE.read_text(encoding="utf-8"))
    diff = [k for k in sorted(set(old) | set(now)) if old.get(k) != now.get(k)]
    for k in diff:
        print(f"differs: {k}")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
