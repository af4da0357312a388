"""Advanced SubStation Alpha / SubStation Alpha (``.ass``, ``.ssa``) subtitles.

Reads the ``[Events]`` section: ``Dialogue:`` lines in the order given by its ``Format:`` line
(the standard v4+ order when it is missing). The speaker is the ``Name`` (``Actor``) field;
override tags (``{\\i1}``, ``{\\pos(10,10)}``) are stripped and ``\\N`` is a space. ``Comment:``
events are not dialogue. A dialogue event with too few fields or a bad time is an error naming
the line.
"""

from __future__ import annotations

from ..dialogue import Line
from ._common import clean_markup, fail, make_line, parse_clock

_DEFAULT_FORMAT = ("layer", "start", "end", "style", "name", "marginl", "marginr", "marginv", "effect", "text")
_HINT = "ASS events look like: Dialogue: 0,0:00:01.00,0:00:03.50,Default,BOB,0,0,0,,Hello"


def parse(text: str, where: str) -> tuple[Line, ...]:
    """Lines of an ASS/SSA file, each with its event's time window."""
    section = None
    fields = _DEFAULT_FORMAT
    lines: list[Line] = []
    saw_events = False
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        row = raw.strip()
        if not row or row.startswith(";"):
            continue
        if row.startswith("[") and row.endswith("]"):
            section = row[1:-1].strip().lower()
            saw_events = saw_events or section == "events"
            continue
        kind, sep, value = row.partition(":")
        kind = kind.strip().lower()
        if section != "events" or not sep:
            continue
        if kind == "format":
            fields = tuple(name.strip().lower().replace("actor", "name") for name in value.split(","))
            if "text" not in fields or fields[-1] != "text" or "start" not in fields or "end" not in fields:
                raise fail(where, number, "the Format line must list Start, End and, last, Text",
                           "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text")
            continue
        if kind != "dialogue":
            continue  # Comment:, Picture:, Sound:, Movie:, Command:
        values = value.lstrip().split(",", len(fields) - 1)
        if len(values) < len(fields):
            raise fail(where, number, f"a Dialogue event needs {len(fields)} comma-separated fields, "
                       f"found {len(values)}", _HINT)
        event = dict(zip(fields, values))
        try:
            start, end = parse_clock(event["start"]), parse_clock(event["end"])
        except ValueError as error:
            raise fail(where, number, str(error), _HINT) from None
        if end < start:
            raise fail(where, number, "the event ends before it starts", "swap or fix the two times")
        body = clean_markup(event["text"])
        if not body:
            continue
        speaker = event.get("name", "").strip() or None
        lines.append(make_line(body, number, start, end, speaker))
    if not saw_events:
        raise fail(where, 1, "no [Events] section", "an ASS/SSA file lists its dialogue under [Events]")
    return tuple(lines)
