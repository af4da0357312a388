"""Dub-fit reports: a table for the terminal, JSON for tools, and a self-contained HTML page
with both openness timelines of every line drawn over each other and the mismatches in red.

The HTML needs no network and no JavaScript: inline CSS and one inline SVG per line.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Sequence
from typing import Any

from ..timing import FrameRate, format_timecode, is_drop_frame
from .check import FitReport
from .score import DUB_CLOSED, LineFit, Unpaired

REPORT_FORMAT = "lipsync-fit"
REPORT_VERSION = 3


def _span(span: Any) -> dict[str, Any]:
    speech = span.speech
    return {"track": span.track, "line": span.index, "frame": span.frame, "length": span.length,
            "text": span.text, "speech_start": speech[0] if speech else None,
            "speech_end": speech[1] if speech else None, "script": span.script}


def _line(line: LineFit, number: int) -> dict[str, Any]:
    return {
        "number": number,
        "track": line.original.track,
        "score": line.score,
        "flagged": line.flagged,
        "off_script": line.off_script,
        "fidelity": line.fidelity,
        "timing_cost": line.timing_cost,
        "edges_matched": line.edges_matched,
        "start_offset_frames": line.start_offset,
        "end_offset_frames": line.end_offset,
        "flaps_original": line.flaps_original,
        "flaps_dub": line.flaps_dub,
        "suggested_shift_frames": line.shift,
        "score_after_shift": line.score_after_shift,
        "suggested_stretch": line.stretch,
        "stretch_shift_frames": line.stretch_shift,
        "score_after_stretch": line.score_after_stretch,
        "advice": line.advice,
        "mismatch_frames": [{"frame": m.frame, "length": m.length, "kind": m.kind} for m in line.mismatches],
        "original": _span(line.original),
        "dub": _span(line.dub),
        "window": {"frame": line.window[0], "length": line.window[1] - line.window[0]},
        "openness_original": line.openness_original,
        "openness_dub": line.openness_dub,
    }


def _unpaired(item: Unpaired) -> dict[str, Any]:
    return {"side": item.side, "reason": item.reason, "fails": item.fails, **_span(item.span)}


def _unpaired_count(report: FitReport) -> str:
    """``3 unpaired (2 failing)``: the unpaired lines, and how many of them a viewer sees."""
    failing = len(report.unpaired_failing)
    return f"{len(report.unpaired)} unpaired" + (f" ({failing} failing)" if failing else "")


def _ms(seconds: float) -> float:
    """Seconds rounded to the millisecond tenth, for the report (1/24 s: 0.0417)."""
    return round(seconds, 4)


def report_to_dict(report: FitReport) -> dict[str, Any]:
    """The JSON form of a report (the layout is documented in the README, "Dub fit")."""
    settings = report.settings
    lines = report.lines
    return {
        "format": REPORT_FORMAT,
        "version": REPORT_VERSION,
        "original": {"path": report.original, "kind": report.original_kind},
        "dub": {"path": report.dub, "kind": report.dub_kind},
        "rate": str(report.rate),
        "fps": round(float(report.rate), 6),
        "settings": {"threshold": settings.threshold, "max_shift_frames": settings.max_shift,
                     "stretch_range": [settings.stretch_min, settings.stretch_max],
                     "tolerance_seconds": _ms(settings.tolerance_seconds), "closure_weight": settings.closure_weight,
                     "edge_weight": settings.edge_weight, "agreement_share": settings.agreement_share,
                     "edge_reach_seconds": _ms(settings.edge_reach_seconds),
                     "shift_free_seconds": _ms(settings.shift_free_seconds), "shift_cost_base": settings.shift_cost_base,
                     "shift_cost_per_second": settings.shift_cost_per_second,
                     "late_knee_seconds": _ms(settings.late_knee_seconds),
                     "early_knee_seconds": _ms(settings.early_knee_seconds),
                     "beyond_knee_cost_per_second": settings.beyond_knee_cost_per_second,
                     "stretch_cost": settings.stretch_cost, "stretch_free_percent": settings.stretch_free,
                     "allow_added_lines": settings.allow_added_lines},
        "summary": {"lines": len(lines), "flagged": len(report.flagged), "off_script": len(report.off_script),
                    "passes": report.passes, "mean_score": report.mean_score,
                    "unpaired_original": sum(1 for u in report.unpaired if u.side == "original"),
                    "unpaired_dub": sum(1 for u in report.unpaired if u.side == "dub"),
                    "unpaired_failing": len(report.unpaired_failing)},
        "tracks": [{"original": t.original, "dub": t.dub, "pairing": t.pairing} for t in report.tracks],
        "lines": [_line(line, number) for number, line in enumerate(lines, 1)],
        "unpaired": [_unpaired(item) for item in report.unpaired],
        "warnings": list(report.warnings),
    }


def report_to_json(report: FitReport) -> str:
    return json.dumps(report_to_dict(report), ensure_ascii=False, indent=1) + "\n"


def text_cut(text: str | None, width: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[:width - 1] + "…"


def frame_timecode(rate: FrameRate, frame: int) -> str:
    """The timecode of a report's ``frame``, counted from the sheet's first frame as on a sheet
    without a start timecode: drop-frame at 29.97 and 59.94, as the review page shows it.

    >>> frame_timecode(FrameRate.parse("29.97"), 1900), frame_timecode(FrameRate(25), 1900)
    ('00:01:03;12', '00:01:16:00')
    """
    return format_timecode(frame, rate, is_drop_frame(None, rate))


def report_to_text(report: FitReport) -> str:
    """A readable table: one row per line, flagged lines marked with '!', lines a side does not
    say as scripted with '?' (unless flagged), each of them with its advice below; then the
    unpaired lines, those a viewer sees (failing the check) marked with '!'."""
    out = [f"dub fit: {report.dub} against {report.original} at {float(report.rate):g} fps "
           f"(threshold {report.settings.threshold:g})"]
    header = f"{'':1} {'#':>3} {'time':<11} {'score':>5} {'start':>5} {'end':>5} {'flaps':>7} " \
             f"{'shift':>5} {'stretch':>7} {'miss':>4}  text / advice"
    out += [header, "-" * len(header)]
    for number, line in enumerate(report.lines, 1):
        flaps = f"{line.flaps_original}/{line.flaps_dub}"
        missing = sum(m.length for m in line.mismatches)
        text = text_cut(line.dub.text or line.original.text or "", 40)
        time = frame_timecode(report.rate, line.original.speech[0])
        mark = "!" if line.flagged else "?" if line.off_script else " "
        out.append(f"{mark} {number:>3} {time:<11} "
                   f"{line.score:>5.1f} {line.start_offset:>+5d} {line.end_offset:>+5d} {flaps:>7} "
                   f"{line.shift:>+5d} {line.stretch:>7.2f} {missing:>4}  {text}")
        if line.flagged or line.off_script:
            out.append(f"{'':>48}-> {line.advice}")
    if report.unpaired:
        out.append("")
        out.append("unpaired:")
        for item in report.unpaired:
            script = f" (script line {item.span.script})" if item.span.script else ""
            mark = "!" if item.fails else " "
            out.append(f"{mark} {item.side:<8} {frame_timecode(report.rate, item.span.frame):<11} {item.reason}{script}"
                       + (f": {text_cut(item.span.text, 50)}" if item.span.text else ""))
    mean = report.mean_score
    out.append("")
    out.append(f"{len(report.lines)} line(s) scored, {len(report.flagged)} flagged, "
               f"{len(report.off_script)} not as scripted, {_unpaired_count(report)}; "
               f"mean score {mean if mean is not None else '-'}")
    out.extend(f"warning: {w}" for w in report.warnings)
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- HTML

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:20px;margin:0 0 4px}
.meta{color:#555;margin:0 0 16px}
.legend span{display:inline-block;margin-right:16px}
.sw{display:inline-block;width:14px;height:10px;vertical-align:middle;margin-right:4px}
section.line{border:1px solid #ccc;border-radius:6px;padding:10px 12px;margin:12px 0}
section.flagged{border-color:#c62828;background:#fff5f5}
section.off-script{border-color:#8a5a00;background:#fffbf0}
section h2{font-size:15px;margin:0 0 4px}
.score{font-weight:bold;padding:1px 6px;border-radius:4px;background:#e8f5e9}
.flagged .score{background:#ffcdd2}
.nums{color:#444;font-size:13px;margin:2px 0 6px}
.advice{font-size:13px;margin:4px 0 0}
.text{font-style:italic;color:#333}
svg{display:block;max-width:100%;height:auto}
table{border-collapse:collapse;font-size:13px}
td,th{border:1px solid #ddd;padding:2px 6px;text-align:left}
.warn{color:#8a5a00}
td.fails{color:#c62828;font-weight:bold}
"""


