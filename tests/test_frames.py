"""The animator's frame rules (lipsync.frames), on hand-made phone timelines: no audio."""

from __future__ import annotations

import itertools
import random

import pytest

from lipsync.animate import animate
from lipsync.frames import hold_shapes_at_least, to_frames
from lipsync.phonemes import is_bilabial
from lipsync.presets import Preset, load_preset, shipped_presets
from lipsync.sheet import Cue, Phone, Shape
from lipsync.timing import FrameRate

PRESETS = shipped_presets()
HOLDS_AND_STEPS = list(itertools.product((1, 2, 3), (1, 2, 3)))
SYMBOLS = ["m", "b", "p", "ɑ", "i", "u", "s", "t", "f", "l", "ɹ", "oʊ", "aɪ", "ə", "k", "w", "ʃ", "æ", "y"]


def cues_for(phones: list[Phone], preset: Preset, rate: FrameRate, seconds: float) -> tuple[Cue, ...]:
    frames = max(1, rate.frames_in(seconds))
    return to_frames(animate(phones, preset, rate.seconds_at(frames)), rate, preset, frames)


def random_timeline(rng: random.Random) -> tuple[list[Phone], float]:
    """Phones of random lengths (many shorter than a frame), with the odd pause."""
    t = rng.uniform(0.0, 0.3)
    phones = []
    for _ in range(rng.randint(3, 25)):
        if rng.random() < 0.15:
            t += rng.choice([0.05, 0.2, 0.5])
        length = rng.choice([0.01, 0.02, 0.03, 0.05, 0.08, 0.12, 0.2]) * rng.uniform(0.6, 1.4)
        phones.append(Phone(t, t + length, rng.choice(SYMBOLS), f"w{len(phones) // 4}", 0))
        t += length
    return phones, t + rng.uniform(0.0, 0.5)


def assert_contiguous(cues: tuple[Cue, ...], frames: int) -> None:
    assert cues, "no cues"
    assert cues[0].frame == 0
    assert cues[-1].end == frames
    for cue in cues:
        assert cue.length >= 1
    for first, second in zip(cues, cues[1:]):
        assert first.end == second.frame
        assert first.shape != second.shape, "repeated shape not joined"


def closed_near(cues, closed: set[str], low: int, high: int) -> bool:
    return any(cue.shape in closed and cue.frame < high and cue.end > low for cue in cues)


# --- closures are never lost ----------------------------------------------------------------------


@pytest.mark.parametrize("name", PRESETS)
def test_a_closure_shorter_than_a_frame_is_kept(name):
    preset = load_preset(name)
    rate = FrameRate(24)
    # "ama" with an M of 15 ms (a third of a frame)
    phones = [Phone(0.50, 0.70, "ɑ", "ama"), Phone(0.70, 0.715, "m", "ama"), Phone(0.715, 0.95, "ɑ", "ama")]
    cues = cues_for(phones, preset, rate, 1.5)
    lead = preset.timing.lead_frames
    assert closed_near(cues, {preset.closed}, rate.frame_at(0.70) - lead - 1, rate.frames_in(0.715) + 1), cues


@pytest.mark.parametrize("name", PRESETS)
@pytest.mark.parametrize(("min_hold", "step"), HOLDS_AND_STEPS)
def test_a_closure_squeezed_between_short_shapes_is_kept(name, min_hold, step):
    preset = load_preset(name).with_timing(min_hold_frames=min_hold, step=step)
    rate = FrameRate(24)
    # i-p-u-m-i: every phone shorter than a frame, closures between changing vowels
    phones = [Phone(0.40, 0.60, "ɑ", "a"), Phone(0.60, 0.625, "i", "b"), Phone(0.625, 0.64, "p", "b"),
              Phone(0.64, 0.66, "u", "b"), Phone(0.66, 0.675, "m", "b"), Phone(0.675, 0.70, "i", "b"),
              Phone(0.70, 0.90, "s", "b")]
    cues = cues_for(phones, preset, rate, 1.2)
    lead = preset.timing.lead_frames
    low = rate.frame_at(0.625) - lead - (step - 1) - 1
    assert closed_near(cues, {preset.closed}, low, rate.frames_in(0.675) + 1), cues


