"""The data model that flows between the stages, and the lossless sheet JSON.

Seconds-domain values (:class:`Phone`, :class:`Word`, :class:`Shape`) come out of recognition
and animation; frame-domain values (:class:`Cue`, :class:`SheetLine`) live on a :class:`Sheet`.
All are frozen dataclasses. :func:`sheet_to_dict` / :func:`sheet_from_dict` are lipsync's own
lossless JSON format, the input of ``lipsync export``, ``fit`` and ``evaluate``.
"""

from __future__ import annotations

import base64
import bisect
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import FormatError, OptionError
from .timing import FrameRate, parse_timecode

SHEET_FORMAT = "lipsync-sheet"
SHEET_VERSION = 1


@dataclass(frozen=True)
class Phone:
    """One phone: ``symbol`` in IPA from ``start`` to ``end`` seconds, in ``word`` of script ``line``."""

    start: float
    end: float
    symbol: str
    word: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Word:
    """One word from ``start`` to ``end`` seconds; ``line`` is its 0-based line in the script;
    ``confidence`` (0-1) how surely it was heard there (see :mod:`lipsync.recognize.confidence`)."""

    start: float
    end: float
    text: str
    line: int | None = None
    confidence: float | None = None


@dataclass(frozen=True)
class Shape:
    """A mouth shape ``name`` (from the preset) shown from ``start`` to ``end`` seconds."""

    start: float
    end: float
    name: str


@dataclass(frozen=True)
class Cue:
    """A mouth shape held for ``length`` frames from ``frame`` (0-based) on the sheet's rate;
    ``edited`` marks a cue a person changed (in ``lipsync review``), not the analysis."""

    frame: int
    length: int
    shape: str
    edited: bool = False

    @property
    def end(self) -> int:
        """The first frame after the cue."""
        return self.frame + self.length


@dataclass(frozen=True)
class SheetLine:
    """A line of dialogue shown on the sheet from ``frame`` for ``length`` frames."""

    frame: int
    length: int
    text: str


#: The states a script line ends in (:class:`ScriptLine`).
SCRIPT_LINE_STATES = ("aligned", "uncertain", "not found", "no words")


@dataclass(frozen=True)
class ScriptLine:
    """What became of one line of the script: ``status`` is ``aligned``, ``uncertain``, ``not
    found`` or ``no words`` (nothing to speak: a direction, music); ``confidence`` 0-1 (None when
    the line could not be placed at all); ``start``-``end`` the seconds it was aligned to or
    searched in (None when nothing was searched); ``missing`` its words that are not in the
    sheet with a time. ``index`` is the 0-based line (as in :attr:`Word.line`), ``number`` the
    line number in the script file."""

    index: int
    number: int
    text: str
    status: str
    confidence: float | None = None
    start: float | None = None
    end: float | None = None
    missing: tuple[str, ...] = ()
    track: str | None = None


@dataclass(frozen=True)
class ShapeInfo:
    """A mouth shape of a preset: its name, XDTS drawing number, display label and openness.

    ``openness`` is 0 for closed, 1 for half open, 2 for open (the anime three-mouth classes).
    """

    name: str
    drawing: int
    label: str = ""
    openness: int = 1


@dataclass(frozen=True)
class ShapeSet:
    """The shapes a sheet uses, as named by its preset, and which of them is the rest mouth."""

    name: str
    rest: str
    shapes: tuple[ShapeInfo, ...]

    def info(self, name: str) -> ShapeInfo:
        """The :class:`ShapeInfo` of shape ``name``."""
        for shape in self.shapes:
            if shape.name == name:
                return shape
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        """Shape names in preset order."""
        return tuple(shape.name for shape in self.shapes)


