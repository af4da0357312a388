"""What a worker process runs for one job: analyze, (diarize), render every output format; or,
for a dub-fit job, :func:`lipsync.fit.check.render_fit_job` (its reports and corrected sheet).

The worker returns the outputs' bytes instead of writing them: the batch's parent process is
the only writer of the output folder, so outputs and the journal stay consistent whatever
happens to workers (and a Dask cluster needs only the inputs on a shared file system).
Everything here is deterministic: the same job gives the same bytes in any process.
"""

from __future__ import annotations

import inspect
import os
import resource
import time
import traceback
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..errors import LipsyncError

if TYPE_CHECKING:
    from ..fit.score import FitSettings

Emit = Callable[[dict[str, Any]], None]
_PROGRESS_INTERVAL = 0.5  # seconds between progress events of one job


def execute(spec: dict[str, Any], emit: Emit | None = None, worker: str | None = None) -> dict[str, Any]:
    """Run one job (a :class:`~lipsync.batch.manifest.Job` as a dict); never raises.

    Returns ``{"status": "done", "outputs": [[relative path, bytes], ...], "warnings": [...],
    "tracks": [...], "audio_seconds", "seconds", "peak_rss_mb", "worker"}`` or
    ``{"status": "failed", "error", "hint", ...}``.
    """
    worker = worker or f"pid {os.getpid()}"
    started = time.perf_counter()
    send = emit or (lambda event: None)
    send({"event": "job-start", "job": spec["id"], "worker": worker})
    result: dict[str, Any] = {"worker": worker}
    try:
        run = {"fit": _fit, "adapt": _adapt}.get(spec.get("kind") or "analyze", _analyze)
        result.update(run(spec, send))
        result["status"] = "done"
        failed_check = result.pop("check_failed", None)
        if failed_check:  # the outputs are still written (the batch writes outputs of failed jobs too)
            fix = "rewrite the flagged lines" if spec.get("kind") == "adapt" else "fix the dub"
            hint = result.pop("check_hint", None) or \
                f"see the job's .{spec.get('kind')}.html report; {fix}, or lower the row's fail_under/threshold"
            result.update(status="failed", error=failed_check, hint=hint)
    except LipsyncError as error:
        result.update(status="failed", error=error.message, hint=error.hint)
    except MemoryError:
        result.update(status="failed", error="out of memory", hint="run fewer jobs at once (--jobs)")
    except Exception as error:  # noqa: BLE001 - one job's bug must not stop the batch
        result.update(status="failed", error=f"internal error: {type(error).__name__}: {error}",
                      hint="please report this with the job's files", detail=traceback.format_exc())
    result["seconds"] = round(time.perf_counter() - started, 3)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)
    return result


def _progress(spec: dict[str, Any], send: Emit) -> Callable[[Any], None]:
    """An analysis progress callback sending ``job-progress`` events, at most every 0.5 s."""
    last = [0.0]

    def progress(event: Any) -> None:
        now = time.perf_counter()
        if now - last[0] >= _PROGRESS_INTERVAL or event.done >= event.total:
            last[0] = now
            send({"event": "job-progress", "job": spec["id"], "stage": event.stage,
                  "done": round(float(event.done), 3), "total": round(float(event.total), 3)})

    return progress