@pytest.mark.parametrize(("min_hold", "step"), HOLDS_AND_STEPS)
def test_a_closure_right_after_the_first_frame_is_kept(min_hold, step):
    # Regression: with the rest mouth being the closed mouth (anime), the B merged into the
    # first frame's rest, whose one-frame neighbours then swallowed it whole.
    preset = load_preset("anime-3").with_timing(min_hold_frames=min_hold, step=step)
    rate = FrameRate(12)
    phones = [Phone(0.022, 0.031, "w", "wab"), Phone(0.031, 0.11, "ɑ", "wab"), Phone(0.11, 0.164, "b", "wab"),
              Phone(0.164, 0.233, "l", "l"), Phone(0.233, 0.256, "ʃ", "l"), Phone(0.256, 0.312, "k", "l"),
              Phone(0.312, 0.535, "aɪ", "l")]
    cues = cues_for(phones, preset, rate, 0.6)
    assert closed_near(cues, {"closed"}, 0, rate.frames_in(0.164) + 1), cues


@pytest.mark.parametrize("name", PRESETS)
def test_every_bilabial_keeps_a_closed_mouth_on_random_timelines(name):
    rng = random.Random(0)
    base = load_preset(name)
    checked = 0
    for min_hold, step in HOLDS_AND_STEPS:
        preset = base.with_timing(min_hold_frames=min_hold, step=step)
        closed = {preset.closed, preset.rest}
        lead = preset.timing.lead_frames
        for fps in (12, 24, 30):
            rate = FrameRate(fps)
            for _ in range(12):
                phones, seconds = random_timeline(rng)
                cues = cues_for(phones, preset, rate, seconds)
                for phone in phones:
                    if not is_bilabial(phone.symbol):
                        continue
                    checked += 1
                    # within a frame of the phone, once moved by the lead and snapped to steps
                    low = rate.frame_at(phone.start) - lead - (step - 1) - 1
                    high = rate.frames_in(phone.end) + 1
                    assert closed_near(cues, closed, low, high), (min_hold, step, fps, phone, phones, cues)
    assert checked > 300


@pytest.mark.parametrize("name", PRESETS)
def test_random_timelines_keep_every_frame_rule(name):
    rng = random.Random(0)
    base = load_preset(name)
    for min_hold, step in HOLDS_AND_STEPS:
        preset = base.with_timing(min_hold_frames=min_hold, step=step)
        for fps in (12, 24, 30):
            rate = FrameRate(fps)
            for _ in range(12):
                phones, seconds = random_timeline(rng)
                frames = max(1, rate.frames_in(seconds))
                cues = cues_for(phones, preset, rate, seconds)
                assert_contiguous(cues, frames)
                names = set(preset.shape_set.names)
                assert {cue.shape for cue in cues} <= names
                if frames >= min_hold:
                    short = [cue for cue in cues if cue.length < min_hold]
                    assert not short, (min_hold, step, fps, cues)
                assert all(cue.frame % step == 0 for cue in cues), (step, cues)


def test_the_vowel_after_a_closure_shorter_than_a_frame_is_kept():
    # "blue map" as the aligner times it: an M of 27 ms that starts on the frame the open vowel
    # does; the vowel (3.6 frames) was lost, the mouth closed from the M to the end of the line
    preset = load_preset("anime-3").with_timing(step=1)
    rate = FrameRate(24)
    phones = [Phone(1.503, 1.689, "u", "blue"), Phone(1.689, 1.716, "m", "map"), Phone(1.716, 1.865, "æ", "map"),
              Phone(1.865, 1.888, "p", "map")]
    cues = cues_for(phones, preset, rate, 2.5)
    lead = preset.timing.lead_frames
    assert closed_near(cues, {"closed"}, rate.frame_at(1.689) - lead - 1, rate.frames_in(1.716) + 1), cues
    assert closed_near(cues, {"open"}, rate.frames_in(1.716) - lead, rate.frame_at(1.865) - lead), cues


@pytest.mark.parametrize("name", PRESETS)
def test_every_vowel_of_two_frames_shows_on_random_timelines(name):
    # The frame rules alone: no minimum in time (a closure taking time from a neighbour can
    # leave that neighbour under it, as test_the_minimum_in_time_* show).
    preset = load_preset(name).with_timing(min_hold_frames=1, min_hold_seconds=0, step=1, lead_frames=0)
    rng = random.Random(1)
    checked = 0
    for fps in (12, 24, 30):
        rate = FrameRate(fps)
        for _ in range(40):
            phones, seconds = random_timeline(rng)
            shapes = animate(phones, preset, rate.seconds_at(max(1, rate.frames_in(seconds))))
            cues = cues_for(phones, preset, rate, seconds)
            for shape in shapes:
                first, last = rate.nearest_frame(shape.start), rate.nearest_frame(shape.end)
                if shape.name in (preset.closed, preset.rest) or last - first < 2:
                    continue
                checked += 1
                assert any(cue.frame < last and cue.end > first and cue.shape == shape.name for cue in cues), \
                    (fps, shape, shapes, cues)
    assert checked > 100


