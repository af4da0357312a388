"""Dialogue scripts in the formats dubbing and localization teams use, read into :class:`Line`\\ s.

One module per format (OpenTimelineIO-adapter style), each with a ``parse(text, where, **options)``
function returning the lines; :func:`read_script` finds the format by ``format=`` or by the file's
extension, decodes the bytes (UTF-8, UTF-16/32 with or without BOM) and checks that something is
left to align.

==========  ==================  =====================================================
format      extensions          speaker / times
==========  ==================  =====================================================
``text``    .txt (default)      ``NAME:`` prefix; no times
``srt``     .srt                ``NAME:`` prefix; cue times
``vtt``     .vtt                ``<v NAME>`` voice tag or prefix; cue times
``ass``     .ass .ssa           the Name (Actor) field; event times
``csv``     .csv                character / text / start / end columns (configurable)
``tsv``     .tsv .tab           the same, tab-separated
==========  ==================  =====================================================

>>> lines = parse_script("1\\n00:00:01,000 --> 00:00:02,500\\nBOB: Hi!\\n", "srt")
>>> lines[0].speaker, lines[0].text, lines[0].start, lines[0].end
('BOB', 'Hi!', 1.0, 2.5)
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path

from ..dialogue import Line, decode_script, words_of
from ..errors import OptionHint, ScriptError
from ..fileio import read_input

#: format name -> (module, extensions)
FORMATS: dict[str, tuple[str, tuple[str, ...]]] = {
    "text": ("text", (".txt", ".text")),
    "srt": ("srt", (".srt",)),
    "vtt": ("vtt", (".vtt", ".webvtt")),
    "ass": ("ass", (".ass", ".ssa")),
    "csv": ("table", (".csv",)),
    "tsv": ("table", (".tsv", ".tab")),
}
#: The longest line of dialogue read (about 20 minutes of speech; a line is aligned as a whole,
#: and a megabyte-long one exhausts the aligner).
MAX_LINE_CHARACTERS = 20_000
_ALIASES = {"txt": "text", "plain": "text", "webvtt": "vtt", "ssa": "ass", "subrip": "srt"}


def script_format(path: str | Path, format: str | None = None) -> str:
    """The format name for ``path``: ``format`` if given (validated), else from the extension
    (unknown extensions are read as plain text)."""
    if format:
        name = format.strip().lower()
        name = _ALIASES.get(name, name)
        if name not in FORMATS:
            raise ScriptError(f"unknown script format {format!r}", f"known formats: {', '.join(FORMATS)}")
        return name
    suffix = Path(path).suffix.lower()
    for name, (_, extensions) in FORMATS.items():
        if suffix in extensions:
            return name
    return "text"


def parse_script(text: str, format: str, where: str = "script", *,
                 columns: Mapping[str, str] | None = None, fps: float | None = None) -> tuple[Line, ...]:
    """Lines of a script already decoded to text, in the named format."""
    name = script_format(where, format)
    module = importlib.import_module(f"{__name__}.{FORMATS[name][0]}")
    options: dict = {}
    if module.__name__.endswith("table"):
        options = {"columns": columns, "delimiter": "\t" if name == "tsv" else None, "fps": fps}
    elif columns:
        raise ScriptError(f"{where}: --columns applies to CSV/TSV scripts only", "leave it out for this format")
    lines = module.parse(text, where, **options)
    for line in lines:
        if len(line.text) > MAX_LINE_CHARACTERS:
            raise ScriptError(f"{where}: line {line.number} is {len(line.text)} characters long, over the limit "
                              f"of {MAX_LINE_CHARACTERS} for one line of dialogue",
                              "put each line of dialogue (or each sentence) on a line of its own")
    return lines


def read_script(path: str | Path, format: str | None = None, *, columns: Mapping[str, str] | None = None,
                fps: float | None = None) -> tuple[Line, ...]:
    """Read a dialogue script file in any supported format.

    Raises :class:`ScriptError` naming the file (and line, and reason) when it is missing,
    undecodable, malformed or has no words to align. ``columns`` maps ``speaker``, ``text``,
    ``start``, ``end`` to a CSV/TSV script's column names; ``fps`` reads ``HH:MM:SS:FF``
    timecodes in tables (default 24).
    """
    script = Path(path)
    name = script_format(script, format)
    data = read_input(script, "script", ScriptError, hint=OptionHint(("check the path given to {script}",)))
    lines = parse_script(decode_script(data, str(script)), name, str(script), columns=columns, fps=fps)
    if not any(words_of(line.text) for line in lines):
        raise ScriptError(f"script {str(script)!r} has no words to align",
                          OptionHint(("put the dialogue in the file, or leave out {script} to recognize speech",)))
    return lines


def parse_columns(text: str | None) -> dict[str, str] | None:
    """``speaker=Character,text=Dialogue,start=TC In`` as a mapping (for ``--columns``)."""
    if not text:
        return None
    from .table import ROLES

    result = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        key = key.strip().lower()
        key = {"character": "speaker", "name": "speaker", "in": "start", "out": "end"}.get(key, key)
        if not sep or key not in ROLES or not value.strip():
            raise ScriptError(f"not a column setting: {part.strip()!r}",
                              "write --columns speaker=Character,text=Dialogue,start=In,end=Out")
        result[key] = value.strip()
    return result
