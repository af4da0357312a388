"""Batch manifests: CSV/TSV or TOML files (or a --glob over a folder convention) read into
frozen :class:`Job` records, every row checked before any work starts.

A manifest names one job per row::

    episode,character,audio,script,language,formats
    E01,BOB,E01/bob.wav,E01/script.txt,fr-fr,"xdts,tsv"
    E01,ANNA,E01/anna.wav,E01/script.txt,fr-fr,xdts

or, in TOML, ``[defaults]`` (any column) and one ``[[job]]`` table per job. Relative paths
are relative to the manifest's folder. Every problem (a missing column, an unknown column, a
path that does not exist, a bad frame rate, two rows writing the same outputs...) is collected
and reported together, each naming its row and field, in one :class:`ManifestError`.
"""

from __future__ import annotations

import glob as globbing
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import LipsyncError, ManifestError
from ..fileio import parse_toml, read_input
from ..scripts.table import records, yes_or_no
from ..filetypes import binary_kind

#: column -> accepted spellings (case-insensitive; spaces and hyphens read as underscores)
COLUMNS: dict[str, tuple[str, ...]] = {
    "kind": ("kind", "job_kind"),
    "audio": ("audio", "audio_file", "voice", "wav", "dub"),
    "script": ("script", "dialogue", "subtitles", "script_file"),
    "episode": ("episode", "ep"),
    "character": ("character", "speaker", "track", "track_name"),
    "language": ("language", "lang"),
    "preset": ("preset",),
    "fps": ("fps", "rate", "frame_rate"),
    "formats": ("formats", "format", "outputs"),
    "channel": ("channel",),
    "start_timecode": ("start_timecode", "timecode", "tc"),
    "diarize": ("diarize", "diarization", "diarize_model"),
    "speakers": ("speakers", "speaker_names", "names"),
    # dub-fit rows (kind = fit): audio is the dub, script the dub's script
    "original": ("original",),
    "original_script": ("original_script",),
    "original_track": ("original_track",),
    "dub_track": ("dub_track",),
    "retime_sheet": ("retime_sheet", "retime"),
    "retime_mode": ("retime_mode",),
    "threshold": ("threshold",),
    "fail_under": ("fail_under",),
    "check": ("check",),
    "max_shift": ("max_shift",),
    "allow_added_lines": ("allow_added_lines",),
    # adaptation rows (kind = adapt): script is the adapted dub script, scored before recording;
    # fit and adapt rows: the language of the original's script
    "original_language": ("original_language",),
}
KINDS = ("analyze", "fit", "adapt")
_EVERY_KIND = ("kind", "episode", "character", "language", "preset", "fps", "formats")
_ORIGINAL = ("original", "original_script", "original_language", "original_track", "threshold", "fail_under", "check")
#: the columns each kind of row uses: a row that gives another is refused (a TOML [defaults]
#: value goes to the rows that use it)
KIND_COLUMNS: dict[str, frozenset[str]] = {
    "analyze": frozenset(_EVERY_KIND + ("audio", "script", "channel", "start_timecode", "diarize", "speakers")),
    "fit": frozenset(_EVERY_KIND + _ORIGINAL + ("audio", "script", "dub_track", "retime_sheet", "retime_mode",
                                                "max_shift", "allow_added_lines")),
    "adapt": frozenset(_EVERY_KIND + _ORIGINAL + ("script",)),
}
#: columns a kind does not use that are refused with a reason of their own
_REFUSED_APART = {"analyze": {"original"}, "adapt": {"audio"}}
#: the report formats of a fit job (file suffix = name); json is always written
FIT_FORMATS = {"json": "json", "html": "html", "htm": "html", "txt": "txt", "text": "txt"}
FIT_DEFAULT_FORMATS = ("json", "html")
REQUIRED = ("audio",)
_ALIASES = {alias: column for column, aliases in COLUMNS.items() for alias in aliases}
_NAME_OK = re.compile(r"^[^/\\:*?\"<>|\x00-\x1f]+$")
#: every job writes the lossless sheet JSON, so that later re-exports need no re-analysis
SHEET_FORMAT = "sheet"