# --- the other rules --------------------------------------------------------------------------


def test_cues_cover_the_duration_exactly_and_start_at_rest():
    preset = load_preset("rhubarb")
    rate = FrameRate(24)
    shapes = [Shape(0.0, 0.5, "X"), Shape(0.5, 0.8, "D"), Shape(0.8, 1.0, "A"), Shape(1.0, 1.3, "C"),
              Shape(1.3, 2.0, "X")]
    cues = to_frames(shapes, rate, preset, 48)
    assert_contiguous(cues, 48)
    assert cues == (Cue(0, 12, "X"), Cue(12, 7, "D"), Cue(19, 5, "A"), Cue(24, 7, "C"), Cue(31, 17, "X"))


@pytest.mark.parametrize("rate", [FrameRate(24), FrameRate(24000, 1001), FrameRate(30000, 1001), FrameRate(12)])
def test_each_shape_starts_on_the_frame_boundary_nearest_its_start(rate):
    preset = load_preset("rhubarb").with_timing(lead_frames=0, min_hold_frames=1)
    starts = [0.0, 0.31, 0.77, 1.26, 1.9]
    names = ["X", "D", "B", "E", "X"]
    shapes = [Shape(start, end, name) for start, end, name in zip(starts, starts[1:] + [3.0], names)]
    frames = rate.frames_in(3.0)
    cues = to_frames(shapes, rate, preset, frames)
    assert [cue.frame for cue in cues] == [rate.nearest_frame(start) for start in starts]
    assert [cue.shape for cue in cues] == names


@pytest.mark.parametrize("lead", [1, 2, 3])
@pytest.mark.parametrize("name", ["rhubarb", "preston-blair", "oculus-15"])
def test_lead_moves_every_change_earlier_by_n_frames(name, lead):
    rate = FrameRate(24)
    base = load_preset(name).with_timing(min_hold_frames=1, step=1)
    phones = [Phone(0.5, 0.8, "ɑ", "a"), Phone(0.8, 1.0, "m", "m"), Phone(1.0, 1.4, "u", "m"),
              Phone(1.4, 1.7, "s", "s"), Phone(2.5, 2.9, "i", "i")]
    plain = cues_for(phones, base.with_timing(lead_frames=0), rate, 3.5)
    led = cues_for(phones, base.with_timing(lead_frames=lead), rate, 3.5)
    assert [cue.shape for cue in led] == [cue.shape for cue in plain]
    assert led[0].frame == 0
    assert [cue.frame for cue in led[1:]] == [cue.frame - lead for cue in plain[1:]]
    assert led[-1].end == plain[-1].end


def test_lead_never_moves_a_change_before_frame_zero():
    preset = load_preset("preston-blair").with_timing(lead_frames=5, min_hold_frames=1)
    rate = FrameRate(24)
    cues = cues_for([Phone(0.05, 0.4, "ɑ", "a")], preset, rate, 1.0)
    assert_contiguous(cues, 24)
    assert cues[0] == Cue(0, cues[0].length, "AI")


@pytest.mark.parametrize("min_hold", [2, 3, 4])
def test_no_cue_is_shorter_than_min_hold(min_hold):
    preset = load_preset("rhubarb").with_timing(min_hold_frames=min_hold)
    rate = FrameRate(24)
    # a flicker of one-frame shapes
    symbols = ["ɑ", "s", "i", "t", "u", "k", "æ", "l", "oʊ", "f"]
    phones = [Phone(0.5 + i / 24, 0.5 + (i + 1) / 24, symbol, "w") for i, symbol in enumerate(symbols)]
    cues = cues_for(phones, preset, rate, 2.0)
    assert_contiguous(cues, 48)
    assert min(cue.length for cue in cues) >= min_hold
    # the talking still shows: the mouth is not at rest throughout
    assert any(cue.shape != "X" for cue in cues)


# --- the minimum in time (Rhubarb's: every shape lasts 5-7 cs, before the frame grid) -----------


