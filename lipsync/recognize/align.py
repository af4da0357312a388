"""Script-guided recognition: forced alignment of the dialogue lines to the recording.

Long recordings are split at pauses; script lines are matched to the speech stretches by their
expected length (a monotonic dynamic programme that allows lines to share a stretch, a line to
span several stretches, a line that was never recorded and speech that is not in the script).
Each matched group is force-aligned on its own. Where the script does not fit the audio, that
stretch falls back to script-free phone recognition and a warning names the line and time.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..dialogue import Line, words_of
from ..g2p import ipa_to_arpabet, pronounce, switched_languages
from ..languages import is_english
from ..phonemes import VISEME_CLASSES, arpabet_to_ipa, viseme_class
from ..sheet import Phone, Word
from .chunks import Chunk
from .model import DEFAULT_MODEL, AcousticModel, AlignedWord, WordToAlign, acoustic_model
from .settings import DEFAULT_SETTINGS, RecognitionSettings


@dataclass(frozen=True)
class ScriptWord:
    """A word of the script, prepared for the aligner, with its line index."""

    line: int
    word: WordToAlign
    phone_count: int


class ScriptWords(tuple):
    """The script's words (:class:`ScriptWord`, a tuple) with each line's words at hand:
    :func:`words_in` is asked for a group's words several times per group."""

    @functools.cached_property
    def by_line(self) -> dict[int, list[ScriptWord]]:
        """Each line's words, in order."""
        return _by_line(self)


def _by_line(words: Sequence[ScriptWord]) -> dict[int, list[ScriptWord]]:
    found: dict[int, list[ScriptWord]] = {}
    for word in words:
        found.setdefault(word.line, []).append(word)
    return found


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


def spoken_words(lines: Sequence[Line], language: str) -> list[tuple[int, str, str]]:
    """(line index, word as written, text to pronounce) for every word of the script; Japanese
    words are split into morphemes read as kana (espeak-ng cannot read kanji)."""
    entries = []
    for index, line in enumerate(lines):
        for word in words_of(line.text):
            if language == "ja":
                from ..japanese import kana_tokens

                entries.extend((index, original, reading) for original, reading in kana_tokens(word)
                               if words_of(original))
            else:
                entries.append((index, word, word))
    return entries


def prepare_words(lines: Sequence[Line], language: str = "en-us",
                  model: AcousticModel | None = None) -> ScriptWords:
    """Every word of the script with a pronunciation: for English the dictionary's (of
    ``model``, by default the default acoustic model), else (and for other languages always)
    espeak-ng's IPA mapped to the model's phones."""
    model = model or acoustic_model()
    entries = spoken_words(lines, language)
    english = is_english(language)
    known = {said: model.pronunciation(said) if english else None
             for said in dict.fromkeys(said.lower() for _, _, said in entries)}
    missing = sorted(word for word, found in known.items() if found is None)
    spoken = dict(zip(missing, pronounce(missing, language)))
    prepared = []
    for index, word, said in entries:
        lowered = said.lower()
        if lowered in spoken:
            ipa = tuple(p for p in spoken[lowered] if ipa_to_arpabet(p))
            if not ipa:
                continue
            arpabet = tuple(ipa_to_arpabet(p) for p in ipa)
            # one decoder dictionary serves every language: the key names the pronunciation
            flat = " ".join(p for group in arpabet for p in group)
            key = "g" + hashlib.sha1(f"{lowered}|{flat}".encode("utf-8")).hexdigest()[:12]
            aligned_word = WordToAlign(word, key, ipa, arpabet)
            count = sum(len(group) for group in arpabet)
        else:
            aligned_word = WordToAlign(word, lowered)
            count = len(known[lowered] or ())
        prepared.append(ScriptWord(index, aligned_word, count))
    return ScriptWords(prepared)


def out_of_dictionary_share(words: Sequence[ScriptWord]) -> float:
    """The share of script words the English dictionary does not know (a wrong-language hint)."""
    if not words:
        return 0.0
    return sum(1 for w in words if w.word.ipa is not None) / len(words)