@dataclass(frozen=True)
class Job:
    """One analysis of a batch: a voice stem (+ script) and where its outputs go.

    ``id`` is the output stem relative to the batch folder (``"E01/BOB"``); outputs are
    ``<outdir>/<id><suffix>``. ``character``, when given, names the mouth track and picks the
    script lines of that speaker. ``problem`` is set for a job that can only fail (a --glob
    match whose script is missing): the batch reports it and goes on with the others.
    """

    id: str
    where: str
    audio: str
    script: str | None = None
    episode: str = ""
    name: str = ""
    character: str | None = None
    language: str = "en-us"
    preset: str = "rhubarb"
    fps: str = "24"
    formats: tuple[str, ...] = (SHEET_FORMAT, "tsv")
    channel: int | None = None
    start_timecode: str | None = None
    diarize: str | None = None
    speakers: str | None = None
    settings: tuple[tuple[str, str], ...] = ()
    problem: str | None = None
    kind: str = "analyze"
    # kind == "fit": ``audio`` is the dub (voice track or sheet), ``script`` its script;
    # ``formats`` are report formats (json, html, txt); ``id`` ends in ".fit"
    original: str | None = None
    original_script: str | None = None
    original_track: str | None = None
    dub_track: str | None = None
    retime_format: str | None = None
    retime_mode: str = "reanimate"
    threshold: float | None = None  # fit and adapt rows: the row's, else fit.FitSettings.threshold
    check: bool = False
    max_shift: int | None = None  # fit rows: shifts searched (frames either way); None: FitSettings'
    allow_added_lines: bool = False  # fit rows: dub lines with no original line do not fail the check
    # kind == "adapt": ``script`` is the dub script scored from its text in ``language``
    # against ``original`` (its script and language for a voice track); ``id`` ends in ".adapt".
    # kind == "fit" or "adapt": the language of ``original_script`` (fit: default ``language``)
    original_language: str | None = None
    # kind == "analyze": line outcomes that fail the job (``uncertain``, ``missing``), and
    # whether a script that does not match the recording is a warning instead of a failure
    fail_on: tuple[str, ...] = ()
    allow_mismatch: bool = False


@dataclass(frozen=True)
class Defaults:
    """Values for columns a row leaves empty (from the command line)."""

    language: str = "en-us"
    preset: str = "rhubarb"
    fps: str = "24"
    formats: tuple[str, ...] = ("tsv",)
    channel: int | None = None
    start_timecode: str | None = None
    diarize: str | None = None
    speakers: str | None = None
    settings: tuple[tuple[str, str], ...] = ()
    fit_preset: str = "anime-3"
    fail_under: float | None = None
    fail_on: tuple[str, ...] = ()
    allow_mismatch: bool = False

    def values(self) -> dict[str, Any]:
        return {"language": self.language, "preset": self.preset, "fps": self.fps,
                "formats": ",".join(self.formats), "channel": self.channel,
                "start_timecode": self.start_timecode, "diarize": self.diarize,
                "speakers": self.speakers}


@dataclass
class _Problems:
    source: str
    items: list[str] = field(default_factory=list)

    def add(self, where: str, column: str | None, message: str) -> None:
        self.items.append(f"{where}, field {column!r}: {message}" if column else f"{where}: {message}")

    def raise_if_any(self) -> None:
        if not self.items:
            return
        shown = self.items[:8]
        more = f"; and {len(self.items) - len(shown)} more" if len(self.items) > len(shown) else ""
        count = f"{len(self.items)} problems: " if len(self.items) > 1 else ""
        raise ManifestError(f"{self.source}: {count}{'; '.join(shown)}{more}",
                            "fix the manifest; nothing was run")


# ----------------------------------------------------------------------------------------------
# Reading


