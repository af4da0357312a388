"""Dub-fit speed: score a synthetic 24-minute episode pair (the analysis itself excluded).

Builds an original and a dub mouth timeline at 24 fps with ``--lines`` dialogue lines of 2-6 s
(kuchipaku-like openness on twos, closures between words); the dub's lines are re-timed: some
shifted by a few frames, some 5-12 % faster or slower, some different. Then runs the whole
check (pairing, fit scores, shift and stretch search) and the three reports, and prints the
time of each.

    python benchmarks/fit.py [--minutes 24] [--lines 400]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=24.0)
    parser.add_argument("--lines", type=int, default=400)
    args = parser.parse_args()
    original, dub = episode(args.minutes, args.lines)
    started = time.perf_counter()
    report = fit_timelines([original], [dub], FitSettings())
    scored = time.perf_counter()
    report_to_text(report), report_to_json(report), report_to_html(report)
    done = time.perf_counter()
    print(f"{args.minutes:g} min, {len(report.lines)} line pairs scored, {len(report.flagged)} flagged: "
          f"fit {scored - started:.2f} s, reports {done - scored:.2f} s, total {done - started:.2f} s")


if __name__ == "__main__":
    main()
