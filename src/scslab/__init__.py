"""scslab: a laboratory for social credit regimes on synthetic societies."""

from scslab._version import __version__

__all__ = ["__version__"]
