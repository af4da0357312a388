"""The audio front end before recognition: noisy recordings are noise-reduced, and their
stretches of speech found with more patience.

Room noise, hum and hiss under a voice make the acoustic model hear phones in the pauses and
lose soft consonants in the speech, and make the speech detector miss quiet words. A recording
whose speech stands less than ``settings.denoise_below_db`` over its noise floor is cleaned
first with a Wiener filter: the noise's spectrum is measured on the recording's quietest frames
(its pauses), the speech's on each frame (decision-directed, after Ephraim and Malah), and each
frequency of each frame is kept in the proportion the speech holds of it, turned down by at
most ``settings.denoise_depth_db``. Over an unsteady background (music under the voice: its
quietest frames' energies spread more than ``settings.steady_floor_db``) the noise is also
followed through time: each frequency's least power within about a second around each frame,
times ``settings.noise_track_bias``, where that is more than the pauses' spectrum. A
reverberant recording is dereverberated first (:mod:`lipsync.recognize.dereverb`). Clean
recordings pass through unchanged (at the cost of measuring their late reverberation, about
0.002 CPU seconds per second of audio, on at most about a minute of it).

>>> rate = 16000
>>> t = np.arange(2 * rate) / rate
>>> tone = np.where(t < 1, 0.3 * np.sin(2 * np.pi * 440 * t), 0.0)
>>> hiss = 0.03 * np.random.default_rng(1).standard_normal(len(t))
>>> cleaned = reduce_noise(tone + hiss, rate)
>>> bool(np.std(cleaned[rate + 800:]) < np.std(hiss[rate + 800:]) / 5)  # the pause: hiss taken out
True
>>> bool(np.corrcoef(cleaned[800:rate - 800], tone[800:rate - 800])[0, 1] > 0.99)  # the tone kept
True
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from ..audio import Audio
from ..vad import Segment, floor_spread_db, frame_energies, level_range_db, speech_segments
from .dereverb import dereverberate, late_reverb_db
from .settings import DEFAULT_SETTINGS, RecognitionSettings

#: analysis frames of 32 ms every 16 ms (at 16 kHz), square-root Hann windows: the overlapped
#: frames add back up to the signal exactly where nothing is changed
FRAME_SECONDS = 0.032
#: share of the quietest frames whose mean spectrum is the noise's
NOISE_SHARE = 0.15
#: frames cleaned at a time (about a minute at 16 kHz)
BLOCK_FRAMES = 4096
#: weight of the previous frame's cleaned speech in the decision-directed speech estimate
SMOOTHING = 0.96
#: pauses shorter than this do not end a stretch of speech in a clean recording
MIN_PAUSE = 0.25
#: following the noise through time: each frequency's power is smoothed over SMOOTH_FRAMES
#: frames (80 ms), its least value taken in each TRACK_FRAMES frames (128 ms, a divisor of
#: BLOCK_FRAMES) and then over TRACK_REACH of those on each side (about a second in all)
SMOOTH_FRAMES = 5
TRACK_FRAMES = 8
TRACK_REACH = 3


@dataclass(frozen=True)
class Prepared:
    """A recording as recognition hears it: ``audio`` (noise-reduced when ``noisy`` enough),
    ``level``, how many dB its speech stands over its noise floor
    (:func:`lipsync.vad.speech_to_noise_db`), and ``floor_spread``."""

    audio: Audio
    noisy: bool = False
    min_pause: float = MIN_PAUSE
    level: float = 50.0
    #: how unsteady the background is (:func:`lipsync.vad.floor_spread_db`; measured in noisy
    #: recordings only)
    floor_spread: float = 0.0

    def speech(self, pad: float = 0.03, end_reach: float = 0.0) -> tuple[Segment, ...]:
        """The stretches of speech (:func:`lipsync.vad.speech_segments`), each widened by ``pad``
        seconds and its end by ``end_reach`` more (never into the next stretch or past the
        recording); in a noisy recording shorter pauses are bridged."""
        found = speech_segments(self.audio.samples, self.audio.sample_rate, self.min_pause, pad=pad)
        return reach_ends(found, end_reach, self.audio.duration)


def reach_ends(stretches: tuple[Segment, ...], end_reach: float, duration: float) -> tuple[Segment, ...]:
    """``stretches`` (in order), the end of each moved ``end_reach`` seconds later, never into
    the next stretch or past ``duration``.

    >>> reach_ends(((0.3, 0.8), (0.85, 1.6)), 0.1, 1.65)
    ((0.3, 0.85), (0.85, 1.65))
    """
    if end_reach <= 0:
        return stretches
    limits = [start for start, _ in stretches[1:]] + [duration]
    return tuple((start, round(max(end, min(end + end_reach, limit)), 6))
                 for (start, end), limit in zip(stretches, limits))


def prepare(audio: Audio, settings: RecognitionSettings = DEFAULT_SETTINGS) -> Prepared:
    """``audio`` ready for recognition. When noisy (speech less than ``settings.noisy_below_db``
    over the noise floor, :func:`lipsync.vad.speech_to_noise_db`) pauses shorter than
    ``settings.noisy_min_pause`` are bridged, and below ``settings.denoise_below_db`` its noise
    is reduced (followed through time over an unsteady background); other recordings are left
    as they are. A reverberant one is dereverberated first (:func:`dereverberated`)."""
    energies = frame_energies(audio.samples, audio.sample_rate)
    level = level_range_db(energies)
    dry = dereverberated(audio, level, settings)
    if dry is not audio:
        audio = dry
        energies = frame_energies(audio.samples, audio.sample_rate)
        level = level_range_db(energies)
    if level >= settings.noisy_below_db:
        return Prepared(audio, level=level)
    spread = floor_spread_db(energies)
    if level < settings.denoise_below_db:
        track = settings.noise_track_bias if spread > settings.steady_floor_db else 0.0
        cleaned = reduce_noise(audio.samples, audio.sample_rate, settings.denoise_depth_db, track)
        audio = replace(audio, samples=cleaned.astype(np.float32))
    return Prepared(audio, True, settings.noisy_min_pause, level, spread)


def dereverberated(audio: Audio, level: float, settings: RecognitionSettings = DEFAULT_SETTINGS) -> Audio:
    """``audio`` dereverberated (:func:`lipsync.recognize.dereverb.dereverberate`) when its late
    reverberation takes out more than ``settings.dereverb_above_db``
    (:func:`lipsync.recognize.dereverb.late_reverb_db`; 0: never) and its speech stands at least
    ``settings.denoise_below_db`` over its noise floor (``level``), else ``audio`` itself: under
    the noise the noise reduction cleans, what the prediction takes out is the noise's (music
    under the voice is as predictable as a room's tail, and dereverberating it lost 0.011 acc3
    on eval-dev without a script)."""
    if settings.dereverb_above_db <= 0 or level < settings.denoise_below_db:
        return audio
    if late_reverb_db(audio.samples, audio.sample_rate) <= settings.dereverb_above_db:
        return audio
    return replace(audio, samples=dereverberate(audio.samples, audio.sample_rate))


def reduce_noise(samples: np.ndarray, sample_rate: int = 16000,
                 depth_db: float = DEFAULT_SETTINGS.denoise_depth_db, track_bias: float = 0.0) -> np.ndarray:
    """``samples`` (mono) with noise reduced by a Wiener filter that turns a frequency full of
    noise down by at most ``depth_db``: float32, of the input's length. The noise's spectrum is
    the mean of the quietest :data:`NOISE_SHARE` of the frames; with ``track_bias`` (> 0), in
    each frame at least ``track_bias`` times the least power of each frequency about that frame
    (:func:`tracked_minima`), for noise that changes (music). The work is done
    :data:`BLOCK_FRAMES` frames at a time, so memory stays small for any length."""
    samples = np.asarray(samples, dtype=np.float32)
    size = int(round(FRAME_SECONDS * sample_rate)) // 2 * 2
    hop = size // 2
    if len(samples) < 2 * size:
        return samples.copy()
    window = np.sqrt(0.5 - 0.5 * np.cos(2 * np.pi * np.arange(size) / size))  # periodic: sums to 1 at size/2
    padded = np.pad(samples, (size, size + (-len(samples)) % hop))
    frames = np.lib.stride_tricks.sliding_window_view(padded, size)[::hop]  # a view: nothing copied
    energy = np.concatenate([np.einsum("ij,ij->i", block, block)
                             for block in (frames[first:first + BLOCK_FRAMES] * window
                                           for first in range(0, len(frames), BLOCK_FRAMES))])
    noise = _power(frames[quietest(energy)] * window).mean(axis=0) + 1e-20
    floor = 10 ** (-depth_db / 10)
    output = np.zeros(len(padded), dtype=np.float32)
    previous = None
    for first, spectra, power, minima in _blocks(frames, window, track_bias > 0):
        here = noise
        if minima is not None:
            here = np.maximum(noise, track_bias * minima[np.arange(len(power)) // TRACK_FRAMES])
        gains = wiener_gains(power, here, floor, previous)
        previous = gains[-1] ** 2 * power[-1] / (here if here.ndim == 1 else here[-1])
        cleaned = np.fft.irfft(spectra * gains, size, axis=1) * window
        for parity in range(2):  # overlap-add: the even frames, then the odd ones, each end to end
            part = cleaned[parity::2].reshape(-1)
            start = (first + parity) * hop
            output[start:start + len(part)] += part
    return output[size:size + len(samples)]


def _blocks(frames: np.ndarray, window: np.ndarray, track: bool
            ) -> Iterator[tuple[int, np.ndarray, np.ndarray, np.ndarray | None]]:
    """Per :data:`BLOCK_FRAMES` windowed ``frames``: the first frame's index, the spectra and
    their power, and with ``track`` the :func:`tracked_minima` of each run of
    :data:`TRACK_FRAMES` frames (None without). Each frame is transformed once: the next
    block is transformed before a block is given, for the minima that reach into it."""
    firsts = range(0, len(frames), BLOCK_FRAMES)

    def transformed(first: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        spectra = np.fft.rfft(frames[first:first + BLOCK_FRAMES] * window, axis=1)
        power = _power(spectra)
        return spectra, power, run_minima(power) if track else None

    current, before = transformed(0), None
    for index, first in enumerate(firsts):
        following = transformed(firsts[index + 1]) if index + 1 < len(firsts) else None
        spectra, power, runs = current
        minima = None
        if runs is not None:
            minima = tracked_minima(runs, before, None if following is None else following[2])
        yield first, spectra, power, minima
        current, before = following, runs


def run_minima(power: np.ndarray) -> np.ndarray:
    """Per run of :data:`TRACK_FRAMES` frames of ``power`` (frames by frequencies) and
    frequency, the least power smoothed over :data:`SMOOTH_FRAMES` frames (the last run may be
    shorter).

    >>> power = np.array([[5.0]] * 8 + [[10.0]] * 8 + [[0.0]] * 3)  # three runs: the middle one smoothed at its end
    >>> run_minima(power).ravel().tolist()
    [5.0, 6.0, 0.0]
    """
    half = SMOOTH_FRAMES // 2
    sums = np.cumsum(np.pad(power, ((half + 1, half), (0, 0)), mode="edge"), axis=0)
    smooth = (sums[SMOOTH_FRAMES:] - sums[:-SMOOTH_FRAMES]) / SMOOTH_FRAMES
    smooth = np.pad(smooth, ((0, (-len(smooth)) % TRACK_FRAMES), (0, 0)), mode="edge")
    return smooth.reshape(-1, TRACK_FRAMES, smooth.shape[1]).min(axis=1)


def tracked_minima(runs: np.ndarray, before: np.ndarray | None = None,
                   after: np.ndarray | None = None) -> np.ndarray:
    """Per run of :func:`run_minima` and frequency, the least within :data:`TRACK_REACH` runs
    either side: where the noise stands around each moment, under the speech, which pauses
    more often than that (minimum statistics, after Martin). ``before`` and ``after``: the runs
    of the blocks around (None at the recording's ends, where the end runs stand in; each
    block holds at least :data:`TRACK_REACH` runs, the last one excepted).

    >>> rate, size = 16000, 512
    >>> t = np.arange(8 * rate) / rate
    >>> hum = np.sin(2 * np.pi * 500 * t) * np.where(t < 4, 1.0, 0.1)  # loud, then 20 dB softer
    >>> frames = np.lib.stride_tricks.sliding_window_view(hum, size)[::size // 2]
    >>> minima = tracked_minima(run_minima(_power(frames * np.hanning(size))))[:, 16]  # the 500 Hz bin
    >>> round(10 * np.log10(minima[10] / minima[-10]))
    20
    """
    head = runs[:1].repeat(TRACK_REACH, axis=0) if before is None else before[-TRACK_REACH:]
    tail = runs[-1:] if after is None else after[:TRACK_REACH]
    tail = np.concatenate([tail, tail[-1:].repeat(TRACK_REACH - len(tail), axis=0)])
    reach = np.concatenate([head, runs, tail])
    return np.lib.stride_tricks.sliding_window_view(reach, 2 * TRACK_REACH + 1, axis=0).min(axis=-1)


def _power(spectra: np.ndarray) -> np.ndarray:
    """The power of each frequency of each frame: of a spectrum, or of frames (made one)."""
    if not np.iscomplexobj(spectra):
        spectra = np.fft.rfft(spectra, axis=1)
    return spectra.real ** 2 + spectra.imag ** 2


def quietest(energy: np.ndarray, share: float = NOISE_SHARE) -> np.ndarray:
    """Indices of the ``share`` of frames with the least ``energy`` (at least one), in order.

    >>> quietest(np.array([9.0, 1.0, 8.0, 2.0, 7.0, 6.0, 5.0, 4.0, 3.0, 10.0]), 0.3).tolist()
    [1, 3, 8]
    """
    count = max(1, int(round(share * len(energy))))
    return np.sort(np.argpartition(energy, count - 1)[:count])


def wiener_gains(power: np.ndarray, noise: np.ndarray, floor: float,
                 previous: np.ndarray | None = None) -> np.ndarray:
    """Per frame and frequency, the share of ``power`` that is speech over ``noise`` (a Wiener
    gain from the decision-directed speech-to-noise ratio), at least ``floor`` (a power ratio);
    ``previous``: the cleaned speech-to-noise ratio of the frame before the first (none: 0).

    >>> gains = wiener_gains(np.array([[1.0, 100.0]] * 3), np.array([1.0, 1.0]), 0.01)
    >>> gains[-1].round(2).tolist()
    [0.1, 0.99]
    """
    posterior = power / noise
    gains = np.empty_like(power)
    if previous is None:
        previous = np.zeros(power.shape[1])
    for index, ratio in enumerate(posterior):
        prior = SMOOTHING * previous + (1 - SMOOTHING) * np.maximum(ratio - 1.0, 0.0)
        gain = np.maximum(prior / (1.0 + prior), np.sqrt(floor))
        gains[index] = gain
        previous = gain ** 2 * ratio
    return gains
