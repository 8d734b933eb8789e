"""Randomness keyed by who draws it, never by the order of drawing.

Every draw is a pure function of (run seed, stream, subject, day, draw index): the
counter-based generator Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as
1, 2, 3", SC 2011, https://doi.org/10.1145/2063384.2063405) maps the 128-bit counter
``(subject, day, j, stream)`` under the 64-bit key ``seed`` to four 32-bit words. So:

- results never depend on how subjects are grouped, ordered or split into partitions and
  workers: a subject's draws are the same whoever draws them, and in whatever order;
- two runs that share a seed give each subject the same luck until their paths diverge
  (agent-level common random numbers);
- adding a stream, or drawing more from one, never perturbs another.

A stream is named by a stable string (``"conduct.acts"``); its 32-bit id is the CRC-32 of
the name. :class:`Keyed` carries (seed, stream) into the compiled kernels, which call
:func:`philox` themselves, so no draw array is materialised.
"""

from __future__ import annotations

import math
import zlib

import numpy as np
from numba import njit

_M0 = np.uint64(0xD2511F53)  # Philox4x32 multipliers and Weyl key increments (Salmon et al. 2011)
_M1 = np.uint64(0xCD9E8D57)
_W0 = np.uint64(0x9E3779B9)
_W1 = np.uint64(0xBB67AE85)
_LO = np.uint64(0xFFFFFFFF)
_TWO32 = 4294967296.0


def stream_key(name: str) -> int:
    """Stable 32-bit id of a stream name (CRC-32 of its UTF-8 bytes)."""
    return zlib.crc32(name.encode("utf-8"))


