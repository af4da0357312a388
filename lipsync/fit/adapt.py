"""Adapt before recording: predict a candidate dub line's mouth flaps from its text alone and
score them against the picture's, on the same scale as ``lipsync fit``.

For a candidate (text + language) and one original line:

1. **Natural timing** (:func:`natural_phones`): espeak-ng speaks the candidate (Japanese
   kanji read as kana first) and reports every phone and word as it synthesizes them
   (:mod:`lipsync.espeak`): syllable and phone durations at a natural rate, pauses included;
   the phones named as the analysis of a recording would align them (:func:`aligned_symbols`).
   Japanese phones are regrouped into morae by the preset's animation, as for analysis.
2. **Rate** (:func:`time_candidate`): the candidate is animated at that rate with the preset's
   rules (on ones, as ``fit`` compares voice tracks) and its speech (first to last open mouth)
   is stretched to fill the original line's speech. A speaker can only go so fast or so slow
   (:attr:`AdaptSettings.fastest`, :attr:`AdaptSettings.slowest` times the natural rate): a
   candidate that needs more is timed the same way (the band shows where its words would have
   to fall), flagged, and says by how much it misses and what to change.
3. **Flaps**: the timed phones animated again through the preset: the predicted mouth track.
4. **Score** (:func:`adapt_line`): what ``fit`` can be expected to give a take of the
   candidate. A take can land two ways (:func:`_readings`): paced to fill the flaps (the flaps
   above), scored by :func:`lipsync.fit.score.fit_pairs` exactly as ``fit`` scores a recorded
   dub, less what the change of speaking rate costs (what ``fit`` charges a recording for the
   same time-stretch, :func:`lipsync.fit.score.timing_cost`: 1 point per % beyond 5 %; beyond
   the plausible range it keeps growing at the same pace); and read at its natural pace from
   where the picture's line starts to speak, scored by ``fit`` alone (which finds and charges
   the stretch that take needs). Each at three phases within a frame (:data:`PHASES`: where a
   recording's sound falls within a frame decides whether a short closure shows). The score is
   the mean of the two readings' means (``paced_score``, ``natural_score``): a single reading
   swings with a closure that shows or not, the mean follows what ``fit`` gives takes on
   average.

Also reported: the syllables per second the candidate needs against its natural rate and the
original's, and where its closures (m, b, p and pauses) fall against the picture's closed
mouths.

>>> from lipsync.fit.timeline import MouthTimeline
>>> from lipsync.sheet import SheetLine
>>> from lipsync.timing import FrameRate
>>> import numpy as np
>>> picture = MouthTimeline("A", FrameRate(24), np.array([0] * 12 + [2, 2, 1, 1, 0, 0, 2, 2, 2, 1] * 3 + [0] * 12,
...                                                      dtype=np.int8), (SheetLine(12, 30, "Hello there my friend"),))
>>> timed = time_candidate("Buenos días, mi amigo", "es", picture, 1)
>>> [word.text for word in timed.words], timed.syllables, timed.fits_rate
(['Buenos', 'días', 'mi', 'amigo'], 8, True)
>>> round(timed.words[0].start, 2), round(timed.words[-1].end, 2)   # the picture speaks 0.5-1.75 s
(0.51, 1.77)
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from ..dialogue import Line, words_of
from ..errors import OptionError, ScriptError
from ..espeak import synthesize
from ..phonemes import is_bilabial, is_vowel
from ..presets import Preset, load_preset
from ..sheet import Phone, Sheet, SheetLine, Track, Word
from ..timing import FrameRate
from ..vad import runs
from .check import FitError
from .score import FitSettings, LineFit, Span, Unpaired, fit_pairs, frames_within, line_spans, timing_cost
from .timeline import MouthTimeline, sheet_timelines, speech_extent

#: Frames of silence put before a candidate's natural timing, so that the mouth's lead fits.
_PAD_SECONDS = 1.0
_DIRECTION = re.compile(r"\[[^\]]*\]|\([^)]*\)|\{[^}]*\}|<[^>]*>")
_WORD = re.compile(r"[\w]+(?:['’][\w]+)*", re.UNICODE)


@dataclass(frozen=True)
class AdaptSettings:
    """How candidates are timed and scored."""

    fit: FitSettings = field(default_factory=FitSettings)
    #: espeak-ng's rate (words per minute) taken as the natural pace
    speed: int = 160
    #: the fastest a speaker can go, as a multiple of the natural rate (1.4: 40 % faster)
    fastest: float = 1.4
    #: the slowest, as a multiple of the natural rate (0.75: 25 % slower)
    slowest: float = 0.75
    preset: str = "anime-3"

    def __post_init__(self) -> None:
        if not 0.2 <= self.slowest <= 1.0 <= self.fastest <= 5.0:
            raise OptionError(f"speaking-rate range {self.slowest:g}:{self.fastest:g} must contain 1.0",
                              "e.g. 0.75:1.4 (25 % slower to 40 % faster than natural)")
        if not 80 <= self.speed <= 450:
            raise OptionError(f"espeak-ng speed must be 80 to 450 words per minute, got {self.speed}", "e.g. 160")


@dataclass(frozen=True)
class TimedCandidate:
    """A candidate line timed onto an original line, from its text alone.

    ``words`` and ``phones`` are in seconds on the original's clock (``Word.line`` and
    ``Phone.line`` are the original line's 0-based index). ``rate`` is the speaking rate that
    fills the original line's speech, as a multiple of its natural rate (> 1 faster);
    ``fits_rate`` is False when that is outside what a speaker can do.
    """

    text: str
    language: str
    line: int                       # the original line, 1-based
    words: tuple[Word, ...]
    phones: tuple[Phone, ...]
    syllables: int
    natural_seconds: float          # its speech (first to last open mouth) at the natural rate
    target_seconds: float           # the original line's speech, which it is timed to fill
    rate: float
    fits_rate: bool

    @property
    def syllables_per_second(self) -> float:
        """The speaking rate the candidate needs to fill the line (syllables per second)."""
        return self.syllables / self.target_seconds if self.target_seconds > 0 else 0.0

    @property
    def natural_syllables_per_second(self) -> float:
        return self.syllables / self.natural_seconds if self.natural_seconds > 0 else 0.0


@dataclass(frozen=True)
class Closure:
    """A closed mouth inside a line's speech: ``length`` frames from ``frame``; for a candidate,
    the bilabial phone and word that close it (none for a pause); ``matched`` when the other
    side is closed within ``edge_reach_seconds`` (whole frames) of it."""

    frame: int
    length: int
    matched: bool
    phone: str | None = None
    word: str | None = None


@dataclass(frozen=True)
class CandidateFit:
    """One candidate scored against one original line."""

    timed: TimedCandidate
    fit: LineFit                    # the predicted flaps against the picture's, as ``fit`` scores them
    score: float                    # the mean of ``paced_score`` and ``natural_score``
    rate_cost: float                # what pacing it to fill the flaps costs (fit's stretch cost)
    flagged: bool
    picture_closures: tuple[Closure, ...]
    candidate_closures: tuple[Closure, ...]
    advice: str
    rank: int = 0                   # 1 = best of the line's candidates
    #: the mean score of its take paced to fill the picture's flaps (``fit`` minus ``rate_cost``)
    paced_score: float = 0.0
    #: the mean ``fit`` score of its take read at its natural pace from the line's start
    natural_score: float = 0.0


@dataclass(frozen=True)
class LineAdaptation:
    """The candidates of one original line, best first."""

    line: int                       # 1-based, in time order on the track
    track: str
    span: Span
    syllables: int                  # the original's: counted from its phones, or estimated from its flaps
    candidates: tuple[CandidateFit, ...]
    #: True when the original's phones are unknown (an XDTS) and ``syllables`` is estimated
    #: from its mouth flaps (:func:`estimate_syllables`)
    estimated: bool = False

    @property
    def seconds(self) -> float:
        return self.candidates[0].timed.target_seconds if self.candidates else 0.0

    @property
    def syllables_per_second(self) -> float:
        """The original's speaking rate over its speech (first to last open mouth)."""
        return self.syllables / self.seconds if self.seconds > 0 else 0.0

    @property
    def rate_words(self) -> str:
        """The original's rate in words (see :func:`original_rate_words`)."""
        return original_rate_words(self.syllables_per_second, self.estimated)


