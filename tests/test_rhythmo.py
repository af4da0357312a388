"""The rhythmo band: its content in frames, where it draws each word, and the band video."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from lipsync.cli import main
from lipsync.errors import ScriptError
from lipsync.presets import load_preset
from lipsync.preview import PreviewPainter, PreviewSettings, render_preview
from lipsync.rhythmo import RhythmoBand, band_from_aligned, band_from_words, picture_closures
from lipsync.sheet import Cue, Phone, Sheet, SheetLine, Source, Track, Word, sheet_to_json
from lipsync.timing import FrameRate

RATE = FrameRate.parse("24000/1001")
FRAMES = 96
SIZE = (480, 270)
SHAPES = load_preset("anime-3").shape_set
SECOND = 1001 / 24000   # seconds per frame


def _original() -> Sheet:
    """A picture: ANNA speaks frames 10-50 (closed 20-24 inside the line, 50+ after it)."""
    anna = Track("ANNA", (Cue(0, 10, "closed"), Cue(10, 10, "open"), Cue(20, 4, "closed"), Cue(24, 26, "half"),
                          Cue(50, 46, "closed")), lines=(SheetLine(8, 50, "Bonjour maman"),))
    return Sheet(RATE, FRAMES, (anna,), SHAPES, Source(duration=FRAMES * SECOND))


def _dub(name: str = "anna") -> Sheet:
    """A recorded dub's aligned sheet: 'hello mama' at frames 11-30 and 30-49."""
    words = (Word(11 * SECOND, 30 * SECOND, "hello", 0), Word(30 * SECOND, 49 * SECOND, "mama", 0))
    phones = (Phone(11 * SECOND, 20 * SECOND, "h", "hello", 0), Phone(20 * SECOND, 30 * SECOND, "oʊ", "hello", 0),
              Phone(30 * SECOND, 34 * SECOND, "m", "mama", 0), Phone(34 * SECOND, 40 * SECOND, "ɑ", "mama", 0),
              Phone(40 * SECOND, 43 * SECOND, "m", "mama", 0), Phone(43 * SECOND, 49 * SECOND, "ɑ", "mama", 0))
    track = Track(name, (Cue(0, FRAMES, "half"),), words=words, phones=phones)
    return Sheet(RATE, FRAMES, (track,), SHAPES)


def test_band_content_in_frames():
    band = band_from_aligned(_original(), _dub())
    assert band.lanes == ("ANNA",) and band.rate == RATE
    assert [(w.frame, w.end, w.text) for w in band.words] == [(11, 30, "hello"), (30, 49, "mama")]
    assert [(m.frame, m.end) for m in band.marks if m.kind == "dub"] == [(30, 34), (40, 43)]
    assert [(m.frame, m.end) for m in band.marks if m.kind == "picture"] == [(20, 24)]


def test_words_said_back_to_back_mid_frame_share_no_frame():
    halves = (Word(10.5 * SECOND, 20.5 * SECOND, "one"), Word(20.5 * SECOND, 21.2 * SECOND, "two"))
    band = band_from_words(_original(), {"ANNA": (halves, (Phone(20.5 * SECOND, 21.2 * SECOND, "b"),))})
    assert [(w.frame, w.end) for w in band.words] == [(10, 20), (20, 21)]
    assert [(m.frame, m.end) for m in band.marks if m.kind == "dub"] == [(20, 21)]   # at least a frame


def test_picture_closures_are_only_inside_a_lines_speech():
    marks = picture_closures(_original(), "ANNA", 0)
    assert [(m.frame, m.end, m.kind) for m in marks] == [(20, 24, "picture")]


def test_dub_tracks_must_go_with_the_originals():
    two = Sheet(RATE, FRAMES, (_original().tracks[0], Track("BOB", (Cue(0, FRAMES, "closed"),))), SHAPES)
    with pytest.raises(ScriptError, match="'ZED' goes with none"):
        band_from_aligned(two, _dub("ZED"))
    with pytest.raises(ScriptError, match="no words"):
        band_from_aligned(_original(), Sheet(RATE, FRAMES, (Track("ANNA", ()),), SHAPES))


