"""Phones to mouth shapes in seconds (lipsync.animate), on hand-made phone timelines."""

from __future__ import annotations

import pytest

from lipsync.animate import animate
from lipsync.presets import load_preset, shipped_presets
from lipsync.sheet import Phone, Shape

PRESETS = shipped_presets()


def shape_at(shapes: tuple[Shape, ...], time: float) -> str:
    for shape in shapes:
        if shape.start <= time < shape.end:
            return shape.name
    raise AssertionError(f"no shape at {time}: {shapes}")


def assert_covers(shapes: tuple[Shape, ...], duration: float) -> None:
    assert shapes[0].start == 0.0
    assert shapes[-1].end == pytest.approx(duration)
    for first, second in zip(shapes, shapes[1:]):
        assert first.end == pytest.approx(second.start)
        assert first.name != second.name


@pytest.mark.parametrize("name", PRESETS)
def test_rest_before_after_and_bilabials_closed(name):
    preset = load_preset(name)
    phones = [Phone(0.5, 0.6, "m", "ma"), Phone(0.6, 0.8, "ɑ", "ma")]
    shapes = animate(phones, preset, 1.5)
    assert_covers(shapes, 1.5)
    assert shape_at(shapes, 0.2) == preset.rest
    assert shape_at(shapes, 0.55) == preset.closed
    assert shape_at(shapes, 0.7) == preset.classes["vowel_open"]
    assert shape_at(shapes, 1.4) == preset.rest


def test_nothing_said_is_all_rest():
    preset = load_preset("rhubarb")
    assert animate([], preset, 2.0) == (Shape(0.0, 2.0, "X"),)


def test_phones_past_the_end_are_clipped():
    shapes = animate([Phone(0.5, 3.0, "ɑ", "a")], load_preset("rhubarb"), 1.0)
    assert shapes == (Shape(0.0, 0.5, "X"), Shape(0.5, 1.0, "D"))


# --- pauses -------------------------------------------------------------------------------------


def two_vowels(gap: float) -> list[Phone]:
    return [Phone(0.5, 0.8, "ɑ", "a"), Phone(0.8 + gap, 1.1 + gap, "ɑ", "b")]


@pytest.mark.parametrize("name", PRESETS)
def test_short_pause_holds_the_shape(name):
    preset = load_preset(name)
    gap = preset.timing.hold_gap * 0.6
    shapes = animate(two_vowels(gap), preset, 3.0)
    vowel = preset.classes["vowel_open"]
    assert shape_at(shapes, 0.8 + gap / 2) == vowel
    assert [s.name for s in shapes] == [preset.rest, vowel, preset.rest]


@pytest.mark.parametrize("name", PRESETS)
def test_medium_pause_relaxes(name):
    preset = load_preset(name)
    gap = (preset.timing.hold_gap + preset.timing.relax_gap) / 2
    shapes = animate(two_vowels(gap), preset, 3.0)
    assert shape_at(shapes, 0.8 + gap / 2) == preset.relaxed
    assert shape_at(shapes, 0.81) == preset.relaxed
    assert shape_at(shapes, 0.8 + gap - 0.01) == preset.relaxed


@pytest.mark.parametrize("name", PRESETS)
def test_long_pause_rests(name):
    preset = load_preset(name)
    gap = preset.timing.relax_gap + 0.3
    shapes = animate(two_vowels(gap), preset, 3.0)
    assert shape_at(shapes, 0.8 + gap / 2) == preset.rest


def test_pause_thresholds_follow_the_preset_timing():
    base = load_preset("rhubarb")
    assert (base.rest, base.relaxed) == ("X", "B")
    gap = 0.3
    assert shape_at(animate(two_vowels(gap), base, 3.0), 0.95) == "B"
    assert shape_at(animate(two_vowels(gap), base.with_timing(hold_gap=0.4, relax_gap=0.5), 3.0), 0.95) == "D"
    assert shape_at(animate(two_vowels(gap), base.with_timing(hold_gap=0.1, relax_gap=0.2), 3.0), 0.95) == "X"
    assert shape_at(animate(two_vowels(gap), base.with_timing(relaxed="F"), 3.0), 0.95) == "F"