def read_manifest(path: str | Path, defaults: Defaults = Defaults()) -> tuple[Job, ...]:
    """The jobs of a CSV, TSV or TOML manifest, every row validated (see the module docs).

    Raises :class:`ManifestError` listing every problem, each with its row and field.
    """
    manifest = Path(path).expanduser()
    data = read_input(manifest, "manifest", ManifestError,
                      hint="pass a .csv, .tsv or .toml file listing the jobs, or use --glob")
    kind = binary_kind(data)
    if kind is not None:
        raise ManifestError(f"{manifest.name}: this is {kind.what}, not a CSV, TSV or TOML manifest", kind.table_hint)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise ManifestError(f"{manifest.name}: line {line} is not valid UTF-8",
                            "save the manifest as UTF-8 (CSV UTF-8 in spreadsheet programs)") from None
    problems = _Problems(manifest.name)
    if manifest.suffix.lower() == ".toml":
        rows = _toml_rows(text, problems)
    else:
        rows = _table_rows(text, manifest.suffix.lower(), problems)
    if not rows:  # nothing to check row by row: report what is wrong with the file itself
        problems.raise_if_any()
    if any("missing column" in item or "not valid TOML" in item for item in problems.items):
        problems.raise_if_any()
    return _jobs(rows, manifest.parent, defaults, problems)


def _table_rows(text: str, suffix: str, problems: _Problems) -> list[tuple[str, dict[str, str]]]:
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        problems.add("the file", None, "is empty")
        return []
    if suffix in (".tsv", ".tab"):
        delimiter = "\t"
    else:
        header = lines[0]
        counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
        delimiter = max(counts, key=lambda sep: counts[sep]) if any(counts.values()) else ","
    try:
        found = records(text, delimiter)
    except ValueError as error:
        problems.add(f"row {error.args[0]}", None, error.args[1])
        return []
    header: list[str] | None = None
    rows = []
    for line, record in found:
        if not any(cell.strip() for cell in record):
            continue
        if header is None:
            header = [_column(cell, "header row", problems) for cell in record]
            # a manifest with a kind column may hold adapt rows only, which need no audio
            missing = [name for name in REQUIRED if name not in header and "kind" not in header]
            for name in missing:
                problems.add("header row", name, f"missing column (the header names: {', '.join(c for c in record if c.strip())})")
            seen: set[str] = set()
            for name in header:
                if name and name in seen:
                    problems.add("header row", name, "column given twice")
                seen.add(name)
            continue
        where = f"row {line}"
        if record and record[0].lstrip().startswith("#"):
            continue
        if len(record) > len(header):
            extra = [cell for cell in record[len(header):] if cell.strip()]
            if extra:
                problems.add(where, None, f"{len(record)} cells but the header names {len(header)} columns "
                                          f"(a comma inside a value needs \"quotes\")")
                continue
        values = {name: (record[index].strip() if index < len(record) else "")
                  for index, name in enumerate(header) if name and not name.startswith("#")}
        rows.append((where, values))
    if header is None:
        problems.add("the file", None, "has no header row")
    return rows


def _toml_rows(text: str, problems: _Problems) -> list[tuple[str, dict[str, str]]]:
    try:
        document = parse_toml(text, "the file", ManifestError, "")
    except ManifestError as error:
        detail = error.message.partition(": ")[2].removeprefix("invalid TOML: ")
        problems.add("the file", None, f"is not valid TOML: {detail}")
        return []
    unknown = sorted(set(document) - {"defaults", "job", "jobs"})
    for key in unknown:
        problems.add(f"table [{key}]", None, "unknown table (expected [defaults] and [[job]])")
    base = document.get("defaults", {})
    if not isinstance(base, dict):
        problems.add("[defaults]", None, "must be a table")
        base = {}
    entries = document.get("job", document.get("jobs", []))
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        problems.add("[[job]]", None, "jobs must be an array of tables: [[job]]")
        return []
    if not entries:
        problems.add("the file", None, "has no [[job]] tables")
    shared = {_column(key, "[defaults]", problems): _cell(value) for key, value in base.items()}
    rows = []
    for number, entry in enumerate(entries, start=1):
        where = f"[[job]] #{number}"
        own = {_column(key, where, problems): _cell(value) for key, value in entry.items()}
        uses = KIND_COLUMNS.get(str(own.get("kind", shared.get("kind", "analyze"))).strip().lower())
        values = {key: value for key, value in shared.items() if uses is None or key in uses}
        values.update(own)
        rows.append((where, {key: value for key, value in values.items() if key}))
    return rows


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value).strip()


def _column(name: str, where: str, problems: _Problems) -> str:
    """The canonical column for a header cell; unknown names are reported."""
    key = re.sub(r"[\s\-]+", "_", name.strip().lower())
    if not key or key.startswith("#"):
        return key
    if key in _ALIASES:
        return _ALIASES[key]
    problems.add(where, name.strip(), f"unknown column (known: {', '.join(COLUMNS)}; start a "
                                      "column name with # to keep it as a note)")
    return ""


