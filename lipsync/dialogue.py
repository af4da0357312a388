"""Reading dialogue scripts into lines, and lines into words.

A plain-text script has one line of dialogue per line; an optional ``NAME:`` prefix names the
speaker. Stage directions in brackets (``[laughs]``, ``(sighs)``) are not spoken and are dropped
from the words to align.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import ScriptError

_SPEAKER = re.compile(r"^\s*([^\s:][^:]{0,31}):\s+(\S.*)$")
_TITLE = re.compile(r"^[^\W\d_]{1,3}\.$")  # Dr. Mr. Mrs. St.
_DIRECTION = re.compile(r"\[[^\]]*\]|\([^)]*\)|\{[^}]*\}|<[^>]*>")
_WORD = re.compile(r"[\w]+(?:['’][\w]+)*", re.UNICODE)


@dataclass(frozen=True)
class Line:
    """A line of dialogue: its text, its speaker if known, and its time window if known."""

    text: str
    speaker: str | None = None
    start: float | None = None
    end: float | None = None
    number: int = 0  # 1-based line number in the script file, for messages


def decode_script(data: bytes, path: str) -> str:
    """Script bytes as text: UTF-8 (with or without BOM) or UTF-16 with a BOM.

    Undecodable bytes raise :class:`ScriptError` naming the line.
    """
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return data.decode("utf-16")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ScriptError(f"{path}: line {line} is not valid UTF-8",
                          "save the script as UTF-8 text") from None


def parse_plain_text(text: str) -> tuple[Line, ...]:
    """Lines of a plain-text script (blank lines skipped, ``NAME:`` prefixes read as speakers)."""
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped:
            continue
        match = _SPEAKER.match(stripped)
        if match and is_speaker_name(match.group(1)):
            lines.append(Line(match.group(2).strip(), match.group(1).strip(), number=number))
        else:
            lines.append(Line(stripped, number=number))
    return tuple(lines)


def is_speaker_name(text: str) -> bool:
    """True when the text before a colon reads as a character's name (``BOB``, ``Anna``,
    ``Dr. Lee``, ``ナレーション``), not as the start of a sentence (``Watch my lips``).

    >>> is_speaker_name("Dr. Lee"), is_speaker_name("Watch my lips"), is_speaker_name("10")
    (True, False, False)
    """
    words = text.split()
    if not 1 <= len(words) <= 4 or any(ch in text for ch in ",;!?\"()[]"):
        return False
    for word in words:
        first = word[0]
        if first.isdigit() or (first.isalpha() and first.islower()):
            return False
        if "." in word and not _TITLE.match(word):
            return False
    return True


def read_script(path: str | Path) -> tuple[Line, ...]:
    """Read a dialogue script file; raises ScriptError if missing, undecodable or empty."""
    script = Path(path)
    if not script.exists() or script.is_dir():
        raise ScriptError(f"script not found: {str(script)!r}", "check the path given to --script")
    try:
        data = script.read_bytes()
    except OSError as error:
        raise ScriptError(f"cannot read script {str(script)!r}: {error.strerror}", "check the file's permissions") from None
    lines = parse_plain_text(decode_script(data, str(script)))
    if not any(words_of(line.text) for line in lines):
        raise ScriptError(f"script {str(script)!r} has no words to align",
                          "put the dialogue in the file, or leave out --script to recognize speech")
    return lines


def words_of(text: str) -> tuple[str, ...]:
    """The spoken words of a line: stage directions dropped, punctuation stripped.

    >>> words_of("Hi, [laughs] it's 42!")
    ('Hi', "it's", '42')
    """
    return tuple(match.group(0).replace("’", "'") for match in _WORD.finditer(_DIRECTION.sub(" ", text)))