@njit(cache=True, nogil=True, inline="always")
def philox(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 of the counter (c0..c3) under the key (k0, k1); all words uint64 < 2^32."""
    c0, c1, c2, c3 = np.uint64(c0), np.uint64(c1), np.uint64(c2), np.uint64(c3)
    k0, k1 = np.uint64(k0), np.uint64(k1)
    for r in range(10):
        if r:
            k0 = (k0 + _W0) & _LO
            k1 = (k1 + _W1) & _LO
        p0 = _M0 * c0
        p1 = _M1 * c2
        c0, c1, c2, c3 = ((p1 >> np.uint64(32)) ^ c1 ^ k0, p1 & _LO,
                          (p0 >> np.uint64(32)) ^ c3 ^ k1, p0 & _LO)
    return c0, c1, c2, c3


@njit(cache=True, nogil=True, inline="always")
def u01(x):
    """A 32-bit word as a uniform in the open interval (0, 1), float64."""
    return (np.float64(x) + 0.5) / _TWO32


@njit(cache=True, nogil=True)
def uniform(k0, k1, sid, c0, c1, c2):
    """One uniform in (0, 1) for counter (c0, c1, c2) of stream ``sid``."""
    x0, _, _, _ = philox(c0, c1, c2, sid, k0, k1)
    return u01(x0)


@njit(cache=True, nogil=True)
def normal(k0, k1, sid, c0, c1, c2):
    """One standard normal (Box-Muller on two words) for counter (c0, c1, c2)."""
    x0, x1, _, _ = philox(c0, c1, c2, sid, k0, k1)
    return math.sqrt(-2.0 * math.log(u01(x0))) * math.cos(2.0 * math.pi * u01(x1))


@njit(cache=True, nogil=True)
def poisson(lam, k0, k1, sid, c0, c1):
    """One Poisson(lam) count for counter (c0, c1); it uses draw indices c2 = 0, 1, ...

    Inversion below lam = 10; above, Hoermann's transformed rejection PTRS ("The transformed
    rejection method for generating Poisson random variables", 1993,
    https://doi.org/10.1016/0167-6687(93)90997-4), the method numpy uses too.
    """
    if lam <= 0.0:
        return 0
    if lam < 10.0:
        j = 0
        k = 0
        prod = uniform(k0, k1, sid, c0, c1, j)
        lim = math.exp(-lam)
        while prod > lim:
            k += 1
            j += 1
            prod *= uniform(k0, k1, sid, c0, c1, j)
        return k
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2)
    j = 0
    while True:
        x0, x1, _, _ = philox(c0, c1, j, sid, k0, k1)
        j += 1
        u = u01(x0) - 0.5
        v = u01(x1)
        us = 0.5 - abs(u)
        k = math.floor((2 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return int(k)
        if k < 0 or (us < 0.013 and v > us):
            continue
        if (math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b)
                <= -lam + k * loglam - math.lgamma(k + 1)):
            return int(k)


@njit(cache=True, nogil=True)
def _uniforms(k0, k1, sid, c0, c1, c2, out):
    for i in range(c0.shape[0]):
        out[i] = uniform(k0, k1, sid, c0[i], c1, c2)
    return out


@njit(cache=True, nogil=True)
def _words(k0, k1, sid, c0, c1, c2, out):
    for i in range(c0.shape[0]):
        x0, _, _, _ = philox(c0[i], c1, c2, sid, k0, k1)
        out[i] = x0
    return out


@njit(cache=True, nogil=True)
def _normals(k0, k1, sid, c0, c1, c2, out):
    for i in range(c0.shape[0]):
        out[i] = normal(k0, k1, sid, c0[i], c1, c2)
    return out


class Keyed:
    """One named stream of one run: the key (seed) and stream id the kernels need.

    Args:
        seed: the run seed, 0 <= seed < 2^64.
        name: the stream's stable name.
    """

    def __init__(self, seed: int, name: str) -> None:
        self.seed, self.name = seed, name
        self.k0 = seed & 0xFFFFFFFF
        self.k1 = (seed >> 32) & 0xFFFFFFFF
        self.sid = stream_key(name)

    def uniform(self, ids: np.ndarray, c1: int = 0, c2: int = 0) -> np.ndarray:
        """One uniform in (0, 1) per id (float64), keyed (id, c1, c2)."""
        ids = np.asarray(ids, np.int64)
        return _uniforms(self.k0, self.k1, self.sid, ids, c1, c2, np.empty(len(ids)))

    def words(self, ids: np.ndarray, c1: int = 0, c2: int = 0) -> np.ndarray:
        """One uniform 32-bit word per id (uint32), keyed (id, c1, c2)."""
        ids = np.asarray(ids, np.int64)
        return _words(self.k0, self.k1, self.sid, ids, c1, c2, np.empty(len(ids), np.uint32))

    def normal(self, ids: np.ndarray, c1: int = 0, c2: int = 0) -> np.ndarray:
        """One standard normal per id (float64), keyed (id, c1, c2)."""
        ids = np.asarray(ids, np.int64)
        return _normals(self.k0, self.k1, self.sid, ids, c1, c2, np.empty(len(ids)))

    def exponential(self, ids: np.ndarray, c1: int = 0, c2: int = 0) -> np.ndarray:
        """One Exp(1) per id (float64), keyed (id, c1, c2)."""
        return -np.log(self.uniform(ids, c1, c2))

    def poisson(self, lam: float, c0: int, c1: int = 0) -> int:
        """One Poisson(lam) count keyed (c0, c1)."""
        return int(poisson(float(lam), self.k0, self.k1, self.sid, c0, c1))


class Streams:
    """The run's named streams, all keyed.

    There is no sequential generator: every draw belongs to a subject, a block of subjects,
    or a day.

    Args:
        seed: the run seed, a non-negative integer.
    """

    def __init__(self, seed: int) -> None:
        if seed < 0:
            raise ValueError(f"The seed must be a non-negative integer. Got {seed!r}.")
        self.seed = seed

    def keyed(self, name: str) -> Keyed:
        """The keyed stream ``name``."""
        return Keyed(self.seed, name)
