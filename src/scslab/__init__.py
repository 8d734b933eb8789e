"""scslab: a laboratory for social credit regimes on synthetic societies."""

__version__ = "0.1.0"
