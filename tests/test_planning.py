"""Alignment planning on synthetic stretches of speech (lipsync.recognize.align): which script
lines are aligned against which stretch, with and without line times, and the repair by sound.
No audio and no acoustic model run here: stretches are (start, end) seconds, words are made
with a known number of phones."""

from __future__ import annotations

from dataclasses import replace

import pytest

from lipsync.dialogue import Line
from lipsync.recognize import align
from lipsync.recognize.align import DurationMatcher, Group, PhoneMatcher, ScriptWord
from lipsync.recognize.model import WordToAlign, acoustic_model
from lipsync.recognize.settings import DEFAULT_SETTINGS, RecognitionSettings

PER_PHONE = DEFAULT_SETTINGS.seconds_per_phone


def words_for(*seconds_per_line: float) -> tuple[ScriptWord, ...]:
    """One word per line, with as many phones as that line takes seconds to say."""
    return tuple(ScriptWord(line, WordToAlign(f"w{line}", f"w{line}", ("a",), (("AA",),)),
                            max(1, round(seconds / PER_PHONE)))
                 for line, seconds in enumerate(seconds_per_line) if seconds > 0)


def spans(groups) -> list[tuple[tuple[int, ...], float, float]]:
    return [(group.lines, group.start, group.end) for group in groups]


# --- match_lines by length ------------------------------------------------------------------


def test_each_line_goes_to_the_stretch_of_its_length():
    stretches = [(0.0, 1.0), (1.5, 3.5), (4.0, 5.0)]
    matcher = DurationMatcher((1.0, 2.0, 1.0), tuple(b - a for a, b in stretches))
    assert spans(align.match_lines(matcher, stretches)) == [((0,), 0.0, 1.0), ((1,), 1.5, 3.5), ((2,), 4.0, 5.0)]


def test_a_line_spanning_several_stretches_ends_at_its_last_one():
    stretches = [(0.0, 1.0), (1.3, 2.3), (2.6, 3.6), (3.9, 4.9)]
    matcher = DurationMatcher((1.0, 2.0, 1.0), tuple(b - a for a, b in stretches))
    assert spans(align.match_lines(matcher, stretches)) == [((0,), 0.0, 1.0), ((1,), 1.3, 3.6), ((2,), 3.9, 4.9)]


def test_short_lines_share_a_stretch():
    stretches = [(0.0, 2.0), (2.5, 4.5)]
    matcher = DurationMatcher((1.0, 1.0, 2.0), (2.0, 2.0))
    assert spans(align.match_lines(matcher, stretches)) == [((0, 1), 0.0, 2.0), ((2,), 2.5, 4.5)]


def test_group_sizes_follow_the_settings():
    stretches = [(float(i), i + 0.5) for i in range(6)]
    matcher = DurationMatcher((3.0,), (0.5,) * 6)
    assert spans(align.match_lines(matcher, stretches)) == [((0,), 0.0, 5.5)]
    narrow = RecognitionSettings(max_stretches_per_group=2)
    (group,) = align.match_lines(replace(matcher, settings=narrow), stretches, narrow)
    assert group.end - group.start <= 1.5


def test_no_lines_or_no_speech_plan_nothing():
    assert align.match_lines(DurationMatcher((), (1.0,)), [(0.0, 1.0)]) == ()
    assert align.match_lines(DurationMatcher((1.0,), ()), []) == ()


# --- plan_chunks ------------------------------------------------------------------------------


def test_a_short_recording_is_one_group_of_all_lines():
    words = words_for(1.0, 1.0)
    assert spans(align.plan_chunks(words, 2, [(0.2, 1.2), (1.8, 2.9)], 3.0)) == [((0, 1), 0.2, 2.9)]


def test_a_long_recording_is_planned_line_by_line():
    words = words_for(10.0, 0.0, 12.0, 10.0)  # line 1 has no words (a direction)
    stretches = [(0.0, 10.0), (11.0, 23.0), (24.0, 34.0)]
    assert spans(align.plan_chunks(words, 4, stretches, 35.0)) == [((0,), 0.0, 10.0), ((2,), 11.0, 23.0),
                                                                    ((3,), 24.0, 34.0)]
    # whole=False plans a short recording by its pauses too
    assert len(align.plan_chunks(words_for(1.0, 1.0), 2, [(0.0, 1.0), (1.6, 2.6)], 3.0, whole=False)) == 2
    assert align.plan_chunks(words, 4, [], 35.0) == ()


