"""Voice activity detection: where in a long recording is someone speaking?

Used to cut long voice tracks at pauses so that recognition works on short, independent pieces.
The detector is energy based, on 10 ms frames, with a threshold that adapts to each recording:
the noise floor is a low percentile of the frame energies (in dB), the speech level a high one,
and a frame is speech when it rises a fixed fraction of the way from one to the other. A second,
lower threshold gives hysteresis: a region starts where the energy crosses the upper threshold
and extends for as long as it stays above the lower one, which keeps soft word endings.

>>> import numpy as np
>>> rate = 16000
>>> tone = 0.3 * np.sin(2 * np.pi * 220 * np.arange(rate) / rate).astype(np.float32)
>>> silence = np.zeros(rate, dtype=np.float32)
>>> speech_segments(np.concatenate([silence, tone, silence, tone]), rate, pad=0.0)
((1.0, 2.0), (3.0, 4.0))
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

FRAME_SECONDS = 0.01
#: Frames quieter than this (mean-square energy, dBFS) are never speech: about -60 dBFS peak.
ABSOLUTE_FLOOR_DB = -70.0
#: A noise floor far below the speech level (digital silence) is raised to this distance below it,
#: so that the threshold stays at a meaningful level instead of sinking into the dither.
MAX_RANGE_DB = 50.0
#: Below this spread between noise and speech level the recording has no pauses to find.
MIN_RANGE_DB = 4.0
#: Where the thresholds sit between the noise floor (0) and the speech level (1).
UPPER_FRACTION = 0.35
LOWER_FRACTION = 0.2
NOISE_PERCENTILE = 10.0
SPEECH_PERCENTILE = 98.0
#: The speech level is at least 6 dB under the 20th loudest frame (0.2 s of speech).
TOP_FRAMES = 20

#: split_long looks for the quietest stretch of this many frames, with energies clipped here.
SPLIT_WINDOW_FRAMES = 11
QUIET_CLIP_DB = -90.0

Segment = tuple[float, float]


def frame_energies(samples: np.ndarray, sample_rate: int = 16000,
                   frame: float = FRAME_SECONDS) -> np.ndarray:
    """Mean-square energy in dBFS of consecutive ``frame``-second frames (the last one may be
    shorter); digital silence is -120 dB.

    >>> frame_energies(np.full(320, 0.5, np.float32), 16000)
    array([-6.0206, -6.0206], dtype=float32)
    """
    samples = _mono(samples)
    hop = max(1, int(round(frame * sample_rate)))
    full = len(samples) // hop
    energy = np.empty(full + (1 if len(samples) % hop else 0), dtype=np.float64)
    if full:
        body = samples[:full * hop].reshape(full, hop)
        energy[:full] = np.einsum("ij,ij->i", body, body, dtype=np.float64) / hop
    if len(energy) > full:
        tail = samples[full * hop:].astype(np.float64)
        energy[full] = float(np.dot(tail, tail)) / len(tail)
    return np.round(10.0 * np.log10(np.maximum(energy, 1e-12)), 4).astype(np.float32)


def speech_segments(samples: np.ndarray, sample_rate: int = 16000, min_pause: float = 0.25,
                    min_speech: float = 0.05, pad: float = 0.03) -> tuple[Segment, ...]:
    """Speech regions of ``samples`` as ``(start, end)`` seconds, in order, not overlapping.

    Pauses shorter than ``min_pause`` are bridged, regions shorter than ``min_speech`` (clicks)
    dropped, and each region is widened by ``pad`` seconds on both sides (clamped to the
    signal). An all-silent signal gives ``()``.

    >>> speech_segments(np.zeros(16000, np.float32))
    ()
    """
    samples = _mono(samples)
    if samples.size == 0:
        return ()
    hop = max(1, int(round(FRAME_SECONDS * sample_rate)))
    step = hop / sample_rate
    duration = len(samples) / sample_rate
    db = frame_energies(samples, sample_rate)

    levels = _thresholds(db)
    if levels is None:
        return ()
    if levels[0] == -np.inf:
        # one level all through: a continuous voice (or steady noise); nothing to split at
        starts, ends = np.array([0]), np.array([len(db)])
    else:
        starts, ends = _hysteresis_runs(db, *levels)
    if len(starts) == 0:
        return ()

    starts, ends = _bridge(starts, ends, int(np.ceil(min_pause / step - 1e-9)))
    keep = (ends - starts) * step >= min_speech - 1e-9
    starts, ends = starts[keep], ends[keep]
    if len(starts) == 0:
        return ()
    begin = np.maximum(starts * step - pad, 0.0)
    finish = np.minimum(ends * step + pad, duration)
    return _merge_overlaps(begin, finish)


#: Loud frames (running speech: vowels, voiced consonants) are within this many dB of the speech level.
LOUD_RANGE_DB = 20.0


def under_speech_level(samples: np.ndarray, sample_rate: int = 16000) -> np.ndarray:
    """dB under the recording's speech level of each 10 ms frame (infinite throughout when
    nothing is loud enough to be speech)."""
    db = frame_energies(samples, sample_rate)
    levels = _levels(db)
    if levels is None:
        return np.full(db.shape, np.inf)
    return levels[1] - db.astype(np.float64)


def speech_to_noise_db(samples: np.ndarray, sample_rate: int = 16000) -> float:
    """dB between the recording's speech level and its noise floor (at most ``MAX_RANGE_DB``;
    0 when nothing is loud enough to be speech): about 50 for a clean studio take, 15-20 for
    speech 10 dB over room noise (:func:`level_range_db` of its :func:`frame_energies`).

    >>> tone = np.sin(np.arange(16000) / 5).astype(np.float32)
    >>> speech_to_noise_db(np.concatenate([tone, tone / 10])), speech_to_noise_db(np.concatenate([tone, 0 * tone]))
    (20.1, 50.0)
    """
    return level_range_db(frame_energies(samples, sample_rate))


def level_range_db(energies: np.ndarray) -> float:
    """dB between the speech level and the noise floor of 10 ms frame ``energies``
    (:func:`frame_energies`), as :func:`speech_to_noise_db` says."""
    levels = _levels(energies)
    return 0.0 if levels is None else round(levels[1] - levels[0], 1)


def floor_spread_db(energies: np.ndarray, share: float = 0.3) -> float:
    """How steady a recording's background is: the standard deviation (dB) of the quietest
    ``share`` of its 10 ms frame ``energies`` (:func:`frame_energies`). Under 1 dB for steady
    room noise or hiss; music under the voice, rising and dying away with each note, 2-5 dB.

    >>> hiss = 0.01 * np.random.default_rng(0).standard_normal(16000).astype(np.float32)
    >>> dying_away = np.exp(-np.mod(np.arange(16000) / 16000, 0.5) / 0.2)  # struck every 0.5 s
    >>> floor_spread_db(frame_energies(hiss)), floor_spread_db(frame_energies(hiss * dying_away))
    (0.3, 1.88)
    """
    db = np.sort(np.asarray(energies, dtype=np.float64))
    return round(float(np.std(db[: max(1, int(round(share * len(db))))])), 2)


def loud_frames(samples: np.ndarray, sample_rate: int = 16000) -> np.ndarray:
    """Per 10 ms frame: True where the energy is within ``LOUD_RANGE_DB`` of the recording's
    speech level (breaths, noise and stop releases are quieter).

    >>> tone = np.sin(np.arange(3200) / 5).astype(np.float32)
    >>> "".join(map(str, loud_frames(np.concatenate([tone, tone[:1600] / 100, tone])).astype(int)))
    '11111111111111111111000000000011111111111111111111'
    """
    return under_speech_level(samples, sample_rate) <= LOUD_RANGE_DB


#: voicing: frames of 40 ms every 10 ms whose normalized autocorrelation peaks above
#: VOICED_CORRELATION at a lag of a pitch between VOICE_PITCH_HZ (after the window's own
#: autocorrelation is divided out, as in Boersma 1993), within VOICED_RANGE_DB of the loudest frame
VOICING_FRAME_SECONDS = 0.04
VOICE_PITCH_HZ = (60.0, 400.0)
VOICED_CORRELATION = 0.6
VOICED_RANGE_DB = 30.0


def voiced_seconds(samples: np.ndarray, sample_rate: int = 16000) -> float:
    """How many seconds of ``samples`` are voiced: periodic at a voice's pitch (60-400 Hz) and
    within ``VOICED_RANGE_DB`` of their loudest moment. A vowel or a hum is voiced; a click, a
    breath, a hiss or a whispered sound is not.

    >>> rate = 16000
    >>> t = np.arange(rate // 2) / rate
    >>> vowel = sum(np.sin(2 * np.pi * 120 * k * t) / k for k in range(1, 8)).astype(np.float32)
    >>> hiss = np.random.default_rng(0).standard_normal(rate // 2).astype(np.float32)
    >>> voiced_seconds(vowel) > 0.4, voiced_seconds(hiss)
    (True, 0.0)
    """
    size = int(round(VOICING_FRAME_SECONDS * sample_rate))
    hop = int(round(FRAME_SECONDS * sample_rate))
    if len(samples) < size:
        return 0.0
    frames = np.lib.stride_tricks.sliding_window_view(samples, size)[::hop].astype(np.float64)
    frames -= frames.mean(axis=1, keepdims=True)
    window = np.hanning(size)
    correlation = np.fft.irfft(np.abs(np.fft.rfft(frames * window, 2 * size)) ** 2)[:, :size]
    own = np.fft.irfft(np.abs(np.fft.rfft(window, 2 * size)) ** 2)[:size]
    shortest, longest = (int(sample_rate / pitch) for pitch in reversed(VOICE_PITCH_HZ))
    energy = correlation[:, 0]
    peak = (correlation[:, shortest:longest] / (own[shortest:longest] / own[0])).max(axis=1)
    voiced = (peak > VOICED_CORRELATION * np.maximum(energy, 1e-20)) \
        & (energy > energy.max() * 10 ** (-VOICED_RANGE_DB / 10))
    return round(float(np.count_nonzero(voiced)) * FRAME_SECONDS, 2)


def split_long(segments: Sequence[Segment], max_length: float = 20.0,
               samples: np.ndarray | None = None,
               sample_rate: int = 16000) -> tuple[Segment, ...]:
    """Cut every segment longer than ``max_length`` seconds into pieces of at most ``max_length``.

    Each cut goes at the quietest 110 ms of the middle half of the segment (a pause between
    words, if there is one), with a preference of a few dB for cuts that give the fewest,
    most even pieces; pieces still too long are cut again. Without ``samples`` a segment of
    length L becomes ``ceil(L / max_length)`` equal pieces. Pieces are adjacent: the end of
    one is the start of the next.

    >>> split_long([(0.0, 50.0), (60.0, 70.0)], 20.0)
    ((0.0, 16.666667), (16.666667, 33.333333), (33.333333, 50.0), (60.0, 70.0))
    """
    if max_length <= 0:
        raise ValueError("max_length must be positive")
    energies = None
    step = FRAME_SECONDS
    if samples is not None:
        energies = frame_energies(samples, sample_rate)
        step = max(1, int(round(FRAME_SECONDS * sample_rate))) / sample_rate
    result: list[Segment] = []
    for start, end in segments:
        _split(float(start), float(end), max_length, energies, step, result)
    return tuple(result)


# ----------------------------------------------------------------------------------------------


def _mono(samples: np.ndarray) -> np.ndarray:
    samples = np.asarray(samples)
    if samples.ndim != 1:
        raise ValueError(f"expected mono samples (1-D), got shape {samples.shape}")
    return np.ascontiguousarray(samples, dtype=np.float32)


def runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) indices of the runs of True in ``mask``.

    >>> [a.tolist() for a in runs(np.array([0, 1, 1, 0, 1], dtype=bool))]
    [[1, 4], [3, 5]]
    """
    edges = np.diff(np.concatenate(([0], np.asarray(mask, dtype=bool).view(np.int8), [0])))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _levels(db: np.ndarray) -> tuple[float, float] | None:
    """The (noise floor, speech level) of frame energies ``db``; None when nothing is loud
    enough to be speech."""
    noise, speech = np.percentile(db, [NOISE_PERCENTILE, SPEECH_PERCENTILE])
    if len(db) > TOP_FRAMES:  # a few words in a long pause: the percentile only sees the pause
        loudest = float(np.partition(db, len(db) - TOP_FRAMES)[len(db) - TOP_FRAMES])
        speech = max(float(speech), loudest - 6.0)
    if speech < ABSOLUTE_FLOOR_DB:
        return None
    return max(float(noise), float(speech) - MAX_RANGE_DB), float(speech)


def _thresholds(db: np.ndarray) -> tuple[float, float] | None:
    """The (upper, lower) hysteresis thresholds for frame energies ``db``: None when nothing is
    loud enough to be speech, (-inf, -inf) when there is one level all through."""
    levels = _levels(db)
    if levels is None:
        return None
    noise, speech = levels
    spread = speech - noise
    if spread < MIN_RANGE_DB:
        return -np.inf, -np.inf
    return (max(noise + UPPER_FRACTION * spread, ABSOLUTE_FLOOR_DB),
            max(noise + LOWER_FRACTION * spread, ABSOLUTE_FLOOR_DB))


def _hysteresis_runs(db: np.ndarray, upper: float, lower: float
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Runs above ``lower`` that reach ``upper`` somewhere."""
    starts, ends = runs(db > lower)
    if len(starts) == 0:
        return starts, ends
    loud = (db > upper).astype(np.int32)
    counts = np.add.reduceat(loud, starts)
    keep = counts > 0
    return starts[keep], ends[keep]


def join_close(spans: Iterable[Segment], gap: float) -> list[Segment]:
    """Spans (start, end seconds) in time order with those less than ``gap`` seconds apart
    joined into one stretch.

    >>> join_close([(0.1, 0.2), (0.25, 0.4), (0.9, 1.0)], 0.35)
    [(0.1, 0.4), (0.9, 1.0)]
    """
    stretches: list[Segment] = []
    for start, end in sorted(spans):
        if stretches and start - stretches[-1][1] < gap:
            stretches[-1] = (stretches[-1][0], max(stretches[-1][1], end))
        else:
            stretches.append((start, end))
    return stretches


def _bridge(starts: np.ndarray, ends: np.ndarray, min_gap: int
            ) -> tuple[np.ndarray, np.ndarray]:
    """Merge runs separated by fewer than ``min_gap`` frames."""
    if len(starts) < 2:
        return starts, ends
    wide = (starts[1:] - ends[:-1]) >= min_gap
    return starts[np.concatenate(([True], wide))], ends[np.concatenate((wide, [True]))]


def _merge_overlaps(begin: np.ndarray, finish: np.ndarray) -> tuple[Segment, ...]:
    merged: list[list[float]] = []
    for b, f in zip(begin.tolist(), finish.tolist()):
        if merged and b <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], f)
        else:
            merged.append([b, f])
    return tuple((round(b, 6), round(f, 6)) for b, f in merged)


def _split(start: float, end: float, max_length: float, energies: np.ndarray | None,
           step: float, out: list[Segment]) -> None:
    length = end - start
    if length <= max_length + 1e-9:
        out.append((start, end))
        return
    # the fewest pieces that can work is n; the balanced cut puts k = n // 2 of them left
    pieces = int(np.ceil(length / max_length - 1e-9))
    target = start + length * (pieces // 2) / pieces
    if energies is None:
        cut = target
    else:
        cut = _quietest(start, end, target, max_length, energies, step)
    if not start < cut < end:
        cut = (start + end) / 2
    cut = round(cut, 6)
    _split(start, cut, max_length, energies, step, out)
    _split(cut, end, max_length, energies, step, out)


def _quietest(start: float, end: float, target: float, max_length: float,
              energies: np.ndarray, step: float) -> float:
    """Where to cut ``start``-``end``: the centre of the quietest 110 ms in its middle half
    (``energies`` are per frame of ``step`` seconds), preferring, by a few dB, points near
    ``target`` and cuts that leave both sides short enough to need no further cut."""
    length = end - start
    low, high = start + length / 4, end - length / 4
    first = max(0, int(np.ceil(low / step)))
    last = min(len(energies), int(np.floor(high / step)))
    if last - first < 3:
        return target
    # a 110 ms average: a pause between words beats the short closure of a stop consonant;
    # the clip keeps a few frames of digital silence from outweighing a long quiet stretch
    window = np.maximum(energies[first:last].astype(np.float64), QUIET_CLIP_DB)
    width = SPLIT_WINDOW_FRAMES
    padded = np.pad(window, width // 2, mode="edge")
    smooth = np.convolve(padded, np.ones(width) / width, mode="valid")
    centres = (first + np.arange(len(window)) + 0.5) * step
    score = smooth + 3.0 * np.abs(centres - target) / (length / 2)  # <= 3 dB off-centre
    if length <= 2 * max_length:
        overflow = (centres - start > max_length) | (end - centres > max_length)
        score += 6.0 * overflow  # a third piece only for a clearly quieter place
    best = int(np.argmin(score))
    return float(centres[best])
