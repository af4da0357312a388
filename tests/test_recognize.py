"""Recognition on espeak-ng speech: forced alignment, unknown words, script mismatches, script-free
recognition and parallel determinism (lipsync.recognize, lipsync.pipeline)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pytest
import soxr

from conftest import concat_speech, read_mono, trim
from lipsync.audio import Audio, load_audio
from lipsync.dialogue import Line
from lipsync.errors import ScriptError
from lipsync.g2p import pronounce
from lipsync.pipeline import analyze
from lipsync.recognize import RecognitionSettings, recognize
from lipsync.sheet import sheet_to_json

ONSET_TOLERANCE = 0.06

SHORT_PHRASES = [
    "Hello there, my friend.",
    "The weather is lovely today.",
    "Zorblax wants a cup of coffee.",
    "Please open the window now.",
]

LONG_PHRASES = [
    "Hello there, my friend.",
    "The weather is lovely today.",
    "Zorblax wants a cup of coffee.",
    "Please open the window now.",
    "We should go to the market before it closes.",
    "My brother bought a big blue balloon.",
    "Nobody knows where the treasure is buried.",
    "Put the books back on the shelf.",
    "I think the train will be late again.",
    "Maybe we can meet for lunch tomorrow.",
    "The cat jumped over the fence.",
    "Remember to bring your umbrella.",
    "Good night, and sweet dreams.",
    "Where did you put my keys?",
    "Everybody was waiting outside the station.",
    "Could you pass me the salt and pepper?",
    "The children painted a picture of the sea.",
    "It was the best holiday we ever had.",
    "Turn left at the bridge, then keep going.",
    "Thank you very much for your help.",
]


@dataclass(frozen=True)
class Recording:
    audio: Audio
    phrases: list[str]
    truth: list[tuple[float, float]]  # audible start and end of each phrase, seconds

    def lines(self, phrases: list[str] | None = None) -> list[Line]:
        return [Line(text, number=index + 1) for index, text in enumerate(phrases or self.phrases)]


def build(espeak_wav, audio_variant, phrases: list[str], gap: float, name: str, lead_in: float = 0.4) -> Recording:
    pieces, rate = [], 0
    for phrase in phrases:
        samples, rate = read_mono(espeak_wav(phrase))
        pieces.append(trim(samples))
    signal, truth = concat_speech(pieces, gap, rate)
    pad = np.zeros(int(lead_in * rate), np.float32)
    signal = np.concatenate([pad, signal, pad])
    path = audio_variant(signal, name, source_rate=rate)
    return Recording(load_audio(path), phrases, [(start + lead_in, end + lead_in) for start, end in truth])


@pytest.fixture(scope="module")
def short(espeak_wav, audio_variant) -> Recording:
    """About 9 s: four phrases with 0.6 s pauses (aligned in one piece)."""
    return build(espeak_wav, audio_variant, SHORT_PHRASES, 0.6, "short.wav")


@pytest.fixture(scope="module")
def long(espeak_wav, audio_variant) -> Recording:
    """About 65 s: twenty phrases with 1.3 s pauses (split and aligned in pieces)."""
    recording = build(espeak_wav, audio_variant, LONG_PHRASES, 1.3, "long.wav")
    assert 55 < recording.audio.duration < 95
    return recording


@pytest.fixture(scope="module")
def long_found(long):
    """The long recording aligned to its exact script."""
    return recognize(long.audio, long.lines())


def first_word_starts(words) -> dict[int, float]:
    starts: dict[int, float] = {}
    for word in words:
        if word.line is not None:
            starts[word.line] = min(starts.get(word.line, word.start), word.start)
    return starts


def seconds(clock: str) -> float:
    minutes, rest = clock.split(":")
    return int(minutes) * 60 + float(rest)


def unscripted_spans(warnings) -> list[tuple[float, float]]:
    spans = []
    for warning in warnings:
        match = re.search(r"speech at (\d+:\d+\.\d)-(\d+:\d+\.\d) (?:is not in the script|inside line|between)",
                          warning)
        if match:
            spans.append((seconds(match.group(1)), seconds(match.group(2))))
    return spans


# --- forced alignment -------------------------------------------------------------------------


def test_alignment_puts_each_line_onset_near_the_truth(short):
    found = recognize(short.audio, short.lines())
    assert found.warnings == ()
    assert [word.text for word in found.words] == [w for text in SHORT_PHRASES
                                                   for w in re.findall(r"[\w']+", text)]
    starts = first_word_starts(found.words)
    for index, (start, _) in enumerate(short.truth):
        assert starts[index] == pytest.approx(start, abs=ONSET_TOLERANCE), (index, SHORT_PHRASES[index])
    # every phone of a line lies within its phrase (give or take the tolerance)
    for phone in found.phones:
        start, end = short.truth[phone.line]
        assert start - ONSET_TOLERANCE <= phone.start < phone.end <= end + ONSET_TOLERANCE, phone


def test_unknown_word_is_aligned_with_espeak_pronunciation(short):
    found = recognize(short.audio, short.lines())
    zorblax = [word for word in found.words if word.text == "Zorblax"]
    assert len(zorblax) == 1 and zorblax[0].line == 2
    assert zorblax[0].start == pytest.approx(short.truth[2][0], abs=ONSET_TOLERANCE)
    symbols = tuple(phone.symbol for phone in found.phones if phone.word == "Zorblax")
    assert symbols == pronounce(["Zorblax"])[0]
    assert symbols[0] == "z" and "b" in symbols


def test_alignment_onsets_in_a_long_recording(long, long_found):
    found = long_found
    starts = first_word_starts(found.words)
    errors = {index: round(starts[index] - start, 3) for index, (start, _) in enumerate(long.truth)
              if abs(starts[index] - start) > ONSET_TOLERANCE}
    assert not errors


def test_a_long_recording_aligns_every_line(long, long_found):
    found = long_found
    assert found.warnings == ()
    assert sorted({word.line for word in found.words}) == list(range(len(LONG_PHRASES)))
    starts = first_word_starts(found.words)
    close = sum(abs(starts[index] - start) <= ONSET_TOLERANCE for index, (start, _) in enumerate(long.truth))
    assert close >= len(LONG_PHRASES) - 2


# --- scripts that do not match the recording ----------------------------------------------------


def test_extra_script_line_is_named_and_the_rest_aligned(long):
    phrases = LONG_PHRASES[:7] + ["This line was never recorded by anyone at all."] + LONG_PHRASES[7:]
    found = recognize(long.audio, long.lines(phrases))
    named = [w for w in found.warnings if w.startswith("line 8 ")]
    assert named and "not found" in named[0], found.warnings
    assert not any(word.line == 7 for word in found.words)
    assert {word.line for word in found.words} == set(range(len(phrases))) - {7}
    # a full result: every phrase of the recording is animated
    for start, end in long.truth:
        assert any(start <= phone.start < end for phone in found.phones)


def test_extra_script_line_in_a_short_recording(short):
    phrases = SHORT_PHRASES + ["This line was never recorded by anyone at all."]
    found = recognize(short.audio, short.lines(phrases))
    assert any(w.startswith("line 5 ") for w in found.warnings), found.warnings
    assert {word.line for word in found.words} == {0, 1, 2, 3}


@pytest.mark.parametrize("which", ["short", "long"])
def test_speech_not_in_the_script_is_reported_and_recognized(which, request):
    recording: Recording = request.getfixturevalue(which)
    left_out = 3 if which == "short" else 5
    phrases = recording.phrases[:left_out] + recording.phrases[left_out + 1:]
    found = recognize(recording.audio, [Line(text, number=i + 1) for i, text in enumerate(phrases)])
    start, end = recording.truth[left_out]
    spans = unscripted_spans(found.warnings)
    assert any(abs(a - start) < 0.3 and abs(b - end) < 0.3 for a, b in spans), (found.warnings, start, end)
    there = [phone for phone in found.phones if start <= phone.start < end]
    assert len(there) >= 4
    assert all(phone.word is None for phone in there)
    # the other lines are still aligned
    assert len({word.line for word in found.words}) == len(phrases)


def test_a_lines_first_word_is_not_left_with_the_line_before_across_a_pause(espeak_wav, audio_variant):
    # aligned in one piece, "I" went to the end of the first stretch, right after "today"
    recording = build(espeak_wav, audio_variant, ["The weather is lovely today.", "I think we should go now."],
                      0.9, "split.wav")
    found = recognize(recording.audio, recording.lines())
    first = next(word for word in found.words if word.line == 1)
    assert first.text == "I" and first.start == pytest.approx(recording.truth[1][0], abs=ONSET_TOLERANCE)
    assert all(word.end <= recording.truth[0][1] + ONSET_TOLERANCE for word in found.words if word.line == 0)
    assert [line.status for line in found.lines] == ["aligned", "aligned"] and found.warnings == ()


def test_lines_whose_subtitle_times_overlap_are_each_found_where_they_are_said(espeak_wav, audio_variant):
    # the first cue runs on to the end of the second: the pause nearest the overlap's middle is
    # the silence after the second line, and cutting there left the second line no speech and
    # the first line all of it, which it does not match (exit 2)
    recording = build(espeak_wav, audio_variant, ["Hello there.", "My name is Peter and I like big blue boats."],
                      0.3, "overlap.wav")
    (start, _), (second, end) = recording.truth
    lines = [Line("Hello there.", start=start - 0.1, end=end + 0.3, number=1),
             Line("My name is Peter and I like big blue boats.", start=second, end=end + 0.3, number=2)]
    found = recognize(recording.audio, lines)
    assert [line.status for line in found.lines] == ["aligned", "aligned"] and found.warnings == ()
    onsets = first_word_starts(found.words)
    assert onsets[0] == pytest.approx(start, abs=ONSET_TOLERANCE)
    assert onsets[1] == pytest.approx(second, abs=ONSET_TOLERANCE)


@pytest.mark.parametrize("said, script, line", [
    (["The weather is lovely today.", "Did you check the engines before breakfast?", "Please open the window now."],
     ["The weather is lovely today.", "Did you check breakfast?", "Please open the window now."], 1),
    (["The weather is lovely today.", "My brother bought a big blue balloon.",
      "Please open the window now, before the rain starts falling."],
     ["The weather is lovely today.", "My brother bought a big blue balloon.", "Please open the window now."], 2),
])
def test_words_said_inside_a_line_but_not_in_the_script_are_named_and_animated(espeak_wav, audio_variant,
                                                                                said, script, line):
    recording = build(espeak_wav, audio_variant, said, 0.7, f"inserted{line}.wav")
    found = recognize(recording.audio, recording.lines(script))
    spans = unscripted_spans(found.warnings)
    start, end = recording.truth[line]
    assert len(spans) == 1 and start - 0.1 <= spans[0][0] < spans[0][1] <= end + 0.1, found.warnings  # m:ss.s
    assert f"inside line {line + 1}" in found.warnings[0]
    assert [state.status for state in found.lines] == ["uncertain" if i == line else "aligned" for i in range(3)]
    # the mouth moves there with what is heard, on the line's track, instead of being held
    there = [phone for phone in found.phones if spans[0][0] <= phone.start < spans[0][1]]
    assert len({phone.symbol for phone in there}) >= 3 and all(phone.line == line for phone in there)
    assert len(found.words) == sum(len(re.findall(r"[\w']+", text)) for text in script)


def test_script_in_another_language_is_an_error(short):
    french = [Line("Où est la bibliothèque? Je cherche mes lunettes depuis ce matin.", number=1)]
    with pytest.raises(ScriptError) as caught:
        recognize(short.audio, french, language="en-us")
    assert "English" in caught.value.message
    assert caught.value.hint


# --- script-free recognition -------------------------------------------------------------------


def test_script_free_recognition_finds_phones_in_speech_only(short):
    found = recognize(short.audio, None)
    # English words are recognized too, each with its time and confidence
    assert len(found.words) >= 8 and all(word.line is None for word in found.words)
    assert all(0.0 <= word.confidence <= 1.0 and word.end > word.start for word in found.words)
    for word in found.words:  # in the speech, not in the pauses
        assert any(start - 0.05 <= word.start and word.end <= end + 0.05 for start, end in short.truth), word
    heard = " ".join(word.text for word in found.words).split()
    assert any(known in heard for known in ("weather", "lovely", "today", "please", "window", "open")), heard
    for start, end in short.truth:
        inside = [phone for phone in found.phones if start - 0.05 <= phone.start and phone.end <= end + 0.05]
        assert len(inside) >= 4, (start, end)
    silences = [(0.0, short.truth[0][0])] + [(a[1], b[0]) for a, b in zip(short.truth, short.truth[1:])] \
        + [(short.truth[-1][1], short.audio.duration)]
    for start, end in silences:
        assert not [p for p in found.phones if p.start >= start + 0.05 and p.end <= end - 0.05], (start, end)


def test_script_free_word_search_follows_its_settings(short):
    """The word decoder is built from the recognition settings: a language model weighted far
    above the acoustics hears no words at all, and then the phone loop still finds the phones
    of the speech, which is voiced."""
    from lipsync.recognize import sphinx

    settings = RecognitionSettings(words_language_weight=100.0, words_topn=3, words_phone_penalty=3.0)
    decoder = sphinx.word_recognizer(settings.words_language_weight, settings.words_topn, settings.words_phone_penalty)
    assert (decoder.config["lw"], decoder.config["topn"], decoder.config["pip"]) == (100.0, 3, 3.0)
    deaf = recognize(short.audio, None, settings=settings)
    assert deaf.words == () and len(deaf.phones) >= 20
    assert recognize(short.audio, None).words


def _between_silences(*pieces: np.ndarray) -> Audio:
    """16 kHz audio of ``pieces``, with 0.5 s of silence before each and after the last."""
    silence = np.zeros(8000, np.float32)
    signal = np.concatenate([part for piece in pieces for part in (silence, piece)] + [silence])
    return Audio(signal.astype(np.float32), 16000, 16000, 1, len(signal) / 16000)


def _speech(espeak_wav, text: str, voice: str = "en-us", speed: int = 160) -> np.ndarray:
    samples, rate = read_mono(espeak_wav(text, voice, speed))
    return soxr.resample(trim(samples), rate, 16000).astype(np.float32)


def test_without_a_script_a_click_the_detector_took_for_speech_stays_at_rest(espeak_wav):
    """A burst of bright hiss 0.5 s before the speech is a stretch of its own in which the word
    search hears no word: unvoiced, it is left at rest (with ``rest_unvoiced_seconds`` 0 the
    phone loop hears a consonant there and the mouth moved before anyone spoke). (The model
    hears digital silence as the faintest hiss, :func:`lipsync.recognize.sphinx.to_pcm`; a
    burst of white noise between such hiss is heard as silence by the loop too.)"""
    rng = np.random.default_rng(0)
    length = 3200
    hiss = np.diff(rng.standard_normal(length), prepend=0.0)  # differenced: its energy high up, like an s
    click = (0.3 * hiss * np.exp(-np.arange(length) / (0.3 * length))).astype(np.float32)
    audio = _between_silences(click, _speech(espeak_wav, "Hello there, how are you today?"))
    before_speech = [phone for phone in recognize(audio).phones if phone.start < 1.0]
    assert before_speech == []
    looped = recognize(audio, settings=RecognitionSettings(rest_unvoiced_seconds=0.0)).phones
    assert [phone for phone in looped if phone.start < 1.0]
    assert recognize(audio).phones[0].start > 1.1  # the speech itself is recognized


def test_without_a_script_a_voiced_sound_without_words_still_moves_the_mouth(espeak_wav):
    """An "ah" in which the word search hears no word is voiced: the phone loop's phones are
    kept, so the mouth opens (left at rest, the mouth would stay shut through it)."""
    audio = _between_silences(_speech(espeak_wav, "ahhhhh", "en", 175))
    assert recognize(audio).phones
    assert recognize(audio, settings=RecognitionSettings(rest_unvoiced_seconds=10.0)).phones == ()


def test_script_free_words_close_the_lips_where_the_sound_says(espeak_wav):
    """The word search's words are aligned again with each n t d dh v free to be m p b (the
    language model picks words, the acoustics where the lips close): speech saying "my map"
    heard as "nigh nap" is aligned with the lips closed at its first m, and the words keep their
    spelling; the dictionary the script is aligned with keeps the words' own pronunciations."""
    from lipsync.recognize import sphinx

    pcm = sphinx.to_pcm(load_audio(espeak_wav("my map")).samples)
    closed = sphinx.align_with_closures(pcm, ["nigh", "nap"], RecognitionSettings())
    phones = [phone.name for phone in closed.phones() if phone.name != "SIL"]
    assert phones[:2] == ["M", "AY"] and phones[2:] in (["N", "AE", "P"], ["M", "AE", "P"]), phones
    assert [sphinx._spelling(word.name) for word in closed.words() if sphinx._is_word(word.name)] == ["nigh", "nap"]
    assert sphinx.pronunciation("nap") == ("N", "AE", "P") and sphinx.pronunciation("nigh") == ("N", "AY")


