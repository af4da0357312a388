"""Exact frame rates, seconds <-> frames, and SMPTE timecode (drop-frame and non-drop).

Frame rates are kept as exact fractions (23.976 is 24000/1001), so frame numbers never drift,
even over hours. The frame of a time ``t`` is ``floor(t * rate)``: earlier rather than later.

>>> rate = FrameRate.parse("23.976")
>>> str(rate), rate.frame_at(3603.6)
('24000/1001', 86400)
>>> ntsc = FrameRate.parse("29.97")
>>> format_timecode(parse_timecode("01:00:00;00", ntsc), ntsc, is_drop_frame("01:00:00;00", ntsc))
'01:00:00;00'
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

from .errors import OptionError

# Common decimal names of the NTSC rates, mapped to their exact values.
_NTSC_NAMES = {
    "23.976": Fraction(24000, 1001),
    "23.98": Fraction(24000, 1001),
    "29.97": Fraction(30000, 1001),
    "47.952": Fraction(48000, 1001),
    "59.94": Fraction(60000, 1001),
    "119.88": Fraction(120000, 1001),
}

#: The frame rates lipsync accepts, in frames per second.
MIN_RATE = 1
MAX_RATE = 1000

# Tolerance for times that sit a hair below a frame boundary through float rounding.
_EPSILON = 1e-6


@dataclass(frozen=True, order=True)
class FrameRate:
    """An exact frame rate ``num / den`` frames per second."""

    num: int
    den: int = 1

    def __post_init__(self) -> None:
        if self.num <= 0 or self.den <= 0:
            raise OptionError(f"frame rate must be positive, got {self.num}/{self.den}",
                              "use e.g. 24, 23.976, 25, 29.97 or 24000/1001")
        divisor = math.gcd(self.num, self.den)
        if divisor != 1:
            object.__setattr__(self, "num", self.num // divisor)
            object.__setattr__(self, "den", self.den // divisor)

    @classmethod
    def parse(cls, text: str | int | float | Fraction | FrameRate) -> FrameRate:
        """Read a rate written as ``24``, ``23.976``, ``29.97``, ``24000/1001`` or ``25.0``.

        The NTSC decimal names (23.976, 29.97, 59.94...) stand for their exact x/1001 values.
        """
        if isinstance(text, FrameRate):
            return text
        if isinstance(text, Fraction):
            return cls(text.numerator, text.denominator)
        raw = str(text).strip()
        hint = "use e.g. 12, 23.976, 24, 25, 29.97, 30, 50, 59.94, 60 or a fraction such as 24000/1001"
        if raw in _NTSC_NAMES:
            value = _NTSC_NAMES[raw]
        else:
            try:
                value = Fraction(raw)
            except (ValueError, ZeroDivisionError):
                raise OptionError(f"not a frame rate: {raw!r}", hint) from None
            for name, exact in _NTSC_NAMES.items():
                if "/" not in raw and abs(float(value) - float(exact)) < 0.0015 and value != round(value):
                    value = exact
                    break
        if not MIN_RATE <= value <= MAX_RATE:
            raise OptionError(f"frame rate {raw!r} is outside {MIN_RATE}..{MAX_RATE} fps", hint)
        return cls(value.numerator, value.denominator)

    @property
    def fraction(self) -> Fraction:
        """The rate as an exact :class:`~fractions.Fraction`."""
        return Fraction(self.num, self.den)

    def __float__(self) -> float:
        return self.num / self.den

    def __str__(self) -> str:
        return str(self.num) if self.den == 1 else f"{self.num}/{self.den}"

    @property
    def nominal(self) -> int:
        """The whole number of frames counted per timecode second (30 for 29.97)."""
        return round(self.num / self.den)

    @property
    def supports_drop_frame(self) -> bool:
        """Drop-frame timecode exists only for 29.97 and 59.94 (and their multiples of 30000/1001)."""
        return self.den == 1001 and self.nominal % 30 == 0

    def frame_at(self, seconds: float) -> int:
        """The frame showing time ``seconds``: ``floor(seconds * rate)``, 0-based."""
        return math.floor(seconds * self.num / self.den + _EPSILON)

    def nearest_frame(self, seconds: float) -> int:
        """The frame boundary nearest to ``seconds``: the first frame that mostly shows a change
        happening at that time."""
        return math.floor(seconds * self.num / self.den + 0.5)

    def seconds_at(self, frame: int) -> float:
        """The time at which ``frame`` starts."""
        return frame * self.den / self.num

    def frames_in(self, seconds: float) -> int:
        """How many whole or partial frames it takes to cover ``seconds`` of audio."""
        return max(0, math.ceil(seconds * self.num / self.den - _EPSILON))


_TIMECODE = re.compile(r"^(\d{1,2}):(\d{2}):(\d{2})([:;.,])(\d{2,3})$")
# The separators before the frames that mark drop-frame timecode (``:`` and ``.`` are non-drop).
_DROP_SEPARATORS = ";,"


def parse_timecode(text: str, rate: FrameRate) -> int:
    """The frame count of an SMPTE timecode ``HH:MM:SS:FF`` (``;`` before FF means drop-frame).

    Timecode runs from 00:00:00:00 to 23:59:59:FF, as on tape and in EDLs.
    """
    match = _TIMECODE.match(text.strip())
    hint = "write HH:MM:SS:FF, or HH:MM:SS;FF for drop-frame at 29.97/59.94"
    if not match:
        raise OptionError(f"not a timecode: {text!r}", hint)
    hours, minutes, seconds, separator, frames = match.groups()
    hours, minutes, seconds, frames = int(hours), int(minutes), int(seconds), int(frames)
    nominal = rate.nominal
    if hours > 23 or minutes > 59 or seconds > 59 or frames >= nominal:
        raise OptionError(f"timecode {text!r} is out of range at {float(rate):g} fps", hint)
    drop = separator in _DROP_SEPARATORS
    if drop and not rate.supports_drop_frame:
        raise OptionError(f"drop-frame timecode {text!r} exists only at 29.97 or 59.94 fps",
                          "use ':' before the frames for non-drop timecode")
    total_minutes = hours * 60 + minutes
    count = (total_minutes * 60 + seconds) * nominal + frames
    if drop:
        dropped_per_minute = nominal // 15  # 2 at 29.97, 4 at 59.94
        if seconds == 0 and minutes % 10 != 0 and frames < dropped_per_minute:
            raise OptionError(f"timecode {text!r} does not exist in drop-frame", hint)
        count -= dropped_per_minute * (total_minutes - total_minutes // 10)
    return count


def is_drop_frame(start_timecode: str | None, rate: FrameRate) -> bool:
    """Whether a sheet's timecode is drop-frame: as its start timecode is written (``;`` or ``,``
    before the frames drop-frame, ``:`` or ``.`` non-drop); without one, drop-frame at the rates
    that have it, 29.97 and 59.94 (formats.md 11.4). Every output writes every timecode so.

    >>> ntsc = FrameRate.parse("29.97")
    >>> is_drop_frame("01:00:00:00", ntsc), is_drop_frame("01:00:00;00", ntsc), is_drop_frame(None, ntsc)
    (False, True, True)
    >>> is_drop_frame(None, FrameRate(25))
    False
    """
    if not start_timecode:
        return rate.supports_drop_frame
    match = _TIMECODE.match(start_timecode.strip())
    return bool(match) and match.group(4) in _DROP_SEPARATORS


def format_timecode(frame: int, rate: FrameRate, drop_frame: bool) -> str:
    """The SMPTE timecode of a frame count, drop-frame (only at 29.97 and 59.94) or not: a
    sheet's timecode in the mode :func:`is_drop_frame` gives.

    >>> ntsc = FrameRate.parse("29.97")
    >>> format_timecode(1900, ntsc, drop_frame=True), format_timecode(1900, ntsc, drop_frame=False)
    ('00:01:03;12', '00:01:03:10')
    """
    nominal = rate.nominal
    if drop_frame and not rate.supports_drop_frame:
        raise OptionError(f"drop-frame timecode needs 29.97 or 59.94 fps, not {float(rate):g}")
    if drop_frame:
        dropped = nominal // 15
        per_ten_minutes = nominal * 600 - dropped * 9
        per_minute = nominal * 60 - dropped
        tens, rest = divmod(frame, per_ten_minutes)
        extra = dropped * 9 * tens
        if rest > dropped:
            extra += dropped * ((rest - dropped) // per_minute)
        frame += extra
    frames = frame % nominal
    seconds = (frame // nominal) % 60
    minutes = (frame // (nominal * 60)) % 60
    hours = frame // (nominal * 3600)
    separator = ";" if drop_frame else ":"
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{frames:02d}"
