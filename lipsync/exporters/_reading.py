"""Helpers shared by the format readers (the ``read`` of each format module): the options a reader
gets, errors that name the file, the line or field and what was expected, and sheets built from
per-frame mouths or change points."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..errors import FormatError
from ..sheet import Cue, ShapeInfo, ShapeSet, cues_from_shapes
from ..timing import FrameRate

#: The frame rate of a file that stores none, unless the caller gives one.
DEFAULT_RATE = FrameRate(24)


@dataclass(frozen=True)
class ReadOptions:
    """What a reader needs besides the bytes: the file's name (for messages and the sheet's
    source), the frame rate for formats that store none (seconds are put on frames at it), and
    the shape set the file's mouth names or drawing numbers belong to (None: made from the
    names found)."""

    path: str = "sheet"
    rate: FrameRate | None = None
    shapes: ShapeSet | None = None

    @property
    def frame_rate(self) -> FrameRate:
        """The rate to put seconds on frames at."""
        return self.rate or DEFAULT_RATE


def malformed(options: ReadOptions, where: str, problem: str, expected: str) -> FormatError:
    """A FormatError naming the file, where in it (``line 4``, ``field 'duration'``), what is
    wrong and what was expected there."""
    return FormatError(f"{options.path}: {where}: {problem}", f"expected {expected}")


def text_of(data: bytes, options: ReadOptions) -> str:
    """The file as text: UTF-8 (a BOM is skipped) or UTF-16 with a BOM."""
    try:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise malformed(options, f"byte {error.start}", "the file is not UTF-8 text", "a text file") from None


def shape_set(names: Iterable[str], options: ReadOptions, rest: str | None = None,
              format_name: str = "the file") -> ShapeSet:
    """The caller's shape set when it has every name found; else one made of the names, in order
    of appearance, ``rest`` (or the first name) as its rest mouth. FormatError when the caller's
    set lacks a name the file uses."""
    found = list(dict.fromkeys(names))
    if options.shapes is not None:
        missing = [name for name in found if name not in options.shapes.names]
        if missing:
            raise FormatError(f"{options.path}: {format_name} uses mouth names the preset "
                              f"{options.shapes.name!r} does not have: {', '.join(missing)}",
                              f"the preset's names: {', '.join(options.shapes.names)}; choose the preset "
                              "the file was made with (--preset)")
        return options.shapes
    rest = rest if rest is not None else (found[0] if found else "rest")
    if rest not in found:
        found.append(rest)
    return ShapeSet("read", rest, tuple(ShapeInfo(name, number, "", 0 if name == rest else 1)
                                        for number, name in enumerate(found, 1)))


def cues_from_changes(changes: Sequence[tuple[int, str]], duration: int) -> tuple[Cue, ...]:
    """Contiguous cues from ``(frame, shape)`` change points up to ``duration`` frames (the first
    change is moved to frame 0 when the file starts later: the mouth before it is the first)."""
    if not changes or duration <= 0:
        return ()
    points = sorted(changes, key=lambda change: change[0])
    kept: dict[int, str] = {}
    for frame, shape in points:
        kept[max(frame, 0)] = shape  # a later change on the same frame wins
    if 0 not in kept:
        kept[0] = points[0][1]
    return cues_from_shapes(((frame, shape) for frame, shape in kept.items() if frame < duration), duration)
