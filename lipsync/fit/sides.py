"""The two sides of a check, as the command that runs it names their options: an error met
analyzing one side's voice track names that side and file, and its hint names the options (or
manifest columns) that give that side's script and language (:meth:`LipsyncError.about`)."""

from __future__ import annotations

from dataclasses import dataclass


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
