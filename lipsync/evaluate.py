"""Scoring mouth-shape timings against reference timings (``lipsync evaluate``).

A reference (hand-labelled phones or mouths) and a result (a Rhubarb TSV, a lipsync sheet...)
are read into labelled timelines of :class:`Segment` (a sheet's mouth cues, which are what it
shows, or a file's phones when it has no mouths), every label is mapped to the Rhubarb shape it
implies (A-H, X), and both are compared as defined in eval-dev's README:

- ``acc9``: share of frames (sampled at every frame midpoint over the reference's labelled span)
  showing the same shape; ``acc3``: the same openness class, closed (A, X) / half (B, F, G) /
  open (C, D, E, H); ``rest``: agreement on rest (X) versus talking;
- ``closure``: share of reference bilabials (consecutive A segments, such as TIMIT ``bcl b``,
  count once) shown closed (A or X) in the result at some time within the frames overlapping
  them, widened by one frame either side (for a frame-based result: on one of those frames);
- ``flicker``: share of the result's holds (runs of one shape, in seconds) shorter than a frame;
  a hold whose written ends are frame boundaries up to the file's rounding (a one-frame hold in
  a two-decimal TSV reads 0.04 s, 0.96 of a frame at 24 fps) is a whole frame, not flicker;
- ``within20`` and ``boundary_median``, for a reference with phone labels (ARPAbet/TIMIT, SAMPA,
  IPA) and a result that has phones (a lipsync sheet JSON, or a phone-labelled TextGrid, .lab,
  .phn or table): the standard phone boundary metric, the share of the reference's phone
  boundaries matched by a result boundary within 20 ms (one to one, nearest first) and the
  median distance from a reference boundary to the nearest result boundary. A reference
  boundary is every change of label inside the labelled span, a TIMIT closure and its release
  (``bcl b``) counting as one phone and neighbouring silences as one silence; a result boundary
  is every start and end of a phone.

Time that no segment covers shows the rest mouth (X). A label of no known phone set counts as a
talking mouth that matches nothing, and is reported in :attr:`Scores.unknown`.
"""

from __future__ import annotations

import bisect
import csv
import math
import statistics
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import EvaluationError, LipsyncError, OptionError
from .exporters import parse_sheet
from .exporters._reading import ReadOptions
from .exporters.htk_lab import lab_segments
from .fileio import read_input
from .sheet import MAX_SECONDS, Phone, Sheet
from .timing import FrameRate


@dataclass(frozen=True)
class Segment:
    """A label shown from ``start`` to ``end`` seconds."""

    start: float
    end: float
    label: str


@dataclass(frozen=True)
class Scores:
    """Agreement of a result with a reference; ratios are None when their count is 0.

    ``frames``, ``closures`` and ``holds`` are the counts the ratios are taken over, so that
    :func:`combine_scores` pools files exactly (frame-weighted). ``unknown`` lists the labels
    of no known phone set, with how many segments carried them, most frequent first.
    """

    frames: int
    acc9: float | None
    acc3: float | None
    rest: float | None
    closure: float | None
    closures: int
    flicker: float | None
    holds: int
    unknown: tuple[tuple[str, int], ...] = ()
    #: seconds from each reference phone boundary to the nearest result boundary (empty when the
    #: reference has no phone labels or the result no phones), and how many of those
    #: boundaries a result boundary matches one to one within :data:`BOUNDARY_TOLERANCE`
    boundary_errors: tuple[float, ...] = ()
    boundaries_matched: int = 0

    @property
    def boundaries(self) -> int:
        """How many reference phone boundaries were scored."""
        return len(self.boundary_errors)

    @property
    def within20(self) -> float | None:
        """Share of reference phone boundaries matched within 20 ms (None without boundaries)."""
        return _ratio(self.boundaries_matched, self.boundaries)

    @property
    def boundary_median(self) -> float | None:
        """Median seconds from a reference phone boundary to the nearest result boundary."""
        return float(statistics.median(self.boundary_errors)) if self.boundary_errors else None


# --- Labels -> Rhubarb shapes --------------------------------------------------------------

SHAPES = ("A", "B", "C", "D", "E", "F", "G", "H", "X")
REST = "X"
#: The openness class of each shape: 0 closed, 1 half open, 2 open.
OPENNESS: dict[str, int] = {"A": 0, "X": 0, "B": 1, "F": 1, "G": 1, "C": 2, "D": 2, "E": 2, "H": 2}
_CLOSED = frozenset({"A", "X"})

#: Silence in every phone set (compared in lower case).
SILENCE_LABELS = frozenset({"", "sil", "sp", "silence", "pau", "h#", "epi", "#", "<sil>", "_", "rest"})


def _table(groups: dict[str, str]) -> dict[str, str]:
    """``{shape: "label label ..."}`` -> ``{label: shape}``."""
    return {label: shape for shape, labels in groups.items() for label in labels.split()}


#: Rhubarb shape letters stand for themselves.
_SHAPE_TABLE = {shape: shape for shape in SHAPES}

#: Preston Blair mouths (Papagayo).
_PRESTON_BLAIR = _table({"A": "MBP", "B": "etc", "C": "E", "D": "AI", "E": "O", "F": "U WQ",
                         "G": "FV", "H": "L", "X": "rest"})

