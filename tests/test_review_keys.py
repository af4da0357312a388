"""The review page with the keyboard alone, in a real browser (headless Chromium through
Playwright): Tab reaches every control and leaves the lanes, keys typed in a text field stay
there, the keypad's digits set shapes, a key that changes nothing says why, and the rows' names
hide nothing on the time axis."""

from __future__ import annotations

from test_review_page import cues_of, opened, sample  # noqa: F401 - fixtures (browser: conftest)

FOCUSED = "() => { const e = document.activeElement; return e.id || (e.closest('#exports') && e.tagName) || e.tagName; }"


def tab_to(page, wanted: str, most: int = 80) -> list[str]:
    """Press Tab until the focused element is ``wanted`` (an id, or SUMMARY / INPUT inside the
    Export on save list): the elements focused on the way, ``wanted`` last."""
    seen: list[str] = []
    for _ in range(most):
        page.keyboard.press("Tab")
        seen.append(page.evaluate(FOCUSED))
        if seen[-1] == wanted:
            return seen
    raise AssertionError(f"Tab never reached {wanted}: {seen}")


def test_tab_reaches_every_control_and_the_lanes_are_one_stop(opened):  # noqa: F811
    page = opened[0]
    assert tab_to(page, "SUMMARY") == ["play", "half", "loop", "undo", "redo", "save", "SUMMARY"]
    page.keyboard.press("Enter")  # opens Export on save
    assert tab_to(page, "INPUT") == ["INPUT"]
    page.keyboard.press("Space")
    assert page.evaluate("() => document.activeElement.checked")
    # the lanes: one stop, with a visible ring, where the editing keys work
    assert tab_to(page, "lanes")[-2:] == ["INPUT", "lanes"]  # the last format, then the lanes: the waveform is no stop
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.press("c")
    page.keyboard.press("]")
    assert page.evaluate("() => window.review.selection") == {"track": 0, "kind": "cue", "index": 1}
    page.keyboard.press("Escape")  # clears the selection, then leaves the lanes
    assert page.evaluate("() => window.review.selection") is None
    page.keyboard.press("Escape")
    assert page.evaluate(FOCUSED) == "BODY"
    # on to the adapt panel's text box: what is typed there is text, no shortcut
    after = tab_to(page, "adapt-text")
    assert "lanes" not in after and after[-3:] == ["adapt-line", "adapt-language", "adapt-text"]
    page.keyboard.type("Hi, Sam. 1 ] ")
    page.keyboard.press("Delete")
    assert page.input_value("#adapt-text") == "Hi, Sam. 1 ] "
    assert page.evaluate("() => [window.review.dirty, window.review.selection, window.review.media.paused]") == [
        False, None, True]
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(FOCUSED) == "adapt-language"


def press_keypad_digit(page, digit: int) -> None:
    """Press ``digit`` on the numeric keypad with Num Lock on, as Chromium gets it from the system
    (Playwright's "Numpad2" is the keypad's key with Num Lock off: ArrowDown)."""
    cdp = page.context.new_cdp_session(page)
    key = {"key": str(digit), "code": f"Numpad{digit}", "windowsVirtualKeyCode": 96 + digit, "location": 3}
    cdp.send("Input.dispatchKeyEvent", {"type": "keyDown", "text": str(digit), **key})
    cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", **key})
    cdp.detach()


def test_a_keypad_digit_sets_the_shape(opened):  # noqa: F811
    page = opened[0]
    shapes = page.evaluate("() => window.review.shapes.map((shape) => shape.name)")
    page.keyboard.press("Home")
    page.keyboard.press("c")
    press_keypad_digit(page, 2)
    assert cues_of(page)[0]["shape"] == shapes[1]


def test_a_nudge_that_cannot_move_says_why(opened):  # noqa: F811
    page = opened[0]
    page.keyboard.press("Home")
    page.keyboard.press("c")
    page.keyboard.press(",")
    assert "The cue's start cannot move a frame earlier: it is the sheet's first frame." in page.locator("#notice").inner_text()
    page.keyboard.press("]")  # cue 1, shrunk to one frame by its end
    for _ in range(cues_of(page)[1]["length"] - 1):
        page.keyboard.press("<")
    assert cues_of(page)[1]["length"] == 1
    page.keyboard.press("[")
    before = cues_of(page)
    page.keyboard.press(">")
    assert cues_of(page) == before
    refusals = page.locator("#notice div.warning")
    assert refusals.count() == 1  # each refusal replaces the one before
    assert refusals.inner_text() == ("The cue's end cannot move a frame later: the next cue is one frame long, "
                                     "and a cue keeps at least one (merge or delete it instead).")


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
