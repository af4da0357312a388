"""The rhythmo band in the review page: the api route serves lipsync.rhythmo's band of the dub
(``lipsync review SHEET --rythmo dub.txt``, or the adapt panel's candidate), and the page, in
headless Chromium, has under its reading line the word the band data says at each frame."""

from __future__ import annotations

import http.client
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from lipsync.cli import main
from lipsync.dialogue import Line, read_script
from lipsync.review.session import ReviewSession
from lipsync.rhythmo import band_from_script
from lipsync.sheet import sheet_from_json
from review_helpers import sample_sheet, serving

PORT = 8750
DUB = ("¡Hola! Me llamo Bob y muevo bocas.\n"
       "Vaya. Antes de empezar, ¿me das un café, por favor?\n"
       "Claro. Mira mis labios: marionetas, burbujas y un gran globo azul.\n")


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """The sample's sheet with a Spanish dub script beside it (dub.txt, one line per line)."""
    sheet = sample_sheet(tmp_path_factory.mktemp("band"))
    (sheet.parent / "dub.txt").write_text(DUB, encoding="utf-8")
    return sheet


def request(server, path: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    headers = {"Host": f"127.0.0.1:{server.port}"}
    if body is not None:
        headers |= {"Content-Type": "application/json", "Origin": f"http://127.0.0.1:{server.port}"}
    connection.request("GET" if body is None else "POST", f"/{token or server.token}/{path}",
                       body=None if body is None else json.dumps(body).encode(), headers=headers)
    response = connection.getresponse()
    data = json.loads(response.read())
    connection.close()
    return response.status, data


def as_rows(band) -> tuple[list, list, list]:
    """A band's lanes, words and marks as the JSON has them."""
    return (list(band.lanes), [[w.frame, w.end, w.text, w.lane] for w in band.words],
            [[m.frame, m.end, m.lane, m.kind] for m in band.marks])


def json_rows(data: dict) -> tuple[list, list, list]:
    return (data["lanes"], [[w["frame"], w["end"], w["text"], w["lane"]] for w in data["words"]],
            [[m["frame"], m["end"], m["lane"], m["kind"]] for m in data["marks"]])


def test_the_route_serves_the_band_of_the_dub_script(sample):
    sheet = sheet_from_json(sample.read_text())
    expected = band_from_script(sheet, read_script(str(sample.parent / "dub.txt")), "es")
    with serving(ReviewSession(sample, rythmo=sample.parent / "dub.txt", language="es"), PORT) as server:
        status, data = request(server, "api/rhythmo")
        assert status == 200
        band = data["band"]
        assert json_rows(band) == as_rows(expected)
        assert band["frames"] == expected.frames and band["source"] == "dub.txt"
        assert band["rate"] == {"num": 24, "den": 1, "text": "24"} and 0 < band["reading_line"] < 1
        assert [w["text"] for w in band["words"]][:3] == ["Hola", "Me", "llamo"]
        assert {m["kind"] for m in band["marks"]} == {"dub", "picture"}
        # the server's rules stay: no token, no band
        status, data = request(server, "api/rhythmo", token="wrong")
        assert status == 403 and "band" not in data


def test_the_route_serves_a_candidate_lines_band_and_one_line_errors(sample):
    sheet = sheet_from_json(sample.read_text())
    track, spoken = sheet.tracks[0].name, sheet.tracks[0].lines[1]
    text = "Vaya. Antes de empezar, ¿me das un café?"
    candidate = Line(text, track, sheet.rate.seconds_at(spoken.frame), sheet.rate.seconds_at(spoken.frame + spoken.length))
    expected = band_from_script(sheet, [candidate], "es")
    with serving(ReviewSession(sample), PORT) as server:
        assert request(server, "api/rhythmo") == (200, {"band": None})   # no --rythmo: no band
        status, data = request(server, "api/rhythmo", {"track": track, "line": 2, "text": text, "language": "es"})
        assert status == 200 and json_rows(data["band"]) == as_rows(expected)
        words = data["band"]["words"]
        assert len(words) == len(text.split()) and words[0]["text"] == "Vaya"
        assert spoken.frame <= words[0]["frame"] and words[-1]["end"] <= spoken.frame + spoken.length + 2
        status, data = request(server, "api/rhythmo", {"track": track, "line": 9, "text": text, "language": "es"})
        assert status == 422 and "no line 9" in data["error"]
        status, data = request(server, "api/rhythmo", {"track": track, "line": 2, "text": "hola", "language": "klingon"})
        assert status == 422 and "klingon" in data["error"]


def test_review_refuses_a_missing_dub_in_one_line(sample):
    result = CliRunner().invoke(main, ["review", str(sample), "--rythmo", str(sample.parent / "none.srt"), "--no-browser"])
    assert result.exit_code != 0 and "none.srt" in result.output and "Traceback" not in result.output


UNDER_READING_LINE = """() => new Promise((resolve) => requestAnimationFrame(() => {
  const line = document.querySelector('#rhythmo-view .reading-line').getBoundingClientRect();
  const row = document.querySelector('#rhythmo-view .word').getBoundingClientRect();
  const hit = document.elementFromPoint(line.left + line.width / 2, row.top + row.height / 2);
  const word = hit && hit.closest('.word');
  resolve({frame: Number(document.querySelector('figure.mouth').dataset.frame),
           word: word ? word.textContent : null});
}))"""


def test_the_word_under_the_reading_line_is_the_bands_at_the_audio_clocks_frame(browser, sample, tmp_path):
    for name in ("sample.json", "sample.flac", "dub.txt"):
        shutil.copy(sample.parent / name, tmp_path / name)
    sheet = sheet_from_json((tmp_path / "sample.json").read_text())
    band = band_from_script(sheet, read_script(str(tmp_path / "dub.txt")), "es")
    session = ReviewSession(tmp_path / "sample.json", rythmo=tmp_path / "dub.txt", language="es")
    with serving(session, PORT + 1) as server:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(server.url)
        page.wait_for_selector("body[data-ready=true]", timeout=15000)
        page.wait_for_selector("#rhythmo-view .word", timeout=5000)
        assert page.locator("#rhythmo-view .word").count() == len(band.words)
        said = {f: w.text for w in band.words for f in range(w.frame, w.end)}
        # the middle of some words, the first and last frame of one, and a frame between lines
        frames = [(w.frame + w.end) // 2 for w in band.words[::4]]
        frames += [band.words[5].frame, band.words[5].end - 1, band.words[0].frame - 3]
        assert frames[-1] not in said
        times = [sheet.rate.seconds_at(frame) + 1e-4 for frame in frames]
        # and the last half millisecond before a word: its frame is still the one before the word
        first = band.words[0].frame
        frames.append(first - 1)
        times.append(sheet.rate.seconds_at(first) - 5e-4)
        for frame, time in zip(frames, times):
            page.evaluate("(t) => { document.querySelector('audio').currentTime = t; }", time)
            page.wait_for_function(f"() => document.querySelector('figure.mouth').dataset.frame === '{frame}'",
                                   timeout=5000)
            shown = page.evaluate(UNDER_READING_LINE)
            assert shown == {"frame": frame, "word": said.get(frame)}
        # playing, it scrolls with the audio clock: whatever frame is shown, its word is under the line
        page.keyboard.press("Home")
        page.keyboard.press("Space")
        for _ in range(6):
            page.wait_for_timeout(150)
            shown = page.evaluate(UNDER_READING_LINE)
            assert shown["word"] == said.get(shown["frame"]), shown
        page.keyboard.press("Space")
        # the adapt panel's candidate replaces it, then the dub script comes back
        page.fill("#adapt-language", "es")
        page.fill("#adapt-text", "Hola, soy Bob")
        page.click("#adapt-band")
        page.wait_for_function("() => document.querySelectorAll('#rhythmo-view .word').length === 3", timeout=10000)
        assert page.locator("#rhythmo-source").inner_text() == "candidate for line 1"
        page.click("#rhythmo-script")
        assert page.locator("#rhythmo-view .word").count() == len(band.words)
        page.close()
        assert not errors
