"""The last phone before a pause ends where its sound fades, not where the detector lets go.

The voice activity detector (:mod:`lipsync.vad`) holds a stretch of speech open while the
energy stays above a low threshold, so that soft word endings are kept; phones are trimmed to
those stretches, so the phone before a pause often runs on through the decay of the voice, a
few tens of milliseconds after a person timing by hand ends it (on eval-dev with the script,
the median end of speech was 11 ms late and a quarter more than 35 ms late). The mouth then
talks into the pause. :func:`end_where_sound_fades` ends such a phone at the last point
where the sound is within ``drop_db`` of the loudest point of its final ``look`` seconds
(of the phone itself: a soft final fricative is measured against itself, not against the
vowel before it). The drop, 15 dB, was chosen on eval-dev leave-one-speaker-out (the same in
every fold): rest 0.975 -> 0.978, acc3 0.861 -> 0.868 after the other refinements.

In a noisy recording the opposite happens: the start and the decay of the voice sink under the
noise, and the aligner starts speech late and ends it early (on eval-dev with room noise at
10 dB SNR, the script aligned: 30 ms late and 25-55 ms early, medians; 5 ms either way in the
clean recordings). :func:`widen_into_pauses` gives those phones back the edges they lost.
Without a script the word search loses more there: the soft end of the last word before a
pause sinks under the noise and is heard as the pause (on eval-dev with room noise at 10 dB
SNR, a quarter of the recordings' last phones ended more than 0.12 s before the hand labels'
end, against 8 ms in the clean recordings), though the detector still hears speech there.
:func:`run_on_to_speech_ends` runs the last phone heard on to the end of its stretch of speech.

A word-final stop before a pause is cut at its closure, which is silent by nature (by the
detector, which lets go there, and by the fade), while a hand labeller counts the closure and
the release as speech, as an animator does (the mouth is still shaped for the stop):
:func:`hold_stops_before_pauses` keeps such a stop at least ``stop_seconds`` long. On eval-dev
the final stops ended 50-130 ms before the hand labels. Held 0.08 s (chosen among 0.06-0.12
on eval-dev), rest goes from 0.9791 to 0.9798 with the script and from 0.9782 to 0.9785
without it, acc3 from 0.8770 to 0.8778 and from 0.8566 to 0.8571, with as many boundaries
within 20 ms (benchmarks/accuracy.py, clean). Few recordings end in a stop, so the gain is
small and cross-validation on halves of the speakers is mixed: with the script the value
chosen on one half gains 0.0008 rest on the other and nothing on the reverse; without,
+0.0005 and -0.0004 (measured before the script-free stretch ends were held).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from ..audio import Audio
from ..phonemes import STOPS, is_vowel, starts_closed
from ..sheet import Phone, Word, phone_owners
from ..vad import frame_energies
from .refine import TOUCH_SECONDS
from .settings import DEFAULT_SETTINGS, RecognitionSettings

#: The marks of aspiration, an unreleased stop, palatalization and labialization.
_STOP_MARKS = "ʰ̚ʲʷ"

#: The envelope's step, and how many steps its window spans.
STEP_SECONDS = 0.0025
_WINDOW_STEPS = 4


def envelope_db(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """The energy (dBFS) of 10 ms windows every 2.5 ms: value ``i`` covers
    ``[i * 2.5 ms, i * 2.5 ms + 10 ms)``.

    >>> tone = np.sin(np.arange(1600) / 5).astype(np.float32)
    >>> envelope_db(np.concatenate([tone, 0 * tone]), 16000)[[0, 36, 37, 38, 40, 41]].round(1)
    array([  -3.1,   -3. ,   -4.1,   -6. , -120. , -120. ])
    """
    power = 10.0 ** (frame_energies(samples, sample_rate, STEP_SECONDS).astype(np.float64) / 10.0)
    sums = np.concatenate([[0.0], np.cumsum(power)])
    ends = np.minimum(np.arange(len(power)) + _WINDOW_STEPS, len(power))
    windows = (sums[ends] - sums[:-1]) / (ends - np.arange(len(power)))
    return 10.0 * np.log10(np.maximum(windows, 1e-12))


def is_stop(symbol: str) -> bool:
    """True for a stop (plosive) or a glottal stop, not for an affricate.

    >>> [is_stop(s) for s in ("t", "tʰ", "ʔ", "tʃ", "s", "ɑ")]
    [True, True, True, False, False, False]
    """
    return symbol.rstrip(_STOP_MARKS) in STOPS


def _before_pause(ordered: Sequence[Phone], index: int) -> bool:
    """True when the phone at ``index`` of the ordered ``phones`` is last or has a gap after it."""
    return index + 1 == len(ordered) or ordered[index + 1].start - ordered[index].end > TOUCH_SECONDS


def hold_stops_before_pauses(phones: Sequence[Phone], stop_seconds: float, duration: float) -> tuple[Phone, ...]:
    """Each stop followed by a pause (or last) ends no earlier than ``stop_seconds`` after its
    start: later, never into the next phone or past ``duration``.

    >>> hold_stops_before_pauses([Phone(0.0, 0.2, "æ"), Phone(0.2, 0.23, "t"), Phone(0.28, 0.4, "s")], 0.1, 1.0)
    (Phone(start=0.0, end=0.2, symbol='æ', word=None, line=None), Phone(start=0.2, end=0.28, symbol='t', word=None, line=None), Phone(start=0.28, end=0.4, symbol='s', word=None, line=None))
    """
    ordered = sorted(phones, key=lambda phone: (phone.start, phone.end))
    result = list(ordered)
    for index, phone in enumerate(ordered):
        if not is_stop(phone.symbol) or not _before_pause(ordered, index):
            continue
        following = ordered[index + 1].start if index + 1 < len(ordered) else duration
        end = round(min(phone.start + stop_seconds, following), 6)
        if end > phone.end:
            result[index] = replace(phone, end=end)
    return tuple(result)


def close_before_stops(phones: Sequence[Phone], envelope: np.ndarray, max_gap: float, drop_db: float = 15.0,
                       look: float = 0.2, min_phone: float = 0.03) -> tuple[Phone, ...]:
    """Each stop or affricate after a pause of at most ``max_gap`` seconds starts where the
    sound of the phone before it stops: where the sound first falls more than ``drop_db`` under
    the loudest point of that phone's final ``look`` seconds (``envelope`` from
    :func:`envelope_db`). The pause is the stop's closure; where none of it is that quiet, the
    phones stay as they are.

    A stop is silent until its release, so an aligner often hears its closure as a pause
    between the words and starts the stop at the burst (or after it); a person timing by hand,
    and the mouth, start it with the closure (the lips shut for a p there, held until the burst).

    >>> envelope = np.array([-20.0] * 80 + [-60.0] * 24 + [-20.0] * 40)  # l, 60 ms closure, burst
    >>> close_before_stops([Phone(0.0, 0.17, "l"), Phone(0.28, 0.3, "k"), Phone(0.3, 0.36, "a")], envelope, 0.15)
    (Phone(start=0.0, end=0.2025, symbol='l', word=None, line=None), Phone(start=0.2025, end=0.3, symbol='k', word=None, line=None), Phone(start=0.3, end=0.36, symbol='a', word=None, line=None))
    """
    ordered = sorted(phones, key=lambda phone: (phone.start, phone.end))
    result = list(ordered)
    for index in range(1, len(ordered)):
        before, stop = result[index - 1], ordered[index]
        if not starts_closed(stop.symbol) or not TOUCH_SECONDS < stop.start - before.end <= max_gap:
            continue
        heard = envelope[_step(max(before.end - look, before.start)):_step(before.end)]
        first, last = _step(before.start + min_phone), _step(stop.start)
        quiet = np.flatnonzero(envelope[first:last] < heard.max() - drop_db) if len(heard) else []
        if len(quiet):
            # the sound stops in the middle of the last window before the first quiet one
            closed = round((first + int(quiet[0]) - 1) * STEP_SECONDS + _WINDOW_STEPS * STEP_SECONDS / 2, 6)
            closed = min(max(closed, before.start + min_phone), stop.start)
            result[index - 1] = replace(before, end=closed)
            result[index] = replace(stop, start=closed)
    return tuple(result)


def _step(seconds: float) -> int:
    """The envelope's window that starts nearest ``seconds``."""
    return max(0, int(round(seconds / STEP_SECONDS)))


