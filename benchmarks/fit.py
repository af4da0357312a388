"""Dub-fit speed: score a synthetic 24-minute episode pair (the analysis itself excluded).

Builds an original and a dub mouth timeline at 24 fps with ``--lines`` dialogue lines of 2-6 s
(kuchipaku-like openness on twos, closures between words); the dub's lines are re-timed: some
shifted by a few frames, some 5-12 % faster or slower, some different. Then runs the whole
check (pairing, fit scores, shift and stretch search) and the three reports, and prints the
time of each.

    python benchmarks/fit.py [--minutes 24] [--lines 400]

``--speech`` instead scores generated speech (espeak-ng, analyzed with its script as ``lipsync fit``
analyzes a voice track: anime-3, 24 fps, three alignment passes, compared on ones):
ten lines in three voices, each against the same line re-spoken at speeds 148, 151, 169 and 173
(160 is the original: -7.5 % to +8 %), the same recording 3, 2 and 1 frames early and 1 to 6
frames late, with a word added, with a word dropped, and a different line of about the same
length. It prints every line's scores and how often, within one line, a speed change scores
above every shift of 2-4 frames, such a shift above the edited lines, and an edited line above
the different one; then how often each variant is flagged at the default threshold, now and
under the settings before the verdicts were recalibrated, and which pairs changed verdict.
The fit settings were calibrated on lines 1-6 in en-us and en-gb; lines 7-10 and the en-us+f3
voice are held out. About a minute on two cores.

    python benchmarks/fit.py --speech
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from lipsync.fit import FitSettings, MouthTimeline, fit_timelines
from lipsync.fit.report import report_to_html, report_to_json, report_to_text
from lipsync.sheet import SheetLine
from lipsync.timing import FrameRate


def speech(rng: np.random.Generator, frames: int) -> np.ndarray:
    out: list[int] = []
    while len(out) < frames:
        for _ in range(int(rng.integers(2, 6))):
            out += [int(rng.integers(1, 3))] * 2
        out += [0] * int(rng.choice([2, 2, 4]))
    return np.array(out[:frames], dtype=np.int8)


def episode(minutes: float, count: int, seed: int = 0) -> tuple[MouthTimeline, MouthTimeline]:
    rng = np.random.default_rng(seed)
    total = int(minutes * 60 * 24)
    original = np.zeros(total, dtype=np.int8)
    dub = np.zeros(total, dtype=np.int8)
    lines_o, lines_d = [], []
    slot = total // count
    for index in range(count):
        length = int(rng.integers(48, min(144, slot - 30)))
        start = index * slot + 12
        line = speech(rng, length)
        original[start:start + length] = line
        lines_o.append(SheetLine(start, length, f"line {index + 1}"))
        kind = index % 4
        if kind == 0:
            take, at = line, start
        elif kind == 1:
            take, at = line, start + int(rng.integers(-4, 5))
        elif kind == 2:
            factor = float(rng.uniform(0.88, 1.12))
            take = line[np.minimum((np.arange(int(length * factor)) / factor).astype(int), length - 1)]
            at = start
        else:
            take, at = speech(rng, length), start
        dub[at:at + len(take)] = take[:max(0, total - at)]
        lines_d.append(SheetLine(at, len(take), f"dub line {index + 1}"))
    rate = FrameRate(24)
    return MouthTimeline("A", rate, original, tuple(lines_o)), MouthTimeline("A", rate, dub, tuple(lines_d))


SPEECH = [  # line, with a word added, with a word dropped, a different line of about its length
    ("I never thought we would find the treasure before the storm",
     "I never really thought we would find the treasure before the storm",
     "I never thought we would find treasure before the storm",
     "My brother said the garden looks lovely in the morning light"),
    ("Please open the window and let the cold air into the room",
     "Please open the big window and let the cold air into the room",
     "Please open window and let the cold air into the room",
     "The captain wants a full report on his desk by tonight"),
    ("We have to leave before the bridge is closed for the winter",
     "We really have to leave before the bridge is closed for the winter",
     "We have to leave before bridge is closed for the winter",
     "Nobody told me that the museum was closed on Mondays at all"),
    ("She kept the letter hidden under her pillow for many years",
     "She kept the old letter hidden under her pillow for many years",
     "She kept the letter hidden under her pillow for years",
     "The train to the city leaves every hour from platform nine"),
    ("If you listen carefully you can hear the river below us",
     "If you listen very carefully you can hear the river below us",
     "If you listen carefully you can hear the river below",
     "Bring me the lantern and the rope before it gets too dark"),
    ("They built a small house at the edge of the forest last summer",
     "They built a small wooden house at the edge of the forest last summer",
     "They built a house at the edge of the forest last summer",
     "My mother always sings when she is cooking in the kitchen"),
    ("Nobody believed him when he said the dragon had returned",
     "Nobody believed him when he said that the dragon had returned",
     "Nobody believed him when he said the dragon returned",
     "The doctor told us to wait outside until the test was done"),
    ("Your father would be proud of what you have done today",
     "Your father would be very proud of what you have done today",
     "Your father would be proud of what you have done",
     "The children ran across the field to catch the last bus"),
    ("Come back here before the guards notice that you are gone",
     "Come back here now before the guards notice that you are gone",
     "Come back before the guards notice that you are gone",
     "It was the coldest winter anyone in the village could remember"),
    ("The ship will sail at dawn whether you are on board or not",
     "The big ship will sail at dawn whether you are on board or not",
     "The ship will sail at dawn whether you are on board",
     "I found an old photograph of my grandparents in the attic"),
]
VOICES = ("en-us", "en-gb", "en-us+f3")
SPEEDS = (148, 151, 169, 173)
SHIFTS = (-3, -2, -1, 1, 2, 3, 4, 5, 6)
RANKED_SHIFTS = (-3, -2, 2, 3, 4)  # the shifts ranked against speed changes and edits


def _analyze_variant(job: tuple[str, str, str, str, int, float]) -> tuple[str, np.ndarray]:
    """(key, timeline) of one generated variant: espeak-ng, trimmed, padded, analyzed as
    ``lipsync fit`` analyzes a voice track."""
    import subprocess
    from pathlib import Path

    import soundfile as sf

    from lipsync.fit.check import load_side

    folder, key, text, voice, speed, lead = job
    raw = Path(folder) / f"{key}-raw.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text], check=True,
                   capture_output=True, timeout=60)
    samples, rate = sf.read(str(raw), dtype="float32", always_2d=True)
    samples = samples.mean(axis=1)
    loud = np.flatnonzero(np.abs(samples) > 10 ** (-50 / 20))
    speech = samples[loud[0]:loud[-1] + 1]
    wav = Path(folder) / f"{key}.wav"
    sf.write(str(wav), np.concatenate([np.zeros(int(round(lead * rate)), np.float32), speech,
                                       np.zeros(rate // 2, np.float32)]), rate)
    script = wav.with_suffix(".txt")
    script.write_text(text + "\n", encoding="utf-8")
    return key, load_side(wav, "DUB", script=script, preset="anime-3", fps=24).timelines[0]


def speech_benchmark(workers: int = 2) -> None:
    """Score the generated-speech pairs and print the per-line table (see the module docstring)."""
    import tempfile
    from concurrent.futures import ProcessPoolExecutor

    from lipsync.fit import fit_tracks

    kinds = [f"speed{s}" for s in SPEEDS] + [f"shift{s:+d}" for s in SHIFTS] + ["added", "dropped", "other"]
    lead = 6 / 24
    with tempfile.TemporaryDirectory() as folder:
        jobs = []
        for index, (line, added, dropped, other) in enumerate(SPEECH):
            for voice in VOICES:
                key = f"{index}-{voice}"
                jobs.append((folder, f"{key}-base", line, voice, 160, lead))
                jobs += [(folder, f"{key}-speed{s}", line, voice, s, lead) for s in SPEEDS]
                jobs += [(folder, f"{key}-shift{s:+d}", line, voice, 160, lead + s / 24) for s in SHIFTS]
                jobs += [(folder, f"{key}-{kind}", text, voice, 160, lead)
                         for kind, text in (("added", added), ("dropped", dropped), ("other", other))]
        started = time.perf_counter()
        with ProcessPoolExecutor(workers) as pool:
            timelines = dict(pool.map(_analyze_variant, jobs, chunksize=4))
        analysed = time.perf_counter() - started
    speed, edit = kinds[:len(SPEEDS)], ["added", "dropped"]
    shift = [f"shift{s:+d}" for s in RANKED_SHIFTS]
    print(f"{len(jobs)} variants analysed in {analysed:.0f} s; fit scores (* = calibration set):")
    print(f"{'line':<15}" + "".join(f"{kind.replace('speed', 's').replace('shift', 'sh'):>8}" for kind in kinds)
          + "  ordered")
    totals = {"calibration": [0, 0], "held out": [0, 0]}
    results = []
    for index in range(len(SPEECH)):
        for voice in VOICES:
            key = f"{index}-{voice}"
            fits = {kind: fit_tracks(timelines[f"{key}-base"], timelines[f"{key}-{kind}"]).lines[0] for kind in kinds}
            score = {kind: fit.score for kind, fit in fits.items()}
            pairs = [(a, b) for a in speed for b in shift] + [(a, b) for a in shift for b in edit] + \
                    [(a, "other") for a in edit]
            good = sum(score[a] > score[b] for a, b in pairs)
            calibration = index < 6 and voice != "en-us+f3"
            part = totals["calibration" if calibration else "held out"]
            part[0] += good
            part[1] += len(pairs)
            print(f"{'*' if calibration else ' '}{index + 1:>2} {voice:<11}" +
                  "".join(f"{score[kind]:>8.1f}" for kind in kinds) + f"  {good}/{len(pairs)}")
            results.append((index, voice, score, fits))
    for name, (good, count) in totals.items():
        print(f"{name}: {good} of {count} pairs within a line in order ({100 * good / count:.0f} %)")
    _verdicts(results, kinds)


def _previous_score(line) -> float:
    """The score under the settings before the verdicts were recalibrated (threshold 50; 1 frame
    free, then 4 + 3.5 per frame up to 4 frames and 7 per frame beyond, early or late alike)."""
    def cost(shift: int, stretch: float) -> float:
        frames = abs(shift)
        shifted = 0.0 if frames <= 1 else 4.0 + 3.5 * (min(frames, 4) + 2 * max(0, frames - 4))
        return shifted + max(0.0, abs(stretch - 1.0) * 100.0 - 5.0)
    return round(max(0.0, line.score_after_shift - cost(line.shift, 1.0),
                     line.score_after_stretch - cost(line.stretch_shift, line.stretch)), 1)


def _verdicts(results, kinds) -> None:
    """How often each variant is flagged at the default threshold, and which pairs change verdict
    against the previous settings."""
    from lipsync.fit import FitSettings

    threshold = FitSettings().threshold
    print(f"flagged at the default threshold {threshold:g} (previous settings: threshold 50):")
    moved = []
    for kind in kinds:
        flagged = [fits[kind].flagged for _, _, _, fits in results]
        before = [_previous_score(fits[kind]) < 50.0 for _, _, _, fits in results]
        print(f"  {kind:<9} {sum(flagged):>2}/{len(flagged)} now, {sum(before):>2}/{len(before)} before")
        moved += [(index, voice, kind, fits[kind].score, now) for (index, voice, _, fits), now, then
                  in zip(results, flagged, before) if now != then]
    print(f"{len(moved)} pairs changed verdict:")
    for index, voice, kind, score, now in moved:
        print(f"  line {index + 1} {voice} {kind}: {'now flagged' if now else 'now passes'} (score {score:.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=24.0)
    parser.add_argument("--lines", type=int, default=400)
    parser.add_argument("--speech", action="store_true", help="score generated speech pairs instead (espeak-ng)")
    args = parser.parse_args()
    if args.speech:
        speech_benchmark()
        return
    original, dub = episode(args.minutes, args.lines)
    started, cpu_started = time.perf_counter(), time.process_time()
    report = fit_timelines([original], [dub], FitSettings())
    scored = time.perf_counter()
    report_to_text(report), report_to_json(report), report_to_html(report)
    done, cpu_done = time.perf_counter(), time.process_time()
    print(f"{args.minutes:g} min, {len(report.lines)} line pairs scored, {len(report.flagged)} flagged: "
          f"fit {scored - started:.2f} s, reports {done - scored:.2f} s, total {done - started:.2f} s "
          f"({cpu_done - cpu_started:.2f} CPU seconds, one process)")


if __name__ == "__main__":
    main()
