"""Speed and memory: real-time factors on long generated voice tracks, and start-up time.

    python benchmarks/speed.py [--minutes 10] [--memory-minutes 30] [--jobs 2]

Builds a long dialogue track from espeak-ng speech (random sentences, pauses between lines),
stored as 48 kHz stereo, with its script; then times ``lipsync analyze`` with and without the
script in a fresh process each, with 1 and ``--jobs`` worker processes (wall seconds and CPU
seconds of the whole process tree), and measures the peak memory of a run on a longer track.
All figures come from one run on this machine: compare them as ratios; on a shared machine
compare CPU seconds, and the wall-time ratio of 1 job to ``--jobs`` jobs only when the cores
are otherwise idle.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

_SUBJECTS = ["the old captain", "my little brother", "a tired robot", "the baker next door", "our teacher",
             "the brave pilot", "a quiet girl", "the mayor", "my best friend", "the tall stranger"]
_VERBS = ["painted", "carried", "found", "opened", "wanted", "borrowed", "remembered", "dropped",
          "cleaned", "followed"]
_OBJECTS = ["a purple umbrella", "the broken bicycle", "some warm bread", "a map of the moon",
            "the big blue balloon", "an empty box", "the morning paper", "a bag of apples",
            "the wooden boat", "my favourite book"]
_ENDINGS = ["before lunch", "in the rain", "without a word", "at the market", "every morning",
            "by the river", "after the party", "near the bridge", "for his mother", "all by herself"]


def sentence(rng: random.Random) -> str:
    """One random, speakable English sentence."""
    text = f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_ENDINGS)}"
    return text[0].upper() + text[1:] + rng.choice([".", "!", "?"])


def make_track(folder: Path, minutes: float, seed: int = 1) -> tuple[Path, Path]:
    """A voice track of about ``minutes`` (48 kHz stereo wav) and its script."""
    rng = random.Random(seed)
    pieces, lines, total = [], [], 0.0
    rate = 22050
    while total < minutes * 60:
        text = sentence(rng)
        wav = folder / "line.wav"
        voice = rng.choice(["en-us+m3", "en-us+f3", "en-us+m1", "en-us+f2"])
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(rng.randint(140, 180)), "-w", str(wav), text], check=True)
        samples, rate = sf.read(wav, dtype="float32")
        pause = np.zeros(int(rng.uniform(0.4, 1.2) * rate), np.float32)
        pieces += [samples, pause]
        lines.append(text)
        total += (len(samples) + len(pause)) / rate
    mono = np.concatenate(pieces)
    import soxr

    mono48 = soxr.resample(mono, rate, 48000).astype(np.float32)
    stereo = np.stack([mono48, mono48 * 0.8], axis=1)
    audio = folder / f"track_{minutes:g}min.wav"
    sf.write(audio, stereo, 48000, subtype="PCM_16")
    script = folder / f"track_{minutes:g}min.txt"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return audio, script


def _made_apart(folder: Path, minutes: float, seed: int) -> tuple[Path, Path]:
    """make_track in a child process. A process started from this one inherits this one's peak
    memory as its own ru_maxrss (Linux carries it over the exec), so this one must stay small
    for the peak memory figure to be the analysis's own."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1) as pool:
        return pool.submit(make_track, folder, minutes, seed).result()


def timed_run(arguments: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system, of the command and the worker processes it
    waited for) and peak resident MB (its largest process) of one command."""
    started = time.perf_counter()
    process = subprocess.Popen(arguments, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        raise subprocess.CalledProcessError(status, arguments)
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--memory-minutes", type=float, default=30.0)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    lipsync = [sys.executable, "-m", "lipsync"]
    with tempfile.TemporaryDirectory(prefix="lipsync-speed-") as name:
        folder = Path(name)
        started = time.perf_counter()
        audio, script = _made_apart(folder, args.minutes, 1)
        seconds = sf.info(audio).duration
        print(f"track: {seconds / 60:.1f} min, 48 kHz stereo, {len(script.read_text().splitlines())} lines "
              f"(made in {time.perf_counter() - started:.0f} s)")

        help_times = [timed_run(lipsync + ["--help"])[0] for _ in range(3)]
        print(f"lipsync --help: {min(help_times):.3f} s")
        for label, extra in (("with script", ["--script", str(script)]), ("without script", [])):
            for jobs in sorted({1, args.jobs}):
                run = lipsync + ["analyze", str(audio), "-q", "-j", str(jobs), "-o", str(folder / "out.json")] + extra
                elapsed, cpu, _ = timed_run(run)
                print(f"{label + ':':16s} {jobs} job(s): {elapsed:6.1f} s = {seconds / elapsed:5.1f}x real time, "
                      f"{cpu:6.1f} CPU s = {cpu / seconds:.4f} CPU s per audio s", flush=True)

        if args.memory_minutes:
            audio, script = _made_apart(folder, args.memory_minutes, 2)
            seconds = sf.info(audio).duration
            elapsed, _, peak = timed_run(lipsync + ["analyze", str(audio), "-q", "-j", "1", "--script", str(script),
                                                 "-o", str(folder / "long.json")])
            print(f"{seconds / 60:.0f}-minute track with script, 1 job: {seconds / elapsed:5.1f}x real time, "
                  f"peak memory {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