def _fit(spec: dict[str, Any], send: Emit) -> dict[str, Any]:
    """A dub-fit job: the fit package's own check (:func:`~lipsync.fit.check.render_fit_job`),
    its reports as ``<id>.json/.html/.txt`` (``E01/BOB.fit.json``) and the corrected sheet as
    ``<episode>/<character>.retimed<ext>``."""
    from ..exporters import exporter_named
    from ..fit.check import FitJob, render_fit_job
    from ..fit.report import report_to_dict
    from ..fit.sides import MANIFEST_COLUMNS

    retimed = None
    if spec.get("retime_format"):
        stem = f"{spec['episode']}/{spec['name']}" if spec.get("episode") else spec["name"]
        retimed = stem + ".retimed" + exporter_named(spec["retime_format"]).file_suffix
    job = FitJob(original=spec["original"], dub=spec["audio"], original_script=spec.get("original_script"),
                 dub_script=spec.get("script"), preset=spec["preset"], fps=spec["fps"],
                 track=spec.get("original_track"), dub_track=spec.get("dub_track"), language=spec["language"],
                 original_language=spec.get("original_language"),
                 outputs=tuple(f"{spec['id']}.{kind}" for kind in spec["formats"]), retime_sheet=retimed,
                 retime_format=spec.get("retime_format"), retime_mode=spec.get("retime_mode") or "reanimate",
                 settings=_fit_settings(spec), jobs=1, option_names=MANIFEST_COLUMNS)
    report, rendered = render_fit_job(job, _progress(spec, send))
    summary = dict(report_to_dict(report)["summary"], threshold=report.settings.threshold)
    result: dict[str, Any] = {
        "outputs": [[path, data] for path, data in rendered], "warnings": list(report.warnings),
        "tracks": [track.original if track.original == track.dub else f"{track.original}/{track.dub}"
                   for track in report.tracks],
        "audio_seconds": _duration(spec["audio"]), "fit": summary}
    if spec.get("check") and not summary["passes"]:
        reasons = [f"{summary['flagged']} of {summary['lines']} line(s) scored under {summary['threshold']:g}"]
        reasons += [f"{summary['off_script']} not said as scripted"] if summary["off_script"] else []
        reasons += [f"{summary['unpaired_failing']} unpaired where a viewer sees it"] if summary["unpaired_failing"] else []
        result["check_failed"] = ", ".join(reasons) + " (check)"
        result["check_hint"] = "see the job's .fit.html report; fix the dub or its script, or lower the row's fail_under/threshold"
    return result


def _fit_settings(spec: dict[str, Any]) -> FitSettings:
    """The :class:`~lipsync.fit.FitSettings` of a fit row: its threshold, and its max_shift and
    allow_added_lines where it gives them."""
    from ..fit.score import FitSettings

    settings = FitSettings(threshold=float(spec["threshold"]), allow_added_lines=bool(spec.get("allow_added_lines")))
    return settings if spec.get("max_shift") is None else replace(settings, max_shift=int(spec["max_shift"]))


def _adapt(spec: dict[str, Any], send: Emit) -> dict[str, Any]:
    """An adaptation job: the dub script scored against the original from its text
    (:func:`~lipsync.fit.adapt_job.render_adapt_job`), reports as ``<id>.json/.html/.txt``;
    its summary lists the lines whose best candidate scores under the threshold and the lines
    of the original that the script leaves without a dub line."""
    from ..fit.adapt import AdaptSettings
    from ..fit.adapt_job import AdaptJob, render_adapt_job
    from ..fit.score import FitSettings
    from ..fit.sides import MANIFEST_COLUMNS

    job = AdaptJob(original=spec["original"], language=spec["language"], script=spec["script"],
                   original_script=spec.get("original_script"),
                   original_language=spec.get("original_language") or "en-us", preset=spec["preset"],
                   fps=spec["fps"], track=spec.get("original_track"),
                   outputs=tuple(f"{spec['id']}.{kind}" for kind in spec["formats"]),
                   settings=AdaptSettings(fit=FitSettings(threshold=float(spec["threshold"])), preset=spec["preset"]),
                   option_names=MANIFEST_COLUMNS)
    report, rendered = render_adapt_job(job)
    best = [line.candidates[0].score for line in report.lines if line.candidates]
    flagged = [line.line for line in report.flagged]
    missing = list(report.missing_lines)
    summary = {"lines": len(report.lines), "flagged": len(flagged), "flagged_lines": flagged,
               "missing": len(missing), "missing_lines": missing,
               "mean_score": round(sum(best) / len(best), 1) if best else None,
               "threshold": report.settings.fit.threshold}
    result: dict[str, Any] = {"outputs": [[path, data] for path, data in rendered],
                              "warnings": list(report.warnings), "tracks": sorted({line.track for line in report.lines}),
                              "audio_seconds": None, "fit": summary}
    if spec.get("check") and report.failing:
        reasons = [f"{len(flagged)} of {len(best)} line(s) scored under {summary['threshold']:g}"] if flagged else []
        reasons += [f"{len(missing)} line(s) without a dub line"] if missing else []
        result["check_failed"] = f"{' and '.join(reasons)} (check): lines {', '.join(map(str, report.failing))}"
    return result


