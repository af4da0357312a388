"""The phone inventory: IPA symbols, what the lips do for each, and ARPAbet <-> IPA.

Mouth shapes derive from what the lips and jaw do, which is a property of the phone, not of the
language. Every IPA symbol is therefore sorted into one *viseme class* (``bilabial``,
``labiodental``, ``vowel_close_rounded``...) from its articulatory features, and presets map
classes to their shapes. A French /y/ is a close rounded vowel and rounds the lips in every
preset without a French table.
"""

from __future__ import annotations

import functools
import unicodedata

SILENCE = "sil"

#: Every viseme class, in the order presets document them.
VISEME_CLASSES: tuple[str, ...] = (
    "silence",              # no speech
    "bilabial",             # p b m: lips closed
    "labiodental",          # f v: lower lip to upper teeth
    "dental",               # θ ð: tongue between the teeth
    "alveolar",             # t d n ɾ: tongue tip, lips neutral
    "sibilant",             # s z ts dz: teeth together
    "postalveolar",         # ʃ ʒ tʃ dʒ: teeth together, lips pushed out
    "lateral",              # l ʎ: tongue visible, mouth open
    "rhotic",               # ɹ r ʁ: slight rounding
    "palatal",              # j ç ɲ
    "velar",                # k g ŋ x: back of the tongue, mouth neutral
    "glottal",              # h ʔ: shape of the next vowel
    "labiovelar",           # w ɥ: lips puckered
    "vowel_close",          # i ɪ ɨ ɯ: spread, nearly closed
    "vowel_close_rounded",  # u ʊ y ʏ ʉ: puckered
    "vowel_mid",            # e ɛ ɘ ɜ ɤ: open
    "vowel_mid_rounded",    # o ɔ ø œ ɵ: rounded
    "vowel_central",        # ʌ ə ɐ: open, wider when long
    "vowel_open",           # a ɑ ä: wide open
    "vowel_near_open",      # æ ɒ ɶ: open
    "vowel_rhotic",         # ɝ ɚ: rounded
)

def _by_symbol(classes: dict[str, str]) -> dict[str, str]:
    """``{class: "symbol symbol ..."}`` turned into ``{symbol: class}``."""
    return {symbol: name for name, symbols in classes.items() for symbol in symbols.split()}


_CONSONANT_CLASSES = _by_symbol({
    "bilabial": "p b m ɓ ʙ ʘ",
    "labiodental": "f v ʋ ɱ ɸ β",
    "dental": "θ ð",
    "alveolar": "t d n ɾ ɗ ʈ ɖ ɳ ɽ ǀ ǃ",
    "sibilant": "s z ts dz ɕ ʑ",
    "postalveolar": "ʃ ʒ tʃ dʒ ʂ ʐ tɕ dʑ ʈʂ ɖʐ",
    "lateral": "l ɫ ɬ ɮ ʎ ʟ ɭ ɺ",
    "rhotic": "ɹ r ʁ ʀ ɻ ɚ˞",
    "palatal": "j ç ʝ ɲ c ɟ",
    "velar": "k g ɡ ŋ x ɣ q ɢ χ ɰ ɴ",
    "glottal": "h ɦ ʔ ħ ʕ ʜ ʢ",
    "labiovelar": "w ʍ ɥ",
})

_VOWEL_CLASSES = _by_symbol({
    "vowel_close": "i ɪ ɨ ɯ ɘ",
    "vowel_close_rounded": "u ʊ y ʏ ʉ",
    "vowel_mid": "e ɛ ɜ ɤ ɞ",
    "vowel_mid_rounded": "o ɔ ø œ ɵ",
    "vowel_central": "ʌ ə ɐ ᵻ",
    "vowel_open": "a ɑ ä",
    "vowel_near_open": "æ ɒ ɶ",
    "vowel_rhotic": "ɝ ɚ",
})

# Diacritics and suprasegmentals that do not change what the lips do.
_IGNORED = set("ːˑˈˌ̯̩̥̬̪̺̻̹̜̟̠̘̙̝̞̃̈̆ʰʷʲˠˤ̚‿͜͡ⁿˡᵝ-_.'\u0303\u0361\u035c")
# Compressed lips (Japanese ɯᵝ): a close vowel that the mouth shows rounded.
_COMPRESSED = "ᵝ"
_ROUNDING_MARKS = {"ʷ", "\u0339"}  # labialized consonant, more rounded


