"""Speed and memory: CPU seconds and real-time factors on long generated voice tracks, start-up time.

    python benchmarks/speed.py [--minutes 10] [--memory-minutes 30] [--jobs 2]
                               [--against OLD_CHECKOUT] [--repeat 3] [--only long[-script|-no-script]|sample]

Builds a long dialogue track from espeak-ng speech (random sentences, pauses between lines),
stored as 48 kHz stereo, with its script, and a 2-minute one; then times ``lipsync analyze`` on
the bundled sample (17 s) and the 2-minute track with their scripts, and on the long track with
and without its script, in a fresh process each, with 1 and ``--jobs`` worker processes: wall
seconds and CPU seconds of the whole process tree. With several jobs it prints the critical path
(:mod:`critical_path`, from a trace of each run): the main process's CPU seconds alone (before,
between and after the workers' chunks), the chunks, and the time the analysis needs on N idle
cores, the bound on the speed-up of ``--jobs`` N over 1 job that the CPU seconds allow; and the
measured wall-time ratio of 1 job to N jobs (1 and N jobs alternate run by run) with the load
average, which shows how far a busy machine keeps it from that bound. ``--only long`` times the
long track only (``long-script``, ``long-no-script``: with or without its script), ``--only
sample`` the bundled sample only (no track is made). Last, the peak memory of a run on a longer
track (not with ``--only sample``; ``--memory-minutes 0`` leaves it out).

``--against`` times another version of lipsync as well (a checkout of an older commit, e.g.
``git worktree add ../lipsync-old COMMIT``; it runs with ``PYTHONPATH`` set to it), each
analysis alternating between the two ``--repeat`` times, and prints the median CPU seconds of
each and their ratio: before/after figures measured in one run on one machine.
All figures come from one run on this machine: compare them as ratios; on a shared machine
compare CPU seconds, and the wall-time ratio of 1 job to ``--jobs`` jobs only when the cores
are otherwise idle.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent))
import critical_path  # noqa: E402
from critical_path import Trace, critical_path as path_on, read_trace  # noqa: E402

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
    audio = folder / f"track_{minutes:g}min_{seed}.wav"
    sf.write(audio, stereo, 48000, subtype="PCM_16")
    script = folder / f"track_{minutes:g}min_{seed}.txt"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return audio, script


def _made_apart(folder: Path, minutes: float, seed: int) -> tuple[Path, Path]:
    """make_track in a child process. A process started from this one inherits this one's peak
    memory as its own ru_maxrss (Linux carries it over the exec), so this one must stay small
    for the peak memory figure to be the analysis's own."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1) as pool:
        return pool.submit(make_track, folder, minutes, seed).result()


