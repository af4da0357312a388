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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FormatError, LipsyncError, OptionError
from ..fileio import parse_json, read_input
from ..sheet import MAX_DRAWING, MAX_FRAMES, MAX_TEXT, MAX_TRACKS, ShapeInfo, ShapeSet, Sheet, SheetLine, Track
from ..timing import FrameRate
from . import ExportOptions, Exporter, Setting, warn
from ._reading import ReadOptions, cues_from_changes
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
    if sheet.rate.nominal < 24:
        warn(f"xdts: XDTS stores no frame rate and is read at the scene's rate, usually 24 fps: this "
             f"{sheet.rate} fps sheet is timed right only in a scene set to {sheet.rate} fps (for a 24 fps "
             "scene on twos, analyze with --fps 24 --step 2)")
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



# ---------------------------------------------------------------------------------------------
# Reading, as OpenToonz imports (formats.md section 1.4):
# - only ``timeTables[0]`` is read, with the last CELL (fieldId 0) field and header;
# - a cell that is a number, or a number with a letter suffix (``12a``), is that drawing; a
#   ``SYMBOL_HYPHEN``, ``SYMBOL_TICK_1`` or ``SYMBOL_TICK_2`` holds the previous cell; anything
#   else (``SYMBOL_NULL_CELL`` included) is an empty cell: no drawing shown;
# - frames are sorted; gaps hold the previous cell; a negative frame sets the initial cell; a
#   track that does not end in ``SYMBOL_NULL_CELL`` holds its last cell to ``duration``;
# - DIALOG (fieldId 3) lines are ``[speaker, text]`` on the first frame, then ``SYMBOL_HYPHEN``.

EMPTY = -1  # an empty cell (the same value as lipsync.fit.timeline.HIDDEN)
_HOLD = {"SYMBOL_HYPHEN", "SYMBOL_TICK_1", "SYMBOL_TICK_2"}
_DRAWING = re.compile(r"^\s*(\d+)[A-Za-z]?\s*$")
_HINT = "pass an .xdts file exported by CLIP STUDIO PAINT, OpenToonz, TVPaint or lipsync"


@dataclass(frozen=True, eq=False)
class XdtsTrack:
    """A CELL track: its layer name, trackNo and the drawing number on each frame (-1 empty)."""

    name: str
    number: int
    drawings: np.ndarray


@dataclass(frozen=True)
class XdtsLine:
    """A DIALOG entry: the DIALOG track it is on, its speaker, and its frames and text."""

    track: int
    speaker: str
    line: SheetLine


@dataclass(frozen=True, eq=False)
class XdtsSheet:
    """The first time table of an XDTS file."""

    name: str
    duration: int
    tracks: tuple[XdtsTrack, ...]
    dialogue: tuple[XdtsLine, ...]
    frame_rate: FrameRate | None = None


_ENTRY = '{"frame": N, "data": [{"id": 0, "values": ["drawing number or symbol"]}]}'
_TRACK = '{"trackNo": N, "frames": [frame entries]}'


def _fail(path: str, problem: str, expected: str | None = None) -> FormatError:
    """The file's problem, with what was expected there as the hint when it is known."""
    return FormatError(f"{path}: {problem}", f"expected {expected}" if expected else _HINT)


