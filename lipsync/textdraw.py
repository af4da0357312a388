"""Fonts for text burnt into pictures (preview videos, the rhythmo band).

Latin, Greek and Cyrillic text is set in DejaVu Sans when it is installed (Debian:
``fonts-dejavu-core``); Japanese, Chinese and Korean text in the CJK font the printable sheets use
(``LIPSYNC_CJK_FONT``, or one of :data:`lipsync.exporters.xsheet_pdf.CJK_FONT_CANDIDATES`);
without either, Pillow's built-in font.
"""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from PIL import ImageFont

SANS_CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",              # Debian/Ubuntu fonts-dejavu-core
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",            # Fedora
    "/usr/share/fonts/TTF/DejaVuSans.ttf",                          # Arch
    "/Library/Fonts/Arial Unicode.ttf",                             # macOS
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "C:/Windows/Fonts/arial.ttf",
)
MONO_CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/dejavu-sans-mono-fonts/DejaVuSansMono.ttf",
    "/usr/share/fonts/TTF/DejaVuSansMono.ttf",
    "/System/Library/Fonts/Menlo.ttc",
    "C:/Windows/Fonts/consola.ttf",
)


def needs_cjk_font(text: str) -> bool:
    """True when ``text`` has characters from the CJK blocks (kana, kanji, hangul...) on.

    >>> needs_cjk_font("Bonjour"), needs_cjk_font("こんにちは")
    (False, True)
    """
    return any(ord(character) >= 0x2E80 for character in text)


@functools.lru_cache(maxsize=None)
def font_path(kind: str) -> str | None:
    """The installed font file used for ``kind`` of text (``"sans"``, ``"mono"`` or ``"cjk"``),
    or None when none of its candidates is installed."""
    if kind == "cjk":
        from .exporters.xsheet_pdf import CJK_FONT_CANDIDATES, FONT_ENV

        chosen = os.environ.get(FONT_ENV, "").strip()
        candidates: tuple[str, ...] = ((chosen,) if chosen else ()) + CJK_FONT_CANDIDATES
    else:
        candidates = MONO_CANDIDATES if kind == "mono" else SANS_CANDIDATES
    return next((path for path in candidates if os.path.isfile(path)), None)


@functools.lru_cache(maxsize=64)
def _font(kind: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from PIL import ImageFont

    for path in (font_path(kind), font_path("sans")):
        if path is not None:
            try:
                return ImageFont.truetype(path, size)
            except OSError:
                continue
    return ImageFont.load_default(size=size)


def font_for(text: str, size: int, mono: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A font of ``size`` pixels that shows ``text``: monospaced digits for counters, a CJK font
    for Japanese, Chinese or Korean, else a sans-serif font."""
    return _font("cjk" if needs_cjk_font(text) else ("mono" if mono else "sans"), size)