@dataclass(frozen=True)
class Track:
    """One character's mouth: contiguous cues over the sheet, their dialogue lines, and the
    words and phones they were animated from (seconds)."""

    name: str
    cues: tuple[Cue, ...]
    lines: tuple[SheetLine, ...] = ()
    words: tuple[Word, ...] = ()
    phones: tuple[Phone, ...] = ()

    def shape_at(self, frame: int) -> str | None:
        """The shape shown at ``frame``, or None outside the cues."""
        for cue in self.cues:
            if cue.frame <= frame < cue.end:
                return cue.shape
        return None


def phone_owners(words: Sequence[Word], phones: Sequence[Phone]) -> tuple[int | None, ...]:
    """The index in ``words`` of the word each of ``phones`` belongs to, or None.

    A phone of a word's text goes to the word of that text and line nearest its middle (the one
    it lies in, else the closest): a word's edges need not be its phones' (the aligner times words
    on 10 ms frames and the phones are moved onto the signal after it; a final stop is held into
    the pause after its word), so a first or last phone may reach past them. A phone of no word
    (recognized without a script) goes to the word its middle lies in.

    >>> words = [Word(0.0, 0.3, "at", 0), Word(0.3, 0.6, "it", 0)]
    >>> phone_owners(words, [Phone(0.0, 0.2, "æ", "at", 0), Phone(0.2, 0.3055, "t", "at", 0),
    ...                      Phone(0.3055, 0.45, "ɪ", "it", 0), Phone(0.45, 0.5, "t"), Phone(0.6, 0.7, "s")])
    (0, 0, 1, 1, None)
    """
    order = sorted(range(len(words)), key=lambda index: words[index].start)
    labelled: dict[tuple[str, int | None], list[int]] = {}
    for index in order:
        labelled.setdefault((words[index].text, words[index].line), []).append(index)
    owners: list[int | None] = []
    for phone in phones:
        middle = (phone.start + phone.end) / 2
        if phone.word is None:
            inside = _nearest(words, order, middle)
            owners.append(inside if inside is not None and _distance(words[inside], middle) == 0 else None)
        else:
            owners.append(_nearest(words, labelled.get((phone.word, phone.line), []), middle))
    return tuple(owners)


def _nearest(words: Sequence[Word], indexes: Sequence[int], time: float) -> int | None:
    """Of ``words`` numbered ``indexes`` (in time order, not overlapping), the one nearest ``time``."""
    position = bisect.bisect_right(indexes, time, key=lambda index: words[index].start)
    near = indexes[max(0, position - 1):position + 1]
    return min(near, key=lambda index: _distance(words[index], time), default=None)


def _distance(word: Word, time: float) -> float:
    """How far ``time`` lies outside ``word`` (0 inside it)."""
    return max(word.start - time, time - word.end, 0.0)


@dataclass(frozen=True)
class Source:
    """Where a sheet came from: the audio path, its duration and original format."""

    path: str | None = None
    duration: float = 0.0
    sample_rate: int | None = None
    channels: int | None = None


@dataclass(frozen=True)
class Sheet:
    """A mouth-shape timing sheet: tracks of frame cues at an exact frame rate."""

    rate: FrameRate
    duration_frames: int
    tracks: tuple[Track, ...]
    preset: ShapeSet
    source: Source = field(default_factory=Source)
    start_timecode: str | None = None
    #: The audio's peak level on each frame, one byte per frame (0-255, relative to the loudest
    #: frame), for the printable sheet's waveform; empty when the sheet was not analyzed from audio.
    peaks: bytes = b""
    script: tuple[ScriptLine, ...] = ()  # every script line's outcome, in script order

    def track(self, name: str | None = None) -> Track:
        """The track called ``name``, or the first track when ``name`` is None."""
        if name is None:
            if not self.tracks:
                raise FormatError("the sheet has no mouth track", "analyze a voice track first")
            return self.tracks[0]
        for track in self.tracks:
            if track.name == name:
                return track
        known = ", ".join(track.name for track in self.tracks) or "none"
        raise FormatError(f"no track named {name!r} in the sheet", f"tracks: {known}")

    @property
    def duration_seconds(self) -> float:
        """The sheet's length in seconds."""
        return self.rate.seconds_at(self.duration_frames)


