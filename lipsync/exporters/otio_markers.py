"""OpenTimelineIO timeline with a marker per mouth change and per dialogue line (``.otio``).

Read by OTIO-aware editors and pipelines (DaVinci Resolve, Hiero/Nuke Studio, RV, OTIO tools).
The timeline starts at the sheet's start timecode (``global_start_time``, 00:00:00:00 if unset)
at the exact rate: OTIO keeps rates as floats, so 23.976 is written as ``float(24000/1001)``.
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
from typing import Any

from ..errors import FormatError, MissingToolError
from ..sheet import Cue, Sheet, Track
from ..timing import parse_timecode
from . import ExportOptions, Exporter

# Marker colours by ShapeInfo.openness: 0 closed, 1 half open, 2 open.
OPENNESS_COLORS = ("RED", "YELLOW", "GREEN")
DIALOGUE_COLOR = "BLUE"


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


def track_markers(otio: Any, sheet: Sheet, track: Track, offset: int = 0) -> list[Any]:
    """The track's markers, mouth changes then dialogue lines, at ``offset`` + sheet frame.

    Raises FormatError for a shape the sheet's preset does not define.
    """
    rate = float(sheet.rate.fraction)
    opentime = otio.opentime

    def span(frame: int, length: int) -> Any:
        return opentime.TimeRange(opentime.RationalTime(offset + frame, rate),
                                  opentime.RationalTime(length, rate))

    markers = []
    for cue in track.cues:
        try:
            info = sheet.preset.info(cue.shape)
        except KeyError:
            raise unknown_shape(sheet, track, cue) from None
        markers.append(otio.schema.Marker(
            name=cue.shape,
            marked_range=span(cue.frame, cue.length),
            color=openness_color(info.openness),
            comment=f"drawing {info.drawing}" + (f" ({info.label})" if info.label else ""),
            metadata={"lipsync": {"shape": cue.shape, "drawing": info.drawing, "track": track.name}},
        ))
    for line in track.lines:
        markers.append(otio.schema.Marker(
            name=one_line(line.text),
            marked_range=span(line.frame, line.length),
            color=DIALOGUE_COLOR,
            comment=track.name,
            metadata={"lipsync": {"speaker": track.name, "text": line.text}},
        ))
    return markers


def track_clip(otio: Any, sheet: Sheet, track: Track, offset: int = 0, markers: bool = True) -> Any:
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
        clip.markers.extend(track_markers(otio, sheet, track, offset))
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
        "start_timecode": sheet.start_timecode or "00:00:00:00",
        "preset": sheet.preset.name,
        "source": sheet.source.path,
    }
    for track in sheet.tracks:
        otio_track = otio.schema.Track(name=track.name, kind=otio.schema.TrackKind.Audio)
        otio_track.append(track_clip(otio, sheet, track, markers=markers))
        timeline.tracks.append(otio_track)
    return timeline


def write(sheet: Sheet, options: ExportOptions) -> bytes:
    """Every track of the sheet as an OTIO JSON timeline (see the module docstring)."""
    otio = import_otio()
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
