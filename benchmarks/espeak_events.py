"""Synthesize speech with libespeak-ng and keep its word and phoneme events: exact timings.

    samples, rate, words = synthesize("Hola, buenos días.", "es")
    # words: [(text_position, onset_seconds), ...] in order

The events come from espeak-ng's own synthesis callback (``espeakEVENT_WORD`` /
``espeakEVENT_PHONEME``): a word's onset is the start of its first non-pause phoneme, on the
same sample clock as the audio. Used by benchmarks/multilingual.py and the language tests.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

import numpy as np

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_PHONEME_EVENTS = 1
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_WORD, _END, _PHONEME, _TERMINATED = 1, 5, 7, 0


class _Id(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", _Id)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))
_state: dict = {}


@functools.lru_cache(maxsize=1)
def _library():
    name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
    lib = ctypes.CDLL(name)
    rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 200, None, _PHONEME_EVENTS)
    if rate <= 0:
        raise RuntimeError("libespeak-ng did not initialize")

    @_CALLBACK
    def callback(wav, count, events):
        if count > 0:
            _state["chunks"].append(np.ctypeslib.as_array(wav, (count,)).copy())
        index = 0
        while events[index].type != _TERMINATED:
            event = events[index]
            name = event.id.string.decode("utf-8", "replace") if event.type == _PHONEME else ""
            _state["events"].append((event.type, event.text_position, event.sample, name))
            index += 1
        return 0

    lib.espeak_SetSynthCallback(callback)
    _state["callback"] = callback  # keep it alive
    return lib, rate


def synthesize(text: str, voice: str, speed: int = 160) -> tuple[np.ndarray, int, list[tuple[int, float]]]:
    """(float32 samples, rate, [(1-based character position, onset seconds)] per word)."""
    lib, rate = _library()
    _state["chunks"], _state["events"] = [], []
    if lib.espeak_SetVoiceByName(voice.encode()) != 0 and lib.espeak_SetVoiceByName(voice.split("-")[0].encode()) != 0:
        raise ValueError(f"espeak-ng has no voice {voice!r}")
    lib.espeak_SetParameter(1, speed, 0)  # espeakRATE
    data = text.encode("utf-8")
    lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
    lib.espeak_Synchronize()
    samples = (np.concatenate(_state["chunks"]) if _state["chunks"] else np.zeros(0, np.int16)).astype(np.float32) / 32768
    words: list[tuple[int, float]] = []
    onsets: dict[int, float] = {}
    for kind, position, sample, name in _state["events"]:
        if kind == _WORD:
            words.append((position, sample / rate))
        elif kind == _PHONEME and name and not name.startswith("_"):
            onsets.setdefault(position, sample / rate)
    return samples, rate, [(position, onsets.get(position, start)) for position, start in words]