def _ink_columns(image: np.ndarray, row: slice) -> np.ndarray:
    return np.flatnonzero((image[row] < 80).any(axis=0))


def test_each_word_reaches_the_reading_line_on_its_first_frame_and_scrolls_left():
    script = band_from_words(_original(), {"ANNA": ((Word(40 * SECOND, 60 * SECOND, "so"),), ())})
    band = RhythmoBand(script, 480, 80, seconds=4.0)
    ppf = band.pixels_per_frame
    assert ppf == 4 and band.reading_x == 120
    base = band.underline_y(0)
    tick_rows = slice(base - 5, base - 1)          # the word's start tick, above its line
    text_rows = slice(band.ruler + int(band.lane_height * 0.22), base - 6)
    for shown in (30, 36, 45):
        luma = band.window(shown, 480).y
        left = band.x_of(40, shown)
        tick = _ink_columns(luma, tick_rows)
        assert tick.size and abs(int(tick[0]) - (left - 1)) <= 1, (shown, tick[:3], left)
        ink = _ink_columns(luma, text_rows)
        ink = ink[ink > 60]   # past the lane's name label
        assert left <= int(ink[0]) <= left + 6      # the letters start there too
        underline = np.flatnonzero(luma[base] < 80)
        assert int(underline[-1]) == pytest.approx(band.x_of(60, shown) - 1, abs=1)   # to its last frame
    assert band.x_of(40, 30) - band.x_of(40, 31) == ppf    # right to left, ppf pixels a frame
    assert band.x_of(40, 40) == band.reading_x


def test_band_video_shows_the_band_window_under_the_mouths(tmp_path):
    audio, _ = _picture_files(tmp_path)
    out = tmp_path / "band.mp4"
    band = band_from_aligned(_original(), _dub())
    render_preview(_original(), audio, out, PreviewSettings(size=SIZE), band=band)
    painter = PreviewPainter(_original(), PreviewSettings(size=SIZE), band)
    box = painter.layout.band
    with av.open(str(out)) as container:
        video = container.streams.video[0]
        assert video.average_rate == Fraction(24000, 1001) and container.streams.audio
        frames = [f.to_ndarray(format="yuv420p")[:SIZE[1]] for f in container.decode(video)]
    assert len(frames) == FRAMES
    for frame in (0, 11, 30, 60):
        expected = painter.band.window(frame, box.width).y.astype(np.int16)
        shown = frames[frame][box.y:box.y + box.height].astype(np.int16)
        assert np.abs(shown - expected).mean() < 3.0, frame


