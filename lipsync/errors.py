"""User-facing error types.

Every mistake a user can make (bad audio, bad script, unknown preset or format, unwritable
output...) raises a subclass of :class:`LipsyncError`. It carries a one-line message and a hint;
the CLI prints ``error: <message> (hint: <hint>)`` and exits non-zero without a traceback.
"""

from __future__ import annotations

import re


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def one_line(text: str) -> str:
    r"""``text`` with line breaks and other control characters written as escapes, so that a
    message quoting a file's content or name stays one line and cannot drive the terminal.

    >>> print(one_line("no dialogue column among a\nb\x1b[2J"))
    no dialogue column among a\nb\x1b[2J
    """
    return _CONTROL.sub(lambda match: repr(match.group())[1:-1], text)


class LipsyncError(Exception):
    """Base class of the errors a user can fix: a message plus a hint on how to fix it."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        message = one_line(message)
        super().__init__(message)
        self.message = message
        self.hint = None if hint is None else one_line(hint)

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} (hint: {self.hint})"


class AudioError(LipsyncError):
    """Audio that is missing, unreadable, corrupt, empty or in an unsupported container."""


class MissingToolError(LipsyncError):
    """An external program (ffmpeg, espeak-ng) is needed but not installed."""


class ScriptError(LipsyncError):
    """A dialogue script that is missing, empty, undecodable or does not fit the audio."""


class ScriptMismatchError(ScriptError):
    """A script that does not belong to the recording: too little of it matches the speech."""


class PresetError(LipsyncError):
    """An unknown preset name or an invalid preset file."""


class FormatError(LipsyncError):
    """An unknown export format, or a file that is not in the format it claims."""


class OutputError(LipsyncError):
    """An output path that cannot be written."""


class MouthError(LipsyncError):
    """A mouth drawing that is missing (a ``--mouths`` folder without a shape's image),
    unreadable, or asked for a shape its preset does not have."""


class OptionError(LipsyncError):
    """An option value that is out of range or malformed (frame rate, timecode, channel...)."""


class EvaluationError(LipsyncError):
    """A reference or result file that cannot be read for scoring."""


class ManifestError(LipsyncError):
    """A batch manifest (or --glob set-up) with a missing column, a bad value or a bad path,
    named by row and field; raised before any job runs."""


class DiarizationError(LipsyncError):
    """A speaker-diarization model that is missing, not a pyannote pipeline, or cannot run;
    or pyannote.audio is not installed."""


class SchedulerError(LipsyncError):
    """A Dask scheduler that cannot be reached, or an unusable --scheduler value."""
