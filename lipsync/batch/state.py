"""The batch journal: what each job was made from, so that unchanged jobs are skipped.

Each finished job leaves ``<outdir>/.lipsync/jobs/<id>.json`` (written atomically, after its
outputs): the job's key (a hash of the audio's and script's contents, the options and the
lipsync version), its status and its outputs with their hashes (a dub-fit job: the original's and the dub's contents, both scripts
and the fit options). A job is up to date when its
key is unchanged, it succeeded, and every output is still there with the same content. A
batch killed at any point leaves at worst a job whose outputs are newer than its journal
entry; that job simply runs again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..errors import LipsyncError
from ..fileio import parse_json, read_input, write_atomic
from .manifest import Job

STATE_DIR = ".lipsync"
#: a temporary file left by an interrupted write_atomic: ".<name>.<random>.part"
_PART = re.compile(r"^\..+\.part$")
_CHUNK = 1 << 20


class Hasher:
    """Content hashes of files, each file read once per batch."""

    def __init__(self) -> None:
        self._known: dict[str, str] = {}

    def file(self, path: str | Path) -> str:
        name = str(path)
        if name not in self._known:
            digest = hashlib.sha256()
            with open(name, "rb") as stream:
                while block := stream.read(_CHUNK):
                    digest.update(block)
            self._known[name] = digest.hexdigest()
        return self._known[name]

    def folder(self, path: str | Path) -> str:
        root = Path(path)
        if root.is_file():
            return self.file(root)
        digest = hashlib.sha256()
        for item in sorted(p for p in root.rglob("*") if p.is_file()):
            digest.update(f"{item.relative_to(root).as_posix()}\0{self.file(item)}\n".encode())
        return digest.hexdigest()


def job_key(job: Job, hasher: Hasher, version: str) -> tuple[str, dict[str, Any]]:
    """The key of a job (sha256 hex) and what it was made from.

    File paths do not count, their contents do; so moving a season to another disk and
    running the batch again redoes nothing (the sheets record the audio's path, though: the
    outputs are rewritten only when the job runs again).
    """
    preset_is_file = os.path.isfile(job.preset)
    inputs = {
        "lipsync": version,
        "audio": hasher.file(job.audio) if job.audio else None,
        "script": hasher.file(job.script) if job.script else None,
        "preset": hasher.file(job.preset) if preset_is_file else job.preset,
        "diarize": hasher.folder(job.diarize) if job.diarize else None,
        "speakers": hasher.file(job.speakers) if job.speakers else None,
        "options": {"id": job.id, "character": job.character, "language": job.language, "fps": job.fps,
                    "formats": list(job.formats), "channel": job.channel,
                    "start_timecode": job.start_timecode, "settings": [list(s) for s in job.settings],
                    "audio_path": job.audio, "problem": job.problem},
    }
    if job.fail_on or job.allow_mismatch:  # only when asked for: other keys stay as they were
        inputs["trust"] = {"fail_on": list(job.fail_on), "allow_mismatch": job.allow_mismatch}
    if job.kind == "fit":  # analyze keys stay as they were, so their journals stay valid
        inputs["fit"] = {"original": hasher.file(job.original) if job.original else None,
                         "original_script": hasher.file(job.original_script) if job.original_script else None,
                         "original_path": job.original, "original_track": job.original_track,
                         "dub_track": job.dub_track, "retime_format": job.retime_format,
                         "retime_mode": job.retime_mode, "threshold": job.threshold, "check": job.check}
        if job.original_language:  # only when given, so that other fit keys stay as they were
            inputs["fit"]["original_language"] = job.original_language
        if job.max_shift is not None:
            inputs["fit"]["max_shift"] = job.max_shift
        if job.allow_added_lines:
            inputs["fit"]["allow_added_lines"] = True
    if job.kind == "adapt":
        inputs["adapt"] = {"original": hasher.file(job.original) if job.original else None,
                           "original_script": hasher.file(job.original_script) if job.original_script else None,
                           "original_path": job.original, "original_track": job.original_track,
                           "original_language": job.original_language, "preset": job.preset,
                           "threshold": job.threshold, "check": job.check}
    text = json.dumps(inputs, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest(), inputs


def state_path(outdir: Path, job_id: str) -> Path:
    return outdir / STATE_DIR / "jobs" / (quote(job_id, safe="") + ".json")


#: The most a journal entry may weigh (a job's warnings, tracks and outputs: a few KB).
MAX_ENTRY = 4 * 1024 * 1024


def load_state(outdir: Path, job_id: str) -> dict[str, Any] | None:
    """The journal entry of a job, or None: a missing, unreadable, truncated or corrupt entry
    (or one not written by this format) means "run the job again", never an error."""
    try:
        data = parse_json(read_input(state_path(outdir, job_id), "journal", LipsyncError, limit=MAX_ENTRY),
                          "journal", LipsyncError, "")
    except (LipsyncError, UnicodeDecodeError):
        return None
    return data if valid_entry(data) else None


def valid_entry(data: Any) -> bool:
    """Whether ``data`` has the types of a journal entry :func:`save_state` writes.

    >>> valid_entry({"key": "ab", "status": "done", "outputs": [{"path": "E1/BOB.tsv", "bytes": 3,
    ...              "sha256": "00"}], "warnings": [], "tracks": ["BOB"]})
    True
    >>> valid_entry({"key": "ab", "status": "done", "outputs": 7})
    False
    """
    def strings(value: Any) -> bool:
        return isinstance(value, list) and all(isinstance(item, str) for item in value)

    def number(value: Any) -> bool:
        return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))

    if not isinstance(data, dict) or not isinstance(data.get("key"), str) or not isinstance(data.get("status"), str):
        return False
    outputs = data.get("outputs", [])
    if not isinstance(outputs, list) or not all(
            isinstance(item, dict) and isinstance(item.get("path"), str) and isinstance(item.get("sha256"), str)
            and isinstance(item.get("bytes"), int) and not isinstance(item.get("bytes"), bool)
            for item in outputs):
        return False
    lines = data.get("lines") or {}
    fit = data.get("fit") or {}
    return (strings(data.get("warnings", [])) and strings(data.get("tracks", []))
            and number(data.get("seconds")) and number(data.get("audio_seconds"))
            and number(data.get("peak_rss_mb")) and isinstance(data.get("worker") or "", str)
            and isinstance(lines, dict) and all(isinstance(v, int) for v in lines.values())
            and isinstance(fit, dict) and isinstance(fit.get("flagged_lines", []), list)
            and all(number(fit.get(key)) for key in ("lines", "flagged", "mean_score", "threshold")))


def up_to_date(state: Mapping[str, Any] | None, key: str, outdir: Path) -> bool:
    """Whether a job with this key already succeeded and all its outputs are intact."""
    if not state or state.get("key") != key or state.get("status") != "done":
        return False
    for entry in state.get("outputs", ()):
        target = outdir / entry["path"]
        try:
            if target.stat().st_size != entry["bytes"]:
                return False
            if Hasher().file(target) != entry["sha256"]:
                return False
        except (OSError, KeyError, TypeError):
            return False
    return True


def save_state(outdir: Path, job_id: str, entry: Mapping[str, Any]) -> None:
    target = state_path(outdir, job_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, (json.dumps(entry, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8"))


def write_outputs(outdir: Path, outputs: Iterable[tuple[str, bytes]], previous: Mapping[str, Any] | None
                  ) -> list[dict[str, Any]]:
    """Write a job's outputs as one set (staged, then renamed: a failure part way leaves none of
    them, as the export path does); remove outputs of its previous run that it no longer makes
    (a track that is gone). Returns their journal records."""
    from ..export import Output, Rendering, write

    items = list(outputs)
    write(Rendering(tuple(Output(outdir / relative, Path(relative).suffix.lstrip(".") or "file", None, data)
                          for relative, data in items), ()))
    records = [{"path": relative, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
               for relative, data in items]
    kept = {record["path"] for record in records}
    remove_outputs(outdir, [old for old in recorded_outputs(previous) if old not in kept])
    return records


def recorded_outputs(entry: Mapping[str, Any] | None) -> list[str]:
    """The outputs a journal entry records, as paths relative to the output folder (any other
    path is left out: the journal never makes the batch touch a file outside the folder)."""
    paths = (item.get("path") if isinstance(item, dict) else None for item in (entry or {}).get("outputs", ()))
    return [path for path in paths
            if isinstance(path, str) and path and not Path(path).is_absolute() and ".." not in Path(path).parts]


def remove_outputs(outdir: Path, paths: Iterable[str]) -> list[str]:
    """Delete these outputs (relative to ``outdir``); returns those that were there."""
    removed = []
    for path in paths:
        try:
            (outdir / path).unlink()
        except FileNotFoundError:
            continue
        removed.append(path)
    return removed


def remove_partial_files(outdir: Path) -> int:
    """Delete temporary files an interrupted batch left behind; how many there were."""
    removed = 0
    for folder, _, files in os.walk(outdir):
        for name in files:
            if _PART.match(name):
                try:
                    os.unlink(os.path.join(folder, name))
                    removed += 1
                except OSError:
                    pass
    return removed


class Lock:
    """An exclusive lock on the output folder: two batches must not write one folder at once."""

    def __init__(self, outdir: Path) -> None:
        self.path = outdir / STATE_DIR / "lock"
        self._handle: Any = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = open(self.path, "a+")
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no lock
            return True
        try:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._handle.close()
            self._handle = None
            return False
        self._handle.seek(0)
        self._handle.truncate()
        self._handle.write(f"{os.getpid()}\n")
        self._handle.flush()
        return True

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