# ----------------------------------------------------------------------------------------------
# --glob


def jobs_from_glob(pattern: str, script_pattern: str | None = None, defaults: Defaults = Defaults(),
                   base: str | Path = ".") -> tuple[Job, ...]:
    """Jobs for the audio files matching ``pattern`` (``**`` recurses), sorted by path.

    Each file's episode is its folder's name; its character is the part of the file name the
    ``*`` wildcards matched (``dialogue_*.wav`` on ``dialogue_bob.wav`` gives ``bob``), else the
    file name without extension. ``script_pattern`` gives each file's script, with ``{dir}``
    (the audio's folder), ``{stem}``, ``{episode}`` and ``{character}`` filled in, e.g.
    ``'{dir}/script.txt'``. A missing script fails that job only.
    """
    root = Path(base)
    full = pattern if os.path.isabs(pattern) else str(root / pattern)
    matches = sorted(path for path in globbing.glob(os.path.expanduser(full), recursive=True)
                     if os.path.isfile(path))
    if not matches:
        raise ManifestError(f"--glob {pattern!r}: no files match",
                            "quote the pattern ('S01/E*/dialogue_*.wav') and check it from the current folder")
    if script_pattern is not None:
        _check_script_pattern(script_pattern)
    name_pattern = Path(pattern).name
    problems = _Problems(f"--glob {pattern!r}")
    rows = []
    for match in matches:
        audio = Path(match)
        episode = audio.parent.name
        character = _wildcard_part(name_pattern, audio.name) or audio.stem
        values = {"audio": str(audio), "episode": episode, "character": character}
        problem = None
        if script_pattern is not None:
            script = Path(os.path.expanduser(script_pattern.format(
                dir=str(audio.parent), stem=audio.stem, episode=episode, character=character)))
            if not script.is_absolute():
                script = root / script
            if script.is_file():
                values["script"] = str(script)
            else:
                problem = f"no script for {audio.name}: {str(script)!r} does not exist (from --script-pattern)"
        rows.append((f"file {str(audio)!r}", values, problem))
    jobs = _jobs([(where, values) for where, values, _ in rows], root, defaults, problems)
    return tuple(replace(job, problem=problem) if problem else job
                 for job, (_, _, problem) in zip(jobs, rows))


def _check_script_pattern(pattern: str) -> None:
    try:
        pattern.format(dir="d", stem="s", episode="e", character="c")
    except (KeyError, IndexError, ValueError) as error:
        raise ManifestError(f"--script-pattern {pattern!r}: unknown placeholder {error}",
                            "use {dir}, {stem}, {episode} or {character}") from None


def _wildcard_part(pattern: str, name: str) -> str | None:
    """What the wildcards of a file-name pattern matched in ``name`` (joined), or None.

    >>> _wildcard_part("dialogue_*.wav", "dialogue_bob.wav")
    'bob'
    """
    if not any(ch in pattern for ch in "*?["):
        return None
    regex, index = "", 0
    while index < len(pattern):
        char = pattern[index]
        if char == "*":
            regex += f"(?P<s{index}>.*?)"
        elif char == "?":
            regex += "."
        elif char == "[" and "]" in pattern[index + 2:]:
            close = pattern.index("]", index + 2)
            body = pattern[index + 1:close]
            regex += "[" + ("^" + body[1:] if body.startswith("!") else body) + "]"
            index = close
        else:
            regex += re.escape(char)
        index += 1
    try:
        match = re.fullmatch(regex, name, flags=re.S)
    except re.error:
        return None
    parts = [part for part in match.groupdict().values() if part] if match else []
    return "_".join(parts) or None


# ----------------------------------------------------------------------------------------------
# Validation


def _problem_once(checked: dict[str, str | None], value: str, check: Callable[[str], object]) -> str | None:
    """What ``check(value)`` finds wrong (its error, in a manifest problem's words), or None;
    each distinct value (a model folder, a names file, a language) is checked once."""
    if value not in checked:
        try:
            check(value)
            checked[value] = None
        except LipsyncError as error:
            checked[value] = _say(error)
    return checked[value]