#: ARPAbet and TIMIT's 61 symbols, lower case without stress digits. bcl/pcl close the lips;
#: the other closures are the mouth of their stop.
_ARPABET = _table({
    "A": "m b p em bcl pcl",
    "G": "f v",
    "D": "aa ay aw",
    "C": "ah ae eh ey ax ax-h",
    "E": "ao er ow oy axr",
    "B": "iy ih y ix "
         "t d k g n ng en eng nx dx q s z sh zh ch jh th dh r hh hv dcl tcl kcl gcl",
    "F": "uw uh w ux wh",
    "H": "l el",
})

#: SAMPA (English), including the EMU/ANDOSL Australian labels: H is aspiration, and a few
#: labels join two phones (db, pt: a bilabial closure overlapped by another stop; Om/On/Or/Ow:
#: the transition into m/n/r/w).
_SAMPA = _table({
    "A": "p b m db pt Om",
    "G": "f v",
    "D": "A A: a a: ai aI au aU",
    "C": "@ V { E e E@ e@ ei eI",
    "E": "@: 3: 3 O O: o: o Q Oi OI @u @U oU",
    "B": "I i i: I@ j "
         "t d k g n N s z S Z T D h r R 4 ? x tS dZ H dH kt zs NH On Or",
    "F": "U u u: U@ w Ow",
    "H": "l",
})

#: IPA, after stripping length marks, stress and diacritics. A diphthong or cluster not listed
#: (with a non-ASCII symbol, so that ARPAbet or SAMPA words are not taken for IPA) takes the
#: shape of its first symbol.
_IPA = _table({
    "A": "p b m ɓ ʙ",
    "G": "f v ɸ β ʋ ɱ",
    "D": "a ɑ ä ɶ",
    "C": "æ ɛ e ʌ ə ɐ ɘ",
    "E": "ɔ ɒ o ɚ ɝ ɜ ɵ ø œ ɤ əʊ",
    "B": "i ɪ j ɨ ɯ "
         "t d k g ɡ n ŋ ɲ ɳ s z ʃ ʒ θ ð h ɦ ʔ ɹ r ɾ ɻ ʁ ʀ x ɣ χ ç c ɟ q ɢ "
         "ʂ ʐ ɕ ʑ ʈ ɖ ɽ ʝ ħ ʕ ʧ ʤ ts dz",
    "F": "u ʊ w ʉ y ʏ ɥ ʍ",
    "H": "l ɫ ɬ ɮ ʎ ʟ ɭ",
})

_IPA_MARKS = frozenset("ːˑˈˌʰʷʲˠˤⁿˡ̚‿'")


def _arpabet_key(label: str) -> str:
    return label.lower().rstrip("012")


def _ipa_key(label: str) -> str:
    decomposed = unicodedata.normalize("NFD", label)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch) and ch not in _IPA_MARKS)
    return unicodedata.normalize("NFC", kept)


def _ipa_lookup(label: str) -> str | None:
    key = _ipa_key(label)
    if key in _IPA:
        return _IPA[key]
    if not key.isascii() and all(ch in _IPA for ch in key):  # a diphthong or cluster
        return _IPA[key[0]]
    return None


#: Phone sets in the order auto-detection prefers them on a tie.
PHONESETS: dict[str, Callable[[str], str | None]] = {
    "shapes": _SHAPE_TABLE.get,
    "preston-blair": _PRESTON_BLAIR.get,
    "arpabet": lambda label: _ARPABET.get(_arpabet_key(label)),
    "sampa": _SAMPA.get,
    "ipa": _ipa_lookup,
}

#: Phone sets whose labels are mouth shapes.
_MOUTH_SETS = ("shapes", "preston-blair")


def label_shape(label: str, phoneset: str) -> str | None:
    """The Rhubarb shape a label implies in ``phoneset``, or None when the label is unknown.

    Parameters
    ----------
    label : str
        A phone or mouth label, e.g. ``"bcl"``, ``"AH0"``, ``"@:"``, ``"ə"``, ``"MBP"``.
    phoneset : str
        One of :data:`PHONESETS`: shapes, preston-blair, arpabet (TIMIT too), sampa, ipa.

    Returns
    -------
    str or None
        ``"A"``..``"H"`` or ``"X"``.
    """
    stripped = label.strip()
    if stripped.lower() in SILENCE_LABELS:
        return REST
    return PHONESETS[phoneset](stripped)


def detect_phoneset(labels: Iterable[str]) -> str:
    """The phone set under which the fewest labels are unknown (earlier sets win ties)."""
    counts = Counter(labels)
    names = list(PHONESETS)
    return min(names, key=lambda name: (
        sum(n for label, n in counts.items() if label_shape(label, name) is None), names.index(name)))


def phoneset_from_description(text: str) -> str:
    """The phone set named in free text such as eval-dev's ``phoneset`` column ("auto" if none)."""
    lowered = text.lower()
    for needle, name in (("preston", "preston-blair"), ("timit", "arpabet"), ("arpabet", "arpabet"),
                         ("sampa", "sampa"), ("ipa", "ipa"), ("rhubarb", "shapes")):
        if needle in lowered:
            return name
    return "auto"


# --- Readers ---------------------------------------------------------------------------------

_HINT = ("pass a TIMIT .phn, HTK/Festival .lab, Praat .TextGrid, Papagayo .pgo, a TSV "
         "(start end phone, or Rhubarb's start shape), a Rhubarb JSON or a lipsync sheet JSON")
_TIMIT_RATE = 16000


def _fail(path: Path, problem: str, hint: str = _HINT) -> EvaluationError:
    return EvaluationError(f"cannot read {str(path)!r}: {problem}", hint)


