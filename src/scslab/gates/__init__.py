"""scslab.gates: services people and organisations seek, and where consequences land.

Every request passes the gates of every active regime and is allowed, denied or privileged;
shaming markers turn into exposures and costs; denials feed back into conduct. See
``docs/gates.md``.
"""

from scslab.gates.config import GatesConfig
from scslab.gates.services import ServiceTable, load_services
from scslab.gates.system import Gates, build_gates

__all__ = ["Gates", "GatesConfig", "ServiceTable", "build_gates", "load_services"]