def _seconds(value: float) -> float:
    """Times are stored to the microsecond so that JSON output is stable byte for byte."""
    return round(float(value), 6)


def _cue(cue: Cue) -> dict[str, Any]:
    """A cue's JSON; ``"edited": true`` only on edited cues, so analyzed sheets stay unchanged."""
    data: dict[str, Any] = {"frame": cue.frame, "length": cue.length, "shape": cue.shape}
    if cue.edited:
        data["edited"] = True
    return data


def sheet_to_dict(sheet: Sheet) -> dict[str, Any]:
    """The lossless JSON-ready form of a sheet (see the README for the layout)."""
    return {
        "format": SHEET_FORMAT,
        "version": SHEET_VERSION,
        "rate": str(sheet.rate),
        "fps": round(float(sheet.rate), 6),
        "duration_frames": sheet.duration_frames,
        "start_timecode": sheet.start_timecode,
        "source": {
            "path": sheet.source.path,
            "duration": _seconds(sheet.source.duration),
            "sample_rate": sheet.source.sample_rate,
            "channels": sheet.source.channels,
        },
        "preset": {
            "name": sheet.preset.name,
            "rest": sheet.preset.rest,
            "shapes": [
                {"name": s.name, "drawing": s.drawing, "label": s.label, "openness": s.openness}
                for s in sheet.preset.shapes
            ],
        },
        "tracks": [
            {
                "name": track.name,
                "cues": [_cue(c) for c in track.cues],
                "lines": [{"frame": l.frame, "length": l.length, "text": l.text} for l in track.lines],
                "words": [_word_to_dict(w) for w in track.words],
                "phones": [
                    {"start": _seconds(p.start), "end": _seconds(p.end), "symbol": p.symbol,
                     "word": p.word, "line": p.line}
                    for p in track.phones
                ],
            }
            for track in sheet.tracks
        ],
        **({"peaks": base64.b64encode(sheet.peaks).decode("ascii")} if sheet.peaks else {}),
        **({"script": [_script_line_to_dict(line) for line in sheet.script]} if sheet.script else {}),
    }


def _word_to_dict(word: Word) -> dict[str, Any]:
    data: dict[str, Any] = {"start": _seconds(word.start), "end": _seconds(word.end), "text": word.text,
                            "line": word.line}
    if word.confidence is not None:
        data["confidence"] = word.confidence
    return data


def _script_line_to_dict(line: ScriptLine) -> dict[str, Any]:
    return {"line": line.number, "index": line.index, "text": line.text, "track": line.track,
            "status": line.status, "confidence": line.confidence,
            "start": None if line.start is None else _seconds(line.start),
            "end": None if line.end is None else _seconds(line.end), "missing": list(line.missing)}


#: Declared limits of a sheet read from a file (a sheet written by lipsync is far inside them).
MAX_FRAMES = 10_000_000      # 115 hours at 24 fps, 23 hours at 120 fps
MAX_SECONDS = 400_000.0      # times of words and phones (111 hours)
MAX_TRACKS = 1000
MAX_ITEMS = 10_000_000       # cues, lines, words or phones in one track
MAX_TEXT = 100_000           # characters in one name, line of dialogue or word
MAX_DRAWING = 9999
_HINT = "pass a sheet written by 'lipsync analyze -f sheet'"


