"""Tests of the export formats (lipsync sheet JSON, Rhubarb TSV/JSON/XML, CSV) and atomic writes."""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from lipsync.errors import FormatError, OutputError
from lipsync.exporters import ExportOptions, all_exporters, exporter_for_path, exporter_named
from lipsync.fileio import write_atomic
from lipsync.sheet import (Cue, Phone, Sheet, SheetLine, ShapeInfo, ShapeSet, Source, Track, Word,
                           sheet_from_json, sheet_to_json)
from lipsync.exporters._json import dumps
from lipsync.timing import FrameRate
from shape_sets import RHUBARB


# Frames 0-18 at 24 fps; starts 2/24 = 0.083.., 7/24 = 0.291.., 8/24, 11/24, 13/24; end 19/24.
KEN = Track("ken", (Cue(0, 2, "X"), Cue(2, 5, "D"), Cue(7, 1, "C"), Cue(8, 3, "B"),
                    Cue(11, 2, "A"), Cue(13, 6, "X")))
MEI = Track("mei", (Cue(0, 5, "X"), Cue(5, 4, "E"), Cue(9, 10, "X")))

KEN_TSV = "0.00\tX\n0.09\tD\n0.30\tC\n0.34\tB\n0.46\tA\n0.55\tX\n0.80\tX\n"
MEI_TSV = "0.00\tX\n0.21\tE\n0.38\tX\n0.80\tX\n"

RATES = ["24000/1001", "24", "25", "30000/1001"]
RHUBARB_FORMATS = ["tsv", "rhubarb-json", "xml"]


def make_sheet(rate: str = "24", tracks: tuple[Track, ...] = (KEN, MEI), **fields) -> Sheet:
    """A sheet whose length is the end of its longest track."""
    end = max((cue.end for track in tracks for cue in track.cues), default=0)
    return Sheet(rate=FrameRate.parse(rate), duration_frames=end, tracks=tracks, preset=RHUBARB,
                 **fields)


def busy_track(name: str, frames: int) -> Track:
    """Contiguous cues of 1 to 4 frames over ``frames`` frames: every rounding case gets hit."""
    lengths, shapes = (1, 2, 1, 3, 1, 1, 4, 2), "XABCDEFGHX"
    cues, frame, index = [], 0, 0
    while frame < frames:
        length = min(lengths[index % len(lengths)], frames - frame)
        cues.append(Cue(frame, length, shapes[index % len(shapes)]))
        frame += length
        index += 1
    return Track(name, tuple(cues))


def write(name: str, sheet: Sheet, track: str | None = None) -> bytes:
    return exporter_named(name).write(sheet, ExportOptions(track=track))


def nearest_frame(seconds: float, rate: FrameRate) -> int:
    return math.floor(seconds * float(rate) + 0.5)


def parsed_cues(name: str, data: bytes) -> list[tuple[float, float, str]]:
    """``(start, end, shape)`` seconds read back from Rhubarb TSV, JSON or XML."""
    text = data.decode("utf-8")
    if name == "tsv":
        rows = [line.split("\t") for line in text.splitlines()]
        return [(float(start), float(rows[i + 1][0]), shape) for i, (start, shape) in enumerate(rows[:-1])]
    if name == "rhubarb-json":
        return [(cue["start"], cue["end"], cue["value"]) for cue in json.loads(text)["mouthCues"]]
    root = ElementTree.fromstring(data)
    return [(float(cue.get("start")), float(cue.get("end")), cue.text)
            for cue in root.find("mouthCues").iter("mouthCue")]


# --- Rhubarb TSV --------------------------------------------------------------------------------


def test_tsv_matches_rhubarb_output_exactly() -> None:
    assert write("tsv", make_sheet()) == KEN_TSV.encode("utf-8")


def test_tsv_final_line_uses_the_preset_rest_shape() -> None:
    preset = ShapeSet("anime", "closed", (ShapeInfo("closed", 1), ShapeInfo("open", 2)))
    sheet = Sheet(FrameRate(24), 12, (Track("a", (Cue(0, 6, "open"), Cue(6, 6, "open"))),), preset)
    assert write("tsv", sheet) == b"0.00\topen\n0.25\topen\n0.50\tclosed\n"


