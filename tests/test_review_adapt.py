"""The review page's adapt panel: a candidate dub line typed for one of the sheet's lines is
scored from its text alone by the server (api/adapt) and its predicted flaps drawn, in a real
browser (headless Chromium through Playwright) and through the endpoint."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from lipsync.errors import OptionError
from lipsync.review.session import ReviewSession
from review_helpers import sample_sheet, serving

PORT = 8795


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    return sample_sheet(tmp_path_factory.mktemp("adapt-review"))


def test_the_session_scores_a_candidate_for_a_line_of_the_sheet(sample):
    session = ReviewSession(sample)
    track = session.sheet.tracks[0].name
    same = session.adapt(track, 1, "Hello there! My name is Bob, and I make mouths move.", "en")
    other = session.adapt(track, 1, "Yes.", "en")
    assert same["line"] == 1 and same["score"] > other["score"]
    assert same["words"][0]["text"] == "Hello" and len(same["openness_original"]) == len(same["openness_candidate"])
    assert not other["fits_rate"] and "cannot fit" in other["advice"]
    with pytest.raises(OptionError, match="line 9 does not exist"):
        session.adapt(track, 9, "Hola", "es")


def test_the_endpoint_answers_json_and_one_line_errors(sample):
    import http.client

    with serving(ReviewSession(sample), PORT) as server:
        track = server.session.sheet.tracks[0].name

        def post(body: dict) -> tuple[int, dict]:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            connection.request("POST", f"/{server.token}/api/adapt", body=json.dumps(body).encode(),
                               headers={"Host": f"127.0.0.1:{server.port}", "Content-Type": "application/json",
                                        "Origin": f"http://127.0.0.1:{server.port}"})
            response = connection.getresponse()
            data = json.loads(response.read())
            connection.close()
            return response.status, data

        status, data = post({"track": track, "line": 2, "text": "Vaya. Antes de empezar, ¿me das un café?",
                             "language": "es"})
        assert status == 200 and data["rank"] == 1 and 0 <= data["score"] <= 100
        status, data = post({"track": track, "line": 2, "text": "hola", "language": "klingon"})
        assert status == 422 and "klingon" in data["error"]
        status, data = post({"track": track, "line": 2, "text": "  ", "language": "es"})
        assert status == 422 and "empty" in data["error"]


def test_typing_a_candidate_shows_its_score_and_flaps_within_a_second(sample, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    from test_review_page import CHROMIUM_ARGS, _chromium

    for name in ("sample.json", "sample.flac"):
        shutil.copy(sample.parent / name, tmp_path / name)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        with serving(ReviewSession(tmp_path / "sample.json"), PORT) as server:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(server.url)
            page.wait_for_selector("body[data-ready=true]", timeout=15000)
            assert page.locator("#adapt").is_visible()
            assert page.locator("#adapt-line option").count() == 3
            page.fill("#adapt-language", "en")
            page.locator("#adapt-text").press_sequentially("Hello there! My name is Bob, and I make mouths move.")
            typed = time.perf_counter()
            page.wait_for_selector("#adapt-result[data-score]", timeout=5000)
            first = float(page.locator("#adapt-result").get_attribute("data-score"))
            assert time.perf_counter() - typed < 1.0
            assert page.locator("#adapt-flaps polygon.original").count() == 1
            assert page.locator("#adapt-flaps polyline.candidate").count() == 1
            # typing updates it: a line far too short for the flaps scores lower and says why
            page.fill("#adapt-text", "Yes.")
            page.wait_for_function(f"() => document.querySelector('#adapt-result').dataset.score !== '{first}'",
                                   timeout=5000)
            assert float(page.locator("#adapt-result").get_attribute("data-score")) < first
            assert "cannot fit" in page.locator("#adapt-advice").inner_text()
            # typing a shortcut key in the panel edits the text, not the sheet
            assert page.evaluate("() => window.review.dirty") is False
            page.close()
        browser.close()
    assert not errors
