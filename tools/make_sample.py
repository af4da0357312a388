"""Regenerate the bundled sample (lipsync/data/sample.flac and sample.txt) with espeak-ng.

    python tools/make_sample.py

The sample is synthetic speech we make ourselves, so it can ship with the package.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

LINES = [
    ("en-us+m3", "Hello there! My name is Bob, and I make mouths move."),
    ("en-us+f3", "Wow. Before we begin, may I have a cup of coffee, please?"),
    ("en-us+m3", "Of course. Watch my lips: puppets, bubbles, and a big blue balloon."),
]
PAUSE_SECONDS = 0.8
RATE = 22050


def main() -> None:
    data = Path(__file__).resolve().parent.parent / "lipsync" / "data"
    pieces = [np.zeros(int(0.5 * RATE), np.float32)]
    with tempfile.TemporaryDirectory() as folder:
        for index, (voice, text) in enumerate(LINES):
            wav = Path(folder) / f"{index}.wav"
            subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(wav), text], check=True)
            samples, rate = sf.read(wav, dtype="float32")
            assert rate == RATE
            pieces += [samples, np.zeros(int(PAUSE_SECONDS * RATE), np.float32)]
    sf.write(data / "sample.flac", np.concatenate(pieces), RATE, subtype="PCM_16")
    (data / "sample.txt").write_text("".join(f"{text}\n" for _, text in LINES), encoding="utf-8")


if __name__ == "__main__":
    main()