def _read_input(path: Path, kind: str = "reference") -> tuple[bytes, str]:
    """The bytes of an input file (a reference, a result or a manifest) and their text."""
    data = read_input(path, kind, EvaluationError, hint=_HINT if kind == "reference" else "check the path")
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        return data, data.decode(encoding)
    except UnicodeDecodeError:
        raise _fail(path, "not a text file") from None


def _rows(text: str) -> list[list[str]]:
    """Non-blank lines split on tabs (or on spaces when a line has no tab)."""
    return [[field.strip() for field in (line.split("\t") if "\t" in line else line.split())]
            for line in text.splitlines() if line.strip()]


def _number(text: str, path: Path, line: Sequence[str]) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _fail(path, f"expected a time, got {' '.join(line)!r}") from None
    if not math.isfinite(value):
        raise _fail(path, f"expected a time, got {' '.join(line)!r}")
    return value


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _read_timit(path: Path, text: str) -> list[Segment]:
    segments = []
    for row in _rows(text):
        if len(row) < 3 or not (row[0].isdigit() and row[1].isdigit()):
            raise _fail(path, f"expected 'start_sample end_sample label', got {' '.join(row)!r}")
        segments.append(Segment(int(row[0]) / _TIMIT_RATE, int(row[1]) / _TIMIT_RATE, row[2]))
    return segments


def _read_table(path: Path, text: str) -> list[Segment]:
    """Three columns ``start end label`` in seconds (eval-dev TSV, Audacity labels; a header
    line is skipped) or Rhubarb's two columns ``start shape`` (the last line is the end)."""
    rows = _rows(text)
    if rows and not _is_number(rows[0][0]):
        rows = rows[1:]
    if not rows:
        raise _fail(path, "no timed lines")
    widths = {min(len(row), 3) for row in rows}
    if widths == {3}:
        return [Segment(_number(r[0], path, r), _number(r[1], path, r), r[2]) for r in rows]
    if widths == {2}:
        times = [_number(row[0], path, row) for row in rows]
        return [Segment(times[i], times[i + 1], rows[i][1]) for i in range(len(rows) - 1)]
    raise _fail(path, "lines are neither 'start end label' nor Rhubarb's 'start shape'")


#: Time-based formats are put on frames this fine when read through the format registry.
_READ_RATE = FrameRate(1000)


#: The readers (:func:`_reader_of`) that parse through the format registry, and the format each
#: names (None: told by the file's name and content).
_SHEET_FORMATS: dict[str, str | None] = {"textgrid": "textgrid", "pgo": "pgo", "pg2": "pg2", "registry": None}

#: The readers whose phones are their sheet's own phones (the others' are their labels).
_PHONE_SHEETS = ("textgrid", "registry")


@dataclass(frozen=True)
class _Source:
    """A reference or result file read once: its bytes, their text and its reader (:func:`_reader_of`)."""

    path: Path
    data: bytes
    text: str
    reader: str


def _source(path: str | Path) -> _Source:
    """Read a reference or result file and tell how to parse it."""
    path = Path(path)
    data, text = _read_input(path)
    return _Source(path, data, text, _reader_of(path, text))


def _registry_sheet(source: _Source) -> Sheet:
    """A reference or result parsed by its format's reader (:func:`lipsync.exporters.parse_sheet`)."""
    try:
        return parse_sheet(source.data, source.path, _SHEET_FORMATS[source.reader], rate=_READ_RATE)
    except LipsyncError as error:
        raise EvaluationError(error.message, error.hint or _HINT) from None


def _registry_segments(path: Path, sheet: Sheet) -> list[Segment]:
    """A sheet's first track as scored: its mouth cues, which are what the sheet shows (a
    lipsync sheet, Papagayo, Rhubarb, a TextGrid with a shapes tier), else its phones (a
    TextGrid of an aligner's phones), with the silences between them."""
    try:
        track = sheet.track()
    except LipsyncError as error:
        raise EvaluationError(error.message, error.hint or _HINT) from None
    if track.cues:
        names = {cue.shape for cue in track.cues}
        if not any(label_shape(name, phoneset) for name in names for phoneset in _MOUTH_SETS):
            raise EvaluationError(f"cannot score {str(path)!r}: its mouths ({', '.join(sorted(names))}) are "
                                  "not Rhubarb or Preston Blair shapes, which evaluate compares",
                                  "analyze the take with --preset rhubarb or --preset preston-blair to score it")
        return [Segment(sheet.rate.seconds_at(cue.frame), sheet.rate.seconds_at(cue.end), cue.shape)
                for cue in track.cues]
    return _with_silences(track.phones)


def _with_silences(phones: Iterable[Phone]) -> list[Segment]:
    """Phones as segments in time order, the time between them as silence (an empty label)."""
    segments, position = [], 0.0
    for phone in sorted(phones, key=lambda phone: phone.start):
        if phone.start > position:
            segments.append(Segment(position, phone.start, ""))
        segments.append(Segment(phone.start, phone.end, phone.symbol))
        position = max(position, phone.end)
    return segments


def _reader_of(path: Path, text: str) -> str:
    """How :func:`read_timeline` reads a file, from its extension, else its first characters:
    ``textgrid``, ``phn``, ``lab``, ``pgo``, ``pg2``, ``registry`` (a sheet JSON, Rhubarb JSON
    or XML, Moho .dat) or ``table``."""
    suffix = path.suffix.lower()
    head = text.lstrip()[:200]
    if suffix == ".textgrid" or 'Object class = "TextGrid"' in head:
        return "textgrid"
    if suffix in (".phn", ".lab"):
        return suffix[1:]
    if suffix in (".pgo", ".pg2") or head.startswith("lipsync version"):
        return "pg2" if suffix == ".pg2" else "pgo"
    if suffix in (".json", ".xml", ".dat") or head.startswith("{"):
        return "registry"
    return "table"


