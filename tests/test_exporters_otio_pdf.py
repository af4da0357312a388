"""Tests of the editorial exports (OTIO, EDL, FCP 7 XML) and the printable X-sheet (PDF, SVG)."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import soundfile

from lipsync.errors import MissingToolError, OptionError
from lipsync.exporters import ExportOptions, exporter_for_path, exporter_named
from lipsync.exporters import xsheet_pdf
from lipsync.sheet import Cue, Sheet, SheetLine, Source, Track, Word
from lipsync.timing import FrameRate, format_timecode, is_drop_frame, parse_timecode
from shape_sets import RHUBARB

otio = pytest.importorskip("opentimelineio")

COLORS = {0: "RED", 1: "YELLOW", 2: "GREEN"}
DURATION = 300  # 12.5 s at 24: three 144-frame anime pages, four 96-frame western pages
JAPANESE = "こんにちは、世界"
ENGLISH = "Hello there, how are you?"


def contiguous(pattern: list[tuple[int, str]], frames: int) -> tuple[Cue, ...]:
    """Cues of the given (length, shape) pattern, repeated until ``frames``."""
    cues, frame, index = [], 0, 0
    while frame < frames:
        length, shape = pattern[index % len(pattern)]
        length = min(length, frames - frame)
        cues.append(Cue(frame, length, shape))
        frame += length
        index += 1
    return tuple(cues)


AKI = Track(
    "Aki",
    contiguous([(6, "X"), (2, "A"), (3, "C"), (2, "B"), (4, "D"), (1, "E"), (2, "F"), (5, "G")], DURATION),
    (SheetLine(10, 20, JAPANESE), SheetLine(150, 12, "元気")),
    (Word(10 / 24, 20 / 24, "こんにちは"), Word(20 / 24, 30 / 24, "世界")),
)
BEN = Track(
    "Ben",
    contiguous([(12, "X"), (2, "G"), (3, "H"), (2, "A"), (6, "C")], DURATION - 40),  # ends early
    (SheetLine(60, 40, ENGLISH),),
    (Word(60 / 24, 70 / 24, "Hello"), Word(70 / 24, 80 / 24, "there")),
)


def make_sheet(rate: str = "24", start: str | None = "01:00:00:00", tracks: tuple[Track, ...] = (AKI, BEN),
               path: str | None = "voice/take3.wav") -> Sheet:
    return Sheet(FrameRate.parse(rate), DURATION, tracks, RHUBARB, Source(path, DURATION / 24), start)


RATES = [("24", "01:00:00:00"), ("24000/1001", "01:00:00:00"), ("30000/1001", "01:00:00;00")]


def write(name: str, sheet: Sheet, **extra: str) -> bytes:
    return exporter_named(name).write(sheet, ExportOptions(extra=extra))


def mouth_and_lines(clip) -> tuple[list, list]:  # noqa: ANN001 - an otio Clip
    mouths = [m for m in clip.markers if m.color != "BLUE"]
    lines = [m for m in clip.markers if m.color == "BLUE"]
    return mouths, lines


# --- OpenTimelineIO --------------------------------------------------------------------------

def test_registry_finds_the_new_formats_by_name_and_extension():
    assert exporter_for_path("cut.otio").name == "otio"
    assert exporter_for_path("cut.edl").name == "edl"
    assert exporter_for_path("cut.pdf").name == "pdf"
    assert exporter_for_path("cut.svg").name == "svg"
    # FCP 7 XML is .xml, which stays Rhubarb's: it is chosen by name only.
    assert exporter_named("fcp-xml").extensions == ()
    assert exporter_for_path("cut.xml").name == "xml"


@pytest.mark.parametrize("rate, start", RATES)
def test_otio_has_a_marker_per_mouth_change_and_line_at_the_cue_frames(rate, start):
    sheet = make_sheet(rate, start)
    timeline = otio.adapters.read_from_string(write("otio", sheet).decode("utf-8"), "otio_json")
    assert timeline.name == "take3"
    assert [track.name for track in timeline.tracks] == ["Aki", "Ben"]
    for otio_track, track in zip(timeline.tracks, sheet.tracks):
        (clip,) = list(otio_track)
        assert clip.source_range.duration.value == DURATION
        assert clip.media_reference.target_url == "voice/take3.wav"
        mouths, lines = mouth_and_lines(clip)
        assert len(clip.markers) == len(track.cues) + len(track.lines)
        for marker, cue in zip(mouths, track.cues):
            info = RHUBARB.info(cue.shape)
            assert marker.marked_range.start_time.rate == float(Fraction(rate))
            assert (marker.marked_range.start_time.value, marker.marked_range.duration.value) == (
                cue.frame, cue.length)
            assert marker.name == cue.shape
            assert marker.color == COLORS[info.openness]
            assert dict(marker.metadata["lipsync"]) == {"shape": cue.shape, "drawing": info.drawing,
                                                        "track": track.name}
        assert [(m.marked_range.start_time.value, m.marked_range.duration.value, m.name) for m in lines] == [
            (line.frame, line.length, line.text) for line in track.lines]
        assert [dict(m.metadata["lipsync"]) for m in lines] == [
            {"speaker": track.name, "text": line.text} for line in track.lines]


def test_otio_global_start_is_the_start_timecode_at_the_exact_rate():
    ntsc = otio.adapters.read_from_string(write("otio", make_sheet("23.976")).decode(), "otio_json")
    assert ntsc.global_start_time.value == 86400
    assert ntsc.global_start_time.rate == float(Fraction(24000, 1001))
    assert otio.opentime.to_timecode(ntsc.global_start_time, ntsc.global_start_time.rate) == "01:00:00:00"
    assert ntsc.global_start_time.to_seconds() == pytest.approx(3603.6)

    drop = otio.adapters.read_from_string(write("otio", make_sheet("29.97", "01:00:00;00")).decode(),
                                          "otio_json")
    assert drop.global_start_time.value == 107892
    assert otio.opentime.to_timecode(drop.global_start_time, drop.global_start_time.rate) == "01:00:00;00"

    zero = otio.adapters.read_from_string(write("otio", make_sheet("24", None)).decode(), "otio_json")
    assert zero.global_start_time.value == 0


@pytest.mark.parametrize("start, timecode", [
    ("01:00:00;00", "01:00:00;00"), ("01:00:00:00", "01:00:00:00"), (None, "00:00:00;00")])
def test_otio_metadata_has_the_start_timecode_drop_frame_as_the_sheet_is(start, timecode):
    """OTIO times carry no drop-frame flag: the metadata's start timecode says it."""
    timeline = otio.adapters.read_from_string(write("otio", make_sheet("30000/1001", start)).decode(), "otio_json")
    assert timeline.metadata["lipsync"]["start_timecode"] == timecode
    assert timeline.global_start_time.value == parse_timecode(timecode, FrameRate.parse("29.97"))


