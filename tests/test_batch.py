"""lipsync batch: manifests and their validation, the output tree, skip/resume/--force, failure
isolation, the report, exit codes, identical outputs on every executor, and a SIGKILLed batch."""

from __future__ import annotations

import filecmp
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from lipsync.batch import Defaults, jobs_from_glob, read_manifest
from lipsync.cli import main
from lipsync.errors import ManifestError

LINES = {
    "E01/BOB": "Hello there, my name is Bob and I like apples.",
    "E01/ANNA": "Good morning Bob, the weather is lovely today.",
    "E02/BOB": "We painted the boat before lunch.",
    "E02/ANNA": "My little brother found a map of the moon.",
}


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory, espeak_wav) -> Path:
    """S01/E0n/dialogue_<name>.wav per character, one script per episode naming its speakers."""
    root = tmp_path_factory.mktemp("season")
    for job_id, text in LINES.items():
        episode, name = job_id.split("/")
        folder = root / "S01" / episode
        folder.mkdir(parents=True, exist_ok=True)
        voice = "en-us+f3" if name == "ANNA" else "en-us"
        (folder / f"dialogue_{name.lower()}.wav").write_bytes(espeak_wav(text, voice=voice).read_bytes())
        with open(folder / "script.txt", "a", encoding="utf-8") as script:
            script.write(f"{name}: {text}\n")
    rows = ["episode,character,audio,script,formats"]
    for job_id in LINES:
        episode, name = job_id.split("/")
        rows.append(f"{episode},{name},S01/{episode}/dialogue_{name.lower()}.wav,S01/{episode}/script.txt,\"xdts,tsv\"")
    (root / "season.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


def run_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and ".lipsync" not in p.parts and not p.name.startswith("batch-report"))


def report_of(folder: Path) -> dict:
    return json.loads((folder / "batch-report.json").read_text(encoding="utf-8"))


def statuses(folder: Path) -> dict[str, str]:
    return {job["id"]: job["status"] for job in report_of(folder)["jobs"]}


# ----------------------------------------------------------------------------------------------
# Manifests


def test_csv_manifest_reads_jobs_with_defaults_and_relative_paths(season: Path) -> None:
    jobs = read_manifest(season / "season.csv", Defaults(preset="anime-3", fps="25"))
    assert [job.id for job in jobs] == list(LINES)
    first = jobs[0]
    assert first.audio == str((season / "S01/E01/dialogue_bob.wav").resolve())
    assert first.script == str((season / "S01/E01/script.txt").resolve())
    assert (first.episode, first.name, first.character) == ("E01", "BOB", "BOB")
    assert first.formats == ("sheet", "xdts", "tsv")
    assert (first.preset, first.fps, first.language) == ("anime-3", "25", "en-us")
    assert first.where == "row 2"


def test_tsv_and_toml_manifests_give_the_same_jobs(season: Path) -> None:
    csv_jobs = read_manifest(season / "season.csv")
    tsv = season / "season.tsv"
    tsv.write_text((season / "season.csv").read_text().replace(",", "\t").replace('"xdts\ttsv"', "xdts,tsv"))
    toml = season / "season.toml"
    tables = ['[defaults]\nformats = ["xdts", "tsv"]\n']
    for job_id in LINES:
        episode, name = job_id.split("/")
        tables.append(f'[[job]]\nepisode = "{episode}"\ncharacter = "{name}"\n'
                      f'audio = "S01/{episode}/dialogue_{name.lower()}.wav"\nscript = "S01/{episode}/script.txt"\n')
    toml.write_text("\n".join(tables))
    strip = lambda jobs: [(j.id, j.audio, j.script, j.formats) for j in jobs]  # noqa: E731
    assert strip(read_manifest(tsv)) == strip(csv_jobs)
    toml_jobs = read_manifest(toml)
    assert strip(toml_jobs) == strip(csv_jobs)
    assert toml_jobs[1].where == "[[job]] #2"