def read_timeline(path: str | Path) -> tuple[Segment, ...]:
    """Read a labelled timeline from a reference or result file, sorted by start time.

    The format comes from the extension (``.phn`` TIMIT, ``.lab`` HTK/Festival, ``.TextGrid``,
    ``.pgo``, ``.json`` lipsync sheet or Rhubarb) or, for any other name, from the content
    (TextGrid, Papagayo, JSON, else a table: ``start end label`` or Rhubarb's ``start shape``).

    Parameters
    ----------
    path : str or Path
        The file to read.

    Returns
    -------
    tuple of Segment
        Non-empty segments (``end > start``), labels as written in the file.

    Raises
    ------
    EvaluationError
        When the file is missing, unreadable, malformed or has no segments.
    """
    return _read_file(path).timeline


def read_phones(path: str | Path) -> tuple[Segment, ...] | None:
    """The phones of a reference or result file, for the boundary metric: a lipsync sheet's or
    TextGrid's phones (of its only or first track), or the segments of a .lab, .phn or table
    whose labels are phones; None when the file holds mouth shapes only (Rhubarb output,
    Papagayo).

    Raises
    ------
    EvaluationError
        As :func:`read_timeline`.
    """
    source = _source(path)
    if source.reader in _PHONE_SHEETS:
        try:  # a file beside a result that is no sheet has no phones to give
            sheet = _registry_sheet(source)
        except EvaluationError:
            return None
        return _sheet_phones(sheet)
    return _parse(source).phones()


@dataclass(frozen=True)
class _Parsed:
    """A reference or result file parsed once: its timeline (:func:`read_timeline`) and, for a
    TextGrid or a sheet JSON, the sheet whose phones it has."""

    timeline: tuple[Segment, ...]
    sheet: Sheet | None

    def phones(self) -> tuple[Segment, ...] | None:
        """The file's phones, as :func:`read_phones` gives them."""
        if self.sheet is not None:
            return _sheet_phones(self.sheet)
        return self.timeline if _has_phone_labels(self.timeline, "auto") else None


def _read_file(path: str | Path) -> _Parsed:
    """Read and parse a reference or result file once (raises as :func:`read_timeline`)."""
    return _parse(_source(path))


def _parse(source: _Source) -> _Parsed:
    """The file's timeline, sorted, non-empty and within the times a sheet can hold."""
    sheet = _registry_sheet(source) if source.reader in _SHEET_FORMATS else None
    segments = _text_segments(source) if sheet is None else _registry_segments(source.path, sheet)
    timeline = tuple(sorted((s for s in segments if s.end > s.start), key=lambda s: (s.start, s.end)))
    if not timeline:
        raise _fail(source.path, "no labelled segments in the file")
    if not all(0 <= s.start < s.end <= MAX_SECONDS for s in timeline):
        raise _fail(source.path, f"times must lie between 0 and {MAX_SECONDS:g} seconds")
    return _Parsed(timeline, sheet if source.reader in _PHONE_SHEETS else None)


def _text_segments(source: _Source) -> list[Segment]:
    """The segments of a file parsed here rather than by the format registry: a TIMIT .phn,
    an HTK/Festival .lab or a table."""
    if source.reader == "phn":
        return _read_timit(source.path, source.text)
    if source.reader == "lab":
        try:
            return [Segment(*item) for item in lab_segments(source.text, ReadOptions(str(source.path)))]
        except LipsyncError as error:
            raise EvaluationError(error.message, error.hint or _HINT) from None
    return _read_table(source.path, source.text)


def _sheet_phones(sheet: Sheet) -> tuple[Segment, ...] | None:
    """The phones of a sheet's first track in time order, None when it has none."""
    phones = sorted(sheet.tracks[0].phones, key=lambda phone: phone.start) if sheet.tracks else ()
    return tuple(Segment(phone.start, phone.end, phone.symbol) for phone in phones) or None


#: Boundaries within this many seconds match (the standard tolerance for phone alignment).
BOUNDARY_TOLERANCE = 0.02

#: Phone sets whose labels are phones (not mouth shapes).
_PHONE_SETS = ("arpabet", "sampa", "ipa")

#: A TIMIT closure and the releases it joins with: one phone for the boundary metric.
_CLOSURES = {"bcl": ("b",), "dcl": ("d", "jh"), "gcl": ("g",), "pcl": ("p",), "tcl": ("t", "ch"), "kcl": ("k",)}


def _has_phone_labels(timeline: Sequence[Segment], phoneset: str) -> bool:
    if phoneset == "auto":
        phoneset = detect_phoneset(segment.label for segment in timeline)
    return phoneset in _PHONE_SETS


