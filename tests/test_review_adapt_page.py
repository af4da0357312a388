"""The review page's adapt panel in a real browser (headless Chromium through Playwright): typing
a candidate dub line shows its score and predicted flaps."""

from __future__ import annotations

import time

from test_review_page import opened, sample  # noqa: F401 - fixtures (browser: conftest)


def test_typing_a_candidate_shows_its_score_and_flaps(opened):  # noqa: F811
    page = opened[0]
    assert page.locator("#adapt").is_visible()
    assert page.locator("#adapt-line option").count() == 3
    page.fill("#adapt-language", "en")
    page.locator("#adapt-text").press_sequentially("Hello there! My name is Bob, and I make mouths move.")
    typed = time.perf_counter()
    page.wait_for_selector("#adapt-result[data-score]", timeout=5000)
    shown = page.locator("#adapt-result").get_attribute("data-score")
    first = float(shown)
    # 250 ms after the last key plus the server's answer (well under 1 s on an idle machine; the
    # bound allows for a loaded one: test_review_adapt.py bounds the server's work)
    assert time.perf_counter() - typed < 3.0
    assert page.locator("#adapt-flaps polygon.original").count() == 1
    assert page.locator("#adapt-flaps polyline.candidate").count() == 1
    # typing updates it: a line far too short for the flaps scores lower and says why (waited for
    # as the page wrote the first score: "86" is not "86.0")
    page.fill("#adapt-text", "Yes.")
    page.wait_for_function(f"() => document.querySelector('#adapt-result').dataset.score !== '{shown}'",
                           timeout=5000)
    assert float(page.locator("#adapt-result").get_attribute("data-score")) < first
    assert "cannot fit" in page.locator("#adapt-advice").inner_text()
    # keys typed in the panel edit its text, not the sheet
    assert page.evaluate("() => window.review.dirty") is False
