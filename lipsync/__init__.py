"""lipsync: automated lip sync for animation.

Voice track (and script) -> phones -> mouth shapes -> frame-accurate timing sheets.

>>> import lipsync
>>> result = lipsync.analyze("line.wav", "line.txt", preset="anime-3", fps="23.976")  # doctest: +SKIP
>>> lipsync.export(result.sheet, "xdts,dat", "out/line").files  # doctest: +SKIP
(PosixPath('out/line.xdts'), PosixPath('out/line.dat'))

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
    "ExportResult": ("export", "ExportResult"),
}

__all__ = sorted([*_EXPORTS, "export", "export_bytes"])

# Imported here, not lazily: the submodule lipsync.export would otherwise shadow the function.
from .export import export  # noqa: E402, F401


def export_bytes(sheet: Any, format: str, track: str | None = None, **settings: str) -> bytes:
    """The bytes of ``sheet`` in one ``format`` (``tsv``, ``xdts``, ``dat``...; see ``lipsync
    formats``), for one ``track`` of a single-track format (default: the first); to write files,
    use :func:`export`."""
    from .export import render

    return render(sheet, format, None, track=track, settings=settings).outputs[0].data or b""


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module, attribute = _EXPORTS[name]
        return getattr(importlib.import_module(f".{module}", __name__), attribute)
    raise AttributeError(f"module 'lipsync' has no attribute {name!r}")
