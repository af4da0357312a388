"""Rhubarb Lip Sync's XML output (``.xml``): ``rhubarbResult`` with metadata and mouth cues.

Read by the tools and scripts written for Rhubarb's XML output.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from ..sheet import Sheet
from . import ExportOptions, Exporter
from ._common import format_seconds, mouth_cues, sound_file

_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'


def write(sheet: Sheet, options: ExportOptions) -> bytes:
    """One track (``options.track``, default the first) as Rhubarb XML, indented by two spaces."""
    track = sheet.track(options.track)
    root = ElementTree.Element("rhubarbResult")
    metadata = ElementTree.SubElement(root, "metadata")
    ElementTree.SubElement(metadata, "soundFile").text = sound_file(sheet)
    ElementTree.SubElement(metadata, "duration").text = format_seconds(sheet.source.duration or sheet.duration_seconds)
    cues = ElementTree.SubElement(root, "mouthCues")
    for cue in mouth_cues(sheet, track):
        ElementTree.SubElement(cues, "mouthCue", start=cue.start, end=cue.end).text = cue.shape
    ElementTree.indent(root, space="  ")
    return (_DECLARATION + ElementTree.tostring(root, encoding="unicode") + "\n").encode("utf-8")


EXPORTER = Exporter(
    name="xml",
    extensions=(".xml",),
    description="Rhubarb Lip Sync XML: metadata and mouthCue elements with start/end seconds",
    importers="tools and scripts that read Rhubarb Lip Sync's XML output",
    write=write,
)
