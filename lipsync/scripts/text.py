"""Plain-text scripts: one line of dialogue per line, an optional ``NAME:`` prefix names the speaker."""

from __future__ import annotations

from ..dialogue import Line, parse_plain_text


def parse(text: str, where: str) -> tuple[Line, ...]:
    """Lines of a plain-text script (blank lines skipped)."""
    return parse_plain_text(text)
