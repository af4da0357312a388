"""Moho switch data (``.dat``): ``MohoSwitch1``, then ``<frame> <name>`` lines (formats.md section 2).

Read by Moho (a switch layer's Source Data), Blender's "LipSync Importer & Blinker" and any reader
of Papagayo's and Rhubarb's ``.dat`` export. OpenToonz reads the same layout with the Preston
Blair names only: that is the ``toonz-dat`` format (:mod:`lipsync.exporters.toonz_dat`).
Frames are 1-based, fields are separated by a single ASCII space (OpenToonz keeps only lines of
exactly two space-separated tokens) and there is no ``FPS`` line (it crashes the Blender add-on).
"""

from __future__ import annotations

from pathlib import Path

from ..sheet import Sheet, Track
from . import ExportOptions, Exporter
from ._reading import ReadOptions, cues_from_changes, malformed, shape_set, text_of
from ._production import NAMES_SETTING, frame_shapes, output_names, switch_lines


def write(sheet: Sheet, options: ExportOptions) -> bytes:
    """One track (``options.track``, default the first) as Moho switch data, ASCII/UTF-8, LF.

    A line per change of mouth, then the rest mouth one frame after the sheet's end.
    ``options.extra["names"]``: ``preset`` (default: the preset's shape names, which must match
    the switch layer's sub-layers) or ``preston-blair`` (AI E O U etc L WQ MBP FV rest, the names
    Papagayo mouth sets use; shapes that map to one name merge). For OpenToonz, which reads only
    the Preston Blair names, write ``toonz-dat``.
    """
    track = sheet.track(options.track)
    per_frame = frame_shapes(sheet, track)
    lines = switch_lines(per_frame, output_names(sheet, options, "dat", track, per_frame), sheet.preset.rest)
    return ("MohoSwitch1\n" + "".join(line + "\n" for line in lines)).encode("utf-8")


def read(data: bytes, options: ReadOptions) -> Sheet:
    """A one-track sheet from Moho switch data at ``options.rate`` (the file stores none): each
    name from its 1-based frame to the next line; the last line closes the sheet (lipsync,
    Rhubarb and Papagayo end with the rest mouth one frame after the last), and its name is the
    rest mouth."""
    rows = []
    for number, line in enumerate(text_of(data, options).splitlines(), 1):
        if number == 1 and line.strip() == "MohoSwitch1":
            continue
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) != 2 or not fields[0].isdigit() or int(fields[0]) < 1:
            raise malformed(options, f"line {number}", f"{line!r}", "'<frame from 1> <mouth name>'")
        rows.append((int(fields[0]) - 1, fields[1]))
    if not rows:
        raise malformed(options, "line 2", "no switch lines", "'MohoSwitch1' then '<frame> <mouth>' lines")
    duration = max(rows[-1][0], max(frame for frame, _ in rows[:-1]) + 1 if len(rows) > 1 else 1)
    shapes = shape_set((name for _, name in rows), options, rows[-1][1], "the switch data")
    track = Track(Path(options.path).name.split(".")[0] or "track", cues_from_changes(rows[:-1] or rows, duration))
    return Sheet(options.frame_rate, duration, (track,), shapes)


EXPORTER = Exporter(
    name="dat",
    extensions=(".dat",),
    description="Moho switch data: 1-based frame and mouth name per change, no FPS line",
    importers="Moho switch layers, Blender LipSync Importer (OpenToonz: toonz-dat)",
    write=write,
    read=read,
    settings=(NAMES_SETTING,),
)
