"""Late reverberation taken out of a reverberant recording before recognition.

In a reverberant room each sound rings on after it ends: the vowels' tails fill the closures of
the consonants after them and the formants smear, and without a script the recognizer hears
other words (on eval-dev with the benchmark's room, RT60 0.5 s, acc3 drops by 0.033 without a
script and 0.009 with it). The late reverberation is, frequency by frequency, the sound of the
last tenth of a second again, attenuated and mixed: it can be predicted from the recording's own
past. Weighted prediction error (Nakatani et al. 2010, "Speech dereverberation based on
variance-normalized delayed linear prediction") finds, for each frequency, the linear filter over
the short-time spectra of :data:`TAPS` frames from :data:`DELAY` frames back that best predicts
the present, each frame weighted by the inverse of the clean speech's power as last estimated,
and subtracts the prediction; three :data:`ITERATIONS` refine the estimate. Nothing is assumed
about the room (no reverberation time is needed), and the direct sound and the early reflections
(the first :data:`DELAY` frames, 24 ms) are kept.

Speech itself is hardly predictable 24 ms ahead, so in a dry recording the prediction takes out
next to nothing: :func:`late_reverb_db` (one iteration over a few frequencies of the voice's
band) measures how many dB it would take out, and :func:`dereverberate` works only on a
recording where that is more than ``settings.dereverb_above_db``; others pass through
unchanged.

>>> rate = 16000
>>> rng = np.random.default_rng(3)
>>> bursts = np.repeat(rng.standard_normal(40) > 0.6, 1600) * rng.standard_normal(64000)
>>> dry = (bursts * 0.1).astype(np.float32)
>>> abs(late_reverb_db(dry, rate)) < 0.001
True
>>> tail = rng.standard_normal(8000) * np.exp(-6.9 * np.arange(8000) / 8000)
>>> wet = dry + np.convolve(dry, tail / np.sqrt(np.sum(tail ** 2)))[:64000]
>>> late_reverb_db(wet, rate) > 0.02
True
"""

from __future__ import annotations

import numpy as np

#: short-time spectra every 8 ms of frames four times as long (32 ms), Hann windows
HOP_SECONDS = 0.008
OVERLAP = 4
#: the prediction looks this many frames back (24 ms: the direct sound and the early reflections
#: are kept) over this many frames (to 104 ms back), refined this many times
DELAY = 3
TAPS = 10
ITERATIONS = 3
#: frames worked on at a time (about 8 s): each block gets its own filters, and memory stays
#: small for any length
BLOCK_FRAMES = 1024
#: the frequencies :func:`late_reverb_db` measures: every :data:`MEASURE_STEP` th of the band
#: :data:`MEASURE_BAND` (Hz), which a telephone line keeps too
MEASURE_BAND = (400.0, 3000.0)
MEASURE_STEP = 6
#: frames before each block's first that its first frames are predicted from
CONTEXT = DELAY + TAPS - 1
#: a recording of fewer frames (0.4 s) has too few to fit filters on: it is left as it is
MIN_FRAMES = 50
#: :func:`late_reverb_db` measures at most this many blocks (about a minute), spread evenly over
#: a longer recording: the measure runs on every recording, in the main process before any
#: worker starts, and over all of a 10-minute take it cost 1.1 CPU s (a tenth of the analysis)
MEASURE_BLOCKS = 8


def late_reverb_db(samples: np.ndarray, sample_rate: int) -> float:
    """How many dB the late reverberation's prediction takes out of ``samples`` (one iteration,
    the mean over some frequencies of :data:`MEASURE_BAND`, each block of :data:`BLOCK_FRAMES`
    frames weighted by its length; at most :data:`MEASURE_BLOCKS` blocks, spread evenly): about
    0 for a dry recording (on eval-dev's clean recordings -0.02 to 0.05), 0.07 to 0.25 in the
    benchmark's reverberant room."""
    frames, window = _frames(samples, sample_rate)
    if len(frames) < MIN_FRAMES:
        return 0.0
    frequencies = np.fft.rfftfreq(len(window), 1 / sample_rate)
    low, high = MEASURE_BAND
    chosen = np.flatnonzero((frequencies >= low) & (frequencies <= high))[::MEASURE_STEP]
    removed, lengths = [], []
    for first, end in _spread(_blocks(len(frames)), MEASURE_BLOCKS):
        observed = _block(frames, window, first, end)[chosen]
        present = observed[:, CONTEXT:]
        before = np.sum(np.abs(present) ** 2, axis=1)
        after = np.sum(np.abs(_predicted_away(observed, 1)) ** 2, axis=1)
        removed.append(np.mean(10 * np.log10(np.maximum(before, 1e-20) / np.maximum(after, 1e-20))))
        lengths.append(end - first)
    return float(np.average(removed, weights=lengths))


