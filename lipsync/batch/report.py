"""The batch report: every job with its status, times, warnings and error, as JSON and a table.

Statuses: ``done`` (ran now), ``up-to-date`` (skipped: inputs, options and version unchanged
since it succeeded), ``failed``, ``not-run`` (the batch was interrupted before it). A dub-fit
job (``kind: fit``) also has its ``fit`` summary: lines, flagged, mean_score, threshold and the
unpaired lines of both sides; an analysis with a script its ``lines``: how many script lines
were aligned, uncertain and not found.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

STATUSES = ("done", "up-to-date", "failed", "not-run")


@dataclass(frozen=True)
class JobReport:
    """One job's line in the report."""

    id: str
    where: str
    audio: str
    status: str
    seconds: float | None = None
    audio_seconds: float | None = None
    warnings: tuple[str, ...] = ()
    error: str | None = None
    hint: str | None = None
    outputs: tuple[str, ...] = ()
    tracks: tuple[str, ...] = ()
    worker: str | None = None
    peak_rss_mb: float | None = None
    detail: str | None = None
    kind: str = "analyze"
    fit: dict[str, Any] | None = None
    lines: dict[str, int] | None = None  # script lines aligned, uncertain and not found


@dataclass(frozen=True)
class BatchReport:
    """The whole batch: its jobs (manifest order), and the run's totals."""

    jobs: tuple[JobReport, ...]
    outdir: str
    executor: str
    lipsync_version: str
    wall_seconds: float = 0.0
    interrupted: bool = False
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        return sum(1 for job in self.jobs if job.status == "failed")

    @property
    def exit_code(self) -> int:
        """0: every job done or up to date; 1: some job failed; 130: interrupted."""
        if self.interrupted:
            return 130
        return 1 if self.failed else 0


def make_report(jobs: Sequence[JobReport], outdir: str, executor: str, version: str, wall: float,
                interrupted: bool) -> BatchReport:
    counts = {status: sum(1 for job in jobs if job.status == status) for status in STATUSES}
    return BatchReport(tuple(jobs), outdir, executor, version, round(wall, 3), interrupted, counts)


def report_json(report: BatchReport) -> bytes:
    """The report as JSON (``format: lipsync-batch-report``)."""
    ran = [job for job in report.jobs if job.status == "done"]
    audio = sum(job.audio_seconds or 0.0 for job in ran)
    data = {
        "format": "lipsync-batch-report", "version": 1,
        "lipsync": report.lipsync_version,
        "outdir": report.outdir,
        "executor": report.executor,
        "interrupted": report.interrupted,
        "wall_seconds": report.wall_seconds,
        "counts": report.counts,
        "audio_seconds_run": round(audio, 3),
        "realtime_factor": round(audio / report.wall_seconds, 2) if report.wall_seconds and audio else None,
        "peak_rss_mb": max((job.peak_rss_mb or 0.0 for job in ran), default=None) if ran else None,
        "jobs": [{key: (list(value) if isinstance(value, tuple) else value)
                  for key, value in asdict(job).items() if value not in (None, ())} for job in report.jobs],
    }
    return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else \
        f"{seconds // 60}:{seconds % 60:02d}"


def audio_length(seconds: float) -> str:
    """A length of audio as a person says it: seconds under a minute, minutes and seconds under
    an hour, hours beyond.

    >>> audio_length(17.45), audio_length(754), audio_length(8640), audio_length(0)
    ('17 s', '12 min 34 s', '2.40 h', '0 s')
    """
    if seconds < 59.5:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        whole = int(round(seconds))
        return f"{whole // 60} min {whole % 60} s" if whole % 60 else f"{whole // 60} min"
    return f"{seconds / 3600:.2f} h"


