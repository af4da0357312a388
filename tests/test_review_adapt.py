"""The review page's adapt panel on the server: a candidate dub line for one of the sheet's lines
scored from its text alone (ReviewSession.adapt, api/adapt). The page itself is tested in
test_review_adapt_page.py."""

from __future__ import annotations

import json
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
    import time

    session = ReviewSession(sample)
    track = session.sheet.tracks[0].name
    session.adapt(track, 1, "Hello", "en")  # languages and presets are looked up once
    started = time.process_time()
    same = session.adapt(track, 1, "Hello there! My name is Bob, and I make mouths move.", "en")
    # the page asks 250 ms after the last key: the answer must leave room within a second
    assert time.process_time() - started < 0.25
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
