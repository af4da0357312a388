"""Phone boundaries moved onto the signal: to the point of largest spectral change nearby.

The aligner places boundaries on its 10 ms frames, and even after its bias per kind of boundary
is corrected (:mod:`.refine`) a boundary can lie a frame off where the sound changes: where a
vowel's formants stop at a stop closure, where a fricative's noise starts, where voicing sets
in. :func:`spectral_change` measures, every 2.5 ms, how much the spectrum over the 20 ms before
a point differs from the 20 ms after it (log mel band energies, each band scaled by its spread
over the recording); :func:`snap_to_change` moves each boundary between two phones to the
largest change within a few milliseconds (``RecognitionSettings.refine_reach_seconds``). The
reach is small on purpose: the aligner knows which change it means, the signal only says
exactly where it is. Measured on eval-dev (``benchmarks/accuracy.py``): boundaries within 20 ms
of the hand labels from 0.80 to 0.83, cross-validated.

Plain numpy (a short-time Fourier transform and a triangular mel filterbank): about 4 ms of CPU
per second of audio.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from ..audio import Audio
from ..sheet import Phone
from .refine import TOUCH_SECONDS
from .settings import DEFAULT_SETTINGS, RecognitionSettings

#: Frames analysed at once (bounds the memory of the transform on long recordings).
_BLOCK = 4096
#: Band energies are floored this far (a power ratio) under the recording's loudest band,
#: so that empty bands (a band above the source's Nyquist frequency, digital silence) add no
#: noise when scaled by their spread.
_FLOOR = 1e-5


@dataclass(frozen=True)
class ChangeCurve:
    """How much the spectrum changes at each point of a recording: ``values[i]`` at ``i * hop``
    seconds (0 where the comparison windows would leave the recording)."""

    values: np.ndarray
    hop: float

    def at(self, seconds: float) -> float:
        """The change at the point nearest ``seconds`` (0 outside the recording)."""
        index = int(round(seconds / self.hop))
        return float(self.values[index]) if 0 <= index < len(self.values) else 0.0


def mel_filterbank(sample_rate: int, size: int, bands: int, low: float = 80.0,
                   high: float = 8000.0) -> np.ndarray:
    """Triangular filters (``bands`` rows, one column per FFT bin of a ``size``-point
    transform) evenly spaced on the mel scale from ``low`` to ``high`` Hz (at most Nyquist).

    >>> bank = mel_filterbank(16000, 256, 4)
    >>> bank.shape, bool(bank.max() <= 1.0), [int(np.argmax(row)) for row in bank]
    ((4, 129), True, [9, 22, 42, 75])
    """
    high = min(high, sample_rate / 2)
    to_mel = lambda hz: 2595.0 * np.log10(1.0 + hz / 700.0)  # noqa: E731
    edges = 700.0 * (10.0 ** (np.linspace(to_mel(low), to_mel(high), bands + 2) / 2595.0) - 1.0)
    bins = np.arange(size // 2 + 1) * sample_rate / size
    rising = (bins[None, :] - edges[:-2, None]) / (edges[1:-1, None] - edges[:-2, None])
    falling = (edges[2:, None] - bins[None, :]) / (edges[2:, None] - edges[1:-1, None])
    return np.clip(np.minimum(rising, falling), 0.0, None)


def mel_energies(samples: np.ndarray, sample_rate: int, hop: float = 0.0025, window: float = 0.008,
                 bands: int = 24, frames: np.ndarray | None = None) -> np.ndarray:
    """Mel band energies (power) of Hann-windowed frames centred every ``hop`` seconds (frame
    ``i`` at ``i * hop``), one row per frame; with ``frames`` (a boolean mask over the
    frames), only those are analysed and the others are 0.

    >>> rate = 16000
    >>> tone = np.sin(2 * np.pi * 1000 * np.arange(rate // 10) / rate).astype(np.float32)
    >>> energies = mel_energies(np.concatenate([np.zeros(rate // 10, np.float32), tone]), rate)
    >>> energies.shape, int(np.argmax(energies[60])), float(energies[20].max())
    ((81, 24), 7, 0.0)
    """
    samples = np.asarray(samples, dtype=np.float32)
    step = max(1, int(round(hop * sample_rate)))
    width = max(2, int(round(window * sample_rate)))
    size = 1 << int(np.ceil(np.log2(width)))
    padded = np.concatenate([np.zeros(width // 2, np.float32), samples, np.zeros(width, np.float32)])
    count = len(samples) // step + 1
    wanted = np.arange(count) if frames is None else np.flatnonzero(frames[:count])
    taper = np.hanning(width).astype(np.float32)
    bank = mel_filterbank(sample_rate, size, bands).T.astype(np.float32)
    energy = np.zeros((count, bands), dtype=np.float32)
    framed = np.lib.stride_tricks.sliding_window_view(padded, width)[::step]
    for first in range(0, len(wanted), _BLOCK):
        rows = wanted[first:first + _BLOCK]
        spectrum = np.fft.rfft(framed[rows] * taper, size)
        power = (spectrum.real ** 2 + spectrum.imag ** 2).astype(np.float32)
        energy[rows] = np.einsum("fk,kb->fb", power, bank)  # no threaded BLAS for a product this small
    return energy


def spectral_change(samples: np.ndarray, sample_rate: int, hop: float = 0.0025, span: float = 0.02,
                    window: float = 0.008, bands: int = 24, near: Sequence[float] | None = None,
                    reach: float = 0.0) -> ChangeCurve:
    """How much the spectrum over the ``span`` seconds before each point differs from the
    ``span`` seconds after it, every ``hop`` seconds: the distance between the two windows'
    mean log mel band energies (frames of ``window`` seconds), each band scaled by its spread
    over the recording (root mean square over the bands). Energies are floored a fixed ratio
    under the loudest band, so that empty bands (above the source's Nyquist frequency, digital
    silence) add no noise. With ``near`` (seconds), only the points within ``reach`` of those
    times are measured (the others are 0), and only the audio they need is analysed.

    >>> rate = 16000
    >>> noise = np.random.default_rng(1).standard_normal(rate // 2) * 0.001
    >>> hum = 0.3 * np.sin(2 * np.pi * 200 * np.arange(rate // 4) / rate) * np.minimum(np.arange(rate // 4) / 80, 1)
    >>> curve = spectral_change((noise + np.concatenate([0 * hum, hum])).astype(np.float32), rate)
    >>> round(float(np.argmax(curve.values[:150])) * curve.hop, 4)
    0.25
    >>> near = spectral_change(noise + np.concatenate([0 * hum, hum]), rate, near=[0.26], reach=0.02)
    >>> round(float(np.argmax(near.values)) * near.hop, 4), int(np.count_nonzero(near.values))
    (0.25, 17)
    """
    half = max(1, int(round(span / hop)))
    step = step_seconds(sample_rate, hop)
    count = len(samples) // max(1, int(round(hop * sample_rate))) + 1
    points = np.ones(count, dtype=bool)
    frames = None
    if near is not None:
        points[:] = False
        frames = np.zeros(count, dtype=bool)
        spread = int(np.ceil(reach / step))
        for time in near:
            centre = int(round(time / step))
            points[max(0, centre - spread):max(0, centre + spread + 1)] = True
            frames[max(0, centre - spread - half):max(0, centre + spread + half + 1)] = True
    energy = mel_energies(samples, sample_rate, hop, window, bands, frames).astype(np.float64)
    analysed = energy if frames is None else energy[frames]
    levels = np.log(energy + max(float(analysed.max(initial=0.0)) * _FLOOR, 1e-20))
    levels /= np.maximum((levels if frames is None else levels[frames]).std(axis=0), 1e-6)
    sums = np.vstack([np.zeros((1, bands)), np.cumsum(levels, axis=0)])
    values = np.zeros(count, dtype=np.float64)
    middle = np.flatnonzero(points[half:count - half]) + half
    if len(middle):
        before, after = sums[middle] - sums[middle - half], sums[middle + half] - sums[middle]
        values[middle] = np.sqrt(np.mean((after - before) ** 2, axis=1)) / half
    return ChangeCurve(values, step)


def step_seconds(sample_rate: int, hop: float) -> float:
    """The hop in seconds as analysed: a whole number of samples.

    >>> step_seconds(16000, 0.0025), step_seconds(22050, 0.0025)
    (0.0025, 0.002494331065759637)
    """
    return max(1, int(round(hop * sample_rate))) / sample_rate


def snap_to_change(phones: Sequence[Phone], change: ChangeCurve, reach: float = 0.0125,
                   min_phone: float = 0.02) -> tuple[Phone, ...]:
    """Each boundary between two touching phones moved to the point of largest spectral
    ``change`` within ``reach`` seconds of it (both phones follow). A boundary never makes a
    phone shorter than ``min_phone`` (a phone already shorter keeps its boundaries); the edges
    of speech (a phone next to a pause) stay where they are.

    >>> curve = ChangeCurve(np.array([0, 0, 0, 0, 1, 3, 1, 0, 0, 0], float), 0.01)
    >>> snap_to_change([Phone(0.0, 0.03, "ɑ"), Phone(0.03, 0.09, "t")], curve, reach=0.02, min_phone=0.01)
    (Phone(start=0.0, end=0.05, symbol='ɑ', word=None, line=None), Phone(start=0.05, end=0.09, symbol='t', word=None, line=None))
    """
    result = sorted(phones, key=lambda phone: (phone.start, phone.end))
    hop = change.hop
    for index in range(1, len(result)):
        before, phone = result[index - 1], result[index]
        if phone.start - before.end > TOUCH_SECONDS:
            continue
        low = max(phone.start - reach, before.start + min_phone)
        high = min(phone.start + reach, phone.end - min_phone)
        first, last = int(np.ceil(low / hop - 1e-9)), min(int(np.floor(high / hop + 1e-9)), len(change.values) - 1)
        if last < first:
            continue
        candidates = np.arange(first, last + 1)
        best = candidates[np.argmax(change.values[candidates])]
        if change.values[best] <= change.at(phone.start):
            continue  # no larger change nearby: the boundary stays
        moved = round(float(best) * hop, 6)
        result[index - 1] = replace(before, end=moved)
        result[index] = replace(phone, start=moved)
    return tuple(result)


def refine_on_signal(phones: Sequence[Phone], audio: Audio,
                     settings: RecognitionSettings = DEFAULT_SETTINGS) -> tuple[Phone, ...]:
    """:func:`snap_to_change` with the spectral change of ``audio`` measured around the
    boundaries between touching phones, as ``settings`` (``refine_*``) say."""
    ordered = sorted(phones, key=lambda phone: (phone.start, phone.end))
    inner = [phone.start for before, phone in zip(ordered, ordered[1:]) if phone.start - before.end <= TOUCH_SECONDS]
    if not inner:
        return tuple(ordered)
    change = spectral_change(audio.samples, audio.sample_rate, span=settings.refine_span_seconds,
                             window=settings.refine_window_seconds, near=inner,
                             reach=settings.refine_reach_seconds)
    return snap_to_change(ordered, change, settings.refine_reach_seconds, settings.refine_min_phone_seconds)
