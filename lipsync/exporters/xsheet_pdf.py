"""Printable X-sheet (exposure sheet / timesheet) as PDF (``.pdf``); the layout is shared with SVG.

Two layouts, chosen with the ``layout`` setting (``options.extra``):

* ``anime`` (default): the Japanese 6-second timesheet. A page holds 6 seconds (144 frames at 24)
  in two 3-second blocks side by side; rows are frames, with a rule every frame, a heavier one
  every 6 frames and a heavy one every second, and a ``秒+コマ`` count (``1+12`` = 36 frames)
  every 6 frames. Columns, left to right: the count, ACTION (blank, for the animator), the
  waveform, セリフ (each track's lines written down the frames where they are spoken: each word's
  characters over the word's own frames, between the line's start and end marks, with the
  speaker's circled initial), one
  CELL column per track (the mouth's drawing number at each change, a vertical hold line
  through held frames, ``×`` where no mouth is shown), then CAMERA (blank).
* ``western``: the exposure sheet, 96 frames a page. Columns: frame number, waveform, then per
  track its dialogue (each word at its first frame with a hold line through its frames) and its
  mouth (shape name and drawing number at each change, then a hold line), then NOTES (blank).

The waveform strip shows each frame's peak level from the envelope ``analyze`` stores in the
sheet (exporters never open audio, so a sheet exports the same from anywhere); a sheet without
one (made by hand, or read from another format) gets a strip saying "no audio".
The page header shows the ``production``, ``episode``, ``scene`` and ``cut`` settings, the
characters (``character`` setting, default the track names), the cut's length, page n/N, the
frame rate and the page's start timecode; a footer lists the dialogue lines of the page.
``paper`` picks a3 (anime default), b4, a4 (western default) or letter.

Japanese and other non-Latin text needs a TrueType font embedded in the PDF: set
``LIPSYNC_CJK_FONT`` to one, or install one of the fonts searched for (Debian/Ubuntu:
``apt install fonts-ipafont-gothic``). reportlab cannot embed CFF-outline OpenType fonts such as
Noto Sans CJK. Latin-only sheets work without it (Helvetica); the anime layout uses the font
when one is found for its Japanese column titles. The PDF is identical byte for byte for
identical input (reportlab's invariant mode).
"""

from __future__ import annotations

import bisect
import contextlib
import io
import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from ..errors import MissingToolError, OptionError
from ..sheet import Sheet, SheetLine, Track
from ..timing import format_timecode, is_drop_frame, parse_timecode
from . import ExportOptions, Exporter, Setting

PT_PER_MM = 72 / 25.4
PAPERS = {  # portrait width, height in points
    "a3": (841.89, 1190.55),
    "b4": (728.50, 1031.81),  # JIS B4, 257 x 364 mm
    "a4": (595.28, 841.89),
    "letter": (612.0, 792.0),
}
LAYOUTS = ("anime", "western")
#: The settings of the printable sheet (PDF and SVG).
SETTINGS = (
    Setting("layout", "anime: 6-second Japanese timesheet; western: 96-frame exposure sheet", LAYOUTS, "anime"),
    Setting("paper", "paper size", tuple(PAPERS), "a3 (anime), a4 (western)"),
    Setting("production", "the header's production title"),
    Setting("episode", "the header's episode"),
    Setting("scene", "the header's scene"),
    Setting("cut", "the header's cut"),
    Setting("character", "the header's characters", default="the track names"),
)
WESTERN_FRAMES_PER_PAGE = 96
FONT_ENV = "LIPSYNC_CJK_FONT"
FONT_HINT = ("apt install fonts-ipafont-gothic, or set LIPSYNC_CJK_FONT to a TrueType (.ttf/.ttc) "
             "font with Japanese glyphs")

# TrueType-outline fonts with kana and kanji, in order of preference.
CJK_FONT_CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",          # Debian fonts-ipafont-gothic
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
    "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",      # fonts-ipaexfont-gothic
    "/usr/share/fonts/truetype/takao-gothic/TakaoGothic.ttf",     # fonts-takao-gothic
    "/usr/share/fonts/truetype/vlgothic/VL-Gothic-Regular.ttf",   # fonts-vlgothic
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",  # fonts-droid-fallback
    "/usr/share/fonts/ipa-gothic/ipag.ttf",                       # Fedora ipa-gothic-fonts
    "/usr/share/fonts/vlgothic/VL-Gothic-Regular.ttf",
    "/Library/Fonts/Arial Unicode.ttf",                           # macOS
    "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
    "C:/Windows/Fonts/meiryo.ttc",                                # Windows
    "C:/Windows/Fonts/msgothic.ttc",
)

T = TypeVar("T")

BLACK = (0.0, 0.0, 0.0)
GREY = (0.45, 0.45, 0.45)
LIGHT = (0.88, 0.88, 0.88)
WAVE = (0.25, 0.35, 0.55)


# ---------------------------------------------------------------------------------------------
# Drawing surfaces: top-left origin, points. The PDF and SVG writers implement these methods.

class Surface:
    """What the layout draws on. ``japanese`` tells whether Japanese titles can be shown."""

    japanese: bool = False

    def begin_page(self, width: float, height: float) -> None: ...
    def end_page(self) -> None: ...
    def line(self, x1: float, y1: float, x2: float, y2: float, width: float = 0.5,
             color: tuple[float, float, float] = BLACK) -> None: ...
    def rect(self, x: float, y: float, w: float, h: float, fill: tuple[float, float, float] | None = None,
             stroke: tuple[float, float, float] | None = None, width: float = 0.5) -> None: ...
    def circle(self, cx: float, cy: float, r: float, width: float = 0.5) -> None: ...
    def text(self, x: float, y: float, text: str, size: float, anchor: str = "start", bold: bool = False,
             color: tuple[float, float, float] = BLACK, rotate: float = 0) -> None: ...
    def text_width(self, text: str, size: float) -> float:
        """An estimate: full-width characters are one em, others about half."""
        return sum(size if ord(ch) > 0x2E7F else size * 0.55 for ch in text)


