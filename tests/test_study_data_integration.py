"""The data-integration study's count of domains, on hand-made engines and the real services table."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from scslab.gates.services import load_services
from scslab.studies.measures.data_integration import Measure


class _Engine:
    def __init__(self, rid: str, restrictions: list[str], lists: tuple[str, ...] = ()) -> None:
        self.rulebook = SimpleNamespace(regime=SimpleNamespace(id=rid))
        self.r = restrictions
        self.list_ids = list(lists)

    def consequences(self, s: int) -> tuple[list[str], list[str]]:
        return (self.r if s == 0 else []), []

    def listed(self, li: int, s: np.ndarray) -> np.ndarray:
        return np.asarray(s) == 0

    def restrictions_held(self, s: np.ndarray) -> np.ndarray:
        return np.where(np.asarray(s) == 0, len(self.r), 0)


def test_domains_add_sectors_shaming_and_a_score_penalty() -> None:
    table = load_services()
    court = _Engine("court-defaulters", ["flight"], ("dishonest_judgment_defaulters",))
    sim = SimpleNamespace(n_persons=2, gates=SimpleNamespace(table=table), engines=[court])
    alone = Measure(sim, {}, None).domains_of(0)
    joint = {j.list: set(j.restrictions) for j in table.joint_punishment if j.regime == "court-defaulters"}
    expected = table.sectors_denied({"flight"} | joint["dishonest_judgment_defaulters"])
    assert alone == len(expected)
    sim.engines = [court, _Engine("hebei-deadbeat-map", ["shamed_map_500m"]),
                   _Engine("sesame", ["no_service_reacts_to_this"])]
    m = Measure(sim, {}, None)
    assert m.domains_of(0) == alone + 2  # public shaming and the score penalty
    assert m.held().tolist() == [3, 0]