def phone_boundaries(timeline: Sequence[Segment]) -> list[float]:
    """The phone boundaries of a reference: every change of segment inside its span, with a
    TIMIT closure and its release as one phone, a SAMPA aspiration ``H`` joined to its stop and
    neighbouring silences (and gaps) as one silence.

    >>> phone_boundaries([Segment(0, 0.1, "h#"), Segment(0.1, 0.15, "bcl"), Segment(0.15, 0.2, "b"),
    ...                   Segment(0.2, 0.3, "iy"), Segment(0.3, 0.4, "pau"), Segment(0.45, 0.5, "h#")])
    [0.1, 0.2, 0.3]
    """
    merged: list[list[Any]] = []  # [start, end, label, silent]
    for segment in sorted(timeline, key=lambda s: (s.start, s.end)):
        label = segment.label.strip()
        silent = label.lower() in SILENCE_LABELS
        if merged and segment.start - merged[-1][1] > _GAP:  # a gap is silence
            if merged[-1][3]:
                merged[-1][1] = segment.start
            else:
                merged.append([merged[-1][1], segment.start, "", True])
        if merged:
            last = merged[-1]
            released = label.lower() in _CLOSURES.get(last[2].lower(), ()) or label == "H"
            if (silent and last[3]) or (not silent and not last[3] and released):
                last[1], last[2] = max(last[1], segment.end), label
                continue
        merged.append([segment.start, segment.end, label, silent])
    return [round(item[0], 6) for item in merged[1:]]


def boundary_errors(reference: Sequence[float], result: Sequence[float],
                    tolerance: float = BOUNDARY_TOLERANCE) -> tuple[tuple[float, ...], int]:
    """For each reference boundary, the distance to the nearest result boundary; and how many
    reference boundaries a result boundary matches one to one within ``tolerance`` (the
    closest pairs first).

    >>> boundary_errors([0.10, 0.20, 0.30], [0.105, 0.11, 0.26])
    ((0.005, 0.06, 0.04), 1)
    """
    ordered = sorted(result)
    errors: list[float] = []
    pairs: list[tuple[float, int, int]] = []
    for index, time in enumerate(reference):
        position = bisect.bisect_left(ordered, time)
        near = [j for j in (position - 1, position) if 0 <= j < len(ordered)]
        errors.append(round(min((abs(ordered[j] - time) for j in near), default=math.inf), 6))
        low, high = bisect.bisect_left(ordered, time - tolerance - 1e-9), bisect.bisect_right(ordered, time + tolerance + 1e-9)
        pairs.extend((abs(ordered[j] - time), index, j) for j in range(low, high))
    used_reference: set[int] = set()
    used_result: set[int] = set()
    for _, index, j in sorted(pairs):
        if index not in used_reference and j not in used_result:
            used_reference.add(index)
            used_result.add(j)
    return tuple(errors), len(used_reference)


def _result_boundaries(phones: Sequence[Segment]) -> list[float]:
    """Every start and end of a result's phones (times within 1 ms are one boundary)."""
    times = sorted({round(t, 6) for phone in phones for t in (phone.start, phone.end)})
    kept: list[float] = []
    for time in times:
        if not kept or time - kept[-1] > 1e-3:
            kept.append(time)
    return kept


# --- Scoring ---------------------------------------------------------------------------------

# Frame positions within this many frames of a whole number are on it (6-decimal times).
_FRAME_EPSILON = 1e-3

# Gaps up to this many seconds between segments are rounding, not rest.
_GAP = 1e-4

_Span = tuple[float, float, "str | None"]

# Times needing more decimals than this were written at full precision (not rounded).
_MAX_DECIMALS = 6


def _to_shapes(timeline: Sequence[Segment], phoneset: str) -> tuple[list[_Span], Counter[str]]:
    """Shape spans (gaps filled with rest, equal neighbours merged) and the unknown labels."""
    if phoneset == "auto":
        phoneset = detect_phoneset(segment.label for segment in timeline)
    elif phoneset not in PHONESETS:
        raise OptionError(f"unknown phone set {phoneset!r}", f"use auto or one of {', '.join(PHONESETS)}")
    unknown: Counter[str] = Counter()
    spans: list[_Span] = []
    for segment in timeline:
        shape = label_shape(segment.label, phoneset)
        if shape is None:
            unknown[segment.label] += 1
        start = segment.start
        if spans and start - spans[-1][1] > _GAP:
            spans.append((spans[-1][1], start, REST))
        elif spans:  # overlaps and rounding gaps close up
            start = spans[-1][1]
        if segment.end > start:
            spans.append((start, segment.end, shape))
    return _merge(spans), unknown


def _merge(spans: list[_Span]) -> list[_Span]:
    """Join neighbouring spans of the same known shape."""
    merged: list[_Span] = []
    for span in spans:
        if merged and merged[-1][2] == span[2] and span[2] is not None:
            merged[-1] = (merged[-1][0], span[1], span[2])
        else:
            merged.append(span)
    return merged


def _sample(spans: Sequence[_Span], times: Sequence[float]) -> list[str | None]:
    """The shape shown at each time (rest outside the spans)."""
    starts = [span[0] for span in spans]
    shapes: list[str | None] = []
    for time in times:
        index = bisect.bisect_right(starts, time) - 1
        shapes.append(spans[index][2] if index >= 0 and time < spans[index][1] else REST)
    return shapes


def _shows_closed(spans: Sequence[_Span], start: float, end: float) -> bool:
    """Whether the spans show A or X at some time from ``start`` to ``end`` (rest outside them)."""
    if start < spans[0][0] - _GAP or end > spans[-1][1] + _GAP:
        return True
    return any(shape in _CLOSED and span_start < end - _GAP and span_end > start + _GAP
               for span_start, span_end, shape in spans)


