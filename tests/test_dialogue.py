"""Reading dialogue scripts (lipsync.dialogue)."""

from __future__ import annotations

import codecs

import pytest

from lipsync.dialogue import Line, read_script, words_of
from lipsync.errors import ScriptError


def write(tmp_path, data: bytes | str, name: str = "script.txt"):
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def test_one_line_of_dialogue_per_line_blank_lines_skipped(tmp_path):
    path = write(tmp_path, "Hello there!\n\n   \nHow are you?\r\n\t\nFine, thanks.\n")
    lines = read_script(path)
    assert [line.text for line in lines] == ["Hello there!", "How are you?", "Fine, thanks."]
    # line numbers are those of the file, for messages
    assert [line.number for line in lines] == [1, 4, 6]
    assert all(line.speaker is None for line in lines)


def test_speaker_prefixes(tmp_path):
    path = write(tmp_path, "BOB: Hello there!\nAlice Smith:   Hi, Bob.\nNo speaker here.\nMeet me at 10:30 sharp.\n")
    lines = read_script(path)
    assert lines[0] == Line("Hello there!", "BOB", number=1)
    assert lines[1] == Line("Hi, Bob.", "Alice Smith", number=2)
    assert lines[2].speaker is None and lines[2].text == "No speaker here."
    # a time is not a speaker
    assert lines[3].speaker is None and lines[3].text == "Meet me at 10:30 sharp."
    assert words_of(lines[3].text) == ("Meet", "me", "at", "10", "30", "sharp")


def test_numbered_lines_are_not_speakers(tmp_path):
    lines = read_script(write(tmp_path, "12: The twelfth line.\n"))
    assert lines[0].speaker is None
    assert "twelfth" in words_of(lines[0].text)


def test_stage_directions_are_dropped_from_the_words():
    assert words_of("Hi, [laughs] it's 42!") == ("Hi", "it's", "42")
    assert words_of("(sighs) Well... {beat} <music> okay.") == ("Well", "okay")
    assert words_of("[laughs]") == ()
    assert words_of("Don’t go") == ("Don't", "go")
    assert words_of("Ça va, très bien") == ("Ça", "va", "très", "bien")


def test_directions_stay_in_the_line_text(tmp_path):
    lines = read_script(write(tmp_path, "BOB: [laughs] Stop it!\n"))
    assert lines[0].text == "[laughs] Stop it!"
    assert words_of(lines[0].text) == ("Stop", "it")


def test_utf8_bom_is_removed(tmp_path):
    path = write(tmp_path, codecs.BOM_UTF8 + "BOB: Héllo!\nSecond.\n".encode("utf-8"))
    lines = read_script(path)
    assert lines[0].speaker == "BOB"
    assert lines[0].text == "Héllo!"
    assert not any("\ufeff" in line.text or "\ufeff" in (line.speaker or "") for line in lines)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom(tmp_path, encoding):
    bom = codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE
    path = write(tmp_path, bom + "ANNA: Grüß dich!\n\nこんにちは\n".encode(encoding))
    lines = read_script(path)
    assert lines == (Line("Grüß dich!", "ANNA", number=1), Line("こんにちは", number=3))


def test_invalid_utf8_names_the_line(tmp_path):
    path = write(tmp_path, b"First line.\nSecond line.\nThird \xe9t\xe9 line.\n")
    with pytest.raises(ScriptError) as caught:
        read_script(path)
    assert "line 3" in caught.value.message
    assert "UTF-8" in caught.value.message
    assert caught.value.hint


@pytest.mark.parametrize("content", ["", "\n\n", "   \n\t\n  ", "[laughs]\n(sighs)\n", "...!?\n"])
def test_a_script_without_words_is_an_error_with_a_hint(tmp_path, content):
    with pytest.raises(ScriptError) as caught:
        read_script(write(tmp_path, content))
    assert "no words" in caught.value.message
    assert "--script" in caught.value.hint


def test_missing_script_is_an_error(tmp_path):
    with pytest.raises(ScriptError) as caught:
        read_script(tmp_path / "nope.txt")
    assert "nope.txt" in caught.value.message
    assert caught.value.hint
    with pytest.raises(ScriptError):
        read_script(tmp_path)  # a folder
