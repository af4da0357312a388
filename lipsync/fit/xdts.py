"""Reading XDTS timesheets (CLIP STUDIO PAINT, Toei Digital Timesheet, OpenToonz, TVPaint) the way
OpenToonz imports them (formats.md section 1.4), to get the picture's mouth timing.

- Only ``timeTables[0]`` is read, with the last CELL (fieldId 0) field and header.
- A cell that is a number, or a number with a letter suffix (``12a``), is that drawing; a
  ``SYMBOL_HYPHEN``, ``SYMBOL_TICK_1`` or ``SYMBOL_TICK_2`` holds the previous cell; anything else
  (``SYMBOL_NULL_CELL`` included) is an empty cell: no drawing shown.
- Frames are sorted; gaps hold the previous cell; a negative frame sets the initial cell; a
  track that does not end in ``SYMBOL_NULL_CELL`` holds its last cell to ``duration``.
- DIALOG (fieldId 3) lines become the sheet's dialogue lines: ``[speaker, text]`` on the first
  frame, then ``SYMBOL_HYPHEN`` through the last frame.

XDTS carries no frame rate; the caller gives one (24 unless told otherwise). A ``frameRate``
key, which some CLIP STUDIO PAINT files are said to carry, is used when present.

Drawing numbers become openness through a preset's ``drawing`` numbers: with ``anime-3``,
1 = closed (トジ口), 2 = half (中口), 3 = open (アキ口).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import FormatError, LipsyncError
from ..fileio import parse_json, read_input
from ..sheet import MAX_DRAWING, MAX_FRAMES, MAX_TEXT, MAX_TRACKS, ShapeSet, SheetLine
from ..timing import FrameRate
from .timeline import HIDDEN, MouthTimeline

IDENTIFIER = b"exchangeDigitalTimeSheet Save Data"
CELL, DIALOG = 0, 3
_HOLD = {"SYMBOL_HYPHEN", "SYMBOL_TICK_1", "SYMBOL_TICK_2"}
_DRAWING = re.compile(r"^\s*(\d+)[A-Za-z]?\s*$")
_MOUTH_NAME = re.compile(r"mouth|lip|kuchi|口|くち|クチ|mund|bouche|boca|bocca", re.IGNORECASE)
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


def _fail(path: str, problem: str) -> FormatError:
    return FormatError(f"{path}: {problem}", _HINT)


def _whole(value: object, path: str, field: str, low: int, high: int) -> int:
    """A whole number field (an integer, an integral float or digits) within ``low..high``."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value.strip()) <= 12:
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(path, f"{field}: expected a whole number, got {str(value)[:40]!r}")
    if not low <= value <= high:
        raise _fail(path, f"{field}: {value} is outside {low}..{high}")
    return value


def _cell_drawing(value: str, path: str) -> int | None:
    """The drawing a CELL value shows: a number, None to hold the previous cell, -1 empty."""
    if value in _HOLD:
        return None
    match = _DRAWING.match(value)
    if not match:
        return HIDDEN
    return _whole(match.group(1), path, "a CELL value", 0, MAX_DRAWING)


def _entries(track: dict, path: str) -> list[tuple[int, list[str]]]:
    entries = []
    frames = track.get("frames") or ()
    if not isinstance(frames, list):
        raise _fail(path, "a track's frames are not a list")
    for frame in frames:
        try:
            number = _whole(frame.get("frame", 0), path, "frame", -MAX_FRAMES, MAX_FRAMES)
            values = [str(v)[:MAX_TEXT] for v in (frame.get("data") or [{}])[0].get("values") or ()]
        except (AttributeError, TypeError, ValueError, IndexError, KeyError):
            raise _fail(path, "a frame entry is malformed") from None
        if values:
            entries.append((number, values))
    entries.sort(key=lambda entry: entry[0])
    return entries


def _track_number(track: object, path: str) -> int:
    if not isinstance(track, dict):
        raise _fail(path, "a track is not an object")
    return _whole(track.get("trackNo", 0), path, "trackNo", 0, MAX_TRACKS)