def restore_cut_stops(aligned: Sequence[Phone], trimmed: Sequence[Phone], stop_seconds: float,
                      duration: float) -> tuple[Phone, ...]:
    """``trimmed`` with each word-final stop the trimming to the detector's stretches dropped
    given back: a stop that the aligner placed right after the last phone before a pause (its
    closure is silent, so the detector let go before it). It lasts ``stop_seconds``
    from the cut (as :func:`hold_stops_before_pauses` holds a stop), never into the next phone
    or past ``duration``.

    >>> aligned = [Phone(0.0, 0.2, "n"), Phone(0.2, 0.34, "t"), Phone(0.6, 0.8, "ɑ")]
    >>> restore_cut_stops(aligned, [Phone(0.0, 0.18, "n"), Phone(0.6, 0.8, "ɑ")], 0.08, 1.0)[1]
    Phone(start=0.18, end=0.26, symbol='t', word=None, line=None)
    """
    result = sorted(trimmed, key=lambda phone: (phone.start, phone.end))
    starts = [phone.start for phone in result]
    ordered = sorted(aligned, key=lambda phone: (phone.start, phone.end))
    for before, phone in zip(ordered, ordered[1:]):
        if not is_stop(phone.symbol) or phone.start - before.end > TOUCH_SECONDS or _within(phone, result, starts):
            continue
        cut = _within(before, result, starts)
        if cut is None:
            continue
        index = bisect.bisect_left(starts, cut.end - 1e-6)
        following = starts[index] if index < len(starts) else duration
        end = round(min(cut.end + stop_seconds, following), 6)
        if end - cut.end > TOUCH_SECONDS:  # else no pause follows: the stop was not cut by one
            result.insert(index, replace(phone, start=cut.end, end=end))
            starts.insert(index, cut.end)
    return tuple(result)