def switched_language_share(lines: Sequence[Line], language: str) -> tuple[float, int, str | None]:
    """espeak-ng's pronunciation coverage of a script in a language other than English: the
    share and number of its words that espeak-ng pronounces in another language (its French and
    German dictionaries mark English words), and the commonest such language (None for none).
    The words are pronounced as :func:`prepare_words` pronounces them, so the second call costs
    nothing."""
    said = [entry[2].lower() for entry in spoken_words(lines, language)]
    unique = sorted(set(said))
    switched = dict(zip(unique, switched_languages(unique, language)))
    other = Counter(switched[word] for word in said if switched[word] is not None)
    if not said or not other:
        return 0.0, 0, None
    count = sum(other.values())
    return count / len(said), count, other.most_common(1)[0][0]


class Matcher(Protocol):
    """Costs of a monotonic matching of ``lines`` script lines to ``stretches`` speech stretches."""

    lines: int
    stretches: int

    def pair(self, lines: range, stretches: range) -> float:
        """Cost of saying that ``lines`` were spoken over ``stretches`` (both non-empty)."""

    def pairs(self, lines: range, firsts: np.ndarray, count: int) -> np.ndarray:
        """:meth:`pair` of ``lines`` with the ``count`` stretches from each of ``firsts``."""

    def skip_line(self, line: int) -> float:
        """Cost of a line that was not recorded."""

    def skip_stretch(self, stretch: int) -> float:
        """Cost of speech that is not in the script."""


@dataclass(frozen=True)
class DurationMatcher:
    """Match by length: a line's expected speaking time against the stretches' measured time."""

    expected: tuple[float, ...]
    measured: tuple[float, ...]
    settings: RecognitionSettings = DEFAULT_SETTINGS

    @property
    def lines(self) -> int:
        return len(self.expected)

    @property
    def stretches(self) -> int:
        return len(self.measured)

    @functools.cached_property
    def _sums(self) -> tuple[list[float], np.ndarray, float]:
        """Running sums of the expected and measured lengths, and the scale between them."""
        expected, measured = [0.0], [0.0]
        for value in self.expected:
            expected.append(expected[-1] + value)
        for value in self.measured:
            measured.append(measured[-1] + value)
        return expected, np.array(measured), measured[-1] / max(expected[-1], 1e-9)

    def pair(self, lines: range, stretches: range) -> float:
        return float(self.pairs(lines, np.array([stretches.start]), len(stretches))[0])

    def pairs(self, lines: range, firsts: np.ndarray, count: int) -> np.ndarray:
        expected, measured, scale = self._sums
        wanted = (expected[lines.stop] - expected[lines.start]) * scale
        spoken = measured[firsts + count] - measured[firsts]
        ratio = np.log(max(wanted, 1e-3) / np.maximum(spoken, 1e-3))
        settings = self.settings
        return (ratio / settings.log_ratio_spread) ** 2 + settings.merge_cost * (len(lines) + count - 2)

    def skip_line(self, line: int) -> float:
        return self.settings.skip_cost

    def skip_stretch(self, stretch: int) -> float:
        return self.settings.skip_cost


@dataclass(frozen=True)
class PhoneMatcher:
    """Match by sound: each line's expected phones against the phones recognized in each
    stretch, compared as strings of viseme classes (robust to the recognizer's confusions).

    Every stretch is paid for by the share of its phones that differ from the lines matched to
    it (or a fixed share when left unmatched), so the cheapest plan gives each stretch the line
    that sounds most like it; an unrecorded line costs little on its own.
    """

    expected: tuple[str, ...]
    recognized: tuple[str, ...]
    settings: RecognitionSettings = DEFAULT_SETTINGS

    @property
    def lines(self) -> int:
        return len(self.expected)

    @property
    def stretches(self) -> int:
        return len(self.recognized)

    def pair(self, lines: range, stretches: range) -> float:
        from rapidfuzz.distance import Levenshtein

        said = "".join(self.expected[i] for i in lines)
        heard = "".join(self.recognized[j] for j in stretches)
        difference = Levenshtein.normalized_distance(said, heard)
        return difference * max(len(heard), 1) + self.settings.merge_cost * (len(lines) + len(stretches) - 2)

    def pairs(self, lines: range, firsts: np.ndarray, count: int) -> np.ndarray:
        return np.array([self.pair(lines, range(first, first + count)) for first in firsts.tolist()], dtype=float)

    def skip_line(self, line: int) -> float:
        return self.settings.unrecorded_line_cost

    def skip_stretch(self, stretch: int) -> float:
        return self.settings.unscripted_share * max(len(self.recognized[stretch]), 1)


