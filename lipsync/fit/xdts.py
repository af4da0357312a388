"""The picture's mouth timing from an XDTS timesheet, for the dub fit.

The file is read by the XDTS format's reader (:mod:`lipsync.exporters.xdts`, which follows
OpenToonz's import); here its CELL tracks become mouth openness per frame. XDTS carries no frame
rate; the caller gives one (24 unless told otherwise), or the file's ``frameRate`` key is used.

Drawing numbers become openness through a preset's ``drawing`` numbers: with ``anime-3``,
1 = closed (トジ口), 2 = half (中口), 3 = open (アキ口).
"""

from __future__ import annotations

import re

import numpy as np

from ..errors import FormatError
from ..exporters.xdts import XdtsLine, XdtsSheet, XdtsTrack, parse_xdts, read_xdts
from ..sheet import ShapeSet, SheetLine
from ..timing import FrameRate
from .timeline import HIDDEN, MouthTimeline

_MOUTH_NAME = re.compile(r"mouth|lip|kuchi|口|くち|クチ|mund|bouche|boca|bocca", re.IGNORECASE)

__all__ = ["XdtsLine", "XdtsSheet", "XdtsTrack", "parse_xdts", "read_xdts", "drawing_openness", "is_mouth_name",
           "xdts_timelines"]


def drawing_openness(shapes: ShapeSet) -> dict[int, int]:
    """Drawing number -> openness, from a preset's shapes (anime-3: 1 -> 0, 2 -> 1, 3 -> 2)."""
    table: dict[int, int] = {}
    for shape in shapes.shapes:
        table.setdefault(int(shape.drawing), int(shape.openness))
    return table


def is_mouth_name(name: str) -> bool:
    """Whether a layer name says it is a mouth (MOUTH, lip, 口, kuchi...)."""
    return bool(_MOUTH_NAME.search(name))


def xdts_timelines(sheet: XdtsSheet, shapes: ShapeSet, rate: FrameRate, track: str | None = None,
                   path: str = "XDTS") -> tuple[MouthTimeline, ...]:
    """The mouth tracks of an XDTS sheet as openness timelines.

    The mouth tracks are: the track named ``track`` if given; else the layers whose name says
    mouth (MOUTH, lip, 口, kuchi...); else every layer whose drawings are all drawings of the
    preset. Raises FormatError when there is none, or when a mouth track shows a drawing the
    preset does not define (its openness would be a guess).
    """
    if not sheet.tracks:
        raise FormatError(f"{path}: the XDTS sheet has no CELL track, so no mouth to compare",
                          "export the timesheet with its mouth layer")
    table = drawing_openness(shapes)
    known = ", ".join(f"{d}" for d in sorted(table))
    if track is not None:
        chosen = [t for t in sheet.tracks if t.name == track] or \
                 [t for t in sheet.tracks if t.name.casefold() == track.casefold()]
        if not chosen:
            names = ", ".join(t.name for t in sheet.tracks)
            raise FormatError(f"{path}: no layer named {track!r}", f"layers: {names}")
    else:
        chosen = [t for t in sheet.tracks if is_mouth_name(t.name)]
        if not chosen:
            chosen = [t for t in sheet.tracks
                      if np.any(t.drawings >= 0)
                      and set(np.unique(t.drawings[t.drawings >= 0]).tolist()) <= set(table)]
        if not chosen:
            names = ", ".join(t.name for t in sheet.tracks)
            raise FormatError(
                f"{path}: no mouth track: no layer is named like a mouth and none uses only the "
                f"drawings {known} of preset {shapes.name!r} (layers: {names})",
                "pass --track LAYER, or --preset with the mouth drawings' numbers")
    highest = max([*table, *(int(t.drawings.max(initial=0)) for t in chosen)])
    lookup = np.full(highest + 1, HIDDEN, dtype=np.int8)
    for drawing, level in table.items():
        lookup[drawing] = level
    timelines = []
    for item in chosen:
        drawings = item.drawings
        unknown = sorted(set(np.unique(drawings[(drawings >= 0)]).tolist()) - set(table))
        if unknown:
            raise FormatError(
                f"{path}: layer {item.name!r} shows drawing(s) {', '.join(map(str, unknown[:8]))} "
                f"that preset {shapes.name!r} does not define (its drawings: {known})",
                "pass --preset with a preset whose shapes have these drawing numbers")
        openness = np.where(drawings >= 0, lookup[np.clip(drawings, 0, None)], HIDDEN).astype(np.int8)
        timelines.append(MouthTimeline(item.name, rate, openness, _lines_for(sheet, item, len(chosen))))
    return tuple(timelines)


def _lines_for(sheet: XdtsSheet, track: XdtsTrack, mouths: int) -> tuple[SheetLine, ...]:
    """The dialogue lines of a mouth track: those whose speaker is the layer's name, else those
    on the DIALOG track of the same number (as lipsync writes them), else all when there is one
    mouth."""
    by_speaker = [d.line for d in sheet.dialogue if d.speaker.casefold() == track.name.casefold()]
    if by_speaker:
        return tuple(sorted(by_speaker, key=lambda line: line.frame))
    if mouths == 1:
        return tuple(sorted((d.line for d in sheet.dialogue), key=lambda line: line.frame))
    return tuple(sorted((d.line for d in sheet.dialogue if d.track == track.number), key=lambda line: line.frame))
