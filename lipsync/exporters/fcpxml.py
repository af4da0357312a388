"""Final Cut Pro 7 XML (xmeml) sequence with clip markers, through OpenTimelineIO.

Read by Premiere Pro, DaVinci Resolve, Final Cut Pro 7 and other NLEs that import "FCP XML".
It is not Final Cut Pro X's ``.fcpxml``. FCP 7 XML files are named ``.xml``, an extension lipsync
gives to Rhubarb's XML, so this format is chosen by name: ``-f fcp-xml``. Written through
``otio-fcp-adapter`` from the same timeline as the OTIO export: an audio track per sheet track,
a clip over the sheet with a marker per mouth change (named after the shape, its comment giving
the drawing) and per dialogue line, and the sequence timecode at the start timecode. Every
``<timecode>`` is drop-frame (``<displayformat>DF``) or not as :func:`~lipsync.timing.is_drop_frame`
says. FCP 7 markers have no colour, so the openness colours of the OTIO export are not kept.
"""

from __future__ import annotations

import re
from typing import Any

from ..sheet import Sheet
from . import ExportOptions, Exporter
from .otio_markers import build_timeline, drop_frame, import_otio, marker_spans, otio_adapter, timecode_sheet

# Stands in for a clip's markers while the adapter writes the sequence (see write).
_PLACEHOLDER = "lipsync-markers-{}-7c1f0e"
# Text the fast path would not write exactly as the adapter (XML parsing turns CR into LF and
# rejects control characters and lone surrogates): such sheets go through the adapter whole.
_UNUSUAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\r\ud800-\udfff\ufffe\uffff]")


def _escape(text: str) -> str:
    """Element text escaped as the adapter's minidom pretty-printer writes it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;").replace(">", "&gt;")


def _adapter_text(otio: Any, sheet: Sheet, timeline: Any) -> str:
    """The adapter's document; each ``<track>`` gets a ``<name>`` (the adapter writes a track's
    ``fcp_xml`` metadata as its elements, and reads the name back from there), and the sequence's
    and each file's ``<timecode>`` the sheet's display format (the adapter takes it from their
    ``fcp_xml`` metadata, else writes NDF)."""
    timecode = {"timecode": {"displayformat": "DF" if drop_frame(sheet) else "NDF"}}
    timeline.metadata["fcp_xml"] = timecode
    for track in timeline.tracks:
        track.metadata["fcp_xml"] = {"name": track.name}
        for clip in track:
            clip.media_reference.metadata["fcp_xml"] = timecode
    return otio.adapters.write_to_string(timeline, "fcp_xml")


def _with_markers(otio: Any, sheet: Sheet, spans: list[list[tuple[str, int, int]]]) -> str | None:
    """The adapter's document with each clip's markers written here, or None if that fails.

    The adapter pretty-prints its document by serialising, re-parsing and re-writing it with
    minidom, which took seconds for a long sheet's tens of thousands of markers. So the timeline
    goes through the adapter with one placeholder marker per clip, and the placeholder is
    replaced by the clip's markers in the adapter's own layout: ``<marker>`` with ``<name>``,
    ``<in>`` and ``<out>`` (sheet frames) one level deeper, the same bytes the adapter writes.
    """
    timeline = build_timeline(otio, sheet, markers=False)
    rate = float(sheet.rate.fraction)
    zero = otio.opentime.TimeRange(otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(0, rate))
    for index, (otio_track, track_spans) in enumerate(zip(timeline.tracks, spans)):
        if track_spans:
            otio_track[0].markers.append(otio.schema.Marker(name=_PLACEHOLDER.format(index), marked_range=zero))
    text = _adapter_text(otio, sheet, timeline)
    for index, track_spans in enumerate(spans):
        if not track_spans:
            continue
        name = f"<name>{_PLACEHOLDER.format(index)}</name>"
        if text.count(name) != 1:
            return None
        at = text.index(name)
        opening = text.rfind("<marker>", 0, at)
        line_start = text.rfind("\n", 0, opening) + 1
        closing = text.find("</marker>\n", at)
        indent = text[line_start:opening]
        if opening < 0 or closing < 0 or indent.strip():
            return None
        inner = indent + "    "
        blocks = [
            f"{indent}<marker>\n"
            + (f"{inner}<name>{_escape(marker)}</name>\n" if marker else f"{inner}<name/>\n")
            + f"{inner}<in>{first}</in>\n{inner}<out>{end}</out>\n{indent}</marker>\n"
            for marker, first, end in track_spans
        ]
        text = text[:line_start] + "".join(blocks) + text[closing + len("</marker>\n"):]
    return text


def write(sheet: Sheet, options: ExportOptions) -> bytes:
    """Every track of the sheet as an FCP 7 XML sequence (UTF-8); at a rate without SMPTE
    timecode (12 fps) at the lowest multiple that has one, each frame repeated, with a warning."""
    otio = import_otio()
    otio_adapter(otio, "fcp_xml", "otio-fcp-adapter")
    sheet = timecode_sheet(otio, sheet, "fcp-xml", "Final Cut Pro 7 XML")
    spans = [marker_spans(sheet, track) for track in sheet.tracks]
    text = None
    if not any(_UNUSUAL.search(name) for track_spans in spans for name, _, _ in track_spans):
        text = _with_markers(otio, sheet, spans)
    if text is None:
        text = _adapter_text(otio, sheet, build_timeline(otio, sheet))
    return (text.rstrip("\n") + "\n").encode("utf-8")


EXPORTER = Exporter(
    name="fcp-xml",
    extensions=(),
    suffix=".fcp.xml",
    description="Final Cut Pro 7 XML (xmeml, choose with -f fcp-xml): a marker per mouth change",
    importers="Premiere Pro, DaVinci Resolve, Final Cut Pro 7 (not FCP X's .fcpxml)",
    write=write,
    multi_track=True,
)
