"""OpenTimelineIO timeline with a marker per mouth change and per dialogue line (``.otio``).

Read by OTIO-aware editors and pipelines (DaVinci Resolve, Hiero/Nuke Studio, RV, OTIO tools).
The timeline starts at the sheet's start timecode (``global_start_time``, 00:00:00:00 if unset)
at the exact rate: OTIO keeps rates as floats, so 23.976 is written as ``float(24000/1001)``.
OTIO times have no drop-frame flag, so ``metadata["lipsync"]["start_timecode"]`` says it: the
start timecode written drop-frame or not as :func:`~lipsync.timing.is_drop_frame` says.
Each sheet track becomes an audio track holding one clip over the whole sheet (the voice file
when the sheet knows it); its markers sit in the clip's time, frame 0 being the sheet's first
frame. A mouth marker is named after the shape, lasts as long as the cue and is coloured by the
shape's openness (closed RED, half YELLOW, open GREEN); a dialogue marker is BLUE and named after
the text. ``metadata["lipsync"]`` carries ``shape``/``drawing``/``track`` or ``speaker``/``text``.

The timeline builder here is shared by the EDL and FCP 7 XML exporters, which write the same
timeline through OTIO's adapter plugins.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from json.encoder import encode_basestring
from typing import Any

from ..errors import FormatError, MissingToolError
from ..sheet import Cue, Sheet, SheetLine, Track
from ..timing import FrameRate, format_timecode, is_drop_frame, parse_timecode
from . import ExportOptions, Exporter, warn

# Marker colours by ShapeInfo.openness: 0 closed, 1 half open, 2 open.
OPENNESS_COLORS = ("RED", "YELLOW", "GREEN")
DIALOGUE_COLOR = "BLUE"


def timecode_sheet(otio: Any, sheet: Sheet, format_name: str, standard: str) -> Sheet:
    """``sheet`` at a rate ``standard`` (CMX 3600, FCP 7 XML) has timecode for: its own, or for a
    rate without SMPTE timecode (12, 15 fps...) the lowest whole multiple that has one, each
    frame repeated (times are kept, the start timecode written again at that rate; a warning
    says so). FormatError when no multiple up to 10 has timecode."""
    valid = otio.opentime.RationalTime.is_valid_timecode_rate
    if valid(float(sheet.rate.fraction)):
        return sheet
    for times in range(2, 11):
        if valid(float(sheet.rate.fraction * times)):
            warn(f"{format_name}: {standard} timecode has no {sheet.rate} fps, so it is written at "
                 f"{sheet.rate.num * times}{'/' + str(sheet.rate.den) if sheet.rate.den != 1 else ''} fps with each "
                 f"frame {times} times (every marker at the same time)")
            rate = FrameRate(sheet.rate.num * times, sheet.rate.den)
            return replace(sheet, rate=rate, duration_frames=sheet.duration_frames * times,
                           start_timecode=format_timecode(start_frame(sheet) * times, rate, drop_frame(sheet)),
                           tracks=tuple(replace(track, cues=tuple(Cue(c.frame * times, c.length * times, c.shape)
                                                                  for c in track.cues),
                                                lines=tuple(SheetLine(l.frame * times, l.length * times, l.text)
                                                            for l in track.lines))
                                        for track in sheet.tracks))
    raise FormatError(f"{format_name} cannot be written at {sheet.rate} fps: {standard} timecode has no such rate",
                      "export at 23.976, 24, 25, 29.97, 30, 48, 50, 59.94 or 60 fps, or choose otio")


def import_otio() -> Any:
    """The ``opentimelineio`` module, imported on first use (it is slow to import)."""
    try:
        import opentimelineio
    except ImportError:
        raise MissingToolError("this format needs OpenTimelineIO, which is not installed",
                               "pip install opentimelineio") from None
    return opentimelineio


def otio_adapter(otio: Any, name: str, package: str) -> None:
    """Raise MissingToolError unless OTIO's adapter plugin ``name`` (from ``package``) is installed."""
    if name not in otio.adapters.available_adapter_names():
        raise MissingToolError(f"this format needs the OpenTimelineIO adapter {name!r}, "
                               "which is not installed", f"pip install {package}")


