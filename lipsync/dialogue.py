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
from .filetypes import binary_kind

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

    A Word, Excel, PDF, RTF, audio... file raises :class:`ScriptError` saying what it is and how
    to save it as text; other undecodable bytes raise it naming the line.
    """
    kind = binary_kind(data)
    if kind is not None:
        raise ScriptError(f"{path}: this is {kind.what}, not a plain-text script", kind.script_hint)
    if data.startswith(codecs.BOM_UTF32_LE) or data.startswith(codecs.BOM_UTF32_BE):
        return _decode_wide(data, "utf-32", path)
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return _decode_wide(data, "utf-16", path)
    unmarked = _unmarked_utf16(data)
    if unmarked:
        return _decode_wide(data, unmarked, path)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        wide = _plausible_utf16(data)
        if wide is not None:
            return wide
        line = data[: error.start].count(b"\n") + 1
        raise ScriptError(f"{path}: line {line} is not valid UTF-8",
                          "save the script as UTF-8 text (or UTF-16); legacy encodings such as "
                          "Windows-1252 or Shift-JIS are not guessed") from None


def _unmarked_utf16(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` for UTF-16 text without a BOM (mostly-ASCII text has a zero in
    every other byte), else None."""
    sample = data[:2000]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


# Where text read as UTF-16 without a BOM must fall: ASCII, and the CJK, kana and hangul blocks
# with their punctuation and full-width forms (Latin-1 or Shift-JIS bytes misread as UTF-16 land
# in other blocks, private use or surrogates, line after line).
_WIDE_SCRIPTS = re.compile("[\t\n\r\x20-\x7e\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
                           "\uf900-\ufaff\uff00-\uffef]*")
# ...and what such text always has somewhere: kana, CJK or full-width punctuation, or hangul.
_WIDE_MARKS = re.compile("[\u3000-\u30ff\uff00-\uffef\uac00-\ud7af]")


def _plausible_utf16(data: bytes) -> str | None:
    r"""Bytes that are not UTF-8 read as UTF-16 without a BOM, when one byte order gives
    Japanese, Chinese or Korean text (which has no zero bytes for :func:`_unmarked_utf16` to
    see); else None.

    >>> _plausible_utf16("こんにちは、世界。\n".encode("utf-16-le"))
    'こんにちは、世界。\n'
    >>> _plausible_utf16("Café crème\n".encode("latin-1")) is None
    True
    """
    if len(data) % 2:
        return None
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _WIDE_SCRIPTS.fullmatch(text) and _WIDE_MARKS.search(text):
            return text
    return None


def _decode_wide(data: bytes, encoding: str, path: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        width = 4 if encoding.startswith("utf-32") else 2
        text = data[: error.start - error.start % width].decode(encoding, errors="replace")
        raise ScriptError(f"{path}: line {text.count(chr(10)) + 1} is not valid {encoding.upper()}",
                          "save the script as UTF-8 text") from None


def parse_plain_text(text: str) -> tuple[Line, ...]:
    """Lines of a plain-text script: blank lines skipped, a ``NAME:`` prefix read as the line's
    speaker, and a line of only ``NAME:`` (a screenplay's character heading) as the speaker of the
    lines after it, up to the next heading.

    >>> [(line.speaker, line.text) for line in parse_plain_text("BOB:\\nHi.\\nYo.\\nANNA: Hey.\\nANNA:\\nBye.")]
    [('BOB', 'Hi.'), ('BOB', 'Yo.'), ('ANNA', 'Hey.'), ('ANNA', 'Bye.')]
    """
    lines = []
    heading: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped:
            continue
        name = stripped[:-1].strip() if stripped.endswith(":") else ""
        match = _SPEAKER.match(stripped)
        if name and is_speaker_name(name):
            heading = name
        elif match and is_speaker_name(match.group(1)):
            lines.append(Line(match.group(2).strip(), match.group(1).strip(), number=number))
        else:
            lines.append(Line(stripped, heading, number=number))
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


def read_script(path: str | Path, format: str | None = None, **options) -> tuple[Line, ...]:
    """Read a dialogue script file in any supported format (see :mod:`lipsync.scripts`);
    raises ScriptError if missing, undecodable, malformed or without words."""
    from .scripts import read_script as read_any

    return read_any(path, format, **options)


def words_of(text: str) -> tuple[str, ...]:
    """The spoken words of a line: stage directions dropped, punctuation stripped.

    >>> words_of("Hi, [laughs] it's 42!")
    ('Hi', "it's", '42')
    """
    return tuple(match.group(0).replace("’", "'") for match in _WORD.finditer(_DIRECTION.sub(" ", text)))
