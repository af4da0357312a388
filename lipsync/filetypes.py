"""What a file that should be text really is: a Word or Excel file, a PDF, RTF, audio, an image...

Scripts and manifests are plain text. A user who passes the Word file the script came in, or
the Excel sheet of a dub script, should hear that, and what to do, rather than that byte 3 is
not valid UTF-8. :func:`binary_kind` tells the common kinds apart from their first bytes (and,
for the zip-based Office files, from the names inside).

>>> binary_kind(b"%PDF-1.7 ...").what, binary_kind(b"{\\\\rtf1\\\\ansi ...").what
('a PDF', 'an RTF (rich text) file')
>>> binary_kind("Hello there!".encode()) is None
True
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

_AS_TEXT = "save it as plain text (.txt, UTF-8) or subtitles (.srt) and pass that file"
_AS_CSV = "save it as CSV UTF-8 (.csv) and pass that file"


@dataclass(frozen=True)
class BinaryKind:
    """A kind of file that is not text: what it is, in words for a message (``a Word file``),
    and how to get text out of it for a script and for a table such as a batch manifest."""

    what: str
    script_hint: str
    table_hint: str = _AS_CSV


WORD = BinaryKind("a Word file", "in Word, File > Save As > Plain Text (.txt, UTF-8), or export subtitles (.srt), "
                  "and pass that file")
EXCEL = BinaryKind("an Excel workbook", "in Excel, File > Save As > CSV UTF-8 (.csv) and pass that file; "
                   "--columns names its columns", "in Excel, File > Save As > CSV UTF-8 (.csv) and pass that file")
OPENDOCUMENT_TEXT = BinaryKind("an OpenDocument text (.odt)", "in LibreOffice, File > Save As > Text (.txt) and pass "
                               "that file")
OPENDOCUMENT_SHEET = BinaryKind("an OpenDocument spreadsheet (.ods)", "in LibreOffice, File > Save As > Text CSV "
                                "(.csv, UTF-8) and pass that file",
                                "in LibreOffice, File > Save As > Text CSV (.csv, UTF-8) and pass that file")
POWERPOINT = BinaryKind("a PowerPoint file", _AS_TEXT)
OLD_OFFICE = BinaryKind("an old Word or Excel file (.doc, .xls)", "open it and save it as plain text (.txt, UTF-8), "
                        "or a table as CSV UTF-8 (.csv), and pass that file")
PDF = BinaryKind("a PDF", "copy the dialogue into a plain text file (.txt, UTF-8), or export the script as text or "
                 "subtitles from the program that made the PDF")
RTF = BinaryKind("an RTF (rich text) file", "in your editor, save it as plain text (.txt, UTF-8) and pass that file")
AUDIO = BinaryKind("an audio file", "the voice track comes first (lipsync analyze AUDIO --script SCRIPT); the script "
                   "is a text or subtitle file", "list audio files in the manifest's audio column")
VIDEO = BinaryKind("a video file", "the video comes first (lipsync analyze VIDEO --script SCRIPT); the script is a "
                   "text or subtitle file", "list audio and video files in the manifest's audio column")
IMAGE = BinaryKind("an image", "a script is text: type or save the dialogue as plain text (.txt, UTF-8)")
ARCHIVE = BinaryKind("a compressed archive (zip, gz...)", "unpack it and pass the text file inside",
                     "unpack it and pass the manifest inside")

_OFFICE_PARTS = (("word/", WORD), ("xl/", EXCEL), ("ppt/", POWERPOINT))
_OPENDOCUMENT = ((b"application/vnd.oasis.opendocument.text", OPENDOCUMENT_TEXT),
                 (b"application/vnd.oasis.opendocument.spreadsheet", OPENDOCUMENT_SHEET))

# (offset, magic bytes, kind), checked in order
_MAGIC: tuple[tuple[int, bytes, BinaryKind], ...] = (
    (0, b"%PDF-", PDF),
    (0, b"{\\rtf", RTF),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", OLD_OFFICE),
    (0, b"fLaC", AUDIO), (0, b"OggS", AUDIO), (0, b"ID3", AUDIO), (0, b"\xff\xfb", AUDIO), (0, b"\xff\xf3", AUDIO),
    (0, b"\xff\xf1", AUDIO), (0, b"\xff\xf9", AUDIO), (8, b"WAVE", AUDIO), (8, b"AIFF", AUDIO), (8, b"AIFC", AUDIO),
    (4, b"ftypM4A", AUDIO), (4, b"ftyp", VIDEO), (0, b"\x1a\x45\xdf\xa3", VIDEO), (8, b"AVI ", VIDEO),
    (0, b"\x89PNG", IMAGE), (0, b"\xff\xd8\xff", IMAGE), (0, b"GIF8", IMAGE), (8, b"WEBP", IMAGE),
    (0, b"\x1f\x8b", ARCHIVE), (0, b"7z\xbc\xaf\x27\x1c", ARCHIVE), (0, b"Rar!", ARCHIVE), (0, b"BZh", ARCHIVE),
    (0, b"\xfd7zXZ\x00", ARCHIVE),
)


def binary_kind(data: bytes) -> BinaryKind | None:
    """The kind of a file that is not text, from its first bytes; None for anything else
    (text in any encoding included: a script whose first line happens to start like a file
    signature is still text when its bytes are)."""
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    for offset, magic, kind in _MAGIC:
        if data[offset:offset + len(magic)] == magic:
            return kind if kind in (PDF, RTF) or _binary_bytes(data[:4096]) else None
    return None


def not_audio(head: bytes) -> str | None:
    """What a file given as audio is instead, from its first bytes: ``a text file`` (a script,
    most likely), ``a Word file``, ``a PDF``...; None when it may be audio or video (the decoders
    have the last word).

    >>> not_audio("BOB: Hello there!\\n".encode("utf-16")), not_audio(b"RIFF\\x24\\x00\\x00\\x00WAVEfmt ")
    ('a text file', None)
    """
    kind = binary_kind(head)
    if kind is not None:
        return None if kind in (AUDIO, VIDEO) else kind.what
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if head.startswith(bom):
            text = head.decode(encoding, errors="ignore")
            break
    else:
        if _binary_bytes(head):
            return None
        text = head.decode("utf-8", errors="ignore")
    printable = sum(ch.isprintable() or ch in "\t\r\n" for ch in text)
    return "a text file" if text.strip() and printable >= 0.98 * len(text) else None


def _binary_bytes(head: bytes) -> bool:
    """True when the start of a file holds a NUL byte or is not UTF-8 (ignoring a character cut
    at the end of the sample)."""
    if b"\x00" in head:
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start < len(head) - 3
    return False


def _zip_kind(data: bytes) -> BinaryKind:
    """Word, Excel, PowerPoint, OpenDocument or another zip archive, from the names inside."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            mimetype = archive.read("mimetype") if "mimetype" in names else b""
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        names, mimetype = [], b""
    for prefix, kind in _OFFICE_PARTS:
        if any(name.startswith(prefix) for name in names):
            return kind
    for signature, kind in _OPENDOCUMENT:
        if mimetype.startswith(signature):
            return kind
    return ARCHIVE
