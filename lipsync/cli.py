"""The ``lipsync`` command line: thin click commands over the library.

Each command parses its options, calls the library and reports. User mistakes arrive as
:class:`~lipsync.errors.LipsyncError` and are printed on one line with a hint; the exit status is
non-zero and no traceback is shown. Heavy modules are imported inside the commands so that
``lipsync --help`` starts instantly.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from .errors import FormatError, LipsyncError, OutputError

FORMAT_HELP = "Output format(s), comma-separated (tsv, rhubarb-json, xml, csv, sheet...; `lipsync formats` lists all). Default: from the -o extension, else tsv."


class _Reporter:
    """Where messages go: warnings and progress on stderr, as text, a progress bar or JSON lines."""

    def __init__(self, progress: str, quiet: bool) -> None:
        self.mode = "none" if quiet and progress != "json" else progress
        if self.mode == "auto":
            self.mode = "bar" if sys.stderr.isatty() else "none"
        self.quiet = quiet
        self._bar: Any = None
        self._task: Any = None

    def event(self, **fields: Any) -> None:
        if self.mode == "json":
            click.echo(json.dumps(fields, ensure_ascii=False), err=True)

    def warn(self, message: str) -> None:
        if self.mode == "json":
            self.event(event="warning", message=message)
        elif not self.quiet:
            self._print(f"warning: {message}")

    def info(self, message: str) -> None:
        if not self.quiet and self.mode != "json":
            self._print(message)

    def _print(self, message: str) -> None:
        if self._bar is not None:
            self._bar.console.print(message, markup=False, highlight=False)
        else:
            click.echo(message, err=True)

    def progress(self, stage: str, done: float, total: float) -> None:
        if self.mode == "json":
            self.event(event="progress", stage=stage, done=round(done, 3), total=round(total, 3))
        elif self.mode == "bar":
            if self._bar is None:
                from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

                self._bar = Progress(TextColumn("{task.description}"), BarColumn(),
                                     TextColumn("{task.percentage:>3.0f}%"), TimeRemainingColumn(),
                                     transient=True)
                self._bar.start()
                self._task = self._bar.add_task(stage, total=max(total, 1e-9))
            self._bar.update(self._task, description=stage, completed=done, total=max(total, 1e-9))

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


class _WarningHandler(logging.Handler):
    """Routes the library's logging warnings to the reporter."""

    def __init__(self, reporter: _Reporter) -> None:
        super().__init__(logging.WARNING)
        self.reporter = reporter

    def emit(self, record: logging.LogRecord) -> None:
        self.reporter.warn(record.getMessage())


def _run(reporter: _Reporter, action: Callable[[], None]) -> None:
    """Run a command body; user errors become one line on stderr and exit status 2."""
    handler = _WarningHandler(reporter)
    logger = logging.getLogger("lipsync")
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    try:
        action()
    except LipsyncError as error:
        reporter.close()
        if reporter.mode == "json":
            reporter.event(event="error", message=error.message, hint=error.hint)
        else:
            click.echo(f"error: {error}", err=True)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        reporter.close()
        click.echo("interrupted", err=True)
        sys.exit(130)
    finally:
        reporter.close()
        logger.removeHandler(handler)


def _exporters(formats: str | None, output: str | None) -> list[Any]:
    from .exporters import exporter_for_path, exporter_named

    if formats:
        names = [name for name in (part.strip() for part in formats.split(",")) if name]
        if not names:
            raise FormatError("no format given to -f", "for example -f tsv or -f xdts,dat,pdf")
        chosen = [exporter_named(name) for name in names]
    elif output:
        chosen = [exporter_for_path(output)]
    else:
        chosen = [exporter_named("tsv")]
    return list(dict.fromkeys(chosen))


def _targets(exporters: Sequence[Any], output: str | None) -> list[tuple[Any, Path | None]]:
    """Where each format goes: stdout (one format, no -o), -o itself, or -o's stem + extension."""
    if output is None:
        if len(exporters) > 1:
            raise OutputError("several formats need an output path", "add -o NAME; each format gets its own extension")
        return [(exporters[0], None)]
    path = Path(output)
    if len(exporters) == 1:
        targets = [(exporters[0], path)]
    else:
        stem = path.with_suffix("") if path.suffix else path
        targets = [(exporter, stem.with_name(stem.name + exporter.file_suffix)) for exporter in exporters]
    for _, target in targets:
        folder = target.parent
        if not folder.is_dir():
            raise OutputError(f"cannot write {str(target)!r}: folder {str(folder)!r} does not exist",
                              "create the folder first or choose another output path")
        if not os.access(folder, os.W_OK):
            raise OutputError(f"cannot write {str(target)!r}: folder {str(folder)!r} is not writable",
                              "choose another output path")
        if target.is_dir():
            raise OutputError(f"cannot write {str(target)!r}: it is a folder", "give a file name")
    return targets