def original_rate_words(rate: float, estimated: bool) -> str:
    """An original line's speaking rate in words.

    >>> original_rate_words(3.24, False), original_rate_words(3.24, True)
    ('the original speaks 3.2 syllables/s', 'the original speaks about 3.2 syllables/s (estimated from its flaps)')
    """
    if estimated:
        return f"the original speaks about {rate:.1f} syllables/s (estimated from its flaps)"
    return f"the original speaks {rate:.1f} syllables/s"


@dataclass(frozen=True)
class AdaptReport:
    """Every scored line of an adaptation check."""

    original: str
    original_kind: str
    language: str
    rate: FrameRate
    settings: AdaptSettings
    lines: tuple[LineAdaptation, ...]
    warnings: tuple[str, ...] = ()
    #: the original's lines that no line of the dub script goes with (:func:`unpaired_lines`)
    missing: tuple[Unpaired, ...] = ()

    @property
    def candidates(self) -> tuple[CandidateFit, ...]:
        return tuple(candidate for line in self.lines for candidate in line.candidates)

    @property
    def flagged(self) -> tuple[LineAdaptation, ...]:
        """Lines whose best candidate scores under the threshold."""
        return tuple(line for line in self.lines if line.candidates and line.candidates[0].flagged)

    @property
    def missing_lines(self) -> tuple[int, ...]:
        """The numbers (1-based) of the original lines without a dub line."""
        return tuple(item.span.index + 1 for item in self.missing)  # type: ignore[operator]

    @property
    def failing(self) -> tuple[int, ...]:
        """The original lines (1-based) that fail a check: flagged, or without a dub line."""
        return tuple(sorted({line.line for line in self.flagged} | set(self.missing_lines)))


