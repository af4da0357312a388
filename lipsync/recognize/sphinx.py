"""The pocketsphinx acoustic model behind both recognizers: forced alignment and phone recognition.

pocketsphinx 5 bundles the US-English acoustic model, its dictionary and a phone language model,
and runs offline. Forced alignment needs ``bestpath=False`` and very wide beams: with the
defaults, long utterances fail to align. One decoder per process serves every alignment and the
phone loop, each search made with its own settings. It starts with an empty dictionary and takes
each word's entries from the bundled dictionary when a search first names the word (loading all
135,000 words cost 0.085 of a decoder's 0.09 CPU s; the searches come out the same).
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from .model import AlignedWord, FoundPhones, HeardWord, WordToAlign, moved
from .settings import DEFAULT_SETTINGS, RecognitionSettings

FRAME_SECONDS = 0.01  # pocketsphinx works on 10 ms frames
_FILLERS = {"<sil>", "<s>", "</s>", "[NOISE]", "+SPN+", "+NSN+", "SIL"}


def _model_dir() -> str:
    from pocketsphinx import get_model_path

    return os.path.join(get_model_path(), "en-us")


def shared_decoder(topn: int = DEFAULT_SETTINGS.topn, downsampling: int = 1):
    """This process's decoder scoring ``topn`` Gaussians per codebook (the model's default is
    4), choosing them afresh every ``downsampling`` frames (pocketsphinx ``ds``; in between, the
    Gaussians chosen last are scored again): the acoustic model and dictionary, loaded once
    (~0.1 s a decoder). Every search runs on it (alignments at any beam, with or without
    fillers, and the phone loop), each set up with its own settings when it is made
    (:func:`_configured`).

    >>> shared_decoder() is shared_decoder(DEFAULT_SETTINGS.topn, 1)
    True
    """
    return _decoder(topn, downsampling)


@functools.lru_cache(maxsize=4)
def _decoder(topn: int, downsampling: int):
    from pocketsphinx import Decoder

    return Decoder(lm=None, bestpath=False, topn=topn, ds=downsampling, dict=os.devnull, loglevel="FATAL")


@functools.lru_cache(maxsize=1)
def _bundled_dictionary() -> bytes:
    """The bundled dictionary's text: one ``word PH ON ES`` line per pronunciation, sorted by
    word, a word's other pronunciations (``read(2)``) right after it."""
    with open(os.path.join(_model_dir(), "cmudict-en-us.dict"), "rb") as file:
        return file.read()


