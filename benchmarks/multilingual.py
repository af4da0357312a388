"""Word-onset accuracy of script alignment in many languages, on synthetic speech with exact timings.

    python benchmarks/multilingual.py [--languages en,es,fr,de,pt-br,it,ja] [--json]

For each language, sentences are synthesized with libespeak-ng (benchmarks/espeak_events.py),
whose word and phoneme events give each word's true onset on the audio's own sample clock. The
sentences are joined with pauses into one recording, aligned with ``lipsync.analyze`` and the
script, and every aligned word onset is compared with the truth. Reported per language: median
and 90th-percentile absolute onset error (target: median <= 20 ms, p90 <= 50 ms), and words
missing from the alignment.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from espeak_events import synthesize  # noqa: E402

from lipsync.audio import Audio  # noqa: E402
from lipsync.dialogue import Line, words_of  # noqa: E402
from lipsync.pipeline import analyze  # noqa: E402

SENTENCES = {
    "en-us": ["The weather was lovely on the first day of spring.", "My brother bought a big blue balloon.",
              "Nobody knows where the old captain buried his treasure.", "Please close the window before you leave.",
              "We walked along the river until the sun went down.", "Could you pass me the salt and pepper?",
              "The children painted a picture of the sea.", "Maybe we can meet for lunch tomorrow."],
    "es": ["Hola, buenos días, ¿cómo estás?", "Mi hermano compró un globo azul muy grande.",
           "Nadie sabe dónde está el tesoro del capitán.", "Por favor, cierra la ventana antes de salir.",
           "Caminamos junto al río hasta la noche.", "¿Me pasas la sal y la pimienta, por favor?",
           "Los niños pintaron un cuadro del mar.", "Quizás podamos comer juntos mañana."],
    "fr-fr": ["Bonjour, comment allez-vous aujourd'hui?", "Mon frère a acheté un grand ballon bleu.",
              "Personne ne sait où le capitaine a caché son trésor.", "Ferme la fenêtre avant de partir, s'il te plaît.",
              "Nous avons marché le long de la rivière jusqu'au soir.", "Tu peux me passer le sel et le poivre?",
              "Les enfants ont peint un tableau de la mer.", "Nous pourrions déjeuner ensemble demain."],
    "de": ["Guten Morgen, wie geht es dir heute?", "Mein Bruder hat einen großen blauen Ballon gekauft.",
           "Niemand weiß, wo der Kapitän seinen Schatz versteckt hat.", "Bitte schließ das Fenster, bevor du gehst.",
           "Wir sind am Fluss entlang gelaufen, bis es dunkel wurde.", "Kannst du mir bitte das Salz geben?",
           "Die Kinder haben ein Bild vom Meer gemalt.", "Vielleicht können wir morgen zusammen essen."],
    "pt-br": ["Bom dia, como você está hoje?", "Meu irmão comprou um balão azul muito grande.",
              "Ninguém sabe onde o capitão escondeu o tesouro.", "Por favor, feche a janela antes de sair.",
              "Caminhamos ao longo do rio até a noite.", "Você pode me passar o sal e a pimenta?",
              "As crianças pintaram um quadro do mar.", "Talvez a gente possa almoçar junto amanhã."],
    "it": ["Buongiorno, come stai oggi?", "Mio fratello ha comprato un grande palloncino blu.",
           "Nessuno sa dove il capitano ha nascosto il tesoro.", "Per favore, chiudi la finestra prima di uscire.",
           "Abbiamo camminato lungo il fiume fino a sera.", "Mi passi il sale e il pepe, per favore?",
           "I bambini hanno dipinto un quadro del mare.", "Forse possiamo pranzare insieme domani."],
    "ja": ["今日は学校へ行きます。", "私の兄は大きな青い風船を買いました。", "船長がどこに宝物を隠したか誰も知りません。",
           "出かける前に窓を閉めてください。", "私たちは夜まで川に沿って歩きました。", "塩と胡椒を取ってもらえますか。",
           "子供たちは海の絵を描きました。", "明日一緒にお昼ご飯を食べましょう。"],
}
_ALIASES = {"en": "en-us", "fr": "fr-fr"}


def _spoken(text: str, language: str) -> tuple[str, list[str], list[int]]:
    """What espeak-ng synthesizes (Japanese: the kana reading, one token per word), the words
    the aligner will report, in order, and where each starts in the synthesized text."""
    if language != "ja":
        found = list(re.finditer(r"[\w]+(?:['’][\w]+)*", text))
        return text, [m.group(0) for m in found], [m.start() for m in found]
    from lipsync.japanese import kana_tokens

    tokens = [(original, reading) for word in words_of(text) for original, reading in kana_tokens(word)
              if words_of(original)]
    spoken, starts = "", []
    for _, reading in tokens:
        starts.append(len(spoken) + (1 if spoken else 0))
        spoken = f"{spoken} {reading}" if spoken else reading
    return spoken, [original for original, _ in tokens], starts


def build(language: str, sentences: list[str], seed: int = 0, timed: bool = True
          ) -> tuple[Audio, list[Line], list[list[float]]]:
    """One recording of the sentences with pauses, its script and each word's true onset.

    ``timed``: the script's lines carry loose subtitle times (starting up to 0.3 s early and
    ending up to 0.6 s late), as an SRT would; else the script is plain text."""
    rng = random.Random(seed)
    pieces, truth = [], []
    offset = 0.4
    rate = 22050
    pieces.append(np.zeros(int(offset * rate), np.float32))
    windows = []
    for sentence in sentences:
        spoken, expected, starts = _spoken(sentence, language)
        samples, rate, events = synthesize(spoken, language, speed=rng.randint(150, 175))
        at = {position - 1: onset for position, onset in events}
        # a word espeak-ng joined to the previous one (allez-vous) has no onset of its own: None
        truth.append([offset + at[start] if start in at else None for start in starts])
        windows.append((max(0.0, offset - rng.uniform(0.0, 0.3)), offset + len(samples) / rate + rng.uniform(0.0, 0.6)))
        pause = np.zeros(int(rng.uniform(0.5, 0.9) * rate), np.float32)
        pieces += [samples, pause]
        offset += (len(samples) + len(pause)) / rate
    signal = np.concatenate(pieces)
    import soxr

    mono = soxr.resample(signal, rate, 16000).astype(np.float32)
    audio = Audio(mono, 16000, rate, 1, len(mono) / 16000, None)
    lines = [Line(sentence, None, *(windows[index] if timed else (None, None)), number=index + 1)
             for index, sentence in enumerate(sentences)]
    return audio, lines, truth


def score(language: str, sentences: list[str], timed: bool = True) -> dict:
    audio, lines, truth = build(language, sentences, timed=timed)
    started = time.perf_counter()
    result = analyze(audio, lines, language=language)
    elapsed = time.perf_counter() - started
    track_words = [word for track in result.sheet.tracks for word in track.words]
    errors, missing, scored = [], 0, 0
    for index, onsets in enumerate(truth):
        found = sorted((w for w in track_words if w.line == index), key=lambda w: w.start)
        if not onsets:
            continue
        scored += sum(onset is not None for onset in onsets)
        if len(found) != len(onsets):
            missing += len(onsets)
            continue
        errors += [abs(word.start - onset) for word, onset in zip(found, onsets) if onset is not None]
    errors_ms = np.array(errors) * 1000 if errors else np.array([np.nan])
    return {"language": language, "words": scored, "missing": missing,
            "median_ms": round(float(np.median(errors_ms)), 1),
            "p90_ms": round(float(np.percentile(errors_ms, 90)), 1),
            "audio_s": round(audio.duration, 1), "speed_x": round(audio.duration / elapsed, 1),
            "warnings": len(result.warnings)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--languages", default="en,es,fr,de,pt-br,it,ja")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--untimed", action="store_true", help="a plain-text script without line times")
    args = parser.parse_args()
    languages = [_ALIASES.get(code.strip(), code.strip()) for code in args.languages.split(",")]
    # One fresh process per language: libespeak-ng keeps state between syntheses, so a language
    # synthesized after others would get slightly different audio (and figures).
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1, max_tasks_per_child=1) as pool:
        rows = list(pool.map(score, languages, [SENTENCES[language] for language in languages],
                             [not args.untimed] * len(languages)))
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    print("script: " + ("plain text, no times" if args.untimed else "timed lines (loose subtitle times)"))
    print(f"{'language':<8} {'words':>5} {'missing':>7} {'median ms':>9} {'p90 ms':>7} {'speed':>7}  target median<=20 p90<=50")
    for row in rows:
        ok = row["median_ms"] <= 20 and row["p90_ms"] <= 50 and not row["missing"]
        print(f"{row['language']:<8} {row['words']:>5} {row['missing']:>7} {row['median_ms']:>9} {row['p90_ms']:>7} "
              f"{row['speed_x']:>6}x  {'ok' if ok else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
