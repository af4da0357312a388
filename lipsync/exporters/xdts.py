"""exchange Digital Time Sheet (``.xdts``): the mouth tracks as CELL columns of numbered drawings
and the dialogue lines in the DIALOG field (formats.md section 1).

Read by CLIP STUDIO PAINT EX (File > Import > Timesheet information), Toei Animation Digital
Timesheet, OpenToonz (File > Load Scene), TVPaint (Timesheet > Import XDTS file), XDTS Viewer and
Praxinos Odyssey. The traps that make OpenToonz load a sheet wrong without a word are avoided: the
identifier is the first bytes (no BOM), the fieldId 0 header and field are always there, the
header names every track, every cell is a drawing number or a ``SYMBOL_*``, and each CELL track
ends with ``SYMBOL_NULL_CELL``.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import FormatError, OptionError
from ..sheet import Sheet, SheetLine, ShapeSet
from . import ExportOptions, Exporter, Setting, warn
from ._production import changes, frame_shapes, single_line

IDENTIFIER = "exchangeDigitalTimeSheet Save Data"
VERSION = 5  # Ver_2018_11_29 in OpenToonz and XDTS Viewer
CELL, DIALOG = 0, 3
NULL_CELL, HYPHEN = "SYMBOL_NULL_CELL", "SYMBOL_HYPHEN"
_HEADER_NUMBER = re.compile(r"^\d{1,4}$")


def drawing_numbers(preset: ShapeSet) -> dict[str, int]:
    """The XDTS drawing number of each preset shape.

    A shape whose ``drawing`` is not a positive number, or repeats an earlier shape's, gets the
    lowest unused number, in preset order, and a warning lists them:
    a cell that is not a number would load as an empty cell in OpenToonz.
    """
    numbers: dict[str, int] = {}
    invalid = []
    for shape in preset.shapes:
        if shape.drawing > 0 and shape.drawing not in numbers.values():
            numbers[shape.name] = shape.drawing
        else:
            invalid.append(shape)
    if invalid:
        free = (number for number in itertools.count(1) if number not in numbers.values())
        renumbered = []
        for shape in invalid:
            numbers[shape.name] = next(free)
            renumbered.append(f"{shape.name} ({shape.drawing} -> {numbers[shape.name]})")
        warn(f"preset {preset.name!r} has no valid, distinct drawing number for {', '.join(renumbered)}; "
             "XDTS cells use the new numbers: name the mouth drawings to match")
    return {shape.name: numbers[shape.name] for shape in preset.shapes}


def _header_value(options: ExportOptions, key: str) -> str:
    value = options.extra.get(key, "1").strip()
    if not _HEADER_NUMBER.match(value):
        raise OptionError(f"XDTS {key} must be 1 to 4 digits, got {value!r}", f"e.g. {key}=12")
    return value


class _Entry(str):
    """A frame entry ``{"frame": n, "data": [{"id": 0, "values": [...]}]}`` already written as
    the one line of JSON that ``json.dumps(entry, ensure_ascii=False)`` gives (a sheet has one
    per drawing change and per dialogue frame, so they are not built as dicts)."""


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode
_VALUES: dict[tuple[str, ...], str] = {}


def _entry(frame: int, *values: str) -> _Entry:
    text = _VALUES.get(values)
    if text is None:
        text = _ENCODE(list(values))
        if len(_VALUES) < 10_000:
            _VALUES[values] = text
    return _Entry(f'{{"frame": {int(frame)}, "data": [{{"id": 0, "values": {text}}}]}}')


def _dialogue_frames(sheet: Sheet, speaker: str, lines: Iterable[SheetLine]) -> list[_Entry]:
    """``[speaker, text]`` on each line's first frame, then a hyphen on each frame through its last."""
    entries: dict[int, _Entry] = {}
    for line in sorted(lines, key=lambda line: line.frame):
        if not 0 <= line.frame < sheet.duration_frames:
            continue
        entries[line.frame] = _entry(line.frame, speaker, single_line(line.text))
        for frame in range(line.frame + 1, min(line.frame + line.length, sheet.duration_frames)):
            entries.setdefault(frame, _entry(frame, HYPHEN))
    return [entries[frame] for frame in sorted(entries)]