def dictionary_entries(word: str) -> list[tuple[str, str]]:
    """The bundled dictionary's entries for ``word`` (lowercase), in its order: (entry, ARPAbet
    phones), the first pronunciation first; empty when it does not know the word. Found by
    bisecting the sorted text.

    >>> dictionary_entries("read")
    [('read', 'R EH D'), ('read(2)', 'R IY D')]
    """
    text = _bundled_dictionary()

    def line_end(start: int) -> int:
        end = text.find(b"\n", start)
        return len(text) if end < 0 else end

    def word_at(start: int) -> bytes:
        return text[start:text.find(b" ", start)].split(b"(")[0]

    wanted = word.encode("utf-8")
    low, high = 0, len(text)  # lines starting before low hold earlier words; from high on, not
    while low < high:
        start = text.rfind(b"\n", 0, (low + high) // 2) + 1  # the line holding the middle
        if word_at(start) < wanted:
            low = line_end(start) + 1
        else:
            high = start
    found = []
    while low < len(text) and word_at(low) == wanted:
        name, phones = text[low:line_end(low)].decode("utf-8").split(" ", 1)
        found.append((name, phones.strip()))
        low = line_end(low) + 1
    return found


def _known(decoder, entry: str) -> str | None:
    """``decoder.lookup_word(entry)`` (its pronunciation, None for an unknown word) once the
    entries of the word are in the decoder's dictionary: the first time a search names a word,
    its bundled entries are added in the bundled dictionary's order, as loading the whole
    dictionary would have added them."""
    found = decoder.lookup_word(entry)
    word = entry.split("(")[0]
    if found is None and decoder.lookup_word(word) is None:
        for name, phones in dictionary_entries(word):
            decoder.add_word(name, phones, False)
        found = decoder.lookup_word(entry)
    return found


@contextlib.contextmanager
def _configured(decoder, values: dict[str, float | bool]) -> Iterator[None]:
    """``values`` in the decoder's configuration while a search is made, the previous values
    after: pocketsphinx reads beams, weights and pause probabilities when it makes a search,
    not while the search decodes, so one decoder serves searches with different settings."""
    config = decoder.config
    before = {key: config[key] for key in values}
    try:
        for key, value in values.items():
            config[key] = value
        yield
    finally:
        for key, value in before.items():
            config[key] = value


@dataclass(frozen=True)
class Aligner:
    """How a forced alignment searches: its beam (pocketsphinx ``beam``/``wbeam``/``pbeam``),
    the probabilities of a pause and of a filler between words (None: the model's), whether
    pauses and fillers may come between words at all, and the Gaussians scored per codebook.
    Forced alignment needs very wide beams: with the defaults, long utterances fail to align;
    narrower beams are faster for short utterances."""

    beam: float = DEFAULT_SETTINGS.beam
    silprob: float | None = None
    fillprob: float | None = None
    fillers: bool = True
    topn: int = DEFAULT_SETTINGS.topn
    #: frames between fresh choices of the Gaussians scored (pocketsphinx ``ds``) in the word
    #: pass, which places the words and pauses, and in the state pass, which places the phones
    word_downsampling: int = DEFAULT_SETTINGS.word_pass_downsampling
    state_downsampling: int = DEFAULT_SETTINGS.state_pass_downsampling

    def values(self) -> dict[str, float | bool]:
        """The decoder configuration this search is made with."""
        values: dict[str, float | bool] = {"beam": self.beam, "wbeam": self.beam, "pbeam": self.beam,
                                           "fsgusefiller": self.fillers}
        if self.silprob is not None:
            values["silprob"] = self.silprob
        if self.fillprob is not None:
            values["fillprob"] = self.fillprob
        return values


def aligner(beam: float = DEFAULT_SETTINGS.beam, silprob: float | None = None,
            settings: RecognitionSettings = DEFAULT_SETTINGS) -> Aligner:
    """The strict alignment at ``beam``; ``silprob``: the probability of a pause between words,
    when not the model's default (words pronounced by espeak-ng, whose speakers leave short
    pauses the English model would give to the next word); the Gaussians scored and each
    pass's frame downsampling from ``settings``."""
    return Aligner(beam, silprob, topn=settings.topn, word_downsampling=settings.word_pass_downsampling,
                   state_downsampling=settings.state_pass_downsampling)


def lenient_aligner(beam: float = DEFAULT_SETTINGS.beam) -> Aligner:
    """A second alignment, for utterances the first cannot fit: optional silences and fillers
    between words are likelier and more Gaussians are scored. Phone sequences mapped from other
    languages fail the strict aligner more often than English words do."""
    return Aligner(beam, silprob=0.1, fillprob=1e-2, topn=8)


def fillerless_aligner(beam: float = DEFAULT_SETTINGS.beam) -> Aligner:
    """A last alignment with no silences or fillers between words. pocketsphinx's alignment
    search sometimes finds no path at all through some phone sequences mapped from other
    languages when optional fillers are allowed between the words (whatever the beams; e.g. an
    Italian "Mio fratello ha comprato un grande palloncino blu."), and finds one without them;
    pauses then go to the phones next to them, which
    :func:`lipsync.recognize.trim_to_speech` fits back to the speech."""
    return Aligner(beam, fillers=False)


_PHONE_LOOP = "phone_loop"


@functools.lru_cache(maxsize=1)
def _phone_loop_decoder():
    """The decoder holding the phone-loop search (the bundled English phone language model)."""
    found = shared_decoder()
    with _configured(found, {"beam": 1e-30, "pbeam": 1e-30, "lw": 2.0, "pip": 0.5}):
        found.add_allphone_file(_PHONE_LOOP, os.path.join(_model_dir(), "en-us-phone.lm.bin"))
    return found


def phone_recognizer():
    """This process's decoder with its phone-loop search active."""
    found = _phone_loop_decoder()
    found.activate_search(_PHONE_LOOP)
    return found


@functools.lru_cache(maxsize=2)
def word_recognizer(language_weight: float = DEFAULT_SETTINGS.words_language_weight,
                    topn: int = DEFAULT_SETTINGS.words_topn,
                    phone_penalty: float = DEFAULT_SETTINGS.words_phone_penalty):
    """This process's English word decoder (the bundled language model), tuned for speed: the
    words only guide a phone alignment, which finds the phones and their timing. A language
    weight below the default (6.5) lets the acoustics speak louder, which finds more lip
    closures; ``topn``: Gaussians scored per codebook; ``phone_penalty``: the probability each
    phone of a word is multiplied by (pocketsphinx ``pip``; above 1 favours longer words)."""
    from pocketsphinx import Decoder

    return Decoder(fwdflat=False, bestpath=False, maxhmmpf=700, maxwpf=8, beam=1e-35, wbeam=1e-25,
                   pbeam=1e-35, pl_window=5, lw=language_weight, topn=topn, pip=phone_penalty,
                   loglevel="FATAL")


def recognize_words(samples: np.ndarray, settings: RecognitionSettings = DEFAULT_SETTINGS
                    ) -> tuple[FoundPhones, tuple[HeardWord, ...]] | None:
    """The English words heard in 16 kHz ``samples``, aligned: their phones (IPA, start, end)
    and the words themselves (decoded with ``settings.words_language_weight``,
    ``settings.words_topn`` and ``settings.words_phone_penalty``). With
    ``settings.words_closure_prior``, the words are aligned allowing each consonant of
    :data:`CLOSURE_SUBSTITUTES` to be its bilabial counterpart (:func:`align_with_closures`);
    where that alignment fails, as heard.

    ``((), ())`` when no word is heard (only silence or fillers); None when the words heard
    cannot be aligned.

    >>> recognize_words(np.random.default_rng(0).standard_normal(8000).astype(np.float32) / 1000)  # a hiss
    ((), ())
    """
    decoder = word_recognizer(settings.words_language_weight, settings.words_topn, settings.words_phone_penalty)
    pcm = to_pcm(samples, dither=False)
    _decode(decoder, pcm)
    hypothesis = decoder.hyp()
    heard = [segment.word for segment in decoder.seg() if _is_word(segment.word)] \
        if hypothesis is not None and hypothesis.hypstr.strip() else []
    if not heard:
        return (), ()
    alignment = align_with_closures(pcm, heard, settings) if settings.words_closure_prior > 0 else None
    if alignment is None:
        try:
            decoder.set_alignment()
            _decode(decoder, pcm)
            alignment = decoder.get_alignment()
        except RuntimeError:
            alignment = None
        finally:
            decoder.activate_search()
    return None if alignment is None else _heard(alignment)


def _is_word(entry: str) -> bool:
    """True for a dictionary word, False for a pause or a filler (``<sil>``, ``[NOISE]``...)."""
    return entry not in _FILLERS and not entry.startswith(("<", "[", "+"))


def _heard(alignment) -> tuple[FoundPhones, tuple[HeardWord, ...]]:
    """The phones (IPA) and words of a word alignment, pauses and fillers left out."""
    from .. import phonemes

    phones = tuple((phonemes.arpabet_to_ipa(phone.name), phone.start * FRAME_SECONDS,
                    (phone.start + phone.duration) * FRAME_SECONDS)
                   for phone in alignment.phones() if phone.name not in _FILLERS)
    words = tuple(HeardWord(_spelling(word.name), word.start * FRAME_SECONDS,
                            (word.start + word.duration) * FRAME_SECONDS, float(word.score))
                  for word in alignment.words() if _is_word(word.name))
    return phones, words


#: Consonants the word search often hears where the lips closed, each with its bilabial
#: counterpart (same manner and voicing; ARPAbet): a nasal murmur or a stop closure sounds much
#: the same wherever the mouth closes, and the language model then picks a word with the
#: commoner consonant.
CLOSURE_SUBSTITUTES = {"N": "M", "T": "P", "D": "B", "DH": "B", "V": "B"}

_CLOSURES_SEARCH = "closures"


def closure_variants(phones: Sequence[str]) -> list[tuple[str, ...]]:
    """The pronunciations ``phones`` (ARPAbet) could have if one consonant of
    :data:`CLOSURE_SUBSTITUTES` were its bilabial counterpart, one variant per such consonant.

    >>> closure_variants(["IH", "N", "T", "UW"])
    [('IH', 'M', 'T', 'UW'), ('IH', 'N', 'P', 'UW')]
    """
    return [tuple(phones[:index]) + (CLOSURE_SUBSTITUTES[phone],) + tuple(phones[index + 1:])
            for index, phone in enumerate(phones) if phone in CLOSURE_SUBSTITUTES]


def align_with_closures(pcm: bytes, entries: Sequence[str], settings: RecognitionSettings = DEFAULT_SETTINGS):
    """Align the words heard (dictionary ``entries``, ``read(2)`` naming a pronunciation) to
    ``pcm``, each word as heard or, at the prior probability ``settings.words_closure_prior``,
    with one consonant closed at the lips (:func:`closure_variants`): where the language model
    chose the word, the acoustics alone choose where the lips closed. On the shared decoder at
    ``settings.short_beam``; the variants are dictionary words of their own (``in~1M``), which
    no script alignment names. The pocketsphinx alignment, or None when it fails.

    >>> closed = align_with_closures(to_pcm(np.zeros(8000, np.float32)), ["in"])
    >>> closed is None or [word.name for word in closed.words() if _is_word(word.name)] in (["in"], ["in~IH_M"])
    True
    """
    decoder = shared_decoder(settings.words_topn)
    prior = settings.words_closure_prior
    transitions = []
    for state, entry in enumerate(entries):
        pronunciation = _known(decoder, entry)
        variants = closure_variants(pronunciation.split()) if pronunciation else []
        keys = [_variant_key(decoder, entry, variant) for variant in variants]
        transitions.append((state, state + 1, 1.0, entry))
        transitions.extend((state, state + 1, prior, key) for key in keys)
    beam = settings.short_beam
    try:
        with _configured(decoder, {"beam": beam, "wbeam": beam, "pbeam": beam, "fsgusefiller": True}):
            decoder.add_fsg(_CLOSURES_SEARCH, decoder.create_fsg(_CLOSURES_SEARCH, 0, len(entries), transitions))
        decoder.activate_search(_CLOSURES_SEARCH)
        _decode(decoder, pcm)
        if decoder.hyp() is None:
            return None
        decoder.set_alignment()
        _decode(decoder, pcm)
        return decoder.get_alignment()
    except RuntimeError:
        return None


def _variant_key(decoder, entry: str, phones: Sequence[str]) -> str:
    """The dictionary word of ``entry`` pronounced ``phones``, added to the decoder's dictionary
    the first time. It holds no ``(``, which would make it an alternative pronunciation of the
    word in every alignment.

    >>> _variant_key(shared_decoder(), "in(2)", ["IH", "M"])
    'in~2~IH_M'
    """
    key = f"{entry.replace('(', '~').replace(')', '')}~{'_'.join(phones)}"
    if decoder.lookup_word(key) is None:
        decoder.add_word(key, " ".join(phones), True)
    return key


def _spelling(entry: str) -> str:
    """A dictionary entry as a word: ``read(2)`` (its second pronunciation) and ``read~2~0R``
    (a variant, :func:`align_with_closures`) are ``read``.

    >>> _spelling("read(2)"), _spelling("read~2~R_EH_B")
    ('read', 'read')
    """
    return entry.split("(")[0].split("~")[0]


def pronunciation(word: str) -> tuple[str, ...] | None:
    """The bundled dictionary's first pronunciation of ``word`` (lowercase) as ARPAbet phones,
    None when it does not know the word."""
    found = dictionary_entries(word)
    return tuple(found[0][1].split()) if found else None


#: Seed of the dither :func:`to_pcm` gives digital silence: fixed, so the same samples give the
#: same bytes.
DITHER_SEED = 0


def to_pcm(samples: np.ndarray, dither: bool = True) -> bytes:
    """16-bit little-endian PCM bytes of float samples in [-1, 1], digital silence dithered:
    each sample that would be 0 is -1, 0 or 1 instead (triangular dither of up to one least
    significant bit, the difference of two uniform draws from :data:`DITHER_SEED`); every other
    sample is as it was.

    A frame of zeros (a stop's closure or a pause in synthetic speech, silence an editor put
    before a take) has no spectrum: pocketsphinx floors its log filterbank energies, features
    nothing in the model's training resembled, and at 8 or 11 kHz its filters above 4 or 5.5
    kHz are empty in the speech too. The alignment then turned on which frames were all zeros:
    the same take with 0.4 or 0.5 s of silence before it (a one-bit difference in 15 of its
    samples once resampled) had its first word placed on time or 0.22 s late, and its right
    script passed or was refused. Dithered, digital silence is the faintest hiss, as in any
    recording made through a microphone. Only zeros are dithered: dither on every sample moved
    script-free recognition of telephone-band speech (eval-dev acc3 0.818 -> 0.793). The word
    search (:func:`recognize_words`) takes ``dither=False``: dithered, it found fewer lip
    closures without a script (eval-dev 0.930 -> 0.918), and it refuses no script.

    >>> silence = np.frombuffer(to_pcm(np.zeros(1000, np.float32)), "<i2")
    >>> sorted(set(silence.tolist())), to_pcm(np.zeros(1000, np.float32)) == silence.tobytes()
    ([-1, 0, 1], True)
    >>> np.frombuffer(to_pcm(np.array([0.5, -1.0, 0.0001], np.float32)), "<i2").tolist()
    [16383, -32767, 3]
    """
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")
    if not dither:
        return pcm.tobytes()
    silent = pcm == 0
    draws = np.random.default_rng(DITHER_SEED).random((2, int(silent.sum())))
    pcm[silent] = np.round(draws[0] - draws[1])
    return pcm.tobytes()


def _decode(decoder, pcm: bytes) -> None:
    # The features (cepstral mean normalization) adapt across utterances; starting each one
    # afresh makes a chunk's result independent of what this process decoded before, so the
    # output is the same for any number of worker processes.
    decoder.reinit_feat()
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()


def align(samples: np.ndarray, words: Sequence[WordToAlign], short: bool = False,
          settings: RecognitionSettings = DEFAULT_SETTINGS) -> tuple[AlignedWord, ...] | None:
    """Force-align ``words`` to 16 kHz ``samples``; None when the model cannot fit them.

    Times are relative to the start of ``samples``. When the strict aligner fails on words
    mostly pronounced by espeak-ng (another language), the lenient one
    (:func:`lenient_aligner`) tries once more; English failures are left to the caller, which
    finds the unrecorded line that made them fail. ``short``: try the narrower
    ``settings.short_beam`` first. Words pronounced by espeak-ng are aligned with pauses
    between them likelier (``settings.foreign_silprob``).
    """
    foreign = bool(words) and 2 * sum(word.ipa is not None for word in words) > len(words)
    silprob = settings.foreign_silprob if foreign else None
    located = _align_with(aligner(settings.short_beam, silprob, settings), samples, words) if short else None
    if located is None:
        located = _align_with(aligner(settings.beam, silprob, settings), samples, words)
    if located is None and foreign:
        located = _align_with(lenient_aligner(settings.beam), samples, words)
        if located is None:
            located = _align_with(fillerless_aligner(settings.beam), samples, words)
    # English only: for phones mapped from other languages' IPA, the silences the aligner
    # finds in running speech are more often right than the squeezed phones without them.
    if located is not None and not foreign and _pause_in_speech(samples, located) and _runs_on(samples):
        located = _align_running_speech(samples, words, settings.beam) or located
    return located


def _align_running_speech(samples: np.ndarray, words: Sequence[WordToAlign],
                          beam: float) -> tuple[AlignedWord, ...] | None:
    """Align ``words`` with no pause between them, over the speech in ``samples`` only (the
    fillerless aligner would stretch the first and last phones over the silence around it)."""
    from ..vad import speech_segments

    heard = speech_segments(samples)
    if not heard:
        return None
    first, last = heard[0][0], heard[-1][1]
    located = _align_with(fillerless_aligner(beam), samples[int(round(first * 16000)):int(round(last * 16000))], words)
    return None if located is None else moved(located, first)


# Speech this long that the aligner gives to no word (a silence or filler between or around the
# words where the audio is loud) means it preferred silence to the phones of running speech.
_MAX_UNCOVERED_SPEECH = 0.1


# Running speech: no pause this long anywhere (a chunk with real pauses keeps its silences).
_RUNNING_SPEECH_MAX_PAUSE = 0.1


def _runs_on(samples: np.ndarray) -> bool:
    """True when ``samples`` hold one stretch of running speech, with no pause of
    ``_RUNNING_SPEECH_MAX_PAUSE`` or more: only there may the aligner's silences be dropped."""
    from ..vad import speech_segments

    return len(speech_segments(samples, min_pause=_RUNNING_SPEECH_MAX_PAUSE)) == 1


def _pause_in_speech(samples: np.ndarray, located: Sequence[AlignedWord]) -> bool:
    """True when the alignment leaves a run of loud audio of at least ``_MAX_UNCOVERED_SPEECH``
    outside every word: a silence the model preferred to the phones of running speech, which
    then squeezes the words next to it."""
    from ..vad import FRAME_SECONDS as VAD_FRAME, loud_frames, runs

    uncovered = loud_frames(samples)
    for word in located:
        uncovered[int(round(word.start / VAD_FRAME)):int(round(word.end / VAD_FRAME))] = False
    starts, ends = runs(uncovered)
    return bool(len(starts)) and float((ends - starts).max()) * VAD_FRAME >= _MAX_UNCOVERED_SPEECH - 1e-9


def _align_with(search: Aligner, samples: np.ndarray, words: Sequence[WordToAlign]) -> tuple[AlignedWord, ...] | None:
    from .. import phonemes

    found = shared_decoder(search.topn, search.word_downsampling)
    for word in words:
        if word.arpabet is None:
            _known(found, word.key)
        elif found.lookup_word(word.key) is None:
            found.add_word(word.key, " ".join(p for group in word.arpabet for p in group), True)
    pcm = to_pcm(samples)
    try:
        with _configured(found, search.values()):
            found.set_align_text(" ".join(word.key for word in words))
        _decode(found, pcm)
        if found.hyp() is None:
            return None
        found.set_alignment()
        placing = shared_decoder(search.topn, search.state_downsampling)
        if placing is not found:
            _hand_over(found.get_alignment(), placing)
        _decode(placing, pcm)
        alignment = placing.get_alignment()
    except RuntimeError:
        return None
    if alignment is None:
        return None
    located: list[AlignedWord] = []
    index = 0
    for entry in alignment:
        if entry.name in _FILLERS:
            continue
        if index >= len(words):
            return None
        aligned = [(p.name, p.start * FRAME_SECONDS, (p.start + p.duration) * FRAME_SECONDS) for p in entry]
        word = words[index]
        if word.ipa is not None and word.arpabet is not None:
            phones = _regroup(aligned, word.ipa, word.arpabet)
        else:
            phones = tuple((phonemes.arpabet_to_ipa(name), start, end) for name, start, end in aligned)
        located.append(AlignedWord(index, entry.start * FRAME_SECONDS,
                                   (entry.start + entry.duration) * FRAME_SECONDS, phones, float(entry.score)))
        index += 1
    if index != len(words):
        return None
    return tuple(located)


_SILENCE_PCM = bytes(2 * 1600)  # 0.1 s of silence


def _hand_over(alignment, decoder) -> None:
    """Make ``decoder`` run the state pass of ``alignment``, whose words and pauses another
    decoder placed. pocketsphinx's state search never clears the set of senones the decoder
    scores (every other search clears it at each frame), so on a decoder that ran only state
    passes it would hold every senone of every earlier utterance: a word search over a tenth of
    a second of silence clears it first. (The word scores then differ from a state pass on the
    word pass's own decoder, which starts with the senones of the word pass's last frame.)"""
    _known(decoder, "a")
    decoder.set_align_text("a")
    with contextlib.suppress(RuntimeError):
        _decode(decoder, _SILENCE_PCM)
    decoder.set_alignment(alignment)


def _regroup(aligned: list[tuple[str, float, float]], ipa: tuple[str, ...],
             arpabet: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, float, float], ...]:
    """Give each IPA phone the span of the model phones it was aligned as."""
    phones = []
    position = 0
    for symbol, group in zip(ipa, arpabet):
        if not group:
            continue
        span = aligned[position:position + len(group)]
        position += len(group)
        if span:
            phones.append((symbol, span[0][1], span[-1][2]))
    return tuple(phones)


