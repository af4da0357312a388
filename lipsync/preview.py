"""Preview videos: each character's mouth, drawn, with the sound, as an MP4 anyone can open.

``lipsync preview SHEET [AUDIO] -o preview.mp4`` shows, frame by frame at the sheet's exact
rate, every track's mouth (the built-in drawings of :mod:`lipsync.mouths`, or the user's own)
with its name, the dialogue line being spoken as a subtitle, and the frame number and timecode;
H.264 + AAC in MP4 (:mod:`lipsync.video`). With a rhythmo band (:mod:`lipsync.rhythmo`) the
band scrolls under the picture, and the picture can be the user's own video.

Speed: a frame is composed from parts that are drawn once and kept (each mouth, each subtitle,
the glyphs of the counter, the band's tiles) and pasted only where the previous frame differs,
in the encoder's own colour planes; so a frame costs a few copies, and memory does not grow with
the length of the episode.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import AudioError, OptionError
from .sheet import Sheet
from .timing import format_timecode, is_drop_frame, parse_timecode
from .video import Mp4Writer, VideoFrames, VideoSettings, YuvImage, audio_duration, rgb_to_yuv

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image

    from .rhythmo import BandScript

DEFAULT_SIZE = (960, 540)
DEFAULT_BACKGROUND = "#f4efe6"
_BAR = (30, 30, 36)            # the counter bar and the subtitle band
_BAR_TEXT = (245, 245, 245)
_LABEL = (58, 58, 66)          # the name label under each mouth
_MAX_SIZE = (3840, 2160)
_MIN_SIZE = (160, 90)


@dataclass(frozen=True)
class PreviewSettings:
    """What a preview looks like: ``size`` (even width, height), ``background`` (a colour such as
    ``#f4efe6`` or ``white``, or an image file), ``mouths`` (a folder of the user's drawings,
    default the built-in ones), ``preset`` (to draw the mouths of a sheet made with one's own
    preset file; default the sheet's preset), ``video`` (the user's own video shown instead of
    the mouths), ``band_seconds`` (how many seconds of a rhythmo band the picture's width
    shows: its scrolling speed) and the encoder's settings."""

    size: tuple[int, int] = DEFAULT_SIZE
    background: str = DEFAULT_BACKGROUND
    mouths: str | Path | None = None
    preset: str | Path | None = None
    video: str | Path | None = None
    band_seconds: float = 3.0
    encoder: VideoSettings = field(default_factory=VideoSettings)

    def __post_init__(self) -> None:
        if not 1.0 <= self.band_seconds <= 30.0:
            raise OptionError(f"the band shows {self.band_seconds:g} s: out of range",
                              "from 1 to 30 seconds across the picture (3 is usual)")


@dataclass(frozen=True)
class PreviewResult:
    """The written video: its path, how many frames, and what the user should know."""

    path: Path
    frames: int
    warnings: tuple[str, ...] = ()


def parse_size(text: str) -> tuple[int, int]:
    """``"1280x720"`` -> (1280, 720); both even, from 160x90 to 3840x2160.

    >>> parse_size("1280x720")
    (1280, 720)
    """
    width, sep, height = text.lower().replace(" ", "").partition("x")
    hint = "write WIDTHxHEIGHT with even numbers, e.g. 1280x720 or 960x540"
    if not sep or not width.isdigit() or not height.isdigit():
        raise OptionError(f"not a video size: {text!r}", hint)
    size = int(width), int(height)
    if size[0] % 2 or size[1] % 2:
        raise OptionError(f"video size {text!r}: H.264 needs an even width and height", hint)
    if not (_MIN_SIZE[0] <= size[0] <= _MAX_SIZE[0] and _MIN_SIZE[1] <= size[1] <= _MAX_SIZE[1]):
        raise OptionError(f"video size {text!r} is out of range", "from 160x90 to 3840x2160")
    return size


def _even(value: float) -> int:
    return int(value) // 2 * 2


