"""SubRip (``.srt``) subtitles: numbered cues with ``00:00:01,000 --> 00:00:02,500`` times.

Read leniently where a person would: missing or wrong cue numbers, ``.`` for ``,``, missing
hours, extra blank lines, HTML tags (``<i>``), ``{\\an8}`` position codes, dialogue dashes. A
timing line that cannot be read, or a cue that ends before it starts, is an error naming the
line. A ``NAME:`` prefix names the speaker.
"""

from __future__ import annotations

import re

from ..dialogue import Line
from ._common import clean_markup, fail, make_line, parse_clock

_ARROW = re.compile(r"-+>")
_HINT = "SRT cue times look like 00:01:02,500 --> 00:01:04,000"


def blocks(text: str) -> list[list[tuple[int, str]]]:
    """Blank-line separated blocks of (1-based line number, text)."""
    found: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.strip():
            current.append((number, raw.rstrip()))
        elif current:
            found.append(current)
            current = []
    if current:
        found.append(current)
    return found


def parse_timing(line: str, number: int, where: str, hint: str = _HINT) -> tuple[float, float]:
    """The start and end of a ``start --> end [settings]`` timing line."""
    parts = _ARROW.split(line, maxsplit=1)
    if len(parts) != 2:
        raise fail(where, number, f"expected a timing line, got {line.strip()!r}", hint)
    try:
        start = parse_clock(parts[0])
        end = parse_clock(parts[1].split()[0] if parts[1].split() else "")
    except ValueError as error:
        raise fail(where, number, str(error), hint) from None
    if end < start:
        raise fail(where, number, "the cue ends before it starts", "swap or fix the two times")
    return start, end


def dialogue_text(rows: list[str]) -> str:
    """A cue's text lines as one line of dialogue (dialogue dashes removed)."""
    return clean_markup(" ".join(re.sub(r"^\s*[-–—]\s*", "", row) for row in rows))


def parse(text: str, where: str) -> tuple[Line, ...]:
    """Lines of an SRT file, each with its cue's time window."""
    lines: list[Line] = []
    for block in blocks(text.lstrip("\ufeff")):
        timing_at = next((i for i, (_, row) in enumerate(block[:3]) if "-->" in row), None)
        if timing_at is None:
            number, row = block[0]
            if lines and not row.strip().isdigit():
                # a blank line inside a cue's text: it continues the previous cue
                previous = lines[-1]
                lines[-1] = make_line(f"{previous.text} {dialogue_text([r for _, r in block])}", previous.number,
                                      previous.start, previous.end, previous.speaker)
                continue
            raise fail(where, number, "expected a cue: a number, then a line 'start --> end', then the text", _HINT)
        if timing_at > 1 or (timing_at == 1 and not block[0][1].strip().isdigit()):
            number, row = block[0]
            raise fail(where, number, f"unexpected text before the timing line: {row.strip()!r}", _HINT)
        number, row = block[timing_at]
        start, end = parse_timing(row, number, where)
        body = block[timing_at + 1:]
        if not body:
            continue  # a cue without text says nothing
        lines.append(make_line(dialogue_text([r for _, r in body]), body[0][0], start, end))
    return tuple(lines)