# --------------------------------------------------------------------------- natural timing

def spoken_words(text: str, language: str) -> tuple[str, list[tuple[str, int, int]]]:
    """What espeak-ng is given to speak, and each script word with its character span in it.

    Stage directions are blanked (their places kept); Japanese is read as kana, one token per
    morpheme, so that kanji are spoken.

    >>> spoken_words("Hi [laughs] Bob!", "en-us")
    ('Hi          Bob!', [('Hi', 0, 2), ('Bob', 12, 15)])
    """
    plain = _DIRECTION.sub(lambda match: " " * len(match.group(0)), text)
    if language != "ja":
        return plain, [(m.group(0), m.start(), m.end()) for m in _WORD.finditer(plain)]
    from ..japanese import kana_tokens

    spoken, spans = "", []
    for original, reading in kana_tokens(plain):
        start = len(spoken) + (1 if spoken else 0)
        spoken = f"{spoken} {reading}" if spoken else reading
        if words_of(original):
            spans.append((original, start, len(spoken)))
    return spoken, spans


def natural_phones(text: str, language: str, speed: int = 160) -> tuple[Phone, ...]:
    """The candidate's phones (IPA, each with its script word) at espeak-ng's natural timing,
    from 0 seconds. ``language`` must be an espeak-ng code (see
    :func:`lipsync.languages.espeak_code`): its phones as the analysis of a recording aligns
    them (:func:`aligned_symbols`; a preset that animates by morae regroups Japanese ones, as
    for analysis). The timing depends on the text alone, not on what was spoken before
    (:func:`lipsync.espeak.synthesize`)."""
    spoken, spans = spoken_words(text, language)
    if not spans:
        raise OptionError("the candidate line has no words", "type the dub line's text")
    voice = synthesize(spoken, language, speed, audio=False)

    def span_at(position: int) -> int | None:
        for index, (_, start, end) in enumerate(spans):
            if start <= position < end:
                return index
        return None

    at = [span_at(p.position) for p in voice.phones]
    symbols = aligned_symbols([p.symbol for p in voice.phones], at,
                              [spoken[start:end] for _, start, end in spans], language)
    phones = tuple(Phone(p.start, p.end, symbol, None if index is None else spans[index][0])
                   for p, symbol, index in zip(voice.phones, symbols, at))
    if not phones:
        raise OptionError(f"espeak-ng says nothing for {text!r}", "type words of the dub's language")
    return phones


def aligned_symbols(symbols: Sequence[str], words: Sequence[int | None], spoken: Sequence[str],
                    language: str) -> list[str]:
    """The phones the analysis of a recording would align, for the phones espeak-ng synthesized
    (``words[i]``: the index in ``spoken`` of the word phone ``i`` belongs to). Outside English
    the aligner is given each word's dictionary pronunciation (:func:`lipsync.g2p.pronounce`),
    whose phones can differ from the allophones synthesized in context: Spanish "bonita" after a
    vowel is synthesized with a fricative β (lips apart) but aligned, and so animated, as b (a
    closure). Where a word's dictionary pronunciation has as many phones as its synthesis, its
    symbols are taken; elsewhere the synthesized ones stay.

    >>> aligned_symbols(["u", "n", "a", "β", "o", "n", "i", "t", "a"], [0, 0, 0, 1, 1, 1, 1, 1, 1],
    ...                 ["una", "bonita"], "es")
    ['u', 'n', 'a', 'b', 'o', 'n', 'i', 't', 'a']
    """
    from ..g2p import pronounce
    from ..languages import is_english

    if is_english(language) or not spoken:
        return list(symbols)
    chosen = list(symbols)
    for index, dictionary in enumerate(pronounce(list(spoken), language)):
        places = [i for i, word in enumerate(words) if word == index]
        if len(places) == len(dictionary):
            for place, symbol in zip(places, dictionary):
                chosen[place] = symbol
    return chosen


def syllable_count(phones: Sequence[Phone]) -> int:
    """Syllables: vowel nuclei (a diphthong is one); Japanese is counted in morae (the moraic
    nasal is one, the sokuon is not).

    >>> syllable_count([Phone(0, 1, "h"), Phone(1, 2, "ə"), Phone(2, 3, "l"), Phone(3, 4, "oʊ")])
    2
    """
    from ..japanese import morae_of_japanese

    return sum(1 for phone in morae_of_japanese(phones) if is_vowel(phone.symbol) or phone.symbol == "ɴ")


