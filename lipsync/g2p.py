"""Grapheme-to-phoneme: pronunciations for words the dictionary lacks, from espeak-ng.

espeak-ng (through phonemizer) speaks ~100 languages offline and spells numbers and symbols out
in the script's language. Its IPA is kept for the mouth shapes; for alignment each IPA phone is
mapped to the nearest phone of pocketsphinx's English acoustic model.
"""

from __future__ import annotations

import functools
import re
import shutil
import unicodedata
from collections.abc import Sequence

from .errors import MissingToolError
from .phonemes import split_vowels, viseme_class

# The nearest ARPAbet phone for IPA base letters (after diacritics are dropped).
_IPA_TO_ARPABET: dict[str, tuple[str, ...]] = {
    "p": ("P",), "b": ("B",), "m": ("M",), "ɓ": ("B",), "f": ("F",), "v": ("V",), "ʋ": ("V",),
    "ɸ": ("F",), "β": ("V",), "ɱ": ("M",), "θ": ("TH",), "ð": ("DH",), "t": ("T",), "d": ("D",),
    "n": ("N",), "ɾ": ("R",), "ɗ": ("D",), "ʈ": ("T",), "ɖ": ("D",), "ɳ": ("N",), "ɽ": ("D",),
    "s": ("S",), "z": ("Z",), "ts": ("T", "S"), "dz": ("D", "Z"), "ɕ": ("SH",), "ʑ": ("ZH",),
    "ʃ": ("SH",), "ʒ": ("ZH",), "tʃ": ("CH",), "dʒ": ("JH",), "ʂ": ("SH",), "ʐ": ("ZH",),
    "tɕ": ("CH",), "dʑ": ("JH",), "l": ("L",), "ɫ": ("L",), "ɬ": ("L",), "ɮ": ("L",),
    "ʎ": ("L", "Y"), "ʟ": ("L",), "ɭ": ("L",), "ɺ": ("L",), "ɹ": ("R",), "r": ("R",),
    "ʁ": ("R",), "ʀ": ("R",), "ɻ": ("R",), "j": ("Y",), "ç": ("HH",), "ʝ": ("Y",),
    "ɲ": ("N", "Y"), "c": ("K",), "ɟ": ("G",), "k": ("K",), "g": ("G",), "ɡ": ("G",),
    "ŋ": ("NG",), "x": ("HH",), "ɣ": ("G",), "q": ("K",), "ɢ": ("G",), "χ": ("HH",),
    "ɰ": ("W",), "ɴ": ("NG",), "h": ("HH",), "ɦ": ("HH",), "ʔ": (), "ħ": ("HH",), "ʕ": ("HH",),
    "w": ("W",), "ʍ": ("W",), "ɥ": ("Y", "W"),
    "i": ("IY",), "ɪ": ("IH",), "ɨ": ("IH",), "ɯ": ("UH",), "ɘ": ("AH",), "u": ("UW",),
    "ʊ": ("UH",), "y": ("UW",), "ʏ": ("UH",), "ʉ": ("UW",), "e": ("EY",), "ɛ": ("EH",),
    "ɜ": ("ER",), "ɤ": ("AH",), "ɞ": ("AH",), "o": ("OW",), "ɔ": ("AO",), "ø": ("UH",),
    "œ": ("AH",), "ɵ": ("AH",), "ʌ": ("AH",), "ə": ("AH",), "ɐ": ("AH",), "ᵻ": ("IH",),
    "a": ("AA",), "ɑ": ("AA",), "ä": ("AA",), "æ": ("AE",), "ɒ": ("AO",), "ɶ": ("AA",),
    "ɝ": ("ER",), "ɚ": ("ER",),
}

# Whole-symbol diphthongs that have one ARPAbet phone of their own.
_DIPHTHONGS = {"aɪ": "AY", "aʊ": "AW", "eɪ": "EY", "oʊ": "OW", "ɔɪ": "OY", "əʊ": "OW"}

_DROPPED_MARKS = set("ːˑˈˌ˞ʰʷʲˠˤ̚‿͜͡ⁿˡ")


def _base(symbol: str) -> str:
    decomposed = unicodedata.normalize("NFD", symbol)
    return "".join(ch for ch in decomposed if ch not in _DROPPED_MARKS and not unicodedata.combining(ch))


