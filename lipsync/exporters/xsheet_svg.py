"""Printable X-sheet as SVG (``.svg``): the PDF x-sheet's pages stacked in one drawing.

Same layouts and settings as the PDF (``layout`` anime/western, ``production``, ``episode``,
``scene``, ``cut``, ``character``, ``paper``, ``audio``); see :mod:`.xsheet_pdf`. Each page is
a ``<g class="page" id="page-N">`` under the previous one. Text stays text, so browsers and
Inkscape/Illustrator show Japanese with the viewer's own fonts: no font is needed to write it.
The page size is in points (1/72 inch); ``width``/``height`` carry the real size in mm.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from ..sheet import Sheet
from . import ExportOptions, Exporter
from .xsheet_pdf import BLACK, PT_PER_MM, Surface, make_plan, render, title_of

FONT_FAMILY = ("'IPAGothic', 'IPA Gothic', 'Noto Sans CJK JP', 'Hiragino Sans', 'Yu Gothic', "
               "'Meiryo', Helvetica, Arial, sans-serif")
PAGE_GAP = 24.0
_ANCHORS = {"start": "start", "middle": "middle", "end": "end"}


def _number(value: float) -> str:
    """Coordinates with at most two decimals, without trailing zeros (stable output)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _color(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(channel * 255):02x}" for channel in rgb)


class SvgSurface(Surface):
    """Collects the pages as SVG groups, one under the other."""

    japanese = True

    def __init__(self) -> None:
        self.pages: list[ElementTree.Element] = []
        self.width = 0.0
        self.page_height = 0.0
        self.group: ElementTree.Element | None = None

    def begin_page(self, width: float, height: float) -> None:
        self.width, self.page_height = width, height
        offset = len(self.pages) * (height + PAGE_GAP)
        self.group = ElementTree.Element("g", {
            "class": "page", "id": f"page-{len(self.pages) + 1}",
            "transform": f"translate(0 {_number(offset)})"})
        ElementTree.SubElement(self.group, "rect", {
            "x": "0", "y": "0", "width": _number(width), "height": _number(height),
            "fill": "#ffffff", "stroke": "#999999", "stroke-width": "0.5"})
        self.pages.append(self.group)

    def end_page(self) -> None:
        self.group = None

    def _add(self, tag: str, attributes: dict[str, str]) -> ElementTree.Element:
        assert self.group is not None, "draw between begin_page and end_page"
        return ElementTree.SubElement(self.group, tag, attributes)

    def line(self, x1, y1, x2, y2, width=0.5, color=BLACK):  # noqa: ANN001, ANN201
        self._add("line", {"x1": _number(x1), "y1": _number(y1), "x2": _number(x2), "y2": _number(y2),
                           "stroke": _color(color), "stroke-width": _number(width)})

    def rect(self, x, y, w, h, fill=None, stroke=None, width=0.5):  # noqa: ANN001, ANN201
        attributes = {"x": _number(x), "y": _number(y), "width": _number(w), "height": _number(h),
                      "fill": _color(fill) if fill is not None else "none"}
        if stroke is not None:
            attributes.update({"stroke": _color(stroke), "stroke-width": _number(width)})
        self._add("rect", attributes)

    def circle(self, cx, cy, r, width=0.5):  # noqa: ANN001, ANN201
        self._add("circle", {"cx": _number(cx), "cy": _number(cy), "r": _number(r), "fill": "none",
                             "stroke": "#000000", "stroke-width": _number(width)})

    def text(self, x, y, text, size, anchor="start", bold=False, color=BLACK, rotate=0):  # noqa: ANN001, ANN201
        if not text:
            return
        attributes = {"x": _number(x), "y": _number(y), "font-size": _number(size)}
        if anchor != "start":
            attributes["text-anchor"] = _ANCHORS[anchor]
        if bold:
            attributes["font-weight"] = "bold"
        if color != BLACK:
            attributes["fill"] = _color(color)
        if rotate:
            attributes["transform"] = f"rotate({_number(-rotate)} {_number(x)} {_number(y)})"
        self._add("text", attributes).text = text

    def result(self, title: str) -> bytes:
        count = max(len(self.pages), 1)
        height = count * self.page_height + (count - 1) * PAGE_GAP
        root = ElementTree.Element("svg", {
            "xmlns": "http://www.w3.org/2000/svg", "version": "1.1",
            "width": f"{_number(self.width / PT_PER_MM)}mm", "height": f"{_number(height / PT_PER_MM)}mm",
            "viewBox": f"0 0 {_number(self.width)} {_number(height)}",
            "font-family": FONT_FAMILY})
        ElementTree.SubElement(root, "title").text = title
        root.extend(self.pages)
        ElementTree.indent(root, space=" ")
        text = ElementTree.tostring(root, encoding="unicode")
        return ('<?xml version="1.0" encoding="utf-8"?>\n' + text + "\n").encode("utf-8")


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
)
