"""The whole analysis: audio file (+ script) -> phones -> shapes -> frames -> :class:`Sheet`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .animate import animate
from .audio import SILENCE_PEAK_DBFS, Audio, AudioLoading, frame_peaks, is_silent, load_audio
from .dialogue import Line, read_script, words_of
from .errors import AudioError, OptionError, OptionHint, ScriptError
from .frames import to_frames
from .presets import Preset, load_preset
from .recognize import AcousticRecognizer, Recognition, RecognitionSettings, Recognizer
from .sheet import Cue, Phone, ScriptLine, Sheet, SheetLine, Source, Track, Word
from .timing import FrameRate, format_timecode, is_drop_frame, parse_timecode



@dataclass(frozen=True)
class Analysis:
    """A finished analysis: the sheet, and warnings a user should read."""

    sheet: Sheet
    warnings: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        """One line on what became of the script's lines (see :func:`line_summary`)."""
        return line_summary(self.sheet.script)


@dataclass(frozen=True)
class Progress:
    """A progress event: ``stage`` name and seconds of audio ``done`` of ``total``."""

    stage: str
    done: float
    total: float


def analyze(audio: str | Path | Audio | AudioLoading, script: str | Path | Sequence[Line] | None = None, *,
            preset: str | Path | Preset = "rhubarb", fps: str | float | FrameRate = 24,
            channel: int | None = None, start_timecode: str | None = None, language: str = "en-us",
            jobs: int = 1, track_name: str | None = None, speaker: str | None = None,
            script_format: str | None = None, columns: Mapping[str, str] | None = None,
            on_progress: Callable[[Progress], None] | None = None, passes: int = 1,
            recognizer: Recognizer | None = None, allow_mismatch: bool = False) -> Analysis:
    """Analyze a voice track into a mouth-shape sheet, one track per character.

    Parameters
    ----------
    audio : path, Audio or AudioLoading
        The voice track (wav, flac, ogg, opus, mp3; video and m4a through ffmpeg); an
        :class:`~lipsync.audio.AudioLoading` is one being decoded meanwhile (its ``channel``
        was given to it).
    script : path, lines or None
        The dialogue (text, SRT, WebVTT, ASS/SSA, CSV/TSV); with it, forced alignment (timed
        lines are aligned within their times); without it, speech recognition.
    preset : name, path or Preset
        The mouth-shape set and timing rules (``lipsync presets`` lists them).
    fps : rate
        Frame rate: 24, 23.976, 29.97, "24000/1001"...
    channel : int, optional
        1-based channel to use; by default all channels are mixed.
    start_timecode : str, optional
        Timecode of the first frame, ``HH:MM:SS:FF`` (``;`` for drop-frame). Script times
        given from that timecode on (01:00:00:00...) are read relative to it.
    language : str
        BCP-47 or espeak-ng code of the dialogue (``es``, ``pt-br``, ``ja``...), or ``auto``
        to tell it from the script's characters.
    jobs : int
        Worker processes for long recordings; the output is the same for any number.
    track_name : str, optional
        Name of the track of lines without a speaker (default: the audio file's name).
    speaker : str, optional
        Keep only this character's lines and track.
    script_format, columns
        The script's format (default: from its extension) and, for CSV/TSV, its column names.
    passes : int
        With a script: align it this many times, each with the 10 ms analysis frames a fraction
        of a frame later, and keep the median of the phone boundaries. Steadier timing (the same
        take starting a few milliseconds later gets the same chart), not more accurate (the
        boundaries are refined on the signal afterwards), at ``passes`` times the alignment
        work. ``lipsync fit`` uses 3.
    recognizer : Recognizer, optional
        What finds the phones (:mod:`lipsync.recognize`); by default an
        :class:`~lipsync.recognize.AcousticRecognizer` with ``jobs`` workers and ``passes``
        (its :class:`~lipsync.recognize.RecognitionSettings` hold every other tunable).
    allow_mismatch : bool
        A script that does not belong to the recording (too little of it matches the speech,
        or it matches too little of the speech: a line or two of a longer take; not counted
        with ``speaker``, whose other characters may speak on the track) raises
        :class:`~lipsync.errors.ScriptMismatchError`; with this, it is a warning, the matching
        lines are aligned and the rest of the speech is recognized (for the default recognizer;
        a recognizer passed in follows its own settings).

    Every script line's outcome (aligned, uncertain, not found, or no words) is in
    ``result.sheet.script``, and ``result.summary`` says it in one line.

    Examples
    --------
    >>> result = analyze("dialogue.wav", "dialogue.srt", preset="preston-blair", fps=25)  # doctest: +SKIP
    >>> [track.name for track in result.sheet.tracks]  # doctest: +SKIP
    ['ANNA', 'BOB']
    """
    rate = FrameRate.parse(fps)
    origin = 0.0
    if start_timecode is not None:
        first = parse_timecode(start_timecode, rate)
        origin = rate.seconds_at(first)
        start_timecode = format_timecode(first, rate, is_drop_frame(start_timecode, rate))
    chosen = preset if isinstance(preset, Preset) else load_preset(preset)
    if isinstance(script, (str, Path)):
        lines = read_script(script, script_format, columns=columns, fps=float(rate))
    else:
        lines = tuple(script) if script else None
    language = resolve_language(language, lines)
    warnings: list[str] = []
    if passes > 1 and not lines:
        warnings.append(f"{passes} alignment passes were asked for, but passes apply to aligning a script: "
                        "without one the speech is recognized once")
    left_out: tuple[Line, ...] = ()
    if lines:
        lines = _from_origin(lines, origin)
        if speaker is not None:
            lines, left_out = keep_speaker(lines, speaker)
            if left_out:
                warnings.append(f"--speaker {speaker}: {len(left_out)} line(s) of other characters were left out")
    if recognizer is None:
        # one character's lines of a script with several: the others' speech may be on the track
        recognizer = AcousticRecognizer(RecognitionSettings(passes=passes, allow_mismatch=allow_mismatch,
                                                            whole_script=not left_out), jobs)
    if isinstance(audio, AudioLoading):
        track = audio.result()
    elif isinstance(audio, Audio):
        track = audio
    else:
        track = load_audio(audio, channel=channel)
    done = 0.0

    def report(seconds: float) -> None:
        nonlocal done
        done = min(track.duration, done + seconds)
        if on_progress:
            on_progress(Progress("recognize", done, track.duration))

    silent = is_silent(track)
    if silent and lines:
        name = repr(track.path) if track.path else "the recording"
        raise AudioError(f"{name} is silent (its peak is under {SILENCE_PEAK_DBFS:g} dBFS): there is no speech "
                         "to align the script to", "check that this is the voice track; of several channels, "
                         "choose the dialogue's with --channel")
    if silent:
        warnings.append("the recording is silent: the sheet rests throughout")
        found = Recognition((), ())
    else:
        # others= only when there are: a recognizer written before it was added still works
        found = recognizer.recognize(track, lines, language=language, on_progress=report,
                                     **({"others": left_out} if left_out else {}))
        warnings.extend(found.warnings)
        if not found.phones:
            warnings.append("no speech was found in the recording: the sheet rests throughout")
    if on_progress:
        on_progress(Progress("animate", track.duration, track.duration))
    duration_frames = max(1, rate.frames_in(track.duration))
    default_name = track_name or (Path(track.path).stem if track.path else "mouth")
    plan, unowned_to = track_plan(lines or (), default_name, speaker is not None)
    by_track: dict[str, tuple[list[Phone], list[Word]]] = {name: ([], []) for name in plan.values()}
    if unowned_to is not None:
        by_track.setdefault(unowned_to, ([], []))
    dropped = 0
    for phone in found.phones:
        name = plan.get(phone.line) if phone.line is not None else unowned_to
        if name is None:
            dropped += 1
            continue
        by_track[name][0].append(phone)
    if dropped:
        warnings.append("speech that is not in the script is on no track: the script names its characters, "
                        "and unscripted speech cannot be given to one of them")
    for word in found.words:
        name = plan.get(word.line) if word.line is not None else unowned_to
        if name is not None:
            by_track[name][1].append(word)
    tracks = []
    for name, (phones, words) in by_track.items():
        cues = mouth_cues(phones, chosen, rate, duration_frames)
        tracks.append(Track(name, cues, sheet_lines(words, lines or (), rate), tuple(words), tuple(phones)))
    sheet = Sheet(
        rate=rate,
        duration_frames=duration_frames,
        tracks=tuple(tracks),
        preset=chosen.shape_set,
        source=Source(track.path, round(track.duration, 6), track.source_rate, track.source_channels),
        start_timecode=start_timecode,
        peaks=frame_peaks(track, rate, duration_frames),
        script=tuple(replace(line, track=plan.get(line.index)) for line in found.lines),
    )
    return Analysis(sheet, tuple(warnings))


