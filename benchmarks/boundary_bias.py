"""Learn the aligner's bias per kind of phone boundary from hand-labelled speech, cross-validated.

    python benchmarks/accuracy.py ../shared/eval-dev/manifest.tsv --out /tmp/raw \
        --setting correct_bias=false --setting refine_on_signal=false
    python benchmarks/boundary_bias.py ../shared/eval-dev/manifest.tsv /tmp/raw [--write]

Reads the sheets an accuracy run wrote with the corrections turned off (``<variant>/<mode>/<utt>.json``,
with and without the script), and for every boundary (between two touching phones, and at the
edges of speech) the signed distance to the nearest reference boundary (within 40 ms). The bias of a kind
(:func:`lipsync.recognize.refine.boundary_kind`) is the median of its distances, shrunk
towards the median of all kinds by ``--shrink`` pseudo-boundaries.

Cross-validation: the recordings are split into folds by speaker (each TIMIT speaker, and
each other source, is one fold); each fold is corrected with the table learned on the other
folds, re-animated (``--preset rhubarb``, 24 fps) and scored as ``lipsync evaluate`` scores.
The printed figures are those held-out scores, next to the uncorrected ones. Then, as
``analyze`` does, the corrected boundaries are moved onto the signal
(:mod:`lipsync.recognize.spectral`), its reach and pull chosen per fold among
``--reaches`` x ``--pulls`` on the other folds (by acc3 plus boundaries within 20 ms) and scored on the
held-out one;
and the phone before each pause is ended where its sound fades (:mod:`lipsync.recognize.edges`),
the drop chosen among ``--drops`` the same way (by acc3 plus rest).
``--write`` stores the table learned on all recordings in ``lipsync/data/boundary_bias.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from lipsync.audio import load_audio
from lipsync.evaluate import (Scores, Segment, combine_scores, evaluate_timelines, phone_boundaries,
                              phoneset_from_description, read_timeline)
from lipsync.pipeline import mouth_cues
from lipsync.presets import load_preset
from lipsync.recognize.edges import end_phones_where_sound_fades
from lipsync.recognize.refine import boundaries, correct_bias
from lipsync.recognize.settings import RecognitionSettings
from lipsync.recognize.spectral import refine_on_signal
from lipsync.sheet import Sheet, sheet_from_json

_REACH = 0.04
TABLE = Path(__file__).resolve().parents[1] / "lipsync" / "data" / "boundary_bias.json"


def offsets(items) -> dict[str, list[float]]:
    """Signed seconds from each boundary (between phones, and at the edges of speech) to the
    nearest reference boundary, by kind."""
    found: dict[str, list[float]] = defaultdict(list)
    for reference, sheet in items:
        marks = np.array(phone_boundaries(reference))
        if not len(marks) or not sheet.tracks:
            continue
        for time, kind in boundaries(sheet.tracks[0].phones):
            distance = time - marks[np.argmin(np.abs(marks - time))]
            if abs(distance) < _REACH:
                found[kind].append(float(distance))
    return found


def learn(found: dict[str, list[float]], shrink: float) -> tuple[dict[str, float], float]:
    """Per kind, the median distance shrunk towards the overall median; and that median."""
    everything = [d for values in found.values() for d in values]
    overall = float(np.median(everything)) if everything else 0.0
    table = {kind: round((len(v) * float(np.median(v)) + shrink * overall) / (len(v) + shrink), 4)
             for kind, v in sorted(found.items())}
    return table, round(overall, 4)


def score(items, preset, correct=None) -> Scores:
    return combine_scores(score_each(items, preset, correct))


def score_each(items, preset, correct=None) -> list[Scores]:
    """Each recording's scores, its phones corrected by ``correct(key, phones, index)`` first."""
    scores = []
    for index, ((reference, sheet), (phoneset, key)) in enumerate(items):
        phones = sheet.tracks[0].phones if sheet.tracks else ()
        if correct is not None:
            phones = correct(key, phones, index)
        scores.append(_score_one(reference, sheet, phones, preset, phoneset))
    return scores


def _score_one(reference, sheet: Sheet, phones, preset, phoneset: str) -> Scores:
    cues = mouth_cues(phones, preset, sheet.rate, sheet.duration_frames)
    shapes = [Segment(sheet.rate.seconds_at(c.frame), sheet.rate.seconds_at(c.frame + c.length), c.shape) for c in cues]
    return evaluate_timelines(reference, shapes, reference_phoneset=phoneset,
                              result_phones=[Segment(p.start, p.end, p.symbol) for p in phones] or None)


def _acc3_and_rest(scores: Scores) -> float:
    return scores.acc3 + scores.rest


def _acc3_and_within20(scores: Scores) -> float:
    return scores.acc3 + scores.within20


