"""The journey model: dataclasses, loading with positions, canonical and comment-preserving saving.

Plain Python; never imports Textual.

The saving names (``save``, ``render``, ``dumps``, ``atomic_write``, ``Fingerprint``) are
imported on first use: model.save brings tomlkit, tomli-w, tempfile and hashlib, a fifth
of ``journeytui validate``'s start, and loading and validating never need them.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

from journeytui.model.load import JourneyLoadError, LoadResult, load_file, load_journey, load_text
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

if TYPE_CHECKING:
    from journeytui.model.save import Fingerprint, atomic_write, dumps, render, save

_SAVE_NAMES = ("Fingerprint", "atomic_write", "dumps", "render", "save")


def __getattr__(name: str) -> Any:
    if name in _SAVE_NAMES:
        importlib.import_module("journeytui.model.save")  # binds the saving names, through _Package
        return getattr(sys.modules[__name__], name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Package(ModuleType):
    """Keeps ``journeytui.model.save`` the function, as it was when this package imported it eagerly.

    Importing the submodule ``journeytui.model.save`` (from anywhere, at any time) makes Python
    set this package's attribute ``save`` to the submodule; bind the saving names instead.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "save" and isinstance(value, ModuleType):
            for each in _SAVE_NAMES:
                super().__setattr__(each, getattr(value, each))
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

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
