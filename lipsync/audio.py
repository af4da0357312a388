"""Reading voice tracks: any file, any rate, any channel layout -> 16 kHz mono float32.

:func:`load_audio` is the entry point. Decoding is done by soundfile (WAV, FLAC, OGG/Vorbis,
Opus, MP3, AIFF... no external program needed); containers that libsndfile cannot read (M4A/AAC,
MP4, MOV, MKV, WebM, WMA...) are decoded by an ``ffmpeg`` subprocess when ffmpeg is installed.
The file is read in blocks, each block is reduced to one channel and fed to a streaming soxr
resampler, so memory stays proportional to the 16 kHz output, never to the source file:

>>> audio = load_audio("take3.wav")                 # doctest: +SKIP
>>> audio.samples.dtype, audio.sample_rate            # doctest: +SKIP
(dtype('float32'), 16000)
>>> centre = load_audio("stem_5.1.wav", channel=3)  # doctest: +SKIP

:class:`AudioLoading` decodes a file in a background thread while the caller does other work
(decoding is mostly libsndfile and soxr, which run without holding Python's lock); the
analysis uses it with several jobs, where it shortens what runs before the workers start.

Channels are numbered from 1, in the file's own order. For a 5.1 file in the usual WAV/SMPTE
order (L R C LFE Ls Rs) channel 3 is the centre, where dialogue normally lives.

Every problem a user can cause raises a :class:`~lipsync.errors.LipsyncError` subclass with a
one-line message and a hint: :class:`AudioError` (missing, empty, corrupt, truncated, too low a
sample rate), :class:`MissingToolError` (a container that needs ffmpeg while ffmpeg is absent)
and :class:`OptionError` (a channel number out of range).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import stat
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import CancelledError, Future
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from .errors import AudioError, MissingToolError, OptionError
from .timing import FrameRate

TARGET_RATE = 16000
MIN_SOURCE_RATE = 8000
SILENCE_PEAK_DBFS = -60.0

#: Frames read per block: about 5 s at 48 kHz, a few MB even for 8 channels.
BLOCK_FRAMES = 1 << 18
#: soxr quality: "HQ" is 20-bit, band-limited at 95 % of Nyquist; plenty for speech and fast.
RESAMPLE_QUALITY = "HQ"

#: Extensions that libsndfile cannot decode but ffmpeg can (used to word the error when ffmpeg
#: is missing).
FFMPEG_EXTENSIONS = frozenset({
    "m4a", "m4b", "aac", "adts", "alac", "mp4", "m4v", "mov", "qt", "3gp", "3g2", "mkv", "mka",
    "webm", "avi", "wmv", "wma", "asf", "flv", "ts", "mts", "m2ts", "mpg", "mpeg", "vob", "ac3",
    "eac3", "dts", "amr", "ape", "wv", "mxf", "dv",
})
_INSTALL_FFMPEG = "install ffmpeg (apt install ffmpeg / brew install ffmpeg)"
_SUPPORTED_WITHOUT_FFMPEG = "WAV, FLAC, OGG, Opus, MP3 and AIFF"


@dataclass(frozen=True)
class Audio:
    """A decoded voice track.

    ``samples`` is float32 mono at ``sample_rate`` (16000 unless asked otherwise);
    ``source_rate`` and ``source_channels`` describe the file it came from; ``duration`` is in
    seconds (of the source; equal to ``len(samples) / sample_rate`` within one sample);
    ``path`` is the file it was read from, or None.
    """

    samples: np.ndarray = field(repr=False)
    sample_rate: int = TARGET_RATE
    source_rate: int = TARGET_RATE
    source_channels: int = 1
    duration: float = 0.0
    path: str | None = None


@dataclass
class _Source:
    """An opened file: its rate and channel count, and an iterator of (frames, channels) blocks."""

    rate: int
    channels: int
    blocks: Iterator[np.ndarray]
    frames: int | None = None  # expected frame count, when the container tells it
    close: object = None
    estimated: bool = False  # whether ``frames`` is the decoder's estimate (MP3) rather than exact


# ----------------------------------------------------------------------------------------------
# Public API


def load_audio(path: str | os.PathLike[str], channel: int | None = None,
               target_rate: int = TARGET_RATE, *, stop: threading.Event | None = None) -> Audio:
    """Decode ``path`` to mono float32 at ``target_rate`` Hz.

    ``channel`` (1-based, in the file's channel order) picks a single channel; the default mixes
    all channels to mono by their mean. Any source rate from 8 kHz up, any bit depth and any
    channel count is accepted. ``stop``, set from another thread, ends the decoding at the next
    block with :class:`concurrent.futures.CancelledError`.

    >>> load_audio("line.flac").duration          # doctest: +SKIP
    2.154
    """
    if target_rate < MIN_SOURCE_RATE:
        raise OptionError(f"target sample rate {target_rate} Hz is too low",
                          f"use {TARGET_RATE} Hz (at least {MIN_SOURCE_RATE})")
    name = _check_path(path)
    source = _open(name)
    try:
        _check_rate(name, source.rate)
        index = _channel_index(name, channel, source.channels)
        mono = (pick_channel(block, index) for block in _until(stop, source.blocks))
        samples, frames = _resample_blocks(mono, source.rate, target_rate, source.frames)
    finally:
        if callable(source.close):
            source.close()
    if frames == 0 or samples.size == 0:
        raise AudioError(f"{name!r} contains no audio (0 samples)",
                         "check that the export finished; re-export the voice track")
    _check_complete(name, source, frames)
    if not np.isfinite(samples).all():  # corrupt float files: NaN/inf would poison everything
        np.nan_to_num(samples, copy=False, nan=0.0, posinf=1.0, neginf=-1.0)
    if index is None and source.channels > 1 and is_silent(samples):
        _refuse_cancelled_mix(name, source.channels, target_rate)
    return Audio(samples=samples, sample_rate=target_rate, source_rate=source.rate,
                 source_channels=source.channels, duration=frames / source.rate, path=name)


class AudioLoading:
    """:func:`load_audio` of ``path`` (and ``channel``) running in a background thread from the
    moment this is made; :meth:`result` waits for the :class:`Audio`, or raises the error
    :func:`load_audio` raised, so errors still surface where the audio is needed. Use it as a
    context manager: leaving the block stops a decoding whose result nobody asked for (an error
    elsewhere) at its next block and waits for the thread.

    >>> with AudioLoading("take3.wav") as loading:   # doctest: +SKIP
    ...     lines = read_script("take3.txt")         # meanwhile
    ...     audio = loading.result()
    """

    def __init__(self, path: str | os.PathLike[str], channel: int | None = None) -> None:
        self._done: Future[Audio] = Future()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._load, args=(path, channel), name="lipsync-decode")
        self._thread.start()

    def _load(self, path: str | os.PathLike[str], channel: int | None) -> None:
        try:
            self._done.set_result(load_audio(path, channel=channel, stop=self._stop))
        except BaseException as error:  # handed to result(), which raises it in the caller's thread
            self._done.set_exception(error)

    def result(self) -> Audio:
        """The decoded audio (waits for it and for the thread to end, so that no thread is left
        when workers are forked); raises what :func:`load_audio` raised."""
        self._thread.join()
        return self._done.result()

    def __enter__(self) -> AudioLoading:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()


def _until(stop: threading.Event | None, blocks: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
    """``blocks``, raising CancelledError before the next one once ``stop`` is set."""
    for block in blocks:
        if stop is not None and stop.is_set():
            raise CancelledError("decoding stopped")
        yield block


def is_silent(audio: Audio | np.ndarray, threshold_dbfs: float = SILENCE_PEAK_DBFS) -> bool:
    """True when the peak level is below ``threshold_dbfs`` (-60 dBFS): digital silence, dither
    or a muted track, which no recogniser can do anything with.

    >>> is_silent(np.zeros(16000, np.float32))
    True
    """
    samples = audio.samples if isinstance(audio, Audio) else np.asarray(audio)
    if samples.size == 0:
        return True
    peak = float(max(abs(float(samples.max())), abs(float(samples.min()))))
    return peak < 10.0 ** (threshold_dbfs / 20.0)


def _refuse_cancelled_mix(name: str, channels: int, target_rate: int) -> None:
    """A mix that is silent though one of its ``channels`` is not: the channels cancel out (one
    is another with its polarity inverted), so mixing them lost the voice."""
    for channel in range(1, channels + 1):
        if not is_silent(load_audio(name, channel=channel, target_rate=target_rate)):
            raise AudioError(f"the channels of {name!r} cancel out when mixed (one is another with its "
                             "polarity inverted), which leaves silence",
                             f"analyze one channel: --channel {channel}")


def pick_channel(block: np.ndarray, index: int | None) -> np.ndarray:
    """One block of shape (frames, channels) -> contiguous float32 mono: channel ``index``
    (0-based) or, when ``index`` is None, the mean of all channels."""
    if block.ndim == 1:
        return np.ascontiguousarray(block, dtype=np.float32)
    if index is not None:
        return np.ascontiguousarray(block[:, index], dtype=np.float32)
    channels = block.shape[1]
    if channels == 1:
        return np.ascontiguousarray(block[:, 0], dtype=np.float32)
    # Column by column: ~30x less CPU than block.mean(axis=1) or a matrix-vector product on
    # (n, 2) float32 data, and no BLAS threads (which spin on a busy machine before the workers
    # even start).
    mono = block[:, 0].astype(np.float32)
    for channel in range(1, channels):
        mono += block[:, channel]
    mono *= np.float32(1.0 / channels)
    return mono


def resample(samples: np.ndarray, source_rate: int, target_rate: int = TARGET_RATE) -> np.ndarray:
    """Resample a whole mono float32 array with soxr (for in-memory data; files are streamed)."""
    samples = np.ascontiguousarray(samples, dtype=np.float32)
    if source_rate == target_rate:
        return samples
    return soxr.resample(samples, source_rate, target_rate, quality=RESAMPLE_QUALITY)


# ----------------------------------------------------------------------------------------------
# Checks


def _check_path(path: str | os.PathLike[str]) -> str:
    name = os.fspath(path)
    target = Path(name)
    if not target.exists():
        raise AudioError(f"audio file {name!r} does not exist",
                         "check the path and the spelling of the file name")
    if target.is_dir():
        raise AudioError(f"{name!r} is a folder, not an audio file",
                         "give the path of a voice track file, e.g. take1.wav")
    try:
        info = target.stat()
    except OSError as error:
        raise AudioError(f"cannot read {name!r}: {error.strerror}",
                         "check the file's permissions") from None
    if not stat.S_ISREG(info.st_mode):
        raise AudioError(f"audio file {name!r} is not a regular file (a pipe, device or socket)",
                         "save the recording to a file and pass that file")
    size = info.st_size
    if size == 0:
        raise AudioError(f"audio file {name!r} is empty (0 bytes)",
                         "check that the export finished; re-export the voice track")
    if not os.access(name, os.R_OK):
        raise AudioError(f"cannot read {name!r}: permission denied",
                         "check the file's permissions")
    return name


def _check_rate(name: str, rate: int) -> None:
    if rate < MIN_SOURCE_RATE:
        raise AudioError(f"{name!r} has a sample rate of {rate} Hz, below the "
                         f"{MIN_SOURCE_RATE} Hz minimum for speech",
                         f"export the voice track at {TARGET_RATE} Hz or more")


def _channel_index(name: str, channel: int | None, channels: int) -> int | None:
    """Validate the user's 1-based ``channel``; return the 0-based index (None = mix)."""
    if channel is None:
        return None
    plural = "channel" if channels == 1 else "channels"
    if isinstance(channel, bool) or not isinstance(channel, (int, np.integer)):
        raise OptionError(f"channel must be a whole number, not {channel!r}",
                          f"use 1 to {channels}, or leave it out to mix all channels")
    if not 1 <= channel <= channels:
        raise OptionError(f"channel {channel} is out of range: {name!r} has {channels} {plural}",
                          f"use a channel from 1 to {channels} (1-based), or leave it out to mix "
                          "all channels")
    return int(channel) - 1


# ----------------------------------------------------------------------------------------------
# Decoding


def _open(name: str) -> _Source:
    """Open ``name`` with soundfile, or with ffmpeg when libsndfile does not know the format."""
    try:
        with _decoder_notes_silenced():
            handle = sf.SoundFile(name)
    except sf.LibsndfileError as error:
        reason = _libsndfile_reason(error)
    except (OSError, RuntimeError, ValueError) as error:
        reason = str(error) or type(error).__name__
    else:
        return _soundfile_source(name, handle)
    _refuse_non_audio(name)
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is not None:
        return _ffmpeg_source(name, ffmpeg)
    container = _ffmpeg_container(name)
    if container is not None:
        raise MissingToolError(
            f"{name!r} is {container}, which needs ffmpeg to decode, and ffmpeg is not installed",
            f"{_INSTALL_FFMPEG}, or convert the file to WAV or FLAC")
    raise AudioError(f"cannot read {name!r}: {reason}",
                     f"the file is corrupt or not audio; without ffmpeg lipsync reads "
                     f"{_SUPPORTED_WITHOUT_FFMPEG} ({_INSTALL_FFMPEG} for M4A/AAC and video)")


@contextlib.contextmanager
def _decoder_notes_silenced() -> Iterator[None]:
    """Opening a file, the decoders inside libsndfile (mpg123) print notes straight to the
    process's stderr ("Xing stream size off by more than 1%"); lipsync reports what matters in
    its own words, so those lines go to the null device meanwhile."""
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all
        yield
        return
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 2)
        finally:
            os.close(null)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _refuse_non_audio(name: str) -> None:
    """AudioError naming what a file given as audio really is (a script, a Word file...), when its
    first bytes say so."""
    from .filetypes import not_audio

    try:
        with open(name, "rb") as stream:
            head = stream.read(4096)
    except OSError:
        return
    what = not_audio(head)
    if what is not None:
        raise AudioError(f"{name!r} is {what}, not audio",
                         "the voice track (wav, flac, mp3...) comes first and the script goes to --script: "
                         "lipsync analyze AUDIO --script SCRIPT")


