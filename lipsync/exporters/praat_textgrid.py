"""Praat TextGrid (``.TextGrid``, long text format) with word, phone and mouth-shape tiers.

Read by Praat (Open > Read from file), praatio, Montreal Forced Aligner tools, ELAN (import) and
the speech-research scripts built on them; useful to check the timing against the waveform.
Times are seconds; every tier covers the whole grid, with empty intervals in the gaps, as Praat
requires.
"""

from __future__ import annotations

import re

from collections.abc import Iterable

from pathlib import Path

from ..sheet import Phone, Sheet, Track, Word
from . import ExportOptions, Exporter
from ._common import seconds_field
from ._production import changes, frame_shapes, single_line
from ._reading import ReadOptions, cues_from_changes, malformed, shape_set, text_of

#: Tier names (after the track's name) and what they hold; ``phone``/``segments`` as aligners name them.
_KINDS = {"words": "words", "word": "words", "phones": "phones", "phone": "phones", "segments": "phones",
          "shapes": "shapes"}

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


_FIELD = re.compile(r"\s*(xmin|xmax|number|(?:intervals: |points: )?size|class|name|text|mark)\s*=\s*(.*?)\s*$")


def _bad_field(text: str) -> tuple[int, str, str] | None:
    """The first ``key = value`` line of a long-format TextGrid whose value is not what Praat
    writes there: ``(line number, the line, what was expected)``, or None.

    >>> _bad_field('xmin = 0\\nxmax = soon\\n')
    (2, 'xmax = soon', "'xmax = ' and a number of seconds")
    >>> _bad_field('text = "a"\\nname = b\\n')
    (2, 'name = b', "'name = ' and text in double quotes")
    """
    for number, line in enumerate(text.splitlines(), 1):
        match = _FIELD.fullmatch(line)
        if match is None:
            continue
        key, value = match.groups()
        if key in ("class", "name", "text", "mark"):
            if not value.startswith('"'):
                return number, line.strip(), f"'{key} = ' and text in double quotes"
            continue
        try:
            float(value)
        except ValueError:
            unit = "a number of seconds" if key in ("xmin", "xmax", "number") else "a whole number"
            return number, line.strip(), f"'{key} = ' and {unit}"
    return None


def read(data: bytes, options: ReadOptions) -> Sheet:
    """A sheet from a TextGrid (praatio's parser, long or short text format): interval tiers
    named ``words``, ``phones`` and ``shapes``, with the track's name before them when there are
    several tracks (as written above); a grid with other tier names gives its first interval tier
    as phones. Shape intervals are put on frames at ``options.rate``; a track with phones but no
    shapes tier has no cues (``lipsync export`` animates its phones with the preset)."""
    from praatio.utilities import textgrid_io

    text = text_of(data, options)
    try:
        grid = textgrid_io.parseTextgridStr(text, False)
    except Exception as error:  # praatio raises many kinds of error on malformed text
        bad = _bad_field(text)
        if bad is not None:
            raise malformed(options, f"line {bad[0]}", repr(bad[1]), bad[2]) from None
        raise malformed(options, "the text", f"not a Praat TextGrid ({type(error).__name__})",
                        "a TextGrid saved by Praat as a text file (long or short format)") from None
    tiers = [dict(tier, entries=list(tier["entries"])) for tier in grid["tiers"] if tier.get("class") == "IntervalTier"]
    if not tiers:
        raise malformed(options, "its tiers", "no interval tier", "a tier of phone or shape intervals")
    grouped: dict[str, dict[str, list]] = {}
    for tier in tiers:
        name = str(tier["name"]).strip()
        suffix = next((kind for kind in _KINDS if name.lower() == kind or name.lower().endswith(" " + kind)), None)
        if suffix is not None:
            owner = name[:len(name) - len(suffix)].strip()
            grouped.setdefault(owner, {}).setdefault(_KINDS[suffix], tier["entries"])
    if not any("phones" in kinds or "shapes" in kinds for kinds in grouped.values()):
        grouped.setdefault("", {})["phones"] = tiers[0]["entries"]  # an aligner's own tier names
    rate = options.frame_rate
    end = seconds_field(grid["xmax"], options, "xmax")
    frames = rate.frames_in(end)

    def spans(entries: list) -> list[tuple[float, float, str]]:
        return [(seconds_field(entry.start, options, "an interval's xmin"),
                 seconds_field(entry.end, options, "an interval's xmax"), entry.label)
                for entry in entries if entry.label.strip()]

    tracks, names = [], []
    for owner, kinds in grouped.items():
        shape_spans = spans(kinds.get("shapes", []))
        names += [label for _, _, label in shape_spans]
        changes = [(rate.nearest_frame(start), label) for start, _, label in shape_spans]
        tracks.append(Track(owner or Path(options.path).name.split(".")[0] or "track",
                            cues_from_changes(changes, frames),
                            words=tuple(Word(start, stop, label) for start, stop, label in spans(kinds.get("words", []))),
                            phones=tuple(Phone(start, stop, label) for start, stop, label in spans(kinds.get("phones", [])))))
    shapes = shape_set(names, options, None, "the shapes tier")
    return Sheet(rate, frames, tuple(tracks), shapes)


EXPORTER = Exporter(
    name="textgrid",
    extensions=(".textgrid",),
    description="Praat TextGrid: word, phone and mouth-shape tiers in seconds per track",
    importers="Praat, praatio, ELAN and speech-analysis scripts",
    write=write,
    multi_track=True,
    read=read,
)
