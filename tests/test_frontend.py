"""The audio front end before recognition (lipsync.recognize.frontend): noisy recordings are
noise-reduced and their stretches of speech found with more patience; clean ones pass through.

Speech is espeak-ng's; the noise is generated (seeded), so every test is deterministic."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import soxr

from conftest import concat_speech, read_mono, trim
from lipsync.audio import Audio
from lipsync.dialogue import Line
from lipsync.recognize import RecognitionSettings, noisy_without_script, recognize
from lipsync.recognize.frontend import prepare, reduce_noise
from lipsync.vad import speech_to_noise_db

RATE = 16000
PHRASES = ["Peter picked a peck of pickled peppers.", "Where is the pickled pepper he picked?"]


def room_noise(length: int, seed: int = 3) -> np.ndarray:
    """White noise plus a pink-ish rumble, unit RMS."""
    rng = np.random.default_rng(seed)
    white = rng.standard_normal(length)
    pink = np.cumsum(white)
    pink -= np.convolve(pink, np.ones(64) / 64, mode="same")
    noise = 0.5 * white / np.std(white) + pink / np.std(pink)
    return noise / np.std(noise)


@pytest.fixture(scope="module")
def speech(espeak_wav) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Two phrases 0.6 s apart with 0.4 s of silence around them, at 16 kHz, and where each
    phrase is audible (seconds)."""
    pieces = []
    for phrase in PHRASES:
        samples, rate = read_mono(espeak_wav(phrase))
        pieces.append(soxr.resample(trim(samples), rate, RATE).astype(np.float32))
    signal, truth = concat_speech(pieces, 0.6, RATE)
    lead = np.zeros(int(0.4 * RATE), np.float32)
    return np.concatenate([lead, signal, lead]), [(start + 0.4, end + 0.4) for start, end in truth]


def with_noise(clean: np.ndarray, snr_db: float) -> np.ndarray:
    """``clean`` with room noise ``snr_db`` under its speech (the RMS of its loud samples)."""
    level = np.sqrt(np.mean(clean[np.abs(clean) > 0.01].astype(np.float64) ** 2))
    return (clean + room_noise(len(clean)) * level * 10 ** (-snr_db / 20)).astype(np.float32)


def as_audio(samples: np.ndarray) -> Audio:
    return Audio(samples, RATE, RATE, 1, len(samples) / RATE)


def pauses(truth: list[tuple[float, float]], duration: float) -> list[tuple[float, float]]:
    edges = [0.0] + [t for span in truth for t in span] + [duration]
    return [(edges[i] + 0.05, edges[i + 1] - 0.05) for i in range(0, len(edges), 2)]


def test_noise_reduction_takes_the_noise_out_of_the_pauses_and_keeps_the_speech(speech):
    clean, truth = speech
    noisy = with_noise(clean, 10.0)
    cleaned = reduce_noise(noisy, RATE)
    assert cleaned.shape == noisy.shape
    for start, end in pauses(truth, len(clean) / RATE):
        part = slice(int(start * RATE), int(end * RATE))
        left = np.sqrt(np.mean(cleaned[part] ** 2)) / np.sqrt(np.mean(noisy[part].astype(np.float64) ** 2))
        assert 20 * np.log10(left) < -11.0, (start, end)  # turned down by (nearly) the full 15 dB
    # against the clean speech, the error is at least 4 dB smaller than the noise was
    before = np.sum((noisy - clean).astype(np.float64) ** 2)
    after = np.sum((cleaned - clean) ** 2)
    assert 10 * np.log10(before / after) > 4.0
    for start, end in truth:  # the speech itself keeps its level (within 2 dB)
        part = slice(int(start * RATE), int(end * RATE))
        ratio = np.sqrt(np.mean(cleaned[part] ** 2) / np.mean(clean[part].astype(np.float64) ** 2))
        assert abs(20 * np.log10(ratio)) < 2.0