# --------------------------------------------------------------------------- timing and flaps

def _animated(phones: Sequence[Phone], preset: Preset, rate: FrameRate, frames: int, name: str,
              lines: tuple[SheetLine, ...] = ()) -> MouthTimeline:
    """The phones' mouth openness per frame, through the preset (as analysis animates)."""
    from ..pipeline import mouth_cues

    cues = mouth_cues(phones, preset, rate, frames)
    sheet = Sheet(rate, frames, (Track(name, cues, lines),), preset.shape_set)
    return sheet_timelines(sheet)[0]


def _open_extent(timeline: MouthTimeline) -> tuple[int, int] | None:
    return speech_extent(timeline.openness, 0, timeline.duration_frames)


def _line_span(original: MouthTimeline, line: int, settings: FitSettings,
               spans: Sequence[Span] | None = None) -> Span:
    """The original's ``line`` (1-based) with its speech; ``spans``: its :func:`line_spans`,
    when already known (a whole script looks up every line in one list)."""
    spans = _spans(original, settings, spans)
    if not spans:
        raise FitError(f"the original track {original.name!r} has no dialogue lines",
                       "pass the original voice track with --original-script, or a sheet or XDTS with its dialogue")
    if not 1 <= line <= len(spans):
        raise OptionError(f"line {line} does not exist: track {original.name!r} has {len(spans)} line(s)",
                          f"use --line 1 to {len(spans)}")
    span = spans[line - 1]
    if span.speech is None:
        raise FitError(f"line {line} ({_cut(span.text)!r}): the picture's mouth stays closed during it",
                       "there are no flaps to fit; pick another line")
    return span


def _spans(original: MouthTimeline, settings: FitSettings, spans: Sequence[Span] | None) -> Sequence[Span]:
    """``spans``, the original's :func:`line_spans` when the caller has them, else made now."""
    return line_spans(original, settings.line_slack) if spans is None else spans


def _cut(text: str | None, width: int = 40) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[:width - 1] + "…"


def time_candidate(text: str, language: str, original: MouthTimeline, line: int,
                   preset: str | Preset | None = None, settings: AdaptSettings = AdaptSettings()) -> TimedCandidate:
    """Time a candidate dub line (``text`` in ``language``, BCP-47 or espeak-ng code) onto the
    original's ``line`` (1-based, in time order), from its text alone: natural espeak-ng timing
    stretched, within what a speaker can do, so that its speech fills the line's speech.

    The words and phones are on the original's clock in seconds: what the rhythmo band writes
    under the picture. See the module docstring for the steps.
    """
    return _time(text, language, original, line, _preset(preset, settings), settings).timed


def _preset(preset: str | Preset | None, settings: AdaptSettings) -> Preset:
    chosen = preset if isinstance(preset, Preset) else load_preset(preset or settings.preset)
    return chosen.with_timing(step=1)


def _language(language: str) -> str:
    from ..pipeline import resolve_language

    if (language or "").strip().lower() == "auto":
        raise OptionError("a candidate's language cannot be detected from one line", "pass --language CODE, e.g. es")
    return resolve_language(language, None)


@dataclass(frozen=True, eq=False)
class _Prediction:
    """A candidate timed onto its line: ``timed`` (paced to fill the flaps) and its flaps
    ``predicted``; with what :attr:`readings` needs (its ``natural`` phones, where the line
    starts to speak in seconds, the preset, the frames and the line of the predicted track)."""

    timed: TimedCandidate
    predicted: MouthTimeline
    span: Span
    natural: tuple[Phone, ...]
    start: float
    rate_cost: float
    preset: Preset
    frames: int
    lines: tuple[SheetLine, ...]

    @functools.cached_property
    def readings(self) -> tuple[tuple[MouthTimeline, float], ...]:
        """(flaps, points its pace costs) of each way its take can land (:func:`_readings`);
        made only when the candidate is scored (the rhythmo band needs its timing alone)."""
        return _readings(self)


