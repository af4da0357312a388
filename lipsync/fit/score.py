"""Dub fit: pair the dub's lines with the picture's, score each pair, and search for the shift
and time-stretch that fit the dub best. Pure functions over :class:`MouthTimeline` values.

The fit score
-------------
What a viewer notices: how well the flaps agree once the dub is put where it fits best, minus
what that takes. Both timelines are sampled per frame as openness ``o(t)`` (picture) and ``d(t)``
(dub): 0 closed, 1 half, 2 open. A pair is compared over the union of both lines' speech plus a
margin; outside its own line each side counts as closed (a neighbouring line never counts against
this one), and frames where the picture shows no mouth (empty XDTS cells) are left out.

1. **Best fit.** The search below finds the best shift, and the best stretch plus shift. Each fit,
   and the dub as it stands (no timing cost), is scored as ``fidelity - timing_cost``; the line's
   score is the best of the three (at least 0): a far shift the search prefers by a point of
   agreement never scores the dub under its fit as it stands.
2. **Fidelity** (0-100) ``= agreement_share * agreement + (1 - agreement_share) * 100 * edges``
   (share 0.5), after the fit:

   * *agreement*: matching picture frame ``i`` with dub frame ``j`` costs::

         cost(i, j) = weight(i, j) * |o(i) - d(j)| / 2  +  warp_cost * |i - j|
         weight(i, j) = 1 + closure_weight * [exactly one of o(i), d(j) is closed]
                          + edge_weight * [i is a flap edge of o, or j of d]

     (a flap edge: the mouth opens from closed or closes; defaults closure 1, edge 2), along the
     cheapest monotonic path that never strays more than ``tolerance_seconds`` (1/24 s: one
     frame at 24 fps; at least one frame at any rate) from the same time. ``agreement = 1 - path cost / sum over speech frames of (1 + closure_weight +
     edge_weight * [edge])``, chance-corrected: ``100 * max(0, (agreement - E) / (1 - E))`` with
     ``E`` the mean agreement of the picture with the dub rotated by 8 offsets spread over the
     middle half of the window (0: no better than an unrelated line).
   * *edges*: the share of flap edges of both sides (openings and closings) with a partner of the
     same kind on the other side within ``edge_reach_seconds`` (2/24 s: two frames at 24 fps),
     see :func:`edge_match`. An
     added or dropped word leaves flaps without a partner, which no global fix repairs.
3. **Timing cost** (:func:`timing_cost`), judged by the time the dub must move, whatever the
   frame rate: nothing for a shift of up to ``shift_free_seconds`` (45 ms, under what a viewer
   detects, ITU-R BT.1359: one frame at 24 fps); a longer one costs ``shift_cost_base`` (4) once
   plus ``shift_cost_per_second`` (72: 3 points a frame at 24 fps) up to the knee, and
   ``beyond_knee_cost_per_second`` (528: 22 a frame at 24 fps) beyond it. The knee is where
   BT.1359 puts the limit of acceptability: a voice late by ``late_knee_seconds`` (167 ms, 4
   frames at 24 fps; 185 ms is unacceptable), or early by ``early_knee_seconds`` (83 ms, 2
   frames; 90 ms is unacceptable): at 24 fps 4 frames late costs 16 and 5 late 38, 2 early 10
   and 3 early 32; 100 ms late costs 11.2 at 60 fps (6 frames), 250 ms late 60 at 12 fps (3
   frames). Plus ``stretch_cost`` (1) point per percent of stretch beyond ``stretch_free``
   (5 %). A shift is fixable but seen; a speed change is fixed by a stretch and costs little.
   With the default ``threshold`` (70) a voice more than about 193 ms late, or more than about
   121 ms early (5 or more frames late, 3 or more early at 24 fps), is flagged even where its
   flaps agree perfectly, and so are flaps that disagree as much (fidelity under 70) at the
   right time. The tolerances in time apply to whole frames (:func:`frames_within`); the window
   ``margin``, ``line_slack`` and the search's ``max_shift`` are in frames.

Calibrated on generated speech analyzed as ``lipsync fit`` analyzes voice tracks (three
alignment passes, compared on ones; ``python benchmarks/fit.py --speech``: ten lines in three
voices; six lines in two voices for calibration, the rest held out). Means: re-spoken 5-8 %
slower or faster 90.7-93.5, 2-4 frames early or late 80.7-88.5, a word dropped 78.2 or added
66.4, a different line of about the same length 28.0. Within one line the ranks speed > shift >
edited > different hold for 81 % of the pairs (84 % held out). Single lines swap neighbouring
ranks where a short word added or dropped leaves the flaps within a frame of the original's
(``the``, a final ``us``: the flaps do fit), or where re-spoken speech is analyzed differently.
(Those means are under the earlier timing cost, 4 + 3.5 per frame for early and late alike;
the fidelities are unchanged, and the verdict's threshold and knees now follow BT.1359:
``benchmarks/fit.py --speech`` prints how often each variant is flagged now and before.)

Suggestions
-----------
``suggested_shift``: the shift ``s`` (frames, + later) of the dub within ``±max_shift`` that
maximises the exact (untolerant) weighted agreement ``sum(weight * agree) / sum(weight)`` with
``agree = 1 - |o - d| / 2`` frame by frame (0-100), less ``shift_prior_per_second`` (24: 1 a
frame at 24 fps) per second of shift: flaps repeat, and a shift must agree clearly better to be
chosen over a smaller one.
``suggested_stretch``: the factor ``f`` in ``[stretch_min, stretch_max]`` (step ``stretch_step``;
> 1 makes the dub longer, i.e. slower) by which the dub, time-stretched from its first open frame
and then shifted by ``stretch_shift``, agrees best, searched within ``stretch_window`` (0.03) of
the ratio of the two lines' speech lengths (first to last open frame): the flaps' start and end
set the stretch, the flaps between refine it. Ties go to the smaller change. Both are
searched at once, vectorised over (factors x shifts x frames); the scores after each suggestion
are the fidelities of those fits (the moved dub would need no further shift).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from .timeline import HIDDEN, NOT_FOUND, MouthTimeline, flap_count, runs, speech_extent, speech_segments

#: Mismatch kinds: the dub's mouth would be closed on an open picture mouth, or the reverse.
DUB_CLOSED = "dub_closed"
DUB_OPEN = "dub_open"


@dataclass(frozen=True)
class FitSettings:
    """How pairs are scored, searched and flagged (see the module docstring)."""

    threshold: float = 70.0
    #: shifts searched, in frames either way (``--max-shift``)
    max_shift: int = 12
    stretch_min: float = 0.8
    stretch_max: float = 1.25
    stretch_step: float = 0.01
    #: the stretch is searched within this distance of the ratio of the lines' speech lengths
    stretch_window: float = 0.03
    closure_weight: float = 1.0
    edge_weight: float = 2.0
    #: the agreement's path strays at most this long from the same time (one frame at 24 fps;
    #: whole frames at the report's rate, at least one: :meth:`tolerance_frames`)
    tolerance_seconds: float = 1 / 24
    warp_cost: float = 0.05
    #: share of the openness agreement in the fidelity; the rest is flap edges matched
    agreement_share: float = 0.5
    #: flap edges (openings, closings) of both sides match within this long (two frames at 24 fps)
    edge_reach_seconds: float = 2 / 24
    #: points lost per second of shift the fit needs (3 a frame at 24 fps), up to the knee:
    #: ``late_knee_seconds`` when the dub's voice is late, ``early_knee_seconds`` when it is
    #: early; ``beyond_knee_cost_per_second`` beyond (22 a frame at 24 fps). ITU-R BT.1359: a
    #: voice late by more than about 185 ms, or early by more than about 90 ms, is
    #: unacceptable; the knees are 4 and 2 frames at 24 fps, 167 and 83 ms
    shift_cost_per_second: float = 72.0
    #: shifts up to this long cost nothing (BT.1359: a voice early by less than about 45 ms is
    #: not detected; one frame at 24 or 23.976 fps); a longer one costs ``shift_cost_base`` more, once
    shift_free_seconds: float = 0.045
    shift_cost_base: float = 4.0
    late_knee_seconds: float = 4 / 24
    early_knee_seconds: float = 2 / 24
    beyond_knee_cost_per_second: float = 528.0
    #: points lost per percent of stretch the fit needs beyond ``stretch_free`` percent
    stretch_cost: float = 1.0
    stretch_free: float = 5.0
    #: frames of closed mouth around a pair's speech in its window
    margin: int = 2
    #: points of exact agreement a shift (or a stretch's shift) must gain per second it moves
    #: the dub (1 a frame at 24 fps) to be chosen over a smaller one: flaps repeat, and a far
    #: shift that agrees a point better by chance cost a re-spoken take 200 points (chosen on six
    #: languages' takes in four voices, where it makes fit agree with itself across voices most
    #: while 5-frame-late voices stay flagged: ``benchmarks/adapt.py``, ``benchmarks/fit.py --speech``)
    shift_prior_per_second: float = 24.0
    #: closures at least this long (seconds) end a speech segment when lines are not known
    segment_gap: float = 0.35
    #: line spans are widened by this many frames when looking for their speech
    line_slack: int = 3
    #: dub lines (or speech) with no original line do not fail the check wherever they fall
    #: (``--allow-added-lines``: deliberate off-screen lines the original does not mark as off
    #: screen, see :func:`picture_under`); they are still listed as unpaired
    allow_added_lines: bool = False

    def tolerance_frames(self, fps: float) -> int:
        """The agreement's tolerance in whole frames at ``fps``: ``tolerance_seconds``, and at
        least one frame unless it is 0 (two analyses sampled at any rate differ by a frame where
        a sound falls between frames; at 12 fps 1/24 s holds no whole frame)."""
        frames = frames_within(self.tolerance_seconds, fps)
        return max(frames, 1) if self.tolerance_seconds > 0 else 0

    def factors(self) -> np.ndarray:
        """The stretch factors searched; always includes 1.0."""
        count = int(round((self.stretch_max - self.stretch_min) / self.stretch_step)) + 1
        grid = np.round(self.stretch_min + self.stretch_step * np.arange(count), 6)
        return np.unique(np.concatenate([grid, [1.0]]))


def frames_within(seconds: float, fps: float) -> int:
    """The whole frames at ``fps`` within ``seconds`` (a hundredth of a frame over still counts,
    so a frame at 23.976 fps is within 1/24 s): how a tolerance in time applies to frames.

    >>> [frames_within(2 / 24, fps) for fps in (24, 24000 / 1001, 25, 30, 60, 12)]
    [2, 2, 2, 2, 5, 1]
    """
    return int(math.floor(seconds * float(fps) + 0.01))


@dataclass(frozen=True)
class Span:
    """One side of a pair: a dialogue line (``index`` into its track's lines) or a speech
    segment (``index`` None), its frames on the sheet, its text, and where its speech is.
    ``script``: None, or what became of the line's script when the recording does not say it as
    written (``not found``: its mouths are those recognized without the script; ``uncertain``)."""

    track: str
    frame: int
    length: int
    text: str | None = None
    index: int | None = None
    speech: tuple[int, int] | None = None
    script: str | None = None

    @property
    def end(self) -> int:
        return self.frame + self.length


@dataclass(frozen=True)
class Mismatch:
    """``length`` frames from ``frame`` where the dub's mouth is closed on an open picture mouth
    (``dub_closed``) or open on a closed one (``dub_open``)."""

    frame: int
    length: int
    kind: str


@dataclass(frozen=True)
class LineFit:
    """The fit of one dub line against one original line. Frames are on the report's rate."""

    original: Span
    dub: Span
    score: float
    flagged: bool
    start_offset: int  # dub's first open frame minus the picture's; + means the dub is late
    end_offset: int
    flaps_original: int
    flaps_dub: int
    mismatches: tuple[Mismatch, ...]
    shift: int
    score_after_shift: float
    stretch: float
    stretch_shift: int
    score_after_stretch: float
    window: tuple[int, int]  # frames shown in reports
    fidelity: float = 0.0     # how well the flaps agree after the fit the score uses (0-100)
    timing_cost: float = 0.0  # points lost for the shift and stretch that fit needs
    edges_matched: float = 0.0  # share of flap edges matched after that fit (0-1)
    openness_original: str = ""  # one digit per window frame, '-' where no mouth is shown
    openness_dub: str = ""
    advice: str = ""  # what to do, in words (see advice())

    @property
    def off_script(self) -> bool:
        """Whether a side's recording does not say this line as its script has it (the score is
        of what it says)."""
        return self.original.script is not None or self.dub.script is not None


@dataclass(frozen=True)
class Unpaired:
    """A line or speech segment of one side (``original`` or ``dub``) with no partner.

    ``fails``: whether a viewer sees it, so that it fails the check: the picture's mouth moving
    with no dub voice, or a dub voice where the picture shows the character's mouth (or where
    the original has no picture to tell), unless added lines are allowed
    (:attr:`FitSettings.allow_added_lines`). Off screen (empty cells only), or where neither a
    mouth moves nor a voice speaks, nothing is seen."""

    side: str
    span: Span
    reason: str
    fails: bool = False


@dataclass(frozen=True)
class TrackFit:
    """Pairs and leftovers of one original track against one dub track."""

    original: str
    dub: str
    pairing: str  # "lines", "lines+segments" or "segments"
    lines: tuple[LineFit, ...]
    unpaired: tuple[Unpaired, ...]


@dataclass(frozen=True)
class _Pair:
    original: Span
    dub: Span


def _frames_text(count: int) -> str:
    return f"{abs(count)} frame{'s' if abs(count) != 1 else ''}"


def script_note(line: LineFit) -> str:
    """What the score of a line rests on when a side does not say its script line as written
    (empty when both do, or have no script)."""
    notes = []
    for side, span in (("original", line.original), ("dub", line.dub)):
        if span.script == NOT_FOUND:
            notes.append(f"the {side} does not say its script line here: scored on what it says")
        elif span.script is not None:
            notes.append(f"the {side} may not say its script line here ({span.script}): listen to it")
    return "; ".join(notes)


def advice(line: LineFit, settings: FitSettings) -> str:
    """A one-line suggestion for a line: fits, shift, stretch, search farther, or
    rewrite/re-animate, after what the score rests on when a side does not say its script line
    (:func:`script_note`)."""
    note = script_note(line)
    text = _timing_advice(line, settings)
    return f"{note}; {text}" if note else text


def _timing_advice(line: LineFit, settings: FitSettings) -> str:
    """fits, shift, stretch, search farther, or rewrite/re-animate. "fits" only for a line that
    passes as it stands; a passing line that fits better moved says so; a flagged line whose
    speech starts farther from the picture's than the search reaches, and that no fit within
    it passes, says so."""
    threshold = settings.threshold
    if not line.flagged:
        if line.timing_cost > 0 and line.shift and line.score_after_shift > line.score:
            way = "later" if line.shift > 0 else "earlier"
            return f"passes; better moved {_frames_text(line.shift)} {way} (score {line.score_after_shift:.0f})"
        return "fits"
    if abs(line.start_offset) > settings.max_shift and max(line.score_after_shift, line.score_after_stretch) < threshold:
        way = "late" if line.start_offset > 0 else "early"
        return (f"the dub starts {_frames_text(line.start_offset)} {way}, beyond the {settings.max_shift} frames "
                f"searched either way: search with --max-shift {abs(line.start_offset)} or more")
    if line.shift and line.score_after_shift >= line.score_after_stretch - 0.5 and \
            line.score_after_shift > line.score:
        way = "later" if line.shift > 0 else "earlier"
        text = f"move the dub {_frames_text(line.shift)} {way} (score {line.score_after_shift:.0f})"
    elif line.stretch != 1.0 and line.score_after_stretch > line.score:
        speed = "slower" if line.stretch > 1 else "faster"
        percent = abs(line.stretch - 1) * 100
        text = f"stretch the dub x{line.stretch:.2f} ({percent:.0f} % {speed})"
        if line.stretch_shift:
            way = "later" if line.stretch_shift > 0 else "earlier"
            text += f" and move it {_frames_text(line.stretch_shift)} {way}"
        text += f" (score {line.score_after_stretch:.0f})"
    else:
        return "no shift or stretch helps: rewrite the line or re-animate the mouths"
    if max(line.score_after_shift, line.score_after_stretch) < threshold:
        text += "; still under the threshold: rewrite the line or re-animate the mouths"
    return text


# --------------------------------------------------------------------------- pairing

def line_spans(timeline: MouthTimeline, slack: int) -> list[Span]:
    """Each dialogue line of the timeline with its speech extent (None when it is all closed).

    The extent is searched in the line's frames widened by ``slack`` (the mouth leads the sound),
    but never into the neighbouring lines.
    """
    lines = sorted(timeline.lines, key=lambda line: (line.frame, line.length))
    spans = []
    for index, line in enumerate(lines):
        low = line.frame - slack
        high = line.frame + line.length + slack
        if index > 0:
            low = max(low, min(line.frame, lines[index - 1].frame + lines[index - 1].length))
        if index + 1 < len(lines):
            high = min(high, max(line.frame + line.length, lines[index + 1].frame))
        extent = speech_extent(timeline.openness, low, high)
        spans.append(Span(timeline.name, line.frame, line.length, line.text, index, extent,
                          timeline.off_script.get(line)))
    return spans


def unplaced_spans(timeline: MouthTimeline) -> list[Span]:
    """The lines not found in the recording that have no time of their own (see
    :attr:`MouthTimeline.off_script`), as spans at the time they were searched for."""
    return [Span(timeline.name, line.frame, line.length, line.text, None, None, status)
            for line, status in timeline.off_script.items() if line not in timeline.lines]


def segment_spans(timeline: MouthTimeline, min_gap: int) -> list[Span]:
    """The timeline's speech segments as spans (no text, no line index)."""
    return [Span(timeline.name, start, end - start, None, None, (start, end))
            for start, end in speech_segments(timeline.openness, min_gap)]


def _reach(span: Span) -> tuple[int, int]:
    return span.speech if span.speech is not None else (span.frame, span.end)


#: What the picture shows under a dub voice that has no original line (:func:`picture_under`).
SHOWN, OFF_SCREEN, NO_PICTURE = "shown", "off screen", "no picture"


def picture_under(openness: np.ndarray, speech: tuple[int, int], tolerance: int) -> str:
    """What the picture (``openness``, :data:`HIDDEN` where no mouth is shown) shows during the
    frames ``speech`` of a dub voice: ``off screen`` when the mouth is hidden (empty cells) on
    all but ``tolerance`` of them (a cut or an exit a frame off the voice is not seen), ``no
    picture`` when more than ``tolerance`` of them, or all those not hidden, fall after the
    picture's last frame, else ``shown`` (the mouth is on screen, or, for an original voice
    track, which hides nothing, the original is silent or speaks there).

    >>> picture = np.array([0, -1, -1, -1, 0, 0])
    >>> [picture_under(picture, speech, 1) for speech in ((1, 4), (1, 5), (0, 6), (5, 9), (5, 7), (6, 8))]
    ['off screen', 'off screen', 'shown', 'no picture', 'no picture', 'no picture']
    """
    start, end = speech
    length = int(openness.shape[0])
    shown = int(np.count_nonzero(openness[min(start, length):min(end, length)] >= 0))
    beyond = max(0, end - max(start, length))
    hidden = (end - start) - shown - beyond
    if shown > tolerance or not (hidden or beyond):
        return SHOWN
    if beyond > tolerance or not hidden:
        return NO_PICTURE
    return OFF_SCREEN


def _lone_original(span: Span, reason: str) -> Unpaired:
    """An original line or flaps with no dub partner: failing where the picture's mouth opens in
    it (a viewer sees a mouth move with no voice); a closed or hidden mouth shows nothing."""
    return Unpaired("original", span, reason, fails=span.speech is not None)


def _lone_dub(original: MouthTimeline, span: Span, reason: str, settings: FitSettings) -> Unpaired:
    """A dub line or speech with no original partner, the reason saying what the picture shows
    under its voice (:func:`picture_under`): failing unless it is silent, off screen, or added
    lines are allowed."""
    if span.speech is None:
        return Unpaired("dub", span, reason)
    shown = picture_under(original.openness, span.speech, settings.tolerance_frames(float(original.rate)))
    if shown == SHOWN:
        still = speech_extent(original.openness, *span.speech) is None
        note = "a voice over the picture's still mouth" if still else \
            "a voice over flaps of the picture that no original line goes with"
    elif shown == NO_PICTURE:
        note = f"after the original's last frame ({original.duration_frames - 1}): what a viewer sees there is unknown"
    else:
        note = "off screen (empty cells): a voice over no mouth"
    return Unpaired("dub", span, f"{reason}; {note}", fails=shown != OFF_SCREEN and not settings.allow_added_lines)


def _closed_line_reason(original: MouthTimeline, span: Span) -> str:
    """Why an original line whose mouth never opens is not scored: its mouth is off screen, or
    shown closed (narration, a covered mouth: the original's own voice is over it too)."""
    frames = original.openness[max(0, span.frame):max(0, span.end)]
    if frames.size and bool(np.all(frames == HIDDEN)):
        return "the picture shows no mouth during this line (off screen)"
    return "the picture's mouth stays closed during this line"


def _overlap(a: Span, b: Span, tolerance: int) -> int:
    (a0, a1), (b0, b1) = _reach(a), _reach(b)
    return max(0, min(a1, b1) + tolerance - max(a0, b0))


def pair_lines(original: Sequence[Span], dub: Sequence[Span], tolerance: int
               ) -> tuple[list[_Pair], list[Span], list[Span]]:
    """One-to-one, in-order pairing of lines that overlap in time (within ``tolerance`` frames),
    maximising the total overlap (dynamic programming). Returns pairs and the leftovers."""
    n, m = len(original), len(dub)
    weight = np.zeros((n, m), dtype=np.int64)
    for i, a in enumerate(original):
        for j, b in enumerate(dub):
            weight[i, j] = _overlap(a, b, tolerance)
    best = np.zeros((n + 1, m + 1), dtype=np.int64)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            take = best[i - 1, j - 1] + weight[i - 1, j - 1] if weight[i - 1, j - 1] > 0 else -1
            best[i, j] = max(best[i - 1, j], best[i, j - 1], take)
    pairs: list[_Pair] = []
    i, j = n, m
    while i > 0 and j > 0:
        if weight[i - 1, j - 1] > 0 and best[i, j] == best[i - 1, j - 1] + weight[i - 1, j - 1]:
            pairs.append(_Pair(original[i - 1], dub[j - 1]))
            i, j = i - 1, j - 1
        elif best[i, j] == best[i - 1, j]:
            i -= 1
        else:
            j -= 1
    pairs.reverse()
    used_o = {id(p.original) for p in pairs}
    used_d = {id(p.dub) for p in pairs}
    return (pairs, [s for s in original if id(s) not in used_o], [s for s in dub if id(s) not in used_d])


def _union(spans: Sequence[Span], like: Span | None = None) -> Span:
    start = min(s.frame for s in spans)
    end = max(s.end for s in spans)
    speech = [s.speech for s in spans if s.speech is not None]
    extent = (min(a for a, _ in speech), max(b for _, b in speech)) if speech else None
    if like is not None:
        return Span(like.track, like.frame, like.length, like.text, like.index, extent, like.script)
    return Span(spans[0].track, start, end - start, None, None, extent)


def pair_lines_with_segments(lines: Sequence[Span], segments: Sequence[Span], tolerance: int
                             ) -> tuple[list[tuple[Span, Span]], list[Span], list[Span]]:
    """Lines of one side against speech segments of the other: each segment joins the line it
    overlaps most; a line's partner is the union of its segments. Returns (line, partner)
    pairs, lines without speech opposite, and segments outside every line."""
    groups: dict[int, list[Span]] = {}
    loose = []
    for segment in segments:
        scores = [_overlap(line, segment, tolerance) for line in lines]
        if scores and max(scores) > 0:
            groups.setdefault(int(np.argmax(scores)), []).append(segment)
        else:
            loose.append(segment)
    pairs = [(lines[i], _union(groups[i])) for i in sorted(groups)]
    alone = [line for i, line in enumerate(lines) if i not in groups]
    return pairs, alone, loose


def pair_segments(original: Sequence[Span], dub: Sequence[Span], tolerance: int
                  ) -> tuple[list[_Pair], list[Span], list[Span]]:
    """Speech segments of both sides, joined into pairs where they overlap in time (within
    ``tolerance`` frames): chains of overlapping segments become one pair, so a line said in
    two breaths against one in one breath is still one pair."""
    items = sorted([(s.frame, s.end, 0, s) for s in original] + [(s.frame, s.end, 1, s) for s in dub],
                   key=lambda item: (item[0], item[1], item[2]))
    groups: list[list[tuple[int, Span]]] = []
    reach = None
    for start, end, side, span in items:
        if groups and reach is not None and start < reach + tolerance:
            groups[-1].append((side, span))
            reach = max(reach, end)
        else:
            groups.append([(side, span)])
            reach = end
    pairs, lone_o, lone_d = [], [], []
    for group in groups:
        o = [span for side, span in group if side == 0]
        d = [span for side, span in group if side == 1]
        if o and d:
            pairs.append(_Pair(_union(o), _union(d)))
        else:
            lone_o.extend(o)
            lone_d.extend(d)
    return pairs, lone_o, lone_d


# --------------------------------------------------------------------------- scoring

def frame_scores(o: np.ndarray, d: np.ndarray, o_prev: np.ndarray, d_prev: np.ndarray,
                 valid: np.ndarray, settings: FitSettings) -> np.ndarray:
    """The exact weighted agreement (0-100) of openness rows ``d`` against ``o`` over the
    ``valid`` frames, frame by frame without tolerance: the objective of the shift and stretch
    search. ``o_prev`` / ``d_prev`` are the values one frame earlier (for flap edges). Leading
    dimensions broadcast (a whole grid of shifted or stretched dubs at once); the last axis is
    frames. NaN where no frame is valid.
    """
    o = o.astype(np.int8, copy=False)
    d = d.astype(np.int8, copy=False)
    agree = 1.0 - np.abs(o - d) / 2.0
    edge = ((o > 0) != (o_prev > 0)) | ((d > 0) != (d_prev > 0))
    weight = 1.0 + settings.closure_weight * ((o == 0) ^ (d == 0)) + settings.edge_weight * edge
    weight = weight * valid
    total = weight.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, 100.0 * (weight * agree).sum(axis=-1) / total, np.nan)


