"""Readers beside the writers: every readable format reads back what lipsync writes, frame for
frame, through one registry (lipsync.exporters.read_sheet); malformed files name the file, the line
or field and what was expected; `lipsync export` and `fit` take any of them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from lipsync.cli import main
from lipsync.errors import FormatError
from lipsync.export import export, load_sheet
from lipsync.exporters import exporter_named, read_sheet, readable_formats
from lipsync.exporters._production import preston_blair_names
from lipsync.presets import load_preset
from lipsync.sheet import Cue, Phone, Sheet, SheetLine, Track, Word
from lipsync.timing import FrameRate
from shape_sets import with_words

RATES = ["12", "24000/1001", "24", "25", "30000/1001", "60"]
SHAPES = "XABCDEFGHX"


def busy_sheet(rate: str, frames: int = 120) -> Sheet:
    """Two characters, cues of 1-5 frames (every rounding case), words and phones in seconds."""
    frame_rate = FrameRate.parse(rate)
    tracks = []
    for number, name in enumerate(("ken", "mei")):
        cues, frame, index = [], 0, number * 3
        while frame < frames:
            length = min((1, 2, 1, 3, 1, 1, 4, 2, 5)[index % 9], frames - frame)
            cues.append(Cue(frame, length, SHAPES[index % len(SHAPES)]))
            frame += length
            index += 1
        at = frame_rate.seconds_at
        words = (Word(at(4), at(30), "hello"), Word(at(40), at(70), "there"))
        phones = (Phone(at(4), at(10), "h"), Phone(at(10), at(30), "ə"), Phone(at(40), at(70), "ð"))
        tracks.append(Track(name, tuple(cues), (SheetLine(4, 66, "hello there"),), words, phones))
    return Sheet(frame_rate, frames, tuple(tracks), load_preset("rhubarb").shape_set)


def per_frame(sheet: Sheet, track: int = 0) -> list[str]:
    return [sheet.tracks[track].shape_at(frame) for frame in range(sheet.duration_frames)]


def test_the_readable_formats_are_the_ones_the_issue_names():
    assert {f.name for f in readable_formats()} == {"sheet", "tsv", "rhubarb-json", "xml", "xdts", "dat", "toonz-dat", "pgo",
                                                    "pg2", "textgrid", "lab"}


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("name", ["sheet", "tsv", "rhubarb-json", "xml", "xdts", "dat", "textgrid"])
def test_each_format_reads_back_the_mouth_of_every_frame(name: str, rate: str, tmp_path: Path):
    sheet = busy_sheet(rate)
    written = export(sheet, name, tmp_path / "take", as_stem=True)
    shapes = sheet.preset
    for path in written.files:
        back = read_sheet(path, rate=sheet.rate, shapes=shapes)
        assert back.rate == sheet.rate and back.duration_frames == sheet.duration_frames, path
        for track in back.tracks:
            index = next(i for i, t in enumerate(sheet.tracks) if path.name.count(t.name) or t.name == track.name)
            assert per_frame(back, back.tracks.index(track)) == per_frame(sheet, index), (path, track.name)


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("name", ["tsv", "xml"])
def test_times_written_for_synfig_read_back_on_their_frames(name: str, rate: str, tmp_path: Path):
    """--set frames=synfig puts each start at or up to half a millisecond before its frame's start
    (Synfig's Switch layer shows it from there); read back, each is on its own frame again."""
    sheet = busy_sheet(rate)
    written = export(sheet, name, tmp_path / "take", as_stem=True, settings={"frames": "synfig"})
    floor = export(sheet, name, tmp_path / "floor", as_stem=True)
    assert [p.read_bytes() for p in written.files] != [p.read_bytes() for p in floor.files]
    for index, path in enumerate(sorted(written.files)):
        back = read_sheet(path, rate=sheet.rate, shapes=sheet.preset)
        assert per_frame(back) == per_frame(sheet, index), path


@pytest.mark.parametrize("rate", ["12", "24", "25", "60"])
@pytest.mark.parametrize("name", ["pgo", "pg2"])
def test_papagayo_projects_read_back_with_preston_blair_mouths_and_words(name: str, rate: str, tmp_path: Path):
    sheet = busy_sheet(rate)
    path = export(sheet, name, tmp_path / f"take.{name}").files[0]
    back = load_sheet(path)
    assert back.preset.name == "preston-blair" and back.rate == sheet.rate
    mapped = preston_blair_names(sheet.preset)
    for index in range(2):
        assert per_frame(back, index) == [mapped[shape] for shape in per_frame(sheet, index)]
        assert [word.text for word in back.tracks[index].words] == ["hello", "there"]


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("name", ["pgo", "pg2"])
def test_papagayo_words_that_follow_each_other_read_back_on_every_frame(name: str, rate: str, tmp_path: Path):
    """A word ends on the next word's first frame holding that word's first mouth (for Synfig):
    the reader shows the first word holding a frame, as Papagayo does."""
    sheet = with_words(busy_sheet(rate))
    back = load_sheet(export(sheet, name, tmp_path / f"take.{name}").files[0])
    mapped = preston_blair_names(sheet.preset)
    frames = [sheet.rate.seconds_at(frame) for frame in range(sheet.duration_frames)]
    shown = [back.tracks[0].shape_at(back.rate.frame_at(time)) for time in frames]
    assert shown == [mapped[shape] for shape in per_frame(sheet)]


def test_lab_reads_back_the_phones_and_reads_voicevox_labels(tmp_path: Path):
    sheet = busy_sheet("24")
    path = export(sheet, "lab", tmp_path / "take.lab", track="ken").files[0]
    assert path.read_text().splitlines()[:2] == ["0 1666667 pau", "1666667 4166667 h"]
    back = read_sheet(path)
    assert [(round(p.start, 6), round(p.end, 6), p.symbol) for p in back.tracks[0].phones] == \
        [(round(p.start, 6), round(p.end, 6), p.symbol) for p in sheet.tracks[0].phones]
    voicevox = tmp_path / "konnichiwa.lab"
    voicevox.write_text("0 1000000 pau\n1000000 1500000 k\n1500000 2500000 o\n2500000 3000000 N\n"
                        "3000000 3500000 n\n3500000 4500000 i\n4500000 5000000 ch\n5000000 6000000 i\n"
                        "6000000 7000000 w\n7000000 8000000 a\n8000000 9000000 pau\n")
    read = read_sheet(voicevox)
    assert [p.symbol for p in read.tracks[0].phones] == ["k", "o", "ɴ", "n", "i", "tɕ", "i", "ɰ", "a"]
    animated = load_sheet(voicevox, preset="anime-3", fps="24")
    assert animated.preset.name == "anime-3" and animated.tracks[0].cues
    assert {cue.shape for cue in animated.tracks[0].cues} >= {"closed", "open"}


@pytest.mark.parametrize("name, text, where, expected", [
    ("bad.tsv", "0.00\tX\n0.5 A\n", "line 2", "'start<TAB>shape'"),
    ("bad.tsv", "0.00\tX\nsoon\tA\n", "line 2", "seconds"),
    ("bad.dat", "MohoSwitch1\n1 rest\nten AI\n", "line 3", "'<frame from 1> <mouth name>'"),
    ("bad.pgo", "lipsync version 1\nx.wav\ntwenty-four\n", "line 3", "the frame rate"),
    ("bad.pgo", "lipsync version 1\nx.wav\n24\n10\n1\n\tV\n\tt\n1\n\tp\n\t0\n\t5\n\t1\n\t\thi 0 4\n", "line 13",
     "'word start end count'"),
    ("bad.pg2", '{"fps": 24, "voices": [{"name": "V", "phrases": [{"text": "p", "words": [], "start_frame": "0"}]}]}',
     "field voices[0].phrases[0].'start_frame'", "a int"),
    ("bad.lab", "0 100 pau\n100 x1 a\n", "line 2", "an end time"),
    ("bad.lab", "0 100 pau\n100 50 a\n", "line 2", "the end at or after the start"),
    ("bad.lab", "#\n0.5 125 a\n0.25 125 b\n", "line 3", "end times in increasing order"),
    ("bad.rhubarb.json", '{"metadata": {}}', "field 'mouthCues'", "a list of {start, end, value}"),
    ("bad.xml", "<rhubarbResult><mouthCues><mouthCue start='x' end='1'>A</mouthCue></mouthCues></rhubarbResult>",
     "mouthCue 1 start", "seconds"),
    ("bad.TextGrid", "not a grid", "the text", "a TextGrid saved by Praat"),
    ("bad.xdts", 'exchangeDigitalTimeSheet Save Data\n{"version": 5, "timeTables": [{"duration": 4, "timeTableHeaders": '
     '[{"fieldId": 0, "names": ["k"]}], "fields": [{"fieldId": 0, "tracks": [{"trackNo": 0, "frames": ["x"]}]}]}]}',
     "timeTables[0].fields[0].tracks[0].frames[0]", '{"frame": N, "data"'),
    ("bad.xdts", 'exchangeDigitalTimeSheet Save Data\n{"version": 5, "timeTables": [{"duration": 4, "timeTableHeaders": '
     '[{"fieldId": 0, "names": ["k"]}], "fields": [{"fieldId": 0, "tracks": [{"trackNo": -1}]}]}]}',
     "timeTables[0].fields[0].tracks[0].trackNo", "a whole number from 0"),
    ("bad.TextGrid", 'File type = "ooTextFile"\nObject class = "TextGrid"\n\nxmin = 0\nxmax = soon\n', "line 5",
     "'xmax = ' and a number of seconds"),
])
def test_a_malformed_file_names_the_file_where_and_what_was_expected(name, text, where, expected, tmp_path: Path):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(FormatError) as caught:
        read_sheet(path)
    assert str(path) in caught.value.message and where in caught.value.message, caught.value.message
    assert expected in caught.value.hint, caught.value.hint


@pytest.mark.parametrize("change, where, problem", [
    (lambda document: document["tracks"][1]["cues"][2].update(shape="Q"), "tracks[1].cues[2].shape",
     "'Q' is none of the shapes of the preset 'rhubarb'"),
    (lambda document: document["preset"].update(rest="sil"), "preset.rest", "'sil' is none of the preset's shapes"),
])
def test_a_sheet_whose_mouths_its_preset_lacks_names_the_file_and_field(change, where, problem, tmp_path: Path):
    """(Such a sheet failed later, at export, without naming the file.)"""
    path = export(busy_sheet("24"), "sheet", tmp_path / "take.json").files[0]
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))
    with pytest.raises(FormatError) as caught:
        read_sheet(path)
    assert f"{path}: {where}: {problem}" in caught.value.message


