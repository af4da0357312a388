"""CSV and TSV dub scripts: one row per line of dialogue, with a header row naming the columns.

The text column is required; the character, start and end columns are optional. Columns are
found by their usual names (``Character``/``Speaker``/``Role``, ``Text``/``Dialogue``/``Line``,
``Start``/``In``/``TC In``, ``End``/``Out``/``TC Out``, in several languages) or named with
``columns={"speaker": "Rolle", "text": "Dialog", "start": "Von", "end": "Bis"}``. Times are
seconds, clocks (``00:01:02.500``) or timecodes (``00:01:02:12`` at ``fps``, default 24).
Rows without text are skipped; a bad time is an error naming the row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from ..dialogue import Line
from ..errors import OptionHint, ScriptError
from ._common import clean_markup, fail, make_line, parse_time

ROLES = ("speaker", "text", "start", "end")
_NAMES = {
    "speaker": ("character", "speaker", "role", "name", "char", "actor", "voice", "personnage", "personaje",
                "personagem", "rolle", "figur", "ruolo", "personaggio", "役名", "キャラクター", "キャラ", "話者", "配役"),
    "text": ("text", "dialogue", "dialog", "line", "lines", "script", "translation", "dub", "texte", "dialogues",
             "réplique", "replique", "texto", "diálogo", "dialogo", "testo", "battuta", "台詞", "セリフ", "せりふ",
             "テキスト", "subtitle", "transcript"),
    "start": ("start", "in", "tc in", "tc_in", "tcin", "timecode in", "start time", "start tc", "begin", "from",
              "début", "debut", "inicio", "entrada", "von", "start_time", "開始", "イン"),
    "end": ("end", "out", "tc out", "tc_out", "tcout", "timecode out", "end time", "end tc", "stop", "to", "fin",
            "salida", "bis", "end_time", "終了", "アウト"),
}


def _normal(name: str) -> str:
    return " ".join(name.strip().strip("\ufeff").lower().replace("-", " ").split())


def find_columns(header: list[str], columns: Mapping[str, str] | None, where: str) -> dict[str, int]:
    """Index of each role's column in ``header``."""
    normal = [_normal(name) for name in header]
    found: dict[str, int] = {}
    for role in ROLES:
        if columns and role in columns:
            wanted = _normal(columns[role])
            if wanted not in normal:
                raise ScriptError(f"{where}: no column named {columns[role]!r}",
                                  f"the columns are: {', '.join(h.strip() for h in header)}")
            found[role] = normal.index(wanted)
            continue
        for alias in _NAMES[role]:
            if alias in normal and normal.index(alias) not in found.values():
                found[role] = normal.index(alias)
                break
    if "text" not in found:
        raise ScriptError(f"{where}: line 1: no dialogue column among {', '.join(h.strip() for h in header)}",
                          OptionHint(("name it with {columns} text=COLUMN (and speaker=, start=, end= for the others)",)))
    return found


#: How a table cell says yes, and no (an empty cell is no).
YES = ("true", "yes", "y", "1", "on", "x")
NO = ("false", "no", "n", "0", "off", "")


def yes_or_no(cell: str) -> bool | None:
    """A table cell read as yes (True) or no (False; empty too), None when it says neither.

    >>> [yes_or_no(cell) for cell in (" Yes", "0", "", "maybe")]
    [True, False, False, None]
    """
    text = cell.strip().lower()
    return True if text in YES else False if text in NO else None


def records(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    r"""The CSV records of ``text``, each with the line it starts on.

    A quote that is never closed would swallow every following line into one cell: it raises
    ``ValueError(line, reason)`` naming the line where that quoted cell opens.

    >>> records('a,b\n"c\nd",e\n', ",")
    [(1, ['a', 'b']), (2, ['c\nd', 'e'])]
    >>> records('a,b\n"c,d\ne,f\n', ",")
    Traceback (most recent call last):
    ValueError: (2, 'a quote opened on this line is never closed')
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    found, previous = [], 0
    try:
        for row in reader:
            found.append((previous + 1, row))  # csv reports where a record ends; keep where it starts
            previous = reader.line_num
    except csv.Error as error:
        raise ValueError(previous + 1, f"not readable as a table: {error}") from None
    # At the end of the text inside quotes, the reader ends the last cell there: the quotes of
    # the whole text are then odd in number, and that cell holds the following lines.
    if found and text.count('"') % 2 and found[-1][1] and "\n" in found[-1][1][-1]:
        start, cells = found[-1]
        raise ValueError(start + sum(cell.count("\n") for cell in cells[:-1]),
                         "a quote opened on this line is never closed")
    return found


def parse(text: str, where: str, columns: Mapping[str, str] | None = None, delimiter: str | None = None,
          fps: float | None = None) -> tuple[Line, ...]:
    """Lines of a CSV/TSV dub script."""
    text = text.lstrip("\ufeff")
    if delimiter is None:
        sample = "\n".join(text.splitlines()[:5])
        counts = {d: sample.count(d) for d in (",", ";", "\t")}
        delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    try:
        rows = [(start, row) for start, row in records(text, delimiter) if any(cell.strip() for cell in row)]
    except ValueError as error:
        raise fail(where, error.args[0], error.args[1], "check the quotes on that line") from None
    if not rows:
        return ()
    header_line, header = rows[0]
    found = find_columns(header, columns, where)
    lines: list[Line] = []
    for number, row in rows[1:]:
        def cell(role: str) -> str:
            index = found.get(role)
            return row[index].strip() if index is not None and index < len(row) else ""

        body = clean_markup(cell("text"))
        if not body:
            continue
        times = []
        for role in ("start", "end"):
            value = cell(role)
            if not value:
                times.append(None)
                continue
            try:
                times.append(parse_time(value, fps))
            except ValueError as error:
                raise fail(where, number, f"{role} column: {error}",
                           "write times as seconds (12.5), 00:00:12.500 or timecode 00:00:12:12") from None
        start, end = times
        if start is not None and end is not None and end < start:
            raise fail(where, number, "the line ends before it starts", "swap or fix the two times")
        lines.append(make_line(body, number, start, end, cell("speaker") or None))
    return tuple(lines)
