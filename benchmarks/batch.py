"""Batch benchmark: a synthetic season through ``lipsync batch`` on local workers and on Dask.

    python benchmarks/batch.py [--episodes 8] [--minutes 24] [--workdir DIR] [--no-dask] [--no-kill]

Builds ``--episodes`` episodes of ``--minutes`` of generated speech each (espeak-ng sentences
with pauses, 48 kHz stereo, with their scripts; see benchmarks/speed.py), writes a manifest,
then runs the batch with ``--jobs 1``, ``--jobs 2`` and on a 2-worker Dask LocalCluster
(processes, one thread each) and reports, for each: wall time, x real time over the whole
season, and the peak resident memory of any worker (from the batch report). It checks that the
three output trees are byte-identical. Then it SIGKILLs a ``--jobs 2`` batch about half way,
runs it again and checks that only the unfinished jobs ran, that every output is identical to
the uninterrupted run's and that the report lists every job.
Episodes are cached in ``--workdir`` (default: a temporary folder) between runs.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from speed import make_track  # noqa: E402


def build_episode(args: tuple[Path, int, float]) -> tuple[Path, Path]:
    folder, number, minutes = args
    episode = folder / f"E{number:02d}"
    episode.mkdir(parents=True, exist_ok=True)
    audio, script = episode / "dialogue.wav", episode / "script.txt"
    if not audio.exists() or not script.exists():
        made_audio, made_script = make_track(episode, minutes, seed=100 + number)
        made_audio.rename(audio)
        made_script.rename(script)
        (episode / "line.wav").unlink(missing_ok=True)
    return audio, script


def lipsync_batch(manifest: Path, out: Path, *extra: str) -> tuple[float, dict]:
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "lipsync", "batch", str(manifest), "-o", str(out), "-q", *extra],
                         capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit(f"batch failed ({run.returncode}): {run.stderr[-2000:]}")
    return elapsed, json.loads((out / "batch-report.json").read_text())


def outputs(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and not p.name.startswith("batch-report") and ".lipsync" not in p.parts)


def same_tree(a: Path, b: Path) -> bool:
    names = outputs(a)
    return names == outputs(b) and all(filecmp.cmp(a / n, b / n, shallow=False) for n in names)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=8)
    parser.add_argument("--minutes", type=float, default=24.0)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--no-kill", action="store_true")
    args = parser.parse_args()
    temporary = None
    if args.workdir is None:
        temporary = tempfile.TemporaryDirectory(prefix="lipsync-batch-")
        args.workdir = Path(temporary.name)
    work = args.workdir.resolve()
    season = work / f"season-{args.episodes}x{args.minutes:g}"
    season.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with ProcessPoolExecutor(2) as pool:
        built = list(pool.map(build_episode, [(season, n, args.minutes) for n in range(1, args.episodes + 1)]))
    import soundfile as sf

    total = sum(sf.info(audio).duration for audio, _ in built)
    manifest = season / "manifest.csv"
    manifest.write_text("episode,character,audio,script,formats\n" + "".join(
        f"{audio.parent.name},dialogue,{audio.relative_to(season)},{script.relative_to(season)},\"xdts,tsv\"\n"
        for audio, script in built), encoding="utf-8")
    print(f"season: {args.episodes} episodes x {args.minutes:g} min = {total / 3600:.2f} h of audio, 48 kHz stereo "
          f"(built in {time.perf_counter() - started:.0f} s)")

    runs = {}
    for name, extra in (("jobs 1", ["-j", "1"]), ("jobs 2", ["-j", "2"])):
        out = work / f"out-{name.replace(' ', '')}"
        subprocess.run(["rm", "-rf", str(out)], check=True)
        elapsed, report = lipsync_batch(manifest, out, *extra)
        runs[name] = out
        peak = max(job.get("peak_rss_mb", 0) for job in report["jobs"])
        print(f"{name:<14} {elapsed:7.1f} s  {total / elapsed:6.1f}x real time  peak worker memory {peak:.0f} MB")
    if not args.no_dask:
        from distributed import LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            out = work / "out-dask"
            subprocess.run(["rm", "-rf", str(out)], check=True)
            elapsed, report = lipsync_batch(manifest, out, "--scheduler", cluster.scheduler_address)
            runs["dask 2 workers"] = out
            peak = max(job.get("peak_rss_mb", 0) for job in report["jobs"])
            print(f"{'dask 2 workers':<14} {elapsed:7.1f} s  {total / elapsed:6.1f}x real time  "
                  f"peak worker memory {peak:.0f} MB")
    first = runs["jobs 1"]
    for name, out in runs.items():
        print(f"outputs of {name}: {'identical' if same_tree(first, out) else 'DIFFERENT'} to jobs 1 "
              f"({len(outputs(out))} files)")

    if not args.no_kill:
        out = work / "out-kill"
        subprocess.run(["rm", "-rf", str(out)], check=True)
        process = subprocess.Popen([sys.executable, "-m", "lipsync", "batch", str(manifest), "-o", str(out), "-q",
                                    "-j", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        half = args.episodes // 2
        journal = out / ".lipsync" / "jobs"
        while process.poll() is None and (not journal.is_dir() or len(list(journal.glob("*.json"))) < half):
            time.sleep(0.2)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        time.sleep(1.0)
        finished = len(list(journal.glob("*.json")))
        try:  # the killed parent's workers: stop them (a real Ctrl-C or kill of the group does this)
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        elapsed, report = lipsync_batch(manifest, out, "-j", "2")
        ran = [job["id"] for job in report["jobs"] if job["status"] == "done"]
        skipped = [job["id"] for job in report["jobs"] if job["status"] == "up-to-date"]
        print(f"killed after {finished} of {args.episodes} jobs; rerun: {len(ran)} ran, {len(skipped)} up to date, "
              f"report lists {len(report['jobs'])} jobs; outputs "
              f"{'identical' if same_tree(first, out) else 'DIFFERENT'} to the uninterrupted run")
    if temporary is not None:
        temporary.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