def test_the_rhubarb_preset_shows_a_consonant_of_one_frame_but_not_one_shorter_than_5_cs():
    # "a t a": a 60 ms T spans frames 12.0-13.4 and shows for one frame (two frames at least
    # used to hide it); a 45 ms T (frames 12.0-13.1) is under Rhubarb's minimum and joins a vowel.
    preset = load_preset("rhubarb")
    rate = FrameRate(24)
    for length, shown in ((0.06, True), (0.045, False)):
        phones = [Phone(0.2, 0.5, "ɑ", "a"), Phone(0.5, 0.5 + length, "t", "t"), Phone(0.5 + length, 0.9, "ɑ", "a")]
        cues = cues_for(phones, preset, rate, 1.5)
        assert_contiguous(cues, 36)
        assert (Cue(12, 1, "B") in cues) is shown, (length, cues)


def test_a_consonant_under_5_cs_between_two_vowels_that_differ_takes_its_time_from_the_longer():
    # "all a": a 30 ms L between a rounded AO (E) and a wide AA (D) is heard, and now seen: it
    # takes 2 cs from the longer vowel and shows for a frame, where it used to join a vowel.
    # Between two vowels of one shape ("a l a") it would flash, and joins them as before.
    preset = load_preset("rhubarb")
    rate = FrameRate(24)
    all_a = [Phone(0.2, 0.5, "ɔ", "all"), Phone(0.5, 0.53, "l", "all"), Phone(0.53, 0.9, "ɑ", "a")]
    cues = cues_for(all_a, preset, rate, 1.5)
    assert_contiguous(cues, 36)
    assert Cue(12, 1, "H") in cues, cues
    a_l_a = [Phone(0.2, 0.5, "ɑ", "a"), Phone(0.5, 0.53, "l", "l"), Phone(0.53, 0.9, "ɑ", "a")]
    assert "H" not in [cue.shape for cue in cues_for(a_l_a, preset, rate, 1.5)]


@pytest.mark.parametrize(("symbol", "shape"), [("l", "H"), ("m", "A")])
def test_a_short_shape_shows_on_the_frame_it_is_heard_in(symbol, shape):
    # a 30 ms l (or m) from 0.315 to 0.345 s is heard in frame 7 (0.292-0.333 s at 24 fps): it
    # takes the 20 ms it lacks from the vowel before it, although the one after it is longer,
    # and shows on frame 7 alone (taken from the vowel after it, it would show on frame 8)
    preset = load_preset("rhubarb").with_timing(lead_frames=0)
    phones = [Phone(0.2, 0.315, "ɑ"), Phone(0.315, 0.345, symbol), Phone(0.345, 0.8, "æ")]
    cues = cues_for(phones, preset, FrameRate(24), 1.0)
    assert [cue for cue in cues if cue.shape == shape] == [Cue(7, 1, shape)], cues


def test_a_short_shape_takes_its_time_where_it_shows_on_fewer_frames():
    # a 30 ms l from 0.33 to 0.36 s covers the middle of frame 8 (0.354 s): taking 20 ms from
    # the longer vowel before it would put it on frames 7 and 8, from the vowel after it on
    # frame 8 alone
    preset = load_preset("rhubarb").with_timing(lead_frames=0)
    phones = [Phone(0.0, 0.33, "ɑ"), Phone(0.33, 0.36, "l"), Phone(0.36, 0.6, "æ")]
    cues = cues_for(phones, preset, FrameRate(24), 1.0)
    assert [cue for cue in cues if cue.shape == "H"] == [Cue(8, 1, "H")], cues


def test_a_short_shape_never_takes_its_time_from_a_pause():
    # a 30 ms L starting the speech after a pause takes its time from the vowel after it: the
    # mouth rests until the L starts
    shapes = [Shape(0.0, 0.5, "X"), Shape(0.5, 0.53, "H"), Shape(0.53, 0.9, "D"), Shape(0.9, 1.5, "X")]
    held = hold_shapes_at_least(shapes, 0.05, lambda shape: shape == "A", {"X": 0, "H": 2, "D": 2}.get, "X")
    assert held[:2] == (Shape(0.0, 0.5, "X"), Shape(0.5, 0.55, "H")), held


