"""Rhubarb Lip Sync's XML output (``.xml``): ``rhubarbResult`` with metadata and mouth cues.

Read by the tools and scripts written for Rhubarb's XML output.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from ..sheet import Sheet
from . import ExportOptions, Exporter
from ._common import FRAMES_SETTING, format_seconds, mouth_cues, seconds_field, sound_file, timed_sheet
from ._reading import ReadOptions, malformed
from ._text import xml_safe

_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'


def write(sheet: Sheet, options: ExportOptions) -> bytes:
    """One track (``options.track``, default the first) as Rhubarb XML, indented by two spaces;
    ``options.extra["frames"] == "synfig"``: times for Synfig's Switch layer (as for ``tsv``)."""
    track = sheet.track(options.track)
    synfig = options.extra.get("frames", "floor").strip().lower() == "synfig"
    root = ElementTree.Element("rhubarbResult")
    metadata = ElementTree.SubElement(root, "metadata")
    ElementTree.SubElement(metadata, "soundFile").text = xml_safe(sound_file(sheet))
    ElementTree.SubElement(metadata, "duration").text = format_seconds(sheet.source.duration or sheet.duration_seconds)
    cues = ElementTree.SubElement(root, "mouthCues")
    for cue in mouth_cues(sheet, track, synfig):
        ElementTree.SubElement(cues, "mouthCue", start=cue.start, end=cue.end).text = xml_safe(cue.shape)
    ElementTree.indent(root, space="  ")
    return (_DECLARATION + ElementTree.tostring(root, encoding="unicode") + "\n").encode("utf-8")


def read(data: bytes, options: ReadOptions) -> Sheet:
    """A one-track sheet from Rhubarb XML (``mouthCue`` elements with ``start`` and ``end``)."""
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise malformed(options, f"line {error.position[0]}", "not well-formed XML", "Rhubarb Lip Sync XML") from None
    if root.tag != "rhubarbResult":
        raise malformed(options, "root element", f"<{root.tag}>", "<rhubarbResult>")
    rows, end = [], 0.0
    for index, cue in enumerate(root.iter("mouthCue"), 1):
        where = f"mouthCue {index}"
        rows.append((seconds_field(cue.get("start"), options, where + " start"), (cue.text or "").strip()))
        end = max(end, seconds_field(cue.get("end"), options, where + " end"))
    duration = root.findtext("metadata/duration")
    return timed_sheet(rows, end, options, sound=root.findtext("metadata/soundFile") or None,
                       duration=seconds_field(duration, options, "metadata/duration") if duration else 0.0)


EXPORTER = Exporter(
    name="xml",
    extensions=(".xml",),
    description="Rhubarb Lip Sync XML: metadata and mouthCue elements with start/end seconds",
    importers="tools and scripts that read Rhubarb Lip Sync's XML output, Synfig's Switch layer (frames=synfig)",
    write=write,
    read=read,
    settings=(FRAMES_SETTING,),
)
