"""Adapt before recording: candidate dub lines timed and scored from their text alone."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from lipsync.dialogue import Line
from lipsync.errors import OptionError, ScriptError
from lipsync.espeak import synthesize
from lipsync.fit import FitError
from lipsync.fit.adapt import (AdaptSettings, adapt_line, natural_phones, spoken_words, syllable_count,
                               time_candidate, time_script)
from lipsync.fit.timeline import MouthTimeline, sheet_timelines, speech_extent
from lipsync.pipeline import mouth_cues
from lipsync.presets import load_preset
from lipsync.sheet import Sheet, SheetLine, Track
from lipsync.timing import FrameRate

RATE = FrameRate(24)


def picture_sheet(texts: list[str], language: str = "en-us", gap: float = 1.0, speed: int = 150) -> Sheet:
    """A sheet whose track says ``texts`` one after another, animated from espeak-ng's own
    timing (speed ``speed``) with anime-3 on ones, one dialogue line per text."""
    preset = load_preset("anime-3").with_timing(step=1)
    phones, lines, at = [], [], 0.5
    for text in texts:
        spoken = [p for p in natural_phones(text, language, speed)]
        shifted = [type(p)(p.start + at, p.end + at, p.symbol, p.word) for p in spoken]
        phones += shifted
        first, last = RATE.frame_at(shifted[0].start), RATE.frames_in(shifted[-1].end)
        lines.append(SheetLine(first, last - first, text))
        at = shifted[-1].end + gap
    frames = RATE.frames_in(at + 0.5)
    cues = mouth_cues(phones, preset, RATE, frames)
    return Sheet(RATE, frames, (Track("A", cues, tuple(lines), (), tuple(phones)),), preset.shape_set)


def picture(texts: list[str], language: str = "en-us") -> MouthTimeline:
    return sheet_timelines(picture_sheet(texts, language))[0]


# --- espeak-ng's own timing ----------------------------------------------------------------------


def test_synthesis_gives_ipa_phones_and_words_in_order():
    spoken = synthesize("Bonjour mon ami.", "fr-fr", audio=False)
    assert [w.text for w in spoken.words] == ["Bonjour", "mon", "ami"]
    assert [p.symbol for p in spoken.phones][:2] == ["b", "ɔ̃"]
    starts = [p.start for p in spoken.phones]
    assert starts == sorted(starts) and all(p.end > p.start for p in spoken.phones)
    assert spoken.samples.size == 0
    with_audio = synthesize("Bonjour mon ami.", "fr-fr")
    assert with_audio.phones == spoken.phones and len(with_audio.samples) / with_audio.rate == pytest.approx(
        with_audio.duration, abs=0.01)


def test_a_stop_starts_with_its_silent_closure_not_at_its_burst():
    # espeak-ng reports a stop at its release and counts the silence before it in the phone
    # before: "captain" would start 50 ms late and its p's lips would shut 40 ms late
    spoken = synthesize("the old captain", "en-us")
    rate, samples = spoken.rate, spoken.samples
    for index, phone in enumerate(spoken.phones[1:], 1):
        if phone.symbol in ("k", "p"):
            closure = samples[round(phone.start * rate):round((phone.start + 0.035) * rate)]
            assert not closure.any() and samples[round(phone.start * rate) - 1] != 0, phone
            assert spoken.phones[index - 1].end == phone.start
    captain = next(word for word in spoken.words if word.text == "captain")
    assert captain.start == next(p.start for p in spoken.phones if p.symbol == "k")
    assert spoken.phones == synthesize("the old captain", "en-us", audio=False).phones


def test_slower_speech_takes_longer():
    fast = synthesize("I never thought we would find it", "en-us", 200, audio=False)
    slow = synthesize("I never thought we would find it", "en-us", 120, audio=False)
    assert slow.phones[-1].end > 1.4 * fast.phones[-1].end


def test_japanese_kanji_are_spoken_and_counted_in_morae():
    spoken, spans = spoken_words("学校へ行きます", "ja")
    assert [word for word, _, _ in spans] == ["学校", "へ", "行き", "ます"]
    assert all(spoken[start:end] for _, start, end in spans)
    phones = natural_phones("学校へ行きます", "ja")
    # the real phones (the anime presets' animation regroups them into morae, as for analysis)
    assert {"ɡ", "k", "m", "s"} <= {p.symbol for p in phones}
    # ga Q ko o e i ki ma su: 9 morae, of which the sokuon is not a syllable
    assert syllable_count(phones) == 8
    assert {p.word for p in phones} == {"学校", "へ", "行き", "ます"}



@pytest.mark.parametrize("text, voice, before", [
    ("Ellos buscaron el mismo premio", "es", ["Ambos buscamos el mismo premio", "¿Sí?"]),
    # libespeak-ng lengthened the "b" before the comma by 41 ms after this question, even with a
    # short utterance spoken in between
    ("Bob, mon bon ami, pas mal, hein?", "fr-fr", ["Bonjour mon ami, où vas-tu donc?", "a"]),
    ("Hello there, my friend; what a day!", "en-us", ["こんにちは、ともだち。", "Oui, bien sûr."]),
])
def test_a_text_is_timed_alike_whatever_was_spoken_before(text, voice, before):
    # libespeak-ng keeps state from one synthesis to the next: a candidate must be timed exactly
    # the same alone or among others
    alone = synthesize(text, voice, audio=False)
    for other in before:
        synthesize(other, voice, audio=False)
    after = synthesize(text, voice, audio=False)
    assert after.phones == alone.phones and after.words == alone.words

# --- timing onto the original line ---------------------------------------------------------------


def test_candidate_fills_the_original_line_speech():
    original = picture(["I never thought we would find the treasure", "See you tomorrow"])
    timed = time_candidate("Nunca pensé que encontraríamos el tesoro", "es", original, 1)
    assert [w.text for w in timed.words] == ["Nunca", "pensé", "que", "encontraríamos", "el", "tesoro"]
    assert timed.fits_rate and 0.75 <= timed.rate <= 1.4
    line = original.lines[0]
    speech = speech_extent(original.openness, line.frame - 3, line.end if hasattr(line, "end") else line.frame + line.length + 3)
    assert speech is not None
    # the words cover the picture's speech (within the mouth's one-frame lead and a frame of rounding)
    assert timed.words[0].start == pytest.approx(RATE.seconds_at(speech[0]), abs=0.1)
    assert timed.words[-1].end == pytest.approx(RATE.seconds_at(speech[1]), abs=0.1)
    assert timed.natural_seconds / timed.rate == pytest.approx(timed.target_seconds, abs=1e-3)
    assert all(w.line == 0 for w in timed.words) and all(p.line == 0 for p in timed.phones)
    second = time_candidate("Hasta mañana", "es", original, 2)
    assert second.words[0].start > timed.words[-1].end


def test_a_candidate_too_long_or_too_short_still_fills_the_line_and_says_it_cannot_fit():
    original = picture(["Go"])
    long = time_candidate("Nunca pensé que encontraríamos el tesoro antes de la tormenta", "es", original, 1)
    assert not long.fits_rate and long.rate > AdaptSettings().fastest
    short_original = picture(["I never thought we would find the treasure before the storm"])
    short = time_candidate("Sí", "es", short_original, 1)
    assert not short.fits_rate and short.rate < AdaptSettings().slowest
    for timed in (long, short):  # the band shows where the words would have to fall
        assert 0.85 < (timed.phones[-1].end - timed.phones[0].start) / timed.target_seconds < 1.15


def _line_of(frames: int) -> MouthTimeline:
    """A picture line of ``frames`` frames of flaps (open, half, closed) after a second of rest."""
    flaps = np.array(([2, 2, 1, 0] * 60)[:frames], dtype=np.int8)
    flaps[-1] = 1
    openness = np.concatenate([np.zeros(24, np.int8), flaps, np.zeros(48, np.int8)])
    return MouthTimeline("A", RATE, openness, (SheetLine(24, frames, "a line"),))


def test_the_score_falls_gracefully_beyond_the_plausible_rate_range():
    text = "Mañana vamos a pintar la puerta"
    scored = [adapt_line(_line_of(frames), 1, [text], "es").candidates[0] for frames in range(20, 100, 2)]
    rates = [c.timed.rate for c in scored]
    assert rates == sorted(rates, reverse=True) and rates[0] > 1.6 and rates[-1] < 0.6
    slow = [c for c in scored if c.timed.rate < 1.0]
    assert any(c.timed.fits_rate for c in slow) and any(not c.timed.fits_rate for c in slow)
    # beyond the range the rate cost keeps growing at fit's pace (1 point per % of stretch), no jump
    costs = [c.rate_cost for c in slow]
    assert costs == sorted(costs)
    for a, b in zip(slow, slow[1:]):
        assert b.rate_cost - a.rate_cost <= 100 * (1 / b.timed.rate - 1 / a.timed.rate) + 0.2
    for candidate in scored:
        assert candidate.rate_cost == pytest.approx(max(0.0, 100 * abs(1 / candidate.timed.rate - 1) - 5), abs=0.2)
        assert candidate.flagged or candidate.timed.fits_rate


def test_advice_for_a_line_that_cannot_fit_has_the_right_sign():
    # the picture speaks slowly: more syllables than the original can still be too few
    slow = picture_sheet(["Maybe my brother bought a boat"], speed=80)
    timeline = sheet_timelines(slow)[0]
    result = adapt_line(timeline, 1, ["Quizás mi hermano compró un barco"], "es", syllables=8)
    short = result.candidates[0]
    assert short.timed.syllables > 8 and not short.timed.fits_rate and short.timed.rate < 0.75
    assert "add about" in short.advice and "or a pause" in short.advice and "ends" in short.advice
    assert "the original speaks 2." in short.advice or "the original speaks 3." in short.advice
    fast = adapt_line(picture(["Go home"]), 1, ["Nunca pensé que encontraríamos el tesoro"], "es").candidates[0]
    assert not fast.timed.fits_rate and "cut about" in fast.advice and "runs" in fast.advice
    assert "the original speaks" not in fast.advice  # its phones are unknown: no rough estimate in advice
    line = adapt_line(picture(["Go home"]), 1, ["Vamos a casa"], "es")
    assert line.estimated and line.syllables >= 1 and "estimated from its flaps" in line.rate_words


def test_time_script_pairs_untimed_lines_in_order_and_timed_lines_by_time():
    sheet = picture_sheet(["I never thought we would find it", "See you tomorrow"])
    timed = time_script(sheet, [Line("Nunca pensé encontrarlo"), Line("Hasta mañana")], "es")
    assert [t.line for t in timed] == [1, 2] and timed[1].words[0].text == "Hasta"
    line_two = sheet.tracks[0].lines[1]
    srt = [Line("Hasta mañana", start=RATE.seconds_at(line_two.frame), end=RATE.seconds_at(line_two.frame + line_two.length))]
    assert [t.line for t in time_script(sheet, srt, "es")] == [2]
    with pytest.raises(ScriptError, match="has 1 line"):
        time_script(sheet, [Line("Hasta mañana")], "es")


# --- scoring ---------------------------------------------------------------------------------------


def test_same_text_scores_high_and_ranks_above_unrelated_line():
    original = picture(["Maybe my brother bought a boat"])
    result = adapt_line(original, 1, ["The weather is nice today, isn't it", "Maybe my brother bought a boat"], "en-us")
    best, worst = result.candidates
    assert best.timed.text == "Maybe my brother bought a boat" and best.rank == 1 and worst.rank == 2
    assert best.score >= 80 and best.score > worst.score + 20
    assert all(c.matched for c in best.picture_closures)
    assert {c.phone for c in best.candidate_closures} >= {"m", "b"}


def test_a_moved_closure_is_reported_where_it_falls():
    original = picture(["Maybe we can go home"])
    result = adapt_line(original, 1, ["Maybe we can go home", "Today we can go home"], "en-us")
    by_text = {c.timed.text: c for c in result.candidates}
    moved = by_text["Today we can go home"]
    assert any(not c.matched for c in moved.picture_closures)
    assert "picture closes its mouth at frame" in moved.advice
    assert by_text["Maybe we can go home"].score > moved.score


def test_rate_change_costs_what_fit_charges_a_stretch():
    original = picture(["I never thought we would find the treasure"])
    result = adapt_line(original, 1, ["We found it", "I never thought we would find the treasure"], "en-us")
    short = next(c for c in result.candidates if c.timed.text == "We found it")
    assert not short.timed.fits_rate and short.flagged and "cannot fit at any plausible rate" in short.advice
    assert "add about" in short.advice and "3 syllables need" in short.advice
    assert short.rate_cost == pytest.approx(100 * (1 / short.timed.rate - 1) - 5, abs=0.2)
    # paced to fill the flaps it costs more than any fit is worth; read at its natural pace it
    # covers the start of the flaps, which fit scores low but not nothing
    assert short.paced_score == 0.0 == max(0.0, short.fit.score - short.rate_cost)
    assert 0 < short.natural_score < 40
    assert short.score == pytest.approx((short.paced_score + short.natural_score) / 2, abs=0.06)
    same = next(c for c in result.candidates if c is not short)
    assert same.paced_score > 80 and same.natural_score > 80 and same.rank == 1


def test_a_spanish_b_after_a_vowel_closes_the_mouth_as_the_analysis_of_a_take_shows():
    # espeak-ng synthesizes "bonita" after a vowel with a fricative β (lips apart); the aligner is
    # given the dictionary's b, so a recording of the line shows a closure there, and so must the
    # prediction
    phones = natural_phones("una casa bonita", "es")
    assert [p.symbol for p in phones if p.word == "bonita"][0] == "b"
    original = picture(["Mi madre compró una casa bonita"], "es")
    best = adapt_line(original, 1, ["Mi madre compró una casa bonita"], "es").candidates[0]
    assert "bonita" in {c.word for c in best.candidate_closures}
    assert all(c.matched for c in best.picture_closures) and best.score > 85


# --- bad input -------------------------------------------------------------------------------------


def test_bad_input_is_a_one_line_error():
    original = picture(["Maybe my brother bought a boat"])
    with pytest.raises(OptionError, match="klingon"):
        time_candidate("nuqneH", "klingon", original, 1)
    with pytest.raises(OptionError, match="no words"):
        adapt_line(original, 1, ["  ...  "], "es")
    with pytest.raises(OptionError, match="line 3 does not exist.*1 line"):
        time_candidate("Hola", "es", original, 3)
    silent = MouthTimeline("A", RATE, np.zeros(48, np.int8), ())
    with pytest.raises(FitError, match="no dialogue lines"):
        time_candidate("Hola", "es", silent, 1)
    closed = MouthTimeline("A", RATE, np.zeros(48, np.int8), (SheetLine(10, 20, "(silence)"),))
    with pytest.raises(FitError, match="mouth stays closed"):
        time_candidate("Hola", "es", closed, 1)


# --- the command line and its reports --------------------------------------------------------------


def _cli(*args: str):
    from click.testing import CliRunner

    from lipsync.cli import main

    return CliRunner().invoke(main, ["adapt", *args])


@pytest.fixture()
def original_json(tmp_path):
    from lipsync.sheet import sheet_to_json

    path = tmp_path / "original.json"
    path.write_text(sheet_to_json(picture_sheet(["Maybe my brother bought a boat", "We must remember the plan"])),
                    encoding="utf-8")
    return path


def test_cli_ranks_candidates_and_writes_json_html_and_text(original_json, tmp_path):
    import json

    out = tmp_path / "adapt.json"
    result = _cli(str(original_json), "--line", "1", "--text", "The weather is nice today, isn't it",
                  "--text", "Maybe my brother bought a boat", "-l", "en", "-o", str(out),
                  "-o", str(tmp_path / "adapt.html"), "-o", str(tmp_path / "adapt.txt"))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    first = next(i for i, text in enumerate(lines) if text.strip().startswith("1 ") or " 1 " in text[:8])
    assert "Maybe my brother bought a boat" in lines[first]
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["format"] == "lipsync-adapt" and data["language"] == "en-us"
    ranked = data["lines"][0]["candidates"]
    assert [c["rank"] for c in ranked] == [1, 2] and ranked[0]["score"] > ranked[1]["score"]
    assert ranked[0]["text"] == "Maybe my brother bought a boat" and ranked[0]["words"][0]["text"] == "Maybe"
    assert data["lines"][0]["syllables"] == 8 and ranked[0]["syllables"] == 8
    page = (tmp_path / "adapt.html").read_text(encoding="utf-8")
    assert page.count('<svg class="timeline"') == 2 and "Maybe my brother bought a boat" in page
    assert "rank" in (tmp_path / "adapt.txt").read_text(encoding="utf-8")


def test_cli_scores_a_whole_dub_script_and_check_fails_on_a_flagged_line(original_json, tmp_path):
    import json

    script = tmp_path / "dub.txt"
    script.write_text("Maybe my brother bought a boat\nYes\n", encoding="utf-8")
    result = _cli(str(original_json), "--script", str(script), "-l", "en-us", "--json", "--check")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert [line["line"] for line in data["lines"]] == [1, 2]
    assert data["summary"]["flagged_lines"] == [2]
    short = data["lines"][1]["candidates"][0]
    assert not short["fits_rate"] and "cannot fit at any plausible rate" in short["advice"]


@pytest.mark.parametrize("args, message", [
    (["--line", "1", "--text", "hola", "-l", "klingon"], "unknown language 'klingon'"),
    (["--line", "1", "--text", "", "-l", "es"], "the candidate line is empty"),
    (["--line", "7", "--text", "hola", "-l", "es"], "line 7 does not exist"),
    (["--text", "hola", "-l", "es"], "--text needs --line"),
    (["--line", "1", "-l", "es"], "give candidate lines"),
])
def test_cli_bad_input_is_one_line(original_json, args, message):
    result = _cli(str(original_json), *args)
    assert result.exit_code == 2 and message in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_cli_original_without_lines_is_one_line(tmp_path):
    from lipsync.sheet import sheet_to_json

    sheet = picture_sheet(["Maybe my brother bought a boat"])
    bare = Sheet(sheet.rate, sheet.duration_frames, (Track("A", sheet.tracks[0].cues),), sheet.preset)
    path = tmp_path / "bare.json"
    path.write_text(sheet_to_json(bare), encoding="utf-8")
    result = _cli(str(path), "--line", "1", "--text", "hola", "-l", "es")
    assert result.exit_code == 2 and "has no dialogue lines" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_cli_pairs_a_timed_dub_script_by_time_and_warns_of_a_line_outside_every_original_line(original_json, tmp_path):
    import json

    from lipsync.sheet import sheet_from_json

    lines = sheet_from_json(original_json.read_text(encoding="utf-8")).tracks[0].lines

    def stamp(frame: int) -> str:
        seconds = frame / 24
        return f"00:00:{int(seconds):02d},{int(round(seconds % 1 * 1000)):03d}"

    second = lines[1]
    srt = tmp_path / "dub.srt"
    srt.write_text(f"1\n{stamp(second.frame)} --> {stamp(second.frame + second.length)}\nDebemos recordar el plan\n\n"
                   f"2\n00:01:00,000 --> 00:01:02,000\nNadie dijo eso\n", encoding="utf-8")
    result = _cli(str(original_json), "--script", str(srt), "-l", "es", "--json", "--threshold", "0")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output[result.output.index("{"):])
    assert [line["line"] for line in data["lines"]] == [2]
    assert "dub line 2 ('Nadie dijo eso') overlaps no original line: not scored" in data["warnings"]  # subtitle 2
    # the original's first line has no dub line: listed everywhere, and a check fails on it
    assert data["summary"]["missing_lines"] == [1] and data["summary"]["flagged_lines"] == []
    assert [(item["line"], item["text"], item["reason"]) for item in data["missing"]] == [
        (1, lines[0].text, "no dub line at this time")]
    checked = _cli(str(original_json), "--script", str(srt), "-l", "es", "--threshold", "0", "--check",
                   "-o", str(tmp_path / "adapt.html"))
    assert checked.exit_code == 1, checked.output
    assert "! line 1 at " in checked.output and "1 without a dub line: 1" in checked.output
    page = (tmp_path / "adapt.html").read_text(encoding="utf-8")
    assert "1 without a dub line" in page and f"<td>{lines[0].text}</td>" in page


def test_a_dub_script_check_finds_the_original_lines_once(original_json, tmp_path, monkeypatch):
    # pairing, the lines left without a dub line, the syllables and the scores share one list
    from lipsync.fit import adapt as adapt_module
    from lipsync.fit import adapt_job as job_module
    from lipsync.fit.score import line_spans

    slacks = []

    def counted(timeline, slack):
        slacks.append(slack)
        return line_spans(timeline, slack)

    monkeypatch.setattr(adapt_module, "line_spans", counted)
    monkeypatch.setattr(job_module, "line_spans", counted)
    script = tmp_path / "dub.txt"
    script.write_text("Quizás mi hermano compró un barco\nDebemos recordar el plan\n", encoding="utf-8")
    report = job_module.adapt_job(job_module.AdaptJob(str(original_json), "es", script=str(script)))
    assert [line.line for line in report.lines] == [1, 2] and report.lines[0].syllables == 8
    assert slacks == [AdaptSettings().fit.line_slack]


def test_cli_flags_under_fits_threshold_by_default(original_json):
    # a candidate's score is what fit can be expected to give its take: the same threshold
    import json

    from lipsync.fit import FitSettings

    result = _cli(str(original_json), "--line", "1", "--text", "Quizás mi madre compró un barco", "-l", "es", "--json")
    data = json.loads(result.output[result.output.index("{"):])
    assert data["settings"]["threshold"] == FitSettings().threshold == 70


def test_the_same_candidates_get_the_same_report_whatever_ran_before():
    original = picture(["Maybe my brother bought a boat, and a bike"])
    texts = ["Quizás mi hermano compró un barco, y una bici", "Mi madre, por fin, compró una barca"]
    first = adapt_line(original, 1, texts, "es")
    synthesize("Ça va, merci; et toi?", "fr-fr", audio=False)
    adapt_line(original, 1, texts[::-1], "es")
    assert adapt_line(original, 1, texts, "es") == first


def test_a_candidate_scores_alike_alone_after_others_and_in_reversed_order():
    # the audit's case: "Bob, mon bon ami…" scored 31.0 alone and 31.1 after "Bonjour…" (its
    # paced and natural readings 30.1 / 31.9 against 26.2 / 36.0)
    original = picture(["Hello my friend, where are you going?"])
    texts = ["Bonjour mon ami, où vas-tu donc?", "Bob, mon bon ami, pas mal, hein?", "Oh, hé! Je dis, l'Ohio est loin.",
             "Non! Jamais. Pas question, mon vieux."]

    def scored(candidates: list[str]) -> dict:
        line = adapt_line(original, 1, candidates, "fr")
        return {c.timed.text: replace(c, rank=0) for c in line.candidates}

    alone = {text: scored([text])[text] for text in texts}
    assert scored(texts) == alone
    assert scored(texts[::-1]) == alone
