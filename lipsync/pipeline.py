"""The whole analysis: audio file (+ script) -> phones -> shapes -> frames -> :class:`Sheet`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .animate import animate
from .audio import Audio, is_silent, load_audio
from .dialogue import Line, read_script
from .frames import to_frames
from .presets import Preset, load_preset
from .recognize import Recognition, recognize
from .sheet import Sheet, SheetLine, Source, Track, Word
from .timing import FrameRate, format_timecode, parse_timecode



@dataclass(frozen=True)
class Analysis:
    """A finished analysis: the sheet, and warnings a user should read."""

    sheet: Sheet
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Progress:
    """A progress event: ``stage`` name and seconds of audio ``done`` of ``total``."""

    stage: str
    done: float
    total: float


def analyze(audio: str | Path | Audio, script: str | Path | Sequence[Line] | None = None, *,
            preset: str | Path | Preset = "rhubarb", fps: str | float | FrameRate = 24,
            channel: int | None = None, start_timecode: str | None = None, language: str = "en-us",
            jobs: int = 1, track_name: str | None = None,
            on_progress: Callable[[Progress], None] | None = None) -> Analysis:
    """Analyze a voice track into a mouth-shape sheet.

    Parameters
    ----------
    audio : path or Audio
        The voice track (wav, flac, ogg, opus, mp3; video and m4a through ffmpeg).
    script : path, lines or None
        The dialogue; with it, forced alignment; without it, speech recognition.
    preset : name, path or Preset
        The mouth-shape set and timing rules (``lipsync presets`` lists them).
    fps : rate
        Frame rate: 24, 23.976, 29.97, "24000/1001"...
    channel : int, optional
        1-based channel to use; by default all channels are mixed.
    start_timecode : str, optional
        Timecode of the first frame, ``HH:MM:SS:FF`` (``;`` for drop-frame).
    jobs : int
        Worker processes for long recordings; the output is the same for any number.

    Examples
    --------
    >>> result = analyze("dialogue.wav", "dialogue.txt", preset="preston-blair", fps=25)  # doctest: +SKIP
    >>> result.sheet.tracks[0].cues[:2]  # doctest: +SKIP
    """
    rate = FrameRate.parse(fps)
    if start_timecode is not None:
        start_timecode = format_timecode(parse_timecode(start_timecode, rate), rate,
                                         drop_frame=";" in start_timecode or "," in start_timecode)
    chosen = preset if isinstance(preset, Preset) else load_preset(preset)
    lines = read_script(script) if isinstance(script, (str, Path)) else (tuple(script) if script else None)
    track = load_audio(audio, channel=channel) if not isinstance(audio, Audio) else audio
    warnings: list[str] = []
    done = 0.0

    def report(seconds: float) -> None:
        nonlocal done
        done = min(track.duration, done + seconds)
        if on_progress:
            on_progress(Progress("recognize", done, track.duration))

    if is_silent(track):
        warnings.append("the recording is silent: the sheet rests throughout")
        found = Recognition((), ())
    else:
        found = recognize(track, lines, language=language, jobs=jobs, on_progress=report)
        warnings.extend(found.warnings)
        if not found.phones:
            warnings.append("no speech was found in the recording: the sheet rests throughout")
    if on_progress:
        on_progress(Progress("animate", track.duration, track.duration))
    duration_frames = max(1, rate.frames_in(track.duration))
    shapes = animate(found.phones, chosen, rate.seconds_at(duration_frames))
    cues = to_frames(shapes, rate, chosen, duration_frames)
    name = track_name or _track_name(lines, track)
    sheet = Sheet(
        rate=rate,
        duration_frames=duration_frames,
        tracks=(Track(name, cues, sheet_lines(found.words, lines or (), rate), found.words, found.phones),),
        preset=chosen.shape_set,
        source=Source(track.path, round(track.duration, 6), track.source_rate, track.source_channels),
        start_timecode=start_timecode,
    )
    return Analysis(sheet, tuple(warnings))


def _track_name(lines: Sequence[Line] | None, audio: Audio) -> str:
    speakers = {line.speaker for line in lines or () if line.speaker}
    if len(speakers) == 1:
        return speakers.pop()
    return Path(audio.path).stem if audio.path else "mouth"


def sheet_lines(words: Sequence[Word], lines: Sequence[Line], rate: FrameRate) -> tuple[SheetLine, ...]:
    """Each script line's frame span, from its first aligned word to its last."""
    spans: dict[int, tuple[float, float]] = {}
    for word in words:
        if word.line is None:
            continue
        start, end = spans.get(word.line, (word.start, word.end))
        spans[word.line] = (min(start, word.start), max(end, word.end))
    result = []
    for index in sorted(spans):
        start, end = spans[index]
        first = rate.frame_at(start)
        result.append(SheetLine(first, max(1, rate.frames_in(end) - first), lines[index].text))
    return tuple(result)