@functools.lru_cache(maxsize=4096)  # pure, over a small alphabet, asked for every phone
def _strip(symbol: str) -> str:
    """The base letters of an IPA symbol, without length marks, stress or diacritics."""
    decomposed = unicodedata.normalize("NFD", symbol)
    return "".join(ch for ch in decomposed if ch not in _IGNORED and not unicodedata.combining(ch))


def split_vowels(symbol: str) -> tuple[str, ...]:
    """The vowel targets of a vowel symbol: one for a monophthong, two or three for a diphthong.

    >>> split_vowels("aɪ")
    ('a', 'ɪ')
    """
    base = _strip(symbol)
    return tuple(ch for ch in base if ch in _VOWEL_CLASSES)


@functools.lru_cache(maxsize=4096)  # pure, over a small alphabet, asked for every phone
def is_vowel(symbol: str) -> bool:
    """True when the IPA symbol is a vowel or diphthong (r-coloured vowels included)."""
    base = _strip(symbol)
    return bool(base) and all(ch in _VOWEL_CLASSES or ch == "˞" for ch in base) and any(
        ch in _VOWEL_CLASSES for ch in base)


@functools.lru_cache(maxsize=4096)  # pure, over a small alphabet, asked for every phone
def viseme_class(symbol: str) -> str:
    """The viseme class of one IPA phone (the first target's class for a diphthong).

    Unknown symbols fall back by their letter's likeliest class; silence is ``silence``.

    >>> viseme_class("m"), viseme_class("y"), viseme_class("aʊ")
    ('bilabial', 'vowel_close_rounded', 'vowel_open')
    """
    if symbol in ("", SILENCE):
        return "silence"
    base = _strip(symbol)
    if not base:
        return "silence"
    if base in _CONSONANT_CLASSES:
        return _CONSONANT_CLASSES[base]
    if base.endswith("˞") and base[:-1] in _VOWEL_CLASSES:
        return "vowel_rhotic"
    vowels = split_vowels(base)
    if vowels:
        found = _VOWEL_CLASSES[vowels[0]]
        if found == "vowel_close" and _COMPRESSED in symbol:
            return "vowel_close_rounded"
        return found
    # Affricates and clusters written as one symbol: the class of their most visible part.
    for ch in base:
        if ch in _CONSONANT_CLASSES and _CONSONANT_CLASSES[ch] in ("bilabial", "labiodental", "labiovelar"):
            return _CONSONANT_CLASSES[ch]
    for ch in reversed(base):
        if ch in _CONSONANT_CLASSES:
            return _CONSONANT_CLASSES[ch]
    return "alveolar"


#: Stops (IPA): sounds made by closing the mouth or the throat, silent until their release.
STOPS = frozenset("pbtdkɡgʔcɟqɢ")


def starts_closed(symbol: str) -> bool:
    """True for a stop or an affricate: a phone that starts with a closure (silent, or voiced
    only in the throat) and sounds at its release.

    >>> [starts_closed(s) for s in ("p", "tʰ", "ʔ", "tʃ", "d͡ʒ", "s", "m", "ɑ")]
    [True, True, True, True, True, False, False, False]
    """
    return _strip(symbol)[:1] in STOPS


def is_bilabial(symbol: str) -> bool:
    """True for phones that close the lips (p, b, m...): the closures that must never be lost."""
    return viseme_class(symbol) == "bilabial"


#: ARPAbet (CMU dictionary / pocketsphinx en-us phones) to IPA.
ARPABET_TO_IPA: dict[str, str] = {
    "AA": "ɑ", "AE": "æ", "AH": "ʌ", "AO": "ɔ", "AW": "aʊ", "AY": "aɪ", "B": "b", "CH": "tʃ",
    "D": "d", "DH": "ð", "EH": "ɛ", "ER": "ɝ", "EY": "eɪ", "F": "f", "G": "ɡ", "HH": "h",
    "IH": "ɪ", "IY": "i", "JH": "dʒ", "K": "k", "L": "l", "M": "m", "N": "n", "NG": "ŋ",
    "OW": "oʊ", "OY": "ɔɪ", "P": "p", "R": "ɹ", "S": "s", "SH": "ʃ", "T": "t", "TH": "θ",
    "UH": "ʊ", "UW": "u", "V": "v", "W": "w", "Y": "j", "Z": "z", "ZH": "ʒ", "SIL": SILENCE,
}


def arpabet_to_ipa(phone: str) -> str:
    """The IPA symbol of an ARPAbet phone (stress digits ignored); unknown phones become silence."""
    return ARPABET_TO_IPA.get(phone.rstrip("012").upper(), SILENCE)
