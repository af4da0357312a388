"""The phone before a pause ends where its sound fades (lipsync.recognize.edges), on synthetic
voices whose decay is known."""

from __future__ import annotations

import numpy as np
import pytest

from lipsync.audio import Audio
from lipsync.recognize.edges import (close_before_stops, end_phones_where_sound_fades, end_where_sound_fades,
                                    envelope_db, hold_stops_before_pauses, restore_cut_onsets, restore_cut_stops,
                                    run_on_to_speech_ends, widen_into_pauses)
from lipsync.recognize.settings import RecognitionSettings
from lipsync.sheet import Phone

RATE = 16000


def _voice(seconds: float, decay_db_per_10ms: float = 0.0, hz: float = 150.0) -> np.ndarray:
    """A vowel-like tone; with a decay, its level falls steadily from the start (dB per 10 ms)."""
    t = np.arange(int(seconds * RATE)) / RATE
    level = 10 ** (-decay_db_per_10ms * t / 0.01 / 20)
    return 0.3 * level * sum(np.sin(2 * np.pi * hz * k * t) / k for k in range(1, 8))


def _audio(*parts: np.ndarray) -> Audio:
    samples = np.concatenate(parts)
    samples = samples + 1e-5 * np.random.default_rng(3).standard_normal(len(samples))
    return Audio(samples=samples.astype(np.float32), sample_rate=RATE, duration=len(samples) / RATE)