# --- diphthongs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PRESETS)
@pytest.mark.parametrize("split", [None, 0.3, 0.8])
def test_diphthongs_split_at_diphthong_split(name, split):
    preset = load_preset(name)
    if split is not None:
        preset = preset.with_timing(diphthong_split=split)
    share = preset.timing.diphthong_split
    start, length = 1.0, 0.4
    first = preset.shape_for("vowel_open", length)          # a of aɪ
    last = preset.shape_for("vowel_close", length * (1 - share))  # ɪ of aɪ
    shapes = animate([Phone(start, start + length, "aɪ", "my")], preset, 2.0)
    assert_covers(shapes, 2.0)
    if first == last:
        pytest.skip(f"{name} shows a and ɪ alike")
    middle = start + length * share
    spoken = [s for s in shapes if s.name != preset.rest]
    assert [(s.name, round(s.start, 6), round(s.end, 6)) for s in spoken] == [
        (first, start, round(middle, 6)), (last, round(middle, 6), start + length)]


@pytest.mark.parametrize("name", PRESETS)
def test_a_diphthong_too_short_to_see_the_glide_shows_its_first_vowel(name):
    preset = load_preset(name)
    length = 0.06  # the glide would last well under two frames
    shapes = animate([Phone(1.0, 1.0 + length, "aɪ", "my")], preset, 2.0)
    assert [s.name for s in shapes if s.name != preset.rest] == [preset.shape_for("vowel_open", length)]


def test_rhubarb_splits_i_after_a_at_three_quarters():
    shapes = animate([Phone(1.0, 1.4, "aɪ", "my")], load_preset("rhubarb"), 2.0)
    assert shapes == (Shape(0.0, 1.0, "X"), Shape(1.0, pytest.approx(1.3), "D"),
                      Shape(pytest.approx(1.3), 1.4, "B"), Shape(1.4, 2.0, "X"))


# --- what the lips do, whatever the language ---------------------------------------------------


@pytest.mark.parametrize("name", PRESETS)
def test_french_y_rounds_the_lips_in_every_preset(name):
    preset = load_preset(name)

    def vowel(symbol: str) -> str:
        return shape_at(animate([Phone(0.5, 0.7, symbol, "w")], preset, 1.0), 0.6)

    rounded, spread = vowel("u"), vowel("i")
    assert vowel("y") == rounded == preset.classes["vowel_close_rounded"]
    assert vowel("yː") == rounded
    if rounded != spread:
        assert vowel("y") != spread


def test_y_is_a_rounded_shape_in_presets_that_have_one():
    expected = {"rhubarb": "F", "harmony": "F", "preston-blair": "U", "anime-5": "u", "oculus-15": "ou",
                "fleming-dobbs": "O"}
    for name, shape in expected.items():
        shapes = animate([Phone(0.5, 0.7, "y", "lune")], load_preset(name), 1.0)
        assert shape_at(shapes, 0.6) == shape, name


@pytest.mark.parametrize("name", PRESETS)
def test_r_coloured_vowels_and_r_consonants(name):
    # The r-coloured vowels of "bird", "butter" show the preset's rhotic-vowel shape; /ɹ/ itself
    # (also after a vowel: "car") shows the rhotic consonant's shape.
    preset = load_preset(name)
    rhotic_vowel = preset.shape_for("vowel_rhotic", 0.2)
    consonant = preset.shape_for("rhotic", 0.15)
    for symbol in ("ɝ", "ɚ", "ɜː˞"):
        assert shape_at(animate([Phone(0.5, 0.7, symbol, "bird")], preset, 1.0), 0.6) == rhotic_vowel, symbol
    red = [Phone(0.5, 0.6, "ɹ", "red"), Phone(0.6, 0.8, "ɛ", "red"), Phone(0.8, 0.95, "d", "red")]
    car = [Phone(0.5, 0.6, "k", "car"), Phone(0.6, 0.8, "ɑ", "car"), Phone(0.8, 0.95, "ɹ", "car")]
    assert shape_at(animate(red, preset, 1.5), 0.55) == consonant
    assert shape_at(animate(car, preset, 1.5), 0.9) == consonant


@pytest.mark.parametrize("name", PRESETS)
def test_an_r_after_a_close_or_mid_vowel_and_before_none_is_an_r_coloured_vowel(name):
    # "year", "more", "fire" (ARPAbet Y IH R...): the r is the vowel's r-coloured offglide and
    # shows the preset's rhotic-vowel shape; before a vowel ("very") it is the consonant.
    preset = load_preset(name)
    rhotic_vowel = preset.shape_for("vowel_rhotic", 0.1)
    consonant = preset.shape_for("rhotic", 0.1)
    year = [Phone(0.5, 0.6, "j", "year"), Phone(0.6, 0.75, "ɪ", "year"), Phone(0.75, 0.9, "ɹ", "year")]
    more = [Phone(0.5, 0.6, "m", "more"), Phone(0.6, 0.75, "ɔ", "more"), Phone(0.75, 0.9, "ɹ", "more"),
            Phone(0.9, 1.0, "z", "mores")]
    fire = [Phone(0.5, 0.6, "f", "fire"), Phone(0.6, 0.8, "aɪ", "fire"), Phone(0.8, 0.95, "ɹ", "fire")]
    very = [Phone(0.5, 0.6, "v", "very"), Phone(0.6, 0.75, "ɛ", "very"), Phone(0.75, 0.85, "ɹ", "very"),
            Phone(0.85, 1.0, "i", "very")]
    assert shape_at(animate(year, preset, 1.5), 0.85) == rhotic_vowel
    assert shape_at(animate(more, preset, 1.5), 0.85) == rhotic_vowel
    assert shape_at(animate(fire, preset, 1.5), 0.9) == rhotic_vowel
    assert shape_at(animate(very, preset, 1.5), 0.8) == consonant


