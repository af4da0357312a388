"""Final Cut Pro 7 XML (xmeml) sequence with clip markers, through OpenTimelineIO.

Read by Premiere Pro, DaVinci Resolve, Final Cut Pro 7 and other NLEs that import "FCP XML".
It is not Final Cut Pro X's ``.fcpxml``. FCP 7 XML files are named ``.xml``, an extension lipsync
gives to Rhubarb's XML, so this format is chosen by name: ``-f fcp-xml``. Written through
``otio-fcp-adapter`` from the same timeline as the OTIO export: an audio track per sheet track,
a clip over the sheet with a marker per mouth change (named after the shape, its comment giving
the drawing) and per dialogue line, and the sequence timecode at the start timecode. FCP 7
markers have no colour, so the openness colours of the OTIO export are not kept.
"""

from __future__ import annotations

from ..sheet import Sheet
from . import ExportOptions, Exporter
from .otio_markers import build_timeline, import_otio, otio_adapter


def write(sheet: Sheet, options: ExportOptions) -> bytes:
    """Every track of the sheet as an FCP 7 XML sequence (UTF-8)."""
    otio = import_otio()
    otio_adapter(otio, "fcp_xml", "otio-fcp-adapter")
    text = otio.adapters.write_to_string(build_timeline(otio, sheet), "fcp_xml")
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
