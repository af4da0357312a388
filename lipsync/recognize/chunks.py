"""Run recognition chunk by chunk, in this process or over worker processes.

Each chunk is independent and its result depends only on its own samples and words, so the
output is the same for any number of workers: results are put back in chunk order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import sphinx
from .consensus import align_in_phases


@dataclass(frozen=True)
class Chunk:
    """A stretch of audio to recognize: ``offset`` seconds into the track, and for a scripted
    chunk the words to align (``None`` means recognize phones without a script)."""

    offset: float
    samples: np.ndarray
    words: tuple[sphinx.WordToAlign, ...] | None = None
    phones_only: bool = False  # without a script: a language-independent phone loop, no English words
    short: bool = False  # a short utterance whose place is known: narrower beams first
    passes: int = 1  # aligned at this many phases of the analysis frames (see .consensus)

    @property
    def duration(self) -> float:
        return len(self.samples) / 16000.0


def process_chunk(chunk: Chunk) -> Any:
    """Align or recognize one chunk: AlignedWords (or None on failure), or (recognized phones,
    recognized words)."""
    if chunk.words is None:
        return (sphinx.recognize_phones(chunk.samples), ()) if chunk.phones_only else recognize_freely(chunk.samples)
    return align_in_phases(chunk.samples, chunk.words, chunk.passes, chunk.short)


def recognize_freely(samples: np.ndarray) -> tuple[tuple[tuple[str, float, float], ...], tuple[sphinx.HeardWord, ...]]:
    """Phones and words of speech without a script: the words heard, force-aligned; where no
    words are heard or they do not align, the phones a phone recognizer hears (and no words)."""
    found = sphinx.recognize_words(samples)
    return found if found is not None else (sphinx.recognize_phones(samples), ())


def run_chunks(chunks: Sequence[Chunk], jobs: int = 1,
               on_done: Callable[[float], None] | None = None) -> list[Any]:
    """Results of :func:`process_chunk` for every chunk, in order, over ``jobs`` processes.

    ``on_done(seconds)`` is called with each finished chunk's duration (for progress).
    """
    if jobs <= 1 or len(chunks) <= 1:
        results = []
        for chunk in chunks:
            results.append(process_chunk(chunk))
            if on_done:
                on_done(chunk.duration)
        return results
    results: list[Any] = [None] * len(chunks)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(process_chunk, chunk): index for index, chunk in enumerate(chunks)}
        for future in as_completed(futures):
            index = futures[future]
            results[index] = future.result()
            if on_done:
                on_done(chunks[index].duration)
    return results