def test_an_xdts_track_with_an_empty_frame_list_reads_as_empty_cells(tmp_path: Path):
    """(It was refused as "a track's frames are not a list".)"""
    path = tmp_path / "empty.xdts"
    path.write_text('exchangeDigitalTimeSheet Save Data\n{"version": 5, "timeTables": [{"duration": 4, '
                    '"timeTableHeaders": [{"fieldId": 0, "names": ["k"]}], '
                    '"fields": [{"fieldId": 0, "tracks": [{"trackNo": 0, "frames": []}]}]}]}')
    sheet = read_sheet(path)
    assert [track.name for track in sheet.tracks] == ["k"] and per_frame(sheet) == [sheet.preset.rest] * 4


def test_a_format_without_a_reader_says_which_formats_read(tmp_path: Path):
    path = tmp_path / "take.edl"
    path.write_text("TITLE: x\n")
    with pytest.raises(FormatError, match="cannot read the edl format") as caught:
        read_sheet(path)
    assert "pgo" in caught.value.hint and "lab" in caught.value.hint


def test_xdts_drawings_a_preset_does_not_have_are_named(tmp_path: Path):
    path = export(busy_sheet("24"), "xdts", tmp_path / "take.xdts").files[0]
    with pytest.raises(FormatError, match="drawings 4, 5, 6, 7, 8, 9 are not drawings of the preset 'anime-3'"):
        read_sheet(path, shapes=load_preset("anime-3").shape_set)


def test_export_and_fit_take_a_papagayo_file(tmp_path: Path):
    pgo = export(busy_sheet("24"), "pgo", tmp_path / "take.pgo").files[0]
    run = CliRunner().invoke(main, ["export", str(pgo), "-f", "xdts", "-o", str(tmp_path / "take.xdts")])
    assert run.exit_code == 0, run.output
    back = read_sheet(tmp_path / "take.xdts", shapes=load_preset("preston-blair").shape_set)
    assert [t.name for t in back.tracks] == ["ken", "mei"]
    run = CliRunner().invoke(main, ["fit", str(pgo), str(pgo), "--track", "ken", "--dub-track", "ken",
                                    "-p", "preston-blair", "--json"])
    assert run.exit_code == 0, run.output
    summary = json.loads(run.stdout)["summary"]
    assert summary["mean_score"] == 100.0 and summary["flagged"] == 0  # the same mouths on both sides
    bad = CliRunner().invoke(main, ["export", str(tmp_path / "nope.pgo"), "-f", "tsv"])
    assert bad.exit_code == 2 and "sheet not found" in bad.stderr and "nope.pgo" in bad.stderr
    assert exporter_named("lab").read is not None
