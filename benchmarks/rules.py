"""The animation rules alone, measured: phones animated through a preset and scored like
``benchmarks/accuracy.py`` (``lipsync evaluate``'s metrics), without running recognition.

Two sources of phones:

- ``--reference`` (the default): each reference's own hand-labelled phones (TIMIT, SAMPA, IPA),
  read as the phones a perfect recognizer would give (TIMIT closures joined to their release,
  reduced and allophonic labels folded into the recognizer's phone set). What is wrong then is
  the rules' doing: the preset's shapes, pauses, snapping to frames, minimum holds.
- ``--sheets DIR``: the lipsync sheets (``<utt>.json``) that ``benchmarks/accuracy.py --out``
  wrote, animated again with today's rules: the real recognizer's phones, recognized once.

    python benchmarks/rules.py ../shared/eval-dev/manifest.tsv [--sheets OUT/clean/script]
        [--preset rhubarb] [--timing KEY=VALUE ...] [--breakdown] [--halves] [--rest-frames]

``--breakdown`` sorts the frames the output gets wrong (acc3, openness) by the step that made
them wrong: the preset's shape for the phone, the pauses, or the frame rules (snapping, minimum
hold), and by kind (rest shown during speech, talking in a pause, half versus open...); and
each reference M/B/P the output misses (the ``closure`` metric) by why: a recognized m, b or p
that the frame rules merged away, the bilabial heard as another consonant, or dropped (only
vowels recognized there); with ``--sheets``, also whether the recognized word there is one of
the transcript's (a misheard word, without a script).
``--halves`` also scores each half of the speakers on its own (for cross-validating a
setting chosen on eval-dev: choose on one half, report the other).

With ``--breakdown`` the frames where resting and talking disagree are also sorted by where
they lie (:func:`rest_place`): at the start or the end of speech (the mouth starts or stops
early or late), in a pause too short to rest in (the preset holds or relaxes the mouth there),
or a pause invented inside speech. ``--reference-edges`` (with ``--sheets``) also scores the
sheets with their speech edges moved onto the reference's (:func:`with_reference_edges`): what
perfect starts and ends of speech would give, the rest being the phones' timing and identity
and the rules. ``--rest-frames`` lists each frame wrong on resting, with where it lies and the
reference's labels and the phones around it (:func:`rest_frames`), to sort them by cause by hand.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from lipsync.animate import animate, target_shapes
from lipsync.evaluate import (OPENNESS, REST, Scores, Segment, combine_scores, detect_phoneset,
                              evaluate_timelines, format_report, label_shape, missed_closures,
                              phoneset_from_description, read_timeline)
from lipsync.exporters._common import frame_time
from lipsync.phonemes import is_vowel, viseme_class
from lipsync.pipeline import mouth_cues
from lipsync.presets import Preset, load_preset
from lipsync.sheet import Phone, Word, read_sheet_json
from lipsync.timing import FrameRate
from lipsync.vad import join_close

FPS = 24

#: TIMIT's 61 labels folded into the recognizer's phone set (CMU ARPAbet), as IPA. Closures
#: are joined to the release that follows them (see :func:`reference_phones`); a closure
#: without its release is the stop itself.
_TIMIT_IPA = {
    "aa": "ɑ", "ae": "æ", "ah": "ʌ", "ao": "ɔ", "aw": "aʊ", "ax": "ə", "ax-h": "ə", "axr": "ɚ",
    "ay": "aɪ", "eh": "ɛ", "er": "ɝ", "ey": "eɪ", "ih": "ɪ", "ix": "ɪ", "iy": "i", "ow": "oʊ",
    "oy": "ɔɪ", "uh": "ʊ", "uw": "u", "ux": "u", "b": "b", "d": "d", "g": "ɡ", "p": "p", "t": "t",
    "k": "k", "dx": "ɾ", "q": "ʔ", "jh": "dʒ", "ch": "tʃ", "s": "s", "sh": "ʃ", "z": "z", "zh": "ʒ",
    "f": "f", "th": "θ", "v": "v", "dh": "ð", "m": "m", "n": "n", "ng": "ŋ", "em": "m", "en": "n",
    "eng": "ŋ", "nx": "n", "l": "l", "el": "l", "r": "ɹ", "w": "w", "y": "j", "hh": "h", "hv": "h",
    "bcl": "b", "dcl": "d", "gcl": "ɡ", "pcl": "p", "tcl": "t", "kcl": "k",
}
_TIMIT_CLOSURES = {"bcl": ("b",), "dcl": ("d", "jh"), "gcl": ("g",), "pcl": ("p",), "tcl": ("t", "ch"),
                   "kcl": ("k",)}

#: SAMPA (with the EMU/ANDOSL Australian labels) as IPA in the recognizer's phone set: the
#: NURSE vowel 3:/@: is r-coloured ER there; H (aspiration) belongs to the stop before it;
#: joined labels (db, pt, kt, zs, On...) are their first phone.
_SAMPA_IPA = {
    "p": "p", "b": "b", "t": "t", "d": "d", "k": "k", "g": "ɡ", "m": "m", "n": "n", "N": "ŋ",
    "f": "f", "v": "v", "T": "θ", "D": "ð", "s": "s", "z": "z", "S": "ʃ", "Z": "ʒ", "h": "h",
    "tS": "tʃ", "dZ": "dʒ", "l": "l", "r": "ɹ", "w": "w", "j": "j", "?": "ʔ",
    "I": "ɪ", "i": "i", "i:": "i", "E": "ɛ", "e": "ɛ", "{": "æ", "V": "ʌ", "@": "ə", "A": "ɑ",
    "A:": "ɑ", "a": "ɑ", "a:": "ɑ", "O": "ɔ", "O:": "ɔ", "o:": "ɔ", "Q": "ɑ", "U": "ʊ", "u:": "u",
    "u": "u", "3:": "ɝ", "@:": "ɝ", "ai": "aɪ", "aI": "aɪ", "ei": "eɪ", "eI": "eɪ", "oi": "ɔɪ",
    "OI": "ɔɪ", "@u": "oʊ", "@U": "oʊ", "oU": "oʊ", "au": "aʊ", "aU": "aʊ", "I@": "ɪ", "e@": "ɛ",
    "E@": "ɛ", "U@": "ʊ", "db": "b", "pt": "p", "kt": "k", "zs": "z", "dH": "d", "NH": "ŋ",
    "Om": "ɔ", "On": "ɔ", "Or": "ɔ", "Ow": "ɔ",
}
_ASPIRATION = "H"


def reference_phones(segments: Sequence[Segment], phoneset: str) -> list[Phone]:
    """The phones of a phone-labelled reference, as IPA in the recognizer's phone set.

    A TIMIT closure and the release after it become one stop; SAMPA aspiration (``H``) joins
    the phone before it; silences are left out (the gaps between phones).
    """
    phones: list[Phone] = []
    index = 0
    while index < len(segments):
        segment = segments[index]
        label = segment.label.strip()
        end = segment.end
        if label_shape(label, phoneset) == REST:
            index += 1
            continue
        if phoneset == "arpabet":
            key = label.lower().rstrip("012")
            releases = _TIMIT_CLOSURES.get(key, ())
            if releases and index + 1 < len(segments) and segments[index + 1].label.lower() in releases:
                index += 1
                key = segments[index].label.lower()
                end = segments[index].end
            symbol = _TIMIT_IPA.get(key)
        elif phoneset == "sampa":
            if label == _ASPIRATION and phones and abs(phones[-1].end - segment.start) < 1e-6:
                phones[-1] = Phone(phones[-1].start, end, phones[-1].symbol)
                index += 1
                continue
            symbol = _SAMPA_IPA.get(label, "ə" if label == _ASPIRATION else None)
        else:
            symbol = label
        if symbol is None:
            raise SystemExit(f"no IPA for reference label {label!r} ({phoneset})")
        phones.append(Phone(segment.start, end, symbol))
        index += 1
    return phones


def _cue_segments(phones: Sequence[Phone], preset: Preset, frames: int) -> list[Segment]:
    """The cues as Rhubarb TSV gives them to ``lipsync evaluate`` (times as the TSV writes them)."""
    rate = FrameRate(FPS)
    return [Segment(float(frame_time(rate, cue.frame)), float(frame_time(rate, cue.frame + cue.length)), cue.shape)
            for cue in mouth_cues(phones, preset, rate, frames)]


def _rows(manifest: Path) -> list[dict[str, str]]:
    with manifest.open(encoding="utf-8") as stream:
        return [row for row in csv.DictReader(stream, delimiter="\t") if row["language"].startswith("en")]


def _phones_of(row: dict[str, str], base: Path, sheets: Path | None) -> tuple[list[Phone], int] | None:
    """The phones to animate for one manifest row and the frames to animate over."""
    reference = read_timeline(base / row["tsv"])
    frames = FrameRate(FPS).frames_in(max(float(row["duration_sec"]), reference[-1].end))
    if sheets is not None:
        path = sheets / f"{row['utt']}.json"
        if not path.is_file():
            return None
        sheet = read_sheet_json(path)
        return [phone for track in sheet.tracks for phone in track.phones], sheet.duration_frames
    phoneset = phoneset_from_description(row.get("phoneset") or "")
    if phoneset not in ("arpabet", "sampa", "ipa"):
        return None  # mouths, not phones (the Papagayo references)
    return reference_phones(reference, phoneset), frames


def _words_of(row: dict[str, str], sheets: Path | None) -> list[Word] | None:
    """The words of the sheet of one manifest row (None without ``--sheets``)."""
    path = None if sheets is None else sheets / f"{row['utt']}.json"
    if path is None or not path.is_file():
        return None
    return [word for track in read_sheet_json(path).tracks for word in track.words]


def _sampled(segments: Sequence[Segment], times: Sequence[float]) -> list[str]:
    shown = []
    for time in times:
        found = next((s.label for s in segments if s.start <= time < s.end), REST)
        shown.append(found)
    return shown


def _reference_shapes(reference: Sequence[Segment], phoneset: str, times: Sequence[float]) -> list[str | None]:
    segments = [Segment(s.start, s.end, label_shape(s.label, phoneset) or "?") for s in reference]
    return [None if shape == "?" else shape for shape in _sampled(segments, times)]


#: A result edge of speech is matched to a reference one at most this far away.
EDGE_REACH = 0.15
#: A wrong frame this close to the start or end of a stretch of speech is that edge's.
EDGE_FRAMES_SECONDS = 0.15


def speech_stretches(reference: Sequence[Segment], phoneset: str, min_pause: float) -> list[tuple[float, float]]:
    """The reference's stretches of talking (every label but a silence), joined across pauses
    shorter than ``min_pause`` seconds.

    >>> timit = [Segment(0.0, 0.1, "h#"), Segment(0.1, 0.2, "s"), Segment(0.2, 0.25, "epi"),
    ...          Segment(0.25, 0.4, "iy"), Segment(0.4, 0.9, "pau"), Segment(0.9, 1.0, "n")]
    >>> speech_stretches(timit, "arpabet", 0.35)
    [(0.1, 0.4), (0.9, 1.0)]
    """
    return join_close(((segment.start, segment.end) for segment in reference
                       if label_shape(segment.label, phoneset) != REST), min_pause)


def rest_place(time: float, talking: bool, stretches: Sequence[tuple[float, float]],
               pauses: Sequence[tuple[float, float]], hold_gap: float) -> str:
    """Where a frame at ``time`` whose rest is wrong lies. ``talking``: the result talks there
    and the reference rests (else the reverse); ``stretches``: the reference's speech joined
    across the pauses too short to rest in (:func:`speech_stretches`); ``pauses``: the
    reference's pauses; ``hold_gap``: the preset's (shorter pauses hold the shape).

    >>> stretches, pauses = [(0.1, 1.0), (2.0, 3.0)], [(0.0, 0.1), (0.5, 0.55), (0.7, 0.9), (1.0, 2.0)]
    >>> [rest_place(t, True, stretches, pauses, 0.12) for t in (0.05, 0.52, 0.8, 1.1, 1.9)]  # doctest: +NORMALIZE_WHITESPACE
    ['talking before speech starts', 'talking in a pause under 0.12 s', 'talking in a pause the mouth relaxes in',
     'talking after speech ends', 'talking before speech starts']
    >>> [rest_place(t, False, stretches, pauses, 0.12) for t in (0.15, 0.6, 2.95)]
    ['resting after speech starts', 'resting inside speech', 'resting before speech ends']
    """
    inside = next(((start, end) for start, end in stretches if start <= time < end), None)
    if talking:
        if inside is not None:
            pause = next(((start, end) for start, end in pauses if start <= time < end), (time, time))
            short = pause[1] - pause[0] < hold_gap
            return f"talking in a pause under {hold_gap:g} s" if short else "talking in a pause the mouth relaxes in"
        after = next((start for start, _ in stretches if start > time), None)
        before = next((end for _, end in reversed(stretches) if end <= time), None)
        if after is not None and (before is None or after - time < time - before):
            return "talking before speech starts"
        return "talking after speech ends"
    if inside is None:
        return "resting inside speech"
    if time - inside[0] < min(EDGE_FRAMES_SECONDS, inside[1] - time):
        return "resting after speech starts"
    if inside[1] - time < EDGE_FRAMES_SECONDS:
        return "resting before speech ends"
    return "resting inside speech"


def with_reference_edges(phones: Sequence[Phone], stretches: Sequence[tuple[float, float]],
                         reach: float = EDGE_REACH) -> list[Phone]:
    """``phones`` with each start and end of speech (a phone after or before a pause) moved
    onto the nearest start or end of the reference's ``stretches`` within ``reach`` seconds,
    where that keeps the phone and the pause: what perfect edges of speech would give.

    >>> with_reference_edges([Phone(0.12, 0.3, "ɑ"), Phone(0.3, 0.5, "n")], [(0.1, 0.46)])
    [Phone(start=0.1, end=0.3, symbol='ɑ', word=None, line=None), Phone(start=0.3, end=0.46, symbol='n', word=None, line=None)]
    """
    result = sorted(phones, key=lambda phone: (phone.start, phone.end))
    firsts = [i for i, phone in enumerate(result) if i == 0 or phone.start - result[i - 1].end > 1e-3]
    lasts = [i for i, phone in enumerate(result) if i + 1 == len(result) or result[i + 1].start - phone.end > 1e-3]
    for start, end in stretches:
        near = [i for i in firsts if abs(result[i].start - start) < reach]
        if near:
            i = min(near, key=lambda i: abs(result[i].start - start))
            if start < result[i].end and (i == 0 or start > result[i - 1].end):
                result[i] = replace(result[i], start=start)
        near = [i for i in lasts if abs(result[i].end - end) < reach]
        if near:
            i = min(near, key=lambda i: abs(result[i].end - end))
            if end > result[i].start and (i + 1 == len(result) or end < result[i + 1].start):
                result[i] = replace(result[i], end=end)
    return result


def _frame_times(reference: Sequence[Segment]) -> list[float]:
    """The midpoints of the frames over the reference's span, where ``lipsync evaluate`` samples."""
    start, stop = reference[0].start, reference[-1].end
    return [(k + 0.5) / FPS for k in range(math.ceil(start * FPS - 0.5 - 1e-3), math.ceil(stop * FPS - 0.5 - 1e-3))]


