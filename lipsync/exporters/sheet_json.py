"""lipsync's own lossless sheet JSON (``.json``).

Read by lipsync itself (``lipsync export``, ``fit`` and ``evaluate``) and by scripts that want
every track, cue, dialogue line, word and phone of a sheet.
"""

from __future__ import annotations

from ..sheet import Sheet, sheet_to_json
from . import ExportOptions, Exporter


def write(sheet: Sheet, options: ExportOptions) -> bytes:
    """The whole sheet (all tracks) as UTF-8 lipsync sheet JSON; ``options`` are not used."""
    return sheet_to_json(sheet).encode("utf-8")


EXPORTER = Exporter(
    name="sheet",
    extensions=(".json",),
    description="lipsync's lossless sheet JSON: every track, cue, line, word and phone",
    importers="lipsync (export, fit, evaluate) and your own scripts",
    write=write,
    multi_track=True,
)
