"""User-facing error types.

Every mistake a user can make (bad audio, bad script, unknown preset or format, unwritable
output...) raises a subclass of :class:`LipsyncError`. It carries a one-line message and a hint;
the CLI prints ``error: <message> (hint: <hint>)`` and exits non-zero without a traceback.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_OPTION = re.compile(r"\{(\w+)\}")

#: The options an analysis names in its hints, as ``lipsync analyze`` spells them.
ANALYZE_OPTIONS: Mapping[str, str] = {"script": "--script", "language": "--language",
                                      "allow_mismatch": "--allow-mismatch", "script_format": "--script-format",
                                      "columns": "--columns"}


def one_line(text: str) -> str:
    r"""``text`` with line breaks and other control characters written as escapes, so that a
    message quoting a file's content or name stays one line and cannot drive the terminal.

    >>> print(one_line("no dialogue column among a\nb\x1b[2J"))
    no dialogue column among a\nb\x1b[2J
    """
    return _CONTROL.sub(lambda match: repr(match.group())[1:-1], text)


@dataclass(frozen=True)
class OptionHint:
    """A hint that names options by what they give (``{script}``, ``{language}``...), for the
    errors of an analysis that several commands run on their inputs, each naming the options
    its own way: ``lipsync analyze`` says ``--script``, ``lipsync fit`` ``--original-script`` for
    its original. A clause (the hint is its clauses joined by ``; ``) that names an option the
    command lacks is left out.

    >>> hint = OptionHint(("check {script} (and {language})", "{allow_mismatch} aligns what matches"))
    >>> hint.render(ANALYZE_OPTIONS)
    'check --script (and --language); --allow-mismatch aligns what matches'
    >>> hint.render({"script": "--original-script", "language": "--original-language"})
    'check --original-script (and --original-language)'
    """

    clauses: tuple[str, ...]

    def render(self, options: Mapping[str, str | None]) -> str:
        """The hint with each option named as ``options`` names it."""
        kept = [clause for clause in self.clauses if all(options.get(name) for name in _OPTION.findall(clause))]
        return "; ".join(_OPTION.sub(lambda match: str(options[match.group(1)]), clause) for clause in kept)


class LipsyncError(Exception):
    """Base class of the errors a user can fix: a message plus a hint on how to fix it (an
    :class:`OptionHint` names the options as ``lipsync analyze`` does, until :meth:`about`
    names them as another command does)."""

    exit_code = 2

    def __init__(self, message: str, hint: str | OptionHint | None = None) -> None:
        message = one_line(message)
        super().__init__(message)
        self.message = message
        self.option_hint = hint if isinstance(hint, OptionHint) else None
        text = hint.render(ANALYZE_OPTIONS) if isinstance(hint, OptionHint) else hint
        self.hint = None if text is None else one_line(text)

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} (hint: {self.hint})"

    def about(self, subject: str, options: Mapping[str, str | None]) -> LipsyncError:
        """This error (same type) as one of a command's several inputs met it: the message
        starts with ``subject`` (``"original c012.wav"``), and an :class:`OptionHint` names the
        options as ``options`` does (a clause naming one it lacks is left out).

        >>> error = ScriptError("the script looks like French", OptionHint(("pass {language} fr",)))
        >>> print(error.about("original c012.wav", {"language": "--original-language"}))
        original c012.wav: the script looks like French (hint: pass --original-language fr)
        """
        error = copy.copy(self)
        error.message = one_line(f"{subject}: {self.message}")
        error.args = (error.message,)
        if self.option_hint is not None:
            error.hint = one_line(self.option_hint.render(options)) or None
        return error


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
