"""Dialogue script formats (lipsync.scripts): text, SRT, WebVTT, ASS/SSA, CSV/TSV; encodings and
malformed input."""

from __future__ import annotations

import codecs

import pytest

from lipsync.dialogue import Line, read_script
from lipsync.errors import ScriptError
from lipsync.scripts import parse_columns, parse_script, script_format

SRT = """1
00:00:01,000 --> 00:00:02,500
BOB: <i>Hello</i> there!

2
00:00:03,000 --> 00:00:05,250
- Watch out,
- the bridge!

3
00:00:06.000 --> 00:00:07,000
♪

4
00:00:08,000 --> 00:00:09,000
[laughs]
"""

VTT = """WEBVTT - episode 1

NOTE written by hand

intro
00:01.000 --> 00:02.500 align:start position:10%
<v Anna>Hola, ¿qué tal?</v>

00:00:03.000 --> 00:00:04.000
<v.loud Bob>Muy bien.
"""

ASS = """[Script Info]
Title: Episode 1
ScriptType: v4.00+

[V4+ Styles]
Format: Name, Fontname, Fontsize
Style: Default,Arial,20

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:01.00,0:00:03.50,Default,BOB,0,0,0,,{\\i1}Hello,{\\i0} there\\Nmy friend
Comment: 0,0:00:02.00,0:00:03.00,Default,BOB,0,0,0,,not dialogue
Dialogue: 0,0:00:04.00,0:00:05.00,Default,,0,0,0,,{\\pos(10,10)}ANNA: Hi, Bob.
"""


def write(tmp_path, name: str, data: str | bytes):
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def test_format_from_extension_or_option(tmp_path):
    assert script_format("a.SRT") == "srt" and script_format("a.ssa") == "ass"
    assert script_format("a.vtt") == "vtt" and script_format("a.tsv") == "tsv"
    assert script_format("a.txt") == "text" and script_format("a.script") == "text"
    assert script_format("a.txt", "SubRip") == "srt"
    with pytest.raises(ScriptError) as caught:
        script_format("a.txt", "docx")
    assert "docx" in caught.value.message and "srt" in caught.value.hint


def test_plain_text_character_headings_name_the_speaker_of_the_lines_below(tmp_path):
    script = "BOB:\nHello there.\nNice day.\n\nANNA:\nMy name is Anna.\nBOB: Hi Anna.\nBye now.\n"
    lines = read_script(write(tmp_path, "ep.txt", script))
    assert lines == (Line("Hello there.", "BOB", number=2), Line("Nice day.", "BOB", number=3),
                     Line("My name is Anna.", "ANNA", number=6), Line("Hi Anna.", "BOB", number=7),
                     Line("Bye now.", "ANNA", number=8))
    # a sentence that ends in a colon is dialogue, not a heading
    assert read_script(write(tmp_path, "b.txt", "Listen to me:\nGo.\n"))[0] == Line("Listen to me:", number=1)


def test_srt(tmp_path):
    lines = read_script(write(tmp_path, "ep.srt", SRT))
    assert lines[0] == Line("Hello there!", "BOB", 1.0, 2.5, 3)
    assert lines[1] == Line("Watch out, the bridge!", None, 3.0, 5.25, 7)
    # music notes and directions are kept as lines (the aligner lists them in a warning)
    assert lines[2].text == "♪" and lines[2].start == 6.0
    assert lines[3].text == "[laughs]"


def test_srt_lenient_where_a_person_would_be():
    text = "\n\n00:00:01,5 --> 00:00:02,000\nNo number.\n\n7\n00:02,000 --> 00:03,000\nNo hours,\n\nsplit by a blank.\n\n8\n00:00:04,000 --> 00:00:05,000\n\n"
    lines = parse_script(text, "srt", "x.srt")
    assert [(l.text, l.start, l.end) for l in lines] == [("No number.", 1.5, 2.0),
                                                         ("No hours, split by a blank.", 2.0, 3.0)]


@pytest.mark.parametrize("text, line, reason", [
    ("1\n00:00:01,000 --> 00:00:xx,000\nHi\n", 2, "bad timestamp"),
    ("1\n00:00:05,000 --> 00:00:01,000\nHi\n", 2, "ends before it starts"),
    ("1\n00:00:01,000 => 00:00:02,000\nHi\n", 1, "expected a cue"),
    ("1\n00:00:01,000 --> 00:00:02,000\nHi\n\n2\n00:00:61,000 --> 00:01:02,000\nHo\n", 6, "bad timestamp"),
])
def test_malformed_srt_names_file_line_and_reason(text, line, reason):
    with pytest.raises(ScriptError) as caught:
        parse_script(text, "srt", "ep01.srt")
    assert caught.value.message.startswith(f"ep01.srt: line {line}: "), caught.value.message
    assert reason in caught.value.message
    assert caught.value.hint


