"""Accuracy on a manifest of real speech with reference timings (e.g. ../shared/eval-dev).

Analyzes every English row with and without its transcript (``--preset rhubarb``, 24 fps),
writes Rhubarb TSV results, and scores them with ``lipsync evaluate``'s metrics.

    python benchmarks/accuracy.py ../shared/eval-dev/manifest.tsv [--out DIR] [--jobs 2] [--passes N]
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from lipsync.dialogue import Line
from lipsync.evaluate import combine_scores, evaluate_manifest, format_report
from lipsync.exporters import ExportOptions, exporter_named
from lipsync.fileio import write_atomic
from lipsync.pipeline import analyze


def _run(task: tuple[str, str | None, str, str, int]) -> float:
    wav, text, out, preset, passes = task
    started = time.perf_counter()
    lines = [Line(text)] if text else None
    sheet = analyze(wav, lines, preset=preset, passes=passes).sheet
    write_atomic(out, exporter_named("tsv").write(sheet, ExportOptions()))
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("manifest", type=Path)
    parser.add_argument("--out", type=Path, default=None, help="folder for the results (default: a temp folder)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--preset", default="rhubarb")
    parser.add_argument("--verbose", action="store_true", help="print the per-file table")
    parser.add_argument("--passes", type=int, default=1, help="alignment passes with the script (analyze --passes)")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="lipsync-accuracy-"))
    with args.manifest.open(encoding="utf-8") as stream:
        rows = [row for row in csv.DictReader(stream, delimiter="\t") if row["language"].startswith("en")]
    base = args.manifest.parent
    audio_seconds = sum(float(row["duration_sec"]) for row in rows)
    for mode in ("script", "noscript"):
        folder = out / mode
        folder.mkdir(parents=True, exist_ok=True)
        tasks = [(str(base / row["wav"]), row["text"] if mode == "script" else None,
                  str(folder / f"{row['utt']}.tsv"), args.preset, args.passes) for row in rows]
        started = time.perf_counter()
        with ProcessPoolExecutor(args.jobs) as pool:
            list(pool.map(_run, tasks))
        elapsed = time.perf_counter() - started
        results, total = evaluate_manifest(args.manifest, folder)
        english = [(utt, scores) for utt, scores in results if any(row["utt"] == utt for row in rows)]
        total = combine_scores(scores for _, scores in english if scores is not None)
        print(f"== {mode}: {len(rows)} files, {audio_seconds:.0f} s of audio, "
              f"{audio_seconds / elapsed:.1f}x real time with {args.jobs} processes")
        print(format_report(english if args.verbose else [], total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
