"""Phone boundaries moved onto the signal: to the point of largest spectral change nearby.

The aligner places boundaries on its 10 ms frames, and even after its bias per kind of boundary
is corrected (:mod:`.refine`) a boundary can lie a frame off where the sound changes: where a
vowel's formants stop at a stop closure, where a fricative's noise starts, where voicing sets
in. :func:`spectral_change` measures, every 2.5 ms, how much the spectrum over the 20 ms before
a point differs from the 20 ms after it (log mel band energies of 8 ms frames, each band
scaled by its spread); :func:`snap_to_change` moves each boundary between two phones to the
largest change nearby: within ``RecognitionSettings.refine_free_seconds`` (10 ms) on its change
alone, farther out (up to ``refine_reach_seconds``, 25 ms) only where the change is larger by
``refine_pull`` (0.3) times the largest within reach for every 10 ms beyond. The aligner knows
which change it means, the signal only says exactly where it is: the pull keeps a boundary from
trading a nearby change for a slightly larger one far away. Reach and pull were chosen on
eval-dev leaving one speaker out (``benchmarks/boundary_bias.py``; 25 ms and 0.3 in 10 of 13
folds): held out, boundaries within 20 ms of the hand labels 0.830 -> 0.836 and acc3 0.865 ->
0.868 against a plain 10 ms reach, itself 0.799 -> 0.833 against no refinement. ``lipsync fit``
analyzes voice tracks with 10 ms (:data:`lipsync.fit.check.FIT_REFINE_REACH_SECONDS`), where
the farther reach made its scores depend more on the voice.

Plain numpy (a short-time Fourier transform and a triangular mel filterbank), only on the
audio around boundaries: under 1 ms of CPU per second of audio.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
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
                 bands: int = 24, rows: np.ndarray | None = None, threads: int = 1) -> np.ndarray:
    """Mel band energies (power) of Hann-windowed frames centred every ``hop`` seconds (frame
    ``i`` at ``i * hop``), one row per frame: of every frame, or of the frames numbered in
    ``rows`` (within the signal). ``threads`` > 1 transforms that many blocks of frames at once
    (numpy's FFT and products run without the GIL): the same energies, sooner on idle cores.

    >>> rate = 16000
    >>> tone = np.sin(2 * np.pi * 1000 * np.arange(rate // 10) / rate).astype(np.float32)
    >>> energies = mel_energies(np.concatenate([np.zeros(rate // 10, np.float32), tone]), rate)
    >>> energies.shape, int(np.argmax(energies[60])), float(energies[20].max())
    ((81, 24), 7, 0.0)
    >>> bool(np.all(mel_energies(tone, rate, rows=np.array([3, 9])) == mel_energies(tone, rate)[[3, 9]]))
    True
    """
    samples = np.asarray(samples, dtype=np.float32)
    step = max(1, int(round(hop * sample_rate)))
    width = max(2, int(round(window * sample_rate)))
    size = 1 << int(np.ceil(np.log2(width)))
    wanted = np.arange(len(samples) // step + 1) if rows is None else np.asarray(rows)
    taper = np.hanning(width).astype(np.float32)
    bank = mel_filterbank(sample_rate, size, bands).T.astype(np.float32)
    energy = np.zeros((len(wanted), bands), dtype=np.float32)

    def fill(first: int) -> None:
        spectrum = np.fft.rfft(_frames(samples, wanted[first:first + _BLOCK] * step - width // 2, width) * taper, size)
        power = (spectrum.real ** 2 + spectrum.imag ** 2).astype(np.float32)
        # einsum: no threaded BLAS for a product this small
        energy[first:first + _BLOCK] = np.einsum("fk,kb->fb", power, bank)

    blocks = range(0, len(wanted), _BLOCK)
    if threads > 1 and len(blocks) > 1:
        with ThreadPoolExecutor(min(threads, len(blocks))) as pool:
            list(pool.map(fill, blocks))
    else:
        for first in blocks:
            fill(first)
    return energy


def _frames(samples: np.ndarray, starts: np.ndarray, width: int) -> np.ndarray:
    """The ``width`` samples from each of ``starts`` (one row each), zeros outside the signal,
    without copying the signal.

    >>> _frames(np.arange(1.0, 6.0), np.array([-1, 1, 4]), 3)
    array([[0., 1., 2.],
           [2., 3., 4.],
           [5., 0., 0.]])
    """
    inside = (starts >= 0) & (starts + width <= len(samples))
    result = np.zeros((len(starts), width), dtype=samples.dtype)
    if len(samples) >= width and inside.any():
        result[inside] = np.lib.stride_tricks.sliding_window_view(samples, width)[starts[inside]]
    if not inside.all():
        index = starts[~inside, None] + np.arange(width)[None, :]
        valid = (index >= 0) & (index < len(samples))
        result[~inside] = np.where(valid, samples[np.clip(index, 0, max(len(samples) - 1, 0))], 0) \
            if len(samples) else 0
    return result


def spectral_change(samples: np.ndarray, sample_rate: int, hop: float = 0.0025, span: float = 0.02,
                    window: float = 0.008, bands: int = 24, near: Sequence[float] | None = None,
                    reach: float = 0.0, threads: int = 1) -> ChangeCurve:
    """How much the spectrum over the ``span`` seconds before each point differs from the
    ``span`` seconds after it, every ``hop`` seconds: the distance between the two windows'
    mean log mel band energies (frames of ``window`` seconds), each band scaled by its spread
    over the frames analysed (root mean square over the bands). Energies are floored a fixed
    ratio under the loudest band, so that empty bands (above the source's Nyquist frequency,
    digital silence) add no noise. With ``near`` (seconds), only the points within ``reach``
    of those times are measured (the others are 0), and only the audio they need is analysed
    (time and memory follow the number of points, not the length of the recording).
    ``threads``: as :func:`mel_energies`.

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
    if near is None:
        pieces = [(half, count - half)] if count > 2 * half else []
    else:
        spread = int(np.ceil(reach / step))
        centres = sorted(int(round(time / step)) for time in near)
        pieces = []  # runs of points to measure, overlapping ones joined
        for centre in centres:
            first, last = max(half, centre - spread), min(count - half, centre + spread + 1)
            if first >= last:
                continue
            if pieces and first <= pieces[-1][1]:
                pieces[-1] = (pieces[-1][0], max(pieces[-1][1], last))
            else:
                pieces.append((first, last))
    values = np.zeros(count, dtype=np.float64)
    if not pieces:
        return ChangeCurve(values, step)
    frames = np.concatenate([np.arange(first - half, last + half) for first, last in pieces])
    levels = mel_energies(samples, sample_rate, hop, window, bands, frames, threads)
    np.log(levels + np.float32(max(float(levels.max()) * _FLOOR, 1e-20)), out=levels)
    levels /= np.maximum(_spread(levels), 1e-6).astype(np.float32)
    firsts, lasts = np.array(pieces).T
    lengths = lasts - firsts
    offsets = np.concatenate(([0], np.cumsum(lengths + 2 * half)[:-1]))  # each piece's first row in levels
    for length in np.unique(lengths):  # pieces of one length together, each summed on its own
        alike = np.flatnonzero(lengths == length)
        middle = np.arange(half, half + length)
        for block in range(0, len(alike), 64):  # a few at a time: the arrays stay in the cache
            chosen = alike[block:block + 64]
            piece = levels[offsets[chosen, None] + np.arange(length + 2 * half)]
            sums = np.zeros((len(chosen), length + 2 * half + 1, bands))
            np.cumsum(piece, axis=1, dtype=np.float64, out=sums[:, 1:])
            before, after = sums[:, middle] - sums[:, middle - half], sums[:, middle + half] - sums[:, middle]
            values[firsts[chosen, None] + np.arange(length)] = np.sqrt(np.mean((after - before) ** 2, axis=2)) / half
    return ChangeCurve(values, step)


def _spread(levels: np.ndarray, block: int = 4096) -> np.ndarray:
    """``levels.std(axis=0, dtype=np.float64)`` a block of rows at a time: the same sums in the
    same order (each block's running sum carried in as its first row), without numpy's float64
    copy of the whole array (on the 10-minute track 0.07 -> 0.01 CPU s).

    >>> rows = np.random.default_rng(1).random((10000, 3), dtype=np.float32)
    >>> bool(np.all(_spread(rows, 1000) == rows.std(axis=0, dtype=np.float64)))
    True
    """
    total = np.add.reduce(levels[:block], axis=0, dtype=np.float64)
    for start in range(block, len(levels), block):
        total = np.add.reduce(np.vstack([total[None], levels[start:start + block]]), axis=0)
    mean = total / len(levels)
    squares = None
    for start in range(0, len(levels), block):
        apart = levels[start:start + block] - mean
        apart *= apart
        squares = np.add.reduce(apart if squares is None else np.vstack([squares[None], apart]), axis=0)
    return np.sqrt(squares / len(levels))


def step_seconds(sample_rate: int, hop: float) -> float:
    """The hop in seconds as analysed: a whole number of samples.

    >>> step_seconds(16000, 0.0025), step_seconds(22050, 0.0025)
    (0.0025, 0.002494331065759637)
    """
    return max(1, int(round(hop * sample_rate))) / sample_rate


def snap_to_change(phones: Sequence[Phone], change: ChangeCurve, reach: float = 0.01,
                   min_phone: float = 0.02, pull: float = 0.0, free: float | None = None) -> tuple[Phone, ...]:
    """Each boundary between two touching phones moved to the point of largest spectral
    ``change`` within ``reach`` seconds of it (both phones follow). With ``pull``, only the
    points within ``free`` seconds compete on their change alone: one farther away must show a
    larger change, by ``pull`` times the largest change within reach for every 10 ms it lies
    beyond ``free`` (so a wide reach finds a distinct change a little farther off without
    trading a nearby change for a slightly larger one far away). A boundary never makes a phone
    shorter than ``min_phone`` (a phone already shorter keeps its boundaries); the edges of
    speech (a phone next to a pause) stay where they are.

    >>> curve = ChangeCurve(np.array([0, 0, 0, 0, 1, 3, 1, 0, 0, 0], float), 0.01)
    >>> snap_to_change([Phone(0.0, 0.03, "ɑ"), Phone(0.03, 0.09, "t")], curve, reach=0.02, min_phone=0.01)
    (Phone(start=0.0, end=0.05, symbol='ɑ', word=None, line=None), Phone(start=0.05, end=0.09, symbol='t', word=None, line=None))
    >>> curve = ChangeCurve(np.array([0, 0, 2, 0, 0, 0, 0, 3, 0, 0], float), 0.01)
    >>> phones = [Phone(0.0, 0.03, "ɑ"), Phone(0.03, 0.09, "t")]
    >>> snap_to_change(phones, curve, 0.04, 0.01)[0].end, snap_to_change(phones, curve, 0.04, 0.01, 0.2, 0.01)[0].end
    (0.07, 0.02)
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
        values = change.values[candidates]
        if pull:
            beyond = np.maximum(np.abs(candidates * hop - phone.start) - (free or 0.0), 0.0)
            values = values - pull * float(values.max()) * beyond / 0.01
        best = candidates[np.argmax(values)]
        if change.values[best] <= change.at(phone.start):
            continue  # no larger change nearby: the boundary stays
        moved = round(float(best) * hop, 6)
        result[index - 1] = replace(before, end=moved)
        result[index] = replace(phone, start=moved)
    return tuple(result)


def refine_on_signal(phones: Sequence[Phone], audio: Audio,
                     settings: RecognitionSettings = DEFAULT_SETTINGS, threads: int = 1) -> tuple[Phone, ...]:
    """:func:`snap_to_change` with the spectral change of ``audio`` measured around the
    boundaries between touching phones, as ``settings`` (``refine_*``) say; ``threads``: as
    :func:`mel_energies`."""
    ordered = sorted(phones, key=lambda phone: (phone.start, phone.end))
    inner = [phone.start for before, phone in zip(ordered, ordered[1:]) if phone.start - before.end <= TOUCH_SECONDS]
    if not inner:
        return tuple(ordered)
    change = spectral_change(audio.samples, audio.sample_rate, span=settings.refine_span_seconds,
                             window=settings.refine_window_seconds, near=inner,
                             reach=settings.refine_reach_seconds, threads=threads)
    return snap_to_change(ordered, change, settings.refine_reach_seconds, settings.refine_min_phone_seconds,
                          settings.refine_pull, settings.refine_free_seconds)
