"""Observation: each occurrence is recorded independently with its act's detection probability.

Every occurrence carries its *luck*, a uniform 32-bit word keyed by (subject, day, draw) where
conduct made it (:mod:`scslab.rng`); a source sees the occurrence when the luck, as a uniform,
falls below the act's detection probability. So the same act is seen or missed whatever else
happens that day, and in whatever order occurrences arrive.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from scslab.rng import u01


@njit(cache=True, nogil=True)
def _observe(subj, act, luck, detection, occurred, recorded):
    keep = np.empty(subj.shape[0], np.bool_)
    n = 0
    for i in range(subj.shape[0]):
        a = act[i]
        occurred[a] += 1
        hit = u01(luck[i]) < detection[a]
        keep[i] = hit
        if hit:
            recorded[a] += 1
            n += 1
    rs = np.empty(n, np.int64)
    ra = np.empty(n, np.int64)
    rl = np.empty(n, np.uint32)
    j = 0
    for i in range(subj.shape[0]):
        if keep[i]:
            rs[j] = subj[i]
            ra[j] = act[i]
            rl[j] = luck[i]
            j += 1
    return rs, ra, rl


class Detection:
    """A source that records each occurrence with a per-act probability.

    Args:
        detection: probability per act index, in [0, 1].
    """

    def __init__(self, detection: np.ndarray) -> None:
        self.detection = detection

    def observe(self, subj: np.ndarray, act: np.ndarray, luck: np.ndarray,
                occurred: np.ndarray, recorded: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Records (subject, act, luck) of the occurrences, each seen by its ``luck`` (uint32).

        Adds counts per act to the two arrays.
        """
        return _observe(subj, act, luck, self.detection, occurred, recorded)
