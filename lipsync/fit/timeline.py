"""Mouth openness per frame: the common ground on which a dub is compared with the picture.

Every input of a dub-fit check (a lipsync sheet, an XDTS timesheet from the production, or a
voice track analyzed on the fly) becomes a :class:`MouthTimeline`: one openness value per frame,
0 closed, 1 half open, 2 open (the anime three-mouth classes, ``ShapeInfo.openness`` of the
preset), or :data:`HIDDEN` (-1) where the sheet shows no mouth (an empty XDTS cell: the
character is off screen, so any dub fits there). Plus the dialogue lines, if the sheet has them,
and which of them the recording does not say as its script has them (:func:`with_script`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from ..sheet import SCRIPT_LINE_STATES, ScriptLine, Sheet, SheetLine, Track
from ..timing import FrameRate
from ..vad import runs

#: Openness of a frame on which no mouth is shown.
HIDDEN = -1

#: What became of a script line the recording does not say as written (:class:`ScriptLine`'s
#: status): not found (its mouths are those recognized without the script), or uncertain (aligned,
#: but perhaps to other words).
UNCERTAIN, NOT_FOUND = SCRIPT_LINE_STATES[1:3]


@dataclass(frozen=True, eq=False)
class MouthTimeline:
    """One character's mouth openness per frame at ``rate``, and its dialogue lines.

    ``openness`` is an int8 array, one value per frame: 0 closed, 1 half, 2 open, -1 hidden.
    ``off_script``: the lines the recording does not say as the script has them, with what became
    of them (:data:`NOT_FOUND` or :data:`UNCERTAIN`); a line not found with no time of its own
    (its neighbours' words fill the time it was searched in) is here and not in ``lines``.
    """

    name: str
    rate: FrameRate
    openness: np.ndarray
    lines: tuple[SheetLine, ...] = ()
    off_script: Mapping[SheetLine, str] = field(default_factory=dict)

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

    def moved(line: SheetLine) -> SheetLine:
        start = rate.nearest_frame(old.seconds_at(line.frame))
        end = rate.nearest_frame(old.seconds_at(line.frame + line.length))
        return SheetLine(start, max(1, end - start), line.text)

    return MouthTimeline(timeline.name, rate, timeline.openness[index], tuple(moved(line) for line in timeline.lines),
                         {moved(line): status for line, status in timeline.off_script.items()})


def with_script(timelines: Sequence[MouthTimeline], script: Sequence[ScriptLine]) -> tuple[MouthTimeline, ...]:
    """The timelines of an analyzed recording with what became of its script's lines
    (:attr:`lipsync.sheet.Sheet.script`): each line not found in the recording placed where it
    was searched for (the sheet has no line for it, having no aligned word of it; the mouths there
    are those recognized without the script, i.e. what the recording says), and each line not
    found or uncertain marked in ``off_script``. A line goes to its own track, or to the only one."""
    result = []
    for timeline in timelines:
        lines = list(timeline.lines)
        marks: dict[SheetLine, str] = {}
        for item in script:
            owner = item.track or (timeline.name if len(timelines) == 1 else None)
            if item.status not in (NOT_FOUND, UNCERTAIN) or item.start is None or owner != timeline.name:
                continue
            start = timeline.rate.frame_at(item.start)
            end = max(start + 1, timeline.rate.frames_in(item.end if item.end is not None else item.start))
            if item.status == UNCERTAIN:
                line = min((line for line in timeline.lines if line.text == item.text),
                           key=lambda line: abs(line.frame - start), default=None)
            else:
                line = _free_span(lines, start, end, item.text)
                if line.length:
                    lines.append(line)
            if line is not None:
                marks[line] = item.status
        result.append(replace(timeline, lines=tuple(sorted(lines, key=lambda line: (line.frame, line.length))),
                              off_script=marks))
    return tuple(result)


def _free_span(lines: Sequence[SheetLine], start: int, end: int, text: str) -> SheetLine:
    """The longest part of frames ``start``-``end`` that no line of ``lines`` covers, as a line
    with ``text`` (length 0 at ``start`` when they cover it all)."""
    free = np.ones(end - start, dtype=bool)
    for line in lines:
        free[max(0, line.frame - start):max(0, min(end, line.frame + line.length) - start)] = False
    starts, ends = runs(free)
    if not starts.size:
        return SheetLine(start, 0, text)
    longest = int(np.argmax(ends - starts))
    return SheetLine(start + int(starts[longest]), int(ends[longest] - starts[longest]), text)


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