def rest_frames(reference: Sequence[Segment], phoneset: str, phones: Sequence[Phone], preset: Preset,
                frames: int, context: float = 0.12) -> list[str]:
    """One line for each frame where the animated ``phones`` and the ``reference`` disagree on
    resting: its time, where it lies (:func:`rest_place`), what is shown, and the reference's
    labels and the phones within ``context`` seconds of it (``label[start-end]``), to sort the
    wrong frames by cause by hand (``--rest-frames``).

    >>> reference = [Segment(0.0, 0.2, "h#"), Segment(0.2, 0.4, "aa"), Segment(0.4, 0.6, "h#")]
    >>> from lipsync.presets import load_preset
    >>> rest_frames(reference, "arpabet", [Phone(0.2, 0.45, "ɑ")], load_preset("rhubarb"), 15)
    ['0.438  talking after speech ends  shown D  reference aa[0.200-0.400] h#[0.400-0.600]  phones ɑ[0.200-0.450]']
    """
    times = _frame_times(reference)
    expected = _reference_shapes(reference, phoneset, times)
    shown = _sampled(_cue_segments(phones, preset, frames), times)
    stretches = speech_stretches(reference, phoneset, preset.timing.relax_gap)
    pauses = [(s.start, s.end) for s in reference if label_shape(s.label, phoneset) == REST]
    lines = []
    for time, want, shape in zip(times, expected, shown):
        if want is None or (want == REST) == (shape == REST):
            continue
        around = " ".join(f"{s.label}[{s.start:.3f}-{s.end:.3f}]" for s in reference
                          if s.end > time - context and s.start < time + context)
        heard = " ".join(f"{p.symbol}[{p.start:.3f}-{p.end:.3f}]" for p in phones
                         if p.end > time - context and p.start < time + context)
        place = rest_place(time, want == REST, stretches, pauses, preset.timing.hold_gap)
        lines.append(f"{time:.3f}  {place}  shown {shape}  reference {around}  phones {heard or '(none)'}")
    return lines


