"""Languages named the way people name them: in English or in the language itself ("Spanish",
"español", "espanol", "Deutsch"), or by an ISO 639-2/3 code ("spa", "deu", "ger", "jpn").

:func:`lipsync.languages.espeak_code` asks here when a ``--language`` value is not a code
espeak-ng knows. Names and codes come from langcodes' CLDR data (imported only then), so this
works offline for every language espeak-ng speaks.

>>> standard_tag("spa"), standard_tag("Deutsch"), standard_tag("espanol", ["es", "de"])
('es', 'de', 'es')
"""

from __future__ import annotations

import difflib
import functools
import unicodedata
from collections.abc import Iterable


def fold(text: str) -> str:
    """``text`` lowercased, without accents, underscores or extra spaces: how a name is compared.

    >>> fold("  Español_(España) ")
    'espanol (espana)'
    """
    decomposed = unicodedata.normalize("NFKD", text.replace("_", " "))
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().split())


def standard_tag(text: str, voices: Iterable[str] = ()) -> str | None:
    """The BCP-47 tag of an ISO 639-2/3 code or of a language's name, else None.

    ``voices`` (espeak-ng codes) are matched by their English and own names with accents
    ignored, for names typed without them ("espanol", "francais").
    """
    import langcodes

    wanted = text.strip()
    if not wanted:
        return None
    if wanted.isascii() and wanted.isalpha() and len(wanted) == 3:
        language = langcodes.Language.get(wanted)
        if language.is_valid():
            return language.to_tag()
    try:
        return langcodes.find(wanted).to_tag()
    except LookupError:
        pass
    return _names(tuple(voices)).get(fold(wanted))


def language_label(tag: str) -> str:
    """A language's English name for a message, e.g. ``Klingon``, ``Spanish``."""
    import langcodes

    try:
        return langcodes.Language.get(tag).display_name()
    except ValueError:  # espeak-ng's own private codes (chr-US-Qaaa-x-west)
        return tag


def close_names(text: str, voices: Iterable[str], count: int = 4) -> list[str]:
    """Codes of the ``voices`` whose names are spelled close to ``text`` (``spansh`` -> ``es``)."""
    names = _names(tuple(voices))
    close = difflib.get_close_matches(fold(text), sorted(names), n=count, cutoff=0.75)
    return list(dict.fromkeys(names[name] for name in close))


def _names(voices: tuple[str, ...]) -> dict[str, str]:
    """Folded English and own names of each voice's language -> the voice's code (the first
    voice of a language wins: ``es`` before ``es-419``)."""
    return _names_cached(tuple(sorted(voices, key=lambda code: (code.count("-"), code))))


@functools.lru_cache(maxsize=4)
def _names_cached(voices: tuple[str, ...]) -> dict[str, str]:
    import langcodes

    names: dict[str, str] = {}
    for code in voices:
        try:
            language = langcodes.Language.get(code)
        except ValueError:  # espeak-ng's own private codes (en-us-nyc)
            continue
        base = langcodes.Language.get(language.language or code)
        for name in (language.display_name(), language.autonym(), base.display_name(), base.autonym()):
            if name and not name.lower().startswith("unknown"):
                names.setdefault(fold(name), code)
    return names
