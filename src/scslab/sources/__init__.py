"""scslab.sources: observation turns acts into records (detection probability per act)."""

from scslab.sources.detection import Detection

__all__ = ["Detection"]
