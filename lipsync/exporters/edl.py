"""CMX 3600 edit decision list with Avid locators for one track (``.edl``).

Read by Avid Media Composer (locators), Premiere Pro, DaVinci Resolve and most editors.
Written through OpenTimelineIO's ``otio-cmx3600-adapter``: one event covers the sheet, from the
start timecode (record and source timecode agree), and every mouth change and dialogue line is
a locator at its timecode, e.g. ``* LOC: 01:00:00:06 GREEN   D``. Locator colours follow the
mouth's openness (closed RED, half YELLOW, open GREEN) and dialogue is BLUE, as in the OTIO
export. The adapter upper-cases locator text. At 29.97 and 59.94 the timecode is drop-frame
(``;`` before the frames) and an ``FCM: DROP FRAME`` line says so.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from ..errors import FormatError
from ..sheet import Cue, Sheet, SheetLine
from ..timing import FrameRate
from . import ExportOptions, Exporter, warn
from .otio_markers import import_otio, otio_adapter, start_frame, timeline_name, track_clip


def reel_name(sheet: Sheet) -> str:
    """An 8-character reel name from the source file's name (``AX``, an auxiliary source, if none)."""
    reel = re.sub(r"[^A-Za-z0-9_]", "", timeline_name(sheet) if sheet.source.path else "")
    return reel[:8].upper() or "AX"


def timecode_sheet(otio: Any, sheet: Sheet) -> Sheet:
    """``sheet`` at a rate CMX 3600 timecode has: its own, or for a rate without SMPTE timecode
    (12, 15 fps...) the lowest whole multiple that has one, each frame repeated (times are kept;
    a warning says so). FormatError when no multiple up to 10 has timecode."""
    valid = otio.opentime.RationalTime.is_valid_timecode_rate
    if valid(float(sheet.rate.fraction)):
        return sheet
    for times in range(2, 11):
        if valid(float(sheet.rate.fraction * times)):
            warn(f"edl: CMX 3600 timecode has no {sheet.rate} fps, so the EDL is at {sheet.rate.num * times}"
                 f"{'/' + str(sheet.rate.den) if sheet.rate.den != 1 else ''} fps with each frame {times} times "
                 "(every locator at the same time)")
            return replace(sheet, rate=FrameRate(sheet.rate.num * times, sheet.rate.den),
                           duration_frames=sheet.duration_frames * times,
                           tracks=tuple(replace(track, cues=tuple(Cue(c.frame * times, c.length * times, c.shape)
                                                                  for c in track.cues),
                                                lines=tuple(SheetLine(l.frame * times, l.length * times, l.text)
                                                            for l in track.lines))
                                        for track in sheet.tracks))
    raise FormatError(f"an EDL cannot be written at {sheet.rate} fps: CMX 3600 timecode has no such rate",
                      "export at 23.976, 24, 25, 29.97, 30, 48, 50, 59.94 or 60 fps, or choose otio")


def write(sheet: Sheet, options: ExportOptions) -> bytes:
    """One track (``options.track``, default the first) as a CMX 3600 EDL with locators (see
    :func:`timecode_sheet` for rates without timecode)."""
    otio = import_otio()
    otio_adapter(otio, "cmx_3600", "otio-cmx3600-adapter")
    sheet = timecode_sheet(otio, sheet)
    track = sheet.track(options.track)
    rate = float(sheet.rate.fraction)
    first = start_frame(sheet)
    timeline = otio.schema.Timeline(name=timeline_name(sheet))
    video = otio.schema.Track(name=track.name, kind=otio.schema.TrackKind.Video)
    if first:
        # EDL record timecode counts from 00:00:00:00: a gap puts the event at the start TC.
        video.append(otio.schema.Gap(duration=otio.opentime.RationalTime(first, rate)))
    clip = track_clip(otio, sheet, track, offset=first, metadata=False)
    clip.metadata["cmx_3600"] = {"reel": reel_name(sheet)}
    for marker in clip.markers:
        marker.name = marker.name.replace("\t", " ")
    video.append(clip)
    timeline.tracks.append(video)
    text = otio.adapters.write_to_string(timeline, "cmx_3600", rate=rate, style="avid")
    drop = "DROP FRAME" if sheet.rate.supports_drop_frame else "NON-DROP FRAME"
    lines = text.rstrip("\n").split("\n")
    at = 1 if lines and lines[0].startswith("TITLE:") else 0
    lines.insert(at, f"FCM: {drop}")
    return ("\n".join(lines) + "\n").encode("utf-8")


EXPORTER = Exporter(
    name="edl",
    extensions=(".edl",),
    description="CMX 3600 EDL: one event over the sheet, an Avid locator per mouth change and line",
    importers="Avid Media Composer (locators), Premiere Pro, DaVinci Resolve, other NLEs",
    write=write,
)
