"""Printable X-sheet as SVG (``.svg``): the PDF x-sheet's pages stacked in one drawing.

Same layouts and settings as the PDF (``layout`` anime/western, ``production``, ``episode``,
``scene``, ``cut``, ``character``, ``paper``, ``audio``); see :mod:`.xsheet_pdf`. Each page is
a ``<g class="page" id="page-N">`` under the previous one. Text stays text, so browsers and
Inkscape/Illustrator show Japanese with the viewer's own fonts: no font is needed to write it.
The page size is in points (1/72 inch); ``width``/``height`` carry the real size in mm.
"""

from __future__ import annotations

from ..sheet import Sheet
from . import ExportOptions, Exporter
from ._text import xml_safe
from .xsheet_pdf import BLACK, PT_PER_MM, SETTINGS, Surface, _estimate, make_plan, render, title_of

FONT_FAMILY = ("'IPAGothic', 'IPA Gothic', 'Noto Sans CJK JP', 'Hiragino Sans', 'Yu Gothic', "
               "'Meiryo', Helvetica, Arial, sans-serif")
PAGE_GAP = 24.0
_ANCHORS = {"start": "start", "middle": "middle", "end": "end"}


_NUMBERS: dict[float, str] = {}


def _number(value: float) -> str:
    """Coordinates with at most two decimals, without trailing zeros (stable output)."""
    text = _NUMBERS.get(value)
    if text is None:
        text = f"{value:.2f}".rstrip("0").rstrip(".")
        if text in ("-0", ""):
            text = "0"
        if len(_NUMBERS) < 200_000:
            _NUMBERS[value] = text
    return text


def _color(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(channel * 255):02x}" for channel in rgb)


_BLACK = _color(BLACK)


def _cdata(text: str) -> str:
    """Element text escaped as ElementTree writes it (characters XML cannot hold replaced)."""
    text = xml_safe(text)
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


_ATTRIBUTE_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"),
                      ("\r", "&#13;"), ("\n", "&#10;"), ("\t", "&#09;"))


def _attribute(text: str) -> str:
    """An attribute value escaped as ElementTree writes it (characters XML cannot hold replaced)."""
    text = xml_safe(text)
    for char, entity in _ATTRIBUTE_ESCAPES:
        if char in text:
            text = text.replace(char, entity)
    return text


def _tag(name: str, attributes: dict[str, str], text: str | None = None) -> str:
    """One element on one line, as ``ElementTree.tostring`` writes it."""
    head = "<" + name + "".join(f' {key}="{_attribute(value)}"' for key, value in attributes.items())
    return f"{head}>{_cdata(text)}</{name}>" if text else head + " />"


class SvgSurface(Surface):
    """Collects the pages as SVG groups, one under the other.

    The markup is written as text, element by element, in exactly the layout that
    ``ElementTree.indent(space=" ")`` and ``ElementTree.tostring`` give (one element per line,
    a space of indent per level): a sheet has hundreds of thousands of elements, and building
    and serialising a tree of them took most of the time.
    """

    japanese = True

    def __init__(self) -> None:
        self.pages: list[list[str]] = []
        self.width = 0.0
        self.page_height = 0.0
        self.group: list[str] | None = None

    def begin_page(self, width: float, height: float) -> None:
        self.width, self.page_height = width, height
        offset = len(self.pages) * (height + PAGE_GAP)
        self.group = [_tag("g", {"class": "page", "id": f"page-{len(self.pages) + 1}",
                                 "transform": f"translate(0 {_number(offset)})"})[:-3] + ">"]
        self._add(f'<rect x="0" y="0" width="{_number(width)}" height="{_number(height)}" '
                  'fill="#ffffff" stroke="#999999" stroke-width="0.5" />')
        self.pages.append(self.group)

    def end_page(self) -> None:
        self.group = None

    def _add(self, markup: str) -> None:
        assert self.group is not None, "draw between begin_page and end_page"
        self.group.append(markup)

    def line(self, x1, y1, x2, y2, width=0.5, color=BLACK):  # noqa: ANN001, ANN201
        stroke = _BLACK if color == BLACK else _color(color)
        self._add(f'<line x1="{_number(x1)}" y1="{_number(y1)}" x2="{_number(x2)}" y2="{_number(y2)}" '
                  f'stroke="{stroke}" stroke-width="{_number(width)}" />')

    def rect(self, x, y, w, h, fill=None, stroke=None, width=0.5):  # noqa: ANN001, ANN201
        markup = (f'<rect x="{_number(x)}" y="{_number(y)}" width="{_number(w)}" height="{_number(h)}" '
                  f'fill="{_color(fill) if fill is not None else "none"}"')
        if stroke is not None:
            markup += f' stroke="{_color(stroke)}" stroke-width="{_number(width)}"'
        self._add(markup + " />")

    def circle(self, cx, cy, r, width=0.5):  # noqa: ANN001, ANN201
        self._add(f'<circle cx="{_number(cx)}" cy="{_number(cy)}" r="{_number(r)}" fill="none" '
                  f'stroke="#000000" stroke-width="{_number(width)}" />')

    def text(self, x, y, text, size, anchor="start", bold=False, color=BLACK, rotate=0):  # noqa: ANN001, ANN201
        if not text:
            return
        markup = f'<text x="{_number(x)}" y="{_number(y)}" font-size="{_number(size)}"'
        if anchor != "start":
            markup += f' text-anchor="{_ANCHORS[anchor]}"'
        if bold:
            markup += ' font-weight="bold"'
        if color != BLACK:
            markup += f' fill="{_color(color)}"'
        if rotate:
            markup += f' transform="rotate({_number(-rotate)} {_number(x)} {_number(y)})"'
        self._add(f"{markup}>{_cdata(text)}</text>")

    def text_width(self, text: str, size: float) -> float:
        return _estimate(self, text, size)

    def result(self, title: str) -> bytes:
        count = max(len(self.pages), 1)
        height = count * self.page_height + (count - 1) * PAGE_GAP
        root = _tag("svg", {
            "xmlns": "http://www.w3.org/2000/svg", "version": "1.1",
            "width": f"{_number(self.width / PT_PER_MM)}mm", "height": f"{_number(height / PT_PER_MM)}mm",
            "viewBox": f"0 0 {_number(self.width)} {_number(height)}",
            "font-family": FONT_FAMILY})[:-3] + ">"
        out = ['<?xml version="1.0" encoding="utf-8"?>', root, " " + _tag("title", {}, title)]
        for page in self.pages:
            out.append(" " + page[0])
            out.extend("  " + markup for markup in page[1:])
            out.append(" </g>")
        out.append("</svg>")
        return ("\n".join(out) + "\n").encode("utf-8")


def write(sheet: Sheet, options: ExportOptions) -> bytes:
    """Every track of the sheet as an X-sheet SVG (OptionError for a bad ``layout``/``paper``)."""
    surface = SvgSurface()
    render(make_plan(sheet, options, japanese=True), surface)
    return surface.result(title_of(sheet, options))


EXPORTER = Exporter(
    name="svg",
    extensions=(".svg",),
    description="X-sheet drawing: the PDF timesheet's pages as one SVG (layout=anime|western)",
    importers="web browsers, Inkscape, Illustrator, Affinity Designer",
    write=write,
    multi_track=True,
    settings=SETTINGS,
)
