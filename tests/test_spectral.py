"""Phone boundaries moved onto the signal (lipsync.recognize.spectral), on synthetic sounds whose
changes lie at known times."""

from __future__ import annotations

import numpy as np
import pytest

from lipsync.audio import Audio
from lipsync.recognize.settings import RecognitionSettings
from lipsync.recognize.spectral import ChangeCurve, refine_on_signal, snap_to_change, spectral_change
from lipsync.sheet import Phone

RATE = 16000


def _noise(seconds: float, level: float, seed: int) -> np.ndarray:
    return level * np.random.default_rng(seed).standard_normal(int(seconds * RATE))


def _tone(seconds: float, hz: float = 180.0, ramp: float = 0.004) -> np.ndarray:
    """A vowel-like tone with its harmonics, rising and dying away over ``ramp`` seconds (as a
    voice does)."""
    t = np.arange(int(seconds * RATE)) / RATE
    voice = sum(np.sin(2 * np.pi * hz * k * t) / k for k in range(1, 12))
    return 0.2 * voice * np.minimum(np.minimum(t, seconds - t) / ramp, 1.0)


def _hiss(seconds: float, seed: int = 5) -> np.ndarray:
    """Fricative-like noise: white noise with its low frequencies taken out."""
    white = _noise(seconds + 1 / RATE, 0.1, seed)
    return np.diff(white)


def _audio(*parts: np.ndarray) -> Audio:
    samples = np.concatenate(parts)
    samples = samples + _noise(len(samples) / RATE, 1e-4, 9)  # a room's faint noise floor
    return Audio(samples=samples.astype(np.float32), sample_rate=RATE, duration=len(samples) / RATE)


def _boundary(phones) -> float:
    assert len(phones) == 2 and phones[0].end == phones[1].start
    return phones[1].start


@pytest.mark.parametrize("placed", [0.292, 0.3, 0.308])
def test_a_vowel_onset_after_a_fricative_moves_to_where_the_voice_starts(placed):
    audio = _audio(0.3 * _hiss(0.3), _tone(0.3))
    phones = [Phone(0.05, placed, "s"), Phone(placed, 0.55, "ɑ")]
    assert _boundary(refine_on_signal(phones, audio)) == pytest.approx(0.3, abs=0.003)


def test_a_tone_starting_after_silence_pulls_the_boundary_to_its_onset():
    audio = _audio(np.zeros(int(0.25 * RATE)), _tone(0.25))
    phones = [Phone(0.1, 0.241, "m"), Phone(0.241, 0.45, "ɑ")]
    assert _boundary(refine_on_signal(phones, audio)) == pytest.approx(0.25, abs=0.003)


@pytest.mark.parametrize("placed", [0.192, 0.208])
def test_a_vowel_ends_where_a_stops_closure_silences_it(placed):
    audio = _audio(_tone(0.2), np.zeros(int(0.06 * RATE)), _noise(0.008, 0.3, 4), _tone(0.2))
    phones = [Phone(0.05, placed, "ɑ"), Phone(placed, 0.268, "t")]
    assert _boundary(refine_on_signal(phones, audio)) == pytest.approx(0.2, abs=0.003)


def test_a_change_beyond_the_reach_does_not_move_a_boundary():
    audio = _audio(0.3 * _hiss(0.3), _tone(0.3))
    phones = [Phone(0.05, 0.33, "s"), Phone(0.33, 0.55, "ɑ")]
    moved = refine_on_signal(phones, audio, RecognitionSettings(refine_reach_seconds=0.01))
    assert abs(_boundary(moved) - 0.33) <= 0.01 + 1e-9
    reaching = RecognitionSettings(refine_reach_seconds=0.04, refine_pull=0.0)
    assert _boundary(refine_on_signal(phones, audio, reaching)) == pytest.approx(0.3, abs=0.003)


