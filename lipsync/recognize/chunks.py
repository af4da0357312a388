"""Run recognition chunk by chunk, in this process or over worker processes.

Each chunk is independent and its result depends only on its own samples and words, so the
output is the same for any number of workers: results are put back in chunk order. Workers
take the longest chunks first (:func:`dispatch_order`), so that the last chunk to finish is a
short one and no worker is left running alone long after the others. Workers forked from this
process (the default on Linux) inherit the chunks instead of receiving a pickled copy of their
samples through a pipe.
"""

from __future__ import annotations

import itertools
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..vad import voiced_seconds
from .consensus import align_in_phases
from .model import DEFAULT_MODEL, AcousticModel, FoundPhones, HeardWord, WordToAlign, acoustic_model
from .settings import DEFAULT_SETTINGS, RecognitionSettings


@dataclass(frozen=True)
class Chunk:
    """A stretch of audio to recognize: ``offset`` seconds into the track, and for a scripted
    chunk the words to align (``None`` means recognize phones without a script)."""

    offset: float
    samples: np.ndarray
    words: tuple[WordToAlign, ...] | None = None
    phones_only: bool = False  # without a script: a language-independent phone loop, no English words
    short: bool = False  # a short utterance whose place is known: narrower beams first
    #: score the phone loop over it (the confidence's reference) rather than recognize it; it
    #: covers no audio of its own, so it reports no progress
    loop: bool = False
    settings: RecognitionSettings = DEFAULT_SETTINGS
    model: str = DEFAULT_MODEL  # the acoustic model's name (lipsync.recognize.model.MODELS)

    @property
    def duration(self) -> float:
        return len(self.samples) / 16000.0


def process_chunk(chunk: Chunk) -> Any:
    """Align or recognize one chunk: AlignedWords (or None on failure), or (recognized phones,
    recognized words), or for a phone-loop chunk (score, frames)."""
    model = acoustic_model(chunk.model)
    if chunk.loop:
        return model.loop_score(chunk.samples, chunk.settings)
    if chunk.words is None:
        if chunk.phones_only:
            return model.recognize_phones(chunk.samples, chunk.settings), ()
        return recognize_freely(model, chunk.samples, chunk.settings)
    return align_in_phases(model, chunk.samples, chunk.words, chunk.settings, chunk.short)


def recognize_freely(model: AcousticModel, samples: np.ndarray,
                     settings: RecognitionSettings) -> tuple[FoundPhones, tuple[HeardWord, ...]]:
    """Phones and words of speech without a script: the words heard, force-aligned; where they
    do not align, the phones a phone recognizer hears (and no words). Where no word is heard,
    nothing if the stretch is unvoiced (``settings.rest_unvoiced_seconds``: the detector took a
    click or a breath for speech), else the phone recognizer's phones (an "ah", a hum)."""
    found = model.recognize_words(samples, settings)
    if found is not None and (found[1] or voiced_seconds(samples) < settings.rest_unvoiced_seconds):
        return found
    return model.recognize_phones(samples, settings), ()


#: The chunks of each run over forked workers, by run: a worker forked after its run's chunks
#: were put here reads them from its copy of this process's memory.
_HANDED: dict[int, Sequence[Chunk]] = {}
_RUNS = itertools.count()


def _process_handed(run: int, index: int) -> Any:
    """:func:`process_chunk` of chunk ``index`` of ``run``, in a forked worker."""
    return process_chunk(_HANDED[run][index])


def dispatch_order(chunks: Sequence[Chunk]) -> list[int]:
    """The chunks' indices longest first (equal lengths in chunk order): the order workers take
    them in, so that the work left when the last chunks are handed out is small.

    >>> dispatch_order([Chunk(0.0, np.zeros(160)), Chunk(1.0, np.zeros(480)), Chunk(2.0, np.zeros(160))])
    [1, 0, 2]
    """
    return sorted(range(len(chunks)), key=lambda index: -len(chunks[index].samples))


def run_chunks(chunks: Sequence[Chunk], jobs: int = 1,
               on_done: Callable[[float], None] | None = None) -> list[Any]:
    """Results of :func:`process_chunk` for every chunk, in order, over ``jobs`` processes.

    ``on_done(seconds)`` is called with each finished chunk's duration (for progress).
    """
    if jobs <= 1 or len(chunks) <= 1:
        results = []
        for chunk in chunks:
            results.append(process_chunk(chunk))
            if on_done and not chunk.loop:
                on_done(chunk.duration)
        return results
    results: list[Any] = [None] * len(chunks)
    forked = multiprocessing.get_context().get_start_method() == "fork"
    run = next(_RUNS)
    if forked:
        _HANDED[run] = chunks
    try:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {}
            for index in dispatch_order(chunks):
                task = pool.submit(_process_handed, run, index) if forked else pool.submit(process_chunk, chunks[index])
                futures[task] = index
            for future in as_completed(futures):
                index = futures[future]
                results[index] = future.result()
                if on_done and not chunks[index].loop:
                    on_done(chunks[index].duration)
    finally:
        _HANDED.pop(run, None)
    return results