def _jobs(rows: Sequence[tuple[str, Mapping[str, str]]], base: Path, defaults: Defaults,
          problems: _Problems) -> tuple[Job, ...]:
    from ..export import choose_formats
    from ..presets import load_preset
    from ..timing import FrameRate, parse_timecode

    checked_presets: dict[str, str | None] = {}
    checked_models: dict[str, str | None] = {}
    checked_names: dict[str, str | None] = {}
    checked_languages: dict[str, str | None] = {}
    jobs = []
    claims = _OutputClaims(problems)
    fallback = defaults.values()
    for where, raw in rows:
        values = {key: value for key, value in raw.items() if value not in (None, "")}

        def get(column: str) -> Any:
            return values.get(column, fallback.get(column))

        def path_of(column: str, *, folder_ok: bool = False) -> str | None:
            text = values.get(column)
            from_row = text is not None
            if text is None:
                text = fallback.get(column)
            if text in (None, ""):
                return None
            path = Path(os.path.expanduser(str(text)))
            if not path.is_absolute():
                path = (base if from_row else Path.cwd()) / path
            if not path.exists():
                problems.add(where, column, f"{str(text)!r} does not exist")
                return None
            if path.is_dir() and not folder_ok:
                problems.add(where, column, f"{str(text)!r} is a folder, not a file")
                return None
            return str(path.resolve())

        kind = str(values.get("kind", "analyze")).strip().lower()
        if kind not in KINDS:
            problems.add(where, "kind", f"{values['kind']!r} is not a job kind (analyze, fit or adapt)")
            kind = "analyze"
        if kind == "analyze" and "original" in values:
            problems.add(where, "kind", "the row names an original but is an analyze job; set kind to fit "
                                        "for a dub-fit job")
        for column in sorted(set(values) - KIND_COLUMNS[kind] - _REFUSED_APART.get(kind, set())):
            problems.add(where, column, f"not used by {kind} rows (leave it empty, or start the column name "
                                        "with # to keep it as a note)")
        for column in ("language", "original_language"):
            if column in values and str(values[column]).strip().lower() != "auto":
                from ..languages import espeak_code

                problem = _problem_once(checked_languages, str(values[column]), espeak_code)
                if problem:
                    problems.add(where, column, problem)
        audio = path_of("audio")
        if kind == "adapt":
            jobs.extend(_adapt_job(where, values, path_of, problems, defaults, claims, get))
            continue
        if "audio" not in values:
            problems.add(where, "audio", ("missing" if "audio" not in raw else "empty")
                         + (" (the dub: a voice track or a sheet)" if kind == "fit" else ""))
        script = path_of("script")
        fit: dict[str, Any] = {}
        if kind == "fit":
            fit = _fit_fields(where, values, audio, script, path_of, problems, defaults)
        episode = values.get("episode", "")
        character = values.get("character")
        for column, text in (("episode", episode), ("character", character)):
            if text and (not _NAME_OK.match(text) or text in (".", "..") or text.startswith(".")):
                problems.add(where, column, f"{text!r} cannot be part of a file name "
                                            "(no / \\ : * ? \" < > | and no leading dot)")
        preset = str(values.get("preset") or (defaults.fit_preset if kind == "fit" else get("preset")))
        preset_value = preset
        if preset not in checked_presets:
            try:
                is_path = "/" in preset or "\\" in preset or preset.lower().endswith(".toml")
                if is_path:
                    candidate = Path(os.path.expanduser(preset))
                    if not candidate.is_absolute():
                        candidate = (base if "preset" in values else Path.cwd()) / candidate
                    load_preset(candidate)
                    checked_presets[preset] = str(candidate.resolve())
                else:
                    load_preset(preset)
                    checked_presets[preset] = preset
            except LipsyncError as error:
                checked_presets[preset] = None
                problems.add(where, "preset", _say(error))
        preset_value = checked_presets[preset] or preset
        fps = str(get("fps"))
        rate = None
        try:
            rate = FrameRate.parse(fps)
        except LipsyncError as error:
            problems.add(where, "fps", _say(error))
        formats: list[str] = [SHEET_FORMAT] if kind == "analyze" else ["json"]
        asked = str(get("formats") or "") if kind == "analyze" else values.get("formats", ",".join(FIT_DEFAULT_FORMATS))
        for name in re.split(r"[,;|\s]+", asked):
            if not name:
                continue
            if kind == "fit":
                if name.lower().lstrip(".") in FIT_FORMATS:
                    formats.append(FIT_FORMATS[name.lower().lstrip(".")])
                else:
                    problems.add(where, "formats", f"{name!r} is not a fit report format (json, html, txt)")
                continue
            try:
                formats.append(choose_formats([name])[0].name)
            except LipsyncError as error:
                problems.add(where, "formats", _say(error))
        if kind == "fit":
            name = character or (Path(audio).stem if audio else "")
            stem = f"{episode}/{name}" if episode else name
            job_id = stem + ".fit"
            if audio is not None and fit.get("original"):
                claims.claim(where, "character" if character else "audio",
                             [f"{job_id}.{kind}" for kind in dict.fromkeys(formats)], [])
                if fit.get("retime_format"):
                    claims.claim_formats(where, "retime_sheet", stem + ".retimed", [fit["retime_format"]], True)
            jobs.append(Job(id=job_id, where=where, audio=audio or "", script=script, episode=episode, name=name,
                            character=character, language=str(get("language") or "en-us"), preset=preset_value,
                            fps=fps, formats=tuple(dict.fromkeys(formats)), kind="fit", **fit))
            continue
        channel = get("channel")
        if channel not in (None, ""):
            try:
                channel = int(str(channel))
                if channel < 1:
                    raise ValueError
            except ValueError:
                problems.add(where, "channel", f"{channel!r} is not a channel number (1, 2, 3...)")
                channel = None
        timecode = get("start_timecode")
        if timecode and rate is not None:
            try:
                parse_timecode(str(timecode), rate)
            except LipsyncError as error:
                problems.add(where, "start_timecode", _say(error))
        model = path_of("diarize", folder_ok=True)
        if model is not None:
            from ..diarize import check_model

            problem = _problem_once(checked_models, model, check_model)
            if problem:
                problems.add(where, "diarize", problem)
        speakers = path_of("speakers")
        if speakers is not None:
            from ..diarize import read_speaker_names

            problem = _problem_once(checked_names, speakers, read_speaker_names)
            if problem:
                problems.add(where, "speakers", problem)
        name = character or (Path(audio).stem if audio else "")
        job_id = f"{episode}/{name}" if episode else name
        if audio is not None:
            several_tracks = model is not None or (not character and script is not None)
            claims.claim_formats(where, "character" if character else "audio", job_id, formats, several_tracks)
        language = str(get("language") or "en-us")
        jobs.append(Job(id=job_id, where=where, audio=audio or "", script=script, episode=episode,
                        name=name, character=character, language=language, preset=preset_value,
                        fps=fps, formats=tuple(dict.fromkeys(formats)),
                        channel=channel if isinstance(channel, int) else None,
                        start_timecode=str(timecode) if timecode else None, diarize=model,
                        speakers=speakers, settings=defaults.settings, fail_on=defaults.fail_on,
                        allow_mismatch=defaults.allow_mismatch))
    problems.raise_if_any()
    return tuple(jobs)


