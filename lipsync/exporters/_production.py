"""Helpers shared by the production exporters (XDTS, Moho/Synfig, Papagayo, Toonz, TextGrid,
Spine, After Effects, Harmony): a track as one shape per frame, its change points, mouth names
mapped to the Preston Blair set, whole-number frame rates for the formats that need one, and
string literals for the generated scripts.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from fractions import Fraction

from ..errors import FormatError, OptionError
from ..sheet import Sheet, ShapeSet, Track
from ..timing import FrameRate
from . import ExportOptions, Setting, warn

PRESTON_BLAIR = ("AI", "E", "O", "U", "etc", "L", "WQ", "MBP", "FV", "rest")

# Rhubarb's own --datUsePrestonBlair table (rhubarb DatExporter.cpp).
_FROM_RHUBARB = {"A": "MBP", "B": "etc", "C": "E", "D": "AI", "E": "O", "F": "U", "G": "FV",
                 "H": "L", "X": "rest"}
# The anime kuchipaku mouths (presets anime-3 and anime-5).
_FROM_ANIME = {"closed": "MBP", "half": "etc", "open": "AI", "u": "U", "o": "O"}
# Any other shape: by how open it is (0 closed, 1 half, 2 open).
_BY_OPENNESS = {0: "MBP", 1: "etc", 2: "AI"}

NAME_CHOICES = ("preset", "preston-blair")

#: The ``names`` setting of the switch-data formats (``dat``, ``lst``).
NAMES_SETTING = Setting("names", "mouth names written: the preset's own, or mapped to the Preston Blair set",
                        NAME_CHOICES, "preset")


def frame_shapes(sheet: Sheet, track: Track) -> tuple[str, ...]:
    """The shape shown on each frame ``0 .. duration_frames - 1`` of ``track``.

    Frames that no cue covers show the preset's rest shape; cues past the sheet's end are cut.
    Raises FormatError for a shape the sheet's preset does not define.
    """
    known = set(sheet.preset.names)
    shapes = [sheet.preset.rest] * sheet.duration_frames
    for cue in sorted(track.cues, key=lambda cue: cue.frame):
        if cue.shape not in known:
            raise FormatError(
                f"track {track.name!r} uses shape {cue.shape!r} at frame {cue.frame}, "
                f"which preset {sheet.preset.name!r} does not define",
                f"shapes of {sheet.preset.name!r}: {', '.join(sheet.preset.names)}")
        for frame in range(max(cue.frame, 0), min(cue.end, sheet.duration_frames)):
            shapes[frame] = cue.shape
    return tuple(shapes)


def changes(per_frame: Sequence[str]) -> list[tuple[int, str]]:
    """``(frame, name)`` for the first frame and every frame whose name differs from the one before."""
    return [(frame, name) for frame, name in enumerate(per_frame)
            if frame == 0 or per_frame[frame - 1] != name]


def preston_blair_names(preset: ShapeSet) -> dict[str, str]:
    """Each shape of ``preset`` mapped to a Preston Blair mouth (``AI E O U etc L WQ MBP FV rest``).

    Rhubarb letters (and Harmony's A-G X) use Rhubarb's own table (A->MBP B->etc C->E D->AI E->O
    F->U G->FV H->L X->rest); the anime mouths map closed->MBP half->etc open->AI u->U o->O; a
    shape already named like a Preston Blair mouth keeps its name; any other shape goes by its
    openness: the preset's rest shape -> rest, closed -> MBP, half -> etc, open -> AI.
    """
    names = set(preset.names)
    if names <= set(_FROM_RHUBARB):
        return {name: _FROM_RHUBARB[name] for name in preset.names}
    if names <= set(_FROM_ANIME):
        return {name: _FROM_ANIME[name] for name in preset.names}
    mapping = {}
    for shape in preset.shapes:
        if shape.name in PRESTON_BLAIR:
            mapping[shape.name] = shape.name
        elif shape.name == preset.rest:
            mapping[shape.name] = "rest"
        else:
            mapping[shape.name] = _BY_OPENNESS.get(min(max(shape.openness, 0), 2), "etc")
    return mapping


def warn_merged(format_name: str, holds: str, track: Track, preset: ShapeSet, names: dict[str, str],
                per_frame: Iterable[str], remedy: str) -> None:
    """Warn (:func:`~lipsync.exporters.warn`) naming every group of the shapes shown in
    ``per_frame`` that ``names`` writes as one name, in the preset's order, e.g. ``pgo: ...
    track 'ken' merges FF+TH as etc (remedy)``; nothing when no two shown shapes share a name."""
    shown = set(per_frame)
    groups: dict[str, list[str]] = {}
    for shape in preset.names:
        if shape in shown:
            groups.setdefault(names[shape], []).append(shape)
    merged = [f"{'+'.join(shapes)} as {name}" for name, shapes in groups.items() if len(shapes) > 1]
    if merged:
        warn(f"{format_name}: {holds}, so track {track.name!r} merges {'; '.join(merged)} ({remedy})")


def output_names(sheet: Sheet, options: ExportOptions, format_name: str, track: Track,
                 per_frame: Sequence[str]) -> dict[str, str]:
    """The name to write for each preset shape, chosen by ``options.extra["names"]``:
    ``preset`` (default, the preset's own names) or ``preston-blair`` (warning naming the shapes
    of ``per_frame`` that merge)."""
    choice = options.extra.get("names", "preset").strip().lower()
    if choice == "preset":
        return {name: name for name in sheet.preset.names}
    if choice == "preston-blair":
        names = preston_blair_names(sheet.preset)
        warn_merged(format_name, "names=preston-blair writes the 10 Preston Blair mouths", track, sheet.preset, names,
                    per_frame, "names=preset keeps every mouth")
        return names
    raise OptionError(f"unknown names setting {choice!r}", f"use names={' or names='.join(NAME_CHOICES)}")


def integer_rate(sheet: Sheet, format_name: str) -> FrameRate:
    """The sheet's rate as a whole number of frames per second, for formats that store one.

    A non-integer rate (23.976, 29.97...) is rounded, and a warning (:func:`~lipsync.exporters.warn`)
    says how many frames the file's frame numbers drift from the sheet's picture by its end.
    """
    rounded = FrameRate(max(1, round(sheet.rate.fraction)))
    if rounded != sheet.rate:
        drift = float(sheet.duration_frames * (rounded.fraction / sheet.rate.fraction - 1))
        warn(f"{format_name} stores a whole frame rate: {sheet.rate} fps is written as {rounded} fps, so its "
             f"frame numbers drift {abs(drift):.2f} frames {'ahead of' if drift >= 0 else 'behind'} the picture "
             f"over the sheet's {sheet.duration_frames} frames (times in seconds stay in sync)")
    return rounded


def retime(frame: int, source: FrameRate, target: FrameRate) -> int:
    """The frame at rate ``target`` that shows the start of ``frame`` at rate ``source`` (exact)."""
    return math.floor(Fraction(frame) * target.fraction / source.fraction)


def retime_length(frames: int, source: FrameRate, target: FrameRate) -> int:
    """How many frames at ``target`` cover ``frames`` frames at ``source``."""
    return math.ceil(Fraction(frames) * target.fraction / source.fraction)


def frame_shapes_at(sheet: Sheet, track: Track, rate: FrameRate) -> tuple[str, ...]:
    """Like :func:`frame_shapes`, but on frames of another ``rate``: a shape starts on the
    frame showing its start time; when two starts land on one frame, the later shape wins."""
    if rate == sheet.rate:
        return frame_shapes(sheet, track)
    starts = {retime(frame, sheet.rate, rate): shape for frame, shape in changes(frame_shapes(sheet, track))}
    shapes = []
    current = sheet.preset.rest
    for frame in range(retime_length(sheet.duration_frames, sheet.rate, rate)):
        current = starts.get(frame, current)
        shapes.append(current)
    return tuple(shapes)


def single_line(text: str) -> str:
    """``text`` with line breaks and runs of whitespace collapsed to single spaces."""
    return " ".join(text.split())


def js_literal(value: str | int | Iterable[object] | dict[str, object]) -> str:
    """``value`` as a JavaScript literal: JSON, ASCII-only so that no character (U+2028...)
    can end a string early in old JavaScript engines such as ExtendScript and QtScript."""
    if not isinstance(value, (str, int, dict)):
        value = list(value)
    return json.dumps(value, ensure_ascii=True)


def switch_lines(per_frame: Sequence[str], names: dict[str, str], rest: str) -> list[str]:
    """Moho switch-data lines ``"<frame> <name>"``: 1-based frames, one line where the written
    name changes (shapes that map to one name merge), and a last line at rest one frame after
    the end, so that the final shape holds through the last frame.

    Raises FormatError for a name that is empty or contains whitespace, which the readers would
    split into extra tokens and drop.
    """
    for name in set(names.values()):
        if not name or name != "".join(name.split()):
            raise FormatError(f"mouth name {name!r} cannot be written in switch data (spaces split it)",
                              "rename the shape in the preset, or use names=preston-blair")
    lines = [f"{frame + 1} {name}" for frame, name in changes([names[shape] for shape in per_frame])]
    lines.append(f"{len(per_frame) + 1} {names[rest]}")
    return lines
