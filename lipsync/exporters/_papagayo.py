"""The Papagayo project tree shared by the ``.pgo`` and ``.pg2`` writers (formats.md section 4).

Papagayo(-NG) keeps, per voice, phrases that hold words that hold phonemes, all on 0-based
frames at a whole-number fps; a phoneme is a Preston Blair mouth from its frame to the next one,
and the mouth rests between words. Here a voice is a track, a phrase one of its dialogue lines,
a word one of its recognised words, and the phonemes are the track's mouth shapes over the word.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..sheet import Sheet, SheetLine, Source, Track
from ..sheet import Word as SheetWord
from ..timing import FrameRate
from ._reading import ReadOptions, cues_from_changes, malformed, shape_set
from ._production import (changes, frame_shapes_at, integer_rate, preston_blair_names, retime, retime_length,
                          single_line, warn_merged)

# The word Papagayo-NG itself uses when it has mouth shapes but no words (its Rhubarb import).
_NO_WORDS = "lipsync"


@dataclass(frozen=True)
class Word:
    """A word from ``start`` to ``end`` (inclusive frames) and its ``(frame, mouth)`` phonemes."""

    text: str
    start: int
    end: int
    phonemes: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class Phrase:
    """A line of dialogue from ``start`` to ``end`` (inclusive frames) and its words."""

    text: str
    start: int
    end: int
    words: tuple[Word, ...]


@dataclass(frozen=True)
class Voice:
    """One character: a name, the whole text and the phrases."""

    name: str
    text: str
    phrases: tuple[Phrase, ...]


@dataclass(frozen=True)
class Project:
    """A Papagayo document: sound file, whole fps, length in frames and voices."""

    sound_path: str
    fps: int
    sound_duration: int
    voices: tuple[Voice, ...]


def _word_text(text: str) -> str:
    """A word as one token: Papagayo reads ``word start end count`` split on whitespace."""
    return "_".join(text.split()) or "_"


def _voice(sheet: Sheet, track: Track, rate: FrameRate, number: int, format_name: str) -> Voice:
    mouths = preston_blair_names(sheet.preset)
    shapes = frame_shapes_at(sheet, track, rate)
    warn_merged(format_name, "Papagayo's phonemes are the 10 Preston Blair mouths", track, sheet.preset, mouths,
                shapes, "use a Preston Blair preset to keep every mouth")
    per_frame = [mouths[shape] for shape in shapes]
    rest = "rest"  # what Papagayo shows outside words; a preset whose rest mouth maps to MBP needs words there too
    last = len(per_frame) - 1

    spans: list[tuple[str, int, int]] = []  # the recognised words, in order, not overlapping
    for item in sorted(track.words, key=lambda item: item.start):
        start = max(rate.frame_at(item.start), spans[-1][2] + 1 if spans else 0)
        if start > last:
            break
        spans.append((item.text, start, min(max(start, rate.frame_at(item.end) - 1), last)))
    words = [Word(_word_text(text), start, end, tuple((frame + start, name) for frame, name in
                                                      changes(per_frame[start:end + 1])))
             for text, start, end in mouth_words(per_frame, rest, spans)]
    lines = [(retime(line.frame, sheet.rate, rate), retime(line.frame + line.length, sheet.rate, rate) - 1,
              single_line(line.text))
             for line in sorted(track.lines, key=lambda line: line.frame)]
    if not lines and words:
        lines = [(words[0].start, words[-1].end, " ".join(word.text for word in words))]
    members: list[list[Word]] = [[] for _ in lines]
    starts = [start for start, _, _ in lines]
    alive = 0  # lines before this one end before the current word (words come in time order)
    previous = 0  # the line of the word before: words stay in time order through the phrases, so
    # that no phrase holds frames of a later phrase's words (Papagayo shows a frame from the first
    # phrase holding it, Synfig's import lets a later word's phoneme replace an earlier one's rest)
    for item in words:
        # The first line holding the word's start, else the line starting nearest (the first such).
        after = bisect.bisect_right(starts, item.start)
        while alive < after and lines[alive][1] < item.start:
            alive += 1
        if alive < after:
            nearest = alive
        elif after == 0:
            nearest = 0
        elif after == len(lines):
            nearest = bisect.bisect_left(starts, starts[after - 1])
        else:
            before = bisect.bisect_left(starts, starts[after - 1])
            nearest = before if item.start - starts[before] <= starts[after] - item.start else after
        previous = max(previous, nearest)
        members[previous].append(item)
    phrases = tuple(
        Phrase(text, min([start, *(item.start for item in group)]), max([end, *(item.end for item in group)]),
               tuple(group))
        for (start, end, text), group in zip(lines, members)
    )
    # Papagayo reads the voice's text as one line with "|" for each newline
    return Voice(single_line(track.name) or f"Voice {number}",
                 "|".join(phrase.text.replace("|", "/") for phrase in phrases),
                 phrases)


def mouth_words(per_frame: Sequence[str], rest: str, spans: Sequence[tuple[str, int, int]]
                ) -> list[tuple[str, int, int]]:
    """The words' frame spans (inclusive) widened so that every mouth change is inside a word.

    Papagayo shows a phoneme only inside its word and rests between words, Papagayo-NG plays
    each phoneme until the next one anywhere, and Synfig's Papagayo import rests the mouth on
    each word's last frame: for all three to show the sheet's mouth on every frame, a word
    takes the mouths leading into it (the preset's lead) and trailing after it, and ends on
    the frame its mouth gives way, holding there the mouth of that frame: ``rest`` where the
    mouth rests again, the next word's first mouth where that word starts (the first word
    holding a frame is the one Papagayo shows; Synfig takes the later word's phoneme over the
    earlier word's rest), or the frame after the sheet (as Papagayo-NG's own words end on the
    sound's length). Mouths in no word's reach (speech outside the script) get a word of their
    own, named ``lipsync`` as in Papagayo-NG's own import of mouth cues.

    >>> mouth_words(["rest", "E", "AI", "AI", "rest", "rest", "O", "rest"], "rest", [("hi", 2, 2)])
    [('hi', 1, 4), ('lipsync', 6, 7)]
    >>> mouth_words(["rest", "E", "AI", "O", "O"], "rest", [("hi", 1, 2), ("oh", 3, 4)])
    [('hi', 1, 3), ('oh', 3, 5)]
    """
    count = len(per_frame)
    owner: list[int | None] = [None] * count
    for index, (_, start, end) in enumerate(spans):
        for frame in range(start, min(end, count - 1) + 1):
            owner[frame] = index
    names = [text for text, _, _ in spans]
    frame = 0
    while frame < count:
        if owner[frame] is not None or per_frame[frame] == rest:
            frame += 1
            continue
        stop = frame  # a stretch of moving mouth outside every word: [frame, stop)
        while stop < count and owner[stop] is None and per_frame[stop] != rest:
            stop += 1
        if frame > 0 and owner[frame - 1] is not None and per_frame[frame - 1] != rest:
            joined = owner[frame - 1]  # a trail: the word before goes on moving
        elif stop < count and owner[stop] is not None:
            joined = owner[stop]  # a lead into the next word
        else:
            names.append(_NO_WORDS)
            joined = len(names) - 1
        for inside in range(frame, stop):
            owner[inside] = joined
        frame = stop
    for frame in range(1, count):  # the frame the mouth rests again after a word: its rest phoneme
        if owner[frame] is None and owner[frame - 1] is not None and per_frame[frame - 1] != rest:
            owner[frame] = owner[frame - 1]
    extents: dict[int, list[int]] = {}
    for frame, index in enumerate(owner):
        if index is not None:
            extents.setdefault(index, [frame, frame])[1] = frame
    return [(names[index], first, final if per_frame[final] == rest else final + 1)
            for index, (first, final) in sorted(extents.items(), key=lambda item: item[1][0])]


def project(sheet: Sheet, format_name: str, track: str | None = None) -> Project:
    """The sheet as a Papagayo project: one voice per track, at the sheet's rate rounded to a
    whole fps (with a warning naming the drift in frames when it is not one already).

    Words come from ``track.words`` (a track without words but with cues gets one word over the
    whole sheet, as Papagayo-NG's Rhubarb import does, so no mouth is lost); each word's phonemes
    are the track's shapes mapped to Preston Blair names, one at its first frame and one at every
    change inside it; a word belongs to the dialogue line it starts in (else the nearest one).
    With ``track``, that track is the only voice (Synfig's Papagayo import merges all voices).
    """
    chosen = sheet.tracks if track is None else (sheet.track(track),)
    rate = integer_rate(sheet, format_name)
    sound = Path(sheet.source.path).name if sheet.source.path else ""
    return Project(sound, rate.num, retime_length(sheet.duration_frames, sheet.rate, rate),
                   tuple(_voice(sheet, item, rate, number, format_name) for number, item in enumerate(chosen, 1)))


# ---------------------------------------------------------------------------------------------
# Reading: a project's voices as tracks, each frame showing what Papagayo's GetPhonemeAtFrame
# shows for projects lipsync writes (and Papagayo-NG plays): inside a word, its last phoneme at
# or before the frame, the first word holding the frame winning; outside words, rest.


def voice_changes(voice: Voice, rest: str = "rest") -> list[tuple[int, str]]:
    """The voice's mouth changes ``(frame, mouth)``, as Papagayo shows the frames: a frame inside
    a word (start to end, both included) shows the word's last phoneme at or before it (rest
    before its first one), the first word in time holding a frame showing it; other frames rest.

    >>> voice_changes(Voice("v", "", (Phrase("", 0, 9, (Word("a", 2, 5, ((2, "E"), (4, "O"))),
    ...                                                 Word("b", 5, 8, ((5, "O"), (7, "rest"))))),)))
    [(0, 'rest'), (2, 'E'), (4, 'O'), (6, 'O'), (7, 'rest'), (9, 'rest')]
    """
    shown: dict[int, str] = {0: rest}  # frame -> the mouth from there on (a later word's start wins)
    shown_to = -1  # the last frame an earlier word shows
    for word in sorted((word for phrase in voice.phrases for word in phrase.words), key=lambda word: word.start):
        first = max(word.start, shown_to + 1)
        if word.end < first:
            continue
        shown[first] = rest
        for frame, name in sorted(word.phonemes, key=lambda phoneme: phoneme[0]):
            if frame <= word.end:
                shown[max(frame, first)] = name
        shown[word.end + 1] = rest
        shown_to = word.end
    return sorted(shown.items())


def project_sheet(doc: Project, options: ReadOptions) -> Sheet:
    """The sheet of a parsed Papagayo project: one track per voice, on its whole-number fps."""
    rate = FrameRate(doc.fps)
    rest = "rest"
    tracks, names = [], []
    for voice in doc.voices:
        words, lines = [], []
        for phrase in voice.phrases:
            lines.append(SheetLine(phrase.start, max(1, phrase.end - phrase.start + 1), phrase.text))
            for word in phrase.words:
                if word.text != _NO_WORDS:  # lipsync's word for mouths outside the words
                    words.append(SheetWord(rate.seconds_at(word.start), rate.seconds_at(word.end + 1),
                                           word.text.replace("_", " ")))
                names += [name for _, name in word.phonemes]
        tracks.append(Track(voice.name, cues_from_changes(voice_changes(voice, rest), doc.sound_duration),
                            tuple(lines), tuple(words)))
    shapes = shape_set(names, options, rest, "the Papagayo phonemes")
    source = Source(doc.sound_path or None, rate.seconds_at(doc.sound_duration))
    return Sheet(rate, doc.sound_duration, tuple(tracks), shapes, source)


def parse_pgo(text: str, options: ReadOptions) -> Project:
    """A ``.pgo`` project as Papagayo-NG's ``LipsyncDoc.open`` reads it (FormatError naming the
    line and what was expected there)."""
    lines = text.split("\n")
    position = 0

    def take(expected: str) -> str:
        nonlocal position
        if position >= len(lines):
            raise malformed(options, f"line {position + 1}", "the project ends early", expected)
        position += 1
        return lines[position - 1].strip()

    def number(expected: str) -> int:
        value = take(expected)
        try:
            result = int(value)
        except ValueError:
            raise malformed(options, f"line {position}", f"{value!r} is not a whole number", expected) from None
        if result < 0:
            raise malformed(options, f"line {position}", f"{value!r} is negative", expected)
        return result

    header = take("'lipsync version 1'")
    if not header.startswith("lipsync version"):
        raise malformed(options, "line 1", f"{header!r}", "'lipsync version 1' (a Papagayo project)")
    sound = take("the sound file's name")
    fps = number("the frame rate")
    if fps < 1:
        raise malformed(options, f"line {position}", "a frame rate of 0", "frames per second, e.g. 24")
    duration = number("the sound's length in frames")
    voices = []
    for _ in range(number("the number of voices")):
        name, whole = take("a voice name"), take("the voice's text")
        phrases = []
        for _ in range(number("the number of phrases")):
            phrase_text = take("a phrase's text")
            start, end = number("the phrase's first frame"), number("the phrase's last frame")
            words = []
            for _ in range(number("the number of words")):
                fields = take("'word start end count'").split()
                if len(fields) < 4 or not all(field.isdigit() for field in fields[-3:]):
                    raise malformed(options, f"line {position}", f"{' '.join(fields)!r}", "'word start end count'")
                phonemes = []
                for _ in range(int(fields[-1])):
                    parts = take("'frame phoneme'").split()
                    if len(parts) != 2 or not parts[0].isdigit():
                        raise malformed(options, f"line {position}", f"{' '.join(parts)!r}", "'frame phoneme'")
                    phonemes.append((int(parts[0]), parts[1]))
                words.append(Word(" ".join(fields[:-3]), int(fields[-3]), int(fields[-2]), tuple(phonemes)))
            phrases.append(Phrase(phrase_text, start, end, tuple(words)))
        voices.append(Voice(name, whole, tuple(phrases)))
    return Project(sound, fps, duration, tuple(voices))


def parse_pg2(data: Any, options: ReadOptions) -> Project:
    """A ``.pg2`` project (Papagayo-NG's JSON) as a :class:`Project`."""
    def field(mapping: Any, key: str, where: str, kind: type) -> Any:
        value = mapping.get(key) if isinstance(mapping, dict) else None
        if not isinstance(value, kind) or isinstance(value, bool):
            raise malformed(options, f"field {where}{key!r}", f"{value!r}", f"a {kind.__name__}")
        return value

    fps = field(data, "fps", "", int)
    if fps < 1:
        raise malformed(options, "field 'fps'", str(fps), "frames per second, e.g. 24")
    voices = []
    for v, voice in enumerate(field(data, "voices", "", list)):
        phrases = []
        for p, phrase in enumerate(field(voice, "phrases", f"voices[{v}].", list)):
            at = f"voices[{v}].phrases[{p}]."
            words = []
            for w, word in enumerate(field(phrase, "words", at, list)):
                where = f"{at}words[{w}]."
                phonemes = tuple((field(item, "frame", f"{where}phonemes[{i}].", int),
                                  field(item, "text", f"{where}phonemes[{i}].", str))
                                 for i, item in enumerate(field(word, "phonemes", where, list)))
                words.append(Word(field(word, "text", where, str), field(word, "start_frame", where, int),
                                  field(word, "end_frame", where, int), phonemes))
            phrases.append(Phrase(field(phrase, "text", at, str), field(phrase, "start_frame", at, int),
                                  field(phrase, "end_frame", at, int), tuple(words)))
        voices.append(Voice(field(voice, "name", f"voices[{v}].", str), "", tuple(phrases)))
    duration = data.get("sound_duration")
    if not isinstance(duration, int) or duration < 0:
        raise malformed(options, "field 'sound_duration'", f"{duration!r}", "the sound's length in frames")
    return Project(str(data.get("sound_path") or ""), fps, duration, tuple(voices))