def _export_options(track: str | None, settings: Sequence[str]) -> Any:
    from .exporters import ExportOptions
    from .errors import OptionError

    extra = {}
    for setting in settings:
        key, sep, value = setting.partition("=")
        if not sep or not key.strip():
            raise OptionError(f"not a KEY=VALUE setting: {setting!r}", "for example --set cut=12")
        extra[key.strip()] = value
    return ExportOptions(track=track, extra=extra)


def _write_all(sheet: Any, targets: Sequence[tuple[Any, Path | None]], options: Any,
               reporter: _Reporter) -> list[str]:
    """Render every format first, then write them: a failing exporter leaves no file behind.

    A single-track format of a sheet with several tracks and an output path writes one file
    per track, ``NAME.TRACK.ext``; to stdout it writes the chosen (or first) track.
    """
    from dataclasses import replace

    from .fileio import write_atomic

    jobs = []
    for exporter, target in targets:
        if exporter.multi_track or len(sheet.tracks) < 2 or options.track is not None:
            jobs.append((exporter, target, options))
        elif target is None:
            reporter.warn(f"{exporter.name} holds one track: wrote {sheet.tracks[0].name!r} of "
                          f"{len(sheet.tracks)} (use --speaker NAME, or -o to write one file per track)")
            jobs.append((exporter, target, options))
        else:
            for track in sheet.tracks:
                jobs.append((exporter, track_path(target, exporter, track.name), replace(options, track=track.name)))
    rendered = [(exporter, target, exporter.write(sheet, chosen)) for exporter, target, chosen in jobs]
    written = []
    for exporter, target, data in rendered:
        if target is None:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            write_atomic(target, data)
            written.append(str(target))
            reporter.info(f"wrote {target} ({exporter.name})")
    return written


def track_path(target: Path, exporter: Any, track: str) -> Path:
    """``out/ep01.tsv`` for track ``BOB`` -> ``out/ep01.BOB.tsv`` (unsafe characters become _)."""
    import re

    ending = exporter.file_suffix if target.name.endswith(exporter.file_suffix) else target.suffix
    base = target.name[:len(target.name) - len(ending)] if ending else target.name
    safe = re.sub(r"[^\w\-]+", "_", track).strip("_") or "track"
    return target.with_name(f"{base}.{safe}{ending}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lipsync")
def main() -> None:
    """lipsync: automated lip sync for animation.

    Turns a voice track (and its script) into mouth-shape timing sheets for OpenToonz,
    CLIP STUDIO PAINT, TVPaint, Moho, Blender, After Effects, Harmony and more.

    \b
    Quick start:
      lipsync analyze dialogue.wav --script dialogue.txt -o dialogue.tsv
      lipsync presets        # the mouth-shape sets
      lipsync formats        # the output formats
    """


