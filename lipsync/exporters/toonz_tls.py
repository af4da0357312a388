"""Toonz lip-sync file (``.tls``, Magpie Pro's export for Toonz) (formats.md section 3).

Read by OpenToonz (File > Import Toonz Lip Sync File), the only OpenToonz lip-sync input that also
carries the dialogue: it exposes the mapped drawings and builds a sound-text column from the
comments. Layout: ``Toonz``, up to 9 mouth ("act") names, then one ``frame|act|comment`` line per
frame. OpenToonz offers 9 act fields; a frame whose act is not among them shifts the comments,
so at most 9 acts are written and every frame uses one of them.
"""

from __future__ import annotations

from ..errors import FormatError
from ..sheet import Sheet
from . import ExportOptions, Exporter
from ._production import frame_shapes, single_line

MAX_ACTS = 9


def write(sheet: Sheet, options: ExportOptions) -> bytes:
    """One track (``options.track``, default the first) as a Toonz lip-sync file, UTF-8, LF.

    The acts are the preset's shape names, or, for a preset of more than 9 shapes, the ones the
    track uses (FormatError if that is still more than 9). Frames are 1-based; a dialogue line's
    text is the comment of its first frame (``|`` in it becomes ``/``). ``options.extra`` is not used.
    """
    track = sheet.track(options.track)
    per_frame = frame_shapes(sheet, track)
    acts = sheet.preset.names
    if len(acts) > MAX_ACTS:
        acts = tuple(name for name in acts if name in set(per_frame))
    if len(acts) > MAX_ACTS:
        raise FormatError(f"track {track.name!r} uses {len(acts)} mouth shapes; a Toonz lip-sync file holds at most {MAX_ACTS}",
                          "use a preset with at most 9 shapes (rhubarb, anime-3...) or another format such as xdts")
    for act in acts:
        if "|" in act or act == "Toonz" or act != act.strip():
            raise FormatError(f"mouth name {act!r} cannot be a Toonz lip-sync act", "rename the shape in the preset")
    comments: dict[int, str] = {}
    for line in track.lines:
        text = single_line(line.text).replace("|", "/")
        comments[line.frame] = f"{comments[line.frame]} / {text}" if line.frame in comments else text
    rows = ["Toonz", *acts]
    rows += [f"{frame + 1}|{shape}|{comments.get(frame, '')}" for frame, shape in enumerate(per_frame)]
    return "".join(row + "\n" for row in rows).encode("utf-8")


EXPORTER = Exporter(
    name="tls",
    extensions=(".tls",),
    description="Toonz lip-sync file: a mouth and dialogue comment per frame",
    importers="OpenToonz (File > Import Toonz Lip Sync File)",
    write=write,
)
