"""Script-guided recognition: forced alignment of the dialogue lines to the recording.

Long recordings are split at pauses; script lines are matched to the speech stretches by their
expected length (a monotonic dynamic programme that allows lines to share a stretch, a line to
span several stretches, a line that was never recorded and speech that is not in the script).
Each matched group is force-aligned on its own. Where the script does not fit the audio, that
stretch falls back to script-free phone recognition and a warning names the line and time.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..dialogue import Line, words_of
from ..g2p import ipa_to_arpabet, pronounce
from ..sheet import Phone, Word
from . import sphinx
from .chunks import Chunk

# Seconds of speech per phone at an ordinary speaking rate; only the ratios between lines matter.
_SECONDS_PER_PHONE = 0.075
# A recording this short is aligned in one piece, whatever its pauses.
_SINGLE_CHUNK_SECONDS = 30.0
_PAD = 0.15
_MAX_LINES_PER_GROUP = 4
_MAX_STRETCHES_PER_GROUP = 8
_SKIP_COST = 4.0
_MERGE_COST = 0.15
_LOG_RATIO_SPREAD = 0.35


@dataclass(frozen=True)
class ScriptWord:
    """A word of the script, prepared for the aligner, with its line index."""

    line: int
    word: sphinx.WordToAlign
    phone_count: int


@dataclass(frozen=True)
class Group:
    """Script lines ``lines`` (indices) matched to the speech from ``start`` to ``end`` seconds."""

    lines: tuple[int, ...]
    start: float
    end: float


def _key(word: str) -> str:
    lowered = word.lower()
    if re.fullmatch(r"[a-z0-9'\-]+", lowered):
        return lowered
    return "w" + hashlib.sha1(lowered.encode("utf-8")).hexdigest()[:12]


def prepare_words(lines: Sequence[Line], language: str = "en-us") -> tuple[ScriptWord, ...]:
    """Every word of the script with a pronunciation: the dictionary's, else espeak-ng's."""
    entries: list[tuple[int, str]] = [(index, word) for index, line in enumerate(lines) for word in words_of(line.text)]
    missing = sorted({word.lower() for _, word in entries if not sphinx.in_dictionary(word.lower())})
    spoken = dict(zip(missing, pronounce(missing, language)))
    prepared = []
    for index, word in entries:
        lowered = word.lower()
        if lowered in spoken:
            ipa = tuple(p for p in spoken[lowered] if ipa_to_arpabet(p))
            if not ipa:
                continue
            arpabet = tuple(ipa_to_arpabet(p) for p in ipa)
            key = _key(word) if _key(word) != lowered else f"{lowered}_g2p"
            aligned_word = sphinx.WordToAlign(word, key, ipa, arpabet)
            count = sum(len(group) for group in arpabet)
        else:
            aligned_word = sphinx.WordToAlign(word, lowered)
            count = len(sphinx.aligner().lookup_word(lowered).split())
        prepared.append(ScriptWord(index, aligned_word, count))
    return tuple(prepared)


def out_of_dictionary_share(words: Sequence[ScriptWord]) -> float:
    """The share of script words the English dictionary does not know (a wrong-language hint)."""
    if not words:
        return 0.0
    return sum(1 for w in words if w.word.ipa is not None) / len(words)


def match_lines(expected: Sequence[float], stretches: Sequence[tuple[float, float]]) -> tuple[Group, ...]:
    """Match lines (expected speech seconds each) to speech stretches, in order.

    Returns one :class:`Group` per matched set; lines that match no speech and speech that
    matches no line are left out (the caller reports them).
    """
    n, m = len(expected), len(stretches)
    if n == 0 or m == 0:
        return ()
    measured = [end - start for start, end in stretches]
    scale = sum(measured) / max(sum(expected), 1e-9)
    wanted = [value * scale for value in expected]
    inf = math.inf
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    band = max(40.0, 0.15 * max(n, m))  # how far from the diagonal a match may wander
    for i in range(n + 1):
        centre = i * m / n
        for j in range(max(0, int(centre - band)), min(m, int(centre + band)) + 1):
            here = cost[i][j]
            if here == inf:
                continue
            if i < n and here + _SKIP_COST < cost[i + 1][j]:
                cost[i + 1][j], back[i + 1][j] = here + _SKIP_COST, (1, 0)
            if j < m and here + _SKIP_COST < cost[i][j + 1]:
                cost[i][j + 1], back[i][j + 1] = here + _SKIP_COST, (0, 1)
            line_total = 0.0
            for a in range(1, min(_MAX_LINES_PER_GROUP, n - i) + 1):
                line_total += wanted[i + a - 1]
                speech_total = 0.0
                for b in range(1, min(_MAX_STRETCHES_PER_GROUP, m - j) + 1):
                    speech_total += measured[j + b - 1]
                    ratio = math.log(max(line_total, 1e-3) / max(speech_total, 1e-3))
                    step = (ratio / _LOG_RATIO_SPREAD) ** 2 + _MERGE_COST * (a + b - 2)
                    if here + step < cost[i + a][j + b]:
                        cost[i + a][j + b], back[i + a][j + b] = here + step, (a, b)
    groups = []
    i, j = n, m
    while i or j:
        a, b = back[i][j]
        if a and b:
            groups.append(Group(tuple(range(i - a, i)), stretches[j - b][0], stretches[j - 1][1]))
        i, j = i - a, j - b
    return tuple(reversed(groups))


def plan_chunks(words: Sequence[ScriptWord], line_count: int, stretches: Sequence[tuple[float, float]],
                duration: float) -> tuple[Group, ...]:
    """Which lines are aligned against which stretch of audio."""
    if not stretches:
        return ()
    if duration <= _SINGLE_CHUNK_SECONDS or line_count == 1:
        return (Group(tuple(range(line_count)), stretches[0][0], stretches[-1][1]),)
    expected = [0.0] * line_count
    for word in words:
        expected[word.line] += word.phone_count * _SECONDS_PER_PHONE
    spoken = [index for index in range(line_count) if expected[index] > 0]
    groups = match_lines([expected[i] for i in spoken], stretches)
    return tuple(Group(tuple(spoken[i] for i in group.lines), group.start, group.end) for group in groups)


def group_chunk(group: Group, words: Sequence[ScriptWord], samples, sample_rate: int) -> Chunk:
    """The audio and words of one group, padded a little on each side."""
    start = max(0.0, group.start - _PAD)
    end = min(len(samples) / sample_rate, group.end + _PAD)
    in_group = set(group.lines)
    chosen = tuple(w.word for w in words if w.line in in_group)
    return Chunk(start, samples[int(start * sample_rate):int(end * sample_rate)], chosen)


def squeezed_lines(located: Sequence[sphinx.AlignedWord], group_words: Sequence[ScriptWord]) -> set[int]:
    """Lines whose words were crammed into implausibly little time: not in the recording.

    The aligner always places every word; a line that was not spoken gets every phone at the
    model's minimum length (30 ms) somewhere in a pause.
    """
    per_line: dict[int, list[float]] = {}
    phone_counts: dict[int, int] = {}
    for aligned, script_word in zip(located, group_words):
        per_line.setdefault(script_word.line, []).append(aligned.end - aligned.start)
        phone_counts[script_word.line] = phone_counts.get(script_word.line, 0) + script_word.phone_count
    return {line for line, spans in per_line.items()
            if phone_counts[line] >= 4 and sum(spans) / phone_counts[line] <= 0.036}


def aligned_phones(offset: float, located: Sequence[sphinx.AlignedWord], group_words: Sequence[ScriptWord],
                   drop_lines: set[int]) -> tuple[list[Phone], list[Word]]:
    """Absolute-time phones and words of an aligned chunk."""
    phones: list[Phone] = []
    found_words: list[Word] = []
    for aligned, script_word in zip(located, group_words):
        if script_word.line in drop_lines:
            continue
        text = script_word.word.text
        found_words.append(Word(offset + aligned.start, offset + aligned.end, text, script_word.line))
        for symbol, start, end in aligned.phones:
            if end > start:
                phones.append(Phone(offset + start, offset + end, symbol, text, script_word.line))
    return phones, found_words