def test_the_depth_bounds_how_far_the_noise_is_turned_down(speech):
    clean, truth = speech
    noisy = with_noise(clean, 10.0)
    start, end = pauses(truth, len(clean) / RATE)[1]
    part = slice(int(start * RATE), int(end * RATE))
    for depth in (6.0, 15.0):
        cleaned = reduce_noise(noisy, RATE, depth)
        drop = 20 * np.log10(np.sqrt(np.mean(cleaned[part] ** 2) / np.mean(noisy[part].astype(np.float64) ** 2)))
        assert -depth - 1.0 < drop < -depth + 4.0, (depth, drop)


def test_a_long_recording_is_cleaned_block_by_block_as_in_one_piece(speech, monkeypatch):
    from lipsync.recognize import frontend

    noisy = with_noise(speech[0], 10.0)
    whole = reduce_noise(noisy, RATE)
    monkeypatch.setattr(frontend, "BLOCK_FRAMES", 7)
    assert np.abs(reduce_noise(noisy, RATE) - whole).max() < 1e-6


def test_the_least_power_about_each_moment_reaches_into_the_blocks_either_side():
    """A block's tracked minima, given the runs of the blocks before and after it, are those of
    the whole recording: the reach crosses block edges, and the recording's ends stand in
    beyond them (a last block may hold fewer runs than the reach)."""
    from lipsync.recognize.frontend import TRACK_REACH, tracked_minima

    runs = np.random.default_rng(4).exponential(size=(20, 3))
    whole = tracked_minima(runs)
    for first, last in ((0, 6), (6, 12), (12, 18), (18, 20), (3, 19)):
        before = runs[:first] if first else None
        after = runs[last:] if last < len(runs) else None
        assert np.array_equal(tracked_minima(runs[first:last], before, after), whole[first:last])
    assert np.array_equal(whole[5], runs[5 - TRACK_REACH:6 + TRACK_REACH].min(axis=0))


def test_clean_recordings_pass_through_and_noisy_ones_are_cleaned(speech):
    clean, _ = speech
    audio = as_audio(clean)
    prepared = prepare(audio)
    assert prepared.audio is audio and not prepared.noisy and prepared.min_pause == 0.25
    assert prepared.level == speech_to_noise_db(clean) > 30.0

    noisy = as_audio(with_noise(clean, 10.0))
    settings = RecognitionSettings()
    prepared = prepare(noisy, settings)
    assert prepared.noisy and prepared.min_pause == settings.noisy_min_pause
    assert prepared.level == speech_to_noise_db(noisy.samples) < settings.widen_below_db
    assert speech_to_noise_db(prepared.audio.samples) > speech_to_noise_db(noisy.samples) + 8.0
    assert prepared.audio.samples.dtype == np.float32 and prepared.audio.duration == noisy.duration

    kept = prepare(noisy, replace(settings, denoise_below_db=0.0))
    assert kept.noisy and kept.audio is noisy
    assert prepare(noisy, replace(settings, noisy_below_db=10.0)).audio is noisy
    # between the two levels: the pauses rule only
    level = speech_to_noise_db(noisy.samples)
    between = prepare(noisy, replace(settings, denoise_below_db=level - 0.1, noisy_below_db=level + 0.1))
    assert between.noisy and between.audio is noisy
    assert prepare(noisy, replace(settings, denoise_below_db=level + 0.1)).audio is not noisy


def test_noisy_speech_is_bridged_over_shorter_pauses():
    """Two bursts 0.3 s apart are one stretch in a noisy recording, two in a clean one."""
    rng = np.random.default_rng(0)
    burst = 0.3 * np.sin(2 * np.pi * 200 * np.arange(int(0.5 * RATE)) / RATE)
    gap = np.zeros(int(0.3 * RATE))
    signal = np.concatenate([gap, burst, gap, burst, gap])
    clean = as_audio((signal + 1e-4 * rng.standard_normal(len(signal))).astype(np.float32))
    noisy = as_audio((signal + 0.02 * rng.standard_normal(len(signal))).astype(np.float32))
    assert len(prepare(clean).speech()) == 2
    assert len(prepare(noisy).speech()) == 1


