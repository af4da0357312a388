"""lipsync's own lossless sheet JSON (``.json``).

Read by lipsync itself (``lipsync export``, ``fit`` and ``evaluate``) and by scripts that want
every track, cue, dialogue line, word and phone of a sheet.
"""

from __future__ import annotations

from ..sheet import Sheet, sheet_from_json, sheet_to_dict
from . import ExportOptions, Exporter
from ._json import dumps
from ._reading import ReadOptions, text_of


def write(sheet: Sheet, options: ExportOptions) -> bytes:
    """The whole sheet (all tracks) as UTF-8 lipsync sheet JSON; ``options`` are not used.

    The text is :func:`lipsync.sheet.sheet_to_json`'s (one-space indent, UTF-8 text kept),
    written by the faster equivalent of ``json.dumps``.
    """
    return (dumps(sheet_to_dict(sheet), indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def read(data: bytes, options: ReadOptions) -> Sheet:
    """A sheet from its JSON (:func:`lipsync.sheet.sheet_from_json`); the errors name the file."""
    return sheet_from_json(text_of(data, options), options.path)


EXPORTER = Exporter(
    name="sheet",
    extensions=(".json",),
    description="lipsync's lossless sheet JSON: every track, cue, line, word and phone",
    importers="lipsync (export, fit, evaluate) and your own scripts",
    write=write,
    multi_track=True,
    read=read,
)