def breakdown(reference: Sequence[Segment], phoneset: str, phones: Sequence[Phone], preset: Preset,
              frames: int) -> Counter[str]:
    """Count the frames the output gets wrong in openness, by the step that made them wrong
    (``shape``: the preset's shape for the phone; ``pause``; ``frames``: snapping and holds),
    by kind (``rest in speech``, ``talk in pause``, ``half for open``...), by the shapes shown
    and expected, and for the ``shape`` step by the reference label and the phone animated there
    (a phone's identity or timing, for whoever works on recognition). The preset's shapes are
    read as Rhubarb's letters the way ``lipsync evaluate`` reads them (Preston Blair names too)."""
    times = _frame_times(reference)
    expected = _reference_shapes(reference, phoneset, times)
    names = preset.shape_set.names
    letters = {name: label_shape(name, detect_phoneset(names)) or "?" for name in names}
    letters[REST] = REST  # the gaps between phones
    targets = [letters[name] for name in
               _sampled([Segment(s.start, s.end, s.name) for s in target_shapes(phones, preset)], times)]
    animated = [letters[name] for name in
                _sampled([Segment(s.start, s.end, s.name) for s in animate(phones, preset, frames / FPS)], times)]
    final = [letters[name] for name in _sampled(_cue_segments(phones, preset, frames), times)]
    labels = _sampled(reference, times)
    heard = _sampled([Segment(p.start, p.end, p.symbol) for p in phones], times)
    timing = preset.timing
    stretches = speech_stretches(reference, phoneset, timing.relax_gap)
    pauses = [(s.start, s.end) for s in reference if label_shape(s.label, phoneset) == REST]
    counts: Counter[str] = Counter()
    levels = ("closed", "half", "open")
    for time, want, target, pause, shown, label, phone in zip(times, expected, targets, animated, final, labels, heard):
        if want is None:
            continue
        counts["frames"] += 1
        if (want == REST) != (shown == REST):
            counts["rest: " + rest_place(time, want == REST, stretches, pauses, timing.hold_gap)] += 1
        if OPENNESS[want] == OPENNESS.get(shown, 1):
            continue
        step = ("shape" if OPENNESS[want] != OPENNESS.get(target, 1)
                else "pause" if OPENNESS[want] != OPENNESS.get(pause, 1) else "frames")
        if want == REST and shown != REST:
            kind = "talk in pause"
        elif shown == REST and want != REST:
            kind = "rest in speech"
        else:
            kind = f"{levels[OPENNESS.get(shown, 1)]} for {levels[OPENNESS[want]]}"
        counts[f"wrong: {step}"] += 1
        counts[f"wrong: {step}: {kind}"] += 1
        counts[f"shown {shown} for {want}"] += 1
        if step == "shape":
            counts[f"label {label} under phone {'(none)' if phone == REST else phone}"] += 1
    return counts


