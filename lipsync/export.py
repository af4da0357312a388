"""The one export path: a sheet in one or more formats, written as a set.

``analyze``, ``export``, ``batch`` and ``fit --retime-sheet`` all come through here, so they share
one naming rule, one fan-out of single-track formats into one file per track, one settings check
and one way of reporting the exporters' warnings (as values, not log lines)::

    result = export(sheet, "xdts,dat,tsv", "out/ep01")      # out/ep01.xdts, out/ep01.ANNA.dat ...
    result.files, result.warnings

Where the files go (``target``):

- a folder (``out/``, or any existing folder): ``out/<name><suffix>`` inside it, ``<name>`` being
  the first input's stem, else the sheet's audio file stem, else ``sheet``;
- a path whose extension is a format's (``out/ep01.tsv``): with one format, exactly that file;
  with several, the path without that extension is the stem;
- any other path: with one format exactly that file, with several the stem of each.

A single-track format of a sheet with several tracks writes ``<stem>.<TRACK><suffix>`` per track
(unless ``track`` picks one); track names become file names by :func:`track_file_names`, unique
whatever the names are. Every format is rendered and every path checked before anything is
written; the files are then staged as temporary files and renamed into place, so a failure leaves
no file of the set. No output may be (or resolve to, through links or case) one of ``inputs``.

Formats that need the audio as well as the sheet (``mp4``) are not exporters (exporters never see
audio): they are rendered by the module named in :data:`AUDIO_FORMATS`, imported only when asked.
"""

from __future__ import annotations

import importlib
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from .errors import FormatError, OptionError, OutputError
from .exporters import ExportOptions, Exporter, collect_warnings, exporter_for_path, exporter_named, known_endings
from .fileio import place, refuse_inputs, staging_folder
from .sheet import Sheet

DEFAULT_FORMAT = "tsv"


@dataclass(frozen=True)
class AudioFormat:
    """A format rendered from the sheet *and* its audio, by ``module.function`` (lazy import).

    The function is called as ``function(sheet, audio, path, track=..., settings=...)``, writes the
    file at ``path`` (a temporary name the export renames into place) and returns its warnings.
    """

    name: str
    suffix: str
    module: str
    function: str
    description: str
    #: one file holds every track (as an exporter's ``multi_track``)
    multi_track: ClassVar[bool] = True

    @property
    def file_suffix(self) -> str:
        """The file ending it is written with (as an exporter's ``file_suffix``)."""
        return self.suffix


#: Formats that need audio; rendered outside the exporters (which never see audio).
AUDIO_FORMATS: dict[str, AudioFormat] = {
    "mp4": AudioFormat("mp4", ".mp4", "lipsync.preview", "write_video",
                       "preview video: the mouths drawn over the sheet's frames, with the sound"),
}