def time_quantum(times: Iterable[float]) -> float:
    """The rounding step the times were written with: ``10 ** -d`` for the most decimals any of
    them needs (a two-decimal file has round times too, such as 1.00, that need fewer), 0 when
    they were written at full precision.

    >>> time_quantum([0.0, 0.05, 0.5, 1.0, 1.25, 1.38])
    0.01
    >>> time_quantum([0.0, 1 / 24, 2 / 24])
    0.0
    """
    decimals = 0
    for time in times:
        decimals = max(decimals, next((d for d in range(_MAX_DECIMALS + 1)
                                       if abs(time * 10 ** d - round(time * 10 ** d)) < 1e-6), _MAX_DECIMALS + 1))
    return 0.0 if decimals > _MAX_DECIMALS else 10.0 ** -decimals


def is_flicker(start: float, end: float, fps: float, quantum: float = 0.0) -> bool:
    """Whether a hold from ``start`` to ``end`` seconds is shorter than one frame at ``fps``.

    Times written rounded to ``quantum`` seconds (up, down or to the nearest) may each be up to
    one quantum off: a hold whose two ends can both be frame boundaries, at least a frame apart,
    within that is a whole frame (or more), however short it reads. A hold shorter than a frame
    by more than the rounding is flicker.

    >>> is_flicker(0.05, 0.09, 24, quantum=0.01)    # frames 1 to 2 in a two-decimal TSV
    False
    >>> is_flicker(0.05, 0.07, 24, quantum=0.01)    # half a frame
    True
    >>> is_flicker(0.05, 0.09, 24)                  # the same times at full precision
    True
    """
    if (end - start) * fps >= 1 - _FRAME_EPSILON:
        return False
    if quantum <= 0:
        return True
    first = math.ceil((start - quantum) * fps - _FRAME_EPSILON)   # the earliest boundary start can be
    last = math.floor((end + quantum) * fps + _FRAME_EPSILON)     # the latest boundary end can be
    return not (first / fps <= start + quantum + 1e-9 and last / fps >= end - quantum - 1e-9
                and last - first >= 1)


def _scored_frames(ref_spans: Sequence[_Span], fps: float) -> tuple[int, int]:
    """The first frame scored and the one after the last: those whose middle the reference spans."""
    return (math.ceil(ref_spans[0][0] * fps - 0.5 - _FRAME_EPSILON),
            math.ceil(ref_spans[-1][1] * fps - 0.5 - _FRAME_EPSILON))


def on_frames(spans: Sequence[_Span], fps: float, quantum: float) -> list[_Span]:
    """Spans whose times were written rounded to ``quantum`` seconds put back on the frame
    boundaries they stand for (each time within the rounding of one); exact times as they are.

    >>> on_frames([(0.13, 0.17, "A"), (0.17, 0.3, "C")], 24, 0.01)  # frame 3, then frames 4-6
    [(0.125, 0.16666666666666666, 'A'), (0.16666666666666666, 0.2916666666666667, 'C')]
    """
    if quantum <= 0:
        return list(spans)

    def snapped(time: float) -> float:
        boundary = round(time * fps) / fps
        return boundary if abs(boundary - time) <= quantum + 1e-9 else time

    return [(snapped(start), snapped(end), shape) for start, end, shape in spans]


def _missed_bilabials(ref_spans: Sequence[_Span], res_spans: Sequence[_Span], fps: float,
                      quantum: float) -> list[tuple[float, float]]:
    """The reference's bilabials (A spans) that the result shows open on every frame
    overlapping them and on the frame before and after (within the scored frames); a result
    written with times rounded to ``quantum`` is read on the frames they stand for
    (:func:`on_frames`)."""
    res_spans = on_frames(res_spans, fps, quantum)
    first, stop = _scored_frames(ref_spans, fps)
    missed = []
    for start, end, shape in ref_spans:
        if shape != "A":
            continue
        low = max(math.floor(start * fps + _FRAME_EPSILON) - 1, first)
        high = min(math.ceil(end * fps - _FRAME_EPSILON), stop - 1)
        if not _shows_closed(res_spans, low / fps, (high + 1) / fps):
            missed.append((start, end))
    return missed


def missed_closures(reference: Sequence[Segment], result: Sequence[Segment], fps: float = 24, *,
                    reference_phoneset: str = "auto", result_phoneset: str = "auto") -> list[tuple[float, float]]:
    """The reference bilabials (start, end in seconds) that the ``closure`` metric of
    :func:`evaluate_timelines` counts as missed: shown open (neither A nor X) on every frame
    overlapping them, and on the frame before and the frame after.

    >>> reference = [Segment(0.0, 0.5, "aa"), Segment(0.5, 0.55, "m"), Segment(0.55, 1.0, "aa"),
    ...              Segment(1.0, 1.1, "b"), Segment(1.1, 1.5, "aa")]
    >>> missed_closures(reference, [Segment(0.0, 1.0, "D"), Segment(1.0, 1.1, "A"), Segment(1.1, 1.5, "D")])
    [(0.5, 0.55)]
    """
    ref_spans, _ = _to_shapes(reference, reference_phoneset)
    res_spans, _ = _to_shapes(result, result_phoneset)
    if not ref_spans or not res_spans:
        return []
    return _missed_bilabials(ref_spans, res_spans, fps, time_quantum(_times(res_spans)))


def _times(spans: Sequence[_Span]) -> list[float]:
    """Every start and end of ``spans``."""
    return [time for span in spans for time in span[:2]]


def _ratio(count: int, total: int) -> float | None:
    return count / total if total else None