def test_user_video_replaces_the_mouths(tmp_path):
    source = tmp_path / "picture.mp4"
    with av.open(str(source), "w") as container:   # 2 s at 25 fps: red, then blue
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for index in range(50):
            rgb = np.zeros((48, 64, 3), np.uint8)
            rgb[:, :, 0 if index < 25 else 2] = 220
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    audio = tmp_path / "sound.wav"
    sf.write(audio, np.zeros(32000, np.float32), 16000)
    out = tmp_path / "over.mp4"
    render_preview(_original(), audio, out, PreviewSettings(size=SIZE, video=source))
    picture = PreviewPainter(_original(), PreviewSettings(size=SIZE, video=source)).layout.picture
    with av.open(str(out)) as container:
        rgb = [f.to_ndarray(format="rgb24") for f in container.decode(container.streams.video[0])]
    centre = (picture.y + picture.height // 2, picture.width // 2)
    assert rgb[5][centre][0] > 150 and rgb[5][centre][2] < 80       # 0.2 s: red
    assert rgb[40][centre][2] > 150 and rgb[40][centre][0] < 80     # 1.7 s: blue
    assert rgb[90][centre][2] > 150                                 # past its end: its last picture


def _picture_files(folder: Path) -> tuple[Path, Path]:
    """The original's sound (silence as long as it) and its sheet, as files."""
    audio = folder / "picture.wav"
    sf.write(audio, np.zeros(int(FRAMES * SECOND * 16000), np.float32), 16000)
    original = folder / "original.json"
    original.write_text(sheet_to_json(_original()), encoding="utf-8")
    return audio, original


def test_cli_band_from_an_aligned_dub_sheet(tmp_path):
    audio, original = _picture_files(tmp_path)
    dub = tmp_path / "dub.json"
    dub.write_text(sheet_to_json(_dub()), encoding="utf-8")
    result = CliRunner().invoke(main, ["preview", str(original), str(audio), "--rythmo", str(dub), "-o",
                                       str(tmp_path / "band.mp4"), "--size", "320x180", "-q"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "band.mp4").stat().st_size > 1000
    empty = tmp_path / "empty.json"
    empty.write_text(sheet_to_json(Sheet(RATE, FRAMES, (Track("ANNA", ()),), SHAPES)), encoding="utf-8")
    result = CliRunner().invoke(main, ["preview", str(original), str(audio), "--rythmo", str(empty), "-o",
                                       str(tmp_path / "x.mp4")])
    assert result.exit_code == 2 and result.output.startswith("error: the dub sheet has no words")
    assert not (tmp_path / "x.mp4").exists()


# --- a dub script timed from its text (the adaptation's prediction) ---------------------------


def _two_characters() -> Sheet:
    """ANNA speaks frames 10-50, BOB frames 60-90."""
    anna = _original().tracks[0]
    bob = Track("BOB", (Cue(0, 60, "closed"), Cue(60, 10, "open"), Cue(70, 4, "closed"), Cue(74, 16, "half"),
                        Cue(90, 6, "closed")), lines=(SheetLine(58, 34, "Au revoir"),))
    return Sheet(RATE, FRAMES, (anna, bob), SHAPES, Source(duration=FRAMES * SECOND))


def test_dub_script_lines_are_timed_onto_their_characters_lines():
    from lipsync.dialogue import Line
    from lipsync.rhythmo import band_from_script

    band = band_from_script(_two_characters(), [Line("Buenos días mamá", "ANNA"), Line("Hasta luego", "bob")], "es")
    assert band.lanes == ("ANNA", "BOB")
    anna = [w for w in band.words if w.lane == 0]
    bob = [w for w in band.words if w.lane == 1]
    assert [w.text for w in anna] == ["Buenos", "días", "mamá"] and [w.text for w in bob] == ["Hasta", "luego"]
    for words, (first, last) in ((anna, (8, 58)), (bob, (58, 92))):
        assert first <= words[0].frame and words[-1].end <= last + 2          # inside the picture's line
        assert all(a.end <= b.frame for a, b in zip(words, words[1:]))      # in order, apart
    dub = [m for m in band.marks if m.kind == "dub"]
    within = [next(w.text for w in anna if w.frame <= m.frame < w.end) for m in dub]
    assert within == ["Buenos", "mamá", "mamá"] and all(m.lane == 0 for m in dub)       # b, m, m


def test_dub_script_lines_need_a_character_of_the_original():
    from lipsync.dialogue import Line
    from lipsync.rhythmo import band_from_script

    with pytest.raises(ScriptError, match="speaker 'ZED', who has no track"):
        band_from_script(_two_characters(), [Line("Hola", "ZED")], "es")
    with pytest.raises(ScriptError, match="no speaker"):
        band_from_script(_two_characters(), [Line("Hola")], "es")


def test_cli_band_from_a_dub_script(tmp_path):
    audio, original = _picture_files(tmp_path)
    script = tmp_path / "dub.txt"
    script.write_text("Buenos días mamá\n", encoding="utf-8")
    out = tmp_path / "band.mp4"
    result = CliRunner().invoke(main, ["preview", str(original), str(audio), "--rythmo", str(script), "-l", "es",
                                       "-o", str(out), "--size", "320x180", "-q"])
    assert result.exit_code == 0, result.output
    with av.open(str(out)) as container:
        assert container.streams.video[0].frames in (0, FRAMES) and container.streams.audio