# --- layout -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    """A rectangle of the picture; x, y, width and height are even."""

    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class Layout:
    """Where everything goes: the counter bar, the picture (mouths or the user's video), one
    mouth box and name box per track, the subtitle band, and the rhythmo band (if any)."""

    width: int
    height: int
    bar: Box
    picture: Box
    mouths: tuple[Box, ...]
    names: tuple[Box, ...]
    subtitles: Box
    band: Box | None


def preview_layout(width: int, height: int, tracks: int, band_height: int = 0) -> Layout:
    """The layout of a ``width`` x ``height`` preview of ``tracks`` mouths: a bar on top, the
    mouths in a grid (up to four a row), the subtitles under them, the band at the bottom.

    >>> layout = preview_layout(960, 540, 2)
    >>> [box.x for box in layout.mouths], layout.mouths[0].width == layout.mouths[1].width
    ([4, 484], True)
    """
    bar = Box(0, 0, width, _even(max(height * 0.07, 16)))
    band = Box(0, height - _even(band_height), width, _even(band_height)) if band_height else None
    bottom = band.y if band else height
    subtitles = Box(0, bottom - _even(max(height * 0.15, 20)), width, _even(max(height * 0.15, 20)))
    picture = Box(0, bar.height, width, subtitles.y - bar.height)
    columns = max(1, min(tracks, 4))
    rows = max(1, math.ceil(tracks / columns))
    cell_width, cell_height = width // columns, picture.height // rows
    name_height = _even(max(min(cell_height * 0.16, height * 0.06), 12))
    mouths, names = [], []
    for index in range(tracks):
        row, column = divmod(index, columns)
        left, top = column * cell_width, picture.y + row * cell_height
        mouth_height = _even(cell_height - name_height - 8)
        mouth_width = _even(min(cell_width - 8, mouth_height * 1.5))
        mouth_height = _even(min(mouth_height, mouth_width / 1.5))
        mouths.append(Box(_even(left + (cell_width - mouth_width) / 2), _even(top + 4), mouth_width, mouth_height))
        names.append(Box(_even(left + 4), _even(top + 4 + mouth_height), _even(cell_width - 8), name_height))
    return Layout(width, height, bar, picture, tuple(mouths), tuple(names), subtitles, band)


# --- drawing the parts ------------------------------------------------------------------------


def parse_colour(text: str) -> tuple[int, int, int]:
    """An RGB triple from ``#rrggbb``, ``#rgb`` or a CSS colour name.

    >>> parse_colour("white"), parse_colour("#102030")
    ((255, 255, 255), (16, 32, 48))
    """
    from PIL import ImageColor

    try:
        return ImageColor.getrgb(text)[:3]
    except ValueError:
        raise OptionError(f"not a colour or an image file: {text!r}",
                          "give a colour such as '#f4efe6' or 'white', or the path of a PNG/JPEG image") from None


