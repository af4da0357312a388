"""Speech synthesis with libespeak-ng, keeping its own phone and word timings.

espeak-ng reports, while it synthesizes, an event for every phoneme (its IPA symbol) and every
word (its place in the text), on the same sample clock as the audio. Those are exact timings of
the words and phones of a text spoken at a natural rate: what :mod:`lipsync.fit.adapt` times a
candidate dub line with, and what the benchmarks and tests use as ground truth.

>>> spoken = synthesize("Hola, buenos días.", "es", audio=False)
>>> [word.text for word in spoken.words]
['Hola', 'buenos', 'días']
>>> spoken.phones[0].symbol, spoken.phones[0].word
('o', 'Hola')
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from .errors import MissingToolError, OptionError
from .phonemes import starts_closed

#: espeak-ng's rate (words per minute) used unless told otherwise: an ordinary speaking rate.
DEFAULT_SPEED = 160

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_PHONEME_EVENTS = 1
_INITIALIZE_PHONEME_IPA = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_RATE_PARAMETER = 1
_WORD, _PHONEME, _TERMINATED = 1, 7, 0


class _Id(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", _Id)]


class _Voice(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("languages", ctypes.c_void_p), ("identifier", ctypes.c_char_p),
                ("gender", ctypes.c_ubyte), ("age", ctypes.c_ubyte), ("variant", ctypes.c_ubyte),
                ("xx1", ctypes.c_ubyte), ("score", ctypes.c_int), ("spare", ctypes.c_void_p)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


@dataclass(frozen=True)
class SpokenPhone:
    """One phone as espeak-ng spoke it: IPA ``symbol`` from ``start`` to ``end`` seconds, in the
    word that starts at character ``position`` (0-based) of the text."""

    start: float
    end: float
    symbol: str
    position: int
    word: str


@dataclass(frozen=True)
class SpokenWord:
    """One word: ``text`` at character ``position`` (0-based) of the text, spoken from ``start``
    (its first phone) to ``end`` (its last phone's end) seconds."""

    start: float
    end: float
    text: str
    position: int


@dataclass(frozen=True, eq=False)
class Synthesis:
    """What espeak-ng made of a text: audio (float32 mono, empty unless asked for), its sample
    rate and length in seconds, and the timed words and phones (pauses are left out)."""

    samples: np.ndarray
    rate: int
    duration: float
    words: tuple[SpokenWord, ...]
    phones: tuple[SpokenPhone, ...]


class _Instance:
    """A copy of libespeak-ng of its own, freshly loaded and initialized: it speaks one text.

    libespeak-ng keeps state in its static variables from one synthesis to the next, and no
    call of its API resets it: a clause pause moves by 40 ms with what was spoken before (French
    "Bob, mon bon ami" after "où vas-tu donc?"), even after the same short utterance, and the
    pitch flutter moves the phones by a fraction of a millisecond. A fresh copy of the library
    has none of that history (loading one costs about a millisecond): a text is timed the same
    whatever else was spoken, in any order and any process.
    """

    def __init__(self) -> None:
        try:
            self.lib = _load_copy(_library_name())
        except OSError:
            raise MissingToolError("libespeak-ng is not installed; it times candidate lines and speaks languages",
                                   "install it: apt install espeak-ng (Linux) or brew install espeak-ng (macOS)") from None
        self.rate = self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 200, None,
                                               _INITIALIZE_PHONEME_EVENTS | _INITIALIZE_PHONEME_IPA)
        if self.rate <= 0:
            self.close()
            raise MissingToolError("libespeak-ng could not be initialized (is espeak-ng-data installed?)",
                                   "reinstall espeak-ng")
        self.chunks: list[np.ndarray] = []
        self.events: list[tuple[int, int, int, int, str]] = []
        self.samples = 0
        self.callback = _CALLBACK(self._receive)  # kept alive as long as the instance
        self.lib.espeak_SetSynthCallback(self.callback)

    def close(self) -> None:
        """Release the copy of the library."""
        import _ctypes

        self.lib.espeak_Terminate()
        _ctypes.dlclose(self.lib._handle)

    def _receive(self, wav, count, events) -> int:
        if count > 0:
            self.chunks.append(np.ctypeslib.as_array(wav, (count,)).copy())
            self.samples += count
        index = 0
        while events[index].type != _TERMINATED:
            event = events[index]
            name = event.id.string.decode("utf-8", "replace").replace("\ufffd", "") if event.type == _PHONEME else ""
            self.events.append((event.type, event.text_position, event.length, event.sample, name))
            index += 1
        return 0

    def identifiers(self) -> dict[str, str]:
        """Language code -> the identifier of the voice that speaks it first (lowest priority
        number), from espeak-ng's voice list (``fr-fr`` is spoken by ``roa/fr``)."""
        self.lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
        listed = self.lib.espeak_ListVoices(None)
        found: dict[str, tuple[int, str]] = {}
        index = 0
        while listed[index]:
            voice = listed[index].contents
            identifier = (voice.identifier or b"").decode("utf-8", "replace")
            raw = voice.languages
            offset = 0
            while raw is not None and not identifier.startswith("mb/"):  # MBROLA voices need extra data
                priority = ctypes.c_ubyte.from_address(raw + offset).value
                if priority == 0:
                    break
                code = ctypes.string_at(raw + offset + 1).decode("utf-8", "replace")
                if code.lower() not in found or priority < found[code.lower()][0]:
                    found[code.lower()] = (priority, identifier)
                offset += len(code.encode("utf-8")) + 2
            index += 1
        return {code: identifier for code, (_, identifier) in found.items()}

    def speak(self, text: str, voice: str, speed: int) -> tuple[np.ndarray, list, int]:
        """The audio (float32), the events and the samples of ``text`` spoken by ``voice`` (see
        :func:`synthesize`) at ``speed`` words per minute."""
        if self.lib.espeak_SetVoiceByName(_voice_name(voice).encode()) != 0:
            raise OptionError(f"espeak-ng has no voice {voice!r}", "'espeak-ng --voices' lists the languages")
        self.lib.espeak_SetParameter(_RATE_PARAMETER, int(speed), 0)
        self.chunks, self.events, self.samples = [], [], 0
        data = text.encode("utf-8")
        self.lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        self.lib.espeak_Synchronize()
        audio = np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.int16)
        return audio.astype(np.float32) / 32768, self.events, self.samples


