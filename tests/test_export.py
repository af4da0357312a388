"""The one export path (lipsync.export): where files go, per-track fan-out and names, the set
written whole or not at all, inputs never overwritten, settings checked, warnings as values."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

import lipsync
from lipsync.errors import FormatError, OptionError, OutputError
from lipsync.export import check_target, export, render, track_file_names
from lipsync.sheet import Cue, Sheet, ShapeInfo, ShapeSet, Track, sheet_from_json
from lipsync.timing import FrameRate
from shape_sets import RHUBARB

ANNA = Track("ANNA", (Cue(0, 3, "X"), Cue(3, 4, "C"), Cue(7, 5, "X")))
BOB = Track("BOB", (Cue(0, 6, "X"), Cue(6, 2, "A"), Cue(8, 4, "X")))


def sheet_of(*tracks: Track, rate: str = "24") -> Sheet:
    return Sheet(rate=FrameRate.parse(rate), duration_frames=12, tracks=tracks, preset=RHUBARB)


def names(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_a_folder_target_writes_inside_the_folder_named_after_the_first_input(tmp_path):
    out = tmp_path / "adir"
    out.mkdir()
    result = export(sheet_of(ANNA), "tsv,xdts", f"{out}/", inputs=[str(tmp_path / "take.wav")])
    assert names(tmp_path) == ["adir/take.tsv", "adir/take.xdts"]
    assert result.files == (out / "take.tsv", out / "take.xdts")
    # an existing folder without the slash is a folder too; a missing one with the slash is made
    export(sheet_of(ANNA), "tsv", out, inputs=["other.wav"])
    export(sheet_of(ANNA), "tsv", f"{tmp_path}/new/deeper/", inputs=["x.wav"])
    assert "adir/other.tsv" in names(tmp_path) and "new/deeper/x.tsv" in names(tmp_path)


def test_several_formats_share_the_stem_and_a_format_extension_is_dropped_from_it(tmp_path):
    export(sheet_of(ANNA), "tsv,rhubarb-json,xdts", tmp_path / "out" / "ep01.xdts")
    assert names(tmp_path) == ["out/ep01.rhubarb.json", "out/ep01.tsv", "out/ep01.xdts"]
    # an extension that is no format's is part of the stem
    export(sheet_of(ANNA), "tsv,xdts", tmp_path / "take.v2")
    assert {"take.v2.tsv", "take.v2.xdts"} <= set(names(tmp_path))


def test_one_format_goes_to_exactly_the_file_named(tmp_path):
    export(sheet_of(ANNA), "dat", tmp_path / "mouth.txt")
    assert names(tmp_path) == ["mouth.txt"]
    assert (tmp_path / "mouth.txt").read_text().startswith("MohoSwitch1")


def test_single_track_formats_fan_out_per_track_with_their_extension(tmp_path):
    sheet = sheet_of(ANNA, BOB)
    export(sheet, "dat", tmp_path / "out1")
    export(sheet, "tsv,xdts", tmp_path / "ep")
    export(sheet, "tsv", tmp_path / "single.tsv")
    assert names(tmp_path) == ["ep.ANNA.tsv", "ep.BOB.tsv", "ep.xdts", "out1.ANNA.dat", "out1.BOB.dat",
                               "single.ANNA.tsv", "single.BOB.tsv"]
    assert (tmp_path / "ep.BOB.tsv").read_text().splitlines()[1] == "0.25\tA"
    # one track picked: one file, no fan-out
    export(sheet, "tsv", tmp_path / "bob.tsv", track="BOB")
    assert (tmp_path / "bob.tsv").read_text() == (tmp_path / "ep.BOB.tsv").read_text()


def test_track_file_names_are_unique_whatever_the_speaker_names(tmp_path):
    tracks = [replace(ANNA, name="Mr. Lee"), replace(BOB, name="Mr Lee"), replace(ANNA, name="A/B"),
              replace(BOB, name="A:B"), replace(ANNA, name="mr_lee")]
    result = export(sheet_of(*tracks), "tsv", tmp_path / "ep")
    assert len(set(result.files)) == 5
    assert names(tmp_path) == ["ep.A_B.tsv", "ep.A_B_2.tsv", "ep.Mr_Lee.tsv", "ep.Mr_Lee_2.tsv", "ep.mr_lee_3.tsv"]
    assert (tmp_path / "ep.Mr_Lee_2.tsv").read_text().splitlines()[1] == "0.25\tA"  # BOB's cues
    assert track_file_names(["Dr. Lee"]) == {"Dr. Lee": "Dr_Lee"}


def test_a_failing_format_leaves_no_file_of_the_set(tmp_path):
    spaced = ShapeSet("spaced", "X", (ShapeInfo("X", 1), ShapeInfo("open wide", 2)))
    sheet = Sheet(FrameRate(24), 4, (Track("A", (Cue(0, 2, "X"), Cue(2, 2, "open wide"))),), spaced)
    with pytest.raises(FormatError, match="spaces"):
        export(sheet, "tsv,xdts,dat", tmp_path / "deep" / "ep")
    assert list(tmp_path.iterdir()) == []


def test_a_write_failure_part_way_removes_the_files_already_staged(tmp_path, monkeypatch):
    real = os.replace
    calls = []

    def failing(source, target):
        calls.append(target)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(source, target)

    (tmp_path / "ep.tsv").write_text("an earlier take\n")
    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(OutputError, match="No space left"):
        export(sheet_of(ANNA), "tsv,xdts,dat", tmp_path / "ep")
    # the first was renamed into place before the failure: it is undone, the earlier file back
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ep.tsv"]
    assert (tmp_path / "ep.tsv").read_text() == "an earlier take\n"
    calls.clear()
    (tmp_path / "ep.tsv").unlink()
    with pytest.raises(OutputError, match="No space left"):
        export(sheet_of(ANNA), "tsv,xdts,dat", tmp_path / "ep")
    assert list(tmp_path.iterdir()) == []  # a new file renamed into place is removed
    monkeypatch.setattr(os, "replace", real)
    (tmp_path / "ep.tsv").write_text("an earlier take\n")
    export(sheet_of(ANNA), "tsv,xdts,dat", tmp_path / "ep")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ep.dat", "ep.tsv", "ep.xdts"]  # no kept copy left


def test_an_output_that_is_an_input_is_refused_before_anything_is_written(tmp_path):
    audio = tmp_path / "take.wav"
    audio.write_bytes(b"RIFF")
    link = tmp_path / "link.tsv"
    link.symlink_to(audio)
    for target in (audio, link, tmp_path / "sub" / ".." / "take.wav"):
        with pytest.raises(OutputError, match="is the input"):
            export(sheet_of(ANNA), "tsv", target, inputs=[audio])
        with pytest.raises(OutputError, match="is the input"):
            check_target("tsv", target, [audio])
    # a folder target whose name would be the input's: export ep01.json -f json -o ./
    sheet_file = tmp_path / "ep01.json"
    export(sheet_of(ANNA), "json", sheet_file)
    before = sheet_file.read_bytes()
    with pytest.raises(OutputError, match="is the input"):
        export(sheet_from_json(before.decode()), "json", f"{tmp_path}/", inputs=[sheet_file])
    assert audio.read_bytes() == b"RIFF" and sheet_file.read_bytes() == before


def test_a_hard_link_to_an_input_is_refused(tmp_path):
    audio = tmp_path / "take.wav"
    audio.write_bytes(b"RIFF")
    os.link(audio, tmp_path / "other.tsv")
    with pytest.raises(OutputError, match="is the input"):
        export(sheet_of(ANNA), "tsv", tmp_path / "other.tsv", inputs=[audio])


def test_settings_are_checked_against_the_formats_declared_ones():
    with pytest.raises(OptionError, match="unknown setting 'bogus'") as error:
        render(sheet_of(ANNA), "xdts", None, settings={"bogus": "1"})
    assert "cut" in error.value.hint and "formats --settings" in error.value.hint
    with pytest.raises(OptionError, match="names='klingon' is not one of"):
        render(sheet_of(ANNA), "dat", None, settings={"names": "klingon"})
    # a setting of one of the chosen formats is fine for the set
    render(sheet_of(ANNA), "tsv,dat", "x", settings={"names": "preston-blair"})


def test_stdout_rendering_of_a_single_track_format_warns_which_track_it_holds():
    rendering = render(sheet_of(ANNA, BOB), "tsv", None)
    assert [(o.path, o.track) for o in rendering.outputs] == [(None, "ANNA")]
    assert any("holds one track" in w and "'ANNA' of 2" in w for w in rendering.warnings)
    with pytest.raises(OutputError, match="several formats need an output path"):
        render(sheet_of(ANNA), "tsv,xdts", None)


def test_exporter_warnings_come_back_as_values(tmp_path, caplog):
    result = export(sheet_of(ANNA, rate="23.976"), "lst,tsv", tmp_path / "x")
    assert any("lst stores a whole frame rate" in w and "drift" in w for w in result.warnings)
    assert caplog.records == []


def test_an_audio_format_needs_the_audio():
    with pytest.raises(FormatError, match="needs the audio"):
        render(sheet_of(ANNA), "mp4", "x.mp4")


def test_the_library_names_the_function_not_the_module(tmp_path):
    import lipsync.export  # noqa: F401 - importing the module must not shadow the function

    assert lipsync.export is export
    assert lipsync.export_bytes(sheet_of(ANNA, BOB), "tsv", track="BOB").decode().splitlines()[1] == "0.25\tA"


# --- the commands ------------------------------------------------------------------------------

from click.testing import CliRunner  # noqa: E402

from lipsync.cli import main  # noqa: E402
from lipsync.sheet import sheet_to_json  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "lipsync" / "data"


def run(*args: str):
    result = CliRunner().invoke(main, [str(arg) for arg in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def one_line_error(result, expected: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "(hint: " in lines[0], result.stderr
    assert expected in lines[0], lines[0]


@pytest.fixture
def inputs(tmp_path):
    """A copy of the sample take and its script, and a two-track sheet, in a folder."""
    audio, script, sheet = tmp_path / "take.flac", tmp_path / "take.txt", tmp_path / "ep01.json"
    audio.write_bytes((DATA / "sample.flac").read_bytes())
    script.write_text((DATA / "sample.txt").read_text())
    sheet.write_text(sheet_to_json(sheet_of(ANNA, replace(BOB, name="Dr. Lee"))))
    return audio, script, sheet


def test_analyze_refuses_to_write_over_its_audio_or_script_before_any_work(inputs, tmp_path):
    audio, script, _ = inputs
    before = {path: path.read_bytes() for path in (audio, script)}
    (tmp_path / "Take.flac").symlink_to(audio)
    for output in (audio, script, tmp_path / "Take.flac", tmp_path / "sub" / ".." / "take.txt"):
        result = run("analyze", audio, "-s", script, "-f", "tsv", "-o", output, "--progress", "json")
        assert [json.loads(line)["event"] for line in result.stderr.splitlines()] == ["error"]  # no "start"
        assert result.exit_code == 2 and "is the input" in result.stderr
    assert {path: path.read_bytes() for path in (audio, script)} == before


def test_export_to_a_folder_with_several_formats_writes_inside_it(inputs, tmp_path):
    _, _, sheet = inputs
    result = run("export", sheet, "-f", "tsv,xdts", "-o", f"{tmp_path}/adir/")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "adir").iterdir()) == ["ep01.ANNA.tsv", "ep01.Dr_Lee.tsv",
                                                                     "ep01.xdts"]


def test_export_over_its_own_sheet_is_refused(inputs, tmp_path):
    _, _, sheet = inputs
    before = sheet.read_bytes()
    one_line_error(run("export", sheet, "-f", "json", "-o", f"{tmp_path}/"), "is the input")
    one_line_error(run("export", sheet, "-o", sheet), "is the input")
    assert sheet.read_bytes() == before


def test_an_unknown_or_bad_setting_is_an_error_listing_the_known_ones(inputs, tmp_path):
    _, _, sheet = inputs
    one_line_error(run("export", sheet, "-f", "xdts", "--set", "bogus=1", "-o", tmp_path / "x.xdts"),
                   "unknown setting 'bogus' for xdts")
    one_line_error(run("export", sheet, "-f", "xdts", "--set", "cut=12a", "-o", tmp_path / "x.xdts"),
                   "expected 1 to 4 digits")
    assert not (tmp_path / "x.xdts").exists()
    listing = run("formats", "--settings").stdout
    assert "--set cut=1 to 4 digits" in listing and "--set names=preset|preston-blair" in listing


def test_fit_refuses_a_report_or_retimed_sheet_over_an_input(inputs, tmp_path):
    _, _, sheet = inputs
    dub = tmp_path / "dub.json"
    dub.write_text(sheet.read_text())
    before = sheet.read_bytes()
    one_line_error(run("fit", sheet, dub, "--track", "ANNA", "--dub-track", "ANNA", "-o", sheet), "is the input")
    one_line_error(run("fit", sheet, dub, "--track", "ANNA", "--dub-track", "ANNA", "--retime-sheet", dub),
                   "is the input")
    assert sheet.read_bytes() == before and dub.read_bytes() == before
