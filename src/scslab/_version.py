"""Version of scslab."""

__version__ = "0.1.0"