def test_otio_without_opentimelineio_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "opentimelineio", None)
    with pytest.raises(MissingToolError) as caught:
        write("otio", make_sheet())
    assert "pip install opentimelineio" in caught.value.hint


def edl_locators(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("* LOC:")]


# 29.97 also with a start timecode written non-drop, and with none (drop-frame)
@pytest.mark.parametrize("rate, start", RATES + [("30000/1001", "01:00:00:00"), ("30000/1001", None)])
def test_edl_has_a_locator_per_mouth_change_and_line_at_record_timecode(rate, start):
    pytest.importorskip("otio_cmx3600_adapter")
    sheet = make_sheet(rate, start)
    text = write("edl", sheet).decode("utf-8")
    first = parse_timecode(start, sheet.rate) if start else 0
    drop = is_drop_frame(start, sheet.rate)
    expected = [f"* LOC: {format_timecode(first + cue.frame, sheet.rate, drop)} "
                f"{COLORS[RHUBARB.info(cue.shape).openness]:7} {cue.shape}" for cue in AKI.cues]
    expected += [f"* LOC: {format_timecode(first + line.frame, sheet.rate, drop)} BLUE    {line.text}"
                 for line in AKI.lines]
    assert edl_locators(text) == expected
    event = next(line for line in text.splitlines() if line.startswith("001 "))
    assert event.split()[-2:] == [format_timecode(first, sheet.rate, drop),
                                  format_timecode(first + DURATION, sheet.rate, drop)]
    assert text.splitlines()[1] == ("FCM: DROP FRAME" if drop else "FCM: NON-DROP FRAME")


