"""A spreadsheet table of every cue of every track (``.csv``).

Read by spreadsheets (LibreOffice Calc, Excel, Google Sheets, Numbers) and by any CSV reader.
The file is UTF-8 with a byte-order mark so that Excel shows non-ASCII labels correctly. A text
cell that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return, such as a speaker named ``=cmd|...``) is written with a leading apostrophe, as
OWASP recommends against CSV injection.
"""

from __future__ import annotations

import csv
import io

from ..errors import FormatError
from ..sheet import Sheet
from ..timing import format_timecode, is_drop_frame, parse_timecode
from . import ExportOptions, Exporter
from ._text import spreadsheet_cell

COLUMNS = ("track", "start_frame", "end_frame", "length_frames", "start_seconds", "end_seconds",
           "start_timecode", "shape", "drawing", "label")


def write(sheet: Sheet, options: ExportOptions) -> bytes:
    """Every cue of every track as one CSV row under a header row of :data:`COLUMNS`.

    Frames are 0-based and ``end_frame`` is the first frame after the cue; seconds have three
    decimals; ``start_timecode`` counts from the sheet's start timecode (00:00:00:00 if unset),
    drop-frame or not as :func:`~lipsync.timing.is_drop_frame` says. Raises FormatError for a
    shape the sheet's preset lacks.
    """
    rate = sheet.rate
    first_frame = parse_timecode(sheet.start_timecode, rate) if sheet.start_timecode else 0
    drop_frame = is_drop_frame(sheet.start_timecode, rate)
    buffer = io.StringIO()
    table = csv.writer(buffer)
    table.writerow(COLUMNS)
    for track in sheet.tracks:
        for cue in track.cues:
            try:
                info = sheet.preset.info(cue.shape)
            except KeyError:
                raise FormatError(
                    f"track {track.name!r} uses shape {cue.shape!r} at frame {cue.frame}, "
                    f"which preset {sheet.preset.name!r} does not define",
                    f"shapes of {sheet.preset.name!r}: {', '.join(sheet.preset.names)}") from None
            table.writerow((
                spreadsheet_cell(track.name), cue.frame, cue.end, cue.length,
                f"{rate.seconds_at(cue.frame):.3f}", f"{rate.seconds_at(cue.end):.3f}",
                format_timecode(first_frame + cue.frame, rate, drop_frame),
                spreadsheet_cell(cue.shape), info.drawing, spreadsheet_cell(info.label),
            ))
    return buffer.getvalue().encode("utf-8-sig")


EXPORTER = Exporter(
    name="csv",
    extensions=(".csv",),
    description="spreadsheet table: a row per cue of every track with frames, seconds, timecode",
    importers="spreadsheets (LibreOffice Calc, Excel, Google Sheets) and CSV readers",
    write=write,
    multi_track=True,
)