class _Reader:
    """Typed, bounded access to the fields of a sheet JSON document; errors name the field."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, field: str, problem: str) -> FormatError:
        return FormatError(f"{self.where}: {field}: {problem}", _HINT)

    def mapping(self, value: Any, field: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(field, f"expected an object, got {_kind(value)}")
        return value

    def required(self, mapping: Mapping[str, Any], key: str, parent: str = "") -> tuple[Any, str]:
        """``mapping[key]`` and its field name (``parent.key``), to pass on to a typed reader."""
        field = f"{parent}.{key}" if parent else key
        if key not in mapping:
            raise self.fail(field, "missing")
        return mapping[key], field

    def items(self, value: Any, field: str, most: int = MAX_ITEMS) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(field, f"expected a list, got {_kind(value)}")
        if len(value) > most:
            raise self.fail(field, f"{len(value)} entries, over the limit of {most}")
        return value

    def entries(self, value: Any, field: str, most: int = MAX_ITEMS) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """Each object of the list ``value`` with its field name (``field[n]``)."""
        for number, item in enumerate(self.items(value, field, most)):
            where = f"{field}[{number}]"
            yield where, self.mapping(item, where)

    def integer(self, value: Any, field: str, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(field, f"expected a whole number, got {_kind(value)}")
        if not low <= value <= high:
            raise self.fail(field, f"{value} is outside {low}..{high}")
        return value

    def optional_integer(self, value: Any, field: str, low: int, high: int) -> int | None:
        return None if value is None else self.integer(value, field, low, high)

    def seconds(self, value: Any, field: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(field, f"expected a number of seconds, got {_kind(value)}")
        if not 0 <= value <= MAX_SECONDS:  # also refuses NaN
            raise self.fail(field, f"{value!r} is outside 0..{MAX_SECONDS:g} seconds")
        return float(value)

    def span(self, item: Mapping[str, Any], field: str) -> tuple[float, float]:
        """An item's ``start`` and ``end`` seconds, the end not before the start."""
        start = self.seconds(*self.required(item, "start", field))
        end = self.seconds(*self.required(item, "end", field))
        if end < start:
            raise self.fail(f"{field}.end", f"{end!r} is before the start, {start!r}")
        return start, end

    def text(self, value: Any, field: str) -> str:
        if not isinstance(value, str):
            raise self.fail(field, f"expected a string, got {_kind(value)}")
        if len(value) > MAX_TEXT:
            raise self.fail(field, f"{len(value)} characters, over the limit of {MAX_TEXT}")
        return value

    def optional_text(self, value: Any, field: str) -> str | None:
        return None if value is None else self.text(value, field)