@pytest.mark.parametrize("start, fcm, timecodes", [
    ("01:00:00;00", "DROP FRAME", ("01:00:00;00", "01:01:00;02", "01:01:00;12")),
    ("01:00:00:00", "NON-DROP FRAME", ("01:00:00:00", "01:01:00:00", "01:01:00:10")),
    (None, "DROP FRAME", ("00:00:00;00", "00:01:00;02", "00:01:00;12")),
])
def test_edl_at_29_97_is_drop_frame_as_the_start_timecode_is_written(start, fcm, timecodes):
    """The adapter writes drop-frame at 29.97 whatever it is asked; a non-drop start stays non-drop."""
    pytest.importorskip("otio_cmx3600_adapter")
    track = Track("Aki", (Cue(0, 1800, "X"), Cue(1800, 10, "A")))
    sheet = Sheet(FrameRate.parse("29.97"), 1810, (track,), RHUBARB, Source("take3.wav", 60.4), start)
    lines = write("edl", sheet).decode().splitlines()
    first, change, end = timecodes
    assert lines[1] == f"FCM: {fcm}"
    assert next(line for line in lines if line.startswith("001 ")).split()[-4:] == [first, end, first, end]
    assert edl_locators("\n".join(lines)) == [f"* LOC: {first} RED     X", f"* LOC: {change} RED     A"]


def test_edl_reads_back_through_the_cmx_adapter():
    pytest.importorskip("otio_cmx3600_adapter")
    sheet = make_sheet("24000/1001")
    timeline = otio.adapters.read_from_string(write("edl", sheet).decode(), "cmx_3600",
                                              rate=float(Fraction(24000, 1001)))
    (clip,) = list(timeline.find_clips())
    mouths = [m for m in clip.markers if m.color != "BLUE"]
    assert [(int(m.marked_range.start_time.value) - 86400, m.name) for m in mouths] == [
        (cue.frame, cue.shape) for cue in AKI.cues]


def test_edl_writes_the_chosen_track():
    pytest.importorskip("otio_cmx3600_adapter")
    text = exporter_named("edl").write(make_sheet(), ExportOptions(track="Ben")).decode()
    assert "* FROM CLIP NAME:  Ben" in text
    assert len(edl_locators(text)) == len(BEN.cues) + len(BEN.lines)


def test_fcp_xml_reads_back_with_markers_and_start_timecode():
    pytest.importorskip("otio_fcp_adapter")
    sheet = make_sheet("24000/1001")
    timeline = otio.adapters.read_from_string(write("fcp-xml", sheet).decode(), "fcp_xml")
    assert timeline.global_start_time.value == 86400
    clips = list(timeline.find_clips())
    assert [clip.name for clip in clips] == ["Aki", "Ben"]
    assert [track.name for track in timeline.tracks] == ["Aki", "Ben"]
    for clip, track in zip(clips, sheet.tracks):
        starts = [(int(m.marked_range.start_time.value), m.name) for m in clip.markers]
        assert starts == [(c.frame, c.shape) for c in track.cues] + [(l.frame, l.text) for l in track.lines]


@pytest.mark.parametrize("start, display, timecode, frame", [
    ("01:00:00;00", "DF", "01:00:00;00", 107892),
    ("01:00:00:00", "NDF", "01:00:00:00", 108000),
    (None, "DF", "00:00:00;00", 0),
])
def test_fcp_xml_timecode_at_29_97_is_drop_frame_as_the_start_timecode_is_written(start, display, timecode,
                                                                                  frame):
    pytest.importorskip("otio_fcp_adapter")
    data = write("fcp-xml", make_sheet("30000/1001", start)).decode()
    sequence = ElementTree.fromstring(data).find(".//sequence/timecode")
    assert (sequence.findtext("string"), sequence.findtext("frame"), sequence.findtext("displayformat")) == (
        timecode, str(frame), display)
    assert {element.text for element in ElementTree.fromstring(data).iter("displayformat")} == {display}
    timeline = otio.adapters.read_from_string(data, "fcp_xml")
    assert timeline.global_start_time.value == frame
    (clip, _) = list(timeline.find_clips())
    assert [(int(m.marked_range.start_time.value), m.name) for m in clip.markers][:len(AKI.cues)] == [
        (cue.frame, cue.shape) for cue in AKI.cues]


