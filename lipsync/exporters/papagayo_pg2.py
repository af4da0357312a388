"""Papagayo-NG JSON project (``.pg2``) (formats.md section 4).

Read by Papagayo-NG (File > Open) and scripts written for its JSON project and voice exports.
"""

from __future__ import annotations

from typing import Any

from ..sheet import Sheet
from . import ExportOptions, Exporter
from ._json import dumps
from ._papagayo import Voice, parse_pg2, project, project_sheet
from ._reading import ReadOptions, malformed, text_of


def _voice(voice: Voice) -> dict[str, Any]:
    phrases = [
        {"id": phrase_id, "text": phrase.text, "start_frame": phrase.start, "end_frame": phrase.end, "tags": [],
         "words": [
             {"id": word_id, "text": word.text, "start_frame": word.start, "end_frame": word.end, "tags": [],
              "phonemes": [{"id": phoneme_id, "text": name, "frame": frame, "tags": []}
                           for phoneme_id, (frame, name) in enumerate(word.phonemes)]}
             for word_id, word in enumerate(phrase.words)]}
        for phrase_id, phrase in enumerate(voice.phrases)
    ]
    used = [name for phrase in voice.phrases for word in phrase.words for _, name in word.phonemes]
    return {
        "name": voice.name,
        "start_frame": voice.phrases[0].start if voice.phrases else 0,
        "end_frame": voice.phrases[-1].end if voice.phrases else 1,
        "text": voice.text.replace("|", "\n"),
        "num_children": sum(1 + sum(1 + len(word.phonemes) for word in phrase.words) for phrase in voice.phrases),
        "phrases": phrases,
        "used_phonemes": list(dict.fromkeys(used)),
    }


def write(sheet: Sheet, options: ExportOptions) -> bytes:
    """Every track of the sheet as a voice of a Papagayo-NG ``.pg2`` project, in the layout of
    Papagayo-NG's ``save2`` (one-space indent, ASCII with ``\\u`` escapes, which it reads in any
    locale) plus ``"phoneme_set": "preston_blair"``.

    The fps is a whole number, as for ``pgo`` (rounded with a warning naming the drift).
    ``options.track`` writes that track only.
    """
    doc = project(sheet, "Papagayo .pg2", options.track)
    data = {"version": 2, "sound_path": doc.sound_path, "fps": doc.fps, "sound_duration": doc.sound_duration,
            "num_voices": len(doc.voices), "phoneme_set": "preston_blair",
            "voices": [_voice(voice) for voice in doc.voices]}
    return (dumps(data, indent=1) + "\n").encode("ascii")


def read(data: bytes, options: ReadOptions) -> Sheet:
    """A sheet from a ``.pg2`` project: a track per voice."""
    import json

    try:
        document = json.loads(text_of(data, options))
    except json.JSONDecodeError as error:
        raise malformed(options, f"line {error.lineno}", "invalid JSON", "a Papagayo-NG .pg2 project") from None
    return project_sheet(parse_pg2(document, options), options)


EXPORTER = Exporter(
    name="pg2",
    extensions=(".pg2",),
    description="Papagayo-NG JSON project: voices, phrases, words and Preston Blair phonemes",
    importers="Papagayo-NG",
    write=write,
    read=read,
    multi_track=True,
)
