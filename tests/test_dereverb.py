"""Late reverberation taken out before recognition (lipsync.recognize.dereverb): a reverberant
recording is dereverberated, a dry one passes through unchanged.

Speech is espeak-ng's; the room is generated (seeded), so every test is deterministic."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import soxr

from conftest import read_mono, trim
from lipsync.audio import Audio
from lipsync.recognize import RecognitionSettings
from lipsync.recognize import dereverb
from lipsync.recognize.dereverb import dereverberate, late_reverb_db
from lipsync.recognize.frontend import dereverberated, prepare

RATE = 16000


def room(samples: np.ndarray, rt60: float = 0.5, seed: int = 7) -> np.ndarray:
    """``samples`` in a room: the direct sound, then a tail of noise decaying by 60 dB over
    ``rt60`` seconds, 70 % of the mix (as benchmarks/accuracy.py's reverb)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(1.2 * rt60 * RATE)) / RATE
    tail = rng.standard_normal(len(t)) * np.exp(-6.9 * t / rt60)
    tail[: int(0.005 * RATE)] = 0.0
    response = 0.35 * tail / np.sqrt(np.sum(tail ** 2))
    response[0] = 1.0
    wet = np.convolve(samples, response)[: len(samples)]
    return (0.3 * samples + 0.7 * wet).astype(np.float32)


@pytest.fixture(scope="module")
def dry(espeak_wav) -> np.ndarray:
    """A sentence at 16 kHz with 0.3 s of silence either side."""
    samples, rate = read_mono(espeak_wav("Bring me the map of the harbour, and mind the boats."))
    speech = soxr.resample(trim(samples), rate, RATE).astype(np.float32)
    silence = np.zeros(int(0.3 * RATE), np.float32)
    return np.concatenate([silence, speech, silence])


def tail_energy(samples: np.ndarray, dry: np.ndarray) -> float:
    """The energy of ``samples`` where the dry speech is silent or 30 dB under its peak: the tails."""
    envelope = np.convolve(dry.astype(np.float64) ** 2, np.ones(160) / 160, mode="same")
    quiet = envelope < envelope.max() * 1e-3
    return float(np.sum(samples[quiet].astype(np.float64) ** 2))


def test_a_dry_recording_has_next_to_no_late_reverberation_and_a_room_adds_it(dry):
    assert abs(late_reverb_db(dry, RATE)) < 0.01
    assert late_reverb_db(room(dry), RATE) > 0.04


def test_dereverberation_takes_the_tails_out_and_keeps_the_speech(dry):
    wet = room(dry)
    cleaned = dereverberate(wet, RATE)
    assert cleaned.dtype == np.float32 and len(cleaned) == len(wet)
    assert tail_energy(cleaned, dry) < 0.6 * tail_energy(wet, dry)
    assert np.corrcoef(cleaned, wet)[0, 1] > 0.9
    assert late_reverb_db(cleaned, RATE) < late_reverb_db(wet, RATE) / 2


def test_a_long_recording_is_dereverberated_block_by_block(dry, monkeypatch):
    wet = room(dry)
    whole = dereverberate(wet, RATE)
    monkeypatch.setattr(dereverb, "BLOCK_FRAMES", 128)
    blocks = dereverberate(wet, RATE)
    assert len(blocks) == len(wet)
    assert not np.allclose(blocks, whole)  # other filters in each block
    assert np.corrcoef(blocks, whole)[0, 1] > 0.95
    assert tail_energy(blocks, dry) < 0.6 * tail_energy(wet, dry)


def test_a_long_recording_is_measured_on_a_few_blocks_spread_over_it(dry, monkeypatch):
    # the measure runs on every recording before the workers start: on a long take it reads
    # MEASURE_BLOCKS blocks spread from the first to the last, and still tells the room
    monkeypatch.setattr(dereverb, "BLOCK_FRAMES", 256)  # 2 s, of a 14 s take
    wet, take = np.tile(room(dry), 4), np.tile(dry, 4)
    blocks = dereverb._blocks(len(dereverb._frames(wet, RATE)[0]))
    measured = []
    block = dereverb._block
    monkeypatch.setattr(dereverb, "_block", lambda *args: measured.append(args[2]) or block(*args))
    monkeypatch.setattr(dereverb, "MEASURE_BLOCKS", len(blocks))
    everything = late_reverb_db(wet, RATE)
    assert len(measured) == len(blocks) > 4
    measured.clear()
    monkeypatch.setattr(dereverb, "MEASURE_BLOCKS", 4)
    spread = late_reverb_db(wet, RATE)
    assert len(measured) == 4 and measured[0] == 0 and measured[-1] == blocks[-1][0]
    # both over the shipped threshold: the room is told from a few blocks as from all of them
    threshold = RecognitionSettings().dereverb_above_db
    assert everything > threshold and spread > threshold
    assert abs(late_reverb_db(take, RATE)) < 0.01


def test_white_noise_is_not_predictable_and_too_short_a_recording_is_left_as_it_is():
    noise = (0.1 * np.random.default_rng(2).standard_normal(2 * RATE)).astype(np.float32)
    assert abs(late_reverb_db(noise, RATE)) < 0.05
    short = noise[:100]
    assert np.allclose(dereverberate(short, RATE), short, atol=1e-6)


def as_audio(samples: np.ndarray) -> Audio:
    return Audio(samples, RATE, RATE, 1, len(samples) / RATE)


def test_only_a_reverberant_recording_is_dereverberated_before_recognition(dry):
    assert np.array_equal(prepare(as_audio(dry)).audio.samples, dry)
    wet = room(dry)
    measured = late_reverb_db(wet, RATE)
    below = replace(RecognitionSettings(), dereverb_above_db=measured - 0.005)
    assert np.array_equal(prepare(as_audio(wet), below).audio.samples, dereverberate(wet, RATE))
    above = replace(RecognitionSettings(), dereverb_above_db=measured + 0.005)
    assert np.array_equal(prepare(as_audio(wet), above).audio.samples, wet)
    never = replace(RecognitionSettings(), dereverb_above_db=0.0)
    assert np.array_equal(prepare(as_audio(wet), never).audio.samples, wet)


def test_a_recording_noisy_enough_to_be_noise_reduced_is_not_dereverberated(dry):
    wet = as_audio(room(dry))
    settings = replace(RecognitionSettings(), dereverb_above_db=late_reverb_db(wet.samples, RATE) - 0.005)
    assert dereverberated(wet, settings.denoise_below_db, settings) is not wet
    assert dereverberated(wet, settings.denoise_below_db - 0.1, settings) is wet


def test_with_nothing_taken_out_the_frames_add_back_up_to_the_signal_at_any_rate(monkeypatch):
    monkeypatch.setattr(dereverb, "ITERATIONS", 0)
    noise = (0.1 * np.random.default_rng(4).standard_normal(20 * RATE)).astype(np.float32)
    for rate in (RATE, 22050, 8000):  # 20 s at 16 kHz: three blocks
        assert np.allclose(dereverberate(noise, rate), noise, atol=1e-6)