@main.command()
@click.argument("audio", type=click.Path(dir_okay=True, path_type=str))
@click.option("--script", "-s", type=click.Path(path_type=str), help="The dialogue: plain text (NAME: prefixes), SRT, WebVTT, ASS/SSA or a CSV/TSV dub script. Without it the speech is recognized.")
@click.option("--script-format", type=click.Choice(["text", "srt", "vtt", "ass", "csv", "tsv"], case_sensitive=False), help="The script's format (default: from its extension; unknown extensions are plain text).")
@click.option("--columns", metavar="ROLE=NAME,...", help="CSV/TSV script columns, e.g. speaker=Character,text=Dialogue,start=TC In,end=TC Out (default: found by their usual names).")
@click.option("--speaker", help="Keep only this character's lines and mouth track (case-insensitive).")
@click.option("--preset", "-p", default="rhubarb", show_default=True, help="Mouth-shape set: a shipped name (`lipsync presets`) or a path to a .toml file.")
@click.option("--fps", "-r", default="24", show_default=True, help="Frame rate: 12, 23.976, 24, 25, 29.97, 30, 48, 50, 59.94, 60 or a fraction like 24000/1001.")
@click.option("--format", "-f", "formats", help=FORMAT_HELP)
@click.option("--output", "-o", type=click.Path(path_type=str), help="Output file (several formats: the name without extension). Default: stdout.")
@click.option("--channel", type=int, help="Use only this channel (1-based; 3 is the centre of a 5.1 stem). Default: mix all.")
@click.option("--start-timecode", help="Timecode of the first frame, HH:MM:SS:FF (HH:MM:SS;FF drop-frame at 29.97).")
@click.option("--language", "-l", default="en-us", show_default=True, help="Language of the dialogue: a BCP-47 or espeak-ng code (es, es-419, fr, de, pt-br, ja, zh...), or 'auto' to tell it from the script.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=os.cpu_count() or 1, show_default="number of CPUs", help="Worker processes for long recordings; the output is identical for any number.")
@click.option("--lead", type=click.IntRange(0, 12), help="Frames the mouth leads the sound (default: the preset's).")
@click.option("--min-hold", type=click.IntRange(1, 24), help="Fewest frames a shape is held (default: the preset's).")
@click.option("--step", type=click.IntRange(1, 4), help="Animate on ones (1), twos (2) or threes (3) (default: the preset's).")
@click.option("--track-name", help="Name of the mouth track for lines without a speaker (default: the audio file name). Characters' tracks are named after them.")
@click.option("--passes", type=click.IntRange(1, 8), default=1, show_default=True, help="With a script: align it this many times at shifted 10 ms frame phases and keep the median timing (steadier and slightly more accurate; this many times the alignment work).")
@click.option("--allow-mismatch", is_flag=True, help="A script that does not match the recording is a warning, not an error: the matching lines are aligned, the rest of the speech recognized.")
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE", help="Format setting, e.g. --set cut=12 (repeatable).")
@click.option("--progress", type=click.Choice(["auto", "bar", "json", "none"]), default="auto", show_default=True, help="Progress on stderr: a bar on a terminal, or JSON lines for host applications.")
@click.option("--quiet", "-q", is_flag=True, help="No progress and no warnings.")
def analyze(audio: str, script: str | None, script_format: str | None, columns: str | None, speaker: str | None,
            preset: str, fps: str, formats: str | None, output: str | None,
            channel: int | None, start_timecode: str | None, language: str, jobs: int, lead: int | None,
            min_hold: int | None, step: int | None, track_name: str | None, passes: int, allow_mismatch: bool,
            settings: tuple[str, ...], progress: str, quiet: bool) -> None:
    """Analyze a voice track AUDIO into a mouth-shape timing sheet.

    AUDIO can be wav, flac, ogg, opus or mp3 at any sample rate from 8 kHz (m4a, aac and video
    files need ffmpeg). With --script, the dialogue is force-aligned to the recording (timed
    subtitle lines within their times); without it, the speech is recognized. The sheet has a
    mouth track per character; a single-track format with -o writes one file per track
    (NAME.TRACK.ext). A script that does not belong to the recording is an error (exit status
    2, nothing written) unless --allow-mismatch; the last line says how many script lines were
    aligned, uncertain and not found.

    \b
    Examples:
      lipsync analyze take1.wav --script take1.txt -o take1.tsv
      lipsync analyze ep01_es.wav -s ep01_es.srt -l es -f xdts -o ep01_es.xdts
      lipsync analyze ep01.wav -s ep01.ass --speaker BOB -o bob.tsv
      lipsync analyze ep01.flac -s ep01.txt -p anime-3 --fps 23.976 -f xdts,dat,json -o out/ep01
      lipsync analyze line.wav --progress json -f rhubarb-json > line.json
    """
    reporter = _Reporter(progress, quiet)

    def body() -> None:
        from .pipeline import analyze as run_analysis
        from .presets import load_preset
        from .scripts import parse_columns
        from .timing import FrameRate

        rate = FrameRate.parse(fps)
        chosen = load_preset(preset)
        overrides = {key: value for key, value in
                     (("lead_frames", lead), ("min_hold_frames", min_hold), ("step", step)) if value is not None}
        if overrides:
            chosen = chosen.with_timing(**overrides)
        targets = _targets(_exporters(formats, output), output)
        options = _export_options(None, settings)
        reporter.event(event="start", audio=audio, script=script, preset=chosen.name, fps=str(rate))
        result = run_analysis(audio, script, preset=chosen, fps=rate, channel=channel,
                              start_timecode=start_timecode, language=language, jobs=jobs,
                              track_name=track_name, speaker=speaker, script_format=script_format,
                              columns=parse_columns(columns), passes=passes, allow_mismatch=allow_mismatch,
                              on_progress=lambda p: reporter.progress(p.stage, p.done, p.total))
        reporter.close()
        for warning in result.warnings:
            reporter.warn(warning)
        written = _write_all(result.sheet, targets, options, reporter)
        if result.summary:
            reporter.info(result.summary)
        reporter.event(event="done", outputs=written, warnings=list(result.warnings), summary=result.summary)

    _run(reporter, body)


@main.command()
@click.argument("sheet", type=click.Path(path_type=str))
@click.option("--format", "-f", "formats", help=FORMAT_HELP)
@click.option("--output", "-o", type=click.Path(path_type=str), help="Output file (several formats: the name without extension). Default: stdout.")
@click.option("--track", help="Track to write, for single-track formats (default: the first).")
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE", help="Format setting, e.g. --set cut=12 (repeatable).")
@click.option("--quiet", "-q", is_flag=True, help="No messages.")
def export(sheet: str, formats: str | None, output: str | None, track: str | None,
           settings: tuple[str, ...], quiet: bool) -> None:
    """Re-export an analyzed SHEET (lipsync JSON) to other formats without re-analysis.

    \b
    Example:
      lipsync export ep01.json -f xdts,dat -o out/ep01
    """
    reporter = _Reporter("none", quiet)

    def body() -> None:
        from .sheet import sheet_from_json

        path = Path(sheet)
        if not path.is_file():
            raise FormatError(f"sheet not found: {sheet!r}", "pass a .json sheet written by 'lipsync analyze -f sheet'")
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError) as error:
            raise FormatError(f"cannot read sheet {sheet!r}: {error}", "pass a .json sheet written by 'lipsync analyze -f sheet'") from None
        loaded = sheet_from_json(text)
        targets = _targets(_exporters(formats, output), output)
        options = _export_options(track, settings)
        if track is not None:
            loaded.track(track)
        _write_all(loaded, targets, options, reporter)

    _run(reporter, body)


