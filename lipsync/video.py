"""Encoding MP4 videos: H.264 pictures at an exact frame rate over the AAC sound of an audio file.

Pictures are handed over as :class:`YuvImage` planes (BT.709, limited range, 4:2:0), which is
what H.264 stores, so that a picture composed from cached parts needs no colour conversion per
frame. The sound is decoded, resampled and encoded in step with the pictures, so memory stays
bounded whatever the length. Encoding uses PyAV, whose wheels bundle the FFmpeg libraries
(libx264 and the native AAC encoder); nothing else needs to be installed.

>>> image = rgb_to_yuv(np.full((2, 4, 3), 255, np.uint8))
>>> int(image.y[0, 0]), int(image.u[0, 0]), int(image.v[0, 0])   # white in limited range
(235, 128, 128)
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from .errors import AudioError, OutputError
from .fileio import atomic_output
from .timing import FrameRate

#: The sample rate of the AAC sound in the videos.
AUDIO_RATE = 48000


@dataclass
class YuvImage:
    """A picture as 4:2:0 planes: ``y`` (H x W), ``u`` and ``v`` (H/2 x W/2), uint8, BT.709
    limited range. Width and height are even."""

    y: np.ndarray
    u: np.ndarray
    v: np.ndarray

    @property
    def width(self) -> int:
        return self.y.shape[1]

    @property
    def height(self) -> int:
        return self.y.shape[0]

    def paste(self, part: YuvImage, x: int, y: int) -> None:
        """Copy ``part`` into this picture with its top-left corner at (x, y), both even;
        whatever falls outside is cut off."""
        if x % 2 or y % 2:
            raise ValueError(f"pictures are pasted at even positions, not ({x}, {y})")
        left, top = max(x, 0), max(y, 0)
        right, bottom = min(x + part.width, self.width), min(y + part.height, self.height)
        if right <= left or bottom <= top:
            return
        self.y[top:bottom, left:right] = part.y[top - y:bottom - y, left - x:right - x]
        self.u[top // 2:bottom // 2, left // 2:right // 2] = \
            part.u[(top - y) // 2:(bottom - y) // 2, (left - x) // 2:(right - x) // 2]
        self.v[top // 2:bottom // 2, left // 2:right // 2] = \
            part.v[(top - y) // 2:(bottom - y) // 2, (left - x) // 2:(right - x) // 2]

    def copy(self) -> YuvImage:
        """A picture with planes of its own."""
        return YuvImage(self.y.copy(), self.u.copy(), self.v.copy())

    def packed(self) -> np.ndarray:
        """The planes one after the other, shaped (H * 3 / 2, W) as PyAV's ``yuv420p`` wants."""
        return np.concatenate((self.y.ravel(), self.u.ravel(), self.v.ravel())).reshape(-1, self.width)


def rgb_to_yuv(rgb: np.ndarray) -> YuvImage:
    """An (H, W, 3) uint8 RGB array (H and W even) as BT.709 limited-range 4:2:0 planes; the
    chroma of each 2 x 2 block is the blocks' mean."""
    if rgb.shape[0] % 2 or rgb.shape[1] % 2:
        raise ValueError(f"a picture needs an even width and height, not {rgb.shape[1]}x{rgb.shape[0]}")
    colour = rgb[:, :, :3].astype(np.float32)
    r, g, b = colour[:, :, 0], colour[:, :, 1], colour[:, :, 2]
    luma = 0.2126 * r + 0.7152 * g + 0.0722 * b
    blue = (b - luma) / 1.8556
    red = (r - luma) / 1.5748

    def quarter(plane: np.ndarray) -> np.ndarray:
        return (plane[0::2, 0::2] + plane[1::2, 0::2] + plane[0::2, 1::2] + plane[1::2, 1::2]) / 4

    def clip(plane: np.ndarray) -> np.ndarray:
        return np.clip(np.rint(plane), 0, 255).astype(np.uint8)

    return YuvImage(clip(16 + luma * (219 / 255)), clip(128 + quarter(blue) * (224 / 255)),
                    clip(128 + quarter(red) * (224 / 255)))