def test_matching_by_sound_hears_with_its_own_word_search(short):
    """What re-matches script lines by sound (and speech outside the script) hears words with
    the match_words_* settings, which the script checks were calibrated with: the script-free
    word search's settings do not change it."""
    from lipsync.recognize import AcousticRecognizer

    stretches = [(start - 0.05, end + 0.05) for start, end in short.truth]

    def heard(**changed):
        found = AcousticRecognizer(RecognitionSettings(**changed))._hear(short.audio, stretches)
        return [(p.symbol, p.start, p.end) for stretch in stretches for p in found[stretch]]

    usual = heard()
    assert heard(words_language_weight=100.0, words_topn=1, words_phone_penalty=5.0, words_closure_prior=0.5) == usual
    assert heard(match_words_language_weight=100.0) != usual


def test_silence_gives_no_phones():
    audio = Audio(np.zeros(16000 * 3, np.float32), 16000, 16000, 1, 3.0, None)
    assert recognize(audio, None).phones == ()


# --- parallel determinism ----------------------------------------------------------------------


def test_long_recording_gives_identical_sheets_for_any_number_of_jobs(long):
    """One job, and two jobs with the file decoded in the background as the command line does
    (the workers are handed the chunks longest first and put back in order)."""
    from lipsync.audio import AudioLoading

    lines = long.lines()
    one = analyze(long.audio.path, lines, jobs=1)
    with AudioLoading(long.audio.path) as loading:
        two = analyze(loading, lines, jobs=2)
    assert one.warnings == two.warnings
    assert sheet_to_json(one.sheet) == sheet_to_json(two.sheet)
    assert len(one.sheet.tracks[0].words) > 100