def test_fcp_xml_at_12_fps_is_written_at_24_with_each_frame_twice_and_says_so():
    """The FCP 7 XML adapter has no timecode at 12 fps (it raised ValueError, a traceback)."""
    pytest.importorskip("otio_fcp_adapter")
    from lipsync.export import render

    rendering = render(make_sheet("12"), "fcp-xml", None)
    assert any("has no 12 fps" in warning and "24 fps" in warning for warning in rendering.warnings)
    timeline = otio.adapters.read_from_string(rendering.outputs[0].data.decode(), "fcp_xml")
    for clip, track in zip(timeline.find_clips(), (AKI, BEN)):
        starts = [(int(m.marked_range.start_time.value), m.name) for m in clip.markers]
        assert starts[:len(track.cues)] == [(c.frame * 2, c.shape) for c in track.cues]
        assert clip.source_range.duration.value == DURATION * 2


ODD_NAMES = Track("Odd \"q\" <x> & é", contiguous([(3, "A"), (4, "X")], 40),
                  (SheetLine(2, 5, 'a & b <c> "d"'), SheetLine(10, 3, "  "), SheetLine(20, 4, "two\n lines")))


@pytest.mark.parametrize("sheet", [
    make_sheet(), make_sheet("30000/1001", "01:00:00;00", path=None), make_sheet("30000/1001", "01:00:00:00"),
    make_sheet("25", None), make_sheet(tracks=(AKI, ODD_NAMES, Track("Empty", ()))),
    make_sheet(tracks=(Track("CR", ((Cue(0, 5, "A"),)), (SheetLine(0, 5, "x\ry"),)),)),
], ids=["24", "29.97-no-source", "29.97-non-drop", "25-no-tc", "odd-names", "cr"])
def test_fcp_xml_is_byte_for_byte_what_the_adapter_writes_for_the_whole_timeline(sheet):
    """The markers are spliced into the adapter's output (fast); the result must be the
    adapter's own serialisation of the full timeline."""
    pytest.importorskip("otio_fcp_adapter")
    from lipsync.exporters.fcpxml import _adapter_text
    from lipsync.exporters.otio_markers import build_timeline

    text = _adapter_text(otio, sheet, build_timeline(otio, sheet))
    assert write("fcp-xml", sheet) == (text.rstrip("\n") + "\n").encode("utf-8")


@pytest.mark.parametrize("sheet", [
    make_sheet(), make_sheet("30000/1001", "01:00:00;00", path=None), make_sheet("24000/1001", None),
    make_sheet(tracks=(AKI, ODD_NAMES, Track("Empty", ()))),
    make_sheet(tracks=(Track("Ctrl\x01", ((Cue(0, 5, "A"),)), (SheetLine(0, 5, "bell\x07 \\u00e9 \x7f"),)),)),
], ids=["24", "29.97-no-source", "23.976-no-tc", "odd-names", "control-characters"])
def test_otio_is_byte_for_byte_what_otio_writes_for_the_whole_timeline(sheet):
    """Most markers are written next to OTIO's serialisation of the first (fast); the result
    must be OTIO's own serialisation of the full timeline."""
    from lipsync.exporters.otio_markers import build_timeline

    text = otio.adapters.write_to_string(build_timeline(otio, sheet), "otio_json")
    assert write("otio", sheet) == (text.rstrip("\n") + "\n").encode("utf-8")


# --- X-sheet PDF ---------------------------------------------------------------------------

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
                                   reason="poppler-utils (pdftotext, pdftoppm) not installed")


@pytest.fixture
def cjk_font():
    found = xsheet_pdf.find_cjk_font()
    if found is None:
        pytest.skip("no CJK TrueType font (apt install fonts-ipafont-gothic)")
    return found


