"""The ``lipsync`` command line: thin click commands over the library.

Each command parses its options, calls the library and reports. User mistakes arrive as
:class:`~lipsync.errors.LipsyncError` and are printed on one line with a hint; the exit status is
non-zero and no traceback is shown. Heavy modules are imported inside the commands so that
``lipsync --help`` starts instantly.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from .errors import LipsyncError

if TYPE_CHECKING:
    from .audio import AudioLoading

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
        try:
            action()
        finally:
            sys.stdout.flush()  # a full disk or closed pipe shows here, not at interpreter exit
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
    except OSError as error:
        if error.errno not in _OUTPUT_ERRNOS:
            raise
        reporter.close()
        _output_failed(error)
    finally:
        reporter.close()
        logger.removeHandler(handler)


#: Write failures of standard output (a full disk, a closed pipe, an I/O error, a file too large).
_OUTPUT_ERRNOS = {errno.ENOSPC, errno.EPIPE, errno.EIO, errno.EDQUOT, errno.EFBIG}


def _output_failed(error: OSError) -> NoReturn:
    """Standard output cannot be written: one line on stderr and exit 2 (a closed pipe, as after
    ``| head``, exits quietly with 141 like other command-line tools)."""
    try:  # what is still buffered goes to the null device instead of failing again at exit
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError):  # stdout has no file descriptor (a test runner's buffer)
        pass
    if error.errno == errno.EPIPE:
        sys.exit(141)
    click.echo(f"error: cannot write the output: {error.strerror} "
               "(hint: free some space, or write to a file with -o)", err=True)
    sys.exit(2)


class _Group(click.Group):
    """The command group; also turns a failing standard output during --help into one line."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().main(*args, **kwargs)
        except OSError as error:
            if error.errno not in _OUTPUT_ERRNOS:
                raise
            _output_failed(error)


def _settings(settings: Sequence[str]) -> dict[str, str]:
    """``--set KEY=VALUE`` options as a dict (OptionError for one without ``=``)."""
    from .errors import OptionError

    extra = {}
    for setting in settings:
        key, sep, value = setting.partition("=")
        if not sep or not key.strip():
            raise OptionError(f"not a KEY=VALUE setting: {setting!r}", "for example --set cut=12")
        extra[key.strip()] = value
    return extra