def fit_summary(fit: dict[str, Any] | None) -> str:
    """A fit or adapt job's summary for tables: ``2/12 flagged, mean 71.3``; an adapt job names
    its flagged lines and those its script leaves without a dub line:
    ``2/12 flagged (lines 3, 7), 1 missing (line 9), mean 71.3``; a fit job says how many lines a
    voice track does not say as scripted: ``1/2 flagged, 1 not as scripted, mean 53.2``, and how
    many unpaired lines a viewer sees: ``0/2 flagged, 1 unpaired, mean 96.1``.

    >>> fit_summary({"lines": 12, "flagged": 2, "flagged_lines": [3, 7], "mean_score": 71.3})
    '2/12 flagged (lines 3, 7), mean 71.3'
    >>> fit_summary({"lines": 1, "flagged": 0, "flagged_lines": [], "missing_lines": [2], "mean_score": 85.6})
    '0/1 flagged, 1 missing (line 2), mean 85.6'
    >>> fit_summary({"lines": 2, "flagged": 1, "off_script": 1, "mean_score": 53.2})
    '1/2 flagged, 1 not as scripted, mean 53.2'
    >>> fit_summary({"lines": 2, "flagged": 0, "unpaired_failing": 1, "mean_score": 96.1})
    '0/2 flagged, 1 unpaired, mean 96.1'
    """
    if not fit:
        return ""
    mean = fit.get("mean_score")
    text = f"{fit.get('flagged', 0)}/{fit.get('lines', 0)} flagged" + _numbered(fit.get("flagged_lines"))
    if fit.get("missing_lines"):
        text += f", {len(fit['missing_lines'])} missing" + _numbered(fit["missing_lines"])
    if fit.get("off_script"):
        text += f", {fit['off_script']} not as scripted"
    if fit.get("unpaired_failing"):
        text += f", {fit['unpaired_failing']} unpaired"
    if mean is not None:
        text += f", mean {mean:g}"
    return text


def _numbered(lines: list[int] | None) -> str:
    """`` (lines 3, 7)``, or nothing for no lines."""
    return f" (line{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines))})" if lines else ""


def lines_summary(lines: dict[str, int] | None) -> str:
    """An analysis job's script lines for tables: ``38 ok, 1 uncertain, 1 not found``.

    >>> lines_summary({"aligned": 38, "uncertain": 0, "not found": 1})
    '38 ok, 1 not found'
    """
    if not lines:
        return ""
    parts = [f"{lines.get('aligned', 0)} ok"]
    parts += [f"{lines[state]} {state}" for state in ("uncertain", "not found") if lines.get(state)]
    return ", ".join(parts)


def table_rows(report: BatchReport) -> list[tuple[str, ...]]:
    """(job, status, audio, time, warnings, lines, fit, error) per job, for tables."""
    rows = []
    for job in report.jobs:
        note = job.error or ""
        if job.hint and job.error:
            note += f" (hint: {job.hint})"
        rows.append((job.id, job.status, _duration(job.audio_seconds), _duration(job.seconds),
                     str(len(job.warnings)) if job.warnings else "", lines_summary(job.lines),
                     fit_summary(job.fit), note))
    return rows


HEADER = ("job", "status", "audio", "time", "warnings", "lines", "fit", "error")


def summary(report: BatchReport) -> str:
    counts = report.counts
    parts = [f"{counts.get(status, 0)} {status}" for status in STATUSES if counts.get(status)]
    ran = [job for job in report.jobs if job.status == "done"]
    audio = sum(job.audio_seconds or 0.0 for job in ran)
    line = f"{len(report.jobs)} jobs: " + ", ".join(parts)
    if audio and report.wall_seconds:
        line += f"; {audio_length(audio)} of audio in {_duration(report.wall_seconds)} " \
                f"({audio / report.wall_seconds:.1f}x real time, {report.executor})"
    if report.interrupted:
        line += "; interrupted: run the same command again to finish"
    return line


def report_table(report: BatchReport) -> str:
    """The report as a plain-text table (what ``batch-report.txt`` holds)."""
    rows = [HEADER, *table_rows(report)]
    widths = [max(len(row[index]) for row in rows) for index in range(len(HEADER) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(widths[index]) for index, cell in enumerate(row[:-1])]
        lines.append("  ".join(cells + [row[-1]]).rstrip())
    lines.append("")
    lines.append(summary(report))
    warned = [job for job in report.jobs if job.warnings]
    if warned:
        lines.append("")
        lines.append("warnings:")
        for job in warned:
            for warning in job.warnings:
                lines.append(f"  {job.id}: {warning}")
    return "\n".join(lines) + "\n"
