"""Languages: ``--language`` codes (BCP-47 or espeak-ng), their validation, and ``auto``
detection from the script's characters.

Any language espeak-ng speaks can be aligned: its pronunciations (IPA) are mapped to the English
acoustic model's nearest phones for alignment, while the mouth shapes come from the IPA itself.

>>> espeak_code("pt-BR"), espeak_code("zh"), espeak_code("fr"), espeak_code("en")
('pt-br', 'cmn', 'fr-fr', 'en-us')
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable

from .errors import OptionError, OptionHint, ScriptError

# BCP-47 tags (lowercased) that espeak-ng names differently.
_ALIASES = {
    "en": "en-us", "en-ca": "en-us", "en-gb": "en-gb", "en-uk": "en-gb", "en-au": "en-gb", "en-nz": "en-gb",
    "en-ie": "en-gb", "en-in": "en-gb", "en-za": "en-gb", "en-jm": "en-029",
    "fr": "fr-fr", "fr-ca": "fr-fr", "zh": "cmn", "zh-cn": "cmn", "zh-hans": "cmn", "zh-tw": "cmn",
    "zh-hant": "cmn", "zh-sg": "cmn", "cmn-hans": "cmn", "zh-hk": "yue", "zh-yue": "yue", "yue-hk": "yue",
    "es-es": "es", "es-mx": "es-419", "es-us": "es-419", "es-ar": "es-419", "es-co": "es-419",
    "es-cl": "es-419", "es-pe": "es-419", "es-la": "es-419", "pt-pt": "pt", "no": "nb", "nn": "nb",
    "ja-jp": "ja", "ko-kr": "ko", "de-de": "de", "de-at": "de", "de-ch": "de", "it-it": "it",
    "ru-ru": "ru", "pl-pl": "pl", "nl-nl": "nl", "nl-be": "nl", "sv-se": "sv", "tr-tr": "tr",
    "hi-in": "hi", "he-il": "he", "iw": "he", "in": "id", "fil": "tl", "el-gr": "el",
}


@functools.lru_cache(maxsize=1)
def espeak_voices() -> frozenset[str]:
    """espeak-ng's language codes on this machine."""
    from .g2p import espeak_languages

    return frozenset(espeak_languages())


def espeak_code(code: str, voices: Iterable[str] | None = None) -> str:
    """The espeak-ng language for a BCP-47 or espeak-ng code, an ISO 639-2/3 code or a
    language's name in English or in the language itself; OptionError with close matches
    when espeak-ng does not speak it.

    >>> espeak_code("spa", ["es", "de", "fr-fr"]), espeak_code("Deutsch", ["es", "de", "fr-fr"])
    ('es', 'de')
    """
    from . import language_names

    known = frozenset(voices) if voices is not None else espeak_voices()
    found = _known_code(code, known)
    if found:
        return found
    tag = language_names.standard_tag(code, known)
    found = _known_code(tag, known) if tag else None
    if found:
        return found
    wanted = code.strip().replace("_", "-").lower()
    close = difflib.get_close_matches(wanted, sorted(known), n=5, cutoff=0.5) if len(wanted) <= 3 or "-" in wanted else []
    same = sorted(v for v in known if v.split("-")[0] == wanted.split("-")[0])
    suggestions = list(dict.fromkeys(same + language_names.close_names(code, known) + close))[:6]
    named = [f"{suggestion} ({language_names.language_label(suggestion)})" for suggestion in suggestions]
    hint = (f"did you mean {', '.join(named)}? " if named else "") + \
        "'espeak-ng --voices' lists every language; 'auto' detects it from the script"
    what = f"{language_names.language_label(tag)} ({tag})" if tag else "it"
    raise OptionError(f"unknown language {code!r}: espeak-ng does not speak {what}", hint)


def _known_code(code: str, known: frozenset[str]) -> str | None:
    """The espeak-ng code for a BCP-47 or espeak-ng code, through aliases and shorter prefixes
    (``de-CH-1996`` -> ``de``); None when espeak-ng has none."""
    wanted = code.strip().replace("_", "-").lower()
    candidates = [wanted, _ALIASES.get(wanted, "")]
    if "-" in wanted:  # de-CH-1996 -> de-ch -> de
        parts = wanted.split("-")
        for size in range(len(parts) - 1, 0, -1):
            prefix = "-".join(parts[:size])
            candidates += [prefix, _ALIASES.get(prefix, "")]
    by_lower = {voice.lower(): voice for voice in known}
    return next((by_lower[candidate] for candidate in candidates if candidate in by_lower), None)


