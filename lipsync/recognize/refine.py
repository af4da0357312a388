"""Phone boundaries placed closer to where a person labelling by hand puts them.

An HMM aligner sees speech in 10 ms frames with a 25.6 ms analysis window and gives each
state at least one frame, so its boundaries are biased, and the bias depends on the kind of
boundary: a vowel's end before a stop or a fricative comes about 10 ms early (the window
already hears the closure), the start of a vowel after a liquid a little late. The bias of
each kind of boundary is learned from hand-labelled speech (``benchmarks/boundary_bias.py``,
cross-validated) and shipped as data (``lipsync/data/boundary_bias.json``);
:func:`correct_bias` moves every boundary between two phones by its kind's bias.

The aligner also gives an ``l`` after a vowel too much of the two (:func:`balance_laterals`):
the vowel's formants glide slowly into a dark l, and its model of the l takes the glide.

Kinds are named ``LEFT>RIGHT`` by broad phone class (:func:`broad_class`): ``V`` vowel, ``P``
lip closure (m b p), ``F`` f v θ ð, ``T`` other stops and nasals at the teeth ridge (t d n),
``S`` sibilants (s z ʃ ʒ tʃ dʒ), ``K`` velar and palatal (k g ŋ), ``L`` l, ``R`` r, ``W`` w,
``Y`` j, ``H`` h.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace

from ..phonemes import is_vowel, viseme_class
from ..sheet import Phone

_CLASS_LETTERS = {
    "bilabial": "P", "labiodental": "F", "dental": "F", "alveolar": "T", "sibilant": "S",
    "postalveolar": "S", "lateral": "L", "rhotic": "R", "palatal": "Y", "velar": "K",
    "glottal": "H", "labiovelar": "W", "silence": "sil",
}
#: Boundaries touching (within this many seconds) belong to two phones.
TOUCH_SECONDS = 1e-3


def broad_class(symbol: str) -> str:
    """The broad class letter of an IPA phone (see the module's description).

    >>> [broad_class(s) for s in ("ɑ", "t", "s", "m", "ŋ")]
    ['V', 'T', 'S', 'P', 'K']
    """
    if is_vowel(symbol):
        return "V"
    return _CLASS_LETTERS.get(viseme_class(symbol), "T")


def boundary_kind(left: str | None, right: str | None) -> str:
    """The kind of the boundary between two phones, e.g. ``V>T``; None is a pause (``sil``).

    >>> boundary_kind("æ", "t"), boundary_kind("n", None)
    ('V>T', 'T>sil')
    """
    return f"{'sil' if left is None else broad_class(left)}>{'sil' if right is None else broad_class(right)}"


def boundaries(phones: Sequence[Phone]) -> list[tuple[float, str]]:
    """Every boundary of a phone timeline with its kind: between touching phones, and at the
    edges of speech (a phone next to a pause).

    >>> boundaries([Phone(0.1, 0.2, "m"), Phone(0.2, 0.3, "ɑ")])
    [(0.1, 'sil>P'), (0.2, 'P>V'), (0.3, 'V>sil')]
    """
    ordered = sorted(phones, key=lambda phone: (phone.start, phone.end))
    found: list[tuple[float, str]] = []
    for index, phone in enumerate(ordered):
        before = ordered[index - 1] if index else None
        if before is None or phone.start - before.end > TOUCH_SECONDS:
            found.append((phone.start, boundary_kind(None, phone.symbol)))
        else:
            found.append((phone.start, boundary_kind(before.symbol, phone.symbol)))
        after = ordered[index + 1] if index + 1 < len(ordered) else None
        if after is None or after.start - phone.end > TOUCH_SECONDS:
            found.append((phone.end, boundary_kind(phone.symbol, None)))
    return found


@functools.lru_cache(maxsize=1)
def shipped_bias() -> tuple[Mapping[str, float], float]:
    """The bias (seconds, aligned minus hand-labelled) of each kind of boundary as shipped, and
    the bias of kinds not in the table."""
    text = importlib.resources.files("lipsync").joinpath("data/boundary_bias.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return {str(kind): float(value) for kind, value in data["bias"].items()}, float(data["default"])


def correct_bias(phones: Sequence[Phone], bias: Mapping[str, float], min_phone: float = 0.01,
                 default: float = 0.0) -> tuple[Phone, ...]:
    """Each boundary moved back by its kind's ``bias`` (seconds; kinds not in the table by
    ``default``): between two touching phones, and at the edges of speech (kinds ``sil>...``
    and ``...>sil``, which only move inward here: an edge is where the sound starts or stops,
    and a phone is never stretched into the pause). No phone gets shorter than ``min_phone``.

    >>> phones = [Phone(0.0, 0.2, "æ"), Phone(0.2, 0.3, "n")]
    >>> [(p.start, p.end) for p in correct_bias(phones, {"V>T": -0.01, "T>sil": 0.03})]
    [(0.0, 0.21), (0.21, 0.27)]
    """
    result = sorted(phones, key=lambda phone: (phone.start, phone.end))
    for index, phone in enumerate(result):
        before = result[index - 1] if index else None
        if before is not None and phone.start - before.end <= TOUCH_SECONDS:
            shift = bias.get(boundary_kind(before.symbol, phone.symbol), default)
            low, high = before.start + min_phone, phone.end - min_phone
            if low <= high:
                moved = round(min(max(phone.start - shift, low), high), 6)
                result[index - 1] = replace(before, end=moved)
                phone = result[index] = replace(phone, start=moved)
        elif (shift := bias.get(boundary_kind(None, phone.symbol), 0.0)) < 0:
            phone = result[index] = replace(phone, start=round(min(phone.start - shift, max(phone.start, phone.end - min_phone)), 6))
        after = result[index + 1] if index + 1 < len(result) else None
        if after is None or after.start - phone.end > TOUCH_SECONDS:
            shift = bias.get(boundary_kind(phone.symbol, None), 0.0)
            if shift > 0:
                result[index] = replace(phone, end=round(max(phone.end - shift, min(phone.end, phone.start + min_phone)), 6))
    return tuple(result)


def balance_laterals(phones: Sequence[Phone], ratio: float = 1.0) -> tuple[Phone, ...]:
    """Each ``l`` that touches a vowel before it and lasts more than ``ratio`` times that vowel
    starts where it lasts exactly ``ratio`` times the vowel (the two keep their span).

    An HMM aligner hears the vowel's slow glide into a dark l as the l and gives the l the
    vowel's end: on eval-dev (with the script) a vowel's end before an l was among the boundary
    kinds least often within 20 ms of the hand labels (half of them; 10 ms early at the median),
    and 100-150 ms early where the aligner's l lasted 3.5 to 7 times its vowel. The vowel is the
    nucleus of its syllable and a person labelling by hand, like the mouth, keeps it until the
    tongue tip reaches the ridge: in eval-dev's hand labels the vowel outlasts the l after it in
    65 of 84 pairs, the others mostly a schwa before a syllabic l, by little. ``ratio`` 1 is that
    rule, nothing fitted; 0 changes nothing.

    >>> [(p.start, p.end) for p in balance_laterals([Phone(0.0, 0.05, "oʊ"), Phone(0.05, 0.25, "l")])]
    [(0.0, 0.125), (0.125, 0.25)]
    >>> [(p.start, p.end) for p in balance_laterals([Phone(0.0, 0.1, "ɑ"), Phone(0.1, 0.16, "l")])]
    [(0.0, 0.1), (0.1, 0.16)]
    """
    result = sorted(phones, key=lambda phone: (phone.start, phone.end))
    if ratio <= 0:
        return tuple(result)
    for index in range(1, len(result)):
        vowel, lateral = result[index - 1], result[index]
        if (viseme_class(lateral.symbol) != "lateral" or not is_vowel(vowel.symbol)
                or lateral.start - vowel.end > TOUCH_SECONDS):
            continue
        if lateral.end - lateral.start > ratio * (vowel.end - vowel.start):
            moved = round(vowel.start + (lateral.end - vowel.start) / (1.0 + ratio), 6)
            result[index - 1] = replace(vowel, end=moved)
            result[index] = replace(lateral, start=moved)
    return tuple(result)