def test_webvtt_voices_settings_and_notes():
    lines = parse_script(VTT, "vtt", "ep.vtt")
    assert lines == (Line("Hola, ¿qué tal?", "Anna", 1.0, 2.5, 7), Line("Muy bien.", "Bob", 3.0, 4.0, 10))
    with pytest.raises(ScriptError) as caught:
        parse_script("00:01.000 --> 00:02.000\nHi\n", "vtt", "ep.vtt")
    assert "WEBVTT" in caught.value.message


def test_ass_speaker_from_name_and_tags_stripped():
    lines = parse_script(ASS, "ass", "ep.ass")
    assert lines[0] == Line("Hello, there my friend", "BOB", 1.0, 3.5, 11)
    assert lines[1] == Line("Hi, Bob.", "ANNA", 4.0, 5.0, 13)  # no Name: the prefix names the speaker
    assert len(lines) == 2  # the Comment event is not dialogue


@pytest.mark.parametrize("event, reason", [
    ("Dialogue: 0,0:00:01.00,0:00:03.50,Default", "fields"),
    ("Dialogue: 0,0:00:0x.00,0:00:03.50,Default,BOB,0,0,0,,Hi", "bad timestamp"),
    ("Dialogue: 0,0:00:04.00,0:00:03.50,Default,BOB,0,0,0,,Hi", "ends before it starts"),
])
def test_malformed_ass(event, reason):
    text = "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n" + event + "\n"
    with pytest.raises(ScriptError) as caught:
        parse_script(text, "ass", "ep.ass")
    assert caught.value.message.startswith("ep.ass: line 3: ") and reason in caught.value.message


def test_ass_without_events_or_format_line():
    with pytest.raises(ScriptError) as caught:
        parse_script("[Script Info]\nTitle: x\n", "ass", "ep.ass")
    assert "[Events]" in caught.value.message
    # no Format line: the standard v4+ order
    lines = parse_script("[Events]\nDialogue: 0,0:00:01.00,0:00:02.00,Default,BOB,0,0,0,,Hi, you\n", "ass", "e.ass")
    assert lines == (Line("Hi, you", "BOB", 1.0, 2.0, 2),)


def test_csv_dub_script_with_timecodes_and_semicolons(tmp_path):
    text = "Character;Dialogue;TC In;TC Out\nBOB;Salut, toi;00:00:01:12;00:00:02:00\n;;;\nANNA;\"Oui,\nmerci\";;\n"
    lines = read_script(write(tmp_path, "ep.csv", text), fps=24)
    assert lines == (Line("Salut, toi", "BOB", 1.5, 2.0, 2), Line("Oui, merci", "ANNA", None, None, 4))


def test_tsv_with_configured_columns_and_seconds(tmp_path):
    text = "Rolle\tDialog\tVon\tBis\tNotiz\nHANS\tGuten Tag!\t1.25\t2.5\tlaut\n"
    columns = parse_columns("speaker=Rolle,text=Dialog,start=Von,end=Bis")
    assert columns == {"speaker": "Rolle", "text": "Dialog", "start": "Von", "end": "Bis"}
    lines = read_script(write(tmp_path, "ep.tsv", text), columns=columns)
    assert lines == (Line("Guten Tag!", "HANS", 1.25, 2.5, 2),)


def test_table_errors(tmp_path):
    with pytest.raises(ScriptError) as caught:
        read_script(write(tmp_path, "a.csv", "Who,What\nBOB,Hi\n"))
    assert "no dialogue column" in caught.value.message and "--columns" in caught.value.hint
    with pytest.raises(ScriptError) as caught:
        read_script(write(tmp_path, "b.csv", "Character,Text,Start\nBOB,Hi,12:xx\n"))
    assert "b.csv: line 2: start column" in caught.value.message
    with pytest.raises(ScriptError) as caught:
        read_script(write(tmp_path, "c.csv", "Character,Text\nBOB,Hi\n"), columns={"text": "Line"})
    assert "no column named 'Line'" in caught.value.message
    with pytest.raises(ScriptError):
        parse_columns("colour=Red")


@pytest.mark.parametrize("encoding, bom", [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE),
                                           ("utf-16-le", b""), ("utf-16-be", b""), ("utf-32-le", codecs.BOM_UTF32_LE)])
def test_utf16_and_utf32_scripts(tmp_path, encoding, bom):
    path = write(tmp_path, "ep.srt", bom + SRT.encode(encoding))
    assert read_script(path)[0] == Line("Hello there!", "BOB", 1.0, 2.5, 3)


def test_undecodable_bytes_name_the_line(tmp_path):
    path = write(tmp_path, "ep.srt", SRT.encode("utf-8").replace(b"Watch", b"W\xe4tch"))
    with pytest.raises(ScriptError) as caught:
        read_script(path)
    assert "line 7" in caught.value.message and "UTF-8" in caught.value.message


def test_a_script_of_only_music_and_effects_is_an_error(tmp_path):
    path = write(tmp_path, "ep.srt", "1\n00:00:01,000 --> 00:00:02,000\n♪ ♪\n\n2\n00:00:03,000 --> 00:00:04,000\n[door slams]\n")
    with pytest.raises(ScriptError) as caught:
        read_script(path)
    assert "no words" in caught.value.message
