"""CMX 3600 edit decision list with Avid locators for one track (``.edl``).

Read by Avid Media Composer (locators), Premiere Pro, DaVinci Resolve and most editors.
Written through OpenTimelineIO's ``otio-cmx3600-adapter``: one event covers the sheet, from the
start timecode (record and source timecode agree), and every mouth change and dialogue line is
a locator at its timecode, e.g. ``* LOC: 01:00:00:06 GREEN   D``. Locator colours follow the
mouth's openness (closed RED, half YELLOW, open GREEN) and dialogue is BLUE, as in the OTIO
export. The adapter upper-cases locator text. The timecode is drop-frame (``;`` before the
frames) or not as :func:`~lipsync.timing.is_drop_frame` says, and an ``FCM: DROP FRAME`` or
``FCM: NON-DROP FRAME`` line says which.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from ..sheet import Sheet
from ..timing import FrameRate
from . import ExportOptions, Exporter
from .otio_markers import (drop_frame, import_otio, otio_adapter, start_frame, timecode_sheet, timeline_name,
                           track_clip)


def reel_name(sheet: Sheet) -> str:
    """An 8-character reel name from the source file's name (``AX``, an auxiliary source, if none)."""
    reel = re.sub(r"[^A-Za-z0-9_]", "", timeline_name(sheet) if sheet.source.path else "")
    return reel[:8].upper() or "AX"


def adapter_sheet(sheet: Sheet) -> Sheet:
    """``sheet`` at a rate whose timecode the cmx_3600 adapter writes in the sheet's mode.

    The adapter writes drop-frame timecode at 29.97 and 59.94 whatever it is asked. Non-drop
    timecode there counts frames as at the whole rate (30, 60), so a non-drop sheet is handed to
    the adapter at that rate: the frames and their labels are the same, and an EDL has no rate.
    """
    if sheet.rate.supports_drop_frame and not drop_frame(sheet):
        return replace(sheet, rate=FrameRate(sheet.rate.nominal))
    return sheet


def write(sheet: Sheet, options: ExportOptions) -> bytes:
    """One track (``options.track``, default the first) as a CMX 3600 EDL with locators (see
    :func:`~lipsync.exporters.otio_markers.timecode_sheet` for rates without timecode)."""
    otio = import_otio()
    otio_adapter(otio, "cmx_3600", "otio-cmx3600-adapter")
    sheet = timecode_sheet(otio, sheet, "edl", "CMX 3600")
    fcm = "DROP FRAME" if drop_frame(sheet) else "NON-DROP FRAME"
    sheet = adapter_sheet(sheet)
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
    lines = text.rstrip("\n").split("\n")
    at = 1 if lines and lines[0].startswith("TITLE:") else 0
    lines.insert(at, f"FCM: {fcm}")
    return ("\n".join(lines) + "\n").encode("utf-8")


EXPORTER = Exporter(
    name="edl",
    extensions=(".edl",),
    description="CMX 3600 EDL: one event over the sheet, an Avid locator per mouth change and line",
    importers="Avid Media Composer (locators), Premiere Pro, DaVinci Resolve, other NLEs",
    write=write,
)