@dataclass(frozen=True)
class Output:
    """One rendered file: where it goes (``None``: standard output), its format, its track
    (``None``: every track the format holds) and its bytes (``None`` for an audio format, which is
    rendered straight to a file when written)."""

    path: Path | None
    format: str
    track: str | None
    data: bytes | None
    render: Callable[[Path], tuple[str, ...]] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Rendering:
    """Every file of an export, rendered but not yet written, and the exporters' warnings."""

    outputs: tuple[Output, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class ExportResult:
    """What :func:`export` wrote, in order, and the warnings of the exporters that wrote it."""

    files: tuple[Path, ...]
    warnings: tuple[str, ...]


Format = Exporter | AudioFormat


def choose_formats(formats: str | Sequence[str] | None, target: str | Path | None = None) -> tuple[Format, ...]:
    """The formats asked for: names or extensions, comma-separated or a sequence; without any,
    the format of ``target``'s extension, else ``tsv``. FormatError for an unknown name.

    >>> [f.name for f in choose_formats("xdts, dat,xdts")]
    ['xdts', 'dat']
    >>> [f.name for f in choose_formats(None, "take.TextGrid")]
    ['textgrid']
    """
    if formats is not None:
        parts = formats.split(",") if isinstance(formats, str) else list(formats)
        names = [name.strip() for name in parts if name.strip()]
        if not names:
            raise FormatError("no format given", "for example -f tsv or -f xdts,dat,pdf")
        return tuple(dict.fromkeys(_format_named(name) for name in names))
    if target is not None and not _is_folder(target) and Path(target).suffix:
        return (exporter_for_path(target),)
    return (exporter_named(DEFAULT_FORMAT),)


def _format_named(name: str) -> Format:
    wanted = name.strip().lower().lstrip(".")
    if wanted in AUDIO_FORMATS:
        return AUDIO_FORMATS[wanted]
    return exporter_named(name)


def _suffix(fmt: Format) -> str:
    return fmt.file_suffix if isinstance(fmt, Exporter) else fmt.suffix


def _known_suffixes() -> tuple[str, ...]:
    """Every file ending a format is written with, longest first (``.rhubarb.json`` before ``.json``)."""
    endings = known_endings()
    endings.update(f.suffix for f in AUDIO_FORMATS.values())
    return tuple(sorted(endings, key=len, reverse=True))


def _format_ending(name: str) -> str:
    """The known format ending of file ``name`` (case-insensitive), or ``""``."""
    lower = name.lower()
    return next((ending for ending in _known_suffixes() if lower.endswith(ending) and len(lower) > len(ending)), "")


def _is_folder(target: str | Path) -> bool:
    text = str(target)
    return text.endswith(("/", os.sep)) or Path(text).is_dir()


def track_file_names(names: Iterable[str]) -> dict[str, str]:
    """A file-name part for each track name: characters other than letters, digits, ``-`` and
    ``_`` become ``_``; names that would then clash (also by case, for case-insensitive disks)
    get ``_2``, ``_3``... in track order. The same rule for ``analyze``, ``export`` and ``batch``.

    >>> track_file_names(["Mr. Lee", "Mr Lee", "A/B", "A:B", "???"])
    {'Mr. Lee': 'Mr_Lee', 'Mr Lee': 'Mr_Lee_2', 'A/B': 'A_B', 'A:B': 'A_B_2', '???': 'track'}
    """
    result: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        if name in result:
            continue
        base = re.sub(r"[^\w\-]+", "_", name).strip("_") or "track"
        candidate, number = base, 1
        while candidate.casefold() in taken:
            number += 1
            candidate = f"{base}_{number}"
        taken.add(candidate.casefold())
        result[name] = candidate
    return result


def output_stem(target: str | Path, formats: Sequence[Format], *, name: str,
                as_stem: bool = False) -> tuple[Path, bool]:
    """Where files of ``formats`` go for ``target``: ``(stem, exact)``; ``exact`` when the one
    format is written to ``target`` itself (its own name, extension included). With
    ``as_stem``, ``target`` is always a stem (each format adds its ending)."""
    if as_stem:
        return Path(target), False
    if _is_folder(target):
        return Path(target) / name, False
    path = Path(target)
    if len(formats) == 1:
        return path, True
    ending = _format_ending(path.name)
    return (path.with_name(path.name[:-len(ending)]) if ending else path), False


def _with_track(path: Path, exact: bool, fmt: Format, track_part: str) -> Path:
    """``out/ep01.tsv`` for track ``BOB`` -> ``out/ep01.BOB.tsv``; a name without the format's
    ending gets it (``out1`` -> ``out1.BOB.dat``)."""
    suffix = _suffix(fmt)
    if exact:
        ending = _format_ending(path.name)
        if ending and (ending == suffix or (isinstance(fmt, Exporter) and ending in fmt.extensions)):
            return path.with_name(f"{path.name[:-len(ending)]}.{track_part}{path.name[-len(ending):]}")
        return path.with_name(f"{path.name}.{track_part}{suffix}")
    return path.with_name(f"{path.name}.{track_part}{suffix}")


def default_name(sheet: Sheet, inputs: Sequence[str | Path]) -> str:
    """The file name stem for a folder target: the first input's, else the sheet's audio's."""
    for candidate in (*inputs, sheet.source.path):
        if candidate:
            stem = Path(candidate).name
            ending = _format_ending(stem) or Path(stem).suffix
            stem = stem[:-len(ending)] if ending else stem
            if stem:
                return stem
    return "sheet"


def check_settings(formats: Sequence[Format], settings: Mapping[str, str]) -> dict[str, str]:
    """``settings`` checked against what the chosen formats declare: OptionError naming an
    unknown key (with the known ones) or a value a format does not accept."""
    exporters = [f for f in formats if isinstance(f, Exporter)]
    known = {s.name: s for e in exporters for s in e.settings}
    audio_only = any(isinstance(f, AudioFormat) for f in formats)
    for key, value in settings.items():
        if key not in known:
            if audio_only:
                continue  # an audio format checks its own settings
            names = ", ".join(sorted(known)) or "none"
            chosen = ", ".join(f.name for f in formats)
            raise OptionError(f"unknown setting {key!r} for {chosen}",
                              f"settings of these formats: {names} (see 'lipsync formats --settings')")
        for exporter in exporters:
            for setting in exporter.settings:
                if setting.name == key:
                    setting.check(value, exporter.name)
    return dict(settings)


def render(sheet: Sheet, formats: str | Sequence[str] | None, target: str | Path | None, *,
           track: str | None = None, settings: Mapping[str, str] | None = None, audio: object = None,
           inputs: Sequence[str | Path] = (), as_stem: bool = False) -> Rendering:
    """Every file of the export, rendered in memory, paths checked; nothing is written.

    ``target`` ``None`` means standard output: one format only; a single-track format of a
    sheet with several tracks then renders ``track`` or the first track, with a warning.
    ``as_stem``: ``target`` is a stem to which every format adds its ending (``lipsync batch``).
    """
    chosen = choose_formats(formats, target)
    extra = check_settings(chosen, settings or {})
    if track is not None:
        sheet.track(track)  # FormatError naming the tracks when there is none such
    if target is None and len(chosen) > 1:
        raise OutputError("several formats need an output path", "add -o NAME; each format gets its own extension")
    if target is None and isinstance(chosen[0], AudioFormat):
        raise OutputError(f"{chosen[0].name} is written to a file, not to standard output",
                          f"add -o NAME{chosen[0].suffix}")
    planned: list[tuple[Format, Path | None, str | None]] = []
    if target is None:
        fmt = chosen[0]
        single = isinstance(fmt, Exporter) and not fmt.multi_track
        one = track if track is not None else (sheet.tracks[0].name if single and sheet.tracks else None)
        planned.append((fmt, None, one))
    else:
        stem, exact = output_stem(target, chosen, name=default_name(sheet, inputs), as_stem=as_stem)
        parts = track_file_names(t.name for t in sheet.tracks)
        for fmt in chosen:
            base = stem if exact else stem.with_name(stem.name + _suffix(fmt))
            if isinstance(fmt, Exporter) and not fmt.multi_track and track is None and len(sheet.tracks) > 1:
                planned.extend((fmt, _with_track(stem, exact, fmt, parts[t.name]), t.name) for t in sheet.tracks)
            else:
                planned.append((fmt, base, track))
    _check_paths([path for _, path, _ in planned if path is not None], inputs)
    outputs: list[Output] = []
    with collect_warnings() as warnings:
        for fmt, path, one in planned:
            if isinstance(fmt, AudioFormat):
                own = {key: value for key, value in extra.items()   # the exporters' settings are theirs
                       if not any(key == setting.name for e in chosen if isinstance(e, Exporter) for setting in e.settings)}
                outputs.append(Output(path, fmt.name, one, None, _audio_renderer(fmt, sheet, audio, one, own)))
                continue
            if target is None and one is not None and track is None and len(sheet.tracks) > 1:
                warnings.append(f"{fmt.name} holds one track: wrote {one!r} of {len(sheet.tracks)} "
                                "(use --track/--speaker NAME, or -o to write one file per track)")
            outputs.append(Output(path, fmt.name, one, fmt.write(sheet, ExportOptions(track=one, extra=extra))))
    return Rendering(tuple(outputs), tuple(dict.fromkeys(warnings)))


def _audio_renderer(fmt: AudioFormat, sheet: Sheet, audio: object, track: str | None,
                    settings: Mapping[str, str]) -> Callable[[Path], tuple[str, ...]]:
    if audio is None:
        raise FormatError(f"{fmt.name} needs the audio as well as the sheet",
                          f"write {fmt.name} from 'lipsync analyze' or 'lipsync preview', which have the audio")
    try:
        function = getattr(importlib.import_module(fmt.module), fmt.function)
    except (ImportError, AttributeError):
        raise FormatError(f"the {fmt.name} format is not available in this installation",
                          "see 'lipsync formats' for the formats it can write") from None

    def write(path: Path) -> tuple[str, ...]:
        return tuple(function(sheet, audio, path, track=track, settings=dict(settings)) or ())

    return write


def _check_paths(paths: Sequence[Path], inputs: Sequence[str | Path]) -> None:
    """No two outputs the same file (also by case), none an input, none a folder."""
    seen: dict[str, Path] = {}
    for path in paths:
        key = os.path.normcase(os.path.abspath(path)).casefold()
        if key in seen:
            raise OutputError(f"two outputs would be written to {str(path)!r}",
                              "give the formats or tracks different names")
        seen[key] = path
        if path.is_dir():
            raise OutputError(f"cannot write {str(path)!r}: it is a folder", "give a file name, or end -o with /")
        existing = next((parent for parent in path.parents if parent.exists()), None)
        if existing is not None and not existing.is_dir():
            raise OutputError(f"cannot write into {str(path.parent)!r}: {str(existing)!r} is a file",
                              "choose another output path")
    refuse_inputs(paths, inputs)


def check_target(formats: str | Sequence[str] | None, target: str | Path | None,
                 inputs: Sequence[str | Path] = (), *, settings: Mapping[str, str] | None = None,
                 name: str | None = None) -> None:
    """Before any work: the formats exist, their settings are valid, and the outputs named by
    ``target`` are not inputs (track files are checked again by :func:`render`, once the
    tracks are known).
    """
    chosen = choose_formats(formats, target)
    check_settings(chosen, settings or {})
    if target is None:
        if len(chosen) > 1:
            raise OutputError("several formats need an output path", "add -o NAME; each format gets its own extension")
        return
    stem_name = name or next((Path(p).stem for p in inputs if p), "sheet")
    stem, exact = output_stem(target, chosen, name=stem_name)
    paths = [stem if exact else stem.with_name(stem.name + _suffix(fmt)) for fmt in chosen]
    _check_paths(paths, inputs)


def write(rendering: Rendering) -> ExportResult:
    """Write a rendering's files as a set: all staged as temporary files beside their targets
    (missing folders made), then renamed into place; any failure removes every staged file, the
    files already renamed into place (putting back those they replaced) and the folders it made,
    leaving none of the set. Standard-output items are not written here."""
    staged: list[tuple[str, Path]] = []
    placed: list[tuple[Path, bool, Path | None]] = []  # renamed into place: existed before, kept copy
    made: list[Path] = []
    try:
        warnings: list[str] = list(rendering.warnings)
        for output in rendering.outputs:
            if output.path is None:
                continue
            _make_folder(output.path.parent, made)
            folder = staging_folder(output.path)
            try:
                handle, temporary = tempfile.mkstemp(prefix=f".{output.path.name}.", suffix=".part", dir=folder)
            except OSError as error:
                raise OutputError(f"cannot write to {str(folder)!r}: {error.strerror}",
                                  "check the folder's permissions or choose another output path") from None
            staged.append((temporary, output.path))
            try:
                with os.fdopen(handle, "wb") as stream:
                    if output.data is not None:
                        stream.write(output.data)
                if output.render is not None:
                    warnings.extend(output.render(Path(temporary)))
            except OSError as error:
                raise OutputError(f"cannot write {str(output.path)!r}: {error.strerror}",
                                  "check the disk space and permissions") from None
        for temporary, path in staged:
            # a device or pipe (/dev/null) is written into, which cannot be undone
            existed, kept = path.exists(), _keep_previous(path)
            try:
                place(Path(temporary), path)
            except OSError as error:
                if kept is not None:
                    kept.unlink(missing_ok=True)
                raise OutputError(f"cannot write {str(path)!r}: {error.strerror}",
                                  "check the permissions of the file and its folder") from None
            placed.append((path, existed, kept))
    except BaseException:
        for path, existed, kept in placed:  # files already renamed into place: the set is undone
            _restore(path, existed, kept)
        for temporary, _ in staged:
            Path(temporary).unlink(missing_ok=True)
        for folder in reversed(made):
            try:
                folder.rmdir()
            except OSError:
                pass
        raise
    for _, _, kept in placed:
        if kept is not None:
            kept.unlink(missing_ok=True)
    return ExportResult(tuple(path for _, path in staged), tuple(dict.fromkeys(warnings)))


def _keep_previous(path: Path) -> Path | None:
    """A hard link to the file ``path`` names before it is replaced (None if there is none or
    the file system cannot link: that file is then replaced for good)."""
    if not path.is_file():
        return None
    kept = path.with_name(f".{path.name}.{os.getpid()}.previous")
    try:
        kept.unlink(missing_ok=True)
        os.link(path, kept)
    except OSError:
        return None
    return kept


def _restore(path: Path, existed: bool, kept: Path | None) -> None:
    """Put back the file ``path`` named before (``kept``), or remove it if it is new (a file
    that existed but could not be kept stays replaced)."""
    try:
        if kept is not None:
            os.replace(kept, path)
        elif not existed:
            path.unlink(missing_ok=True)
    except OSError:
        pass


def _make_folder(folder: Path, made: list[Path]) -> None:
    """Make ``folder`` and its missing parents, remembering those made (to remove on failure)."""
    missing = []
    current = folder
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    if current.exists() and not current.is_dir():
        raise OutputError(f"cannot write into {str(folder)!r}: {str(current)!r} is a file",
                          "choose another output path")
    for path in reversed(missing):
        try:
            path.mkdir()
        except FileExistsError:
            continue
        except OSError as error:
            raise OutputError(f"cannot create the folder {str(path)!r}: {error.strerror}",
                              "choose another output path") from None
        made.append(path)
    if not os.access(folder, os.W_OK):
        raise OutputError(f"cannot write into {str(folder)!r}: the folder is not writable",
                          "choose another output path")


def export(sheet: Sheet, formats: str | Sequence[str] | None, target: str | Path, *, track: str | None = None,
           settings: Mapping[str, str] | None = None, audio: object = None,
           inputs: Sequence[str | Path] = (), as_stem: bool = False) -> ExportResult:
    """Write ``sheet`` in ``formats`` (``"xdts,dat"``, a list, or ``None`` for ``target``'s
    extension) to ``target`` (a stem, a file or a folder ``DIR/``); see the module docstring.

    ``settings`` are format settings (``{"names": "preston-blair"}``), checked against what the
    formats declare; ``audio`` is needed only by audio formats (``mp4``); ``inputs`` are files
    that must never be overwritten; ``as_stem`` makes ``target`` a stem whatever it looks like.
    Returns the files written and the warnings.
    """
    return write(render(sheet, formats, target, track=track, settings=settings, audio=audio, inputs=inputs,
                        as_stem=as_stem))


#: Shipped presets tried, in order, to name the mouths of a file read without ``--preset``.
_KNOWN_SHAPE_SETS = ("rhubarb", "preston-blair", "anime-3", "anime-5", "harmony", "oculus-15", "fleming-dobbs")


def load_sheet(path: str | Path, format: str | None = None, *, fps: object = None,
               preset: object = None) -> Sheet:
    """A sheet from any readable format (:func:`lipsync.exporters.read_sheet`), ready to export.

    ``fps`` (a rate as text or :class:`~lipsync.timing.FrameRate`) is the rate of formats that
    store none; ``preset`` (a name, a path or a :class:`~lipsync.presets.Preset`) names their mouth
    shapes or XDTS drawing numbers. Without one, the mouths are named by the first shipped preset
    that has every name the file uses (a Papagayo file reads as ``preston-blair``, Rhubarb output
    as ``rhubarb``). A file of phones without mouths (``.lab``, a TextGrid of phones) is
    animated with the preset (``rhubarb`` when none is given).
    """
    from .exporters import read_sheet
    from .presets import load_preset
    from .timing import FrameRate

    rate = fps if isinstance(fps, FrameRate) or fps is None else FrameRate.parse(str(fps))
    chosen = None if preset is None else (preset if hasattr(preset, "shape_set") else load_preset(preset))  # type: ignore[arg-type]
    sheet = read_sheet(path, format, rate=rate, shapes=chosen.shape_set if chosen is not None else None)
    if chosen is None and sheet.preset.name in ("read", "xdts drawings"):
        used = {cue.shape for track in sheet.tracks for cue in track.cues}
        if sheet.preset.name == "xdts drawings":
            used.discard(sheet.preset.rest)  # empty cells: the preset's rest mouth
        for name in _KNOWN_SHAPE_SETS:
            candidate = load_preset(name)
            fits = (used <= set(candidate.shape_set.names) if sheet.preset.name == "read"
                    else {int(shape) for shape in used} <= {s.drawing for s in candidate.shape_set.shapes})
            if used and fits:
                chosen = candidate
                sheet = read_sheet(path, format, rate=rate, shapes=candidate.shape_set)
                break
    if not any(track.cues for track in sheet.tracks) and any(track.phones for track in sheet.tracks):
        from .pipeline import reanimate

        sheet = reanimate(sheet, chosen or load_preset("rhubarb"))
    return sheet