@pytest.mark.parametrize("placed", [0.282, 0.318])
def test_a_distinct_change_beyond_the_free_reach_still_draws_the_boundary(placed):
    """The voice's onset 18 ms from where the aligner put it: the default settings reach it,
    paying for the distance only beyond ``refine_free_seconds``."""
    audio = _audio(0.3 * _hiss(0.3), _tone(0.3))
    phones = [Phone(0.05, placed, "s"), Phone(placed, 0.55, "ɑ")]
    assert abs(_boundary(refine_on_signal(phones, audio)) - 0.3) <= 0.006


def test_the_pull_keeps_a_boundary_on_a_nearby_change_rather_than_a_slightly_larger_far_one():
    curve = ChangeCurve(np.array([0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0], float), 0.0025)
    phones = [Phone(0.0, 0.01, "s"), Phone(0.01, 0.05, "ɑ")]
    near = snap_to_change(phones, curve, reach=0.04, min_phone=0.005, pull=0.3, free=0.01)
    assert near[0].end == pytest.approx(0.0125)  # 2.5 ms away, within the free reach
    assert snap_to_change(phones, curve, reach=0.04, min_phone=0.005)[0].end == pytest.approx(0.0425)


def test_snapping_keeps_phones_their_minimum_and_leaves_the_edges_of_speech():
    curve = ChangeCurve(np.array([0, 9, 0, 0, 0, 0, 1, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], float), 0.01)
    phones = [Phone(0.0, 0.04, "s"), Phone(0.04, 0.07, "ɑ"), Phone(0.12, 0.2, "t")]
    moved = snap_to_change(phones, curve, reach=0.04, min_phone=0.02)
    # the change at 0.01 would leave "s" 10 ms long; at 0.08 "ɑ" would outgrow its own end
    assert moved[0] == Phone(0.0, 0.04, "s") and moved[1] == Phone(0.04, 0.07, "ɑ")
    # the pause before "t" is an edge of speech: untouched
    assert moved[2] == Phone(0.12, 0.2, "t")
    assert snap_to_change(phones, curve, reach=0.04, min_phone=0.005)[0].end == pytest.approx(0.01)


def test_a_boundary_already_on_the_largest_change_stays():
    curve = ChangeCurve(np.array([0, 1, 2, 5, 2, 1, 0, 0], float), 0.01)
    phones = (Phone(0.0, 0.031, "s"), Phone(0.031, 0.08, "ɑ"))  # between two points of the curve
    assert snap_to_change(phones, curve, reach=0.02, min_phone=0.01) == phones


def test_the_change_measured_near_boundaries_only_agrees_with_the_whole_curve():
    audio = _audio(0.3 * _hiss(0.3), _tone(0.3), 0.3 * _hiss(0.2, seed=6))
    whole = spectral_change(audio.samples, RATE)
    near = spectral_change(audio.samples, RATE, near=[0.305, 0.61], reach=0.01)
    assert np.count_nonzero(near.values) == 2 * 9
    for around in (0.305, 0.61):
        window = slice(int(round((around - 0.01) / whole.hop)), int(round((around + 0.01) / whole.hop)) + 1)
        assert np.argmax(near.values[window]) == np.argmax(whole.values[window])


def test_the_change_is_the_same_measured_in_several_threads():
    """With several jobs the boundaries are refined with the energies transformed in threads:
    the same values as in one, block for block (here about 40 s measured: four blocks of frames)."""
    signal = np.concatenate([np.concatenate([_tone(0.3), _hiss(0.2, seed), _noise(0.3, 0.001, seed)])
                             for seed in range(50)]).astype(np.float32)
    near = list(np.arange(0.3, len(signal) / RATE, 0.05))
    one = spectral_change(signal, RATE, near=near, reach=0.025)
    two = spectral_change(signal, RATE, near=near, reach=0.025, threads=2)
    assert np.count_nonzero(one.values) > 3 * 4096
    assert np.array_equal(one.values, two.values)
