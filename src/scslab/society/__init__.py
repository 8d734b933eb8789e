"""scslab.society: synthetic persons and organisations (never real data).

Also their households, friendships and synthetic identity numbers.

``build_society(params, streams)`` returns a :class:`Society` whose per-person arrays are drawn on
first use from named streams; ``resident_ids`` / ``org_codes`` derive identity numbers on demand.
"""

from scslab.society.ids import org_code_chars, org_codes, resident_id_chars, resident_ids, subject_ids
from scslab.society.params import SocietyParams
from scslab.society.population import Society, build_society

__all__ = [
    "Society",
    "SocietyParams",
    "build_society",
    "org_code_chars",
    "org_codes",
    "resident_id_chars",
    "resident_ids",
    "subject_ids",
]
