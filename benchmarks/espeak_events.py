"""Synthesize speech with libespeak-ng and keep its word onsets: exact timings for benchmarks.

    samples, rate, words = synthesize("Hola, buenos días.", "es")
    # words: [(text_position, onset_seconds), ...] in order (1-based character positions)

A thin adapter over :func:`lipsync.espeak.synthesize` (espeak-ng's own synthesis events): a
word's onset is the start of its first phone, on the same sample clock as the audio. Used by
benchmarks/multilingual.py and the language tests.
"""

from __future__ import annotations

import numpy as np

from lipsync.espeak import Speaker
from lipsync.espeak import synthesize as speak


def synthesize(text: str, voice: str, speed: int = 160, speaker: Speaker | None = None
               ) -> tuple[np.ndarray, int, list[tuple[int, float]]]:
    """(float32 samples, rate, [(1-based character position, onset seconds)] per word).

    libespeak-ng's output depends on what it spoke before: pass a ``speaker`` of
    :func:`lipsync.espeak.private_speaker` for audio that does not depend on what else ran in
    the process (tests in any order)."""
    spoken = speaker.synthesize(text, voice, speed) if speaker else speak(text, voice, speed)
    return spoken.samples, spoken.rate, [(word.position + 1, word.start) for word in spoken.words]