def _cell_track(track: dict, names: list[str], duration: int, path: str) -> XdtsTrack:
    number = _track_number(track, path)
    name = names[number].strip() if 0 <= number < len(names) else f"track {number}"
    drawings = np.full(duration, HIDDEN, dtype=np.int32)
    current = HIDDEN
    position = 0
    entries = _entries(track, path)
    for frame, values in entries:
        drawing = _cell_drawing(values[0], path)
        frame = max(frame, 0)
        if frame > position:
            drawings[position:min(frame, duration)] = current
            position = min(frame, duration)
        if drawing is not None:
            current = drawing
    if position < duration:
        drawings[position:] = current
    return XdtsTrack(name or f"track {number}", number, drawings)


def _dialogue(track: dict, names: list[str], duration: int, path: str) -> list[XdtsLine]:
    number = _track_number(track, path)
    lines: list[XdtsLine] = []
    start = speaker = text = None
    last = -1

    def close() -> None:
        if start is not None:
            lines.append(XdtsLine(number, speaker or "", SheetLine(start, max(1, last + 1 - start), text or "")))

    for frame, values in _entries(track, path):
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
    """Parse XDTS bytes (OpenToonz's import logic); raises FormatError for a file it rejects."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # OpenToonz rejects a BOM; we read past it
    if not data.startswith(IDENTIFIER):
        raise _fail(path, "not an XDTS file (it must start with 'exchangeDigitalTimeSheet Save Data')")
    try:
        text = data[len(IDENTIFIER):].decode("utf-8")
    except UnicodeDecodeError as error:
        raise _fail(path, f"not UTF-8 text (byte {error.start + len(IDENTIFIER)})") from None
    document = parse_json(text, path, FormatError, _HINT)
    tables = document.get("timeTables") if isinstance(document, dict) else None
    if not isinstance(tables, list) or not tables:
        raise _fail(path, "the XDTS file has no timeTables list")
    table = tables[0]
    if not isinstance(table, dict):
        raise _fail(path, "the XDTS time table is malformed")
    duration = _whole(table.get("duration") or 0, path, "duration", 0, MAX_FRAMES)
    headers = table.get("timeTableHeaders") or []
    fields = table.get("fields") or []
    if not isinstance(headers, list) or not isinstance(fields, list):
        raise _fail(path, "the XDTS timeTableHeaders and fields must be lists")

    def last(items: list, field_id: int) -> dict | None:
        found = [item for item in items if isinstance(item, dict) and item.get("fieldId") == field_id]
        return found[-1] if found else None

    cell_header, cell_field = last(headers, CELL), last(fields, CELL)
    cell_names = _names(cell_header, path)
    tracks: tuple[XdtsTrack, ...] = ()
    if cell_field is not None and duration > 0:
        tracks = tuple(_cell_track(track, cell_names, duration, path) for track in _tracks(cell_field, path))
    dialog_header, dialog_field = last(headers, DIALOG), last(fields, DIALOG)
    dialog_names = _names(dialog_header, path)
    dialogue: list[XdtsLine] = []
    for track in _tracks(dialog_field, path):
        dialogue.extend(_dialogue(track, dialog_names, duration, path))
    rate = None
    raw_rate = document.get("frameRate", table.get("frameRate"))
    if raw_rate is not None:
        try:
            rate = FrameRate.parse(raw_rate)
        except LipsyncError:  # an unreadable optional key: ignore it, as other readers do
            rate = None
    return XdtsSheet(str(table.get("name") or Path(path).stem)[:MAX_TEXT], duration, tracks, tuple(dialogue), rate)


def _names(header: dict | None, path: str) -> list[str]:
    """The layer names of a time table header."""
    names = (header or {}).get("names") or []
    if not isinstance(names, list):
        raise _fail(path, "a header's names are not a list")
    return [str(name)[:MAX_TEXT] for name in names]


def _tracks(field: dict | None, path: str) -> list:
    """The tracks of a field, at most :data:`~lipsync.sheet.MAX_TRACKS`."""
    tracks = (field or {}).get("tracks") or []
    if not isinstance(tracks, list):
        raise _fail(path, "a field's tracks are not a list")
    if len(tracks) > MAX_TRACKS:
        raise _fail(path, f"{len(tracks)} tracks in a field, over the limit of {MAX_TRACKS}")
    return tracks


def read_xdts(path: str | Path) -> XdtsSheet:
    """Read an ``.xdts`` file; FormatError if it is missing or not XDTS."""
    data = read_input(path, "timesheet", FormatError, hint=_HINT)
    return parse_xdts(data, str(path))


def drawing_openness(shapes: ShapeSet) -> dict[int, int]:
    """Drawing number -> openness, from a preset's shapes (anime-3: 1 -> 0, 2 -> 1, 3 -> 2)."""
    table: dict[int, int] = {}
    for shape in shapes.shapes:
        table.setdefault(int(shape.drawing), int(shape.openness))
    return table