def line(name: str, scores: Scores) -> str:
    return (f"{name:34s} acc9 {scores.acc9:.3f}  acc3 {scores.acc3:.3f}  rest {scores.rest:.3f}  "
            f"closure {scores.closure:.3f}  flicker {scores.flicker:.3f}  "
            f"<=20ms {scores.within20:.3f}  median {1000 * scores.boundary_median:.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("manifest", type=Path)
    parser.add_argument("results", type=Path, help="an accuracy run's --out folder (correction off)")
    parser.add_argument("--variant", default="clean")
    parser.add_argument("--shrink", type=float, default=10.0)
    parser.add_argument("--reaches", type=lambda text: [float(x) for x in text.split(",")],
                        default=[0.01, 0.015, 0.02, 0.025, 0.03], help="seconds, comma-separated")
    parser.add_argument("--pulls", type=lambda text: [float(x) for x in text.split(",")],
                        default=[0.0, 0.2, 0.3, 0.5], help="refine_pull values, comma-separated")
    parser.add_argument("--drops", type=lambda text: [float(x) for x in text.split(",")],
                        default=[12.0, 15.0, 18.0, 21.0, 99.0], help="fade_drop_db values, comma-separated")
    parser.add_argument("--write", action="store_true", help=f"store the table learned on everything in {TABLE}")
    args = parser.parse_args()
    with args.manifest.open(encoding="utf-8") as stream:
        rows = [row for row in csv.DictReader(stream, delimiter="\t") if row["language"].startswith("en")]
    preset = load_preset("rhubarb")
    modes = {}
    for mode in ("script", "noscript"):
        folder = args.results / args.variant / mode
        if not folder.is_dir():
            continue
        modes[mode] = [((read_timeline(args.manifest.parent / row["tsv"]),
                         sheet_from_json((folder / f"{row['utt']}.json").read_text(encoding="utf-8"))),
                        (phoneset_from_description(row["phoneset"]), row["speaker"] or row["source"]))
                       for row in rows]
    folds = sorted({key for items in modes.values() for _, (_, key) in items})
    tables = {}
    for held_out in folds:
        training = [pair for items in modes.values() for pair, (_, key) in items if key != held_out]
        tables[held_out] = learn(offsets(training), args.shrink)

    def corrected(key, phones, index=None):
        table, overall = tables[key]
        return correct_bias(phones, table, default=overall)

    print(f"{len(rows)} recordings, {len(folds)} folds (leave one speaker out)")
    audio = [load_audio(args.manifest.parent / row["wav"]) for row in rows]
    for mode, items in modes.items():
        print(line(f"{mode}: as aligned", score(items, preset)))
        print(line(f"{mode}: corrected, held out", score(items, preset, corrected)))
        by_reach = {}
        for reach, pull in [(reach, pull) for reach in args.reaches for pull in args.pulls]:
            settings = RecognitionSettings(refine_reach_seconds=reach, refine_pull=pull, fade_ends=False)
            by_reach[reach, pull] = score_each(items, preset, lambda key, phones, index: refine_on_signal(
                corrected(key, phones), audio[index], settings))
        held_out, chosen = [], []
        for fold in folds:
            others = [index for index, (_, (_, key)) in enumerate(items) if key != fold]
            best = max(by_reach, key=lambda choice: _acc3_and_within20(combine_scores(by_reach[choice][i] for i in others)))
            held_out += [by_reach[best][index] for index, (_, (_, key)) in enumerate(items) if key == fold]
            chosen.append(f"{1000 * best[0]:g}/{best[1]:g}")
        print(line(f"{mode}: + signal, held out", combine_scores(held_out))
              + f"  (reach ms/pull by fold: {' '.join(chosen)})")
        by_drop = {}
        for drop in args.drops:
            settings = RecognitionSettings(fade_drop_db=drop)
            by_drop[drop] = score_each(items, preset, lambda key, phones, index: end_phones_where_sound_fades(
                refine_on_signal(corrected(key, phones), audio[index]), audio[index], settings))
        held_out, chosen = [], []
        for fold in folds:
            others = [index for index, (_, (_, key)) in enumerate(items) if key != fold]
            best = max(args.drops, key=lambda drop: _acc3_and_rest(combine_scores(by_drop[drop][i] for i in others)))
            held_out += [by_drop[best][index] for index, (_, (_, key)) in enumerate(items) if key == fold]
            chosen.append(f"{best:g}")
        print(line(f"{mode}: + ends faded, held out", combine_scores(held_out)) + f"  (drop dB by fold: {' '.join(chosen)})")
    table, overall = learn(offsets([pair for items in modes.values() for pair, _ in items]), args.shrink)
    if args.write:
        TABLE.write_text(json.dumps({
            "about": "seconds the aligner's boundary of each kind (LEFT>RIGHT broad classes) lies after the "
                     "hand-labelled one; learned by benchmarks/boundary_bias.py",
            "shrink": args.shrink, "default": overall, "bias": table}, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {TABLE} ({len(table)} kinds, default {overall * 1000:.1f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