def timed_run(arguments: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
              ) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system, of the command and the worker processes it
    waited for) and peak resident MB (its largest process) of one command."""
    started = time.perf_counter()
    process = subprocess.Popen(arguments, stdout=subprocess.DEVNULL, env=env, cwd=cwd)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        raise subprocess.CalledProcessError(status, arguments)
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0


def timed_analysis(arguments: list[str], code: Path | None, folder: Path) -> tuple[float, float, Trace]:
    """Wall seconds, CPU seconds (all processes) and the trace (:mod:`critical_path`) of
    ``lipsync ARGUMENTS``, with the lipsync at ``code`` (a checkout) when given."""
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = str(code)
    trace = folder / "trace.json"
    for old in (trace, trace.with_name(trace.name + ".chunks")):
        old.unlink(missing_ok=True)
    elapsed, cpu, _ = timed_run([sys.executable, str(Path(critical_path.__file__)), str(trace)] + arguments, env, folder)
    return elapsed, cpu, read_trace(trace)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--memory-minutes", type=float, default=30.0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--against", type=Path, default=None, help="a checkout of another lipsync version to time too")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each analysis (the median is printed)")
    parser.add_argument("--only", choices=["long", "long-script", "long-no-script", "sample"],
                        help="time the long track only (with and without its script, or one of them), "
                             "or the bundled sample only")
    args = parser.parse_args()
    lipsync = [sys.executable, "-m", "lipsync"]
    versions: dict[str, Path | None] = {"this": None}
    if args.against is not None:
        if not (args.against / "lipsync" / "__init__.py").is_file():
            parser.error(f"--against {args.against}: not a lipsync checkout (no lipsync/__init__.py)")
        versions = {"before": args.against.resolve(), "this": None}
    with tempfile.TemporaryDirectory(prefix="lipsync-speed-") as name:
        folder = Path(name)
        started = time.perf_counter()
        data = Path(__file__).resolve().parents[1] / "lipsync" / "data"
        if args.only == "sample":
            audio, script = short, short_script = data / "sample.flac", data / "sample.txt"
        else:
            audio, script = _made_apart(folder, args.minutes, 1)
            short, short_script = _made_apart(folder, 2.0, 3) if args.only is None else (audio, script)
            seconds = sf.info(audio).duration
            print(f"track: {seconds / 60:.1f} min, 48 kHz stereo, {len(script.read_text().splitlines())} lines "
                  f"(made in {time.perf_counter() - started:.0f} s)")

        if args.only is None:
            help_times = [timed_run(lipsync + ["--help"])[0] for _ in range(3)]
            print(f"lipsync --help: {min(help_times):.3f} s")
        cases = [("sample, script", data / "sample.flac", data / "sample.txt", [1]),
                 ("2 min, script", short, short_script, [1]),
                 (f"{args.minutes:g} min, script", audio, script, sorted({1, args.jobs})),
                 (f"{args.minutes:g} min, no script", audio, None, sorted({1, args.jobs}))]
        cases = {None: cases, "long": cases[2:], "long-script": cases[2:3], "long-no-script": cases[3:],
                 "sample": cases[:1]}[args.only]
        for label, track, text, job_counts in cases:
            duration = sf.info(track).duration
            figures: dict[tuple[int, str], list[tuple[float, float, Trace]]] = {}
            load = os.getloadavg()[0]
            for _ in range(max(1, args.repeat)):  # job counts and versions alternate, run by run
                for jobs in job_counts:
                    run = ["analyze", str(track), "-q", "-j", str(jobs), "-o", str(folder / "out.json")]
                    run += ["--script", str(text)] if text else []
                    for version, code in versions.items():
                        figures.setdefault((jobs, version), []).append(timed_analysis(run, code, folder))
            load = (load + os.getloadavg()[0]) / 2
            cpu = {key: statistics.median(f[1] for f in runs) for key, runs in figures.items()}
            wall = {key: statistics.median(f[0] for f in runs) for key, runs in figures.items()}
            for (jobs, version), runs in figures.items():
                shown = f"{version:6s} " if len(versions) > 1 else ""
                print(f"{label + ':':18s} {jobs} job(s): {shown}{wall[jobs, version]:6.1f} s = "
                      f"{duration / wall[jobs, version]:5.1f}x real time, {cpu[jobs, version]:6.2f} CPU s = "
                      f"{cpu[jobs, version] / duration:.4f} CPU s per audio s", flush=True)
                if jobs > 1:
                    one_job = cpu[1, version]
                    median_run = sorted(runs, key=lambda f: path_on(f[2], jobs))[len(runs) // 2]
                    print(f"{'':18s} {critical_path.summary(median_run[2], jobs, one_job)}; "
                          f"on the clock 1 job / {jobs} jobs {wall[1, version] / wall[jobs, version]:.2f}x "
                          f"(load average {load:.1f})", flush=True)
            for jobs in job_counts:
                if len(versions) > 1:
                    print(f"{'':18s} {jobs} job(s): before/this CPU {cpu[jobs, 'before'] / cpu[jobs, 'this']:.2f}x",
                          flush=True)

        if args.memory_minutes and args.only != "sample":
            audio, script = _made_apart(folder, args.memory_minutes, 2)
            seconds = sf.info(audio).duration
            elapsed, _, peak = timed_run(lipsync + ["analyze", str(audio), "-q", "-j", "1", "--script", str(script),
                                                 "-o", str(folder / "long.json")])
            print(f"{seconds / 60:.0f}-minute track with script, 1 job: {seconds / elapsed:5.1f}x real time, "
                  f"peak memory {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
