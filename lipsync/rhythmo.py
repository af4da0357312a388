"""The rhythmo band: the dub's text on a band that scrolls right to left under the picture.

In French and Quebec dubbing the actors read their lines from a band that scrolls under the
picture: each word is written over the frames where it must be spoken, so that it crosses a
fixed reading line at the moment to say it. ``lipsync preview ORIGINAL --rythmo dub.srt`` makes
that band from the original's sheet and

- a dub script (SRT, text...): each line timed onto the original line it goes with, from its
  text alone, by the adaptation's prediction (:func:`lipsync.fit.adapt.time_script`);
- or a recorded dub's aligned sheet (``lipsync analyze dub.wav -s dub.srt -f sheet``): its own
  words, where the actor said them.

The band shows one lane per character: the words, each stretched over its frames with a line
under it to its last frame; the dub's lip closures (m, b, p) as marks under the text; the
picture's mouth closures inside its lines as red bars over it; a ruler of frames and seconds;
and the fixed reading line. :class:`BandScript` is that content in frames (pure data, tested on
its own); :class:`RhythmoBand` draws it, tile by tile, and hands the preview one window a frame.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import ScriptError
from .phonemes import is_bilabial
from .sheet import Phone, Sheet, Word
from .timing import FrameRate
from .video import YuvImage, rgb_to_yuv

if TYPE_CHECKING:  # pragma: no cover
    from .dialogue import Line

_PAPER = (251, 247, 234)
_INK = (26, 26, 30)
_LANE_LINE = (205, 198, 180)
_PICTURE_CLOSURE = (210, 52, 52)
_DUB_CLOSURE = (42, 98, 201)
_READING_LINE = (232, 98, 24)
_RULER = (120, 114, 100)
_TILE = 1024
_TEXT_TOP, _TEXT_HEIGHT = 0.22, 0.46   # where a lane's words are, as shares of its height
#: Where the fixed reading line is, as a share of the band's width from its left edge.
READING_LINE = 0.25
#: Dub scripts are read as scripts; any other file as a recorded dub's aligned sheet.
SCRIPT_ENDINGS = (".txt", ".srt", ".vtt", ".ass", ".ssa", ".csv", ".tsv")


@dataclass(frozen=True)
class BandWord:
    """A word to be said from ``frame`` to ``end`` (exclusive) in lane ``lane``."""

    frame: int
    end: int
    text: str
    lane: int


@dataclass(frozen=True)
class BandMark:
    """A closure from ``frame`` to ``end`` (exclusive) in lane ``lane``: ``"picture"`` where the
    picture's mouth closes inside a line, ``"dub"`` where the dub's text closes the lips (m, b, p)."""

    frame: int
    end: int
    lane: int
    kind: str


@dataclass(frozen=True)
class BandScript:
    """What the band shows, in frames at ``rate``: lane names (characters), words and marks."""

    rate: FrameRate
    frames: int
    lanes: tuple[str, ...]
    words: tuple[BandWord, ...]
    marks: tuple[BandMark, ...]


def picture_closures(sheet: Sheet, track_name: str, lane: int) -> list[BandMark]:
    """The frames where the picture's mouth (track ``track_name`` of ``sheet``) is closed inside
    the speech of one of its dialogue lines: what the dub must close on too."""
    from .fit.timeline import speech_extent, track_openness
    from .vad import runs

    track = sheet.track(track_name)
    openness = track_openness(sheet, track)
    marks = []
    for line in track.lines:
        extent = speech_extent(openness, line.frame, line.frame + line.length)
        if extent is None:
            continue
        starts, ends = runs(openness[extent[0]:extent[1]] == 0)
        marks += [BandMark(extent[0] + int(a), extent[0] + int(b), lane, "picture") for a, b in zip(starts, ends)]
    return marks


def _frames(start: float, end: float, rate: FrameRate) -> tuple[int, int]:
    """The frames of a stretch of seconds, both ends on the frame showing them, so that a word
    ending where the next begins shares no frame with it; at least one frame."""
    first = rate.frame_at(start)
    return first, max(first + 1, rate.frame_at(end))


def _dub_marks(phones: Sequence[Phone], rate: FrameRate, lane: int) -> list[BandMark]:
    return [BandMark(*_frames(p.start, p.end, rate), lane, "dub") for p in phones if is_bilabial(p.symbol)]


def _band_words(words: Sequence[Word], rate: FrameRate, lane: int) -> list[BandWord]:
    return [BandWord(*_frames(w.start, w.end, rate), w.text, lane) for w in words if w.text.strip()]


def band_from_words(original: Sheet, spoken: Mapping[str, tuple[Sequence[Word], Sequence[Phone]]]) -> BandScript:
    """The band of ``spoken`` words and phones (seconds) per original track name, over the
    original's frames; a lane per track, in the original's order, with its picture closures."""
    names = [track.name for track in original.tracks if track.name in spoken]
    words: list[BandWord] = []
    marks: list[BandMark] = []
    for lane, name in enumerate(names):
        said, phones = spoken[name]
        words += _band_words(said, original.rate, lane)
        marks += _dub_marks(phones, original.rate, lane)
        marks += picture_closures(original, name, lane)
    frames = max([original.duration_frames, *(w.end for w in words)])
    return BandScript(original.rate, frames, tuple(names), tuple(words), tuple(sorted(marks, key=lambda m: m.frame)))


def _match_track(original: Sheet, name: str) -> str | None:
    by_fold = {track.name.casefold(): track.name for track in original.tracks}
    if name.casefold() in by_fold:
        return by_fold[name.casefold()]
    return original.tracks[0].name if len(original.tracks) == 1 else None


def band_from_aligned(original: Sheet, dub: Sheet) -> BandScript:
    """The band of a recorded dub's aligned sheet (its words and phones, where the actor said
    them) under the original: dub tracks go with the original's tracks of the same name (or the
    only one). Raises :class:`ScriptError` when the dub sheet has no words."""
    spoken: dict[str, tuple[list[Word], list[Phone]]] = {}
    for track in dub.tracks:
        if not track.words:
            continue
        name = _match_track(original, track.name)
        if name is None:
            raise ScriptError(f"the dub's track {track.name!r} goes with none of the original's tracks",
                              "name the dub's tracks like the original's: "
                              + ", ".join(t.name for t in original.tracks))
        words, phones = spoken.setdefault(name, ([], []))
        words += track.words
        phones += track.phones
    if not spoken:
        raise ScriptError("the dub sheet has no words to write on the band",
                          "analyze the dub with its script (lipsync analyze dub.wav -s dub.srt -f sheet)")
    return band_from_words(original, spoken)


def band_from_script(original: Sheet, lines: Sequence[Line], language: str,
                     preset: str | Path | None = None) -> BandScript:
    """The band of a dub script, each line timed onto the original line it goes with from its
    text alone (the adaptation's prediction). With several original tracks, each line's speaker
    (``NAME: text``) picks its track."""
    from .fit.adapt import time_script

    groups: dict[str, list[Line]] = {}
    for line in lines:
        if len(original.tracks) == 1:
            name = original.tracks[0].name
        else:
            name = _match_track(original, line.speaker or "")
            if name is None:
                raise ScriptError(f"dub line {line.text[:40]!r} has "
                                  + (f"speaker {line.speaker!r}, who has no track in the original"
                                     if line.speaker else "no speaker"),
                                  "start each line with a character of the original: "
                                  + ", ".join(t.name for t in original.tracks) + ": text")
        groups.setdefault(name, []).append(line)
    spoken: dict[str, tuple[list[Word], list[Phone]]] = {}
    for name, group in groups.items():
        timed = time_script(original, group, language, track=name,
                            preset=str(preset) if preset is not None else None)
        spoken[name] = ([w for t in timed for w in t.words], [p for t in timed for p in t.phones])
    return band_from_words(original, spoken)


def band_from_file(original: Sheet, source: str | Path, language: str, preset: str | Path | None = None) -> BandScript:
    """The band of the dub in file ``source``: a dub script (timed from its text, in
    ``language``), else a recorded dub's aligned sheet (its words where the actor said them)."""
    from .dialogue import read_script
    from .export import load_sheet

    if str(source).lower().endswith(SCRIPT_ENDINGS):
        return band_from_script(original, read_script(str(source)), language, preset)
    return band_from_aligned(original, load_sheet(str(source), fps=original.rate, preset=preset))


def band_to_dict(script: BandScript) -> dict[str, Any]:
    """The band as JSON-ready data (what the review page draws), frames as in :class:`BandScript`.

    >>> band = BandScript(FrameRate.parse("24"), 48, ("ANNA",), (BandWord(2, 9, "hola", 0),),
    ...                   (BandMark(5, 6, 0, "picture"),))
    >>> band_to_dict(band)["words"]
    [{'frame': 2, 'end': 9, 'text': 'hola', 'lane': 0}]
    """
    return {"rate": {"num": script.rate.num, "den": script.rate.den, "text": str(script.rate)},
            "frames": script.frames, "lanes": list(script.lanes), "reading_line": READING_LINE,
            "words": [{"frame": w.frame, "end": w.end, "text": w.text, "lane": w.lane} for w in script.words],
            "marks": [{"frame": m.frame, "end": m.end, "lane": m.lane, "kind": m.kind} for m in script.marks]}


# --- drawing ------------------------------------------------------------------------------------


class RhythmoBand:
    """Draws a :class:`BandScript` as a band ``width`` pixels wide showing ``seconds`` of it:
    ``window(frame, width)`` is the band at ``frame``, the frame's words at the reading line
    (a quarter of the way in from the left). Tiles are drawn when first shown and a few kept."""

    def __init__(self, script: BandScript, width: int, lane_height: int, seconds: float = 4.0) -> None:
        self.script = script
        self.width = width
        self.lane_height = max(24, lane_height // 2 * 2)
        self.ruler = max(8, self.lane_height // 6 // 2 * 2)
        self.height = self.ruler + self.lane_height * max(1, len(script.lanes))
        frames_shown = max(1.0, seconds * float(script.rate))
        self.pixels_per_frame = max(2, int(width / frames_shown) // 2 * 2)
        self.reading_x = int(width * READING_LINE) // 2 * 2
        self._tiles: dict[int, YuvImage] = {}
        self._window = YuvImage(np.zeros((self.height, width), np.uint8), np.zeros((self.height // 2, width // 2), np.uint8),
                                np.zeros((self.height // 2, width // 2), np.uint8))
        self._overlays = self._fixed_overlays()
        self._words_by_tile = self._index(self.script.words)
        self._marks_by_tile = self._index(self.script.marks)

    def _index(self, items: Sequence[Any]) -> dict[int, list[Any]]:
        """Items by the tiles their frames reach into (a word's letters stay within its frames)."""
        by_tile: dict[int, list[Any]] = {}
        for item in items:
            left, right = item.frame * self.pixels_per_frame, item.end * self.pixels_per_frame
            for tile in range(left // _TILE, right // _TILE + 1):
                by_tile.setdefault(tile, []).append(item)
        return by_tile

    def underline_y(self, lane: int) -> int:
        """The row of the line drawn under lane ``lane``'s words."""
        return int(self.ruler + self.lane_height * (lane + _TEXT_TOP + _TEXT_HEIGHT + 0.06))

    def x_of(self, frame: int, shown: int) -> int:
        """Where ``frame``'s left edge is on the band shown at frame ``shown``."""
        return self.reading_x + (frame - shown) * self.pixels_per_frame

    def _fixed_overlays(self) -> list[tuple[YuvImage, int, int]]:
        from PIL import Image, ImageDraw

        from .textdraw import font_for

        overlays = []
        line = Image.new("RGB", (4, self.height), _READING_LINE)
        overlays.append((rgb_to_yuv(np.asarray(line)), self.reading_x - 2, 0))
        for lane, name in enumerate(self.script.lanes):
            size = max(8, self.lane_height // 5)
            font = font_for(name, size)
            width = int(font.getlength(name)) + 12
            width += width % 2
            label = Image.new("RGB", (width, size + 6 + (size % 2)), _LANE_LINE)
            ImageDraw.Draw(label).text((6, label.height / 2), name, font=font, fill=_INK, anchor="lm")
            y = self.ruler + lane * self.lane_height + 2    # over the past, left of the reading line
            overlays.append((rgb_to_yuv(np.asarray(label)), 0, y))
        return overlays

    def _tile(self, index: int) -> YuvImage:
        if index not in self._tiles:
            if len(self._tiles) >= 4:   # frames go forward: the leftmost tile is done with
                self._tiles.pop(min(self._tiles))
            self._tiles[index] = rgb_to_yuv(np.asarray(self.draw_tile(index)))
        return self._tiles[index]

    def draw_tile(self, index: int) -> Any:
        """The band's pixels from ``index * 1024`` to ``(index + 1) * 1024`` (frame 0 at 0), RGB."""
        from PIL import Image, ImageDraw

        from .textdraw import font_for

        left = index * _TILE
        ppf = self.pixels_per_frame
        image = Image.new("RGB", (_TILE, self.height), _PAPER)
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 0, _TILE, self.ruler - 1), fill=(236, 230, 214))
        nominal = self.script.rate.nominal
        for frame in range(max(0, left // ppf), min(self.script.frames, (left + _TILE) // ppf + 1)):
            x = frame * ppf - left
            long = frame % nominal == 0
            draw.line((x, 0 if long else self.ruler // 2, x, self.ruler - 1), fill=_RULER, width=2 if long else 1)
        for lane in range(1, len(self.script.lanes)):
            y = self.ruler + lane * self.lane_height
            draw.line((0, y, _TILE, y), fill=_LANE_LINE, width=2)
        text_top, text_height = _TEXT_TOP, _TEXT_HEIGHT
        for mark in self._marks_by_tile.get(index, []):
            x0, x1 = mark.frame * ppf - left, mark.end * ppf - left - 1
            top = self.ruler + mark.lane * self.lane_height
            if mark.kind == "picture":
                draw.rectangle((x0, top + 3, x1, top + self.lane_height * 0.14), fill=_PICTURE_CLOSURE)
            else:
                y = top + self.lane_height * (text_top + text_height + 0.1)
                draw.rectangle((x0, y, x1, y + self.lane_height * 0.08), fill=_DUB_CLOSURE)
        for word in self._words_by_tile.get(index, []):
            top = self.ruler + word.lane * self.lane_height
            size = max(8, int(self.lane_height * text_height * 0.9))
            font = font_for(word.text, size)
            span = (word.end - word.frame) * ppf
            natural = max(1, math.ceil(font.getlength(word.text)))
            mask = Image.new("L", (natural, size + size // 3), 0)
            ImageDraw.Draw(mask).text((0, 0), word.text, font=font, fill=255)
            # the letters fill the word's frames (squeezed when it is said fast, stretched up to
            # twice their width when slow); the line below always runs to its last frame
            room = span - max(2, min(6, ppf // 2))   # a gap before the next word
            stretched = mask.resize((max(1, min(room, natural * 2)), mask.height), Image.Resampling.LANCZOS)
            x = word.frame * ppf - left
            y = int(top + self.lane_height * text_top)
            image.paste(_INK, (x, y), stretched)
            base = self.underline_y(word.lane)
            draw.line((x, base, x + span - 1, base), fill=_INK, width=2)
            draw.line((x, base - 6, x, base + 2), fill=_INK, width=2)
        return image

    def window(self, frame: int, width: int) -> YuvImage:
        """The band as shown at ``frame``: ``width`` pixels (the width it was made for)."""
        start = frame * self.pixels_per_frame - self.reading_x
        window = self._window
        for index in range(math.floor(start / _TILE), math.floor((start + width - 1) / _TILE) + 1):
            window.paste(self._tile(index), index * _TILE - start, 0)
        for overlay, x, y in self._overlays:
            window.paste(overlay, x, y)
        return window
