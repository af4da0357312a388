"""Japanese: kanji scripts read as kana, and phones regrouped into morae for kuchipaku.

Recognition keeps the real phones; regrouping into morae is an animation step that a preset
chooses (``morae = true``, :func:`lipsync.animate.animate`).

espeak-ng reads kana but not kanji, so scripts are first converted with pykakasi (its dictionary
is bundled: no network, no model download). Anime mouths follow each mora's vowel: a mora's
consonant takes its vowel's mouth (except lip closures, M B P, which are never lost), the moraic
nasal ん and the sokuon っ are their own morae (``ɴ`` and ``ʔ``, closed in the anime presets),
and the second half of a long vowel holds the first's mouth.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import replace

from .errors import MissingToolError
from .phonemes import is_bilabial, is_vowel, split_vowels
from .sheet import Phone

_HAS_KANJI = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf\u3005]")
_HAS_KANA = re.compile(r"[\u3041-\u309f\u30a0-\u30ff\uff66-\uff9f]")
_NASALS = {"n", "m", "ŋ", "ɲ", "ɴ", "ɱ"}
# espeak-ng writes ん before s, h, y, w and vowels as a nasalized vowel
_NASAL_VOWEL = "\u0303"


@functools.lru_cache(maxsize=1)
def _kakasi():
    try:
        import pykakasi
    except ImportError:  # pragma: no cover - a dependency of lipsync
        raise MissingToolError("pykakasi is needed for Japanese scripts with kanji",
                               "pip install pykakasi") from None
    return pykakasi.kakasi()


def kana_tokens(text: str) -> list[tuple[str, str]]:
    """The words of a Japanese text with their readings in hiragana.

    >>> kana_tokens("学校へ行きます")
    [('学校', 'がっこう'), ('へ', 'へ'), ('行き', 'いき'), ('ます', 'ます')]
    """
    tokens = []
    for item in _kakasi().convert(text):
        original, reading = item["orig"], item["hira"]
        if original.strip():
            tokens.append((original, reading or original))
    return tokens


def needs_reading(text: str) -> bool:
    """True when the text has kanji (which espeak-ng cannot read)."""
    return bool(_HAS_KANJI.search(text))


def is_japanese(phones: Sequence[Phone]) -> bool:
    """True when the phones come from a Japanese script: some word is written with kana
    (Chinese, also written with hanzi, has none).

    >>> is_japanese([Phone(0.0, 0.1, "k", "学校"), Phone(0.1, 0.2, "ä", "は")]), is_japanese([Phone(0, 0.1, "a", "中文")])
    (True, False)
    """
    return any(phone.word is not None and _HAS_KANA.search(phone.word) for phone in phones)


def morae_of_japanese(phones: Sequence[Phone]) -> tuple[Phone, ...]:
    """The phones of a Japanese script's words regrouped into morae (:func:`mora_phones`);
    phones recognized without the script, and phones of other languages, as they are."""
    if not is_japanese(phones):
        return tuple(phones)
    scripted = [phone for phone in phones if phone.word is not None]
    return tuple(sorted([phone for phone in phones if phone.word is None] + list(mora_phones(scripted)),
                        key=lambda phone: (phone.start, phone.end)))


def _vowel_key(symbol: str) -> str:
    vowels = split_vowels(symbol)
    return vowels[-1] if vowels else ""


def _nasalized(symbol: str) -> bool:
    return _NASAL_VOWEL in unicodedata.normalize("NFD", symbol)


def _is_moraic_nasal(phones: Sequence[Phone], index: int) -> bool:
    phone = phones[index]
    if _nasalized(phone.symbol) or phone.symbol == "ɴ":
        return True
    if phone.symbol not in _NASALS:
        return False
    following = phones[index + 1] if index + 1 < len(phones) else None
    return following is None or following.word != phone.word or not is_vowel(following.symbol)


def mora_phones(phones: Sequence[Phone]) -> tuple[Phone, ...]:
    """Japanese phones regrouped into morae (see the module's description).

    >>> ps = [Phone(0.0, 0.1, "k"), Phone(0.1, 0.2, "ä", "か"), Phone(0.2, 0.3, "ɴ", "か")]
    >>> [(p.start, p.end, p.symbol) for p in mora_phones(ps)]
    [(0.0, 0.2, 'ä'), (0.2, 0.3, 'ɴ')]
    """
    ordered = sorted(phones, key=lambda p: (p.start, p.end))
    result: list[Phone] = []
    pending: list[Phone] = []
    previous_vowel: Phone | None = None
    for index, phone in enumerate(ordered):
        following = ordered[index + 1] if index + 1 < len(ordered) else None
        same_word = following is not None and following.word == phone.word and following.line == phone.line
        if _is_moraic_nasal(ordered, index):
            result.extend(pending)
            pending = []
            if is_bilabial(phone.symbol):  # ん before m b p: the lips close anyway
                result.append(phone)
            else:
                result.append(replace(phone, symbol="ɴ"))
            previous_vowel = None
            continue
        if is_vowel(phone.symbol):
            held = (previous_vowel is not None and not pending and previous_vowel.word == phone.word
                    and _long_pair(previous_vowel.symbol, phone.symbol))
            symbol = previous_vowel.symbol if held else phone.symbol
            start = phone.start
            for consonant in pending:
                if is_bilabial(consonant.symbol):
                    result.append(consonant)
                    start = consonant.end
                else:
                    start = min(start, consonant.start)
            pending = []
            vowel = replace(phone, start=start, symbol=symbol)
            result.append(vowel)
            previous_vowel = vowel
            continue
        # a consonant: the sokuon when another consonant follows in the same word
        if same_word and not is_vowel(following.symbol) and not is_bilabial(phone.symbol):
            result.extend(pending)
            pending = []
            result.append(replace(phone, symbol="ʔ"))
            previous_vowel = None
            continue
        pending.append(phone)
    result.extend(pending)
    return tuple(result)


def _long_pair(first: str, second: str) -> bool:
    """A long vowel written as two: a+a, o+u (おう), e+i (えい), i+i, u+u..."""
    a, b = _vowel_key(first), _vowel_key(second)
    return a == b or (a in "oɔ" and b in "uɯ") or (a in "eɛ" and b in "iɪ")