def _edges(rows: np.ndarray) -> np.ndarray:
    """Flap edges of each row (the frame before the first counts as closed)."""
    speaking = rows > 0
    previous = np.concatenate([np.zeros(rows.shape[:-1] + (1,), dtype=bool), speaking[..., :-1]], axis=-1)
    return speaking != previous


def agreements(o_rows: np.ndarray, d_rows: np.ndarray, lengths: np.ndarray,
               settings: FitSettings, fps: float) -> np.ndarray:
    """Tolerant agreement (step 2 of the fit score, 0-1) of many (picture, dub) rows at once.

    ``o_rows`` and ``d_rows`` are (rows, frames) openness arrays padded to one width; row ``r``
    uses its first ``lengths[r]`` frames. One dynamic-programming pass over the frames, banded
    to ``±tolerance_seconds`` (:meth:`FitSettings.tolerance_frames` at ``fps``), vectorised over
    the rows. NaN for a row without speech frames.
    """
    rows, width = o_rows.shape
    band = settings.tolerance_frames(fps)
    k_count = 2 * band + 1
    o = o_rows.astype(np.int16)
    d = d_rows.astype(np.int16)
    hidden = o < 0
    o = np.where(hidden, 0, o)
    eo, ed = _edges(o), _edges(d)
    inside = np.arange(width)[None, :] < lengths[:, None]
    speech = inside & ~hidden & ((o > 0) | (d > 0) | eo | ed)
    norm = ((1.0 + settings.closure_weight + settings.edge_weight * (eo | ed)) * speech).sum(axis=1)
    # Padding: d gets `band` closed frames either side so every banded cell can be gathered.
    d_pad = np.pad(d, ((0, 0), (band, band)))
    ed_pad = np.pad(ed, ((0, 0), (band, band)))
    offsets = np.arange(k_count) - band                                      # j - i
    warp = settings.warp_cost * np.abs(offsets)[None, :]
    inf = np.inf
    previous = np.full((rows, k_count), inf)
    previous[:, band] = 0.0                                                 # cell (0, 0)
    result = np.full(rows, np.nan)
    for i in range(1, width + 1):
        j = i + offsets                                                     # 1-based dub frames
        oi = o[:, i - 1][:, None]
        dj = d_pad[:, i - 1 + offsets + band]                               # d[j - 1]
        edge = eo[:, i - 1][:, None] | ed_pad[:, i - 1 + offsets + band]
        weight = 1.0 + settings.closure_weight * ((oi == 0) != (dj == 0)) + settings.edge_weight * edge
        cost = weight * np.abs(oi - dj) / 2.0 + warp
        cost = np.where(hidden[:, i - 1][:, None], 0.0, cost)
        valid = (j[None, :] >= 1) & (j[None, :] <= lengths[:, None])
        current = np.full((rows, k_count), inf)
        # from (i-1, j-1): same offset; from (i-1, j): offset + 1
        best = previous.copy()
        best[:, :-1] = np.minimum(best[:, :-1], previous[:, 1:])
        for k in range(k_count):
            candidate = best[:, k]
            if k > 0:
                candidate = np.minimum(candidate, current[:, k - 1])       # from (i, j-1)
            current[:, k] = np.where(valid[:, k], cost[:, k] + candidate, inf)
        done = lengths == i
        if np.any(done):
            result[done] = current[done, band]
        previous = current
    with np.errstate(invalid="ignore", divide="ignore"):
        agreement = np.where(norm > 0, 1.0 - result / norm, np.nan)
    return np.clip(agreement, 0.0, 1.0, where=~np.isnan(agreement), out=agreement)