def _libsndfile_reason(error: Exception) -> str:
    text = getattr(error, "error_string", None) or str(error)
    text = re.sub(r"^Error opening .*?: ", "", str(text)).strip()
    text = re.sub(r"^Error\s*:\s*", "", text)
    return text.rstrip(".") or "unknown format"


def _ffmpeg_container(name: str) -> str | None:
    """A readable description when ``name`` looks like a file only ffmpeg can decode."""
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix in FFMPEG_EXTENSIONS:
        return f"a{'n' if suffix[0] in 'aeiomx' else ''} {suffix.upper()} file"
    try:
        with open(name, "rb") as stream:
            head = stream.read(16)
    except OSError:
        return None
    if head[4:8] == b"ftyp":
        return "an MP4/M4A/MOV file"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "a Matroska/WebM file"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "an AVI file"
    if head[:8] == b"\x30\x26\xb2\x75\x8e\x66\xcf\x11":
        return "a WMA/WMV file"
    if len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xF6) == 0xF0:
        return "an AAC (ADTS) file"
    return None


def _soundfile_source(name: str, handle: sf.SoundFile) -> _Source:
    _check_truncated(name, handle)
    frames = handle.frames if handle.frames and handle.frames > 0 else None
    return _Source(rate=int(handle.samplerate), channels=int(handle.channels),
                   blocks=_soundfile_blocks(name, handle), frames=frames, close=handle.close,
                   estimated=handle.format == "MP3")


