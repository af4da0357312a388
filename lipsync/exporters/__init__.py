"""Export formats: one module per format, found through one registry by name or extension.

Each format module defines a module-level ``EXPORTER = Exporter(...)`` whose ``write`` turns a
:class:`~lipsync.sheet.Sheet` into the file's bytes. Adding a format means adding one module and
its name to ``_MODULES``; nothing else changes.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import FormatError
from ..sheet import Sheet


@dataclass(frozen=True)
class ExportOptions:
    """Options shared by the exporters.

    ``track``: the track to write for single-track formats (default: the first track).
    ``extra``: format-specific settings, as strings, e.g. ``{"names": "preston-blair"}``.
    """

    track: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Exporter:
    """A file format: its name, file extensions, what it is for, and its writer."""

    name: str
    extensions: tuple[str, ...]
    description: str
    importers: str
    write: Callable[[Sheet, ExportOptions], bytes]
    multi_track: bool = False
    suffix: str | None = None  # file name ending when writing several formats; default: extensions[0]

    @property
    def file_suffix(self) -> str:
        """How a file of this format ends when ``-o`` names only the stem."""
        return self.suffix or (self.extensions[0] if self.extensions else f".{self.name}")


# Modules in lipsync.exporters that define EXPORTER, in the order `lipsync formats` lists them.
_MODULES = ("sheet_json", "rhubarb_tsv", "rhubarb_json", "rhubarb_xml", "csv_table", "xdts",
            "moho_dat", "synfig_lst", "papagayo_pgo", "papagayo_pg2", "toonz_tls",
            "praat_textgrid", "spine_json", "after_effects", "harmony",
            "otio_markers", "edl", "fcpxml", "xsheet_pdf", "xsheet_svg")


def all_exporters() -> tuple[Exporter, ...]:
    """Every registered exporter, in listing order."""
    return tuple(importlib.import_module(f"{__name__}.{module}").EXPORTER for module in _MODULES)


def exporter_named(name: str) -> Exporter:
    """The exporter called ``name`` or whose extension is ``name`` (``json`` is the sheet),
    case-insensitive; FormatError listing the known ones if none."""
    wanted = name.strip().lower()
    for exporter in all_exporters():
        if exporter.name == wanted:
            return exporter
    for exporter in all_exporters():
        if f".{wanted.lstrip('.')}" in exporter.extensions:
            return exporter
    known = ", ".join(e.name for e in all_exporters())
    raise FormatError(f"unknown format {name!r}", f"known formats: {known}")


def exporter_for_path(path: str | Path) -> Exporter:
    """The exporter whose extension matches ``path`` (``.json`` is the lossless sheet)."""
    suffix = Path(path).suffix.lower()
    for exporter in all_exporters():
        if suffix in exporter.extensions:
            return exporter
    known = ", ".join(sorted({ext for e in all_exporters() for ext in e.extensions}))
    raise FormatError(f"cannot tell the format from the extension of {str(path)!r}",
                      f"pass -f FORMAT, or use one of: {known}")