def test_rhubarb_formats_show_rest_in_gaps_between_cues() -> None:
    gappy = Track("gappy", (Cue(3, 3, "A"), Cue(12, 3, "B")))
    sheet = make_sheet(tracks=(gappy,))
    assert write("tsv", sheet) == b"0.00\tX\n0.13\tA\n0.25\tX\n0.50\tB\n0.63\tX\n"
    assert [shape for _, _, shape in parsed_cues("xml", write("xml", sheet))] == ["X", "A", "X", "B"]


def test_rhubarb_formats_of_a_track_without_cues() -> None:
    sheet = make_sheet(tracks=(Track("silent", ()),))
    assert write("tsv", sheet) == b"0.00\tX\n"
    # Rhubarb writes one zero-length rest cue so that readers always find a cue.
    assert parsed_cues("rhubarb-json", write("rhubarb-json", sheet)) == [(0.0, 0.0, "X")]
    assert parsed_cues("xml", write("xml", sheet)) == [(0.0, 0.0, "X")]


# --- Rhubarb JSON and XML -----------------------------------------------------------------------


@pytest.mark.parametrize("name", RHUBARB_FORMATS)
@pytest.mark.parametrize("rate", RATES)
def test_rhubarb_cues_read_back_to_the_same_shape_at_every_frame(name: str, rate: str) -> None:
    sheet = make_sheet(rate, tracks=(busy_track("busy", 2000),))
    frame_rate = sheet.rate
    cues = parsed_cues(name, write(name, sheet))
    assert cues[0][0] == 0.0
    assert all(cues[i][1] == cues[i + 1][0] for i in range(len(cues) - 1)), "cues are not contiguous"
    shown = {}
    for start, end, shape in cues:
        for frame in range(nearest_frame(start, frame_rate), nearest_frame(end, frame_rate)):
            shown[frame] = shape
    track = sheet.tracks[0]
    assert shown == {frame: track.shape_at(frame) for frame in range(sheet.duration_frames)}


CONSUMER_RATES = ["12", "24000/1001", "24", "25", "30000/1001", "60"]


@pytest.mark.parametrize("name", RHUBARB_FORMATS)
@pytest.mark.parametrize("rate", CONSUMER_RATES)
def test_rhubarb_cue_starts_land_in_their_frame_for_readers_that_floor_or_round(name: str, rate: str) -> None:
    """Synfig's Switch layer and most players take frame = floor(t x fps); others round."""
    sheet = make_sheet(rate, tracks=(busy_track("busy", 700),))
    fps = float(sheet.rate)
    cues = parsed_cues(name, write(name, sheet))
    for reader in (math.floor, round):
        shown = {}
        for start, end, shape in cues:
            for frame in range(reader(start * fps), reader(end * fps)):
                shown[frame] = shape
        assert shown == {frame: sheet.tracks[0].shape_at(frame) for frame in range(sheet.duration_frames)}, reader


def test_rhubarb_duration_is_the_audios_length() -> None:
    sheet = make_sheet(source=Source(path="a.wav", duration=1.234))
    assert json.loads(write("rhubarb-json", sheet))["metadata"]["duration"] == 1.23
    assert ElementTree.fromstring(write("xml", sheet)).findtext("metadata/duration") == "1.23"


def test_rhubarb_json_layout_metadata_and_two_decimal_numbers() -> None:
    # At 10 fps frame 3 starts at 3/10 = 0.30000000000000004 in floating point.
    track = Track("t", (Cue(0, 3, "X"), Cue(3, 4, "B"), Cue(7, 3, "X")))
    sheet = make_sheet("10", tracks=(track,), source=Source(path="voices/ken 01.wav", duration=1.0))
    text = write("rhubarb-json", sheet).decode("utf-8")
    assert text == (
        '{\n'
        '  "metadata": {\n'
        '    "soundFile": "voices/ken 01.wav",\n'
        '    "duration": 1.00\n'
        '  },\n'
        '  "mouthCues": [\n'
        '    { "start": 0.00, "end": 0.30, "value": "X" },\n'
        '    { "start": 0.30, "end": 0.70, "value": "B" },\n'
        '    { "start": 0.70, "end": 1.00, "value": "X" }\n'
        '  ]\n'
        '}\n'
    )