def test_every_problem_is_reported_with_its_row_and_field_before_any_work(season: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "bad.csv"
    audio = season / "S01/E01/dialogue_bob.wav"
    manifest.write_text(
        "episode,character,audio,script,fps,formats\n"
        f"E01,BOB,{audio},,24,tsv\n"
        f"E01,BOB,{audio},,24,tsv\n"                      # row 3: same outputs as row 2
        "E01,ANNA,missing.wav,,24,tsv\n"                  # row 4: no such audio
        f"E02,BOB,{audio},nope.txt,23.9x,tsv\n"           # row 5: no script, bad fps
        f"E02,ANNA,{audio},,24,tsv;mov\n")                # row 6: unknown format
    with pytest.raises(ManifestError) as caught:
        read_manifest(manifest)
    message = str(caught.value)
    assert "5 problems" in message
    assert "row 3, field 'character': writes the same outputs as row 2" in message
    assert "row 4, field 'audio': 'missing.wav' does not exist" in message
    assert "row 5, field 'script': 'nope.txt' does not exist" in message
    assert "row 5, field 'fps'" in message
    assert "row 6, field 'formats': unknown format 'mov'" in message


def test_missing_and_unknown_columns_and_toml_rows(tmp_path: Path) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text("episode,charactr,script\nE01,BOB,x.txt\n")
    with pytest.raises(ManifestError) as caught:
        read_manifest(manifest)
    assert "header row, field 'audio': missing column" in str(caught.value)
    assert "field 'charactr': unknown column" in str(caught.value)
    toml = tmp_path / "m.toml"
    toml.write_text('[[job]]\naudio = "a.wav"\n[[job]]\nepisode = "E02"\n')
    with pytest.raises(ManifestError) as caught:
        read_manifest(toml)
    assert "[[job]] #1, field 'audio': 'a.wav' does not exist" in str(caught.value)
    assert "[[job]] #2, field 'audio': missing" in str(caught.value)


def test_cli_reports_manifest_errors_on_one_line_and_runs_nothing(season: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text("audio,episode\nmissing.wav,E01\n")
    code, out, err = run_cli("batch", str(manifest), "-o", str(tmp_path / "out"))
    assert code == 2
    assert err.startswith("error: m.csv: row 2, field 'audio': 'missing.wav' does not exist")
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_unreachable_scheduler_is_an_error_before_any_work(season: Path, tmp_path: Path) -> None:
    code, _, err = run_cli("batch", str(season / "season.csv"), "-o", str(tmp_path / "out"),
                           "--scheduler", "tcp://127.0.0.1:9")
    assert code == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
    assert not (tmp_path / "out").exists()


def test_glob_names_episodes_and_characters_from_the_folder_convention(season: Path, monkeypatch) -> None:
    monkeypatch.chdir(season)
    jobs = jobs_from_glob("S01/E*/dialogue_*.wav", "{dir}/script.txt")
    assert [job.id for job in jobs] == ["E01/anna", "E01/bob", "E02/anna", "E02/bob"]
    assert all(job.script and job.script.endswith("script.txt") and job.problem is None for job in jobs)
    missing = jobs_from_glob("S01/E*/dialogue_*.wav", "{dir}/{character}.srt")
    assert all(job.problem and f"{job.name}.srt" in job.problem for job in missing)
    with pytest.raises(ManifestError, match="no files match"):
        jobs_from_glob("S02/*.wav")


# ----------------------------------------------------------------------------------------------
# Running


def test_batch_writes_the_tree_and_report_then_skips_unchanged_jobs(season: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    code, stdout, _ = run_cli("batch", str(season / "season.csv"), "-o", str(out), "-j", "2")
    assert code == 0, stdout
    assert tree(out) == sorted(f"{job}{ext}" for job in LINES for ext in (".json", ".xdts", ".tsv"))
    report = report_of(out)
    assert report["counts"] == {"done": 4, "up-to-date": 0, "failed": 0, "not-run": 0}
    assert [job["id"] for job in report["jobs"]] == list(LINES)
    assert all(job["seconds"] > 0 and job["audio_seconds"] > 1 for job in report["jobs"])
    sheet = json.loads((out / "E01/BOB.json").read_text())
    assert [track["name"] for track in sheet["tracks"]] == ["BOB"]
    assert "E01/ANNA  done" in (out / "batch-report.txt").read_text()
    assert "4 jobs: 4 done" in stdout

    before = {name: (out / name).stat().st_mtime_ns for name in tree(out)}
    code, stdout, _ = run_cli("batch", str(season / "season.csv"), "-o", str(out), "-j", "2")
    assert code == 0
    assert set(statuses(out).values()) == {"up-to-date"}
    assert before == {name: (out / name).stat().st_mtime_ns for name in tree(out)}

    # jobs another lipsync did (another release, or a checkout between two) are not up to date:
    # their results, a fit verdict among them, may not be what this one gives
    import lipsync.batch

    assert lipsync.batch._version().startswith(lipsync.__version__ + "+")
    monkeypatch.setattr(lipsync.batch, "_version", lambda: lipsync.__version__ + "+another")
    code, stdout, _ = run_cli("batch", str(season / "season.csv"), "-o", str(out), "--dry-run")
    assert code == 0 and [line.split("\t")[1] for line in stdout.splitlines()] == ["to run"] * 4
    monkeypatch.undo()

    # a changed script reruns the jobs that use it; a damaged output reruns its job
    script = season / "S01/E02/script.txt"
    original = script.read_text()
    try:
        script.write_text(original + "\n")
        (out / "E01/BOB.tsv").write_text("damaged")
        code, _, _ = run_cli("batch", str(season / "season.csv"), "-o", str(out), "-j", "2")
        assert code == 0
        assert statuses(out) == {"E01/BOB": "done", "E01/ANNA": "up-to-date", "E02/BOB": "done", "E02/ANNA": "done"}
        assert (out / "E01/BOB.tsv").read_text() != "damaged"
    finally:
        script.write_text(original)
    code, _, _ = run_cli("batch", str(season / "season.csv"), "-o", str(out), "-j", "2", "--force")
    assert set(statuses(out).values()) == {"done"}


def test_failures_are_isolated_and_reported(season: Path, tmp_path: Path, monkeypatch) -> None:
    work = tmp_path / "S01"
    for episode in ("E01", "E02"):
        (work / episode).mkdir(parents=True)
        for wav in (season / "S01" / episode).glob("*.wav"):
            (work / episode / wav.name).write_bytes(wav.read_bytes())
    (work / "E01/script.txt").write_text((season / "S01/E01/script.txt").read_text())
    # E02 has no script; E01/bob is corrupt
    (work / "E01/dialogue_bob.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" + os.urandom(2000))
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    code, stdout, _ = run_cli("batch", "--glob", "S01/E*/dialogue_*.wav", "--script-pattern", "{dir}/script.txt",
                              "-o", str(out), "-j", "2", "--progress", "none")
    assert code == 1
    report = report_of(out)
    by_id = {job["id"]: job for job in report["jobs"]}
    assert by_id["E01/anna"]["status"] == "done"
    assert by_id["E01/bob"]["status"] == "failed" and "dialogue_bob.wav" in by_id["E01/bob"]["error"]
    for job_id in ("E02/anna", "E02/bob"):
        assert by_id[job_id]["status"] == "failed"
        assert "script.txt' does not exist (from --script-pattern)" in by_id[job_id]["error"]
    assert report["counts"] == {"done": 1, "up-to-date": 0, "failed": 3, "not-run": 0}
    assert tree(out) == ["E01/anna.json", "E01/anna.tsv"]
    assert "failed" in stdout and "E02/bob" in stdout


def test_a_failed_rerun_removes_the_outputs_of_its_earlier_run(season: Path, tmp_path: Path) -> None:
    # outputs made from the earlier inputs must not pass for the result of the failed job
    work = tmp_path / "S01"
    work.mkdir()
    for name in ("bob", "anna"):
        (work / f"{name}.wav").write_bytes((season / f"S01/E01/dialogue_{name}.wav").read_bytes())
    (work / "script.txt").write_text((season / "S01/E01/script.txt").read_text())
    manifest = tmp_path / "season.csv"
    manifest.write_text("episode,character,audio,script,formats\n"
                        f"E01,BOB,{work}/bob.wav,{work}/script.txt,tsv\nE01,ANNA,{work}/anna.wav,{work}/script.txt,tsv\n")
    out = tmp_path / "out"
    assert run_cli("batch", str(manifest), "-o", str(out), "--progress", "none")[0] == 0
    good = (work / "bob.wav").read_bytes()
    (work / "bob.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" + os.urandom(2000))
    code, _, _ = run_cli("batch", str(manifest), "-o", str(out), "--progress", "none")
    by_id = {job["id"]: job for job in report_of(out)["jobs"]}
    assert code == 1 and by_id["E01/BOB"]["status"] == "failed" and by_id["E01/ANNA"]["status"] == "up-to-date"
    assert tree(out) == ["E01/ANNA.json", "E01/ANNA.tsv"]
    assert by_id["E01/BOB"]["warnings"] == [
        "removed the outputs of its earlier run, made from other inputs: E01/BOB.json, E01/BOB.tsv"]
    (work / "bob.wav").write_bytes(good)
    assert run_cli("batch", str(manifest), "-o", str(out), "--progress", "none")[0] == 0
    assert statuses(out) == {"E01/BOB": "done", "E01/ANNA": "up-to-date"} and len(tree(out)) == 4


def test_json_progress_events(season: Path, tmp_path: Path) -> None:
    code, _, err = run_cli("batch", str(season / "season.csv"), "-o", str(tmp_path / "out"), "-j", "1",
                           "--progress", "json")
    assert code == 0
    events = [json.loads(line) for line in err.splitlines()]
    kinds = [event["event"] for event in events]
    assert kinds[0] == "plan" and kinds[-1] == "done"
    assert kinds.count("job-start") == 4 and kinds.count("job-done") == 4 and "job-progress" in kinds
    final = [event for event in events if event["event"] == "progress"][-1]
    assert final["jobs_done"] == final["jobs_total"] == 4 and final["eta"] == 0.0


def test_outputs_are_identical_with_one_two_workers_and_a_dask_cluster(season: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    manifest = str(season / "season.csv")
    assert run_cli("batch", manifest, "-o", str(tmp_path / "j1"), "-j", "1")[0] == 0
    assert run_cli("batch", manifest, "-o", str(tmp_path / "j2"), "-j", "2")[0] == 0
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster:
        code, stdout, err = run_cli("batch", manifest, "-o", str(tmp_path / "dask"), "--scheduler",
                                    cluster.scheduler_address)
        assert code == 0, err
    names = tree(tmp_path / "j1")
    assert len(names) == 12
    for other in ("j2", "dask"):
        assert tree(tmp_path / other) == names
        assert all(filecmp.cmp(tmp_path / "j1" / n, tmp_path / other / n, shallow=False) for n in names)
    assert "Dask cluster" in report_of(tmp_path / "dask")["executor"]


def test_a_killed_batch_resumes_where_it_stopped(season: Path, tmp_path: Path) -> None:
    rows = ["episode,character,audio,script,formats"]
    for copy in range(1, 7):
        for job_id in ("E01/BOB", "E02/ANNA"):
            episode, name = job_id.split("/")
            rows.append(f"X{copy}{episode},{name},{season}/S01/{episode}/dialogue_{name.lower()}.wav,"
                        f"{season}/S01/{episode}/script.txt,tsv")
    manifest = tmp_path / "many.csv"
    manifest.write_text("\n".join(rows) + "\n")
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "-m", "lipsync", "batch", str(manifest), "-o", str(out), "-j", "1",
                                "-q"], start_new_session=True)
    journal = out / ".lipsync" / "jobs"
    deadline = time.time() + 120
    while time.time() < deadline and (not journal.is_dir() or len(list(journal.glob("*.json"))) < 3):
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    try:
        os.killpg(process.pid, signal.SIGKILL)  # its worker
    except ProcessLookupError:
        pass
    finished = {json.loads(p.read_text())["id"] for p in journal.glob("*.json")}
    assert 3 <= len(finished) < 12
    (out / "X6E01").mkdir(exist_ok=True)
    (out / "X6E01" / ".BOB.tsv.abc123.part").write_text("half")  # what a kill during a write leaves
    code = subprocess.run([sys.executable, "-m", "lipsync", "batch", str(manifest), "-o", str(out), "-j", "1", "-q"]
                          ).returncode
    assert code == 0
    report = report_of(out)
    assert len(report["jobs"]) == 12
    ran = {job["id"] for job in report["jobs"] if job["status"] == "done"}
    skipped = {job["id"] for job in report["jobs"] if job["status"] == "up-to-date"}
    assert skipped == finished and ran | skipped == {job["id"] for job in report["jobs"]}
    assert not list(out.rglob("*.part"))
    for job in report["jobs"]:
        for output in job["outputs"]:
            assert (out / output).stat().st_size > 0
    reference = out / "X1E01/BOB.json"
    for copy in range(2, 7):
        twin = json.loads((out / f"X{copy}E01/BOB.json").read_text())
        assert twin == json.loads(reference.read_text())


def test_outputs_that_per_track_files_could_take_are_refused_before_any_work(season: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "clash.csv"
    audio, script = season / "S01/E01/dialogue_bob.wav", season / "S01/E01/script.txt"
    manifest.write_text(
        "episode,character,audio,script,formats\n"
        f"E01,,{audio},{script},tsv\n"          # a script naming speakers: E01/dialogue_bob.<TRACK>.tsv
        f"E01,dialogue_bob.BOB,{audio},,tsv\n"  # E01/dialogue_bob.BOB.tsv: one of those
        f"E01,Anna,{audio},,dat\n"
        f"e01,ANNA,{audio},,xdts\n"            # E01/Anna.json again, in another case
        f"E02,BOB,{audio},,json\n"              # the sheet and json: one file, no clash
        f"E02,BOB.fit,{audio},,xdts\n")         # E02/BOB.fit.xdts: no per-track file of E02/BOB
    with pytest.raises(ManifestError) as caught:
        read_manifest(manifest)
    message = str(caught.value)
    assert "2 problems" in message, message
    assert "row 3, field 'character': writes the same outputs as row 2 (E01/dialogue_bob.BOB.tsv)" in message
    assert "row 5, field 'character': writes the same outputs as row 4 (e01/ANNA.json)" in message


def test_speakers_whose_names_clean_alike_get_files_of_their_own(season: Path, tmp_path: Path) -> None:
    script = tmp_path / "lee.txt"
    script.write_text("Mr. Lee: We painted the boat\nMr Lee: before lunch.\n")
    manifest = tmp_path / "lee.csv"
    manifest.write_text(f"episode,audio,script,formats\nE02,{season / 'S01/E02/dialogue_bob.wav'},{script},tsv\n")
    out = tmp_path / "out"
    code, stdout, stderr = run_cli("batch", str(manifest), "-o", str(out), "-j", "1", "-q")
    assert code == 0, stderr
    assert tree(out) == ["E02/dialogue_bob.Mr_Lee.tsv", "E02/dialogue_bob.Mr_Lee_2.tsv", "E02/dialogue_bob.json"]
    first, second = ((out / f"E02/dialogue_bob.{name}.tsv").read_text() for name in ("Mr_Lee", "Mr_Lee_2"))
    assert first != second
    outputs = report_of(out)["jobs"][0]["outputs"]
    assert len(outputs) == len(set(outputs)) == 3


def test_a_clash_found_only_when_running_fails_the_later_job_and_keeps_the_first_file(season: Path,
                                                                                        tmp_path: Path) -> None:
    from dataclasses import replace

    from lipsync.batch import run_batch
    from lipsync.batch.executors import LocalExecutor

    manifest = tmp_path / "two.csv"
    bob, anna = season / "S01/E01/dialogue_bob.wav", season / "S01/E01/dialogue_anna.wav"
    manifest.write_text(f"episode,character,audio,formats\nE01,BOB,{bob},tsv\nE01,ANNA,{anna},tsv\n")
    first, second = read_manifest(manifest)
    # as if diarization had named a track so that the second job's file is the first one's
    jobs = (replace(first, id="E01/x.BOB"), replace(second, id="E01/x", name="x"))
    out = tmp_path / "out"
    executor = LocalExecutor(1)
    try:
        report = run_batch(jobs, out, executor)
    finally:
        executor.close()
    assert [job.status for job in report.jobs] == ["done", "done"]  # no clash: E01/x.tsv, E01/x.BOB.tsv
    clash = (replace(first, id="E01/y"), replace(second, id="E01/Y"))
    executor = LocalExecutor(1)
    try:
        report = run_batch(clash, out, executor)
    finally:
        executor.close()
    assert [job.status for job in report.jobs] == ["done", "failed"]
    assert "is also an output of E01/y" in report.jobs[1].error
    assert "0.00\tX" in (out / "E01/y.tsv").read_text()


def test_exporter_warnings_reach_the_batch_report(season: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "drift.csv"
    manifest.write_text(f"episode,character,audio,fps,formats\nE01,BOB,{season / 'S01/E01/dialogue_bob.wav'},23.976,lst\n")
    out = tmp_path / "out"
    code, _, stderr = run_cli("batch", str(manifest), "-o", str(out), "-j", "1", "-q")
    assert code == 0, stderr
    warnings = report_of(out)["jobs"][0]["warnings"]
    assert any("lst stores a whole frame rate" in warning and "drift" in warning for warning in warnings), warnings