def _time(text: str, language: str, original: MouthTimeline, line: int, preset: Preset,
          settings: AdaptSettings, spans: Sequence[Span] | None = None) -> _Prediction:
    code = _language(language)
    span = _line_span(original, line, settings.fit, spans)
    rate = original.rate
    natural = natural_phones(text, code, settings.speed)
    # 1. its natural speech extent, as the preset animates it (lead, holds and closures included)
    pad = _PAD_SECONDS
    length = natural[-1].end + 2 * pad
    first = _animated([replace(p, start=p.start + pad, end=p.end + pad) for p in natural], preset, rate,
                      rate.frames_in(length) + 1, "candidate")
    extent = _open_extent(first)
    if extent is None:  # a line of closed mouths only ("mm"): its sound is its speech
        t0, t1 = natural[0].start, natural[-1].end
    else:
        t0, t1 = rate.seconds_at(extent[0]) - pad, rate.seconds_at(extent[1]) - pad
    natural_seconds = max(t1 - t0, 1e-3)
    # 2. the rate that fills the original's speech, within what a speaker can do
    a0, a1 = span.speech  # type: ignore[misc]
    s0, s1 = rate.seconds_at(a0), rate.seconds_at(a1)
    target = s1 - s0
    needed = natural_seconds / target
    factor = 1.0 / needed
    index = line - 1

    def place(t: float) -> float:
        return round(s0 + (t - t0) * factor, 6)

    phones = tuple(Phone(place(p.start), place(p.end), p.symbol, p.word, index) for p in natural)
    words = _words(phones, index)
    frames = max(original.duration_frames, rate.frames_in(phones[-1].end + pad) + 1)
    sheet_line = (SheetLine(rate.frame_at(max(0.0, phones[0].start)), 1, text),)
    predicted = _animated([p for p in phones if p.end > 0], preset, rate, frames, original.name, sheet_line)
    timed = TimedCandidate(text, code, line, words, phones, syllable_count(natural), round(natural_seconds, 4),
                           round(target, 4), round(needed, 4), settings.slowest <= needed <= settings.fastest)
    cost = timing_cost(0, 1.0 / needed, settings.fit, float(rate))
    return _Prediction(timed, predicted, span, natural, s0, cost, preset, frames, sheet_line)


#: Where within a frame a take's sound can begin, in frames: a recording's phones fall on the
#: frames at any phase, and ``fit`` scores takes that differ only by that differently (a
#: closure shorter than a frame shows or not). Each reading is scored at each phase.
PHASES = (0.0, 1 / 3, 2 / 3)


def _readings(item: _Prediction) -> tuple[tuple[MouthTimeline, float], ...]:
    """The ways a candidate's take can land, each as (flaps, points its pace costs): read at
    the pace that fills the flaps (``item.timed``'s phones, costing ``item.rate_cost``), and
    read at its natural pace from where the picture's line starts to speak (``fit`` charges the
    stretch that take needs in its own score); both at each of :data:`PHASES`. The first is
    ``item.predicted``."""
    predicted, rate, natural = item.predicted, item.predicted.rate, item.natural
    step = 1.0 / float(rate)

    def animated(phones: Sequence[Phone], at: float, frames: int) -> MouthTimeline:
        moved = [replace(p, start=p.start + at, end=p.end + at) for p in phones]
        return _animated([p for p in moved if p.end > 0], item.preset, rate, frames, predicted.name, item.lines)

    found = [(predicted if phase == 0 else animated(item.timed.phones, phase * step, item.frames), item.rate_cost)
             for phase in PHASES]
    for phase in PHASES:
        at = item.start + phase * step - natural[0].start
        frames = max(item.frames, rate.frames_in(natural[-1].end + at + _PAD_SECONDS) + 1)
        found.append((animated(natural, at, frames), 0.0))
    return tuple(found)


def _words(phones: Sequence[Phone], line: int) -> tuple[Word, ...]:
    words: list[Word] = []
    for phone in phones:
        if phone.word is None:
            continue
        if words and words[-1].text == phone.word and _same_word(words[-1], phone, phones):
            words[-1] = Word(words[-1].start, phone.end, phone.word, line)
        else:
            words.append(Word(phone.start, phone.end, phone.word, line))
    return tuple(words)


def _same_word(word: Word, phone: Phone, phones: Sequence[Phone]) -> bool:
    """A phone continues the last word unless another word's phone came in between."""
    between = [p for p in phones if word.end <= p.start < phone.start and p.word is not None]
    return all(p.word == word.text for p in between)


# --------------------------------------------------------------------------- scoring

def _closed_runs(openness: np.ndarray, start: int, end: int) -> list[tuple[int, int]]:
    """``(frame, length)`` of the closed runs strictly inside ``[start, end)``."""
    starts, ends = runs(np.asarray(openness[start:end]) == 0)
    return [(start + int(a), int(b - a)) for a, b in zip(starts.tolist(), ends.tolist())]


def _near(run: tuple[int, int], others: Sequence[tuple[int, int]], reach: int) -> bool:
    a0, a1 = run[0], run[0] + run[1]
    return any(b0 - reach < a1 and a0 < b0 + length + reach for b0, length in others)


def closures(original: MouthTimeline, span: Span, predicted: MouthTimeline, extent: tuple[int, int],
             phones: Sequence[Phone], reach: int) -> tuple[tuple[Closure, ...], tuple[Closure, ...]]:
    """The picture's closed mouths inside its line's speech and the candidate's inside its own,
    each marked matched when the other side is closed within ``reach`` frames; the candidate's
    named by the bilabial (m, b, p) that closes it."""
    a0, a1 = span.speech  # type: ignore[misc]
    picture = _closed_runs(original.openness, a0, a1)
    candidate = _closed_runs(predicted.openness, *extent)
    rate = original.rate
    bilabials = [p for p in phones if is_bilabial(p.symbol)]
    marked = []
    for frame, length in candidate:
        lips = next((p for p in bilabials if rate.frame_at(p.start) - reach < frame + length
                     and frame < rate.frames_in(p.end) + reach), None)
        marked.append(Closure(frame, length, _near((frame, length), picture, reach),
                              lips.symbol if lips else None, lips.word if lips else None))
    shown = tuple(Closure(frame, length, _near((frame, length), candidate, reach)) for frame, length in picture)
    return shown, tuple(marked)