_ESTIMATES: dict[tuple[str, float], float] = {}


def _estimate(surface: Surface, text: str, size: float) -> float:
    """``Surface.text_width``'s estimate, remembered (the same labels recur on every page)."""
    key = (text, size)
    width = _ESTIMATES.get(key)
    if width is None:
        width = Surface.text_width(surface, text, size)
        if len(_ESTIMATES) < 100_000:
            _ESTIMATES[key] = width
    return width


def fit(surface: Surface, text: str, size: float, width: float) -> str:
    """``text`` shortened with an ellipsis so that it is at most ``width`` wide: the longest
    prefix that fits with the ellipsis (widths grow with the prefix, so a binary search finds
    the prefix that dropping one character at a time would)."""
    if surface.text_width(text, size) <= width:
        return text
    low, high = 0, len(text) - 1  # the prefix of ``low`` characters fits, or low is 0
    while low < high:
        middle = (low + high + 1) // 2
        if surface.text_width(text[:middle] + "…", size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low] + "…" if low else ""


# ---------------------------------------------------------------------------------------------
# Fonts

_REGISTERED: dict[str, str] = {}


def needs_unicode_font(texts: Sequence[str]) -> bool:
    """True when some text has a character that Helvetica (WinAnsi encoding) cannot show."""
    for text in texts:
        try:
            text.encode("cp1252")
        except UnicodeEncodeError:
            return True
    return False


def _load_font(path: str) -> str:
    """Register the TrueType font at ``path`` with reportlab; its registered name."""
    if path in _REGISTERED:
        return _REGISTERED[path]
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    name = f"LipsyncCJK{len(_REGISTERED)}"
    pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
    _REGISTERED[path] = name
    return name


def find_cjk_font() -> tuple[str, str] | None:
    """``(path, registered name)`` of a usable CJK font, or None if none is installed.

    ``LIPSYNC_CJK_FONT`` wins; a path there that cannot be used raises MissingToolError.
    """
    chosen = os.environ.get(FONT_ENV, "").strip()
    if chosen:
        if not os.path.isfile(chosen):
            raise MissingToolError(f"{FONT_ENV} points at {chosen!r}, which is not a file", FONT_HINT)
        try:
            return chosen, _load_font(chosen)
        except Exception as error:  # reportlab raises TTFError, ValueError, struct.error...
            raise MissingToolError(f"{FONT_ENV} font {chosen!r} cannot be embedded: {error}",
                                   FONT_HINT) from None
    for path in CJK_FONT_CANDIDATES:
        if os.path.isfile(path):
            try:
                return path, _load_font(path)
            except Exception:  # not TrueType outlines, corrupt...: try the next one
                continue
    return None


# ---------------------------------------------------------------------------------------------
# Audio: one peak per frame

def frame_peaks(sheet: Sheet) -> list[float] | None:
    """Each frame's peak level (0..1, relative to the loudest frame) from the sheet's stored
    envelope (:attr:`~lipsync.sheet.Sheet.peaks`), or None when the sheet has none."""
    if not sheet.peaks:
        return None
    return [round(value / 255, 4) for value in sheet.peaks[:sheet.duration_frames]]


# ---------------------------------------------------------------------------------------------
# Layout

@dataclass
class Column:
    kind: str  # count, action, wave, dialogue, cell, camera, number, words, mouth, notes
    title: str
    width: float
    track: Track | None = None
    x: float = 0.0


@dataclass
class Plan:
    """Everything the pages need, worked out once."""

    sheet: Sheet
    layout: str
    paper: tuple[float, float]
    frames_per_block: int
    blocks_per_page: int
    pages: int
    peaks: list[float] | None
    header: list[tuple[str, str]]
    labels: dict[str, str]
    first_frame: int
    japanese: bool
    columns: list[Column] = field(default_factory=list)
    # Per-track items bucketed by block (see _in_block), built on first use.
    index: dict[tuple[str, int], list[list]] = field(default_factory=dict, repr=False)

    @property
    def frames_per_page(self) -> int:
        return self.frames_per_block * self.blocks_per_page

    def glyphs(self, track: Track, line: SheetLine) -> list[Glyph]:
        """:func:`dialogue_glyphs` of a line, with the track's word spans worked out once."""
        key = ("words", id(track))
        if key not in self.index:
            self.index[key] = [word_spans(self.sheet, track), {}]
        spans, laid = self.index[key]
        if id(line) not in laid:  # a line over two blocks is laid out once
            laid[id(line)] = dialogue_glyphs(self.sheet, track, line, spans)
        return laid[id(line)]


