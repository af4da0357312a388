"""Text made safe for the file it goes into: XML that parses, spreadsheet cells that stay text.

Names and dialogue come from scripts, speaker labels and audio file names that anyone may have
written; these helpers keep them from breaking (XML) or taking over (spreadsheets) an output.
"""

from __future__ import annotations

import re

# Characters XML 1.0 does not allow, even escaped: C0 controls but tab, LF and CR; lone
# surrogates; U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# What a spreadsheet reads as the start of a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (each becomes U+FFFD).

    >>> xml_safe("BOB\\x07: hi\\x00"), xml_safe("tab\\tok")
    ('BOB\\ufffd: hi\\ufffd', 'tab\\tok')
    """
    return _NOT_XML.sub("\ufffd", text)


def spreadsheet_cell(text: str) -> str:
    """A text cell a spreadsheet shows as text, never runs as a formula.

    As OWASP recommends, a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
    return gets a leading apostrophe, which spreadsheets read as "this is text".

    >>> spreadsheet_cell("=HYPERLINK(\\"http://x\\")"), spreadsheet_cell("BOB"), spreadsheet_cell("-")
    ('\\'=HYPERLINK("http://x")', 'BOB', "'-")
    """
    return "'" + text if text.startswith(_FORMULA_START) else text
