"""Recognition: from audio (and the script, when there is one) to a timeline of phones.

With a script, lines are force-aligned (:mod:`.align`); without one, phones are recognized
directly. Both return the same :class:`Recognition`; the animation stage does not care which
produced it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
import bisect
from dataclasses import dataclass, replace
from typing import TypeVar

from ..audio import Audio
from ..dialogue import Line, words_of
from ..errors import ScriptError
from ..sheet import Phone, Word
from ..vad import speech_segments, split_long
from . import align
from .chunks import Chunk, run_chunks

Timed = TypeVar("Timed", Phone, Word)

_MAX_CHUNK_SECONDS = 20.0
_MIN_PHONE_SECONDS = 0.01
# A stretch's first phone starting at most this late is moved back to the stretch's onset.
_ONSET_SNAP_SECONDS = 0.15
# Padding of the speech stretches that phones are trimmed to (the VAD pads 30 ms by default).
_TRIM_PAD = 0.0
# A stretch of speech this long that aligned words cover less than _MIN_COVERAGE of is unscripted.
_MIN_UNSCRIPTED_SECONDS = 0.4
_MIN_COVERAGE = 0.4
_WRONG_LANGUAGE_SHARE = 0.6


@dataclass(frozen=True)
class Recognition:
    """Phones and words found in a recording, and warnings about what did not fit the script."""

    phones: tuple[Phone, ...]
    words: tuple[Word, ...]
    warnings: tuple[str, ...] = ()


def clock(seconds: float) -> str:
    """``m:ss.s`` for messages."""
    minutes, rest = divmod(max(0.0, seconds), 60.0)
    return f"{int(minutes)}:{rest:04.1f}"


def _excerpt(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def recognize(audio: Audio, lines: Sequence[Line] | None = None, *, language: str = "en-us",
              jobs: int = 1, on_progress: Callable[[float], None] | None = None) -> Recognition:
    """Find the phones in ``audio``: aligned to ``lines`` when given, else recognized freely.

    ``on_progress(seconds)`` is called as stretches of audio are finished.
    """
    stretches = speech_segments(audio.samples, audio.sample_rate)
    if not lines:
        found = _recognize_freely(audio, stretches, jobs, on_progress)
    else:
        found = _align_script(audio, lines, stretches, language, jobs, on_progress)
    heard = speech_segments(audio.samples, audio.sample_rate, pad=_TRIM_PAD)
    return Recognition(trim_to_speech(found.phones, heard), trim_to_speech(found.words, heard), found.warnings)


def trim_to_speech(items: Sequence[Timed], stretches: Sequence[tuple[float, float]]) -> tuple[Timed, ...]:
    """Fit phones (or words) to the stretches of speech the voice activity detector found.

    Acoustic models let the first and last phones of an utterance, and words next to a pause,
    swallow the silence around them, and sometimes start a soft onset late; the detector knows
    better where the sound starts and stops. Each item is clipped to the stretch it overlaps
    most, and the first item of a stretch that starts a little late is moved back to the
    stretch's onset. Items left shorter than 10 ms are dropped.
    """
    fitted: list[Timed] = []
    starts = [start for start, _ in stretches]
    opened: set[tuple[float, float]] = set()
    for item in sorted(items, key=lambda i: (i.start, i.end)):
        first = max(0, bisect.bisect_right(starts, item.start) - 1)
        last = bisect.bisect_left(starts, item.end)
        best = max(stretches[first:max(last, first + 1)],
                   key=lambda s: min(s[1], item.end) - max(s[0], item.start), default=None)
        if best is None:
            continue
        start, end = max(item.start, best[0]), min(item.end, best[1])
        if best not in opened and end > start:
            opened.add(best)
            if start - best[0] < _ONSET_SNAP_SECONDS:
                start = best[0]
        if end - start >= _MIN_PHONE_SECONDS:
            fitted.append(replace(item, start=start, end=end))
    return tuple(fitted)


def _phone_chunks(audio: Audio, stretches: Sequence[tuple[float, float]]) -> list[Chunk]:
    pieces = split_long(stretches, _MAX_CHUNK_SECONDS, audio.samples, audio.sample_rate)
    rate = audio.sample_rate
    return [Chunk(start, audio.samples[int(start * rate):int(end * rate)]) for start, end in pieces]


def _offset_phones(chunk: Chunk, found) -> list[Phone]:
    return [Phone(chunk.offset + start, chunk.offset + end, symbol) for symbol, start, end in found]


def _recognize_freely(audio: Audio, stretches, jobs: int, on_progress) -> Recognition:
    chunks = _phone_chunks(audio, stretches)
    results = run_chunks(chunks, jobs, on_progress)
    phones = [phone for chunk, found in zip(chunks, results) for phone in _offset_phones(chunk, found)]
    return Recognition(tuple(phones), ())


def _align_script(audio: Audio, lines: Sequence[Line], stretches, language: str, jobs: int,
                  on_progress) -> Recognition:
    words = align.prepare_words(lines, language)
    if language.startswith("en") and align.out_of_dictionary_share(words) > _WRONG_LANGUAGE_SHARE:
        raise ScriptError("most script words are not English words: is the script in another language?",
                          "check that --script matches the recording")
    if not stretches:
        return Recognition((), (), ())
    groups = align.plan_chunks(words, len(lines), stretches, audio.duration)
    aligned = dict(zip(groups, _align_groups(audio, groups, words, jobs, on_progress)))
    failed = {index for index, group in enumerate(groups) if not _fits(aligned[group], group, words, stretches)}
    heard: dict[tuple[float, float], list[Phone]] = {}
    if failed and (len(groups) > 1 or len(groups[0].lines) > 1):
        # The length-based plan went wrong somewhere: re-match those regions by what was heard.
        region = [s for first, last in align.repair_regions(groups, failed) for s in stretches
                  if groups[first].start <= s[0] and s[1] <= groups[last].end]
        heard = _hear(audio, region, jobs)
        letters = {stretch: align.class_letters([p.symbol for p in phones]) for stretch, phones in heard.items()}
        groups = align.repair_plan(groups, failed, words, stretches, letters)
        todo = [group for group in groups if group not in aligned]
        aligned.update(zip(todo, _align_groups(audio, todo, words, jobs, None)))
        groups = _drop_unrecorded_lines(audio, groups, aligned, words, jobs)

    phones: list[Phone] = []
    found_words: list[Word] = []
    warnings: list[str] = []
    unaligned: list[tuple[float, float]] = []
    for group in groups:
        located = aligned[group]
        group_words = [w for w in words if w.line in set(group.lines)]
        if located is None:
            first = lines[group.lines[0]]
            warnings.append(f"line {first.number} (\"{_excerpt(first.text)}\") does not match the recording "
                            f"at {clock(group.start)}-{clock(group.end)}; used script-free recognition there")
            unaligned.append((group.start, group.end))
            continue
        offset = max(0.0, group.start - align.PAD)
        missing = align.squeezed_lines(located, group_words)
        for index in sorted(missing):
            warnings.append(f"line {lines[index].number} (\"{_excerpt(lines[index].text)}\") was not found "
                            f"in the recording near {clock(group.start)}")
        group_phones, group_found = align.aligned_phones(offset, located, group_words, missing)
        phones.extend(group_phones)
        found_words.extend(group_found)

    matched = {index for group in groups for index in group.lines}
    for index, line in enumerate(lines):
        if index not in matched and words_of(line.text):
            warnings.append(f"line {line.number} (\"{_excerpt(line.text)}\") was not found in the recording")
    extra = [s for group in groups if aligned[group] is not None
             for s in _unscripted_in_group(aligned[group], group, stretches)]
    for start, end in sorted(_uncovered(stretches, groups) + extra):
        warnings.append(f"speech at {clock(start)}-{clock(end)} is not in the script; "
                        "used script-free recognition there")
        unaligned.append((start, end))
    missing_stretches = [s for s in stretches if s not in heard and any(a <= s[0] and s[1] <= b for a, b in unaligned)]
    heard.update(_hear(audio, missing_stretches, jobs))
    for stretch, stretch_phones in heard.items():
        if any(a <= stretch[0] and stretch[1] <= b for a, b in unaligned):
            phones.extend(stretch_phones)
    phones.sort(key=lambda phone: (phone.start, phone.end))
    return Recognition(tuple(phones), tuple(found_words), tuple(warnings))


def _drop_unrecorded_lines(audio: Audio, groups: Sequence[align.Group], aligned: dict,
                           words, jobs: int) -> tuple[align.Group, ...]:
    """Where a group of several lines still fails to align, find the one line that was not
    recorded: the group aligns once it is left out (an extra word makes alignment fail)."""
    result = []
    for group in groups:
        if aligned[group] is not None or len(group.lines) < 2:
            result.append(group)
            continue
        trials = [align.Group(tuple(l for l in group.lines if l != left_out), group.start, group.end)
                  for left_out in group.lines]
        outcomes = _align_groups(audio, trials, words, jobs, None)
        fitting = [(trial, located) for trial, located in zip(trials, outcomes) if located is not None]
        if len(fitting) == 1:
            trial, located = fitting[0]
            aligned[trial] = located
            result.append(trial)
        else:
            result.append(group)
    return tuple(result)


def _align_groups(audio: Audio, groups, words, jobs: int, on_progress) -> list:
    chunks = [align.group_chunk(group, words, audio.samples, audio.sample_rate) for group in groups]
    return run_chunks(chunks, jobs, on_progress)


def _fits(located, group: align.Group, words, stretches: Sequence[tuple[float, float]]) -> bool:
    """True when a group aligned, none of its lines was squeezed out, and words cover each of
    its stretches of speech (else some speech there is not in the script)."""
    if located is None:
        return False
    if align.squeezed_lines(located, [w for w in words if w.line in set(group.lines)]):
        return False
    return not _unscripted_in_group(located, group, stretches)


def _unscripted_in_group(located, group: align.Group,
                         stretches: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Stretches of speech inside an aligned group that its words barely touch."""
    offset = max(0.0, group.start - align.PAD)
    spans = [(offset + word.start, offset + word.end) for word in located]
    unscripted = []
    for start, end in stretches:
        if group.start <= start and end <= group.end and end - start >= _MIN_UNSCRIPTED_SECONDS:
            covered = sum(max(0.0, min(end, b) - max(start, a)) for a, b in spans)
            if covered < _MIN_COVERAGE * (end - start):
                unscripted.append((start, end))
    return unscripted


def _hear(audio: Audio, stretches: Sequence[tuple[float, float]], jobs: int) -> dict[tuple[float, float], list[Phone]]:
    """The phones recognized in each stretch, without a script."""
    heard: dict[tuple[float, float], list[Phone]] = {}
    pieces = [(stretch, chunk) for stretch in stretches for chunk in _phone_chunks(audio, [stretch])]
    results = run_chunks([chunk for _, chunk in pieces], jobs)
    for (stretch, chunk), found in zip(pieces, results):
        heard.setdefault(stretch, []).extend(_offset_phones(chunk, found))
    return heard


def _uncovered(stretches: Sequence[tuple[float, float]], groups: Sequence[align.Group]) -> list[tuple[float, float]]:
    """Speech stretches that no group covers."""
    return [(start, end) for start, end in stretches
            if not any(group.start <= start and end <= group.end for group in groups)]
