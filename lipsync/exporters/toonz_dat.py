"""OpenToonz lip-sync data (``.toonz.dat``): Moho switch data with the Preston Blair mouth names,
the only names OpenToonz's *Xsheet > Apply Lip Sync Data to Column* knows (formats.md section 2).

OpenToonz (``lipsyncpopup.cpp``) keeps only lines of two space-separated tokens, matches the name
case-insensitively against its ten slots ``ai e o u fv l mbp wq etc|other rest`` and skips any
other name without a word, so the preset's own names (Rhubarb letters, anime ``open``...) would
fill no row at all. This format therefore always writes the Preston Blair names, mapped by
:func:`~lipsync.exporters._production.preston_blair_names` (Rhubarb's own table, the anime
mouths by shape, any other shape by its openness), and warns naming every group of shapes that
share one slot. Moho's ``dat`` keeps the preset's names (a Moho switch layer's sub-layers).
"""

from __future__ import annotations

from ..sheet import Sheet
from . import ExportOptions, Exporter
from ._production import frame_shapes, preston_blair_names, switch_lines, warn_merged
from .moho_dat import read


def write(sheet: Sheet, options: ExportOptions) -> bytes:
    """One track (``options.track``, default the first) as OpenToonz lip-sync data, ASCII, LF.

    ``MohoSwitch1``, then ``<frame> <Preston Blair name>`` from frame 1 at every change of the
    written name, and the rest mouth one frame after the end (OpenToonz gives the last line one
    row). Shapes of the preset that map to one Preston Blair mouth merge, with a warning naming
    them, e.g. ``toonz-dat: OpenToonz's 10 lip-sync mouths merge FF+TH as etc``.
    """
    track = sheet.track(options.track)
    names = preston_blair_names(sheet.preset)
    per_frame = frame_shapes(sheet, track)
    warn_merged("toonz-dat", "OpenToonz's lip-sync data holds the 10 Preston Blair mouths", track, sheet.preset,
                names, per_frame, "use a Preston Blair preset to keep every mouth")
    lines = switch_lines(per_frame, names, sheet.preset.rest)
    return ("MohoSwitch1\n" + "".join(line + "\n" for line in lines)).encode("ascii")


EXPORTER = Exporter(
    name="toonz-dat",
    extensions=(),
    suffix=".toonz.dat",
    description="OpenToonz lip-sync data: Moho switch data with the Preston Blair names, shapes merged by openness",
    importers="OpenToonz Xsheet > Apply Lip Sync Data to Column",
    write=write,
    read=read,
)