def _duration(path: str) -> float | None:
    try:
        import soundfile

        return round(float(soundfile.info(path).duration), 3)
    except Exception:  # noqa: BLE001 - a sheet, or a format soundfile does not read
        return None


def _analyze(spec: dict[str, Any], send: Emit) -> dict[str, Any]:
    from ..audio import load_audio
    from ..export import render
    from ..pipeline import analyze
    from ..presets import load_preset
    from ..timing import FrameRate

    if spec.get("problem"):
        raise LipsyncError(spec["problem"], "add the missing file, or fix --script-pattern")
    rate = FrameRate.parse(spec["fps"])
    preset = load_preset(spec["preset"])
    audio = load_audio(spec["audio"], channel=spec.get("channel"))
    progress = _progress(spec, send)
    options: dict[str, Any] = dict(preset=preset, fps=rate, channel=spec.get("channel"),
                                   start_timecode=spec.get("start_timecode"), language=spec["language"],
                                   jobs=1, track_name=spec["name"], on_progress=progress,
                                   allow_mismatch=bool(spec.get("allow_mismatch")))
    character = spec.get("character")
    if character and spec.get("script") and _script_names_speakers(spec["script"], rate):
        options["speaker"] = character
    accepted = inspect.signature(analyze).parameters
    analysis = analyze(audio, spec.get("script"), **{k: v for k, v in options.items() if k in accepted})
    sheet = analysis.sheet
    # a character's stem with the whole episode's script: leaving the others' lines out is the point
    warnings = [w for w in analysis.warnings if not (character and w.startswith(f"--speaker {character}:"))]
    names: dict[str, str] = {}
    if spec.get("speakers"):
        from ..diarize import read_speaker_names

        names = read_speaker_names(spec["speakers"])
    if spec.get("diarize"):
        from ..diarize import diarize, split_by_turns

        send({"event": "job-progress", "job": spec["id"], "stage": "diarize",
              "done": 0.0, "total": round(audio.duration, 3)})
        found = diarize(audio, spec["diarize"])
        if not found.turns:
            warnings.append("speaker diarization found no speaker turns: one track for the whole stem")
        sheet = split_by_turns(sheet, found, preset, names)
        unknown = sorted(set(names) - set(found.speakers))
        if unknown:
            warnings.append(f"speaker names for labels the diarization did not find: {', '.join(unknown)} "
                            f"(found: {', '.join(found.speakers) or 'none'})")
    elif names:
        from dataclasses import replace

        sheet = replace(sheet, tracks=tuple(replace(track, name=names.get(track.name, track.name))
                                            for track in sheet.tracks))
    rendering = render(sheet, list(spec["formats"]), spec["id"], settings=dict(spec.get("settings") or ()),
                       audio=spec["audio"], as_stem=True)
    warnings.extend(rendering.warnings)
    outputs = [[item.path.as_posix(), item.data if item.data is not None else _rendered_file(item, warnings)]
               for item in rendering.outputs if item.path]
    result: dict[str, Any] = {"outputs": outputs, "warnings": warnings, "tracks": [track.name for track in sheet.tracks],
                              "audio_seconds": round(audio.duration, 3)}
    if sheet.script:
        result["lines"] = line_counts(sheet.script)
        failing = lines_failing(result["lines"], spec.get("fail_on") or ())
        if failing:
            result["check_failed"] = failing
            result["check_hint"] = "see the sheet's \"script\" list and the warnings; fix the script or the recording"
    return result


