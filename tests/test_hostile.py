"""A catalogue of bad, hostile and faulty inputs, run through the command line.

Every case asserts what a user relies on when something is wrong: one line on stderr starting
``error:`` that names the problem, a non-zero exit status, no traceback, and no file changed,
added or left half-written in the folders involved.
"""

from __future__ import annotations

import io
import json
import os
import stat
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from lipsync.cli import main
from lipsync.sheet import Cue, Sheet, SheetLine, Source, Track, sheet_to_dict, sheet_to_json
from lipsync.presets import load_preset

DATA = Path(__file__).resolve().parent.parent / "lipsync" / "data"
SAMPLE = str(DATA / "sample.flac")
SCRIPT = str(DATA / "sample.txt")


def snapshot(folders: Sequence[Path]) -> dict[Path, bytes | str]:
    """Every file (bytes) and special file (its kind) under ``folders``."""
    state: dict[Path, bytes | str] = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            mode = path.lstat().st_mode
            if stat.S_ISREG(mode):
                state[path] = path.read_bytes()
            elif not stat.S_ISDIR(mode):
                state[path] = "special"
    return state


def refused(args: Sequence[str], expect: str | Sequence[str], folders: Sequence[Path] = (),
            status: int = 2) -> str:
    """Run ``lipsync ARGS``; assert one ``error:`` line containing ``expect``, the exit
    status, no traceback, and that nothing under ``folders`` changed. Returns the line."""
    before = snapshot(folders)
    result = CliRunner().invoke(main, [str(arg) for arg in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == status, (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for needle in [expect] if isinstance(expect, str) else expect:
        assert needle in lines[0], (needle, lines[0])
    assert snapshot(folders) == before
    return lines[0]


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    """A named pipe nobody writes to: reading it would block forever."""
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def small_sheet(**changes) -> Sheet:
    preset = load_preset("rhubarb").shape_set
    sheet = Sheet(rate=load_rate(24), duration_frames=48,
                  tracks=(Track("BOB", (Cue(0, 12, "X"), Cue(12, 24, "D"), Cue(36, 12, "X")),
                                (SheetLine(10, 20, "Hello"),)),),
                  preset=preset, source=Source("take.wav", 2.0, 48000, 1))
    return Sheet(**{**sheet.__dict__, **changes})


def load_rate(value: str | int):
    from lipsync.timing import FrameRate

    return FrameRate.parse(value)


def sheet_json(folder: Path, change=None, name: str = "sheet.json") -> Path:
    """A valid sheet JSON file, after ``change(document)`` edits its dict."""
    document = sheet_to_dict(small_sheet())
    if change is not None:
        change(document)
    path = folder / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


# --- sheets (lipsync export) ---------------------------------------------------------------------

def _set(path: str, value):
    """A change that puts ``value`` at ``path`` (dots and [n] indexes) in the document."""
    def change(document):
        keys = [int(k) if k.isdigit() else k for k in path.replace("[", ".").replace("]", "").split(".")]
        target = document
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
    return change


@pytest.mark.parametrize("field, value, expect", [
    ("rate", "0.5", "rate"),
    ("rate", "1e9", "rate"),
    ("rate", [24], "rate"),
    ("duration_frames", 10 ** 12, "duration_frames: 1000000000000 is outside"),
    ("duration_frames", -5, "duration_frames: -5 is outside"),
    ("duration_frames", "48", "duration_frames: expected a whole number"),
    ("duration_frames", 4.5, "duration_frames: expected a whole number"),
    ("duration_frames", True, "duration_frames: expected a whole number"),
    ("tracks[0].cues[1].frame", -1, "tracks[0].cues[1].frame"),
    ("tracks[0].cues[1].length", 10 ** 15, "tracks[0].cues[1].length"),
    ("tracks[0].cues[1].length", 0, "tracks[0].cues[1].length"),
    ("tracks[0].cues[1].shape", 7, "tracks[0].cues[1].shape: expected a string"),
    ("tracks[0].cues", {"a": 1}, "tracks[0].cues: expected a list"),
    ("tracks[0].name", None, "tracks[0].name: expected a string"),
    ("tracks[0].lines[0].text", ["x"], "tracks[0].lines[0].text"),
    ("tracks[0].words", [{"start": -1, "end": 2, "text": "a"}], "tracks[0].words[0].start"),
    ("tracks[0].words", [{"start": 1e300, "end": 2, "text": "a"}], "tracks[0].words[0].start"),
    ("tracks", "BOB", "tracks: expected a list"),
    ("preset.shapes[0].drawing", 10 ** 9, "preset.shapes[0].drawing"),
    ("preset.shapes[0].openness", 7, "preset.shapes[0].openness"),
    ("preset", [], "preset: expected an object"),
    ("source.sample_rate", -44100, "source.sample_rate"),
    ("source.duration", "long", "source.duration"),
    ("start_timecode", "25:00:00:00", "start_timecode"),
    ("start_timecode", 5, "start_timecode: expected a string"),
])
def test_export_refuses_a_sheet_with_a_bad_field(tmp_path: Path, field: str, value, expect: str) -> None:
    path = sheet_json(tmp_path, _set(field, value))
    refused(["export", path, "-f", "csv,xml", "-o", tmp_path / "out"], [str(path), expect], [tmp_path])


@pytest.mark.parametrize("text, expect", [
    ('{"format": "lipsync-sheet", "rate": NaN}', "NaN"),
    ('{"format": "lipsync-sheet", "rate": Infinity}', "Infinity"),
    ('{"format": "lipsync-sheet", "duration_frames": 1e999}', "too large"),
    ('{"format": "lipsync-sheet", "tracks": ' + "[" * 5000 + "]" * 5000 + "}", "nested deeper"),
    ('{"format": "lipsync-sheet", "tracks": ' + "[" * 100 + "]" * 100 + "}", "nested deeper"),
    ('{"format": "lipsync-sheet", "tracks": [', "invalid JSON"),
    ("[1, 2]", "not a lipsync sheet"),
    ('{"format": "lipsync-sheet", "duration_frames": ' + "9" * 5000 + "}", "sheet.json"),
])
def test_export_refuses_malformed_sheet_json(tmp_path: Path, text: str, expect: str) -> None:
    path = tmp_path / "sheet.json"
    path.write_text(text, encoding="utf-8")
    refused(["export", path, "-o", tmp_path / "out.tsv"], [str(path), expect], [tmp_path])


def test_export_refuses_a_fifo_and_a_device_as_sheet(tmp_path: Path, fifo: Path) -> None:
    refused(["export", fifo, "-o", tmp_path / "out.tsv"], "not a regular file", [tmp_path])
    refused(["export", "/dev/zero", "-o", tmp_path / "out.tsv"], "not a regular file", [tmp_path])
    refused(["export", tmp_path, "-o", tmp_path / "out.tsv"], "is a folder", [tmp_path])
    refused(["export", tmp_path / "missing.json", "-o", tmp_path / "out.tsv"], "not found", [tmp_path])


def test_export_refuses_a_sheet_over_the_size_limit(tmp_path: Path, monkeypatch) -> None:
    from lipsync import fileio

    monkeypatch.setitem(fileio.LIMITS, "sheet", 1000)
    path = sheet_json(tmp_path)
    refused(["export", path, "-o", tmp_path / "out.tsv"], "over the 1000 bytes limit for a sheet", [tmp_path])


# --- options and presets (refused before any audio is read) -------------------------------------

@pytest.mark.parametrize("option, value, expect", [
    ("--fps", "0.5", "frame rate '0.5' is outside 1..1000"),
    ("--fps", "0", "outside"),
    ("--fps", "-24", "outside"),
    ("--fps", "1/0", "not a frame rate"),
    ("--fps", "nan", "not a frame rate"),
    ("--fps", "inf", "not a frame rate"),
    ("--fps", "5000", "outside"),
    ("--start-timecode", "25:00:00:00", "out of range"),
    ("--start-timecode", "00:00:00:24", "out of range"),
    ("--start-timecode", "tomorrow", "not a timecode"),
])
def test_analyze_refuses_bad_rates_and_timecodes(tmp_path: Path, option: str, value: str, expect: str) -> None:
    refused(["analyze", SAMPLE, "-s", SCRIPT, option, value, "-o", tmp_path / "out.tsv"], expect, [tmp_path])


PRESET = (Path(__file__).resolve().parent.parent / "presets" / "rhubarb.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize("edit, expect", [
    (lambda text: text.replace("\nlead_frames = 0", "\nlead_frames = 1e12"), "timing.lead_frames"),
    (lambda text: text.replace("\nlead_frames = 0", "\nlead_frames = 1000000000000"), "timing.lead_frames"),
    (lambda text: text.replace("\nmin_hold_frames = 2", "\nmin_hold_frames = 100000"), "timing.min_hold_frames"),
    (lambda text: text.replace("\nhold_gap = 0.12", "\nhold_gap = inf"), "timing.hold_gap"),
    (lambda text: text.replace("\nrelax_gap = 0.35", "\nrelax_gap = nan"), "timing.relax_gap"),
    (lambda text: text + '\n[symbols]\n"ɴ" = ["A", "B"]\n', "symbols.ɴ"),
    (lambda text: text + '\n[symbols]\n"ɴ" = 3\n', "symbols.ɴ"),
    (lambda text: text.replace("drawing = 1", "drawing = 99999999999", 1), "drawing"),
    (lambda text: text.replace("after = 0.2", "after = 1e300"), "long.vowel_central.after"),
    (lambda text: "[[shapes]]\n" * 3, "name: missing"),
    (lambda text: "name = [", "invalid TOML"),
    (lambda text: "\x00\xff", "preset.toml"),
    (lambda text: "a = " + "[" * 2000 + "]" * 2000, "preset.toml"),
])
def test_analyze_refuses_a_bad_preset(tmp_path: Path, edit, expect: str) -> None:
    path = tmp_path / "preset.toml"
    text = edit(PRESET)
    assert text != PRESET
    path.write_text(text, encoding="utf-8")
    refused(["analyze", SAMPLE, "-s", SCRIPT, "-p", path, "-o", tmp_path / "out.tsv"], [str(path), expect],
            [tmp_path])


def test_fifo_and_device_as_preset_or_script_are_refused_not_read(tmp_path: Path, fifo: Path) -> None:
    out = tmp_path / "out.tsv"
    refused(["analyze", SAMPLE, "-s", SCRIPT, "-p", fifo, "-o", out], "not a regular file", [tmp_path])
    refused(["analyze", SAMPLE, "-s", SCRIPT, "-p", "/dev/zero", "-o", out], "not a regular file", [tmp_path])
    refused(["analyze", SAMPLE, "-s", fifo, "-o", out], ["script", "not a regular file"], [tmp_path])
    refused(["analyze", SAMPLE, "-s", "/dev/zero", "-o", out], ["script", "not a regular file"], [tmp_path])
    refused(["analyze", SAMPLE, "-s", "/dev/urandom", "-o", out], ["script", "not a regular file"], [tmp_path])


def test_a_script_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    script = tmp_path / "huge.txt"
    with open(script, "wb") as stream:
        stream.truncate(17 * 1024 * 1024)
    refused(["analyze", SAMPLE, "-s", script, "-o", tmp_path / "out.tsv"],
            ["huge.txt", "17 MB, over the 16 MB limit for a script"], [tmp_path])


# --- hostile text in outputs --------------------------------------------------------------------

def test_csv_cells_that_a_spreadsheet_would_run_are_written_as_text(tmp_path: Path) -> None:
    import csv

    for name in ("=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"):
        path = tmp_path / "sheet.json"
        path.write_text(sheet_to_json(small_sheet(tracks=(Track(name, (Cue(0, 48, "X"),)),))), encoding="utf-8")
        result = CliRunner().invoke(main, ["export", str(path), "-f", "csv"])
        assert result.exit_code == 0, result.stderr
        rows = list(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"), newline="")))
        assert rows[1][0] == "'" + name, rows[1]
        assert rows[1][1:4] == ["0", "48", "48"]  # numbers stay numbers


def test_control_characters_never_make_the_xml_outputs_invalid(tmp_path: Path) -> None:
    from xml.etree import ElementTree

    hostile = "BOB\x00\x07\x1b[31m\ufffe"
    sheet = small_sheet(tracks=(Track(hostile, (Cue(0, 48, "X"),), (SheetLine(0, 24, "hi\x01there\x0b"),)),),
                        source=Source("take\x08\x1f.wav", 2.0, 48000, 1))
    path = tmp_path / "sheet.json"
    path.write_text(sheet_to_json(sheet), encoding="utf-8")
    for name in ("xml", "svg"):
        result = CliRunner().invoke(main, ["export", str(path), "-f", name])
        assert result.exit_code == 0, result.stderr
        root = ElementTree.fromstring(result.stdout_bytes)
        assert root is not None


# --- timesheets (XDTS) ---------------------------------------------------------------------------

XDTS_HEAD = "exchangeDigitalTimeSheet Save Data\n"


def xdts(table: dict) -> str:
    return XDTS_HEAD + json.dumps({"version": 5, "header": {"cut": "1", "scene": "1"}, "timeTables": [table]})


GOOD_TABLE = {"name": "c1", "duration": 24, "timeTableHeaders": [{"fieldId": 0, "names": ["MOUTH"]}],
              "fields": [{"fieldId": 0, "tracks": [{"trackNo": 0, "frames": [
                  {"frame": 0, "data": [{"id": 0, "values": ["1"]}]},
                  {"frame": 6, "data": [{"id": 0, "values": ["3"]}]},
                  {"frame": 18, "data": [{"id": 0, "values": ["SYMBOL_NULL_CELL"]}]}]}]}]}


def _table(**changes) -> dict:
    table = json.loads(json.dumps(GOOD_TABLE))
    for key, value in changes.items():
        if key == "frame":
            table["fields"][0]["tracks"][0]["frames"][1]["frame"] = value
        elif key == "value":
            table["fields"][0]["tracks"][0]["frames"][1]["data"][0]["values"] = [value]
        elif key == "track":
            table["fields"][0]["tracks"][0] = value
        else:
            table[key] = value
    return table


@pytest.mark.parametrize("text, expect", [
    (xdts(_table(duration=10 ** 12)), "duration: 1000000000000 is outside"),
    (xdts(_table(duration=-3)), "duration: -3 is outside"),
    (xdts(_table(duration="many")), "duration: expected a whole number"),
    (xdts(_table(duration=[1])), "duration: expected a whole number"),
    (xdts(_table(frame=10 ** 30)), "frame: "),
    (xdts(_table(frame=1.5)), "frame: expected a whole number"),
    (xdts(_table(value="99999999999999")), "a CELL value"),
    (xdts(_table(track=[1, 2])), "a track is not an object"),
    (xdts(_table(track={"trackNo": "x", "frames": []})), "trackNo"),
    (xdts(_table(track={"trackNo": 0, "frames": {"a": 1}})), "frames are not a list"),
    (xdts(_table(fields={"fieldId": 0})), "must be lists"),
    (XDTS_HEAD + '{"timeTables": [{"duration": NaN}]}', "NaN"),
    (XDTS_HEAD + '{"timeTables": [{"duration": 1e400}]}', "too large"),
    (XDTS_HEAD + '{"timeTables": ' + "[" * 3000 + "]" * 3000 + "}", "nested deeper"),
    (XDTS_HEAD + '{"timeTables": {}}', "no timeTables"),
    (XDTS_HEAD + "\xff", "invalid JSON"),
    ("not a timesheet", "not an XDTS file"),
])
def test_fit_refuses_a_bad_xdts_timesheet(tmp_path: Path, text: str, expect: str) -> None:
    original = tmp_path / "c1.xdts"
    original.write_text(text, encoding="utf-8")
    dub = tmp_path / "dub.json"
    dub.write_text(sheet_to_json(small_sheet()), encoding="utf-8")
    refused(["fit", original, dub, "-o", tmp_path / "fit.json"], [str(original), expect], [tmp_path])


def test_fit_refuses_a_fifo_or_device_as_timesheet_or_sheet(tmp_path: Path) -> None:
    fifo = tmp_path / "c1.xdts"
    os.mkfifo(fifo)
    dub = tmp_path / "dub.json"
    dub.write_text(sheet_to_json(small_sheet()), encoding="utf-8")
    refused(["fit", fifo, dub, "-o", tmp_path / "fit.json"], "not a regular file", [tmp_path])
    other = tmp_path / "other.json"
    os.mkfifo(other)
    refused(["fit", dub, other, "-o", tmp_path / "fit.json"], "not a regular file", [tmp_path])


# --- scripts --------------------------------------------------------------------------------------

def test_an_unclosed_quote_in_a_csv_script_is_an_error_naming_its_line(tmp_path: Path) -> None:
    script = tmp_path / "dub.csv"
    script.write_text('character,text\nBOB,"Hello there.\nANNA,How are you?\nBOB,Fine.\n', encoding="utf-8")
    refused(["analyze", SAMPLE, "-s", script, "-o", tmp_path / "out.tsv"],
            ["dub.csv: line 2", "never closed"], [tmp_path])


def test_an_unclosed_quote_in_a_manifest_is_an_error_naming_its_row(tmp_path: Path) -> None:
    manifest = tmp_path / "season.csv"
    manifest.write_text(f'audio,character\n{SAMPLE},"BOB\n{SAMPLE},ANNA\n', encoding="utf-8")
    refused(["batch", manifest, "-o", tmp_path / "out"], ["row 2", "never closed"], [tmp_path])


def test_utf16_japanese_script_without_a_bom_is_read(tmp_path: Path) -> None:
    from lipsync.scripts import read_script

    text = "ケン: こんにちは、元気ですか。\nユミ: はい、元気です。\n"
    for encoding in ("utf-16-le", "utf-16-be"):
        path = tmp_path / f"{encoding}.txt"
        path.write_bytes(text.encode(encoding))
        lines = read_script(path)
        assert [(line.speaker, line.text) for line in lines] == [("ケン", "こんにちは、元気ですか。"),
                                                                 ("ユミ", "はい、元気です。")]


def test_a_latin1_script_is_still_refused_not_misread_as_utf16(tmp_path: Path) -> None:
    script = tmp_path / "fr.txt"
    script.write_bytes("Café crème, déjà vu.\nÇa va très bien.\n".encode("latin-1"))
    refused(["analyze", SAMPLE, "-s", script, "-o", tmp_path / "out.tsv"], ["fr.txt: line 1", "not valid UTF-8"],
            [tmp_path])


# --- standard output -----------------------------------------------------------------------------

@pytest.mark.parametrize("args", [["formats"], ["presets"], ["--help"], ["export", "--help"]])
def test_a_full_standard_output_is_one_line_not_a_traceback(args: list[str]) -> None:
    import subprocess
    import sys

    with open("/dev/full", "wb") as full:
        result = subprocess.run([sys.executable, "-m", "lipsync", *args], stdout=full, stderr=subprocess.PIPE,
                                text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: cannot write the output: No space left on device (hint: free some space, or write to a file with -o)"]


def test_export_to_a_full_standard_output(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = sheet_json(tmp_path)
    with open("/dev/full", "wb") as full:
        result = subprocess.run([sys.executable, "-m", "lipsync", "export", str(path), "-f", "tsv"], stdout=full,
                                stderr=subprocess.PIPE, text=True, timeout=60)
    assert result.returncode == 2 and "No space left on device" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