def adapt_line(original: MouthTimeline, line: int, texts: Sequence[str], language: str, *,
               preset: str | Preset | None = None, settings: AdaptSettings = AdaptSettings(),
               syllables: int | None = None) -> LineAdaptation:
    """Score candidate dub lines for one original line (1-based) from their text alone, ranked
    best first. ``syllables``: the original line's, when known, for its speaking rate."""
    return adapt_lines(original, [(line, text) for text in texts], language, preset=preset, settings=settings,
                       syllables={line: syllables} if syllables is not None else None)[0]


def adapt_lines(original: MouthTimeline, candidates: Sequence[tuple[int, str]], language: str, *,
                preset: str | Preset | None = None, settings: AdaptSettings = AdaptSettings(),
                syllables: dict[int, int] | None = None,
                spans: Sequence[Span] | None = None) -> tuple[LineAdaptation, ...]:
    """Score many ``(original line, candidate text)`` pairs at once (one vectorised fit pass),
    grouped by line in line order, each line's candidates best first. ``spans``: the original's
    :func:`line_spans` (with ``settings.fit.line_slack``), when the caller already has them."""
    chosen = _preset(preset, settings)
    if not any(text.strip() for _, text in candidates) and candidates:
        raise OptionError("the candidate line is empty", "type the dub line's text")
    for number, (_, text) in enumerate(candidates, 1):
        if not words_of(text):
            raise OptionError(f"candidate {number} ({text!r}) has no words", "type the dub line's text")
    every_span = _spans(original, settings.fit, spans)
    prepared = [_time(text, language, original, line, chosen, settings, every_span) for line, text in candidates]
    pairs = [(original, flaps, item.span, _dub_span(flaps, item.timed.text))
             for item in prepared for flaps, _ in item.readings]
    fits = fit_pairs(pairs, settings.fit)
    by_line: dict[int, list[CandidateFit]] = {}
    spans: dict[int, Span] = {}
    counts: dict[int, tuple[int, bool]] = {}  # the original's syllables, estimated or not
    at = 0
    for item in prepared:
        timed, span, count_readings = item.timed, item.span, len(item.readings)
        results, dub_span = fits[at:at + count_readings], pairs[at][3]
        at += count_readings
        spans[timed.line] = span
        if timed.line not in counts:
            known = (syllables or {}).get(timed.line)
            counts[timed.line] = (known, False) if known is not None else (estimate_syllables(original, span), True)
        count, estimated = counts[timed.line]
        # an estimate from flaps is too rough to argue with (slow speech shows more flaps per syllable)
        words = "" if estimated else original_rate_words(count / timed.target_seconds, False)
        by_line.setdefault(timed.line, []).append(_candidate_fit(original, item, dub_span, results, settings, words))
    lines = []
    for line in sorted(by_line):
        ranked = sorted(by_line[line], key=lambda c: (-c.score, abs(math.log(c.timed.rate))))
        ranked = [replace(candidate, rank=rank) for rank, candidate in enumerate(ranked, 1)]
        count, estimated = counts[line]
        lines.append(LineAdaptation(line, original.name, spans[line], count, tuple(ranked), estimated))
    return tuple(lines)


#: Syllables per mouth flap (:func:`lipsync.fit.timeline.flap_count`) of a line whose phones are
#: unknown: measured on generated speech in six languages analyzed with anime-3 on twos (the
#: ratio of the totals; leave-one-language-out, a line's estimate is within 21 % of its real
#: count for half the lines, within 50 % for nine in ten: ``benchmarks/adapt.py --syllables``).
SYLLABLES_PER_FLAP = 2.0


def estimate_syllables(original: MouthTimeline, span: Span) -> int:
    """The syllables of an original line whose phones are unknown (an XDTS), from its mouth
    flaps: :data:`SYLLABLES_PER_FLAP` per flap (at least one).

    >>> from lipsync.sheet import SheetLine
    >>> openness = np.array([0, 2, 2, 0, 1, 2, 1, 0, 2, 2, 1, 1, 0, 0], dtype=np.int8)
    >>> estimate_syllables(MouthTimeline("A", FrameRate(24), openness, ()), Span("A", 0, 14, speech=(1, 12)))
    6
    """
    from .timeline import flap_count

    start, end = span.speech or (span.frame, span.end)
    return max(1, round(flap_count(original.openness[start:end]) * SYLLABLES_PER_FLAP))