def _export(sheet: Any, formats: str | None, output: str | None, reporter: _Reporter, *, track: str | None = None,
            settings: dict[str, str] | None = None, audio: Any = None, inputs: Sequence[str] = ()) -> list[str]:
    """Export through the library's one export path; standard output when there is no -o."""
    from .export import render, write

    rendering = render(sheet, formats, output, track=track, settings=settings, audio=audio, inputs=inputs)
    result = write(rendering)
    for item in rendering.outputs:
        if item.path is None and item.data is not None:
            sys.stdout.buffer.write(item.data)
            sys.stdout.buffer.flush()
    for warning in result.warnings:
        reporter.warn(warning)
    for item in rendering.outputs:
        if item.path is not None:
            reporter.info(f"wrote {item.path} ({item.format})")
    return [str(path) for path in result.files]


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
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
      lipsync doctor         # what is installed and missing, for a first run and bug reports
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
@click.option("--start-timecode", help="Timecode of the first frame: HH:MM:SS:FF non-drop, HH:MM:SS;FF drop-frame (29.97/59.94). Every timecode written follows it; without it, drop-frame at 29.97/59.94.")
@click.option("--language", "-l", default="en-us", show_default=True, help="Language of the dialogue: a BCP-47 or espeak-ng code (es, es-419, fr, de, pt-br, ja, zh...), an ISO 639-2/3 code (spa, deu), its name (spanish, español), or 'auto' to tell it from the script.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=os.cpu_count() or 1, show_default="number of CPUs", help="Worker processes for long recordings; the output is identical for any number.")
@click.option("--lead", type=click.IntRange(0, 12), help="Frames the mouth leads the sound (default: the preset's).")
@click.option("--min-hold", type=click.IntRange(1, 24), help="Fewest frames a shape is held (default: the preset's).")
@click.option("--step", type=click.IntRange(1, 4), help="Animate on ones (1), twos (2), threes (3) or fours (4) (default: the preset's).")
@click.option("--track-name", help="Name of the mouth track for lines without a speaker (default: the audio file name). Characters' tracks are named after them.")
@click.option("--passes", type=click.IntRange(1, 8), default=1, show_default=True, help="With a script: align it this many times at shifted 10 ms frame phases and keep the median timing (steadier where the frames fall, not more accurate; this many times the alignment work).")
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
        if jobs == 1:
            return analyze_with(None)
        # with workers, the audio is decoded while the rest of lipsync loads and the script is
        # read: they start sooner (one job keeps to one core)
        from .audio import AudioLoading

        with AudioLoading(audio, channel) as loading:
            return analyze_with(loading)

    def analyze_with(loading: AudioLoading | None) -> None:
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
        from .export import check_target

        inputs = tuple(path for path in (audio, script) if path)
        chosen_settings = _settings(settings)
        check_target(formats, output, inputs, settings=chosen_settings)
        reporter.event(event="start", audio=audio, script=script, preset=chosen.name, fps=str(rate))
        result = run_analysis(loading or audio, script, preset=chosen, fps=rate, channel=channel,
                              start_timecode=start_timecode, language=language, jobs=jobs,
                              track_name=track_name, speaker=speaker, script_format=script_format,
                              columns=parse_columns(columns), passes=passes, allow_mismatch=allow_mismatch,
                              on_progress=lambda p: reporter.progress(p.stage, p.done, p.total))
        reporter.close()
        for warning in result.warnings:
            reporter.warn(warning)
        written = _export(result.sheet, formats, output, reporter, settings=chosen_settings, audio=audio,
                          inputs=inputs)
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
@click.option("--from", "input_format", help="SHEET's format (default: from its extension and content; `lipsync formats` marks those it reads).")
@click.option("--fps", "-r", help="Frame rate of a SHEET format that stores none (XDTS, TextGrid, .dat, Rhubarb, .lab). Default: 24.")
@click.option("--preset", "-p", help="Mouth-shape set SHEET's mouth names or XDTS drawing numbers belong to, and that animates a file of phones (.lab). Default: the shipped preset with every name used.")
@click.option("--quiet", "-q", is_flag=True, help="No messages.")
def export(sheet: str, formats: str | None, output: str | None, track: str | None,
           settings: tuple[str, ...], input_format: str | None, fps: str | None, preset: str | None,
           quiet: bool) -> None:
    """Export SHEET to other formats without re-analysis: a lipsync sheet (.json) or any format
    lipsync reads (XDTS, TextGrid, Papagayo .pgo/.pg2, Moho .dat, Rhubarb TSV/JSON/XML, .lab).

    \b
    Examples:
      lipsync export ep01.json -f xdts,dat -o out/ep01
      lipsync export take.pgo -f xdts -o take.xdts
      lipsync export c012.xdts -p anime-3 --fps 23.976 -f tsv -o c012.tsv
    """
    reporter = _Reporter("none", quiet)

    def body() -> None:
        from .export import load_sheet

        loaded = load_sheet(sheet, input_format, fps=fps, preset=preset)
        _export(loaded, formats, output, reporter, track=track, settings=_settings(settings), inputs=(sheet,))

    _run(reporter, body)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the diagnosis as JSON.")
def doctor(as_json: bool) -> None:
    """Show what this installation has and lacks: versions of lipsync, Python and its libraries,
    and each program, font and extra a feature needs, with the command that installs it.

    Paste its output into bug reports. Exit status 1 when something required (espeak-ng) is
    missing, else 0.
    """
    reporter = _Reporter("none", False)
    failed: list[bool] = []

    def body() -> None:
        from .doctor import diagnose, render_json, render_text

        diagnosis = diagnose()
        click.echo(render_json(diagnosis) if as_json else render_text(diagnosis), nl=False)
        failed.append(bool(diagnosis.exit_code))

    _run(reporter, body)
    if any(failed):
        sys.exit(1)


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
            seconds = f" and {timing.min_hold_seconds:g} s" if timing.min_hold_seconds else ""
            click.echo(f"    rest {preset.rest}, lead {timing.lead_frames} frame(s), hold at least "
                       f"{timing.min_hold_frames} frame(s){seconds}, on {timing.step}s")
        click.echo("\nA path to your own .toml file works too: see presets/rhubarb.toml for the layout.")

    _run(reporter, body)


@main.command()
@click.option("--settings", "show_settings", is_flag=True, help="Also list each format's --set settings and their values.")
def formats(show_settings: bool) -> None:
    """List the output formats, their file extensions and the applications that read them."""
    reporter = _Reporter("none", False)

    def body() -> None:
        import importlib.util

        from .export import AUDIO_FORMATS
        from .exporters import all_exporters

        for exporter in all_exporters():
            extensions = " ".join(exporter.extensions) or exporter.file_suffix
            reads = " (reads too)" if exporter.read is not None else ""
            click.echo(f"{exporter.name:<14} {extensions:<12} {exporter.description}{reads}")
            if exporter.importers:
                click.echo(f"{'':<14} {'':<12} read by: {exporter.importers}")
            if show_settings:
                for setting in exporter.settings:
                    click.echo(f"{'':<14} {'':<12} --set {setting.describe()}")
        for audio_format in AUDIO_FORMATS.values():
            if importlib.util.find_spec(audio_format.module) is None:
                continue
            click.echo(f"{audio_format.name:<14} {audio_format.suffix:<12} {audio_format.description} "
                       "(analyze only: needs the audio)")

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
    """Score a RESULT sheet against a REFERENCE timing (acc9, acc3, rest, closure, flicker, and
    the share of phone boundaries within 20 ms with their median error).

    References: TIMIT .phn, HTK/Festival .lab, Praat TextGrid, Papagayo .pgo, three-column TSV,
    lipsync sheet JSON, Rhubarb TSV. Results: Rhubarb TSV/JSON or lipsync sheet JSON. A sheet
    is scored by the mouths it shows (Rhubarb or Preston Blair shapes). The boundary metric
    needs phones in the reference and in the result (a sheet JSON, or with --manifest a sheet
    <utt>.json beside each result).

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
@click.option("--threshold", type=click.FloatRange(0, 100), default=None, help="Lines scoring under this are flagged (default 70: a voice more than about 193 ms late or 121 ms early, 5 frames late or 3 early at 24 fps, at any --fps, ITU-R BT.1359; or flaps that disagree as much).")
@click.option("--max-shift", type=click.IntRange(0, 96), default=12, show_default=True, help="Largest shift (frames) searched for a suggestion.")
@click.option("--stretch-range", default="0.8:1.25", show_default=True, help="Time-stretch factors searched, MIN:MAX.")
@click.option("--track", help="The original's mouth track or XDTS layer (default: the mouth layer, or the only track).")
@click.option("--dub-track", help="The dub's track (default: the only track, or the one named like the original's).")
@click.option("--retime-sheet", type=click.Path(path_type=str), help="Write a corrected sheet for the dub here (any format by extension, e.g. .xdts).")
@click.option("--retime-mode", type=click.Choice(["reanimate", "conform"]), default="reanimate", show_default=True, help="reanimate: the picture's mouths with flagged lines re-timed to the dub; conform: the dub's sheet moved/stretched by the suggestions.")
@click.option("--language", "-l", default="en-us", show_default=True, help="Language of the dub's script (voice tracks; espeak-ng or BCP-47 code).")
@click.option("--original-language", show_default="--language", help="Language of the original's script (voice tracks).")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=os.cpu_count() or 1, show_default="number of CPUs", help="Worker processes for analysis of long voice tracks.")
@click.option("--passes", type=click.IntRange(1, 8), default=3, show_default=True, help="Alignment passes at shifted frame phases for voice tracks (see analyze --passes): the same take moved by a few frames gets the same chart.")
@click.option("--quiet", "-q", is_flag=True, help="No table and no warnings (reports are still written).")
@click.option("--check", is_flag=True, help="Exit status 1 when any line is flagged, a voice track does not say a line as scripted, or an unpaired line is seen: the picture's mouth moving with no dub line, or a dub line where the picture shows the mouth (not off screen). For CI; reports are still written.")
@click.option("--fail-under", type=click.FloatRange(0, 100), default=None, metavar="SCORE", help="Same as --threshold SCORE --check.")
@click.option("--allow-added-lines", is_flag=True, help="Dub lines with no original line (deliberate off-screen lines) do not fail the check; they are still listed.")
def fit(original: str, dub: str, dub_script: str | None, original_script: str | None, outputs: tuple[str, ...],
        as_json: bool, preset: str, fps: str, threshold: float | None, max_shift: int, stretch_range: str,
        track: str | None, dub_track: str | None, retime_sheet: str | None, retime_mode: str,
        language: str, original_language: str | None, jobs: int, passes: int, quiet: bool, check: bool,
        fail_under: float | None, allow_added_lines: bool) -> None:
    """Score how well a DUB fits the ORIGINAL mouth flaps, line by line, and say how to fix it.

    ORIGINAL is the picture's mouth timing: an XDTS timesheet or a lipsync sheet (.json), or the
    original voice track (analyzed first, with --original-script and --original-language). DUB
    is the dubbed voice track (with --script and --language) or a sheet. Lines pair by the
    scripts' line times, else by speech segments.

    \b
    Examples:
      lipsync fit c012.xdts dub_c012.wav --script dub_c012.txt -o fit.html
      lipsync fit jp.wav en.wav --original-script jp.srt --original-language ja --script en.srt -o fit.html
      lipsync fit c012.xdts en.json --retime-sheet c012_en.xdts
      lipsync fit c012.xdts dub.wav -s dub.txt --fail-under 60 -q   # CI: exit 1 if a line scores < 60

    A line a voice track does not say as its script has it (not found in the recording, or
    uncertain) is scored on what it says there and marked '?'.

    Exit status: 0, or 1 with --check/--fail-under when a line is flagged, not said as
    scripted, or unpaired where a viewer sees it (the picture's mouth moving with no dub line,
    a dub line where the picture shows the mouth or has no frame: --allow-added-lines lets those
    pass; off screen, in empty XDTS cells, nothing is seen), 2 on bad input.
    """
    reporter = _Reporter("none", quiet)

    def body() -> None:
        from .errors import OptionError
        from .fit import FitJob, FitSettings, run_fit_job
        from .fit.report import report_to_json, report_to_text

        stretch_min, stretch_max = _number_range(stretch_range, "stretch range", "MIN:MAX, e.g. 0.8:1.25")
        if not 0.2 <= stretch_min <= 1.0 <= stretch_max <= 5.0:
            raise OptionError(f"stretch range {stretch_range!r} must contain 1.0 (between 0.2 and 5)", "e.g. 0.8:1.25")
        flag_under = fail_under if fail_under is not None else threshold if threshold is not None else FitSettings.threshold
        settings = FitSettings(threshold=flag_under, max_shift=max_shift, stretch_min=stretch_min,
                               stretch_max=stretch_max, allow_added_lines=allow_added_lines)
        job = FitJob(original, dub, original_script=original_script, dub_script=dub_script, preset=preset, fps=fps,
                     track=track, dub_track=dub_track, language=language, original_language=original_language,
                     outputs=outputs, retime_sheet=retime_sheet, retime_mode=retime_mode, settings=settings, jobs=jobs, passes=passes)
        result = run_fit_job(job)
        if as_json:
            click.echo(report_to_json(result.report), nl=False)
        elif not quiet:
            click.echo(report_to_text(result.report), nl=False)
        for path in result.written:
            reporter.info(f"wrote {path}")
        failed.append((check or fail_under is not None) and not result.report.passes)

    failed: list[bool] = []
    _run(reporter, body)
    if any(failed):
        sys.exit(1)


@main.command()
@click.argument("original", type=click.Path(path_type=str))
@click.option("--line", "-n", "line", type=int, help="The original line the --text candidates are for (1 = first, in time order).")
@click.option("--text", "-t", "texts", multiple=True, help="A candidate dub line (repeatable).")
@click.option("--script", "-s", "script", type=click.Path(path_type=str), help="A whole dub script instead (SRT/VTT pair with the original by time, plain text line by line).")
@click.option("--language", "-l", required=True, help="The candidates' language (BCP-47 or espeak-ng code: es, fr, pt-br, ja...).")
@click.option("--original-script", type=click.Path(path_type=str), help="The original's script, when ORIGINAL is a voice track.")
@click.option("--original-language", default="en-us", show_default=True, help="Language of the original's script (voice tracks).")
@click.option("--output", "-o", "outputs", multiple=True, type=click.Path(path_type=str), help="Report file, format by extension: .json, .html, .txt (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON report on stdout instead of the table.")
@click.option("--preset", "-p", default="anime-3", show_default=True, help="Mouth-shape set: animates the candidates (and voice tracks), maps XDTS drawings to openness.")
@click.option("--fps", "-r", default="24", show_default=True, help="Frame rate of voice-track analysis and of XDTS sheets.")
@click.option("--track", help="The original's mouth track or XDTS layer, when it has several.")
@click.option("--threshold", type=click.FloatRange(0, 100), default=None, help="Candidates scoring under this are flagged (default: fit's threshold, 70, since a candidate's score is what fit can be expected to give its take).")
@click.option("--rate-range", default="0.75:1.4", show_default=True, help="How much slower:faster than natural a speaker can go.")
@click.option("--quiet", "-q", is_flag=True, help="No table (reports are still written).")
@click.option("--check", is_flag=True, help="Exit status 1 when a line's best candidate is flagged, or when a line of the original has no line in the --script (for CI).")
def adapt(original: str, line: int | None, texts: tuple[str, ...], script: str | None, language: str,
          original_script: str | None, original_language: str, outputs: tuple[str, ...], as_json: bool, preset: str,
          fps: str, track: str | None, threshold: float | None, rate_range: str, quiet: bool, check: bool) -> None:
    """Score candidate dub lines against the ORIGINAL mouth flaps from their text alone, before
    anyone records them: predicted flaps, the fit score (same scale as 'lipsync fit'), the
    speaking rate each needs and where its closures (m, b, p) fall; best first.

    ORIGINAL is what 'lipsync fit' takes: an XDTS timesheet, a lipsync sheet (.json), or the
    original voice track with --original-script.

    \b
    Examples:
      lipsync adapt c012.xdts --line 3 --text "Nunca lo pensé" --text "Jamás lo creí" -l es
      lipsync adapt jp.wav --original-script jp.srt --script es.srt -l es -o adapt.html
      lipsync adapt c012.json --script dub.txt -l fr --check -q   # CI: exit 1 on a flagged line

    Exit status: 0, or 1 with --check when a line's best candidate is flagged or a line has no
    dub line, 2 on bad input.
    """
    reporter = _Reporter("none", quiet)

    def body() -> None:
        from .fit import FitSettings
        from .fit.adapt import AdaptSettings
        from .fit.adapt_job import AdaptJob, run_adapt_job
        from .fit.adapt_report import report_to_json, report_to_text

        slowest, fastest = _number_range(rate_range, "rate range", "SLOWEST:FASTEST, e.g. 0.75:1.4")
        fit = FitSettings() if threshold is None else FitSettings(threshold=threshold)
        settings = AdaptSettings(fit=fit, slowest=slowest, fastest=fastest, preset=preset)
        job = AdaptJob(original, language, texts=texts, line=line, script=script, original_script=original_script,
                       original_language=original_language, preset=preset, fps=fps, track=track, outputs=outputs,
                       settings=settings)
        report, written = run_adapt_job(job)
        if as_json:
            click.echo(report_to_json(report), nl=False)
        elif not quiet:
            click.echo(report_to_text(report), nl=False)
        for path in written:
            reporter.info(f"wrote {path}")
        failed.append(check and bool(report.failing))

    failed: list[bool] = []
    _run(reporter, body)
    if any(failed):
        sys.exit(1)


@main.command()
@click.argument("sheet", type=click.Path(path_type=str))
@click.argument("audio", required=False, type=click.Path(path_type=str))
@click.option("--mouths", type=click.Path(path_type=str), help="Folder of your own mouth drawings: one image per shape name or drawing number (PNG, SVG, JPEG). Default: the built-in drawings.")
@click.option("--preset", "-p", help="Preset whose rules re-animate a moved word (default: the sheet's); it also names the mouths of formats that store drawing numbers (XDTS, .dat).")
@click.option("--fps", "-r", help="Frame rate of a sheet format that stores none (TSV, TextGrid, .lab...; default 24).")
@click.option("--export", "exports", metavar="FORMATS", help="Formats written beside the sheet on every save, comma-separated (e.g. xdts,dat); more can be ticked on the page.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every interface). Anything but this machine's own lets other machines reach the page (they still need the token); prefer an SSH tunnel.")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True, help="Port to listen on; the next free one when it is in use.")
@click.option("--no-browser", is_flag=True, help="Only print the address (for remote use, e.g. through an SSH tunnel).")
@click.option("--rythmo", "--rhythmo", "rythmo", type=click.Path(path_type=str), help="Show a rhythmo band of the dub under the waveform: a dub script (SRT, text...; timed onto SHEET's lines from its text) or a recorded dub's aligned sheet (.json).")
@click.option("--language", "-l", default="en-us", show_default=True, help="With --rythmo and a dub script: the dub's language.")
def review(sheet: str, audio: str | None, mouths: str | None, preset: str | None, fps: str | None,
           exports: str | None, host: str, port: int, no_browser: bool, rythmo: str | None, language: str) -> None:
    """Check and fix SHEET in the browser: waveform, words, phones and mouth cues on the frame
    grid, the mouth drawn at the playhead, edits, save and re-export. SHEET is any sheet lipsync
    reads (its JSON, XDTS, .dat, TSV...) or a dub-fit report (fit.json); AUDIO defaults to the
    sheet's source. Ctrl+C stops."""
    reporter = _Reporter("none", False)

    def body() -> None:
        from .review.server import LOOPBACK, ReviewServer
        from .review.session import ReviewSession

        from .export import choose_formats

        formats = [f.name for f in choose_formats(exports)] if exports else []
        session = ReviewSession(sheet, audio, mouths=mouths, preset=preset, exports=formats, fps=fps,
                                rythmo=rythmo, language=language)
        server = ReviewServer(session, host, port)
        if host not in LOOPBACK:
            reporter.warn(f"listening on {host}: other machines that can reach it may open the page with "
                          "its address (for remote use, an SSH tunnel to 127.0.0.1 is safer)")
        if server.port != port:
            reporter.info(f"port {port} is in use: using {server.port}")
        click.echo(f"Review page: {server.url}")
        click.echo("Press Ctrl+C to stop.")
        sys.stdout.flush()
        if not no_browser:
            import webbrowser

            webbrowser.open(server.url)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            click.echo("stopped", err=True)
        finally:
            server.server_close()

    _run(reporter, body)


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
        from .batch.report import audio_length

        kind = event.get("event")
        if self.reporter.mode == "json":
            self.reporter.event(**event)
            return
        if kind == "plan":
            self.jobs_total = event["to_run"]
            self.audio_total = event["audio_seconds"]
            self.reporter.info(f"{event['jobs']} jobs: {event['up_to_date']} up to date, {event['to_run']} to run"
                               + (f" ({audio_length(self.audio_total)} of audio) on {event['executor']}"
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
                                 audio=f"{audio_length(event['audio_done'])}/{audio_length(event['audio_total'])}")

    def _start(self) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                                 TextColumn("{task.fields[jobs]}"), TextColumn("{task.fields[audio]}"),
                                 TimeElapsedColumn(), TimeRemainingColumn(), transient=True)
        self.progress.start()
        from .batch.report import audio_length

        self.overall = self.progress.add_task("batch", total=max(self.audio_total, 1e-9),
                                              jobs=f"0/{self.jobs_total} jobs",
                                              audio=f"0 s/{audio_length(self.audio_total)}")

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


def _number_range(value: str, what: str, form: str) -> tuple[float, float]:
    """``LOW:HIGH`` as two numbers; an OptionError naming ``what`` and its ``form`` otherwise."""
    from .errors import OptionError

    low, _, high = value.partition(":")
    try:
        return float(low), float(high)
    except ValueError:
        raise OptionError(f"not a {what}: {value!r}", f"write {form}") from None


def _check_option(option: str, check: Callable[[], object]) -> None:
    """Run ``check`` on a command-line option's value; its error becomes one OptionError naming
    the option (rather than one problem per manifest row that inherits the value)."""
    from .errors import OptionError

    try:
        check()
    except LipsyncError as error:
        raise OptionError(f"{option}: {error.message}", error.hint) from None


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
    check, max_shift, allow_added_lines, retime_sheet (a format), retime_mode; its formats are
    reports (json, html, txt).
    Everything is checked before any job runs. Outputs: OUTDIR/<episode>/<character>.<format>,
    plus the sheet .json (fit rows: <character>.fit.json/.fit.html, <character>.retimed.<ext>),
    batch-report.json and batch-report.txt. Jobs whose inputs, options and lipsync version are
    unchanged are skipped; an interrupted batch resumes when run again.
    A job whose script does not match its recording fails with that message (unless
    --allow-mismatch); the report gives each analysis job's script lines aligned, uncertain and
    not found, and --fail-on uncertain|missing fails the jobs that have them.
    Exit status: 0 all done, 1 some job failed (a fit row fails on flagged, off-script or seen
    unpaired lines only with check/fail_under), 2 a user error, 130 interrupted.

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
        pairs = tuple(sorted(_settings(settings).items()))
        defaults = Defaults(language=language, preset=preset or "rhubarb", fit_preset=preset or "anime-3", fps=fps,
                            fail_under=fail_under, fail_on=tuple(sorted(set(fail_on))),
                            allow_mismatch=allow_mismatch,
                            formats=tuple(f for f in (p.strip() for p in formats.split(",")) if f),
                            channel=channel, start_timecode=start_timecode, diarize=diarize_model,
                            speakers=speaker_names, settings=pairs)
        if language.strip().lower() != "auto":
            from .languages import espeak_code

            _check_option("--language", lambda: espeak_code(language))
        if diarize_model:
            from .diarize import check_model

            _check_option("--diarize", lambda: check_model(diarize_model))
        if speaker_names:
            from .diarize import read_speaker_names

            _check_option("--speakers", lambda: read_speaker_names(speaker_names))
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


@main.command()
@click.argument("sheet", type=click.Path(path_type=str))
@click.argument("audio", required=False, type=click.Path(path_type=str))
@click.option("--output", "-o", type=click.Path(path_type=str), help="The video file (.mp4). Default: the sheet's name with .mp4, beside it.")
@click.option("--size", default="960x540", show_default=True, help="Picture size WIDTHxHEIGHT (even numbers).")
@click.option("--background", default="#f4efe6", show_default=True, help="Background: a colour (#rrggbb or a name such as white) or an image file.")
@click.option("--mouths", type=click.Path(path_type=str), help="A folder of your own mouth drawings, one per shape, named by shape name or drawing number (MBP.png, 7.svg; PNG, SVG or JPEG). Default: the built-in drawings.")
@click.option("--preset", "-p", help="The preset whose mouths are drawn (a shipped name or a .toml file). Default: the sheet's preset.")
@click.option("--track", "tracks", multiple=True, help="Show only this track (repeatable). Default: every track.")
@click.option("--from", "input_format", help="SHEET's format (default: from its extension and content; `lipsync formats` marks those it reads).")
@click.option("--fps", "-r", help="Frame rate of a SHEET format that stores none (XDTS, TextGrid, .dat, Rhubarb, .lab). Default: 24.")
@click.option("--rythmo", "--rhythmo", "rythmo", type=click.Path(path_type=str), help="Add a rhythmo band of the dub under the picture: a dub script (SRT, text...; timed onto SHEET's lines from its text) or a recorded dub's aligned sheet (.json).")
@click.option("--language", "-l", default="en-us", show_default=True, help="With --rythmo and a dub script: the dub's language.")
@click.option("--band-seconds", type=click.FloatRange(1, 30), default=3.0, show_default=True, help="Seconds of the band across the picture's width (its scrolling speed).")
@click.option("--video", "video", type=click.Path(path_type=str), help="Show this video (the episode's picture) instead of the drawn mouths.")
@click.option("--progress", type=click.Choice(["auto", "bar", "json", "none"]), default="auto", show_default=True, help="Progress on stderr: a bar on a terminal, or JSON lines.")
@click.option("--quiet", "-q", is_flag=True, help="No progress and no warnings.")
def preview(sheet: str, audio: str | None, output: str | None, size: str, background: str, mouths: str | None,
            preset: str | None, tracks: tuple[str, ...], input_format: str | None, fps: str | None,
            rythmo: str | None, language: str, band_seconds: float, video: str | None, progress: str,
            quiet: bool) -> None:
    """Render a preview video of SHEET: each character's mouth drawn, with the sound.

    For a director or a client who will not open any tool: every track's mouth with its name,
    the current dialogue line as a subtitle, the frame number and timecode burnt in, at the
    sheet's exact frame rate; H.264 + AAC in an MP4 that browsers and editors open. AUDIO
    defaults to the sheet's own audio file (with --video and no audio found: the video's sound).
    SHEET is a lipsync sheet or any format lipsync reads (XDTS, TextGrid, Papagayo, Moho .dat...).

    With --rythmo, a rhythmo band for the dubbing actors scrolls under the picture: the dub's
    words, each stretched over the frames where it must be spoken, cross a fixed reading line
    when they are to be said; red bars mark where the picture's mouth closes, blue marks the
    dub's own m, b, p.

    \b
    Examples:
      lipsync preview ep01.json -o ep01.mp4
      lipsync preview ep01.json ep01_mix.wav --size 1280x720 --mouths drawings/ -o ep01.mp4
      lipsync preview ep01.json --rythmo ep01_fr.srt -l fr -o ep01_band.mp4
      lipsync preview ep01.json --rythmo ep01_fr.json --video ep01.mov -o ep01_band.mp4
    """
    reporter = _Reporter(progress, quiet)

    def body() -> None:
        from .errors import AudioError
        from .preview import PreviewSettings, find_audio, parse_colour, parse_size, render_preview

        from .export import load_sheet
        from .rhythmo import band_from_file

        path = Path(sheet)
        loaded = load_sheet(sheet, input_format, fps=fps, preset=preset)
        if not Path(background).is_file():
            parse_colour(background)
        settings = PreviewSettings(size=parse_size(size), background=background, mouths=mouths, preset=preset,
                                   video=video, band_seconds=band_seconds)
        try:
            sound = find_audio(loaded, audio, path)
        except AudioError:
            if audio is not None or video is None:
                raise
            sound = Path(video)
        band = band_from_file(loaded, rythmo, language, preset) if rythmo else None
        target = Path(output) if output else path.with_suffix(".mp4")
        inputs = tuple(p for p in (path, rythmo, video) if p)
        result = render_preview(loaded, sound, target, settings, band=band, tracks=list(tracks) or None,
                                inputs=inputs,
                                on_progress=lambda done, total: reporter.progress("rendering", done, total))
        reporter.close()
        for warning in result.warnings:
            reporter.warn(warning)
        reporter.info(f"wrote {result.path} ({result.frames} frames at {loaded.rate} fps)")
        reporter.event(event="done", outputs=[str(result.path)], warnings=list(result.warnings))

    _run(reporter, body)