def match_lines(matcher: Matcher, stretches: Sequence[tuple[float, float]],
                settings: RecognitionSettings = DEFAULT_SETTINGS) -> tuple[Group, ...]:
    """Match lines to speech stretches in order, at the least total cost.

    Lines may share a stretch and a line may span several stretches; a line that matches no
    speech and speech that matches no line are left out of the groups (the caller reports them).
    """
    n, m = matcher.lines, matcher.stretches
    if n == 0 or m == 0:
        return ()
    cost = np.full((n + 1, m + 1), math.inf)
    back = np.zeros((n + 1, m + 1, 2), dtype=np.int64)  # (lines, stretches) of the step into a cell
    cost[0, 0] = 0.0
    band = max(40.0, 0.15 * max(n, m))  # how far from the diagonal a match may wander
    # Row by row; within a row the cells in order, each relaxing the steps out of it (the first
    # of equal costs is kept). Steps into a later row are taken for all of a row's cells at once,
    # ordered so that each cell still hears from its sources in the row's order.
    for i in range(n + 1):
        centre = i * m / n
        low, high = max(0, int(centre - band)), min(m, int(centre + band))
        row = cost[i]
        for j in range(low, min(high, m - 1) + 1):  # speech not in the script, left to right
            step = row[j] + matcher.skip_stretch(j)
            if step < row[j + 1]:
                row[j + 1], back[i, j + 1] = step, (0, 1)
        sources = np.arange(low, high + 1)
        sources = sources[np.isfinite(row[low:high + 1])]
        if i == n or not sources.size:
            continue
        for a in range(1, min(settings.max_lines_per_group, n - i) + 1):
            lines = range(i, i + a)
            for b in range(min(settings.max_stretches_per_group, m - int(sources[0])), 0, -1):
                fitting = sources[sources + b <= m]
                steps = row[fitting] + matcher.pairs(lines, fitting, b)
                better = steps < cost[i + a, fitting + b]
                cost[i + a, fitting[better] + b], back[i + a, fitting[better] + b] = steps[better], (a, b)
            if a == 1:  # a line that was not recorded
                steps = row[sources] + matcher.skip_line(i)
                better = steps < cost[i + 1, sources]
                cost[i + 1, sources[better]], back[i + 1, sources[better]] = steps[better], (1, 0)
    groups = []
    i, j = n, m
    while i or j:
        a, b = (int(value) for value in back[i, j])
        if a and b:
            groups.append(Group(tuple(range(i - a, i)), stretches[j - b][0], stretches[j - 1][1]))
        i, j = i - a, j - b
    return tuple(reversed(groups))


def plan_chunks(words: Sequence[ScriptWord], line_count: int, stretches: Sequence[tuple[float, float]],
                duration: float, whole: bool = True,
                settings: RecognitionSettings = DEFAULT_SETTINGS) -> tuple[Group, ...]:
    """Which lines are aligned against which stretch of audio (``whole``: a short recording,
    or a single line, in one piece)."""
    if not stretches:
        return ()
    if whole and (duration <= settings.single_chunk_seconds or line_count == 1):
        return (Group(tuple(range(line_count)), stretches[0][0], stretches[-1][1]),)
    expected = [0.0] * line_count
    for word in words:
        expected[word.line] += word.phone_count * settings.seconds_per_phone
    spoken = [index for index in range(line_count) if expected[index] > 0]
    matcher = DurationMatcher(tuple(expected[i] for i in spoken), tuple(end - start for start, end in stretches),
                              settings)
    groups = match_lines(matcher, stretches, settings)
    return tuple(Group(tuple(spoken[i] for i in group.lines), group.start, group.end) for group in groups)


def is_timed(lines: Sequence[Line]) -> bool:
    """True when the script gives times for its lines (enough to align by them)."""
    spoken = [line for line in lines if words_of(line.text)]
    timed = [line for line in spoken if line.start is not None]
    return bool(spoken) and len(timed) >= 0.5 * len(spoken)


def _windows(lines: Sequence[Line], spoken: Sequence[int], duration: float) -> dict[int, tuple[float, float]]:
    """Each spoken line's time window; an untimed line gets the gap between its timed neighbours."""
    windows: dict[int, tuple[float, float]] = {}
    for index in spoken:
        line = lines[index]
        if line.start is not None:
            end = line.end if line.end is not None and line.end > line.start else line.start + 1.0
            windows[index] = (line.start, end)
    for position, index in enumerate(spoken):
        if index in windows:
            continue
        before = [windows[i][1] for i in spoken[:position] if i in windows]
        after = [windows[i][0] for i in spoken[position + 1:] if i in windows]
        start = before[-1] if before else 0.0
        windows[index] = (start, max(start, after[0] if after else duration))
    return windows