def evaluate_timelines(reference: Sequence[Segment], result: Sequence[Segment], fps: float = 24, *,
                       reference_phoneset: str = "auto", result_phoneset: str = "auto",
                       result_phones: Sequence[Segment] | None = None,
                       reference_phones: Sequence[Segment] | None = None) -> Scores:
    """Score a result timeline against a reference timeline (see the module docstring).

    Parameters
    ----------
    reference, result : sequence of Segment
        Labelled timelines, sorted by start, e.g. from :func:`read_timeline`.
    fps : float
        The frame rate of the sampling grid and of the flicker threshold.
    reference_phoneset, result_phoneset : str
        ``"auto"`` (detected from the labels) or a name in :data:`PHONESETS`.
    result_phones : sequence of Segment, optional
        The result's phones (e.g. from :func:`read_phones`), for the boundary metric when the
        reference has phone labels.
    reference_phones : sequence of Segment, optional
        The reference's phones when its timeline is mouth shapes (a lipsync sheet as the
        reference), for the boundary metric.

    Returns
    -------
    Scores
    """
    if not fps > 0:
        raise OptionError(f"the frame rate must be positive, got {fps}", "use e.g. 24")
    if not reference or not result:
        raise EvaluationError("nothing to score: a timeline has no segments",
                              "check that the reference and the result files are not empty")
    ref_spans, unknown = _to_shapes(reference, reference_phoneset)
    res_spans, result_unknown = _to_shapes(result, result_phoneset)
    unknown.update(result_unknown)

    first, stop = _scored_frames(ref_spans, fps)
    times = [(k + 0.5) / fps for k in range(first, stop)]
    ref_shapes, res_shapes = _sample(ref_spans, times), _sample(res_spans, times)
    pairs = list(zip(ref_shapes, res_shapes))
    same9 = sum(1 for a, b in pairs if a is not None and a == b)
    same3 = sum(1 for a, b in pairs if a is not None and b is not None and OPENNESS[a] == OPENNESS[b])
    same_rest = sum(1 for a, b in pairs if (a == REST) == (b == REST))

    quantum = time_quantum(_times(res_spans))
    bilabials = [(start, end) for start, end, shape in ref_spans if shape == "A"]
    closed = len(bilabials) - len(_missed_bilabials(ref_spans, res_spans, fps, quantum))

    flickers = sum(1 for start, end, _ in res_spans if is_flicker(start, end, fps, quantum))
    errors: tuple[float, ...] = ()
    matched = 0
    if reference_phones is None and _has_phone_labels(reference, reference_phoneset):
        reference_phones = reference
    if result_phones and reference_phones:
        errors, matched = boundary_errors(phone_boundaries(reference_phones), _result_boundaries(result_phones))
    return Scores(
        frames=len(pairs), acc9=_ratio(same9, len(pairs)), acc3=_ratio(same3, len(pairs)),
        rest=_ratio(same_rest, len(pairs)), closure=_ratio(closed, len(bilabials)),
        closures=len(bilabials), flicker=_ratio(flickers, len(res_spans)), holds=len(res_spans),
        unknown=tuple(sorted(unknown.items(), key=lambda item: (-item[1], item[0]))),
        boundary_errors=errors, boundaries_matched=matched,
    )


def evaluate_pair(reference_path: str | Path, result_path: str | Path, fps: float = 24, *,
                  reference_phoneset: str = "auto", phones_path: str | Path | None = None) -> Scores:
    """Score a result file against a reference file.

    Parameters
    ----------
    reference_path, result_path : str or Path
        Files readable by :func:`read_timeline`.
    phones_path : str or Path, optional
        Where the result's phones are, for the boundary metric (default: the result itself,
        when it has them: a lipsync sheet JSON, a phone-labelled TextGrid...).
    fps : float
        The frame rate of the comparison (24 by default, as in eval-dev's README).
    reference_phoneset : str
        ``"auto"`` or the reference's phone set (see :data:`PHONESETS`).

    Returns
    -------
    Scores
    """
    # each file read and parsed once: the result first when it gives its own phones, then the reference
    result: _Parsed | None = None
    if phones_path is None:
        result = _read_file(result_path)
        phones = result.phones()
    else:
        phones = read_phones(phones_path)
    reference = _read_file(reference_path)
    reference_phones = None if _has_phone_labels(reference.timeline, reference_phoneset) else reference.phones()
    if result is None:
        result = _read_file(result_path)
    return evaluate_timelines(reference.timeline, result.timeline, fps, reference_phoneset=reference_phoneset,
                              result_phones=phones, reference_phones=reference_phones)


def combine_scores(scores: Iterable[Scores]) -> Scores:
    """Pool several scores: each ratio over the summed counts (frame-weighted, not averaged)."""
    items = list(scores)

    def pooled(ratio: Callable[[Scores], float | None], count: Callable[[Scores], int]) -> float | None:
        total = sum(count(s) for s in items)
        return _ratio(sum(round((ratio(s) or 0.0) * count(s)) for s in items), total)

    unknown: Counter[str] = Counter()
    for item in items:
        unknown.update(dict(item.unknown))
    return Scores(
        frames=sum(s.frames for s in items),
        acc9=pooled(lambda s: s.acc9, lambda s: s.frames),
        acc3=pooled(lambda s: s.acc3, lambda s: s.frames),
        rest=pooled(lambda s: s.rest, lambda s: s.frames),
        closure=pooled(lambda s: s.closure, lambda s: s.closures),
        closures=sum(s.closures for s in items),
        flicker=pooled(lambda s: s.flicker, lambda s: s.holds),
        holds=sum(s.holds for s in items),
        unknown=tuple(sorted(unknown.items(), key=lambda item: (-item[1], item[0]))),
        boundary_errors=tuple(error for s in items for error in s.boundary_errors),
        boundaries_matched=sum(s.boundaries_matched for s in items),
    )