class _OutputClaims:
    """The final output paths of the rows, case-insensitive (two rows writing one file, or a
    file that one row's per-track outputs could take, is a problem of the later row).

    A row whose sheet may hold several tracks writes its single-track formats as
    ``<stem>.<TRACK><suffix>``, ``TRACK`` being letters, digits, ``-`` and ``_`` (the export's
    file-name rule): such a row claims that pattern as well as ``<stem><suffix>``.
    """

    def __init__(self, problems: _Problems) -> None:
        self.problems = problems
        self.exact: dict[str, str] = {}
        self.patterns: list[tuple[str, str, str]] = []

    def claim_formats(self, where: str, column: str, stem: str, formats: Sequence[str], several_tracks: bool) -> None:
        """Claim the outputs of ``formats`` (exporter names) written at ``stem``."""
        from ..export import choose_formats

        paths, patterns = [], []
        for name in dict.fromkeys(formats):
            try:
                exporter = choose_formats([name])[0]
            except LipsyncError:
                continue  # reported where the format is read
            paths.append(stem + exporter.file_suffix)
            if several_tracks and not exporter.multi_track:
                patterns.append((stem + ".", exporter.file_suffix))
        self.claim(where, column, paths, patterns)

    def claim(self, where: str, column: str, paths: Sequence[str], patterns: Sequence[tuple[str, str]]) -> None:
        """Claim exact ``paths`` and per-track ``patterns`` (prefix, suffix) for row ``where``."""
        clashes: dict[str, str] = {}
        for path in paths:
            key = path.casefold()
            other = self.exact.get(key) or next((owner for prefix, suffix, owner in self.patterns
                                                 if _per_track(key, prefix, suffix)), None)
            if other is not None and other != where:
                clashes.setdefault(other, path)
        for prefix, suffix in patterns:
            for key, owner in self.exact.items():
                if owner != where and _per_track(key, prefix.casefold(), suffix.casefold()):
                    clashes.setdefault(owner, f"{prefix}<track>{suffix}")
        for other, path in clashes.items():
            self.problems.add(where, column, f"writes the same outputs as {other} ({path}); give each job its "
                                             "own episode/character")
        if clashes:
            return
        for path in paths:
            self.exact[path.casefold()] = where
        self.patterns.extend((prefix.casefold(), suffix.casefold(), where) for prefix, suffix in patterns)