@contextlib.contextmanager
def _fresh() -> Iterator[_Instance]:
    """A fresh :class:`_Instance` for the duration of a ``with`` block."""
    instance = _Instance()
    try:
        yield instance
    finally:
        instance.close()


@functools.lru_cache(maxsize=1)
def _identifiers() -> dict[str, str]:
    """:meth:`_Instance.identifiers`, read once (listing the voices reads every voice file)."""
    with _fresh() as instance:
        return instance.identifiers()


def _voice_name(voice: str) -> str:
    """The voice name espeak-ng loads for a language code (``fr-fr``) or voice name, with an
    optional variant (``en-us+f3``)."""
    language, plus, variant = voice.partition("+")
    return _identifiers().get(language.lower(), language) + plus + variant


@functools.lru_cache(maxsize=1)
def _library_name() -> str:
    """libespeak-ng's file (looked up once: ``find_library`` runs programs)."""
    name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
    try:
        return _resolve(name)
    except OSError:
        return name


def _load_copy(name: str) -> ctypes.CDLL:
    """A copy of the library with its own static state: loaded from a temporary file that is
    removed at once (the mapping stays)."""
    import os
    import shutil
    import tempfile

    found = name if os.path.isabs(name) else _resolve(name)
    folder = tempfile.mkdtemp(prefix="lipsync-espeak-")
    try:
        copy = os.path.join(folder, "libespeak-ng.so")
        shutil.copyfile(found, copy)
        return ctypes.CDLL(copy)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class _DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]


