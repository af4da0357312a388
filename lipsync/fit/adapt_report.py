"""Adaptation reports: a table for the terminal, JSON for tools, and a self-contained HTML page
drawing each candidate's predicted flaps over the picture's (the ``fit`` report's drawing)."""

from __future__ import annotations

import html
import json
from typing import Any

from .adapt import AdaptReport, CandidateFit, Closure, LineAdaptation
from .report import frame_timecode, html_page, openness_svg, render_as, text_cut
from .score import Unpaired

REPORT_FORMAT = "lipsync-adapt"
REPORT_VERSION = 1


def _closure(closure: Closure) -> dict[str, Any]:
    return {"frame": closure.frame, "length": closure.length, "matched": closure.matched,
            **({"phone": closure.phone, "word": closure.word} if closure.phone else {})}


def candidate_to_dict(candidate: CandidateFit) -> dict[str, Any]:
    """One candidate as the report's JSON writes it."""
    timed, fit = candidate.timed, candidate.fit
    return {
        "rank": candidate.rank,
        "text": timed.text,
        "score": candidate.score,
        "flagged": candidate.flagged,
        "fits_rate": timed.fits_rate,
        "advice": candidate.advice,
        "paced_score": candidate.paced_score,
        "natural_score": candidate.natural_score,
        "fit_score": fit.score,
        "rate_cost": candidate.rate_cost,
        "fidelity": fit.fidelity,
        "edges_matched": fit.edges_matched,
        "syllables": timed.syllables,
        "syllables_per_second": round(timed.syllables_per_second, 2),
        "natural_syllables_per_second": round(timed.natural_syllables_per_second, 2),
        "rate": timed.rate,
        "natural_seconds": timed.natural_seconds,
        "flaps_original": fit.flaps_original,
        "flaps_candidate": fit.flaps_dub,
        "closures_picture": [_closure(c) for c in candidate.picture_closures],
        "closures_candidate": [_closure(c) for c in candidate.candidate_closures],
        "words": [{"start": w.start, "end": w.end, "text": w.text} for w in timed.words],
        "phones": [{"start": p.start, "end": p.end, "symbol": p.symbol, "word": p.word} for p in timed.phones],
        "window": {"frame": fit.window[0], "length": fit.window[1] - fit.window[0]},
        "openness_original": fit.openness_original,
        "openness_candidate": fit.openness_dub,
    }


def _line(line: LineAdaptation) -> dict[str, Any]:
    speech = line.span.speech
    return {"line": line.line, "track": line.track, "text": line.span.text, "frame": line.span.frame,
            "length": line.span.length, "speech_start": speech[0] if speech else None,
            "speech_end": speech[1] if speech else None, "seconds": round(line.seconds, 4),
            "syllables": line.syllables, "syllables_estimated": line.estimated,
            "syllables_per_second": round(line.syllables_per_second, 2),
            "candidates": [candidate_to_dict(c) for c in line.candidates]}


def _missing(item: Unpaired) -> dict[str, Any]:
    span = item.span
    return {"line": span.index + 1, "track": span.track, "text": span.text, "frame": span.frame,  # type: ignore[operator]
            "length": span.length, "speech_start": span.speech[0] if span.speech else None,
            "speech_end": span.speech[1] if span.speech else None, "reason": item.reason}


def report_to_dict(report: AdaptReport) -> dict[str, Any]:
    """The JSON form of a report (documented in the README, "Adapt before recording")."""
    settings = report.settings
    return {
        "format": REPORT_FORMAT,
        "version": REPORT_VERSION,
        "original": {"path": report.original, "kind": report.original_kind},
        "language": report.language,
        "rate": str(report.rate),
        "fps": round(float(report.rate), 6),
        "settings": {"threshold": settings.fit.threshold, "speed_wpm": settings.speed,
                     "rate_range": [settings.slowest, settings.fastest], "preset": settings.preset},
        "summary": {"lines": len(report.lines), "candidates": len(report.candidates),
                    "flagged_lines": [line.line for line in report.flagged],
                    "missing_lines": list(report.missing_lines)},
        "lines": [_line(line) for line in report.lines],
        "missing": [_missing(item) for item in report.missing],
        "warnings": list(report.warnings),
    }


def report_to_json(report: AdaptReport) -> str:
    return json.dumps(report_to_dict(report), ensure_ascii=False, indent=1) + "\n"


def _rates(candidate: CandidateFit, line: LineAdaptation) -> str:
    timed = candidate.timed
    return (f"{timed.syllables_per_second:.1f}/{timed.natural_syllables_per_second:.1f}/"
            + ("~" if line.estimated else "") + f"{line.syllables_per_second:.1f}")


def _closures(candidate: CandidateFit) -> str:
    shown = candidate.picture_closures
    return f"{sum(c.matched for c in shown)}/{len(shown)}"


