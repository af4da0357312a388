"""The review page in a real browser: Debian's headless Chromium driven by Playwright (no browser
download). It plays the sample and checks the mouth shown against the sheet at the audio clock,
edits (drag a boundary, change a shape, undo, move a word), saves and reads the file back."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from lipsync.review.session import ReviewSession
from lipsync.sheet import sheet_from_json
from review_helpers import UNSPOKEN, WRONG, sample_sheet, serving, sheet_with_lines_to_check

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed (pip install -e '.[test]')")

PORT = 8720
@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    return sample_sheet(tmp_path_factory.mktemp("page"))


@contextmanager
def page_of(browser, sheet: Path, port: int) -> Iterator[tuple]:
    """The review page of ``sheet``, ready: (page, server); no script error on it meanwhile."""
    with serving(ReviewSession(sheet), port) as server:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(server.url)
        page.wait_for_selector("body[data-ready=true]", timeout=15000)
        yield page, server
        page.close()
        assert not errors


@pytest.fixture()
def opened(browser, sample, tmp_path):
    """The page of a fresh copy of the sample sheet: (page, sheet path, server)."""
    for name in ("sample.json", "sample.flac"):
        shutil.copy(sample.parent / name, tmp_path / name)
    with page_of(browser, tmp_path / "sample.json", PORT) as (page, server):
        yield page, tmp_path / "sample.json", server


# Read in an animation-frame callback, just after the page's own (which draws the frame of the
# audio clock).
SHOWN = """() => new Promise((resolve) => requestAnimationFrame(() => {
  const audio = document.querySelector('audio'), figure = document.querySelector('figure.mouth');
  const on = figure.querySelector('img.on');
  resolve({time: audio.currentTime, frame: Number(figure.dataset.frame), shape: figure.dataset.shape,
           drawn: on ? on.dataset.shape : null, paused: audio.paused});
}))"""


def frame_of(seconds: float, rate) -> int:
    return rate.frame_at(seconds)


def cues_of(page) -> list[dict]:
    return page.evaluate("() => window.review.tracks[0].cues")


def lane_point(page, row_kind: str, seconds: float) -> tuple[float, float]:
    """Page coordinates of time ``seconds`` in the first track's ``row_kind`` lane."""
    box = page.locator("#lanes").bounding_box()
    x, y = page.evaluate("""([kind, seconds]) => {
      const lanes = window.review.lanes, row = lanes.rows().find((r) => r.kind === kind && r.track === 0);
      return [lanes.x(seconds), row.y + row.height / 2];
    }""", [row_kind, seconds])
    return box["x"] + x, box["y"] + y


def test_playing_shows_the_sheets_mouth_on_the_audio_clocks_frame(opened):
    page, path, _ = opened
    sheet = sheet_from_json(path.read_text())
    track = sheet.tracks[0]
    page.keyboard.press("Space")
    samples = []
    for _ in range(12):
        page.wait_for_timeout(120)
        samples.append(page.evaluate(SHOWN))
    page.keyboard.press("Space")
    assert samples[-1]["time"] > 0.8 and not samples[-1]["paused"]
    shapes_seen = set()
    for shown in samples:
        # the audio clock's frame (read a moment after the page drew it: the clock runs on)
        assert frame_of(shown["time"] - 0.03, sheet.rate) <= shown["frame"] <= frame_of(shown["time"], sheet.rate)
        assert shown["shape"] == shown["drawn"] == track.shape_at(shown["frame"])
        shapes_seen.add(shown["shape"])
    assert len(shapes_seen) >= 3  # the mouth moved
    page.wait_for_function("() => document.querySelector('audio').paused")
    page.wait_for_timeout(100)
    for _ in range(6):  # paused and stepped frame by frame: exactly the clock's frame
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(60)
        shown = page.evaluate(SHOWN)
        assert shown["frame"] == frame_of(shown["time"], sheet.rate)
        assert shown["shape"] == shown["drawn"] == track.shape_at(shown["frame"])
    page.keyboard.press("h")  # half speed: the clock runs at half the wall clock's pace
    page.keyboard.press("Space")
    clock = "() => [document.querySelector('audio').currentTime, performance.now() / 1000]"
    page.wait_for_function("() => document.querySelector('audio').currentTime > 0 && !document.querySelector('audio').paused")
    page.wait_for_timeout(200)
    (audio0, wall0) = page.evaluate(clock)
    page.wait_for_timeout(800)
    (audio1, wall1) = page.evaluate(clock)
    page.keyboard.press("Space")
    assert 0.35 < (audio1 - audio0) / (wall1 - wall0) < 0.65
    page.keyboard.press("h")


