"""Each phone's viseme class in its context, where one symbol stands for sounds that look different.

:func:`lipsync.phonemes.viseme_class` reads a symbol alone. Two symbols of an unstressed
dictionary (the CMU ARPAbet the English aligner uses) are said in more than one way, and their
neighbours tell which (:func:`classes_in_context`):

- ``ʌ`` (ARPAbet AH) is the stressed vowel of "cup" and also the reduced vowel of unstressed
  syllables. Reduced between two phones that hold the jaw nearly closed (the tongue consonants
  ``t d n s z ʃ θ k ŋ j``... and the close vowels ``i ɪ``), the jaw does not open for it: it
  is the high central [ɨ] of "roses", "wanted", "carry an", and the mouth shows a close vowel.
  Only a short one is taken for reduced (under :data:`REDUCED_VOWEL_SECONDS`, Rhubarb Lip
  Sync's threshold for a schwa-like ER); a stressed vowel lasts longer. Reduced between a consonant and an ``l`` that ends its syllable (no vowel
  after it: "little", "general", "equal"), it is not said at all: the ``l`` is syllabic [l̩],
  the tongue tip already up, and the mouth shows the ``l``.
- ``ɹ`` after a close or mid vowel (a diphthong's last) and before no vowel ("year", "poor",
  "more", "there", "fire") is the
  vowel's r-coloured offglide, a rhotic schwa [ɚ] (the NEAR, CURE, NORTH and SQUARE vowels of
  rhotic English): the mouth shows an r-coloured vowel. After an open vowel ("car", "dark")
  and before a vowel ("very", "far away") it stays the consonant.

Each rule applies only where the symbol itself leaves the sound open: a transcription that
writes the reduced vowel or the r-coloured one (``ɨ``, ``ə``, ``ɚ``) is taken as written.
"""

from __future__ import annotations

from collections.abc import Sequence

from .phonemes import is_vowel, split_vowels, viseme_class
from .sheet import Phone

#: A ``ʌ`` shorter than this between two phones of :data:`_JAW_CLOSE` is the reduced vowel (seconds).
REDUCED_VOWEL_SECONDS = 0.07

#: Phones that hold the jaw nearly closed with neutral lips: consonants made with the tongue,
#: and the close unrounded vowels.
_JAW_CLOSE = frozenset({"dental", "alveolar", "sibilant", "postalveolar", "palatal", "velar", "vowel_close"})
#: Vowels after which an ``ɹ`` is the consonant: the jaw is open for them.
_OPEN_VOWELS = frozenset({"vowel_open", "vowel_near_open", "vowel_central"})
_AMBIGUOUS_VOWEL = "ʌ"
_APPROXIMANT_R = frozenset({"ɹ", "ɻ"})
_LATERAL = frozenset({"l", "ɫ"})
#: Two phones touch when one ends within this of the other's start (seconds).
_TOUCHING = 1e-3


def classes_in_context(phones: Sequence[Phone]) -> list[str]:
    """The viseme class of each of ``phones`` (in time order) in its context.

    >>> phones = [Phone(0.0, 0.1, "s"), Phone(0.1, 0.15, "ʌ"), Phone(0.15, 0.25, "z")]
    >>> classes_in_context(phones)
    ['sibilant', 'vowel_close', 'sibilant']
    >>> classes_in_context([Phone(0.0, 0.1, "j"), Phone(0.1, 0.2, "ɪ"), Phone(0.2, 0.3, "ɹ")])
    ['palatal', 'vowel_close', 'vowel_rhotic']
    >>> classes_in_context([Phone(0.0, 0.1, "ɑ"), Phone(0.1, 0.2, "ɹ"), Phone(0.2, 0.3, "k")])
    ['vowel_open', 'rhotic', 'velar']
    >>> classes_in_context([Phone(0.0, 0.1, "t"), Phone(0.1, 0.15, "ʌ"), Phone(0.15, 0.25, "l")])
    ['alveolar', 'lateral', 'lateral']
    """
    classes = [viseme_class(phone.symbol) for phone in phones]
    found = list(classes)
    for index, phone in enumerate(phones):
        before = classes[index - 1] if index > 0 and _touch(phones[index - 1], phone) else None
        after = classes[index + 1] if index + 1 < len(phones) and _touch(phone, phones[index + 1]) else None
        if phone.symbol == _AMBIGUOUS_VOWEL and phone.end - phone.start < REDUCED_VOWEL_SECONDS:
            if before in _JAW_CLOSE and after in _JAW_CLOSE:
                found[index] = "vowel_close"
            elif before is not None and not is_vowel(phones[index - 1].symbol) and _syllabic_l(phones, index + 1):
                found[index] = "lateral"
        elif phone.symbol in _APPROXIMANT_R:
            vowel_after = after is not None and is_vowel(phones[index + 1].symbol)
            if before is not None and not vowel_after and _ends_close_or_mid(phones[index - 1].symbol):
                found[index] = "vowel_rhotic"
    return found


def _syllabic_l(phones: Sequence[Phone], index: int) -> bool:
    """True when ``phones[index]`` is an ``l`` right after the phone before it and followed by no
    vowel (it ends its syllable)."""
    if index >= len(phones) or phones[index].symbol not in _LATERAL or not _touch(phones[index - 1], phones[index]):
        return False
    following = phones[index + 1] if index + 1 < len(phones) and _touch(phones[index], phones[index + 1]) else None
    return following is None or not is_vowel(following.symbol)


def _ends_close_or_mid(symbol: str) -> bool:
    """True for a vowel (a diphthong by its last target) that leaves the jaw close or mid."""
    if not is_vowel(symbol):
        return False
    targets = split_vowels(symbol)
    return bool(targets) and viseme_class(targets[-1]) not in _OPEN_VOWELS


def _touch(first: Phone, second: Phone) -> bool:
    return abs(second.start - first.end) <= _TOUCHING
