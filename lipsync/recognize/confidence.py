"""How sure the alignment is that a script line was spoken where it was put.

The measure is acoustic. pocketsphinx scores every 10 ms frame of the aligned path against the
best-fitting Gaussian of that frame, so a word's score (:attr:`.model.AlignedWord.score`, log
base 1.0001) is 0 when its phones fit as well as any sound could, and falls as the audio fits
them worse. Voices, microphones and synthetic speech fit the model to different degrees, so the
score is compared with what an unconstrained phone loop (any phone after any phone) reaches on
the same recording: the **reference**, the loop's score per frame over up to
:attr:`RecognitionSettings.reference_seconds` of the recording's speech spread over its length.

A line's **fit** is its score per frame (:func:`line_score`: its words' score per frame, or in a
short line its median word's when that is lower) minus the reference per frame. The fit alone
cannot tell every right line from every wrong one: some synthetic voices fit the model as badly
(-41 per frame on their right lines) as a wrong script laid on real speech does (-39 at best). A
second piece of evidence is how plausibly long the phones are: words forced onto speech they do
not fit have most of their phones squeezed to the aligner's 30 ms minimum around the few that
find a sound of their own, and stretch others over speech that belongs to other words, while
spoken phones last 50-100 ms. A line's **squeezed share** (:func:`squeezed_share`) is the share
of its phones held for that minimum (eval-dev: at most 0.27 on right lines, 0.16-0.65 on wrong
ones; espeak-ng voices whose right lines fit worst squeeze almost none), its **stretched share**
(:func:`stretched_share`) the share lasting 250 ms or more. Its **confidence** is
``1 / (1 + exp(-(fit + gap - ws * squeezed - wt * stretched) / scale))``: 0.5 when the words
score ``gap`` per frame under the loop with every phone plausibly long, near 1 for a line that
fits as well as speech usually does, near 0 for words forced onto other speech. The gap, the
weights and the scale (:attr:`RecognitionSettings.confidence_gap`, ``squeezed_weight``,
``stretched_weight``, ``confidence_scale``; another language's line is rated on its fit alone
with ``foreign_confidence_gap``, since the English model fits their espeak-ng pronunciations
less well and holds many of their phones for its minimum in right lines too) are calibrated with
``benchmarks/trust.py`` (real recordings of ``eval-dev`` with their own script and with another
utterance's script, and espeak-ng speech), fitted on one half of the cases and measured on the
other, both ways. It is deterministic: the same audio and script give the same confidence.
Words are rated by their score alone (a short word's few phones are often at the minimum).

The reference costs a phone-loop pass over up to ``reference_seconds`` of speech, so it is
measured only when some line's status depends on it: a line whose words score so well that it
is at least :data:`SURE` confident even against 0 (the best any path can score) has its
confidence computed against 0, within 0.01 of the measured value. Words share their recording's
reference when it was measured, else 0 (a lower bound); words recognized without a script are
rated against 0.

A line is **aligned** at confidence :attr:`RecognitionSettings.aligned_at` or more,
**uncertain** down to :attr:`RecognitionSettings.found_at`, and **not found** below (its words are
left out of the sheet and the speech there is recognized without the script, like a line the
aligner could not place at all).
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from ..sheet import ScriptLine, Word
from .model import AcousticModel, AlignedWord, HeardWord
from .settings import DEFAULT_SETTINGS, RecognitionSettings

if TYPE_CHECKING:
    from .align import ScriptWord

ALIGNED = "aligned"
UNCERTAIN = "uncertain"
NOT_FOUND = "not found"
NO_WORDS = "no words"  # a line with nothing to speak: music, a sound effect, a stage direction

FRAME_SECONDS = 0.01  # the acoustic model's analysis frame, which its scores are summed over
MIN_PHONE_SECONDS = 0.03  # the aligner's shortest phone: three frames, one per state of its model
STRETCHED_SECONDS = 0.25  # a phone this long is stretched (spoken phones last 50-100 ms)
#: A line at least this confident against a reference of 0 (the best any path can score) is
#: aligned whatever the reference: its confidence is within 1 - SURE of the measured one, and
#: the reference is not measured for it.
SURE = 0.99
#: The phone-loop reference is measured on pieces this long spread over the recording's speech
#: (:func:`reference_stretches`): on the recordings of benchmarks/trust.py, 3 s in 1 s pieces
#: kept every case that 6 s from whole stretches did; 3 or 4 s from whole stretches (the first
#: line's speech, on a short take) lost one
REFERENCE_PIECE_SECONDS = 1.0


def score_per_frame(words: Sequence[AlignedWord | HeardWord]) -> float | None:
    """The aligned (or recognized) words' acoustic score per 10 ms frame (None for no frames).

    >>> score_per_frame([AlignedWord(0, 0.0, 0.5, (), -500.0), AlignedWord(1, 0.5, 1.0, (), -1500.0)])
    -20.0
    """
    frames = sum(round((word.end - word.start) / FRAME_SECONDS) for word in words)
    if frames <= 0:
        return None
    return sum(word.score for word in words) / frames


def line_score(words: Sequence[AlignedWord], settings: RecognitionSettings = DEFAULT_SETTINGS) -> float | None:
    """A line's acoustic score per frame: its words' score per frame (:func:`score_per_frame`);
    for a short line (up to ``settings.median_line_words`` words), its median word's when that
    is lower. Words forced onto speech they do not fit mostly fit very badly, but a couple of
    short ones ("the", "a") fit whatever sound they land on and lift the average of a short
    line; its median word is not lifted by them. (On the right script the median word fits
    about as well as the average.)

    >>> line_score([AlignedWord(0, 0.0, 0.5, (), -500.0), AlignedWord(1, 0.5, 0.6, (), -600.0),
    ...             AlignedWord(2, 0.6, 0.7, (), -600.0)])
    -60.0
    >>> line_score([AlignedWord(0, 0.0, 0.5, (), -5000.0), AlignedWord(1, 0.5, 1.0, (), -500.0),
    ...             AlignedWord(2, 1.0, 1.5, (), -500.0)])
    -40.0
    """
    mean = score_per_frame(words)
    scores = [score for score in (score_per_frame([word]) for word in words) if score is not None]
    if mean is None or not scores or len(words) > settings.median_line_words:
        return mean
    return min(mean, float(np.median(scores)))


def _share_of_phones(words: Sequence[AlignedWord], counted: Callable[[float], bool]) -> float:
    """The share of the words' phones whose duration (seconds) is ``counted``; 0 for no phones."""
    durations = [end - start for word in words for _, start, end in word.phones]
    if not durations:
        return 0.0
    return round(sum(1 for duration in durations if counted(duration)) / len(durations), 4)


