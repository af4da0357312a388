"""Results a user can trust (espeak-ng speech): a script that does not belong to the recording
is an error, every script line ends in a stated state with a confidence, a partly matching
script is aligned where it matches and the rest is named, bad input gets a one-line message."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import concat_speech, read_mono, trim
from lipsync.audio import Audio, load_audio
from lipsync.cli import main
from lipsync.dialogue import Line
from lipsync.errors import AudioError, ScriptError, ScriptMismatchError
from lipsync.pipeline import analyze
from lipsync.recognize import AcousticRecognizer, RecognitionSettings
from lipsync.sheet import Phone, sheet_from_json, sheet_to_json
from test_recognize import Recording, build, seconds

DATA = Path(__file__).resolve().parent.parent / "lipsync" / "data"

PHRASES = [
    "The weather is lovely today.",
    "My brother bought a big blue balloon.",
    "Please open the window now.",
]
OTHER = "I would like to order a large pizza with extra cheese."


@pytest.fixture(scope="module")
def take(espeak_wav, audio_variant) -> Recording:
    """About 8 s: three lines with 0.7 s pauses."""
    return build(espeak_wav, audio_variant, PHRASES, 0.7, "trust.wav")


@pytest.fixture(scope="module")
def exact(take):
    return analyze(take.audio, take.lines())


def lines_of(*texts: str) -> list[Line]:
    return [Line(text, number=index + 1) for index, text in enumerate(texts)]


def test_the_exact_script_aligns_every_line_confidently_without_warnings(exact):
    assert exact.warnings == ()
    script = exact.sheet.script
    assert [line.status for line in script] == ["aligned"] * 3
    assert all(line.confidence > 0.5 for line in script)
    assert all(line.missing == () for line in script)
    words = exact.sheet.tracks[0].words
    assert len(words) == sum(len(text.split()) for text in PHRASES)
    assert all(0.0 <= word.confidence <= 1.0 for word in words)
    assert exact.summary == "3 lines aligned, 0 uncertain, 0 not found"


def test_line_outcomes_survive_the_sheet_json(exact):
    data = json.loads(sheet_to_json(exact.sheet))
    assert [line["status"] for line in data["script"]] == ["aligned"] * 3
    assert data["script"][1]["line"] == 2 and data["script"][1]["start"] < data["script"][1]["end"]
    assert all("confidence" in word for word in data["tracks"][0]["words"])
    text = sheet_to_json(exact.sheet)
    assert sheet_to_json(sheet_from_json(text)) == text  # lossless


def test_a_script_for_another_recording_is_an_error(take):
    with pytest.raises(ScriptMismatchError) as caught:
        analyze(take.audio, lines_of(OTHER))
    assert "1 of 1 script lines do not match the recording" in caught.value.message
    assert "0 of 11 words matched" in caught.value.message
    assert "--allow-mismatch" in caught.value.hint


def test_allow_mismatch_names_the_lines_and_recognizes_the_speech(take):
    result = analyze(take.audio, lines_of(OTHER), allow_mismatch=True)
    assert any("do not match the recording" in warning for warning in result.warnings)
    (line,) = result.sheet.script
    assert line.status == "not found" and line.start is not None and line.end > line.start
    assert line.missing == tuple(OTHER.rstrip(".").split())
    track = result.sheet.tracks[0]
    assert track.words == () and len(track.phones) > 20  # the speech is still animated


def test_allow_mismatch_names_every_line_of_a_wrong_script_with_its_time(take):
    # these three lines fail as one group: each of them is named, not only the first
    script = lines_of("Nobody knows where the old captain buried his treasure.",
                      "Please close the window before you leave.", OTHER)
    result = analyze(take.audio, script, allow_mismatch=True)
    assert [line.status for line in result.sheet.script] == ["not found"] * 3
    for number in (1, 2, 3):
        named = [warning for warning in result.warnings if warning.startswith(f"line {number} ")]
        assert named and re.search(r"\d+:\d\d\.\d", named[0]), result.warnings


def test_a_partly_matching_script_aligns_what_matches_and_names_the_rest(take):
    result = analyze(take.audio, lines_of(PHRASES[0], OTHER, PHRASES[2]))
    states = [line.status for line in result.sheet.script]
    assert states[0] == states[2] == "aligned" and states[1] in ("not found", "uncertain")
    named = [warning for warning in result.warnings if warning.startswith("line 2 ")]
    assert named and re.search(r"\d+:\d\d\.\d", named[0]), result.warnings
    assert {word.line for word in result.sheet.tracks[0].words} >= {0, 2}
    if states[1] == "not found":
        assert result.sheet.script[1].missing == tuple(OTHER.rstrip(".").split())
    assert result.summary.startswith("2 lines aligned")


@pytest.mark.parametrize("middle", [None, "Nobody knows where the old captain buried his treasure."])
def test_a_line_said_in_several_breaths_after_a_left_out_line_keeps_its_first_breath(middle):
    # the bundled sample's line 2 left out of the script, or replaced: line 3 starts with a breath of
    # its own ("Of course."), which the plan by sound leaves out; joined again, line 3 aligns
    from lipsync.audio import load_audio

    texts = (DATA / "sample.txt").read_text(encoding="utf-8").splitlines()
    script = lines_of(texts[0], middle, texts[2]) if middle else lines_of(texts[0], texts[2])
    result = analyze(load_audio(DATA / "sample.flac"), script, jobs=1)
    states = [line.status for line in result.sheet.script]
    assert states == (["aligned", "not found", "aligned"] if middle else ["aligned", "aligned"]), result.warnings
    last = result.sheet.script[-1]
    assert 10.9 < last.start < 11.3, last  # "Of course." at 0:11.1
    assert any(warning.startswith("speech at 0:06.3") for warning in result.warnings), result.warnings


def test_a_two_word_script_on_a_longer_take_is_refused_saying_what_matched_and_where(take):
    with pytest.raises(ScriptMismatchError) as caught:
        analyze(take.audio, lines_of("The weather"))
    message = caught.value.message
    matched = re.search(r"matched only (\d+\.\d) s of the recording's (\d+\.\d) s of speech "
                        r"\(line 1 at (\d+:\d\d\.\d)-(\d+:\d\d\.\d)\)", message)
    assert matched, message
    assert float(matched.group(1)) < float(matched.group(2)) / 3
    start, end = take.truth[0]
    assert abs(seconds(matched.group(3)) - start) < 0.3 and seconds(matched.group(4)) < end + 0.3
    assert "--allow-mismatch" in caught.value.hint
    # with --allow-mismatch: a warning, the two words aligned, the rest recognized and named
    result = analyze(take.audio, lines_of("The weather"), allow_mismatch=True)
    assert any("matched only" in warning for warning in result.warnings)
    assert sum("is not in the script" in warning for warning in result.warnings) >= 2
    assert [word.text for word in result.sheet.tracks[0].words] == ["The", "weather"]


def test_a_one_word_script_is_refused_as_too_short_for_the_speech():
    # "Hello" is the sample's first word: refused, found or not, as far shorter than the speech
    from lipsync.audio import load_audio

    with pytest.raises(ScriptMismatchError) as caught:
        analyze(load_audio(DATA / "sample.flac"), lines_of("Hello"), jobs=1)
    # not matched: "its 1 word would take about 0.3 s of ..."; matched: "the script matched only ... s of ..."
    assert "of the recording's 12.4 s of speech" in caught.value.message, caught.value.message
    assert caught.value.hint.startswith("pass the script of the whole recording")


def test_most_of_the_script_is_not_refused_for_the_speech_it_leaves_out(take):
    result = analyze(take.audio, lines_of(PHRASES[0], PHRASES[2]))
    assert [line.status for line in result.sheet.script] == ["aligned", "aligned"]
    assert not any("matched only" in warning for warning in result.warnings)
    assert any("is not in the script" in warning for warning in result.warnings)


def test_one_characters_line_of_a_mixed_take_is_not_refused_with_speaker(take):
    script = [Line(PHRASES[0], "ANNA", number=1), Line(PHRASES[1], "BOB", number=2),
              Line(PHRASES[2], "BOB", number=3)]
    result = analyze(take.audio, script, speaker="ANNA")
    assert [line.status for line in result.sheet.script] == ["aligned"]
    assert not any("matched only" in warning for warning in result.warnings)


# --- one character of a mixed take (--speaker) --------------------------------------------------

DIALOGUE = [("BOB", "Good morning, captain."), ("ANNA", "Did you check the engines?"),
            ("BOB", "Yes, the crew loaded the supplies."), ("ANNA", "Then we leave at noon."),
            ("BOB", "I will tell the others.")]
VOICES = {"BOB": "en-us", "ANNA": "en-us+f3"}
AD_LIB = ("ANNA", "Oh, and bring my green umbrella.")


def two_voices(espeak_wav, audio_variant, said: list[tuple[str, str]], name: str) -> Recording:
    """BOB and ANNA in two espeak-ng voices, their lines ``said`` in turn with 0.6 s pauses."""
    pieces, rate = [], 0
    for speaker, text in said:
        samples, rate = read_mono(espeak_wav(text, VOICES[speaker]))
        pieces.append(trim(samples))
    signal, truth = concat_speech(pieces, 0.6, rate)
    pad = np.zeros(int(0.5 * rate), np.float32)
    path = audio_variant(np.concatenate([pad, signal, pad]), name, source_rate=rate)
    return Recording(load_audio(path), [text for _, text in said], [(a + 0.5, b + 0.5) for a, b in truth])


@pytest.fixture(scope="module")
def mixed(espeak_wav, audio_variant) -> Recording:
    return two_voices(espeak_wav, audio_variant, DIALOGUE, "mixed.wav")


def script_of(recording: Recording | None = None) -> list[Line]:
    """The dialogue's script, timed by ``recording``'s truth when given (a subtitle's loose times)."""
    times = [(a - 0.2, b + 0.4) for a, b in recording.truth] if recording else [(None, None)] * len(DIALOGUE)
    return [Line(text, speaker, start, end, number=index + 1)
            for index, ((speaker, text), (start, end)) in enumerate(zip(DIALOGUE, times))]


def not_left_out(warnings) -> list[str]:
    return [warning for warning in warnings if "were left out" not in warning]


def test_with_speaker_the_other_characters_lines_are_no_unscripted_speech(mixed):
    # each of BOB's lines was "speech at ... is not in the script", and its phones "on no track"
    result = analyze(mixed.audio, script_of(mixed), speaker="ANNA")
    assert not_left_out(result.warnings) == []
    assert [line.status for line in result.sheet.script] == ["aligned", "aligned"]
    assert all(mixed.truth[1][0] - 0.1 <= phone.start for phone in result.sheet.tracks[0].phones)


def test_with_speaker_a_phrase_the_character_adds_is_still_unscripted(espeak_wav, audio_variant):
    said = DIALOGUE[:3] + [AD_LIB] + DIALOGUE[3:]
    recording = two_voices(espeak_wav, audio_variant, said, "mixed-ad-lib.wav")
    result = analyze(recording.audio, script_of(), speaker="ANNA")
    start, end = recording.truth[3]
    spans = [(seconds(a), seconds(b)) for a, b in
             re.findall(r"speech at (\d+:\d+\.\d)-(\d+:\d+\.\d) is not in the script", " ".join(result.warnings))]
    assert len(spans) == 1 and abs(spans[0][0] - start) < 0.2 and abs(spans[0][1] - end) < 0.3, result.warnings
    assert [line.status for line in result.sheet.script] == ["aligned", "aligned"]


def test_cli_refuses_a_wrong_script_in_one_line_and_writes_nothing(take, tmp_path):
    script = tmp_path / "other.txt"
    script.write_text(OTHER + "\n", encoding="utf-8")
    out = tmp_path / "out.json"
    result = CliRunner().invoke(main, ["analyze", take.audio.path, "-s", str(script), "-o", str(out), "-q"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: 1 of 1 script lines do not match")
    assert not out.exists() and not list(tmp_path.glob("out*"))
    allowed = CliRunner().invoke(main, ["analyze", take.audio.path, "-s", str(script), "-o", str(out),
                                        "--allow-mismatch"])
    assert allowed.exit_code == 0 and out.exists()
    assert "0 lines aligned, 0 uncertain, 1 not found" in allowed.output


def test_cli_ends_with_the_line_summary(take, tmp_path):
    script = tmp_path / "take.txt"
    script.write_text("\n".join(PHRASES) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["analyze", take.audio.path, "-s", str(script), "-o", str(tmp_path / "t.json")])
    assert result.exit_code == 0
    assert result.output.strip().splitlines()[-1] == "3 lines aligned, 0 uncertain, 0 not found"


def test_a_script_of_only_stage_directions_is_an_error(take):
    with pytest.raises(ScriptError) as caught:
        analyze(take.audio, lines_of("[door slams]", "(music)"))
    assert "no words to speak" in caught.value.message


def test_a_recognizer_written_to_the_seam_before_others_was_added_still_works():
    from lipsync.recognize import Recognition

    class Fixed:  # the Recognizer seam as it was: no others= argument
        def recognize(self, audio, lines=None, *, language="en-us", on_progress=None):
            return Recognition((Phone(0.5, 0.7, "m"), Phone(0.7, 1.2, "ɑ")), ())

    speech = Audio(np.full(16000 * 2, 0.1, np.float32), 16000, 16000, 1, 2.0, None)
    result = analyze(speech, lines_of("Ma."), recognizer=Fixed())
    assert [cue.shape for cue in result.sheet.tracks[0].cues][:3] == ["X", "A", "D"]


def test_silence_with_a_script_is_an_error_about_the_recording():
    silence = Audio(np.zeros(16000 * 2, np.float32), 16000, 16000, 1, 2.0, None)
    with pytest.raises(AudioError) as caught:
        analyze(silence, lines_of("Hello there."))
    assert "is silent" in caught.value.message and "no speech to align the script to" in caught.value.message


def test_batch_fails_the_job_of_a_wrong_script_reports_line_counts_and_fails_on_request(take, tmp_path):
    from test_batch import report_of, run_cli

    for name, text in (("right", "\n".join(PHRASES)), ("wrong", OTHER), ("partly", "\n".join([PHRASES[0], OTHER, PHRASES[2]]))):
        (tmp_path / f"{name}.wav").write_bytes(open(take.audio.path, "rb").read())
        (tmp_path / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
    manifest = tmp_path / "jobs.csv"
    manifest.write_text("audio,script\nright.wav,right.txt\nwrong.wav,wrong.txt\npartly.wav,partly.txt\n", encoding="utf-8")
    out = tmp_path / "out"
    code, stdout, _ = run_cli("batch", str(manifest), "-o", str(out), "-j", "1", "--progress", "none")
    assert code == 1
    jobs = {job["id"]: job for job in report_of(out)["jobs"]}
    assert jobs["right"]["status"] == "done" and jobs["right"]["lines"] == {"aligned": 3, "uncertain": 0, "not found": 0}
    assert jobs["wrong"]["status"] == "failed" and "do not match the recording" in jobs["wrong"]["error"]
    assert jobs["partly"]["status"] == "done" and jobs["partly"]["lines"]["aligned"] == 2
    assert "3 ok" in stdout and not (out / "wrong.json").exists()
    # --fail-on missing fails the partly matching job (its outputs are still written); the rest goes on
    strict = tmp_path / "strict"
    code, _, _ = run_cli("batch", str(manifest), "-o", str(strict), "-j", "1", "--progress", "none",
                         "--fail-on", "missing", "--fail-on", "uncertain")
    jobs = {job["id"]: job for job in report_of(strict)["jobs"]}
    assert code == 1 and jobs["right"]["status"] == "done"
    assert jobs["partly"]["status"] == "failed" and "(--fail-on uncertain)" in jobs["partly"]["error"]
    assert (strict / "partly.json").exists()
    # --allow-mismatch: the wrong script's job is done, its line not found
    lenient = tmp_path / "lenient"
    code, _, _ = run_cli("batch", str(manifest), "-o", str(lenient), "-j", "1", "--progress", "none", "--allow-mismatch")
    jobs = {job["id"]: job for job in report_of(lenient)["jobs"]}
    assert code == 0 and jobs["wrong"]["lines"] == {"aligned": 0, "uncertain": 0, "not found": 1}


@pytest.mark.parametrize("text, expected", [
    ("¿Dónde están las llaves?", "es"), ("Der Hund schläft.", "de"), ("Bom dia, como você está hoje?", "pt"),
    ("Buongiorno, come stai oggi?", "it"), ("Please open the window now.", "en-us"),
])
def test_auto_tells_the_language_of_a_short_script(text, expected):
    from lipsync.languages import detect_language

    assert detect_language([text]) == expected


def test_auto_names_its_best_guesses_when_it_cannot_tell():
    from lipsync.languages import detect_language

    with pytest.raises(ScriptError) as caught:
        detect_language(["Hola"])
    assert "Spanish (es)" in caught.value.message and "--language es" in caught.value.hint


def test_a_spanish_script_on_english_audio_is_refused_with_either_language(take):
    spanish = lines_of("Mañana vamos a la playa con mis primos.", "El perro duerme en el sofá todo el día.")
    with pytest.raises(ScriptError) as default:
        analyze(take.audio, spanish)
    assert "Spanish" in default.value.message  # the letters give it away
    with pytest.raises(ScriptMismatchError):
        analyze(take.audio, spanish, language="es")  # the alignment's confidence does


def test_an_english_script_with_a_french_language_is_refused_by_espeak_pronunciations(take):
    # no frequent English word for the letters to go by; espeak-ng's French dictionary knows
    # these words as English
    english = lines_of("Good morning everybody.", "Happy birthday, dear friend!")
    with pytest.raises(ScriptError) as caught:
        analyze(take.audio, english, language="fr-fr")
    assert "as English, not French" in caught.value.message and "--language en" in caught.value.hint
    assert not isinstance(caught.value, ScriptMismatchError)  # refused before any alignment


def test_french_dialogue_with_english_loanwords_aligns(espeak_wav, audio_variant):
    # espeak-ng pronounces 4 of its 6 words as English; the letters and common words say French
    french = ["Le week-end, shopping au parking!"]
    recording = build(lambda text: espeak_wav(text, "fr-fr"), audio_variant, french, 0.7, "loanwords.wav")
    result = analyze(recording.audio, recording.lines(), language="fr-fr")
    assert [line.status for line in result.sheet.script] == ["aligned"]
    assert result.warnings == ()


EPISODE = ["Our teacher borrowed my favourite book by the river!",
           "My little brother carried a bag of apples near the bridge!",
           "The mayor wanted the broken bicycle without a word.",
           "The brave pilot wanted a bag of apples without a word?",
           "The old captain opened the wooden boat by the river."]


@pytest.fixture(scope="module")
def robot(espeak_wav, audio_variant) -> Recording:
    """A voice the acoustic model fits poorly (espeak-ng's en-us+m3): its right lines score as
    low per frame as a wrong script on real speech does."""
    return build(lambda text: espeak_wav(text, "en-us+m3"), audio_variant, EPISODE, 0.7, "robot.wav")


def test_a_voice_the_model_fits_poorly_passes_its_right_script_without_warnings(robot):
    # its phones last as long as spoken phones do; a wrong script's are squeezed and stretched
    result = analyze(robot.audio, robot.lines())
    assert result.warnings == ()
    assert [line.status for line in result.sheet.script] == ["aligned"] * 5


def test_a_wrong_script_on_that_voice_is_still_refused(robot):
    with pytest.raises(ScriptMismatchError):
        analyze(robot.audio, lines_of(*PHRASES, OTHER))


DOCTOR = "Doctor Smith lives at Baker Street."


@pytest.mark.parametrize("lead_in", [0.0, 0.5, 0.6])
def test_a_right_script_gets_the_same_verdict_whatever_silence_leads_the_take(espeak_wav, audio_variant, lead_in):
    # espeak-ng's stop closures are digital silence; a frame of exact zeros has no spectrum and
    # the alignment turned on which frames were zero: with 0.5 or 0.6 s of silence before it
    # (not 0 or 0.4) "Doctor" went 0.22 s late and the right script was refused
    take = audio_variant(espeak_wav(DOCTOR, "en", 175), f"doctor-{lead_in}.wav", pad_before=lead_in)
    result = analyze(take, lines_of(DOCTOR))
    assert [line.status for line in result.sheet.script] == ["aligned"]
    assert abs(result.sheet.tracks[0].words[0].start - lead_in) < 0.05


def test_a_right_line_after_another_is_not_refused(espeak_wav):
    # the same sentence as the second line of a take was refused even without silence before it
    result = analyze(espeak_wav(f"Hello there. {DOCTOR}", "en", 175), lines_of("Hello there.", DOCTOR))
    assert [line.status for line in result.sheet.script] == ["aligned", "aligned"]


@pytest.mark.parametrize("rate", [8000, 11025])
def test_a_right_script_is_not_refused_at_a_low_sample_rate(espeak_wav, audio_variant, rate):
    # upsampled from 8 or 11 kHz, the model's filters above 4 or 5.5 kHz hear nothing, and in
    # the closures no filter hears anything: its first line was refused as another recording's
    text = "Hello there. My name is Peter and I like big blue boats."
    take = audio_variant(espeak_wav(text, "en", 175), f"peter-{rate}.wav", rate=rate)
    result = analyze(take, lines_of("Hello there.", "My name is Peter and I like big blue boats."))
    assert [line.status for line in result.sheet.script] == ["aligned", "aligned"]


def test_a_wrong_script_is_refused_at_8_khz(espeak_wav, audio_variant):
    # band-limited, a wrong line's fit falls with a right one's: whatever is done for right
    # lines at 8 kHz (docs/accuracy.md, digital silence), a wrong script must stay refused
    take = audio_variant(espeak_wav(f"Hello there. {DOCTOR}", "en", 175), "doctor-8000.wav", rate=8000)
    with pytest.raises(ScriptMismatchError):
        analyze(take, lines_of("I would like to order a large pizza.", "The weather is lovely today."))


@pytest.mark.xfail(strict=True, reason="at 8 kHz the aligner loses this take's second line (\"Smith\" 0.6 s after "
                   "\"Doctor\"): refused at any confidence gap up to 70 (docs/accuracy.md)")
def test_a_right_script_at_8_khz_is_not_refused(espeak_wav, audio_variant):
    # the two-line take of the digital-silence audit, upsampled from 8 kHz: its second line's
    # s, th and z lose what the model knows them by, and the script is refused; no gap fitted
    # on benchmarks/trust.py --band telephone separates right lines from wrong ones better than
    # the shipped one, and none passes this take
    take = audio_variant(espeak_wav(f"Hello there. {DOCTOR}", "en", 175), "doctor-8000.wav", rate=8000)
    result = analyze(take, lines_of("Hello there.", DOCTOR))
    assert [line.status for line in result.sheet.script] == ["aligned", "aligned"]


@pytest.mark.parametrize("voice, text", [("pt-br+m3", "Bom dia, meu menino"),
                                         ("de+f4", "Dein Bruder baut ein großes Boot"),
                                         ("ja+m3", "らいしゅう また あいましょう")])
def test_a_right_line_in_another_language_is_not_refused_for_its_short_phones(espeak_wav, audio_variant, voice, text):
    # mapped onto the English model's phones, up to half of a right line's phones are held for
    # the aligner's minimum, as a wrong English line's are: other languages are rated on their fit
    recording = build(lambda line: espeak_wav(line, voice), audio_variant, [text], 0.5, f"{voice}.wav")
    language = voice.split("+")[0]
    recognizer = AcousticRecognizer(RecognitionSettings(passes=3))
    result = analyze(recording.audio, recording.lines(), language=language, recognizer=recognizer)
    assert [line.status for line in result.sheet.script] == ["aligned"]


def test_each_aligned_groups_lines_are_rated_once(take, monkeypatch):
    # a group's lines are rated when checked for lost lines and again for the sheet: the
    # second time they come from the first, unless the reference was measured in between
    from lipsync.recognize import confidence

    scored = []
    line_score = confidence.line_score
    monkeypatch.setattr(confidence, "line_score", lambda *args: scored.append(1) or line_score(*args))
    result = analyze(take.audio, take.lines())
    assert len(scored) == len(PHRASES)
    assert sheet_to_json(result.sheet) == sheet_to_json(analyze(take.audio, take.lines()).sheet)


def test_the_phone_loop_reference_is_scored_on_three_seconds_of_speech(take, monkeypatch):
    # the loop is the reference's whole cost (about 0.03 CPU s per second scored): a script
    # whose lines depend on it has it scored once, on 3 s of the take's 5 s of speech, in
    # 1 s pieces spread over it
    from lipsync.recognize import sphinx

    scored = []
    loop_score = sphinx.phone_loop_score
    monkeypatch.setattr(sphinx, "phone_loop_score", lambda samples: scored.append(len(samples)) or loop_score(samples))
    result = analyze(take.audio, lines_of(PHRASES[0], OTHER, PHRASES[2]), allow_mismatch=True)
    assert [line.status for line in result.sheet.script][::2] == ["aligned", "aligned"]
    assert len(scored) == 1 and 2.9 <= scored[0] / 16000 <= 3.0, [n / 16000 for n in scored]