@main.command()
def presets() -> None:
    """List the shipped mouth-shape presets and their shapes."""
    reporter = _Reporter("none", False)

    def body() -> None:
        from .presets import load_preset, shipped_presets

        for name in shipped_presets():
            preset = load_preset(name)
            timing = preset.timing
            click.echo(f"{name}: {preset.description}")
            shapes = ", ".join(f"{s.name} ({s.label})" if s.label else s.name for s in preset.shape_set.shapes)
            click.echo(f"    shapes: {shapes}")
            click.echo(f"    rest {preset.rest}, lead {timing.lead_frames} frame(s), hold at least "
                       f"{timing.min_hold_frames} frame(s), on {timing.step}s")
        click.echo("\nA path to your own .toml file works too: see presets/rhubarb.toml for the layout.")

    _run(reporter, body)


@main.command()
def formats() -> None:
    """List the output formats, their file extensions and the applications that read them."""
    reporter = _Reporter("none", False)

    def body() -> None:
        from .exporters import all_exporters

        for exporter in all_exporters():
            extensions = " ".join(exporter.extensions) or "(use -f)"
            click.echo(f"{exporter.name:<14} {extensions:<12} {exporter.description}")
            if exporter.importers:
                click.echo(f"{'':<14} {'':<12} read by: {exporter.importers}")

    _run(reporter, body)