def is_mouth_name(name: str) -> bool:
    """Whether a layer name says it is a mouth (MOUTH, lip, 口, kuchi...)."""
    return bool(_MOUTH_NAME.search(name))


def xdts_timelines(sheet: XdtsSheet, shapes: ShapeSet, rate: FrameRate, track: str | None = None,
                   path: str = "XDTS") -> tuple[MouthTimeline, ...]:
    """The mouth tracks of an XDTS sheet as openness timelines.

    The mouth tracks are: the track named ``track`` if given; else the layers whose name says
    mouth (MOUTH, lip, 口, kuchi...); else every layer whose drawings are all drawings of the
    preset. Raises FormatError when there is none, or when a mouth track shows a drawing the
    preset does not define (its openness would be a guess).
    """
    if not sheet.tracks:
        raise FormatError(f"{path}: the XDTS sheet has no CELL track, so no mouth to compare",
                          "export the timesheet with its mouth layer")
    table = drawing_openness(shapes)
    known = ", ".join(f"{d}" for d in sorted(table))
    if track is not None:
        chosen = [t for t in sheet.tracks if t.name == track] or \
                 [t for t in sheet.tracks if t.name.casefold() == track.casefold()]
        if not chosen:
            names = ", ".join(t.name for t in sheet.tracks)
            raise FormatError(f"{path}: no layer named {track!r}", f"layers: {names}")
    else:
        chosen = [t for t in sheet.tracks if is_mouth_name(t.name)]
        if not chosen:
            chosen = [t for t in sheet.tracks
                      if np.any(t.drawings >= 0)
                      and set(np.unique(t.drawings[t.drawings >= 0]).tolist()) <= set(table)]
        if not chosen:
            names = ", ".join(t.name for t in sheet.tracks)
            raise FormatError(
                f"{path}: no mouth track: no layer is named like a mouth and none uses only the "
                f"drawings {known} of preset {shapes.name!r} (layers: {names})",
                "pass --track LAYER, or --preset with the mouth drawings' numbers")
    highest = max([*table, *(int(t.drawings.max(initial=0)) for t in chosen)])
    lookup = np.full(highest + 1, HIDDEN, dtype=np.int8)
    for drawing, level in table.items():
        lookup[drawing] = level
    timelines = []
    for item in chosen:
        drawings = item.drawings
        unknown = sorted(set(np.unique(drawings[(drawings >= 0)]).tolist()) - set(table))
        if unknown:
            raise FormatError(
                f"{path}: layer {item.name!r} shows drawing(s) {', '.join(map(str, unknown[:8]))} "
                f"that preset {shapes.name!r} does not define (its drawings: {known})",
                "pass --preset with a preset whose shapes have these drawing numbers")
        openness = np.where(drawings >= 0, lookup[np.clip(drawings, 0, None)], HIDDEN).astype(np.int8)
        timelines.append(MouthTimeline(item.name, rate, openness, _lines_for(sheet, item, len(chosen))))
    return tuple(timelines)


def _lines_for(sheet: XdtsSheet, track: XdtsTrack, mouths: int) -> tuple[SheetLine, ...]:
    """The dialogue lines of a mouth track: those whose speaker is the layer's name, else those
    on the DIALOG track of the same number (as lipsync writes them), else all when there is one
    mouth."""
    by_speaker = [d.line for d in sheet.dialogue if d.speaker.casefold() == track.name.casefold()]
    if by_speaker:
        return tuple(sorted(by_speaker, key=lambda line: line.frame))
    if mouths == 1:
        return tuple(sorted((d.line for d in sheet.dialogue), key=lambda line: line.frame))
    return tuple(sorted((d.line for d in sheet.dialogue if d.track == track.number), key=lambda line: line.frame))