def _layout(value: Any, indent: str = "") -> str:
    """JSON indented by object, with each frame entry on one line so that a sheet reads row by row."""
    inner = indent + "  "
    if isinstance(value, _Entry):
        return str(value)
    if isinstance(value, dict) and "frame" not in value:
        items = [f"{inner}{json.dumps(key)}: {_layout(item, inner)}" for key, item in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and value and all(isinstance(item, (dict, _Entry)) for item in value):
        return "[\n" + ",\n".join(inner + _layout(item, inner) for item in value) + "\n" + indent + "]"
    return json.dumps(value, ensure_ascii=False)


def write(sheet: Sheet, options: ExportOptions) -> bytes:
    """Every track of the sheet as XDTS version 5, UTF-8 without BOM.

    Track *n* is CELL track *n* (0 = bottom layer) named after the track, holding the preset's
    drawing numbers from frame 0, an entry only where the drawing changes, and a closing
    ``SYMBOL_NULL_CELL`` at ``duration``. When a track has dialogue lines, the DIALOG field gets
    track *n* (header ``S1``, ``S2``...) with ``[track name, text]`` on each line's first frame and
    ``SYMBOL_HYPHEN`` on its other frames. ``options.extra``: ``cut`` and ``scene`` (1-4 digits,
    default 1), ``name`` (default: the audio file's stem, else "sheet").
    """
    if sheet.duration_frames < 1:
        raise FormatError("XDTS needs a sheet of at least one frame", "analyze a longer voice track")
    if not sheet.tracks:
        raise FormatError("the sheet has no mouth track", "analyze a voice track first")
    header = {"cut": _header_value(options, "cut"), "scene": _header_value(options, "scene")}
    name = options.extra.get("name") or (Path(sheet.source.path).stem if sheet.source.path else "sheet")
    numbers = drawing_numbers(sheet.preset)

    cell_tracks = []
    for track_no, track in enumerate(sheet.tracks):
        frames = [_entry(frame, str(numbers[shape])) for frame, shape in changes(frame_shapes(sheet, track))]
        frames.append(_entry(sheet.duration_frames, NULL_CELL))
        cell_tracks.append({"trackNo": track_no, "frames": frames})
    names = [single_line(track.name) or f"MOUTH{number}" for number, track in enumerate(sheet.tracks, 1)]
    headers: list[dict[str, Any]] = [{"fieldId": CELL, "names": names}]
    fields: list[dict[str, Any]] = [{"fieldId": CELL, "tracks": cell_tracks}]

    dialogue_tracks = [
        {"trackNo": track_no, "frames": frames}
        for track_no, (track, speaker) in enumerate(zip(sheet.tracks, names))
        if (frames := _dialogue_frames(sheet, speaker, track.lines))
    ]
    if dialogue_tracks:
        headers.append({"fieldId": DIALOG, "names": [f"S{number}" for number in range(1, len(names) + 1)]})
        fields.append({"fieldId": DIALOG, "tracks": dialogue_tracks})

    document = {
        "version": VERSION,
        "header": header,
        "timeTables": [{
            "name": single_line(name) or "sheet",
            "duration": sheet.duration_frames,
            "timeTableHeaders": headers,
            "fields": fields,
        }],
    }
    return (IDENTIFIER + "\n" + _layout(document) + "\n").encode("utf-8")


EXPORTER = Exporter(
    name="xdts",
    extensions=(".xdts",),
    description="exchange Digital Time Sheet: numbered mouth drawings per track plus dialogue",
    importers="CLIP STUDIO PAINT EX, Toei Digital Timesheet, OpenToonz, TVPaint, XDTS Viewer",
    write=write,
    multi_track=True,
    settings=(Setting("cut", "the cut number in the header", default="1", accepts="1 to 4 digits",
                      check_value=_HEADER_NUMBER.match),
              Setting("scene", "the scene number in the header", default="1", accepts="1 to 4 digits",
                      check_value=_HEADER_NUMBER.match),
              Setting("name", "the sheet's name", default="the audio file's stem")),
)
