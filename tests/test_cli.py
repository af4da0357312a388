"""The ``lipsync`` command line: through click's CliRunner and as real ``python -m lipsync`` runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from lipsync.cli import main

DATA = Path(__file__).resolve().parent.parent / "lipsync" / "data"
SAMPLE = str(DATA / "sample.flac")
SCRIPT = str(DATA / "sample.txt")
PRESET_NAMES = ["rhubarb", "preston-blair", "anime-3", "anime-5", "harmony", "oculus-15", "fleming-dobbs"]


def run(*args: str):
    result = CliRunner().invoke(main, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def check_tsv(text: str, rest: str = "X") -> list[tuple[float, str]]:
    """Parse a Rhubarb TSV and check its layout: 0.00 rest first, increasing times, rest last."""
    rows = []
    for line in text.splitlines():
        time, shape = line.split("\t")
        assert len(time.split(".")[1]) == 2, line
        rows.append((float(time), shape))
    assert rows[0] == (0.0, rest)
    assert rows[-1][1] == rest
    times = [time for time, _ in rows]
    assert times == sorted(times) and len(set(times)) == len(times)
    return rows


@pytest.fixture(scope="module")
def sample_tsv() -> str:
    result = run("analyze", SAMPLE, "--script", SCRIPT, "-j", "1", "--progress", "none")
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def silent_wav(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("silent") / "silent.wav"
    sf.write(str(path), np.zeros(3 * 16000, np.float32), 16000)
    return path


# --- analyze ------------------------------------------------------------------------------------


def test_sample_to_tsv_on_stdout(sample_tsv):
    rows = check_tsv(sample_tsv)
    shapes = {shape for _, shape in rows}
    assert len(rows) > 40
    assert {"A", "B", "C", "D", "X"} <= shapes <= set("ABCDEFGHX")
    assert rows[-1][0] == pytest.approx(17.45, abs=0.05)  # the sample's length


def test_several_formats_with_an_output_name(tmp_path, sample_tsv):
    out = tmp_path / "out"
    out.mkdir()
    result = run("analyze", SAMPLE, "-s", SCRIPT, "-j", "1", "-f", "tsv,csv,sheet", "-o", str(out / "name"))
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["name.csv", "name.json", "name.tsv"]
    assert (out / "name.tsv").read_text() == sample_tsv
    assert json.loads((out / "name.json").read_text())["format"] == "lipsync-sheet"
    csv_lines = (out / "name.csv").read_text().splitlines()
    assert len(csv_lines) >= len(sample_tsv.splitlines()) - 1
    assert result.stdout == ""


def test_sheet_json_exports_to_the_same_tsv(tmp_path, sample_tsv):
    sheet = tmp_path / "x.json"
    result = run("analyze", SAMPLE, "-s", SCRIPT, "-j", "1", "-o", str(sheet))
    assert result.exit_code == 0, result.stderr
    data = json.loads(sheet.read_text())
    assert data["format"] == "lipsync-sheet" and data["rate"] == "24"
    cues = data["tracks"][0]["cues"]
    assert cues[0]["frame"] == 0
    assert sum(cue["length"] for cue in cues) == data["duration_frames"]
    assert data["tracks"][0]["words"] and data["tracks"][0]["phones"]
    exported = run("export", str(sheet), "-f", "tsv")
    assert exported.exit_code == 0, exported.stderr
    assert exported.stdout == sample_tsv
    # and to a file, by its extension
    exported = run("export", str(sheet), "-o", str(tmp_path / "again.tsv"))
    assert exported.exit_code == 0
    assert (tmp_path / "again.tsv").read_text() == sample_tsv


def test_progress_json_writes_only_json_lines(tmp_path):
    target = tmp_path / "out.tsv"
    result = run("analyze", SAMPLE, "-s", SCRIPT, "-j", "1", "--progress", "json", "-o", str(target))
    assert result.exit_code == 0
    events = [json.loads(line) for line in result.stderr.splitlines()]
    kinds = [event["event"] for event in events]
    assert kinds[0] == "start" and kinds[-1] == "done"
    assert "progress" in kinds
    progress = [event for event in events if event["event"] == "progress"]
    assert all(0 <= event["done"] <= event["total"] for event in progress)
    assert events[-1]["outputs"] == [str(target)]
    assert target.is_file()


def test_quiet_writes_nothing_to_stderr(silent_wav, tmp_path):
    loud = run("analyze", str(silent_wav), "-o", str(tmp_path / "a.tsv"))
    assert "warning" in loud.stderr  # there is something to keep quiet about
    for target in ("b.tsv", "c.json"):
        quiet = run("analyze", str(silent_wav), "-q", "-o", str(tmp_path / target))
        assert quiet.exit_code == 0
        assert quiet.stderr == ""
    quiet = run("analyze", SAMPLE, "-s", SCRIPT, "-j", "1", "-q", "-o", str(tmp_path / "d.tsv"))
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_exact_rate_and_start_timecode_in_the_sheet(silent_wav):
    result = run("analyze", str(silent_wav), "-q", "--fps", "23.976", "--start-timecode", "01:00:00:00", "-f", "sheet")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["rate"] == "24000/1001"
    assert data["fps"] == pytest.approx(23.976, abs=1e-3)
    assert data["start_timecode"] == "01:00:00:00"
    assert data["duration_frames"] == 72  # ceil(3 s * 23.976)
    result = run("analyze", str(silent_wav), "-q", "--fps", "29.97", "--start-timecode", "01:00:00;00", "-f", "sheet")
    data = json.loads(result.stdout)
    assert data["rate"] == "30000/1001" and data["start_timecode"] == "01:00:00;00"


def test_silence_gives_a_warning_and_an_all_rest_sheet(silent_wav):
    result = run("analyze", str(silent_wav), "-f", "sheet")
    assert result.exit_code == 0
    assert "silent" in result.stderr
    data = json.loads(result.stdout)
    assert [cue["shape"] for cue in data["tracks"][0]["cues"]] == ["X"]
    assert data["tracks"][0]["cues"][0]["length"] == data["duration_frames"] == 72
    tsv = run("analyze", str(silent_wav), "-q").stdout
    assert check_tsv(tsv) == [(0.0, "X"), (3.0, "X")]


def test_noise_without_speech_warns_of_no_speech_and_not_of_noisy_speech(tmp_path):
    noise = tmp_path / "hiss.wav"
    sf.write(str(noise), (0.1 * np.random.default_rng(0).standard_normal(3 * 16000)).astype(np.float32), 16000)
    result = run("analyze", str(noise), "-j", "1")
    assert result.exit_code == 0 and "no speech was found" in result.stderr
    assert "stands only" not in result.stderr


def test_silence_with_a_script_is_an_error_about_the_audio_not_the_script(silent_wav, tmp_path):
    out = tmp_path / "take.tsv"
    result = run("analyze", str(silent_wav), "-s", SCRIPT, "-o", str(out))
    assert result.exit_code == 2 and not out.exists()
    assert "is silent" in result.stderr and "no speech to align the script to" in result.stderr
    assert "another recording" not in result.stderr


def test_channels_that_cancel_out_when_mixed_are_refused_with_the_channel_to_take(tmp_path):
    voice, rate = sf.read(SAMPLE, dtype="float32", frames=3 * 48000)
    inverted = tmp_path / "inverted.wav"
    sf.write(str(inverted), np.stack([voice, -voice], axis=1), rate)
    for extra in ([], ["-s", SCRIPT]):
        result = run("analyze", str(inverted), *extra, "-o", str(tmp_path / "take.tsv"))
        assert result.exit_code == 2 and not (tmp_path / "take.tsv").exists()
        assert "cancel out when mixed" in result.stderr and "--channel 1" in result.stderr
    one = run("analyze", str(inverted), "--channel", "2", "-j", "1", "-q")
    assert one.exit_code == 0 and {shape for _, shape in check_tsv(one.stdout)} - {"X"}


def test_a_subtitle_after_the_end_of_the_recording_is_named_so(espeak_wav, tmp_path):
    speech = espeak_wav("Hello there. My name is Peter and I like big blue boats.")
    duration = sf.info(str(speech)).duration
    script = tmp_path / "take.srt"
    script.write_text("1\n00:00:00,000 --> 00:00:03,600\nHello there. My name is Peter and I like big blue boats.\n\n"
                      "2\n00:00:10,000 --> 00:00:12,000\nAnd a line after the end.\n", encoding="utf-8")
    result = run("analyze", str(speech), "-s", str(script), "-j", "1", "-f", "sheet")
    assert result.exit_code == 0
    assert f"its time, 0:10.0, is after the end of the {duration:.1f} s recording" in result.stderr
    late = json.loads(result.stdout)["script"][1]
    assert late["status"] == "not found" and late["start"] <= late["end"] <= duration + 0.001


def test_track_name_from_the_script_speaker(tmp_path):
    script = tmp_path / "bob.txt"
    script.write_text("".join(f"BOB: {line}\n" for line in Path(SCRIPT).read_text().splitlines() if line.strip()))
    result = run("analyze", SAMPLE, "-s", str(script), "-j", "1", "-q", "-f", "sheet")
    assert result.exit_code == 0
    track = json.loads(result.stdout)["tracks"][0]
    assert track["name"] == "BOB"
    assert track["lines"][0]["text"] == "Hello there! My name is Bob, and I make mouths move."


# --- user mistakes ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bad")
    corrupt = folder / "corrupt.wav"
    corrupt.write_bytes(np.random.default_rng(0).bytes(6000))
    empty = folder / "empty.txt"
    empty.write_text("   \n\n")
    preset = folder / "mine.toml"
    preset.write_text((Path(__file__).resolve().parent.parent / "presets" / "rhubarb.toml").read_text()
                      + "\nbogus_key = 1\n")
    return {"corrupt": corrupt, "empty": empty, "preset": preset}


ERRORS = {
    "missing audio": (["analyze", "{tmp}/nope.wav"], "nope.wav"),
    "corrupt audio": (["analyze", "{corrupt}"], "corrupt.wav"),
    "empty script": (["analyze", SAMPLE, "-s", "{empty}"], "no words"),
    "missing script": (["analyze", SAMPLE, "-s", "{tmp}/nope.txt"], "nope.txt"),
    "unknown preset": (["analyze", SAMPLE, "-p", "nonesuch"], "nonesuch"),
    "bad preset key": (["analyze", SAMPLE, "-p", "{preset}"], "bogus_key"),
    "unknown format": (["analyze", SAMPLE, "-f", "tsv,nonesuch"], "nonesuch"),
    "bad fps": (["analyze", SAMPLE, "--fps", "abc"], "abc"),
    "zero fps": (["analyze", SAMPLE, "--fps", "0"], "frame rate"),
    "bad timecode": (["analyze", SAMPLE, "--start-timecode", "99:99"], "99:99"),
    "drop frame at 24": (["analyze", SAMPLE, "--start-timecode", "01:00:00;00"], "drop-frame"),
    "channel out of range": (["analyze", SAMPLE, "--channel", "3"], "channel 3"),
    "channel zero": (["analyze", SAMPLE, "--channel", "0"], "channel 0"),
    "export a missing sheet": (["export", "{tmp}/nope.json", "-f", "tsv"], "nope.json"),
    "export a non-sheet": (["export", "{empty}", "-f", "tsv"], "sheet"),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_each_mistake_is_one_error_line_exit_2_and_no_file(case, tmp_path, bad_inputs):
    args, expected = ERRORS[case]
    out = tmp_path / "out"
    out.mkdir()
    values = {"tmp": str(tmp_path), **{key: str(path) for key, path in bad_inputs.items()}}
    args = [arg.format(**values) for arg in args] + ["-o", str(out / "result.tsv")]
    result = run(*args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and "(hint: " in lines[0] and lines[0].endswith(")")
    assert expected in lines[0]
    assert "Traceback" not in result.stderr
    assert list(out.iterdir()) == []
    assert result.stdout == ""


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_bad_script_is_named_before_bad_audio_with_any_number_of_jobs(jobs, tmp_path, bad_inputs):
    """With several jobs the audio is decoded in the background from the start; its error
    still comes where the audio is needed, after the script's."""
    result = run("analyze", str(bad_inputs["corrupt"]), "-s", str(tmp_path / "nope.txt"), "-j", jobs,
                 "-o", str(tmp_path / "out.tsv"))
    assert result.exit_code == 2
    assert "nope.txt" in result.stderr and "corrupt" not in result.stderr