# --- timed scripts ------------------------------------------------------------------------------


def test_a_script_is_timed_when_at_least_half_its_spoken_lines_are():
    timed, untimed = Line("hello there", start=1.0, end=2.0), Line("hello there")
    assert align.is_timed([timed, timed])
    assert align.is_timed([timed, untimed])
    assert not align.is_timed([timed, untimed, untimed])
    assert align.is_timed([timed, Line("[music]"), Line("♪")])  # lines without words do not count
    assert not align.is_timed([untimed])
    assert not align.is_timed([])


def test_timed_lines_are_cut_at_the_pause_between_them():
    lines = [Line("one", start=0.5, end=2.0), Line("two", start=3.0, end=4.5)]
    stretches = [(0.6, 2.1), (2.9, 4.4)]
    groups, silent = align.plan_timed(lines, words_for(1.5, 1.5), stretches, 6.0)
    assert spans(groups) == [((0,), 0.6, 2.1), ((1,), 2.9, 4.4)]
    assert silent == []


def test_a_timed_line_spanning_several_stretches_ends_at_its_last_one():
    lines = [Line("one", start=0.5, end=4.0), Line("two", start=6.0, end=7.0)]
    stretches = [(0.6, 1.5), (1.8, 2.6), (2.9, 3.9), (6.1, 6.9)]
    groups, _ = align.plan_timed(lines, words_for(3.0, 1.0), stretches, 8.0)
    assert spans(groups) == [((0,), 0.6, 3.9), ((1,), 6.1, 6.9)]


def test_timed_lines_without_a_pause_between_them_are_aligned_together():
    lines = [Line("one", start=0.5, end=2.0), Line("two", start=2.0, end=3.5)]
    groups, _ = align.plan_timed(lines, words_for(1.5, 1.5), [(0.5, 3.5)], 5.0)
    assert spans(groups) == [((0, 1), 0.5, 3.5)]


def test_lines_whose_windows_overlap_beyond_the_tolerance_are_aligned_together_in_order():
    # a first cue that runs on over the second, by more than loose timing explains: the pause
    # nearest the overlap's middle is inside line two, and a cut there would leave "one" with
    # part of "two"'s speech
    lines = [Line("one", start=0.0, end=3.6), Line("two", start=0.9, end=3.6)]
    stretches = [(0.1, 0.8), (1.0, 1.9), (2.2, 3.5)]
    groups, silent = align.plan_timed(lines, words_for(0.7, 2.5), stretches, 4.0)
    assert spans(groups) == [((0, 1), 0.1, 3.5)]
    assert silent == []
    lines = [Line("one", start=2.0, end=5.0), Line("two", start=0.5, end=3.5)]  # the later cue said first
    groups, _ = align.plan_timed(lines, words_for(1.0, 1.0), [(0.6, 1.6), (2.1, 3.1)], 6.0)
    assert spans(groups) == [((1, 0), 0.6, 3.1)]


def test_windows_overlapping_within_the_time_tolerance_are_cut_at_the_pause_between_them():
    # loose timing: a cue that ends late, the next that starts early, over the same pause
    lines = [Line("one", start=0.5, end=2.6), Line("two", start=2.2, end=4.0)]
    groups, _ = align.plan_timed(lines, words_for(1.4, 1.4), [(0.6, 2.0), (2.5, 3.9)], 5.0)
    assert spans(groups) == [((0,), 0.6, 2.0), ((1,), 2.5, 3.9)]


def test_overlapping_windows_are_cut_at_a_pause_beyond_the_longest_timed_group():
    lines = [Line("one", start=0.0, end=3.0), Line("two", start=1.5, end=5.0), Line("three", start=3.5, end=7.0)]
    stretches = [(0.1, 1.9), (2.1, 3.9), (4.1, 6.9)]
    settings = RecognitionSettings(max_timed_group_seconds=5.0)
    groups, _ = align.plan_timed(lines, words_for(1.8, 1.8, 2.8), stretches, 8.0, settings)
    assert spans(groups) == [((0, 1), 0.1, 3.9), ((2,), 4.1, 6.9)]


def test_a_timed_line_with_no_speech_in_its_window_is_silent():
    lines = [Line("one", start=0.5, end=2.0), Line("two", start=10.0, end=11.0)]
    groups, silent = align.plan_timed(lines, words_for(1.5, 1.0), [(0.6, 2.0)], 12.0)
    assert spans(groups) == [((0,), 0.6, 2.0)]
    assert silent == [1]


