"""Forced alignment that does not depend on where the 10 ms analysis frames fall.

The acoustic model sees the audio in 10 ms frames from the first sample of a chunk, so moving
a recording by a fraction of a frame moves the frames against the sound, and the best path can
change: a phone a frame longer, a closure kept or lost. A dub compared with the picture's mouth
flaps, or a take re-cut a few frames later, should not change its mouth chart for that reason.

:func:`align_in_phases` aligns the same words ``settings.passes`` times, each time starting the
frames a fraction of a frame later, and keeps, phone by phone, the median of the boundaries
found (of the passes that agree on the phones, when pronunciations differ).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from .model import AcousticModel, AlignedWord, WordToAlign, moved
from .settings import RecognitionSettings

SAMPLES_PER_FRAME = 160  # 10 ms at 16 kHz


def align_in_phases(model: AcousticModel, samples: np.ndarray, words: Sequence[WordToAlign],
                    settings: RecognitionSettings, short: bool = False) -> tuple[AlignedWord, ...] | None:
    """``model.align`` over ``settings.passes`` frame phases, boundaries merged by median;
    None when no pass aligns. One pass is plain alignment."""
    passes = settings.passes
    if passes <= 1:
        return model.align(samples, words, settings, short)
    found = []
    for index in range(passes):
        skip = int(round(index * SAMPLES_PER_FRAME / passes))
        located = model.align(samples[skip:], words, settings, short)
        if located is not None:
            found.append(moved(located, skip / 16000.0))
    if not found:
        return None
    return merge_alignments(found)


def _structure(located: Sequence[AlignedWord]) -> tuple:
    return tuple((word.index, tuple(symbol for symbol, _, _ in word.phones)) for word in located)


def merge_alignments(alignments: Sequence[Sequence[AlignedWord]]) -> tuple[AlignedWord, ...]:
    """One alignment from several of the same words: the phones most alignments agree on (the
    earliest such alignment on a tie), each boundary the median of theirs.

    >>> a = [AlignedWord(0, 0.10, 0.30, (("b", 0.10, 0.15), ("a", 0.15, 0.30)))]
    >>> b = [AlignedWord(0, 0.12, 0.31, (("b", 0.12, 0.18), ("a", 0.18, 0.31)))]
    >>> c = [AlignedWord(0, 0.11, 0.35, (("b", 0.11, 0.16), ("a", 0.16, 0.35)))]
    >>> merge_alignments([a, b, c])[0].phones
    (('b', 0.11, 0.16), ('a', 0.16, 0.31))
    """
    shapes = [_structure(located) for located in alignments]
    counts = Counter(shapes)
    best = max(counts.values())
    chosen = next(shape for shape in shapes if counts[shape] == best)
    agreeing = [located for located, shape in zip(alignments, shapes) if shape == chosen]
    merged: list[AlignedWord] = []
    previous_end = 0.0
    for position, word in enumerate(agreeing[0]):
        score = float(np.median([located[position].score for located in agreeing]))
        phones = []
        for number, (symbol, _, _) in enumerate(word.phones):
            start = float(np.median([located[position].phones[number][1] for located in agreeing]))
            end = float(np.median([located[position].phones[number][2] for located in agreeing]))
            start = round(max(start, previous_end), 6)
            end = round(max(end, start), 6)
            phones.append((symbol, start, end))
            previous_end = end
        if phones:
            merged.append(AlignedWord(word.index, phones[0][1], phones[-1][2], tuple(phones), score))
        else:
            start = float(np.median([located[position].start for located in agreeing]))
            end = float(np.median([located[position].end for located in agreeing]))
            merged.append(AlignedWord(word.index, round(start, 6), round(end, 6), (), score))
    return tuple(merged)