@main.command()
@click.argument("reference", required=False, type=click.Path(path_type=str))
@click.argument("result", required=False, type=click.Path(path_type=str))
@click.option("--manifest", type=click.Path(path_type=str), help="A manifest TSV (columns utt, tsv...) of references to score.")
@click.option("--results", type=click.Path(path_type=str), help="With --manifest: the folder holding <utt>.tsv results.")
@click.option("--suffix", default=".tsv", show_default=True, help="With --manifest: the results' file suffix.")
@click.option("--fps", default=24.0, type=float, show_default=True, help="Frame rate at which both timelines are sampled.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
def evaluate(reference: str | None, result: str | None, manifest: str | None, results: str | None,
             suffix: str, fps: float, as_json: bool) -> None:
    """Score a RESULT sheet against a REFERENCE timing (acc9, acc3, rest, closure, flicker).

    References: TIMIT .phn, HTK/Festival .lab, Praat TextGrid, Papagayo .pgo, three-column TSV,
    lipsync sheet JSON, Rhubarb TSV. Results: Rhubarb TSV/JSON or lipsync sheet JSON.

    \b
    Examples:
      lipsync evaluate take1.TextGrid take1.tsv
      lipsync evaluate --manifest eval/manifest.tsv --results out/
    """
    reporter = _Reporter("none", False)

    def body() -> None:
        from . import evaluate as scoring
        from .errors import OptionError

        if manifest:
            if not results:
                raise OptionError("--manifest needs --results DIR", "the folder with one result per row")
            rows, total = scoring.evaluate_manifest(manifest, results, fps=fps, result_suffix=suffix)
        elif reference and result:
            total = scoring.evaluate_pair(reference, result, fps=fps)
            rows = [(Path(result).stem, total)]
        else:
            raise OptionError("give REFERENCE and RESULT, or --manifest and --results",
                              "see 'lipsync evaluate --help'")
        if as_json:
            click.echo(json.dumps({"files": {name: scoring.scores_to_dict(s) if s else None for name, s in rows},
                                   "total": scoring.scores_to_dict(total)}, indent=1))
        else:
            click.echo(scoring.format_report(rows, total))
        if any(scores is None for _, scores in rows):
            sys.exit(1)

    _run(reporter, body)


@main.command()
@click.argument("original", type=click.Path(path_type=str))
@click.argument("dub", type=click.Path(path_type=str))
@click.option("--script", "--dub-script", "-s", "dub_script", type=click.Path(path_type=str), help="The dub's script, when DUB is a voice track.")
@click.option("--original-script", type=click.Path(path_type=str), help="The original's script, when ORIGINAL is a voice track.")
@click.option("--output", "-o", "outputs", multiple=True, type=click.Path(path_type=str), help="Report file, format by extension: .json, .html, .txt (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON report on stdout instead of the table.")
@click.option("--preset", "-p", default="anime-3", show_default=True, help="Mouth-shape set: analyzes voice tracks, and maps XDTS drawing numbers to openness (anime-3: 1 closed, 2 half, 3 open).")
@click.option("--fps", "-r", default="24", show_default=True, help="Frame rate of voice-track analysis and of XDTS sheets (XDTS stores none).")
@click.option("--threshold", type=click.FloatRange(0, 100), default=70.0, show_default=True, help="Lines scoring under this are flagged: by default a voice more than 4 frames late or 2 early at 24 fps (ITU-R BT.1359), or flaps that disagree as much.")
@click.option("--max-shift", type=click.IntRange(0, 96), default=12, show_default=True, help="Largest shift (frames) searched for a suggestion.")
@click.option("--stretch-range", default="0.8:1.25", show_default=True, help="Time-stretch factors searched, MIN:MAX.")
@click.option("--track", help="The original's mouth track or XDTS layer (default: the mouth layer, or the only track).")
@click.option("--dub-track", help="The dub's track (default: the only track, or the one named like the original's).")
@click.option("--retime-sheet", type=click.Path(path_type=str), help="Write a corrected sheet for the dub here (any format by extension, e.g. .xdts).")
@click.option("--retime-mode", type=click.Choice(["reanimate", "conform"]), default="reanimate", show_default=True, help="reanimate: the picture's mouths with flagged lines re-timed to the dub; conform: the dub's sheet moved/stretched by the suggestions.")
@click.option("--language", "-l", default="en-us", show_default=True, help="Script language for voice-track analysis (espeak-ng code).")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=os.cpu_count() or 1, show_default="number of CPUs", help="Worker processes for analysis of long voice tracks.")
@click.option("--passes", type=click.IntRange(1, 8), default=3, show_default=True, help="Alignment passes at shifted frame phases for voice tracks (see analyze --passes): the same take moved by a few frames gets the same chart.")
@click.option("--quiet", "-q", is_flag=True, help="No table and no warnings (reports are still written).")
@click.option("--check", is_flag=True, help="Exit status 1 when any line is flagged (for CI); reports are still written.")
@click.option("--fail-under", type=click.FloatRange(0, 100), default=None, metavar="SCORE", help="Same as --threshold SCORE --check.")
def fit(original: str, dub: str, dub_script: str | None, original_script: str | None, outputs: tuple[str, ...],
        as_json: bool, preset: str, fps: str, threshold: float, max_shift: int, stretch_range: str,
        track: str | None, dub_track: str | None, retime_sheet: str | None, retime_mode: str,
        language: str, jobs: int, passes: int, quiet: bool, check: bool, fail_under: float | None) -> None:
    """Score how well a DUB fits the ORIGINAL mouth flaps, line by line, and say how to fix it.

    ORIGINAL is the picture's mouth timing: an XDTS timesheet or a lipsync sheet (.json), or the
    original voice track (analyzed first, with --original-script). DUB is the dubbed voice track
    (with --script) or a sheet. Lines pair by the scripts' line times, else by speech segments.

    \b
    Examples:
      lipsync fit c012.xdts dub_c012.wav --script dub_c012.txt -o fit.html
      lipsync fit jp.wav en.wav --original-script jp.srt --script en.srt -o fit.json -o fit.html
      lipsync fit c012.xdts en.json --retime-sheet c012_en.xdts
      lipsync fit c012.xdts dub.wav -s dub.txt --fail-under 60 -q   # CI: exit 1 if a line scores < 60

    Exit status: 0, or 1 with --check/--fail-under when a line is flagged, 2 on bad input.
    """
    reporter = _Reporter("none", quiet)

    def body() -> None:
        from .errors import OptionError
        from .fit import FitJob, FitSettings, run_fit_job
        from .fit.report import report_to_json, report_to_text

        low, sep, high = stretch_range.partition(":")
        try:
            stretch_min, stretch_max = float(low), float(high)
        except ValueError:
            raise OptionError(f"not a stretch range: {stretch_range!r}", "write MIN:MAX, e.g. 0.8:1.25") from None
        if not sep or not 0.2 <= stretch_min <= 1.0 <= stretch_max <= 5.0:
            raise OptionError(f"stretch range {stretch_range!r} must contain 1.0 (between 0.2 and 5)", "e.g. 0.8:1.25")
        settings = FitSettings(threshold=threshold if fail_under is None else fail_under, max_shift=max_shift, stretch_min=stretch_min,
                               stretch_max=stretch_max)
        job = FitJob(original, dub, original_script=original_script, dub_script=dub_script, preset=preset, fps=fps,
                     track=track, dub_track=dub_track, language=language, outputs=outputs,
                     retime_sheet=retime_sheet, retime_mode=retime_mode, settings=settings, jobs=jobs, passes=passes)
        result = run_fit_job(job)
        if as_json:
            click.echo(report_to_json(result.report), nl=False)
        elif not quiet:
            click.echo(report_to_text(result.report), nl=False)
        for path in result.written:
            reporter.info(f"wrote {path}")
        failed.append((check or fail_under is not None) and bool(result.report.flagged))

    failed: list[bool] = []
    _run(reporter, body)
    if any(failed):
        sys.exit(1)