def solid(width: int, height: int, rgb: tuple[int, int, int]) -> YuvImage:
    """A picture of one colour."""
    pixel = rgb_to_yuv(np.array([[rgb, rgb], [rgb, rgb]], dtype=np.uint8))
    return YuvImage(np.full((height, width), pixel.y[0, 0], np.uint8),
                    np.full((height // 2, width // 2), pixel.u[0, 0], np.uint8),
                    np.full((height // 2, width // 2), pixel.v[0, 0], np.uint8))


# --- sound ------------------------------------------------------------------------------------


def _open_media(path: str | Path) -> Any:
    import av

    name = str(path)
    if not Path(name).exists():
        raise AudioError(f"audio file not found: {name!r}", "check the path, or pass the sheet's audio as AUDIO")
    if not Path(name).is_file():
        raise AudioError(f"{name!r} is not a file", "pass an audio or video file")
    try:
        return av.open(name)
    except (av.FFmpegError, OSError, ValueError) as error:
        raise AudioError(f"cannot read {name!r}: {_reason(error)}",
                         "the file is corrupt or not audio; WAV, FLAC, MP3, OGG, M4A and video files work") from None


def _reason(error: Exception) -> str:
    return (getattr(error, "strerror", None) or str(error)).strip().rstrip(".") or type(error).__name__


def audio_duration(path: str | Path) -> float:
    """The length in seconds of the first audio stream of ``path`` (an audio or video file).

    Raises :class:`AudioError` for a missing or unreadable file, or one without sound.
    """
    container = _open_media(path)
    try:
        stream = _audio_stream(container, path)
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        if container.duration is not None:
            return container.duration / 1_000_000
        return 0.0
    finally:
        container.close()


def _audio_stream(container: Any, path: str | Path) -> Any:
    if not container.streams.audio:
        raise AudioError(f"{str(path)!r} has no sound", "pass the voice track or mix the video goes with")
    return container.streams.audio[0]


def _audio_frames(path: str | Path, layout: str, limit: int) -> Iterator[np.ndarray]:
    """Blocks of (channels, samples) float32 sound of ``path`` at :data:`AUDIO_RATE`, ``limit``
    samples at most."""
    import av

    container = _open_media(path)
    try:
        stream = _audio_stream(container, path)
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=AUDIO_RATE)
        done = 0

        def resampled(frame: Any) -> Iterator[np.ndarray]:
            nonlocal done
            for out in resampler.resample(frame):
                block = out.to_ndarray()[:, :max(0, limit - done)]
                done += block.shape[1]
                if block.shape[1]:
                    yield block

        try:
            for packet in container.demux(stream):
                for frame in packet.decode():
                    yield from resampled(frame)
                if done >= limit:
                    return
            yield from resampled(None)
        except av.FFmpegError as error:
            raise AudioError(f"cannot decode the sound of {str(path)!r}: {_reason(error)}",
                             "the file is truncated or corrupt; re-export it") from None
    finally:
        container.close()


def audio_layout(path: str | Path) -> str:
    """``"mono"`` or ``"stereo"``: the layout the video's sound gets (more channels are mixed
    down to stereo)."""
    container = _open_media(path)
    try:
        return "mono" if _audio_stream(container, path).channels == 1 else "stereo"
    finally:
        container.close()


# --- the writer -------------------------------------------------------------------------------


@dataclass(frozen=True)
class VideoSettings:
    """How the H.264 pictures are encoded: x264's ``speed`` preset and ``crf`` quality (lower
    is better), and a keyframe every ``keyframe_seconds`` for scrubbing in editors."""

    speed: str = "ultrafast"
    crf: int = 20
    keyframe_seconds: float = 2.0
    audio_bitrate: int = 128_000


class Mp4Writer:
    """Writes an MP4 file frame by frame: ``with Mp4Writer(...) as video: video.write(picture)``.

    The file appears at ``path`` only when the block ends without an error (it is written to a
    temporary file beside it). The sound of ``audio`` is muxed in step with the pictures and
    cut at the last picture's end.
    """

    def __init__(self, path: str | Path, width: int, height: int, rate: FrameRate, frames: int,
                 audio: str | Path | None, settings: VideoSettings = VideoSettings()) -> None:
        self.path, self.width, self.height, self.rate, self.frames = Path(path), width, height, rate, frames
        self.audio, self.settings = audio, settings
        self._count = 0

    def __enter__(self) -> Mp4Writer:
        import av

        # closed in reverse order: the container first, then the temporary file is renamed
        # into place (or deleted, after an error)
        self._files = ExitStack()
        with self._files:
            temporary = self._files.enter_context(atomic_output(self.path))
            self._container = av.open(str(temporary), "w", format="mp4", options={"movflags": "+faststart"})
            self._files.callback(self._container.close)
            rate = Fraction(self.rate.num, self.rate.den)
            video = self._container.add_stream("libx264", rate=rate)
            video.width, video.height, video.pix_fmt = self.width, self.height, "yuv420p"
            video.time_base = 1 / rate
            video.codec_context.gop_size = max(1, round(self.settings.keyframe_seconds * float(rate)))
            video.codec_context.colorspace = video.codec_context.color_primaries = video.codec_context.color_trc = 1
            video.codec_context.color_range = 1   # BT.709, limited range: what rgb_to_yuv makes
            video.options = {"preset": self.settings.speed, "crf": str(self.settings.crf)}
            self._video = video
            self._sound = None
            if self.audio is not None:
                self._layout = audio_layout(self.audio)
                self._sound = self._container.add_stream("aac", rate=AUDIO_RATE)
                self._sound.layout = self._layout
                self._sound.bit_rate = self.settings.audio_bitrate
                limit = math.ceil(self.frames * self.rate.den * AUDIO_RATE / self.rate.num)
                self._blocks = _audio_frames(self.audio, self._layout, limit)
                self._sound_samples = 0
                self._sound_done = False
            self._files = self._files.pop_all()
        return self

    def _mux_sound_until(self, samples: float) -> None:
        import av

        while self._sound is not None and not self._sound_done and self._sound_samples < samples:
            block = next(self._blocks, None)
            if block is None:
                self._sound_done = True
                break
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(block), format="fltp", layout=self._layout)
            frame.sample_rate = AUDIO_RATE
            frame.pts = self._sound_samples
            self._sound_samples += block.shape[1]
            self._container.mux(self._sound.encode(frame))

    def write(self, picture: YuvImage) -> None:
        """Encode the next frame. Raises :class:`OutputError` when the file cannot be written
        (a full disk)."""
        import av

        if (picture.width, picture.height) != (self.width, self.height):
            raise ValueError(f"frame of {picture.width}x{picture.height} in a {self.width}x{self.height} video")
        # a fresh array each frame (the encoder's threads may still read it while the picture's
        # planes are updated for the next one), wrapped without a copy; PyAV lays the chroma
        # planes out by whole rows there, which fits only heights that are multiples of 4
        packed = picture.packed()
        if self.height % 4 == 0:
            frame = av.VideoFrame.from_numpy_buffer(packed, format="yuv420p")
        else:
            frame = av.VideoFrame.from_ndarray(packed, format="yuv420p")
        frame.pts = self._count
        self._count += 1
        # the sound kept half a second ahead of the pictures, so that the file interleaves well
        ahead = self._count * self.rate.den * AUDIO_RATE // self.rate.num + AUDIO_RATE // 2
        with self._writing():
            self._mux_sound_until(ahead)
            self._container.mux(self._video.encode(frame))

    @contextmanager
    def _writing(self) -> Iterator[None]:
        import av

        try:
            yield
        except av.FFmpegError as error:
            raise OutputError(f"cannot write {str(self.path)!r}: {_reason(error)}",
                              "check the disk space and permissions") from None

    def __exit__(self, kind: Any, error: BaseException | None, trace: Any) -> None:
        if error is None:
            try:
                with self._writing():
                    self._container.mux(self._video.encode(None))
                    if self._sound is not None:
                        self._mux_sound_until(math.inf)
                        self._container.mux(self._sound.encode(None))
            except BaseException as failure:
                self._files.__exit__(type(failure), failure, failure.__traceback__)
                raise
        with self._writing():   # closing writes the index (and moves it to the front)
            self._files.__exit__(kind, error, trace)


# --- reading a video --------------------------------------------------------------------------


class VideoFrames:
    """The pictures of a video file, scaled to fit ``width`` x ``height`` (aspect kept, even
    sizes), one for each frame of ``rate``: ``at(frame)`` is the picture showing at that frame's
    start (the last one past the video's end). Frames are asked for in order; decoding streams.

    Raises :class:`~lipsync.errors.OptionError` for a file without pictures.
    """

    def __init__(self, path: str | Path, rate: FrameRate, width: int, height: int) -> None:
        from .errors import OptionError

        self.path, self.rate = Path(path), rate
        try:
            self._container = _open_media(path)
        except AudioError as error:
            raise OptionError(error.message.replace("audio file", "video file"),
                              "give a video file (MP4, MOV, MKV...)") from None
        if not self._container.streams.video:
            self._container.close()
            raise OptionError(f"{str(path)!r} has no pictures", "give a video file (MP4, MOV, MKV...)")
        stream = self._container.streams.video[0]
        scale = min(width / stream.width, height / stream.height)
        self.width = max(2, int(stream.width * scale) // 2 * 2)
        self.height = max(2, int(stream.height * scale) // 2 * 2)
        self._frames = self._container.decode(stream)
        self._current: YuvImage | None = None
        self._next: Any = None
        self._blank = solid(self.width, self.height, (0, 0, 0))

    def _convert(self, frame: Any) -> YuvImage:
        packed = frame.reformat(self.width, self.height, "yuv420p", dst_colorspace="ITU709").to_ndarray()
        h, w = self.height, self.width
        flat = packed.reshape(-1)
        quarter = (h // 2) * (w // 2)
        return YuvImage(flat[:h * w].reshape(h, w), flat[h * w:h * w + quarter].reshape(h // 2, w // 2),
                        flat[h * w + quarter:].reshape(h // 2, w // 2))

    def _pull(self) -> Any:
        import av

        try:
            return next(self._frames, None)
        except av.FFmpegError as error:
            from .errors import OptionError

            raise OptionError(f"cannot decode the video {str(self.path)!r}: {_reason(error)}",
                              "the file is truncated or corrupt") from None

    def at(self, frame: int) -> YuvImage:
        """The picture shown at ``frame`` (of ``rate``)."""
        when = frame * self.rate.den / self.rate.num + 1e-6
        if self._next is None and self._current is None:
            self._next = self._pull()
        while self._next is not None and self._next.time is not None and self._next.time <= when:
            self._current = self._convert(self._next)
            self._next = self._pull()
        return self._current if self._current is not None else self._blank

    def close(self) -> None:
        self._container.close()
