"""lipsync batch with adaptation rows (kind = adapt): a season's adapted dub scripts scored
before recording, the lines under the threshold listed per episode, skipping on rerun, checks,
and validation naming the row and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lipsync.batch import read_manifest
from lipsync.errors import ManifestError
from lipsync.sheet import sheet_to_json
from test_adapt import picture_sheet
from test_batch import run_cli, tree


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two episodes' original sheets and their adapted scripts (episode 2's second line is far
    too short for its flaps)."""
    root = tmp_path_factory.mktemp("season")
    for episode in ("E01", "E02"):
        sheet = picture_sheet(["Maybe my brother bought a boat", "We must remember the plan tomorrow"])
        (root / f"{episode}.json").write_text(sheet_to_json(sheet), encoding="utf-8")
    # (the adaptation is an English paraphrase here: the batch's bookkeeping is what is tested)
    (root / "E01.es.txt").write_text("Maybe my mother built a boat\nWe must remember the plan tomorrow\n",
                                     encoding="utf-8")
    (root / "E02.es.txt").write_text("Maybe my mother built a boat\nYes\n", encoding="utf-8")
    (root / "season.csv").write_text("kind,episode,original,script,language,formats\n"
                                     "adapt,E01,E01.json,E01.es.txt,en,\n"
                                     "adapt,E02,E02.json,E02.es.txt,en,\"json,txt\"\n", encoding="utf-8")
    return root


def jobs_of(folder: Path) -> dict[str, dict]:
    return {job["id"]: job for job in json.loads((folder / "batch-report.json").read_text())["jobs"]}


def test_manifest_reads_adapt_rows_without_audio(season: Path) -> None:
    jobs = read_manifest(season / "season.csv")
    assert [(job.id, job.kind, job.language) for job in jobs] == [("E01/E01.es.adapt", "adapt", "en"),
                                                                  ("E02/E02.es.adapt", "adapt", "en")]
    assert jobs[0].audio == "" and jobs[0].original.endswith("E01.json") and jobs[0].preset == "anime-3"
    assert jobs[0].formats == ("json", "html") and jobs[1].formats == ("json", "txt")


def test_season_lists_flagged_lines_per_episode_and_skips_on_rerun(season: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, stdout, _ = run_cli("batch", str(season / "season.csv"), "-o", str(out), "-j", "1", "--progress", "none")
    assert code == 0, stdout
    assert tree(out) == ["E01/E01.es.adapt.html", "E01/E01.es.adapt.json", "E02/E02.es.adapt.json",
                         "E02/E02.es.adapt.txt"]
    jobs = jobs_of(out)
    assert jobs["E02/E02.es.adapt"]["fit"]["flagged_lines"] == [2]
    assert jobs["E01/E01.es.adapt"]["fit"]["flagged_lines"] == []
    report = json.loads((out / "E02/E02.es.adapt.json").read_text(encoding="utf-8"))
    assert report["format"] == "lipsync-adapt" and report["summary"]["flagged_lines"] == [2]
    assert "(line 2)" in (out / "batch-report.txt").read_text(encoding="utf-8")
    code, _, _ = run_cli("batch", str(season / "season.csv"), "-o", str(out), "-j", "1", "--progress", "none")
    assert {job["status"] for job in jobs_of(out).values()} == {"up-to-date"}
    script = season / "E01.es.txt"
    text = script.read_text(encoding="utf-8")
    try:
        script.write_text(text.replace("tomorrow", "today"), encoding="utf-8")
        run_cli("batch", str(season / "season.csv"), "-o", str(out), "-j", "1", "--progress", "none")
        assert {k: j["status"] for k, j in jobs_of(out).items()} == {"E01/E01.es.adapt": "done",
                                                                   "E02/E02.es.adapt": "up-to-date"}
    finally:
        script.write_text(text, encoding="utf-8")


def test_a_checked_row_fails_on_flagged_lines(season: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "check.csv"
    manifest.write_text("kind,episode,original,script,language,check\n"
                        f"adapt,E02,{season}/E02.json,{season}/E02.es.txt,en,yes\n", encoding="utf-8")
    code, stdout, _ = run_cli("batch", str(manifest), "-o", str(tmp_path / "out"), "--progress", "none")
    job = jobs_of(tmp_path / "out")["E02/E02.es.adapt"]
    assert code == 1 and job["status"] == "failed" and "lines 2" in job["error"]
    assert job["outputs"]  # the reports are still written


def test_bad_adapt_rows_are_named_by_row_and_field(season: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "bad.csv"
    manifest.write_text("kind,episode,original,script,audio,language\n"
                        f"adapt,E01,,{season}/E01.es.txt,,es\n"
                        f"adapt,E02,{season}/E02.json,,{season}/E02.es.txt,es\n", encoding="utf-8")
    with pytest.raises(ManifestError) as caught:
        read_manifest(manifest)
    text = str(caught.value)
    assert "row 2" in text and "original" in text and "row 3" in text and "script" in text
    assert "give it as script" in text


def test_a_script_that_leaves_an_original_line_out_counts_it_missing_and_fails_a_check(season: Path,
                                                                                      tmp_path: Path) -> None:
    from lipsync.sheet import sheet_from_json

    first = sheet_from_json((season / "E01.json").read_text(encoding="utf-8")).tracks[0].lines[0]
    start, end = first.frame / 24, (first.frame + first.length) / 24
    srt = tmp_path / "E01.es.srt"
    srt.write_text(f"1\n00:00:{int(start):02d},{round(start % 1 * 1000):03d} --> "
                   f"00:00:{int(end):02d},{round(end % 1 * 1000):03d}\nMaybe my mother built a boat\n", encoding="utf-8")
    manifest = tmp_path / "srt.csv"
    manifest.write_text("kind,episode,original,script,language,check\n"
                        f"adapt,E01,{season}/E01.json,{srt},en,\nadapt,E02,{season}/E01.json,{srt},en,yes\n",
                        encoding="utf-8")
    code, _, _ = run_cli("batch", str(manifest), "-o", str(tmp_path / "out"), "--progress", "none")
    jobs = jobs_of(tmp_path / "out")
    listed, checked = jobs["E01/E01.es.adapt"], jobs["E02/E01.es.adapt"]
    assert listed["status"] == "done" and listed["fit"]["missing_lines"] == [2] and listed["fit"]["missing"] == 1
    assert "1 missing (line 2)" in (tmp_path / "out" / "batch-report.txt").read_text(encoding="utf-8")
    assert code == 1 and checked["status"] == "failed" and "1 line(s) without a dub line" in checked["error"]
    assert "lines 2" in checked["error"]


def test_a_row_flags_under_the_same_threshold_as_the_command(season: Path, tmp_path: Path) -> None:
    from lipsync.fit import FitSettings

    out = tmp_path / "out"
    run_cli("batch", str(season / "season.csv"), "-o", str(out), "-j", "1", "--progress", "none")
    code, stdout, _ = run_cli("adapt", str(season / "E01.json"), "--script", str(season / "E01.es.txt"), "-l", "en",
                              "--json")
    command = json.loads(stdout[stdout.index("{"):])
    row = jobs_of(out)["E01/E01.es.adapt"]["fit"]
    assert row["threshold"] == command["settings"]["threshold"] == FitSettings().threshold
    assert row["flagged_lines"] == command["summary"]["flagged_lines"]