def start_frame(sheet: Sheet) -> int:
    """The frame count of the sheet's start timecode (0 when it has none)."""
    return parse_timecode(sheet.start_timecode, sheet.rate) if sheet.start_timecode else 0


def drop_frame(sheet: Sheet) -> bool:
    """Whether the sheet's timecode is drop-frame (:func:`~lipsync.timing.is_drop_frame`)."""
    return is_drop_frame(sheet.start_timecode, sheet.rate)


def timeline_name(sheet: Sheet) -> str:
    """The source file's name without extension, or ``lipsync`` for a sheet without a source."""
    if sheet.source.path:
        stem = os.path.splitext(os.path.basename(sheet.source.path))[0]
        if stem:
            return stem
    return "lipsync"


def openness_color(openness: int) -> str:
    """The marker colour of a mouth of ``openness`` (0 closed, 1 half, 2 open)."""
    return OPENNESS_COLORS[min(max(openness, 0), len(OPENNESS_COLORS) - 1)]


def one_line(text: str) -> str:
    """Dialogue text on one line (EDL comments and marker names cannot break lines)."""
    return " ".join(text.split())


def unknown_shape(sheet: Sheet, track: Track, cue: Cue) -> FormatError:
    """The error for a cue whose shape the sheet's preset does not define."""
    return FormatError(
        f"track {track.name!r} uses shape {cue.shape!r} at frame {cue.frame}, "
        f"which preset {sheet.preset.name!r} does not define",
        f"shapes of {sheet.preset.name!r}: {', '.join(sheet.preset.names)}")


def marker_spans(sheet: Sheet, track: Track) -> list[tuple[str, int, int]]:
    """``(name, first frame, end frame)`` of the track's markers, in the order of
    :func:`track_markers` (mouth changes then lines), without building OTIO objects.

    Raises FormatError for a shape the sheet's preset does not define.
    """
    known = set(sheet.preset.names)
    spans = []
    for cue in track.cues:
        if cue.shape not in known:
            raise unknown_shape(sheet, track, cue)
        spans.append((cue.shape, cue.frame, cue.frame + cue.length))
    spans += [(one_line(line.text), line.frame, line.frame + line.length) for line in track.lines]
    return spans


@dataclass(frozen=True)
class MarkerSpec:
    """What one marker says: name, colour, comment, ``metadata["lipsync"]`` and sheet frames."""

    name: str
    color: str
    comment: str
    metadata: dict[str, Any]
    frame: int
    length: int


def marker_specs(sheet: Sheet, track: Track) -> list[MarkerSpec]:
    """The track's markers, mouth changes then dialogue lines (see the module docstring).

    Raises FormatError for a shape the sheet's preset does not define.
    """
    infos = {shape.name: shape for shape in sheet.preset.shapes}
    specs = []
    for cue in track.cues:
        info = infos.get(cue.shape)
        if info is None:
            raise unknown_shape(sheet, track, cue)
        specs.append(MarkerSpec(
            cue.shape, openness_color(info.openness),
            f"drawing {info.drawing}" + (f" ({info.label})" if info.label else ""),
            {"shape": cue.shape, "drawing": info.drawing, "track": track.name}, cue.frame, cue.length))
    for line in track.lines:
        specs.append(MarkerSpec(one_line(line.text), DIALOGUE_COLOR, track.name,
                                {"speaker": track.name, "text": line.text}, line.frame, line.length))
    return specs