def _resolve(name: str) -> str:
    """The file of a shared library loaded by name (``dladdr`` of one of its functions)."""
    address = ctypes.cast(ctypes.CDLL(name).espeak_Initialize, ctypes.c_void_p)
    info = _DlInfo()
    if not ctypes.CDLL(None).dladdr(address, ctypes.byref(info)) or not info.dli_fname:
        raise OSError(f"cannot locate {name}")
    return info.dli_fname.decode()


def synthesize(text: str, voice: str, speed: int = DEFAULT_SPEED, *, audio: bool = True) -> Synthesis:
    """Speak ``text`` with espeak-ng's ``voice`` (a language code such as ``es`` or ``pt-br``,
    or a voice name with a variant, ``en-us+f3``) at ``speed`` words per minute, with a fresh
    copy of libespeak-ng (:class:`_Instance`): the result depends on these arguments alone.

    Returns the timed words and phones (IPA); the audio too unless ``audio`` is False (the
    timings are the same either way). Phones end where the next phone or pause starts; a stop
    starts where its closure does (:func:`closures_first`).
    """
    with _fresh() as instance:
        samples, events, total = instance.speak(text, voice, speed)
        timed = _timed(text, samples, instance.rate, events, total)
        return timed if audio else replace(timed, samples=np.zeros(0, np.float32))


def closures_first(phones: list[SpokenPhone], samples: np.ndarray, rate: int) -> list[SpokenPhone]:
    """The phones with each stop (and affricate) starting where its closure starts.

    espeak-ng reports a stop where it is released: the closure before it, digital silence, is
    counted in the phone before (the æ of "captain" runs on 42 ms silent before the p). A person
    timing by hand, and the mouth, start a stop with its closure: the lips shut for a p there.
    A stop right after another phone (not after a pause, where its closure cannot be told from
    the pause) takes the silence that ends that phone, so long as the phone keeps some sound.

    >>> silent_end = np.r_[np.ones(800), np.zeros(400), np.ones(800)].astype(np.float32)
    >>> [(p.symbol, p.start, p.end) for p in closures_first(
    ...     [SpokenPhone(0.0, 0.12, "æ", 0, "cap"), SpokenPhone(0.12, 0.2, "p", 0, "cap")], silent_end, 10000)]
    [('æ', 0.0, 0.08), ('p', 0.08, 0.2)]
    """
    found = list(phones)
    for index in range(1, len(found)):
        before, stop = found[index - 1], found[index]
        if not starts_closed(stop.symbol) or before.end != stop.start:
            continue
        released = round(stop.start * rate)
        sound = np.flatnonzero(samples[round(before.start * rate):released])
        if len(sound) == 0:
            continue
        closed = (round(before.start * rate) + int(sound[-1]) + 1) / rate
        if closed < stop.start:
            found[index - 1] = replace(before, end=closed)
            found[index] = replace(stop, start=closed)
    return found


def _timed(text: str, samples: np.ndarray, rate: int, events: list, total: int) -> Synthesis:
    """The words and phones of a synthesis from its events."""
    words: dict[int, str] = {}
    marks: list[tuple[int, int, str]] = []  # (sample, position, IPA or "" for a pause)
    for kind, position, length, sample, name in events:
        if kind == _WORD:
            words[position - 1] = text[position - 1:position - 1 + length]
        elif kind == _PHONEME and not name.startswith("("):  # "(en)": a language switch, not a sound
            marks.append((sample, position - 1, name))
    marks.append((total, -1, ""))
    reported = [SpokenPhone(sample / rate, marks[index + 1][0] / rate, name, position, words.get(position, ""))
                for index, (sample, position, name) in enumerate(marks[:-1])
                if name and marks[index + 1][0] > sample]
    phones = closures_first(reported, samples, rate)
    spans: dict[int, tuple[float, float]] = {}
    for phone in phones:
        start, end = spans.get(phone.position, (phone.start, phone.end))
        spans[phone.position] = (min(start, phone.start), max(end, phone.end))
    spoken = tuple(SpokenWord(spans[position][0], spans[position][1], words[position], position)
                   for position in sorted(spans) if position in words)
    return Synthesis(samples, rate, total / rate, spoken, tuple(phones))
