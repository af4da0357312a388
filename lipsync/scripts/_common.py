"""Helpers shared by the script formats: times, markup, speaker prefixes, error messages."""

from __future__ import annotations

import html
import re

from ..dialogue import Line, is_speaker_name
from ..errors import OptionHint, ScriptError

_CLOCK = re.compile(r"^\s*(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?\s*$")
_TIMECODE = re.compile(r"^\s*(\d{1,2}):(\d{2}):(\d{2})[:;.](\d{1,2})\s*$")
_SECONDS = re.compile(r"^\s*\d+(?:\.\d+)?\s*$")
_TAG = re.compile(r"<[^>]*>")
_ASS_TAG = re.compile(r"\{\\[^}]*\}")
_SPEAKER = re.compile(r"^\s*([^\s:][^:]{0,31}):\s+(\S.*)$", re.S)


def fail(where: str, number: int, reason: str, hint: str | OptionHint) -> ScriptError:
    """A ScriptError naming the file, the line and the reason."""
    return ScriptError(f"{where}: line {number}: {reason}", hint)


def parse_clock(text: str) -> float:
    """``HH:MM:SS,mmm`` / ``HH:MM:SS.mmm`` / ``MM:SS.mmm`` / ``H:MM:SS.cc`` in seconds.

    >>> parse_clock("00:01:02,500"), parse_clock("01:02.5"), parse_clock("0:00:01.25")
    (62.5, 62.5, 1.25)
    """
    match = _CLOCK.match(text)
    if not match:
        raise ValueError(f"bad timestamp {text.strip()!r}")
    hours, minutes, seconds, fraction = match.groups()
    if int(minutes) >= 60 or int(seconds) >= 60:
        raise ValueError(f"bad timestamp {text.strip()!r} (minutes and seconds go up to 59)")
    value = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    if fraction:
        value += int(fraction) / 10 ** len(fraction)
    return float(value)


def parse_time(text: str, fps: float | None = None) -> float:
    """A table's time: seconds (``12.5``), a clock (``00:00:12.500``) or a timecode
    (``00:00:12:12`` at ``fps``, default 24)."""
    if _SECONDS.match(text):
        return float(text)
    if text.count(":") == 3 or ";" in text:
        match = _TIMECODE.match(text)
        if not match:
            raise ValueError(f"bad timecode {text.strip()!r}")
        hours, minutes, seconds, frames = (int(g) for g in match.groups())
        rate = fps or 24.0
        if frames >= round(rate) or minutes >= 60 or seconds >= 60:
            raise ValueError(f"bad timecode {text.strip()!r}")
        return hours * 3600 + minutes * 60 + seconds + frames / rate
    return parse_clock(text)


def clean_markup(text: str) -> str:
    """Subtitle text without HTML-style tags, ASS override blocks and line-break codes."""
    text = _ASS_TAG.sub("", text)
    text = text.replace("\\N", " ").replace("\\n", " ").replace("\\h", " ")
    text = _TAG.sub("", text)
    text = html.unescape(text)
    return " ".join(text.split())


def make_line(text: str, number: int, start: float | None = None, end: float | None = None,
              speaker: str | None = None) -> Line:
    """A line, taking a ``NAME:`` prefix as the speaker when no speaker is given."""
    text = " ".join(text.split())
    if speaker is None:
        match = _SPEAKER.match(text)
        if match and is_speaker_name(match.group(1)):
            speaker, text = match.group(1).strip(), match.group(2).strip()
    return Line(text, speaker or None, start, end, number)