def plan_timed(lines: Sequence[Line], words: Sequence[ScriptWord], stretches: Sequence[tuple[float, float]],
               duration: float, settings: RecognitionSettings = DEFAULT_SETTINGS
               ) -> tuple[tuple[Group, ...], list[int]]:
    """Groups for a script with line times: each line is aligned on its own window (widened by
    ``settings.time_tolerance``, cut in the pause nearest the boundary with its neighbours, the
    silence before the first and after the last speech included, and clipped to the speech
    found there); neighbours with no pause between them, and lines whose windows overlap by
    more than the tolerance (more than loose timing explains: two speakers, a cue that stays
    up while the next is said; where one line ends is then anywhere in the overlap, for the
    aligner to find), are aligned together, in the order of their start times, up to
    ``settings.max_timed_group_seconds``.

    Returns the groups and the lines whose windows hold no speech at all.
    """
    tolerance = settings.time_tolerance
    has_words = {word.line for word in words}
    spoken = [index for index in range(len(lines)) if index in has_words]
    windows = _windows(lines, spoken, duration)
    order = sorted(spoken, key=lambda i: (windows[i][0], windows[i][1], i))
    pauses = [(0.0, stretches[0][0])] + [(a[1], b[0]) for a, b in zip(stretches, stretches[1:])] \
        + [(stretches[-1][1], max(duration, stretches[-1][1]))]
    runs: list[list[int]] = []
    cuts: list[float] = []
    for index in order:
        if not runs:
            runs.append([index])
            continue
        previous_end = max(windows[i][1] for i in runs[-1])
        start = windows[index][0]
        run_start = windows[runs[-1][0]][0]
        too_long = max(previous_end, windows[index][1]) - run_start > settings.max_timed_group_seconds
        cut = None if previous_end - start > tolerance and not too_long else \
            _pause_cut(pauses, previous_end, start, run_start, tolerance)
        if cut is None and too_long:
            cut = (previous_end + start) / 2
        if cut is None:
            runs[-1].append(index)
        else:
            cuts.append(cut)
            runs.append([index])
    groups: list[Group] = []
    silent: list[int] = []
    for number, run in enumerate(runs):
        low = min(windows[i][0] for i in run) - tolerance
        high = max(windows[i][1] for i in run) + tolerance
        if number > 0:
            low = max(low, cuts[number - 1])
        if number < len(cuts):
            high = min(high, cuts[number])
        inside = [(max(a, low), min(b, high)) for a, b in stretches if min(b, high) - max(a, low) > 0.02]
        if not inside:
            silent.extend(run)
            continue
        groups.append(Group(tuple(run), inside[0][0], inside[-1][1]))
    return tuple(groups), silent


def _pause_cut(pauses: Sequence[tuple[float, float]], previous_end: float, start: float, run_start: float,
               tolerance: float) -> float | None:
    """Where to cut between a run of timed lines whose windows end at ``previous_end`` and the
    next line's window starting at ``start``: the middle of the pause (silence before, between
    or after the stretches; ``pauses``) after ``run_start`` whose middle lies within
    ``tolerance`` of both and nearest the boundary between them; None when there is none.

    >>> _pause_cut([(0.0, 0.5), (2.0, 2.6), (3.5, 3.7)], 2.5, 3.0, 0.5, 1.0)
    2.3
    >>> _pause_cut([(0.0, 0.5)], 2.5, 3.0, 0.5, 1.0) is None
    True
    """
    low, high = min(previous_end, start) - tolerance, max(previous_end, start) + tolerance
    middle = (previous_end + start) / 2
    near = [p for p in pauses if low <= (p[0] + p[1]) / 2 <= high and p[0] >= run_start]
    if not near:
        return None
    pause = min(near, key=lambda p: (abs((p[0] + p[1]) / 2 - middle), -(p[1] - p[0])))
    return (pause[0] + pause[1]) / 2


def words_in(group: Group, words: Sequence[ScriptWord]) -> list[ScriptWord]:
    """The words of a group's lines, line by line in the group's (time) order."""
    by_line = words.by_line if isinstance(words, ScriptWords) else _by_line(words)
    return [word for line in group.lines for word in by_line.get(line, ())]