def otio_marker(otio: Any, sheet: Sheet, spec: MarkerSpec, offset: int = 0, metadata: bool = True) -> Any:
    """``spec`` as an OTIO Marker at ``offset`` + its sheet frame (``metadata``: with its
    ``lipsync`` metadata, which an EDL cannot hold)."""
    rate = float(sheet.rate.fraction)
    opentime = otio.opentime
    return otio.schema.Marker(
        name=spec.name,
        marked_range=opentime.TimeRange(opentime.RationalTime(offset + spec.frame, rate),
                                        opentime.RationalTime(spec.length, rate)),
        color=spec.color, comment=spec.comment, metadata={"lipsync": dict(spec.metadata)} if metadata else None)


def track_markers(otio: Any, sheet: Sheet, track: Track, offset: int = 0, metadata: bool = True) -> list[Any]:
    """The track's markers, mouth changes then dialogue lines, at ``offset`` + sheet frame.

    Raises FormatError for a shape the sheet's preset does not define.
    """
    return [otio_marker(otio, sheet, spec, offset, metadata) for spec in marker_specs(sheet, track)]


def track_clip(otio: Any, sheet: Sheet, track: Track, offset: int = 0, markers: bool = True,
               metadata: bool = True) -> Any:
    """A clip over the whole sheet carrying the track's markers; its media is the voice file.

    The clip's source range starts at ``offset`` (0 for OTIO; the start timecode for an EDL,
    whose locators are written in source timecode).
    """
    rate = float(sheet.rate.fraction)
    opentime = otio.opentime
    whole = opentime.TimeRange(opentime.RationalTime(offset, rate),
                               opentime.RationalTime(sheet.duration_frames, rate))
    if sheet.source.path:
        media = otio.schema.ExternalReference(target_url=sheet.source.path, available_range=whole)
    else:
        media = otio.schema.MissingReference(available_range=whole)
    clip = otio.schema.Clip(name=track.name, media_reference=media, source_range=whole)
    if markers:
        clip.markers.extend(track_markers(otio, sheet, track, offset, metadata))
    return clip


def build_timeline(otio: Any, sheet: Sheet, markers: bool = True) -> Any:
    """The sheet as an OTIO Timeline: an audio track per sheet track, starting at the start TC
    (without the clips' markers if ``markers`` is false)."""
    rate = float(sheet.rate.fraction)
    timeline = otio.schema.Timeline(name=timeline_name(sheet))
    timeline.global_start_time = otio.opentime.RationalTime(start_frame(sheet), rate)
    timeline.metadata["lipsync"] = {
        "rate": str(sheet.rate),
        "duration_frames": sheet.duration_frames,
        "start_timecode": format_timecode(start_frame(sheet), sheet.rate, drop_frame(sheet)),
        "preset": sheet.preset.name,
        "source": sheet.source.path,
    }
    for track in sheet.tracks:
        otio_track = otio.schema.Track(name=track.name, kind=otio.schema.TrackKind.Audio)
        otio_track.append(track_clip(otio, sheet, track, markers=markers))
        timeline.tracks.append(otio_track)
    return timeline


class _Unusual(Exception):
    """A value the fast OTIO JSON path does not write; the timeline goes through OTIO whole."""


# Control characters other than \b \f \n \r \t (written differently by Python's json and
# OTIO's serialiser) and lone surrogates.
_UNUSUAL_TEXT = re.compile("[\x00-\x07\x0b\x0e-\x1f\ud800-\udfff]")


_STRINGS: dict[str, str] = {}


def _json_string(text: str) -> str:
    """``text`` as a JSON string literal, UTF-8 kept (remembered: names repeat)."""
    literal = _STRINGS.get(text)
    if literal is None:
        if _UNUSUAL_TEXT.search(text):
            raise _Unusual
        literal = encode_basestring(text)
        if len(_STRINGS) < 10_000:
            _STRINGS[text] = literal
    return literal


def _json_value(value: Any) -> str:
    if type(value) is str:
        return _json_string(value)
    if type(value) is int:
        return str(value)
    raise _Unusual


def _json_frames(value: int) -> str:
    if abs(value) >= 10 ** 15:
        raise _Unusual
    return repr(float(value))


