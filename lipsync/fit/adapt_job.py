"""One adaptation check, as the CLI and batch processing run it: load the original (XDTS, sheet,
or voice track with its script), pair the candidates or the dub script with its lines, score
them from their text alone (:mod:`.adapt`) and render the reports (:mod:`.adapt_report`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..dialogue import Line, read_script, words_of
from ..errors import OptionError
from ..timing import FrameRate
from .adapt import AdaptReport, AdaptSettings, adapt_lines, choose_track, pair_script, syllable_count, unpaired_lines
from .check import Side, load_side, render_kind
from .score import Span, Unpaired, line_spans
from .sides import OptionNames, numbered
from .timeline import MouthTimeline


@dataclass(frozen=True)
class AdaptJob:
    """Everything an adaptation check needs: the CLI's options, or one batch-manifest row.

    Either ``texts`` (candidates for original line ``line``, 1-based) or ``script`` (a dub
    script, one line per original line: by time when timed, else in order)."""

    original: str
    language: str
    texts: tuple[str, ...] = ()
    line: int | None = None
    script: str | None = None
    original_script: str | None = None
    original_language: str = "en-us"
    preset: str = "anime-3"
    fps: str = "24"
    track: str | None = None
    outputs: tuple[str, ...] = ()
    settings: AdaptSettings = field(default_factory=AdaptSettings)
    option_names: OptionNames = OptionNames()  # for the hints of errors: the CLI's, or a manifest's columns


def original_syllables(side: Side, timeline: MouthTimeline, spans: Sequence[Span]) -> dict[int, int]:
    """The syllables of each original line (1-based) whose phones the side knows (a voice track
    analyzed with its script, or a sheet that keeps its phones); ``spans``: the timeline's
    :func:`~lipsync.fit.score.line_spans`."""
    if side.sheet is None:
        return {}
    track = next((t for t in side.sheet.tracks if t.name == timeline.name), None)
    if track is None or not track.phones:
        return {}
    rate = timeline.rate
    counts = {}
    for number, span in enumerate(spans, 1):
        low, high = rate.seconds_at(span.frame), rate.seconds_at(span.end)
        inside = [p for p in track.phones if low <= (p.start + p.end) / 2 < high]
        if inside:
            counts[number] = syllable_count(inside)
    return counts


def adapt_job(job: AdaptJob) -> AdaptReport:
    """Run the check (nothing is written)."""
    if bool(job.texts) == bool(job.script):
        raise OptionError("give candidate lines (--text, with --line) or a dub script (--script), not both",
                          "lipsync adapt ORIGINAL --line 3 --text \"...\", or lipsync adapt ORIGINAL --script dub.srt")
    if job.texts and job.line is None:
        raise OptionError("--text needs --line N: the original line the candidates are for",
                          "lines are numbered from 1 in time order ('lipsync adapt ORIGINAL --script' pairs a whole script)")
    for output in job.outputs:
        render_kind(output)
    dub_lines: tuple[Line, ...] = ()
    if job.script:
        dub_lines = numbered(read_script(job.script, fps=float(FrameRate.parse(job.fps))))
    side = load_side(job.original, "ORIGINAL", script=job.original_script, preset=job.preset, fps=job.fps,
                     track=job.track, language=job.original_language, options=job.option_names.original)
    timeline = choose_track(side.timelines, job.track)
    spans = line_spans(timeline, job.settings.fit.line_slack)  # once, for every step below
    warnings = list(side.warnings)
    missing: tuple[Unpaired, ...] = ()
    if job.texts:
        pairs = [(int(job.line), text) for text in job.texts]  # type: ignore[arg-type]
    else:
        paired = pair_script(timeline, dub_lines, spans)
        pairs = [(number, line.text) for number, line in paired]
        missing = unpaired_lines(timeline, [number for number, _ in paired], job.settings, spans)
        used = {id(line) for _, line in paired}
        warnings += [f"dub line {line.number} ({line.text[:40]!r}) overlaps no original line: not scored"
                     for line in dub_lines if id(line) not in used and words_of(line.text)]
    lines = adapt_lines(timeline, pairs, job.language, preset=job.preset, settings=job.settings,
                        syllables=original_syllables(side, timeline, spans), spans=spans)
    language = lines[0].candidates[0].timed.language if lines else job.language
    return AdaptReport(Path(job.original).name, side.kind, language, timeline.rate, job.settings, lines,
                       tuple(warnings), missing)


def render_adapt_job(job: AdaptJob) -> tuple[AdaptReport, list[tuple[str, bytes]]]:
    """The report and ``(path, bytes)`` of every report file (json, html, txt by extension)."""
    from .adapt_report import render

    report = adapt_job(job)
    return report, [(str(Path(output)), render(report, render_kind(output))) for output in job.outputs]


def run_adapt_job(job: AdaptJob) -> tuple[AdaptReport, tuple[str, ...]]:
    """Run the check and write its reports, each atomically, after all are rendered."""
    from ..fileio import write_atomic

    report, rendered = render_adapt_job(job)
    for target, data in rendered:
        write_atomic(target, data)
    return report, tuple(target for target, _ in rendered)
