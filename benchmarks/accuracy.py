"""Accuracy on a manifest of real speech with reference timings (e.g. ../shared/eval-dev).

Analyzes every English row with and without its transcript (``--preset rhubarb``, 24 fps),
writes Rhubarb TSV results with the lipsync sheet beside them (for its phones), and scores
them with ``lipsync evaluate``'s metrics, the phone boundary metric included. CPU seconds of
the analyses (the worker processes' own) are reported per second of audio.

    python benchmarks/accuracy.py ../shared/eval-dev/manifest.tsv [--out DIR] [--jobs 2] [--passes N]
        [--variants clean,reverb,noise,room,music,telephone,quiet,loud] [--modes script,noscript]
        [--setting NAME=VALUE ...] [--seed N]

``--variants`` builds degraded copies of every recording first and scores each:

- ``reverb``: convolved with a room impulse response made here (a direct path, then
  exponentially decaying noise with an RT60 of 0.5 s, early reflections at 7-23 ms), 70 % wet;
- ``noise``: pink-ish room noise added at 10 dB SNR against the recording's speech level;
- ``room``: both, as in a real room: the ``reverb`` copy with the ``noise`` copy's noise at 10 dB
  SNR against its speech level;
- ``music``: music under the voice at 10 dB SNR, made here: a chord progression of soft
  harmonic tones on each beat (120 bpm), a bass line and a ticking hi-hat;
- ``telephone``: an 8 kHz telephone line: band-limited to 300-3400 Hz and resampled to 8 kHz
  (the file is written at 8 kHz);
- ``quiet``: scaled so the speech is at -40 dBFS (the level of a quiet speaker far from the mic);
- ``loud``: a loud speaker too close to the mic: speech at -12 dBFS, its peaks clipped at full scale.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from lipsync.dialogue import Line
from lipsync.evaluate import combine_scores, evaluate_manifest, format_report
from lipsync.exporters import ExportOptions, exporter_named
from lipsync.fileio import write_atomic
from lipsync.pipeline import analyze
from lipsync.recognize import AcousticRecognizer, RecognitionSettings
from lipsync.sheet import sheet_to_json

VARIANTS = ("clean", "reverb", "noise", "room", "music", "telephone", "quiet", "loud")
#: the rate the ``telephone`` variant is written at
TELEPHONE_RATE = 8000


def _run(task: tuple[str, str | None, str, str, dict]) -> float:
    """Analyze one recording; the CPU seconds it took in this worker."""
    wav, text, out, preset, settings = task
    started = time.process_time()
    lines = [Line(text)] if text else None
    recognizer = AcousticRecognizer(RecognitionSettings(**settings))
    sheet = analyze(wav, lines, preset=preset, recognizer=recognizer).sheet
    write_atomic(out, exporter_named("tsv").write(sheet, ExportOptions()))
    write_atomic(str(Path(out).with_suffix(".json")), sheet_to_json(sheet).encode("utf-8"))
    return time.process_time() - started


def room_impulse(rate: int, rt60: float = 0.5, seed: int = 7) -> np.ndarray:
    """A synthetic room impulse response: the direct sound, a few early reflections and a
    diffuse tail of noise decaying by 60 dB over ``rt60`` seconds."""
    rng = np.random.default_rng(seed)
    length = int(rt60 * 1.2 * rate)
    t = np.arange(length) / rate
    tail = rng.standard_normal(length) * np.exp(-6.9 * t / rt60)
    tail[: int(0.005 * rate)] = 0.0
    response = 0.35 * tail / np.sqrt(np.sum(tail ** 2))
    response[0] = 1.0
    for delay, gain in ((0.007, 0.5), (0.013, 0.35), (0.023, 0.3)):
        response[int(delay * rate)] += gain
    return response.astype(np.float64)


def _speech_rms(samples: np.ndarray, rate: int) -> float:
    """RMS over the loudest half of 20 ms frames: the speech's level, pauses left out."""
    frame = max(1, int(0.02 * rate))
    count = len(samples) // frame
    energies = np.sort(np.mean(samples[: count * frame].reshape(count, frame) ** 2, axis=1))
    return float(np.sqrt(np.mean(energies[count // 2:]))) if count else float(np.sqrt(np.mean(samples ** 2)))


def _at_snr(samples: np.ndarray, rate: int, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """``samples`` with ``noise`` added ``snr_db`` under the speech level."""
    return samples + noise * _speech_rms(samples, rate) / (max(float(np.std(noise)), 1e-12) * 10 ** (snr_db / 20))


def background_music(length: int, rate: int, seed: int = 5) -> np.ndarray:
    """Synthetic music: a I-V-vi-IV chord progression (four harmonics per note, a soft attack
    and decay on every beat at 120 bpm), a bass note on each bar and a hi-hat tick on the
    off-beats. Pitched, rhythmic and in the speech band, unlike room noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(length) / rate
    beat = 0.5
    music = np.zeros(length)
    chords = ((60, 64, 67), (67, 71, 74), (69, 72, 76), (65, 69, 72))  # C G Am F (MIDI notes)
    phase_in_beat = np.mod(t, beat)
    envelope = (1 - np.exp(-phase_in_beat / 0.01)) * np.exp(-phase_in_beat / 0.25)
    bar = (t // (4 * beat)).astype(int) % len(chords)
    for index, chord in enumerate(chords):
        playing = bar == index
        if not playing.any():
            continue
        for note in chord:
            frequency = 440.0 * 2 ** ((note - 69) / 12)
            for harmonic, gain in ((1, 1.0), (2, 0.5), (3, 0.3), (4, 0.15)):
                music[playing] += gain * np.sin(2 * np.pi * frequency * harmonic * t[playing]) * envelope[playing]
        bass = 440.0 * 2 ** ((chord[0] - 24 - 69) / 12)
        phase_in_bar = np.mod(t[playing], 4 * beat)
        music[playing] += 1.5 * np.sin(2 * np.pi * bass * t[playing]) * np.exp(-phase_in_bar / 0.8)
    hat = rng.standard_normal(length) * np.exp(-np.mod(t - beat / 2, beat) / 0.02)
    hat = np.diff(hat, prepend=0.0)  # a high-passed tick
    return music + 0.3 * hat * np.std(music) / max(float(np.std(hat)), 1e-12)


def telephone_band(samples: np.ndarray, rate: int) -> np.ndarray:
    """``samples`` band-limited to 300-3400 Hz (a raised-cosine edge 100 Hz wide on each side)
    and resampled to :data:`TELEPHONE_RATE`."""
    import soxr

    spectrum = np.fft.rfft(samples)
    frequencies = np.fft.rfftfreq(len(samples), 1 / rate)
    rise = np.clip((frequencies - 250) / 100, 0, 1)
    fall = np.clip((3450 - frequencies) / 100, 0, 1)
    gain = (0.5 - 0.5 * np.cos(np.pi * rise)) * (0.5 - 0.5 * np.cos(np.pi * fall))
    band = np.fft.irfft(spectrum * gain, len(samples))
    return soxr.resample(band, rate, TELEPHONE_RATE, quality="HQ")


def degrade(samples: np.ndarray, rate: int, variant: str, seed: int = 3) -> np.ndarray:
    """One recording made harder: ``reverb``, ``noise`` or ``music`` (10 dB SNR), ``telephone``
    (returned at :data:`TELEPHONE_RATE`), ``quiet`` (-40 dBFS speech) or ``loud`` (-12 dBFS
    speech, clipped)."""
    samples = samples.astype(np.float64)
    if variant == "clean":
        return samples
    if variant == "reverb":
        response = room_impulse(rate)
        size = 1 << int(np.ceil(np.log2(len(samples) + len(response))))
        wet = np.fft.irfft(np.fft.rfft(samples, size) * np.fft.rfft(response, size), size)[: len(samples)]
        mixed = 0.3 * samples + 0.7 * wet
        return mixed * (_speech_rms(samples, rate) / max(_speech_rms(mixed, rate), 1e-9))
    if variant == "noise":
        rng = np.random.default_rng(seed)
        white = rng.standard_normal(len(samples))
        pink = np.cumsum(white)
        # keep the slope, drop the drift; the ends padded with their own values, since a
        # zero-padded average would leave a loud click in the first and last 32 samples
        pink -= np.convolve(np.pad(pink, (32, 31), mode="edge"), np.ones(64) / 64, mode="valid")
        return _at_snr(samples, rate, 0.5 * white / np.std(white) + pink / max(np.std(pink), 1e-9), 10.0)
    if variant == "room":
        return degrade(degrade(samples, rate, "reverb"), rate, "noise", seed)
    if variant == "music":
        return _at_snr(samples, rate, background_music(len(samples), rate, seed), 10.0)
    if variant == "telephone":
        return telephone_band(samples, rate)
    if variant == "quiet":
        return samples * (10 ** (-40 / 20) / max(_speech_rms(samples, rate), 1e-9))
    if variant == "loud":
        return np.clip(samples * (10 ** (-12 / 20) / max(_speech_rms(samples, rate), 1e-9)), -1.0, 1.0)
    raise ValueError(f"unknown variant {variant!r}")


def _build_variant(source: Path, target: Path, variant: str, seed: int = 3) -> None:
    import soundfile as sf

    samples, rate = sf.read(source, dtype="float64", always_2d=False)
    if samples.ndim > 1:
        samples = samples.mean(axis=1)
    target.parent.mkdir(parents=True, exist_ok=True)
    written = TELEPHONE_RATE if variant == "telephone" else rate
    sf.write(target, np.clip(degrade(samples, rate, variant, seed), -1, 1).astype(np.float32), written, subtype="FLOAT")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("manifest", type=Path)
    parser.add_argument("--out", type=Path, default=None, help="folder for the results (default: a temp folder)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--preset", default="rhubarb")
    parser.add_argument("--verbose", action="store_true", help="print the per-file table")
    parser.add_argument("--passes", type=int, default=1, help="alignment passes with the script (analyze --passes)")
    parser.add_argument("--variants", default="clean", help=f"comma-separated, of {', '.join(VARIANTS)}")
    parser.add_argument("--modes", default="script,noscript", help="script, noscript or both")
    parser.add_argument("--seed", type=int, default=3,
                        help="the random seed of the noise and music copies (another seed: other noise, other music)")
    parser.add_argument("--setting", action="append", default=[], metavar="NAME=VALUE",
                        help="a RecognitionSettings value (repeatable), e.g. --setting beam=1e-100")
    args = parser.parse_args()
    settings: dict = {"passes": args.passes}
    for item in args.setting:
        name, _, value = item.partition("=")
        default = getattr(RecognitionSettings(), name)
        settings[name] = (value.lower() in ("1", "true", "yes")) if isinstance(default, bool) else type(default)(value)
    out = args.out or Path(tempfile.mkdtemp(prefix="lipsync-accuracy-"))
    with args.manifest.open(encoding="utf-8") as stream:
        rows = [row for row in csv.DictReader(stream, delimiter="\t") if row["language"].startswith("en")]
    base = args.manifest.parent
    audio_seconds = sum(float(row["duration_sec"]) for row in rows)
    for variant in args.variants.split(","):
        if variant not in VARIANTS:
            parser.error(f"unknown variant {variant!r}")
        if variant == "clean":
            audio = {row["utt"]: base / row["wav"] for row in rows}
        else:
            audio = {row["utt"]: out / "audio" / variant / f"{row['utt']}.wav" for row in rows}
            with ProcessPoolExecutor(args.jobs) as pool:
                list(pool.map(_build_variant, [base / row["wav"] for row in rows], audio.values(),
                              [variant] * len(rows), [args.seed] * len(rows)))
        for mode in args.modes.split(","):
            folder = out / variant / mode
            folder.mkdir(parents=True, exist_ok=True)
            tasks = [(str(audio[row["utt"]]), row["text"] if mode == "script" else None,
                      str(folder / f"{row['utt']}.tsv"), args.preset, settings) for row in rows]
            started = time.perf_counter()
            with ProcessPoolExecutor(args.jobs) as pool:
                cpu = sum(pool.map(_run, tasks))
            elapsed = time.perf_counter() - started
            results, total = evaluate_manifest(args.manifest, folder)
            english = [(utt, scores) for utt, scores in results if utt in audio]
            total = combine_scores(scores for _, scores in english if scores is not None)
            print(f"== {variant} / {mode}: {len(rows)} files, {audio_seconds:.0f} s of audio, "
                  f"{cpu:.1f} CPU s ({cpu / audio_seconds:.3f} CPU s per audio s), "
                  f"{audio_seconds / elapsed:.1f}x real time with {args.jobs} processes")
            print(format_report(english, total, per_file=args.verbose), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
