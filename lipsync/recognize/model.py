"""The acoustic-model seam: what a speech backend does for the recognizer.

The recognizer (:class:`lipsync.recognize.Recognizer`) plans which script lines go with which
stretch of speech, aligns them chunk by chunk (in worker processes), repairs what failed and
collects the phones; it asks an :class:`AcousticModel` only for the three things that need one:
force-align words to a chunk of samples, recognize the phones (or English words) of a chunk
without a script, and say how a dictionary word is pronounced; and, for the confidence of what
it aligned (:mod:`lipsync.recognize.confidence`), score the best phone sequence a chunk holds
when any phone may follow any other. A new backend is one module that
provides an object with these methods, named in :data:`MODELS`; nothing else in the package
knows which backend runs. Samples are 16 kHz mono float32; times are seconds from the chunk's
first sample.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .settings import RecognitionSettings

#: The acoustic models by name: ``module:attribute`` of an object that implements
#: :class:`AcousticModel` (imported on first use, in each worker process).
MODELS = {"pocketsphinx": "lipsync.recognize.sphinx:MODEL"}
DEFAULT_MODEL = "pocketsphinx"


@dataclass(frozen=True)
class WordToAlign:
    """A word of the script: its decoder spelling, and its IPA phones when not in the dictionary."""

    text: str
    key: str
    ipa: tuple[str, ...] | None = None
    arpabet: tuple[tuple[str, ...], ...] | None = None  # per IPA phone, when ipa is given


@dataclass(frozen=True)
class AlignedWord:
    """A word located in a chunk: index into the words aligned, times in seconds, its phones."""

    index: int
    start: float
    end: float
    phones: tuple[tuple[str, float, float], ...]  # (IPA symbol, start, end)
    #: the aligned path's acoustic score over the word's frames, in the backend's log units
    #: against the best-fitting sound of each frame (0: as good as any sound could fit)
    score: float = 0.0


@dataclass(frozen=True)
class HeardWord:
    """An English word recognized without a script: its text, times in seconds of the chunk,
    and its acoustic score (as :attr:`AlignedWord.score`)."""

    text: str
    start: float
    end: float
    score: float = 0.0


#: Phones found without a script: (IPA symbol, start, end) in seconds of the chunk.
FoundPhones = tuple[tuple[str, float, float], ...]


class AcousticModel(Protocol):
    """A speech backend (see the module's description)."""

    def align(self, samples: np.ndarray, words: Sequence[WordToAlign], settings: RecognitionSettings,
              short: bool = False) -> tuple[AlignedWord, ...] | None:
        """Force-align ``words`` to ``samples``; None when they cannot be fitted. ``short``: a
        short utterance whose place is known (a narrower search may be tried first)."""

    def recognize_words(self, samples: np.ndarray, settings: RecognitionSettings
                        ) -> tuple[FoundPhones, tuple[HeardWord, ...]] | None:
        """The phones of the English words heard, aligned, and the words: ``((), ())`` when no
        word is heard, None when the words heard cannot be aligned."""

    def recognize_phones(self, samples: np.ndarray, settings: RecognitionSettings) -> FoundPhones:
        """The phones heard, language-independent (a phone loop)."""

    def pronunciation(self, word: str) -> tuple[str, ...] | None:
        """The dictionary's first pronunciation of a lowercase English word as ARPAbet phones,
        or None when the dictionary does not know it."""

    def align_leniently(self, samples: np.ndarray, words: Sequence[WordToAlign],
                        settings: RecognitionSettings) -> tuple[AlignedWord, ...] | None:
        """Force-align ``words`` again with pauses between words likelier: for an alignment
        that gave a whole breath of the speech to a pause. None when they cannot be fitted."""

    def loop_score(self, samples: np.ndarray, settings: RecognitionSettings) -> tuple[float, int]:
        """The acoustic score (as :attr:`AlignedWord.score`) of the best phone sequence in
        ``samples`` when any phone may follow any other, and the 10 ms frames it spans: what
        no script can beat."""


def acoustic_model(name: str = DEFAULT_MODEL) -> AcousticModel:
    """The acoustic model registered as ``name`` in :data:`MODELS`.

    >>> hasattr(acoustic_model("pocketsphinx"), "align")
    True
    """
    module, _, attribute = MODELS[name].partition(":")
    return getattr(importlib.import_module(module), attribute)


def moved(located: Sequence[AlignedWord], seconds: float) -> tuple[AlignedWord, ...]:
    """Aligned words (and their phones) ``seconds`` later: times of a slice of a chunk made
    relative to the chunk.

    >>> moved([AlignedWord(0, 0.1, 0.3, (("a", 0.1, 0.3),))], 0.5)[0].phones
    (('a', 0.6, 0.8),)
    """
    return tuple(AlignedWord(word.index, word.start + seconds, word.end + seconds,
                             tuple((symbol, start + seconds, end + seconds) for symbol, start, end in word.phones),
                             word.score)
                 for word in located)
