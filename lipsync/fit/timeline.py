"""Mouth openness per frame: the common ground on which a dub is compared with the picture.

Every input of a dub-fit check (a lipsync sheet, an XDTS timesheet from the production, or a
voice track analyzed on the fly) becomes a :class:`MouthTimeline`: one openness value per frame,
0 closed, 1 half open, 2 open (the anime three-mouth classes, ``ShapeInfo.openness`` of the
preset), or :data:`HIDDEN` (-1) where the sheet shows no mouth (an empty XDTS cell: the
character is off screen, so any dub fits there). Plus the dialogue lines, if the sheet has them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..sheet import Sheet, SheetLine, Track
from ..timing import FrameRate
from ..vad import runs

#: Openness of a frame on which no mouth is shown.
HIDDEN = -1


@dataclass(frozen=True, eq=False)
class MouthTimeline:
    """One character's mouth openness per frame at ``rate``, and its dialogue lines.

    ``openness`` is an int8 array, one value per frame: 0 closed, 1 half, 2 open, -1 hidden.
    """

    name: str
    rate: FrameRate
    openness: np.ndarray
    lines: tuple[SheetLine, ...] = ()

    @property
    def duration_frames(self) -> int:
        return int(self.openness.shape[0])

    @property
    def has_speech(self) -> bool:
        """Whether the mouth ever opens."""
        return bool(np.any(self.openness > 0))


def track_openness(sheet: Sheet, track: Track) -> np.ndarray:
    """The openness (0/1/2) of each frame ``0 .. duration_frames - 1`` of a sheet's track.

    Frames no cue covers show the preset's rest shape; a shape the preset does not define counts
    as half open (1), the neutral guess, as in :mod:`lipsync.frames`.

    >>> from lipsync.sheet import Cue, ShapeInfo, ShapeSet
    >>> shapes = ShapeSet("anime-3", "closed", (ShapeInfo("closed", 1, openness=0),
    ...                   ShapeInfo("half", 2, openness=1), ShapeInfo("open", 3, openness=2)))
    >>> sheet = Sheet(FrameRate(24), 6, (), shapes)
    >>> track_openness(sheet, Track("A", (Cue(1, 2, "open"), Cue(3, 1, "half")))).tolist()
    [0, 2, 2, 1, 0, 0]
    """
    levels = {info.name: int(info.openness) for info in sheet.preset.shapes}
    rest = levels.get(sheet.preset.rest, 0)
    values = np.full(max(0, sheet.duration_frames), rest, dtype=np.int8)
    for cue in track.cues:
        start, end = max(cue.frame, 0), min(cue.end, sheet.duration_frames)
        if end > start:
            values[start:end] = levels.get(cue.shape, 1)
    return values


def sheet_timelines(sheet: Sheet) -> tuple[MouthTimeline, ...]:
    """One :class:`MouthTimeline` per track of a lipsync sheet."""
    return tuple(MouthTimeline(track.name, sheet.rate, track_openness(sheet, track), track.lines)
                 for track in sheet.tracks)


def convert_rate(timeline: MouthTimeline, rate: FrameRate) -> MouthTimeline:
    """The timeline sampled at another frame rate: each new frame shows what the old sheet
    showed at that frame's start time (lines keep their times, rounded to the new frames)."""
    if rate == timeline.rate:
        return timeline
    old = timeline.rate
    seconds = old.seconds_at(timeline.duration_frames)
    count = max(1, math.ceil(seconds * rate.num / rate.den - 1e-6))
    ratio = old.fraction / rate.fraction  # exact: no drift over an hour
    index = (np.arange(count, dtype=np.int64) * ratio.numerator) // ratio.denominator
    index = np.clip(index, 0, timeline.duration_frames - 1)
    lines = []
    for line in timeline.lines:
        start = rate.nearest_frame(old.seconds_at(line.frame))
        end = rate.nearest_frame(old.seconds_at(line.frame + line.length))
        lines.append(SheetLine(start, max(1, end - start), line.text))
    return MouthTimeline(timeline.name, rate, timeline.openness[index], tuple(lines))


def flap_count(openness: np.ndarray) -> int:
    """Mouth flaps: each opening and closing of the mouth, i.e. each plateau of openness higher
    than the frames on both sides (the clip counts as closed around it; hidden frames as closed).
    ``0 2 1 2 0`` is two flaps (the mouth half-closes between them), ``0 1 2 1 0`` one.

    >>> flap_count(np.array([0, 2, 1, 2, 0, 0, 1, 2, 1, 0, 1]))
    4
    """
    values = np.maximum(np.asarray(openness, dtype=np.int8), 0)
    if values.size == 0:
        return 0
    changes = np.concatenate(([True], values[1:] != values[:-1]))
    levels = np.concatenate(([0], values[changes], [0]))
    middle = levels[1:-1]
    return int(np.count_nonzero((middle > levels[:-2]) & (middle > levels[2:])))


def speech_segments(openness: np.ndarray, min_gap: int) -> list[tuple[int, int]]:
    """``(start, end)`` frame spans of speech: runs of open mouths, joined across closures
    shorter than ``min_gap`` frames (the closures between words and on M, B, P).

    >>> speech_segments(np.array([0, 2, 0, 2, 0, 0, 0, 1, 0]), min_gap=3)
    [(1, 4), (7, 8)]
    """
    starts, ends = runs(np.asarray(openness) > 0)
    segments: list[tuple[int, int]] = []
    for start, end in zip(starts.tolist(), ends.tolist()):
        if segments and start - segments[-1][1] < min_gap:
            segments[-1] = (segments[-1][0], end)
        else:
            segments.append((start, end))
    return segments


def speech_extent(openness: np.ndarray, start: int, end: int) -> tuple[int, int] | None:
    """The first and one-past-last open frame within ``[start, end)``, or None if all closed."""
    start, end = max(0, start), min(int(openness.shape[0]), end)
    if end <= start:
        return None
    open_frames = np.flatnonzero(openness[start:end] > 0)
    if open_frames.size == 0:
        return None
    return start + int(open_frames[0]), start + int(open_frames[-1]) + 1