def line_counts(script: Any) -> dict[str, int]:
    """How many script lines ended aligned, uncertain and not found."""
    return {state: sum(1 for line in script if line.status == state) for state in ("aligned", "uncertain", "not found")}


def lines_failing(counts: dict[str, int], fail_on: Any) -> str | None:
    """Why a job fails under ``--fail-on`` (``uncertain``: uncertain or not found lines;
    ``missing``: lines not found), or None.

    >>> lines_failing({"aligned": 8, "uncertain": 1, "not found": 0}, ("missing",)) is None
    True
    >>> lines_failing({"aligned": 8, "uncertain": 1, "not found": 2}, ("uncertain",))
    '1 uncertain and 2 not found script line(s) (--fail-on uncertain)'
    """
    if "uncertain" in fail_on and (counts["uncertain"] or counts["not found"]):
        return (f"{counts['uncertain']} uncertain and {counts['not found']} not found script line(s) "
                "(--fail-on uncertain)")
    if "missing" in fail_on and counts["not found"]:
        return f"{counts['not found']} script line(s) not found (--fail-on missing)"
    return None


def _rendered_file(item: Any, warnings: list[str]) -> bytes:
    """The bytes of an output rendered straight to a file (``mp4``, which needs the audio),
    rendered in a temporary folder: the batch writes every job's outputs itself."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="lipsync-render-") as folder:
        path = Path(folder) / item.path.name
        warnings.extend(item.render(path))
        return path.read_bytes()


def _script_names_speakers(path: str, rate: Any) -> bool:
    """Whether the script names the speaker of any line (then a job's character picks its lines)."""
    try:
        from ..scripts import read_script
    except ImportError:  # pragma: no cover - older layout
        from ..dialogue import read_script  # type: ignore[no-redef]

        return any(line.speaker for line in read_script(path))
    return any(line.speaker for line in read_script(path, fps=float(rate)))


# ----------------------------------------------------------------------------------------------
# Entry points of the two executors


_QUEUE: Any = None


def init_local(queue: Any, parent: int | None = None) -> None:
    """Pool initializer: progress events go to the parent through ``queue``; Ctrl-C is the
    parent's to handle (it stops the workers itself). A worker whose parent ``parent`` dies (even
    by SIGKILL, which leaves it no chance to stop them) notices within a second and exits, in
    the middle of its job if need be: nobody would receive the result."""
    import signal
    import threading

    global _QUEUE
    _QUEUE = queue
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None:
        threading.Thread(target=_exit_when_orphaned, args=(parent,), name="lipsync-orphan-watch",
                         daemon=True).start()


def _exit_when_orphaned(parent: int, interval: float = 0.5) -> None:
    """Exit this process at once when its parent is no longer ``parent`` (it died, and the
    process was handed to init or a subreaper)."""
    while os.getppid() == parent:
        time.sleep(interval)
    os._exit(3)


def run_local(spec: dict[str, Any]) -> dict[str, Any]:
    """Run a job in a local worker process."""
    def emit(event: dict[str, Any]) -> None:
        if _QUEUE is not None:
            _QUEUE.put(event)

    return execute(spec, emit, f"pid {os.getpid()}")


TOPIC = "lipsync-batch"


def run_dask(spec: dict[str, Any]) -> dict[str, Any]:
    """Run a job on a Dask worker; progress goes to the client through the worker's event log."""
    try:
        from distributed import get_worker

        current = get_worker()
        name = str(current.name if current.name is not None else current.address)

        def emit(event: dict[str, Any]) -> None:
            current.log_event(TOPIC, event)
    except (ImportError, ValueError):  # not on a worker (tests calling it directly)
        name, emit = f"pid {os.getpid()}", None  # type: ignore[assignment]
    return execute(spec, emit, name)