def _soundfile_blocks(name: str, handle: sf.SoundFile) -> Iterator[np.ndarray]:
    buffer = np.empty((BLOCK_FRAMES, handle.channels), dtype=np.float32)
    while True:
        try:
            block = handle.read(BLOCK_FRAMES, dtype="float32", always_2d=True, out=buffer)
        except (sf.LibsndfileError, RuntimeError) as error:
            raise AudioError(f"cannot decode {name!r}: {_libsndfile_reason(error)}",
                             "the file is corrupt or cut short; re-export or copy it again"
                             ) from None
        if len(block) == 0:
            return
        yield block
        if len(block) < BLOCK_FRAMES:
            return


_DATA_SIZE = re.compile(r"^data\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)


def _check_truncated(name: str, handle: sf.SoundFile) -> None:
    """A WAV whose data chunk promises more bytes than the file holds was cut short:
    libsndfile quietly decodes what is there, which would give a too-short sheet."""
    try:
        log = handle.extra_info
    except Exception:  # noqa: BLE001 - the log is a nicety, never a reason to fail
        return
    match = _DATA_SIZE.search(log or "")
    if not match:
        return
    declared, actual = int(match.group(1)), int(match.group(2))
    if declared in (0, 0xFFFFFFFF, 0x7FFFFFFF) or declared <= actual:
        return  # streaming writers leave 0 / -1 here; that is not truncation
    bytes_per_second = max(1, handle.samplerate * handle.channels * 2)
    block_align = re.search(r"Block Align\s*:\s*(\d+)", log)
    if block_align:
        bytes_per_second = max(1, handle.samplerate * int(block_align.group(1)))
    missing = (declared - actual) / bytes_per_second
    if missing < 0.01:
        return
    raise AudioError(f"{name!r} is truncated: {missing:.2f} s of audio are missing at the end "
                     f"(its header promises {declared / bytes_per_second:.2f} s)",
                     "the copy or export was interrupted; copy or export the file again")


#: A decode that ends this much short of the length the file announces is a cut-short file.
_SHORTFALL_SECONDS = 0.5
_SHORTFALL_SHARE = 0.02


def _check_complete(name: str, source: _Source, decoded: int) -> None:
    """A file whose decoder stopped before the length its header announces was cut short (a
    copy or download interrupted): an error, since the sheet would cover part of the take; a
    warning for MP3, whose length without a LAME/Xing header is only the decoder's estimate."""
    expected = source.frames
    if not expected or decoded >= expected:
        return
    missing = (expected - decoded) / source.rate
    if missing < _SHORTFALL_SECONDS or decoded > (1 - _SHORTFALL_SHARE) * expected:
        return
    message = (f"{name!r} is cut short: only {decoded / source.rate:.2f} s of the "
               f"{expected / source.rate:.2f} s its header announces could be decoded")
    hint = "the copy or export was interrupted; copy or export the file again"
    if not source.estimated:
        raise AudioError(message, hint)
    logging.getLogger(__name__).warning(f"{message}; the sheet covers only that part ({hint})")


def _ffmpeg_source(name: str, ffmpeg: str) -> _Source:
    """Decode through ``ffmpeg`` to 32-bit float WAV on a pipe, at the file's own rate and
    channel count (the WAV header tells us both, so no ffprobe is needed)."""
    source = "file:" + os.path.abspath(name)  # never a protocol ("http:", "pipe:") or an option
    command = [ffmpeg, "-nostdin", "-v", "error", "-i", source, "-map", "0:a:0", "-vn", "-sn",
               "-dn", "-map_metadata", "-1", "-c:a", "pcm_f32le", "-f", "wav", "-"]
    # stderr goes to a file: a corrupt input can log more than a pipe buffer holds, which would
    # block ffmpeg while we wait on stdout.
    errors = tempfile.TemporaryFile()
    try:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=errors)
    except OSError as error:
        errors.close()
        raise MissingToolError(f"cannot run ffmpeg ({ffmpeg}): {error.strerror}",
                               _INSTALL_FFMPEG) from None
    assert process.stdout is not None
    stream = process.stdout

    def close() -> None:
        if process.poll() is None:
            process.kill()
        stream.close()
        process.wait()
        errors.close()

    def fail() -> AudioError:
        if process.poll() is None:
            process.kill()
        process.wait()
        errors.seek(0)
        message = _first_error_line(errors.read().decode("utf-8", "replace"), source)
        return AudioError(f"ffmpeg cannot decode {name!r}: {message}",
                          "check that the file plays and has an audio track; "
                          "re-export it as WAV if needed")

    try:
        rate, channels = _read_wav_header(stream)
    except _HeaderError:
        error = fail()
        close()
        raise error from None

    def blocks() -> Iterator[np.ndarray]:
        frame_bytes = 4 * channels
        chunk = BLOCK_FRAMES * frame_bytes
        leftover = b""
        while True:
            data = stream.read(chunk)
            if not data:
                break
            data = leftover + data
            usable = len(data) - len(data) % frame_bytes
            leftover = data[usable:]
            if usable:
                yield np.frombuffer(data, dtype="<f4", count=usable // 4).reshape(-1, channels)
        if process.wait() != 0:
            error = fail()
            raise error

    return _Source(rate=rate, channels=channels, blocks=blocks(), close=close)


class _HeaderError(Exception):
    pass


def _read_exact(stream, size: int) -> bytes:  # noqa: ANN001 - a binary file object
    data = b""
    while len(data) < size:
        more = stream.read(size - len(data))
        if not more:
            raise _HeaderError("end of stream")
        data += more
    return data


def _read_wav_header(stream) -> tuple[int, int]:  # noqa: ANN001 - a binary file object
    """Parse the RIFF header ffmpeg writes on a pipe, up to the data chunk: (rate, channels)."""
    head = _read_exact(stream, 12)
    if head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
        raise _HeaderError("not a WAV stream")
    rate = channels = 0
    while True:
        chunk = _read_exact(stream, 8)
        kind, size = chunk[:4], int.from_bytes(chunk[4:8], "little")
        if kind == b"data":
            if not rate or not channels:
                raise _HeaderError("data before fmt")
            return rate, channels
        if size > 1 << 20:
            raise _HeaderError("implausible chunk")
        body = _read_exact(stream, size + (size & 1))
        if kind == b"fmt ":
            channels = int.from_bytes(body[2:4], "little")
            rate = int.from_bytes(body[4:8], "little")


def _first_error_line(text: str, source: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        line = re.sub(r"^\[[^\]]*\]\s*", "", line)  # "[mov,mp4 @ 0x...] " prefixes
        for prefix in (source, source[len("file:"):]):
            if line.startswith(prefix + ":"):
                line = line[len(prefix) + 1:].strip()
                break
        if "matches no streams" in line:
            return "the file has no audio track"
        return line
    return "unknown error"


# ----------------------------------------------------------------------------------------------
# Resampling


def _resample_blocks(blocks: Iterator[np.ndarray], source_rate: int, target_rate: int,
                     expected_frames: int | None) -> tuple[np.ndarray, int]:
    """Feed mono blocks through one streaming soxr resampler; return (output, input frames).

    The output is written into one preallocated array when the frame count is known, so the
    peak memory is about one 16 kHz copy of the track plus one block.
    """
    collector = _Collector(None if expected_frames is None
                           else int(expected_frames * target_rate / source_rate) + 64)
    frames = 0
    if source_rate == target_rate:
        for block in blocks:
            frames += len(block)
            collector.add(block)
        return collector.result(), frames
    stream = soxr.ResampleStream(source_rate, target_rate, 1, dtype="float32",
                                 quality=RESAMPLE_QUALITY)
    for block in blocks:
        frames += len(block)
        collector.add(stream.resample_chunk(block, last=False))
    collector.add(stream.resample_chunk(np.zeros(0, dtype=np.float32), last=True))
    return collector.result(), frames


class _Collector:
    """Append float32 arrays into a preallocated buffer, spilling into a list if it overflows."""

    def __init__(self, capacity: int | None) -> None:
        self.buffer = np.empty(capacity, dtype=np.float32) if capacity else None
        self.used = 0
        self.extra: list[np.ndarray] = []

    def add(self, part: np.ndarray) -> None:
        if part.size == 0:
            return
        if self.buffer is not None and not self.extra and self.used + part.size <= len(self.buffer):
            self.buffer[self.used:self.used + part.size] = part
            self.used += part.size
        else:
            self.extra.append(np.array(part, dtype=np.float32, copy=True))

    def result(self) -> np.ndarray:
        if self.buffer is None:
            head = np.zeros(0, dtype=np.float32)
        elif self.used < len(self.buffer) // 2:  # badly overestimated: do not pin the buffer
            head = self.buffer[:self.used].copy()
        else:
            head = self.buffer[:self.used]
        return np.concatenate([head, *self.extra]) if self.extra else head


def frame_peaks(audio: Audio, rate: FrameRate, frames: int) -> bytes:
    """Each frame's peak level at ``rate``, one byte per frame (0-255, relative to the loudest
    frame): the compact envelope a sheet keeps for the printable sheet's waveform.

    >>> tone = np.zeros(16000, np.float32); tone[8000:] = 0.5; tone[4000] = -0.25
    >>> list(frame_peaks(Audio(tone, duration=1.0), FrameRate(4), 4))
    [0, 128, 255, 255]
    """
    peaks = np.zeros(max(frames, 0), dtype=np.float64)
    samples = audio.samples
    if frames > 0 and samples.size:
        # frame k holds the samples i with i * fps // sample_rate == k: from ceil(k * sample_rate / fps)
        bounds = -(-np.arange(frames + 1, dtype=np.int64) * (audio.sample_rate * rate.den) // rate.num)
        samples = samples[:bounds[-1]]
        starts = bounds[:-1]
        holding = np.flatnonzero((starts < samples.size) & (bounds[1:] > starts))
        if holding.size:
            # the largest of each frame's highest and its lowest turned positive: no absolute
            # copy of the whole track to allocate
            peaks[holding] = np.maximum(np.maximum.reduceat(samples, starts[holding]),
                                        -np.minimum.reduceat(samples, starts[holding]))
    loudest = float(peaks.max()) if peaks.size else 0.0
    if loudest > 0:
        peaks = np.round(peaks / loudest * 255)
    return peaks.astype(np.uint8).tobytes()

