"""The two sides of a check, as the command that runs it names their options: an error met
analyzing one side's voice track names that side and file, and its hint names the options (or
manifest columns) that give that side's script and language (:meth:`LipsyncError.about`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..dialogue import Line


@dataclass(frozen=True)
class SideOptions:
    """What a command calls the options of one side's analysis: its script and its language."""

    script: str
    language: str

    def names(self) -> dict[str, str]:
        """The options by what they give, for :meth:`lipsync.errors.LipsyncError.about` (an
        option not named here, such as ``analyze --allow-mismatch``, is one the command lacks)."""
        return {"script": self.script, "language": self.language}


@dataclass(frozen=True)
class OptionNames:
    """What a command calls the options of both sides; by default ``lipsync fit``'s and
    ``lipsync adapt``'s."""

    original: SideOptions = SideOptions("--original-script", "--original-language")
    dub: SideOptions = SideOptions("--script", "--language")


#: The columns of a batch manifest's fit and adapt rows.
MANIFEST_COLUMNS = OptionNames(SideOptions("original_script", "original_language"), SideOptions("script", "language"))


def numbered(lines: Sequence[Line]) -> tuple[Line, ...]:
    """The script's lines numbered 1, 2, 3... in its order (an SRT's second subtitle is line 2),
    as the fit and adapt tables count lines, instead of by the file's line they start on.

    >>> [line.number for line in numbered([Line("Hello.", number=3), Line("Hi.", number=7)])]
    [1, 2]
    """
    return tuple(replace(line, number=index) for index, line in enumerate(lines, 1))