def _dub_span(flaps: MouthTimeline, text: str) -> Span:
    """The predicted flaps' line as ``fit`` pairs it: its speech from first to last open mouth."""
    extent = _open_extent(flaps)  # None: the candidate never opens its mouth
    start, end = extent or (flaps.lines[0].frame, flaps.lines[0].frame + 1)
    return Span(flaps.name, start, end - start, text, 0, extent)


def _candidate_fit(original: MouthTimeline, item: _Prediction, dub_span: Span, results: Sequence[LineFit | Unpaired],
                   settings: AdaptSettings, rate_words: str) -> CandidateFit:
    """A candidate's score: the mean over its readings of ``fit``'s score less what the
    reading's pace costs (see :func:`_readings`; a reading whose mouth never opens, a vowel
    lost between closures at one phase, scores 0); its flaps, closures and advice are those
    paced to fill the picture's (``results[0]``)."""
    fit_settings, timed, result = settings.fit, item.timed, results[0]
    if not isinstance(result, LineFit):  # the candidate never opens its mouth ("mm")
        raise OptionError(f"candidate {timed.text!r} never opens the mouth, so it cannot be scored",
                          "type the dub line's words")
    scores = [max(0.0, each.score - cost) if isinstance(each, LineFit) else 0.0
              for each, (_, cost) in zip(results, item.readings)]
    half = len(PHASES)
    filled, natural = float(np.mean(scores[:half])), float(np.mean(scores[half:]))
    score = round((filled + natural) / 2, 1)
    extent = dub_span.speech or (dub_span.frame, dub_span.end)
    picture, candidate = closures(original, item.span, item.predicted, extent, timed.phones,
                                  frames_within(fit_settings.edge_reach_seconds, float(original.rate)))
    flagged = bool(score < fit_settings.threshold) or not timed.fits_rate
    fitted = CandidateFit(timed, result, score, round(item.rate_cost, 1), flagged, picture, candidate, "",
                          paced_score=round(filled, 1), natural_score=round(natural, 1))
    return replace(fitted, advice=advice(fitted, settings, rate_words))


def advice(candidate: CandidateFit, settings: AdaptSettings, original: str = "") -> str:
    """What the adapter should do with a candidate, in one line. ``original``: the original
    line's speaking rate in words ("the original speaks 3.2 syllables/s", when counted from its
    phones), said when the candidate cannot fit, since a slow or fast original is why.

    A line too long or too short for the flaps at any plausible rate says by how much it misses
    at the nearest plausible rate, and how many syllables to cut or add: a line with more
    syllables than the original's can still be too short for a slow speaker's flaps.
    """
    timed = candidate.timed
    needed = timed.syllables_per_second
    natural = timed.natural_syllables_per_second
    if not timed.fits_rate:
        fast = timed.rate > settings.fastest
        limit = settings.fastest if fast else settings.slowest
        fitting = timed.target_seconds * natural * limit
        change = timed.syllables - int(math.floor(fitting)) if fast else int(math.ceil(fitting)) - timed.syllables
        miss = abs(timed.natural_seconds / limit - timed.target_seconds)
        way = "faster" if fast else "slower"
        spoken = (f"even {abs(limit - 1) * 100:.0f} % {way} than natural it "
                  + (f"runs {miss:.1f} s past the flaps" if fast else f"ends {miss:.1f} s before the flaps end"))
        count = f"{timed.syllables} syllable needs" if timed.syllables == 1 else f"{timed.syllables} syllables need"
        return (f"cannot fit at any plausible rate: {count} {needed:.1f}/s here against a "
                f"natural {natural:.1f}/s{'; ' + original if original else ''}; {spoken}: "
                + (f"cut about {max(1, change)} syllable(s)" if fast
                   else f"add about {max(1, change)} syllable(s) or a pause"))
    parts = []
    if abs(timed.rate - 1.0) * 100 > settings.fit.stretch_free:
        way = "faster" if timed.rate > 1 else "slower"
        parts.append(f"spoken {abs(timed.rate - 1) * 100:.0f} % {way} than natural ({needed:.1f} syllables/s)")
    missed = [c for c in candidate.picture_closures if not c.matched]
    extra = [c for c in candidate.candidate_closures if not c.matched]
    if missed:
        parts.append("the picture closes its mouth at frame(s) " + ", ".join(str(c.frame) for c in missed)
                     + " where the candidate is open")
    if extra:
        parts.append("the candidate closes at frame(s) " + ", ".join(
            f"{c.frame}" + (f" ({c.word})" if c.word else "") for c in extra) + " where the picture is open")
    if not candidate.flagged:
        return "fits" + (": " + "; ".join(parts) if parts else "")
    return "; ".join(parts) if parts else "the flaps do not match the picture's: rewrite the line"


