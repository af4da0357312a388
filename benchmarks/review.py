"""The review page on a long episode: what opening it costs the server, and how fast the page draws.

    python benchmarks/review.py [--minutes 30]

Builds an episode by repeating the bundled sample's sheet and audio (22.05 kHz mono, 16-bit WAV)
to ``--minutes``, then measures in one run: the CPU seconds and peak memory of opening it (decoding the audio for the waveform's peaks), the size of what the page
loads, and in headless Chromium (Playwright, the system's chromium) the time until the page is
ready, one redraw of the lanes and a scroll step at three zoom levels.
"""

from __future__ import annotations

import argparse
import base64
import json
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import soundfile as sf

import lipsync
from lipsync.review.server import ReviewServer
from lipsync.review.session import ReviewSession
from lipsync.sheet import sheet_to_dict

DATA = Path(lipsync.__file__).parent / "data"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]

MEASURE = """async () => {
  const r = window.review, out = {}, frame = () => new Promise((q) => requestAnimationFrame(q));
  const draw = () => { const t = performance.now(); for (let i = 0; i < 20; i++) r.lanes.draw(); return (performance.now() - t) / 20; };
  for (const zoom of [20, 100, 300]) {
    r.ws.zoom(zoom); await frame();
    const t = performance.now();
    for (let i = 0; i < 30; i++) { r.ws.setScroll(i * 2000); await frame(); }
    out[zoom] = {scroll_step_ms: (performance.now() - t) / 30, draw_ms: draw()};
  }
  return out;
}"""


def episode(folder: Path, minutes: float) -> Path:
    """The sample repeated to ``minutes``: ``folder/episode.json`` and its WAV."""
    sheet = lipsync.analyze(DATA / "sample.flac", DATA / "sample.txt").sheet
    data = sheet_to_dict(sheet)
    samples, rate = sf.read(str(DATA / "sample.flac"), dtype="float32")
    frames, seconds = data["duration_frames"], sheet.duration_seconds
    block = np.zeros(round(seconds * rate), dtype=np.float32)
    block[:min(len(block), len(samples))] = samples[:len(block)]
    times = max(1, round(minutes * 60 / seconds))
    sf.write(str(folder / "episode.wav"), np.tile(block, times), rate, subtype="PCM_16")
    track = data["tracks"][0]
    parts: dict[str, list] = {key: [] for key in ("cues", "lines", "words", "phones")}
    for number in range(times):
        shift, offset = number * frames, number * seconds
        parts["cues"] += [{**cue, "frame": cue["frame"] + shift} for cue in track["cues"]]
        parts["lines"] += [{**line, "frame": line["frame"] + shift} for line in track["lines"]]
        for key in ("words", "phones"):
            parts[key] += [{**item, "start": round(item["start"] + offset, 6), "end": round(item["end"] + offset, 6)}
                           for item in track[key]]
    track.update(parts)
    if data.get("peaks"):  # the sheet's per-frame envelope: one byte per frame, base64
        data["peaks"] = base64.b64encode(base64.b64decode(data["peaks"]) * times).decode("ascii")
    data["duration_frames"] = frames * times
    data["source"] = {**data["source"], "path": str(folder / "episode.wav"), "duration": seconds * times}
    path = folder / "episode.json"
    path.write_text(json.dumps(data))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    options = parser.parse_args()
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="review-bench-"))
    try:
        path = episode(folder, options.minutes)
        before = resource.getrusage(resource.RUSAGE_SELF)
        session = ReviewSession(path)
        after = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        state = len(json.dumps(session.state())) / 1e6
        peaks = len(json.dumps(session.peaks())) / 1e6
        print(f"{options.minutes:g}-minute episode, {len(session.sheet.tracks[0].cues)} cues: opened in "
              f"{cpu:.2f} CPU s, peak memory {after.ru_maxrss / 1024:.0f} MB; page loads {state:.1f} MB of sheet "
              f"and {peaks:.1f} MB of peaks")
        server = ReviewServer(session, "127.0.0.1", 8740)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            start = time.perf_counter()
            page.goto(server.url)
            page.wait_for_selector("body[data-ready=true]", timeout=120000)
            print(f"page ready in {time.perf_counter() - start:.2f} s (wall)")
            for zoom, figures in page.evaluate(MEASURE).items():
                print(f"  {zoom:>4} px/s: lanes redraw {figures['draw_ms']:.2f} ms, "
                      f"scroll step {figures['scroll_step_ms']:.1f} ms per animation frame")
            browser.close()
        server.shutdown()
        server.server_close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
