"""Export formats: one module per format, found through one registry by name or extension.

Each format module defines a module-level ``EXPORTER = Exporter(...)`` whose ``write`` turns a
:class:`~lipsync.sheet.Sheet` into the file's bytes, and declares the ``--set`` settings it reads.
Adding a format means adding one module and its name to ``_MODULES``; nothing else changes.
Exporters report what they had to change through :func:`warn`; writing files is the job of
:mod:`lipsync.export`, the one export path.
"""

from __future__ import annotations

import contextvars
import importlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import FormatError, OptionError
from ..sheet import Sheet
from ._reading import ReadOptions

_LOGGER = logging.getLogger("lipsync")
_COLLECTED: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("lipsync_export_warnings",
                                                                              default=None)


def warn(message: str) -> None:
    """An exporter's warning: collected by :func:`collect_warnings` (the export path returns
    them as values), or logged on the ``lipsync`` logger when nothing collects."""
    collected = _COLLECTED.get()
    if collected is None:
        _LOGGER.warning(message)
    else:
        collected.append(message)


@contextmanager
def collect_warnings() -> Iterator[list[str]]:
    """Within the block, :func:`warn` appends to the list it yields instead of logging."""
    collected: list[str] = []
    token = _COLLECTED.set(collected)
    try:
        yield collected
    finally:
        _COLLECTED.reset(token)


@dataclass(frozen=True)
class Setting:
    """A ``--set KEY=VALUE`` a format reads: its name, what it does, and the values it takes
    (``choices``; empty for free text, or ``pattern`` described by ``accepts``)."""

    name: str
    description: str
    choices: tuple[str, ...] = ()
    default: str = ""
    accepts: str = ""
    check_value: Callable[[str], object] | None = field(default=None, compare=False, repr=False)

    def check(self, value: str, format_name: str) -> None:
        """OptionError when ``value`` is not one this setting takes."""
        wanted = value.strip().lower()
        if self.choices and wanted not in self.choices:
            raise OptionError(f"{format_name} setting {self.name}={value!r} is not one of: {', '.join(self.choices)}",
                              f"e.g. --set {self.name}={self.default if self.default in self.choices else self.choices[0]}")
        if self.check_value is not None and not self.check_value(value.strip()):
            raise OptionError(f"{format_name} setting {self.name}={value!r}: expected {self.accepts}",
                              f"e.g. --set {self.name}={self.default}")

    def describe(self) -> str:
        """One line for ``lipsync formats --settings``."""
        values = "|".join(self.choices) if self.choices else (self.accepts or "text")
        default = f", default {self.default}" if self.default else ""
        return f"{self.name}={values}: {self.description}{default}"


@dataclass(frozen=True)
class ExportOptions:
    """Options shared by the exporters.

    ``track``: the track to write for single-track formats (default: the first track).
    ``extra``: format-specific settings, as strings, e.g. ``{"names": "preston-blair"}``.
    """

    track: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def _file_suffix(name: str, extensions: tuple[str, ...], suffix: str | None) -> str:
    """How a file of a format ends when ``-o`` names only the stem: its own ending, else its
    first extension, else ``.NAME``."""
    return suffix or (extensions[0] if extensions else f".{name}")


@dataclass(frozen=True)
class Exporter:
    """A file format: its name, file extensions, what it is for, and its writer."""

    name: str
    extensions: tuple[str, ...]
    description: str
    importers: str
    write: Callable[[Sheet, ExportOptions], bytes]
    multi_track: bool = False
    suffix: str | None = None
    settings: tuple[Setting, ...] = ()
    read: Callable[[bytes, ReadOptions], Sheet] | None = None  # the reader beside the writer  # file name ending when writing several formats; default: extensions[0]

    @property
    def file_suffix(self) -> str:
        """How a file of this format ends when ``-o`` names only the stem."""
        return _file_suffix(self.name, self.extensions, self.suffix)


@dataclass(frozen=True)
class _Registered:
    """A format as the registry knows it before its module is imported: the module, and the
    name, extensions and own ending its ``EXPORTER`` declares (tests/test_exporters.py checks
    they agree), so that finding a format by name or file name imports its module only."""

    module: str
    name: str
    extensions: tuple[str, ...] = ()
    suffix: str | None = None

    def exporter(self) -> Exporter:
        """The format's exporter, its module imported."""
        return importlib.import_module(f"{__name__}.{self.module}").EXPORTER


# The modules in lipsync.exporters that define EXPORTER, in the order `lipsync formats` lists them.
_MODULES = (_Registered("sheet_json", "sheet", (".json",)), _Registered("rhubarb_tsv", "tsv", (".tsv",)),
            _Registered("rhubarb_json", "rhubarb-json", suffix=".rhubarb.json"),
            _Registered("rhubarb_xml", "xml", (".xml",)), _Registered("csv_table", "csv", (".csv",)),
            _Registered("xdts", "xdts", (".xdts",)), _Registered("moho_dat", "dat", (".dat",)),
            _Registered("toonz_dat", "toonz-dat", suffix=".toonz.dat"), _Registered("synfig_lst", "lst", (".lst",)),
            _Registered("papagayo_pgo", "pgo", (".pgo",)), _Registered("papagayo_pg2", "pg2", (".pg2",)),
            _Registered("toonz_tls", "tls", (".tls",)), _Registered("praat_textgrid", "textgrid", (".textgrid",)),
            _Registered("htk_lab", "lab", (".lab",)), _Registered("spine_json", "spine", suffix=".spine.json"),
            _Registered("after_effects", "aejsx", (".jsx",)), _Registered("harmony", "harmony", (".js",)),
            _Registered("otio_markers", "otio", (".otio",)), _Registered("edl", "edl", (".edl",)),
            _Registered("fcpxml", "fcp-xml", suffix=".fcp.xml"), _Registered("xsheet_pdf", "pdf", (".pdf",)),
            _Registered("xsheet_svg", "svg", (".svg",)))