def pdf_pages(data: bytes) -> int:
    pypdf = pytest.importorskip("pypdf")
    import io
    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


def pdftotext(data: bytes, tmp_path: Path, *flags: str) -> str:
    source = tmp_path / "sheet.pdf"
    source.write_bytes(data)
    return subprocess.run(["pdftotext", *flags, "-enc", "UTF-8", str(source), "-"], check=True,
                          capture_output=True).stdout.decode("utf-8")


@pytest.mark.parametrize("rate, layout, pages", [
    ("24", "anime", 3),            # 144 frames (6 s) a page
    ("24", "western", 4),          # 96 frames a page
    ("30000/1001", "anime", 2),    # 6 s at 30 = 180 frames a page
])
def test_pdf_page_count_follows_the_layout(cjk_font, rate, layout, pages):
    assert pdf_pages(write("pdf", make_sheet(rate), layout=layout)) == pages


@needs_poppler
def test_pdf_text_layer_has_the_header_and_the_dialogue_in_japanese(cjk_font, tmp_path):
    data = write("pdf", make_sheet(), production="星の子", episode="3", scene="12", cut="045")
    text = pdftotext(data, tmp_path)
    assert "星の子" in text and "045" in text
    assert JAPANESE in text and ENGLISH in text   # the page's dialogue memo
    assert "1 / 3" in text and "3 / 3" in text
    assert "01:00:00:00" in text and "01:00:06:00" in text  # each page's start timecode
    assert "1+12" in text                          # the 秒+コマ count of frame 36
    # The vertical セリフ: each character of the line is written on its own frame row.
    raw = pdftotext(data, tmp_path, "-raw", "-f", "1", "-l", "1")
    words = {line.split()[0] for line in raw.splitlines() if line.strip()}
    assert set("こんにちは世界") <= words


@needs_poppler
def test_pdf_pages_render_as_a3_timesheets(cjk_font, tmp_path):
    from PIL import Image

    source = tmp_path / "sheet.pdf"
    source.write_bytes(write("pdf", make_sheet()))
    subprocess.run(["pdftoppm", "-r", "36", "-png", str(source), str(tmp_path / "page")], check=True)
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == 3
    with Image.open(pngs[0]) as image:
        width, height = image.size  # A3 portrait, 297 x 420 mm, at 36 dpi
        assert abs(width - 421) <= 1 and abs(height - 595) <= 1
        gray = np.asarray(image.convert("L"))
    dark = (gray < 128).mean()
    assert 0.03 < dark < 0.5  # ruled and written on, not blank and not a black page
    # Both 72-frame blocks are ruled: the left and right halves carry ink.
    assert (gray[:, :210] < 128).mean() > 0.02 and (gray[:, 211:] < 128).mean() > 0.02


def test_pdf_is_identical_for_identical_input(cjk_font):
    sheet = make_sheet("24000/1001")
    assert write("pdf", sheet) == write("pdf", sheet)
    assert write("pdf", sheet, layout="western") == write("pdf", sheet, layout="western")


def test_pdf_with_japanese_and_no_cjk_font_says_which_package_to_install(monkeypatch):
    monkeypatch.delenv(xsheet_pdf.FONT_ENV, raising=False)
    monkeypatch.setattr(xsheet_pdf, "CJK_FONT_CANDIDATES", ())
    with pytest.raises(MissingToolError) as caught:
        write("pdf", make_sheet())
    assert "fonts-ipafont-gothic" in caught.value.hint and "LIPSYNC_CJK_FONT" in caught.value.hint


def test_pdf_font_env_pointing_at_a_missing_file_is_an_error(monkeypatch, tmp_path):
    missing = tmp_path / "nofont.ttf"
    monkeypatch.setenv(xsheet_pdf.FONT_ENV, str(missing))
    with pytest.raises(MissingToolError) as caught:
        write("pdf", make_sheet())
    assert str(missing) in caught.value.message


def latin_sheet() -> Sheet:
    ben = Track("Ben", BEN.cues, (SheetLine(60, 40, ENGLISH),))
    return Sheet(FrameRate(24), DURATION, (ben,), RHUBARB, Source(None), None)


