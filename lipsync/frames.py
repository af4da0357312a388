"""Shapes in seconds to cues on frames, with the animator's timing rules.

:func:`to_frames` lists its steps; each is a pure function over ``(frame, shape)`` change points
or cues:

1. :func:`change_points`: each shape starts on the frame boundary nearest its start, so each
   frame shows the shape heard during most of it; when several start on one frame, a closure
   (the preset's closed mouth) wins, else the last one;
2. :func:`lead`: every change moves ``lead_frames`` earlier, so the mouth leads the sound;
3. :func:`hold_at_least`: no shape is held shorter than ``min_hold_frames``; a short shape joins
   its more open neighbour, except closures, which take frames from a neighbour instead;
4. :func:`on_steps`: on twos or threes, changes happen only every ``step`` frames.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .presets import Preset
from .sheet import Cue, Shape, cues_from_shapes
from .timing import FrameRate


def to_frames(shapes: Sequence[Shape], rate: FrameRate, preset: Preset, duration_frames: int) -> tuple[Cue, ...]:
    """Contiguous cues covering ``duration_frames`` frames at ``rate``.

    >>> from lipsync.presets import load_preset
    >>> preset = load_preset("rhubarb").with_timing(lead_frames=0)
    >>> to_frames([Shape(0, 0.5, "X"), Shape(0.5, 1.0, "D")], FrameRate(24), preset, 24)
    (Cue(frame=0, length=12, shape='X'), Cue(frame=12, length=12, shape='D'))
    """
    timing = preset.timing
    protected = _closure_test(preset)
    points = change_points(shapes, rate, protected)
    points = lead(points, timing.lead_frames, protected)
    cues = cues_from_shapes(points, duration_frames)
    # On twos/threes a hold of a whole number of steps survives the snapping to steps intact.
    hold = -(-timing.min_hold_frames // timing.step) * timing.step
    cues = hold_at_least(cues, hold, protected, _openness(preset))
    cues = on_steps(cues, timing.step, protected, duration_frames)
    return cues


def _closure_test(preset: Preset) -> Callable[[str], bool]:
    closed = preset.closed
    return lambda shape: shape == closed


def _openness(preset: Preset) -> Callable[[str], int]:
    levels = {info.name: info.openness for info in preset.shape_set.shapes}
    return lambda shape: levels.get(shape, 1)


def _resolve(points: Sequence[tuple[int, str]], protected: Callable[[str], bool]) -> list[tuple[int, str]]:
    """One change per frame: a closure wins, else the latest; repeats of a shape are dropped."""
    by_frame: dict[int, str] = {}
    for frame, shape in points:
        current = by_frame.get(frame)
        if current is None or not protected(current) or protected(shape):
            by_frame[frame] = shape
    resolved: list[tuple[int, str]] = []
    for frame in sorted(by_frame):
        if not resolved or resolved[-1][1] != by_frame[frame]:
            resolved.append((frame, by_frame[frame]))
    return resolved


def change_points(shapes: Sequence[Shape], rate: FrameRate, protected: Callable[[str], bool]) -> list[tuple[int, str]]:
    """``(frame, shape)`` for each shape's start frame, collisions resolved."""
    return _resolve([(rate.nearest_frame(shape.start), shape.name) for shape in shapes], protected)


def lead(points: Sequence[tuple[int, str]], frames: int, protected: Callable[[str], bool]) -> list[tuple[int, str]]:
    """Every change but the first (frame 0) happens ``frames`` earlier, not before frame 0."""
    if frames <= 0 or not points:
        return list(points)
    moved = [points[0]] + [(max(0, frame - frames), shape) for frame, shape in points[1:]]
    return _resolve(moved, protected)


def hold_at_least(cues: Sequence[Cue], frames: int, protected: Callable[[str], bool],
                  openness: Callable[[str], int]) -> tuple[Cue, ...]:
    """No cue shorter than ``frames`` (except where the whole sheet is shorter).

    The shortest offending cue is handled first, until none is left: a closure takes frames
    from its longer neighbour; any other shape merges into its more open neighbour.
    """
    current = list(cues)
    while len(current) > 1:
        short = [index for index, cue in enumerate(current) if cue.length < frames]
        if not short:
            break
        index = min(short, key=lambda i: (current[i].length, i))
        cue = current[index]
        before = current[index - 1] if index > 0 else None
        after = current[index + 1] if index + 1 < len(current) else None
        if protected(cue.shape):
            if not _extend_closure(current, index, frames, protected):
                # Every neighbour is a single frame: the closure takes that frame whole.
                current = _merge(current, index + 1 if after is not None else index - 1, index)
            continue
        if before is None or (after is not None and openness(after.shape) > openness(before.shape)):
            target = index + 1
        else:
            target = index - 1
        current = _merge(current, index, target)
    return tuple(current)


def _extend_closure(cues: list[Cue], index: int, frames: int, protected: Callable[[str], bool]) -> bool:
    """Lengthen the closure at ``index`` towards ``frames`` with frames of its longer unprotected
    neighbour (which may become short itself, and is then merged on its own turn)."""
    cue = cues[index]
    candidates = [n for n in (index + 1, index - 1)
                  if 0 <= n < len(cues) and not protected(cues[n].shape) and cues[n].length > 1]
    if not candidates:
        return False
    neighbour = max(candidates, key=lambda n: (cues[n].length, n))
    other = cues[neighbour]
    taken = min(frames - cue.length, other.length - 1)
    if neighbour > index:
        cues[index] = Cue(cue.frame, cue.length + taken, cue.shape)
        cues[neighbour] = Cue(other.frame + taken, other.length - taken, other.shape)
    else:
        cues[neighbour] = Cue(other.frame, other.length - taken, other.shape)
        cues[index] = Cue(cue.frame - taken, cue.length + taken, cue.shape)
    return True


def _merge(cues: list[Cue], index: int, target: int) -> list[Cue]:
    """Give cue ``index``'s frames to its neighbour ``target`` (and join equal neighbours)."""
    cue, other = cues[index], cues[target]
    start = min(cue.frame, other.frame)
    merged = Cue(start, cue.length + other.length, other.shape)
    low, high = min(index, target), max(index, target)
    result = cues[:low] + [merged] + cues[high + 1:]
    joined: list[Cue] = []
    for item in result:
        if joined and joined[-1].shape == item.shape:
            joined[-1] = Cue(joined[-1].frame, joined[-1].length + item.length, item.shape)
        else:
            joined.append(item)
    return joined


def on_steps(cues: Sequence[Cue], step: int, protected: Callable[[str], bool], duration_frames: int) -> tuple[Cue, ...]:
    """On twos or threes: every change moves back to a multiple of ``step`` frames."""
    if step <= 1:
        return tuple(cues)
    points = _resolve([((cue.frame // step) * step, cue.shape) for cue in cues], protected)
    return cues_from_shapes(points, duration_frames)