_CHANCE_OFFSETS = 8


def _chance_rows(o: np.ndarray, d: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (picture, rotated dub) rows whose mean agreement is the chance level."""
    n = len(d)
    lags = np.unique(np.linspace(n // 4, (3 * n) // 4, _CHANCE_OFFSETS).astype(int))
    lags = lags[(lags > 0) & (lags < n)]
    return [(o, np.roll(d, int(lag))) for lag in lags]


def _edge_frames(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Frames on which the mouth opens from closed, and on which it closes (hidden = closed)."""
    speaking = np.concatenate(([False], np.asarray(values) > 0, [False]))
    change = np.flatnonzero(speaking[1:] != speaking[:-1])
    return change[0::2], change[1::2]


def _matched(a: np.ndarray, b: np.ndarray, reach: int) -> int:
    """How many of the sorted event frames ``a`` and ``b`` pair up one to one within ``reach``
    frames (greedy in time order, which is optimal for events on a line)."""
    i = j = count = 0
    while i < len(a) and j < len(b):
        if abs(int(a[i]) - int(b[j])) <= reach:
            count, i, j = count + 1, i + 1, j + 1
        elif a[i] < b[j]:
            i += 1
        else:
            j += 1
    return count


def edge_match(original: np.ndarray, dub: np.ndarray, reach: int = 2) -> float | None:
    """Share (0-1) of the flap edges of both sides (openings and closings) that have a partner of
    the same kind on the other side within ``reach`` frames: ``2 * matched / (edges_o + edges_d)``.
    None when neither side has an edge.

    >>> edge_match(np.array([0, 2, 2, 0, 0, 1, 0]), np.array([0, 0, 2, 2, 0, 0, 0]), reach=1)
    0.667
    """
    (oa, oc), (da, dc) = _edge_frames(original), _edge_frames(dub)
    total = len(oa) + len(oc) + len(da) + len(dc)
    if total == 0:
        return None
    return round(2 * (_matched(oa, da, reach) + _matched(oc, dc, reach)) / total, 3)


def agreement_scores(windows: Sequence[tuple[np.ndarray, np.ndarray]], settings: FitSettings,
                     fps: float) -> list[float | None]:
    """The chance-corrected tolerant agreement (0-100) of each (picture, dub) window pair at
    ``fps`` (steps 1-3 of the module docstring). None where a window has no speech."""
    if not windows:
        return []
    rows: list[tuple[np.ndarray, np.ndarray]] = []
    groups = []
    for o, d in windows:
        first = len(rows)
        rows.append((o, d))
        rows.extend(_chance_rows(o, d))
        groups.append((first, len(rows)))
    width = max(len(o) for o, _ in rows)
    o_rows = np.zeros((len(rows), width), dtype=np.int8)
    d_rows = np.zeros((len(rows), width), dtype=np.int8)
    lengths = np.zeros(len(rows), dtype=np.int64)
    for index, (o, d) in enumerate(rows):
        o_rows[index, :len(o)] = o
        d_rows[index, :len(d)] = d
        lengths[index] = len(o)
    values = agreements(o_rows, d_rows, lengths, settings, fps)
    scores: list[float | None] = []
    for first, end in groups:
        agreement = values[first]
        chance = values[first + 1:end]
        chance = chance[~np.isnan(chance)]
        if np.isnan(agreement):
            scores.append(None)
            continue
        level = float(chance.mean()) if chance.size else 0.0
        if level >= 1.0 - 1e-9:
            scores.append(100.0 if agreement >= 1.0 - 1e-9 else 0.0)
        else:
            scores.append(100.0 * max(0.0, (float(agreement) - level) / (1.0 - level)))
    return scores


def timing_cost(shift: int, stretch: float, settings: FitSettings, fps: float) -> float:
    """Points a line loses for the shift (frames at ``fps`` the dub must move, + later) and the
    stretch factor its best fit needs, the shift judged by its time. A dub that must move
    earlier has a late voice, which viewers forgive longer (``late_knee_seconds``) than an early
    one (``early_knee_seconds``).

    >>> [timing_cost(-frames, 1.0, FitSettings(), 24) for frames in (1, 2, 4, 5, 6)]  # voice late
    [0.0, 10.0, 16.0, 38.0, 60.0]
    >>> [timing_cost(frames, 1.0, FitSettings(), 24) for frames in (1, 2, 3)], timing_cost(0, 0.92, FitSettings(), 24)
    ([0.0, 10.0, 32.0], 3.0)
    >>> timing_cost(-6, 1.0, FitSettings(), 60), timing_cost(-3, 1.0, FitSettings(), 12)  # 100 and 250 ms late
    (11.2, 60.0)
    """
    delay = abs(int(shift)) / float(fps)
    knee = settings.late_knee_seconds if shift < 0 else settings.early_knee_seconds
    cost = 0.0
    if delay > settings.shift_free_seconds:
        cost = settings.shift_cost_base + settings.shift_cost_per_second * min(delay, knee) + \
            settings.beyond_knee_cost_per_second * max(0.0, delay - knee)
    percent = abs(float(stretch) - 1.0) * 100.0
    return round(cost + settings.stretch_cost * max(0.0, percent - settings.stretch_free), 6)


def fidelities(windows: Sequence[tuple[np.ndarray, np.ndarray]], settings: FitSettings, fps: float
               ) -> list[tuple[float, float] | None]:
    """(fidelity 0-100, share of flap edges matched 0-1) of each (picture, dub) window pair at
    ``fps``: ``agreement_share`` x the chance-corrected agreement + the rest x 100 x the edges
    matched. None where a window has no speech."""
    result: list[tuple[float, float] | None] = []
    reach = frames_within(settings.edge_reach_seconds, fps)
    for (o, d), agreement in zip(windows, agreement_scores(windows, settings, fps)):
        if agreement is None:
            result.append(None)
            continue
        edges = edge_match(np.where(o < 0, d, o), d, reach)  # hidden: no edge counts
        edges = 1.0 if edges is None else edges
        share = settings.agreement_share
        result.append((share * agreement + (1.0 - share) * 100.0 * edges, edges))
    return result


def fit_scores(windows: Sequence[tuple[np.ndarray, np.ndarray]], settings: FitSettings,
               fps: float) -> list[float | None]:
    """The fidelity (0-100) of each (picture, dub) window pair at ``fps`` as it stands, with no
    timing cost (the score of a line whose dub needs no shift or stretch). None where a window
    has no speech."""
    return [None if value is None else round(value[0], 1) for value in fidelities(windows, settings, fps)]


def score_openness(original: Sequence[int] | np.ndarray, dub: Sequence[int] | np.ndarray,
                   settings: FitSettings | None = None, fps: float = 24.0) -> float | None:
    """The fit score of two equally long openness sequences on the same frames at ``fps``
    (closed before them; -1 in ``original`` = no mouth shown). None if neither ever opens.

    >>> score_openness([0, 2, 2, 1, 1, 2, 0, 0], [0, 2, 2, 1, 1, 2, 0, 0])
    100.0
    >>> score_openness([0, 2, 2, 2, 2, 2, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0])
    0.0
    """
    o = np.asarray(original, dtype=np.int8)
    d = np.asarray(dub, dtype=np.int8)
    if o.shape != d.shape:
        raise ValueError("both sequences need the same length")
    return fit_scores([(o, d)], settings or FitSettings(), fps)[0]


def exact_agreement(original: Sequence[int] | np.ndarray, dub: Sequence[int] | np.ndarray,
                    settings: FitSettings | None = None) -> float:
    """The search objective: exact weighted agreement (0-100) of two equally long sequences.

    >>> exact_agreement([0, 0, 2, 2, 0, 0], [0, 0, 0, 2, 2, 0])
    50.0
    """
    o = np.asarray(original, dtype=np.int8)
    d = np.asarray(dub, dtype=np.int8)
    o_prev = np.maximum(np.concatenate(([0], o[:-1])), 0).astype(np.int8)
    d_prev = np.concatenate(([0], d[:-1])).astype(np.int8)
    return float(frame_scores(o, d, o_prev, d_prev, (o >= 0) & (d >= 0), settings or FitSettings()))


def _clip(values: np.ndarray, start: int, end: int, frames: np.ndarray) -> np.ndarray:
    """``values`` at ``frames``, closed (0) outside ``[start, end)`` except where hidden."""
    if values.shape[0] == 0:
        return np.zeros(frames.shape, dtype=np.int8)
    inside_array = (frames >= 0) & (frames < values.shape[0])
    taken = np.where(inside_array, values[np.clip(frames, 0, values.shape[0] - 1)], 0)
    in_span = (frames >= start) & (frames < end)
    return np.where(in_span, taken, np.where(taken == HIDDEN, HIDDEN, 0)).astype(np.int8)


def _placed(clip: np.ndarray, start: int, factor: float, frames: np.ndarray) -> np.ndarray:
    """The dub clip stretched by ``factor`` from its first frame and placed at ``start``."""
    length = max(1, int(round(len(clip) * factor)))
    position = frames - start
    inside = (position >= 0) & (position < length)
    source = np.clip(np.floor((position + 0.5) / factor).astype(np.int64), 0, len(clip) - 1)
    return np.where(inside, clip[source], 0).astype(np.int8)


def _mismatches(o: np.ndarray, d: np.ndarray, first: int) -> tuple[Mismatch, ...]:
    found = []
    for kind, mask in ((DUB_CLOSED, (o > 0) & (d == 0)), (DUB_OPEN, (o == 0) & (d > 0))):
        starts, ends = runs(mask)
        found += [Mismatch(first + int(a), int(b - a), kind) for a, b in zip(starts, ends)]
    return tuple(sorted(found, key=lambda m: m.frame))


def _digits(values: np.ndarray) -> str:
    return "".join("-" if v < 0 else str(int(v)) for v in values.tolist())


@dataclass(frozen=True, eq=False)
class _Search:
    """The best shift and stretch of one pair, and the windows to score."""

    shift: int
    stretch: float
    stretch_shift: int
    windows: tuple[tuple[np.ndarray, np.ndarray], ...]  # as is, shifted, stretched


def search(original: MouthTimeline, dub: MouthTimeline, speech_o: tuple[int, int],
           speech_d: tuple[int, int], settings: FitSettings) -> _Search:
    """Search the shift and stretch of the dub line that agree best with the picture's line."""
    (a0, a1), (b0, b1) = speech_o, speech_d
    length = b1 - b0
    # The stretch is sought near the ratio of the lines' speech lengths (first to last open
    # frame): fitting the flaps' start and end is what an editor does first; the grid refines it.
    # Only those factors and 1.0 (the shift search) are scored.
    ratio = min(max((a1 - a0) / max(length, 1), settings.stretch_min), settings.stretch_max)
    factors = settings.factors()
    near = np.abs(factors - ratio) <= settings.stretch_window + 1e-9
    scored = near | np.isclose(factors, 1.0)
    factors, near = factors[scored], near[scored]
    shifts = np.arange(-settings.max_shift, settings.max_shift + 1)
    stretched = np.maximum(1, np.round(length * factors).astype(np.int64))
    m = settings.margin
    g0 = min(a0, b0 - settings.max_shift) - m - 1
    g1 = max(a1, b0 + settings.max_shift + int(stretched.max())) + m
    frames = np.arange(g0, g1)
    o_all = _clip(original.openness, a0, a1, frames)
    clip = dub.openness[b0:b1]
    position = frames[None, None, :] - (b0 + shifts)[None, :, None]          # (1, S, N)
    inside = (position >= 0) & (position < stretched[:, None, None])        # (F, S, N)
    source = np.floor((position + 0.5) / factors[:, None, None]).astype(np.int64)
    d_all = np.where(inside, clip[np.clip(source, 0, length - 1)], 0).astype(np.int8)
    starts = np.minimum(a0, b0 + shifts)[None, :] - m                         # (1, S)
    ends = np.maximum(a1, b0 + shifts[None, :] + stretched[:, None]) + m      # (F, S)
    in_window = (frames[None, None, 1:] >= starts[:, :, None]) & (frames[None, None, 1:] < ends[:, :, None])
    o, o_prev = o_all[1:], np.maximum(o_all[:-1], 0)
    valid = in_window & (o >= 0)
    grid = np.nan_to_num(frame_scores(o, d_all[..., 1:], o_prev, d_all[..., :-1], valid, settings), nan=-1.0)
    penalty = settings.shift_prior_per_second / float(original.rate) * np.abs(shifts)[None, :] + \
        1e-6 * (np.abs(shifts)[None, :] + 100 * np.abs(factors - 1.0)[:, None])
    one = int(np.flatnonzero(np.isclose(factors, 1.0))[0])
    best_shift = int(shifts[int(np.argmax(grid[one] - penalty[one]))])
    f_index, s_index = np.unravel_index(int(np.argmax(np.where(near[:, None], grid - penalty, -np.inf))), grid.shape)
    factor, factor_shift = float(factors[f_index]), int(shifts[s_index])

    margin = settings.margin + settings.tolerance_frames(float(original.rate)) + 1

    def window(start: int, factor: float) -> tuple[np.ndarray, np.ndarray]:
        end = start + max(1, int(round(length * factor)))
        span = np.arange(min(a0, start) - margin, max(a1, end) + margin)
        return _clip(original.openness, a0, a1, span), _placed(clip, start, factor, span)

    return _Search(best_shift, round(factor, 2), factor_shift,
                   (window(b0, 1.0), window(b0 + best_shift, 1.0), window(b0 + factor_shift, factor)))


def _line_fit(original: MouthTimeline, dub: MouthTimeline, span_o: Span, span_d: Span,
              found: _Search, values: Sequence[tuple[float, float] | None], settings: FitSettings) -> LineFit:
    (a0, a1), (b0, b1) = span_o.speech, span_d.speech  # type: ignore[misc]
    as_is, by_shift, by_stretch = (v if v is not None else (0.0, 0.0) for v in values)
    # The score: the best of the dub as it stands and the two fits, each as its fidelity minus
    # what its timing costs (a far shift found by the search never scores under the dub unmoved).
    fps = float(original.rate)
    fits = [(as_is, 0.0), (by_shift, timing_cost(found.shift, 1.0, settings, fps)),
            (by_stretch, timing_cost(found.stretch_shift, found.stretch, settings, fps))]
    (fidelity, edges), cost = max(fits, key=lambda item: (item[0][0] - item[1], -item[1]))
    base = round(max(0.0, fidelity - cost), 1)
    after_shift, after_stretch = round(by_shift[0], 1), round(by_stretch[0], 1)
    lo = max(0, min(a0, b0) - 6)
    hi = max(a1, b1) + 6
    shown = np.arange(lo, hi)
    o_win = _clip(original.openness, a0, a1, shown)
    d_win = _clip(dub.openness, b0, b1, shown)
    line = LineFit(
        original=span_o, dub=span_d, score=base, flagged=bool(base < settings.threshold),
        start_offset=b0 - a0, end_offset=b1 - a1,
        flaps_original=flap_count(original.openness[a0:a1]), flaps_dub=flap_count(dub.openness[b0:b1]),
        mismatches=_mismatches(o_win, d_win, lo),
        shift=found.shift, score_after_shift=after_shift,
        stretch=found.stretch, stretch_shift=found.stretch_shift, score_after_stretch=after_stretch,
        window=(lo, hi), openness_original=_digits(o_win), openness_dub=_digits(d_win),
        fidelity=round(fidelity, 1), timing_cost=round(cost, 1), edges_matched=round(edges, 3),
    )
    return replace(line, advice=advice(line, settings))


def fit_pairs(pairs: Sequence[tuple[MouthTimeline, MouthTimeline, Span, Span]], settings: FitSettings = FitSettings()
              ) -> list[LineFit | Unpaired]:
    """Fit each given pair (original timeline, dub timeline, original span, dub span; both
    timelines on one frame rate, the same for every pair): its :class:`LineFit`, or why it
    cannot be scored as an :class:`Unpaired` item. All pairs are scored in one vectorised pass,
    so scoring many pairs at once is much faster than one by one."""
    if len({timeline.rate for pair in pairs for timeline in pair[:2]}) > 1:
        raise ValueError("convert every timeline to one frame rate first")
    found: list[LineFit | Unpaired | None] = []
    scorable: list[tuple[int, MouthTimeline, MouthTimeline, Span, Span, _Search]] = []
    for original, dub, span_o, span_d in pairs:
        if span_o.speech is None:
            found.append(Unpaired("original", span_o, _closed_line_reason(original, span_o)))
        elif span_d.speech is None:  # the picture's mouth moves with no voice
            found.append(Unpaired("dub", span_d, "the dub is silent during this line", fails=True))
        else:
            scorable.append((len(found), original, dub, span_o, span_d,
                             search(original, dub, span_o.speech, span_d.speech, settings)))
            found.append(None)
    fps = float(pairs[0][0].rate) if pairs else 24.0
    scores = fidelities([w for *_, searched in scorable for w in searched.windows], settings, fps)
    for index, (slot, original, dub, span_o, span_d, searched) in enumerate(scorable):
        three = scores[3 * index:3 * index + 3]
        if three[0] is None:
            found[slot] = Unpaired("original", span_o, "the picture shows no mouth during this line")
        else:
            found[slot] = _line_fit(original, dub, span_o, span_d, searched, three, settings)
    return [item for item in found if item is not None]


def _no_line_reason(other: MouthTimeline, span: Span, side: str) -> str:
    """Why a line has no partner line on the ``other`` side (called ``side``): none there, or
    none though that side speaks there (its speech is in no line of its script)."""
    if speech_extent(other.openness, *_reach(span)) is None:
        return f"no {side} line at this time"
    return f"no {side} line at this time, though the {side} speaks here (speech that is not in its script)"


def fit_tracks(original: MouthTimeline, dub: MouthTimeline, settings: FitSettings = FitSettings()) -> TrackFit:
    """Pair the lines (or speech segments) of one original and one dub track on the same frame
    rate, and fit each pair.

    Pairing: by dialogue lines when both tracks have them (in order, by overlap in time); when
    only one side has lines, the other side's speech segments are grouped under them; else
    speech segments of both sides, joined where they overlap.
    """
    if original.rate != dub.rate:
        raise ValueError("convert both timelines to one frame rate first")
    tolerance = max(1, round(float(original.rate) / 2))  # half a second
    min_gap = max(2, round(float(original.rate) * settings.segment_gap))
    unpaired: list[Unpaired] = []
    results: list[LineFit] = []
    pairs: list[tuple[Span, Span]] = []
    if original.lines and dub.lines:
        pairing = "lines"
        found, lone_o, lone_d = pair_lines(line_spans(original, settings.line_slack),
                                           line_spans(dub, settings.line_slack), tolerance)
        pairs = [(p.original, p.dub) for p in found]
        unpaired += [_lone_original(s, _no_line_reason(dub, s, "dub")) for s in lone_o]
        unpaired += [_lone_dub(original, s, _no_line_reason(original, s, "original"), settings) for s in lone_d]
    elif original.lines or dub.lines:
        pairing = "lines+segments"
        lines_side = original if original.lines else dub
        other = dub if original.lines else original
        found2, alone, loose = pair_lines_with_segments(
            line_spans(lines_side, settings.line_slack), segment_spans(other, min_gap), tolerance)
        if original.lines:
            pairs = [(line, seg) for line, seg in found2]
            unpaired += [_lone_original(s, "no dub speech during this line") for s in alone]
            unpaired += [_lone_dub(original, s, "dub speech outside every original line", settings) for s in loose]
        else:
            pairs = [(seg, line) for line, seg in found2]
            unpaired += [_lone_dub(original, s, "no original mouth flaps during this line", settings) for s in alone]
            unpaired += [_lone_original(s, "mouth flaps outside every dub line") for s in loose]
    else:
        pairing = "segments"
        found, lone_o, lone_d = pair_segments(segment_spans(original, min_gap), segment_spans(dub, min_gap),
                                              min(tolerance, max(1, min_gap - 1)))
        pairs = [(p.original, p.dub) for p in found]
        unpaired += [_lone_original(s, "no dub speech at this time") for s in lone_o]
        unpaired += [_lone_dub(original, s, "no original mouth flaps at this time", settings) for s in lone_d]

    unpaired += [Unpaired(side, span, "its script line was not found in the recording, and the time searched "
                                      "for it is its neighbours'")
                 for side, timeline in (("original", original), ("dub", dub)) for span in unplaced_spans(timeline)]
    for item in fit_pairs([(original, dub, span_o, span_d) for span_o, span_d in pairs], settings):
        if isinstance(item, LineFit):
            results.append(item)
        else:
            unpaired.append(item)
    unpaired.sort(key=lambda u: (u.span.frame, u.side))
    return TrackFit(original.name, dub.name, pairing, tuple(results), tuple(unpaired))
