"""Batch processing: many voice stems (a season), resumable, in parallel, locally or on Dask.

    jobs = read_manifest("season1.csv")                 # or jobs_from_glob("S01/E*/*.wav", ...)
    report = run_batch(jobs, "out", LocalExecutor(2))
    report.exit_code                                    # 0, or 1 when some job failed

The flow: every job is checked before anything runs (:mod:`.manifest`); each job's key (the
contents of its inputs, its options, the lipsync version) is compared with the journal in the
output folder and unchanged jobs are skipped (:mod:`.state`); the others run on an executor
(:mod:`.executors`), one analysis per worker process with ``jobs=1`` (the parallelism is
across jobs); as each finishes, this process writes its outputs atomically, then its journal
entry (one small file per job: the bookkeeping is linear in the number of jobs). The report
(:mod:`.report`) is written when the batch starts (every job ``not-run`` or ``up-to-date``),
when it ends, and when it is interrupted. Outputs: ``<outdir>/<episode>/<character><suffix>``.
Jobs are analyses or, with ``kind = fit`` in the manifest, dub-fit checks (:mod:`lipsync.fit`):
``<episode>/<character>.fit.json`` / ``.fit.html`` and the corrected ``.retimed`` sheet.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..errors import OutputError
from ..fileio import write_atomic
from .manifest import Defaults, Job, jobs_from_glob, read_manifest
from .report import BatchReport, JobReport, make_report, report_json, report_table
from .state import (STATE_DIR, Hasher, Lock, job_key, load_state, recorded_outputs, remove_outputs,
                    remove_partial_files, save_state, up_to_date, write_outputs)

REPORT_JSON = "batch-report.json"
REPORT_TEXT = "batch-report.txt"

__all__ = ["Job", "Defaults", "read_manifest", "jobs_from_glob", "run_batch", "plan_batch",
           "BatchReport", "JobReport", "REPORT_JSON", "REPORT_TEXT"]


@functools.lru_cache(maxsize=1)
def _version() -> str:
    """lipsync's version and a digest of what it runs (its modules, data and shipped presets):
    a job another lipsync did, another release or a checkout between two, may have other
    results (a verdict the newer one would give otherwise), so it is not taken as up to date."""
    from .. import __version__
    from ..presets import shipped_dir

    package = Path(__file__).resolve().parent.parent
    presets = shipped_dir()
    roots = [package] + ([presets] if isinstance(presets, Path) and package not in presets.parents else [])
    return f"{__version__}+{code_digest(roots)}"


def code_digest(roots: Sequence[Path]) -> str:
    """A digest of the files under ``roots`` (names and contents; compiled ``__pycache__`` left out).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     root = Path(folder)
    ...     _ = (root / "a.py").write_text("x = 1")
    ...     before = code_digest([root])
    ...     (root / "__pycache__").mkdir()
    ...     _ = (root / "__pycache__" / "a.pyc").write_bytes(b"compiled")
    ...     same = code_digest([root])
    ...     _ = (root / "a.py").write_text("x = 2")
    ...     (before == same, before == code_digest([root]), len(before))
    (True, False, 16)
    """
    digest = hashlib.sha256()
    for root in roots:
        for item in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(f"{item.relative_to(root).as_posix()}\0".encode() + item.read_bytes())
    return digest.hexdigest()[:16]


def _audio_seconds(path: str) -> float | None:
    """The duration of an audio file from its header, or None when that needs decoding."""
    try:
        import soundfile

        return float(soundfile.info(path).duration)
    except Exception:  # noqa: BLE001 - m4a, video...: unknown until decoded
        return None


def plan_batch(jobs: Sequence[Job], outdir: str | Path, force: bool = False
               ) -> list[tuple[Job, str, dict[str, Any] | None, bool]]:
    """For each job: (job, key, its journal entry, whether it is up to date and will be skipped)."""
    folder = Path(outdir)
    hasher = Hasher()
    version = _version()
    plan = []
    for job in jobs:
        try:
            key, _ = job_key(job, hasher, version)
        except OSError:  # a file vanished since the manifest was checked: the job will fail
            key = "unreadable"
        state = load_state(folder, job.id)
        plan.append((job, key, state, not force and up_to_date(state, key, folder)))
    return plan


def _claim_outputs(claimed: dict[str, str], job_id: str, paths: Sequence[str]) -> None:
    """OutputError when a job's output is a file another job of the batch wrote (a clash the
    manifest check could not foresee, such as track names found by diarization); else claim them."""
    for path in paths:
        other = claimed.get(path.casefold())
        if other is not None and other != job_id:
            raise OutputError(f"its output {path!r} is also an output of {other}; nothing of this job was written",
                              "give the jobs different episode/character names")
    claimed.update((path.casefold(), job_id) for path in paths)


def _remove_stale(folder: Path, claimed: dict[str, str], job_id: str, previous: dict[str, Any] | None) -> list[str]:
    """A failed job's warning about the outputs of its earlier run, which are removed: they were
    made from other inputs and must not pass for its result (files another job of this batch
    claims are kept)."""
    stale = [path for path in recorded_outputs(previous) if claimed.get(path.casefold(), job_id) == job_id]
    removed = remove_outputs(folder, stale)
    return [f"removed the outputs of its earlier run, made from other inputs: {', '.join(removed)}"] if removed else []


def run_batch(jobs: Sequence[Job], outdir: str | Path, executor: Any, *, force: bool = False,
              on_event: Callable[[dict[str, Any]], None] | None = None) -> BatchReport:
    """Run ``jobs`` on ``executor`` into ``outdir``; returns the report (also written there).

    ``on_event`` receives progress events as dicts: ``plan``, ``job-start``, ``job-progress``,
    ``job-done``, ``progress`` and ``done``. On KeyboardInterrupt the workers are stopped, the
    report is written with the unfinished jobs as ``not-run``, and the interrupt propagates.
    """
    emit = on_event or (lambda event: None)
    folder = Path(outdir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot create the output folder {str(outdir)!r}: {error.strerror}",
                          "choose another -o folder") from None
    lock = Lock(folder)
    try:
        acquired = lock.acquire()
    except OSError as error:
        raise OutputError(f"cannot write the batch journal in {str(folder / STATE_DIR)!r}: {error.strerror}",
                          "the output folder must be writable and its .lipsync must be a folder; "
                          "choose another -o folder") from None
    if not acquired:
        raise OutputError(f"another batch is writing to {str(outdir)!r}",
                          "wait for it to finish, or choose another -o folder")
    started = time.perf_counter()
    version = _version()
    try:
        remove_partial_files(folder)
        plan = plan_batch(jobs, folder, force)
        reports: dict[str, JobReport] = {}
        specs = []
        durations: dict[str, float | None] = {}
        for job, key, state, skip in plan:
            if skip and state:
                reports[job.id] = JobReport(
                    id=job.id, where=job.where, audio=job.audio, status="up-to-date",
                    seconds=state.get("seconds"), audio_seconds=state.get("audio_seconds"),
                    warnings=tuple(state.get("warnings", ())), outputs=tuple(o["path"] for o in state.get("outputs", ())),
                    tracks=tuple(state.get("tracks", ())), worker=state.get("worker"),
                    peak_rss_mb=state.get("peak_rss_mb"), kind=job.kind, fit=state.get("fit"),
                    lines=state.get("lines"))
            else:
                reports[job.id] = JobReport(id=job.id, where=job.where, audio=job.audio, status="not-run",
                                            kind=job.kind)
                spec = asdict(job)
                spec["key"] = key
                specs.append(spec)
                durations[job.id] = _audio_seconds(job.audio) if job.audio else None
        total_audio = sum(d or 0.0 for d in durations.values())
        description = executor.describe() if specs else "nothing to run"

        def write_report(interrupted: bool = False) -> BatchReport:
            ordered = [reports[job.id] for job in jobs]
            report = make_report(ordered, str(folder), description, version, time.perf_counter() - started, interrupted)
            write_atomic(folder / REPORT_JSON, report_json(report))
            write_atomic(folder / REPORT_TEXT, report_table(report).encode("utf-8"))
            return report

        emit({"event": "plan", "jobs": len(jobs), "to_run": len(specs), "up_to_date": len(jobs) - len(specs),
              "audio_seconds": round(total_audio, 3), "executor": description,
              "workers": executor.workers if specs else 0})
        write_report()
        states = {job.id: state for job, _, state, _ in plan}
        keys = {job.id: key for job, key, _, _ in plan}
        done_jobs, done_audio = 0, 0.0
        claimed = {record["path"].casefold(): job.id for job, _, state, skip in plan if skip and state
                   for record in state.get("outputs", ()) if isinstance(record, dict) and "path" in record}
        by_id = {job.id: job for job in jobs}
        try:
            for job_id, result in executor.run(specs, emit):
                job = by_id[job_id]
                status = result.get("status", "failed")
                outputs: list[dict[str, Any]] = []
                error, hint = result.get("error"), result.get("hint")
                if result.get("outputs"):  # a done job, or a fit job failed by its check: reports written
                    try:
                        _claim_outputs(claimed, job_id, [path for path, _ in result["outputs"]])
                        outputs = write_outputs(folder, [(path, data) for path, data in result["outputs"]],
                                                states.get(job_id))
                    except OutputError as problem:
                        status, error, hint = "failed", problem.message, problem.hint
                warnings = list(result.get("warnings", ()))
                if status == "failed" and not outputs:
                    warnings += _remove_stale(folder, claimed, job_id, states.get(job_id))
                entry = {"id": job_id, "key": keys[job_id], "status": status, "outputs": outputs,
                         "seconds": result.get("seconds"), "audio_seconds": result.get("audio_seconds"),
                         "warnings": warnings, "tracks": list(result.get("tracks", ())),
                         "worker": result.get("worker"), "peak_rss_mb": result.get("peak_rss_mb"),
                         "error": error, "hint": hint, "lipsync": version, "kind": job.kind}
                for extra in ("fit", "lines"):
                    if result.get(extra) is not None:
                        entry[extra] = result[extra]
                save_state(folder, job_id, entry)
                reports[job_id] = JobReport(
                    id=job_id, where=job.where, audio=job.audio, status=status, seconds=result.get("seconds"),
                    audio_seconds=result.get("audio_seconds"), warnings=tuple(warnings),
                    error=error, hint=hint, outputs=tuple(o["path"] for o in outputs),
                    tracks=tuple(result.get("tracks", ())), worker=result.get("worker"),
                    peak_rss_mb=result.get("peak_rss_mb"), detail=result.get("detail"), kind=job.kind,
                    fit=result.get("fit"), lines=result.get("lines"))
                done_jobs += 1
                done_audio += durations.get(job_id) or result.get("audio_seconds") or 0.0
                elapsed = time.perf_counter() - started
                eta = elapsed / done_audio * max(0.0, total_audio - done_audio) if done_audio and total_audio else None
                emit({"event": "job-done", "job": job_id, "status": status, "seconds": result.get("seconds"),
                      "audio_seconds": result.get("audio_seconds"), "warnings": warnings,
                      "error": error, "hint": hint, "outputs": [o["path"] for o in outputs],
                      "worker": result.get("worker")})
                emit({"event": "progress", "jobs_done": done_jobs, "jobs_total": len(specs),
                      "audio_done": round(done_audio, 3), "audio_total": round(total_audio, 3),
                      "eta": round(eta, 1) if eta is not None else None})
        except KeyboardInterrupt:
            executor.close()
            report = write_report(interrupted=True)
            emit({"event": "done", "report": str(folder / REPORT_JSON), "interrupted": True,
                  "counts": report.counts, "exit_code": report.exit_code})
            raise
        report = write_report()
        emit({"event": "done", "report": str(folder / REPORT_JSON), "interrupted": False,
              "counts": report.counts, "exit_code": report.exit_code})
        return report
    finally:
        lock.release()