@needs_poppler
@pytest.mark.parametrize("start, timecodes", [
    ("01:00:00;00", ["01:00:00;00", "01:00:06;00"]),
    ("01:00:00:00", ["01:00:00:00", "01:00:06:00"]),
    (None, ["00:00:00;00", "00:00:06;00"]),
])
def test_pdf_page_timecodes_at_29_97_are_drop_frame_as_the_start_timecode_is_written(tmp_path, start, timecodes):
    sheet = dataclasses.replace(latin_sheet(), rate=FrameRate.parse("29.97"), start_timecode=start)
    text = pdftotext(write("pdf", sheet, layout="anime"), tmp_path)  # two pages of 180 frames
    assert re.findall(r"\d\d:\d\d:\d\d[:;]\d\d", text) == timecodes


@pytest.mark.parametrize("layout", ["anime", "western"])
def test_pdf_latin_sheet_needs_no_cjk_font(monkeypatch, tmp_path, layout):
    monkeypatch.delenv(xsheet_pdf.FONT_ENV, raising=False)
    monkeypatch.setattr(xsheet_pdf, "CJK_FONT_CANDIDATES", ())
    data = write("pdf", latin_sheet(), layout=layout, production="Star Kid")
    assert data.startswith(b"%PDF") and b"/Helvetica" in data
    if shutil.which("pdftotext"):
        text = pdftotext(data, tmp_path)
        assert ENGLISH in text and "Star Kid" in text


def test_pdf_unknown_layout_is_an_option_error(cjk_font):
    with pytest.raises(OptionError):
        write("pdf", make_sheet(), layout="landscape")
    with pytest.raises(OptionError):
        write("pdf", make_sheet(), paper="a0")


# --- waveform strip ------------------------------------------------------------------------

def voice_file(tmp_path: Path) -> Path:
    """1 s at 16 kHz: silence for the first half, a full-scale tone for the second."""
    rate = 16000
    samples = np.zeros(rate, dtype=np.float32)
    samples[rate // 2:] = 0.5 * np.sin(np.arange(rate // 2) * 2 * np.pi * 220 / rate)
    path = tmp_path / "voice.wav"
    soundfile.write(path, samples, rate)
    return path


def test_waveform_peaks_follow_the_voice_per_frame(tmp_path):
    from lipsync.audio import frame_peaks, load_audio

    path = voice_file(tmp_path)
    envelope = frame_peaks(load_audio(str(path)), FrameRate(24), 24)
    sheet = Sheet(FrameRate(24), 24, (AKI,), RHUBARB, Source(str(path)), None, envelope)
    peaks = xsheet_pdf.frame_peaks(sheet)
    assert len(peaks) == 24
    assert max(peaks[:12]) <= 0.01      # frames 0-11 are before 0.5 s
    assert min(peaks[12:]) > 0.9         # the tone, relative to the loudest frame
    assert xsheet_pdf.frame_peaks(dataclasses.replace(sheet, peaks=b"")) is None


def test_the_pdf_comes_from_the_sheet_alone_wherever_it_is_exported(tmp_path, monkeypatch):
    """Exporters never open audio: the same sheet gives the same PDF from any folder, with or
    without its audio file beside it."""
    path = voice_file(tmp_path)
    from lipsync.audio import frame_peaks, load_audio

    sheet = Sheet(FrameRate(24), 24, (AKI,), RHUBARB, Source("voice.wav"), None,
                  frame_peaks(load_audio(str(path)), FrameRate(24), 24))
    monkeypatch.chdir(tmp_path)
    beside = write("pdf", sheet)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert write("pdf", sheet) == beside
    assert write("pdf", sheet) != write("pdf", dataclasses.replace(sheet, peaks=b""))


# --- X-sheet SVG ---------------------------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"


def svg_pages(data: bytes) -> list[ElementTree.Element]:
    root = ElementTree.fromstring(data)
    assert root.tag == f"{SVG}svg"
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "page"]


def texts(page: ElementTree.Element) -> list[tuple[float, float, str]]:
    return [(float(t.get("x")), float(t.get("y")), t.text or "") for t in page.iter(f"{SVG}text")]


