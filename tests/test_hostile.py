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
    ("tracks[0].words", [{"start": 2, "end": 1.5, "text": "a"}], "tracks[0].words[0].end: 1.5 is before the start"),
    ("tracks[0].phones", [{"start": 2, "end": 1, "symbol": "a"}], "tracks[0].phones[0].end: 1.0 is before the start"),
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
    (lambda text: text.replace("\nmin_hold_frames = 1", "\nmin_hold_frames = 100000"), "timing.min_hold_frames"),
    (lambda text: text.replace("\nmin_hold_seconds = 0.05", "\nmin_hold_seconds = inf"), "timing.min_hold_seconds"),
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


def test_an_output_that_is_a_pipe_or_device_is_written_into_not_replaced(tmp_path: Path, fifo: Path) -> None:
    import stat
    import threading

    # (as /dev/null: a rename would put a regular file in its place, and as root it can)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = CliRunner().invoke(main, ["export", str(sheet_json(tmp_path)), "-f", "tsv", "-o", str(fifo)])
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert received and received[0].startswith(b"0.00\tX\n")


# --- batch: journal, output folder, scheduler, workers ---------------------------------------------

@pytest.fixture(scope="module")
def finished_batch(tmp_path_factory) -> Path:
    """An output folder of a finished one-job batch (the bundled sample)."""
    folder = tmp_path_factory.mktemp("batch")
    manifest = folder / "season.csv"
    manifest.write_text(f"audio,script,episode,character\n{SAMPLE},{SCRIPT},E01,BOB\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["batch", str(manifest), "-o", str(folder / "out"), "-j", "1", "-q"])
    assert result.exit_code == 0, result.stderr
    return folder


def _journal(out: Path) -> Path:
    entries = list((out / ".lipsync" / "jobs").glob("*.json"))
    assert len(entries) == 1
    return entries[0]


@pytest.mark.parametrize("corrupt", [
    b"", b"{", b"\x00\xff\xfe", b"[]", b'{"key": 5}', b'{"key": "k", "status": "done", "outputs": 7}',
    b'{"key": "k", "status": "done", "outputs": ["E01/BOB.tsv"]}',
    b'{"key": "k", "status": "done", "outputs": [{"path": "E01/BOB.tsv", "bytes": "x", "sha256": 1}]}',
    b'{"key": "k", "status": "done", "warnings": 3}', b'{"key": "k", "status": "done", "tracks": {"a": 1}}',
    b'{"key": "k", "status": "done", "seconds": "slow"}', b"[" * 100000,
    b'{"key": "k", "status": "done", "lines": [1, 2]}', b'{"key": "k", "status": "done", "fit": {"flagged_lines": 3}}',
])
def test_a_corrupt_journal_entry_means_run_again_never_a_crash(finished_batch: Path, tmp_path: Path,
                                                               corrupt: bytes) -> None:
    import shutil

    out = tmp_path / "out"
    shutil.copytree(finished_batch / "out", out)
    _journal(out).write_bytes(corrupt)
    result = CliRunner().invoke(main, ["batch", str(finished_batch / "season.csv"), "-o", str(out), "--dry-run"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 0 and "Traceback" not in result.stderr
    assert "E01/BOB\tto run" in result.stdout


def test_a_batch_reruns_a_job_whose_journal_entry_is_corrupt(finished_batch: Path, tmp_path: Path) -> None:
    import shutil

    out = tmp_path / "out"
    shutil.copytree(finished_batch / "out", out)
    _journal(out).write_bytes(b'{"key": "k", "status": "done", "outputs": 7}')
    result = CliRunner().invoke(main, ["batch", str(finished_batch / "season.csv"), "-o", str(out), "-j", "1", "-q"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(_journal(out).read_text())["status"] == "done"
    report = json.loads((out / "batch-report.json").read_text())
    assert [job["status"] for job in report["jobs"]] == ["done"]
    again = CliRunner().invoke(main, ["batch", str(finished_batch / "season.csv"), "-o", str(out), "--dry-run"])
    assert "E01/BOB\tup to date" in again.stdout


def test_dot_lipsync_being_a_file_is_a_one_line_error(finished_batch: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / ".lipsync").write_text("not a folder")
    refused(["batch", finished_batch / "season.csv", "-o", out], ["cannot write the batch journal", ".lipsync"],
            [out])


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_output_folder_is_a_one_line_error(finished_batch: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        refused(["batch", finished_batch / "season.csv", "-o", out], "cannot write the batch journal", [out])
    finally:
        out.chmod(0o755)


@pytest.mark.parametrize("content, expect", [
    (b"garbage{", "invalid JSON"), (b'{"address": 5}', "not a Dask scheduler file"), (b"[]", "not a Dask scheduler"),
    (b'{"address": "' + b"x" * 2000 + b'"}', "not a Dask scheduler file"),
])
def test_a_garbage_scheduler_file_is_a_one_line_error(finished_batch: Path, tmp_path: Path, content: bytes,
                                                      expect: str) -> None:
    pytest.importorskip("distributed")
    scheduler = tmp_path / "scheduler.json"
    scheduler.write_bytes(content)
    refused(["batch", finished_batch / "season.csv", "-o", tmp_path / "out", "--scheduler", scheduler],
            [str(scheduler), expect], [tmp_path])
    refused(["batch", finished_batch / "season.csv", "-o", tmp_path / "out", "--scheduler", "/dev/zero"],
            "not a regular file", [tmp_path])


def test_a_scheduler_address_that_answers_http_is_a_one_line_error(finished_batch: Path, tmp_path: Path) -> None:
    """A web server that answers Dask's handshake with an HTTP response and keeps the connection
    open: distributed reads "HTTP/1.1" as a frame length and tries to allocate exabytes."""
    import socket
    import threading

    pytest.importorskip("distributed")
    server = socket.create_server(("127.0.0.1", 8810))
    held = []

    def answer() -> None:
        try:
            connection, _ = server.accept()
            held.append(connection)
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 11\r\n\r\nbad request")
        except OSError:
            pass

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        refused(["batch", finished_batch / "season.csv", "-o", tmp_path / "out", "--scheduler",
                 "tcp://127.0.0.1:8810"], ["cannot reach the Dask scheduler", "does not speak Dask's protocol"],
                [tmp_path])
    finally:
        for connection in held:
            connection.close()
        server.close()
        thread.join(timeout=5)


def test_workers_exit_when_the_batch_parent_is_killed(tmp_path: Path, audio_variant) -> None:
    """SIGKILL leaves the parent no chance to stop its workers: they notice and exit."""
    import signal
    import subprocess
    import sys
    import time

    import numpy as np
    import soundfile as sf

    samples, rate = sf.read(SAMPLE, dtype="float32")
    long = tmp_path / "long.wav"
    sf.write(long, np.tile(samples, 20), rate)  # about a minute of speech: a job that takes a while
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"audio,episode,character\n{long},E1,A\n{long},E1,B\n", encoding="utf-8")
    parent = subprocess.Popen([sys.executable, "-m", "lipsync", "batch", str(manifest), "-o", str(tmp_path / "out"),
                               "-j", "2", "--progress", "json"], stderr=subprocess.PIPE, text=True)
    workers: set[int] = set()
    deadline = time.monotonic() + 120
    while len(workers) < 2 and time.monotonic() < deadline:
        line = parent.stderr.readline()
        if not line:
            break
        event = json.loads(line)
        if event.get("event") == "job-start":
            workers.add(int(event["worker"].split()[-1]))
    assert len(workers) == 2, "the workers never started"
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=10)
    deadline = time.monotonic() + 10
    alive = set(workers)
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = {pid for pid in alive if _running(pid)}
    assert not alive, f"workers {sorted(alive)} outlived their killed parent"


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie that only waits to be reaped is not)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stream:
            return stream.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


# --- audio cut short ------------------------------------------------------------------------------

def test_a_truncated_mp3_warns_with_how_much_was_decoded(tmp_path: Path) -> None:
    import numpy as np
    import soundfile as sf

    samples, rate = sf.read(SAMPLE, dtype="float32")
    full = tmp_path / "take.mp3"
    sf.write(full, np.tile(samples, 2), rate, format="MP3")
    data = full.read_bytes()
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(data[:len(data) // 2])
    result = CliRunner().invoke(main, ["analyze", str(cut), "-s", SCRIPT, "-f", "tsv", "-j", "1", "--progress", "none"])
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "cut short" in line]
    assert len(warnings) == 1 and "Xing" not in result.stderr, result.stderr
    decoded, announced = [float(token) for token in warnings[0].split() if token[0].isdigit()][:2]
    assert 0.4 * announced < decoded < 0.6 * announced


def test_a_flac_cut_at_a_frame_boundary_is_an_error(tmp_path: Path) -> None:
    from lipsync.audio import load_audio
    from lipsync.errors import AudioError
    import numpy as np
    import soundfile as sf

    rng = np.random.default_rng(0)
    whole = tmp_path / "whole.flac"
    sf.write(whole, (rng.standard_normal(16000 * 8) * 0.1).astype(np.float32), 16000, subtype="PCM_16")
    data = whole.read_bytes()
    # FLAC frames start with the sync code 0xFFF8; cut just before one about half way
    cut_at = data.index(b"\xff\xf8", len(data) // 2)
    cut = tmp_path / "cut.flac"
    cut.write_bytes(data[:cut_at])
    with pytest.raises(AudioError, match=r"cut short|cannot decode"):
        load_audio(cut)


LONG_LINE = "characters long, over the limit of 20000 for one line"


@pytest.mark.parametrize("name, layout, expect", [
    ("long.txt", "BOB: {}\n", ["long.txt: line 1 is 1199999", LONG_LINE]),
    ("long.srt", "1\n00:00:01,000 --> 00:00:09,000\n{}\n", ["long.srt: line 3", LONG_LINE]),
    ("long.csv", "character,text\nBOB,{}\n", ["long.csv: line 2", "field larger than field limit"]),
])
def test_a_megabyte_long_line_of_dialogue_is_refused_before_the_aligner(tmp_path: Path, name: str, layout: str,
                                                                       expect: list[str]) -> None:
    script = tmp_path / name
    script.write_text(layout.format("hello there " * 100_000), encoding="utf-8")
    refused(["analyze", SAMPLE, "-s", script, "-o", tmp_path / "out.tsv"], expect, [tmp_path])


# --- every command: bad options and inputs are refused before any work ------------------------

def _cases(tmp: Path) -> list[tuple[list, list[str]]]:
    """(arguments, what the error line must say) for each command; files made in ``tmp``."""
    sheet = sheet_json(tmp)
    manifest = tmp / "m.csv"
    manifest.write_text(f"audio,episode,character\n{SAMPLE},E1,BOB\n", encoding="utf-8")
    fifo = tmp / "fifo"
    os.mkfifo(fifo)
    nan_fps = tmp / "nan_fps.csv"
    nan_fps.write_text(f"audio,fps\n{SAMPLE},nan\n", encoding="utf-8")
    huge_tc = tmp / "tc.csv"
    huge_tc.write_text(f"audio,start_timecode\n{SAMPLE},99:00:00:00\n", encoding="utf-8")
    deep = tmp / "deep.toml"
    deep.write_text("[defaults]\nx = " + "[" * 3000 + "]" * 3000 + "\n", encoding="utf-8")
    out = tmp / "out.tsv"
    return [
        (["analyze", SAMPLE, "-s", SCRIPT, "--channel", "0", "-o", out], ["channel 0"]),
        (["analyze", SAMPLE, "-s", SCRIPT, "--columns", "nonsense", "-o", out], ["not a column setting"]),
        (["analyze", SAMPLE, "-s", SCRIPT, "--set", "novalue", "-o", out], ["not a KEY=VALUE setting"]),
        (["analyze", SAMPLE, "-s", SCRIPT, "-f", "nope", "-o", out], ["unknown format 'nope'"]),
        (["analyze", SAMPLE, "-s", SCRIPT, "-l", "klingon", "-o", out], ["klingon"]),
        (["analyze", fifo, "-s", SCRIPT, "-o", out], ["fifo", "not a regular file"]),
        (["analyze", "/dev/zero", "-s", SCRIPT, "-o", out], ["/dev/zero", "not a regular file"]),
        (["export", sheet, "-f", "tsv", "--track", "NOBODY", "-o", out], ["NOBODY"]),
        (["export", sheet, "-f", "csv", "--set", "bogus=1", "-o", tmp / "x.csv"], ["bogus"]),
        (["evaluate", fifo, sheet], ["not a regular file"]),
        (["evaluate", "/dev/zero", sheet], ["not a regular file"]),
        (["evaluate", sheet, fifo], ["not a regular file"]),
        (["fit", sheet, sheet, "--stretch-range", "nan:inf", "-o", tmp / "fit.json"], ["stretch range"]),
        (["fit", sheet, sheet, "--stretch-range", "0.1:9", "-o", tmp / "fit.json"], ["stretch range"]),
        (["fit", fifo, sheet, "-o", tmp / "fit.json"], ["not a regular file"]),
        (["fit", sheet, "/dev/zero", "-o", tmp / "fit.json"], ["/dev/zero"]),
        (["batch", fifo, "-o", tmp / "b"], ["manifest", "not a regular file"]),
        (["batch", "/dev/zero", "-o", tmp / "b"], ["manifest", "not a regular file"]),
        (["batch", manifest, "-o", tmp / "b", "--speakers", "/dev/zero"], ["/dev/zero"]),
        (["batch", manifest, "-o", tmp / "b", "--speakers", fifo], ["fifo"]),
        (["batch", manifest, "-o", tmp / "b", "--fps", "0.1"], ["0.1"]),
        (["batch", nan_fps, "-o", tmp / "b"], ["nan"]),
        (["batch", huge_tc, "-o", tmp / "b"], ["99:00:00:00"]),
        (["batch", deep, "-o", tmp / "b"], ["deep.toml", "nested deeper than 32"]),
        (["batch", manifest, "-o", tmp / "b", "--diarize", fifo], ["fifo"]),
    ]


def test_every_command_refuses_bad_options_and_inputs_in_one_line(tmp_path: Path) -> None:
    for args, expect in _cases(tmp_path):
        refused(args, expect, [tmp_path])


def test_fit_writes_its_reports_as_a_set_or_none_of_them(tmp_path: Path) -> None:
    """The second report's folder cannot be made (a file is in the way): the first report,
    rendered and writable, must not be left behind."""
    sheet = sheet_json(tmp_path)
    (tmp_path / "blocked").write_text("a file where a folder should be")
    refused(["fit", sheet, sheet, "-o", tmp_path / "fit.json", "-o", tmp_path / "blocked" / "fit.html"],
            ["blocked"], [tmp_path])