@pytest.mark.parametrize("fps", [24, 30, 60])
def test_the_minimum_in_time_holds_at_every_frame_rate(fps):
    # 0.08 s in time: at 60 fps no shape shorter than about 0.08 s, where a frame minimum of
    # two frames would allow 0.033 s; closures are kept (they take time from a neighbour).
    preset = load_preset("rhubarb").with_timing(min_hold_seconds=0.08, min_hold_frames=1, lead_frames=0)
    rate = FrameRate(fps)
    rng = random.Random(fps)
    for _ in range(30):
        phones, seconds = random_timeline(rng)
        frames = max(1, rate.frames_in(seconds))
        cues = cues_for(phones, preset, rate, seconds)
        assert_contiguous(cues, frames)
        if seconds > 0.2:
            # nearest-frame snapping moves each end by up to half a frame
            assert all(cue.length >= 0.08 * fps - 1 for cue in cues[1:-1]), (fps, cues)
        for phone in phones:
            if is_bilabial(phone.symbol) and phone.start > 0.1:
                low, high = rate.nearest_frame(phone.start) - 1, rate.nearest_frame(phone.end) + 1
                assert closed_near(cues, {"A"}, low, high) or cues[-1].frame <= low, (phone, cues)


def test_a_minimum_in_time_of_zero_leaves_the_shapes_as_they_are():
    shapes = [Shape(0.0, 0.3, "X"), Shape(0.3, 0.31, "B"), Shape(0.31, 0.5, "D")]
    assert hold_shapes_at_least(shapes, 0, lambda shape: shape == "A", lambda shape: 1) == tuple(shapes)


@pytest.mark.parametrize(("shapes", "joined"), [
    # "father's": a one-frame Z between a wide A and a puckered SH closes the mouth on its frame
    (["D", "B", "F"], "F"),
    (["F", "B", "D"], "F"),
    # a one-frame vowel between two half-open consonants opens to the nearer of them in width
    (["B", "C", "X"], "B"),
    # as close either way: the more open neighbour, as before
    (["D", "B", "A"], "D"),
    (["A", "B", "D"], "D"),
])
def test_a_short_shape_joins_the_neighbour_closest_in_openness(shapes, joined):
    preset = load_preset("rhubarb").with_timing(lead_frames=0, min_hold_frames=2)
    rate = FrameRate(24)
    timeline = [Shape(0.0, 0.5, "X"), Shape(0.5, 0.75, shapes[0]), Shape(0.75, 0.79, shapes[1]),
                Shape(0.79, 1.0, shapes[2]), Shape(1.0, 2.0, "X")]
    cues = to_frames(timeline, rate, preset, 48)
    assert_contiguous(cues, 48)
    assert [cue.shape for cue in cues if cue.frame == 18 or cue.frame < 18 < cue.end] == [joined], cues
    assert shapes[1] not in [cue.shape for cue in cues if 12 <= cue.frame < 24]


def test_a_sheet_shorter_than_min_hold_is_one_cue():
    preset = load_preset("rhubarb").with_timing(min_hold_frames=4)
    rate = FrameRate(24)
    cues = to_frames([Shape(0.0, 0.04, "X"), Shape(0.04, 0.08, "D")], rate, preset, 2)
    assert len(cues) == 1 and cues[0].frame == 0 and cues[0].length == 2
    assert to_frames([Shape(0.0, 0.04, "D")], rate, preset, 1) == (Cue(0, 1, "D"),)


@pytest.mark.parametrize("step", [2, 3])
def test_on_twos_and_threes_changes_fall_on_multiples_of_step(step):
    preset = load_preset("anime-5").with_timing(step=step)
    rate = FrameRate(24)
    phones = [Phone(0.3 + 0.07 * i, 0.3 + 0.07 * (i + 1), symbol, f"w{i // 3}")
              for i, symbol in enumerate(["ɑ", "m", "u", "s", "oʊ", "p", "i", "t", "ɑ", "b", "u", "l"])]
    cues = cues_for(phones, preset, rate, 2.0)
    assert_contiguous(cues, 48)
    assert len(cues) > 4
    assert all(cue.frame % step == 0 for cue in cues)
    assert "closed" in {cue.shape for cue in cues[1:-1]}


def test_on_twos_a_hold_of_three_frames_is_held_four():
    # min_hold 3 on twos: snapping to even frames must not leave two-frame holds.
    preset = load_preset("rhubarb").with_timing(min_hold_frames=3, step=2)
    rate = FrameRate(24)
    phones = [Phone(0.3 + i / 8, 0.3 + (i + 1) / 8, symbol, "w")
              for i, symbol in enumerate(["ɑ", "s", "u", "t", "i", "k", "æ", "f"])]
    cues = cues_for(phones, preset, rate, 2.0)
    assert_contiguous(cues, 48)
    assert all(cue.frame % 2 == 0 for cue in cues)
    assert min(cue.length for cue in cues) >= 3