def _buckets(spans: Iterable[tuple[int, int, T]], size: int, count: int) -> list[list[T]]:
    """Each item of ``(first, end, item)`` in the bucket of every ``k < count`` whose frames
    ``k * size .. (k + 1) * size - 1`` it overlaps (``first < (k + 1) * size and end > k * size``),
    in the order given."""
    buckets: list[list[T]] = [[] for _ in range(count)]
    for first, end, item in spans:
        for k in range(max(first // size, 0), min((end - 1) // size, count - 1) + 1):
            buckets[k].append(item)
    return buckets


def _in_block(plan: Plan, kind: str, track: Track, start: int,
              spans: Callable[[], Iterable[tuple[int, int, T]]]) -> list[T]:
    """The items of ``spans()`` that overlap the block from frame ``start``, in their order:
    the drawing then looks at a block's own cues and lines instead of the whole track's."""
    key = (kind, id(track))
    if key not in plan.index:
        plan.index[key] = _buckets(spans(), plan.frames_per_block, plan.pages * plan.blocks_per_page)
    return plan.index[key][start // plan.frames_per_block]


MARGIN = 28.0
HEADER_H = 62.0
TITLE_H = 26.0
FOOTER_H = 58.0
BLOCK_GAP = 12.0


def count_label(count: int, nominal: int, japanese: bool) -> str:
    """``秒+コマ`` of a 1-based frame count: ``1+12`` is 36 frames at 24; whole seconds ``2秒``."""
    seconds, frames = divmod(count, nominal)
    if frames == 0:
        return f"{seconds}秒" if japanese else f"{seconds}s"
    return f"{seconds}+{frames}"


def _labels(japanese: bool) -> dict[str, str]:
    if japanese:
        return {"count": "秒+コマ", "action": "ACTION", "wave": "音声", "dialogue": "セリフ",
                "cell": "CELL", "camera": "CAMERA", "production": "作品 PRODUCTION",
                "episode": "話数 EP", "scene": "シーン SC", "cut": "カット CUT",
                "character": "役 CHARACTER", "time": "秒数 TIME", "page": "枚 PAGE",
                "rate": "fps", "tc": "TC", "memo": "セリフ DIALOGUE", "no_audio": "no audio"}
    return {"count": "s+f", "action": "ACTION", "wave": "WAVE", "dialogue": "DIALOGUE",
            "cell": "CELL", "camera": "CAMERA", "production": "PRODUCTION", "episode": "EP",
            "scene": "SC", "cut": "CUT", "character": "CHARACTER", "time": "TIME",
            "page": "PAGE", "rate": "fps", "tc": "TC", "memo": "DIALOGUE", "no_audio": "no audio"}


def rate_text(sheet: Sheet) -> str:
    """``24`` or ``23.976 (24000/1001)``."""
    rate = sheet.rate
    return str(rate) if rate.den == 1 else f"{float(rate):.3f} ({rate})"


def texts_of(sheet: Sheet, options: ExportOptions) -> list[str]:
    """Every text the sheet could print (for the font decision)."""
    texts = [value for value in options.extra.values() if isinstance(value, str)]
    for track in sheet.tracks:
        texts.append(track.name)
        texts.extend(line.text for line in track.lines)
        texts.extend(word.text for word in track.words)
    texts.extend(shape.name for shape in sheet.preset.shapes)
    return texts


def make_plan(sheet: Sheet, options: ExportOptions, japanese: bool) -> Plan:
    """The page layout of the sheet (raises OptionError for a bad ``layout`` or ``paper``)."""
    extra = options.extra
    layout = extra.get("layout", "anime").strip().lower() or "anime"
    if layout not in LAYOUTS:
        raise OptionError(f"unknown x-sheet layout {layout!r}", "use layout=anime or layout=western")
    paper_name = extra.get("paper", "a3" if layout == "anime" else "a4").strip().lower()
    if paper_name not in PAPERS:
        raise OptionError(f"unknown paper size {paper_name!r}", f"use one of: {', '.join(PAPERS)}")
    nominal = sheet.rate.nominal
    if layout == "anime":
        frames_per_block, blocks = 3 * nominal, 2
    else:
        frames_per_block, blocks = WESTERN_FRAMES_PER_PAGE, 1
    pages = max(1, math.ceil(sheet.duration_frames / (frames_per_block * blocks)))
    japanese = japanese and layout == "anime"
    labels = _labels(japanese)
    first = parse_timecode(sheet.start_timecode, sheet.rate) if sheet.start_timecode else 0
    character = extra.get("character") or ", ".join(track.name for track in sheet.tracks)
    header = [(labels[key], extra.get(key, "")) for key in ("production", "episode", "scene", "cut")]
    header.append((labels["character"], character))
    header.append((labels["time"], count_label(sheet.duration_frames, nominal, japanese)
                   + f" ({sheet.duration_frames})"))
    plan = Plan(sheet, layout, PAPERS[paper_name], frames_per_block, blocks, pages,
                frame_peaks(sheet), header, labels, first, japanese)
    plan.columns = _anime_columns(plan) if layout == "anime" else _western_columns(plan)
    return plan


def _block_width(plan: Plan) -> float:
    width = plan.paper[0] - 2 * MARGIN
    return (width - BLOCK_GAP * (plan.blocks_per_page - 1)) / plan.blocks_per_page


def _place(columns: list[Column], width: float, stretch: dict[str, float]) -> list[Column]:
    """Scale the fixed columns down if needed, give the rest to the ``stretch`` kinds, set x."""
    fixed = sum(c.width for c in columns if c.kind not in stretch)
    minimum = sum(stretch.values()) * 40
    if fixed > width - minimum:
        scale = (width - minimum) / fixed
        for column in columns:
            if column.kind not in stretch:
                column.width *= scale
        fixed = width - minimum
    spare = width - fixed
    total = sum(stretch.values())
    for column in columns:
        if column.kind in stretch:
            column.width = spare * stretch[column.kind] / total
    x = 0.0
    for column in columns:
        column.x = x
        x += column.width
    return columns


def _anime_columns(plan: Plan) -> list[Column]:
    labels, tracks = plan.labels, plan.sheet.tracks
    columns = [Column("count", labels["count"], 34), Column("action", labels["action"], 0),
               Column("wave", labels["wave"], 26)]
    speaking = [t for t in tracks if t.lines] or list(tracks[:1])
    columns += [Column("dialogue", labels["dialogue"], 24, track) for track in speaking]
    columns += [Column("cell", track.name, 30, track) for track in tracks]
    columns.append(Column("camera", labels["camera"], 0))
    return _place(columns, _block_width(plan), {"action": 3, "camera": 2})


def _western_columns(plan: Plan) -> list[Column]:
    columns = [Column("number", "FRAME", 30), Column("wave", plan.labels["wave"], 34)]
    for track in plan.sheet.tracks:
        columns += [Column("words", f"{track.name}: DIAL", 80, track),
                    Column("mouth", f"{track.name}: MOUTH", 52, track)]
    columns.append(Column("notes", "NOTES", 0))
    return _place(columns, _block_width(plan), {"notes": 1})


def render(plan: Plan, surface: Surface) -> None:
    """Draw every page of the plan."""
    for page in range(plan.pages):
        surface.begin_page(*plan.paper)
        _draw_page(plan, surface, page)
        surface.end_page()


def _draw_page(plan: Plan, surface: Surface, page: int) -> None:
    width, height = plan.paper
    sheet = plan.sheet
    first = page * plan.frames_per_page
    _draw_header(plan, surface, page)
    grid_top = MARGIN + HEADER_H + TITLE_H
    row_h = (height - grid_top - MARGIN - FOOTER_H) / plan.frames_per_block
    block_w = _block_width(plan)
    for block in range(plan.blocks_per_page):
        x0 = MARGIN + block * (block_w + BLOCK_GAP)
        start = first + block * plan.frames_per_block
        _draw_block(plan, surface, x0, grid_top, row_h, start)
    _draw_footer(plan, surface, page, height - MARGIN - FOOTER_H + 6)
    surface.text(width - MARGIN, height - MARGIN + 14, f"lipsync  {sheet.preset.name}",
                 6, anchor="end", color=GREY)


def _draw_header(plan: Plan, surface: Surface, page: int) -> None:
    width = plan.paper[0] - 2 * MARGIN
    sheet = plan.sheet
    page_first = page * plan.frames_per_page
    fields = list(plan.header)
    fields.append((plan.labels["page"], f"{page + 1} / {plan.pages}"))
    fields.append((plan.labels["rate"], rate_text(sheet)))
    fields.append((plan.labels["tc"], format_timecode(plan.first_frame + page_first, sheet.rate,
                                                      is_drop_frame(sheet.start_timecode, sheet.rate))))
    weights = [3, 1, 1, 1, 3, 1.6, 1, 1.6, 1.6]
    total = sum(weights)
    x, top, half = MARGIN, MARGIN, HEADER_H / 2
    title = "TIMESHEET タイムシート" if plan.japanese else (
        "TIMESHEET" if plan.layout == "anime" else "EXPOSURE SHEET")
    surface.text(MARGIN, top - 8, title, 11, bold=True)
    for (label, value), weight in zip(fields, weights):
        w = width * weight / total
        surface.rect(x, top, w, HEADER_H, stroke=BLACK, width=0.8)
        surface.text(x + 3, top + 9, fit(surface, label, 6.5, w - 6), 6.5, color=GREY)
        size = 11 if surface.text_width(value, 11) <= w - 8 else 8
        surface.text(x + 4, top + half + 12, fit(surface, value, size, w - 8), size, bold=True)
        x += w


def _draw_footer(plan: Plan, surface: Surface, page: int, top: float) -> None:
    """The page's dialogue lines as a memo: speaker, start and end count, text."""
    sheet = plan.sheet
    nominal, japanese = sheet.rate.nominal, plan.japanese
    first, last = page * plan.frames_per_page, (page + 1) * plan.frames_per_page
    width = plan.paper[0] - 2 * MARGIN
    surface.rect(MARGIN, top, width, FOOTER_H - 12, stroke=BLACK, width=0.6)
    surface.text(MARGIN + 3, top + 8, plan.labels["memo"], 6.5, color=GREY)
    if ("footer", 0) not in plan.index:
        plan.index[("footer", 0)] = _buckets(
            ((line.frame, line.frame + line.length, (line.frame, track.name, line))
             for track in sheet.tracks for line in track.lines), plan.frames_per_page, plan.pages)
    entries = sorted(
        (entry for entry in plan.index[("footer", 0)][page]
         if entry[0] < last and entry[0] + entry[2].length > first),
        key=lambda entry: (entry[0], entry[1]))
    rows, columns = 3, 2
    capacity = rows * columns
    column_w = (width - 10) / columns
    for index, (_, speaker, line) in enumerate(entries[:capacity]):
        x = MARGIN + 5 + (index // rows) * column_w
        y = top + 18 + (index % rows) * 11
        span = (f"{count_label(line.frame + 1, nominal, japanese)}-"
                f"{count_label(line.frame + line.length, nominal, japanese)}")
        text = f"{speaker}  {span}  {' '.join(line.text.split())}"
        surface.text(x, y, fit(surface, text, 8, column_w - 8), 8)
    if len(entries) > capacity:
        surface.text(MARGIN + width - 4, top + 8, f"+{len(entries) - capacity}", 6.5,
                     anchor="end", color=GREY)


def _draw_block(plan: Plan, surface: Surface, x0: float, top: float, row_h: float, start: int) -> None:
    sheet = plan.sheet
    rows = plan.frames_per_block
    nominal = sheet.rate.nominal
    bottom = top + rows * row_h
    block_w = _block_width(plan)
    end = sheet.duration_frames

    def row_y(frame: int) -> float:
        return top + (frame - start) * row_h

    # Frames after the end of the cut are greyed out and closed by a double rule.
    if end < start + rows:
        cut = row_y(max(end, start))
        surface.rect(x0, cut, block_w, bottom - cut, fill=LIGHT)
        if end >= start:
            surface.line(x0, cut, x0 + block_w, cut, 1.4)
            surface.line(x0, cut + 2.2, x0 + block_w, cut + 2.2, 0.6)

    # Column titles.
    title_top = top - TITLE_H
    surface.rect(x0, title_top, block_w, TITLE_H, stroke=BLACK, width=0.8)
    cell_columns = [c for c in plan.columns if c.kind == "cell"]
    for column in plan.columns:
        cx = x0 + column.x + column.width / 2
        if column.kind == "cell":
            surface.text(cx, top - 4, fit(surface, column.title, 6.5, column.width - 2), 6.5, anchor="middle")
        elif column.kind == "dialogue" and column.track is not None:
            surface.text(cx, top - 4, fit(surface, column.track.name, 6.5, column.width - 2), 6.5,
                         anchor="middle")
        else:
            surface.text(cx, title_top + 15, fit(surface, column.title, 7, column.width - 2), 7,
                         anchor="middle", bold=True)
    if cell_columns:
        left = x0 + cell_columns[0].x
        right = x0 + cell_columns[-1].x + cell_columns[-1].width
        surface.text((left + right) / 2, title_top + 10, plan.labels["cell"], 7, anchor="middle", bold=True)
        surface.line(left, title_top + 13, right, title_top + 13, 0.4)
    dialogue = [c for c in plan.columns if c.kind == "dialogue"]
    if dialogue:
        left = x0 + dialogue[0].x
        right = x0 + dialogue[-1].x + dialogue[-1].width
        surface.text((left + right) / 2, title_top + 10, fit(surface, plan.labels["dialogue"], 7, right - left),
                     7, anchor="middle", bold=True)
        surface.line(left, title_top + 13, right, title_top + 13, 0.4)

    # Contents under the rules.
    for column in plan.columns:
        x = x0 + column.x
        if column.kind == "wave":
            _draw_wave(plan, surface, x, column.width, top, row_h, start)
        elif column.kind == "dialogue" and column.track is not None:
            _draw_dialogue(plan, surface, column.track, x, column.width, row_y, start, rows, row_h)
        elif column.kind == "cell" and column.track is not None:
            _draw_cells(plan, surface, column.track, x, column.width, row_y, start, rows, row_h, numbers=True)
        elif column.kind == "mouth" and column.track is not None:
            _draw_cells(plan, surface, column.track, x, column.width, row_y, start, rows, row_h, numbers=False)
        elif column.kind == "words" and column.track is not None:
            _draw_words(plan, surface, column.track, x, column.width, row_y, start, rows, row_h)

    # Frame rules: thin every frame, medium every 6 frames, heavy every second.
    for index in range(1, rows):
        frame = start + index
        if frame % nominal == 0:
            weight = 1.3
        elif frame % 6 == 0:
            weight = 0.6
        else:
            weight = 0.2
        surface.line(x0, row_y(frame), x0 + block_w, row_y(frame), weight)
    # Frame counts.
    size = min(7.0, row_h * 0.72)
    for index in range(rows):
        frame = start + index
        count = frame + 1
        column = plan.columns[0]
        baseline = row_y(frame) + row_h / 2 + size * 0.36
        if column.kind == "count" and count % 6 == 0:
            bold = count % nominal == 0
            surface.text(x0 + column.width - 3, baseline, count_label(count, nominal, plan.japanese),
                         size, anchor="end", bold=bold)
        elif column.kind == "number":
            bold = count % nominal == 0
            surface.text(x0 + column.width - 3, baseline, str(count), size, anchor="end", bold=bold,
                         color=BLACK if bold else GREY)
    # Column rules and frame.
    for column in plan.columns[1:]:
        heavy = column.kind in ("action", "camera", "notes") or (
            column.kind in ("dialogue", "cell", "words") and column is _first_of(plan, column.kind))
        grouped = column.kind in ("dialogue", "cell") and not heavy
        surface.line(x0 + column.x, title_top + (13 if grouped else 0), x0 + column.x, bottom,
                     0.8 if heavy else 0.4)
    surface.rect(x0, top, block_w, rows * row_h, stroke=BLACK, width=1.2)


def _first_of(plan: Plan, kind: str) -> Column | None:
    return next((c for c in plan.columns if c.kind == kind), None)


def _draw_wave(plan: Plan, surface: Surface, x: float, width: float, top: float, row_h: float,
               start: int) -> None:
    rows = plan.frames_per_block
    peaks = plan.peaks
    if peaks is None:
        if start < max(plan.sheet.duration_frames, 1):
            surface.text(x + width / 2 + 2.5, top + 8, plan.labels["no_audio"], 7, color=GREY, rotate=-90)
        return
    centre, half = x + width / 2, width / 2 - 2
    surface.line(centre, top, centre, top + min(rows, max(0, len(peaks) - start)) * row_h, 0.3, GREY)
    for index in range(rows):
        frame = start + index
        if frame >= len(peaks):
            break
        reach = peaks[frame] * half
        if reach > 0.2:
            surface.rect(centre - reach, top + index * row_h + row_h * 0.12, 2 * reach, row_h * 0.76, fill=WAVE)


def _initial(name: str) -> str:
    return (name.strip()[:1] or "?").upper()


@dataclass(frozen=True)
class Glyph:
    """A character of the dialogue column: drawn centred on frame ``position`` (fractional when
    a word has more characters than frames), ``step`` frames tall (1, or less when squeezed)."""

    position: float
    char: str
    step: float


def _spread(chars: Sequence[str], first: int, frames: int) -> list[Glyph]:
    """``chars`` laid down ``frames`` frames from ``first``: each on a frame row of its own, spread
    evenly when there are fewer characters than frames; squeezed when there are more."""
    count = len(chars)
    if not count:
        return []
    share = max(frames, 1) / count
    if share >= 1:  # each character on a frame row of its own
        return [Glyph(first + math.floor(index * share), char, 1.0)
                for index, char in enumerate(chars) if not char.isspace()]
    return [Glyph(first + index * share, char, share) for index, char in enumerate(chars) if not char.isspace()]


def word_spans(sheet: Sheet, track: Track) -> list[tuple[int, int, str]]:
    """The track's words as ``(first frame, end frame, text)``, in time order."""
    spans = []
    for word in sorted(track.words, key=lambda word: word.start):
        first = sheet.rate.frame_at(word.start)
        if word.text.strip():
            spans.append((first, max(first + 1, sheet.rate.frame_at(word.end)), word.text))
    return spans


def dialogue_glyphs(sheet: Sheet, track: Track, line: SheetLine,
                    spans: list[tuple[int, int, str]] | None = None) -> list[Glyph]:
    """A dialogue line's characters laid down the frames where they are spoken: each word's
    characters (each mora's kana, each kanji) over the word's own frames, as animators time to
    them; a line without timed words is laid from its first frame, one character per frame.

    >>> from lipsync.sheet import Cue, ShapeSet, ShapeInfo, Word
    >>> from lipsync.timing import FrameRate
    >>> line = SheetLine(10, 30, "map? yes")
    >>> track = Track("a", (), (line,), (Word(0.75, 1.0, "map?"), Word(1.25, 1.5, "yes")))
    >>> sheet = Sheet(FrameRate(24), 48, (track,), ShapeSet("s", "X", (ShapeInfo("X", 1),)))
    >>> [(g.position, g.char) for g in dialogue_glyphs(sheet, track, line)]
    [(18, 'm'), (19, 'a'), (21, 'p'), (22, '?'), (30, 'y'), (32, 'e'), (34, 's')]
    """
    end = line.frame + line.length
    spans = word_spans(sheet, track) if spans is None else spans
    high = bisect.bisect_left(spans, (end,))
    low = bisect.bisect_left(spans, (line.frame,))
    while low > 0 and spans[low - 1][1] > line.frame:  # words that start before the line and reach into it
        low -= 1
    spoken = [(max(first, line.frame), min(last, end), text) for first, last, text in spans[low:high]
              if last > line.frame]
    if not spoken:
        chars = list(" ".join(line.text.split()))
        return _spread(chars, line.frame, min(line.length, len(chars)) if len(chars) <= line.length else line.length)
    glyphs: list[Glyph] = []
    for first, last, text in spoken:
        glyphs.extend(_spread(list("".join(text.split())), first, last - first))
    return glyphs


def _draw_dialogue(plan: Plan, surface: Surface, track: Track, x: float, width: float,
                   row_y: Callable[[int], float], start: int, rows: int, row_h: float) -> None:
    """Each line of the track written down the frames where it is spoken, between start and end marks."""
    stop = start + rows
    text_x = x + width * 0.4
    mark_x = x + width - 5
    base = min(row_h * 0.78, 10.0)
    lines = _in_block(plan, "lines", track, start,
                      lambda: ((line.frame, line.frame + line.length, line) for line in track.lines))
    for line in lines:
        if line.length <= 0 or line.frame >= stop or line.frame + line.length <= start:
            continue
        for glyph in plan.glyphs(track, line):
            if not start <= glyph.position < stop:
                continue
            size = base if glyph.step >= 1.0 else max(3.0, base * glyph.step)
            y = row_y(start) + (glyph.position - start) * row_h + glyph.step * row_h / 2 + size * 0.36
            surface.text(text_x, y, glyph.char, size, anchor="middle")
        first_y = row_y(max(line.frame, start))
        last_y = row_y(min(line.frame + line.length, stop))
        if line.frame >= start:
            surface.line(x + 2, first_y, x + width - 2, first_y, 1.0)
            radius = min(4.2, row_h * 0.42, width * 0.2)
            surface.circle(mark_x, first_y + row_h / 2, radius, 0.6)
            surface.text(mark_x, first_y + row_h / 2 + radius * 0.7, _initial(track.name), radius * 1.4,
                         anchor="middle", bold=True)
            first_y += row_h
        if first_y < last_y:
            surface.line(mark_x, first_y, mark_x, last_y, 0.5)
        if line.frame + line.length <= stop:
            surface.line(x + 2, last_y, x + width - 2, last_y, 1.0)


def _gaps(plan: Plan, track: Track) -> list[int]:
    """Frames where the track shows no mouth after showing one or from the start (empty cells)."""
    gaps, position = [], 0
    for cue in sorted(track.cues, key=lambda cue: cue.frame):
        if cue.frame > position:
            gaps.append(position)
        position = max(position, cue.end)
    if position < plan.sheet.duration_frames:
        gaps.append(position)
    return gaps


def _draw_cells(plan: Plan, surface: Surface, track: Track, x: float, width: float,
                row_y: Callable[[int], float], start: int, rows: int, row_h: float, numbers: bool) -> None:
    """The mouth at each change (drawing number, or shape name and number) and hold lines."""
    stop = start + rows
    centre = x + width / 2
    size = min(row_h * 0.78, 9.0)
    preset = plan.sheet.preset
    for cue in _in_block(plan, "cues", track, start, lambda: ((cue.frame, cue.end, cue) for cue in track.cues)):
        if cue.length <= 0 or cue.frame >= stop or cue.end <= start:
            continue
        try:
            info = preset.info(cue.shape)
            drawing = str(info.drawing)
        except KeyError:
            drawing = "?"
        label = drawing if numbers else f"{cue.shape} {drawing}"
        first = max(cue.frame, start)
        baseline = row_y(first) + row_h / 2 + size * 0.36
        if cue.frame >= start:
            if numbers:
                surface.text(centre, baseline, label, size, anchor="middle", bold=True)
            else:
                surface.text(x + 4, baseline, fit(surface, cue.shape, size, width - 18), size, bold=True)
                surface.text(x + width - 3, baseline, drawing, size * 0.8, anchor="end", color=GREY)
        else:  # continued from the previous block: repeat it in brackets
            surface.text(centre if numbers else x + 4, baseline, f"({label})", size * 0.8,
                         anchor="middle" if numbers else "start", color=GREY)
        hold_top = row_y(first) + row_h
        hold_bottom = row_y(min(cue.end, stop))
        if hold_bottom - hold_top > 0.5:
            line_x = centre if numbers else x + 6
            surface.line(line_x, hold_top + 0.8, line_x, hold_bottom - 0.8, 0.9)
    for gap in _in_block(plan, "gaps", track, start, lambda: ((gap, gap + 1, gap) for gap in _gaps(plan, track))):
        if start <= gap < stop:
            surface.text(centre, row_y(gap) + row_h / 2 + size * 0.36, "×", size, anchor="middle")


def _draw_words(plan: Plan, surface: Surface, track: Track, x: float, width: float,
                row_y: Callable[[int], float], start: int, rows: int, row_h: float) -> None:
    """Each word at its first frame with a hold line through its frames (lines if no words)."""
    rate, stop = plan.sheet.rate, start + rows
    size = min(row_h * 0.8, 8.0)

    def spans() -> list[tuple[int, int, tuple[int, int, str]]]:
        found = [(rate.frame_at(w.start), max(rate.frame_at(w.start) + 1, rate.frame_at(w.end)), w.text)
                 for w in track.words]
        if not found:
            found = [(line.frame, line.frame + max(line.length, 1), line.text) for line in track.lines]
        return [(first, end, (first, end, text)) for first, end, text in found]

    for first, end, text in _in_block(plan, "words", track, start, spans):
        if first >= stop or end <= start:
            continue
        top = row_y(max(first, start))
        if first >= start:
            surface.text(x + 6, top + row_h / 2 + size * 0.36, fit(surface, " ".join(text.split()), size, width - 8),
                         size)
            surface.line(x + 2, top + 0.5, x + 4.5, top + 0.5, 0.8)
            top += row_h
        bottom = row_y(min(end, stop))
        if bottom - top > 0.5:
            surface.line(x + 3, top, x + 3, bottom - 0.8, 0.7)


# ---------------------------------------------------------------------------------------------
# PDF

class PdfSurface(Surface):
    """reportlab canvas in invariant mode, with the y axis flipped to top-left origin.

    A sheet has tens of thousands of rules and labels, so the drawing operators are written
    straight into the page stream (``canvas.addLiteral``) with reportlab's own number format,
    remembering the line width and colours set so far on the page instead of repeating them.
    Each distinct label is encoded once by a reportlab text object (which also subsets the
    TrueType font) and reused; its width comes from reportlab's metrics, also remembered.
    """

    def __init__(self, regular: str, bold: str, japanese: bool, title: str) -> None:
        from reportlab.lib.rl_accel import fp_str
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfgen import canvas

        self._string_width = pdfmetrics.stringWidth
        self._fp_str = fp_str
        self.buffer = io.BytesIO()
        self.canvas = canvas.Canvas(self.buffer, invariant=1, pageCompression=1)
        self.canvas.setTitle(title)
        self.canvas.setCreator("lipsync")
        self.canvas.setAuthor("")
        self.regular, self.bold, self.japanese = regular, bold, japanese
        self.height = 0.0
        self._numbers: dict[float, str] = {}
        self._shows: dict[tuple[str, float, str], str] = {}
        self._widths: dict[tuple[str, str, float], float] = {}
        self._state: dict[str, str] = {}
        self._emit = self.canvas.addLiteral

    def _num(self, value: float) -> str:
        """``value`` as reportlab writes it (fp_str), remembered: the same coordinates recur on
        every page."""
        text = self._numbers.get(value)
        if text is None:
            text = self._numbers[value] = self._fp_str(value)
        return text

    def _set(self, operator: str, operands: str) -> None:
        """Emit ``operands operator`` unless the page already has that setting."""
        if self._state.get(operator) != operands:
            self._state[operator] = operands
            self._emit(f"{operands} {operator}")

    def _rgb(self, color: tuple[float, float, float]) -> str:
        num = self._num
        return f"{num(color[0])} {num(color[1])} {num(color[2])}"

    def begin_page(self, width: float, height: float) -> None:
        self.canvas.setPageSize((width, height))
        self.height = height
        self._state = {}

    def end_page(self) -> None:
        self.canvas.showPage()

    def result(self) -> bytes:
        self.canvas.save()
        return self.buffer.getvalue()

    def line(self, x1, y1, x2, y2, width=0.5, color=BLACK):  # noqa: ANN001, ANN201
        num, height = self._num, self.height
        self._set("w", num(width))
        self._set("RG", self._rgb(color))
        self._emit(f"n {num(x1)} {num(height - y1)} m {num(x2)} {num(height - y2)} l S")

    def rect(self, x, y, w, h, fill=None, stroke=None, width=0.5):  # noqa: ANN001, ANN201
        num = self._num
        if fill is not None:
            self._set("rg", self._rgb(fill))
        if stroke is not None:
            self._set("RG", self._rgb(stroke))
            self._set("w", num(width))
        operator = "B" if fill is not None and stroke is not None else "f" if fill is not None else \
            "S" if stroke is not None else "n"
        self._emit(f"n {num(x)} {num(self.height - y - h)} {num(w)} {num(h)} re {operator}")

    def circle(self, cx, cy, r, width=0.5):  # noqa: ANN001, ANN201
        self._set("w", self._num(width))
        self._set("RG", self._rgb(BLACK))
        self.canvas.circle(cx, self.height - cy, r, stroke=1, fill=0)

    def _show(self, font: str, size: float, text: str) -> str:
        """The operators that select ``font`` at ``size`` and show ``text``, from reportlab."""
        key = (font, size, text)
        show = self._shows.get(key)
        if show is None:
            code = self.canvas.beginText()
            code.setFont(font, size)
            code.textOut(text)
            operators = code.getCode()
            origin = "BT 1 0 0 1 0 0 Tm "
            assert operators.startswith(origin) and operators.endswith(" ET"), operators
            show = self._shows[key] = operators[len(origin):-3]
        return show

    def text(self, x, y, text, size, anchor="start", bold=False, color=BLACK, rotate=0):  # noqa: ANN001, ANN201
        if not text:
            return
        num = self._num
        font = self.bold if bold else self.regular
        self._set("rg", self._rgb(color))
        show = self._show(font, size, text)
        shift = 0.0
        if anchor != "start":
            key = (text, font, size)
            width = self._widths.get(key)
            if width is None:
                width = self._widths[key] = self._string_width(text, font, size)
            shift = -0.5 * width if anchor == "middle" else -width
        if rotate:
            angle = math.radians(-rotate)
            cos, sin = math.cos(angle), math.sin(angle)
            self._emit(f"q 1 0 0 1 {num(x)} {num(self.height - y)} cm "
                       f"{self._fp_str(cos, sin, -sin, cos, 0, 0)} cm "
                       f"BT 1 0 0 1 {num(shift)} 0 Tm {show} ET Q")
        else:
            self._emit(f"BT 1 0 0 1 {num(x + shift)} {num(self.height - y)} Tm {show} ET")

    def text_width(self, text: str, size: float) -> float:
        key = (text, self.regular, size)
        width = self._widths.get(key)
        if width is None:
            width = self._widths[key] = self._string_width(text, self.regular, size)
        return width


def title_of(sheet: Sheet, options: ExportOptions) -> str:
    parts = [options.extra.get(key, "") for key in ("production", "episode", "scene", "cut")]
    name = os.path.basename(sheet.source.path) if sheet.source.path else ""
    return " ".join(p for p in [*parts, name] if p) or "lipsync x-sheet"


def write(sheet: Sheet, options: ExportOptions) -> bytes:
    """Every track of the sheet as a printable X-sheet PDF (see the module docstring).

    Raises MissingToolError when reportlab is missing, or when the sheet has non-Latin text and
    no CJK TrueType font can be found; OptionError for an unknown ``layout`` or ``paper``.
    """
    try:
        import reportlab  # noqa: F401
    except ImportError:
        raise MissingToolError("the PDF x-sheet needs reportlab, which is not installed",
                               "pip install reportlab") from None
    needed = needs_unicode_font(texts_of(sheet, options))
    layout = options.extra.get("layout", "anime").strip().lower()
    font = find_cjk_font() if needed or layout in ("anime", "") else None
    if needed and font is None:
        raise MissingToolError("the sheet has Japanese or other non-Latin text and no font for it "
                               "was found to embed in the PDF", FONT_HINT)
    with _binary_streams():
        if font is not None:
            surface = PdfSurface(font[1], font[1], True, title_of(sheet, options))
        else:
            surface = PdfSurface("Helvetica", "Helvetica-Bold", False, title_of(sheet, options))
        plan = make_plan(sheet, options, surface.japanese)
        render(plan, surface)
        return surface.result()


@contextlib.contextmanager
def _binary_streams() -> Iterator[None]:
    """reportlab writing its compressed streams as binary, not ASCII85 text, while a sheet is
    drawn: a quarter smaller, and without reportlab's C accelerator its ASCII85 encoder in
    Python took as long as drawing a 30-minute sheet. Its setting is put back afterwards."""
    from reportlab import rl_config

    before = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = before


EXPORTER = Exporter(
    name="pdf",
    extensions=(".pdf",),
    description="printable X-sheet: anime 6-second timesheet or western exposure sheet (layout=...)",
    importers="printers and PDF viewers: the animator's paper timesheet",
    write=write,
    multi_track=True,
    settings=SETTINGS,
)
