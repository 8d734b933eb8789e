"""The checked sources of a scenario: which source observes each act, and late deletions.

Built once by the resolve step (:func:`sources_plan`); every reference (acts, region codes,
regimes, lists) is checked here so that ``scslab check`` reports it with the file and key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scslab.errors import InputError
from scslab.regime.load import regime_list
from scslab.regime.schema import Rulebook
from scslab.sources.spec import DeletionDelay, SourceSpec

DEFAULT_SOURCE = "default"
"""Name of the default source in outputs: ``[sources] detection``, every act no declared
source observes."""


@dataclass(frozen=True)
class SourcesPlan:
    """The declared sources, in file order, and the deletion delays by (regime, list)."""

    ids: tuple[str, ...]
    specs: tuple[SourceSpec, ...]
    source_of: np.ndarray  # per scenario act: index of the declared source observing it, -1 none
    deletions: tuple[tuple[int, int, DeletionDelay], ...]  # (regime index, list index, spec)

    @property
    def any(self) -> bool:
        """Some source is declared (else the default source alone, as before sources)."""
        return bool(self.ids)

    @property
    def names(self) -> list[str]:
        """Output names of the sources: the default one, then the declared ones."""
        return [DEFAULT_SOURCE, *self.ids]


def sources_plan(declared: dict[str, SourceSpec], default_detection: dict[str, float],
                 act_ids: Sequence[str], known: set[str], region_codes: Sequence[str],
                 deletions: Sequence[DeletionDelay], rulebooks: Sequence[Rulebook],
                 source: str) -> SourcesPlan:
    """Check the declared sources and deletion delays against the scenario; raise the first error.

    An act is observed by at most one declared source (two would record one act twice), and is
    then not also in ``[sources] detection``.
    """
    if DEFAULT_SOURCE in declared:
        raise InputError(f"source id {DEFAULT_SOURCE!r} is reserved for [sources] detection",
                         file=source, key=f"sources.{DEFAULT_SOURCE}")
    source_of = np.full(len(act_ids), -1, np.int64)
    owner: dict[str, str] = {}
    for i, (sid, spec) in enumerate(declared.items()):
        for a in spec.detection:
            key = f"sources.{sid}.detection.{a}"
            if a not in act_ids:
                raise InputError(f"act {a!r} is not one of the scenario's acts (behaviour.rates)",
                                 file=source, key=key)
            if a not in known:
                raise InputError(f"act {a!r} is in no regime of this scenario, so no record of it "
                                 "would count", file=source, key=key)
            if a in owner:
                raise InputError(f"act {a!r} is already observed by source {owner[a]!r}; one act "
                                 "has one source", file=source, key=key)
            if a in default_detection:
                raise InputError(f"act {a!r} is observed by source {sid!r}: remove it from "
                                 "[sources] detection", file=source, key=f"sources.detection.{a}")
            owner[a] = sid
            source_of[act_ids.index(a)] = i
        _check_readers(sid, spec, rulebooks, source)
        cov = spec.coverage
        if cov.by == "region":
            for g in cov.groups:
                if g not in region_codes:
                    raise InputError(f"region {g!r} is not one of the society's regions "
                                     f"({', '.join(region_codes)})", file=source,
                                     key=f"sources.{sid}.coverage.groups.{g}")
    source_of.setflags(write=False)
    return SourcesPlan(tuple(declared), tuple(declared.values()), source_of,
                       _deletions(deletions, rulebooks, source))


def _check_readers(sid: str, spec: SourceSpec, rulebooks: Sequence[Rulebook], source: str) -> None:
    """A source's readers are regimes of the scenario, and some reader knows each act it sees."""
    if not spec.readers:
        return
    books = {rb.regime.id: rb for rb in rulebooks}
    for j, rid in enumerate(spec.readers):
        if rid not in books:
            raise InputError(f"regime {rid!r} is not one of the scenario's ({', '.join(books)})",
                             file=source, key=f"sources.{sid}.readers[{j}]")
    for a in spec.detection:
        if not any(a in books[rid].act_ids() for rid in spec.readers):
            raise InputError(f"no reader of source {sid!r} knows act {a!r}, so its records would "
                             "reach no regime", file=source, key=f"sources.{sid}.detection.{a}")


def read_maps(plan: SourcesPlan, regime_ids: Sequence[str], maps: Sequence[np.ndarray]
              ) -> tuple[np.ndarray, ...]:
    """Each regime's act map without the acts of sources it does not read (read-only arrays).

    An act has one source, so a regime that is not among a source's ``readers`` never receives
    a record of the source's acts: its map sends them to -1 (unknown).
    """
    out = []
    for rid, m in zip(regime_ids, maps, strict=True):
        unread = [i for i, spec in enumerate(plan.specs) if spec.readers and rid not in spec.readers]
        if unread:
            m = m.copy()
            m[np.isin(plan.source_of, unread)] = -1
            m.setflags(write=False)
        out.append(m)
    return tuple(out)


def _deletions(deletions: Sequence[DeletionDelay], rulebooks: Sequence[Rulebook],
               source: str) -> tuple[tuple[int, int, DeletionDelay], ...]:
    """Each deletion delay with its regime's and list's index; one per list."""
    out = []
    seen: set[tuple[int, int]] = set()
    for j, d in enumerate(deletions):
        key = f"deletion_delays[{j}]"
        r, li = regime_list(tuple(rulebooks), d.regime, d.list_id, source, key)
        if (r, li) in seen:
            raise InputError(f"list {d.list_id!r} of {d.regime} has two deletion delays",
                             file=source, key=key)
        seen.add((r, li))
        out.append((r, li, d))
    return tuple(out)
