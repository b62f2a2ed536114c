"""The journey model: dataclasses, loading with positions, canonical and comment-preserving saving.

Plain Python; never imports Textual.
"""

from journeytui.model.load import JourneyLoadError, LoadResult, load_file, load_journey, load_text
from journeytui.model.save import Fingerprint, atomic_write, dumps, render, save
from journeytui.model.types import (
    Channel,
    Dmu,
    Duration,
    Expectation,
    Gate,
    Journey,
    JourneyMeta,
    Persona,
    Population,
    Schedule,
    Scoring,
    Stage,
    Stall,
    Touchpoint,
    Transition,
)

__all__ = [
    "Channel",
    "Dmu",
    "Duration",
    "Expectation",
    "Fingerprint",
    "Gate",
    "Journey",
    "JourneyLoadError",
    "JourneyMeta",
    "LoadResult",
    "Persona",
    "Population",
    "Schedule",
    "Scoring",
    "Stage",
    "Stall",
    "Touchpoint",
    "Transition",
    "atomic_write",
    "dumps",
    "load_file",
    "load_journey",
    "load_text",
    "render",
    "save",
]