def _marker_json(spec: MarkerSpec, indent: str, rate: str) -> str:
    """``spec`` as OTIO's JSON serialiser writes a Marker whose ``{`` is at ``indent``."""
    i1, i2, i3 = indent + "    ", indent + "    " * 2, indent + "    " * 3
    metadata = ",\n".join(f"{i3}{_json_string(key)}: {_json_value(spec.metadata[key])}"
                          for key in sorted(spec.metadata))
    return (f'{indent}{{\n{i1}"OTIO_SCHEMA": "Marker.2",\n{i1}"metadata": {{\n{i2}"lipsync": {{\n'
            f"{metadata}\n{i2}}}\n{i1}}},\n"
            f'{i1}"name": {_json_string(spec.name)},\n{i1}"color": {_json_string(spec.color)},\n'
            f'{i1}"marked_range": {{\n{i2}"OTIO_SCHEMA": "TimeRange.1",\n'
            f'{i2}"duration": {{\n{i3}"OTIO_SCHEMA": "RationalTime.1",\n{i3}"rate": {rate},\n'
            f"{i3}\"value\": {_json_frames(spec.length)}\n{i2}}},\n"
            f'{i2}"start_time": {{\n{i3}"OTIO_SCHEMA": "RationalTime.1",\n{i3}"rate": {rate},\n'
            f"{i3}\"value\": {_json_frames(spec.frame)}\n{i2}}}\n{i1}}},\n"
            f'{i1}"comment": {_json_string(spec.comment)}\n{indent}}}')


def _with_markers(otio: Any, sheet: Sheet, specs: list[list[MarkerSpec]]) -> str | None:
    """The OTIO JSON of the sheet's timeline, or None if the fast path cannot vouch for it.

    Converting 20k markers' metadata to OTIO's C++ values took most of a second, so OTIO
    serialises the timeline with only each clip's first marker, and the clip's other markers are
    written here in the same layout after it. The first marker, written both ways, must come out
    identical (it checks the layout and the rate's digits), else OTIO writes everything itself.
    """
    timeline = build_timeline(otio, sheet, markers=False)
    for otio_track, track_specs in zip(timeline.tracks, specs):
        if track_specs:
            otio_track[0].markers.append(otio_marker(otio, sheet, track_specs[0]))
    text = otio.adapters.write_to_string(timeline, "otio_json")
    head, position = '"markers": [\n', 0
    for track_specs in specs:
        if not track_specs:
            continue
        at = text.find(head, position)
        rate_at = text.find('"rate": ', at)
        if at < 0 or rate_at < 0:
            return None
        indent = text[text.rfind("\n", 0, at) + 1:at]
        rate = text[rate_at + len('"rate": '):text.find("\n", rate_at)].rstrip(",")
        try:
            first = head + _marker_json(track_specs[0], indent + "    ", rate) + "\n" + indent + "]"
            if indent.strip() or not text.startswith(first, at):
                return None
            markers = ",\n".join(_marker_json(spec, indent + "    ", rate) for spec in track_specs)
        except _Unusual:
            return None
        text = text[:at] + head + markers + "\n" + indent + "]" + text[at + len(first):]
        position = at + len(head) + len(markers)
    return text


def write(sheet: Sheet, options: ExportOptions) -> bytes:
    """Every track of the sheet as an OTIO JSON timeline (see the module docstring)."""
    otio = import_otio()
    specs = [marker_specs(sheet, track) for track in sheet.tracks]
    text = _with_markers(otio, sheet, specs)
    if text is None:
        text = otio.adapters.write_to_string(build_timeline(otio, sheet), "otio_json")
    return (text.rstrip("\n") + "\n").encode("utf-8")


EXPORTER = Exporter(
    name="otio",
    extensions=(".otio",),
    description="OpenTimelineIO timeline: a coloured marker per mouth change and per dialogue line",
    importers="OTIO-aware editors and pipelines (DaVinci Resolve, Hiero, RV, otio tools)",
    write=write,
    multi_track=True,
)
