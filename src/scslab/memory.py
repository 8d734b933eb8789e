"""How much memory a run needs [bytes], estimated before it starts.

A run too big for the machine is refused with the figure instead of being killed (or swapping)
an hour in.

The figures are peak resident memory of ``scslab run SCENARIO --persons N --out DIR`` (the
scenario's default days, output written), measured on Linux x86-64 with Python 3.11:

==================== =========== =========== ==================
scenario              10^5        10^6        per person
==================== =========== =========== ==================
rongcheng (1 regime)  307 MiB     499 MiB     218 bytes
court-and-rongcheng   274 MiB     614 MiB     387 bytes
==================== =========== =========== ==================

So about 50 bytes per person for the society and conduct plus 170 per person per regime
(scores, lists, the subjects table), on top of ~300 MiB of interpreter, numba and Arrow.
The ledger is streamed to disk and the per-day tables are small, so days barely count.
"""

from __future__ import annotations

import os

from scslab.errors import InputError

BASE_BYTES = 300 * 2**20
PER_PERSON_BYTES = 50
PER_PERSON_REGIME_BYTES = 170
#: Safety factor on the per-person figures: other scenarios (gates, more acts) need more.
MARGIN = 1.5


def run_bytes(persons: int, regimes: int) -> int:
    """Estimated peak memory of a run of ``persons`` persons under ``regimes`` regimes [bytes]."""
    per_person = PER_PERSON_BYTES + PER_PERSON_REGIME_BYTES * max(regimes, 1)
    return int(BASE_BYTES + MARGIN * per_person * persons)


def available_bytes() -> int | None:
    """Memory available to a new run [bytes]; None if unknown.

    ``MemAvailable`` on Linux (capped by a container's cgroup limit, which MemAvailable does not
    see), else physical memory.
    """
    have = _meminfo_available()
    if have is None:
        try:
            have = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            return None
    limit = _cgroup_room()
    return have if limit is None else min(have, limit)


def _meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _cgroup_room() -> int | None:
    """Limit minus usage of this process's memory cgroup (v2, else v1); None if unlimited."""
    for limit_file, usage_file in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                                   ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                                    "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            with open(limit_file, encoding="ascii") as f:
                text = f.read().strip()
            with open(usage_file, encoding="ascii") as f:
                used = int(f.read().strip())
        except (OSError, ValueError):
            continue
        if text == "max" or int(text) >= 2**62:  # v1 writes "unlimited" as a huge number
            return None
        return max(int(text) - used, 0)
    return None


def check_memory(persons: int, regimes: int, option: str = "--persons") -> None:
    """Raise :class:`InputError` if a run of ``persons`` persons would not fit in memory.

    ``option`` says where the number came from (an option, or a scenario key).
    """
    need = run_bytes(persons, regimes)
    have = available_bytes()
    if have is not None and need > have:
        where = f"option {option}" if option.startswith("--") else option
        raise InputError(f"{where}: {persons:,} persons need about {_gib(need)} of memory "
                         f"and {_gib(have)} is available; use fewer persons")


def _gib(n: int) -> str:
    return f"{n / 2**30:,.1f} GiB"
