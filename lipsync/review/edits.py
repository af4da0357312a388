"""Edits the review page asks the server for, as pure functions over a :class:`Track`.

The page moves cue boundaries, sets shapes, splits, merges and deletes cues by itself (those
are simple list operations); the server checks the result before saving (:func:`check_cues`)
and does what needs the preset's rules: re-animating a word's stretch from its phones after its
edges were moved (:func:`move_word`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..errors import FormatError
from ..pipeline import mouth_cues
from ..presets import Preset
from ..sheet import Cue, Phone, Track, Word, phone_owners
from ..timing import FrameRate


def check_cues(track: str, cues: Sequence[Cue], duration_frames: int, shapes: Sequence[str]) -> None:
    """Raise :class:`FormatError` unless ``cues`` cover frames 0 to ``duration_frames`` one
    after another, each at least one frame long, with shapes of the sheet's preset.

    >>> check_cues("Ann", [Cue(0, 2, "X"), Cue(2, 3, "A")], 5, ["A", "X"])
    >>> check_cues("Ann", [Cue(0, 2, "X"), Cue(3, 2, "A")], 5, ["A", "X"])
    Traceback (most recent call last):
    lipsync.errors.FormatError: track 'Ann': cue 2 starts at frame 3, expected 2 (cues must follow each other)
    """
    known = set(shapes)
    expected = 0
    for number, cue in enumerate(cues, 1):
        where = f"track {track!r}: cue {number}"
        if cue.frame != expected:
            raise FormatError(f"{where} starts at frame {cue.frame}, expected {expected} "
                              "(cues must follow each other)")
        if cue.length < 1:
            raise FormatError(f"{where} is {cue.length} frames long (at least 1)")
        if cue.shape not in known:
            raise FormatError(f"{where} has shape {cue.shape!r}, not one of the preset's",
                              f"shapes: {', '.join(shapes)}")
        expected = cue.end
    if expected != duration_frames:
        raise FormatError(f"track {track!r}: cues end at frame {expected}, the sheet at {duration_frames}")


def merge_repeats(cues: Sequence[Cue]) -> tuple[Cue, ...]:
    """Neighbouring cues of the same shape joined into one (edited if either was).

    >>> merge_repeats([Cue(0, 2, "A"), Cue(2, 1, "A", True), Cue(3, 1, "B")])
    (Cue(frame=0, length=3, shape='A', edited=True), Cue(frame=3, length=1, shape='B', edited=False))
    """
    merged: list[Cue] = []
    for cue in cues:
        if merged and merged[-1].shape == cue.shape and merged[-1].end == cue.frame:
            last = merged[-1]
            merged[-1] = Cue(last.frame, last.length + cue.length, cue.shape, last.edited or cue.edited)
        else:
            merged.append(cue)
    return tuple(merged)


def clip_cues(cues: Sequence[Cue], start: int, end: int, *, edited: bool | None = None) -> list[Cue]:
    """The parts of ``cues`` inside frames ``[start, end)``; ``edited`` set on them unless None.

    >>> clip_cues([Cue(0, 4, "A"), Cue(4, 4, "B")], 2, 5)
    [Cue(frame=2, length=2, shape='A', edited=False), Cue(frame=4, length=1, shape='B', edited=False)]
    """
    parts = []
    for cue in cues:
        low, high = max(cue.frame, start), min(cue.end, end)
        if low < high:
            parts.append(Cue(low, high - low, cue.shape, cue.edited if edited is None else edited))
    return parts


def splice_cues(old: Sequence[Cue], new: Sequence[Cue], start: int, end: int) -> tuple[Cue, ...]:
    """``old`` cues with frames ``[start, end)`` taken from ``new``. The cues the stretch's edges
    cut are shortened, so the frames outside keep their shapes. A new cue is marked edited
    unless the old cues over its frames show its shape (then it keeps their mark).

    >>> splice_cues([Cue(0, 10, "X")], [Cue(0, 3, "X"), Cue(3, 4, "A"), Cue(7, 3, "X")], 4, 5)
    (Cue(frame=0, length=4, shape='X', edited=False), Cue(frame=4, length=1, shape='A', edited=True), Cue(frame=5, length=5, shape='X', edited=False))
    >>> splice_cues([Cue(0, 4, "X"), Cue(4, 6, "A")], [Cue(0, 4, "X"), Cue(4, 6, "A")], 2, 8)
    (Cue(frame=0, length=4, shape='X', edited=False), Cue(frame=4, length=6, shape='A', edited=False))
    """
    taken = [replace(cue, edited=_edited(old, cue)) for cue in clip_cues(new, start, end)]
    return merge_repeats(clip_cues(old, 0, start) + taken + clip_cues(old, end, old[-1].end if old else end))


def _edited(old: Sequence[Cue], cue: Cue) -> bool:
    """Whether ``cue``, put over ``old`` cues, is an edit: it changes a shape there, or one of
    the old cues it covers was edited."""
    under = clip_cues(old, cue.frame, cue.end)
    return any(part.shape != cue.shape or part.edited for part in under) or not under


def _stretched(phones: Sequence[Phone], word: Word, start: float, end: float) -> list[Phone]:
    """``phones`` (``word``'s) stretched linearly with the word onto ``[start, end]``: each side
    of the stretch the word and its phones cover moves as far as that edge of the word, so a
    phone reaching past an edge that stays (a sheet whose words end inside their last phone)
    stays with it."""
    low = min([word.start, *(p.start for p in phones)])
    high = max([word.end, *(p.end for p in phones)])
    new_low, new_high = low + start - word.start, high + end - word.end
    scale = (new_high - new_low) / (high - low) if high > low else 0.0

    def place(time: float) -> float:
        return round(new_low + (time - low) * scale, 6)

    return [replace(phone, start=place(phone.start), end=place(phone.end)) for phone in phones]


def _span(phones: Sequence[Phone]) -> tuple[float, float] | None:
    """The stretch ``phones`` cover, or None when there are none."""
    return (min(p.start for p in phones), max(p.end for p in phones)) if phones else None


def _cut_back(phone: Phone, low: float, high: float) -> Phone | None:
    """``phone`` without its part in ``[low, high]`` (keeping the part before when it has one),
    or None when it lies wholly inside."""
    if phone.end <= low or phone.start >= high:
        return phone
    if phone.start < low:
        return replace(phone, end=low)
    return replace(phone, start=high) if phone.end > high else None


def move_word(track: Track, index: int, start: float, end: float, preset: Preset, rate: FrameRate,
              duration_frames: int) -> Track:
    """The track with word ``index`` moved to ``[start, end]`` seconds (kept between its
    neighbours), its phones (:func:`~lipsync.sheet.phone_owners`) stretched with it, the other
    phones cut back where they now lie (a pause the word moved into), and the cues of that
    stretch animated again from the phones through ``preset`` (marked edited where that
    changes them); the cues elsewhere are kept as they are.
    """
    words = track.words
    if not 0 <= index < len(words):
        raise FormatError(f"track {track.name!r} has no word {index + 1}", f"it has {len(words)} words")
    low = words[index - 1].end if index > 0 else 0.0
    high = words[index + 1].start if index + 1 < len(words) else rate.seconds_at(duration_frames)
    start, end = max(low, min(start, end)), min(high, max(start, end))
    if end - start < 1.0 / float(rate):
        raise FormatError(f"word {words[index].text!r} would be shorter than one frame",
                          "drag its edges further apart")
    word = words[index]
    owners = phone_owners(words, track.phones)
    own = [phone for phone, owner in zip(track.phones, owners) if owner == index]
    moved = _stretched(own, word, start, end)
    taken = _span(moved) or (start, end)  # where the others give way: where its phones now lie
    others = (_cut_back(phone, *taken) for phone, owner in zip(track.phones, owners) if owner != index)
    phones = tuple(sorted(moved + [phone for phone in others if phone is not None], key=lambda p: (p.start, p.end)))
    new_words = words[:index] + (replace(word, start=round(start, 6), end=round(end, 6)),) + words[index + 1:]
    fresh = mouth_cues(phones, preset, rate, duration_frames)
    timing = preset.timing
    times = [word.start, word.end, start, end, *(time for p in own + moved for time in (p.start, p.end))]
    first = max(0, rate.frame_at(min(times)) - timing.lead_frames - timing.step)
    last = min(duration_frames, rate.frames_in(max(times)) + timing.min_hold_frames)
    cues = splice_cues(track.cues, fresh, first, last)
    return replace(track, words=new_words, phones=phones, cues=cues)