def recognize_phones(samples: np.ndarray) -> FoundPhones:
    """Recognize English phones in 16 kHz ``samples``: (IPA symbol, start, end), fillers dropped."""
    from .. import phonemes

    decoder = phone_recognizer()
    _decode(decoder, to_pcm(samples))
    found = []
    for segment in decoder.seg():
        if segment.word in _FILLERS:
            continue
        symbol = phonemes.arpabet_to_ipa(segment.word)
        if symbol == phonemes.SILENCE:
            continue
        found.append((symbol, segment.start_frame * FRAME_SECONDS, (segment.end_frame + 1) * FRAME_SECONDS))
    return tuple(found)


def phone_loop_score(samples: np.ndarray) -> tuple[float, int]:
    """The acoustic score (log base 1.0001, against each frame's best Gaussian) of the best
    phone sequence in 16 kHz ``samples``, any phone after any phone, and the frames it spans."""
    decoder = phone_recognizer()
    _decode(decoder, to_pcm(samples))
    log = decoder.logmath
    # Segment.ascore is the score exponentiated; a segment that underflows to 0 scores the worst
    score = sum(log.log(segment.ascore) if segment.ascore > 0 else float(log.get_zero())
                for segment in decoder.seg())
    return float(score), int(decoder.n_frames())


class PocketSphinx:
    """pocketsphinx's bundled US-English model as the recognizer's
    :class:`~lipsync.recognize.model.AcousticModel`."""

    def align(self, samples: np.ndarray, words: Sequence[WordToAlign], settings: RecognitionSettings,
              short: bool = False) -> tuple[AlignedWord, ...] | None:
        return align(samples, words, short, settings)

    def recognize_words(self, samples: np.ndarray, settings: RecognitionSettings
                        ) -> tuple[FoundPhones, tuple[HeardWord, ...]] | None:
        return recognize_words(samples, settings)

    def recognize_phones(self, samples: np.ndarray, settings: RecognitionSettings) -> FoundPhones:
        return recognize_phones(samples)

    def pronunciation(self, word: str) -> tuple[str, ...] | None:
        return pronunciation(word)

    def align_leniently(self, samples: np.ndarray, words: Sequence[WordToAlign],
                        settings: RecognitionSettings) -> tuple[AlignedWord, ...] | None:
        return _align_with(lenient_aligner(settings.beam), samples, words)

    def loop_score(self, samples: np.ndarray, settings: RecognitionSettings) -> tuple[float, int]:
        return phone_loop_score(samples)


MODEL = PocketSphinx()
