"""Recognition: from audio (and the script, when there is one) to a timeline of phones.

One seam, :class:`Recognizer`: audio and optional dialogue lines in, a :class:`Recognition`
(phones, words, warnings) out, progress through a callback. :class:`AcousticRecognizer` is the
implementation: with a script, lines are matched to the stretches of speech and force-aligned
group by group (:mod:`.align`; at several frame phases with :mod:`.consensus`), what fails is
repaired or recognized without the script and reported; without a script, phones are
recognized directly. The acoustic model behind it is a backend named in
:data:`.model.MODELS` (pocketsphinx's, :mod:`.sphinx`); its tunables are one
:class:`RecognitionSettings`. The animation stage does not care which produced the phones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
import bisect
import math
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

import numpy as np

from ..audio import Audio
from ..dialogue import Line
from ..errors import OptionError, OptionHint, ScriptError, ScriptMismatchError
from ..languages import check_script_language, is_english, language_name, letters_name
from ..sheet import Phone, ScriptLine, Word
from ..vad import split_long
from . import align, confidence
from .chunks import Chunk, run_chunks
from .confidence import clock
from .frontend import prepare, reach_ends
from .model import DEFAULT_MODEL, MODELS, acoustic_model
from .refine import balance_laterals, correct_bias, shipped_bias
from .edges import (close_before_stops, end_phones_where_sound_fades, envelope_db, restore_cut_onsets,
                    restore_cut_stops, run_on_to_speech_ends, widen_into_pauses, words_over_their_phones)
from .spectral import refine_on_signal
from .settings import DEFAULT_SETTINGS, MAX_PASSES, RecognitionSettings

__all__ = ["AcousticRecognizer", "MAX_PASSES", "Recognition", "RecognitionSettings", "Recognizer", "recognize"]

#: the hint of a script refused as another recording's (or in another language)
_WRONG_SCRIPT_HINT = OptionHint(("check {script} (and {language})",
                                 "{allow_mismatch} aligns what matches and recognizes the rest"))
#: the hint of a script refused as only a small part of the recording's
_WHOLE_SCRIPT_HINT = OptionHint(("pass the script of the whole recording, or cut the recording to its lines",
                                 "{allow_mismatch} aligns what matches and recognizes the rest"))

Timed = TypeVar("Timed", Phone, Word)

#: ``on_progress(seconds)``: called with the seconds of audio each finished piece covered.
ProgressCallback = Callable[[float], None]


@dataclass(frozen=True)
class Recognition:
    """Phones and words found in a recording, warnings about what did not fit the script, and
    what became of each script line (in script order; empty without a script)."""

    phones: tuple[Phone, ...]
    words: tuple[Word, ...]
    warnings: tuple[str, ...] = ()
    lines: tuple[ScriptLine, ...] = ()


class Recognizer(Protocol):
    """Finds the phones of a recording: the seam every recognition backend implements."""

    def recognize(self, audio: Audio, lines: Sequence[Line] | None = None, *, language: str = "en-us",
                  on_progress: ProgressCallback | None = None, others: Sequence[Line] = ()) -> Recognition:
        """The phones (and words) in ``audio``: aligned to the dialogue ``lines`` when given,
        else recognized without a script. ``language`` is an espeak-ng code (``en-us``, ``fr``,
        ``ja``...). ``on_progress(seconds)`` reports the audio finished so far, piece by piece.
        ``others``: other characters' lines the recording may hold too (``lines`` are one
        character's of a mixed stem): their speech is neither animated nor warned of as not in
        the script."""


def recognize(audio: Audio, lines: Sequence[Line] | None = None, *, language: str = "en-us",
              jobs: int = 1, on_progress: ProgressCallback | None = None,
              settings: RecognitionSettings = DEFAULT_SETTINGS, others: Sequence[Line] = ()) -> Recognition:
    """Find the phones in ``audio`` with the default :class:`AcousticRecognizer`: aligned to
    ``lines`` when given, else recognized freely, over ``jobs`` worker processes (``others``:
    see :meth:`Recognizer.recognize`)."""
    return AcousticRecognizer(settings, jobs).recognize(audio, lines, language=language, on_progress=on_progress,
                                                        others=others)


def noisy_without_script(level: float) -> str:
    """The warning for a take whose speech stands only ``level`` dB over its background
    (below :attr:`RecognitionSettings.denoise_below_db`) recognized without a script: the
    recognizer hears some of the noise as speech sounds (on eval-dev at 10 dB, acc3 falls by
    0.10 without the script, by 0.03 with it).

    >>> noisy_without_script(16.4)
    'no script was given and the speech stands only 16 dB over the background noise: mouth timing recognized without a script is much less reliable in noise (hint: analyze the take with its script)'
    """
    return (f"no script was given and the speech stands only {level:.0f} dB over the background noise: "
            "mouth timing recognized without a script is much less reliable in noise "
            "(hint: analyze the take with its script)")


def _excerpt(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass(frozen=True)
class AcousticRecognizer:
    """The :class:`Recognizer` over an acoustic model (:data:`.model.MODELS`; pocketsphinx by
    default). With a script: lines matched to the stretches of speech (by length, then by sound
    where alignment fails), each group force-aligned at ``settings.passes`` frame phases, lines
    that were not recorded and speech that is not in the script found, reported and recognized
    without the script. Without one: the words (English) or phones (other languages) heard.
    Every script line ends aligned, uncertain or not found, with a confidence
    (:mod:`.confidence`); a script of which too little aligns raises
    :class:`~lipsync.errors.ScriptMismatchError` (a warning with ``settings.allow_mismatch``).
    The output is the same for any number of ``jobs`` (worker processes).
    """

    settings: RecognitionSettings = DEFAULT_SETTINGS
    jobs: int = 1
    model: str = DEFAULT_MODEL

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise OptionError(f"unknown acoustic model {self.model!r}", f"known models: {', '.join(MODELS)}")

    def recognize(self, audio: Audio, lines: Sequence[Line] | None = None, *, language: str = "en-us",
                  on_progress: ProgressCallback | None = None, others: Sequence[Line] = ()) -> Recognition:
        """See :meth:`Recognizer.recognize`."""
        settings = self.settings
        prepared = prepare(audio, settings)
        audio = prepared.audio
        steady_noise = prepared.level < settings.widen_below_db and prepared.floor_spread <= settings.steady_floor_db
        # over steady noise the detector lets go of soft endings early: the phones are trimmed to
        # stretches reaching further, and without a script the recognizer hears those ends too
        reach = settings.noisy_end_reach_seconds if steady_noise else 0.0
        stretches = prepared.speech(end_reach=0.0 if lines else reach)
        phones_only = not is_english(language)
        if not lines:
            found = self._recognize_freely(audio, stretches, on_progress, phones_only)
        else:
            found = self._align_script(audio, lines, stretches, language, on_progress, others,
                                       noisy=prepared.level < settings.noisy_below_db)
        detected = prepared.speech(settings.trim_pad)
        heard = reach_ends(detected, reach, audio.duration)
        phones = trim_to_speech(found.phones, heard, settings)
        if settings.fade_stop_seconds:
            phones = restore_cut_stops(found.phones, phones, settings.fade_stop_seconds, audio.duration)
        # over steady noise the detector's onset comes late: the aligner's start is kept, up to a lead
        lead = settings.noisy_onset_lead_seconds if steady_noise else 0.0
        if lines and is_english(language) and settings.onset_restore_seconds and (lead or not steady_noise):
            phones = restore_cut_onsets(found.phones, phones, settings.onset_restore_seconds,
                                        [start for start, _ in heard], lead)
        words = trim_to_speech(found.words, heard, settings)
        if settings.correct_bias:
            bias, default = shipped_bias()
            phones = correct_bias(phones, bias, settings.min_phone_seconds, default)
        phones = balance_laterals(phones, settings.lateral_ratio)
        if settings.refine_on_signal:
            phones = refine_on_signal(phones, audio, settings, self.jobs)  # the workers' cores are free now
        envelope = envelope_db(audio.samples, audio.sample_rate)
        phones = close_before_stops(phones, envelope, settings.closure_gap_seconds, settings.fade_drop_db,
                                    settings.fade_look_seconds, settings.fade_min_phone_seconds)
        if settings.fade_ends:
            phones = end_phones_where_sound_fades(phones, audio, settings, envelope=envelope)
        if not lines and steady_noise and settings.noisy_run_on:  # the word search lost the soft ends
            phones = run_on_to_speech_ends(phones, detected)
        if lines and steady_noise:
            phones = widen_into_pauses(phones, settings.noisy_onset_seconds, settings.noisy_offset_seconds,
                                       audio.duration)
        words = words_over_their_phones(words, phones)
        outcomes = confidence.with_missing_words(found.lines, words, align.spoken_words(lines or (), language))
        warnings = found.warnings
        if not lines and phones and prepared.level < settings.denoise_below_db:  # no speech: nothing to doubt
            warnings += (noisy_without_script(prepared.level),)
        return Recognition(phones, words, warnings, outcomes)

    # --- without a script -------------------------------------------------------------------

    def _phone_chunks(self, audio: Audio, stretches: Sequence[tuple[float, float]],
                      phones_only: bool = False, settings: RecognitionSettings | None = None) -> list[Chunk]:
        settings = settings or self.settings
        pieces = split_long(stretches, settings.max_chunk_seconds, audio.samples, audio.sample_rate)
        rate = audio.sample_rate
        return [Chunk(start, audio.samples[int(start * rate):int(end * rate)], None, phones_only,
                      settings=settings, model=self.model)
                for start, end in pieces]

    def _recognize_freely(self, audio: Audio, stretches, on_progress, phones_only: bool = False) -> Recognition:
        """Phones heard without a script; in English also the words, each with its confidence."""
        chunks = self._phone_chunks(audio, stretches, phones_only)
        results = run_chunks(chunks, self.jobs, on_progress)
        phones = [phone for chunk, found in zip(chunks, results) for phone in _offset_phones(chunk, found)]
        heard = [(chunk.offset, word) for chunk, (_, words) in zip(chunks, results) for word in words]
        words: list[Word] = []
        for offset, word in heard:  # against 0, the best any path scores: a lower bound, at no cost
            per_frame = confidence.score_per_frame([word])
            sure = None if per_frame is None else confidence.confidence(per_frame, 0.0, self.settings)
            words.append(Word(offset + word.start, offset + word.end, word.text, None, sure))
        return Recognition(tuple(phones), tuple(words))

    def _hear(self, audio: Audio, stretches: Sequence[tuple[float, float]],
              phones_only: bool = False) -> dict[tuple[float, float], list[Phone]]:
        """The phones recognized in each stretch without the script, to match script lines by
        sound and for speech that is not in the script: English words are heard with
        ``settings.match_words_language_weight``, ``settings.match_words_topn`` and
        ``settings.match_words_phone_penalty`` and aligned as heard (the settings the script
        checks were calibrated with)."""
        settings = replace(self.settings, words_language_weight=self.settings.match_words_language_weight,
                           words_topn=self.settings.match_words_topn,
                           words_phone_penalty=self.settings.match_words_phone_penalty, words_closure_prior=0.0)
        heard: dict[tuple[float, float], list[Phone]] = {}
        pieces = [(stretch, chunk) for stretch in stretches
                  for chunk in self._phone_chunks(audio, [stretch], phones_only, settings)]
        results = run_chunks([chunk for _, chunk in pieces], self.jobs)
        for (stretch, chunk), found in zip(pieces, results):
            heard.setdefault(stretch, []).extend(_offset_phones(chunk, found))
        return heard

    # --- with a script ------------------------------------------------------------------------

    def _align_script(self, audio: Audio, lines: Sequence[Line], stretches, language: str,
                      on_progress, others: Sequence[Line] = (), noisy: bool = False) -> Recognition:
        """The script's lines found in the speech, in steps: check the script, plan groups of
        lines over the stretches of speech and align them, repair the groups that failed, collect
        each line's phones and outcome, report the lines not found, find the speech that is not
        in the script (less what the ``others``' lines say; inside lines only when the recording
        is not ``noisy``, where script-free recognition hears noise and music as phones), and
        recognize it without the script."""
        model = acoustic_model(self.model)
        words = self._script_words(lines, language, model)
        warnings, outcomes = _wordless_lines(lines, words)
        if not stretches:
            for index in words.by_line:
                outcomes[index] = ScriptLine(index, lines[index].number, lines[index].text, confidence.NOT_FOUND,
                                             None, 0.0, audio.duration)
            warnings.append(self._mismatch(words, outcomes, "no speech was found in the recording"))
            return Recognition((), (), tuple(warnings), _in_order(outcomes))
        phones_only = not is_english(language)
        timed = align.is_timed(lines)
        groups, aligned, silent, reference = self._plan_and_align(audio, lines, words, stretches, timed,
                                                                  phones_only, on_progress)
        rate = _LineRater(model, audio, stretches, words, self.settings, phones_only, reference)
        groups, heard = self._repair(audio, groups, aligned, words, stretches, rate, timed, phones_only)
        phones, found_words, unaligned = self._collect(lines, groups, aligned, words, rate, warnings, outcomes)
        self._report_unmatched(lines, words, groups, silent, stretches, audio.duration, found_words, warnings,
                               outcomes)
        between = self._unscripted_stretches(groups, aligned, stretches)
        inside = [] if noisy else self._left_out_places(groups, aligned, words, stretches, outcomes)
        theirs = self._others_speech(audio, others, between + [place[:2] for place in inside], stretches,
                                     language, phones_only, found_words)
        self._over_others(lines, found_words, theirs, warnings, outcomes)
        unaligned += self._unscripted_speech([span for span in between if not self._said(span, theirs)], warnings)
        inserted = self._unscripted_in_lines(audio, lines, [place for place in inside
                                                            if not self._said(place[:2], theirs)],
                                             phones_only, warnings, outcomes)
        phones = _outside(phones, list(inserted) + theirs) + [phone for heard_there in inserted.values()
                                                              for phone in heard_there]
        phones += self._hear_unaligned(audio, unaligned, stretches, heard, phones_only)
        phones.sort(key=lambda phone: (phone.start, phone.end))
        return Recognition(tuple(phones), tuple(found_words), tuple(warnings), _in_order(outcomes))

    def _script_words(self, lines: Sequence[Line], language: str, model) -> align.ScriptWords:
        """The script's words with their pronunciations, once the script is checked to be in
        ``language``: :class:`ScriptError` when most words are not English words (an English
        script) or espeak-ng pronounces many as another language's (any other)."""
        settings = self.settings
        check_script_language([line.text for line in lines], language)
        words = align.prepare_words(lines, language, model)
        if is_english(language) and align.out_of_dictionary_share(words) > settings.wrong_language_share:
            raise ScriptError("most script words are not English words: is the script in another language?",
                              OptionHint(("pass its {language} (or {language} auto), and check that {script} "
                                          "matches the recording",)))
        if not is_english(language):
            share, count, other = align.switched_language_share(lines, language)
            if count >= settings.min_switched_words and share >= settings.switched_language_share \
                    and not letters_name([line.text for line in lines], language):
                raise ScriptError(f"espeak-ng pronounces {count} of the script's {round(count / share)} words as "
                                  f"{language_name(other)}, not {language_name(language)}: is the script in "
                                  "another language?",
                                  OptionHint((f"pass {{language}} {other} (or {{language}} auto) if that is the "
                                              "dialogue's language",)))
        return words

    def _plan_and_align(self, audio: Audio, lines: Sequence[Line], words, stretches, timed: bool,
                        phones_only: bool, on_progress: ProgressCallback | None
                        ) -> tuple[Sequence[align.Group], dict, list[int], float | None]:
        """Groups of lines planned over the stretches of speech (by the lines' times when the
        script is timed, else by their lengths) and each group's alignment (None where it
        failed); the timed lines with no speech at their time; and the confidence's phone-loop
        reference when a worker scored it beside the alignment (else None)."""
        settings = self.settings
        silent: list[int] = []
        if timed:
            groups, silent = align.plan_timed(lines, words, stretches, audio.duration, settings)
        else:
            groups = align.plan_chunks(words, len(lines), stretches, audio.duration, settings=settings)
        narrow = timed or (settings.narrow_first and not phones_only)
        # With several workers, one of them scores the confidence's phone-loop reference beside
        # the alignment, instead of this process after it while the workers wait.
        speech = confidence.reference_speech(audio.samples, audio.sample_rate, stretches, settings) \
            if self.jobs > 1 and len(groups) > 1 else None
        loop = () if speech is None else (Chunk(0.0, speech, loop=True, settings=settings, model=self.model),)
        results = self._align_groups(audio, groups, words, on_progress, short=narrow, also=loop)
        aligned = dict(zip(groups, results))
        reference = confidence.per_frame(*results[-1]) if loop else None
        if not timed and len(groups) == 1 and aligned[groups[0]] is not None and len(groups[0].lines) > 1 \
                and self._words_in_pauses(aligned[groups[0]], groups[0], words, stretches):
            # Aligned in one piece, lines were pushed across the pauses between them: align the
            # lines matched to the stretches between pauses instead, as in longer recordings.
            groups = align.plan_chunks(words, len(lines), stretches, audio.duration, whole=False, settings=settings)
            aligned.update(zip(groups, self._align_groups(audio, groups, words, None)))
        return groups, aligned, silent, reference

    def _repair(self, audio: Audio, groups, aligned: dict, words, stretches, rate: "_LineRater", timed: bool,
                phones_only: bool) -> tuple[Sequence[align.Group], dict[tuple[float, float], list[Phone]]]:
        """The groups once those that failed are repaired (``aligned`` gains their new
        alignments): speech a group skipped aligned again, a length-based plan that went wrong
        re-matched by what was heard there, an unrecorded line left out, a group widened over
        speech beside it; and what was heard without the script on the way, by stretch."""
        settings = self.settings
        self._realign_skipped_speech(audio, groups, aligned, words, stretches, rate)
        failed = {index for index, group in enumerate(groups)
                  if not self._fits(aligned[group], group, words, stretches) or rate.any_lost(aligned[group], group)}
        if not timed:
            failed |= _beside_uncovered(groups, stretches, settings)
        heard: dict[tuple[float, float], list[Phone]] = {}
        if failed and not timed and (len(groups) > 1 or len(groups[0].lines) > 1):
            # The length-based plan went wrong somewhere: re-match those regions by what was heard.
            region = [s for first, last in align.repair_regions(groups, failed, settings.repair_context)
                      for s in stretches if groups[first].start <= s[0] and s[1] <= groups[last].end]
            heard = self._hear(audio, region, phones_only)
            letters = {stretch: align.class_letters([p.symbol for p in phones]) for stretch, phones in heard.items()}
            groups = align.repair_plan(groups, failed, words, stretches, letters, acoustic_model(self.model), settings)
            todo = [group for group in groups if group not in aligned]
            aligned.update(zip(todo, self._align_groups(audio, todo, words, None)))
        if failed:
            groups = self._drop_unrecorded_lines(audio, groups, aligned, words)
            if not timed and not phones_only:
                groups = self._extend_into_uncovered(audio, groups, aligned, words, stretches, rate)
        return groups, heard

    def _collect(self, lines: Sequence[Line], groups, aligned: dict, words, rate: "_LineRater",
                 warnings: list[str], outcomes: dict[int, ScriptLine]
                 ) -> tuple[list[Phone], list[Word], list[tuple[float, float, int | None]]]:
        """The phones and words of every line that aligned, each line's outcome (``outcomes``)
        with a warning for each line not aligned or uncertain (``warnings``), and the spans left
        to recognize without the script (start, end, the line they belong to or None)."""
        rated: dict[int, tuple[float, float, float]] = {}
        for group in groups:
            if aligned[group] is not None:
                rated.update(rate.lines(aligned[group], group))
        states = confidence.statuses({index: value for index, (value, _, _) in rated.items()}, self.settings)
        phones: list[Phone] = []
        found_words: list[Word] = []
        unaligned: list[tuple[float, float, int | None]] = []
        for group in groups:
            located = aligned[group]
            group_words = align.words_in(group, words)
            if located is None:
                for index in group.lines:  # each line named: none is dropped unsaid
                    warnings.append(f"line {lines[index].number} (\"{_excerpt(lines[index].text)}\") does not match "
                                    f"the recording at {clock(group.start)}-{clock(group.end)}; "
                                    "used script-free recognition there")
                # the speech there still belongs to the group's character, when it has one
                speakers = {lines[index].speaker for index in group.lines}
                unaligned.append((group.start, group.end, group.lines[0] if len(speakers) == 1 else None))
                for index in group.lines:
                    outcomes[index] = ScriptLine(index, lines[index].number, lines[index].text, confidence.NOT_FOUND,
                                                 None, group.start, group.end)
                continue
            offset = max(0.0, group.start - self.settings.pad)
            missing = align.squeezed_lines(located, group_words)
            for index in sorted(missing):
                warnings.append(f"line {lines[index].number} (\"{_excerpt(lines[index].text)}\") was not found "
                                f"in the recording near {clock(group.start)}")
                outcomes[index] = ScriptLine(index, lines[index].number, lines[index].text, confidence.NOT_FOUND,
                                             None, group.start, group.end)
            lost: set[int] = set()
            for index in sorted(set(group.lines) & rated.keys()):
                if index in missing:
                    continue
                value, start, end = rated[index]
                line = lines[index]
                state = states[index]
                outcomes[index] = ScriptLine(index, line.number, line.text, state, value, start, end)
                if state == confidence.NOT_FOUND:
                    lost.add(index)
                    unaligned.append((start, end, index))
                    warnings.append(f"line {line.number} (\"{_excerpt(line.text)}\") does not match the recording "
                                    f"at {clock(start)}-{clock(end)} (confidence {value:.2f}); "
                                    "used script-free recognition there")
                elif state == confidence.UNCERTAIN:
                    warnings.append(f"line {line.number} (\"{_excerpt(line.text)}\") at {clock(start)}-{clock(end)} "
                                    f"is uncertain (confidence {value:.2f}): check it")
            group_phones, group_found = align.aligned_phones(offset, located, group_words, missing | lost,
                                                             rate.words(located))
            phones.extend(group_phones)
            found_words.extend(group_found)
        return phones, found_words, unaligned

    def _report_unmatched(self, lines: Sequence[Line], words: align.ScriptWords, groups, silent: Sequence[int],
                          stretches, duration: float, found_words: Sequence[Word], warnings: list[str],
                          outcomes: dict[int, ScriptLine]) -> None:
        """Each line no group holds reported not found (``warnings``, ``outcomes``; a timed line
        with the time it had no speech at); then the script refused
        (:class:`ScriptMismatchError`) when too little of it matched, or with
        ``settings.allow_mismatch`` warned of."""
        matched = {index for group in groups for index in group.lines}
        for index, line in enumerate(lines):
            if index in words.by_line and index not in matched:
                start, end = _searched(index, line, groups, duration, self.settings)
                where = f" (searched {clock(start)}-{clock(end)})"
                if line.start is not None and line.start >= duration:
                    where = f" (its time, {clock(line.start)}, is after the end of the {duration:.1f} s recording)"
                elif index in silent and line.start is not None:
                    where = f" (no speech at {clock(line.start)}-{clock(line.end if line.end is not None else line.start)})"
                warnings.append(f"line {line.number} (\"{_excerpt(line.text)}\") was not found in the recording{where}")
                outcomes[index] = ScriptLine(index, line.number, line.text, confidence.NOT_FOUND, None, start, end)
        short = confidence.short_script_reason(words, stretches, self.settings)
        warning = self._mismatch(words, outcomes, short, _WHOLE_SCRIPT_HINT if short else _WRONG_SCRIPT_HINT) \
            or self._partial(outcomes, found_words, stretches)
        if warning:
            warnings.append(warning)

    def _unscripted_stretches(self, groups, aligned: dict, stretches) -> list[tuple[float, float]]:
        """The speech that the script's lines leave out: outside every group, or a stretch inside
        one that its words barely touch."""
        extra = [s for group in groups if aligned[group] is not None
                 for s in self._unscripted_in_group(aligned[group], group, stretches)]
        return sorted(_uncovered(stretches, groups, self.settings) + extra)

    def _unscripted_speech(self, spans: Sequence[tuple[float, float]], warnings: list[str]
                           ) -> list[tuple[float, float, int | None]]:
        """The speech that is not in the script (``spans``), each stretch warned of
        (``warnings``) and returned as (start, end, None) to be recognized without the script."""
        for start, end in spans:
            warnings.append(f"speech at {clock(start)}-{clock(end)} is not in the script; "
                            "used script-free recognition there")
        return [(start, end, None) for start, end in spans]

    def _left_out_places(self, groups, aligned: dict, words, stretches, outcomes: dict[int, ScriptLine]
                         ) -> list[tuple[float, float, int | None, int]]:
        """Where aligned lines' words may leave speech out (:func:`_left_out_speech`), in the
        lines that aligned or are uncertain."""
        return [(start, end, owner, count) for group in groups if aligned[group] is not None
                for start, end, owner, count in _left_out_speech(
                    self._word_spans(aligned[group], group), align.words_in(group, words),
                    _within(stretches, group.start, group.end), self.settings)
                if owner is None or outcomes[owner].status in (confidence.ALIGNED, confidence.UNCERTAIN)]

    def _others_speech(self, audio: Audio, others: Sequence[Line], spans: Sequence[tuple[float, float]],
                       stretches: Sequence[tuple[float, float]], language: str, phones_only: bool,
                       found_words: Sequence[Word]) -> list[tuple[float, float]]:
        """Where other characters' lines (``others``) are said in the speech the script's lines
        leave out (``spans``): their lines planned over the parts that the script's words
        (``found_words``) leave of the stretches those spans reach into (by their times when
        they have them, else by their lengths over the runs of parts between two of the script's
        lines, a line within one run) and aligned, and the words of each line that aligns
        confidently (rated against the speech in those parts: their voices, not the script's
        character's) returned as (start, end), in order."""
        if not others or not spans:
            return []
        settings = self.settings
        model = acoustic_model(self.model)
        words = align.prepare_words(others, language, model)
        reached = [(low, high) for low, high in stretches if any(a < high and b > low for a, b in spans)]
        speech = _parts_outside(reached, sorted((word.start, word.end) for word in found_words),
                                settings.min_unscripted_seconds - 0.1)
        if not words or not speech:
            return []
        timed = align.is_timed(others)
        if timed:
            groups, _ = align.plan_timed(others, words, speech, audio.duration, settings)
        else:
            by_line: dict[int, list[Word]] = {}
            for word in found_words:
                by_line.setdefault(word.line, []).append(word)
            found_lines = [(min(w.start for w in said), max(w.end for w in said)) for said in by_line.values()]
            # a line is not said across one of the script's lines: one run each at most
            groups = align.plan_chunks(words, len(others), _runs_between(speech, found_lines), audio.duration,
                                       whole=False, settings=replace(settings, max_stretches_per_group=1))
        found = [(group, located) for group, located in zip(groups, self._align_groups(audio, groups, words, None,
                                                                                       short=timed))
                 if located is not None]
        rate = _LineRater(model, audio, speech, words, settings, phones_only)
        states = confidence.statuses({index: value for group, located in found
                                      for index, (value, _, _) in rate.lines(located, group).items()}, settings)
        said: list[tuple[float, float]] = []
        for group, located in found:
            group_words = align.words_in(group, words)
            squeezed = align.squeezed_lines(located, group_words)
            said += [span for span, word in zip(self._word_spans(located, group), group_words)
                     if states[word.line] == confidence.ALIGNED and word.line not in squeezed]
        return sorted(said)

    def _over_others(self, lines: Sequence[Line], found_words: Sequence[Word], theirs: Sequence[tuple[float, float]],
                     warnings: list[str], outcomes: dict[int, ScriptLine]) -> None:
        """Each line with a word lying mostly over another character's words (``theirs``) is
        marked uncertain (``outcomes``) and warned of (``warnings``): it was aligned over that
        character's speech, and is misplaced there."""
        over = {word.line for word in found_words if word.line is not None
                and confidence.overlap_seconds(word.start, word.end, theirs) > 0.5 * (word.end - word.start)}
        for index in sorted(over):
            line, state = lines[index], outcomes[index]
            outcomes[index] = replace(state, status=confidence.UNCERTAIN)
            warnings.append(f"line {line.number} (\"{_excerpt(line.text)}\") at {clock(state.start)}-"
                            f"{clock(state.end)} is uncertain: some of its words lie over another character's "
                            "line; check it")

    def _said(self, span: tuple[float, float], theirs: Sequence[tuple[float, float]]) -> bool:
        """True when the words ``theirs`` cover ``settings.min_coverage`` of ``span``."""
        start, end = span
        return confidence.overlap_seconds(start, end, theirs) >= self.settings.min_coverage * (end - start)

    def _unscripted_in_lines(self, audio: Audio, lines: Sequence[Line],
                             places: Sequence[tuple[float, float, int | None, int]], phones_only: bool,
                             warnings: list[str], outcomes: dict[int, ScriptLine]
                             ) -> dict[tuple[float, float], list[Phone]]:
        """Speech inside aligned lines that their words leave out (words the actor added): each
        of the ``places`` (:meth:`_left_out_places`) where script-free recognition hears
        ``settings.min_unscripted_phones`` more phones than the script's words have there is
        warned of (``warnings``), its line marked uncertain (``outcomes``), and returned with
        the phones heard there, marked as that line's, to animate it instead of the words
        stretched (or the rest held) over it."""
        settings = self.settings
        if not places:
            return {}
        heard = self._hear(audio, [(start, end) for start, end, _, _ in places], phones_only)
        found: dict[tuple[float, float], list[Phone]] = {}
        for start, end, owner, count in places:
            there = heard.get((start, end), [])
            if len(there) - count < settings.min_unscripted_phones:
                continue
            found[(start, end)] = [replace(phone, line=owner) for phone in there]
            # the words leave this speech uncovered: words the actor added, or the line's own
            # words misplaced by the aligner (a word started late after a pause); both are doubts
            where, doubt = "between the script's words", ""
            if owner is not None:
                line = lines[owner]
                where = f"inside line {line.number} (\"{_excerpt(line.text)}\")"
                doubt = f" (line {line.number} now uncertain: check it)"
                outcomes[owner] = replace(outcomes[owner], status=confidence.UNCERTAIN)
            warnings.append(f"speech at {clock(start)}-{clock(end)} {where} is not covered by its words: words said "
                            f"that are not in the script, or the words misplaced{doubt}; used script-free "
                            "recognition there")
        return found

    def _hear_unaligned(self, audio: Audio, unaligned: Sequence[tuple[float, float, int | None]], stretches,
                        heard: dict[tuple[float, float], list[Phone]], phones_only: bool) -> list[Phone]:
        """The phones recognized without the script in each stretch of speech the spans
        ``unaligned`` reach into (what ``heard`` already holds is not heard again), each marked
        as the span's line's (or None)."""
        pieces: list[tuple[tuple[float, float], int | None]] = []
        for a, b, owner in unaligned:
            for s0, s1 in stretches:
                low, high = max(a, s0), min(b, s1)
                if high - low > 0.05:
                    pieces.append(((s0, s1) if (low, high) == (s0, s1) else (low, high), owner))
        heard = {**heard, **self._hear(audio, [piece for piece, _ in pieces if piece not in heard], phones_only)}
        return [replace(phone, line=owner) for piece, owner in dict(pieces).items() for phone in heard[piece]]

    def _mismatch(self, words: Sequence[align.ScriptWord], outcomes: dict[int, ScriptLine], reason: str = "",
                  hint: OptionHint = _WRONG_SCRIPT_HINT) -> str:
        """Raise :class:`ScriptMismatchError` with ``hint`` when too little of the script aligned
        (with ``settings.allow_mismatch``, return its message as a warning); else return ``""``."""
        return self._refuse(confidence.mismatch_message(words, outcomes, reason, self.settings), hint)

    def _partial(self, outcomes: dict[int, ScriptLine], found: Sequence[Word],
                 stretches: Sequence[tuple[float, float]]) -> str:
        """Raise :class:`ScriptMismatchError` when the script matched only a small part of the
        recording's speech (a line or two of a longer scene; see
        :func:`.confidence.partial_script_message`); with ``settings.allow_mismatch``, return
        its message as a warning; else return ``""``."""
        return self._refuse(confidence.partial_script_message(outcomes, found, stretches, self.settings),
                            _WHOLE_SCRIPT_HINT)

    def _refuse(self, message: str, hint: OptionHint) -> str:
        """Raise :class:`ScriptMismatchError` (``message``, ``hint``) for a script found not to
        match; with ``settings.allow_mismatch``, or no ``message``, return ``message``."""
        if not message or self.settings.allow_mismatch:
            return message
        raise ScriptMismatchError(message, hint)

    def _realign_skipped_speech(self, audio: Audio, groups: Sequence[align.Group], aligned: dict, words,
                                stretches: Sequence[tuple[float, float]], rate: "_LineRater") -> None:
        """Groups whose lines all aligned confidently but whose words leave a stretch of their
        own speech out (the aligner gave a whole breath to a pause and squeezed a word before
        it) are aligned again with pauses between words likelier (``model.align_leniently``);
        the new alignment is kept when it covers the group's speech."""
        model = acoustic_model(self.model)
        for group in groups:
            located = aligned[group]
            if located is None or not self._unscripted_in_group(located, group, stretches) or \
                    any(confidence.status(value, self.settings) != confidence.ALIGNED
                        for value, _, _ in rate.lines(located, group).values()):
                continue
            chunk = align.group_chunk(group, words, audio.samples, audio.sample_rate, settings=self.settings,
                                      model=self.model)
            again = model.align_leniently(chunk.samples, chunk.words or (), self.settings)
            if again is not None and not self._unscripted_in_group(again, group, stretches):
                aligned[group] = again

    def _drop_unrecorded_lines(self, audio: Audio, groups: Sequence[align.Group], aligned: dict,
                               words) -> tuple[align.Group, ...]:
        """Where a group of several lines still fails to align, find the one line that was not
        recorded: the group aligns once it is left out (an extra word makes alignment fail)."""
        result = []
        for group in groups:
            if aligned[group] is not None or len(group.lines) < 2:
                result.append(group)
                continue
            trials = [align.Group(tuple(l for l in group.lines if l != left_out), group.start, group.end)
                      for left_out in group.lines]
            outcomes = self._align_groups(audio, trials, words, None)
            fitting = [(trial, located) for trial, located in zip(trials, outcomes) if located is not None]
            if len(fitting) == 1:
                trial, located = fitting[0]
                aligned[trial] = located
                result.append(trial)
            else:
                result.append(group)
        return tuple(result)

    def _extend_into_uncovered(self, audio: Audio, groups: Sequence[align.Group], aligned: dict, words,
                               stretches: Sequence[tuple[float, float]], rate: "_LineRater"
                               ) -> tuple[align.Group, ...]:
        """An English group next to speech no group covers is aligned again with that speech
        joined to it (the stretch before it, after it, or both); the widest try whose words
        cover all its speech, whose lines all align confidently and whose least confident line
        fits better than before is kept. The plan by sound can leave a line's first breath out
        when it sounds little like it (``Of course.`` before the rest of its line), which leaves
        the line forced onto too little speech, whether or not it still fits well enough to pass
        there; a line that is right where it is fits worse stretched over speech it does not
        say. Other languages' lines are rated on their fit alone, which is too weak a test for a
        wider try: a Spanish script on English speech passed."""
        result = list(groups)
        for position, group in enumerate(groups):
            located = aligned[group]
            if located is None:
                continue
            free = _uncovered(stretches, result, self.settings)
            low = result[position - 1].end if position else -math.inf
            high = result[position + 1].start if position + 1 < len(result) else math.inf
            before = [s for s in free if low <= s[0] and s[1] <= group.start + 1e-9][-1:]
            after = [s for s in free if group.end - 1e-9 <= s[0] and s[1] <= high][:1]
            if not before and not after:
                continue
            fit = min(value for value, _, _ in rate.lines(located, group).values())
            starts = [group.start] + [start for start, _ in before]
            ends = [group.end] + [end for _, end in after]
            trials = [align.Group(group.lines, start, end) for start in starts for end in ends
                      if (start, end) != (group.start, group.end)]
            trials.sort(key=lambda trial: trial.start - trial.end)  # the widest first
            for trial, again in zip(trials, self._align_groups(audio, trials, words, None)):
                values = [value for value, _, _ in rate.lines(again, trial).values()] if again is not None else []
                if values and min(values) > fit and not self._unscripted_in_group(again, trial, stretches) \
                        and all(confidence.status(value, self.settings) == confidence.ALIGNED for value in values):
                    aligned[trial] = again
                    result[position] = trial
                    break
        return tuple(result)

    def _align_groups(self, audio: Audio, groups, words, on_progress, short: bool = False,
                      also: Sequence[Chunk] = ()) -> list:
        """Each group's alignment (None where it failed), then the results of the chunks ``also``
        run with them."""
        settings = self.settings
        chunks = [align.group_chunk(group, words, audio.samples, audio.sample_rate,
                                    short and group.end - group.start <= settings.short_group_seconds,
                                    settings, self.model) for group in groups]
        return run_chunks(chunks + list(also), self.jobs, on_progress)

    def _fits(self, located, group: align.Group, words, stretches: Sequence[tuple[float, float]]) -> bool:
        """True when a group aligned, none of its lines was squeezed out, and words cover each of
        its stretches of speech (else some speech there is not in the script)."""
        if located is None:
            return False
        if align.squeezed_lines(located, align.words_in(group, words)):
            return False
        if len(group.lines) > 1 and self._words_in_pauses(located, group, words, stretches):
            return False
        return not self._unscripted_in_group(located, group, stretches)

    def _words_in_pauses(self, located, group: align.Group, words,
                         stretches: Sequence[tuple[float, float]]) -> bool:
        """True when the aligner moved words of an aligned group across the pause between two
        lines, which a plan per stretch of speech corrects: a word lies mostly in a pause (less
        than ``settings.min_word_in_speech`` of it in speech), or a line's first or last words
        sit in another line's stretch of speech, away from the rest of their line
        (:func:`_split_from_line`)."""
        share = self.settings.min_word_in_speech
        spans = self._word_spans(located, group)
        if any(confidence.overlap_seconds(start, end, stretches) < share * (end - start) for start, end in spans):
            return True
        places = [max(range(len(stretches)), key=lambda i: confidence.overlap_seconds(start, end, stretches[i:i + 1]))
                  for start, end in spans]
        return _split_from_line([word.line for word in align.words_in(group, words)], places)

    def _unscripted_in_group(self, located, group: align.Group,
                             stretches: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
        """Stretches of speech inside an aligned group that its words barely touch."""
        settings = self.settings
        spans = self._word_spans(located, group)
        return [(start, end) for start, end in stretches
                if group.start <= start and end <= group.end and end - start >= settings.min_unscripted_seconds
                and confidence.overlap_seconds(start, end, spans) < settings.min_coverage * (end - start)]

    def _word_spans(self, located, group: align.Group) -> list[tuple[float, float]]:
        """The aligned words of a group in seconds of the track (its chunk starts ``pad`` early)."""
        offset = max(0.0, group.start - self.settings.pad)
        return [(offset + word.start, offset + word.end) for word in located]


def trim_to_speech(items: Sequence[Timed], stretches: Sequence[tuple[float, float]],
                   settings: RecognitionSettings = DEFAULT_SETTINGS) -> tuple[Timed, ...]:
    """Fit phones (or words) to the stretches of speech the voice activity detector found.

    Acoustic models let the first and last phones of an utterance, and words next to a pause,
    swallow the silence around them, and sometimes start a soft onset late; the detector knows
    better where the sound starts and stops. Each item is clipped to the stretch it overlaps
    most, and the first item of a stretch that starts a little late (by less than
    ``settings.onset_snap_seconds``) is moved back to the stretch's onset. Items left shorter
    than ``settings.min_phone_seconds`` are dropped.

    >>> trim_to_speech([Phone(0.9, 1.3, "a"), Phone(1.3, 1.8, "b")], [(1.0, 1.6)])
    (Phone(start=1.0, end=1.3, symbol='a', word=None, line=None), Phone(start=1.3, end=1.6, symbol='b', word=None, line=None))
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
            if start - best[0] < settings.onset_snap_seconds:
                start = best[0]
        if end - start >= settings.min_phone_seconds:
            fitted.append(replace(item, start=start, end=end))
    return tuple(fitted)


def _offset_phones(chunk: Chunk, found) -> list[Phone]:
    phones, _ = found
    return [Phone(chunk.offset + start, chunk.offset + end, symbol) for symbol, start, end in phones]


def _wordless_lines(lines: Sequence[Line], words: align.ScriptWords) -> tuple[list[str], dict[int, ScriptLine]]:
    """A warning and an outcome for each line with no words to speak (a direction, music, an
    empty line: not animated); :class:`ScriptError` when no line has any."""
    warnings: list[str] = []
    outcomes: dict[int, ScriptLine] = {}
    for index, line in enumerate(lines):
        if index not in words.by_line:
            what = "no words to speak (music, a sound effect or a direction)" if line.text.strip() else "no text"
            warnings.append(f"line {line.number} (\"{_excerpt(line.text)}\") has {what}: not animated")
            outcomes[index] = ScriptLine(index, line.number, line.text, confidence.NO_WORDS)
    if not words:
        raise ScriptError("the script has no words to speak (only directions, music or sound effects)",
                          OptionHint(("pass the dialogue's script, or analyze without {script} to recognize the speech",)))
    return warnings, outcomes


def _in_order(outcomes: dict[int, ScriptLine]) -> tuple[ScriptLine, ...]:
    return tuple(outcomes[index] for index in sorted(outcomes))


def _searched(index: int, line: Line, groups: Sequence[align.Group], duration: float,
              settings: RecognitionSettings = DEFAULT_SETTINGS) -> tuple[float, float]:
    """Where a line no group holds was looked for: its own time window (widened by
    ``settings.time_tolerance``) when the script gives one, else the gap between the groups of
    the lines before and after it.

    >>> groups = [align.Group((0,), 0.0, 2.0), align.Group((2,), 5.0, 7.0)]
    >>> _searched(1, Line("Hi"), groups, 9.0), _searched(1, Line("Hi", start=3.0, end=4.0), groups, 9.0)
    ((2.0, 5.0), (2.0, 5.0))
    >>> _searched(1, Line("Hi", start=12.0, end=13.0), groups, 9.0)  # after the recording's end
    (9.0, 9.0)
    """
    if line.start is not None:
        end = line.end if line.end is not None else line.start
        return (min(duration, max(0.0, line.start - settings.time_tolerance)),
                min(duration, end + settings.time_tolerance))
    before = [group.end for group in groups if max(group.lines) < index]
    after = [group.start for group in groups if min(group.lines) > index]
    return (max(before) if before else 0.0), (min(after) if after else duration)


class _LineRater:
    """Confidence of aligned lines and words against the recording's phone-loop reference,
    measured once, when a line's status depends on it (see :mod:`.confidence`): until then,
    against 0, the best any path can score, which puts a line that is sure anyway within 0.01
    of its measured confidence. ``scored``: the reference already measured (by a worker), taken
    at that same moment. A group's lines are rated once for each alignment of it and each
    reference they were rated against."""

    def __init__(self, model, audio: Audio, stretches: Sequence[tuple[float, float]],
                 words: Sequence[align.ScriptWord], settings: RecognitionSettings, foreign: bool = False,
                 scored: float | None = None) -> None:
        self._model, self._audio, self._stretches, self._words = model, audio, stretches, words
        self._settings, self._foreign, self._scored = settings, foreign, scored
        self._reference: float | None = None
        #: by group: the alignment rated, the reference then (None: not measured) and the ratings
        self._rated: dict[align.Group, tuple[object, float | None, dict[int, tuple[float, float, float]]]] = {}

    @property
    def reference(self) -> float:
        if self._reference is None:
            self._reference = self._scored if self._scored is not None else confidence.reference_score(
                self._model, self._audio.samples, self._audio.sample_rate, self._stretches, self._settings)
        return self._reference

    def lines(self, located, group: align.Group) -> dict[int, tuple[float, float, float]]:
        """Each line of an aligned group: (confidence, start, end) in seconds of the track."""
        known = self._rated.get(group)
        if known is not None and known[0] is located and known[1] == self._reference:
            return known[2]
        rated = self._rate(located, group)
        self._rated[group] = (located, self._reference, rated)
        return rated

    def _rate(self, located, group: align.Group) -> dict[int, tuple[float, float, float]]:
        """:meth:`lines`, computed: another language's lines are rated on their fit alone, so
        their phones' durations are not counted."""
        offset = max(0.0, group.start - self._settings.pad)
        by_line: dict[int, list] = {}
        for aligned_word, script_word in zip(located, align.words_in(group, self._words)):
            by_line.setdefault(script_word.line, []).append(aligned_word)
        per_frame = {index: confidence.line_score(found, self._settings) for index, found in by_line.items()}
        durations = {index: (0.0, 0.0) if self._foreign else
                     (confidence.squeezed_share(found), confidence.stretched_share(found))
                     for index, found in by_line.items()}
        reference = self._reference
        if reference is None and not all(score is not None and confidence.confidence(
                score, 0.0, self._settings, self._foreign, *durations[index]) >= confidence.SURE
                for index, score in per_frame.items()):
            reference = self.reference
        rated = {}
        for index, found in by_line.items():
            score = per_frame[index]
            value = 0.0 if score is None else confidence.confidence(score, reference or 0.0, self._settings,
                                                                    self._foreign, *durations[index])
            rated[index] = (value, offset + found[0].start, offset + found[-1].end)
        return rated

    def any_lost(self, located, group: align.Group) -> bool:
        """True when a line of an aligned group scores as not found."""
        return located is not None and any(confidence.status(value, self._settings) == confidence.NOT_FOUND
                                           for value, _, _ in self.lines(located, group).values())

    def words(self, located) -> list[float | None]:
        """Each aligned word's confidence (against the reference when it was measured)."""
        scores = [confidence.score_per_frame([word]) for word in located]
        return [None if score is None else confidence.confidence(score, self._reference or 0.0, self._settings,
                                                                 self._foreign)
                for score in scores]


def _left_out_speech(spans: Sequence[tuple[float, float]], group_words: Sequence[align.ScriptWord],
                     stretches: Sequence[tuple[float, float]], settings: RecognitionSettings = DEFAULT_SETTINGS
                     ) -> list[tuple[float, float, int | None, int]]:
    """Where an aligned group's words (``spans``, in seconds of the track) may leave speech out,
    as (start, end, line, the script's phones there): each part of a stretch of speech they
    touch that no word covers, lasting ``settings.min_unscripted_seconds`` (the line of the
    words beside it in that stretch when they are one line's, else None; the script has no
    phones there), and each word held ``settings.min_unscripted_seconds`` longer than
    ``settings.max_phone_seconds`` per phone (its line; its phones). A stretch the words barely
    touch is left to :meth:`AcousticRecognizer._unscripted_in_group`.

    >>> words = [align.ScriptWord(0, None, 2), align.ScriptWord(0, None, 3)]
    >>> _left_out_speech([(1.0, 1.4), (2.0, 2.3)], words, [(1.0, 2.3)])  # speech between words
    [(1.4, 2.0, 0, 0)]
    >>> _left_out_speech([(1.0, 2.0), (2.0, 2.3)], words, [(1.0, 2.3)])  # a word held over it
    [(1.0, 2.0, 0, 2)]
    """
    least = settings.min_unscripted_seconds
    found: list[tuple[float, float, int | None, int]] = []
    for (start, end), word in zip(spans, group_words):
        if end - start - word.phone_count * settings.max_phone_seconds >= least:
            found.append((start, end, word.line, word.phone_count))
    for low, high in stretches:
        inside = [(a, b, word.line) for (a, b), word in zip(spans, group_words) if a < high and b > low]
        covered = sum(min(b, high) - max(a, low) for a, b, _ in inside)
        if not inside or covered < settings.min_coverage * (high - low):
            continue
        cursor, before = low, None
        for a, b, line in inside + [(high, high, None)]:
            if a - cursor >= least:
                owners = {owner for owner in (before, line) if owner is not None}
                found.append((cursor, a, owners.pop() if len(owners) == 1 else None, 0))
            cursor, before = max(cursor, b), line
    return sorted(found)


def _runs_between(spans: Sequence[tuple[float, float]], lines: Sequence[tuple[float, float]]
                  ) -> list[tuple[float, float]]:
    """``spans`` joined, in order, into runs that the middle of none of the ``lines`` (start,
    end) lies between (each run from its first span's start to its last span's end).

    >>> _runs_between([(5.0, 6.0), (0.0, 1.0), (2.0, 3.0)], [(3.5, 4.5)])
    [(0.0, 3.0), (5.0, 6.0)]
    """
    runs: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if runs and not any(runs[-1][1] <= (low + high) / 2 <= start for low, high in lines):
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    return runs


def _within(stretches: Sequence[tuple[float, float]], start: float, end: float) -> list[tuple[float, float]]:
    """The parts of ``stretches`` between ``start`` and ``end`` (a timed group may cut a stretch).

    >>> _within([(0.0, 1.0), (1.5, 3.0), (4.0, 5.0)], 0.5, 2.0)
    [(0.5, 1.0), (1.5, 2.0)]
    """
    return [(max(low, start), min(high, end)) for low, high in stretches if low < end and high > start]


def _outside(phones: Sequence[Phone], spans: Sequence[tuple[float, float]]) -> list[Phone]:
    """``phones`` with the parts inside ``spans`` cut away (a phone cut in two keeps its first part).

    >>> _outside([Phone(0.0, 1.0, "a"), Phone(1.0, 2.0, "b")], [(0.5, 1.5)])
    [Phone(start=0.0, end=0.5, symbol='a', word=None, line=None), Phone(start=1.5, end=2.0, symbol='b', word=None, line=None)]
    """
    kept: list[Phone] = []
    for phone in phones:
        start, end = phone.start, phone.end
        for low, high in spans:
            if low < end and high > start:
                start, end = (start, low) if start < low else (max(start, high), end)
        if end - start > 1e-9:
            kept.append(replace(phone, start=start, end=end) if (start, end) != (phone.start, phone.end) else phone)
    return kept


def _split_from_line(owners: Sequence[int], places: Sequence[int]) -> bool:
    """True when a line's edge words were pushed across a pause onto another line: two lines
    meet inside one stretch of speech (their boundary words in the same stretch) while one of
    them has most of its words in another stretch. ``owners``: each aligned word's line;
    ``places``: the stretch of speech each word lies in (most of it).

    >>> _split_from_line([0, 0, 1, 1, 1], [0, 0, 0, 1, 1])  # line 1's first word after line 0
    True
    >>> _split_from_line([0, 0, 1, 1, 1], [0, 0, 1, 1, 1]), _split_from_line([0, 0, 1, 1], [0, 0, 0, 0])
    (False, False)
    """
    for position in range(1, len(owners)):
        before, after = owners[position - 1], owners[position]
        if before == after or places[position - 1] != places[position]:
            continue
        where = places[position]
        for line in (before, after):
            own = [place for owner, place in zip(owners, places) if owner == line]
            if 2 * own.count(where) < len(own):
                return True
    return False


def _beside_uncovered(groups: Sequence[align.Group], stretches: Sequence[tuple[float, float]],
                      settings: RecognitionSettings = DEFAULT_SETTINGS) -> set[int]:
    """The groups just before and after speech that no group covers: the plan by length may
    have left a line's first or last words out of its group (a line said in several breaths),
    which a plan by sound puts back; speech that is really not in the script stays out.

    >>> groups = [align.Group((0,), 0.0, 1.0), align.Group((1,), 2.0, 3.0), align.Group((2,), 5.0, 6.0)]
    >>> sorted(_beside_uncovered(groups, [(0.0, 1.0), (2.0, 3.0), (3.5, 4.5), (5.0, 6.0)]))
    [1, 2]
    """
    marked: set[int] = set()
    for start, end in _uncovered(stretches, groups, settings):
        before = [index for index, group in enumerate(groups) if group.end <= start + 1e-9]
        after = [index for index, group in enumerate(groups) if group.start >= end - 1e-9]
        marked.update(before[-1:] + after[:1])
    return marked


def _uncovered(stretches: Sequence[tuple[float, float]], groups: Sequence[align.Group],
               settings: RecognitionSettings = DEFAULT_SETTINGS) -> list[tuple[float, float]]:
    """Speech that no group covers: whole stretches, or (for timed groups, which may cut a
    stretch) the parts of a stretch outside every group lasting at least
    ``settings.min_unscripted_seconds`` less 0.1 s."""
    return _parts_outside(stretches, sorted((group.start, group.end) for group in groups),
                          settings.min_unscripted_seconds - 0.1)


def _parts_outside(stretches: Sequence[tuple[float, float]], spans: Sequence[tuple[float, float]],
                   least: float) -> list[tuple[float, float]]:
    """The parts of ``stretches`` outside every one of ``spans`` (in order): whole stretches
    that no span reaches into, and the parts of the others lasting at least ``least``.

    >>> _parts_outside([(0.0, 1.0), (2.0, 4.0), (5.0, 6.0)], [(2.1, 2.5), (5.0, 6.0)], 0.3)
    [(0.0, 1.0), (2.5, 4.0)]
    """
    found = []
    for start, end in stretches:
        if any(a <= start and end <= b for a, b in spans):
            continue
        overlapping = [(a, b) for a, b in spans if a < end and b > start]
        if not overlapping:
            found.append((start, end))
            continue
        cursor = start
        for a, b in overlapping:
            if a - cursor >= least:
                found.append((cursor, a))
            cursor = max(cursor, b)
        if end - cursor >= least:
            found.append((cursor, end))
    return found
