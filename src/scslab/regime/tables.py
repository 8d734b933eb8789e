"""A rulebook compiled to arrays indexed by act, band and list, for the vectorised engine."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scslab.regime.schema import Rulebook, Trigger

NO_CAP = np.iinfo(np.int32).max
NOT_ENTRY = -2  # act does not enter this list
NO_TERM = -1  # act enters this list with no fixed term


@dataclass(frozen=True)
class ListTables:
    """One list, by act index."""

    id: str
    entry_months: np.ndarray  # int32 per act: NOT_ENTRY, NO_TERM or term in months
    entry_days: np.ndarray  # int32 per act: extra days of the term
    is_extension: np.ndarray  # bool per act
    is_removal: np.ndarray  # bool per act
    delay: int  # working days from trigger to deletion
    early_removal: bool
    min_age: int | None
    band: int  # band index shown while listed, or -1
    resets_score: bool
    trigger_months: int  # term of trigger entries (NO_TERM if none)
    trigger_days: int
    ext_min: int = 1  # smallest extension [years]
    ext_max: int | None = None  # largest extension [years], None: no bound


@dataclass(frozen=True)
class Tables:
    """Everything the engine looks up per record."""

    act_ids: list[str]
    points: np.ndarray  # int32 per act
    per_value: np.ndarray  # bool per act
    cap: np.ndarray  # int32 per act: score ceiling after drop_to_band (NO_CAP if none)
    cap_band: list[str | None]
    expire_months: np.ndarray  # int32 per act, -1 if points never expire
    expire_days: np.ndarray
    req_max: np.ndarray  # int64 per act (NO_CAP if none)
    req_min: np.ndarray  # int64 per act (-NO_CAP if none)
    cooldown: dict[int, tuple[int, int]]  # act -> (months, days)
    has_score: bool
    initial: int
    lo: int | None
    hi: int | None
    clip_total: bool  # bounds clip the total of the points that count (see Score.clip)
    band_labels: list[str]  # score bands (high to low), then list override bands
    band_asc: np.ndarray  # ascending thresholds for searchsorted
    n_score_bands: int
    bottom_open: bool
    lists: list[ListTables]
    triggers: list[tuple[str, int, int, int]]  # (id, sign, threshold, list index)
    windows: list[tuple[str, int, int, int, int]]  # (id, act, days, more_than, emit act)

    def act_index(self) -> dict[str, int]:
        """Map act id -> index."""
        return {a: i for i, a in enumerate(self.act_ids)}


def band_index(t: Tables, score: np.ndarray) -> np.ndarray:
    """Score band index of each score (``len(t.band_labels)`` = no band).

    The one place where a score becomes a band. List bands, which override it while listed, are
    the state's business (:meth:`scslab.regime.state.RegimeState.band_index`); the compiled
    kernel repeats this rule for single scores (``_kernels._band``, tested equal).
    """
    nb = len(t.band_labels)
    if not t.has_score or not t.n_score_bands:
        return np.full(len(score), nb, np.int64)
    k = np.searchsorted(t.band_asc, score, side="right")
    if t.bottom_open:
        return t.n_score_bands - 1 - k
    return np.where(k == 0, nb, t.n_score_bands - k)


def compile_rulebook(rb: Rulebook) -> Tables:
    """Compile a checked rulebook into lookup arrays."""
    ids = rb.act_ids()
    idx = {a: i for i, a in enumerate(ids)}
    n = len(ids)
    labels = [b.label for b in rb.bands]
    mins = [b.min for b in rb.bands]
    bottom_open = bool(mins) and mins[-1] is None
    band_asc = np.array([m for m in mins if m is not None][::-1], dtype=np.int64)
    ceiling = _ceilings(labels, mins)
    override = [x.band for x in rb.lists if x.band and x.band not in labels]
    all_labels = labels + list(dict.fromkeys(override))

    retention = rb.retention.records
    expire_m = np.full(n, -1, np.int32)
    expire_d = np.zeros(n, np.int32)
    req_max = np.full(n, NO_CAP, np.int64)
    req_min = np.full(n, -NO_CAP, np.int64)
    cooldown: dict[int, tuple[int, int]] = {}
    for i, a in enumerate(rb.acts):
        exp = a.expires or retention
        if exp is not None:
            expire_m[i], expire_d[i] = exp.months, exp.days
        if a.requires:
            if a.requires.max_score is not None:
                req_max[i] = a.requires.max_score
            if a.requires.min_score is not None:
                req_min[i] = a.requires.min_score
            if a.requires.cooldown is not None:
                cooldown[i] = (a.requires.cooldown.months, a.requires.cooldown.days)

    lists = []
    for lst in rb.lists:
        em = np.full(n, NOT_ENTRY, np.int32)
        ed = np.zeros(n, np.int32)
        for e in lst.entries:
            em[idx[e.act]] = NO_TERM if e.term is None else e.term.months
            ed[idx[e.act]] = 0 if e.term is None else e.term.days
        ext = np.zeros(n, bool)
        ext[[idx[a] for a in lst.extension_acts]] = True
        rem = np.zeros(n, bool)
        rem[[idx[a] for a in lst.removal_acts]] = True
        lists.append(ListTables(
            id=lst.id, entry_months=em, entry_days=ed, is_extension=ext, is_removal=rem,
            delay=lst.removal_delay_working_days, early_removal=lst.early_removal_on_performance,
            min_age=lst.min_age, band=all_labels.index(lst.band) if lst.band else -1,
            resets_score=lst.enter_resets_score,
            trigger_months=NO_TERM if lst.term is None else lst.term.months,
            trigger_days=0 if lst.term is None else lst.term.days,
            ext_min=lst.extension_min_years, ext_max=lst.extension_max_years,
        ))
    list_idx = {x.id: i for i, x in enumerate(rb.lists)}
    triggers = [_trigger(t, list_idx) for t in rb.triggers]
    windows = [(w.id, idx[w.act], w.days, w.more_than, idx[w.emit]) for w in rb.windows]
    score = rb.score
    return Tables(
        act_ids=ids,
        points=np.array([a.points for a in rb.acts], np.int32),
        per_value=np.array([a.per_value for a in rb.acts], bool),
        cap=np.array([NO_CAP if a.drop_to_band is None else ceiling[a.drop_to_band]
                      for a in rb.acts], np.int32),
        cap_band=[a.drop_to_band for a in rb.acts],
        expire_months=expire_m, expire_days=expire_d, req_max=req_max, req_min=req_min,
        cooldown=cooldown, has_score=score is not None,
        initial=0 if score is None else score.initial,
        lo=None if score is None else score.min, hi=None if score is None else score.max,
        clip_total=score is not None and score.clip == "total",
        band_labels=all_labels, band_asc=band_asc, n_score_bands=len(labels),
        bottom_open=bottom_open, lists=lists, triggers=triggers, windows=windows,
    )


def _ceilings(labels: list[str], mins: list[int | None]) -> dict[str, int]:
    """The ceiling of band i: one below the minimum of the band above it (none for the top)."""
    out: dict[str, int] = {}
    for i, lab in enumerate(labels):
        if i == 0:
            out[lab] = NO_CAP
            continue
        above = mins[i - 1]
        assert above is not None  # every band but the last has a min (checked by the schema)
        out[lab] = int(above) - 1
    return out


def _trigger(t: Trigger, list_idx: dict[str, int]) -> tuple[str, int, int, int]:
    """(id, sign, threshold, list index) of a trigger: sign +1 for score_at_least, -1 at_most."""
    if t.score_at_least is not None:
        return (t.id, 1, t.score_at_least, list_idx[t.enter_list])
    assert t.score_at_most is not None  # exactly one of the two is given (checked by the schema)
    return (t.id, -1, t.score_at_most, list_idx[t.enter_list])