def restore_cut_onsets(aligned: Sequence[Phone], trimmed: Sequence[Phone], seconds: float,
                       onsets: Sequence[float], lead: float = 0.0) -> tuple[Phone, ...]:
    """``trimmed`` with each consonant the trimming dropped at the start of a stretch of speech
    given back: the aligner's first phone of an utterance swallows the silence before it, so
    most of it lay before the detector's onset, and too little was left of it. It starts at that
    onset (the latest of the sorted ``onsets`` of the stretches, seconds, before the phone after
    it) and lasts at least ``seconds``: the phone after it starts no earlier (and keeps its start
    if that would leave it shorter than ``seconds``). With a ``lead`` it starts where the
    aligner placed it, at most ``lead`` seconds before that onset (over steady noise the
    detector hears a soft first consonant late, or not at all, where the aligner still finds it).

    >>> aligned = [Phone(0.0, 0.15, "p"), Phone(0.15, 0.3, "ɑ")]
    >>> restore_cut_onsets(aligned, [Phone(0.15, 0.3, "ɑ")], 0.03, [0.14])
    (Phone(start=0.14, end=0.17, symbol='p', word=None, line=None), Phone(start=0.17, end=0.3, symbol='ɑ', word=None, line=None))
    >>> restore_cut_onsets(aligned, [Phone(0.15, 0.3, "ɑ")], 0.03, [0.15], lead=0.05)
    (Phone(start=0.1, end=0.15, symbol='p', word=None, line=None), Phone(start=0.15, end=0.3, symbol='ɑ', word=None, line=None))
    """
    result = sorted(trimmed, key=lambda phone: (phone.start, phone.end))
    starts = [phone.start for phone in result]
    ordered = sorted(aligned, key=lambda phone: (phone.start, phone.end))
    if seconds <= 0 and lead <= 0:
        return tuple(result)
    for phone, after in zip(ordered, ordered[1:]):
        if is_vowel(phone.symbol) or after.start - phone.end > TOUCH_SECONDS or _within(phone, result, starts):
            continue
        kept = _within(after, result, starts)
        if kept is None:
            continue
        index = result.index(kept)
        if index and result[index - 1].end >= phone.start - TOUCH_SECONDS:
            continue  # the phone before it was kept: not the start of a stretch
        before = bisect.bisect_right(onsets, kept.start + 1e-6)
        onset = min(onsets[before - 1], kept.start) if before else kept.start
        start = round(min(onset, max(phone.start, onset - lead)), 6)
        split = round(max(kept.start, start + seconds), 6)
        if kept.end - split < seconds or split <= start:
            continue
        result[index] = replace(kept, start=split)
        result.insert(index, replace(phone, start=start, end=split))
        starts[index:index + 1] = [start, split]
    return tuple(result)


