"""Helpers shared by the Rhubarb-compatible exporters (TSV, JSON, XML).

Rhubarb Lip Sync writes times as seconds with two decimals and its cues cover the clip without
gaps from 0.00; these helpers turn a track's frame cues into that form once for all three. Two
decimals cannot name every frame start (frame 7 at 24 fps starts at 0.2916...: ``0.29`` is in
frame 6), so a start is written with the fewest decimals, two or more, that put it inside its
own frame for a reader that floors ``t x fps`` (Synfig's Switch layer) and for one that rounds it.
"""

from __future__ import annotations

import math
from fractions import Fraction
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..sheet import Cue, Sheet, Source, Track
from ..timing import FrameRate
from . import Setting
from ._reading import ReadOptions, cues_from_changes, malformed, shape_set


#: How far before a frame's start a time may lie and still be read as that frame (``frames=synfig``).
SNAP_SECONDS = 0.0005

#: The ``frames`` setting of the Rhubarb TSV and XML formats.
FRAMES_SETTING = Setting(
    "frames", "how readers put the times on frames: floor (each start just inside its frame, for readers "
    "that floor or round t x fps) or synfig (at or just before its frame's start, as Synfig's Switch layer "
    "shows a time from the first frame at or after it)", ("floor", "synfig"), "floor")


@dataclass(frozen=True)
class TimedShape:
    """A Rhubarb mouth cue: ``shape`` from ``start`` to ``end``, both seconds as ``"0.00"`` text."""

    start: str
    end: str
    shape: str


def format_seconds(seconds: float) -> str:
    """Seconds with two decimals, as Rhubarb writes them (``formatDuration``)."""
    return f"{seconds:.2f}"


def frame_seconds(sheet: Sheet, frame: int, synfig: bool = False) -> str:
    """The start time of ``frame`` as Rhubarb text; a cue's end and the next cue's start agree.

    >>> from lipsync.timing import FrameRate
    >>> [frame_time(FrameRate(24), frame) for frame in (0, 2, 7, 12)]
    ['0.00', '0.09', '0.30', '0.50']
    >>> frame_time(FrameRate(60), 7), frame_time(FrameRate(30000, 1001), 1000)
    ('0.12', '33.37')
    >>> [frame_time(FrameRate(24), frame, synfig=True) for frame in (0, 2, 7, 12)]
    ['0.00', '0.083', '0.2916', '0.50']
    """
    return frame_time(sheet.rate, frame, synfig)


def frame_time(rate: FrameRate, frame: int, synfig: bool = False) -> str:
    """Seconds inside ``frame`` at ``rate``, with the fewest decimals (two or more) for which
    both ``floor(t * fps)`` and ``round(t * fps)`` give ``frame`` back; with ``synfig``, the
    fewest decimals at or at most :data:`SNAP_SECONDS` before the frame's start for which
    ``round(t * fps)`` gives ``frame`` back (Synfig shows it from that frame on)."""
    fps = rate.num / rate.den
    start = Fraction(frame * rate.den, rate.num)
    for decimals in range(2, 10):
        scale = 10 ** decimals
        if synfig:
            steps = frame * rate.den * scale // rate.num  # floor(start * scale), exactly
            text = f"{steps // scale}.{steps % scale:0{decimals}d}"
            if start - Fraction(steps, scale) <= Fraction(SNAP_SECONDS) and round(float(text) * fps) == frame:
                return text
            continue
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


def timed_shapes(sheet: Sheet, track: Track, synfig: bool = False) -> tuple[TimedShape, ...]:
    """The track's cues as contiguous Rhubarb cues (empty for a track without cues); ``synfig``:
    times for Synfig's Switch layer (:func:`frame_time`)."""
    return tuple(
        TimedShape(frame_seconds(sheet, cue.frame, synfig), frame_seconds(sheet, cue.end, synfig), cue.shape)
        for cue in _contiguous(track, sheet.preset.rest)
    )


def mouth_cues(sheet: Sheet, track: Track, synfig: bool = False) -> tuple[TimedShape, ...]:
    """Cues for Rhubarb's JSON and XML: like Rhubarb, a track without cues gets one
    zero-length rest cue so that readers always find at least one."""
    zero = frame_seconds(sheet, 0)
    return timed_shapes(sheet, track, synfig) or (TimedShape(zero, zero, sheet.preset.rest),)


def track_end(sheet: Sheet, track: Track, synfig: bool = False) -> str:
    """The end of the track's last cue (0.00 without cues) as Rhubarb text."""
    return frame_seconds(sheet, max((cue.end for cue in track.cues), default=0), synfig)


def sound_file(sheet: Sheet) -> str:
    """The audio path for Rhubarb's ``soundFile`` metadata, or ``""`` when unknown."""
    return sheet.source.path or ""


def timed_sheet(starts: Sequence[tuple[float, str]], end: float, options: ReadOptions, *,
                sound: str | None = None, duration: float = 0.0, rest: str = "X") -> Sheet:
    """A one-track sheet from Rhubarb cues (start seconds and shape; the mouth closes at ``end``)
    put on frames at the reader's rate: a cue starting inside a frame starts on that frame, and
    one at most :data:`SNAP_SECONDS` before a frame's start on that frame (Synfig's times)."""
    rate = options.frame_rate
    frames = max(rate.frame_at(end + SNAP_SECONDS),
                 max((rate.frame_at(start + SNAP_SECONDS) + 1 for start, _ in starts), default=0))
    shapes = shape_set((shape for _, shape in starts), options, rest, "the Rhubarb cues")
    changes = [(rate.frame_at(start + SNAP_SECONDS), shape) for start, shape in starts]
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