def _per_track(key: str, prefix: str, suffix: str) -> bool:
    """Whether output path ``key`` is a per-track file ``prefix<TRACK>suffix``."""
    if not (key.startswith(prefix) and key.endswith(suffix) and len(key) > len(prefix) + len(suffix)):
        return False
    return re.fullmatch(r"[\w\-]+", key[len(prefix):len(key) - len(suffix)]) is not None


def _fit_fields(where: str, values: Mapping[str, str], dub: str | None, script: str | None, path_of: Any,
                problems: _Problems, defaults: Defaults) -> dict[str, Any]:
    """The dub-fit fields of a ``kind = fit`` row, checked (problems are collected)."""
    from ..exporters import exporter_named
    from ..fit.check import SHEET_SUFFIXES
    from ..fit.score import FitSettings

    original = path_of("original")
    if "original" not in values:
        problems.add(where, "original", "missing (a fit job needs the original: an XDTS or lipsync sheet, "
                                        "or the original voice track)")
    original_script = path_of("original_script")
    for column, side, given in (("original_script", original, original_script), ("script", dub, script)):
        if given and side and Path(side).suffix.lower() in SHEET_SUFFIXES:
            problems.add(where, column, f"a script is only used with a voice track, and "
                                        f"{Path(side).name!r} is a sheet")

    def score(column: str) -> float | None:
        text = values.get(column)
        if text is None:
            return None
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not 0 <= value <= 100:
            problems.add(where, column, f"{text!r} is not a score from 0 to 100")
            return None
        return value

    def yes_no(column: str) -> bool | None:  # None: the cell is empty or says neither (a problem)
        text = str(values.get(column, "")).strip()
        said = yes_or_no(text) if text else None
        if text and said is None:
            problems.add(where, column, f"{values[column]!r} is not yes or no")
        return said

    threshold, fail_under = score("threshold"), score("fail_under")
    check = yes_no("check")
    if fail_under is not None:
        threshold = fail_under
    elif threshold is None:
        threshold = defaults.fail_under
    if check is None:
        check = "fail_under" in values or defaults.fail_under is not None
    mode = str(values.get("retime_mode", "reanimate")).strip().lower()
    if mode not in ("reanimate", "conform"):
        problems.add(where, "retime_mode", f"{values['retime_mode']!r} is not reanimate or conform")
    retime = values.get("retime_sheet")
    retime_format = None
    if retime:
        try:
            retime_format = exporter_named(retime).name
        except LipsyncError as error:
            problems.add(where, "retime_sheet", f"{_say(error)} (give a format name such as xdts; the sheet is "
                                                "written to OUTDIR/<episode>/<character>.retimed.<ext>)")
        if dub and Path(dub).suffix.lower() == ".xdts":
            problems.add(where, "retime_sheet", "a corrected sheet needs the dub as a voice track or lipsync "
                                                "sheet, not an XDTS")
    elif "retime_mode" in values:
        problems.add(where, "retime_mode", "given without retime_sheet (the format of the corrected sheet)")
    return {"original": original, "original_script": original_script,
            "original_language": values.get("original_language"),
            "original_track": values.get("original_track"), "dub_track": values.get("dub_track"),
            "retime_format": retime_format, "retime_mode": mode,
            "threshold": FitSettings.threshold if threshold is None else threshold, "check": bool(check),
            "max_shift": _max_shift(where, values, problems), "allow_added_lines": bool(yes_no("allow_added_lines"))}