def covered(phones, start: float, end: float) -> float:
    """Share of ``start``-``end`` that ``phones`` cover."""
    return sum(min(end, p.end) - max(start, p.start) for p in phones if p.end > start and p.start < end) / (end - start)


@pytest.mark.parametrize("scripted", [True, False], ids=["script", "no script"])
def test_speech_under_noise_is_talked_through_and_the_pause_rested(speech, scripted):
    """Speech 10 dB over room noise: the phones cover most of each phrase (without the noise
    reduction, 0.73 of them on average without the script) and none lies in the pause."""
    clean, truth = speech
    lines = [Line(phrase) for phrase in PHRASES] if scripted else None
    found = recognize(as_audio(with_noise(clean, 10.0)), lines)
    # without the script the take is said to be less reliable, with the level measured
    level = speech_to_noise_db(with_noise(clean, 10.0))
    assert found.warnings == (() if scripted else (noisy_without_script(level),))
    assert np.mean([covered(found.phones, start, end) for start, end in truth]) >= 0.8
    assert covered(found.phones, truth[0][1] + 0.05, truth[1][0] - 0.05) == 0.0


def test_in_a_noisy_recording_speech_starts_earlier_and_ends_later_at_each_pause(speech):
    """The start and the decay of the voice sink under the noise: the phones next to a pause
    take back ``noisy_onset_seconds`` and ``noisy_offset_seconds`` of it when the speech stands
    less than ``widen_below_db`` over the noise; a clean recording's phones are left where the
    aligner put them."""
    clean, _ = speech
    lines = [Line(phrase) for phrase in PHRASES]
    settings = RecognitionSettings()
    noisy = as_audio(with_noise(clean, 10.0))
    widened = recognize(noisy, lines, settings=settings).phones
    kept = recognize(noisy, lines, settings=replace(settings, noisy_onset_seconds=0.0, noisy_offset_seconds=0.0)).phones
    assert [p.symbol for p in widened] == [p.symbol for p in kept]
    touching = [index for index, (a, b) in enumerate(zip(kept, kept[1:])) if b.start - a.end < 1e-3]
    pause = next(index for index, (a, b) in enumerate(zip(kept, kept[1:])) if b.start - a.end > 0.2)
    assert widened[0].start == pytest.approx(kept[0].start - settings.noisy_onset_seconds, abs=1e-6)
    assert widened[pause].end == pytest.approx(kept[pause].end + settings.noisy_offset_seconds, abs=1e-6)
    assert widened[pause + 1].start == pytest.approx(kept[pause + 1].start - settings.noisy_onset_seconds, abs=1e-6)
    assert widened[-1].end == pytest.approx(kept[-1].end + settings.noisy_offset_seconds, abs=1e-6)
    assert all(widened[index].end == kept[index].end for index in touching)

    audio = as_audio(clean)
    assert recognize(audio, lines).phones == recognize(
        audio, lines, settings=replace(settings, noisy_onset_seconds=0.2, noisy_offset_seconds=0.2)).phones


