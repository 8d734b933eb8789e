"""scslab.society: synthetic persons and organisations (never real data), their households,
friendships and synthetic identity numbers."""

from scslab.society.ids import org_codes, resident_ids
from scslab.society.params import SocietyParams
from scslab.society.population import Society, build_society

__all__ = ["Society", "SocietyParams", "build_society", "org_codes", "resident_ids"]