def _max_shift(where: str, values: Mapping[str, str], problems: _Problems) -> int | None:
    """A fit row's ``max_shift`` (:func:`lipsync.fit.check.parse_max_shift`), or None when empty
    (the default, :attr:`lipsync.fit.FitSettings.max_shift`); a bad value is a problem."""
    from ..fit.check import parse_max_shift

    text = str(values.get("max_shift", "")).strip()
    if not text:
        return None
    try:
        return parse_max_shift(text)
    except LipsyncError as error:
        problems.add(where, "max_shift", _say(error))
        return None


def _adapt_job(where: str, values: Mapping[str, str], path_of: Any, problems: _Problems, defaults: Defaults,
               claims: Any, get: Any) -> list[Job]:
    """The job of a ``kind = adapt`` row: the dub script scored against the original before
    recording (problems are collected; no job when the row cannot run)."""
    from ..fit.check import SHEET_SUFFIXES
    from ..presets import load_preset
    from ..timing import FrameRate

    original, script, original_script = path_of("original"), path_of("script"), path_of("original_script")
    for column, what in (("original", "the original: an XDTS or lipsync sheet, or the original voice track"),
                         ("script", "the adapted dub script")):
        if column not in values:
            problems.add(where, column, f"missing (an adapt job needs {what})")
    if "audio" in values:
        problems.add(where, "audio", "an adapt job scores a dub script before recording: give it as script")
    if original_script and original and Path(original).suffix.lower() in SHEET_SUFFIXES:
        problems.add(where, "original_script", f"a script is only used with a voice track, and "
                                               f"{Path(original).name!r} is a sheet")
    fields = _fit_fields(where, {k: v for k, v in values.items() if k in ("original", "threshold", "fail_under", "check")},
                         None, None, lambda column: original if column == "original" else None, problems, defaults)
    preset = str(values.get("preset") or defaults.fit_preset)
    try:
        load_preset(preset)
    except LipsyncError as error:
        problems.add(where, "preset", _say(error))
    fps = str(get("fps"))
    try:
        FrameRate.parse(fps)
    except LipsyncError as error:
        problems.add(where, "fps", _say(error))
    formats = ["json"]
    for name in re.split(r"[,;|\s]+", values.get("formats", ",".join(FIT_DEFAULT_FORMATS))):
        if name and name.lower().lstrip(".") in FIT_FORMATS:
            formats.append(FIT_FORMATS[name.lower().lstrip(".")])
        elif name:
            problems.add(where, "formats", f"{name!r} is not an adapt report format (json, html, txt)")
    episode, character = values.get("episode", ""), values.get("character")
    name = character or (Path(script).stem if script else "")
    stem = f"{episode}/{name}" if episode else name
    if not (original and script):
        return []
    claims.claim(where, "character" if character else "script",
                 [f"{stem}.adapt.{kind}" for kind in dict.fromkeys(formats)], [])
    return [Job(id=stem + ".adapt", where=where, audio="", script=script, episode=episode, name=name,
                character=character, language=str(get("language") or "en-us"), preset=preset, fps=fps,
                formats=tuple(dict.fromkeys(formats)), kind="adapt", original=original,
                original_script=original_script, original_track=values.get("original_track"),
                threshold=fields["threshold"], check=fields["check"],
                original_language=values.get("original_language") or "en-us")]


def _say(error: LipsyncError) -> str:
    return f"{error.message}; {error.hint}" if error.hint else error.message


def describe_columns() -> str:
    """The manifest columns, for help texts."""
    return ", ".join(COLUMNS)


__all__ = ["Job", "Defaults", "read_manifest", "jobs_from_glob", "COLUMNS", "KINDS", "SHEET_FORMAT",
           "describe_columns"]

