"""One file opened for review: a sheet to check and edit, or a dub-fit report to go through.

A :class:`ReviewSession` knows the version of the file it last read or wrote (to refuse saving
over a file changed since, on disk or from another page), the audio to play, the mouth drawings,
and does what the page asks of the server: its state, re-animating a word's stretch, and saving
with exports.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import AudioError, FormatError, LipsyncError, OutputError
from ..fileio import write_atomic
from ..presets import Preset, load_preset
from ..sheet import SHEET_FORMAT, Sheet, sheet_from_dict, sheet_from_json, sheet_to_dict
from ..timing import FrameRate, is_drop_frame, parse_timecode
from .edits import check_cues, move_word
from .media import PLAYABLE, FileMedia, Media, PcmMedia, SilentMedia, peak_envelope
from .script import script_state, track_script_lines

FIT_FORMAT = "lipsync-fit"

#: The rate at which the audio is decoded for the waveform's peaks.
PEAKS_DECODE_RATE = 8000
#: The rate of the WAV served for audio formats browsers do not play.
PLAYED_RATE = 16000


class ChangedOnDiskError(OutputError):
    """The sheet was changed by something else since the page read it: not saved."""

    exit_code = 3


@dataclass(frozen=True)
class Playback:
    """What the page plays: the media, its duration, and why there is no audio (or None)."""

    media: Media
    duration: float
    peaks: tuple[float, ...]
    path: str | None
    missing: str | None = None


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_json(path: Path, data: bytes) -> Mapping[str, Any] | None:
    """The JSON object in ``data``, or None when it is not JSON (another sheet format)."""
    if path.suffix.lower() != ".json":
        return None
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FormatError(f"{str(path)!r} is not valid JSON ({error})",
                          "pass a lipsync sheet (.json) or a dub-fit report (fit.json)") from None
    return parsed if isinstance(parsed, Mapping) else None


def _file_near(wanted: str, beside: Path) -> Path | None:
    """The file a sheet or report names: as written, or beside it (``beside`` is the naming file)."""
    for candidate in (Path(wanted), beside.parent / wanted, beside.parent / Path(wanted).name):
        if candidate.is_file():
            return candidate
    return None


def _fit_side_audio(side: Mapping[str, Any], report: Path) -> str | None:
    """The audio of one side of a dub-fit report: the voice track itself, or a lipsync
    sheet's source audio (None for XDTS, or when the sheet is gone)."""
    if side.get("kind") == "audio":
        return side.get("path")
    if side.get("kind") != "sheet" or not side.get("path"):
        return None
    found = _file_near(str(side["path"]), report)
    if found is None:
        return None
    try:
        source = json.loads(found.read_text(encoding="utf-8")).get("source") or {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        return None
    path = source.get("path")
    audio = _file_near(str(path), found) if path else None
    return str(audio) if audio else None


def _preset_reference(preset: str | Path) -> str | Path:
    """A preset name, or a path when it names a .toml file."""
    return Path(preset) if isinstance(preset, Path) or str(preset).endswith(".toml") else str(preset)


def _format_of(path: Path, parsed: Mapping[str, Any] | None) -> Any:
    """The format a sheet file other than lipsync's JSON is saved back in: by its extension,
    and for JSON by its content (Rhubarb's has ``mouthCues``); None when it cannot be told."""
    from ..exporters import exporter_for_path, exporter_named

    if parsed is not None:
        return exporter_named("rhubarb-json") if "mouthCues" in parsed else None
    return exporter_for_path(path)


def open_playback(audio: str | Path | None, named: str | None, sheet_path: Path, duration: float) -> Playback:
    """The audio to play: ``audio`` if given, else the ``named`` source found as written or
    beside the sheet; silence of ``duration`` seconds, with the reason, when there is none."""
    from ..audio import load_audio

    if audio is None and not named:
        return _silent(duration, "the sheet names no audio file (pass AUDIO after the sheet)")
    path = Path(audio) if audio is not None else _file_near(str(named), sheet_path)
    if path is None:
        return _silent(duration, f"the sheet's audio {named!r} is not found "
                       "(pass AUDIO after the sheet)")
    if audio is not None and not path.is_file():
        raise AudioError(f"audio file {str(path)!r} not found", "check the path")
    content_type = PLAYABLE.get(path.suffix.lower())
    try:  # the file browsers play is only read for its peaks; others are decoded to play them
        decoded = load_audio(path, target_rate=PEAKS_DECODE_RATE if content_type else PLAYED_RATE)
    except AudioError as error:
        if audio is not None:
            raise
        return _silent(duration, f"the sheet's audio cannot be read: {error.message}")
    media: Media = FileMedia(path, content_type) if content_type else PcmMedia(decoded.samples, decoded.sample_rate)
    peaks = peak_envelope(decoded.samples, decoded.sample_rate)
    return Playback(media, decoded.duration, tuple(round(float(p), 3) for p in peaks), str(path))


def _silent(duration: float, reason: str) -> Playback:
    return Playback(SilentMedia(duration), duration, (), None, reason)


class ReviewSession:
    """A sheet (or a dub-fit report) opened for review; thread-safe."""

    def __init__(self, path: str | Path, audio: str | Path | None = None, *, mouths: str | Path | None = None,
                 preset: str | Path | None = None, exports: Sequence[str] = (), fps: str | None = None,
                 rythmo: str | Path | None = None, language: str = "en-us") -> None:
        """Open ``path`` (a sheet or a dub-fit report) with its ``audio`` (default: the one it
        names), the user's ``mouths`` folder, the ``preset`` that re-animates moved words (and
        names the shapes of formats that store numbers), ``exports`` written on every save,
        ``fps`` for formats that store no frame rate, and ``rythmo``, a dub (script in
        ``language``, or aligned sheet) shown on a rhythmo band under the sheet."""
        self.path = Path(path)
        if not self.path.is_file():
            raise FormatError(f"sheet {str(self.path)!r} not found",
                              "pass a sheet written by 'lipsync analyze -f sheet' or a fit report")
        self._lock = threading.Lock()
        self._rate = FrameRate.parse(fps) if fps is not None else None
        self._shapes = load_preset(_preset_reference(preset)).shape_set if preset is not None else None
        data = self.path.read_bytes()
        self._digest = _digest(data)
        parsed = _read_json(self.path, data)
        self.fit: Mapping[str, Any] | None = None
        self.sheet: Sheet | None = None
        self.format: Any = None  # the exporter that saves the sheet back in its own format
        if parsed is not None and parsed.get("format") == FIT_FORMAT:
            self.fit = parsed
            self.shape_set = load_preset("anime-3").shape_set
            try:
                frames = max((l["window"]["frame"] + l["window"]["length"] for l in parsed["lines"]), default=0)
                self.rate = FrameRate.parse(parsed["rate"])
                sides = (parsed["dub"], parsed["original"])
                named = next(filter(None, (_fit_side_audio(side, self.path) for side in sides)), None)
            except (KeyError, TypeError, AttributeError):
                raise FormatError(f"dub-fit report {self.path.name!r} is malformed",
                                  "write it again with 'lipsync fit ... -o fit.json'") from None
            self.playback = open_playback(audio, named, self.path, self.rate.seconds_at(frames))
        else:
            self.sheet = self._read_sheet(data)
            self.shape_set = self.sheet.preset
            self.rate = self.sheet.rate
            self.playback = open_playback(audio, self.sheet.source.path, self.path,
                                          self.sheet.duration_seconds)
        self.exports = tuple(exports)
        self.mouth_files = self._user_mouths(mouths)
        self.preset, self.preset_problem = self._animation_preset(preset)
        self._band_preset = preset
        self.band = self._rhythmo_band(rythmo, language, preset)

    # ------------------------------------------------------------------ opening

    def _read_sheet(self, data: bytes) -> Sheet:
        """The sheet in ``data``: lipsync's JSON, or any format lipsync reads (saved back in it)."""
        from ..exporters import exporter_named, read_sheet

        parsed = _read_json(self.path, data)
        if parsed is not None and parsed.get("format") == SHEET_FORMAT:
            self.format = exporter_named("sheet")
            return sheet_from_json(data.decode("utf-8"))
        sheet = read_sheet(self.path, rate=self._rate, shapes=self._shapes)
        self.format = _format_of(self.path, parsed)
        return sheet

    def _rhythmo_band(self, source: str | Path | None, language: str,
                      preset: str | Path | None) -> dict[str, Any] | None:
        """The rhythmo band of the dub in ``source`` under the opened sheet, as the page draws it."""
        if source is None:
            return None
        from ..rhythmo import band_from_file, band_to_dict

        if self.sheet is None:
            raise FormatError("a rhythmo band goes under a sheet, not a dub-fit report",
                              "open the original's sheet with --rythmo")
        if not Path(source).is_file():
            raise FormatError(f"dub {str(source)!r} for the rhythmo band not found", "check the path of --rythmo")
        band = band_from_file(self._editable(), source, language, preset)
        return {"source": Path(source).name, **band_to_dict(band)}

    def _user_mouths(self, directory: str | Path | None) -> dict[str, Path]:
        if directory is None:
            return {}
        from ..mouths import user_mouths

        return user_mouths(directory, self.shape_set)

    def _animation_preset(self, preset: str | Path | None) -> tuple[Preset | None, str | None]:
        """The preset whose rules re-animate a moved word, or None and why not."""
        if self.sheet is None:
            return None, "a dub-fit report is read-only"
        wanted = preset if preset is not None else self.sheet.preset.name
        try:
            found = load_preset(_preset_reference(wanted))
        except LipsyncError as error:
            if preset is not None:
                raise
            return None, f"the sheet's preset {wanted!r} cannot be loaded ({error.message}); pass --preset"
        if found.shape_set.names != self.sheet.preset.names:
            if preset is not None:
                raise FormatError(f"preset {found.name!r} has other shapes than the sheet's",
                                  f"the sheet uses {', '.join(self.sheet.preset.names)}")
            return None, f"preset {found.name!r} has other shapes than the sheet's; pass --preset"
        return found, None

    # ------------------------------------------------------------------ the page

    def mouth(self, index: int) -> tuple[bytes, str]:
        """The drawing of shape number ``index`` (preset order): bytes and content type."""
        shapes = self.shape_set.names
        if not 0 <= index < len(shapes):
            raise KeyError(index)
        name = shapes[index]
        if self.mouth_files:
            path = self.mouth_files[name]
            kind = {".svg": "image/svg+xml", ".png": "image/png"}.get(path.suffix.lower(), "image/jpeg")
            return path.read_bytes(), kind
        from ..mouths import builtin_mouth_svg

        drawn = self.preset if self.preset is not None else self.shape_set.name if self.fit else self.shape_set
        return builtin_mouth_svg(drawn, name).encode("utf-8"), "image/svg+xml"

    def state(self) -> dict[str, Any]:
        """Everything the page draws, as JSON-ready data."""
        from ..export import AUDIO_FORMATS
        from ..exporters import all_exporters

        with self._lock:
            playback = self.playback
            common = {
                "name": self.path.name,
                "rate": {"num": self.rate.num, "den": self.rate.den, "text": str(self.rate)},
                "shapes": [{"name": s.name, "label": s.label, "drawing": s.drawing, "openness": s.openness}
                           for s in self.shape_set.shapes],
                "audio": {"path": playback.path, "duration": playback.duration, "missing": playback.missing},
                "timecode": self._timecode(),
            }
            if self.fit is not None:
                return {**common, "mode": "fit", "fit": self.fit}
            assert self.sheet is not None
            return {**common, "mode": "sheet", "sheet": sheet_to_dict(self.sheet), "version": self._digest,
                    "script": script_state(self.sheet),
                    "saves_as": self.format.name if self.format is not None else None,
                    "reanimate": {"available": self.preset is not None, "reason": self.preset_problem},
                    "exports": {"chosen": list(self.exports),
                                "formats": [{"name": f.name, "description": f.description}
                                            for f in (*all_exporters(), *AUDIO_FORMATS.values())
                                            if f.name != "sheet"]}}

    def _timecode(self) -> dict[str, Any]:
        """The frame count of the first frame's timecode, and whether the timecode is drop-frame
        (:func:`~lipsync.timing.is_drop_frame`)."""
        start = self.sheet.start_timecode if self.sheet is not None else None
        return {"start": parse_timecode(start, self.rate) if start else 0, "drop": is_drop_frame(start, self.rate)}

    def peaks(self) -> dict[str, Any]:
        """The waveform's peak envelope."""
        from .media import PEAKS_PER_SECOND

        return {"per_second": PEAKS_PER_SECOND, "duration": self.playback.duration,
                "peaks": list(self.playback.peaks)}

    def _editable(self) -> Sheet:
        if self.sheet is None:
            raise FormatError("a dub-fit report cannot be edited", "open the dub's sheet to edit it")
        return self.sheet

    def _with_tracks(self, tracks: Sequence[Mapping[str, Any]]) -> Sheet:
        """The opened sheet with the page's cues, words and phones of the tracks it sends."""
        sheet = self._editable()
        data = sheet_to_dict(sheet)
        sent = {str(track.get("name")): track for track in tracks if isinstance(track, Mapping)}
        for track in data["tracks"]:
            edit = sent.get(track["name"])
            if edit is not None:
                for key in ("cues", "words", "phones"):
                    if key in edit:
                        track[key] = edit[key]
        if unknown := set(sent) - {track["name"] for track in data["tracks"]}:
            raise FormatError(f"no track named {sorted(unknown)[0]!r} in the sheet")
        edited = sheet_from_dict(data)
        for before, track in zip(sheet.tracks, edited.tracks):
            if track.cues != before.cues:  # a track as analyzed is taken as it is
                check_cues(track.name, track.cues, edited.duration_frames, edited.preset.names)
        return edited

    def reanimate(self, track: Mapping[str, Any], word: int, start: float, end: float) -> dict[str, Any]:
        """Move a word of the page's ``track`` to ``[start, end]`` seconds and animate its
        stretch again from its phones: the track's new cues, words and phones."""
        if self.preset is None:
            raise FormatError(f"cannot re-animate: {self.preset_problem}")
        with self._lock:
            sheet = self._with_tracks([track])
        current = sheet.track(str(track.get("name")))
        moved = move_word(current, int(word), float(start), float(end), self.preset, sheet.rate,
                          sheet.duration_frames)
        data = sheet_to_dict(replace(sheet, tracks=(moved,)))["tracks"][0]
        return {key: data[key] for key in ("cues", "words", "phones")}

    def save(self, tracks: Sequence[Mapping[str, Any]], formats: Sequence[str] = (),
             version: str | None = None) -> dict[str, Any]:
        """Write the page's edits over the sheet (the previous file kept as ``NAME.bak``), then
        the chosen exports beside it; the answer has the ``version`` written. ``version`` is the
        one the edits were made on (as :meth:`state` or the last save gave it; default: the
        session's). Refuses, writing nothing, if the file is no longer that version."""
        from ..export import choose_formats
        from ..exporters import ExportOptions

        names = [f.name for f in choose_formats(list(dict.fromkeys([*self.exports, *formats])))] \
            if self.exports or formats else []
        with self._lock:
            on_disk = self.path.read_bytes() if self.path.exists() else b""
            self._check_version(on_disk, self._digest if version is None else version)
            edited = self._with_tracks(tracks)
            if self.format is None:
                raise FormatError(f"cannot save {self.path.name!r} in its own format",
                                  "export the sheet instead (tick a format, or --export)")
            data = self.format.write(edited, ExportOptions())
            backup = self.path.with_name(self.path.name + ".bak")
            if on_disk:
                write_atomic(backup, on_disk)
            write_atomic(self.path, data)
            self._digest = written = _digest(data)
            self.sheet = edited
        return {"saved": str(self.path), "backup": str(backup) if on_disk else None, "version": written,
                **self._export(edited, names)}

    def _check_version(self, on_disk: bytes, version: str) -> None:
        """Refuse to save edits made on ``version`` unless it is the session's and the file on
        disk (``b""`` when gone) is still that: not changed by another program, nor saved or
        reloaded from another page since."""
        if version != self._digest or (on_disk and _digest(on_disk) != self._digest):
            raise ChangedOnDiskError(
                f"{self.path.name} was changed on disk since the page opened or saved it: not saved",
                "your edits are still in the page: download them, or reload the file and redo them")

    def _export(self, sheet: Sheet, names: Sequence[str]) -> dict[str, Any]:
        """Write ``names`` formats beside the sheet; a failure is a warning (the sheet is saved)."""
        if not names:
            return {"exports": [], "warnings": []}
        from ..export import export

        inputs = tuple(p for p in (self.path, self.playback.path) if p)
        try:
            result = export(sheet, names, self.path.with_suffix(""), audio=self.playback.path, inputs=inputs,
                            as_stem=True)
        except LipsyncError as error:
            return {"exports": [], "warnings": [f"the sheet is saved, the exports are not: {error}"]}
        return {"exports": [str(f) for f in result.files], "warnings": list(result.warnings)}

    def adapt(self, track: str, line: int, text: str, language: str) -> dict[str, Any]:
        """A candidate dub line scored against the sheet's ``line`` (1-based) of ``track`` from
        its text alone (:mod:`lipsync.fit.adapt`): score, advice, rates, closures, timed words
        and both openness rows, as in the adaptation report's JSON."""
        from ..fit.adapt import adapt_line, choose_track
        from ..fit.adapt_report import candidate_to_dict
        from ..fit.timeline import sheet_timelines

        sheet = self._editable()
        timeline = choose_track(sheet_timelines(sheet), str(track))
        result = adapt_line(timeline, int(line), [str(text)], str(language),
                            preset=self.preset if self.preset is not None else None)
        return {"line": result.line, **candidate_to_dict(result.candidates[0])}

    def candidate_band(self, track: str, line: int, text: str, language: str) -> dict[str, Any]:
        """The rhythmo band of one candidate dub line (the adapt panel's), timed from its text
        onto the sheet's ``line`` (1-based) of ``track``; its source names the line as the script
        numbers it."""
        from ..dialogue import Line
        from ..rhythmo import band_from_script, band_to_dict

        sheet = self._editable()
        lines = sheet.track(str(track)).lines
        if not 1 <= int(line) <= len(lines):
            raise FormatError(f"track {track!r} has no line {line}", f"lines are 1 to {len(lines)}")
        spoken = lines[int(line) - 1]
        candidate = Line(str(text), str(track), sheet.rate.seconds_at(spoken.frame),
                         sheet.rate.seconds_at(spoken.frame + spoken.length))
        band = band_from_script(sheet, [candidate], str(language), self._band_preset)
        in_script = track_script_lines(sheet.track(str(track)), sheet.script)[int(line) - 1]
        number = line if in_script is None else in_script.number
        return {"source": f"candidate for line {number}", **band_to_dict(band)}

    def reload(self) -> None:
        """Read the sheet again from disk (the page's unsaved edits are dropped by the page)."""
        with self._lock:
            data = self.path.read_bytes()
            self.sheet = self._read_sheet(data)
            self._digest = _digest(data)