def test_svg_has_a_page_group_per_page_and_a3_size():
    root = ElementTree.fromstring(write("svg", make_sheet()))
    assert root.get("width") == "297mm"
    assert len(svg_pages(write("svg", make_sheet()))) == 3
    assert len(svg_pages(write("svg", make_sheet(), layout="western"))) == 4


def test_svg_dialogue_runs_down_the_frames_one_character_per_row():
    data = write("svg", make_sheet())
    page = svg_pages(data)[0]
    written = texts(page)
    # Each character of the Japanese line, in order, one row apart, in one column.
    rows = [next((x, y) for x, y, t in written if t == char) for char in "こんにちは"]
    assert len({x for x, _ in rows}) == 1
    steps = {round(b[1] - a[1], 2) for a, b in zip(rows, rows[1:])}
    assert len(steps) == 1 and steps.pop() > 5


@pytest.mark.parametrize("rate", ["12", "24000/1001", "24", "25", "30000/1001", "60"])
def test_the_dialogue_column_lays_each_word_down_the_frames_where_it_is_spoken(rate: str):
    """ "map?" spoken at frames 54-64 of a line from frame 42: its letters are on rows 54-64, not
    stacked from the line's first frame; a long Japanese word fills its frames."""
    frame_rate = FrameRate.parse(rate)
    at = frame_rate.seconds_at
    line = SheetLine(42, 40, "a map? 地図です")
    words = (Word(at(42), at(44), "a"), Word(at(54), at(65), "map?"), Word(at(66), at(82), "地図です"))
    track = Track("Aki", contiguous([(6, "X"), (2, "A")], 90), (line,), words)
    sheet = Sheet(frame_rate, 90, (track,), RHUBARB)
    glyphs = xsheet_pdf.dialogue_glyphs(sheet, track, line)
    assert [(g.position, g.char) for g in glyphs] == [
        (42, "a"), (54, "m"), (56, "a"), (59, "p"), (62, "?"), (66, "地"), (70, "図"), (74, "で"), (78, "す")]
    # in the drawing: the rows of the SVG text follow the same frames
    page = svg_pages(write("svg", sheet))[0]
    ys = {t: y for _, y, t in texts(page) if t in ("m", "p", "?")}
    row_h = (ys["p"] - ys["m"]) / 5
    assert row_h > 3 and ys["?"] - ys["m"] == pytest.approx(8 * row_h, abs=0.05)


def test_svg_cell_column_shows_the_drawing_number_at_each_change():
    sheet = make_sheet()
    options = ExportOptions()
    plan = xsheet_pdf.make_plan(sheet, options, japanese=True)
    page = svg_pages(write("svg", sheet))[0]
    cell = next(c for c in plan.columns if c.kind == "cell" and c.track is AKI)
    centre = xsheet_pdf.MARGIN + cell.x + cell.width / 2
    grid_top = xsheet_pdf.MARGIN + xsheet_pdf.HEADER_H + xsheet_pdf.TITLE_H
    shown = [t for x, y, t in sorted(texts(page), key=lambda item: item[1])
             if abs(x - centre) < 0.01 and y > grid_top]
    first_block = [c for c in AKI.cues if c.frame < plan.frames_per_block]
    assert shown == [str(RHUBARB.info(c.shape).drawing) for c in first_block]


def test_svg_waveform_strip_shows_audio_or_says_there_is_none(tmp_path):
    from lipsync.audio import frame_peaks, load_audio

    path = voice_file(tmp_path)
    short = Sheet(FrameRate(24), 24, (Track("Aki", (Cue(0, 24, "X"),)),), RHUBARB, Source(str(path)), None,
                  frame_peaks(load_audio(str(path)), FrameRate(24), 24))
    page = svg_pages(write("svg", short))[0]
    bars = [r for r in page.iter(f"{SVG}rect") if r.get("fill") == "#40598c"]
    assert len(bars) == 12              # one bar per voiced frame, none for the silent half
    silent = svg_pages(write("svg", make_sheet(path=None)))[0]
    assert "no audio" in [t for _, _, t in texts(silent)]
