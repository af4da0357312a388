"""lipsync: automated lip sync for animation.

Voice track (and script) -> phones -> mouth shapes -> frame-accurate timing sheets.

>>> import lipsync
>>> result = lipsync.analyze("line.wav", "line.txt", preset="anime-3", fps="23.976")  # doctest: +SKIP
>>> lipsync.export(result.sheet, "xdts")  # doctest: +SKIP

Heavy modules load on first use, so importing lipsync is cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "analyze": ("pipeline", "analyze"),
    "Analysis": ("pipeline", "Analysis"),
    "load_audio": ("audio", "load_audio"),
    "read_script": ("dialogue", "read_script"),
    "recognize": ("recognize", "recognize"),
    "animate": ("animate", "animate"),
    "to_frames": ("frames", "to_frames"),
    "load_preset": ("presets", "load_preset"),
    "shipped_presets": ("presets", "shipped_presets"),
    "FrameRate": ("timing", "FrameRate"),
    "Sheet": ("sheet", "Sheet"),
    "Track": ("sheet", "Track"),
    "Cue": ("sheet", "Cue"),
    "Phone": ("sheet", "Phone"),
    "Shape": ("sheet", "Shape"),
    "sheet_from_json": ("sheet", "sheet_from_json"),
    "sheet_to_json": ("sheet", "sheet_to_json"),
    "LipsyncError": ("errors", "LipsyncError"),
}

__all__ = sorted([*_EXPORTS, "export"])


def export(sheet: Any, format: str, track: str | None = None, **settings: str) -> bytes:
    """The bytes of ``sheet`` in ``format`` (``tsv``, ``xdts``, ``dat``...; see ``lipsync formats``)."""
    from .exporters import ExportOptions, exporter_named

    return exporter_named(format).write(sheet, ExportOptions(track=track, extra=dict(settings)))


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module, attribute = _EXPORTS[name]
        return getattr(importlib.import_module(f".{module}", __name__), attribute)
    raise AttributeError(f"module 'lipsync' has no attribute {name!r}")