def _background(text: str, width: int, height: int) -> Image.Image:
    """The background: one colour, or an image file scaled to cover the frame."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if Path(text).is_file():
        try:
            with Image.open(text) as opened:
                return ImageOps.fit(opened.convert("RGB"), (width, height), Image.Resampling.LANCZOS)
        except (OSError, UnidentifiedImageError) as error:
            raise OptionError(f"cannot read background image {text!r}: {error}",
                              "give a PNG or JPEG image, or a colour") from None
    return Image.new("RGB", (width, height), parse_colour(text))


def _fit_text(text: str, box: Box, size: int, mono: bool = False) -> tuple[Any, str]:
    """A font no larger than ``size`` in which ``text`` fits ``box``'s width (down to 60 % of
    ``size``), and the text, cut with an ellipsis if it still does not fit."""
    from .textdraw import font_for

    smallest = max(8, int(size * 0.6))
    for candidate in range(size, smallest - 1, -max(1, size // 10)):
        font = font_for(text, candidate, mono)
        if font.getlength(text) <= box.width:
            return font, text
    font = font_for(text, smallest, mono)
    while text and font.getlength(text + "…") > box.width:
        text = text[:-1]
    return font, text + "…"


def _text_part(background: Image.Image, box: Box, rows: Sequence[str], colour: tuple[int, int, int],
               size: int, align: str = "center") -> YuvImage:
    """``rows`` of text in ``box`` over ``background``'s pixels there."""
    from PIL import ImageDraw

    image = background.crop((box.x, box.y, box.x + box.width, box.y + box.height))
    draw = ImageDraw.Draw(image)
    rows = [row for row in rows if row]
    if rows:
        row_height = box.height / len(rows)
        for index, row in enumerate(rows):
            font, shown = _fit_text(row, Box(0, 0, box.width - 16, box.height), min(size, int(row_height * 0.8)))
            width = font.getlength(shown)
            x = (box.width - width) / 2 if align == "center" else 8
            draw.text((x, row_height * (index + 0.5)), shown, font=font, fill=colour, anchor="lm")
    return rgb_to_yuv(np.asarray(image))


class _Counter:
    """The frame number and timecode, set from glyphs drawn once (a monospaced font)."""

    def __init__(self, bar: Box, background: Image.Image) -> None:
        from PIL import ImageDraw

        from .textdraw import font_for

        self.bar = bar
        size = max(8, int(bar.height * 0.62))
        font = font_for("0", size, mono=True)
        self.cell = _even(math.ceil(font.getlength("0")) + 2)
        self.glyphs: dict[str, YuvImage] = {}
        for character in "0123456789:; frametc":
            image = background.crop((0, 0, self.cell, bar.height)).copy()
            ImageDraw.Draw(image).text((self.cell / 2, bar.height / 2), character, font=font, fill=_BAR_TEXT,
                                       anchor="mm")
            self.glyphs[character] = rgb_to_yuv(np.asarray(image))

    def paste(self, picture: YuvImage, text: str, right: bool) -> None:
        width = self.cell * len(text)
        x = self.bar.width - width - self.cell if right else self.cell
        for index, character in enumerate(text):
            picture.paste(self.glyphs[character], x + index * self.cell, self.bar.y)