def _manifest_rows(manifest: Path) -> list[dict[str, str]]:
    _, text = _read_input(manifest, "manifest")
    rows = list(csv.DictReader(text.splitlines(), delimiter="\t"))
    missing = {"utt", "tsv"} - set(rows[0] if rows else ())
    if not rows or missing:
        raise EvaluationError(f"{str(manifest)!r} is not a manifest (needs utt and tsv columns)",
                              "pass eval-dev's manifest.tsv or a TSV with the same columns")
    return rows


def evaluate_manifest(manifest_path: str | Path, results_dir: str | Path, fps: float = 24,
                      result_suffix: str = ".tsv") -> tuple[list[tuple[str, Scores | None]], Scores]:
    """Score every utterance of an eval-dev style manifest against the results in a folder.

    Parameters
    ----------
    manifest_path : str or Path
        A TSV with columns ``utt`` and ``tsv`` (the reference, relative to the manifest's
        folder) and optionally ``source`` and ``phoneset``.
    results_dir : str or Path
        Where the result of utterance ``utt`` is ``<utt><suffix>`` or ``<source>/<utt><suffix>``.
        A lipsync sheet ``<utt>.json`` beside a result of another format gives the phones for
        the boundary metric.
    fps : float
        The frame rate of the comparison.
    result_suffix : str
        The results' file name ending, e.g. ``".tsv"`` or ``".json"``.

    Returns
    -------
    rows : list of (str, Scores or None)
        One per manifest row, None when its result file is missing.
    total : Scores
        The pooled scores of the rows that have a result.
    """
    manifest = Path(manifest_path)
    results = Path(results_dir)
    if not results.is_dir():
        raise EvaluationError(f"no results folder {str(results)!r}", "pass the folder of result files")
    rows: list[tuple[str, Scores | None]] = []
    for row in _manifest_rows(manifest):
        utt = row["utt"]
        candidates = [results / f"{utt}{result_suffix}"]
        if row.get("source"):
            candidates.append(results / row["source"] / f"{utt}{result_suffix}")
        found = next((path for path in candidates if path.is_file()), None)
        sheet = None if found is None else found.with_suffix(".json")
        scores = None if found is None else evaluate_pair(
            manifest.parent / row["tsv"], found, fps,
            reference_phoneset=phoneset_from_description(row.get("phoneset") or ""),
            phones_path=sheet if sheet is not None and sheet != found and sheet.is_file() else None)
        rows.append((utt, scores))
    return rows, combine_scores(scores for _, scores in rows if scores is not None)


# --- Output ----------------------------------------------------------------------------------

def scores_to_dict(scores: Scores) -> dict[str, Any]:
    """The scores as a JSON-ready dict (ratios rounded to 6 decimals, None stays null)."""
    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 6)

    return {
        "frames": scores.frames, "acc9": rounded(scores.acc9), "acc3": rounded(scores.acc3),
        "rest": rounded(scores.rest), "closure": rounded(scores.closure), "closures": scores.closures,
        "flicker": rounded(scores.flicker), "holds": scores.holds, "unknown": dict(scores.unknown),
        "boundaries": scores.boundaries, "within20": rounded(scores.within20),
        "boundary_median_ms": None if scores.boundary_median is None else round(1000 * scores.boundary_median, 1),
    }


_COLUMNS = ("frames", "acc9", "acc3", "rest", "closure", "(n)", "flicker", "(n)", "<=20ms", "median", "(n)")


def _cells(scores: Scores) -> list[str]:
    def ratio(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    median = "-" if scores.boundary_median is None else f"{1000 * scores.boundary_median:.1f}ms"
    return [str(scores.frames), ratio(scores.acc9), ratio(scores.acc3), ratio(scores.rest),
            ratio(scores.closure), str(scores.closures), ratio(scores.flicker), str(scores.holds),
            ratio(scores.within20), median, str(scores.boundaries)]


def format_report(rows: Sequence[tuple[str, Scores | None]], total: Scores, *,
                  per_file: bool = True) -> str:
    """A plain-text table: one line per file (``missing`` when it has no result), then TOTAL.

    ``per_file=False`` leaves the files' lines out; TOTAL still counts the files scored.
    Labels of no known phone set and the number of missing results follow the table.
    """
    missing = [name for name, scores in rows if scores is None]
    total_name = f"TOTAL ({len(rows) - len(missing)} files)"
    table = [["file", *_COLUMNS]]
    blank = ["missing"] + [""] * (len(_COLUMNS) - 1)
    if per_file:
        table += [[name, *(blank if scores is None else _cells(scores))] for name, scores in rows]
    table.append([total_name, *_cells(total)])
    widths = [max(len(line[i]) for line in table) for i in range(len(_COLUMNS) + 1)]
    lines = ["  ".join([line[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in
                                                      zip(line[1:], widths[1:])]).rstrip()
             for line in table]
    lines.insert(len(lines) - 1, "-" * len(lines[0]))
    if total.unknown:
        lines.append("unknown labels (scored as matching nothing): "
                     + ", ".join(f"{label!r} x{count}" for label, count in total.unknown))
    if missing:
        lines.append(f"missing results: {len(missing)} ({', '.join(missing)})")
    return "\n".join(lines) + "\n"
