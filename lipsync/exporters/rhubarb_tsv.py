"""Rhubarb Lip Sync's TSV output (``.tsv``): ``start<TAB>shape`` lines, then the end at rest.

Read by the tools and scripts written for Rhubarb's default output format (for example game
engine importers and the Rhubarb integrations that take its TSV).
"""

from __future__ import annotations

from ..sheet import Sheet
from . import ExportOptions, Exporter
from ._common import timed_shapes, track_end


def write(sheet: Sheet, options: ExportOptions) -> bytes:
    """One track (``options.track``, default the first) as Rhubarb TSV, LF line endings.

    Each cue is a line with its start in seconds (two decimals, more where two would name the
    frame before: :func:`~lipsync.exporters._common.frame_time`) and its shape; a final line
    gives the end of the last cue with the preset's rest shape, as Rhubarb writes it.
    """
    track = sheet.track(options.track)
    lines = [f"{cue.start}\t{cue.shape}\n" for cue in timed_shapes(sheet, track)]
    lines.append(f"{track_end(sheet, track)}\t{sheet.preset.rest}\n")
    return "".join(lines).encode("utf-8")


EXPORTER = Exporter(
    name="tsv",
    extensions=(".tsv",),
    description="Rhubarb Lip Sync TSV: start seconds and mouth shape per line",
    importers="tools and scripts that read Rhubarb Lip Sync's default TSV output",
    write=write,
)
