"""The friendship graph as CSR arrays, built in time proportional to its edges."""

from __future__ import annotations

import numpy as np
from numba import njit

from scslab.rng import Keyed, philox, u01


@njit(cache=True)
def symmetric_csr(n: int, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric CSR from an undirected edge list; drops self loops and duplicate edges."""
    deg = np.zeros(n + 1, np.int64)
    for k in range(src.shape[0]):
        if src[k] != dst[k]:
            deg[src[k] + 1] += 1
            deg[dst[k] + 1] += 1
    for i in range(n):
        deg[i + 1] += deg[i]
    nbr = np.empty(deg[n], np.int32)
    fill = deg[:n].copy()
    for k in range(src.shape[0]):
        a, b = src[k], dst[k]
        if a != b:
            nbr[fill[a]] = b
            fill[a] += 1
            nbr[fill[b]] = a
            fill[b] += 1
    # Sort each (short) row and drop repeats; rows are compacted in place.
    indptr = np.zeros(n + 1, np.int64)
    w = 0
    for i in range(n):
        row = np.sort(nbr[deg[i]:deg[i + 1]])
        last = -1
        for v in row:
            if v != last:
                nbr[w] = v
                w += 1
                last = v
        indptr[i + 1] = w
    return indptr, nbr[:w].copy()


@njit(cache=True)
def _edges(m: int, n: int, k0: int, k1: int, sid: int) -> tuple[np.ndarray, np.ndarray]:
    """Ends of edges 0..m-1, each keyed by its index: two words of Philox(k)."""
    src = np.empty(m, np.int64)
    dst = np.empty(m, np.int64)
    for k in range(m):
        x0, x1, _, _ = philox(k, 0, 0, sid, k0, k1)
        src[k] = min(n - 1, int(u01(x0) * n))
        dst[k] = min(n - 1, int(u01(x1) * n))
    return src, dst


def friendship_graph(n: int, mean_degree: float, stream: Keyed) -> tuple[np.ndarray, np.ndarray]:
    """Random friendships (Erdos-Renyi-like): about ``mean_degree`` friends each.

    Family ties are the households (``Society.household_start``), not part of this graph.
    Returns CSR arrays (indptr int64, indices int32), symmetric, without self loops or repeats.
    """
    m = round(n * mean_degree / 2)
    src, dst = _edges(m, n, stream.k0, stream.k1, stream.sid)
    return symmetric_csr(n, src, dst)