def squeezed_share(words: Sequence[AlignedWord]) -> float:
    """The share of the words' phones that the aligner held for no more than its minimum
    (:data:`MIN_PHONE_SECONDS`, three 10 ms frames, within half a frame): words forced onto
    speech they do not fit have their phones squeezed to that minimum around the few that find
    a sound of their own, while spoken phones last 50-100 ms. 0 for no phones.

    >>> squeezed_share([AlignedWord(0, 0.0, 0.2, (("h", 0.0, 0.03), ("aɪ", 0.03, 0.2)))])
    0.5
    """
    return _share_of_phones(words, lambda duration: duration <= MIN_PHONE_SECONDS + FRAME_SECONDS / 2)


def stretched_share(words: Sequence[AlignedWord]) -> float:
    """The share of the words' phones that last :data:`STRETCHED_SECONDS` or more: the other
    side of squeezing, phones stretched over speech that belongs to other words. 0 for no
    phones.

    >>> stretched_share([AlignedWord(0, 0.0, 0.5, (("h", 0.0, 0.1), ("aɪ", 0.1, 0.35), ("t", 0.35, 0.5)))])
    0.3333
    """
    return _share_of_phones(words, lambda duration: duration >= STRETCHED_SECONDS - 1e-9)


def confidence(per_frame: float, reference: float, settings: RecognitionSettings = DEFAULT_SETTINGS,
               foreign: bool = False, squeezed: float = 0.0, stretched: float = 0.0) -> float:
    """Confidence 0-1 of words scoring ``per_frame`` where the phone loop scores ``reference``,
    ``squeezed`` and ``stretched`` the shares of their phones held for the aligner's minimum
    (:func:`squeezed_share`) and stretched (:func:`stretched_share`).

    >>> confidence(-54.5, -8.0)
    0.5
    >>> confidence(-20.0, -8.0) > 0.99 > 0.01 > confidence(-80.0, -8.0)
    True
    >>> confidence(-48.0, -8.0) > 0.5 > confidence(-48.0, -8.0, squeezed=0.3)
    True
    >>> confidence(-48.0, -8.0) > 0.5 > confidence(-48.0, -8.0, stretched=0.1)
    True

    Another language's line is rated on its fit alone (``foreign_confidence_gap``):

    >>> confidence(-59.0, -8.0, foreign=True), confidence(-59.0, -8.0, foreign=True, squeezed=0.5)
    (0.5, 0.5)
    """
    fit = per_frame - reference
    if foreign:
        evidence = fit + settings.foreign_confidence_gap
    else:
        evidence = fit + settings.confidence_gap - settings.squeezed_weight * squeezed \
            - settings.stretched_weight * stretched
    return round(1.0 / (1.0 + math.exp(-evidence / settings.confidence_scale)), 4)