def _within(phone: Phone, trimmed: Sequence[Phone], starts: Sequence[float]) -> Phone | None:
    """The phone of ``trimmed`` (sorted, ``starts`` their starts) that is ``phone`` or a part
    of it, if any."""
    first = bisect.bisect_left(starts, phone.start - 1e-6)
    return next((kept for kept in trimmed[first:bisect.bisect_right(starts, phone.end + 1e-6)]
                 if kept.symbol == phone.symbol and kept.end <= phone.end + 1e-6), None)


def words_over_their_phones(words: Sequence[Word], phones: Sequence[Phone]) -> tuple[Word, ...]:
    """``words``, each from its first phone's start to its last phone's end (its phones by
    :func:`~lipsync.sheet.phone_owners`; a word without phones keeps its edges). The aligner
    times words on its 10 ms frames and the phones are moved after it (onto the signal, a final
    stop held into the pause), so a word's edges would cut into its first and last phones; the
    review moves a word with its phones, and a word stored where its phones are keeps them all.

    >>> words_over_their_phones([Word(0.0, 0.3, "at"), Word(0.3, 0.9, "it")],
    ...                         [Phone(0.0, 0.2, "æ", "at"), Phone(0.2, 0.3075, "t", "at"), Phone(0.3075, 0.88, "ɪ", "it")])
    (Word(start=0.0, end=0.3075, text='at', line=None, confidence=None), Word(start=0.3075, end=0.88, text='it', line=None, confidence=None))
    """
    owned: dict[int, list[Phone]] = {}
    for phone, owner in zip(phones, phone_owners(words, phones)):
        if owner is not None:
            owned.setdefault(owner, []).append(phone)
    return tuple(replace(word, start=min(p.start for p in owned[index]), end=max(p.end for p in owned[index]))
                 if index in owned else word for index, word in enumerate(words))


def end_where_sound_fades(phones: Sequence[Phone], envelope: np.ndarray, drop_db: float = 15.0,
                          look: float = 0.2, min_phone: float = 0.03) -> tuple[Phone, ...]:
    """Each phone followed by a pause (or last) ends where the sound of its final ``look``
    seconds last comes within ``drop_db`` of their loudest point (``envelope`` from
    :func:`envelope_db`): earlier, never later, and never leaving it shorter than
    ``min_phone``.

    >>> envelope = np.array([-20.0] * 40 + [-30.0] * 8 + [-40.0] * 12)  # a decay, then quiet
    >>> end_where_sound_fades([Phone(0.0, 0.15, "ɑ")], envelope)
    (Phone(start=0.0, end=0.1225, symbol='ɑ', word=None, line=None),)
    >>> end_where_sound_fades([Phone(0.0, 0.15, "ɑ")], envelope, drop_db=25.0)
    (Phone(start=0.0, end=0.15, symbol='ɑ', word=None, line=None),)
    """
    ordered = sorted(phones, key=lambda phone: (phone.start, phone.end))
    result = list(ordered)
    for index, phone in enumerate(ordered):
        if not _before_pause(ordered, index):
            continue
        first = max(0, int(np.floor(max(phone.end - look, phone.start) / STEP_SECONDS)))
        last = min(int(np.ceil(phone.end / STEP_SECONDS)), len(envelope))
        heard = envelope[first:last]
        if not len(heard):
            continue
        loud = np.flatnonzero(heard >= heard.max() - drop_db)
        # the last window within the drop ends at its start plus the window's middle
        fade = (first + int(loud[-1])) * STEP_SECONDS + _WINDOW_STEPS * STEP_SECONDS / 2
        end = round(max(min(fade, phone.end), phone.start + min_phone), 6)
        if end < phone.end:
            result[index] = replace(phone, end=end)
    return tuple(result)