@pytest.mark.parametrize("rate", RATES)
def test_rhubarb_json_numbers_have_two_decimals_or_a_few_more(rate: str) -> None:
    sheet = make_sheet(rate, tracks=(busy_track("busy", 500),))
    text = write("rhubarb-json", sheet).decode("utf-8")
    numbers = re.findall(r'"(?:start|end|duration)": ([^,\s}]+)', text)
    assert len(numbers) == 2 * len(sheet.tracks[0].cues) + 1
    assert all(re.fullmatch(r"\d+\.\d{2,4}", number) for number in numbers), numbers
    assert json.loads(text)["metadata"]["duration"] == round(sheet.duration_seconds, 2)


def test_rhubarb_json_without_source_has_empty_sound_file() -> None:
    data = json.loads(write("rhubarb-json", make_sheet()))
    assert data["metadata"] == {"soundFile": "", "duration": 0.79}


def test_rhubarb_xml_layout_and_escaping() -> None:
    path = 'takes/a&b <"ken">.wav'
    data = write("xml", make_sheet(source=Source(path=path)))
    assert data.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<rhubarbResult>\n  <metadata>\n')
    assert b'\n    <mouthCue start="0.00" end="0.09">X</mouthCue>\n' in data
    root = ElementTree.fromstring(data)
    assert root.tag == "rhubarbResult"
    assert root.findtext("metadata/soundFile") == path
    assert root.findtext("metadata/duration") == "0.79"
    assert parsed_cues("xml", data)[-1] == (0.55, 0.80, "X")


# --- Track selection ----------------------------------------------------------------------------


def test_track_option_selects_the_track() -> None:
    sheet = make_sheet()
    assert write("tsv", sheet, track="mei") == MEI_TSV.encode("utf-8")
    assert write("tsv", sheet, track=None) == KEN_TSV.encode("utf-8")
    assert [shape for _, _, shape in parsed_cues("rhubarb-json", write("rhubarb-json", sheet, "mei"))] == \
        ["X", "E", "X"]
    assert [shape for _, _, shape in parsed_cues("xml", write("xml", sheet, "mei"))] == ["X", "E", "X"]


@pytest.mark.parametrize("name", RHUBARB_FORMATS)
def test_unknown_track_raises_format_error_listing_the_tracks(name: str) -> None:
    with pytest.raises(FormatError) as error:
        write(name, make_sheet(), track="nobody")
    assert "nobody" in error.value.message
    assert "ken" in error.value.hint and "mei" in error.value.hint


# --- lipsync sheet JSON -------------------------------------------------------------------------


def test_sheet_json_round_trips_losslessly() -> None:
    ken = Track(
        "ken", KEN.cues,
        lines=(SheetLine(2, 11, "はい、どうぞ"),),
        words=(Word(0.083417, 0.458333, "はい", 0), Word(0.5, 0.75, "どうぞ", 0)),
        phones=(Phone(0.083417, 0.2, "h", "はい", 0), Phone(0.2, 0.458333, "a", "はい", 0)),
    )
    sheet = make_sheet("24000/1001", tracks=(ken, MEI), start_timecode="01:00:00:00",
                       source=Source("voice/ken.wav", 0.791667, 48000, 1))
    data = write("sheet", sheet)
    assert sheet_from_json(data.decode("utf-8")) == sheet
    assert data == sheet_to_json(sheet).encode("utf-8")


JSON_VALUES = [
    {}, [], 0, "x", None, [[], {}], {"a": []}, [{"a": 1}, {"b": [1, 2]}], [{"a": 1}, {}],
    {"cues": [{"frame": 0, "shape": "X", "tags": []}, {"frame": 2.5, "shape": 'a"},\n{', "tags": {}}]},
    {"k": [[1, 2], [], [3]], "u": "é\u2028😀\x01", "f": [1e300, -0.0, float("inf"), float("nan")]},
    {"nested": {"deep": [{"x": [{"y": {"z": [True, False, None]}}]}]}}, ({"t": (1, 2)},),
    {1: "int key"}, {"a": {None: 1, 2.5: [3]}}, [{"a": {1: 2}}], {"a": [{"b": 1}, {"c": [{}]}]},
]