def closure_misses(reference: Sequence[Segment], phoneset: str, phones: Sequence[Phone], preset: Preset,
                   frames: int, words: Sequence[Word] | None = None, transcript: str = "") -> Counter[str]:
    """Count the reference bilabials the animated ``phones`` show open (what the ``closure``
    metric misses) by why: ``merged by the frame rules`` (a recognized m, b or p within a frame
    of it, lost to the minimum hold or the joining of short shapes), ``heard as X`` (another
    consonant recognized over it), or ``dropped`` (only vowels, or nothing, recognized over it).
    With the recognized ``words``, each cause is also counted as ``CAUSE, in a misheard word``
    when no word recognized over the bilabial is one of the ``transcript``'s words."""
    counts: Counter[str] = Counter()
    cues = _cue_segments(phones, preset, frames)
    known = {token.strip(".,;:!?\"'").lower() for token in transcript.split()}
    for start, end in missed_closures(reference, cues, FPS, reference_phoneset=phoneset):
        near = [p for p in phones if p.end > start - 1 / FPS and p.start < end + 1 / FPS]
        over = sorted((p for p in phones if p.end > start and p.start < end and not is_vowel(p.symbol)),
                      key=lambda p: min(p.end, end) - max(p.start, start), reverse=True)
        if any(viseme_class(p.symbol) == "bilabial" for p in near):
            cause = "merged by the frame rules"
        elif over:
            cause = f"heard as {over[0].symbol}"
        else:
            cause = "dropped"
        counts[cause] += 1
        heard = [w.text.lower() for w in words or () if w.end > start and w.start < end]
        if words is not None and not any(word in known for word in heard):
            counts[f"{cause}, in a misheard word"] += 1
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("manifest", type=Path)
    parser.add_argument("--sheets", type=Path, help="a folder of lipsync sheets <utt>.json to animate again")
    parser.add_argument("--preset", default="rhubarb")
    parser.add_argument("--timing", action="append", default=[], metavar="KEY=VALUE",
                        help="a preset timing value (repeatable), e.g. --timing hold_gap=0.08")
    parser.add_argument("--breakdown", action="store_true", help="sort the wrong frames by cause")
    parser.add_argument("--halves", action="store_true", help="also score each half of the speakers")
    parser.add_argument("--reference-edges", action="store_true",
                        help="with --sheets: also score the sheets with the reference's starts and ends of speech")
    parser.add_argument("--rest-frames", action="store_true",
                        help="list each frame wrong on resting, with the labels and phones around it")
    parser.add_argument("--verbose", action="store_true", help="print the per-file table")
    args = parser.parse_args()
    preset = load_preset(args.preset)
    overrides = {}
    for item in args.timing:
        key, _, value = item.partition("=")
        current = getattr(preset.timing, key)
        overrides[key] = value if isinstance(current, str) or current is None else type(current)(value)
    if overrides:
        preset = preset.with_timing(**overrides)
    base = args.manifest.parent
    results: list[tuple[str, Scores | None]] = []
    edged: list[Scores] = []
    speakers: dict[str, str] = {}
    counts: Counter[str] = Counter()
    closures: Counter[str] = Counter()
    for row in _rows(args.manifest):
        found = _phones_of(row, base, args.sheets)
        if found is None:
            continue
        phones, frames = found
        reference = read_timeline(base / row["tsv"])
        phoneset = phoneset_from_description(row.get("phoneset") or "")
        result = _cue_segments(phones, preset, frames)
        results.append((row["utt"], evaluate_timelines(reference, result, FPS, reference_phoneset=phoneset,
                                                        result_phoneset="auto")))
        speakers[row["utt"]] = row.get("speaker") or row["utt"]
        if args.reference_edges and args.sheets is not None:
            moved = with_reference_edges(phones, speech_stretches(reference, phoneset, preset.timing.relax_gap))
            edged.append(evaluate_timelines(reference, _cue_segments(moved, preset, frames), FPS,
                                            reference_phoneset=phoneset, result_phoneset="auto"))
        if args.breakdown and phoneset != "preston-blair":
            counts.update(breakdown(reference, phoneset, phones, preset, frames))
        if args.rest_frames and phoneset != "preston-blair":
            for line in rest_frames(reference, phoneset, phones, preset, frames):
                print(f"{row['utt']}  {line}")
        if args.breakdown:
            closures.update(closure_misses(reference, phoneset, phones, preset, frames,
                                           _words_of(row, args.sheets), row.get("text") or ""))
    total = combine_scores(scores for _, scores in results if scores is not None)
    print(format_report(results, total, per_file=args.verbose))
    if args.halves:
        ordered = sorted(set(speakers.values()))
        for half, chosen in (("A", set(ordered[0::2])), ("B", set(ordered[1::2]))):
            part = combine_scores(scores for utt, scores in results if scores is not None and speakers[utt] in chosen)
            print(f"half {half} ({len(chosen)} speakers): acc3 {part.acc3:.3f} acc9 {part.acc9:.3f} "
                  f"rest {part.rest:.3f} closure {part.closure:.3f}")
    if edged:
        part = combine_scores(edged)
        print(f"with the reference's starts and ends of speech: acc3 {part.acc3:.3f} acc9 {part.acc9:.3f} "
              f"rest {part.rest:.4f} closure {part.closure:.3f}")
    if args.breakdown:
        frames = counts.pop("frames")
        print(f"\nwrong frames (openness) out of {frames} phone-labelled frames:")
        for key, count in sorted(counts.items(), key=lambda item: (not item[0].startswith("wrong"), -item[1])):
            if (key.startswith("wrong") or count >= 6) and not key.startswith("rest: "):
                print(f"  {count:5d}  {count / frames:.3%}  {key}")
        print("\nresting and talking wrong, by where:")
        for key, count in sorted(counts.items(), key=lambda item: -item[1]):
            if key.startswith("rest: "):
                print(f"  {count:5d}  {count / frames:.3%}  {key[6:]}")
        print(f"\nmissed closures, {sum(n for key, n in closures.items() if ',' not in key)} "
              f"of {total.closures} reference bilabials:")
        for key, count in sorted(closures.items(), key=lambda item: (-item[1], item[0])):
            if "," not in key:
                misheard = f" ({closures[key + ', in a misheard word']} in a misheard word)" if args.sheets else ""
                print(f"  {count:5d}  {key}{misheard}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