def end_phones_where_sound_fades(phones: Sequence[Phone], audio: Audio,
                                 settings: RecognitionSettings = DEFAULT_SETTINGS, *,
                                 envelope: np.ndarray | None = None) -> tuple[Phone, ...]:
    """:func:`end_where_sound_fades` on ``audio`` (its :func:`envelope_db`, unless given), as
    ``settings`` (``fade_*``) say, then :func:`hold_stops_before_pauses` (``fade_stop_seconds``)."""
    if envelope is None:
        envelope = envelope_db(audio.samples, audio.sample_rate)
    faded = end_where_sound_fades(phones, envelope, settings.fade_drop_db,
                                  settings.fade_look_seconds, settings.fade_min_phone_seconds)
    return hold_stops_before_pauses(faded, settings.fade_stop_seconds, len(audio.samples) / audio.sample_rate)


def widen_into_pauses(phones: Sequence[Phone], onset: float, offset: float, duration: float,
                      share: float = 0.5) -> tuple[Phone, ...]:
    """Each phone after a pause starts ``onset`` seconds earlier, each phone before a pause ends
    ``offset`` seconds later (never before 0 or after ``duration``), taking at most ``share`` of
    the pause from each side, so a short pause stays a pause. Phones that touch their
    neighbours keep that edge.

    >>> widen_into_pauses([Phone(0.5, 0.7, "ɑ"), Phone(0.7, 0.9, "n"), Phone(0.94, 1.2, "s")], 0.02, 0.03, 1.21)
    (Phone(start=0.48, end=0.7, symbol='ɑ', word=None, line=None), Phone(start=0.7, end=0.92, symbol='n', word=None, line=None), Phone(start=0.92, end=1.21, symbol='s', word=None, line=None))
    """
    ordered = sorted(phones, key=lambda phone: (phone.start, phone.end))
    result = list(ordered)
    for index, phone in enumerate(ordered):
        before = ordered[index - 1] if index else None
        after = ordered[index + 1] if index + 1 < len(ordered) else None
        start, end = phone.start, phone.end
        if before is None:
            start = max(phone.start - onset, 0.0)
        elif phone.start - before.end > TOUCH_SECONDS:
            start = phone.start - min(onset, share * (phone.start - before.end))
        if after is None:
            end = min(phone.end + offset, max(duration, phone.end))
        elif after.start - phone.end > TOUCH_SECONDS:
            end = phone.end + min(offset, share * (after.start - phone.end))
        if (start, end) != (phone.start, phone.end):
            result[index] = replace(phone, start=round(start, 6), end=round(end, 6))
    return tuple(result)


def run_on_to_speech_ends(phones: Sequence[Phone], stretches: Sequence[tuple[float, float]]) -> tuple[Phone, ...]:
    """``phones``, the last of each stretch of speech (of ``stretches``, in order) ending no
    earlier than the stretch: the detector heard the voice go on where the recognizer heard a
    pause. Never into the next phone (it starts at the stretch's end or later); a stretch
    without phones stays without.

    >>> run_on_to_speech_ends([Phone(0.1, 0.3, "h"), Phone(0.3, 0.5, "ɑ"), Phone(1.0, 1.4, "s")],
    ...                       [(0.1, 0.7), (0.9, 1.3), (1.5, 1.8)])
    (Phone(start=0.1, end=0.3, symbol='h', word=None, line=None), Phone(start=0.3, end=0.7, symbol='ɑ', word=None, line=None), Phone(start=1.0, end=1.4, symbol='s', word=None, line=None))
    """
    ordered = sorted(phones, key=lambda phone: (phone.start, phone.end))
    starts = [phone.start for phone in ordered]
    result = list(ordered)
    for start, end in stretches:
        last = bisect.bisect_left(starts, end) - 1  # the last phone starting inside the stretch
        if last >= 0 and start < ordered[last].end < end:
            result[last] = replace(ordered[last], end=round(end, 6))
    return tuple(result)