def dereverberate(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """``samples`` (mono) with the late reverberation predicted from their own past taken out
    (weighted prediction error, :data:`ITERATIONS` iterations): float32, of the input's length."""
    frames, window = _frames(samples, sample_rate)
    if len(frames) < MIN_FRAMES:
        return np.asarray(samples, dtype=np.float32).copy()
    size = len(window)
    hop = size // OVERLAP
    # float32 throughout, divided in place: 12 bytes per sample at the peak (the sum, its weight
    # and the clipped weight) rather than 28 in float64 (a 24-minute take at 16 kHz: about 280 MB
    # rather than 650)
    output = np.zeros((len(frames) - 1) * hop + size, dtype=np.float32)
    for first, end in _blocks(len(frames)):
        cleaned = _predicted_away(_block(frames, window, first, end), ITERATIONS).T
        _overlap_add(output, np.fft.irfft(cleaned, size, axis=1) * window, first, hop)
    weight = np.zeros_like(output)
    _overlap_add(weight, np.broadcast_to(window ** 2, (len(frames), size)), 0, hop)
    result = output[size:size + len(samples)]
    result /= np.maximum(weight[size:size + len(samples)], 1e-8)
    return result


def _frames(samples: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """The frames of ``samples`` (a view, :data:`OVERLAP` frames over each sample, a frame's
    worth of zeros before the first sample and at least that after the last) and their window."""
    hop = max(1, int(round(HOP_SECONDS * sample_rate)))
    size = OVERLAP * hop
    padded = np.pad(np.asarray(samples, dtype=np.float32), (size, size + (-len(samples)) % hop))
    window = np.hanning(size + 1)[:size].astype(np.float32)
    return np.lib.stride_tricks.sliding_window_view(padded, size)[::hop], window


def _blocks(count: int) -> list[tuple[int, int]]:
    """The blocks of ``count`` frames, each :data:`BLOCK_FRAMES` long but the last, which is
    longer rather than under half that (too few frames to fit filters on).

    >>> _blocks(2600), _blocks(2000), _blocks(700)
    ([(0, 1024), (1024, 2048), (2048, 2600)], [(0, 1024), (1024, 2000)], [(0, 700)])
    >>> _blocks(2400)
    [(0, 1024), (1024, 2400)]
    """
    firsts = list(range(0, count, BLOCK_FRAMES))
    if len(firsts) > 1 and count - firsts[-1] < BLOCK_FRAMES // 2:
        firsts.pop()
    return list(zip(firsts, firsts[1:] + [count]))


def _spread(blocks: list[tuple[int, int]], most: int) -> list[tuple[int, int]]:
    """``blocks``, or ``most`` of them spread evenly from the first to the last.

    >>> _spread([(0, 1), (1, 2), (2, 3)], 8)
    [(0, 1), (1, 2), (2, 3)]
    >>> [first for first, _ in _spread([(n, n + 1) for n in range(10)], 4)]
    [0, 3, 6, 9]
    """
    if len(blocks) <= most:
        return blocks
    return [blocks[index] for index in np.linspace(0, len(blocks) - 1, most).round().astype(int)]


def _block(frames: np.ndarray, window: np.ndarray, first: int, end: int) -> np.ndarray:
    """The short-time spectra (frequencies by frames, complex64) of ``frames`` ``first`` to
    ``end`` after the :data:`CONTEXT` frames before them (silence before the first block)."""
    start = max(0, first - CONTEXT)
    spectra = np.fft.rfft(frames[start:end] * window, axis=1).T
    gap = np.zeros((len(spectra), CONTEXT - (first - start)), dtype=spectra.dtype)
    return np.concatenate([gap, spectra], axis=1)


def _predicted_away(observed: np.ndarray, iterations: int) -> np.ndarray:
    """``observed`` (frequencies by frames) after its first :data:`CONTEXT` frames, less each
    frequency's prediction from :data:`TAPS` frames from :data:`DELAY` back, the filter fitted
    with each frame weighted by the inverse of its power as last estimated."""
    count = observed.shape[1] - CONTEXT
    past = np.stack([observed[:, CONTEXT - DELAY - tap:CONTEXT - DELAY - tap + count] for tap in range(TAPS)],
                    axis=2)
    present = observed[:, CONTEXT:]
    estimate = present
    for _ in range(iterations):
        weighted = past / np.maximum(np.abs(estimate) ** 2, 1e-10)[:, :, None]
        correlation = np.einsum("ftk,ftl->fkl", weighted, past.conj()) + 1e-10 * np.eye(TAPS)
        cross = np.einsum("ftk,ft->fk", weighted, present.conj())
        filters = np.linalg.solve(correlation, cross[:, :, None])[:, :, 0]
        estimate = present - np.einsum("fk,ftk->ft", filters.conj(), past)
    return estimate


def _overlap_add(output: np.ndarray, frames: np.ndarray, first: int, hop: int) -> None:
    """Add ``frames`` (:data:`OVERLAP` hops long) into ``output``, ``hop`` apart from frame
    ``first`` on: every OVERLAP th frame lies end to end with the next, so each such set is
    added at once."""
    for phase in range(OVERLAP):
        part = frames[phase::OVERLAP].reshape(-1)
        start = (first + phase) * hop
        output[start:start + len(part)] += part
