"""Adapt before recording: does the text-only prediction agree with ``lipsync fit`` on the takes?

For each original line (generated speech, espeak-ng, analyzed with its script as ``lipsync fit``
analyzes a voice track: anime-3, 24 fps, three alignment passes), five candidates: the same
text, a paraphrase with the same syllables and closures, one with a closure moved, one two
syllables longer, and an unrelated line of about the same length. Each candidate is

* **predicted** from its text alone (:func:`lipsync.fit.adapt.adapt_line`), and
* **recorded**: espeak-ng speaks it in another voice (``+m3``) at a natural rate (160 words per
  minute, the original at 150), from where the original line starts; ``fit`` scores the take
  against the original (:func:`lipsync.fit.fit_timelines`). A second take in a third voice
  (``+f2``) shows how well ``fit`` agrees with itself on the same candidates: the ceiling of any
  prediction from text.

Printed per language: the share of ordered candidate pairs of a line that the prediction ranks
as ``fit`` ranks the takes (pairs ``fit`` scores within 1 point of each other are left out:
no order to agree with), and the share of candidates whose predicted score is within 15
points of the recorded one. One default was chosen on these lines' takes, ``fit``'s shift prior
(for ``fit``'s agreement with itself across voices, not for the predictions); ``--cross-validate``
gives the figures with it chosen on other languages than those measured.

``--speed``: a 400-line dub script scored against a 400-line original sheet (CPU seconds of
the whole run, and wall time), the original's analysis excluded.

``--syllables``: how well an original's syllables are estimated from its mouth flaps alone (an
XDTS carries no phones): every line and candidate above, spoken in ``+m3`` and analyzed on twos
as an XDTS is written, its real syllables (from its phones) against its flaps; the syllables per
flap fitted on five languages and measured on the sixth, in turn.

``--cross-validate``: the one tuned setting that moves these figures, ``fit``'s search prior for
small shifts (:attr:`lipsync.fit.FitSettings.shift_prior_per_second`; 0, 0.25, 0.5 or 1 point a
frame at the takes' 24 fps: larger ones let 5-frame-late voices pass in ``benchmarks/fit.py
--speech``), chosen on three languages for how well ``fit`` agrees with itself across four voices
(``+m3``, ``+f2``, ``+m1``, ``+f4``), and the prediction measured against ``+m3`` on the other
three; every split of the six languages. Also printed: each language's figures over the splits
that hold it out, and the figures once the
predicted scores are mapped onto the recorded scale by a rising line fitted on the three
languages (least squares) and measured on the other three, and fitted and measured on all six.

    python benchmarks/adapt.py            # about 5 minutes on two cores
    python benchmarks/adapt.py --speed
    python benchmarks/adapt.py --syllables
    python benchmarks/adapt.py --cross-validate   # about 10 minutes
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

#: (language, [(original, same syllables and closures, closure moved, two syllables longer, unrelated)])
LINES = {
    "en-us": [
        ("Maybe my brother bought a boat", "Maybe my mother built a boat", "Lately your brother bought a boat",
         "Maybe my older brother bought a boat", "The weather is nice today, isn't it"),
        ("We must remember the plan", "We might remember the game", "They should remember the plan",
         "We must really remember the plan", "The sun is so hot today"),
        ("Please bring me the blue map", "Please bring me the big map", "Please send me the blue map",
         "Please bring me the little blue map", "I think it is over there"),
    ],
    "es": [
        ("Mi madre compró una casa bonita", "Mi madre pintó una mesa bonita", "Su tía compró una casa bonita",
         "Mi madre ya se compró una casa bonita", "El tren llegará tarde esta noche"),
        ("Ambos buscamos el mismo premio", "Ambos pensamos el mismo poema", "Ellos buscaron el mismo premio",
         "Ambos buscamos siempre el mismo premio", "La niña canta en la cocina"),
        ("Mañana vamos a pintar la puerta", "Mañana vamos a pintar la mesa", "Temprano vamos a pintar la puerta",
         "Mañana todos vamos a pintar la puerta", "Hace calor en la ciudad hoy"),
    ],
    "fr-fr": [
        ("Mon bateau est au bord de la mer", "Mon manteau est au bord de la mer", "Ton chapeau est au bord de la mer",
         "Mon petit bateau est au bord de la mer", "Il fait très froid dans cette ville"),
        ("Je pense que tu as raison", "Je pense que tu es malin", "Je dis que tu as raison",
         "Je pense vraiment que tu as raison", "Le chien dort sur le canapé"),
        ("Papa boit un café le matin", "Maman boit un café le matin", "Julie boit un café le matin",
         "Papa boit toujours un café le matin", "Les enfants jouent dans le jardin"),
    ],
    "de": [
        ("Mein Bruder baut ein großes Boot", "Mein Bruder malt ein großes Boot", "Dein Bruder baut ein großes Boot",
         "Mein kleiner Bruder baut ein großes Boot", "Heute regnet es in der Stadt"),
        ("Wir müssen morgen früh gehen", "Wir möchten morgen früh essen", "Wir sollten morgen früh gehen",
         "Wir müssen alle morgen früh gehen", "Das Essen ist heute sehr lecker"),
        ("Bitte bring mir das blaue Buch", "Bitte bring mir das bunte Buch", "Heute bring mir das blaue Buch",
         "Bitte bring mir morgen das blaue Buch", "Das Wetter ist heute sehr schön"),
    ],
    "pt-br": [
        ("Meu pai comprou um barco bonito", "Meu pai comprou um banco bonito", "Teu tio comprou um barco bonito",
         "Meu pai comprou ontem um barco bonito", "A chuva caiu durante a noite toda"),
        ("Minha mãe mora perto da praia", "Minha mãe mora perto do parque", "Sua tia mora perto da praia",
         "Minha mãe ainda mora perto da praia", "O gato dorme no sofá da sala"),
        ("Bom dia, meu amigo", "Bom dia, meu menino", "Tudo bem, meu amigo",
         "Muito bom dia, meu amigo", "Está chovendo lá fora"),
    ],
    "ja": [
        ("毎朝パンを食べます", "毎朝パンを買います", "時々パンを食べます",
         "毎朝よくパンを食べます", "今日はとても寒いですね"),
        ("みんなで山に登ります", "みんなで海に潜ります", "友達と山に登ります",
         "みんなで山にまた登ります", "電車が駅に着きました"),
        ("明日また会いましょう", "明日まで待ちましょう", "来週また会いましょう",
         "明日またすぐ会いましょう", "この本はとても面白い"),
    ],
}
KINDS = ("same", "paraphrase", "closure moved", "+2 syllables", "unrelated")
LEAD = 0.5
ORIGINAL_SPEED, TAKE_SPEED = 150, 160
TAKE_VARIANT = "+m3"
#: a second take of every candidate, in another voice: how well ``fit`` agrees with itself
SECOND_VARIANT = "+f2"


def _spoken(text: str, language: str) -> str:
    from lipsync.fit.adapt import spoken_words

    return spoken_words(text, language)[0]


def _recording(text: str, voice: str, speed: int, folder: Path, name: str) -> tuple[Path, Path]:
    """A wav of espeak-ng saying ``text`` after LEAD seconds of silence, and its script."""
    import soundfile as sf

    from lipsync.espeak import synthesize

    language = voice.split("+")[0]
    spoken = synthesize(_spoken(text, language), voice, speed)
    loud = np.flatnonzero(np.abs(spoken.samples) > 10 ** (-50 / 20))
    samples = spoken.samples[loud[0]:loud[-1] + 1] if loud.size else spoken.samples
    signal = np.concatenate([np.zeros(int(LEAD * spoken.rate), np.float32), samples,
                             np.zeros(int(0.6 * spoken.rate), np.float32)])
    audio, script = folder / f"{name}.wav", folder / f"{name}.txt"
    sf.write(str(audio), signal, spoken.rate)
    script.write_text(text + "\n", encoding="utf-8")
    return audio, script


def score_language(language: str) -> dict:
    """Recorded and predicted scores of every candidate of the language's lines (each take
    spoken by a fresh libespeak-ng instance: it keeps state between syntheses, and ``fit``'s
    scores of a take move with the few milliseconds that changes)."""
    from lipsync.fit import fit_timelines, load_side
    from lipsync.fit.adapt import adapt_line

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for number, candidates in enumerate(LINES[language]):
            audio, script = _recording(candidates[0], language, ORIGINAL_SPEED, root, f"o{number}")
            original = load_side(audio, "ORIGINAL", script=script, language=language)
            started = time.process_time()
            predicted = adapt_line(original.timelines[0], 1, list(candidates), language)
            predict_cpu = time.process_time() - started
            by_text = {c.timed.text: c for c in predicted.candidates}
            for index, (kind, text) in enumerate(zip(KINDS, candidates)):
                scores = []
                for take_number, variant in enumerate((TAKE_VARIANT, SECOND_VARIANT)):
                    take_audio, take_script = _recording(text, language + variant, TAKE_SPEED, root,
                                                         f"t{number}_{index}_{take_number}")
                    take = load_side(take_audio, "DUB", script=take_script, language=language)
                    report = fit_timelines(original.timelines, take.timelines)
                    scores.append(report.lines[0].score if report.lines else 0.0)
                guess = by_text[text]
                rows.append({"language": language, "line": number + 1, "kind": kind, "text": text,
                             "recorded": scores[0], "second": scores[1], "predicted": guess.score,
                             "rate": guess.timed.rate, "fits_rate": guess.timed.fits_rate})
            rows[-1]["predict_cpu"] = round(predict_cpu, 3)
    return {"language": language, "rows": rows}


def agreement(rows: list[dict], tie: float = 1.0, guess: str = "predicted") -> tuple[int, int]:
    """(agreeing, compared) ordered pairs within each line: ``guess``'s order against the
    recorded one, over the pairs whose recorded scores differ by more than ``tie``."""
    agree = total = 0
    lines: dict[tuple[str, int], list[dict]] = {}
    for row in rows:
        lines.setdefault((row["language"], row["line"]), []).append(row)
    for group in lines.values():
        for a in group:
            for b in group:
                if a is b or a["recorded"] - b["recorded"] <= tie:
                    continue
                total += 2  # (a, b) and (b, a)
                agree += 2 if a[guess] > b[guess] else 0
    return agree, total


def accuracy_benchmark(workers: int) -> None:
    with ProcessPoolExecutor(max_workers=workers, max_tasks_per_child=1) as pool:
        results = list(pool.map(score_language, LINES))
    everything = [row for result in results for row in result["rows"]]
    print(f"{'language':<8} {'line':>4} {'kind':<14} {'recorded':>8} {'2nd voice':>9} {'predicted':>9} {'rate':>5}  text")
    for row in everything:
        print(f"{row['language']:<8} {row['line']:>4} {row['kind']:<14} {row['recorded']:>8.1f} {row['second']:>9.1f} "
              f"{row['predicted']:>9.1f} {row['rate']:>5.2f}{'' if row['fits_rate'] else '!'}  {row['text']}")
    print()
    print(f"{'language':<8} {'pairs agree':>12} {'within 15':>10}")
    for language in LINES:
        rows = [row for row in everything if row["language"] == language]
        agree, total = agreement(rows)
        close = sum(abs(row["recorded"] - row["predicted"]) <= 15 for row in rows)
        print(f"{language:<8} {agree:>5}/{total:<4} {100 * agree / max(total, 1):>3.0f}% {close:>3}/{len(rows)} "
              f"{100 * close / len(rows):>3.0f}%")
    agree, total = agreement(everything)
    close = sum(abs(row["recorded"] - row["predicted"]) <= 15 for row in everything)
    print(f"{'all':<8} {agree:>5}/{total:<4} {100 * agree / max(total, 1):>3.0f}% {close:>3}/{len(everything)} "
          f"{100 * close / len(everything):>3.0f}%   targets: >= 85 % of pairs, >= 80 % within 15 points")
    errors = np.array([row["predicted"] - row["recorded"] for row in everything])
    print(f"predicted - recorded: mean {errors.mean():+.1f}, median |error| {np.median(np.abs(errors)):.1f}")
    clear, clear_total = agreement(everything, tie=10.0)
    print(f"pairs whose recorded scores differ by more than 10 points: {clear}/{clear_total} "
          f"({100 * clear / max(clear_total, 1):.0f} %) agree")
    # the ceiling: fit's scores of a second take in another voice against the first take's
    agree, total = agreement(everything, guess="second")
    close = sum(abs(row["recorded"] - row["second"]) <= 15 for row in everything)
    print(f"fit on a second voice ({SECOND_VARIANT}) against the first ({TAKE_VARIANT}): {agree}/{total} "
          f"({100 * agree / max(total, 1):.0f} %) of pairs agree, {close}/{len(everything)} "
          f"({100 * close / len(everything):.0f} %) within 15 points")


SCRIPT = ["I never thought we would find the treasure before the storm", "Maybe my brother bought a boat",
          "We must remember the plan", "Please bring me the blue map tomorrow", "Nobody knows where he went",
          "Come back before the bell rings", "It is much too late for that now", "Where did you put my umbrella"]
DUB = ["Nunca pensé que encontraríamos el tesoro", "Quizás mi hermano compró un barco", "Debemos recordar el plan",
       "Tráeme el mapa azul mañana", "Nadie sabe adónde fue", "Vuelve antes de que suene la campana",
       "Ya es demasiado tarde para eso", "¿Dónde pusiste mi paraguas?"]


def speed_benchmark(lines: int) -> None:
    from lipsync.dialogue import Line
    from lipsync.fit.adapt import adapt_lines, natural_phones, pair_script
    from lipsync.fit.timeline import sheet_timelines
    from lipsync.pipeline import mouth_cues
    from lipsync.presets import load_preset
    from lipsync.sheet import Phone, Sheet, SheetLine, Track
    from lipsync.timing import FrameRate

    rate = FrameRate(24)
    preset = load_preset("anime-3").with_timing(step=1)
    timed = {text: natural_phones(text, "en-us", ORIGINAL_SPEED) for text in SCRIPT}
    phones, sheet_lines, at = [], [], 0.5
    for index in range(lines):
        text = SCRIPT[index % len(SCRIPT)]
        moved = [Phone(p.start + at, p.end + at, p.symbol, p.word) for p in timed[text]]
        phones += moved
        first, last = rate.frame_at(moved[0].start), rate.frames_in(moved[-1].end)
        sheet_lines.append(SheetLine(first, last - first, text))
        at = moved[-1].end + 1.0
    frames = rate.frames_in(at + 1)
    sheet = Sheet(rate, frames, (Track("A", mouth_cues(phones, preset, rate, frames), tuple(sheet_lines)),),
                  preset.shape_set)
    original = sheet_timelines(sheet)[0]
    dub = [Line(DUB[index % len(DUB)]) for index in range(lines)]
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    pairs = [(number, line.text) for number, line in pair_script(original, dub)]
    result = adapt_lines(original, pairs, "es")
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    minutes = rate.seconds_at(frames) / 60
    print(f"{lines} dub lines against a {minutes:.1f}-minute original: {len(result)} lines scored in "
          f"{cpu:.2f} CPU s ({wall:.2f} s wall), {1000 * cpu / lines:.1f} ms per line; target < 10 s")
    print(json.dumps({"lines": lines, "cpu_seconds": round(cpu, 2), "wall_seconds": round(wall, 2)}))


def _flaps_and_syllables(language: str) -> list[tuple[str, int, int]]:
    """(language, syllables from the phones, flaps on the sheet's own timing) of every line and
    candidate of the language, spoken in ``+m3`` and analyzed."""
    from lipsync.fit import load_side
    from lipsync.fit.adapt import syllable_count
    from lipsync.fit.score import line_spans
    from lipsync.fit.timeline import flap_count, sheet_timelines

    found = []
    with tempfile.TemporaryDirectory() as folder:
        texts = {text for candidates in LINES[language] for text in candidates}
        for number, text in enumerate(sorted(texts)):
            audio, script = _recording(text, language + TAKE_VARIANT, TAKE_SPEED, Path(folder), f"s{number}")
            sheet = load_side(audio, "ORIGINAL", script=script, language=language).sheet
            timeline = sheet_timelines(sheet)[0]  # on twos, as the sheet (and an XDTS of it) is written
            speech = line_spans(timeline, 3)[0].speech
            if speech is not None:
                found.append((language, syllable_count(sheet.tracks[0].phones),
                              flap_count(timeline.openness[speech[0]:speech[1]])))
    return found


def syllables_benchmark(workers: int) -> None:
    from lipsync.fit.adapt import SYLLABLES_PER_FLAP

    with ProcessPoolExecutor(max_workers=workers, max_tasks_per_child=1) as pool:
        rows = [row for rows in pool.map(_flaps_and_syllables, LINES) for row in rows]
    errors = []
    print(f"{'held out':<8} {'lines':>5} {'syll/flap (others)':>18} {'median error':>12}")
    for language in LINES:
        train = [(s, f) for lang, s, f in rows if lang != language]
        ratio = sum(s for s, _ in train) / max(1, sum(f for _, f in train))
        held = [abs(max(1, round(f * ratio)) - s) / s for lang, s, f in rows if lang == language]
        errors += held
        print(f"{language:<8} {len(held):>5} {ratio:>18.2f} {100 * float(np.median(held)):>11.0f}%")
    overall = sum(s for _, s, _ in rows) / max(1, sum(f for *_, f in rows))
    print(f"held out, all lines: median error {100 * float(np.median(errors)):.0f} %, 90th percentile "
          f"{100 * float(np.percentile(errors, 90)):.0f} %; all six languages: {overall:.2f} syllables per flap "
          f"(lipsync uses {SYLLABLES_PER_FLAP})")


VOICES = (TAKE_VARIANT, SECOND_VARIANT, "+m1", "+f4")
PRIORS = (0.0, 0.25, 0.5, 1.0)


def _priors_language(language: str) -> dict[float, list[dict]]:
    """Per shift prior: every candidate's predicted score and ``fit``'s scores of its takes in
    the four voices (``row[voice]``)."""
    from lipsync.fit import FitSettings, fit_timelines, load_side
    from lipsync.fit.adapt import AdaptSettings, adapt_line

    found: dict[float, list[dict]] = {prior: [] for prior in PRIORS}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for number, candidates in enumerate(LINES[language]):
            audio, script = _recording(candidates[0], language, ORIGINAL_SPEED, root, f"o{number}")
            original = load_side(audio, "ORIGINAL", script=script, language=language).timelines
            takes = {}
            for index, text in enumerate(candidates):
                for voice in VOICES:
                    take_audio, take_script = _recording(text, language + voice, TAKE_SPEED, root,
                                                         f"t{number}_{index}{voice}")
                    takes[index, voice] = load_side(take_audio, "DUB", script=take_script, language=language).timelines
            for prior in PRIORS:
                settings = FitSettings(shift_prior_per_second=prior * 24)
                predicted = adapt_line(original[0], 1, list(candidates), language,
                                       settings=AdaptSettings(fit=settings))
                by_text = {c.timed.text: c.score for c in predicted.candidates}
                for index, text in enumerate(candidates):
                    row = {"language": language, "line": number + 1, "predicted": by_text[text]}
                    for voice in VOICES:
                        lines = fit_timelines(original, takes[index, voice], settings).lines
                        row[voice] = lines[0].score if lines else 0.0
                    found[prior].append(row)
    return found


def _figures(rows: list[dict], reference: str, guess: str) -> tuple[float, float]:
    """(% of ordered pairs agreeing, % within 15 points) of ``guess`` against ``reference``."""
    keyed = [dict(row, recorded=row[reference]) for row in rows]
    agree, total = agreement(keyed, guess=guess)
    close = sum(abs(row[reference] - row[guess]) <= 15 for row in rows)
    return 100 * agree / max(total, 1), 100 * close / max(len(rows), 1)


def _self_agreement(rows: list[dict]) -> float:
    """How well ``fit`` agrees with itself across the voices: the mean of both figures over
    every pair of voices."""
    figures = [_figures(rows, a, b) for a, b in itertools.combinations(VOICES, 2)]
    return float(np.mean([pairs + close for pairs, close in figures]))


def cross_validate(workers: int) -> None:
    with ProcessPoolExecutor(max_workers=workers, max_tasks_per_child=1) as pool:
        results = dict(zip(LINES, pool.map(_priors_language, LINES)))
    rows = {prior: [row for language in LINES for row in results[language][prior]] for prior in PRIORS}
    print(f"{'prior':>5} {'fit across voices':>17} {'prediction vs +m3 (all languages)':>34}")
    for prior in PRIORS:
        pairs, close = _figures(rows[prior], TAKE_VARIANT, "predicted")
        print(f"{prior:>5} {_self_agreement(rows[prior]) / 2:>16.1f}% {pairs:>17.0f}% pairs, {close:.0f}% within 15")
    held, picked, mapped = [], [], []
    per_language: dict[str, list[tuple[float, float]]] = {language: [] for language in LINES}
    for train in itertools.combinations(LINES, 3):
        chosen = max(PRIORS, key=lambda prior: _self_agreement([r for r in rows[prior] if r["language"] in train]))
        picked.append(chosen)
        tested = [r for r in rows[chosen] if r["language"] not in train]
        held.append(_figures(tested, TAKE_VARIANT, "predicted"))
        for language in LINES:
            if language not in train:
                per_language[language].append(_figures([r for r in tested if r["language"] == language],
                                                       TAKE_VARIANT, "predicted"))
        scale = _calibration([r for r in rows[chosen] if r["language"] in train])
        mapped.append(_figures([dict(r, mapped=scale(r["predicted"])) for r in tested], TAKE_VARIANT, "mapped"))
    pairs, close = np.mean(held, axis=0)
    print(f"chosen on three languages, measured on the other three ({len(held)} splits; chosen: "
          + ", ".join(f"{prior} x{picked.count(prior)}" for prior in PRIORS if picked.count(prior)) + f"): "
          f"{pairs:.1f} % of pairs agree, {close:.1f} % within 15 points (targets 85 % and 80 %)")
    print("each language held out (the mean of the 10 splits that measure it): " + ", ".join(
        f"{language} {np.mean(per_language[language], axis=0)[0]:.0f}/{np.mean(per_language[language], axis=0)[1]:.0f}"
        for language in LINES) + " (% pairs / % within 15)")
    pairs, close = np.mean(mapped, axis=0)
    everything = rows[PRIORS[-1]]
    scale = _calibration(everything)
    whole = _figures([dict(r, mapped=scale(r["predicted"])) for r in everything], TAKE_VARIANT, "mapped")
    print(f"predicted scores mapped to the recorded scale (least squares, a rising line fitted on the three "
          f"languages, measured on the other three): {pairs:.1f} % of pairs agree, {close:.1f} % within 15 "
          f"points; fitted and measured on all six (prior {PRIORS[-1]}): {whole[0]:.1f} %, {whole[1]:.1f} %")


def _calibration(rows: list[dict]):
    """A rising line from predicted to recorded scores, fitted by least squares: a monotone map
    (its slope kept above 0, and nothing clipped, so that it neither reverses nor ties two
    candidates' order; only the within-15 figure can move)."""
    slope, intercept = np.polyfit([r["predicted"] for r in rows], [r[TAKE_VARIANT] for r in rows], 1)
    slope = max(float(slope), 1e-3)
    return lambda score: slope * score + intercept


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--speed", action="store_true", help="score a 400-line dub script instead")
    parser.add_argument("--syllables", action="store_true", help="measure the original's syllables estimated from flaps")
    parser.add_argument("--cross-validate", action="store_true",
                        help="choose fit's shift prior on some languages, measure on the others")
    parser.add_argument("--lines", type=int, default=400)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if args.speed:
        speed_benchmark(args.lines)
    elif args.syllables:
        syllables_benchmark(args.workers)
    elif args.cross_validate:
        cross_validate(args.workers)
    else:
        accuracy_benchmark(args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
