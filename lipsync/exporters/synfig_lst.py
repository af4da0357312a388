"""Synfig's image list variant of Moho switch data (``.lst``), with an ``FPS`` line
(formats.md section 2).

Read by Synfig Studio (File > Import of a ``.lst`` file): each line's mouth name becomes the image
``<folder of the .lst>/<name>.<ext>``, from the first listed frame onwards, at the ``FPS`` given.
Synfig reads any fps but lipsync writes a whole number, as Papagayo does.
"""

from __future__ import annotations

from ..errors import OptionError
from ..sheet import Sheet
from . import ExportOptions, Exporter, Setting
from ._production import NAMES_SETTING, frame_shapes_at, integer_rate, output_names, switch_lines

# The image types Synfig's list importer accepts as an extension line.
IMAGE_TYPES = ("bmp", "gif", "jpg", "png", "ppm", "svg", "tiff")


def write(sheet: Sheet, options: ExportOptions) -> bytes:
    """One track (``options.track``, default the first) as a Synfig ``.lst`` file, LF line ends.

    ``MohoSwitch1``, ``FPS n`` (the sheet's rate rounded to a whole number, with a warning naming
    the drift when it is not one already; frames are then counted at that rate so the mouths stay
    in sync with the sound), the image type line, then 1-based ``<frame> <name>`` lines and the
    rest mouth one frame after the end. ``options.extra``: ``names`` as for ``dat``, ``ext`` the
    image type of the mouth files (default ``png``).
    """
    track = sheet.track(options.track)
    ext = options.extra.get("ext", "png").strip().lower().lstrip(".")
    if ext not in IMAGE_TYPES:
        raise OptionError(f"Synfig cannot list images of type {ext!r}", f"use ext= one of {', '.join(IMAGE_TYPES)}")
    rate = integer_rate(sheet, "Synfig .lst")
    per_frame = frame_shapes_at(sheet, track, rate)
    names = output_names(sheet, options, "lst", track, per_frame)
    lines = ["MohoSwitch1", f"FPS {rate}", ext, *switch_lines(per_frame, names, sheet.preset.rest)]
    return "".join(line + "\n" for line in lines).encode("utf-8")


EXPORTER = Exporter(
    name="lst",
    extensions=(".lst",),
    description="Synfig image list: Moho switch data with an FPS line, one image per mouth",
    importers="Synfig Studio (import of a .lst file)",
    write=write,
    settings=(NAMES_SETTING,
              Setting("ext", "the image type of the mouth drawings, named <mouth>.<ext> beside the .lst",
                      IMAGE_TYPES, "png")),
)
