"""What the review page plays and draws: the audio bytes (any byte range) and a peak envelope.

The waveform is drawn from a peak envelope computed here once (a few hundred kilobytes for a
30-minute episode), so the browser never decodes the whole recording. The audio itself is
served as it is when browsers play its format, else as a WAV decoded from it; a sheet without
audio gets a silent WAV of its length, so the page has one clock either way.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

#: Formats every browser plays, served as they are (others are decoded to WAV).
PLAYABLE = {".wav": "audio/wav", ".flac": "audio/flac", ".ogg": "audio/ogg", ".oga": "audio/ogg",
            ".opus": "audio/ogg", ".mp3": "audio/mpeg", ".webm": "audio/webm"}

#: Peak values per second of audio in the envelope sent to the page.
PEAKS_PER_SECOND = 100


def peak_envelope(samples: np.ndarray, sample_rate: int, per_second: int = PEAKS_PER_SECOND) -> np.ndarray:
    """The largest absolute sample in each ``1/per_second`` s of ``samples``, scaled so the
    loudest is 1 (all zeros for silence).

    >>> peak_envelope(np.array([0.0, 0.5, -0.25, 0.1], dtype=np.float32), 4, 2).tolist()
    [1.0, 0.5]
    """
    size = max(1, round(sample_rate / per_second))
    count = -(-len(samples) // size)
    padded = np.zeros(count * size, dtype=np.float32)
    padded[:len(samples)] = np.abs(samples)
    peaks = padded.reshape(count, size).max(axis=1)
    top = float(peaks.max()) if count else 0.0
    return peaks / top if top > 0 else peaks


def wav_header(data_bytes: int, sample_rate: int, bits: int = 16) -> bytes:
    """The 44-byte header of a mono PCM WAV file holding ``data_bytes`` of samples."""
    block = bits // 8
    return (b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVEfmt "
            + struct.pack("<IHHIIHH", 16, 1, 1, sample_rate, sample_rate * block, block, bits)
            + b"data" + struct.pack("<I", data_bytes))


class Media(Protocol):
    """Bytes the page plays: ``size``, ``content_type`` and :meth:`read` of any range."""

    size: int
    content_type: str

    def read(self, start: int, end: int) -> bytes:
        """Bytes ``[start, end)``."""


@dataclass
class FileMedia:
    """An audio file served as it is."""

    path: Path
    content_type: str

    def __post_init__(self) -> None:
        self.size = self.path.stat().st_size

    def read(self, start: int, end: int) -> bytes:
        with self.path.open("rb") as stream:
            stream.seek(start)
            return stream.read(end - start)


class PcmMedia:
    """Decoded samples served as a 16-bit mono WAV (formats browsers do not play)."""

    content_type = "audio/wav"

    def __init__(self, samples: np.ndarray, sample_rate: int) -> None:
        pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
        self._bytes = wav_header(len(pcm), sample_rate) + pcm
        self.size = len(self._bytes)

    def read(self, start: int, end: int) -> bytes:
        return self._bytes[start:end]


class SilentMedia:
    """``seconds`` of silence as an 8-bit 8 kHz WAV, made up on the fly for any byte range."""

    content_type = "audio/wav"
    RATE = 8000

    def __init__(self, seconds: float) -> None:
        self._samples = max(1, round(seconds * self.RATE))
        self._header = wav_header(self._samples, self.RATE, bits=8)
        self.size = len(self._header) + self._samples

    def read(self, start: int, end: int) -> bytes:
        head = self._header[start:end]
        silence = max(0, min(end, self.size) - max(start, len(self._header)))
        return head + b"\x80" * silence  # 8-bit WAV is unsigned: 128 is silence