def line_phone_strings(words: Sequence[ScriptWord], lines: Sequence[int], model: AcousticModel) -> tuple[str, ...]:
    """Each line's expected phones as a string of viseme-class letters."""
    by_line: dict[int, list[str]] = {line: [] for line in lines}
    for word in words:
        if word.line in by_line:
            by_line[word.line].append(class_letters(word_phones(word.word, model)))
    return tuple("".join(by_line[line]) for line in lines)


def word_phones(word: WordToAlign, model: AcousticModel) -> tuple[str, ...]:
    """A word's IPA phones: from espeak-ng, or from the model dictionary's first pronunciation."""
    if word.ipa is not None:
        return word.ipa
    return tuple(arpabet_to_ipa(phone) for phone in model.pronunciation(word.key) or ())


def class_letters(symbols: Sequence[str]) -> str:
    """IPA phones as one letter per viseme class, for comparing what was said and heard."""
    return "".join(chr(ord("a") + VISEME_CLASSES.index(viseme_class(symbol))) for symbol in symbols)


def repair_plan(groups: Sequence[Group], failed: set[int], words: Sequence[ScriptWord],
                stretches: Sequence[tuple[float, float]],
                recognized: dict[tuple[float, float], str], model: AcousticModel,
                settings: RecognitionSettings = DEFAULT_SETTINGS) -> tuple[Group, ...]:
    """Re-match lines to speech around the groups that failed to align, by phone similarity.

    ``recognized`` holds the phones heard in each stretch of the repaired regions (as from
    :func:`class_letters`); :func:`repair_regions` says which stretches those are.
    """
    repaired: list[Group] = []
    index = 0
    for first, last in repair_regions(groups, failed, settings.repair_context):
        repaired.extend(groups[index:first])
        lines = range(min(groups[first].lines), max(groups[last].lines) + 1)
        region = [s for s in stretches if groups[first].start <= s[0] and s[1] <= groups[last].end]
        matcher = PhoneMatcher(line_phone_strings(words, lines, model), tuple(recognized[s] for s in region),
                               settings)
        for group in match_lines(matcher, region, settings):
            repaired.append(Group(tuple(lines[i] for i in group.lines), group.start, group.end))
        index = last + 1
    repaired.extend(groups[index:])
    return tuple(repaired)


def repair_regions(groups: Sequence[Group], failed: set[int],
                   context: int = DEFAULT_SETTINGS.repair_context) -> list[tuple[int, int]]:
    """Runs of groups to re-match: each failed group with its ``context`` neighbours on each
    side, overlapping runs joined."""
    regions: list[tuple[int, int]] = []
    for index in sorted(failed):
        first, last = max(0, index - context), min(len(groups) - 1, index + context)
        if regions and first <= regions[-1][1] + 1:
            regions[-1] = (regions[-1][0], max(regions[-1][1], last))
        else:
            regions.append((first, last))
    return regions


def group_chunk(group: Group, words: Sequence[ScriptWord], samples, sample_rate: int, short: bool = False,
                settings: RecognitionSettings = DEFAULT_SETTINGS, model: str = DEFAULT_MODEL) -> Chunk:
    """The audio and words of one group, padded by ``settings.pad`` on each side (``short``: a
    timed group, tried with narrower beams first)."""
    start = max(0.0, group.start - settings.pad)
    end = min(len(samples) / sample_rate, group.end + settings.pad)
    chosen = tuple(w.word for w in words_in(group, words))
    return Chunk(start, samples[int(start * sample_rate):int(end * sample_rate)], chosen, short=short,
                 settings=settings, model=model)


def squeezed_lines(located: Sequence[AlignedWord], group_words: Sequence[ScriptWord]) -> set[int]:
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


def aligned_phones(offset: float, located: Sequence[AlignedWord], group_words: Sequence[ScriptWord],
                   drop_lines: set[int], confidences: Sequence[float | None] | None = None
                   ) -> tuple[list[Phone], list[Word]]:
    """Absolute-time phones and words of an aligned chunk (``confidences``: per located word)."""
    phones: list[Phone] = []
    found_words: list[Word] = []
    for position, (aligned, script_word) in enumerate(zip(located, group_words)):
        if script_word.line in drop_lines:
            continue
        text = script_word.word.text
        sure = confidences[position] if confidences is not None else None
        found_words.append(Word(offset + aligned.start, offset + aligned.end, text, script_word.line, sure))
        for symbol, start, end in aligned.phones:
            if end > start:
                phones.append(Phone(offset + start, offset + end, symbol, text, script_word.line))
    return phones, found_words