@pytest.mark.parametrize("value", JSON_VALUES)
@pytest.mark.parametrize("indent", [1, 2, 4])
@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_fast_json_writes_exactly_what_json_dumps_writes(value, indent: int, ensure_ascii: bool) -> None:
    assert dumps(value, indent, ensure_ascii) == json.dumps(value, indent=indent, ensure_ascii=ensure_ascii)


def test_fast_json_raises_like_json_dumps() -> None:
    with pytest.raises(TypeError):
        dumps({"a": [object()]}, 1)


# --- CSV ----------------------------------------------------------------------------------------


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_has_a_row_for_every_cue_of_every_track_with_timecodes() -> None:
    long_mei = Track("mei", (Cue(0, 30, "X"), Cue(30, 1, "A"), Cue(31, 86369, "X"), Cue(86400, 2, "C")))
    sheet = make_sheet(tracks=(KEN, long_mei), start_timecode="01:00:00:00")
    data = write("csv", sheet)
    assert data.startswith(codecs.BOM_UTF8)  # so that Excel reads the labels as UTF-8
    assert data.decode("utf-8-sig").splitlines()[0] == (
        "track,start_frame,end_frame,length_frames,start_seconds,end_seconds,start_timecode,"
        "shape,drawing,label")
    rows = csv_rows(data)
    expected = [(track.name, cue) for track in sheet.tracks for cue in track.cues]
    assert [(row["track"], int(row["start_frame"]), int(row["length_frames"]), row["shape"])
            for row in rows] == [(name, cue.frame, cue.length, cue.shape) for name, cue in expected]
    assert all(int(row["end_frame"]) == int(row["start_frame"]) + int(row["length_frames"]) for row in rows)
    by_start = {(row["track"], row["start_frame"]): row for row in rows}
    assert by_start["ken", "0"]["start_timecode"] == "01:00:00:00"
    assert by_start["ken", "7"]["start_timecode"] == "01:00:00:07"
    assert by_start["mei", "30"]["start_timecode"] == "01:00:01:06"
    assert by_start["mei", "86400"]["start_timecode"] == "02:00:00:00"
    assert by_start["mei", "86400"]["start_seconds"] == "3600.000"
    assert by_start["ken", "2"]["end_seconds"] == "0.292"
    assert (by_start["ken", "7"]["drawing"], by_start["ken", "7"]["label"]) == ("3", "open")
    assert (by_start["ken", "13"]["drawing"], by_start["ken", "13"]["label"]) == ("9", "rest")


@pytest.mark.parametrize(("rate", "start", "timecodes"), [
    ("29.97", "01:00:00;00", ["01:00:00;00", "01:01:00;02"]),   # written drop-frame
    ("29.97", "01:00:00:00", ["01:00:00:00", "01:01:00:00"]),   # written non-drop: non-drop
    ("29.97", None, ["00:00:00;00", "00:01:00;02"]),            # none: drop-frame at 29.97
    ("59.94", "01:00:00:00", ["01:00:00:00", "01:00:30:00"]),
    ("25", None, ["00:00:00:00", "00:01:12:00"]),
])
def test_csv_timecodes_are_drop_frame_as_the_start_timecode_is_written(rate: str, start: str | None,
                                                                      timecodes: list[str]) -> None:
    track = Track("ken", (Cue(0, 1800, "X"), Cue(1800, 10, "A")))
    rows = csv_rows(write("csv", make_sheet(rate, tracks=(track,), start_timecode=start)))
    assert [row["start_timecode"] for row in rows] == timecodes


def test_csv_shape_missing_from_the_preset_raises_format_error() -> None:
    sheet = make_sheet(tracks=(Track("ken", (Cue(0, 4, "Q"),)),))
    with pytest.raises(FormatError) as error:
        write("csv", sheet)
    assert "'Q'" in error.value.message
    assert "A, B, C" in error.value.hint


# --- Registry -----------------------------------------------------------------------------------


def test_unknown_format_name_lists_the_known_formats() -> None:
    with pytest.raises(FormatError) as error:
        exporter_named("nope")
    for name in ("sheet", "tsv", "rhubarb-json", "xml", "csv"):
        assert name in error.value.hint
    assert exporter_named(" TSV ").name == "tsv"