def test_a_short_ah_between_tongue_consonants_is_the_reduced_close_vowel():
    # ARPAbet AH covers the open vowel of "cup" and the reduced one of "roses": under 7 cs
    # between two tongue consonants or close vowels the jaw stays nearly closed (Rhubarb's
    # B); a longer one, one beside the lips ("bus") or a transcribed schwa stays open.
    preset = load_preset("rhubarb")

    def roses(vowel: str, length: float, first: str = "z") -> list[Phone]:
        return [Phone(0.5, 0.6, first, "roses"), Phone(0.6, 0.6 + length, vowel, "roses"),
                Phone(0.6 + length, 0.8, "z", "roses")]

    assert shape_at(animate(roses("ʌ", 0.06), preset, 1.5), 0.63) == "B"
    assert shape_at(animate(roses("ʌ", 0.08), preset, 1.5), 0.64) == "C"
    assert shape_at(animate(roses("ʌ", 0.06, "b"), preset, 1.5), 0.63) == "C"
    assert shape_at(animate(roses("ə", 0.06), preset, 1.5), 0.63) == "C"
    carry_an = [Phone(0.5, 0.6, "i", "carry"), Phone(0.6, 0.66, "ʌ", "an"), Phone(0.66, 0.75, "n", "an")]
    assert shape_at(animate(carry_an, preset, 1.5), 0.63) == "B"


@pytest.mark.parametrize("name", PRESETS)
def test_a_short_ah_before_an_l_that_ends_its_syllable_is_the_syllabic_l(name):
    # "little", "general" (ARPAbet ... AH L): the reduced vowel is not said, the l is syllabic and
    # the mouth shows the l from the consonant on; a longer vowel, an l before a vowel
    # ("balloon"), a vowel after another vowel or a transcribed schwa keep the vowel's shape.
    preset = load_preset(name)
    lateral, vowel = preset.shape_for("lateral", 0.06), preset.shape_for("vowel_central", 0.06)

    def little(length: float = 0.06, first: str = "t", after: str = "z", schwa: str = "ʌ") -> list[Phone]:
        return [Phone(0.5, 0.6, first, "little"), Phone(0.6, 0.6 + length, schwa, "little"),
                Phone(0.6 + length, 0.8, "l", "little"), Phone(0.8, 0.9, after, "littles")]

    assert shape_at(animate(little(), preset, 1.5), 0.63) == lateral
    assert shape_at(animate(little()[:3], preset, 1.5), 0.63) == lateral  # before a pause too
    assert shape_at(animate(little(0.08), preset, 1.5), 0.64) == vowel
    assert shape_at(animate(little(after="ɑ"), preset, 1.5), 0.63) == vowel
    assert shape_at(animate(little(first="i"), preset, 1.5), 0.63) == vowel
    assert shape_at(animate(little(schwa="ə"), preset, 1.5), 0.63) == vowel


def test_rhubarb_bird_is_rounded():
    preset = load_preset("rhubarb")
    bird = [Phone(0.5, 0.6, "b", "bird"), Phone(0.6, 0.8, "ɝ", "bird"), Phone(0.8, 0.95, "d", "bird")]
    assert [s.name for s in animate(bird, preset, 1.5)] == ["X", "A", "E", "B", "X"]


def test_long_vowels_open_wider_where_the_preset_says_so():
    preset = load_preset("rhubarb")
    after = preset.long_shapes["vowel_central"].after
    short = animate([Phone(0.5, 0.5 + after / 2, "ʌ", "w")], preset, 1.0)
    long = animate([Phone(0.5, 0.5 + after + 0.05, "ʌ", "w")], preset, 1.0)
    assert shape_at(short, 0.5 + after / 4) == preset.classes["vowel_central"]
    assert shape_at(long, 0.5 + after / 2) == preset.long_shapes["vowel_central"].shape
