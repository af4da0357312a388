"""What the review page shows of a sheet's ``script`` block (see :class:`~lipsync.sheet.ScriptLine`).

The block says what became of every script line; the page needs it tied to what it draws: which
script line each of a track's dialogue lines is (a track's lines are its script lines that have
words, in script order, as :func:`lipsync.pipeline.sheet_lines` makes them), and where the
speech was recognized without the script (its phones name no script word).
"""

from __future__ import annotations

from typing import Any

from ..pipeline import line_summary
from ..recognize.settings import DEFAULT_SETTINGS
from ..sheet import Phone, ScriptLine, Sheet, Track
from ..vad import join_close

#: Phones recognized without the script this close together are one stretch (seconds).
STRETCH_GAP = 0.5


def track_script_lines(track: Track, script: tuple[ScriptLine, ...]) -> list[ScriptLine | None]:
    """The script line of each of ``track``'s dialogue lines, or None where the sheet does not
    tell (no script block, or lines that no longer match the words' script lines).

    >>> from lipsync.sheet import SheetLine, Word
    >>> script = (ScriptLine(0, 1, "Hi", "aligned"), ScriptLine(1, 2, "Gone", "not found"),
    ...           ScriptLine(2, 3, "Yo", "uncertain", 0.2))
    >>> track = Track("bob", (), (SheetLine(0, 5, "Hi"), SheetLine(9, 5, "Yo")),
    ...               (Word(0.0, 0.2, "Hi", 0), Word(0.4, 0.6, "Yo", 2)))
    >>> [line.number for line in track_script_lines(track, script)]
    [1, 3]
    """
    by_index = {line.index: line for line in script}
    spoken = sorted({word.line for word in track.words if word.line is not None})
    if len(spoken) != len(track.lines):
        return [None] * len(track.lines)
    found = [by_index.get(index) for index in spoken]
    return [entry if entry is not None and entry.text == line.text else None
            for entry, line in zip(found, track.lines)]


def unscripted_stretches(phones: tuple[Phone, ...]) -> list[tuple[float, float]]:
    """The stretches of ``phones`` recognized without the script (phones of no script word),
    phones less than :data:`STRETCH_GAP` apart joined.

    >>> unscripted_stretches((Phone(1.0, 1.1, "a"), Phone(1.3, 1.4, "n"), Phone(1.4, 1.6, "o", "no", 0),
    ...                       Phone(3.0, 3.2, "m")))
    [(1.0, 1.4), (3.0, 3.2)]
    """
    return join_close(((phone.start, phone.end) for phone in phones if phone.word is None), STRETCH_GAP)


def script_state(sheet: Sheet) -> dict[str, Any] | None:
    """The script block as the page draws it, None for a sheet without one: analyze's summary
    line, the confidence under which a word is doubtful (a line's ``aligned_at``), and per track
    the 0-based script line of each dialogue line (null where unknown) and the stretches
    recognized without the script."""
    if not sheet.script:
        return None
    return {
        "summary": line_summary(sheet.script),
        "doubtful_word": DEFAULT_SETTINGS.aligned_at,
        "tracks": [{"lines": [None if entry is None else entry.index
                              for entry in track_script_lines(track, sheet.script)],
                    "unscripted": unscripted_stretches(track.phones)}
                   for track in sheet.tracks],
    }
