"""Papagayo project (``.pgo``), the text format of Papagayo and Papagayo-NG (formats.md section 4).

Read by Papagayo and Papagayo-NG (File > Open), Synfig's Papagayo import, xLights (which accepts
only Preston Blair phoneme names) and After Effects scripts such as papagayo-to-time-remap.
"""

from __future__ import annotations

from ..sheet import Sheet
from . import ExportOptions, Exporter
from ._papagayo import parse_pgo, project, project_sheet
from ._reading import ReadOptions, text_of


def write(sheet: Sheet, options: ExportOptions) -> bytes:
    """Every track of the sheet as a voice of a ``.pgo`` project, laid out as Papagayo saves it
    (``lipsync version 1`` header, TAB indents, LF, UTF-8).

    The fps is a whole number: a sheet at 23.976 or 29.97 is written at 24 or 30 with a warning
    on the ``lipsync`` logger naming the drift, and its frames are counted at that rate. The
    sound path is the audio's file name: keep the ``.pgo`` beside the audio. ``options.track``
    writes that track only.
    """
    doc = project(sheet, "Papagayo .pgo", options.track)
    out = ["lipsync version 1", doc.sound_path, str(doc.fps), str(doc.sound_duration), str(len(doc.voices))]
    for voice in doc.voices:
        out += [f"\t{voice.name}", f"\t{voice.text}", f"\t{len(voice.phrases)}"]
        for phrase in voice.phrases:
            out += [f"\t\t{phrase.text}", f"\t\t{phrase.start}", f"\t\t{phrase.end}", f"\t\t{len(phrase.words)}"]
            for word in phrase.words:
                out.append(f"\t\t\t{word.text} {word.start} {word.end} {len(word.phonemes)}")
                out += [f"\t\t\t\t{frame} {name}" for frame, name in word.phonemes]
    return "".join(line + "\n" for line in out).encode("utf-8")


def read(data: bytes, options: ReadOptions) -> Sheet:
    """A sheet from a ``.pgo`` project: a track per voice (see :func:`~lipsync.exporters._papagayo.project_sheet`)."""
    return project_sheet(parse_pgo(text_of(data, options), options), options)


EXPORTER = Exporter(
    name="pgo",
    extensions=(".pgo",),
    description="Papagayo project: voices, phrases, words and Preston Blair phonemes on frames",
    importers="Papagayo, Papagayo-NG, Synfig, xLights, After Effects Papagayo scripts",
    write=write,
    read=read,
    multi_track=True,
)