def _kind(value: Any) -> str:
    """How a JSON value reads in a message: ``a string``, ``null``, ``3.5``...

    >>> _kind("x"), _kind(None), _kind(2.5), _kind([1])
    ('a string', 'null', '2.5', 'a list')
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if len(repr(value)) <= 24 else "a huge number"
    return {str: "a string", list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def sheet_from_dict(data: Mapping[str, Any], where: str = "sheet JSON") -> Sheet:
    """Rebuild a :class:`Sheet` from :func:`sheet_to_dict` output.

    Every field is checked for its type and against the declared limits (:data:`MAX_FRAMES`,
    :data:`MAX_TRACKS`, ...); a :class:`FormatError` names ``where``, the field and the limit.
    """
    read = _Reader(where)
    data = read.mapping(data, "the document")
    raw_rate, _ = read.required(data, "rate")
    if not isinstance(raw_rate, (str, int)) or isinstance(raw_rate, bool):
        raise read.fail("rate", f"expected a frame rate such as \"24\" or \"24000/1001\", got {_kind(raw_rate)}")
    try:
        rate = FrameRate.parse(raw_rate)
    except OptionError as error:
        raise read.fail("rate", error.message) from None
    duration = read.integer(*read.required(data, "duration_frames"), 0, MAX_FRAMES)
    preset = read.mapping(*read.required(data, "preset"))
    shapes = []
    for where, raw in read.entries(*read.required(preset, "shapes", "preset"), 1000):
        shapes.append(ShapeInfo(read.text(*read.required(raw, "name", where)),
                                read.integer(*read.required(raw, "drawing", where), 0, MAX_DRAWING),
                                read.text(raw.get("label", ""), f"{where}.label"),
                                read.integer(raw.get("openness", 1), f"{where}.openness", 0, 2)))
    shape_set = ShapeSet(read.text(*read.required(preset, "name", "preset")),
                         read.text(*read.required(preset, "rest", "preset")), tuple(shapes))
    if shape_set.rest not in shape_set.names:
        raise read.fail("preset.rest", f"{shape_set.rest!r} is none of the preset's shapes "
                                       f"({', '.join(shape_set.names) or 'none'})")
    tracks = tuple(_track(read, raw, field, duration, shape_set)
                   for field, raw in read.entries(*read.required(data, "tracks"), MAX_TRACKS))
    source = read.mapping(data.get("source") or {}, "source")
    start_timecode = read.optional_text(data.get("start_timecode"), "start_timecode")
    if start_timecode is not None:
        try:
            parse_timecode(start_timecode, rate)
        except OptionError as error:
            raise read.fail("start_timecode", error.message) from None
    return Sheet(
        rate=rate,
        duration_frames=duration,
        tracks=tracks,
        preset=shape_set,
        source=Source(read.optional_text(source.get("path"), "source.path"),
                      read.seconds(source.get("duration") or 0.0, "source.duration"),
                      read.optional_integer(source.get("sample_rate"), "source.sample_rate", 1, 10_000_000),
                      read.optional_integer(source.get("channels"), "source.channels", 1, 1024)),
        start_timecode=start_timecode,
        peaks=_peaks(read, data.get("peaks"), duration),
        script=tuple(_script_line(read, raw, field)
                     for field, raw in read.entries(data.get("script", []), "script")),
    )


def _script_line(read: _Reader, raw: Mapping[str, Any], field: str) -> ScriptLine:
    """One entry of the ``script`` list (FormatError naming what is wrong)."""
    status = read.text(*read.required(raw, "status", field))
    if status not in SCRIPT_LINE_STATES:
        raise read.fail(f"{field}.status", f"{status!r} is not one of {', '.join(SCRIPT_LINE_STATES)}")
    start, end = raw.get("start"), raw.get("end")
    return ScriptLine(read.integer(*read.required(raw, "index", field), 0, MAX_ITEMS),
                      read.integer(*read.required(raw, "line", field), 0, MAX_ITEMS),
                      read.text(*read.required(raw, "text", field)), status,
                      _confidence(read, raw.get("confidence"), f"{field}.confidence"),
                      None if start is None else read.seconds(start, f"{field}.start"),
                      None if end is None else read.seconds(end, f"{field}.end"),
                      tuple(read.text(word, f"{field}.missing")
                            for word in read.items(raw.get("missing", []), f"{field}.missing")),
                      read.optional_text(raw.get("track"), f"{field}.track"))


def _confidence(read: _Reader, value: Any, field: str) -> float | None:
    """A confidence: a number from 0 to 1, or null."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise read.fail(field, f"expected a number from 0 to 1 or null, got {_kind(value)}")
    return float(value)


