"""Helpers shared by the Rhubarb-compatible exporters (TSV, JSON, XML).

Rhubarb Lip Sync writes times as seconds with two decimals and its cues cover the clip without
gaps from 0.00; these helpers turn a track's frame cues into that form once for all three. Two
decimals cannot name every frame start (frame 7 at 24 fps starts at 0.2916...: ``0.29`` is in
frame 6), so a start is written with the fewest decimals, two or more, that put it inside its
own frame for a reader that floors ``t x fps`` (Synfig's Switch layer) and for one that rounds it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..sheet import Cue, Sheet, Source, Track
from ..timing import FrameRate
from ._reading import ReadOptions, cues_from_changes, malformed, shape_set


@dataclass(frozen=True)
class TimedShape:
    """A Rhubarb mouth cue: ``shape`` from ``start`` to ``end``, both seconds as ``"0.00"`` text."""

    start: str
    end: str
    shape: str


def format_seconds(seconds: float) -> str:
    """Seconds with two decimals, as Rhubarb writes them (``formatDuration``)."""
    return f"{seconds:.2f}"


def frame_seconds(sheet: Sheet, frame: int) -> str:
    """The start time of ``frame`` as Rhubarb text; a cue's end and the next cue's start agree.

    >>> from lipsync.timing import FrameRate
    >>> [frame_time(FrameRate(24), frame) for frame in (0, 2, 7, 12)]
    ['0.00', '0.09', '0.30', '0.50']
    >>> frame_time(FrameRate(60), 7), frame_time(FrameRate(30000, 1001), 1000)
    ('0.12', '33.37')
    """
    return frame_time(sheet.rate, frame)


def frame_time(rate: FrameRate, frame: int) -> str:
    """Seconds inside ``frame`` at ``rate``, with the fewest decimals (two or more) for which
    both ``floor(t * fps)`` and ``round(t * fps)`` give ``frame`` back."""
    fps = rate.num / rate.den
    for decimals in range(2, 10):
        scale = 10 ** decimals
        first = -(-frame * rate.den * scale // rate.num)  # ceil(start * scale), exactly
        for steps in (first, first + 1):  # +1: the exact start may read as just below it in floats
            text = f"{steps // scale}.{steps % scale:0{decimals}d}"
            position = float(text) * fps
            if math.floor(position) == frame and round(position) == frame:
                return text
    raise ValueError(f"no decimal time inside frame {frame} at {rate} fps")


def _contiguous(track: Track, rest: str) -> Iterator[Cue]:
    """The track's cues from frame 0, with any gap before or between them shown as ``rest``."""
    position = 0
    for cue in sorted(track.cues, key=lambda cue: cue.frame):
        if cue.frame > position:
            yield Cue(position, cue.frame - position, rest)
        yield cue
        position = cue.end


def timed_shapes(sheet: Sheet, track: Track) -> tuple[TimedShape, ...]:
    """The track's cues as contiguous Rhubarb cues (empty for a track without cues)."""
    return tuple(
        TimedShape(frame_seconds(sheet, cue.frame), frame_seconds(sheet, cue.end), cue.shape)
        for cue in _contiguous(track, sheet.preset.rest)
    )


def mouth_cues(sheet: Sheet, track: Track) -> tuple[TimedShape, ...]:
    """Cues for Rhubarb's JSON and XML: like Rhubarb, a track without cues gets one
    zero-length rest cue so that readers always find at least one."""
    zero = frame_seconds(sheet, 0)
    return timed_shapes(sheet, track) or (TimedShape(zero, zero, sheet.preset.rest),)


def track_end(sheet: Sheet, track: Track) -> str:
    """The end of the track's last cue (0.00 without cues) as Rhubarb text."""
    return frame_seconds(sheet, max((cue.end for cue in track.cues), default=0))


def sound_file(sheet: Sheet) -> str:
    """The audio path for Rhubarb's ``soundFile`` metadata, or ``""`` when unknown."""
    return sheet.source.path or ""


def timed_sheet(starts: Sequence[tuple[float, str]], end: float, options: ReadOptions, *,
                sound: str | None = None, duration: float = 0.0, rest: str = "X") -> Sheet:
    """A one-track sheet from Rhubarb cues (start seconds and shape; the mouth closes at ``end``)
    put on frames at the reader's rate: a cue starting inside a frame starts on that frame."""
    rate = options.frame_rate
    frames = max(rate.frame_at(end), max((rate.frame_at(start) + 1 for start, _ in starts), default=0))
    shapes = shape_set((shape for _, shape in starts), options, rest, "the Rhubarb cues")
    changes = [(rate.frame_at(start), shape) for start, shape in starts]
    track = Track(Path(options.path).name.split(".")[0] or "track", cues_from_changes(changes, frames))
    return Sheet(rate, frames, (track,), shapes, Source(sound, duration))


def seconds_field(text: str, options: ReadOptions, where: str) -> float:
    """A time in seconds read from a file (FormatError naming where, for anything else)."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise malformed(options, where, f"{text!r} is not a time", "seconds such as 0.25") from None
    if not math.isfinite(value) or value < 0:
        raise malformed(options, where, f"{text!r} is not a time", "seconds from 0 on")
    return value

