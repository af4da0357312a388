"""Shape sets the exporter tests build their sheets from, and words to put on a sheet."""

import dataclasses

from lipsync.sheet import Sheet, ShapeInfo, ShapeSet, Word

RHUBARB = ShapeSet(
    name="rhubarb",
    rest="X",
    shapes=tuple(
        ShapeInfo(name, drawing, label, openness)
        for drawing, (name, label, openness) in enumerate(
            [("A", "closed MBP", 0), ("B", "teeth", 1), ("C", "open", 2), ("D", "wide", 2),
             ("E", "round", 1), ("F", "pucker", 1), ("G", "F/V", 1), ("H", "L", 2),
             ("X", "rest", 0)],
            start=1,
        )
    ),
)


def with_words(sheet: Sheet) -> Sheet:
    """The sheet with its first track speaking words that follow each other without a pause (the
    mouth still moving where one word gives way to the next), then after pauses words up to the
    sheet's last frame (frames 2-19, 30-49 and 60 to the end; the sheet has at least 76 frames)."""
    frames = sheet.duration_frames
    spans = [(2, 8), (8, 15), (15, 19), (30, 41), (41, 50), (60, 75), (75, frames)]
    words = tuple(Word(sheet.rate.seconds_at(start), sheet.rate.seconds_at(end), f"w{start}", 0)
                  for start, end in spans)
    return dataclasses.replace(sheet, tracks=(dataclasses.replace(sheet.tracks[0], words=words), *sheet.tracks[1:]))