def test_a_worker_scores_the_confidence_reference_as_this_process_would(long, monkeypatch):
    """With several jobs the phone-loop reference is scored in a worker beside the alignment:
    with a line that is not in the recording (so the lines' confidences depend on the
    reference) the sheet, confidences included, is the one this process gives with one job."""
    from lipsync.recognize import confidence

    measured = []
    scored = confidence.reference_score
    monkeypatch.setattr(confidence, "reference_score", lambda *args: measured.append(1) or scored(*args))
    lines = long.lines()
    lines[5] = Line("Seven purple elephants sang opera on the roof.", number=6)
    one = analyze(long.audio, lines, jobs=1)
    assert measured, "the lines' status should depend on the reference"
    two = analyze(long.audio, lines, jobs=2)
    assert one.warnings == two.warnings
    assert sheet_to_json(one.sheet) == sheet_to_json(two.sheet)


# --- alignment at several frame phases; silences inside running speech ------------------------

def _sentence_at(espeak_wav, audio_variant, text: str, lead: float, name: str) -> Audio:
    samples, rate = read_mono(espeak_wav(text))
    speech = trim(samples)
    signal = np.concatenate([np.zeros(int(round(lead * rate)), np.float32), speech, np.zeros(rate // 2, np.float32)])
    return load_audio(audio_variant(signal, name, source_rate=rate))


def test_passes_make_the_timing_independent_of_where_the_frames_fall(espeak_wav, audio_variant):
    """The same take 5 ms later (half a 10 ms analysis frame): with three passes its phones move
    by those 5 ms, give or take a frame; the phone sequence is the same. Moved onto the signal
    (the default), most boundaries land on the same point of the sound in both takes."""
    text = "Your father would be proud of what you have done today."
    early = _sentence_at(espeak_wav, audio_variant, text, 0.3, "phase-early.wav")
    late = _sentence_at(espeak_wav, audio_variant, text, 0.305, "phase-late.wav")
    aligned = RecognitionSettings(passes=3, refine_on_signal=False)
    first = recognize(early, [Line(text)], settings=aligned).phones
    second = recognize(late, [Line(text)], settings=aligned).phones
    assert [p.symbol for p in first] == [p.symbol for p in second]
    moved = [abs((b.start - a.start) - 0.005) for a, b in zip(first, second)]
    assert max(moved) <= 0.0151, max(moved)
    assert np.median(moved) <= 0.0051
    refined = RecognitionSettings(passes=3)
    first = recognize(early, [Line(text)], settings=refined).phones
    second = recognize(late, [Line(text)], settings=refined).phones
    snapped = [abs((b.start - a.start) - 0.005) for a, b in zip(first, second)]
    assert np.median(snapped) <= 0.001 and np.mean(snapped) < np.mean(moved)
    assert max(snapped) <= 0.0151 + 2 * refined.refine_reach_seconds


def test_passes_must_be_between_one_and_eight(short):
    from lipsync.errors import OptionError

    with pytest.raises(OptionError, match="passes must be 1 to 8"):
        analyze(short.audio, short.lines(), passes=0)


@pytest.mark.parametrize("name", ["topn", "words_topn"])
def test_gaussians_per_codebook_stay_within_the_model(name):
    """pocketsphinx's bundled model has 128 Gaussians per codebook: scoring more crashes the
    process, so a setting outside 1-128 is a user error with a hint instead."""
    from lipsync.errors import OptionError

    assert getattr(RecognitionSettings(**{name: 128}), name) == 128
    for wrong in (0, 129, 2.5):
        with pytest.raises(OptionError, match=f"{name} must be a whole number from 1 to 128"):
            RecognitionSettings(**{name: wrong})


def test_merged_alignment_takes_the_median_boundaries_of_the_agreeing_passes():
    from lipsync.recognize.consensus import merge_alignments
    from lipsync.recognize.model import AlignedWord

    def word(*phones):
        return AlignedWord(0, phones[0][1], phones[-1][2], tuple(phones))

    passes = [[word(("b", 0.10, 0.15), ("a", 0.15, 0.30))],
              [word(("p", 0.11, 0.14), ("a", 0.14, 0.50))],  # another pronunciation: outvoted
              [word(("b", 0.12, 0.17), ("a", 0.17, 0.32))],
              [word(("b", 0.11, 0.16), ("a", 0.16, 0.31))]]
    (merged,) = merge_alignments(passes)
    assert merged.phones == (("b", 0.11, 0.16), ("a", 0.16, 0.31))
    assert (merged.start, merged.end) == (0.11, 0.31)


def test_a_silence_the_aligner_puts_in_running_speech_is_found():
    """Loud audio between two aligned words is a silence the model preferred to the phones; a
    real pause (quiet audio) between them is not."""
    from lipsync.recognize.model import AlignedWord
    from lipsync.recognize.sphinx import _pause_in_speech

    rate = 16000
    tone = (0.3 * np.sin(2 * np.pi * 150 * np.arange(rate) / rate)).astype(np.float32)
    running = tone.copy()
    paused = tone.copy()
    paused[int(0.45 * rate):int(0.65 * rate)] = 0.0
    words = (AlignedWord(0, 0.05, 0.45, ()), AlignedWord(1, 0.65, 0.95, ()))
    assert _pause_in_speech(running, words)
    assert not _pause_in_speech(paused, words)
    assert not _pause_in_speech(running, (AlignedWord(0, 0.05, 0.50, ()), AlignedWord(1, 0.56, 0.95, ())))


def test_passes_without_a_script_are_named_in_a_warning(short):
    result = analyze(short.audio, None, passes=3)
    assert any("passes apply to aligning a script" in warning for warning in result.warnings)


def test_boundaries_are_corrected_for_the_aligners_bias_then_moved_onto_the_signal(short):
    from lipsync.recognize.edges import end_phones_where_sound_fades, words_over_their_phones
    from lipsync.recognize.refine import balance_laterals, correct_bias, shipped_bias
    from lipsync.recognize.spectral import refine_on_signal

    lines = short.lines()
    raw = recognize(short.audio, lines, settings=RecognitionSettings(correct_bias=False, refine_on_signal=False,
                                                                     fade_ends=False, lateral_ratio=0.0))
    corrected = recognize(short.audio, lines, settings=RecognitionSettings(refine_on_signal=False, fade_ends=False,
                                                                           lateral_ratio=0.0))
    balanced = recognize(short.audio, lines, settings=RecognitionSettings(refine_on_signal=False, fade_ends=False))
    refined = recognize(short.audio, lines, settings=RecognitionSettings(fade_ends=False))
    faded = recognize(short.audio, lines)
    bias, default = shipped_bias()
    assert corrected.phones == correct_bias(raw.phones, bias, default=default)
    assert balanced.phones == balance_laterals(corrected.phones)
    assert refined.phones == refine_on_signal(balanced.phones, short.audio)
    assert faded.phones == end_phones_where_sound_fades(refined.phones, short.audio)
    assert raw.phones != corrected.phones != refined.phones
    assert [p.symbol for p in faded.phones] == [p.symbol for p in corrected.phones] == [p.symbol for p in raw.phones]
    # each word spans its phones wherever they were moved (a final stop held into a pause too)
    assert corrected.words == words_over_their_phones(raw.words, corrected.phones) != raw.words
    assert faded.words == words_over_their_phones(raw.words, faded.phones)
    # what the script's lines became (and the warnings) do not depend on where boundaries lie
    assert faded.lines == raw.lines and faded.warnings == raw.warnings
    # the signal moves boundaries by its reach at most
    reach = RecognitionSettings().refine_reach_seconds
    assert max(abs(a.start - b.start) for a, b in zip(refined.phones, balanced.phones)) <= reach + 1e-9


def test_quiet_speech_over_room_noise_is_not_rested_through(short):
    """A quiet speaker (speech at -45 dBFS) over room noise 20 dB under the speech: the mouth
    talks through every phrase (rest on at most a fifth of its frames), with the script and
    without."""
    from dataclasses import replace

    level_db = -45.0
    samples = short.audio.samples.astype(np.float64)
    loud = samples[np.abs(samples) > 0.01]
    scale = 10 ** (level_db / 20) / np.sqrt(np.mean(loud ** 2))
    noise = np.random.default_rng(5).standard_normal(len(samples)) * 10 ** ((level_db - 20) / 20)
    quiet = replace(short.audio, samples=(samples * scale + noise).astype(np.float32))
    for lines in (short.lines(), None):
        sheet = analyze(quiet, lines).sheet
        resting = [frame for cue in sheet.tracks[0].cues if cue.shape == "X"
                   for frame in range(cue.frame, cue.frame + cue.length)]
        for start, end in short.truth:
            frames = range(sheet.rate.frame_at(start), sheet.rate.frame_at(end))
            rested = sum(1 for frame in resting if frame in frames)
            assert rested <= 0.2 * len(frames), (lines is None, start, end, rested, len(frames))


def test_searches_on_the_shared_decoder_keep_their_own_settings(short):
    """One decoder per process serves every alignment and the phone loop: each search gives
    what a decoder made for its settings alone gives, whatever ran on the shared one before."""
    import os

    from pocketsphinx import Decoder

    from lipsync.recognize import sphinx
    from lipsync.recognize.align import prepare_words

    start, end = short.truth[2]
    samples = short.audio.samples[int((start - 0.2) * 16000):int((end + 0.2) * 16000)]
    words = [word.word for word in prepare_words([Line(SHORT_PHRASES[2])])]
    pcm = sphinx.to_pcm(samples)

    def alone(**settings) -> list[tuple[str, int, int]]:
        decoder = Decoder(lm=None, bestpath=False, loglevel="FATAL", **settings)
        for word in words:
            if word.arpabet is not None:
                decoder.add_word(word.key, " ".join(p for group in word.arpabet for p in group), True)
        decoder.set_align_text(" ".join(word.key for word in words))
        sphinx._decode(decoder, pcm)
        decoder.set_alignment()
        sphinx._decode(decoder, pcm)
        return [(phone.name, phone.start, phone.duration) for phone in decoder.get_alignment().phones()]

    def shared(search: sphinx.Aligner) -> list[tuple[str, int, int]]:
        assert sphinx._align_with(search, samples, words) is not None
        decoder = sphinx.shared_decoder(search.topn)
        return [(phone.name, phone.start, phone.duration) for phone in decoder.get_alignment().phones()]

    loop = Decoder(allphone=os.path.join(sphinx._model_dir(), "en-us-phone.lm.bin"), lm=None, bestpath=False,
                   beam=1e-30, pbeam=1e-30, lw=2.0, pip=0.5, loglevel="FATAL")
    sphinx._decode(loop, pcm)
    loop_alone = [(segment.word, segment.start_frame, segment.end_frame) for segment in loop.seg()]

    wide = sphinx.aligner(1e-200)
    first = shared(wide)
    assert first == alone(beam=1e-200, wbeam=1e-200, pbeam=1e-200)
    assert shared(sphinx.aligner(1e-100, 0.3)) == alone(beam=1e-100, wbeam=1e-100, pbeam=1e-100, silprob=0.3)
    assert shared(sphinx.fillerless_aligner(1e-200)) == alone(beam=1e-200, wbeam=1e-200, pbeam=1e-200,
                                                              fsgusefiller=False)
    sphinx.recognize_phones(samples)
    decoder = sphinx.phone_recognizer()
    assert [(segment.word, segment.start_frame, segment.end_frame) for segment in decoder.seg()] == loop_alone
    assert shared(wide) == first


def test_a_cheaper_word_pass_hands_its_words_to_a_full_state_pass(short):
    """``word_pass_downsampling``: the words and pauses are placed on a decoder that chooses its
    Gaussians every other frame, the phones inside them on the full one. The same phones, nearly
    all boundaries within two frames of the full alignment's (in one phrase of four one boundary
    is 90 ms off: the cheaper pass costs accuracy, docs/speed.md), and an alignment repeated
    after others gives the same phones and scores (the state pass's decoder starts afresh each
    time)."""
    from dataclasses import replace

    from lipsync.recognize import sphinx
    from lipsync.recognize.align import prepare_words

    def piece(index: int) -> tuple[np.ndarray, list]:
        start, end = short.truth[index]
        samples = short.audio.samples[int((start - 0.2) * 16000):int((end + 0.2) * 16000)]
        return samples, [word.word for word in prepare_words([Line(SHORT_PHRASES[index])])]

    cheaper = replace(sphinx.aligner(1e-200), word_downsampling=2)
    assert sphinx.shared_decoder(4, 2) is not sphinx.shared_decoder(4, 1)
    first = [sphinx._align_with(cheaper, *piece(index)) for index in range(len(SHORT_PHRASES))]
    moved = []
    for index, located in enumerate(first):
        full = sphinx._align_with(sphinx.aligner(1e-200), *piece(index))
        assert located is not None and full is not None
        for word, exact in zip(located, full):
            assert [symbol for symbol, _, _ in word.phones] == [symbol for symbol, _, _ in exact.phones]
            moved += [abs(a - b) for phone, other in zip(word.phones, exact.phones) for a, b in zip(phone[1:], other[1:])]
    assert np.mean(np.array(moved) <= 0.02 + 1e-9) >= 0.95 and max(moved) <= 0.1 + 1e-9
    assert sphinx._align_with(cheaper, *piece(2)) == first[2]
