"""Synthesize speech with libespeak-ng and keep its word onsets: exact timings for benchmarks.

    samples, rate, words = synthesize("Hola, buenos días.", "es")
    # words: [(text_position, onset_seconds), ...] in order (1-based character positions)

A thin adapter over :func:`lipsync.espeak.synthesize` (espeak-ng's own synthesis events): a
word's onset is the start of its first phone, on the same sample clock as the audio. Used by
benchmarks/multilingual.py and the language tests.
"""

from __future__ import annotations

import numpy as np

from lipsync.espeak import synthesize as speak


def synthesize(text: str, voice: str, speed: int = 160) -> tuple[np.ndarray, int, list[tuple[int, float]]]:
    """(float32 samples, rate, [(1-based character position, onset seconds)] per word): the
    same whatever else was synthesized before (a fresh libespeak-ng each time)."""
    spoken = speak(text, voice, speed)
    return spoken.samples, spoken.rate, [(word.position + 1, word.start) for word in spoken.words]
