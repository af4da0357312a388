"""The whole dub-fit check: load both sides (sheet, XDTS or voice track), bring them to one frame
rate, pair their tracks, fit every line, and optionally write a corrected sheet.

:func:`fit_timelines` is pure (timelines in, :class:`FitReport` out); :func:`load_side` reads or
analyzes one side; :func:`run_fit_job` is the one call the CLI and batch processing make.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..errors import LipsyncError, OptionError
from ..sheet import Sheet, Track, cues_from_shapes
from ..timing import FrameRate
from .score import FitSettings, LineFit, Span, TrackFit, Unpaired, fit_tracks
from .sides import OptionNames, SideOptions, numbered
from .timeline import MouthTimeline, convert_rate, sheet_timelines, with_script

#: Extensions read as sheets; anything else is a voice track to analyze.
SHEET_SUFFIXES = (".json", ".xdts")


class FitError(LipsyncError):
    """Inputs of a dub-fit check that cannot be compared (no mouth track, no speech...)."""


@dataclass(frozen=True, eq=False)
class Side:
    """One side of the check: where it came from, its timelines, and its sheet if it has one."""

    path: str
    kind: str  # "sheet", "xdts" or "audio"
    timelines: tuple[MouthTimeline, ...]
    sheet: Sheet | None = None
    warnings: tuple[str, ...] = ()

    @property
    def rate(self) -> FrameRate:
        return self.timelines[0].rate


@dataclass(frozen=True)
class FitReport:
    """The result of a dub-fit check: per track pair, the fitted lines and the leftovers."""

    original: str
    dub: str
    rate: FrameRate
    settings: FitSettings
    tracks: tuple[TrackFit, ...]
    warnings: tuple[str, ...] = ()
    original_kind: str = ""
    dub_kind: str = ""

    @property
    def lines(self) -> tuple[LineFit, ...]:
        """Every scored line of every track, in time order (the picture's frame, then track)."""
        return tuple(sorted((line for track in self.tracks for line in track.lines),
                            key=lambda line: (line.original.frame, line.original.end, line.original.track)))

    @property
    def unpaired(self) -> tuple[Unpaired, ...]:
        return tuple(item for track in self.tracks for item in track.unpaired)

    @property
    def flagged(self) -> tuple[LineFit, ...]:
        return tuple(line for line in self.lines if line.flagged)

    @property
    def off_script(self) -> tuple[Span, ...]:
        """The lines, scored or not, that a side's recording does not say as its script has
        them (each with its ``script`` status)."""
        spans = [span for line in self.lines for span in (line.original, line.dub)] + \
            [item.span for item in self.unpaired]
        return tuple(span for span in spans if span.script is not None)

    @property
    def unpaired_failing(self) -> tuple[Unpaired, ...]:
        """The unpaired lines a viewer sees (:attr:`Unpaired.fails`): the picture's mouth moving
        with no dub voice, or a dub voice where the picture shows the mouth."""
        return tuple(item for item in self.unpaired if item.fails)

    @property
    def passes(self) -> bool:
        """Whether the check passes: no line flagged, every recorded line as scripted (a line
        said otherwise is scored on what it says, but a take that does not say its script needs
        someone to listen to it), and no unpaired line that a viewer sees."""
        return not self.flagged and not self.off_script and not self.unpaired_failing

    @property
    def mean_score(self) -> float | None:
        scores = [line.score for line in self.lines]
        return round(float(np.mean(scores)), 1) if scores else None


def _pair_tracks(original: Sequence[MouthTimeline], dub: Sequence[MouthTimeline]
                 ) -> tuple[list[tuple[MouthTimeline, MouthTimeline]], list[str]]:
    if len(original) == 1 and len(dub) == 1:
        return [(original[0], dub[0])], []
    by_name = {timeline.name.casefold(): timeline for timeline in dub}
    pairs = [(o, by_name[o.name.casefold()]) for o in original if o.name.casefold() in by_name]
    if not pairs:
        raise FitError(
            "cannot tell which dub track goes with which original track "
            f"(original: {', '.join(t.name for t in original)}; dub: {', '.join(t.name for t in dub)})",
            "pass --track and --dub-track, or name the tracks alike")
    used = {id(d) for _, d in pairs}
    notes = [f"original track {o.name!r} has no dub track of the same name" for o in original
             if all(o is not p for p, _ in pairs)]
    notes += [f"dub track {d.name!r} has no original track of the same name" for d in dub if id(d) not in used]
    return pairs, notes


def fit_timelines(original: Sequence[MouthTimeline], dub: Sequence[MouthTimeline],
                  settings: FitSettings = FitSettings(), *, original_name: str = "original",
                  dub_name: str = "dub") -> FitReport:
    """Fit the dub's timelines against the original's (pure).

    Different frame rates are converted to the finer of the two, with a warning. Tracks are paired
    one to one when each side has one, else by name. Raises FitError when a side has no mouth
    track or no speech at all: a score would be made up.
    """
    if not original:
        raise FitError(f"{original_name}: no mouth track", "pass a sheet with a mouth track, or the original voice track")
    if not dub:
        raise FitError(f"{dub_name}: no mouth track", "pass a sheet with a mouth track, or the dub's voice track")
    warnings: list[str] = []
    rate_o, rate_d = original[0].rate, dub[0].rate
    rate = max(rate_o, rate_d, key=lambda r: r.fraction)
    if rate_o != rate_d:
        note = (f"{original_name} is at {float(rate_o):g} fps and {dub_name} at {float(rate_d):g} fps: "
                f"both are compared at {float(rate):g} fps; frames in this report are at that rate")
        if abs(float(rate_o) - float(rate_d)) / float(rate) < 0.002:
            note += " (if both describe the same picture, analyze both at the same --fps)"
        warnings.append(note)
        original = [convert_rate(t, rate) for t in original]
        dub = [convert_rate(t, rate) for t in dub]
    if not any(t.has_speech for t in original):
        raise FitError(f"{original_name}: the mouth never opens, so there are no flaps to fit",
                       "check that ORIGINAL is the picture's mouth track or the original voice track")
    if not any(t.has_speech for t in dub):
        raise FitError(f"{dub_name}: no speech (the dub's mouth never opens), so nothing can be scored",
                       "check that DUB is the dubbed voice track and not silent")
    pairs, notes = _pair_tracks(original, dub)
    warnings.extend(notes)
    tracks = tuple(fit_tracks(o, d, settings) for o, d in pairs)
    for track in tracks:
        sides = {"original": 0, "dub": 0}
        for item in track.unpaired:
            sides[item.side] += 1
        if sides["original"] or sides["dub"]:
            warnings.append(f"{sides['original']} original and {sides['dub']} dub line(s) of track "
                            f"{track.original!r} have no partner; they are listed under 'unpaired'")
        if not track.lines:
            warnings.append(f"track {track.original!r}: no line could be paired and scored")
    return FitReport(original_name, dub_name, rate, settings, tracks, tuple(warnings))


# --------------------------------------------------------------------------- loading

#: Voice tracks are aligned at this many frame phases (see :mod:`lipsync.recognize.consensus`):
#: the same take moved by a few frames must get the same chart, or its score would change.
FIT_PASSES = 3

#: How far a voice track's phone boundaries may move onto the signal
#: (:attr:`lipsync.recognize.RecognitionSettings.refine_reach_seconds`) for the check. The same
#: line in four espeak-ng voices gets the same order of candidates from ``fit`` in 84.0 % of
#: pairs with 10 ms, 79.8 % with analyze's 25 ms (``python benchmarks/adapt.py
#: --cross-validate``): the farther reach times boundaries better against hand labels (+0.006 of
#: them within 20 ms on eval-dev) but depends more on the voice, and a score must not.
FIT_REFINE_REACH_SECONDS = 0.01


def _is_sheet_file(path: Path) -> bool:
    """Whether ``path`` is in a format lipsync reads (a sheet), rather than a voice track."""
    from ..exporters import exporter_for_path

    try:
        return exporter_for_path(path).read is not None
    except LipsyncError:
        return False


def load_side(path: str | Path, role: str, *, script: str | Path | None = None, preset: str | Path = "anime-3",
              fps: str | float | FrameRate = 24, track: str | None = None, language: str = "en-us",
              jobs: int = 1, on_progress: Callable[[object], None] | None = None,
              passes: int = FIT_PASSES, options: SideOptions = OptionNames().dub) -> Side:
    """Read one side of the check: a lipsync sheet (.json) or any other format lipsync reads
    (Papagayo, TextGrid, .dat, Rhubarb, .lab: :func:`lipsync.export.load_sheet`, at ``fps``, the
    mouths named by ``preset``), an XDTS timesheet (.xdts; drawings mapped to openness through
    ``preset``; played at ``fps``), or a voice track, analyzed with
    ``script`` through :func:`lipsync.pipeline.analyze` (``passes`` frame phases; its warnings
    number the script's lines 1, 2, 3...). An error of that analysis names the side (``role``)
    and the file, and its hint names ``options``. The lines of a sheet's or voice track's script
    that the recording does not say as written are kept and marked
    (:func:`lipsync.fit.timeline.with_script`): scored on what it says there.

    A voice track is compared on ones: its mouths change on the frame the sound does, whatever
    the preset's step (on twos, a take moved by an odd number of frames would snap every change
    to the other frame of the pair). The side's sheet, for ``--retime-sheet``, keeps the preset's
    own timing."""
    from ..presets import load_preset

    file = Path(path)
    if not file.exists():
        raise FitError(f"{role} not found: {str(path)!r}", "check the path")
    rate = FrameRate.parse(fps)
    suffix = file.suffix.lower()
    if suffix == ".xdts":
        from .xdts import read_xdts, xdts_timelines

        sheet = read_xdts(file)
        chosen = load_preset(preset)
        rate = sheet.frame_rate or rate
        timelines = xdts_timelines(sheet, chosen.shape_set, rate, track, str(path))
        if script is not None:
            raise OptionError(f"a script is only used when {role} is a voice track",
                              "the XDTS sheet's own dialogue lines are used")
        return Side(str(path), "xdts", timelines)
    if suffix == ".json" or _is_sheet_file(file):
        from ..export import load_sheet

        sheet = load_sheet(file, fps=rate, preset=preset)
        if not sheet.tracks:
            raise FitError(f"{role} sheet {str(path)!r} has no mouth track", "analyze a voice track into it first")
        timelines = with_script(sheet_timelines(sheet), sheet.script)
        if track is not None:
            sheet.track(track)
            timelines = tuple(t for t in timelines if t.name == track)
        return Side(str(path), "sheet", timelines, sheet)
    from ..dialogue import read_script
    from ..pipeline import analyze, reanimate
    from ..recognize import AcousticRecognizer, RecognitionSettings

    chosen = load_preset(preset)
    steady = RecognitionSettings(passes=passes, refine_reach_seconds=FIT_REFINE_REACH_SECONDS)
    try:
        lines = None if script is None else numbered(read_script(script, fps=float(rate)))
        result = analyze(file, script=lines, preset=chosen, fps=rate, language=language, jobs=jobs,
                         on_progress=on_progress, recognizer=AcousticRecognizer(steady, jobs))  # type: ignore[arg-type]
    except LipsyncError as error:
        raise error.about(f"{role.lower()} {file.name}", options.names()) from None
    timelines = with_script(sheet_timelines(reanimate(result.sheet, chosen.with_timing(step=1))), result.sheet.script)
    if track is not None:
        result.sheet.track(track)
        timelines = tuple(t for t in timelines if t.name == track)
    return Side(str(path), "audio", timelines, result.sheet,
                tuple(f"{role}: {warning}" for warning in result.warnings))


# --------------------------------------------------------------------------- corrected sheet

def _shape_for_openness(sheet: Sheet) -> dict[int, str]:
    table: dict[int, str] = {0: sheet.preset.rest}
    for shape in sheet.preset.shapes:
        table.setdefault(int(shape.openness), shape.name)
    for level in (1, 2):
        table.setdefault(level, table.get(3 - level, sheet.preset.rest))
    return table


def retime_sheet(report: FitReport, dub: Sheet, original: Sequence[MouthTimeline] | None = None,
                 mode: str = "reanimate") -> Sheet:
    """A corrected sheet for the dub, at the dub sheet's rate and with its preset.

    ``reanimate`` (the dub is re-animated): the picture's mouths, with each flagged line's
    frames re-timed to follow the dub's own mouths (the dub sheet's shapes there); the rest of
    the picture is kept (its openness shown with the preset's shape of that openness).
    ``conform`` (the dub audio will be edited by the suggestions): the dub's sheet with each
    flagged line's cues moved and stretched by the suggested stretch and shift.
    """
    if mode not in ("reanimate", "conform"):
        raise OptionError(f"unknown retime mode {mode!r}", "use reanimate or conform")
    scale = float(dub.rate) / float(report.rate)
    tracks = []
    originals = {t.name.casefold(): t for t in original or ()}
    for fit in report.tracks:
        track = next((t for t in dub.tracks if t.name == fit.dub), dub.tracks[0])
        shapes = _frame_shapes(dub, track)
        if mode == "reanimate":
            base = originals.get(fit.original.casefold())
            if base is None:
                raise FitError("re-animation needs the original's mouth timing", "pass ORIGINAL as a sheet or voice track")
            base = convert_rate(base, dub.rate)
            names = _shape_for_openness(dub)
            result = [names.get(int(v), dub.preset.rest) if v >= 0 else dub.preset.rest
                      for v in base.openness[:dub.duration_frames].tolist()]
            result += [dub.preset.rest] * (dub.duration_frames - len(result))
            for line in fit.lines:
                if not line.flagged:
                    continue
                lo = int(round(min(line.original.speech[0], line.dub.speech[0]) * scale)) - 1
                hi = int(round(max(line.original.speech[1], line.dub.speech[1]) * scale)) + 1
                for frame in range(max(0, lo), min(dub.duration_frames, hi)):
                    result[frame] = shapes[frame]
        else:
            result = list(shapes)
            for line in fit.lines:
                if not line.flagged:
                    continue
                b0 = int(round(line.dub.speech[0] * scale))
                b1 = int(round(line.dub.speech[1] * scale))
                shift = int(round(line.stretch_shift * scale))
                factor = line.stretch
                for frame in range(max(0, b0 - 1), min(dub.duration_frames, b1 + 1)):
                    result[frame] = dub.preset.rest
                new_length = max(1, int(round((b1 - b0) * factor)))
                for k in range(new_length):
                    target = b0 + shift + k
                    if 0 <= target < dub.duration_frames:
                        result[target] = shapes[min(b1 - 1, b0 + int((k + 0.5) / factor))]
        cues = cues_from_shapes([(frame, name) for frame, name in enumerate(result)], dub.duration_frames)
        tracks.append(Track(track.name, cues, track.lines, track.words, track.phones))
    return Sheet(dub.rate, dub.duration_frames, tuple(tracks), dub.preset, dub.source, dub.start_timecode)


def _frame_shapes(sheet: Sheet, track: Track) -> list[str]:
    shapes = [sheet.preset.rest] * sheet.duration_frames
    for cue in track.cues:
        for frame in range(max(0, cue.frame), min(cue.end, sheet.duration_frames)):
            shapes[frame] = cue.shape
    return shapes


# --------------------------------------------------------------------------- one job

@dataclass(frozen=True)
class FitJob:
    """Everything a fit job needs: the CLI's options, or one row of a batch manifest."""

    original: str
    dub: str
    original_script: str | None = None
    dub_script: str | None = None
    preset: str = "anime-3"
    fps: str = "24"
    track: str | None = None
    dub_track: str | None = None
    language: str = "en-us"                # the dub's script's
    original_language: str | None = None   # the original's script's; None: ``language``
    outputs: tuple[str, ...] = ()          # report files: .json, .html, .txt
    retime_sheet: str | None = None        # corrected sheet, any export format by extension
    retime_mode: str = "reanimate"
    settings: FitSettings = field(default_factory=FitSettings)
    jobs: int = 1
    retime_format: str | None = None       # the corrected sheet's format by name, else by extension
    passes: int = FIT_PASSES               # alignment passes for voice tracks
    option_names: OptionNames = OptionNames()  # for the hints of errors: the CLI's, or a manifest's columns


@dataclass(frozen=True)
class FitJobResult:
    report: FitReport
    written: tuple[str, ...]
    warnings: tuple[str, ...]


def run_fit_job(job: FitJob, on_progress: Callable[[object], None] | None = None) -> FitJobResult:
    """Run one dub-fit check: load or analyze both sides, fit, write the reports (format by
    extension: .json, .html/.htm, .txt) and the corrected sheet. Every file is rendered before
    any is written, and they are written as a set (the export path's staged writes): a failure
    on the last leaves none of them."""
    from ..export import Output, Rendering, write

    report, rendered = render_fit_job(job, on_progress)
    write(Rendering(tuple(Output(Path(target), Path(target).suffix.lstrip(".") or "report", None, data)
                          for target, data in rendered), ()))
    return FitJobResult(report, tuple(target for target, _ in rendered), report.warnings)


def render_fit_job(job: FitJob, on_progress: Callable[[object], None] | None = None
                   ) -> tuple[FitReport, list[tuple[str, bytes]]]:
    """What :func:`run_fit_job` does, without writing: the report and ``(path, bytes)`` of every
    report and of the corrected sheet (for ``lipsync batch``, whose main process writes)."""
    from ..export import check_target, render as render_sheet
    from ..fileio import refuse_inputs
    from .report import render

    inputs = [path for path in (job.original, job.dub, job.original_script, job.dub_script) if path]
    for output in job.outputs:
        render_kind(output)
    refuse_inputs(job.outputs, inputs)
    if job.retime_sheet:
        check_target(job.retime_format, job.retime_sheet, inputs)
    original = load_side(job.original, "ORIGINAL", script=job.original_script, preset=job.preset, fps=job.fps,
                         track=job.track, language=job.original_language or job.language, jobs=job.jobs,
                         on_progress=on_progress, passes=job.passes, options=job.option_names.original)
    dub = load_side(job.dub, "DUB", script=job.dub_script, preset=job.preset, fps=job.fps,
                    track=job.dub_track, language=job.language, jobs=job.jobs, on_progress=on_progress,
                    passes=job.passes, options=job.option_names.dub)
    report = fit_timelines(original.timelines, dub.timelines, job.settings,
                           original_name=Path(job.original).name, dub_name=Path(job.dub).name)
    warnings = original.warnings + dub.warnings + report.warnings
    rendered: list[tuple[str, bytes]] = []
    if job.retime_sheet:
        if dub.sheet is None:
            raise FitError("--retime-sheet needs the dub as a voice track or lipsync sheet", "not an XDTS")
        corrected = retime_sheet(report, dub.sheet, original.timelines, job.retime_mode)
        sheets = render_sheet(corrected, job.retime_format, job.retime_sheet, inputs=inputs)
        rendered.extend((str(item.path), item.data or b"") for item in sheets.outputs)
        warnings += sheets.warnings
    report = FitReport(report.original, report.dub, report.rate, report.settings, report.tracks,
                       warnings, original.kind, dub.kind)
    rendered[:0] = [(str(Path(output)), render(report, render_kind(output))) for output in job.outputs]
    return report, rendered


def render_kind(path: str) -> str:
    """The report format of an output path: json, html or text."""
    suffix = Path(path).suffix.lower()
    kinds = {".json": "json", ".html": "html", ".htm": "html", ".txt": "text"}
    if suffix not in kinds:
        raise OptionError(f"cannot tell the report format of {path!r}", "end the name in .json, .html or .txt")
    return kinds[suffix]


#: Manifest columns of a batch ``fit`` job (see :func:`fit_job_from_row`).
FIT_COLUMNS = ("original", "dub", "original_script", "script", "preset", "fps", "track", "dub_track",
               "language", "original_language", "outputs", "retime_sheet", "retime_mode", "threshold",
               "max_shift", "allow_added_lines")

#: The largest shift searched (frames either way), as ``lipsync fit --max-shift`` allows.
MAX_SHIFT_FRAMES = 96


def parse_max_shift(text: str) -> int:
    """A table cell's max shift: whole frames searched either way, 0 to :data:`MAX_SHIFT_FRAMES`.

    >>> parse_max_shift(" 24 ")
    24
    >>> parse_max_shift("1.5")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    lipsync.errors.OptionError: '1.5' is not a whole number of frames from 0 to 96 (hint: ...)
    """
    value = text.strip()
    if not value.isdigit() or int(value) > MAX_SHIFT_FRAMES:
        raise OptionError(f"{value!r} is not a whole number of frames from 0 to {MAX_SHIFT_FRAMES}",
                          "max_shift is the shifts searched either way, as fit --max-shift; e.g. 24")
    return int(value)


def _yes_no(column: str, text: str) -> bool:
    """A table cell read as yes or no (:func:`lipsync.scripts.table.yes_or_no`; empty: no)."""
    from ..scripts.table import yes_or_no

    said = yes_or_no(text)
    if said is None:
        raise OptionError(f"{column} must be yes or no, got {text!r}", "e.g. yes")
    return said


def fit_job_from_row(row: dict[str, str], base: str | Path = ".") -> FitJob:
    """A :class:`FitJob` from one batch-manifest row (for ``lipsync batch``; pure).

    Columns: ``original`` and ``dub`` (required; ``audio`` is read as ``dub``), ``script`` (the
    dub's), ``original_script``, ``preset``, ``fps``, ``track``, ``dub_track``, ``language``,
    ``original_language`` (default: ``language``), ``outputs`` (report paths, comma-separated,
    .json/.html/.txt), ``retime_sheet``, ``retime_mode``, ``threshold``, ``max_shift``,
    ``allow_added_lines`` (yes/no). Relative paths are relative to ``base``. Empty cells take the
    defaults.
    """
    cells = {key.strip().lower().replace("-", "_").replace(" ", "_"): (value or "").strip()
             for key, value in row.items()}
    if not cells.get("dub") and cells.get("audio"):
        cells["dub"] = cells["audio"]
    unknown = sorted(set(cells) - set(FIT_COLUMNS) - {"audio", "kind", "job", "episode", "character"})
    if unknown:
        raise OptionError(f"unknown fit column(s): {', '.join(unknown)}", f"fit columns: {', '.join(FIT_COLUMNS)}")
    for needed in ("original", "dub"):
        if not cells.get(needed):
            raise OptionError(f"a fit job needs the column {needed!r}", "columns original and dub (or audio)")
    root = Path(base)

    def path(key: str) -> str | None:
        value = cells.get(key)
        return str(root / value) if value else None

    settings = FitSettings()
    if cells.get("threshold"):
        try:
            settings = FitSettings(threshold=float(cells["threshold"]))
        except ValueError:
            raise OptionError(f"threshold must be a number, got {cells['threshold']!r}", "e.g. 50") from None
    if cells.get("max_shift"):
        settings = replace(settings, max_shift=parse_max_shift(cells["max_shift"]))
    settings = replace(settings, allow_added_lines=_yes_no("allow_added_lines", cells.get("allow_added_lines", "")))
    outputs = tuple(str(root / part.strip()) for part in cells.get("outputs", "").split(",") if part.strip())
    for output in outputs:
        render_kind(output)
    return FitJob(original=path("original") or "", dub=path("dub") or "",
                  original_script=path("original_script"), dub_script=path("script"),
                  preset=cells.get("preset") or "anime-3", fps=cells.get("fps") or "24",
                  track=cells.get("track") or None, dub_track=cells.get("dub_track") or None,
                  language=cells.get("language") or "en-us",
                  original_language=cells.get("original_language") or None, outputs=outputs,
                  retime_sheet=path("retime_sheet"), retime_mode=cells.get("retime_mode") or "reanimate",
                  settings=settings)
