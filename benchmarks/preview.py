"""Speed and memory of preview videos: a 24-minute, two-character episode (espeak-ng speech with
its SRT script, analyzed by lipsync), rendered by ``lipsync preview`` in a fresh process: the
mouths alone, then with the rhythmo band of the episode's script timed from its text (the
adaptation's prediction, as for a dub script; ~400 lines).

    python benchmarks/preview.py [--minutes 24] [--short 3] [--size 960x540] [--keep DIR] [--no-band]

Reports the CPU seconds of the rendering process (user + system, all its threads), the real-time
factor per CPU second and per wall second (target: >= 20x on 2 cores), and its peak memory, for
the episode and for a short one, to show that memory does not grow with the length. ``--keep DIR``
keeps (and reuses) the episodes and their sheets there.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from episode import CHARACTERS, make_episode  # noqa: E402


def _make_episode(folder: Path, minutes: float) -> tuple[Path, Path]:
    audio, script, _ = make_episode(folder, minutes, "srt", characters=CHARACTERS[:2])
    return audio, script


def analyzed(folder: Path, minutes: float) -> tuple[Path, Path]:
    """A two-character episode of ``minutes`` and its sheet, made once per folder."""
    sheet = folder / f"episode_{minutes:g}min.json"
    audio = folder / f"episode_{minutes:g}min.wav"
    if not sheet.is_file():
        # made in a spawned process: a child started later inherits this process's peak memory
        # as its ru_maxrss, so the episode's arrays held here would be counted as the preview's
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            audio, script = pool.submit(_make_episode, folder, minutes).result()
        subprocess.run([sys.executable, "-m", "lipsync", "analyze", str(audio), "-s", str(script), "-j", "2",
                        "-f", "sheet", "-o", str(sheet), "--progress", "none", "-q"], check=True)
    return audio, sheet


def measure(command: list[str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak resident MB) of a command run in a child process; the
    figures are that child's own (os.wait4), not those of earlier children."""
    started = time.perf_counter()
    child = subprocess.Popen(command)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"failed: {' '.join(command)}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=24.0)
    parser.add_argument("--short", type=float, default=3.0, help="a short episode, for the memory comparison")
    parser.add_argument("--size", default="960x540")
    parser.add_argument("--keep", type=Path, help="keep the episodes and sheets in this folder (and reuse them)")
    parser.add_argument("--no-band", action="store_true", help="skip the rhythmo band runs")
    parser.add_argument("--extra", nargs=argparse.REMAINDER, default=[], help="more options for lipsync preview")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lipsync-preview-") as name:
        folder = args.keep or Path(name)
        folder.mkdir(parents=True, exist_ok=True)
        for minutes in sorted({args.short, args.minutes}):
            audio, sheet = analyzed(folder, minutes)
            seconds = sf.info(audio).duration
            runs = [("mouths", [])]
            if not args.no_band:
                runs.append(("band", ["--rythmo", str(audio.with_suffix(".srt")), "-l", "en-us"]))
            for label, options in runs:
                out = Path(name) / f"preview_{minutes:g}min_{label}.mp4"
                wall, cpu, peak = measure([sys.executable, "-m", "lipsync", "preview", str(sheet), str(audio),
                                           "-o", str(out), "--size", args.size, "--progress", "none", "-q",
                                           *options, *args.extra])
                print(f"{seconds / 60:5.1f} min, 2 characters, {label:6s} {args.size}: {cpu:6.1f} CPU s = "
                      f"{seconds / cpu:5.1f}x real time per CPU second; wall {wall:6.1f} s = {seconds / wall:5.1f}x; "
                      f"peak memory {peak:4.0f} MB; {out.stat().st_size / 1e6:.1f} MB file "
                      f"(load average {os.getloadavg()[0]:.1f})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
