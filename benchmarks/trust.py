"""Results a user can trust: wrong scripts refused, right scripts quiet, changed lines named.

    python benchmarks/trust.py [--episodes 16] [--eval-dev ../shared/eval-dev] [--skip-eval-dev]
        [--band telephone | --rate 8000] [--dump lines.jsonl]

``--band telephone`` hears every case as a telephone line would carry it: each recording (the
eval-dev files and the generated ones alike) band-limited to 300-3400 Hz and resampled to 8 kHz
as ``benchmarks/accuracy.py``'s ``telephone`` variant makes it, then analyzed from that 8 kHz
file; ``--rate R`` only resamples each recording to R Hz (no 300 Hz high-pass). ``--dump``
writes each right and wrong line's evidence, with its case, to a JSON-lines file.

Cases, each analyzed as ``lipsync analyze`` does (library call, one process):

- eval-dev (real speech): every utterance with its own script, and with the script of another
  utterance of similar length (the closest in duration with other words);
- generated episodes (espeak-ng, one voice per episode, 5 lines with pauses): the right script;
  another episode's script (whole wrong script); one line replaced by another sentence; one word
  of a line replaced; one line dropped from the recording (the script still has it); the first
  two words of one line as the whole script; one to three lines of a script in another language
  (es, fr, de, it, pt-br in turn) on the English speech with the default ``--language en-us``
  and with the script's language, and on espeak-ng speech in a third of those languages with the
  script's language (all refused), and on its own espeak-ng speech (passing without a warning);
  the English speech's own one to three lines with ``-l fr-fr`` or ``-l de`` (refused).

It prints the rates the issue asks for: wrong whole scripts refused, right scripts passing
without any warning (English; other languages), two-word scripts refused, a replaced or
unrecorded line named with its time (a warning that names the line and gives a m:ss.s time),
wrong-language scripts caught; and, for calibration, the evidence behind each right and wrong
line's confidence (fit: line score per frame minus the phone-loop reference; squeezed and
stretched shares of its phones, see lipsync/recognize/confidence.py), with the gap that best
separates them for the shipped weights (and for the fit alone) fitted on one half of the lines
and the error rates measured on the other half, both ways; and, with the shipped weights, on every
other case (eval-dev utterance or episode: a recording's lines together) and measured on the rest.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).parent))
from accuracy import telephone_band  # noqa: E402
from multilingual import SENTENCES  # noqa: E402
from speed import sentence  # noqa: E402

from lipsync.audio import load_audio, resample  # noqa: E402
from lipsync.dialogue import Line  # noqa: E402
from lipsync.errors import ScriptError, ScriptMismatchError  # noqa: E402
from lipsync.pipeline import analyze  # noqa: E402
from lipsync.recognize import confidence  # noqa: E402
from lipsync.recognize.settings import DEFAULT_SETTINGS as SETTINGS  # noqa: E402

_VOICES = ["en-us", "en-us+f3", "en-us+m3", "en-gb", "en-us+f2", "en-us+m1"]
_FOREIGN = ["es", "fr-fr", "de", "it", "pt-br"]
_RATE = 22050
#: how every recording is heard (``--band``/``--rate``): None (as made), "telephone" or a rate in Hz
BAND: str | int | None = None
#: each right and wrong line's evidence with its case (:func:`note`)
DUMP: list[dict] = []


class Evidence:
    """What each line's confidence was computed from, recorded while analyses run: the line fit
    (score per frame minus the phone-loop reference; another language's line, rated on its fit
    alone, moved by the difference of its gap, so that one threshold applies to all lines), its squeezed and its stretched share, by
    the confidence they gave (see lipsync/recognize/confidence.py)."""

    def __init__(self) -> None:
        self.by_value: dict[float, tuple[float, float, float]] = {}
        self._rate = confidence.confidence

    def __enter__(self) -> "Evidence":
        def rate(*args):
            value = self._rate(*args)
            if len(args) == 6:  # a line (words are rated without their phones' durations)
                per_frame, reference, settings, foreign, squeezed, stretched = args
                if foreign:  # rated on the fit alone, at its own gap
                    gap = settings.foreign_confidence_gap - settings.confidence_gap
                    self.by_value[value] = (per_frame - reference + gap, 0.0, 0.0)
                else:
                    self.by_value[value] = (per_frame - reference, squeezed, stretched)
            return value

        confidence.confidence = rate
        return self

    def __exit__(self, *_) -> None:
        confidence.confidence = self._rate

    def of(self, lines) -> list[tuple[float, float, float]]:
        """The evidence behind each of these script lines' confidence (lines without one left out)."""
        return [self.by_value[line.confidence] for line in lines
                if line.confidence is not None and line.confidence in self.by_value]


