"""lipsync batch with dub-fit rows (kind = fit): a manifest mixing analyses and fit checks, the
output tree, the report's fit summaries, skipping on rerun, a broken fit row failing alone, the
check/fail_under exit status, and validation naming the row and field."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from lipsync.batch import read_manifest
from lipsync.errors import ManifestError
from lipsync.exporters import ExportOptions, exporter_named
from lipsync.fit.xdts import parse_xdts, xdts_timelines
from lipsync.presets import load_preset
from lipsync.sheet import ScriptLine, Sheet, SheetLine, Track, cues_from_shapes, sheet_to_json
from lipsync.timing import FrameRate
from test_batch import run_cli, tree

ANIME = load_preset("anime-3").shape_set
RATE = FrameRate(24)
NAMES = {0: "closed", 1: "half", 2: "open"}
TEXT = "Hello there, my name is Bob and I like apples."


def sheet_of(values: str, lines: tuple[tuple[int, int, str], ...], name: str) -> Sheet:
    cues = cues_from_shapes([(i, NAMES[int(c)]) for i, c in enumerate(values)], len(values))
    spans = tuple(SheetLine(start, end - start, text) for start, end, text in lines)
    return Sheet(RATE, len(values), (Track(name, cues, spans),), ANIME)


def speech_like(seed: int, frames: int) -> str:
    rng = np.random.default_rng(seed)
    out: list[int] = []
    while len(out) < frames:
        for _ in range(rng.integers(2, 6)):
            out += [int(rng.integers(1, 3))] * 2
        out += [0] * int(rng.choice([2, 2, 4]))
    return "".join(map(str, out[:frames]))


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, espeak_wav) -> Path:
    """An XDTS picture with two lines and a dub sheet whose second line is 9 frames late; a
    trackless dub sheet; an espeak recording with its script."""
    root = tmp_path_factory.mktemp("dubfit")
    one, two = speech_like(8, 40), speech_like(9, 40)
    picture = sheet_of("0" * 10 + one + "0" * 30 + two + "0" * 20, ((10, 50, "first"), (80, 120, "second")), "A")
    late = sheet_of("0" * 10 + one + "0" * 39 + two + "0" * 11, ((10, 50, "erste"), (89, 129, "zweite")), "B")
    (root / "c012.xdts").write_bytes(exporter_named("xdts").write(picture, ExportOptions()))
    (root / "c012_de.json").write_text(sheet_to_json(late))
    (root / "empty.json").write_text(sheet_to_json(Sheet(RATE, 10, (), ANIME)))
    (root / "bob.wav").write_bytes(espeak_wav(TEXT).read_bytes())
    (root / "bob.txt").write_text(TEXT + "\n")
    (root / "mixed.csv").write_text(
        "kind,episode,character,original,audio,original_script,script,formats,retime_sheet\n"
        ",E01,BOB,,bob.wav,,bob.txt,tsv,\n"                                   # an analysis
        "fit,E01,BOB,c012.xdts,c012_de.json,,,,xdts\n"                         # picture vs dub sheet
        "fit,E02,BOB,bob.wav,bob.wav,bob.txt,bob.txt,json,\n"                  # two voice tracks
        "fit,E03,BOB,c012.xdts,empty.json,,,\"json,html,txt\",\n")             # broken: no mouth track
    return root




def jobs_of(folder: Path) -> dict[str, dict]:
    return {job["id"]: job for job in json.loads((folder / "batch-report.json").read_text())["jobs"]}


def test_manifest_reads_fit_rows_with_their_own_defaults(project: Path) -> None:
    jobs = read_manifest(project / "mixed.csv")
    assert [(job.id, job.kind) for job in jobs] == [("E01/BOB", "analyze"), ("E01/BOB.fit", "fit"),
                                                    ("E02/BOB.fit", "fit"), ("E03/BOB.fit", "fit")]
    fit = jobs[1]
    assert fit.original == str((project / "c012.xdts").resolve()) and fit.audio.endswith("c012_de.json")
    assert (fit.preset, fit.formats, fit.retime_format, fit.threshold, fit.check) == \
        ("anime-3", ("json", "html"), "xdts", 70.0, False)
    assert jobs[0].preset == "rhubarb"
    assert jobs[2].original_script and jobs[2].script and jobs[2].formats == ("json",)
    assert jobs[3].formats == ("json", "html", "txt")


def test_mixed_batch_writes_reports_skips_on_rerun_and_a_broken_fit_row_fails_alone(project: Path,
                                                                                    tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, stdout, _ = run_cli("batch", str(project / "mixed.csv"), "-o", str(out), "-j", "2", "--progress", "none")
    assert code == 1, stdout  # the broken row
    assert tree(out) == ["E01/BOB.fit.html", "E01/BOB.fit.json", "E01/BOB.json", "E01/BOB.retimed.xdts",
                          "E01/BOB.tsv", "E02/BOB.fit.json"]
    jobs = jobs_of(out)
    assert {job_id: job["status"] for job_id, job in jobs.items()} == {
        "E01/BOB": "done", "E01/BOB.fit": "done", "E02/BOB.fit": "done", "E03/BOB.fit": "failed"}
    assert jobs["E01/BOB"]["kind"] == "analyze" and "fit" not in jobs["E01/BOB"]
    late = jobs["E01/BOB.fit"]
    assert late["kind"] == "fit"
    assert late["fit"]["lines"] == 2 and late["fit"]["flagged"] == 1 and late["fit"]["threshold"] == 70.0
    assert late["outputs"] == ["E01/BOB.fit.json", "E01/BOB.fit.html", "E01/BOB.retimed.xdts"]
    report = json.loads((out / "E01/BOB.fit.json").read_text())
    assert report["format"] == "lipsync-fit" and report["summary"]["flagged"] == 1
    assert report["lines"][1]["suggested_shift_frames"] == -9
    fixed = xdts_timelines(parse_xdts((out / "E01/BOB.retimed.xdts").read_bytes()), ANIME, RATE)[0]
    assert fixed.openness.any()
    same = jobs["E02/BOB.fit"]["fit"]
    assert same["flagged"] == 0 and same["mean_score"] > 90 and jobs["E02/BOB.fit"]["audio_seconds"] > 1
    broken = jobs["E03/BOB.fit"]
    assert "has no mouth track" in broken["error"] and "outputs" not in broken
    table = (out / "batch-report.txt").read_text()
    assert "1/2 flagged, mean" in table and "0/1 flagged" in table
    assert "E03/BOB.fit" in stdout and "failed" in stdout

    before = {name: (out / name).stat().st_mtime_ns for name in tree(out)}
    code, _, _ = run_cli("batch", str(project / "mixed.csv"), "-o", str(out), "-j", "2", "--progress", "none")
    assert code == 1
    jobs = jobs_of(out)
    assert {job_id: job["status"] for job_id, job in jobs.items()} == {
        "E01/BOB": "up-to-date", "E01/BOB.fit": "up-to-date", "E02/BOB.fit": "up-to-date", "E03/BOB.fit": "failed"}
    assert jobs["E01/BOB.fit"]["fit"]["flagged"] == 1  # the summary comes back from the journal
    assert before == {name: (out / name).stat().st_mtime_ns for name in tree(out)}

    # a changed dub reruns its fit job only; a changed threshold too
    dub = project / "c012_de.json"
    text = dub.read_text()
    try:
        dub.write_text(text + "\n")
        run_cli("batch", str(project / "mixed.csv"), "-o", str(out), "-j", "1", "--progress", "none")
        assert jobs_of(out)["E01/BOB.fit"]["status"] == "done"
        assert jobs_of(out)["E01/BOB"]["status"] == "up-to-date"
    finally:
        dub.write_text(text)


def test_flagged_lines_fail_a_job_only_when_checked(project: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "fit.csv"
    manifest.write_text("kind,episode,original,dub,fail_under,check,threshold\n"
                        f"fit,A,{project}/c012.xdts,{project}/c012_de.json,,,\n"
                        f"fit,B,{project}/c012.xdts,{project}/c012_de.json,60,,\n"
                        f"fit,C,{project}/c012.xdts,{project}/c012_de.json,,no,\n"
                        f"fit,D,{project}/c012.xdts,{project}/c012_de.json,,,0\n")
    out = tmp_path / "out"
    code, _, _ = run_cli("batch", str(manifest), "-o", str(out), "-q")
    assert code == 1
    jobs = jobs_of(out)
    assert {job_id: job["status"] for job_id, job in jobs.items()} == {
        "A/c012_de.fit": "done", "B/c012_de.fit": "failed", "C/c012_de.fit": "done", "D/c012_de.fit": "done"}
    failed = jobs["B/c012_de.fit"]
    assert failed["error"] == "1 of 2 line(s) scored under 60 (check)" and failed["fit"]["threshold"] == 60
    assert failed["outputs"] == ["B/c012_de.fit.json", "B/c012_de.fit.html"]  # the reports say why
    assert (out / "B/c012_de.fit.html").is_file()
    # --fail-under applies to rows that say nothing; 'check = no' and a row threshold are kept
    code, _, _ = run_cli("batch", str(manifest), "-o", str(tmp_path / "strict"), "-q", "--fail-under", "99")
    assert code == 1
    assert {job_id: job["status"] for job_id, job in jobs_of(tmp_path / "strict").items()} == {
        "A/c012_de.fit": "failed", "B/c012_de.fit": "failed", "C/c012_de.fit": "done", "D/c012_de.fit": "done"}
    assert jobs_of(tmp_path / "strict")["D/c012_de.fit"]["fit"]["threshold"] == 0
    # without flagged lines under the check, the batch passes
    code, _, _ = run_cli("batch", str(manifest), "-o", str(tmp_path / "easy"), "-q", "--fail-under", "0")
    assert code == 1  # row B still checks at 60
    assert jobs_of(tmp_path / "easy")["A/c012_de.fit"]["status"] == "done"


def test_a_fit_rows_original_language_is_its_scripts(project: Path, espeak_wav, tmp_path: Path) -> None:
    french = "Je mange une pomme rouge avec mon ami Paul."
    (tmp_path / "bob_fr.wav").write_bytes(espeak_wav(french, "fr").read_bytes())
    (tmp_path / "bob_fr.txt").write_text(french + "\n", encoding="utf-8")
    manifest = tmp_path / "fr.csv"
    manifest.write_text("kind,episode,character,original,original_script,original_language,audio,script,language\n"
                        f"fit,E01,BOB,{project}/bob.wav,{project}/bob.txt,en-us,bob_fr.wav,bob_fr.txt,fr\n")
    (job,) = read_manifest(manifest)
    assert (job.language, job.original_language) == ("fr", "en-us")
    code, stdout, _ = run_cli("batch", str(manifest), "-o", str(tmp_path / "out"), "-j", "1", "--progress", "none")
    assert code == 0 and jobs_of(tmp_path / "out")["E01/BOB.fit"]["status"] == "done", stdout


def test_a_column_its_kind_does_not_use_is_refused_unless_a_default(project: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "unused.csv"
    manifest.write_text("kind,character,original,audio,script,channel,retime_mode,language\n"
                        f"fit,A,{project}/c012.xdts,{project}/c012_de.json,,2,,\n"
                        f"adapt,B,{project}/c012.xdts,,{project}/bob.txt,,conform,en\n")
    with pytest.raises(ManifestError) as caught:
        read_manifest(manifest)
    assert "row 2, field 'channel': not used by fit rows" in str(caught.value)
    assert "row 3, field 'retime_mode': not used by adapt rows" in str(caught.value)
    shared = tmp_path / "shared.toml"
    shared.write_text(f'[defaults]\nchannel = 1\n\n[[job]]\nkind = "fit"\noriginal = "{project}/c012.xdts"\n'
                      f'audio = "{project}/c012_de.json"\n\n[[job]]\naudio = "{project}/bob.wav"\n')
    fit, analysis = read_manifest(shared)
    assert (fit.kind, analysis.channel) == ("fit", 1)


def test_a_dub_line_not_said_as_scripted_fails_a_checked_job(project: Path, tmp_path: Path) -> None:
    """A dub sheet whose analysis did not find its script's second line in the recording (no
    line there on the sheet): the line is scored on the mouths there (they fit the picture), and
    the checked job fails on it; it was left out and the job passed, 0/1 flagged."""
    one, two = speech_like(8, 40), speech_like(9, 40)
    script = (ScriptLine(0, 1, "erste", "aligned", 0.9, 10 / 24, 50 / 24, track="B"),
              ScriptLine(1, 2, "zweite", "not found", 0.01, 80 / 24, 120 / 24, track="B"))
    dub = replace(sheet_of("0" * 10 + one + "0" * 30 + two + "0" * 20, ((10, 50, "erste"),), "B"), script=script)
    (tmp_path / "adlib.json").write_text(sheet_to_json(dub))
    manifest = tmp_path / "fit.csv"
    manifest.write_text("kind,episode,original,dub,check\n"
                        f"fit,A,{project}/c012.xdts,{tmp_path}/adlib.json,yes\n"
                        f"fit,B,{project}/c012.xdts,{tmp_path}/adlib.json,no\n")
    code, _, _ = run_cli("batch", str(manifest), "-o", str(tmp_path / "out"), "-q")
    assert code == 1
    jobs = jobs_of(tmp_path / "out")
    checked, unchecked = jobs["A/adlib.fit"], jobs["B/adlib.fit"]
    assert checked["status"] == "failed" and unchecked["status"] == "done"
    assert checked["error"] == "0 of 2 line(s) scored under 70, 1 not said as scripted (check)"
    assert checked["fit"]["off_script"] == 1 and checked["fit"]["lines"] == 2 and checked["fit"]["unpaired_original"] == 0


def test_fit_rows_are_validated_up_front_naming_row_and_field(project: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "bad.csv"
    manifest.write_text(
        "kind,episode,character,original,audio,script,threshold,retime_sheet,retime_mode,formats\n"
        f"fit,E1,A,,{project}/c012_de.json,,,,,\n"                                 # row 2: no original
        f"fit,E1,B,{project}/c012.xdts,missing.wav,,,,,\n"                         # row 3: no dub file
        f"fit,E1,C,{project}/c012.xdts,{project}/c012_de.json,,abc,,,\n"          # row 4: threshold
        f"fit,E1,D,{project}/c012.xdts,{project}/c012_de.json,,150,,,\n"          # row 5: threshold
        f"fitt,E1,E,{project}/c012.xdts,{project}/c012_de.json,,,,,\n"            # row 6: kind
        f"fit,E1,F,{project}/c012.xdts,{project}/c012_de.json,,,c.xdts,,\n"       # row 7: retime format
        f"fit,E1,G,{project}/c012.xdts,{project}/c012_de.json,,,xdts,later,\n"    # row 8: mode
        f"fit,E1,H,{project}/c012.xdts,{project}/c012_de.json,{project}/bob.txt,,,,\n"  # row 9: script on a sheet
        f"fit,E1,I,{project}/c012.xdts,{project}/c012.xdts,,,xdts,,\n"            # row 10: retime from XDTS
        f"fit,E1,I,{project}/c012.xdts,{project}/c012_de.json,,,,,\n")            # row 11: same outputs
    with pytest.raises(ManifestError) as caught:
        read_manifest(manifest)
    message = str(caught.value)
    assert "11 problems" in message and "and 3 more" in message  # the first 8 are spelled out
    assert "row 2, field 'original': missing" in message
    assert "row 3, field 'audio': 'missing.wav' does not exist" in message
    assert "row 4, field 'threshold': 'abc' is not a score from 0 to 100" in message
    assert "row 5, field 'threshold': '150' is not a score from 0 to 100" in message
    assert "row 6, field 'kind': 'fitt' is not a job kind (analyze, fit or adapt)" in message
    assert "row 7, field 'retime_sheet': unknown format 'c.xdts'" in message
    assert "row 6, field 'kind': the row names an original but is an analyze job" in message
    assert "row 8, field 'retime_mode': 'later' is not reanimate or conform" in message

    manifest.write_text(
        "kind,episode,character,original,audio,script,retime_sheet,formats\n"
        f"fit,E1,H,{project}/c012.xdts,{project}/c012_de.json,{project}/bob.txt,,\n"
        f"fit,E1,I,{project}/c012.xdts,{project}/c012.xdts,,xdts,\n"
        f"fit,E1,I,{project}/c012.xdts,{project}/c012_de.json,,,\n"
        f"fit,E1,K,{project}/c012.xdts,{project}/c012_de.json,,,html;pdf\n")
    code, _, err = run_cli("batch", str(manifest), "-o", str(tmp_path / "out"))
    assert code == 2 and not (tmp_path / "out").exists()
    assert "row 2, field 'script': a script is only used with a voice track" in err
    assert "row 3, field 'retime_sheet': a corrected sheet needs the dub as a voice track" in err
    assert "row 4, field 'character': writes the same outputs as row 3 (E1/I.fit.json)" in err
    assert "row 5, field 'formats': 'pdf' is not a fit report format (json, html, txt)" in err


def test_a_fit_rows_max_shift_is_the_search_of_fit_max_shift(project: Path, tmp_path: Path) -> None:
    """The dub's second line is 9 frames late: a row with max_shift 4 searches only 4 frames
    either way (fit --max-shift 4), and is told so; the row without it searches 12."""
    manifest = tmp_path / "shift.csv"
    manifest.write_text("kind,episode,original,dub,max_shift\n"
                        f"fit,A,{project}/c012.xdts,{project}/c012_de.json,4\n"
                        f"fit,B,{project}/c012.xdts,{project}/c012_de.json,\n")
    narrow, default = read_manifest(manifest)
    assert (narrow.max_shift, default.max_shift) == (4, None)
    code, _, _ = run_cli("batch", str(manifest), "-o", str(tmp_path / "out"), "-q")
    assert code == 0
    reports = {name: json.loads((tmp_path / "out" / name / "c012_de.fit.json").read_text()) for name in "AB"}
    assert reports["A"]["settings"]["max_shift_frames"] == 4 and reports["B"]["settings"]["max_shift_frames"] == 12
    assert reports["A"]["lines"][1]["advice"] == ("the dub starts 9 frames late, beyond the 4 frames searched either "
                                                  "way: search with --max-shift 9 or more")
    assert reports["B"]["lines"][1]["suggested_shift_frames"] == -9


@pytest.mark.parametrize("value", ["abc", "1.5", "-3", "97"])
def test_a_bad_max_shift_is_a_one_line_error_naming_row_and_field(project: Path, tmp_path: Path, value: str) -> None:
    manifest = tmp_path / "bad.csv"
    manifest.write_text(f"kind,original,dub,max_shift\nfit,{project}/c012.xdts,{project}/c012_de.json,{value}\n")
    code, _, err = run_cli("batch", str(manifest), "-o", str(tmp_path / "out"))
    assert code == 2 and not (tmp_path / "out").exists()
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert (f"row 2, field 'max_shift': '{value}' is not a whole number of frames from 0 to 96; max_shift is the "
            "shifts searched either way, as fit --max-shift; e.g. 24") in err, err


def test_a_dub_line_over_a_still_mouth_fails_a_checked_row_unless_added_lines_are_allowed(
        project: Path, tmp_path: Path) -> None:
    """The dub adds a line where the picture's mouth stays closed on screen: a checked row
    fails on it, though no scored line is flagged; allow_added_lines = yes lets it pass."""
    one, two = speech_like(8, 40), speech_like(9, 40)
    picture = sheet_of("0" * 10 + one + "0" * 90, ((10, 50, "first"),), "A")
    added = sheet_of("0" * 10 + one + "0" * 30 + two + "0" * 20, ((10, 50, "erste"), (80, 120, "zweite")), "B")
    (tmp_path / "still.xdts").write_bytes(exporter_named("xdts").write(picture, ExportOptions()))
    (tmp_path / "added.json").write_text(sheet_to_json(added))
    manifest = tmp_path / "fit.csv"
    manifest.write_text("kind,episode,original,dub,check,allow_added_lines\n"
                        "fit,A,still.xdts,added.json,yes,\n"
                        "fit,B,still.xdts,added.json,yes,yes\n")
    code, _, _ = run_cli("batch", str(manifest), "-o", str(tmp_path / "out"), "-q")
    assert code == 1
    jobs = jobs_of(tmp_path / "out")
    failed, allowed = jobs["A/added.fit"], jobs["B/added.fit"]
    assert failed["status"] == "failed" and allowed["status"] == "done"
    assert failed["error"] == "0 of 1 line(s) scored under 70, 1 unpaired where a viewer sees it (check)"
    assert failed["fit"]["unpaired_failing"] == 1 and allowed["fit"]["unpaired_failing"] == 0
    assert "0/1 flagged, 1 unpaired, mean 100" in (tmp_path / "out" / "batch-report.txt").read_text()
    manifest.write_text("kind,original,dub,allow_added_lines\nfit,still.xdts,added.json,maybe\n")
    with pytest.raises(ManifestError, match="row 2, field 'allow_added_lines': 'maybe' is not yes or no"):
        read_manifest(manifest)
