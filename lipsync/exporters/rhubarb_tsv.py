"""Rhubarb Lip Sync's TSV output (``.tsv``): ``start<TAB>shape`` lines, then the end at rest.

Read by the tools and scripts written for Rhubarb's default output format (for example game
engine importers and the Rhubarb integrations that take its TSV).
"""

from __future__ import annotations

from ..sheet import Sheet
from . import ExportOptions, Exporter
from ._common import FRAMES_SETTING, seconds_field, timed_shapes, timed_sheet, track_end
from ._reading import ReadOptions, malformed, text_of


def write(sheet: Sheet, options: ExportOptions) -> bytes:
    """One track (``options.track``, default the first) as Rhubarb TSV, LF line endings.

    Each cue is a line with its start in seconds (two decimals, more where two would name the
    frame before: :func:`~lipsync.exporters._common.frame_time`) and its shape; a final line
    gives the end of the last cue with the preset's rest shape, as Rhubarb writes it.
    ``options.extra["frames"] == "synfig"``: times for Synfig's Switch layer instead.
    """
    track = sheet.track(options.track)
    synfig = options.extra.get("frames", "floor").strip().lower() == "synfig"
    lines = [f"{cue.start}\t{cue.shape}\n" for cue in timed_shapes(sheet, track, synfig)]
    lines.append(f"{track_end(sheet, track, synfig)}\t{sheet.preset.rest}\n")
    return "".join(lines).encode("utf-8")


def read(data: bytes, options: ReadOptions) -> Sheet:
    """A one-track sheet from Rhubarb TSV: ``start<TAB>shape`` lines, the last one the end."""
    rows = []
    for number, line in enumerate(text_of(data, options).splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 2 or not fields[1].strip():
            raise malformed(options, f"line {number}", f"{line!r} is not a Rhubarb cue", "'start<TAB>shape'")
        rows.append((seconds_field(fields[0], options, f"line {number}"), fields[1].strip()))
    if not rows:
        raise malformed(options, "line 1", "no cues", "Rhubarb TSV lines 'start<TAB>shape'")
    return timed_sheet(rows[:-1] or rows, rows[-1][0], options, rest=rows[-1][1])


EXPORTER = Exporter(
    name="tsv",
    extensions=(".tsv",),
    description="Rhubarb Lip Sync TSV: start seconds and mouth shape per line",
    importers="tools and scripts that read Rhubarb Lip Sync's default TSV output, Synfig's Switch layer (frames=synfig)",
    write=write,
    read=read,
    settings=(FRAMES_SETTING,),
)