EVIDENCE = Evidence()


def run(audio, lines, language: str = "en-us") -> dict:
    """One analysis: refused (with its message) or its warnings; and its script lines (of a
    refused script, from the same analysis with --allow-mismatch, for calibration) with the
    evidence behind their confidence."""
    EVIDENCE.by_value.clear()
    try:
        result = analyze(audio, lines, language=language, jobs=1)
    except ScriptMismatchError as error:
        script = analyze(audio, lines, language=language, jobs=1, allow_mismatch=True).sheet.script
        return {"refused": True, "message": error.message, "warnings": (), "script": script,
                "evidence": EVIDENCE.of(script)}
    except ScriptError as error:
        return {"refused": True, "message": error.message, "warnings": (), "script": (), "evidence": []}
    script = result.sheet.script
    return {"refused": False, "message": "", "warnings": result.warnings, "script": script,
            "evidence": EVIDENCE.of(script)}


#: the telephone band and the band above it, whose powers :func:`high_band` compares (Hz)
SPEECH_BAND = (300.0, 3400.0)
HIGH_BAND = (4200.0, 7600.0)


def high_band(audio) -> float:
    """How much power the recording's speech holds above a telephone's band against in it, per
    Hz, in dB: measured on the 1 s pieces of speech the phone-loop reference is scored on
    (:func:`lipsync.recognize.confidence.reference_stretches`), each on its own (a join of two
    would click in every band), in frames of 512 samples. eval-dev's English recordings: -29 to
    -9 dB as they are, -124 to -108 through ``--band telephone``."""
    from lipsync.vad import speech_segments

    stretches = speech_segments(audio.samples, audio.sample_rate)
    size, rate = 512, audio.sample_rate
    power = np.zeros(size // 2 + 1)
    for start, end in confidence.reference_stretches(stretches, SETTINGS.reference_seconds):
        piece = audio.samples[int(start * rate):int(end * rate)]
        count = len(piece) // size
        if count:
            frames = np.asarray(piece[:count * size], dtype=np.float64).reshape(count, size)
            power += np.sum(np.abs(np.fft.rfft(frames * np.hanning(size), axis=1)) ** 2, axis=0)
    frequencies = np.fft.rfftfreq(size, 1 / rate)

    def band(low: float, high: float) -> float:
        return float(np.sum(power[(frequencies >= low) & (frequencies <= high)])) / (high - low)

    low, high = band(*SPEECH_BAND), band(*HIGH_BAND)
    return round(10.0 * np.log10(max(high, low * 1e-15) / low), 1) if low > 0 else 0.0


def named(outcome: dict, number: int) -> bool:
    """A warning names line ``number`` and gives a time."""
    pattern = re.compile(rf"\bline {number} .*\d+:\d\d\.\d")
    return any(pattern.search(warning) for warning in outcome["warnings"])


def speak(text: str, voice: str, folder: Path) -> np.ndarray:
    wav = folder / "line.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(wav), text], check=True)
    samples, rate = sf.read(wav, dtype="float32")
    assert rate == _RATE
    loud = np.flatnonzero(np.abs(samples) > 10 ** (-50 / 20))
    return samples[loud[0]:loud[-1] + 1]


def record(pieces: list[np.ndarray], folder: Path, name: str, rng: random.Random):
    parts = [np.zeros(int(0.4 * _RATE), np.float32)]
    for piece in pieces:
        parts += [piece, np.zeros(int(rng.uniform(0.5, 1.0) * _RATE), np.float32)]
    path = folder / f"{name}.wav"
    sf.write(path, np.concatenate(parts), _RATE)
    return heard(path, folder)


def heard(path: Path, folder: Path):
    """The recording at ``path`` as analyzed: loaded as it is, or (``BAND``) as a telephone line
    or a lower sample rate carries it, written at that rate and loaded from there."""
    if BAND is None:
        return load_audio(path)
    samples, rate = sf.read(path, dtype="float64", always_2d=False)
    if samples.ndim > 1:
        samples = samples.mean(axis=1)
    if BAND == "telephone":
        limited, written = telephone_band(samples, rate), 8000
    else:
        limited, written = resample(samples.astype(np.float32), rate, int(BAND)), int(BAND)
    target = folder / f"{path.stem}-band.wav"
    sf.write(target, np.clip(limited, -1, 1).astype(np.float32), written, subtype="FLOAT")
    return load_audio(target)


def note(case: str, kind: str, lines, audio) -> None:
    """Keep the evidence of script ``lines`` (``kind``: right or wrong) of ``case`` for ``--dump``."""
    band = high_band(audio)
    DUMP.extend({"case": case, "kind": kind, "text": line.text, "fit": fit, "squeezed": squeezed,
                 "stretched": stretched, "high band": band}
                for line in lines for fit, squeezed, stretched in EVIDENCE.of([line]))


def as_lines(texts: list[str]) -> list[Line]:
    return [Line(text, number=index + 1) for index, text in enumerate(texts)]


def episodes(count: int, folder: Path, results: dict) -> None:
    rng = random.Random(7)
    scripts = [[sentence(rng) for _ in range(5)] for _ in range(count + 1)]
    for number in range(count):
        texts = scripts[number]
        voice = _VOICES[number % len(_VOICES)]
        spoken = [speak(text, voice, folder) for text in texts]
        audio = record(spoken, folder, f"episode{number}", rng)
        right = run(audio, as_lines(texts))
        results["right"].append(not right["refused"] and not right["warnings"])
        results["fits_right"] += right["evidence"]
        note(f"episode {number}", "right", right["script"], audio)
        if right["refused"] or right["warnings"]:
            print(f"  right script not clean (episode {number}, {voice}):", right["message"] or right["warnings"])
        wrong = run(audio, as_lines(scripts[number + 1]))
        results["wrong"].append(wrong["refused"])
        results["fits_wrong"] += wrong["evidence"]
        note(f"episode {number}", "wrong", wrong["script"], audio)
        if not wrong["refused"]:
            print(f"  wrong script passed (episode {number}, {voice}):", wrong["warnings"])
        k = number % 5
        replaced = list(texts)
        replaced[k] = sentence(rng)
        outcome = run(audio, as_lines(replaced))
        results["line named"].append(named(outcome, k + 1))
        results["fits_wrong"] += EVIDENCE.of([line for line in outcome["script"] if line.index == k])
        note(f"episode {number}", "wrong", [line for line in outcome["script"] if line.index == k], audio)
        if not named(outcome, k + 1):
            print(f"  replaced line {k + 1} not named (episode {number}):", outcome["message"] or outcome["warnings"])
        words = texts[k].rstrip(".!?").split()
        swapped = list(texts)
        words[len(words) // 2] = "elephant" if words[len(words) // 2] != "elephant" else "giraffe"
        swapped[k] = " ".join(words) + "."
        results["word named"].append(named(run(audio, as_lines(swapped)), k + 1))
        dropped_audio = record(spoken[:k] + spoken[k + 1:], folder, f"dropped{number}", rng)
        outcome = run(dropped_audio, as_lines(texts))
        results["line named"].append(named(outcome, k + 1))
        if not named(outcome, k + 1):
            print(f"  unrecorded line {k + 1} not named (episode {number}):", outcome["message"] or outcome["warnings"])
        few = run(audio, as_lines([" ".join(texts[k].split()[:2])]))
        results["few words"].append(few["refused"])
        if not few["refused"]:
            print(f"  two words of line {k + 1} passed (episode {number}):", few["warnings"])
        languages(number, spoken, texts, folder, rng, results)


def languages(number: int, spoken: list[np.ndarray], spoken_texts: list[str], folder: Path, rng: random.Random,
              results: dict) -> None:
    """One to three lines of a script in another language (es, fr, de, it, pt-br in turn): on
    the English speech with ``-l en-us`` and with the script's language, and on speech in a third
    language with the script's language (all three must be refused); and the same script on its
    own espeak-ng speech with its language (must pass without any warning); and the English
    speech's own lines with ``-l fr-fr`` or ``-l de`` (must be refused)."""
    language = _FOREIGN[number % len(_FOREIGN)]
    other = _FOREIGN[(number + 1 + number // len(_FOREIGN)) % len(_FOREIGN)]
    if other == language:
        other = _FOREIGN[(number + 2) % len(_FOREIGN)]
    count = 1 + number % 3
    foreign = SENTENCES[language][number % 4:number % 4 + count]
    english = record(spoken[:count], folder, f"english{number}", rng)
    third = record([speak(text, other, folder) for text in SENTENCES[other][4:4 + count]], folder, f"third{number}", rng)
    for audio, asked, speech in ((english, "en-us", "English"), (english, language, "English"), (third, language, other)):
        outcome = run(audio, as_lines(foreign), asked)
        results["language"].append(outcome["refused"])
        if not outcome["refused"]:
            print(f"  {count}-line {language} script with -l {asked} on {speech} speech passed (episode {number}):",
                  outcome["warnings"])
    asked = "fr-fr" if number % 2 == 0 else "de"  # the languages whose espeak-ng dictionaries know English words
    outcome = run(english, as_lines(spoken_texts[:count]), asked)
    results["english as foreign"].append(outcome["refused"])
    if not outcome["refused"]:
        print(f"  {count}-line English script with -l {asked} on English speech passed (episode {number}):",
              outcome["warnings"])
    own = record([speak(text, language, folder) for text in foreign], folder, f"own{number}", rng)
    outcome = run(own, as_lines(foreign), language)
    results["right foreign"].append(not outcome["refused"] and not outcome["warnings"])
    results["fits_right"] += outcome["evidence"]
    note(f"episode {number}", "right", outcome["script"], own)
    if outcome["refused"] or outcome["warnings"]:
        print(f"  {count}-line {language} script on its own speech not clean (episode {number}):",
              outcome["message"] or outcome["warnings"])


def eval_dev(root: Path, results: dict, folder: Path) -> None:
    rows = [row for row in csv.DictReader(open(root / "manifest.tsv", encoding="utf-8"), delimiter="\t")
            if row["language"].lower().startswith("en")]
    durations = [float(row["duration_sec"]) for row in rows]
    for index, row in enumerate(rows):
        audio = heard(root / row["wav"], folder)
        own = run(audio, [Line(row["text"], number=1)])
        results["right"].append(not own["refused"] and not own["warnings"])
        results["fits_right"] += own["evidence"]
        note(f"eval-dev {index}", "right", own["script"], audio)
        if own["refused"] or own["warnings"]:
            print(f"  own script not clean ({row['utt']}):", own["message"] or own["warnings"])
        other = min((j for j in range(len(rows)) if set(rows[j]["text"].lower().split()) != set(row["text"].lower().split())),
                    key=lambda j: abs(durations[j] - durations[index]))
        wrong = run(audio, [Line(rows[other]["text"], number=1)])
        results["wrong"].append(wrong["refused"])
        results["fits_wrong"] += wrong["evidence"]
        note(f"eval-dev {index}", "wrong", wrong["script"], audio)
        if not wrong["refused"]:
            print(f"  other script passed ({row['utt']} with {rows[other]['utt']}):", wrong["warnings"])


def evidence(lines: list[tuple[float, float, float]], squeezed_weight: float, stretched_weight: float) -> np.ndarray:
    """Each line's fit less its weighted squeezed and stretched shares: its evidence without the gap."""
    return np.array([fit - squeezed_weight * squeezed - stretched_weight * stretched
                     for fit, squeezed, stretched in lines])


def separation(right: list[tuple[float, float, float]], wrong: list[tuple[float, float, float]],
               squeezed_weight: float, stretched_weight: float) -> float:
    """The gap G that best separates right from wrong lines when a line is aligned at fit + G -
    squeezed_weight * squeezed share - stretched_weight * stretched share >= 0: the middle of
    the gaps (a 0.5 grid) with the fewest right lines under plus wrong lines at or over.
    Deterministic."""
    right_evidence = evidence(right, squeezed_weight, stretched_weight)
    wrong_evidence = evidence(wrong, squeezed_weight, stretched_weight)
    gaps = np.arange(20.0, 80.01, 0.5)
    errors = np.array([np.mean(right_evidence + gap < 0) + np.mean(wrong_evidence + gap >= 0) for gap in gaps])
    best = gaps[errors == errors.min()]
    return float((best.min() + best.max()) / 2)


def calibration(right: list[tuple[float, float, float]], wrong: list[tuple[float, float, float]]) -> None:
    """The gap that best separates right from wrong lines (:func:`separation`) with the shipped
    squeezed and stretched weights, and with the fit alone, fitted on every other line and
    measured on the rest (and the other way round)."""
    if min(len(right), len(wrong)) < 2:
        print(f"too few lines to calibrate on ({len(right)} right, {len(wrong)} wrong)")
        return
    for label, lines in (("right", right), ("wrong", wrong)):
        fits, squeezed, stretched = np.array(lines).T
        print(f"{label} lines n={len(lines)}: fit min {fits.min():.1f} median {np.median(fits):.1f} max "
              f"{fits.max():.1f}; squeezed share median {np.median(squeezed):.2f} max {squeezed.max():.2f}; "
              f"stretched share median {np.median(stretched):.2f} max {stretched.max():.2f}")
    shipped = (SETTINGS.squeezed_weight, SETTINGS.stretched_weight)
    for half in (0, 1):
        for label, (squeezed_weight, stretched_weight) in (("fit, squeezed, stretched", shipped),
                                                           ("fit alone", (0.0, 0.0))):
            gap = separation(right[half::2], wrong[half::2], squeezed_weight, stretched_weight)
            held = [evidence(lines[1 - half::2], squeezed_weight, stretched_weight) + gap for lines in (right, wrong)]
            print(f"  half {half} -> {1 - half}, {label}: gap {gap:.1f} (shipped {SETTINGS.confidence_gap}); "
                  f"held-out right lines under it {np.mean(held[0] < 0):.1%}, wrong lines at or over it "
                  f"{np.mean(held[1] >= 0):.1%}")


def calibration_by_case(rows: list[dict]) -> None:
    """:func:`calibration`'s gap with the shipped weights, fitted on the lines of every other
    case (eval-dev utterances and generated episodes by their number: a recording's lines stay
    together) and measured on the rest, both ways, with the shipped gap's errors on the same
    held-out lines."""
    def lines(half: int, kind: str, held: bool) -> list[tuple[float, float, float]]:
        return [(row["fit"], row["squeezed"], row["stretched"]) for row in rows
                if row["kind"] == kind and (int(row["case"].split()[-1]) % 2 == half) != held]

    weights = (SETTINGS.squeezed_weight, SETTINGS.stretched_weight)
    for half in (0, 1):
        if min(len(lines(half, kind, held)) for kind in ("right", "wrong") for held in (False, True)) < 2:
            return
        gap = separation(lines(half, "right", False), lines(half, "wrong", False), *weights)
        errors = []
        for value in (gap, SETTINGS.confidence_gap):
            right, wrong = (evidence(lines(half, kind, True), *weights) + value for kind in ("right", "wrong"))
            errors.append(f"right lines under it {np.sum(right < 0)}/{len(right)}, wrong lines at or over it "
                          f"{np.sum(wrong >= 0)}/{len(wrong)}")
        print(f"  cases {half} -> {1 - half}: gap {gap:.1f}: held-out {errors[0]} "
              f"(shipped {SETTINGS.confidence_gap}: {errors[1]})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=16)
    parser.add_argument("--eval-dev", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "eval-dev")
    parser.add_argument("--skip-eval-dev", action="store_true")
    band = parser.add_mutually_exclusive_group()
    band.add_argument("--band", choices=("telephone",), help="hear every recording as a telephone line carries it")
    band.add_argument("--rate", type=int, help="hear every recording resampled to this rate (Hz)")
    parser.add_argument("--dump", type=Path, help="write each right and wrong line's evidence here (JSON lines)")
    args = parser.parse_args()
    global BAND
    BAND = args.band or args.rate
    results: dict = {key: [] for key in ("right", "right foreign", "wrong", "line named", "word named", "few words",
                                         "language", "english as foreign", "fits_right", "fits_wrong")}
    with EVIDENCE, tempfile.TemporaryDirectory() as folder:
        if not args.skip_eval_dev:
            print("eval-dev ...")
            eval_dev(args.eval_dev, results, Path(folder))
        print("generated episodes ...")
        episodes(args.episodes, Path(folder), results)
    if args.dump:
        args.dump.write_text("".join(json.dumps(row) + "\n" for row in DUMP), encoding="utf-8")
    for key, label in (("wrong", "wrong whole scripts refused"), ("right", "right scripts without any warning"),
                       ("right foreign", "right scripts in other languages without any warning"),
                       ("few words", "two words of a line on the whole episode refused"),
                       ("line named", "replaced or unrecorded line named with its time"),
                       ("word named", "one replaced word: its line named (not required)"),
                       ("language", "wrong-language scripts caught"),
                       ("english as foreign", "English scripts with -l fr-fr or de caught")):
        values = results[key]
        print(f"{label}: {sum(values)}/{len(values)} = {np.mean(values):.1%}")
    calibration(results["fits_right"], results["fits_wrong"])
    calibration_by_case(DUMP)
    return 0


if __name__ == "__main__":
    sys.exit(main())
