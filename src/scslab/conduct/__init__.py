"""Conduct: who acts when (event-driven), what they believe of their file, and how they answer."""

from scslab.conduct.rates import RateTables, build_rate_tables
from scslab.conduct.scheduler import Scheduler

__all__ = ["RateTables", "Scheduler", "build_rate_tables"]