def test_scrub_then_loop_a_selection(opened):
    page, path, _ = opened
    rate = sheet_from_json(path.read_text()).rate
    page.evaluate("() => window.review.ws.setScrollTime(0)")
    ruler = page.evaluate("() => { const r = window.review.lanes.rows()[0]; return r.y + r.height / 2; }")
    box = page.locator("#lanes").bounding_box()
    x_of = lambda seconds: box["x"] + page.evaluate(f"() => window.review.lanes.x({seconds})")
    page.mouse.move(x_of(1.0), box["y"] + ruler)
    page.mouse.down()
    page.mouse.move(x_of(2.0), box["y"] + ruler, steps=5)  # scrubbing: the playhead follows
    page.mouse.up()
    shown = page.evaluate(SHOWN)
    assert abs(shown["time"] - 2.0) < 2 / float(rate) and shown["frame"] == frame_of(shown["time"], rate)
    page.keyboard.press("i")
    for _ in range(12):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("o")  # half a second selected
    page.keyboard.press("l")
    page.keyboard.press("Space")
    times = []
    for _ in range(10):
        page.wait_for_timeout(130)
        times.append(page.evaluate(SHOWN)["time"])
    page.keyboard.press("Space")
    assert all(shown["time"] - 0.05 < t < shown["time"] + 0.5 + 0.1 for t in times)
    assert any(later < earlier for earlier, later in zip(times, times[1:]))  # it went round


def test_drag_a_boundary_change_a_shape_undo_and_save(opened):
    page, path, _ = opened
    before = sheet_from_json(path.read_text()).tracks[0].cues
    index = next(i for i, cue in enumerate(before) if i > 2 and cue.length >= 6 and before[i - 1].length >= 2)
    cue = before[index]
    rate = sheet_from_json(path.read_text()).rate
    page.evaluate("() => window.review.ws.zoom(300)")  # enough pixels per frame to aim at a boundary
    page.evaluate(f"() => window.review.ws.setScrollTime({rate.seconds_at(cue.frame) - 0.5})")
    page.wait_for_timeout(100)
    x, y = lane_point(page, "cues", rate.seconds_at(cue.frame))
    page.mouse.move(x, y)
    page.mouse.down()
    x2, _ = lane_point(page, "cues", rate.seconds_at(cue.frame + 3) + 0.001)
    page.mouse.move(x2, y, steps=4)
    page.mouse.up()
    cues = cues_of(page)
    assert cues[index]["frame"] == cue.frame + 3 and cues[index]["edited"] and cues[index - 1]["edited"]
    assert cues[index - 1]["length"] == before[index - 1].length + 3
    # the dragged cue is selected: a key sets its shape, then a click on the palette
    page.keyboard.press("1")
    assert cues_of(page)[index]["shape"] == "A"
    page.click("#palette button[data-shape=E]")
    assert cues_of(page)[index]["shape"] == "E"
    page.keyboard.press("Control+z")
    assert cues_of(page)[index]["shape"] == "A"
    page.keyboard.press("Control+z")
    assert cues_of(page)[index]["shape"] == cue.shape and cues_of(page)[index]["frame"] == cue.frame + 3
    page.keyboard.press("Control+Shift+z")
    assert cues_of(page)[index]["shape"] == "A"
    # split at the playhead and merge back, keyboard only
    page.keyboard.press("]")  # next cue, playhead at its start
    page.keyboard.press("[")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("s")
    assert len(cues_of(page)) == len(before) + 1
    page.keyboard.press("Control+z")
    assert len(cues_of(page)) == len(before)
    page.keyboard.press("Control+s")
    page.wait_for_selector("#notice div:has-text('Saved')")
    saved = sheet_from_json(path.read_text()).tracks[0].cues
    assert saved[index].frame == cue.frame + 3 and saved[index].shape == "A" and saved[index].edited
    assert saved[index - 1].edited and saved[:index - 1] == before[:index - 1] and saved[index + 1:] == before[index + 1:]
    assert sheet_from_json(path.with_name("sample.json.bak").read_text()).tracks[0].cues == before
    assert page.locator("#dirty").is_hidden()