def status(value: float | None, settings: RecognitionSettings = DEFAULT_SETTINGS) -> str:
    """The state a line with confidence ``value`` ends in (None: the aligner could not place it).

    >>> [status(v) for v in (0.9, 0.3, 0.05, None)]
    ['aligned', 'uncertain', 'not found', 'not found']
    """
    if value is None or value < settings.found_at:
        return NOT_FOUND
    return ALIGNED if value >= settings.aligned_at else UNCERTAIN


def _evidence(value: float, settings: RecognitionSettings) -> float:
    """The evidence (fit + gap - weighted shares) behind a confidence: its logit times the scale."""
    value = min(max(value, 1e-4), 1.0 - 1e-4)
    return settings.confidence_scale * math.log(value / (1.0 - value))


def statuses(values: Mapping[int, float], settings: RecognitionSettings = DEFAULT_SETTINGS) -> dict[int, str]:
    """The state of each aligned line (by index, its confidence in ``values``) judged against
    the recording's other lines too: a line :func:`status` leaves uncertain is aligned when the
    script's other lines are confidently aligned (their median at least
    ``settings.context_confident``) and its evidence is within ``settings.context_evidence`` of
    theirs (per frame, :func:`confidence`'s ``fit + gap - ...``): a voice or microphone the
    model fits poorly lowers all its lines alike, while a replaced line falls far below its
    neighbours (30 or more per frame in benchmarks/trust.py), and a wrong script has no
    confidently aligned lines to lean on.

    >>> statuses({0: 0.49, 1: 0.9, 2: 0.85, 3: 0.95})[0], statuses({0: 0.16, 1: 0.9, 2: 0.85, 3: 0.95})[0]
    ('aligned', 'uncertain')
    >>> statuses({0: 0.49, 1: 0.3, 2: 0.6})[0], statuses({0: 0.49})[0]
    ('uncertain', 'uncertain')
    """
    states = {index: status(value, settings) for index, value in values.items()}
    for index, value in values.items():
        others = [other for key, other in values.items() if key != index]
        if states[index] != UNCERTAIN or not others:
            continue
        typical = float(np.median(others))
        if typical >= settings.context_confident and \
                _evidence(value, settings) >= _evidence(typical, settings) - settings.context_evidence:
            states[index] = ALIGNED
    return states


def reference_stretches(stretches: Sequence[tuple[float, float]], seconds: float,
                        piece: float = REFERENCE_PIECE_SECONDS) -> list[tuple[float, float]]:
    """Up to ``seconds`` of speech, in time order: pieces of ``piece`` seconds centred at even
    steps through the recording's speech, each kept inside its stretch (all of the speech when
    there is no more than ``seconds`` of it).

    >>> reference_stretches([(0.0, 10.0)], 2.0)
    [(2.0, 3.0), (7.0, 8.0)]
    >>> reference_stretches([(0.0, 0.5), (1.0, 4.0), (6.0, 6.5)], 2.0)
    [(1.0, 2.0), (3.0, 4.0)]
    >>> reference_stretches([(0.0, 1.0), (2.0, 2.5)], 2.0)
    [(0.0, 1.0), (2.0, 2.5)]
    """
    total = sum(end - start for start, end in stretches)
    if total <= seconds:
        return list(stretches)
    count = max(1, round(seconds / piece))
    chosen: list[tuple[float, float]] = []
    for k in range(count):
        at = (k + 0.5) * total / count  # seconds of speech before the piece's centre
        passed = 0.0
        for start, end in stretches:
            if passed + (end - start) >= at:
                centre = start + at - passed
                first = max(start, min(centre - piece / 2, end - piece))
                chosen.append((first, min(end, first + piece)))
                break
            passed += end - start
    return chosen