# --------------------------------------------------------------------------- scripts

def pair_script(original: MouthTimeline, lines: Sequence[Line],
                spans: Sequence[Span] | None = None) -> list[tuple[int, Line]]:
    """Which original line (1-based) each dub-script line goes with: by time overlap when every
    dub line is timed (SRT, VTT...), else in order (then the counts must agree). ``spans``: the
    original's :func:`line_spans` when the caller already has them (only the lines' frames are
    used, so any slack gives the same pairs)."""
    spans = line_spans(original, 0) if spans is None else spans
    if not spans:
        raise FitError(f"the original track {original.name!r} has no dialogue lines",
                       "pass the original voice track with --original-script, or a sheet or XDTS with its dialogue")
    spoken = [line for line in lines if words_of(line.text)]
    if not spoken:
        raise ScriptError("the dub script has no spoken lines", "one line of dialogue per original line")
    if all(line.start is not None and line.end is not None for line in spoken):
        rate = original.rate
        pairs = []
        for line in spoken:
            start, end = rate.frame_at(line.start), rate.frames_in(line.end)  # type: ignore[arg-type]
            overlaps = [(min(end, s.end) - max(start, s.frame), number) for number, s in enumerate(spans, 1)]
            best, number = max(overlaps)
            if best > 0:
                pairs.append((number, line))
        if not pairs:
            raise ScriptError("no dub-script line overlaps an original line in time",
                              "check that the dub script is timed like the original (or give it untimed, in order)")
        return pairs
    if len(spoken) != len(spans):
        raise ScriptError(f"the dub script has {len(spoken)} line(s) and the original {len(spans)}",
                          "give one dub line per original line, in order (or a timed script: SRT, VTT)")
    return list(zip(range(1, len(spans) + 1), spoken))


def unpaired_lines(original: MouthTimeline, paired: Iterable[int], settings: AdaptSettings = AdaptSettings(),
                   spans: Sequence[Span] | None = None) -> tuple[Unpaired, ...]:
    """The original's lines (``Span.index`` 0-based, in time order) that no dub-script line
    goes with: ``paired`` are the numbers (1-based) of those that have one (see
    :func:`pair_script`). A dub script that leaves a line out is not finished: a check fails.
    ``spans``: the original's :func:`line_spans`, when the caller already has them.

    >>> picture = MouthTimeline("A", FrameRate(24), np.array([0, 2, 0, 0, 2, 0], dtype=np.int8),
    ...                         (SheetLine(0, 3, "Hi"), SheetLine(3, 3, "Bye")))
    >>> [(item.span.index, item.span.text, item.reason) for item in unpaired_lines(picture, [1])]
    [(1, 'Bye', 'no dub line at this time')]
    """
    taken = set(paired)
    return tuple(Unpaired("original", span, "no dub line at this time")
                 for number, span in enumerate(_spans(original, settings.fit, spans), 1) if number not in taken)


def time_script(original: Sheet | MouthTimeline, lines: Sequence[Line], language: str, *,
                track: str | None = None, preset: str | Preset | None = None,
                settings: AdaptSettings = AdaptSettings()) -> tuple[TimedCandidate, ...]:
    """Every line of a dub script timed onto the original line it goes with (see
    :func:`pair_script`), from its text alone: the timed words and phones (seconds) a rhythmo
    band writes under the picture. ``original`` is a sheet (``track`` picks one of several) or
    a mouth timeline. The preset defaults to the sheet's own when it is a shipped one."""
    timeline = original if isinstance(original, MouthTimeline) else choose_track(sheet_timelines(original), track)
    if preset is None and isinstance(original, Sheet):
        preset = _sheet_preset(original, settings)
    chosen = _preset(preset, settings)
    spans = line_spans(timeline, settings.fit.line_slack)
    pairs = pair_script(timeline, lines, spans)
    return tuple(_time(line.text, language, timeline, number, chosen, settings, spans).timed for number, line in pairs)


def _sheet_preset(sheet: Sheet, settings: AdaptSettings) -> str:
    from ..errors import PresetError

    try:
        load_preset(sheet.preset.name)
    except PresetError:
        return settings.preset
    return sheet.preset.name


def choose_track(timelines: Sequence[MouthTimeline], track: str | None) -> MouthTimeline:
    """The one mouth track to adapt against: the only one, or the one named ``track``."""
    if not timelines:
        raise FitError("the original has no mouth track", "pass a sheet with a mouth track, or the original voice track")
    if track is not None:
        for timeline in timelines:
            if timeline.name.casefold() == track.casefold():
                return timeline
        raise OptionError(f"the original has no track {track!r}",
                          f"its tracks: {', '.join(t.name for t in timelines)}")
    if len(timelines) > 1:
        raise OptionError(f"the original has {len(timelines)} tracks", "pick one with --track: "
                          + ", ".join(t.name for t in timelines))
    return timelines[0]