def test_dragging_a_words_edge_reanimates_its_stretch_on_the_server(opened):
    page, path, _ = opened
    sheet = sheet_from_json(path.read_text())
    words = sheet.tracks[0].words
    index = next(i for i in range(len(words) - 1) if words[i + 1].start - words[i].end > 0.3)  # before a pause
    word = words[index]
    page.evaluate("() => window.review.ws.zoom(300)")
    page.evaluate(f"() => window.review.ws.setScrollTime({word.start - 0.5})")
    page.wait_for_timeout(100)
    x, y = lane_point(page, "words", word.end)
    page.mouse.move(x, y)
    page.mouse.down()
    x2, _ = lane_point(page, "words", word.end + 0.25)
    page.mouse.move(x2, y, steps=4)
    page.mouse.up()
    page.wait_for_function(f"() => window.review.tracks[0].words[{index}].end > {word.end + 0.2}")
    moved = page.evaluate(f"() => window.review.tracks[0].words[{index}]")
    assert abs(moved["end"] * 24 - round(moved["end"] * 24)) < 1e-3  # snapped to a frame
    assert any(cue.get("edited") for cue in cues_of(page))
    # the keyboard moves the selected word's start a frame later, re-animated the same way
    page.keyboard.press(".")
    later = round(word.start * 24 + 1) / 24  # a frame later, on the frame grid
    page.wait_for_function(f"() => Math.abs(window.review.tracks[0].words[{index}].start - {later}) < 1e-6")
    page.keyboard.press("Control+s")
    page.wait_for_selector("#notice div:has-text('Saved')")
    saved = sheet_from_json(path.read_text()).tracks[0]
    assert saved.words[index].end == pytest.approx(moved["end"], abs=1e-6)
    assert saved.cues != sheet.tracks[0].cues


def test_saving_over_a_file_changed_on_disk_is_refused_and_the_edits_stay(opened):
    page, path, _ = opened
    changed = path.read_text().replace('"rate"', '"rate" ', 1)
    path.write_text(changed)
    page.keyboard.press("c")
    page.keyboard.press("2")
    page.keyboard.press("Control+s")
    page.wait_for_selector("#notice div.error:has-text('changed on disk')")
    assert path.read_text() == changed
    assert page.locator("#dirty").is_visible()
    with page.expect_download() as download:
        page.click("text=Download my edited sheet")
    edited = json.loads(Path(download.value.path()).read_text())
    assert any(cue.get("edited") for cue in edited["tracks"][0]["cues"])


def reshape_cue(page, index: int) -> str:
    """Select cue ``index`` of the first track with the keyboard and press the key of another
    shape (the palette's first or second): the shape it gets."""
    page.keyboard.press("Home")
    page.keyboard.press("c")
    for _ in range(index):
        page.keyboard.press("]")
    shapes = page.evaluate("() => window.review.shapes.map((shape) => shape.name)")
    shape = shapes[0] if cues_of(page)[index]["shape"] != shapes[0] else shapes[1]
    page.keyboard.press(str(shapes.index(shape) + 1))
    assert cues_of(page)[index]["shape"] == shape
    return shape


def save_and_wait(page) -> str:
    """Press Ctrl+S and wait for the save's answer: the notice it gave."""
    page.keyboard.press("Control+s")
    page.wait_for_function("() => !window.review.busy")
    return page.locator("#notice div").last.inner_text()