def test_in_a_noisy_recording_the_last_phones_are_kept_where_the_detector_lost_the_speech(speech):
    """The soft end of a phrase sinks under the noise and the detector lets go of it early:
    trimmed to its stretch, the aligner's last phones were cut short or dropped. With a script
    they are kept up to ``noisy_end_reach_seconds`` past the stretch (without it, and without
    the final stop given back for ``fade_stop_seconds``, the last one is dropped); a clean
    recording's phones are trimmed as before."""
    clean, truth = speech
    lines = [Line(phrase) for phrase in PHRASES]
    settings = RecognitionSettings()
    noisy = as_audio(with_noise(clean, 10.0))
    end = truth[-1][1]
    assert prepare(noisy).speech(0.0)[-1][1] < end - 0.1
    kept = recognize(noisy, lines, settings=settings).phones
    short = recognize(noisy, lines, settings=replace(settings, noisy_end_reach_seconds=0.0)).phones
    cut = recognize(noisy, lines, settings=replace(settings, noisy_end_reach_seconds=0.0, fade_stop_seconds=0.0)).phones
    assert abs(kept[-1].end - end) < 0.05 < end - cut[-1].end
    assert len(kept) > len(cut)
    # the final stop given back on its own (fade_stop_seconds) ends earlier than the reach keeps it
    assert len(short) == len(kept) and abs(kept[-1].end - end) < end - short[-1].end

    audio = as_audio(clean)
    assert recognize(audio, lines).phones == recognize(
        audio, lines, settings=replace(settings, noisy_end_reach_seconds=1.0)).phones


def test_in_a_noisy_recording_a_first_consonant_the_detector_heard_late_is_kept(speech):
    """Under strong noise the detector hears the p of "Peter" late and the trimming dropped it:
    with a script it is given back where the aligner placed it, at most
    ``noisy_onset_lead_seconds`` before the detector's onset (with 0 it stays dropped)."""
    clean, truth = speech
    lines = [Line(phrase) for phrase in PHRASES]
    noisy = as_audio(with_noise(clean, 6.0))
    kept = recognize(noisy, lines).phones
    dropped = recognize(noisy, lines, settings=RecognitionSettings(noisy_onset_lead_seconds=0.0)).phones
    assert dropped[0].symbol != "p" and kept[0].symbol == "p"
    assert abs(kept[0].start - truth[0][0]) < 0.05 and kept[0].start < dropped[0].start
    assert kept[0].end == kept[1].start and [p.symbol for p in kept[1:]] == [p.symbol for p in dropped]
    assert kept[2:] == dropped[1:]  # the rest where it was


def test_the_stretches_ends_reach_further_but_never_into_the_next_stretch_or_past_the_end():
    burst = 0.3 * np.sin(2 * np.pi * 200 * np.arange(int(0.5 * RATE)) / RATE)
    gap = np.zeros(int(0.3 * RATE))
    audio = as_audio(np.concatenate([gap, burst, gap, burst, gap[:800]]).astype(np.float32))
    prepared = prepare(audio)
    assert prepared.speech(0.0) == ((0.3, 0.8), (1.1, 1.6))
    assert prepared.speech(0.0, 0.1) == ((0.3, 0.9), (1.1, 1.65))
    assert prepared.speech(0.02, 0.5) == ((0.28, 1.08), (1.08, 1.65))


def test_a_clean_take_without_a_script_draws_no_noise_warning(speech):
    assert recognize(as_audio(speech[0])).warnings == ()


def test_without_a_script_noisy_phones_are_not_widened(speech):
    noisy = as_audio(with_noise(speech[0], 10.0))
    wide = RecognitionSettings(noisy_onset_seconds=0.2, noisy_offset_seconds=0.2)
    assert recognize(noisy).phones == recognize(noisy, settings=wide).phones


def test_without_a_script_the_recognizer_hears_the_soft_end_the_detector_lost(speech):
    """Over steady noise the stretches recognized reach ``noisy_end_reach_seconds`` past where
    the detector let go: the last phrase's final sounds are heard (without the reach, the
    phones end more than 0.1 s early)."""
    clean, truth = speech
    noisy = as_audio(with_noise(clean, 10.0))
    end = truth[-1][1]
    assert prepare(noisy).speech(0.0)[-1][1] < end - 0.1
    reached = recognize(noisy).phones[-1].end
    cut = recognize(noisy, settings=RecognitionSettings(noisy_end_reach_seconds=0.0)).phones[-1].end
    assert abs(reached - end) < 0.03 < 0.1 < end - cut