def line_summary(script: Sequence[ScriptLine]) -> str:
    """What became of a script's lines, in one line (empty without a script).

    >>> line_summary([ScriptLine(0, 1, "Hi", "aligned"), ScriptLine(1, 2, "Yo", "aligned"),
    ...               ScriptLine(2, 3, "[door]", "no words"), ScriptLine(3, 4, "Hm", "not found")])
    '2 lines aligned, 0 uncertain, 1 not found (1 without words)'
    """
    if not script:
        return ""
    counts = Counter(line.status for line in script)
    aligned = counts["aligned"]
    text = (f"{aligned} line{'' if aligned == 1 else 's'} aligned, {counts['uncertain']} uncertain, "
            f"{counts['not found']} not found")
    return text + (f" ({counts['no words']} without words)" if counts["no words"] else "")


def mouth_cues(phones: Sequence[Phone], preset: Preset, rate: FrameRate, duration_frames: int) -> tuple[Cue, ...]:
    """A track's cues: the phones animated through ``preset`` and put on frames."""
    return to_frames(animate(phones, preset, rate.seconds_at(duration_frames)), rate, preset, duration_frames)


def reanimate(sheet: Sheet, preset: Preset) -> Sheet:
    """The sheet with every track's cues made again from its phones through ``preset`` (the
    same shapes with other timing, e.g. on ones), without analyzing the audio again."""
    tracks = tuple(replace(track, cues=mouth_cues(track.phones, preset, sheet.rate, sheet.duration_frames))
                   for track in sheet.tracks)
    return replace(sheet, tracks=tracks, preset=preset.shape_set)