class _BatchDisplay:
    """Batch progress on stderr: an overall bar (jobs, hours of audio, ETA) and one status line
    per worker on a terminal; one line per finished job otherwise; JSON lines with --progress json."""

    def __init__(self, reporter: _Reporter) -> None:
        self.reporter = reporter
        self.progress: Any = None
        self.overall: Any = None
        self.workers: dict[str, Any] = {}
        self.running: dict[str, str] = {}
        self.jobs_total = 0
        self.jobs_done = 0
        self.audio_total = 0.0

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if self.reporter.mode == "json":
            self.reporter.event(**event)
            return
        if kind == "plan":
            self.jobs_total = event["to_run"]
            self.audio_total = event["audio_seconds"]
            self.reporter.info(f"{event['jobs']} jobs: {event['up_to_date']} up to date, {event['to_run']} to run"
                               + (f" ({self.audio_total / 3600:.2f} h of audio) on {event['executor']}"
                                  if event["to_run"] else ""))
            if self.reporter.mode == "bar" and self.jobs_total:
                self._start()
        elif kind == "job-start" and self.progress is not None:
            from rich.markup import escape

            task = self.workers.get(event["worker"])
            number = len(self.workers) + 1 if task is None else list(self.workers).index(event["worker"]) + 1
            description = f"  worker {number}: {escape(event['job'])}"
            if task is None:
                self.workers[event["worker"]] = self.progress.add_task(description, total=1.0, jobs="", audio="")
            else:
                self.progress.update(task, description=description, completed=0, total=1.0)
            self.running[event["worker"]] = event["job"]
        elif kind == "job-progress" and self.progress is not None:
            for worker, job in self.running.items():
                if job == event["job"] and worker in self.workers:
                    self.progress.update(self.workers[worker], completed=event["done"], total=max(event["total"], 1e-9))
        elif kind == "job-done":
            self.jobs_done += 1
            status = event["status"]
            message = f"{event['job']}: {status}"
            if event.get("error"):
                message += f": {event['error']}"
            if self.progress is not None:
                self.running.pop(event.get("worker"), None)
                if status == "failed":
                    self.progress.console.print(f"failed: {event['job']}: {event.get('error')}", markup=False,
                                                highlight=False)
                self.progress.update(self.overall, jobs=f"{self.jobs_done}/{self.jobs_total} jobs")
                task = self.workers.get(event.get("worker"))
                if task is not None:
                    name = self.progress.tasks[task].description.split(":")[0]
                    self.progress.update(task, description=f"{name}: idle", completed=0, total=1.0)
            elif not self.reporter.quiet:
                click.echo(f"[{self.jobs_done}/{self.jobs_total}] {message}", err=True)
        elif kind == "progress" and self.progress is not None:
            self.progress.update(self.overall, completed=event["audio_done"],
                                 audio=f"{event['audio_done'] / 3600:.2f}/{event['audio_total'] / 3600:.2f} h")

    def _start(self) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                                 TextColumn("{task.fields[jobs]}"), TextColumn("{task.fields[audio]}"),
                                 TimeElapsedColumn(), TimeRemainingColumn(), transient=True)
        self.progress.start()
        self.overall = self.progress.add_task("batch", total=max(self.audio_total, 1e-9),
                                              jobs=f"0/{self.jobs_total} jobs",
                                              audio=f"0.00/{self.audio_total / 3600:.2f} h")

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