def test_speech_is_looked_for_within_the_time_tolerance():
    lines = [Line("one", start=2.0, end=3.0)]
    stretches = [(1.2, 2.9)]  # starts 0.8 s before the subtitle
    groups, _ = align.plan_timed(lines, words_for(1.0), stretches, 5.0)
    assert spans(groups) == [((0,), 1.2, 2.9)]
    groups, _ = align.plan_timed(lines, words_for(1.0), stretches, 5.0, RecognitionSettings(time_tolerance=0.5))
    assert spans(groups) == [((0,), 1.5, 2.9)]


def test_an_untimed_line_takes_the_gap_between_its_timed_neighbours():
    lines = [Line("one", start=0.5, end=1.5), Line("two"), Line("three", start=6.0, end=7.0)]
    stretches = [(0.5, 1.5), (3.0, 4.0), (6.0, 7.0)]
    groups, silent = align.plan_timed(lines, words_for(1.0, 1.0, 1.0), stretches, 8.0)
    assert [group.lines for group in groups] == [(0,), (1,), (2,)]
    assert (groups[1].start, groups[1].end) == (3.0, 4.0)
    assert silent == []


# --- repair by sound ---------------------------------------------------------------------------


def ipa_words(*lines: str) -> tuple[ScriptWord, ...]:
    """One word per line whose phones are the given IPA letters."""
    from lipsync.g2p import ipa_to_arpabet

    return tuple(ScriptWord(index, WordToAlign(text, f"k{index}", tuple(text), tuple(ipa_to_arpabet(p) for p in text)),
                            len(text)) for index, text in enumerate(lines))


def test_matching_by_sound_leaves_out_unrecorded_lines_and_unscripted_speech():
    words = ipa_words("mamamama", "sisisisi", "fufufufu")
    said = align.line_phone_strings(words, range(3), acoustic_model())
    stretches = [(0.0, 1.0), (1.5, 2.5), (3.0, 4.0)]
    # line 1 was not recorded
    assert spans(align.match_lines(PhoneMatcher(said, (said[0], said[2])), stretches[:2])) \
        == [((0,), 0.0, 1.0), ((2,), 1.5, 2.5)]
    # an ad-lib between lines 0 and 1 (line 2 not recorded either)
    adlib = align.class_letters("ɹɹɹɹɹɹɹɹ")
    assert spans(align.match_lines(PhoneMatcher(said, (said[0], adlib, said[1])), stretches)) \
        == [((0,), 0.0, 1.0), ((1,), 3.0, 4.0)]
    # a line said over two stretches
    halves = (said[0], said[1][:4], said[1][4:], said[2])
    assert spans(align.match_lines(PhoneMatcher(said, halves), stretches + [(4.5, 5.0)])) \
        == [((0,), 0.0, 1.0), ((1,), 1.5, 4.0), ((2,), 4.5, 5.0)]


def test_failed_groups_are_matched_again_by_what_was_heard():
    words = ipa_words("mamamama", "sisisisi", "fufufufu")
    letters = align.line_phone_strings(words, range(3), acoustic_model())
    stretches = [(0.0, 1.0), (1.5, 2.5), (3.0, 4.0)]
    # the length-based plan put line 1 on the ad-lib in the middle and line 2 on line 1's speech
    groups = (Group((0,), 0.0, 1.0), Group((1,), 1.5, 2.5), Group((2,), 3.0, 4.0))
    heard = {stretches[0]: letters[0], stretches[1]: align.class_letters("ɹɹɹɹɹɹɹɹ"), stretches[2]: letters[1]}
    repaired = align.repair_plan(groups, {1}, words, stretches, heard, acoustic_model())
    assert spans(repaired) == [((0,), 0.0, 1.0), ((1,), 3.0, 4.0)]


def test_repair_regions_take_the_neighbours_and_join_when_they_overlap():
    groups = [Group((i,), float(i), i + 0.5) for i in range(12)]
    assert align.repair_regions(groups, {5}) == [(3, 7)]
    assert align.repair_regions(groups, {0, 11}) == [(0, 2), (9, 11)]
    assert align.repair_regions(groups, {3, 7}) == [(1, 9)]
    assert align.repair_regions(groups, {5}, context=0) == [(5, 5)]


def test_settings_are_checked():
    with pytest.raises(Exception, match="passes must be 1 to 8"):
        RecognitionSettings(passes=9)
    with pytest.raises(Exception, match="pad must be a number >= 0"):
        RecognitionSettings(pad=-1.0)
