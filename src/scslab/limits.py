"""The size limits of a run, each declared once with its unit and the reason for its bound.

The scenario schema, the society's parameters, the CLI options and the resolve step all read
these objects, so a value one of them accepts is never refused by another.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """An inclusive integer range with its unit and why it ends where it does."""

    name: str
    unit: str
    lo: int
    hi: int
    why: str

    def problem(self, value: int) -> str | None:
        """Why ``value`` is out of range, or None when it is within."""
        if isinstance(value, bool) or not isinstance(value, int):
            return f"{self.name} must be a whole number of {self.unit}; got {str(value)[:40]!r}"
        if not self.lo <= value <= self.hi:
            unit = f" {self.unit}" if self.unit else ""
            return f"{self.name} must lie in {self.lo:,}..{self.hi:,}{unit}; got {value:,}"
        return None


PERSONS = Limit("persons", "persons", 1, 2_000_000_000,
                "a person's row is 31 bits in the conduct queue (conduct/_kernels.py); 2e9 also "
                "covers China's 1.4e9 with room")
DAYS = Limit("days", "days", 1, 32_766,
             "queued act days are kept relative to the start in 15 bits, and 32,767 means "
             "'no act before the horizon' (conduct/scheduler.py): about 89 years")
SEED = Limit("seed", "", 0, 2**63 - 1, "any non-negative 64-bit integer keys the random streams")
START_YEAR = Limit("start year", "", 1900, 2200,
                   "ages, resident ID numbers and GB/T 2260 division codes are meaningful in "
                   "this range; with DAYS it keeps every simulated date far below year 9999")
PARTITIONS = Limit("partitions", "partitions", 1, 4096,
                   "each partition holds at least one 4,096-person household block at the "
                   "largest society worth splitting; more partitions than that only add overhead")
CHECKPOINT_EVERY = Limit("checkpoint interval", "days", 0, DAYS.hi,
                         "0 writes no checkpoints; an interval of at least the run's days writes "
                         "none either, since none is written after the last day")
RATE = 10.0
"""Upper bound of any act rate [acts per subject per day]: a rate above 10 a day is a typo
(a yearly count written as a daily rate), and it keeps the conduct kernel's act buffer small."""
