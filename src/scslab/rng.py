"""One seed in, many independent named random streams out.

Every stochastic decision owns a stream named by a stable string (``"conduct.events"``).
A stream's state depends only on the run seed and its name, so adding a new stream, or
drawing more from one, never perturbs the draws of another (common random numbers).
"""

from __future__ import annotations

import zlib

import numpy as np


def stream_key(name: str) -> int:
    """Stable 32-bit key of a stream name (CRC-32 of its UTF-8 bytes)."""
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """Factory of named, independent ``numpy.random.Generator`` streams.

    Args:
        seed: the run seed, a non-negative integer.
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def get(self, name: str) -> np.random.Generator:
        """A fresh generator for ``name``: same seed and name, same draws."""
        if self.seed < 0:
            raise ValueError(f"The seed must be a non-negative integer. Got {self.seed!r}.")
        seq = np.random.SeedSequence(entropy=self.seed, spawn_key=(stream_key(name),))
        return np.random.Generator(np.random.PCG64(seq))
