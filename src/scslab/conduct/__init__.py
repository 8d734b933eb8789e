"""scslab.conduct: behaviour models that turn people into acts, event-driven."""

from scslab.conduct.rates import RateTables, build_rate_tables, pressure_class
from scslab.conduct.scheduler import Scheduler

__all__ = ["RateTables", "Scheduler", "build_rate_tables", "pressure_class"]