def reference_speech(samples: np.ndarray, sample_rate: int, stretches: Sequence[tuple[float, float]],
                     settings: RecognitionSettings = DEFAULT_SETTINGS) -> np.ndarray | None:
    """The speech the phone-loop reference is measured on: the stretches of
    :func:`reference_stretches`, joined into one utterance; None when there is no speech."""
    pieces = [samples[int(start * sample_rate):int(end * sample_rate)]
              for start, end in reference_stretches(stretches, settings.reference_seconds)]
    return np.concatenate(pieces) if pieces else None


def per_frame(score: float, frames: int) -> float:
    """A score (as ``model.loop_score`` gives it) per frame; 0 for no frames.

    >>> per_frame(-300.0, 100), per_frame(0.0, 0)
    (-3.0, 0.0)
    """
    return score / frames if frames else 0.0


def reference_score(model: AcousticModel, samples: np.ndarray, sample_rate: int,
                    stretches: Sequence[tuple[float, float]], settings: RecognitionSettings = DEFAULT_SETTINGS
                    ) -> float:
    """The phone loop's acoustic score per frame (``model.loop_score``) over a sample of the
    recording's speech (:func:`reference_speech`)."""
    speech = reference_speech(samples, sample_rate, stretches, settings)
    return 0.0 if speech is None else per_frame(*model.loop_score(speech, settings))


def overlap_seconds(start: float, end: float, spans: Sequence[tuple[float, float]]) -> float:
    """Seconds of ``start``-``end`` that ``spans`` (not overlapping one another) cover.

    >>> overlap_seconds(1.0, 3.0, [(0.0, 1.5), (2.5, 2.75), (4.0, 5.0)])
    0.75
    """
    return sum(max(0.0, min(end, b) - max(start, a)) for a, b in spans)


def clock(seconds: float) -> str:
    """``m:ss.s`` for messages.

    >>> clock(75.25)
    '1:15.2'
    """
    minutes, rest = divmod(max(0.0, seconds), 60.0)
    return f"{int(minutes)}:{rest:04.1f}"


def mismatch_message(words: Sequence[ScriptWord], outcomes: Mapping[int, ScriptLine], reason: str = "",
                     settings: RecognitionSettings = DEFAULT_SETTINGS) -> str:
    """The one-line message for a script that does not belong to the recording (less than
    ``settings.mismatch_share`` of its words aligned), saying how much matched and where; ``""``
    when enough of it matched. ``reason`` is added when known (e.g. no speech)."""
    aligned = {index for index, line in outcomes.items() if line.status == ALIGNED}
    matched = sum(1 for word in words if word.line in aligned)
    if words and matched >= settings.mismatch_share * len(words):
        return ""
    spoken = [index for index, line in outcomes.items() if line.status != NO_WORDS]
    spans = sorted((outcomes[index].start, outcomes[index].end) for index in aligned)
    where = ""
    if spans:
        shown = ", ".join(f"{clock(start)}-{clock(end)}" for start, end in spans[:3])
        where = f", at {shown}" + (" …" if len(spans) > 3 else "")
    because = f" ({reason})" if reason else ""
    return (f"{len(spoken) - len(aligned)} of {len(spoken)} script lines do not match the recording{because}: "
            f"{matched} of {len(words)} words matched{where}; is the script for another recording, "
            "or in another language?")


def short_script_reason(words: Sequence[ScriptWord], stretches: Sequence[tuple[float, float]],
                        settings: RecognitionSettings = DEFAULT_SETTINGS) -> str:
    """Why a script that does not match may be only a small part of the recording's script:
    said at an ordinary rate (``settings.seconds_per_phone``), its words would take less than
    ``settings.mismatch_share`` of the speech (``stretches``) and leave at least
    ``settings.min_unmatched_speech`` seconds of it out; ``""`` otherwise, and when
    ``settings.whole_script`` is off.

    >>> from lipsync.recognize.align import ScriptWord
    >>> hello = [ScriptWord(0, None, 4)]
    >>> short_script_reason(hello, [(0.5, 4.3), (5.5, 9.9)])
    "its 1 word would take about 0.3 s of the recording's 8.2 s of speech"
    >>> short_script_reason(hello * 30, [(0.5, 4.3), (5.5, 9.9)])
    ''
    """
    speech = sum(end - start for start, end in stretches)
    said = sum(word.phone_count for word in words) * settings.seconds_per_phone
    if not settings.whole_script or said >= settings.mismatch_share * speech \
            or speech - said < settings.min_unmatched_speech:
        return ""
    return f"its {len(words)} word{'' if len(words) == 1 else 's'} would take about {said:.1f} s of the " \
           f"recording's {speech:.1f} s of speech"


