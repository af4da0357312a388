"""Dub fit: how well a dub matches the original mouth flaps, line by line, and how to fix it.

>>> from lipsync.fit import FitJob, run_fit_job                      # doctest: +SKIP
>>> result = run_fit_job(FitJob("c012.xdts", "dub.wav", dub_script="dub.txt",
...                             outputs=("fit.json", "fit.html")))   # doctest: +SKIP
>>> [line.score for line in result.report.lines]                     # doctest: +SKIP

Modules: :mod:`.timeline` (openness per frame), :mod:`.xdts` (reading XDTS timesheets),
:mod:`.score` (pairing, the fit score, shift and stretch search), :mod:`.check` (loading both
sides, the whole check, corrected sheets, :func:`run_fit_job`), :mod:`.report` (text, JSON, HTML).
Before recording, :mod:`.adapt` times and scores candidate dub lines from their text alone,
:mod:`.adapt_job` runs a whole check (``lipsync adapt``, batch ``kind = adapt`` rows) and
:mod:`.adapt_report` renders it.
"""

from .check import FitError, FitJob, FitJobResult, FitReport, fit_timelines, load_side, retime_sheet, run_fit_job
from .score import FitSettings, LineFit, Mismatch, Span, TrackFit, Unpaired, exact_agreement, fit_tracks, score_openness
from .timeline import HIDDEN, MouthTimeline, convert_rate, flap_count, sheet_timelines, track_openness

__all__ = ["FitError", "FitJob", "FitJobResult", "FitReport", "FitSettings", "HIDDEN", "LineFit", "Mismatch",
           "MouthTimeline", "Span", "TrackFit", "Unpaired", "convert_rate", "exact_agreement", "fit_timelines",
           "fit_tracks", "flap_count", "load_side", "retime_sheet", "run_fit_job", "score_openness",
           "sheet_timelines", "track_openness"]
