"""Observation: each occurrence is recorded independently with its act's detection probability."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _observe(subj, act, detection, u, occurred, recorded):
    keep = np.empty(subj.shape[0], np.bool_)
    n = 0
    for i in range(subj.shape[0]):
        a = act[i]
        occurred[a] += 1
        hit = u[i] < detection[a]
        keep[i] = hit
        if hit:
            recorded[a] += 1
            n += 1
    rs = np.empty(n, np.int64)
    ra = np.empty(n, np.int64)
    j = 0
    for i in range(subj.shape[0]):
        if keep[i]:
            rs[j] = subj[i]
            ra[j] = act[i]
            j += 1
    return rs, ra


class Detection:
    """A source that records each occurrence with a per-act probability.

    Args:
        detection: probability per act index, in [0, 1].
        rng: the source's own stream.
    """

    def __init__(self, detection: np.ndarray, rng: np.random.Generator) -> None:
        self.detection = detection
        self.rng = rng

    def observe(self, subj: np.ndarray, act: np.ndarray, occurred: np.ndarray,
                recorded: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Records (subject, act) of the occurrences; adds counts per act to the two arrays."""
        return _observe(subj, act, self.detection, self.rng.random(len(subj), dtype=np.float32), occurred,
                        recorded)