def all_exporters() -> tuple[Exporter, ...]:
    """Every registered exporter, in listing order."""
    return tuple(registered.exporter() for registered in _MODULES)


def known_endings() -> set[str]:
    """Every file ending a format is written with: its extensions and its file suffix."""
    return {ending for registered in _MODULES
            for ending in (*registered.extensions, _file_suffix(registered.name, registered.extensions, registered.suffix))}


def exporter_named(name: str) -> Exporter:
    """The exporter called ``name`` or whose extension is ``name`` (``json`` is the sheet),
    case-insensitive; FormatError listing the known ones if none."""
    wanted = name.strip().lower()
    for registered in _MODULES:
        if registered.name == wanted:
            return registered.exporter()
    for registered in _MODULES:
        if f".{wanted.lstrip('.')}" in registered.extensions:
            return registered.exporter()
    known = ", ".join(registered.name for registered in _MODULES)
    raise FormatError(f"unknown format {name!r}", f"known formats: {known}")


def exporter_for_path(path: str | Path) -> Exporter:
    """The exporter whose extension matches ``path`` (``.json`` is the lossless sheet), a
    format's own two-part ending first (``take.toonz.dat`` is OpenToonz's, ``take.dat`` Moho's)."""
    named = [r for r in _MODULES if r.suffix and not r.extensions
             and Path(path).name.lower().endswith(r.suffix) and len(Path(path).name) > len(r.suffix)]
    if named:
        return max(named, key=lambda registered: len(registered.suffix or "")).exporter()
    suffix = Path(path).suffix.lower()
    for registered in _MODULES:
        if suffix in registered.extensions:
            return registered.exporter()
    known = ", ".join(sorted({ext for r in _MODULES for ext in r.extensions}))
    raise FormatError(f"cannot tell the format from the extension of {str(path)!r}",
                      f"pass -f FORMAT, or use one of: {known}")


def readable_formats() -> tuple[Exporter, ...]:
    """The formats with a reader, in listing order."""
    return tuple(exporter for exporter in all_exporters() if exporter.read is not None)


def _sniffed(path: Path, data: bytes) -> Exporter | None:
    """The format of a ``.json`` or ``.xml`` file from its content (several formats share them)."""
    named = [e for e in all_exporters() if e.suffix and path.name.lower().endswith(e.suffix)]
    if named:  # take.rhubarb.json, take.spine.json, take.fcp.xml
        return max(named, key=lambda exporter: len(exporter.suffix or ""))
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if path.suffix.lower() == ".json" or head.startswith(b"{"):
        if b'"mouthCues"' in data and b'"lipsync-sheet"' not in head:
            return exporter_named("rhubarb-json")
        if b'"lipsync-sheet"' in head:
            return exporter_named("sheet")
        if b'"voices"' in head and b'"phoneme_set"' in data:
            return exporter_named("pg2")
    return None


def read_sheet(path: str | Path, format: str | None = None, *, rate: object = None,
               shapes: object = None) -> Sheet:
    """A sheet read from any readable format (``lipsync formats`` marks them): sheet JSON, XDTS,
    TextGrid, Papagayo pgo/pg2, Moho .dat, Rhubarb TSV/JSON/XML, HTK/Julius .lab.

    ``format`` is a format name (default: from the extension, and for ``.json`` from the
    content); ``rate`` (a :class:`~lipsync.timing.FrameRate`) puts the times of formats that
    store no frame rate on frames (default 24); ``shapes`` (a
    :class:`~lipsync.sheet.ShapeSet`) names the mouths of formats that store drawing numbers or
    names (default: made from the names found). A malformed file raises FormatError naming the
    file, the line or field, and what was expected there.
    """
    from ..fileio import read_input

    data = read_input(path, "sheet", FormatError, hint="give a sheet in a format lipsync reads (lipsync formats)")
    return parse_sheet(data, path, format, rate=rate, shapes=shapes)


def parse_sheet(data: bytes, path: str | Path, format: str | None = None, *, rate: object = None,
                shapes: object = None) -> Sheet:
    """A sheet parsed from ``data``, the bytes of the file ``path`` already read, as
    :func:`read_sheet` parses it (``path`` names the file in errors and, with no ``format``,
    tells the format by its extension)."""
    file = Path(path)
    try:
        chosen = exporter_named(format) if format else (_sniffed(file, data) or exporter_for_path(file))
    except FormatError:
        if format:
            raise
        readable = ", ".join(f"{e.name} ({' '.join(e.extensions) or e.file_suffix})" for e in readable_formats())
        raise FormatError(f"cannot tell the format of the sheet {str(path)!r} from its name",
                          f"lipsync reads: {readable}; rename it, or give its format (--from FORMAT)") from None
    if chosen.read is None:
        readable = ", ".join(exporter.name for exporter in readable_formats())
        raise FormatError(f"lipsync cannot read the {chosen.name} format ({str(path)!r})",
                          f"formats it reads: {readable}")
    return chosen.read(data, ReadOptions(str(path), rate, shapes))  # type: ignore[arg-type]

