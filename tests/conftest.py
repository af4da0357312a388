"""Shared test fixtures: synthetic speech from espeak-ng and audio files built from it.

Fixtures (all usable from any test module):

``espeak_wav(text, voice="en-us", speed=160) -> Path``
    Session-scoped factory: speech synthesised by espeak-ng (22050 Hz mono 16-bit WAV), cached
    by (text, voice, speed). Skips the test when espeak-ng is not installed.
``audio_variant(source, name, **options) -> Path``
    Session-scoped factory: writes a variant of ``source`` (a path, or a float array with
    ``source_rate=``) to a file called ``name`` (the extension picks the format: .wav .flac .ogg
    .opus .mp3 .aiff). Options are those of :func:`make_variant`; cached by all arguments.
``ffmpeg``
    The ffmpeg executable's path; skips the test when ffmpeg is not installed.
``no_ffmpeg``
    Makes ffmpeg (and ffprobe) look uninstalled for the duration of the test.
``browser``
    Module-scoped: Debian's headless Chromium driven by Playwright (no browser download); skips
    the test when Playwright or Chromium is not installed.

Module-level helpers :func:`read_mono`, :func:`make_variant`, :func:`concat_speech`,
:func:`trim` and :func:`white_noise` do the same work without caching.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import soxr

#: extension -> (soundfile format, default subtype)
FORMATS = {
    ".wav": ("WAV", "PCM_16"),
    ".flac": ("FLAC", "PCM_16"),
    ".ogg": ("OGG", "VORBIS"),
    ".opus": ("OGG", "OPUS"),
    ".mp3": ("MP3", "MPEG_LAYER_III"),
    ".aiff": ("AIFF", "PCM_16"),
}


def read_mono(path: str | Path) -> tuple[np.ndarray, int]:
    """(float32 mono samples, rate) of a file, mixing channels by their mean."""
    data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    return data.mean(axis=1).astype(np.float32), rate


def trim(samples: np.ndarray, dbfs: float = -50.0) -> np.ndarray:
    """``samples`` without the leading and trailing part quieter than ``dbfs`` (espeak-ng adds
    a few hundred ms of silence after each utterance)."""
    loud = np.flatnonzero(np.abs(samples) > 10 ** (dbfs / 20))
    return samples[loud[0]:loud[-1] + 1] if loud.size else samples[:0]


def white_noise(seconds: float, rate: int, dbfs: float, seed: int = 0) -> np.ndarray:
    """Seeded Gaussian white noise whose RMS level is ``dbfs``."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(int(round(seconds * rate))) * 10 ** (dbfs / 20)).astype(np.float32)


