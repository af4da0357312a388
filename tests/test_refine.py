"""Phone boundary refinement (lipsync.recognize.refine): the aligner's bias per kind of boundary,
corrected on hand-made phone timelines."""

from __future__ import annotations

import pytest

from lipsync.recognize.refine import (balance_laterals, boundaries, boundary_kind, broad_class, correct_bias,
                                     shipped_bias)
from lipsync.sheet import Phone


def test_boundary_kinds_name_the_broad_classes_on_each_side():
    assert [broad_class(s) for s in ("ɑ", "aɪ", "m", "f", "θ", "t", "n", "s", "ʃ", "k", "l", "ɹ", "w", "j", "h")] == \
        ["V", "V", "P", "F", "F", "T", "T", "S", "S", "K", "L", "R", "W", "Y", "H"]
    assert boundary_kind("æ", "t") == "V>T"
    assert boundary_kind(None, "m") == "sil>P" and boundary_kind("s", None) == "S>sil"


def test_boundaries_lists_inner_boundaries_and_the_edges_of_speech():
    phones = [Phone(0.1, 0.2, "m"), Phone(0.2, 0.3, "ɑ"), Phone(0.6, 0.7, "s")]
    assert boundaries(phones) == [(0.1, "sil>P"), (0.2, "P>V"), (0.3, "V>sil"), (0.6, "sil>S"), (0.7, "S>sil")]


def test_a_boundary_moves_back_by_its_kinds_bias_and_both_phones_follow():
    phones = [Phone(0.0, 0.2, "æ"), Phone(0.2, 0.3, "t"), Phone(0.3, 0.5, "ɑ")]
    moved = correct_bias(phones, {"V>T": -0.01, "T>V": 0.02})
    assert [(p.start, p.end) for p in moved] == [(0.0, 0.21), (0.21, 0.28), (0.28, 0.5)]
    # kinds not in the table move by the default
    assert [(p.start, p.end) for p in correct_bias(phones, {}, default=-0.005)] == \
        [(0.0, 0.205), (0.205, 0.305), (0.305, 0.5)]


def test_no_phone_gets_shorter_than_the_minimum():
    phones = [Phone(0.0, 0.2, "æ"), Phone(0.2, 0.23, "t"), Phone(0.23, 0.5, "ɑ")]
    moved = correct_bias(phones, {"V>T": -0.05}, min_phone=0.01)
    assert moved[1].end - moved[1].start == pytest.approx(0.01)
    assert all(p.end > p.start for p in moved)


def test_the_edges_of_speech_only_move_inward():
    phones = [Phone(0.5, 0.7, "ɑ")]
    assert correct_bias(phones, {"sil>V": -0.02, "V>sil": 0.03})[0] == Phone(0.52, 0.67, "ɑ")
    # a bias that would stretch the phone into the pause is not applied
    assert correct_bias(phones, {"sil>V": 0.02, "V>sil": -0.03})[0] == Phone(0.5, 0.7, "ɑ")


def test_the_shipped_table_says_the_aligner_ends_vowels_early_before_stops():
    bias, default = shipped_bias()
    assert bias["V>T"] < -0.005 and bias["V>S"] < -0.005
    assert abs(default) < 0.02 and all(abs(value) < 0.04 for value in bias.values())


def test_an_l_outlasting_the_vowel_before_it_gives_the_vowel_time_until_they_last_alike():
    phones = [Phone(0.0, 0.1, "s"), Phone(0.1, 0.14, "oʊ"), Phone(0.14, 0.3, "l"), Phone(0.3, 0.4, "d")]
    moved = balance_laterals(phones)
    assert [(p.start, p.end) for p in moved] == [(0.0, 0.1), (0.1, 0.2), (0.2, 0.3), (0.3, 0.4)]
    assert [p.symbol for p in moved] == ["s", "oʊ", "l", "d"]
    # with a ratio of 2 the l keeps two thirds of the two
    assert balance_laterals(phones, ratio=2.0)[2].start == pytest.approx(0.166667, abs=1e-6)


def test_only_an_l_right_after_a_vowel_and_longer_than_it_moves():
    kept = [
        [Phone(0.0, 0.1, "ɑ"), Phone(0.1, 0.18, "l")],            # shorter than its vowel
        [Phone(0.0, 0.1, "ɑ"), Phone(0.1, 0.2, "l")],             # as long as its vowel
        [Phone(0.0, 0.03, "k"), Phone(0.03, 0.2, "l")],           # after a consonant
        [Phone(0.0, 0.03, "ɑ"), Phone(0.05, 0.2, "l")],           # after a pause
        [Phone(0.0, 0.2, "l"), Phone(0.2, 0.25, "i")],            # before its vowel
        [Phone(0.0, 0.03, "ɑ"), Phone(0.03, 0.2, "n")],           # another consonant
    ]
    for phones in kept:
        assert balance_laterals(phones) == tuple(phones)
    long_l = [Phone(0.0, 0.03, "ɑ"), Phone(0.03, 0.2, "l")]
    assert balance_laterals(long_l, ratio=0.0) == tuple(long_l)
