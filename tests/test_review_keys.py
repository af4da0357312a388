"""The review page's lanes in a real browser (headless Chromium through Playwright): the rows'
names hide nothing on the time axis."""

from __future__ import annotations

from test_review_page import opened, sample  # noqa: F401 - fixtures (browser: conftest)


# Each text the lanes write, with its x and width (recorded from the canvas while they draw).
WRITTEN = """() => {
  const context = window.review.lanes.context, written = [];
  context.fillText = function (text, x, y) { written.push([text, x, this.measureText(text).width]); return CanvasRenderingContext2D.prototype.fillText.call(this, text, x, y); };
  window.review.lanes.draw();
  delete context.fillText;
  return written;
}"""


def test_the_rows_names_stand_left_of_the_time_axis(opened):  # noqa: F811
    page = opened[0]
    page.evaluate("() => window.review.ws.setScrollTime(0)")
    page.wait_for_timeout(100)
    labels = page.evaluate("() => window.review.lanes.labels")
    written = page.evaluate(WRITTEN)
    names = [(text, x, width) for text, x, width in written if text.startswith("sample · ")]
    assert [text for text, _, _ in names] == ["sample · lines", "sample · words", "sample · phones", "sample · cues"]
    assert all(x + width <= labels for _, x, width in names)
    hello = [x for text, x, _ in written if text == "Hello"]
    assert hello and hello[0] >= labels  # the first word, right of the names
    # the waveform's time axis starts where the lanes' does
    waveform, lanes = page.locator("#waveform").bounding_box(), page.locator("#lanes").bounding_box()
    assert abs(waveform["x"] - (lanes["x"] + labels)) < 1
