"""scslab.sources: observation turns acts into records.

The default source is one detection probability per act (:mod:`scslab.sources.detection`);
declared sources add coverage, schedules, false positives and delays (:mod:`scslab.sources.layer`).
"""

from scslab.sources.detection import Detection
from scslab.sources.layer import Arrivals, SourceLayer
from scslab.sources.plan import DEFAULT_SOURCE, SourcesPlan

__all__ = ["DEFAULT_SOURCE", "Arrivals", "Detection", "SourceLayer", "SourcesPlan"]