def report_to_text(report: AdaptReport) -> str:
    """A readable table: per original line, its candidates best first; '!' marks a candidate
    under the threshold or that cannot fit at a plausible rate."""
    out = [f"adapt: {len(report.candidates)} candidate(s) ({report.language}) for {len(report.lines)} line(s) of "
           f"{report.original} at {float(report.rate):g} fps (threshold {report.settings.fit.threshold:g})"]
    header = f"{'':1} {'rank':>4} {'score':>5} {'syll/s need/nat/orig':>20} {'closures':>8}  text / advice"
    for line in report.lines:
        speech = line.span.speech or (line.span.frame, line.span.end)
        out += ["", f"line {line.line} at {frame_timecode(report.rate, speech[0])} ({line.seconds:.2f} s of speech; "
                    f"{line.rate_words}): {text_cut(line.span.text, 60)}", header, "-" * len(header)]
        for candidate in line.candidates:
            out.append(f"{'!' if candidate.flagged else ' '} {candidate.rank:>4} {candidate.score:>5.1f} "
                       f"{_rates(candidate, line):>20} {_closures(candidate):>8}  {text_cut(candidate.timed.text, 50)}")
            out.append(f"{'':>44}-> {candidate.advice}")
    if report.missing:
        out += ["", "without a dub line:"]
        out += [f"! line {number} at {frame_timecode(report.rate, item.span.frame)}: {item.reason}"
                + (f": {text_cut(item.span.text, 60)}" if item.span.text else "")
                for number, item in zip(report.missing_lines, report.missing)]
    flagged = report.flagged
    out.append("")
    out.append(f"{len(report.lines)} line(s), {len(flagged)} whose best candidate is flagged"
               + (": " + ", ".join(str(line.line) for line in flagged) if flagged else "")
               + (f"; {len(report.missing)} without a dub line: " + ", ".join(map(str, report.missing_lines))
                  if report.missing else ""))
    out.extend(f"warning: {w}" for w in report.warnings)
    return "\n".join(out) + "\n"


def report_to_html(report: AdaptReport) -> str:
    """The report as one self-contained HTML page (no scripts, no external resources)."""
    esc = html.escape
    body = [f"<h1>Adaptation: {esc(report.original)}</h1>",
            f'<p class="meta">{len(report.candidates)} candidate(s) in {esc(report.language)} · '
            f"{float(report.rate):g} fps · {len(report.lines)} line(s), <b>{len(report.flagged)} flagged</b> under "
            f"{report.settings.fit.threshold:g}"
            + (f", <b>{len(report.missing)} without a dub line</b>" if report.missing else "") + "</p>",
            '<p class="legend"><span><i class="sw" style="background:#90caf9"></i>picture (original)</span>'
            '<span><i class="sw" style="background:#ef6c00"></i>candidate, predicted from its text</span>'
            '<span><i class="sw" style="background:#e53935;opacity:.5"></i>candidate closed, picture open</span>'
            '<span><i class="sw" style="background:#ff8a80;opacity:.5"></i>candidate open, picture closed</span></p>']
    body += [f'<p class="warn">warning: {esc(w)}</p>' for w in report.warnings]
    for line in report.lines:
        speech = line.span.speech or (line.span.frame, line.span.end)
        body.append(f'<h2 id="line-{line.line}">Line {line.line} · {frame_timecode(report.rate, speech[0])} · '
                    f"{line.seconds:.2f} s · {esc(line.rate_words)}</h2>")
        if line.span.text:
            body.append(f'<p class="text">original: {esc(line.span.text)}</p>')
        for candidate in line.candidates:
            timed = candidate.timed
            body.append(f'<section class="line{" flagged" if candidate.flagged else ""}">')
            body.append(f'<h2>#{candidate.rank} <span class="score">{candidate.score:.0f}</span> '
                        f'<span class="text">{esc(timed.text)}</span></h2>')
            body.append(f'<p class="nums">{timed.syllables} syllables · needs {timed.syllables_per_second:.1f}/s '
                        f"(natural {timed.natural_syllables_per_second:.1f}/s, ×{timed.rate:.2f}"
                        f"{'' if timed.fits_rate else ', beyond what a speaker can do'}) · closures matched "
                        f"{_closures(candidate)} · flaps {candidate.fit.flaps_original} picture / "
                        f"{candidate.fit.flaps_dub} candidate · paced to the flaps {candidate.paced_score:.0f} "
                        f"(fit {candidate.fit.score:.0f} − rate {candidate.rate_cost:.0f}), at a natural pace "
                        f"{candidate.natural_score:.0f}</p>")
            body.append(openness_svg(report.rate, candidate.fit))
            words = " ".join(f"<span title=\"{w.start:.2f}–{w.end:.2f} s\">{esc(w.text)}</span>" for w in timed.words)
            body.append(f'<p class="text">{words}</p>')
            body.append(f'<p class="advice">{esc(candidate.advice)}</p></section>')
    if report.missing:
        body.append("<h2>Without a dub line</h2><table><tr><th>line</th><th>time</th><th>frames</th><th>reason</th>"
                    "<th>original</th></tr>")
        body += [f"<tr><td>{number}</td><td>{frame_timecode(report.rate, item.span.frame)}</td>"
                 f"<td>{item.span.frame}–{item.span.end}</td><td>{esc(item.reason)}</td>"
                 f"<td>{esc(item.span.text or '')}</td></tr>"
                 for number, item in zip(report.missing_lines, report.missing)]
        body.append("</table>")
    return html_page(f"Adaptation: {report.original}", body)


def render(report: AdaptReport, kind: str) -> bytes:
    """The report as ``json``, ``html`` or ``text`` bytes (UTF-8)."""
    return render_as(kind, report, report_to_json, report_to_html, report_to_text)