def _whole(value: object, path: str, field: str, low: int, high: int) -> int:
    """A whole number field (an integer, an integral float or digits) within ``low..high``."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value.strip()) <= 12:
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(path, f"{field}: expected a whole number, got {str(value)[:40]!r}", f"a whole number from {low} to {high}")
    if not low <= value <= high:
        raise _fail(path, f"{field}: {value} is outside {low}..{high}", f"a whole number from {low} to {high}")
    return value


def _cell_drawing(value: str, path: str, where: str) -> int | None:
    """The drawing a CELL value shows: a number, None to hold the previous cell, -1 empty."""
    if value in _HOLD:
        return None
    match = _DRAWING.match(value)
    if not match:
        return EMPTY
    return _whole(match.group(1), path, f"{where}: a CELL value", 0, MAX_DRAWING)


def _entries(track: dict, path: str, where: str) -> list[tuple[int, list[str]]]:
    entries = []
    frames = track.get("frames")
    if frames is None:
        frames = []
    if not isinstance(frames, list):
        raise _fail(path, f"{where}.frames: a track's frames are not a list", f"a list of frame entries {_ENTRY}")
    for index, frame in enumerate(frames):
        at = f"{where}.frames[{index}]"
        try:
            number = _whole(frame.get("frame", 0), path, f"{at}.frame", -MAX_FRAMES, MAX_FRAMES)
            values = [str(v)[:MAX_TEXT] for v in (frame.get("data") or [{}])[0].get("values") or ()]
        except (AttributeError, TypeError, ValueError, IndexError, KeyError):
            raise _fail(path, f"{at}: a frame entry is malformed", _ENTRY) from None
        if values:
            entries.append((number, values))
    entries.sort(key=lambda entry: entry[0])
    return entries


def _track_number(track: object, path: str, where: str) -> int:
    if not isinstance(track, dict):
        raise _fail(path, f"{where}: a track is not an object", _TRACK)
    return _whole(track.get("trackNo", 0), path, f"{where}.trackNo", 0, MAX_TRACKS)


def _cell_track(track: dict, names: list[str], duration: int, path: str, where: str) -> XdtsTrack:
    number = _track_number(track, path, where)
    name = names[number].strip() if 0 <= number < len(names) else f"track {number}"
    drawings = np.full(duration, EMPTY, dtype=np.int32)
    current = EMPTY
    position = 0
    for frame, values in _entries(track, path, where):
        drawing = _cell_drawing(values[0], path, where)
        frame = max(frame, 0)
        if frame > position:
            drawings[position:min(frame, duration)] = current
            position = min(frame, duration)
        if drawing is not None:
            current = drawing
    if position < duration:
        drawings[position:] = current
    return XdtsTrack(name or f"track {number}", number, drawings)


def _dialogue(track: dict, names: list[str], duration: int, path: str, where: str) -> list[XdtsLine]:
    number = _track_number(track, path, where)
    lines: list[XdtsLine] = []
    start = speaker = text = None
    last = -1

    def close() -> None:
        if start is not None:
            lines.append(XdtsLine(number, speaker or "", SheetLine(start, max(1, last + 1 - start), text or "")))

    for frame, values in _entries(track, path, where):
        if values[0] == "SYMBOL_HYPHEN":
            if start is not None:
                last = frame
            continue
        close()
        if len(values) >= 2:
            speaker, text = values[0].strip(), values[1]
        else:
            speaker, text = (names[number].strip() if 0 <= number < len(names) else ""), values[0]
        start = last = frame
    close()
    return [line for line in lines if line.line.frame < duration]


def parse_xdts(data: bytes, path: str = "XDTS") -> XdtsSheet:
    """Parse XDTS bytes (OpenToonz's import logic); raises FormatError for a file it rejects,
    naming the field (``timeTables[0].fields[0].tracks[1].frames[3]``) and what was expected."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # OpenToonz rejects a BOM; we read past it
    if not data.startswith(IDENTIFIER.encode()):
        raise _fail(path, "not an XDTS file (it must start with 'exchangeDigitalTimeSheet Save Data')")
    try:
        text = data[len(IDENTIFIER.encode()):].decode("utf-8")
    except UnicodeDecodeError as error:
        raise _fail(path, f"not UTF-8 text (byte {error.start + len(IDENTIFIER)})") from None
    document = parse_json(text, path, FormatError, _HINT)
    tables = document.get("timeTables") if isinstance(document, dict) else None
    if not isinstance(tables, list) or not tables:
        raise _fail(path, "the XDTS file has no timeTables list", '"timeTables": [a time table]')
    table = tables[0]
    if not isinstance(table, dict):
        raise _fail(path, "timeTables[0]: the XDTS time table is malformed",
                    'an object with "name", "duration", "timeTableHeaders" and "fields"')
    duration = _whole(table.get("duration") or 0, path, "timeTables[0].duration", 0, MAX_FRAMES)
    headers = table.get("timeTableHeaders") or []
    fields = table.get("fields") or []
    if not isinstance(headers, list) or not isinstance(fields, list):
        raise _fail(path, "timeTables[0]: the XDTS timeTableHeaders and fields must be lists",
                    '"timeTableHeaders": [{"fieldId": 0, "names": [...]}], "fields": [{"fieldId": 0, "tracks": [...]}]')

    def last(items: list, field_id: int, key: str) -> tuple[str, dict | None]:
        found = [(f"timeTables[0].{key}[{index}]", item) for index, item in enumerate(items)
                 if isinstance(item, dict) and item.get("fieldId") == field_id]
        return found[-1] if found else (f"timeTables[0].{key}", None)

    cell_names = _names(*last(headers, CELL, "timeTableHeaders"), path)
    cell_at, cell_field = last(fields, CELL, "fields")
    tracks: tuple[XdtsTrack, ...] = ()
    if cell_field is not None and duration > 0:
        tracks = tuple(_cell_track(track, cell_names, duration, path, f"{cell_at}.tracks[{index}]")
                       for index, track in enumerate(_tracks(cell_at, cell_field, path)))
    dialog_names = _names(*last(headers, DIALOG, "timeTableHeaders"), path)
    dialog_at, dialog_field = last(fields, DIALOG, "fields")
    dialogue: list[XdtsLine] = []
    for index, track in enumerate(_tracks(dialog_at, dialog_field, path)):
        dialogue.extend(_dialogue(track, dialog_names, duration, path, f"{dialog_at}.tracks[{index}]"))
    rate = None
    raw_rate = document.get("frameRate", table.get("frameRate"))
    if raw_rate is not None:
        try:
            rate = FrameRate.parse(raw_rate)
        except LipsyncError:  # an unreadable optional key: ignore it, as other readers do
            rate = None
    return XdtsSheet(str(table.get("name") or Path(path).stem)[:MAX_TEXT], duration, tracks, tuple(dialogue), rate)


def _names(where: str, header: dict | None, path: str) -> list[str]:
    """The layer names of a time table header."""
    names = (header or {}).get("names") or []
    if not isinstance(names, list):
        raise _fail(path, f"{where}.names: a header's names are not a list", "a list of layer names")
    return [str(name)[:MAX_TEXT] for name in names]


def _tracks(where: str, field: dict | None, path: str) -> list:
    """The tracks of a field, at most :data:`~lipsync.sheet.MAX_TRACKS`."""
    tracks = (field or {}).get("tracks") or []
    if not isinstance(tracks, list):
        raise _fail(path, f"{where}.tracks: a field's tracks are not a list", f"a list of tracks {_TRACK}")
    if len(tracks) > MAX_TRACKS:
        raise _fail(path, f"{where}.tracks: {len(tracks)} tracks in a field, over the limit of {MAX_TRACKS}")
    return tracks


def read_xdts(path: str | Path) -> XdtsSheet:
    """Read an ``.xdts`` file; FormatError if it is missing or not XDTS."""
    data = read_input(path, "timesheet", FormatError, hint=_HINT)
    return parse_xdts(data, str(path))


def read(data: bytes, options: ReadOptions) -> Sheet:
    """A sheet from an XDTS file: a track per CELL track (drawing numbers named through
    ``options.shapes``, whose drawing numbers they are; an empty cell is its rest mouth), the
    DIALOG lines on the track of their speaker (else the first), at the file's ``frameRate`` or
    ``options.rate``."""
    parsed = parse_xdts(data, options.path)
    numbers = sorted({int(n) for track in parsed.tracks for n in np.unique(track.drawings) if n >= 0})
    if options.shapes is not None:
        by_number = {shape.drawing: shape.name for shape in options.shapes.shapes}
        unknown = [n for n in numbers if n not in by_number]
        if unknown:
            raise FormatError(f"{options.path}: drawings {', '.join(map(str, unknown))} are not drawings of the "
                              f"preset {options.shapes.name!r}",
                              f"its drawings: {', '.join(f'{s.drawing} {s.name}' for s in options.shapes.shapes)}; "
                              "choose the preset the sheet was drawn with (--preset)")
        shapes, rest = options.shapes, options.shapes.rest
    else:
        rest = "0"
        shapes = ShapeSet("xdts drawings", rest, (ShapeInfo(rest, 0, "empty cell", 0),)
                          + tuple(ShapeInfo(str(n), n, "", 1) for n in numbers))
        by_number = {n: str(n) for n in numbers}
    tracks = []
    for track in parsed.tracks:
        points = [(0, "")]
        for frame, drawing in enumerate(track.drawings.tolist()):
            name = by_number[drawing] if drawing >= 0 else rest
            if name != points[-1][1]:
                points.append((frame, name))
        lines = tuple(item.line for item in parsed.dialogue if item.speaker == track.name)
        tracks.append(Track(track.name, cues_from_changes(points[1:], parsed.duration), lines))
    named = {track.name for track in tracks}
    stray = tuple(item.line for item in parsed.dialogue if item.speaker not in named)
    if tracks and stray:
        tracks[0] = Track(tracks[0].name, tracks[0].cues, tuple(sorted(tracks[0].lines + stray, key=lambda l: l.frame)))
    return Sheet(parsed.frame_rate or options.frame_rate, parsed.duration, tuple(tracks), shapes)


EXPORTER = Exporter(
    name="xdts",
    extensions=(".xdts",),
    description="exchange Digital Time Sheet: numbered mouth drawings per track plus dialogue",
    importers="CLIP STUDIO PAINT EX, Toei Digital Timesheet, OpenToonz, TVPaint, XDTS Viewer",
    write=write,
    multi_track=True,
    read=read,
    settings=(Setting("cut", "the cut number in the header", default="1", accepts="1 to 4 digits",
                      check_value=_HEADER_NUMBER.match),
              Setting("scene", "the scene number in the header", default="1", accepts="1 to 4 digits",
                      check_value=_HEADER_NUMBER.match),
              Setting("name", "the sheet's name", default="the audio file's stem")),
)