def is_english(language: str) -> bool:
    """True for the English voices (aligned with the acoustic model's own dictionary)."""
    return language.split("-")[0] == "en"


# Unicode scripts that name a language without doubt (Han alone is Chinese: with kana it is Japanese).
_SCRIPTS = (
    ("ja", re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")),
    ("ko", re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")),
    ("cmn", re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff\u0750-\u077f]")),
    ("hi", re.compile(r"[\u0900-\u097f]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("ka", re.compile(r"[\u10a0-\u10ff]")),
    ("hy", re.compile(r"[\u0530-\u058f]")),
    ("bn", re.compile(r"[\u0980-\u09ff]")),
    ("ta", re.compile(r"[\u0b80-\u0bff]")),
)

# Frequent short words that tell Latin-script languages apart.
_STOPWORDS = {
    "en-us": "the and is you that it to of what this are was for have with not be my your we me do "
             "i he she they them his her our their a an in on at by from but or if so no yes all can "
             "will would could should there here where when why how who which been has had were am "
             "please thank thanks now just like know want need going come go get got out up down",
    "es": "el la los las que de y es no un una por con para está estoy qué pero muy eres yo tú usted "
          "del al lo le se su sus mi mis te nos como cuando donde dónde porque hay son soy era fue "
          "este esta eso esto ese esa hola gracias sí también hasta desde sobre entre todo todos nada "
          "bien aquí ahora vamos buenos buenas días señor en hoy",
    "fr": "le la les et est je tu vous il elle un une des que qui pas ne ce c'est suis avec pour mais "
          "du au aux en dans sur nous ils elles on son sa ses mon ma mes ton ta tes leur oui non "
          "bonjour merci très bien où comme tout tous fait être avoir ai as avons sont était "
          "aujourd'hui j'ai n'est qu'il",
    "de": "der die das und ist ich du nicht ein eine zu mit es sie wir den dem ja auch bin bist was "
          "des im am vom zum zur auf aus bei für von nach über unter wie wo wer warum hat habe haben "
          "sind war wird werden kann können mein dein sein ihr unser euch mich dich sich noch schon "
          "nur sehr gut guten morgen danke bitte heute hier jetzt",
    "it": "il la e è che di un una non per sono sei io tu lo gli le ma con mi ti cosa questo "
          "del della dei delle al alla nel nella sul come dove quando perché ho hai ha abbiamo "
          "siamo era questa quello quella molto bene grazie buongiorno ciao oggi anche ancora "
          "tutto tutti già qui sì",
    "pt": "o a os as e é que de um uma não por com para eu você estou está mas muito isso "
          "do da dos das no na nos nas ao em meu minha seu sua ele ela eles nós são foi era "
          "como onde quando porque obrigado obrigada bom boa dia hoje aqui agora também tudo",
    "nl": "de het en is een ik je niet dat van zijn wat op met te hij ze we maar "
          "ook als bij om aan er naar dan nog wel geen jij mijn hebben heb was wordt",
    "sv": "och är jag du det en ett inte att som på med för har vi han hon men "
          "till av om den var ska kan så här där nu mig dig",
    "pl": "i w nie to jest się na że z co jak tak ja ty do ale mnie "
          "jestem był była są mam ma dla od po przez czy już tylko bardzo",
    "tr": "ve bir bu da de ne için ben sen çok mi var yok ama gibi "
          "o şu ile mı mu daha sonra evet hayır neden nasıl",
}
_STOPWORD_SETS = {code: frozenset(words.split()) for code, words in _STOPWORDS.items()}
_LATIN_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# Letters (and marks) that only some Latin-script languages write. English writes none of them.
_LETTERS = {
    "es": "ñ¿¡áéíóúü", "fr": "çéèêàùâîôûëïœ", "de": "ßäöü", "it": "àèéìòù", "pt": "ãõçâêôáéíóúà",
    "sv": "åäö", "pl": "ąćęłńśźżó", "tr": "ğışçöü",
}
_USERS = {letter: sum(1 for letters in _LETTERS.values() if letter in letters)
          for letter in set("".join(_LETTERS.values()))}
# A language wins with at least this much evidence ...
_MIN_EVIDENCE = 2.0
# ... and this many times the runner-up's.
_LEAD = 1.5


def latin_scores(text: str) -> list[tuple[float, str]]:
    """Evidence per Latin-script language, best first: one point per frequent short word of the
    language, and for each word (or ¿ ¡ mark) written with letters English does not use, two
    points shared among the languages that write its rarest such letter (ñ: Spanish alone; é:
    four of them).

    >>> latin_scores("¿Dónde están las llaves?")[0]
    (5.67, 'es')
    """
    words = [w.lower() for w in _LATIN_WORD.findall(unicodedata.normalize("NFC", text))]
    tokens = words + [ch for ch in text if ch in "¿¡"]
    scores = {code: float(sum(1 for w in words if w in stop)) for code, stop in _STOPWORD_SETS.items()}
    for token in tokens:
        special = [ch for ch in token if ch in _USERS]
        if not special:
            continue
        rarest = min(special, key=lambda ch: (_USERS[ch], ch))
        for code in scores:
            if rarest in _LETTERS.get(code.split("-")[0], ""):
                scores[code] += 2.0 / _USERS[rarest]
    return sorted(((round(score, 2), code) for code, score in scores.items()), key=lambda item: (-item[0], item[1]))


def detect_language(texts: Iterable[str]) -> str:
    """The script's language from its characters: non-Latin scripts by their Unicode ranges,
    Latin scripts by their commonest words and the letters only some languages write, when one
    language clearly wins (also in a script of a few words: ``¿Dónde están las llaves?``).

    Raises ScriptError naming the best guesses when the language cannot be told (pass
    ``--language``).

    >>> detect_language(["こんにちは、世界"]), detect_language(["Привет"]), detect_language(["你好"])
    ('ja', 'ru', 'cmn')
    >>> detect_language(["Mañana vamos a la playa."]), detect_language(["Der Hund schläft."])
    ('es', 'de')
    """
    text = " ".join(texts)
    counts = {code: len(pattern.findall(text)) for code, pattern in _SCRIPTS}
    if counts["ja"]:
        return "ja"
    best = max(counts, key=lambda code: counts[code])
    letters = sum(1 for ch in text if ch.isalpha())
    if counts[best] and counts[best] >= 0.3 * letters:
        return best
    scores = latin_scores(text)
    (top, code), (second, _) = scores[0], scores[1]
    if top >= _MIN_EVIDENCE and top >= _LEAD * second:
        return code
    guesses = [f"{language_name(c)} ({c.split('-')[0]})" for score, c in scores[:3] if score > 0 and score >= top / 2]
    named = f" (it could be {' or '.join(guesses)})" if guesses else ""
    codes = [c.split("-")[0] for score, c in scores[:3] if score > 0 and score >= top / 2] or ["es", "pt-br"]
    raise ScriptError(f"cannot tell the script's language from its text{named}",
                      OptionHint((f"pass {{language}} CODE, e.g. {' or '.join('{language} ' + c for c in codes)}",)))


_NAMES = {"en": "English", "es": "Spanish", "fr": "French", "de": "German", "it": "Italian", "pt": "Portuguese",
          "nl": "Dutch", "sv": "Swedish", "pl": "Polish", "tr": "Turkish", "ja": "Japanese", "ko": "Korean",
          "cmn": "Chinese", "yue": "Cantonese", "ru": "Russian", "ar": "Arabic", "hi": "Hindi", "el": "Greek",
          "he": "Hebrew", "th": "Thai", "ka": "Georgian", "hy": "Armenian", "bn": "Bengali", "ta": "Tamil"}


def language_name(code: str) -> str:
    """An English name for a language code (the code itself when unknown)."""
    return _NAMES.get(code.split("-")[0], code)


def letters_name(texts: Iterable[str], language: str) -> bool:
    """True when the script's letters and commonest words name ``language``
    (:func:`detect_language`); False when they name another or cannot tell.

    >>> letters_name(["Le week-end, on fait du shopping au parking."], "fr-fr")
    True
    >>> letters_name(["Good morning everybody."], "fr-fr")
    False
    """
    try:
        return detect_language(texts).split("-")[0] == language.split("-")[0]
    except ScriptError:
        return False


def check_script_language(texts: Iterable[str], language: str) -> None:
    """Raise ScriptError when the script is plainly in another language than ``language``
    (e.g. a French script with ``--language en-us``). Uncertain cases pass."""
    texts = list(texts)
    try:
        found = detect_language(texts)
    except ScriptError:
        return
    if found.split("-")[0] == language.split("-")[0]:
        return
    if found in ("cmn", "yue") and language in ("cmn", "yue", "ja"):
        return
    if found == "pt" and language.startswith("pt") or found == "en-us" and is_english(language):
        return
    raise ScriptError(f"the script looks like {language_name(found)} ({found}), not {language_name(language)} "
                      f"({language})",
                      OptionHint((f"pass {{language}} {found} (or {{language}} auto) if that is the dialogue's "
                                  "language",)))