def openness_svg(rate: Any, line: LineFit) -> str:
    """Both openness timelines of a line over each other: the picture as a filled blue step
    area, the dub as an orange step line; red bands where one mouth is closed and the other open
    (``rate``: the report's frame rate, for the ruler)."""
    frames = line.window[1] - line.window[0]
    unit = max(3.0, min(12.0, 900.0 / max(frames, 1)))
    width = frames * unit + 60
    level = 28.0
    top, height = 14.0, 2 * level
    base = top + height

    def y(value: int) -> float:
        return base - max(value, 0) * level

    parts = [f'<svg class="timeline" role="img" viewBox="0 0 {width:.0f} {base + 26:.0f}" '
             f'width="{width:.0f}" height="{base + 26:.0f}" aria-label="openness of line">']
    for mismatch in line.mismatches:
        x = 50 + (mismatch.frame - line.window[0]) * unit
        colour = "#e53935" if mismatch.kind == DUB_CLOSED else "#ff8a80"
        parts.append(f'<rect class="mismatch" x="{x:.1f}" y="{top - 6:.1f}" width="{mismatch.length * unit:.1f}" '
                     f'height="{height + 6:.1f}" fill="{colour}" fill-opacity="0.35"/>')
    for value, name in ((0, "closed"), (1, "half"), (2, "open")):
        parts.append(f'<line x1="48" x2="{width:.0f}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="#eee"/>'
                     f'<text x="2" y="{y(value) + 4:.1f}" font-size="10" fill="#777">{name}</text>')
    # picture: filled steps; hidden frames are gaps
    points = [f"50,{base:.1f}"]
    for index, char in enumerate(line.openness_original):
        value = 0 if char == "-" else int(char)
        x0, x1 = 50 + index * unit, 50 + (index + 1) * unit
        points += [f"{x0:.1f},{y(value):.1f}", f"{x1:.1f},{y(value):.1f}"]
    points.append(f"{50 + frames * unit:.1f},{base:.1f}")
    parts.append(f'<polygon class="original" points="{" ".join(points)}" fill="#90caf9" fill-opacity="0.7" stroke="#1e88e5"/>')
    dub_points = []
    for index, char in enumerate(line.openness_dub):
        value = int(char)
        x0, x1 = 50 + index * unit, 50 + (index + 1) * unit
        dub_points += [f"{x0:.1f},{y(value) + 1.5:.1f}", f"{x1:.1f},{y(value) + 1.5:.1f}"]
    parts.append(f'<polyline class="dub" points="{" ".join(dub_points)}" fill="none" stroke="#ef6c00" stroke-width="2.5"/>')
    step = max(1, round(float(rate) / 4)) if frames <= 96 else max(1, round(float(rate)))
    first = line.window[0]
    for frame in range(first + (-first % step), line.window[1] + 1, step):
        x = 50 + (frame - first) * unit
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{base:.1f}" y2="{base + 4:.1f}" stroke="#999"/>')
        if (frame % (step * 2) == 0) or frames <= 48:
            parts.append(f'<text x="{x:.1f}" y="{base + 16:.1f}" font-size="9" fill="#777" text-anchor="middle">{frame}</text>')
    parts.append("</svg>")
    return "".join(parts)