class _Cache(OrderedDict):
    """A small least-recently-used cache: memory stays bounded however many lines there are."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def get_or_make(self, key: Any, make: Callable[[], Any]) -> Any:
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = self[key] = make()
        if len(self) > self.size:
            self.popitem(last=False)
        return value


def _per_frame(spans: Sequence[tuple[int, int]], frames: int) -> np.ndarray:
    """For each frame, the index of the span (frame, length) covering it, or -1; later spans
    win where they overlap."""
    index = np.full(frames, -1, dtype=np.int32)
    for number, (start, length) in enumerate(spans):
        index[max(start, 0):max(0, min(start + length, frames))] = number
    return index


class PreviewPainter:
    """Composes the preview's frames. ``picture(frame)`` returns the frame's planes (the same
    object, updated in place where it differs from the previous frame)."""

    def __init__(self, sheet: Sheet, settings: PreviewSettings = PreviewSettings(),
                 band: BandScript | None = None, tracks: Sequence[str] | None = None) -> None:
        from .mouths import resolve_preset, shape_set_of
        from .rhythmo import RhythmoBand

        self.sheet = sheet
        width, height = settings.size
        chosen = [sheet.track(name) for name in tracks] if tracks else list(sheet.tracks)
        self.tracks = chosen
        self.band = None
        if band is not None:
            lane = _even(min(height * 0.15, height * 0.4 / max(1, len(band.lanes))))
            self.band = RhythmoBand(band, width, lane, settings.band_seconds)
        shown_mouths = 0 if settings.video is not None else len(chosen)
        self.layout = preview_layout(width, height, shown_mouths, self.band.height if self.band else 0)
        background = _background(settings.background, width, height)
        bars = background.copy()
        from PIL import ImageDraw

        draw = ImageDraw.Draw(bars)
        dark = (self.layout.bar, self.layout.subtitles) + ((self.layout.picture,) if settings.video else ())
        for box in dark:
            draw.rectangle((box.x, box.y, box.x + box.width - 1, box.y + box.height - 1), fill=_BAR)
        self._bars = bars
        preset = resolve_preset(settings.preset if settings.preset is not None else sheet.preset)
        shapes = shape_set_of(preset)
        shape_names, self.rest = shapes.names, shapes.rest
        unknown = sorted({cue.shape for track in chosen for cue in track.cues} - set(shape_names))
        if unknown:
            from .errors import MouthError

            raise MouthError(f"the sheet uses shape {unknown[0]!r}, which preset {shapes.name!r} does not have",
                             f"its shapes: {', '.join(shape_names)}; pass --preset with the sheet's own preset file")
        self.frames = sheet.duration_frames
        self.shape_index = {name: number for number, name in enumerate(shape_names)}
        self._shape_names = shape_names
        self._mouths = self._mouth_parts(preset, background, settings.mouths)
        # the base picture: background, bars, names
        base = bars.copy()
        self.base = rgb_to_yuv(np.asarray(base))
        for track, box in zip(chosen, self.layout.names):
            self.base.paste(_label(background, box, track.name), box.x, box.y)
        self._counter = _Counter(self.layout.bar, bars)
        self._shapes = np.stack([self._track_shapes(track) for track in chosen]) if chosen else np.zeros((0, self.frames), np.int32)
        self._lines = np.stack([_per_frame([(line.frame, line.length) for line in track.lines], self.frames)
                                for track in chosen]) if chosen else np.zeros((0, self.frames), np.int32)
        self._subtitles = _Cache(16)
        self._picture = self.base.copy()
        self._shown: list[Any] = [None] * len(chosen)
        self._shown_lines: Any = None
        self._video: VideoFrames | None = None
        if settings.video is not None:
            picture = self.layout.picture
            self._video = VideoFrames(settings.video, sheet.rate, picture.width, picture.height)
            self._video_at = (_even(picture.x + (picture.width - self._video.width) / 2),
                              _even(picture.y + (picture.height - self._video.height) / 2))
        self.drop_frame = is_drop_frame(sheet.start_timecode, sheet.rate)
        self.start = parse_timecode(sheet.start_timecode, sheet.rate) if sheet.start_timecode else 0

    def _mouth_parts(self, preset: Any, background: Image.Image, mouths: str | Path | None) -> list[dict[str, YuvImage]]:
        """Each track box's mouths, every shape drawn once over the background there."""
        from PIL import Image

        from .mouths import mouth_images

        parts = []
        drawings: dict[tuple[int, int], dict[str, Image.Image]] = {}
        for box in self.layout.mouths:
            key = (box.width, box.height)
            if key not in drawings:
                drawings[key] = mouth_images(preset, box.width, box.height, mouths)
            under = background.crop((box.x, box.y, box.x + box.width, box.y + box.height)).convert("RGBA")
            parts.append({name: rgb_to_yuv(np.asarray(Image.alpha_composite(under, image).convert("RGB")))
                          for name, image in drawings[key].items()})
        return parts

    def _track_shapes(self, track: Any) -> np.ndarray:
        """The shape number of each frame: its cue's, the rest shape off the cues."""
        cue_at = _per_frame([(cue.frame, cue.length) for cue in track.cues], self.frames)
        numbers = [self.shape_index[cue.shape] for cue in track.cues] + [self.shape_index[self.rest]]
        return np.asarray(numbers, dtype=np.int32)[cue_at]   # -1 (no cue) picks the rest shape

    def close(self) -> None:
        """Close the user's video, if one is shown."""
        if self._video is not None:
            self._video.close()

    def shape_at(self, track: int, frame: int) -> str:
        """The shape shown for track number ``track`` at ``frame`` (the rest shape off the cues)."""
        return self._shape_names[int(self._shapes[track, frame])]

    def subtitle_rows(self, frame: int) -> tuple[str, ...]:
        """The dialogue shown at ``frame``: each speaking track's line, named when several
        tracks are shown."""
        rows = []
        for number, track in enumerate(self.tracks):
            line = int(self._lines[number, frame])
            if line >= 0:
                text = " ".join(track.lines[line].text.split())
                rows.append(f"{track.name}: {text}" if len(self.tracks) > 1 else text)
        return tuple(rows[:3])

    def timecode(self, frame: int) -> str:
        """The timecode of ``frame`` (from the sheet's start timecode, drop-frame as the sheet's
        timecode is: :func:`~lipsync.timing.is_drop_frame`)."""
        return format_timecode(self.start + frame, self.sheet.rate, self.drop_frame)

    def picture(self, frame: int) -> YuvImage:
        """The planes of ``frame``."""
        picture = self._picture
        for number, box in enumerate(self.layout.mouths):
            shape = int(self._shapes[number, frame])
            if self._shown[number] != shape:
                picture.paste(self._mouths[number][self._shape_names[shape]], box.x, box.y)
                self._shown[number] = shape
        lines = tuple(int(line) for line in self._lines[:, frame])
        if lines != self._shown_lines:
            box = self.layout.subtitles
            rows = self.subtitle_rows(frame)
            part = self._subtitles.get_or_make(rows, lambda: _text_part(self._bars, box, rows, _BAR_TEXT,
                                                                        int(box.height * 0.42)))
            picture.paste(part, box.x, box.y)
            self._shown_lines = lines
        if self._video is not None:
            picture.paste(self._video.at(frame), *self._video_at)
        self._counter.paste(picture, f"frame {frame:0{max(5, len(str(self.frames)))}d}", right=False)
        self._counter.paste(picture, "tc " + self.timecode(frame), right=True)
        if self.band is not None and self.layout.band is not None:
            picture.paste(self.band.window(frame, self.layout.band.width), self.layout.band.x, self.layout.band.y)
        return picture


