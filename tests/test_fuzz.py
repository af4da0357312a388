"""Fuzzing the readers of files users receive from others: sheet JSON, XDTS, presets, scripts.

Each reader gets valid documents with one value replaced by anything JSON or TOML can hold
(wrong types, huge, negative, NaN or infinite numbers, deep nesting, control characters), and
arbitrary bytes. It must return a value or raise a :class:`~lipsync.errors.LipsyncError` (a
one-line message for the user); any other exception is a bug.

The number of examples per reader comes from the ``LIPSYNC_FUZZ_EXAMPLES`` environment variable
(default 150, so the suite stays fast); ``LIPSYNC_FUZZ_EXAMPLES=10000`` is the thorough run.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lipsync.dialogue import decode_script
from lipsync.errors import LipsyncError
from lipsync.fit.xdts import parse_xdts
from lipsync.presets import load_preset
from lipsync.scripts import FORMATS, parse_script
from lipsync.sheet import Cue, Phone, Sheet, SheetLine, Source, Track, Word, sheet_from_json, sheet_to_dict
from lipsync.timing import FrameRate

EXAMPLES = int(os.environ.get("LIPSYNC_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 1000,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])

# --- values a hostile file can hold --------------------------------------------------------------

NUMBERS = st.one_of(
    st.integers(), st.integers(min_value=-2, max_value=30), st.sampled_from([0, -1, 1, 2 ** 31, 2 ** 63, 10 ** 30]),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.5, -0.0, 1e300, -1e300, 1e-300]))
TEXT = st.one_of(st.text(max_size=40), st.sampled_from(["", " ", "X", "24", "24000/1001", "0/0", "-1", "nan", "inf",
                                                        "25:00:00:00", "00:00:00:00", "\x00\x07", "=cmd"]))
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(TEXT, inner, max_size=4)), max_leaves=12)
DEEP = st.integers(min_value=30, max_value=120).map(lambda depth: json.loads("[" * depth + "]" * depth))


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path (keys and indexes) into a JSON-like value."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, prefix + (key,)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, prefix + (index,)))
    return found


def _replace(document: Any, path: tuple, value: Any) -> Any:
    """A copy of ``document`` with the value at ``path`` replaced (the root when path is empty)."""
    if not path:
        return value
    copy = json.loads(json.dumps(document))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copy


@st.composite
def mutated(draw: st.DrawFn, document: Any, changes: int = 3) -> Any:
    """``document`` with up to ``changes`` values replaced by hostile ones."""
    for _ in range(draw(st.integers(min_value=1, max_value=changes))):
        paths = _paths(document)
        path = draw(st.sampled_from(paths))
        document = _replace(document, path, draw(st.one_of(VALUES, DEEP) if draw(st.integers(0, 9)) == 0 else VALUES))
    return document


def _dumps(document: Any) -> str:
    """JSON text, with the NaN and Infinity a hostile file may hold written as such."""
    return json.dumps(document, allow_nan=True)


def reads_or_refuses(read, *args) -> None:
    """``read(*args)`` returns, or raises a LipsyncError with a one-line message."""
    try:
        read(*args)
    except LipsyncError as error:
        assert error.message and "\n" not in str(error), repr(str(error))


# --- sheet JSON ---------------------------------------------------------------------------------

def _valid_sheet() -> dict:
    preset = load_preset("rhubarb").shape_set
    track = Track("BOB", (Cue(0, 10, "X"), Cue(10, 14, "D")), (SheetLine(2, 20, "Hi there"),),
                  (Word(0.1, 0.5, "Hi", 0),), (Phone(0.1, 0.2, "h", "Hi", 0), Phone(0.2, 0.5, "aɪ", "Hi", 0)))
    sheet = Sheet(FrameRate.parse("24"), 24, (track,), preset, Source("take.wav", 1.0, 48000, 1), "01:00:00:00",
                  peaks=bytes(range(24)))
    return sheet_to_dict(sheet)


SHEET = _valid_sheet()


@FUZZ
@given(mutated(SHEET))
def test_sheet_reader_refuses_or_reads_any_mutation(document: Any) -> None:
    reads_or_refuses(sheet_from_json, _dumps(document))


@FUZZ
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_sheet_reader_refuses_or_reads_any_bytes(data: bytes) -> None:
    reads_or_refuses(sheet_from_json, data)


def _read_and_export(text: str) -> None:
    """Read a sheet and, when it is accepted, write it in every format (no format may fail on a
    sheet the reader accepted, except with a LipsyncError)."""
    from lipsync.exporters import ExportOptions, all_exporters

    sheet = sheet_from_json(text)
    for exporter in all_exporters():
        try:
            assert isinstance(exporter.write(sheet, ExportOptions()), bytes)
        except LipsyncError as error:
            assert error.message and "\n" not in str(error), repr(str(error))


def test_the_sheet_fuzz_starts_from_a_sheet_every_format_writes() -> None:
    from lipsync.exporters import ExportOptions, all_exporters

    sheet = sheet_from_json(_dumps(SHEET))
    assert all(exporter.write(sheet, ExportOptions()) for exporter in all_exporters())


@settings(FUZZ, max_examples=max(20, EXAMPLES // 10))
@given(mutated(SHEET, changes=2))
def test_a_sheet_the_reader_accepts_is_written_by_every_exporter(document: Any) -> None:
    reads_or_refuses(_read_and_export, _dumps(document))


# --- XDTS -----------------------------------------------------------------------------------------

XDTS = {"version": 5, "header": {"cut": "1", "scene": "1"}, "timeTables": [{
    "name": "c1", "duration": 24, "frameRate": 24,
    "timeTableHeaders": [{"fieldId": 0, "names": ["MOUTH"]}, {"fieldId": 3, "names": ["BOB"]}],
    "fields": [{"fieldId": 0, "tracks": [{"trackNo": 0, "frames": [
        {"frame": 0, "data": [{"id": 0, "values": ["1"]}]}, {"frame": 6, "data": [{"id": 0, "values": ["3a"]}]},
        {"frame": 10, "data": [{"id": 0, "values": ["SYMBOL_HYPHEN"]}]},
        {"frame": 18, "data": [{"id": 0, "values": ["SYMBOL_NULL_CELL"]}]}]}]},
        {"fieldId": 3, "tracks": [{"trackNo": 0, "frames": [
            {"frame": 2, "data": [{"id": 0, "values": ["BOB", "Hi there"]}]},
            {"frame": 3, "data": [{"id": 0, "values": ["SYMBOL_HYPHEN"]}]}]}]}]}]}
HEAD = b"exchangeDigitalTimeSheet Save Data\n"


def _read_xdts_timelines(data: bytes) -> None:
    from lipsync.fit.xdts import xdts_timelines

    sheet = parse_xdts(data, "c1.xdts")
    if sheet.tracks:
        xdts_timelines(sheet, load_preset("anime-3").shape_set, sheet.frame_rate or FrameRate.parse(24))


@FUZZ
@given(mutated(XDTS))
def test_xdts_reader_refuses_or_reads_any_mutation(document: Any) -> None:
    reads_or_refuses(_read_xdts_timelines, HEAD + _dumps(document).encode())


@FUZZ
@given(st.binary(max_size=300))
def test_xdts_reader_refuses_or_reads_any_bytes(data: bytes) -> None:
    reads_or_refuses(_read_xdts_timelines, data)
    reads_or_refuses(_read_xdts_timelines, HEAD + data)


# --- presets --------------------------------------------------------------------------------------

def _toml_value(value: Any) -> str:
    """A value as inline TOML (NaN and infinities as TOML writes them; None, which TOML lacks,
    as an empty inline table)."""
    if value is None:
        return "{}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return "{" + ", ".join(f"{json.dumps(str(key))} = {_toml_value(item)}" for key, item in value.items()) + "}"


def _toml(document: Any) -> str:
    if not isinstance(document, dict):
        return f"value = {_toml_value(document)}\n"
    return "".join(f"{json.dumps(str(key))} = {_toml_value(value)}\n" for key, value in document.items())


PRESET = {"name": "mine", "description": "test", "rest": "X",
          "shapes": [{"name": name, "drawing": number, "label": name, "openness": number % 3}
                     for number, name in enumerate("ABCDEFGHX", 1)],
          "classes": {name: "B" for name in __import__("lipsync.phonemes", fromlist=["x"]).VISEME_CLASSES},
          "long": {"vowel_central": {"shape": "D", "after": 0.2}}, "symbols": {"ɴ": "A"},
          "timing": {"lead_frames": 1, "min_hold_frames": 2, "step": 1, "hold_gap": 0.12, "relax_gap": 0.35,
                     "relaxed": "B", "diphthong_split": 0.6}}


def test_the_preset_fuzz_starts_from_a_valid_preset(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(_toml(PRESET), encoding="utf-8")
    assert load_preset(path).name == "mine"


@FUZZ
@given(mutated(PRESET))
def test_preset_reader_refuses_or_reads_any_mutation(tmp_path_factory: pytest.TempPathFactory, document: Any) -> None:
    path = tmp_path_factory.mktemp("preset", numbered=True) / "mine.toml"
    path.write_text(_toml(document), encoding="utf-8", errors="surrogatepass")
    reads_or_refuses(load_preset, path)


@FUZZ
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(lambda text: text.encode("utf-8", "replace"))))
def test_preset_reader_refuses_or_reads_any_bytes(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("preset", numbered=True) / "raw.toml"
    path.write_bytes(data)
    reads_or_refuses(load_preset, path)


# --- scripts --------------------------------------------------------------------------------------

SCRIPT_PIECES = st.sampled_from([
    "BOB: Hello there.", "1", "00:00:01,000 --> 00:00:02,500", "00:00:02.5 --> 00:00:01.0", "WEBVTT", "",
    "[Events]", "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    "Dialogue: 0,0:00:01.00,0:00:02.00,Default,BOB,0,0,0,,Hi {\\i1}there", "character,text,start,end",
    'BOB,"Hello, there",00:00:01:00,00:00:02:00', '"unclosed', "<v ANNA>Fine.", "99:99:99,999 --> x",
    "\x00\x1b[31m", "ケン: こんにちは。", "Dialogue: 0,9:99:99.99,-1,Default,,0,0,0,,x"])
SCRIPT_TEXT = st.one_of(st.lists(st.one_of(SCRIPT_PIECES, st.text(max_size=30)), max_size=12).map("\n".join),
                        st.text(max_size=200))


@FUZZ
@given(SCRIPT_TEXT, st.sampled_from(sorted(FORMATS)))
def test_script_parsers_refuse_or_read_any_text(text: str, format: str) -> None:
    reads_or_refuses(parse_script, text, format, "script")


@FUZZ
@given(st.one_of(st.binary(max_size=300), SCRIPT_TEXT.map(lambda text: text.encode("utf-16-le", "replace"))))
def test_script_decoder_refuses_or_reads_any_bytes(data: bytes) -> None:
    reads_or_refuses(decode_script, data, "script.txt")


# --- every other format lipsync reads (readers beside the writers) --------------------------------

def _readable() -> list:
    from lipsync.exporters import readable_formats

    return [exporter for exporter in readable_formats() if exporter.name not in ("sheet", "xdts")]


@st.composite
def mutated_lines(draw: st.DrawFn, data: bytes) -> bytes:
    """A file's lines with up to three replaced, duplicated or dropped."""
    lines = data.decode("utf-8", "replace").split("\n")
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        index = draw(st.integers(min_value=0, max_value=max(0, len(lines) - 1)))
        action = draw(st.sampled_from(["replace", "drop", "repeat", "edit"]))
        if action == "replace":
            lines[index] = draw(st.one_of(TEXT, NUMBERS.map(str), SCRIPT_PIECES))
        elif action == "drop" and lines:
            del lines[index]
        elif action == "repeat" and lines:
            lines.insert(index, lines[index])
        elif lines:
            line = lines[index]
            at = draw(st.integers(min_value=0, max_value=len(line)))
            lines[index] = line[:at] + draw(st.one_of(TEXT, NUMBERS.map(str))) + line[at + 1:]
    return "\n".join(lines).encode("utf-8", "surrogatepass")


@pytest.mark.parametrize("name", [exporter.name for exporter in _readable()])
def test_every_reader_refuses_or_reads_mutations_of_its_own_format(name: str) -> None:
    from lipsync.exporters import ExportOptions, exporter_named
    from lipsync.exporters._reading import ReadOptions

    exporter = exporter_named(name)
    valid = exporter.write(sheet_from_json(_dumps(SHEET)), ExportOptions())
    exporter.read(valid, ReadOptions(f"take.{name}"))

    @FUZZ
    @given(st.one_of(mutated_lines(valid), st.binary(max_size=200)))
    def fuzz(data: bytes) -> None:
        reads_or_refuses(exporter.read, data, ReadOptions(f"take.{name}"))

    fuzz()
