"""scslab.regime: rulebooks (declarative, cited TOML) and the engine that executes them."""

from scslab.regime.describe import describe_rulebook
from scslab.regime.engine import Engine
from scslab.regime.explain import CreditFile, explain
from scslab.regime.load import builtin_regimes, load_rulebook
from scslab.regime.replay import Records, ReplayResult, read_records, replay
from scslab.regime.schema import Rulebook

__all__ = [
    "CreditFile",
    "Engine",
    "Records",
    "ReplayResult",
    "Rulebook",
    "builtin_regimes",
    "describe_rulebook",
    "explain",
    "load_rulebook",
    "read_records",
    "replay",
]
