"""Rhubarb Lip Sync's JSON output (``metadata`` plus contiguous ``mouthCues``).

Read by the many game-engine, web and 3D-viewer lip-sync players written for Rhubarb's JSON.
It has no file extension of its own, since ``.json`` means lipsync's sheet: choose it with
``-f rhubarb-json``.
"""

from __future__ import annotations

import json

from ..sheet import Sheet
from . import ExportOptions, Exporter
from ._common import format_seconds, mouth_cues, seconds_field, sound_file, timed_sheet
from ._reading import ReadOptions, malformed, text_of


def _string(text: str) -> str:
    """``text`` as a JSON string literal (UTF-8, not \\u-escaped)."""
    return json.dumps(text, ensure_ascii=False)


def write(sheet: Sheet, options: ExportOptions) -> bytes:
    """One track (``options.track``, default the first) as Rhubarb JSON, laid out as Rhubarb does.

    Times are written as two-decimal numbers (``0.30``, never ``0.30000000000000004``);
    ``duration`` is the audio's length in seconds, as Rhubarb writes it (the sheet's length when
    the sheet does not know its audio).
    """
    track = sheet.track(options.track)
    cues = ",\n".join(
        f'    {{ "start": {cue.start}, "end": {cue.end}, "value": {_string(cue.shape)} }}'
        for cue in mouth_cues(sheet, track)
    )
    text = (
        "{\n"
        '  "metadata": {\n'
        f'    "soundFile": {_string(sound_file(sheet))},\n'
        f'    "duration": {format_seconds(sheet.source.duration or sheet.duration_seconds)}\n'
        "  },\n"
        '  "mouthCues": [\n'
        f"{cues}\n"
        "  ]\n"
        "}\n"
    )
    return text.encode("utf-8")


def read(data: bytes, options: ReadOptions) -> Sheet:
    """A one-track sheet from Rhubarb JSON (``mouthCues`` of ``start``, ``end``, ``value``)."""
    try:
        document = json.loads(text_of(data, options))
    except json.JSONDecodeError as error:
        raise malformed(options, f"line {error.lineno}", "invalid JSON", "Rhubarb Lip Sync JSON") from None
    cues = document.get("mouthCues") if isinstance(document, dict) else None
    if not isinstance(cues, list):
        raise malformed(options, "field 'mouthCues'", "missing", "a list of {start, end, value}")
    rows, end = [], 0.0
    for index, cue in enumerate(cues):
        where = f"mouthCues[{index}]"
        if not isinstance(cue, dict) or not isinstance(cue.get("value"), str):
            raise malformed(options, where, "not a mouth cue", '{"start": s, "end": s, "value": "A"}')
        rows.append((seconds_field(cue.get("start"), options, where + ".start"), cue["value"]))
        end = max(end, seconds_field(cue.get("end"), options, where + ".end"))
    metadata = document.get("metadata") if isinstance(document.get("metadata"), dict) else {}
    duration = metadata.get("duration")
    return timed_sheet(rows, end, options, sound=metadata.get("soundFile") or None,
                       duration=seconds_field(duration, options, "metadata.duration") if duration is not None else 0.0)


EXPORTER = Exporter(
    name="rhubarb-json",
    extensions=(),
    suffix=".rhubarb.json",
    description="Rhubarb Lip Sync JSON: metadata and mouthCues with start/end seconds",
    importers="game engines, web and 3D players that load Rhubarb Lip Sync JSON",
    write=write,
    read=read,
)