def _peaks(read: _Reader, text: Any, frames: int) -> bytes:
    """The ``peaks`` field: base64 of one byte per frame (FormatError naming what is wrong)."""
    if text is None:
        return b""
    if not isinstance(text, str):
        raise read.fail("peaks", f"expected base64 text, got {_kind(text)}")
    if len(text) > 4 * (frames // 3 + 1):
        raise read.fail("peaks", f"{len(text)} characters, more than {frames} frames need")
    try:
        data = base64.b64decode(text, validate=True)
    except ValueError:
        raise read.fail("peaks", "not base64 text") from None
    if len(data) != frames:
        raise read.fail("peaks", f"has {len(data)} frames, the sheet {frames}")
    return data


def _track(read: _Reader, raw: Mapping[str, Any], field: str, duration: int, preset: ShapeSet) -> Track:
    """One track of a sheet JSON document, checked: cues and lines lie on the sheet's frames and
    each cue shows a shape of the preset."""
    known = set(preset.names)

    def frames(item: Mapping[str, Any], where: str, shortest: int) -> tuple[int, int]:
        frame = read.integer(*read.required(item, "frame", where), 0, duration)
        length = read.integer(*read.required(item, "length", where), shortest, duration - frame)
        return frame, length

    cues = []
    for where, item in read.entries(*read.required(raw, "cues", field)):
        edited = item.get("edited", False)
        if not isinstance(edited, bool):
            raise read.fail(f"{where}.edited", f"expected true or false, got {_kind(edited)}")
        shape = read.text(*read.required(item, "shape", where))
        if shape not in known:
            raise read.fail(f"{where}.shape", f"{shape!r} is none of the shapes of the preset {preset.name!r} "
                                              f"({', '.join(preset.names)})")
        cues.append(Cue(*frames(item, where, 1), shape, edited))
    lines = []
    for where, item in read.entries(raw.get("lines", []), f"{field}.lines"):
        lines.append(SheetLine(*frames(item, where, 0), read.text(*read.required(item, "text", where))))
    words = []
    for where, item in read.entries(raw.get("words", []), f"{field}.words"):
        words.append(Word(*read.span(item, where),
                          read.text(*read.required(item, "text", where)),
                          read.optional_integer(item.get("line"), f"{where}.line", 0, MAX_ITEMS),
                          _confidence(read, item.get("confidence"), f"{where}.confidence")))
    phones = []
    for where, item in read.entries(raw.get("phones", []), f"{field}.phones"):
        phones.append(Phone(*read.span(item, where),
                            read.text(*read.required(item, "symbol", where)),
                            read.optional_text(item.get("word"), f"{where}.word"),
                            read.optional_integer(item.get("line"), f"{where}.line", 0, MAX_ITEMS)))
    return Track(read.text(*read.required(raw, "name", field)), tuple(cues), tuple(lines),
                 tuple(words), tuple(phones))


def sheet_to_json(sheet: Sheet) -> str:
    """The sheet as lipsync's lossless JSON text (UTF-8, stable key order, trailing newline)."""
    return json.dumps(sheet_to_dict(sheet), ensure_ascii=False, indent=1) + "\n"


def sheet_from_json(text: str | bytes, where: str = "sheet JSON") -> Sheet:
    """Parse lipsync sheet JSON text (``where`` names it in errors)."""
    from .fileio import parse_json

    data = parse_json(text, where, FormatError, _HINT)
    if not isinstance(data, Mapping) or data.get("format") != SHEET_FORMAT:
        raise FormatError(f"{where}: not a lipsync sheet (no \"format\": \"lipsync-sheet\")", _HINT)
    return sheet_from_dict(data, where)


def read_sheet_json(path: str | Path, role: str = "sheet") -> Sheet:
    """Read a lipsync sheet JSON file (a regular file within the sheet size limit)."""
    from .fileio import read_input

    data = read_input(path, "sheet", FormatError, hint=f"pass the {role}'s .json written by 'lipsync analyze -f sheet'")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FormatError(f"{path}: not UTF-8 text (byte {error.start})", _HINT) from None
    return sheet_from_json(text, str(path))


def cues_from_shapes(frames: Iterable[tuple[int, str]], duration_frames: int) -> tuple[Cue, ...]:
    """Contiguous cues from ``(start_frame, shape)`` change points (merging repeats)."""
    cues: list[Cue] = []
    points = sorted(frames)
    for index, (start, shape) in enumerate(points):
        end = points[index + 1][0] if index + 1 < len(points) else duration_frames
        if end <= start:
            continue
        if cues and cues[-1].shape == shape and cues[-1].end == start:
            cues[-1] = Cue(cues[-1].frame, end - cues[-1].frame, shape)
        else:
            cues.append(Cue(start, end - start, shape))
    return tuple(cues)