def concat_speech(pieces: Sequence[np.ndarray], gap: float, rate: int,
                  noise_dbfs: float | None = None, seed: int = 0
                  ) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Join speech ``pieces`` with ``gap`` seconds of silence (or of white noise at
    ``noise_dbfs``) between them. Returns the signal and, for each piece, the (start, end) in
    seconds of its audible part (first and last sample above -50 dBFS), i.e. the ground truth
    for voice activity detection."""
    gap_samples = int(round(gap * rate))
    parts: list[np.ndarray] = []
    truth: list[tuple[float, float]] = []
    offset = 0
    for index, piece in enumerate(pieces):
        if index:
            parts.append(np.zeros(gap_samples, dtype=np.float32))
            offset += gap_samples
        loud = np.flatnonzero(np.abs(piece) > 10 ** (-50 / 20))
        truth.append(((offset + loud[0]) / rate, (offset + loud[-1] + 1) / rate))
        parts.append(piece.astype(np.float32))
        offset += len(piece)
    signal = np.concatenate(parts)
    if noise_dbfs is not None:
        signal = signal + white_noise(len(signal) / rate, rate, noise_dbfs, seed)[:len(signal)]
    return signal.astype(np.float32), truth


def make_variant(source: str | Path | np.ndarray, out: str | Path, *,
                 source_rate: int | None = None, rate: int | None = None, channels: int = 1,
                 speech_channel: int | None = None, subtype: str | None = None,
                 pad_before: float = 0.0, pad_after: float = 0.0, gain_db: float = 0.0
                 ) -> Path:
    """Write a variant of ``source`` to ``out`` (format from the extension).

    ``rate`` resamples (soxr); ``channels`` > 1 copies the speech into every channel, or only
    into ``speech_channel`` (1-based, the others silent); ``subtype`` picks the encoding
    (e.g. "PCM_24", "FLOAT", "PCM_U8"); ``pad_before`` / ``pad_after`` add digital silence in
    seconds; ``gain_db`` scales the speech.
    """
    if isinstance(source, (str, Path)):
        samples, source_rate = read_mono(source)
    else:
        if source_rate is None:
            raise ValueError("source_rate is required for an array source")
        samples = np.asarray(source, dtype=np.float32)
    assert source_rate is not None
    if rate is not None and rate != source_rate:
        samples = soxr.resample(samples, source_rate, rate, quality="VHQ").astype(np.float32)
    final_rate = rate or source_rate
    samples = samples * np.float32(10 ** (gain_db / 20))
    samples = np.concatenate([np.zeros(int(round(pad_before * final_rate)), np.float32), samples,
                              np.zeros(int(round(pad_after * final_rate)), np.float32)])
    if channels > 1:
        frame = np.zeros((len(samples), channels), dtype=np.float32)
        if speech_channel is None:
            frame[:] = samples[:, None]
        else:
            frame[:, speech_channel - 1] = samples
        samples = frame
    out = Path(out)
    kind, default_subtype = FORMATS[out.suffix.lower()]
    sf.write(str(out), samples, final_rate, format=kind, subtype=subtype or default_subtype)
    return out


@pytest.fixture(scope="session")
def espeak_wav(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """Factory: ``espeak_wav(text, voice="en-us", speed=160) -> Path`` of a 22050 Hz WAV."""
    program = shutil.which("espeak-ng")
    if program is None:
        pytest.skip("espeak-ng is not installed")
    folder = tmp_path_factory.mktemp("espeak")
    cache: dict[tuple[str, str, int], Path] = {}

    def make(text: str, voice: str = "en-us", speed: int = 160) -> Path:
        key = (text, voice, int(speed))
        if key not in cache:
            out = folder / f"speech-{len(cache):03d}.wav"
            command = [program, "-v", voice, "-s", str(int(speed)), "-w", str(out)]
            if text.startswith("-"):  # would be read as an option
                text_file = out.with_suffix(".txt")
                text_file.write_text(text, encoding="utf-8")
                command += ["-f", str(text_file)]
            else:
                command.append(text)
            subprocess.run(command, check=True, capture_output=True, timeout=60)
            cache[key] = out
        return cache[key]

    return make


@pytest.fixture(scope="session")
def audio_variant(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """Factory: ``audio_variant(source, name, **options) -> Path`` (see :func:`make_variant`)."""
    folder = tmp_path_factory.mktemp("variants")
    cache: dict[str, Path] = {}

    def make(source: str | Path | np.ndarray, name: str, **options: object) -> Path:
        if isinstance(source, np.ndarray):
            identity = hashlib.sha1(np.ascontiguousarray(source).tobytes()).hexdigest()
        else:
            identity = str(source)
        key = hashlib.sha1(repr((identity, name, sorted(options.items()))).encode()).hexdigest()
        if key not in cache:
            target = folder / key[:10] / name
            target.parent.mkdir(parents=True, exist_ok=True)
            cache[key] = make_variant(source, target, **options)  # type: ignore[arg-type]
        return cache[key]

    return make


@pytest.fixture(scope="session")
def ffmpeg() -> str:
    """Path of the ffmpeg executable; skips when it is not installed."""
    path = shutil.which("ffmpeg")
    if path is None:
        pytest.skip("ffmpeg is not installed")
    return path


@pytest.fixture
def no_ffmpeg(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ffmpeg and ffprobe invisible to ``shutil.which`` for one test."""
    real_which = shutil.which

    def which(name: str, *args: object, **kwargs: object) -> str | None:
        if Path(str(name)).name in {"ffmpeg", "ffprobe", "ffmpeg.exe", "ffprobe.exe"}:
            return None
        return real_which(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(shutil, "which", which)


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        if found := shutil.which(name):
            return found
    pytest.skip("headless Chromium is not installed (scripts/install-system-deps.sh installs Debian's chromium)")


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (the system's) under Playwright, for one test module."""
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="Playwright for Python is not installed (pip install -e '.[test]')")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        yield launched
        launched.close()
