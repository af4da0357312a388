"""HTK label files (``.lab``): ``start end label`` phone timings in 100 ns units.

Written and read by the Japanese singing and speech synthesizers and their tools (VOICEVOX,
CeVIO, NEUTRINO, Julius segmentation kit, Sinsy), HTK and Festival-era speech tools. One
track's phones, one per line, silences as ``pau``. Reading also takes the decimal-seconds
variant WaveSurfer writes and Festival's ``end colour label`` lines after a ``#`` line, and maps
the Julius/VOICEVOX phoneme labels (``a i u e o N cl ky sh ch ts...``) to IPA, so their timings
animate with any preset.
"""

from __future__ import annotations

from pathlib import Path

from ..sheet import Phone, Sheet, Track
from . import ExportOptions, Exporter
from ._reading import ReadOptions, malformed, shape_set, text_of

UNITS_PER_SECOND = 10_000_000
SILENCE = "pau"

#: Julius / VOICEVOX / NEUTRINO phoneme labels and the IPA symbols lipsync animates them as.
JULIUS_IPA = {
    "a": "a", "i": "i", "u": "ɯ", "e": "e", "o": "o", "A": "a", "I": "i", "U": "ɯ", "E": "e", "O": "o",
    "N": "ɴ", "cl": "ʔ", "k": "k", "ky": "kʲ", "kw": "kw", "g": "ɡ", "gy": "ɡʲ", "gw": "ɡw", "s": "s",
    "sh": "ɕ", "z": "z", "j": "dʑ", "t": "t", "ty": "tʲ", "ch": "tɕ", "ts": "ts", "d": "d", "dy": "dʲ",
    "n": "n", "ny": "ɲ", "h": "h", "hy": "ç", "f": "ɸ", "b": "b", "by": "bʲ", "p": "p", "py": "pʲ",
    "m": "m", "my": "mʲ", "y": "j", "r": "ɾ", "ry": "ɾʲ", "w": "ɰ", "v": "v",
}
SILENCES = frozenset({"pau", "sil", "sp", "silB", "silE", "#", ""})


def lab_segments(text: str, options: ReadOptions) -> list[tuple[float, float, str]]:
    """The ``(start, end, label)`` lines of a label file, labels as written: HTK (100 ns units,
    or seconds when written with decimals), or Festival (``end colour label`` after ``#``)."""
    lines = text.splitlines()
    if any(line.strip() == "#" for line in lines):
        start, segments = 0.0, []
        first = [line.strip() for line in lines].index("#") + 1
        for number, line in enumerate(lines[first:], first + 1):
            fields = line.split()
            if not fields:
                continue
            end = _number(fields[0], options, number, "Festival 'end colour label'")
            if end < start:
                raise malformed(options, f"line {number}", f"the end {fields[0]} comes before the line above's",
                                "end times in increasing order")
            segments.append((start, end, fields[2] if len(fields) > 2 else ""))
            start = end
        return segments
    rows = []
    for number, line in enumerate(lines, 1):
        if line.strip().startswith("///"):
            break  # HTK multi-level labels: the first level
        fields = line.split()
        if not fields:
            continue
        if len(fields) < 3:
            raise malformed(options, f"line {number}", f"{line.strip()!r}", "HTK 'start end label' (100 ns units)")
        rows.append((number, fields))
    whole = all(fields[0].isdigit() and fields[1].isdigit() for _, fields in rows)
    scale = UNITS_PER_SECOND if whole else 1
    segments = []
    for number, fields in rows:
        start = _number(fields[0], options, number, "a start time") / scale
        end = _number(fields[1], options, number, "an end time") / scale
        if end < start:
            raise malformed(options, f"line {number}", f"the end {fields[1]} comes before the start {fields[0]}",
                            "'start end label' with the end at or after the start")
        segments.append((start, end, fields[2]))
    return segments


def _number(text: str, options: ReadOptions, line: int, expected: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise malformed(options, f"line {line}", f"{text!r} is not a time", expected) from None
    if value != value or value < 0 or value == float("inf"):
        raise malformed(options, f"line {line}", f"{text!r} is not a time", expected)
    return value


def write(sheet: Sheet, options: ExportOptions) -> bytes:
    """One track's phones (``options.track``, default the first) as HTK labels: ``start end
    symbol`` in 100 ns units, the IPA symbol of each phone, ``pau`` over the silences between
    them and to the sheet's end. ``options.extra`` is not used."""
    track = sheet.track(options.track)
    rows, position = [], 0
    end = round(sheet.duration_seconds * UNITS_PER_SECOND)
    for phone in sorted(track.phones, key=lambda phone: phone.start):
        start, stop = round(phone.start * UNITS_PER_SECOND), round(phone.end * UNITS_PER_SECOND)
        start = max(start, position)
        if stop <= start:
            continue
        if start > position:
            rows.append((position, start, SILENCE))
        rows.append((start, stop, "".join(phone.symbol.split()) or SILENCE))
        position = stop
    if position < end or not rows:
        rows.append((position, max(end, position), SILENCE))
    return "".join(f"{start} {stop} {label}\n" for start, stop, label in rows).encode("utf-8")


def read(data: bytes, options: ReadOptions) -> Sheet:
    """A one-track sheet of phones (no cues: ``lipsync export`` animates them with a preset);
    Julius/VOICEVOX labels become IPA, silences are left out, other labels are kept as written."""
    segments = lab_segments(text_of(data, options), options)
    if not segments:
        raise malformed(options, "line 1", "no labels", "HTK 'start end label' lines")
    rate = options.frame_rate
    phones = tuple(Phone(start, end, JULIUS_IPA.get(label, label)) for start, end, label in segments
                   if label not in SILENCES and end > start)
    track = Track(Path(options.path).name.split(".")[0] or "track", (), phones=phones)
    end = max(stop for _, stop, _ in segments)
    return Sheet(rate, rate.frames_in(end), (track,), shape_set((), options, "rest", "the labels"))


EXPORTER = Exporter(
    name="lab",
    extensions=(".lab",),
    description="HTK/Julius phone labels: start, end (100 ns units) and IPA phone per line",
    importers="VOICEVOX, CeVIO, NEUTRINO, Julius segmentation kit, HTK and speech tools",
    write=write,
    read=read,
)