def test_an_edit_made_while_saving_stays_unsaved_until_the_next_save(opened, monkeypatch):
    page, path, server = opened
    answered, release = threading.Event(), threading.Event()
    save = server.session.save

    def slow_save(*args, **kwargs):  # a save with a long export: its answer held until released
        result = save(*args, **kwargs)
        answered.set()
        release.wait(10)
        return result

    monkeypatch.setattr(server.session, "save", slow_save)
    before = sheet_from_json(path.read_text()).tracks[0].cues
    first = reshape_cue(page, 1)
    page.keyboard.press("Control+s")
    assert answered.wait(10)
    second = reshape_cue(page, 2)  # while the save runs
    page.keyboard.press("Control+s")  # refused, saying why
    assert "Not saved: a save is still running" in page.locator("#notice div.warning").last.inner_text()
    release.set()
    page.wait_for_function("() => !window.review.busy")
    saved = sheet_from_json(path.read_text()).tracks[0].cues
    assert saved[1].shape == first and saved[2] == before[2]
    assert page.evaluate("() => window.review.dirty") and page.locator("#dirty").is_visible()
    assert "save again" in page.locator("#notice div").last.inner_text()
    assert "Saved" in save_and_wait(page)
    assert sheet_from_json(path.read_text()).tracks[0].cues[2].shape == second
    assert not page.evaluate("() => window.review.dirty") and page.locator("#dirty").is_hidden()


def test_a_page_that_read_the_file_before_another_page_saved_it_cannot_save_over_it(opened, browser):
    first, path, server = opened
    second = browser.new_page(viewport={"width": 1400, "height": 900})
    second.goto(server.url)
    second.wait_for_selector("body[data-ready=true]", timeout=15000)
    kept = reshape_cue(first, 1)
    reshape_cue(second, 2)
    assert "Saved" in save_and_wait(first)
    saved = path.read_text()
    assert "changed on disk" in save_and_wait(second)
    assert path.read_text() == saved and sheet_from_json(saved).tracks[0].cues[1].shape == kept
    assert second.locator("#dirty").is_visible() and second.locator("text=Download my edited sheet").is_visible()
    second.close()
    later = reshape_cue(first, 3)  # the first page saved the file's new version: it saves again
    assert "Saved" in save_and_wait(first)
    cues = sheet_from_json(path.read_text()).tracks[0].cues
    assert cues[1].shape == kept and cues[3].shape == later


def test_a_dub_fit_report_opens_at_the_flagged_line_with_both_mouths(browser, sample, tmp_path):
    data = json.loads(sample.read_text())
    shifted = data["tracks"][0]["cues"]
    rest = data["preset"]["rest"]
    data["tracks"][0]["cues"] = [{"frame": 0, "length": 8, "shape": rest}] + [
        {**cue, "frame": cue["frame"] + 8} for cue in shifted[:-1]] + [
        {**shifted[-1], "frame": shifted[-1]["frame"] + 8, "length": shifted[-1]["length"] - 8}]
    dub = tmp_path / "dub.json"
    dub.write_text(json.dumps(data))
    report = tmp_path / "fit.json"
    subprocess.run([sys.executable, "-m", "lipsync", "fit", str(sample), str(dub), "-o", str(report), "-q",
                    "--threshold", "99"], check=True, timeout=120)
    fit = json.loads(report.read_text())
    flagged = sorted((line for line in fit["lines"] if line["flagged"]), key=lambda line: line["window"]["frame"])
    assert flagged
    with serving(ReviewSession(report), PORT + 10) as server:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(server.url)
        page.wait_for_selector("body[data-ready=true]", timeout=15000)
        figures = page.locator("figure.mouth")
        assert figures.count() == 2 and "original" in figures.nth(0).inner_text() and "dub" in figures.nth(1).inner_text()
        assert page.evaluate(SHOWN)["frame"] == flagged[0]["window"]["frame"]
        assert page.evaluate("() => window.review.state.audio.path").endswith("sample.flac")  # the dub sheet's source
        assert page.locator(".edit-only").first.is_hidden()
        if len(flagged) > 1:
            page.keyboard.press("n")
            assert page.evaluate(SHOWN)["frame"] == flagged[1]["window"]["frame"]
        page.close()


