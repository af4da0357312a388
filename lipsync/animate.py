"""Phones to mouth shapes, through a preset.

:func:`animate` lists its steps; each is a pure function from one timeline to the next:

0. with a preset that animates by morae (``morae = true``, the anime presets), the phones of a
   Japanese script are regrouped into morae (:func:`lipsync.japanese.morae_of_japanese`);
1. :func:`target_shapes`: each phone's shape from its viseme class in context
   (:func:`lipsync.allophones.classes_in_context`; diphthongs split into their two vowels'
   shapes, long vowels opened wider where the preset says so);
2. :func:`fill_pauses`: short pauses hold the shape, medium ones relax, long ones rest;
3. :func:`merge_repeats`: neighbouring stretches of one shape become one.

Frame timing (lead, minimum hold, twos and threes) happens on frames, in :mod:`lipsync.frames`.
"""

from __future__ import annotations

from collections.abc import Sequence

from .allophones import classes_in_context
from .japanese import morae_of_japanese
from .phonemes import is_vowel, split_vowels, viseme_class
from .presets import Preset
from .sheet import Phone, Shape


def animate(phones: Sequence[Phone], preset: Preset, duration: float) -> tuple[Shape, ...]:
    """The mouth shapes for ``phones`` over ``duration`` seconds, rest where nobody speaks.

    >>> from lipsync.presets import load_preset
    >>> shapes = animate([Phone(0.5, 0.6, "m"), Phone(0.6, 0.8, "ɑ")], load_preset("rhubarb"), 1.0)
    >>> [(s.start, s.name) for s in shapes]
    [(0.0, 'X'), (0.5, 'A'), (0.6, 'D'), (0.8, 'X')]
    """
    if preset.morae:
        phones = morae_of_japanese(phones)
    shapes = target_shapes(phones, preset)
    shapes = fill_pauses(shapes, preset, duration)
    return merge_repeats(shapes)


#: A diphthong's glide to its second vowel shows only when it lasts this long (about two frames at
#: 24 fps); shorter glides read as the first vowel alone.
MIN_GLIDE_SECONDS = 0.08


def target_shapes(phones: Sequence[Phone], preset: Preset) -> list[Shape]:
    """One shape per phone (two for a diphthong whose vowels look different and whose glide is
    long enough to see), from its viseme class in context."""
    shapes: list[Shape] = []
    split = preset.timing.diphthong_split
    ordered = [phone for phone in sorted(phones, key=lambda p: (p.start, p.end)) if phone.end > phone.start]
    for phone, found in zip(ordered, classes_in_context(ordered)):
        duration = phone.end - phone.start
        first = preset.shape_for_symbol(phone.symbol, found, duration)
        vowels = split_vowels(phone.symbol) if is_vowel(phone.symbol) else ()
        if len(vowels) >= 2 and duration * (1 - split) >= MIN_GLIDE_SECONDS - 1e-9:
            last = preset.shape_for(viseme_class(vowels[-1]), duration * (1 - split))
            if last != first:
                middle = phone.start + duration * split
                shapes.append(Shape(phone.start, middle, first))
                shapes.append(Shape(middle, phone.end, last))
                continue
        shapes.append(Shape(phone.start, phone.end, first))
    return shapes


def fill_pauses(shapes: Sequence[Shape], preset: Preset, duration: float) -> list[Shape]:
    """Cover ``0..duration``: gaps shorter than ``hold_gap`` hold the previous shape, gaps up to
    ``relax_gap`` show the relaxed shape, longer gaps (and the ends) rest."""
    timing = preset.timing
    rest = preset.rest
    relaxed = timing.relaxed or rest
    filled: list[Shape] = []
    cursor = 0.0
    for shape in shapes:
        start = max(shape.start, cursor)
        end = min(shape.end, duration)
        if end <= start:
            continue
        gap = start - cursor
        if gap > 0:
            if not filled or gap > timing.relax_gap:
                filled.append(Shape(cursor, start, rest))
            elif gap < timing.hold_gap:
                previous = filled[-1]
                filled[-1] = Shape(previous.start, start, previous.name)
            else:
                filled.append(Shape(cursor, start, relaxed))
        filled.append(Shape(start, end, shape.name))
        cursor = end
    if cursor < duration:
        filled.append(Shape(cursor, duration, rest))
    return filled


def merge_repeats(shapes: Sequence[Shape]) -> tuple[Shape, ...]:
    """Join neighbouring shapes of the same name."""
    merged: list[Shape] = []
    for shape in shapes:
        if merged and merged[-1].name == shape.name and abs(merged[-1].end - shape.start) < 1e-9:
            merged[-1] = Shape(merged[-1].start, shape.end, shape.name)
        else:
            merged.append(shape)
    return tuple(merged)
