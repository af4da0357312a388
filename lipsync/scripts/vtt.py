"""WebVTT (``.vtt``) subtitles: ``WEBVTT`` header, cues with ``00:01.000 --> 00:02.500`` times.

``NOTE``, ``STYLE`` and ``REGION`` blocks are skipped, cue settings (``align:start``) ignored,
and a ``<v NAME>`` voice span names the speaker (else a ``NAME:`` prefix does).
"""

from __future__ import annotations

import re

from ..dialogue import Line
from ..errors import OptionHint
from ._common import fail, make_line
from .srt import blocks, dialogue_text, parse_timing

_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")
_HINT = "WebVTT cue times look like 00:01:02.500 --> 00:01:04.000"


def parse(text: str, where: str) -> tuple[Line, ...]:
    """Lines of a WebVTT file, each with its cue's time window."""
    found = blocks(text.lstrip("\ufeff"))
    if not found or not found[0][0][1].startswith("WEBVTT"):
        number = found[0][0][0] if found else 1
        raise fail(where, number, "a WebVTT file starts with the line 'WEBVTT'",
                   OptionHint(("add it, or pass {script_format} srt if this is a SubRip file",)))
    lines: list[Line] = []
    for index, block in enumerate(found):
        head = block[0][1].strip()
        if index == 0 and "-->" not in " ".join(row for _, row in block):
            continue  # the header block
        if head.startswith(("NOTE", "STYLE", "REGION")):
            continue
        search = block if index == 0 else block[:2]  # the header may run into the first cue
        timing_at = next((i for i, (_, row) in enumerate(search) if "-->" in row), None)
        if timing_at is None:
            raise fail(where, block[0][0], "expected a cue: an optional identifier, then 'start --> end', then the text",
                       _HINT)
        number, row = block[timing_at]
        start, end = parse_timing(row, number, where, _HINT)
        body = block[timing_at + 1:]
        if not body:
            continue
        raw = " ".join(r for _, r in body)
        voice = _VOICE.search(raw)
        speaker = voice.group(1).strip() if voice else None
        lines.append(make_line(dialogue_text([raw]), body[0][0], start, end, speaker))
    return tuple(lines)