def ipa_to_arpabet(symbol: str) -> tuple[str, ...]:
    """The nearest English acoustic-model phones for one IPA phone (may be empty for ʔ).

    >>> ipa_to_arpabet("aɪ"), ipa_to_arpabet("y"), ipa_to_arpabet("ts")
    (('AY',), ('UW',), ('T', 'S'))
    """
    base = _base(symbol)
    if "\u0303" in unicodedata.normalize("NFD", symbol) and split_vowels(base):
        # a nasal vowel (French ɑ̃ ɔ̃ ɛ̃ œ̃, Portuguese ɐ̃ õ ũ): the vowel, then its nasal murmur
        return ipa_to_arpabet(base) + ("N",)
    if base in _DIPHTHONGS:
        return (_DIPHTHONGS[base],)
    if base in _IPA_TO_ARPABET:
        return _IPA_TO_ARPABET[base]
    vowels = split_vowels(base)
    if vowels:
        return tuple(phone for vowel in vowels for phone in _IPA_TO_ARPABET[vowel])
    phones: list[str] = []
    for ch in base:
        phones.extend(_IPA_TO_ARPABET.get(ch, ()))
    if not phones and base and not any(ch.isalpha() for ch in base):
        return ("AH",)  # espeak-ng's "??" for a sound it has no IPA for (German "wurde"): a vowel
    if not phones and base:
        # A letter we have no entry for: fall back on its viseme class's typical English phone.
        phones.append({"bilabial": "B", "labiodental": "F", "labiovelar": "W"}.get(viseme_class(base), "D"))
    return tuple(phones)


@functools.lru_cache(maxsize=32)
def _espeak(language: str):
    if not (shutil.which("espeak-ng") or shutil.which("espeak")):
        raise MissingToolError("espeak-ng is not installed; it gives pronunciations and languages",
                               "install it: apt install espeak-ng (Linux) or brew install espeak-ng (macOS)")
    from phonemizer.backend import EspeakBackend

    return EspeakBackend(language, preserve_punctuation=False, with_stress=False,
                         language_switch="keep-flags")


def espeak_languages() -> dict[str, str]:
    """The espeak-ng voices available here: code -> language name."""
    from phonemizer.backend import EspeakBackend

    _espeak("en-us")  # checks that espeak-ng is installed
    return dict(EspeakBackend.supported_languages())


#: espeak-ng's mark of a switch of language inside a word's pronunciation: ``(en)``, ``(fr)``
_SWITCH = re.compile(r"^\(([a-z]{2,3}(?:-[a-z0-9]+)?)\)$")


@functools.lru_cache(maxsize=16)
def _spoken(words: tuple[str, ...], language: str) -> tuple[tuple[tuple[str, ...], str | None], ...]:
    """Each word's IPA phones and the language espeak-ng switched to for it (None: its own)."""
    from phonemizer.separator import Separator

    backend = _espeak(language)
    # phonemizer refuses equal phone and word separators; a word may come out as several
    # (numbers are spelled out), whose phones all belong to the one script word.
    separator = Separator(phone=" ", word="|", syllable="")
    spoken = []
    for output in backend.phonemize(list(words), separator=separator, strip=True):
        tokens = output.replace("|", " ").split()
        switches = [match.group(1) for match in map(_SWITCH.match, tokens) if match]
        phones = tuple(token for token in tokens if not _SWITCH.match(token))
        spoken.append((phones, switches[0] if switches else None))
    return tuple(spoken)


def pronounce(words: Sequence[str], language: str = "en-us") -> list[tuple[str, ...]]:
    """IPA phones for each word, from espeak-ng; numbers and symbols are spelled out as words.

    >>> pronounce(["hello"])
    [('h', 'ə', 'l', 'oʊ')]
    """
    return [phones for phones, _ in _spoken(tuple(words), language)] if words else []


def switched_languages(words: Sequence[str], language: str = "en-us") -> list[str | None]:
    """For each word, the language espeak-ng pronounces it in when that is not ``language``
    (its dictionaries mark words of another language: English words in a French or German
    text), else None. Pronouncing the same words (:func:`pronounce`) costs nothing more.

    >>> switched_languages(["bonjour", "weekend", "the"], "fr-fr")
    [None, 'en', 'en']
    """
    return [switched for _, switched in _spoken(tuple(words), language)] if words else []