def test_missing_output_folders_are_made(tmp_path):
    target = tmp_path / "missing" / "dir" / "x.tsv"
    result = run("analyze", SAMPLE, "-s", SCRIPT, "-j", "1", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert target.read_text().startswith("0.00\t")


def test_an_output_under_a_file_is_an_error_and_nothing_is_written(tmp_path):
    (tmp_path / "afile").write_text("keep")
    result = run("analyze", SAMPLE, "-s", SCRIPT, "-j", "1", "-f", "tsv,xdts", "-o", str(tmp_path / "afile" / "x"))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "(hint: " in lines[0]
    assert "is a file" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"] and (tmp_path / "afile").read_text() == "keep"


def test_several_formats_to_stdout_is_an_error(tmp_path):
    result = run("analyze", SAMPLE, "-f", "tsv,csv")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "-o" in result.stderr


def test_progress_json_reports_errors_as_json(tmp_path):
    result = run("analyze", str(tmp_path / "nope.wav"), "--progress", "json")
    assert result.exit_code == 2
    # a host reading stderr as JSON lines meets nothing else, the error included
    events = [json.loads(line) for line in result.stderr.splitlines()]
    assert [event["event"] for event in events] == ["start", "error"]
    assert "nope.wav" in events[-1]["message"] and events[-1]["hint"]


# --- real processes -------------------------------------------------------------------------------


def lipsync(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lipsync", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


def test_process_analyzes_the_sample(tmp_path, sample_tsv):
    done = lipsync("analyze", SAMPLE, "--script", SCRIPT, "-q")  # default --jobs: every CPU
    assert done.returncode == 0
    assert done.stderr == ""
    assert done.stdout == sample_tsv


@pytest.mark.parametrize("case", ["missing audio", "corrupt audio", "unknown preset", "bad timecode"])
def test_process_errors_are_one_line_without_traceback(case, tmp_path, bad_inputs):
    args, expected = ERRORS[case]
    values = {"tmp": str(tmp_path), **{key: str(path) for key, path in bad_inputs.items()}}
    target = tmp_path / "result.tsv"
    done = lipsync(*[arg.format(**values) for arg in args], "-o", str(target))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "(hint: " in lines[0], done.stderr
    assert expected in lines[0]
    assert not target.exists()


def test_process_version_and_help():
    version = lipsync("--version")
    assert version.returncode == 0 and "version" in version.stdout
    helped = lipsync("--help")
    assert helped.returncode == 0
    for command in ("analyze", "export", "presets", "formats", "evaluate"):
        assert command in helped.stdout


def test_usage_mistakes_are_exit_2():
    done = lipsync("analyze")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert run("analyze", SAMPLE, "--jobs", "0").exit_code == 2
    assert run("nonesuch").exit_code == 2


# --- the other commands -----------------------------------------------------------------------


def test_help():
    result = run("--help")
    assert result.exit_code == 0
    assert "analyze" in result.stdout and "Quick start" in result.stdout
    result = run("analyze", "--help")
    assert result.exit_code == 0 and "--start-timecode" in result.stdout


def test_presets_lists_all_seven():
    result = run("presets")
    assert result.exit_code == 0
    listed = [line.split(":")[0] for line in result.stdout.splitlines() if line and not line.startswith(" ")
              and ":" in line and not line.startswith("A path")]
    assert sorted(listed) == sorted(PRESET_NAMES)
    assert "MBP" in result.stdout and "closed" in result.stdout


def test_formats_lists_the_core_formats():
    result = run("formats")
    assert result.exit_code == 0
    names = {line.split()[0] for line in result.stdout.splitlines() if line and not line[0].isspace()}
    assert {"tsv", "xml", "csv", "sheet", "rhubarb-json"} <= names
    tsv_line = next(line for line in result.stdout.splitlines() if line.startswith("tsv "))
    assert ".tsv" in tsv_line


def write_tsv(path: Path, rows: list[tuple[float, str]]) -> Path:
    path.write_text("".join(f"{time:.2f}\t{shape}\n" for time, shape in rows))
    return path


def test_evaluate_a_reference_against_a_result(tmp_path):
    reference = tmp_path / "ref.tsv"
    reference.write_text("0.0\t0.5\tsil\n0.5\t0.6\tm\n0.6\t0.9\taa\n0.9\t2.0\tsil\n")
    good = write_tsv(tmp_path / "good.tsv", [(0, "X"), (0.5, "A"), (0.6, "D"), (0.9, "X"), (2.0, "X")])
    bad = write_tsv(tmp_path / "bad.tsv", [(0, "X"), (2.0, "X")])

    result = run("evaluate", str(reference), str(good))
    assert result.exit_code == 0, result.stderr
    total = next(line for line in result.stdout.splitlines() if line.startswith("TOTAL"))
    assert "1.000" in total
    scores = json.loads(run("evaluate", str(reference), str(good), "--json").stdout)
    assert scores["total"]["acc9"] == pytest.approx(1.0)
    assert scores["total"]["closure"] == pytest.approx(1.0)
    assert scores["total"]["frames"] == 48

    scores = json.loads(run("evaluate", str(reference), str(bad), "--json").stdout)
    assert scores["total"]["closure"] == pytest.approx(1.0)  # X (rest) counts as closed
    assert scores["total"]["acc9"] < 0.8
    assert scores["total"]["rest"] < 0.9
    assert "bad" in scores["files"]


def test_evaluate_a_result_against_itself(tmp_path, sample_tsv):
    result = write_tsv(tmp_path / "sample.tsv", check_tsv(sample_tsv))
    scores = json.loads(run("evaluate", str(result), str(result), "--json").stdout)
    assert scores["total"]["acc9"] == pytest.approx(1.0)
    assert scores["total"]["frames"] == 419


def test_evaluate_mistakes(tmp_path):
    result = run("evaluate", str(tmp_path / "nope.tsv"), str(tmp_path / "nope2.tsv"))
    assert result.exit_code == 2 and result.stderr.startswith("error: ")
    result = run("evaluate")
    assert result.exit_code == 2 and "REFERENCE" in result.stderr
