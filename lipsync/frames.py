"""Shapes in seconds to cues on frames, with the animator's timing rules.

:func:`to_frames` lists its steps; each is a pure function over ``(frame, shape)`` change points
or cues:

0. :func:`hold_shapes_at_least`: no shape lasts shorter than ``min_hold_seconds`` (a minimum
   in time, as Rhubarb Lip Sync has, before the frame grid): a short shape takes the time it
   lacks from a neighbour that can spare it (the one that leaves it on the frame where it is
   heard), else joins one by the rules of step 3;
1. :func:`change_points`: each shape starts on the frame boundary nearest its start, so each
   frame shows the shape heard during most of it; when several start on one frame, a closure
   (the preset's closed mouth) wins, else the last one;
2. :func:`lead`: every change moves ``lead_frames`` earlier, so the mouth leads the sound;
3. :func:`hold_at_least`: no shape is held shorter than ``min_hold_frames``; a short shape joins
   the neighbour closest to it in openness (the more open one of two as close), except
   closures, which take frames from a neighbour instead;
4. :func:`on_steps`: on twos or threes, changes happen only every ``step`` frames.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Sequence

from .presets import Preset
from .sheet import Cue, Shape, cues_from_shapes
from .timing import FrameRate


def to_frames(shapes: Sequence[Shape], rate: FrameRate, preset: Preset, duration_frames: int) -> tuple[Cue, ...]:
    """Contiguous cues covering ``duration_frames`` frames at ``rate``.

    >>> from lipsync.presets import load_preset
    >>> preset = load_preset("rhubarb").with_timing(lead_frames=0)
    >>> to_frames([Shape(0, 0.5, "X"), Shape(0.5, 1.0, "D")], FrameRate(24), preset, 24)
    (Cue(frame=0, length=12, shape='X', edited=False), Cue(frame=12, length=12, shape='D', edited=False))
    """
    timing = preset.timing
    protected = _closure_test(preset)
    shapes = hold_shapes_at_least(shapes, timing.min_hold_seconds, protected, _openness(preset), preset.rest,
                                  rate.seconds_at(1))
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
    """``(frame, shape)`` for each shape's start frame, collisions resolved. A shape that starts
    on the frame a closure took (the closure shorter than a frame: "m" in "map") starts one
    frame later instead, when it lasts until then: the closure shows and so does the vowel after it.

    >>> from lipsync.sheet import Shape
    >>> shapes = [Shape(0, 1.69, "half"), Shape(1.69, 1.705, "closed"), Shape(1.705, 1.86, "open")]
    >>> change_points(shapes, FrameRate(24), lambda shape: shape == "closed")   # frames 40.6, 40.9, 44.6
    [(0, 'half'), (41, 'closed'), (42, 'open')]
    """
    points: list[tuple[int, str]] = []
    closure = -1  # the frame the latest closure starts on
    for shape in shapes:
        frame = rate.nearest_frame(shape.start)
        if protected(shape.name):
            closure = frame
        elif frame <= closure < rate.nearest_frame(shape.end) - 1:
            frame = closure + 1
        points.append((frame, shape.name))
    return _resolve(points, protected)


def lead(points: Sequence[tuple[int, str]], frames: int, protected: Callable[[str], bool]) -> list[tuple[int, str]]:
    """Every change but the first (frame 0) happens ``frames`` earlier, not before frame 0."""
    if frames <= 0 or not points:
        return list(points)
    moved = [points[0]] + [(max(0, frame - frames), shape) for frame, shape in points[1:]]
    return _resolve(moved, protected)


def hold_at_least(cues: Sequence[Cue], frames: int, protected: Callable[[str], bool],
                  openness: Callable[[str], int], lend: Callable[[str], bool] | None = None,
                  grid: float | None = None) -> tuple[Cue, ...]:
    """No cue shorter than ``frames`` (except where the whole sheet is shorter).

    The shortest offending cue (the earliest of equals) is handled first, until none is left:
    a closure takes frames from its longer neighbour (but see ``grid``). With ``lend``, any
    other shape takes the frames it lacks from the longer of its neighbours that ``lend``
    accepts and that still lasts ``frames`` after giving them (but see ``grid``), unless both
    neighbours are one shape (it would flash between them). Otherwise it merges into the
    neighbour closest to it in openness (the more open of two as close), so that a one-frame
    consonant between a wide vowel and a rounded one does not hold the mouth open a frame too
    long. A heap keeps this O(n log n) over long episodes.

    ``grid`` is the length of a video frame in the cues' units, when they are finer than frames
    (:func:`hold_shapes_at_least`): a short cue then takes its time from the neighbour that
    leaves it covering the middle of the frame its own middle lies in (the frame where it is
    heard), on the fewest frames, before the longer neighbour (:meth:`_Timeline.giver_rank`).
    """
    timeline = _Timeline(cues, grid)
    queue = [(cue.length, cue.frame, node) for node, cue in enumerate(cues) if cue.length < frames]
    heapq.heapify(queue)
    while queue and timeline.alive > 1:
        length, frame, node = heapq.heappop(queue)
        if not timeline.current(node, frame, length):
            continue
        before, after = timeline.previous[node], timeline.following[node]
        if protected(timeline.shape[node]):
            changed = timeline.extend_closure(node, frames, protected)
            if changed is None:
                # Every neighbour is a single frame: the closure takes that frame whole.
                changed = timeline.merge(after if after is not None else before, node)
        else:
            lender = _lender(timeline, node, frames, lend) if lend is not None else None
            if lender is not None:
                changed = timeline.take(node, lender, frames - timeline.length[node])
            else:
                changed = timeline.merge(node, _closest_in_openness(timeline, node, openness))
        for item in changed:
            if timeline.length[item] < frames:
                heapq.heappush(queue, (timeline.length[item], timeline.start[item], item))
    return timeline.cues()


#: Shapes are held to a minimum in time on a grid of microseconds.
_TICKS_PER_SECOND = 1_000_000


def hold_shapes_at_least(shapes: Sequence[Shape], seconds: float, protected: Callable[[str], bool],
                         openness: Callable[[str], int], rest: str | None = None,
                         frame_seconds: float | None = None) -> tuple[Shape, ...]:
    """No shape shorter than ``seconds`` (before framing), by the rules of :func:`hold_at_least`:
    a short closure takes time from a neighbour; any other short shape takes the time it lacks
    from a neighbour that keeps ``seconds`` after giving it (never the ``rest`` shape of a
    pause, nor a closure, and not between two of one shape), else joins the neighbour closest
    to it in openness. Phones shorter than the minimum (a 3 cs l between two vowels) are then
    still seen, as they are heard. ``seconds`` 0 keeps the shapes as they are.

    Of two neighbours that can give the time, the one that gives it is chosen on the frame grid
    of ``frame_seconds`` (one video frame; frames start at time 0): the one that leaves the
    short shape on the frame its middle lies in, where it is heard, and on the fewest frames;
    of two alike (or without ``frame_seconds``), the longer. A 30 ms shape heard early in a
    frame then shows on that frame, not on the next one with the frame it was heard on given
    to its neighbour.

    >>> closed = lambda shape: shape == "A"
    >>> openness = {"A": 0, "B": 1, "C": 2, "D": 2, "H": 2}.get
    >>> shapes = [Shape(0, 0.3, "D"), Shape(0.3, 0.35, "B"), Shape(0.35, 0.38, "A"), Shape(0.38, 0.7, "C")]
    >>> [(s.start, s.end, s.name) for s in hold_shapes_at_least(shapes, 0.07, closed, openness)]
    [(0.0, 0.28, 'D'), (0.28, 0.35, 'B'), (0.35, 0.42, 'A'), (0.42, 0.7, 'C')]
    >>> shapes = [Shape(0, 0.3, "D"), Shape(0.3, 0.33, "H"), Shape(0.33, 0.6, "D")]
    >>> [(s.start, s.end, s.name) for s in hold_shapes_at_least(shapes, 0.05, closed, openness)]
    [(0.0, 0.6, 'D')]

    An H heard from 0.315 to 0.345 s has its middle in frame 7 (0.292-0.333 s at 24 fps): the
    longer C after it would put it on frame 8, the D before it keeps it on frame 7:

    >>> shapes = [Shape(0, 0.315, "D"), Shape(0.315, 0.345, "H"), Shape(0.345, 0.8, "C")]
    >>> [s.start for s in hold_shapes_at_least(shapes, 0.05, closed, openness)]
    [0.0, 0.315, 0.365]
    >>> [s.start for s in hold_shapes_at_least(shapes, 0.05, closed, openness, None, 1 / 24)]
    [0.0, 0.295, 0.345]
    """
    if seconds <= 0 or not shapes:
        return tuple(shapes)
    ticks = [round(shape.start * _TICKS_PER_SECOND) for shape in shapes]
    ticks.append(round(shapes[-1].end * _TICKS_PER_SECOND))
    cues = [Cue(start, end - start, shape.name) for start, end, shape in zip(ticks, ticks[1:], shapes) if end > start]
    held = hold_at_least(cues, round(seconds * _TICKS_PER_SECOND), protected, openness,
                         lambda shape: shape != rest and not protected(shape),
                         None if frame_seconds is None else frame_seconds * _TICKS_PER_SECOND)
    return tuple(Shape(cue.frame / _TICKS_PER_SECOND, (cue.frame + cue.length) / _TICKS_PER_SECOND, cue.shape)
                 for cue in held)


def _closest_in_openness(timeline: _Timeline, node: int, openness: Callable[[str], int]) -> int:
    """The neighbour a short cue joins: the one whose openness is closest to its own, so the
    mouth opens and closes on the frames it should (the more open one when both are as close;
    the earlier one when both are as open)."""
    before, after = timeline.previous[node], timeline.following[node]
    if before is None or after is None:
        return after if before is None else before  # type: ignore[return-value]
    own = openness(timeline.shape[node])

    def rank(neighbour: int) -> tuple[int, int]:
        level = openness(timeline.shape[neighbour])
        return abs(level - own), -level

    return after if rank(after) < rank(before) else before


def _lender(timeline: _Timeline, node: int, frames: int, lend: Callable[[str], bool]) -> int | None:
    """The neighbour that gives a short cue the frames it lacks: the longer of those ``lend``
    accepts that keep ``frames`` after giving; None when none can, or when both neighbours are
    one shape (the short cue would flash between them)."""
    before, after = timeline.previous[node], timeline.following[node]
    if before is not None and after is not None and timeline.shape[before] == timeline.shape[after]:
        return None
    need = frames - timeline.length[node]
    candidates = [n for n in (after, before) if n is not None and lend(timeline.shape[n])
                  and timeline.length[n] - need >= frames]
    if not candidates:
        return None
    return min(candidates, key=lambda n: timeline.giver_rank(node, n, need))


class _Timeline:
    """Cues as a doubly linked list that :func:`hold_at_least` edits in place."""

    def __init__(self, cues: Sequence[Cue], grid: float | None = None) -> None:
        count = len(cues)
        self.grid = grid
        self.start = [cue.frame for cue in cues]
        self.length = [cue.length for cue in cues]
        self.shape = [cue.shape for cue in cues]
        self.previous: list[int | None] = [index - 1 if index else None for index in range(count)]
        self.following: list[int | None] = [index + 1 if index + 1 < count else None for index in range(count)]
        self.live = [True] * count
        self.alive = count

    def current(self, node: int, frame: int, length: int) -> bool:
        """True when a queued ``(length, frame)`` still describes ``node``."""
        return self.live[node] and self.start[node] == frame and self.length[node] == length

    def extend_closure(self, node: int, frames: int, protected: Callable[[str], bool]) -> list[int] | None:
        """Lengthen the closure ``node`` towards ``frames`` from its longer unprotected
        neighbour (which may become short itself); None when no neighbour can give a frame."""
        candidates = [n for n in (self.following[node], self.previous[node])
                      if n is not None and not protected(self.shape[n]) and self.length[n] > 1]
        if not candidates:
            return None

        def give(n: int) -> int:
            return min(frames - self.length[node], self.length[n] - 1)

        neighbour = min(candidates, key=lambda n: self.giver_rank(node, n, give(n)))
        return self.take(node, neighbour, give(neighbour))

    def giver_rank(self, node: int, neighbour: int, frames: int) -> tuple[bool, int, int, int]:
        """How good a giver of ``frames`` to ``node`` its ``neighbour`` is (lowest first): on
        the ``grid``, whether ``node`` would then miss the middle of the frame its own middle lies
        in, and how many frame middles it would cover; then the longer neighbour, the later."""
        longer = (-self.length[neighbour], -self.start[neighbour])
        if not self.grid:
            return False, 0, *longer
        start, end = self.start[node], self.start[node] + self.length[node]
        heard = (math.floor((start + end) / 2 / self.grid) + 0.5) * self.grid
        if self.start[neighbour] > start:
            end += frames
        else:
            start -= frames
        covered = math.ceil(end / self.grid - 0.5) - math.ceil(start / self.grid - 0.5)
        return not start <= heard < end, covered, *longer

    def take(self, node: int, neighbour: int, frames: int) -> list[int]:
        """Move ``frames`` from ``neighbour`` to ``node`` across the edge they share."""
        self.length[node] += frames
        self.length[neighbour] -= frames
        if self.start[neighbour] > self.start[node]:
            self.start[neighbour] += frames
        else:
            self.start[node] -= frames
        return [node, neighbour]

    def merge(self, node: int, target: int) -> list[int]:
        """Give ``node``'s frames to its neighbour ``target``, then join equal neighbours."""
        self.start[target] = min(self.start[node], self.start[target])
        self.length[target] += self.length[node]
        self._unlink(node)
        for neighbour in (self.previous[target], self.following[target]):
            if neighbour is not None and self.shape[neighbour] == self.shape[target]:
                self.start[target] = min(self.start[target], self.start[neighbour])
                self.length[target] += self.length[neighbour]
                self._unlink(neighbour)
        return [target]

    def _unlink(self, node: int) -> None:
        before, after = self.previous[node], self.following[node]
        if before is not None:
            self.following[before] = after
        if after is not None:
            self.previous[after] = before
        self.live[node] = False
        self.alive -= 1

    def cues(self) -> tuple[Cue, ...]:
        """The cues left, in order."""
        result = []
        node = next((index for index, live in enumerate(self.live) if live and self.previous[index] is None), None)
        while node is not None:
            result.append(Cue(self.start[node], self.length[node], self.shape[node]))
            node = self.following[node]
        return tuple(result)


def on_steps(cues: Sequence[Cue], step: int, protected: Callable[[str], bool], duration_frames: int) -> tuple[Cue, ...]:
    """On twos or threes: every change moves back to a multiple of ``step`` frames."""
    if step <= 1:
        return tuple(cues)
    points = _resolve([((cue.frame // step) * step, cue.shape) for cue in cues], protected)
    return cues_from_shapes(points, duration_frames)