def resolve_language(code: str, lines: Sequence[Line] | None) -> str:
    """The espeak-ng language for ``code``; ``auto`` reads it from the script's characters."""
    from .languages import detect_language, espeak_code

    wanted = (code or "en-us").strip()
    if wanted.lower() in ("en", "en-us"):
        return "en-us"
    if wanted.lower() == "auto":
        if not lines:
            raise OptionError("--language auto tells the language from the script, and there is none",
                              OptionHint(("pass {language} CODE (without a script, phones are recognized in any language)",)))
        return espeak_code(detect_language(line.text for line in lines))
    return espeak_code(wanted)


def _from_origin(lines: Sequence[Line], origin: float) -> tuple[Line, ...]:
    """Script times relative to the audio's start: times written from the start timecode on
    (01:00:00:00...) have it taken off."""
    timed = [line.start for line in lines if line.start is not None]
    if not origin or not timed or min(timed) < origin - 1.0:
        return tuple(lines)
    return tuple(replace(line, start=None if line.start is None else line.start - origin,
                         end=None if line.end is None else line.end - origin) for line in lines)


def keep_speaker(lines: Sequence[Line], speaker: str) -> tuple[tuple[Line, ...], tuple[Line, ...]]:
    """The lines of one character (case-insensitive), and the other characters' lines left out."""
    wanted = speaker.strip().casefold()
    chosen = [bool(line.speaker) and line.speaker.strip().casefold() == wanted for line in lines]
    kept = tuple(line for line, mine in zip(lines, chosen) if mine)
    if not kept:
        names = list(dict.fromkeys(line.speaker for line in lines if line.speaker))
        raise ScriptError(f"the script has no lines for speaker {speaker!r}",
                          f"its speakers: {', '.join(names)}" if names else "the script names no speakers")
    return kept, tuple(line for line, mine in zip(lines, chosen) if not mine)


def track_plan(lines: Sequence[Line], default_name: str, one_speaker: bool = False
               ) -> tuple[dict[int, str], str | None]:
    """Which track each line goes to (one per character, in order of first appearance; lines
    without a speaker go to ``default_name``), and the track that takes speech that is not in
    the script (None when every line names one of several characters).

    >>> track_plan([Line("Hi", "BOB"), Line("Yo", "Ann"), Line("Hm", "bob")], "take1")
    ({0: 'BOB', 1: 'Ann', 2: 'BOB'}, None)
    """
    names: dict[str, str] = {}
    plan: dict[int, str] = {}
    for index, line in enumerate(lines):
        if not words_of(line.text):
            continue  # music, effects, directions: on no track
        if line.speaker and line.speaker.strip():
            key = line.speaker.strip().casefold()
            plan[index] = names.setdefault(key, line.speaker.strip())
        else:
            plan[index] = default_name
    tracks = list(dict.fromkeys(plan.values()))
    if not tracks:
        return plan, default_name
    if default_name in tracks and default_name.casefold() not in names:
        return plan, default_name
    if len(tracks) == 1 and not one_speaker:
        return plan, tracks[0]
    return plan, None


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
