"""Frame rates, seconds <-> frames and SMPTE timecode (lipsync.timing)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from lipsync.errors import OptionError
from lipsync.timing import FrameRate, format_timecode, is_drop_frame, parse_timecode

NTSC_24 = FrameRate.parse("23.976")
NTSC_30 = FrameRate.parse("29.97")
NTSC_60 = FrameRate.parse("59.94")


@pytest.mark.parametrize(("text", "exact"), [
    ("12", Fraction(12)),
    ("23.976", Fraction(24000, 1001)),
    ("23.98", Fraction(24000, 1001)),
    ("24", Fraction(24)),
    ("25", Fraction(25)),
    ("29.97", Fraction(30000, 1001)),
    ("30", Fraction(30)),
    ("48", Fraction(48)),
    ("50", Fraction(50)),
    ("59.94", Fraction(60000, 1001)),
    ("60", Fraction(60)),
    ("24000/1001", Fraction(24000, 1001)),
    ("30000/1001", Fraction(30000, 1001)),
    ("25.0", Fraction(25)),
    (" 24 ", Fraction(24)),
    (23.976, Fraction(24000, 1001)),
    (29.97, Fraction(30000, 1001)),
    (24, Fraction(24)),
    (Fraction(48000, 2002), Fraction(24000, 1001)),
])
def test_parse_gives_the_exact_rate(text, exact):
    rate = FrameRate.parse(text)
    assert rate.fraction == exact
    assert (rate.num, rate.den) == (exact.numerator, exact.denominator)


def test_rates_print_as_exact_fractions():
    assert str(NTSC_24) == "24000/1001"
    assert str(NTSC_30) == "30000/1001"
    assert str(FrameRate.parse("24")) == "24"
    assert FrameRate.parse(str(NTSC_24)) == NTSC_24
    assert FrameRate.parse(NTSC_24) is NTSC_24


@pytest.mark.parametrize("bad", ["", "abc", "0", "-24", "1/0", "24/0", "2000", "nan", "inf", "24 fps", "twelve"])
def test_bad_rates_are_option_errors_with_a_hint(bad):
    with pytest.raises(OptionError) as caught:
        FrameRate.parse(bad)
    assert caught.value.hint


def test_rate_constructor_rejects_non_positive_values():
    with pytest.raises(OptionError):
        FrameRate(0)
    with pytest.raises(OptionError):
        FrameRate(24, -1)


def test_no_drift_over_an_hour_at_23_976():
    # 86400 frames at 24000/1001 fps last exactly 3603.6 s.
    assert NTSC_24.frame_at(3603.6) == 86400
    assert NTSC_24.seconds_at(86400) == pytest.approx(3603.6, abs=1e-9)
    assert NTSC_24.frames_in(3603.6) == 86400
    # A float approximation of the rate would be a frame or more off by now.
    assert int(3603.6 * 23.976) != 86400


@pytest.mark.parametrize("rate", [NTSC_24, NTSC_30, NTSC_60, FrameRate(24), FrameRate(25)])
def test_an_hour_of_frames_round_trips(rate):
    hour = rate.frames_in(3600.0)
    assert hour == -(-3600 * rate.num // rate.den)  # ceil, exactly
    for frame in range(hour + 1):
        start = rate.seconds_at(frame)
        assert rate.frame_at(start) == frame
        assert rate.nearest_frame(start) == frame
        # The middle of a frame belongs to that frame.
        assert rate.frame_at(start + 0.5 * rate.den / rate.num) == frame


def test_frame_at_is_floor_and_nearest_frame_rounds():
    rate = FrameRate(24)
    assert rate.frame_at(0.0) == 0
    assert rate.frame_at(1 / 24 - 1e-3) == 0
    assert rate.frame_at(1.0) == 24
    # a hair below a boundary through float rounding still counts as the boundary
    assert 0.58 * 50 < 29
    assert FrameRate(50).frame_at(0.58) == 29
    assert rate.nearest_frame(0.49 / 24) == 0
    assert rate.nearest_frame(0.51 / 24) == 1
    assert rate.nearest_frame(10.4 / 24) == 10
    assert rate.nearest_frame(10.6 / 24) == 11
    assert rate.frames_in(0.0) == 0
    assert rate.frames_in(0.01) == 1
    assert rate.frames_in(1.0) == 24
    assert rate.frames_in(1.001) == 25


# --- timecode -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("timecode", "rate", "frame"), [
    ("00:00:00:00", FrameRate(24), 0),
    ("00:00:01:00", FrameRate(24), 24),
    ("01:00:00:00", FrameRate(24), 86400),
    ("01:00:00:00", FrameRate(25), 90000),
    ("00:00:00:23", FrameRate(24), 23),
    ("01:00:00:00", NTSC_24, 86400),      # non-drop at 23.976 counts 24 per timecode second
    ("00:59:56:12", NTSC_30, 107892),     # non-drop at 29.97
    ("10:00:00:00", FrameRate(30), 1080000),
])
def test_non_drop_timecode(timecode, rate, frame):
    assert parse_timecode(timecode, rate) == frame
    assert format_timecode(frame, rate, drop_frame=False) == timecode


@pytest.mark.parametrize(("start", "rate", "drop"), [
    ("01:00:00:00", NTSC_30, False),      # written non-drop: non-drop, even at 29.97
    ("01:00:00.00", NTSC_30, False),
    ("01:00:00;00", NTSC_30, True),       # written drop-frame
    ("01:00:00,00", NTSC_30, True),
    (" 01:00:00;00 ", NTSC_60, True),
    ("01:00:00:00", NTSC_60, False),
    (None, NTSC_30, True),                # none: drop-frame where it exists (formats.md 11.4)
    ("", NTSC_30, True),
    (None, NTSC_60, True),
    (None, NTSC_24, False),
    (None, FrameRate(24), False),
    (None, FrameRate(30), False),
    ("01:00:00:00", FrameRate(25), False),
])
def test_the_timecode_is_drop_frame_as_the_start_timecode_is_written(start, rate, drop):
    assert is_drop_frame(start, rate) is drop


def test_a_frame_formats_in_the_mode_asked_for():
    assert format_timecode(86400, FrameRate(24), drop_frame=False) == "01:00:00:00"
    assert format_timecode(86400, NTSC_24, drop_frame=False) == "01:00:00:00"
    assert format_timecode(107892, NTSC_30, drop_frame=True) == "01:00:00;00"
    assert format_timecode(107892, NTSC_30, drop_frame=False) == "00:59:56:12"
    assert format_timecode(108000, NTSC_30, drop_frame=False) == "01:00:00:00"


def test_drop_frame_hour_at_29_97():
    assert parse_timecode("01:00:00;00", NTSC_30) == 107892
    assert format_timecode(107892, NTSC_30, drop_frame=True) == "01:00:00;00"
    # 59.94 drops four labels a minute
    assert parse_timecode("01:00:00;00", NTSC_60) == 215784


def test_drop_frame_skips_the_first_two_labels_of_each_minute():
    last = parse_timecode("00:00:59;29", NTSC_30)
    assert last == 1799
    assert format_timecode(last + 1, NTSC_30, drop_frame=True) == "00:01:00;02"
    assert parse_timecode("00:01:00;02", NTSC_30) == 1800
    # ... but not of every tenth minute
    assert format_timecode(parse_timecode("00:09:59;29", NTSC_30) + 1, NTSC_30, drop_frame=True) == "00:10:00;00"
    assert parse_timecode("00:10:00;00", NTSC_30) == 17982


@pytest.mark.parametrize("label", ["00:01:00;00", "00:01:00;01", "00:02:00;00", "01:01:00;01"])
def test_dropped_labels_are_invalid(label):
    with pytest.raises(OptionError, match="does not exist"):
        parse_timecode(label, NTSC_30)


def test_drop_frame_round_trips_over_an_hour():
    seen = set()
    for frame in range(0, 107892 + 1):
        label = format_timecode(frame, NTSC_30, drop_frame=True)
        assert parse_timecode(label, NTSC_30) == frame
        seen.add(label)
    assert len(seen) == 107893


def test_drop_frame_is_rejected_at_24_fps():
    with pytest.raises(OptionError) as caught:
        parse_timecode("01:00:00;00", FrameRate(24))
    assert "29.97" in str(caught.value)
    with pytest.raises(OptionError):
        format_timecode(100, FrameRate(24), drop_frame=True)
    with pytest.raises(OptionError):
        parse_timecode("01:00:00;00", NTSC_24)


@pytest.mark.parametrize("bad", ["", "aa", "99:99", "01:00:00", "00:60:00:00", "00:00:60:00",
                                 "00:00:00:24", "1:2:3:4", "01-00-00-00"])
def test_bad_timecodes_are_option_errors(bad):
    with pytest.raises(OptionError) as caught:
        parse_timecode(bad, FrameRate(24))
    assert caught.value.hint