def _print_report(report: Any, rich_table: bool) -> None:
    from .batch.report import HEADER, report_table, summary, table_rows

    if not rich_table:
        click.echo(report_table(report), nl=False)
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(*HEADER, show_lines=False)
    styles = {"done": "green", "up-to-date": "cyan", "failed": "bold red", "not-run": "yellow"}
    for row in table_rows(report):
        table.add_row(escape(row[0]), f"[{styles.get(row[1], 'default')}]{row[1]}[/]", *(escape(c) for c in row[2:]))
    console = Console()
    console.print(table)
    console.print(summary(report), markup=False, highlight=False)


@main.command()
@click.argument("manifest", required=False, type=click.Path(path_type=str))
@click.option("--output", "-o", "outdir", required=True, type=click.Path(path_type=str), help="Output folder: <episode>/<character>.<format>, the batch report and the journal go there.")
@click.option("--glob", "pattern", help="Instead of a manifest: the audio files, e.g. 'S01/E*/dialogue_*.wav' (quote it). Episode = folder name, character = what * matched.")
@click.option("--script-pattern", help="With --glob: each file's script, e.g. '{dir}/script.srt' ({dir} {stem} {episode} {character}).")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=os.cpu_count() or 1, show_default="number of CPUs", help="Local worker processes (one job each at a time).")
@click.option("--scheduler", help="Run on a Dask cluster instead: tcp://HOST:PORT or a scheduler file.")
@click.option("--force", is_flag=True, help="Redo every job, even those that are up to date.")
@click.option("--dry-run", is_flag=True, help="Check the manifest and list what would run; run nothing.")
@click.option("--preset", "-p", default=None, show_default="rhubarb; anime-3 for fit rows", help="Preset for rows that name none.")
@click.option("--fps", "-r", default="24", show_default=True, help="Frame rate for rows that name none.")
@click.option("--language", "-l", default="en-us", show_default=True, help="Language for rows that name none.")
@click.option("--format", "-f", "formats", default="tsv", show_default=True, help="Output formats for rows that name none (the sheet .json is always written too).")
@click.option("--channel", type=click.IntRange(1, 64), help="Channel for rows that name none (default: mix all).")
@click.option("--start-timecode", help="Start timecode for rows that name none.")
@click.option("--diarize", "diarize_model", type=click.Path(path_type=str), help="Local pyannote pipeline folder (with config.yaml): one mouth track per speaker of a mixed stem. Needs lipsync[diarize].")
@click.option("--speakers", "speaker_names", type=click.Path(path_type=str), help="Speaker names: a file of LABEL=NAME lines (SPEAKER_00=BOB), or .json/.toml.")
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE", help="Format setting for every job (repeatable).")
@click.option("--fail-under", type=click.FloatRange(0, 100), default=None, metavar="SCORE", help="Fit rows: flag lines under SCORE and fail the job when any is flagged (a row's threshold, fail_under or check column wins).")
@click.option("--fail-on", "fail_on", type=click.Choice(["uncertain", "missing"]), multiple=True, help="Fail an analysis job whose script has uncertain (or not found) lines, or lines not found (missing); its outputs are still written.")
@click.option("--allow-mismatch", is_flag=True, help="A script that does not match its recording is a warning, not a failed job (see analyze --allow-mismatch).")
@click.option("--progress", type=click.Choice(["auto", "bar", "json", "none"]), default="auto", show_default=True, help="Progress on stderr: bars on a terminal, or JSON lines.")
@click.option("--quiet", "-q", is_flag=True, help="No progress and no table; the report files and exit status only.")
def batch(manifest: str | None, outdir: str, pattern: str | None, script_pattern: str | None, jobs: int,
          scheduler: str | None, force: bool, dry_run: bool, preset: str, fps: str, language: str, formats: str,
          channel: int | None, start_timecode: str | None, diarize_model: str | None, speaker_names: str | None,
          settings: tuple[str, ...], fail_under: float | None, fail_on: tuple[str, ...], allow_mismatch: bool,
          progress: str, quiet: bool) -> None:
    """Analyze many voice stems (a season) from a MANIFEST or --glob, in parallel, resumably;
    and check dubs against the original mouths (rows with kind = fit).

    MANIFEST is a CSV/TSV (header row) or TOML ([defaults], [[job]]) file with the columns
    audio (required), script, episode, character, language, preset, fps, formats, channel,
    start_timecode, diarize, speakers; relative paths are relative to it. A row with
    kind = fit is a dub-fit check (like 'lipsync fit'): original, audio (or dub) and script
    are the two sides, plus original_script, original_track, dub_track, threshold, fail_under,
    check, retime_sheet (a format), retime_mode; its formats are reports (json, html, txt).
    Everything is checked before any job runs. Outputs: OUTDIR/<episode>/<character>.<format>,
    plus the sheet .json (fit rows: <character>.fit.json/.fit.html, <character>.retimed.<ext>),
    batch-report.json and batch-report.txt. Jobs whose inputs, options and lipsync version are
    unchanged are skipped; an interrupted batch resumes when run again.
    A job whose script does not match its recording fails with that message (unless
    --allow-mismatch); the report gives each analysis job's script lines aligned, uncertain and
    not found, and --fail-on uncertain|missing fails the jobs that have them.
    Exit status: 0 all done, 1 some job failed (a fit row fails on flagged lines only with
    check/fail_under), 2 a user error, 130 interrupted.

    \b
    Examples:
      lipsync batch season1.csv -o out -j 4
      lipsync batch --glob 'S01/E*/dialogue_*.wav' --script-pattern '{dir}/script.srt' -o out
      lipsync batch season1.toml -o /shared/out --scheduler tcp://10.0.0.5:8786
      lipsync batch mixes.csv -o out --diarize models/speaker-diarization --speakers names.txt
    """
    reporter = _Reporter(progress, quiet)
    display = _BatchDisplay(reporter)

    def body() -> None:
        import signal

        from .batch import Defaults, jobs_from_glob, read_manifest, run_batch
        from .batch.executors import DaskExecutor, LocalExecutor
        from .errors import OptionError

        if bool(manifest) == bool(pattern):
            raise OptionError("give a MANIFEST or --glob PATTERN (one of them)", "see 'lipsync batch --help'")
        if script_pattern and not pattern:
            raise OptionError("--script-pattern goes with --glob", "in a manifest, give each row's script")
        pairs = tuple(sorted(_export_options(None, settings).extra.items()))
        defaults = Defaults(language=language, preset=preset or "rhubarb", fit_preset=preset or "anime-3", fps=fps,
                            fail_under=fail_under, fail_on=tuple(sorted(set(fail_on))),
                            allow_mismatch=allow_mismatch,
                            formats=tuple(f for f in (p.strip() for p in formats.split(",")) if f),
                            channel=channel, start_timecode=start_timecode, diarize=diarize_model,
                            speakers=speaker_names, settings=pairs)
        todo = read_manifest(manifest, defaults) if manifest else jobs_from_glob(pattern, script_pattern, defaults)
        if dry_run:
            from .batch import plan_batch

            for job, _, _, skip in plan_batch(todo, outdir, force):
                state = "up to date" if skip else ("will fail: " + job.problem if job.problem else "to run")
                click.echo(f"{job.id}\t{state}\t{job.audio}")
            return
        executor = DaskExecutor(scheduler) if scheduler else LocalExecutor(jobs)

        def stop(signum: int, frame: Any) -> None:
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGTERM, stop)
        try:
            report = run_batch(todo, outdir, executor, force=force, on_event=display)
        finally:
            signal.signal(signal.SIGTERM, previous)
            display.close()
            executor.close()
        if not quiet and reporter.mode != "json":
            _print_report(report, sys.stdout.isatty())
        sys.exit(report.exit_code)

    try:
        _run(reporter, body)
    finally:
        display.close()