def test_without_a_script_the_last_phone_heard_runs_on_to_where_the_detector_heard_the_voice_end(speech):
    """Over steady noise the word search hears the soft end of a phrase as the pause after it:
    the last phone heard runs on to the end of its stretch of speech (``noisy_run_on``; off, it
    ends short of it), the phones before it are kept; a script's alignment and a clean
    recording's phones are not touched."""
    clean, _ = speech
    noisy = as_audio(with_noise(clean, 6.0))
    off = RecognitionSettings(noisy_run_on=False)
    end = prepare(noisy).speech(0.0)[-1][1]
    ran = recognize(noisy).phones
    kept = recognize(noisy, settings=off).phones
    assert kept[-1].end < end - 0.01
    assert ran[-1].end == pytest.approx(end, abs=1e-6)
    assert ran[:-1] == kept[:-1] and ran[-1].symbol == kept[-1].symbol

    lines = [Line(phrase) for phrase in PHRASES]
    assert recognize(noisy, lines).phones == recognize(noisy, lines, settings=off).phones
    audio = as_audio(clean)
    assert recognize(audio).phones == recognize(audio, settings=off).phones


def test_over_an_unsteady_background_like_music_noisy_phones_are_not_widened(speech):
    """A chord struck on every beat and dying away (music under the voice) is not the steady
    floor the voice's edges sink under: the phones stay where the aligner put them."""
    clean, _ = speech
    lines = [Line(phrase) for phrase in PHRASES]
    t = np.arange(len(clean)) / RATE
    chords = sum(np.sin(2 * np.pi * hz * t) for hz in (262.0, 330.0, 392.0)) * np.exp(-np.mod(t, 0.5) / 0.25)
    level = np.sqrt(np.mean(clean[np.abs(clean) > 0.01].astype(np.float64) ** 2))
    music = as_audio((clean + chords / np.std(chords) * level * 10 ** (-8 / 20)).astype(np.float32))
    settings = RecognitionSettings()
    assert prepare(as_audio(with_noise(clean, 10.0))).floor_spread <= settings.steady_floor_db
    prepared = prepare(music)
    assert prepared.level < settings.widen_below_db and prepared.floor_spread > settings.steady_floor_db
    off = replace(settings, widen_below_db=0.0)
    assert recognize(music, lines).phones == recognize(music, lines, settings=off).phones


def test_music_under_the_voice_is_followed_through_time_and_steady_noise_is_not(speech):
    """A chord struck on every beat is louder than the pauses' spectrum says most of the time:
    followed through time it is turned down further; a steady noise is cleaned the same either
    way as by the pauses' spectrum alone."""
    clean, _ = speech
    t = np.arange(len(clean)) / RATE
    chords = sum(np.sin(2 * np.pi * hz * t) for hz in (262.0, 330.0, 392.0)) * np.exp(-np.mod(t, 0.5) / 0.25)
    level = np.sqrt(np.mean(clean[np.abs(clean) > 0.01].astype(np.float64) ** 2))
    music = (chords / np.std(chords) * level * 10 ** (-8 / 20)).astype(np.float32)
    mixed = clean + music
    settings = RecognitionSettings()
    fixed, followed = reduce_noise(mixed, RATE), reduce_noise(mixed, RATE, track_bias=settings.noise_track_bias)

    def left_of_music(cleaned: np.ndarray) -> float:  # dB of the music still in the output
        return 10 * np.log10(np.sum((cleaned - clean) ** 2) / np.sum(music.astype(np.float64) ** 2))

    assert left_of_music(followed) < left_of_music(fixed) - 3.0
    assert np.array_equal(prepare(as_audio(mixed)).audio.samples,
                          reduce_noise(mixed, RATE, settings.denoise_depth_db, settings.noise_track_bias))
    noisy = with_noise(clean, 10.0)
    assert np.array_equal(prepare(as_audio(noisy)).audio.samples, reduce_noise(noisy, RATE))
    assert np.array_equal(prepare(as_audio(mixed), replace(settings, noise_track_bias=0.0)).audio.samples, fixed)