def test_without_audio_the_page_says_why_and_plays_a_silent_timeline(browser, sample, tmp_path):
    data = json.loads(sample.read_text())
    data["source"]["path"] = "gone.wav"
    sheet = tmp_path / "silent.json"
    sheet.write_text(json.dumps(data))
    with serving(ReviewSession(sheet), PORT + 20) as server:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(server.url)
        page.wait_for_selector("body[data-ready=true]", timeout=15000)
        assert "No audio: the sheet's audio 'gone.wav' is not found" in page.locator("#notice").inner_text()
        page.keyboard.press("Space")
        page.wait_for_timeout(700)
        page.keyboard.press("Space")
        shown = page.evaluate(SHOWN)
        assert shown["time"] > 0.3 and shown["shape"] == sheet_from_json(sample.read_text()).tracks[0].shape_at(shown["frame"])
        page.close()


def test_cue_edits_keep_the_cues_contiguous_and_mark_what_they_change(opened):
    page, _, _ = opened
    result = page.evaluate("""async () => {
      const e = await import('./static/edits.js');
      const cues = [{frame: 0, length: 4, shape: 'X'}, {frame: 4, length: 3, shape: 'A'}, {frame: 7, length: 5, shape: 'B'}];
      const strip = (list) => list.map((c) => [c.frame, c.length, c.shape, !!c.edited]);
      const history = new e.History();
      history.push('first'); history.push('second');
      return {
        at: [e.cueAt(cues, 0), e.cueAt(cues, 6), e.cueAt(cues, 7), e.cueAt(cues, 12)],
        moved: strip(e.moveBoundary(cues, 2, 9)), clamped: strip(e.moveBoundary(cues, 1, 0)),
        shape: strip(e.setShape(cues, 1, 'E')), split: strip(e.split(cues, 2, 9)), no_split: e.split(cues, 2, 7) === cues,
        merged: strip(e.mergeNext(cues, 0)), removed: strip(e.remove(cues, 1)), removed_first: strip(e.remove(cues, 0)),
        untouched: strip(cues), undo: [history.undo('now'), history.undo('second'), history.undo('first'), history.redo('first'), history.redo('second')],
      };
    }""")
    assert result["at"] == [0, 1, 2, -1]
    assert result["moved"] == [[0, 4, "X", False], [4, 5, "A", True], [9, 3, "B", True]]
    assert result["clamped"] == [[0, 1, "X", True], [1, 6, "A", True], [7, 5, "B", False]]
    assert result["shape"] == [[0, 4, "X", False], [4, 3, "E", True], [7, 5, "B", False]]
    assert result["split"] == [[0, 4, "X", False], [4, 3, "A", False], [7, 2, "B", True], [9, 3, "B", True]]
    assert result["no_split"]
    assert result["merged"] == [[0, 7, "X", True], [7, 5, "B", False]]
    assert result["removed"] == [[0, 7, "X", True], [7, 5, "B", False]]
    assert result["removed_first"] == [[0, 7, "A", True], [7, 5, "B", False]]
    assert result["untouched"] == [[0, 4, "X", False], [4, 3, "A", False], [7, 5, "B", False]]
    assert result["undo"] == ["second", "first", None, "second", "now"]


def test_a_sheet_whose_lines_all_aligned_numbers_them_and_warns_of_nothing(opened):
    page, _, _ = opened
    assert "Script:" not in page.locator("#notice").inner_text()
    assert page.locator("#checks").is_hidden()
    page.evaluate("() => { window.review.media.currentTime = 6.5; }")
    page.wait_for_function("() => document.querySelector('#line').textContent.startsWith('sample: line 2: Wow.')")


# What the lanes draw, recorded from the canvas: each label with the fill of the box under it
# (the last filled before it).
DRAWN = """() => {
  const context = window.review.lanes.context, drawn = [];
  let fill = null;
  context.fillText = function (text, x, y) { drawn.push([text, fill]); return CanvasRenderingContext2D.prototype.fillText.call(this, text, x, y); };
  context.fillRect = function (x, y, w, h) { fill = this.fillStyle; return CanvasRenderingContext2D.prototype.fillRect.call(this, x, y, w, h); };
  window.review.lanes.draw();
  delete context.fillText; delete context.fillRect;
  return drawn;
}"""


