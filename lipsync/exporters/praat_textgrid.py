"""Praat TextGrid (``.TextGrid``, long text format) with word, phone and mouth-shape tiers.

Read by Praat (Open > Read from file), praatio, Montreal Forced Aligner tools, ELAN (import) and
the speech-research scripts built on them; useful to check the timing against the waveform.
Times are seconds; every tier covers the whole grid, with empty intervals in the gaps, as Praat
requires.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..sheet import Sheet
from . import ExportOptions, Exporter
from ._production import changes, frame_shapes, single_line

Interval = tuple[float, float, str]


def _number(value: float) -> str:
    """A time as Praat writes it: shortest exact decimal, integers without ``.0``."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _string(text: str) -> str:
    """A Praat string literal: in double quotes, a quote doubled."""
    return '"' + single_line(text).replace('"', '""') + '"'


def _filled(intervals: Iterable[Interval], end: float) -> list[Interval]:
    """Intervals in time order, overlaps cut, gaps up to ``end`` filled with empty intervals."""
    result: list[Interval] = []
    position = 0.0
    for start, stop, text in sorted(intervals):
        start, stop = max(start, position), min(stop, end)
        if stop <= start:
            continue
        if start > position:
            result.append((position, start, ""))
        result.append((start, stop, text))
        position = stop
    if position < end or not result:
        result.append((position, end, ""))
    return result


def write(sheet: Sheet, options: ExportOptions) -> bytes:
    """Every track as three interval tiers, ``words``, ``phones`` (IPA) and ``shapes``, in
    Praat's long text format, UTF-8 without BOM.

    With several tracks the tier names start with the track name (``ken words``...). The grid runs
    from 0 to the end of the sheet (or of the last word or phone, if later). ``options`` are not used.
    """
    shape_tiers = []
    for track in sheet.tracks:
        points = changes(frame_shapes(sheet, track))
        ends = [frame for frame, _ in points[1:]] + [sheet.duration_frames]
        shape_tiers.append([(sheet.rate.seconds_at(frame), sheet.rate.seconds_at(end), shape)
                            for (frame, shape), end in zip(points, ends)])
    end = max([sheet.duration_seconds]
              + [item.end for track in sheet.tracks for item in (*track.words, *track.phones)])
    tiers = []
    for track, shapes in zip(sheet.tracks, shape_tiers):
        prefix = f"{single_line(track.name)} " if len(sheet.tracks) > 1 else ""
        tiers += [
            (prefix + "words", [(word.start, word.end, word.text) for word in track.words]),
            (prefix + "phones", [(phone.start, phone.end, phone.symbol) for phone in track.phones]),
            (prefix + "shapes", shapes),
        ]

    out = ['File type = "ooTextFile"', 'Object class = "TextGrid"', "",
           "xmin = 0 ", f"xmax = {_number(end)} ", "tiers? <exists> ", f"size = {len(tiers)} ", "item []: "]
    for number, (name, intervals) in enumerate(tiers, 1):
        filled = _filled(intervals, end)
        out += [f"    item [{number}]:", '        class = "IntervalTier" ', f"        name = {_string(name)} ",
                "        xmin = 0 ", f"        xmax = {_number(end)} ", f"        intervals: size = {len(filled)} "]
        for index, (start, stop, text) in enumerate(filled, 1):
            out += [f"        intervals [{index}]:", f"            xmin = {_number(start)} ",
                    f"            xmax = {_number(stop)} ", f"            text = {_string(text)} "]
    return "".join(line + "\n" for line in out).encode("utf-8")


EXPORTER = Exporter(
    name="textgrid",
    extensions=(".textgrid",),
    description="Praat TextGrid: word, phone and mouth-shape tiers in seconds per track",
    importers="Praat, praatio, ELAN and speech-analysis scripts",
    write=write,
    multi_track=True,
)