def _label(background: Image.Image, box: Box, text: str) -> YuvImage:
    """A track's name, white on a dark rounded label centred in ``box``."""
    from PIL import ImageDraw

    image = background.crop((box.x, box.y, box.x + box.width, box.y + box.height))
    font, shown = _fit_text(text, Box(0, 0, box.width - 24, box.height), int(box.height * 0.7))
    width = font.getlength(shown) + 20
    draw = ImageDraw.Draw(image)
    left = (box.width - width) / 2
    draw.rounded_rectangle((left, 1, left + width, box.height - 2), radius=box.height / 3, fill=_LABEL)
    draw.text((box.width / 2, box.height / 2), shown, font=font, fill=_BAR_TEXT, anchor="mm")
    return rgb_to_yuv(np.asarray(image))


# --- the whole video ------------------------------------------------------------------------


def find_audio(sheet: Sheet, audio: str | Path | None, sheet_path: str | Path | None = None) -> Path:
    """The sound for a sheet: ``audio`` when given, else the sheet's source (as written, then
    beside the sheet). Raises :class:`AudioError` naming where it looked."""
    if audio is not None:
        return Path(audio)
    source = sheet.source.path
    if not source:
        raise AudioError("the sheet names no audio file", "pass the voice track as AUDIO: lipsync preview SHEET AUDIO")
    candidates = [Path(source)]
    if sheet_path is not None and not Path(source).is_absolute():
        candidates.append(Path(sheet_path).parent / source)
    candidates.append(Path(sheet_path).parent / Path(source).name if sheet_path is not None else Path(source))
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise AudioError(f"the sheet's audio {source!r} is not found",
                     "pass the voice track as AUDIO: lipsync preview SHEET AUDIO")