def report_to_html(report: FitReport) -> str:
    """The report as one self-contained HTML page (no scripts, no external resources). Flagged
    lines come first, worst first; then the others in time order; then the unpaired lines."""
    esc = html.escape
    numbered = list(enumerate(report.lines, 1))
    ordered = sorted((item for item in numbered if item[1].flagged), key=lambda item: item[1].score) + \
        [item for item in numbered if not item[1].flagged and item[1].off_script] + \
        [item for item in numbered if not item[1].flagged and not item[1].off_script]
    mean = report.mean_score
    body = [f"<h1>Dub fit: {esc(report.dub)}</h1>",
            f'<p class="meta">against {esc(report.original)} · {float(report.rate):g} fps · '
            f"{len(report.lines)} line(s), <b>{len(report.flagged)} flagged</b> under "
            f"{report.settings.threshold:g}, <b>{len(report.off_script)} not as scripted</b>, "
            f"{_unpaired_count(report)} · mean score "
            f"{mean if mean is not None else '–'}</p>",
            '<p class="legend"><span><i class="sw" style="background:#90caf9"></i>picture (original)</span>'
            '<span><i class="sw" style="background:#ef6c00"></i>dub</span>'
            '<span><i class="sw" style="background:#e53935;opacity:.5"></i>dub closed, picture open</span>'
            '<span><i class="sw" style="background:#ff8a80;opacity:.5"></i>dub open, picture closed</span></p>']
    body += [f'<p class="warn">warning: {esc(w)}</p>' for w in report.warnings]
    for number, line in ordered:
        text = line.dub.text or line.original.text
        first = line.original.speech[0]
        title = f"Line {number} · {frame_timecode(report.rate, first)} · frame {first}"
        kind = " flagged" if line.flagged else " off-script" if line.off_script else ""
        body.append(f'<section class="line{kind}" id="line-{number}">')
        body.append(f'<h2>{esc(title)} <span class="score">{line.score:.0f}</span></h2>')
        if line.original.text and line.dub.text:
            body.append(f'<p class="text">original: {esc(line.original.text)}<br>dub: {esc(line.dub.text)}</p>')
        elif text:
            body.append(f'<p class="text">{esc(text)}</p>')
        missing = sum(m.length for m in line.mismatches)
        body.append(f'<p class="nums">start {line.start_offset:+d} · end {line.end_offset:+d} frames · flaps '
                    f'{line.flaps_original} picture / {line.flaps_dub} dub · {missing} mismatched frame(s) · '
                    f'best shift {line.shift:+d} ({line.score_after_shift:.0f}) · best stretch ×{line.stretch:.2f} '
                    f'{line.stretch_shift:+d} ({line.score_after_stretch:.0f})</p>')
        body.append(openness_svg(report.rate, line))
        body.append(f'<p class="advice">{esc(line.advice)}</p></section>')
    if report.unpaired:
        body.append("<h2>Unpaired</h2><table><tr><th>side</th><th>time</th><th>frames</th><th>reason</th>"
                    "<th>script line</th><th>text</th><th>check</th></tr>")
        for item in report.unpaired:
            verdict = '<td class="fails">fails</td>' if item.fails else "<td></td>"
            body.append(f"<tr><td>{esc(item.side)}</td><td>{frame_timecode(report.rate, item.span.frame)}</td>"
                        f"<td>{item.span.frame}–{item.span.end}</td><td>{esc(item.reason)}</td>"
                        f"<td>{esc(item.span.script or '')}</td><td>{esc(item.span.text or '')}</td>{verdict}</tr>")
        body.append("</table>")
    return html_page(f"Dub fit: {report.dub}", body)


def html_page(title: str, body: Sequence[str]) -> str:
    """A stand-alone HTML report page: ``title`` (escaped here) and the ``body`` fragments, with
    the reports' CSS.

    >>> html_page("A & B", ["<p>x</p>"]).splitlines()[1]
    '<html lang="en"><head><meta charset="utf-8"><title>A &amp; B</title><style>'
    """
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def render_as(kind: str, report: Any, to_json: Callable[[Any], str], to_html: Callable[[Any], str],
              to_text: Callable[[Any], str]) -> bytes:
    """``report`` as ``json``, ``html`` or (anything else) ``text`` bytes (UTF-8), through the
    report's own three renderers."""
    renderer = {"json": to_json, "html": to_html}.get(kind, to_text)
    return renderer(report).encode("utf-8")


def render(report: FitReport, kind: str) -> bytes:
    """The report as ``json``, ``html`` or ``text`` bytes (UTF-8)."""
    return render_as(kind, report, report_to_json, report_to_html, report_to_text)