def test_lines_not_aligned_are_summed_up_marked_listed_and_gone_to(browser, sample, tmp_path):
    sheet = sheet_with_lines_to_check(sample, tmp_path)
    with page_of(browser, sheet, PORT + 30) as (page, _):
        rate = sheet_from_json(sheet.read_text()).rate
        wow = sheet_from_json(sheet.read_text()).script[2]  # as the analysis of the sample aligned it
        # on opening, analyze's summary
        assert "Script: 1 line aligned, 1 uncertain, 2 not found." in page.locator("#notice").inner_text()
        # the list: script numbers, status, where, and what the mouth there comes from
        items = page.locator("#check-lines li")
        assert items.all_inner_texts() == [
            f"Line 2 · not found · searched at 4.40–5.40 s; no speech recognized there · “{UNSPOKEN}”",
            f"Line 3 · uncertain (confidence 0.18) · aligned at {wow.start:.2f}–{wow.end:.2f} s: check it · "
            "“Wow. Before we begin, may I have a cup of coffee, please?”",
            f"Line 4 · not found · searched at 11.10–16.24 s; recognized without the script there · “{WRONG}”"]
        # the lanes: each line labelled with its script number and status, the uncertain one
        # filled apart, the lines not found where they were searched, the stretch recognized
        # without the script and the doubtful word
        page.keyboard.press("f")
        labels = dict(page.evaluate(DRAWN))
        assert labels["line 1: Hello there! My name is Bob, and I make mouths move."] == "#dde7f3"
        assert labels["line 3, uncertain (confidence 0.18): Wow. Before we begin, may I have a cup of coffee, please?"] \
            == "#ffe0a3"
        assert labels[f"line 2, not found: {UNSPOKEN}"] == labels[f"line 4, not found: {WRONG}"] == "#f6c6c6"
        assert labels["unscripted: recognized without the script"] == "#e8dcf0"
        assert labels["coffee?"] == "#f4b4a8" and labels["cup"] == "#eee6cf"
        # the line shown under the mouth says it too
        page.evaluate("() => { window.review.media.currentTime = 12.5; }")
        page.wait_for_function("() => document.querySelector('#line').textContent.includes('line 4')")
        assert page.locator("#line").inner_text() == (
            f"sample: line 4, not found: {WRONG} · the mouth here is recognized without the script")
        # a doubtful word says so when selected
        coffee = next(w for w in sheet_from_json(sheet.read_text()).tracks[0].words if w.text == "coffee")
        page.evaluate(f"() => {{ window.review.media.currentTime = {(coffee.start + coffee.end) / 2}; }}")
        page.wait_for_function("() => document.querySelector('#line').textContent.includes('line 3')")
        page.keyboard.press("w")
        assert "confidence 0.00 (doubtful: check it)" in page.locator("#selected").inner_text()
        # N and P go from one line to check to the next, round the end; a click goes to one
        page.keyboard.press("Home")
        starts = [rate.frame_at(4.4), rate.frame_at(5.5), rate.frame_at(11.1)]
        for expected in [*starts, starts[0]]:
            page.keyboard.press("n")
            assert page.evaluate(SHOWN)["frame"] == expected
        assert page.locator("#check-lines li.current").get_attribute("data-line") == "2"
        page.keyboard.press("p")
        assert page.evaluate(SHOWN)["frame"] == starts[2]
        assert page.locator("#check-lines li.current").get_attribute("data-line") == "4"
        items.nth(1).locator("button").click()
        assert page.evaluate(SHOWN)["frame"] == starts[1]
        region = page.evaluate("() => [window.review.region.start, window.review.region.end]")
        assert region == pytest.approx([rate.seconds_at(starts[1]), rate.seconds_at(rate.frame_at(wow.end))])
        # the adapt panel numbers the lines as the script does; the keys are listed
        assert page.locator("#adapt-line option").all_inner_texts() == [
            "1: Hello there! My name is Bob, and I make mouths move.",
            "3: Wow. Before we begin, may I have a cup of coffee, please?"]
        assert "uncertain or not found" in page.locator("#shortcuts").inner_text()