def test_a_vowel_dying_away_ends_where_it_has_fallen_by_the_drop():
    # steady until 0.3 s, then 3 dB quieter every 10 ms: 15 dB down at 0.35 s
    audio = _audio(_voice(0.3), _voice(0.1, decay_db_per_10ms=3.0), np.zeros(RATE // 5))
    phones = [Phone(0.1, 0.2, "m"), Phone(0.2, 0.39, "ɑ")]
    faded = end_phones_where_sound_fades(phones, audio)
    assert faded[0] == phones[0]
    assert faded[1].start == 0.2 and faded[1].end == pytest.approx(0.35, abs=0.006)
    # a larger drop lets the phone run further into the decay
    later = end_phones_where_sound_fades(phones, audio, RecognitionSettings(fade_drop_db=24.0))
    assert later[1].end == pytest.approx(0.38, abs=0.006)


def test_only_phones_before_a_pause_end_earlier_and_never_later():
    audio = _audio(_voice(0.3), _voice(0.1, decay_db_per_10ms=3.0), np.zeros(RATE // 5),
                   _voice(0.2), _voice(0.1, decay_db_per_10ms=3.0), np.zeros(RATE // 5))
    phones = [Phone(0.1, 0.3, "ɑ"), Phone(0.3, 0.39, "n"), Phone(0.6, 0.8, "ɑ"), Phone(0.8, 0.83, "n")]
    faded = end_phones_where_sound_fades(phones, audio)
    assert faded[0] == phones[0] and faded[2] == phones[2]  # followed by a phone: untouched
    assert faded[1].end == pytest.approx(0.355, abs=0.006)  # before the pause: 15 dB under its loudest
    assert faded[3] == phones[3]  # the last phone ends before its sound fades: kept
    assert all(a.start == b.start and a.end >= b.end for a, b in zip(phones, faded))


def test_a_soft_final_consonant_is_measured_against_itself_not_the_vowel_before():
    hiss = 0.003 * np.random.default_rng(5).standard_normal(int(0.1 * RATE))
    audio = _audio(_voice(0.3), hiss, np.zeros(RATE // 5))  # the hiss is ~40 dB under the vowel
    phones = [Phone(0.05, 0.3, "ɑ"), Phone(0.3, 0.4, "s")]
    assert end_phones_where_sound_fades(phones, audio)[1].end == pytest.approx(0.4, abs=0.006)


def test_no_phone_ends_shorter_than_the_minimum():
    envelope = np.array([-10.0] + [-60.0] * 79)
    assert end_where_sound_fades([Phone(0.0, 0.2, "ɑ")], envelope, min_phone=0.03)[0].end == pytest.approx(0.03)


def test_the_envelope_follows_the_sound_every_two_and_a_half_milliseconds():
    audio = _audio(np.zeros(RATE // 10), _voice(0.1))
    envelope = envelope_db(audio.samples, RATE)
    assert len(envelope) == 80
    onset = int(np.argmax(envelope > envelope.max() - 6))
    assert onset * 0.0025 == pytest.approx(0.1 - 0.0075, abs=0.0026)  # its 10 ms window reaches the voice


def _burst(seconds: float = 0.015) -> np.ndarray:
    """The release of a stop: a short noise burst, about 20 dB under the vowel."""
    return 0.02 * np.random.default_rng(7).standard_normal(int(seconds * RATE))


def test_a_final_stop_keeps_its_silent_closure_and_its_release():
    # "at": the vowel, 60 ms of silent closure, the release, then a pause
    audio = _audio(_voice(0.3), np.zeros(int(0.06 * RATE)), _burst(), np.zeros(RATE // 4))
    phones = [Phone(0.05, 0.3, "æ"), Phone(0.3, 0.33, "t")]  # the detector let go in the closure
    held = end_phones_where_sound_fades(phones, audio)
    assert held[0] == phones[0]
    assert held[1].start == 0.3 and held[1].end == pytest.approx(0.38)  # closure and release: talking
    # a stop the aligner ended after its release keeps its end (the burst is its loudest sound)
    spanning = [Phone(0.05, 0.3, "æ"), Phone(0.3, 0.375, "tʰ")]
    assert end_phones_where_sound_fades(spanning, audio)[1].end == pytest.approx(0.38)
    # other consonants before a pause still end where their sound fades, never later
    nasal = end_phones_where_sound_fades([Phone(0.05, 0.3, "æ"), Phone(0.3, 0.33, "n")], audio)
    assert nasal[1].end <= 0.33
    # off: the stop is left as the fade ended it
    short = RecognitionSettings(fade_stop_seconds=0.0)
    assert end_phones_where_sound_fades(phones, audio, short)[1] == phones[1]


def test_a_short_pause_before_a_stop_is_its_closure_from_where_the_sound_before_it_fades():
    # "del capitán": the l sounds until 0.23 s, the k's closure is silent until its burst at
    # 0.29 s; the aligner ended the l early (0.2) and heard the closure as a pause (k at 0.28)
    silent = np.zeros(int(0.06 * RATE))
    audio = _audio(_voice(0.23), silent, _voice(0.2), silent, _voice(0.2), np.zeros(RATE // 2), _voice(0.2))
    envelope = envelope_db(audio.samples, RATE)
    phones = [Phone(0.0, 0.2, "l"), Phone(0.28, 0.33, "k"), Phone(0.33, 0.49, "a"),
              Phone(0.54, 0.6, "tʃ"), Phone(0.6, 0.75, "i"), Phone(1.25, 1.3, "p"), Phone(1.3, 1.45, "o")]
    closed = close_before_stops(phones, envelope, 0.15)
    assert closed[0].end == closed[1].start == pytest.approx(0.23, abs=0.006)
    assert closed[2].end == closed[3].start == pytest.approx(0.49, abs=0.006)  # an affricate too
    assert closed[4:] == tuple(phones[4:])  # 0.5 s is a pause, not a closure
    assert closed[1].end == 0.33 and closed[3].end == 0.6  # the stops end where they did
    nasal = [Phone(0.0, 0.2, "l"), Phone(0.28, 0.33, "m")]
    assert close_before_stops(nasal, envelope, 0.15) == tuple(nasal)
    assert close_before_stops(phones, envelope, 0.0) == tuple(phones)


def test_a_held_stop_never_runs_into_the_next_phone_nor_past_the_end():
    phones = [Phone(0.0, 0.2, "ɑ"), Phone(0.2, 0.22, "k"), Phone(0.26, 0.4, "s"), Phone(0.4, 0.43, "p")]
    held = hold_stops_before_pauses(phones, 0.1, 0.45)
    assert [phone.end for phone in held] == [0.2, 0.26, 0.4, 0.45]
    # a stop followed by a phone (no pause) is not a final stop: unchanged
    inside = [Phone(0.0, 0.02, "t"), Phone(0.02, 0.2, "ɑ")]
    assert hold_stops_before_pauses(inside, 0.1, 1.0) == tuple(inside)
    # an affricate is not a stop: its release is a fricative, which fades like one
    assert hold_stops_before_pauses([Phone(0.0, 0.03, "tʃ")], 0.1, 1.0)[0].end == 0.03


def test_a_final_stop_the_trimming_dropped_comes_back_after_the_last_phone():
    from lipsync.recognize import trim_to_speech
    # "meant": the detector let go at 0.57 s, in the silent closure of the t the aligner placed after it
    aligned = [Phone(0.3, 0.45, "ɛ", "meant", 0), Phone(0.45, 0.59, "n", "meant", 0), Phone(0.59, 0.74, "t", "meant", 0),
               Phone(1.0, 1.2, "ɑ", "on", 1)]
    trimmed = trim_to_speech(aligned, [(0.3, 0.57), (1.0, 1.2)])
    assert [p.symbol for p in trimmed] == ["ɛ", "n", "ɑ"]
    restored = restore_cut_stops(aligned, trimmed, 0.08, 2.0)
    assert restored[2] == Phone(0.57, 0.65, "t", "meant", 0)  # from the cut, held as a final stop is
    assert [p.symbol for p in restored] == ["ɛ", "n", "t", "ɑ"]
    # the phone before it ended at the stretch's end uncut: the stop still follows it
    assert restore_cut_stops(aligned, trimmed[:1] + (Phone(0.45, 0.59, "n", "meant", 0),) + trimmed[2:],
                             0.08, 2.0)[2] == Phone(0.59, 0.67, "t", "meant", 0)
    # never into the next phone nor past the end; 0 s restores nothing
    assert restore_cut_stops(aligned, trimmed[:2] + (Phone(0.6, 0.8, "ɑ"),), 0.08, 2.0)[2].end == 0.6
    assert restore_cut_stops(aligned, trimmed[:2], 0.08, 0.6)[2].end == 0.6
    assert restore_cut_stops(aligned, trimmed, 0.0, 2.0) == trimmed


def test_only_a_dropped_stop_right_after_the_last_phone_before_a_pause_comes_back():
    trimmed = (Phone(0.3, 0.45, "ɛ"), Phone(0.45, 0.57, "n"))
    # a fricative the detector cut faded with the voice: not given back
    assert restore_cut_stops([*trimmed[:1], Phone(0.45, 0.59, "n"), Phone(0.59, 0.7, "s")], trimmed, 0.08, 2.0) == trimmed
    # a stop after a gap in the alignment is not that word's final stop
    assert restore_cut_stops([*trimmed[:1], Phone(0.45, 0.59, "n"), Phone(0.65, 0.7, "t")], trimmed, 0.08, 2.0) == trimmed
    # a stop the trimming kept (a part of it, in the next stretch) is left as it is
    kept = (*trimmed, Phone(0.6, 0.7, "t"))
    assert restore_cut_stops([*trimmed[:1], Phone(0.45, 0.57, "n"), Phone(0.57, 0.7, "t")], kept, 0.08, 2.0) == kept
    # no pause after the phone before it: the stop was not cut by one
    running = (*trimmed, Phone(0.5705, 0.7, "ɑ"))
    assert restore_cut_stops([*trimmed[:1], Phone(0.45, 0.57, "n"), Phone(0.57, 0.6, "t"), Phone(0.6, 0.7, "ɑ")],
                             running, 0.08, 2.0) == running


def test_a_first_consonant_the_trimming_dropped_comes_back_before_the_phone_after_it():
    from lipsync.recognize import trim_to_speech
    # "part": the aligner let the p swallow the silence before the onset the detector found (0.14 s)
    aligned = [Phone(0.0, 0.15, "p", "part", 0), Phone(0.15, 0.3, "ɑ", "part", 0), Phone(0.3, 0.4, "ɹ", "part", 0),
               Phone(0.6, 0.7, "t", "to", 1), Phone(0.7, 0.8, "u", "to", 1)]
    trimmed = trim_to_speech(aligned, [(0.14, 0.4), (0.6, 0.8)])
    assert [p.symbol for p in trimmed] == ["ɑ", "ɹ", "t", "u"]
    restored = restore_cut_onsets(aligned, trimmed, 0.03, [0.14, 0.6])
    # from the detector's onset, for at least the aligner's shortest phone
    assert restored[:2] == (Phone(0.14, 0.17, "p", "part", 0), Phone(0.17, 0.3, "ɑ", "part", 0))
    assert restored[2:] == trimmed[1:]  # the other stretch kept its first phone: unchanged
    assert restore_cut_onsets(aligned, trimmed, 0.0, [0.14, 0.6]) == trimmed
    # the phone after it started later than the onset + 30 ms: it keeps its start
    late = (Phone(0.2, 0.3, "ɑ", "part", 0),) + trimmed[1:]
    assert restore_cut_onsets(aligned, late, 0.03, [0.14, 0.6])[:2] == (Phone(0.14, 0.2, "p", "part", 0), late[0])


def test_over_noise_a_dropped_first_consonant_keeps_the_aligners_start_up_to_the_lead():
    # "fill": the detector heard the soft f late (onset 0.26 s); the aligner placed it at 0.11 s
    aligned = [Phone(0.11, 0.29, "f"), Phone(0.29, 0.37, "ɪ"), Phone(0.37, 0.48, "l"),
               Phone(0.77, 0.79, "h"), Phone(0.79, 0.9, "i")]
    trimmed = (Phone(0.29, 0.37, "ɪ"), Phone(0.37, 0.48, "l"), Phone(0.8, 0.9, "i"))
    restored = restore_cut_onsets(aligned, trimmed, 0.03, [0.26, 0.8], lead=0.05)
    assert restored[0] == Phone(0.21, 0.29, "f")  # at most the lead before the onset
    assert restored[1:3] == trimmed[:2]  # the phone after it keeps its start
    assert restored[3:] == (Phone(0.77, 0.8, "h"), trimmed[2])  # the aligner's start, within the lead
    assert restore_cut_onsets(aligned, trimmed, 0.0, [0.26, 0.8], lead=0.0) == trimmed
    # without a lead it starts at the onset and lasts 30 ms, as in a clean recording
    assert restore_cut_onsets(aligned, trimmed, 0.03, [0.26, 0.8])[0] == Phone(0.26, 0.29, "f")


def test_only_a_dropped_consonant_before_the_first_phone_of_a_stretch_comes_back():
    vowel = (Phone(0.15, 0.3, "ɑ"),)
    # a vowel the trimming dropped is not given back (the aligner's onsets are consonants)
    assert restore_cut_onsets([Phone(0.0, 0.15, "ə"), Phone(0.15, 0.3, "ɑ")], vowel, 0.03, [0.14]) == vowel
    # a consonant before a gap in the alignment is not that word's first phone
    assert restore_cut_onsets([Phone(0.0, 0.1, "p"), Phone(0.15, 0.3, "ɑ")], vowel, 0.03, [0.14]) == vowel
    # the phone before it was kept: no stretch starts there
    running = (Phone(0.05, 0.15, "s"), Phone(0.155, 0.3, "ɑ"))
    assert restore_cut_onsets([Phone(0.05, 0.15, "s"), Phone(0.15, 0.155, "p"), Phone(0.155, 0.3, "ɑ")],
                              running, 0.03, [0.05]) == running
    # the phone after it would be left too short: unchanged
    short = (Phone(0.15, 0.19, "ɑ"),)
    assert restore_cut_onsets([Phone(0.0, 0.15, "p"), Phone(0.15, 0.19, "ɑ")], short, 0.03, [0.15]) == short


def test_phones_next_to_a_pause_widen_into_it_and_running_speech_keeps_its_boundaries():
    phones = [Phone(0.30, 0.40, "m"), Phone(0.40, 0.60, "ɑ"), Phone(1.00, 1.10, "s"), Phone(1.10, 1.30, "i")]
    widened = widen_into_pauses(phones, 0.02, 0.03, 2.0)
    assert [(p.start, p.end) for p in widened] == [(0.28, 0.40), (0.40, 0.63), (0.98, 1.10), (1.10, 1.33)]
    assert [p.symbol for p in widened] == ["m", "ɑ", "s", "i"]
    assert widen_into_pauses(phones, 0.0, 0.0, 2.0) == tuple(phones)


def test_a_short_pause_keeps_its_middle_and_the_recording_bounds_the_first_and_last_phone():
    phones = [Phone(0.01, 0.20, "ɑ"), Phone(0.24, 0.40, "b"), Phone(0.41, 0.50, "ɑ")]
    widened = widen_into_pauses(phones, 0.05, 0.05, 0.52)
    assert widened[0].start == 0.0 and widened[-1].end == 0.52  # not before 0 nor after the end
    assert widened[0].end == pytest.approx(0.22) and widened[1].start == pytest.approx(0.22)  # half the pause each
    assert widened[1].end == pytest.approx(0.405) and widened[2].start == pytest.approx(0.405)
    assert all(a.end <= b.start + 1e-9 for a, b in zip(widened, widened[1:]))  # never overlapping


def test_a_word_spans_exactly_its_phones():
    from lipsync.recognize.edges import words_over_their_phones
    from lipsync.sheet import Word
    words = [Word(0.0, 0.3, "at", 0), Word(0.34, 0.6, "it", 0)]
    phones = [Phone(0.0, 0.2, "æ", "at", 0), Phone(0.2, 0.38, "t", "at", 0), Phone(0.4, 0.6, "ɪ", "it", 0)]
    covered = words_over_their_phones(words, phones)
    assert [(w.start, w.end) for w in covered] == [(0.0, 0.38), (0.4, 0.6)]  # a held stop, a later first phone
    # refined phones reach a few ms past the aligner's 10 ms word edges: the words follow them
    refined = [Phone(0.5049, 0.61, "k", "cup", 1), Phone(0.61, 0.7, "ʌ", "cup", 1), Phone(0.7, 0.8026, "p", "cup", 1)]
    assert words_over_their_phones([Word(0.51, 0.8, "cup", 1)], refined) == (Word(0.5049, 0.8026, "cup", 1),)
    # a phone of another word is not the word's; a word without phones keeps its edges
    assert words_over_their_phones(words[:1], [Phone(0.1, 0.5, "ɪ", "it", 0)]) == tuple(words[:1])
    assert words_over_their_phones(words, phones[:1])[1] == words[1]


def test_the_last_phone_heard_runs_on_to_the_end_of_its_stretch_of_speech():
    """Without a script over noise the word search heard a pause where the detector heard the
    voice go on: the last phone of each stretch runs on to its end; a phone already reaching
    it, the phones before it, a stretch without phones and the next phone keep theirs."""
    phones = [Phone(0.30, 0.40, "m"), Phone(0.40, 0.60, "ɑ"), Phone(1.00, 1.10, "s"), Phone(1.10, 1.50, "i"),
              Phone(2.00, 2.20, "n")]
    stretches = [(0.30, 0.85), (1.00, 1.40), (1.60, 1.80), (1.95, 2.60)]
    ran = run_on_to_speech_ends(phones, stretches)
    assert [(p.start, p.end) for p in ran] == [(0.30, 0.40), (0.40, 0.85), (1.00, 1.10), (1.10, 1.50), (2.00, 2.60)]
    assert [p.symbol for p in ran] == [p.symbol for p in phones]
    # never into the next phone, even where a stretch reaches past it
    assert run_on_to_speech_ends([Phone(0.3, 0.5, "ɑ"), Phone(0.7, 0.9, "s")], [(0.3, 1.0)])[0].end == 0.5
    assert run_on_to_speech_ends([Phone(0.3, 0.5, "ɑ"), Phone(0.7, 0.9, "s")], [(0.3, 0.6), (0.65, 1.0)])[0].end == 0.6
    assert run_on_to_speech_ends([], stretches) == ()