def partial_script_message(outcomes: Mapping[int, ScriptLine], found: Sequence[Word],
                           stretches: Sequence[tuple[float, float]],
                           settings: RecognitionSettings = DEFAULT_SETTINGS) -> str:
    """The one-line message for a script that matched only part of the recording: the words
    ``found`` of its aligned lines cover less than ``settings.mismatch_share`` of the speech
    (``stretches``) and leave at least ``settings.min_unmatched_speech`` seconds of it out (a
    line or two of a longer scene, a one-word script on a whole take); ``""`` otherwise, and
    when ``settings.whole_script`` is off (the script holds only one character's lines of a
    mixed stem).

    >>> lines = {0: ScriptLine(0, 1, "Hello there", ALIGNED, 0.97, 0.5, 1.3)}
    >>> words = [Word(0.5, 0.8, "Hello", 0), Word(0.8, 1.3, "there", 0)]
    >>> partial_script_message(lines, words, [(0.5, 1.3), (2.0, 9.0)])
    "the script matched only 0.8 s of the recording's 7.8 s of speech (line 1 at 0:00.5-0:01.3); 7.0 s of speech is not in the script: is it the script of the whole recording?"
    >>> partial_script_message(lines, words, [(0.5, 1.3), (2.0, 2.5)])
    ''

    Words spread over the speech (the aligner gave most of it to pauses between them) cover only
    themselves:

    >>> spread = {0: ScriptLine(0, 1, "The tall", ALIGNED, 0.99, 1.9, 9.9)}
    >>> partial_script_message(spread, [Word(1.9, 2.1, "The", 0), Word(9.7, 9.9, "tall", 0)], [(0.4, 9.9)])[:58]
    "the script matched only 0.4 s of the recording's 9.5 s of "
    """
    if not settings.whole_script:
        return ""
    aligned = {index for index, line in outcomes.items() if line.status == ALIGNED}
    spans = sorted((word.start, word.end) for word in found if word.line in aligned)
    starts, ends = [start for start, _ in spans], [end for _, end in spans]
    total = sum(end - start for start, end in stretches)
    # each stretch against the words that reach into it only, not every word of the script
    covered = sum(overlap_seconds(start, end, spans[bisect.bisect_right(ends, start):bisect.bisect_left(starts, end)])
                  for start, end in stretches)
    if covered >= settings.mismatch_share * total or total - covered < settings.min_unmatched_speech:
        return ""
    placed = sorted((line.start, line.end, line.number) for index, line in outcomes.items()
                    if index in aligned and line.start is not None and line.end is not None)
    where = ", ".join(f"line {number} at {clock(start)}-{clock(end)}" for start, end, number in placed[:3])
    where = f" ({where}{' …' if len(placed) > 3 else ''})" if placed else ""
    return (f"the script matched only {covered:.1f} s of the recording's {total:.1f} s of speech{where}; "
            f"{total - covered:.1f} s of speech is not in the script: is it the script of the whole recording?")


def with_missing_words(outcomes: Sequence[ScriptLine], found: Sequence[Word],
                       spoken: Sequence[tuple[int, str, str]]) -> tuple[ScriptLine, ...]:
    """``outcomes`` with each line's script words that are not among the ``found`` words listed
    as missing (``spoken``: (line index, word, reading) of every script word, in order).

    >>> out = with_missing_words([ScriptLine(0, 1, "Hi there you", ALIGNED)], [Word(0.0, 0.2, "Hi", 0)],
    ...                          [(0, "Hi", "Hi"), (0, "there", "there"), (0, "you", "you")])
    >>> out[0].missing
    ('there', 'you')
    """
    have: dict[int, Counter] = {}
    for word in found:
        have.setdefault(word.line, Counter())[word.text] += 1
    result = []
    for outcome in outcomes:
        left = Counter(have.get(outcome.index, Counter()))
        missing = []
        for index, word, _ in spoken:
            if index != outcome.index:
                continue
            if left[word] > 0:
                left[word] -= 1
            else:
                missing.append(word)
        result.append(replace(outcome, missing=tuple(missing)))
    return tuple(result)
