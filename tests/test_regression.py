"""Small seeded runs give exactly the committed figures (see tests/regression.py to update)."""

from __future__ import annotations

import json

import pytest

from regression import BASELINE, CASES, summary


@pytest.mark.parametrize("case", CASES, ids=lambda c: "/".join(map(str, c)))
def test_matches_the_committed_baseline(case):
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    key = "/".join(map(str, case))
    assert key in baseline, "new case: run `python tests/regression.py --update`"
    assert summary(*case) == baseline[key], (
        "results shifted; if that is intended, run `python tests/regression.py --update` and say "
        "why in the commit message")