@pytest.mark.parametrize(("path", "name"), [
    ("x.json", "sheet"), ("x.tsv", "tsv"), ("out/take 1.XML", "xml"), ("cues.csv", "csv"),
])
def test_format_from_extension(path: str, name: str) -> None:
    assert exporter_for_path(path).name == name


@pytest.mark.parametrize("path", ["x.mp4", "no_extension"])
def test_unknown_extension_raises_format_error(path: str) -> None:
    with pytest.raises(FormatError) as error:
        exporter_for_path(path)
    assert ".tsv" in error.value.hint


def test_the_registry_knows_each_format_as_its_module_declares_it() -> None:
    # finding a format reads the registry and imports that format's module only
    from lipsync.exporters import _MODULES

    assert [(r.name, r.extensions, r.suffix) for r in _MODULES] == [
        (e.name, e.extensions, e.suffix) for e in all_exporters()]


def test_finding_a_format_by_file_name_imports_its_module_only() -> None:
    code = ("import sys; from lipsync.exporters import exporter_for_path, exporter_named; "
            "from lipsync.export import check_target; check_target(None, 'take.json'); "
            "assert exporter_for_path('take.spine.json').name == 'spine' and exporter_named('xdts').name == 'xdts'; "
            "print(sorted(m for m in sys.modules if m.startswith('lipsync.exporters.') and not m.split('.')[-1].startswith('_')))")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert found == "['lipsync.exporters.sheet_json', 'lipsync.exporters.spine_json', 'lipsync.exporters.xdts']"


def test_every_extension_belongs_to_one_format() -> None:
    extensions = [ext for exporter in all_exporters() for ext in exporter.extensions]
    assert len(extensions) == len(set(extensions))


@pytest.mark.parametrize("exporter", all_exporters(), ids=lambda exporter: exporter.name)
def test_multi_track_formats_write_every_track_and_the_others_only_the_first(exporter) -> None:
    both = exporter.write(make_sheet(tracks=(KEN, MEI)), ExportOptions())
    ken_only = exporter.write(make_sheet(tracks=(KEN,)), ExportOptions())
    if exporter.name in ("pdf",):  # binary: its text is checked in test_exporters_otio_pdf.py
        assert both != ken_only
    elif exporter.multi_track:
        assert "mei" in both.decode("utf-8-sig") and "mei" not in ken_only.decode("utf-8-sig")
    else:
        assert both == ken_only


# --- Atomic writes ------------------------------------------------------------------------------


def test_write_atomic_into_a_missing_folder_raises_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(OutputError) as error:
        write_atomic(tmp_path / "missing" / "out.tsv", b"0.00\tX\n")
    assert error.value.hint
    assert list(tmp_path.iterdir()) == []


def test_write_atomic_leaves_exactly_the_file(tmp_path: Path) -> None:
    target = tmp_path / "out.tsv"
    write_atomic(target, b"old\n")
    write_atomic(target, KEN_TSV.encode("utf-8"))
    assert [path.name for path in tmp_path.iterdir()] == ["out.tsv"]
    assert target.read_bytes() == KEN_TSV.encode("utf-8")


def test_a_format_can_be_named_by_its_extension() -> None:
    assert exporter_named("json").name == "sheet"
    assert exporter_named(".TextGrid").name == "textgrid"
    assert exporter_named("jsx").name == "aejsx"


def test_sheet_json_keeps_the_peak_envelope_and_names_a_bad_one() -> None:
    sheet = make_sheet(peaks=bytes(range(19)))
    assert sheet_from_json(sheet_to_json(sheet)).peaks == bytes(range(19))
    assert '"peaks"' not in sheet_to_json(make_sheet())  # no envelope, no field
    data = json.loads(sheet_to_json(sheet))
    data["peaks"] = data["peaks"][:-4]
    with pytest.raises(FormatError, match="peaks: has 18 frames, the sheet 19"):
        sheet_from_json(json.dumps(data))
    data["peaks"] = "not base64!"
    with pytest.raises(FormatError, match="peaks: not base64"):
        sheet_from_json(json.dumps(data))
