"""Speed of a whole dubbed episode with a timed script: a 24-minute, four-character dialogue
track built from espeak-ng phrases, with its SRT (or ASS) script of ~400 lines.

    python benchmarks/episode.py [--minutes 24] [--jobs 2] [--format srt|ass]

Subtitle times are loosened as real ones are (cues start up to 0.3 s early and end up to 0.7 s
late). Reports the real-time factor of ``lipsync analyze`` in a fresh process (target: >= 40x
with 2 jobs), the tracks and the warnings.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from speed import sentence  # noqa: E402

CHARACTERS = [("BOB", "en-us+m3"), ("ANNA", "en-us+f3"), ("CAPTAIN", "en-us+m1"), ("LUCY", "en-us+f2")]


def _clock(seconds: float, separator: str = ",") -> str:
    millis = int(round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}{separator}{rest % 1000:03d}"


def make_episode(folder: Path, minutes: float, kind: str = "srt", seed: int = 3,
                 characters: list[tuple[str, str]] = CHARACTERS) -> tuple[Path, Path, int]:
    """The episode's audio (48 kHz mono wav), its script and the number of lines, spoken by
    ``characters`` (name, espeak-ng voice)."""
    rng = random.Random(seed)
    rate = 22050
    pieces, cues, total = [], [], 0.0
    cache: dict[tuple[str, str, int], np.ndarray] = {}
    phrases = [sentence(rng) for _ in range(60)]  # a repertoire, as episodes repeat lines
    while total < minutes * 60:
        speaker, voice = rng.choice(characters)
        text = rng.choice(phrases)
        speed = rng.choice([150, 165, 180])
        key = (text, voice, speed)
        if key not in cache:
            wav = folder / "phrase.wav"
            subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(wav), text], check=True)
            samples, rate = sf.read(wav, dtype="float32")
            loud = np.flatnonzero(np.abs(samples) > 10 ** (-50 / 20))
            cache[key] = samples[loud[0]:loud[-1] + 1]
        samples = cache[key]
        start = total
        end = start + len(samples) / rate
        cues.append((speaker, text, max(0.0, start - rng.uniform(0, 0.3)), end + rng.uniform(0, 0.7)))
        pause = np.zeros(int(rng.uniform(0.25, 1.0) * rate), np.float32)  # ~400 lines in 24 minutes
        pieces += [samples, pause]
        total = end + len(pause) / rate
    import soxr

    audio = folder / f"episode_{minutes:g}min.wav"
    sf.write(audio, soxr.resample(np.concatenate(pieces), rate, 48000).astype(np.float32), 48000, subtype="PCM_16")
    script = folder / f"episode_{minutes:g}min.{kind}"
    if kind == "srt":
        blocks = [f"{n}\n{_clock(a)} --> {_clock(b)}\n{who}: {text}\n" for n, (who, text, a, b) in enumerate(cues, 1)]
        script.write_text("\n".join(blocks), encoding="utf-8")
    else:
        head = ("[Script Info]\nScriptType: v4.00+\n\n[Events]\n"
                "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n")
        rows = [f"Dialogue: 0,{_clock(a, '.')[1:-1]},{_clock(b, '.')[1:-1]},Default,{who},0,0,0,,{{\\i1}}{text}"
                for who, text, a, b in cues]
        script.write_text(head + "\n".join(rows) + "\n", encoding="utf-8")
    return audio, script, len(cues)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=24.0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--format", choices=["srt", "ass"], default="srt")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lipsync-episode-") as name:
        folder = Path(name)
        started = time.perf_counter()
        audio, script, count = make_episode(folder, args.minutes, args.format)
        seconds = sf.info(audio).duration
        print(f"episode: {seconds / 60:.1f} min, {count} {args.format.upper()} lines, {len(CHARACTERS)} characters "
              f"(made in {time.perf_counter() - started:.0f} s)")
        out = folder / "episode.json"
        import resource

        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "lipsync", "analyze", str(audio), "-s", str(script),
                              "-j", str(args.jobs), "-f", "sheet", "-o", str(out), "--progress", "none"],
                             capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if run.returncode:
            print(run.stderr)
            return 1
        sheet = json.loads(out.read_text())
        warnings = [line for line in run.stderr.splitlines() if line.startswith("warning")]
        aligned = sum(len(track["lines"]) for track in sheet["tracks"])
        print(f"analyze: {elapsed:.1f} s = {seconds / elapsed:.1f}x real time ({args.jobs} jobs); "
              f"tracks {', '.join(t['name'] for t in sheet['tracks'])}; {aligned}/{count} lines aligned; "
              f"{len(warnings)} warnings")
        print(f"cpu: {cpu:.1f} s in all processes = {seconds / cpu:.1f}x real time per core "
              f"(on {args.jobs} otherwise idle cores at best {seconds / (cpu / args.jobs):.1f}x; "
              f"load average now {__import__('os').getloadavg()[0]:.1f})")
        for warning in warnings[:10]:
            print("  " + warning)
    return 0


if __name__ == "__main__":
    sys.exit(main())
