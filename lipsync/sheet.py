"""The data model that flows between the stages, and the lossless sheet JSON.

Seconds-domain values (:class:`Phone`, :class:`Word`, :class:`Shape`) come out of recognition
and animation; frame-domain values (:class:`Cue`, :class:`SheetLine`) live on a :class:`Sheet`.
All are frozen dataclasses. :func:`sheet_to_dict` / :func:`sheet_from_dict` are lipsync's own
lossless JSON format, the input of ``lipsync export``, ``fit`` and ``evaluate``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import FormatError
from .timing import FrameRate

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


def _script_line_from_dict(data: Mapping[str, Any]) -> ScriptLine:
    return ScriptLine(int(data["index"]), int(data["line"]), str(data["text"]), str(data["status"]),
                      None if data.get("confidence") is None else float(data["confidence"]),
                      None if data.get("start") is None else float(data["start"]),
                      None if data.get("end") is None else float(data["end"]),
                      tuple(str(word) for word in data.get("missing", ())), data.get("track"))


def _require(mapping: Mapping[str, Any], key: str, where: str) -> Any:
    if not isinstance(mapping, Mapping) or key not in mapping:
        raise FormatError(f"sheet JSON is missing {where}{key!r}",
                          "pass a sheet written by 'lipsync analyze -f sheet'")
    return mapping[key]


def sheet_from_dict(data: Mapping[str, Any]) -> Sheet:
    """Rebuild a :class:`Sheet` from :func:`sheet_to_dict` output; raises FormatError if invalid."""
    try:
        rate = FrameRate.parse(_require(data, "rate", ""))
        preset = _require(data, "preset", "")
        shape_set = ShapeSet(
            name=str(_require(preset, "name", "preset.")),
            rest=str(_require(preset, "rest", "preset.")),
            shapes=tuple(
                ShapeInfo(str(s["name"]), int(s["drawing"]), str(s.get("label", "")), int(s.get("openness", 1)))
                for s in _require(preset, "shapes", "preset.")
            ),
        )
        source = data.get("source") or {}
        tracks = tuple(
            Track(
                name=str(_require(t, "name", "tracks[].")),
                cues=tuple(Cue(int(c["frame"]), int(c["length"]), str(c["shape"]), bool(c.get("edited", False)))
                           for c in _require(t, "cues", "tracks[].")),
                lines=tuple(SheetLine(int(l["frame"]), int(l["length"]), str(l["text"])) for l in t.get("lines", ())),
                words=tuple(Word(float(w["start"]), float(w["end"]), str(w["text"]), w.get("line"),
                                 None if w.get("confidence") is None else float(w["confidence"]))
                            for w in t.get("words", ())),
                phones=tuple(
                    Phone(float(p["start"]), float(p["end"]), str(p["symbol"]), p.get("word"), p.get("line"))
                    for p in t.get("phones", ())
                ),
            )
            for t in _require(data, "tracks", "")
        )
        return Sheet(
            rate=rate,
            duration_frames=int(_require(data, "duration_frames", "")),
            tracks=tracks,
            preset=shape_set,
            source=Source(source.get("path"), float(source.get("duration") or 0.0),
                          source.get("sample_rate"), source.get("channels")),
            start_timecode=data.get("start_timecode"),
            peaks=_peaks(data.get("peaks"), int(_require(data, "duration_frames", ""))),
            script=tuple(_script_line_from_dict(line) for line in data.get("script", ())),
        )
    except FormatError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise FormatError(f"sheet JSON is malformed: {error!r}",
                          "pass a sheet written by 'lipsync analyze -f sheet'") from None


def _peaks(text: Any, frames: int) -> bytes:
    """The ``peaks`` field: base64 of one byte per frame (FormatError naming what is wrong)."""
    if text is None:
        return b""
    try:
        data = base64.b64decode(str(text), validate=True)
    except (ValueError, TypeError):
        raise FormatError("sheet JSON field 'peaks' is not base64 text",
                          "remove the field, or write the sheet again with 'lipsync analyze -f sheet'") from None
    if len(data) != frames:
        raise FormatError(f"sheet JSON field 'peaks' has {len(data)} frames, the sheet {frames}",
                          "remove the field, or write the sheet again with 'lipsync analyze -f sheet'")
    return data


def sheet_to_json(sheet: Sheet) -> str:
    """The sheet as lipsync's lossless JSON text (UTF-8, stable key order, trailing newline)."""
    return json.dumps(sheet_to_dict(sheet), ensure_ascii=False, indent=1) + "\n"


def sheet_from_json(text: str) -> Sheet:
    """Parse lipsync sheet JSON text."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise FormatError(f"not a lipsync sheet: invalid JSON at line {error.lineno}",
                          "pass a sheet written by 'lipsync analyze -f sheet'") from None
    if not isinstance(data, Mapping) or data.get("format") != SHEET_FORMAT:
        raise FormatError("not a lipsync sheet (no \"format\": \"lipsync-sheet\")",
                          "pass a sheet written by 'lipsync analyze -f sheet'")
    return sheet_from_dict(data)


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