def render_preview(sheet: Sheet, audio: str | Path, output: str | Path,
                   settings: PreviewSettings = PreviewSettings(), *, band: BandScript | None = None,
                   tracks: Sequence[str] | None = None, inputs: Sequence[str | Path] = (),
                   on_progress: Callable[[int, int], None] | None = None) -> PreviewResult:
    """Write the preview video of ``sheet`` with the sound of ``audio`` to ``output`` (MP4).

    ``band`` adds a rhythmo band; ``tracks`` picks the tracks shown (default all); ``inputs``
    are files that must not be overwritten. ``on_progress(done, total)`` is called every
    second of video. Raises a :class:`~lipsync.errors.LipsyncError` for bad input, before any
    file is written.
    """
    from .fileio import refuse_inputs

    target = Path(output)
    refuse_inputs([target], [audio, *inputs, settings.video, settings.background, settings.mouths])
    if sheet.duration_frames <= 0:
        raise OptionError("the sheet is empty (0 frames)", "analyze a voice track first")
    warnings = []
    length = audio_duration(audio)
    if abs(length - sheet.duration_seconds) > 1.0:
        warnings.append(f"the audio lasts {length:.1f} s and the sheet {sheet.duration_seconds:.1f} s: "
                        "is it the sheet's audio?")
    painter = PreviewPainter(sheet, settings, band, tracks)
    width, height = settings.size
    step = max(1, sheet.rate.nominal)
    try:
        with Mp4Writer(target, width, height, sheet.rate, painter.frames, audio, settings.encoder) as video:
            for frame in range(painter.frames):
                video.write(painter.picture(frame))
                if on_progress is not None and frame % step == 0:
                    on_progress(frame, painter.frames)
    finally:
        painter.close()
    if on_progress is not None:
        on_progress(painter.frames, painter.frames)
    return PreviewResult(target, painter.frames, tuple(warnings))


#: The ``--set KEY=VALUE`` settings of the ``mp4`` format (``lipsync analyze -f mp4``, batch).
MP4_SETTINGS: dict[str, str] = {
    "size": "picture size WIDTHxHEIGHT, even numbers (default 960x540)",
    "background": "a colour (#f4efe6, white) or an image file",
    "mouths": "a folder with one drawing per shape (PNG/SVG/JPEG), named by shape or drawing number",
    "preset": "the preset whose mouths are drawn (default: the sheet's)",
}


def settings_from_options(options: dict[str, str]) -> PreviewSettings:
    """:class:`PreviewSettings` from ``--set`` style ``{key: value}`` settings of the mp4 format.

    >>> settings_from_options({"size": "640x360"}).size
    (640, 360)
    """
    unknown = sorted(set(options) - set(MP4_SETTINGS))
    if unknown:
        raise OptionError(f"unknown setting {unknown[0]!r} for mp4",
                          "settings of mp4: " + "; ".join(f"{k}: {v}" for k, v in MP4_SETTINGS.items()))
    values: dict[str, Any] = {}
    if "size" in options:
        values["size"] = parse_size(options["size"])
    for key in ("background", "mouths", "preset"):
        if options.get(key):
            values[key] = options[key]
    return PreviewSettings(**values)


def write_video(sheet: Sheet, audio: str | Path, path: str | Path, *, track: str | None = None,
                settings: dict[str, str] | None = None) -> tuple[str, ...]:
    """The ``mp4`` format of :func:`lipsync.export.export`: the preview video of ``sheet`` (every
    track, or ``track``) with ``audio``'s sound, written to ``path``; returns the warnings."""
    chosen = settings_from_options(dict(settings or {}))
    result = render_preview(sheet, audio, path, chosen, tracks=[track] if track else None)
    return result.warnings


__all__ = ["MP4_SETTINGS", "Box", "Layout", "PreviewPainter", "PreviewResult", "PreviewSettings", "find_audio",
           "parse_colour", "parse_size", "preview_layout", "render_preview", "settings_from_options", "write_video"]
