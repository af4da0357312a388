"""Preview videos: decoded back with PyAV and compared with the drawings they should show."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner
from PIL import Image

from lipsync.cli import main
from lipsync.errors import AudioError, MouthError, OptionError, OutputError
from lipsync.mouths import mouth_images
from lipsync.presets import load_preset
from lipsync.preview import (PreviewPainter, PreviewSettings, parse_size, preview_layout, render_preview,
                             settings_from_options, write_video)
from lipsync.sheet import Cue, Sheet, SheetLine, Source, Track, sheet_from_json, sheet_to_json
from lipsync.timing import FrameRate
from lipsync.video import rgb_to_yuv

RATE = FrameRate.parse("24000/1001")
FRAMES = 60
SIZE = (320, 180)
SHAPES = load_preset("preston-blair").shape_set


def _sheet(source: str | None = None, rate: FrameRate = RATE, start_timecode: str | None = None) -> Sheet:
    anna = Track("ANNA", (Cue(0, 10, "rest"), Cue(10, 8, "MBP"), Cue(18, 12, "AI"), Cue(30, 10, "O"),
                          Cue(40, 20, "FV")),
                 lines=(SheetLine(8, 30, "Mama boop"),))
    bob = Track("BOB", (Cue(0, 25, "rest"), Cue(25, 15, "E"), Cue(40, 20, "U")),
                lines=(SheetLine(24, 20, "Hey you"),))
    return Sheet(rate, FRAMES, (anna, bob), SHAPES, Source(path=source, duration=FRAMES / float(rate)),
                 start_timecode)


@pytest.fixture(scope="module")
def tone(tmp_path_factory) -> Path:
    """A stereo WAV as long as the test sheet: a 440 Hz tone."""
    path = tmp_path_factory.mktemp("sound") / "tone.wav"
    seconds = FRAMES / float(RATE)
    t = np.arange(int(seconds * 44100)) / 44100
    wave = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    sf.write(path, np.stack([wave, wave], axis=1), 44100)
    return path


@pytest.fixture(scope="module")
def rendered(tone, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("video") / "preview.mp4"
    render_preview(_sheet(), tone, out, PreviewSettings(size=SIZE))
    return out


def _decoded(path: Path) -> tuple[list[np.ndarray], dict]:
    """Every frame's luma plane, and facts about the streams."""
    with av.open(str(path)) as container:
        video, sound = container.streams.video[0], container.streams.audio[0]
        facts = {"rate": video.average_rate, "codec": video.codec_context.name, "audio": sound.codec_context.name,
                 "audio_rate": sound.rate, "audio_seconds": float(sound.duration * sound.time_base),
                 "video_seconds": float(video.duration * video.time_base), "format": container.format.name,
                 "size": (video.width, video.height)}
        frames = [frame.to_ndarray(format="yuv420p")[:video.height] for frame in container.decode(video)]
    return frames, facts


def test_video_has_the_sheets_exact_rate_length_and_sound(rendered):
    frames, facts = _decoded(rendered)
    assert facts["rate"] == Fraction(24000, 1001)
    assert len(frames) == FRAMES
    assert facts["video_seconds"] == pytest.approx(FRAMES * 1001 / 24000, abs=1e-6)
    assert facts["codec"] == "h264" and facts["audio"] == "aac" and facts["audio_rate"] == 48000
    assert facts["audio_seconds"] == pytest.approx(FRAMES * 1001 / 24000, abs=0.03)
    assert "mp4" in facts["format"] and facts["size"] == SIZE


def _expected_mouths(box) -> dict[str, np.ndarray]:
    """Each shape's drawing over the background, as the luma the video should show."""
    under = Image.new("RGBA", (box.width, box.height), (0xf4, 0xef, 0xe6, 255))
    return {name: rgb_to_yuv(np.asarray(Image.alpha_composite(under, image).convert("RGB"))).y.astype(np.int16)
            for name, image in mouth_images("preston-blair", box.width, box.height).items()}


def test_each_frame_shows_the_drawing_of_the_sheets_shape(rendered):
    frames, _ = _decoded(rendered)
    sheet = _sheet()
    layout = preview_layout(*SIZE, 2)
    for number, (track, box) in enumerate(zip(sheet.tracks, layout.mouths)):
        expected = _expected_mouths(box)
        for frame in range(0, FRAMES, 3):
            region = frames[frame][box.y:box.y + box.height, box.x:box.x + box.width].astype(np.int16)
            errors = {name: float(np.abs(region - drawing).mean()) for name, drawing in expected.items()}
            shown = min(errors, key=errors.get)
            assert shown == track.shape_at(frame), (track.name, frame, errors)
            assert errors[shown] < 3.0


def test_subtitle_band_shows_text_only_while_a_line_is_spoken(rendered):
    frames, _ = _decoded(rendered)
    band = preview_layout(*SIZE, 2).subtitles
    bright = [int((frame[band.y:band.y + band.height] > 180).sum()) for frame in frames]
    assert bright[2] == 0 and bright[60 - 1] == 0        # before and after the lines
    assert bright[12] > 50 and bright[30] > bright[12]    # one line, then both speakers' lines


def test_painter_subtitles_timecode_and_counter():
    painter = PreviewPainter(_sheet(), PreviewSettings(size=SIZE))
    assert painter.subtitle_rows(0) == ()
    assert painter.subtitle_rows(30) == ("ANNA: Mama boop", "BOB: Hey you")
    assert painter.shape_at(1, 26) == "E" and painter.shape_at(0, 59) == "FV"
    first = painter.picture(0).y.copy()
    second = painter.picture(1).y
    bar = painter.layout.bar
    changed = np.flatnonzero((first != second).any(axis=0))
    assert changed.size and (first != second)[bar.height:].sum() == 0   # only the counter changes
    drop = PreviewPainter(_sheet(rate=FrameRate.parse("30000/1001"), start_timecode="00:00:59;28"),
                          PreviewSettings(size=SIZE))
    assert [drop.timecode(frame) for frame in (0, 1, 2)] == ["00:00:59;28", "00:00:59;29", "00:01:00;02"]


@pytest.mark.parametrize(("start", "timecode"), [
    (None, "00:01:03;12"),             # no start timecode: drop-frame at 29.97, as the exports and the review page
    ("00:00:00;00", "00:01:03;12"),
    ("00:00:00:00", "00:01:03:10"),    # written non-drop: non-drop
])
def test_painter_timecode_at_29_97_is_drop_frame_as_the_start_timecode_is_written(start, timecode):
    painter = PreviewPainter(_sheet(rate=FrameRate.parse("29.97"), start_timecode=start), PreviewSettings(size=SIZE))
    assert painter.timecode(1900) == timecode


def test_user_mouths_are_drawn_for_their_shapes(tmp_path, tone):
    colours = {}
    for number, shape in enumerate(SHAPES.shapes):
        colour = (40 + 20 * number, 255 - 20 * number, (97 * number) % 256)
        colours[shape.name] = colour
        name = f"{shape.drawing}.png" if number % 2 else f"{shape.name}.png"
        Image.new("RGB", (30, 20), colour).save(tmp_path / name)
    out = tmp_path / "own.mp4"
    render_preview(_sheet(), tone, out, PreviewSettings(size=SIZE, mouths=tmp_path))
    frames, _ = _decoded(out)
    box = preview_layout(*SIZE, 2).mouths[0]
    expected = {name: float(rgb_to_yuv(np.array([[c, c], [c, c]], np.uint8)).y[0, 0]) for name, c in colours.items()}
    for frame in (5, 14, 25, 35, 50):
        luma = float(frames[frame][box.y + box.height // 2, box.x + box.width // 2])
        assert min(expected, key=lambda name: abs(expected[name] - luma)) == _sheet().tracks[0].shape_at(frame)


def test_layout_keeps_boxes_inside_the_picture_and_even():
    for tracks in (1, 2, 3, 5, 8):
        layout = preview_layout(1280, 720, tracks, band_height=120)
        for box in (*layout.mouths, *layout.names, layout.subtitles, layout.bar, layout.band):
            assert all(value % 2 == 0 for value in (box.x, box.y, box.width, box.height))
            assert box.x >= 0 and box.y >= 0 and box.x + box.width <= 1280 and box.y + box.height <= 720
        for mouth in layout.mouths:
            assert mouth.y >= layout.bar.height and mouth.y + mouth.height <= layout.subtitles.y


# --- bad input ------------------------------------------------------------------------------


def test_sizes_and_settings():
    assert parse_size("1280X720") == (1280, 720)
    for bad in ("1280", "1279x720", "10x10", "axb"):
        with pytest.raises(OptionError):
            parse_size(bad)
    with pytest.raises(OptionError, match="unknown setting 'fps' for mp4"):
        settings_from_options({"fps": "25"})


def test_missing_mouth_drawing_unknown_shape_and_silent_audio_write_nothing(tmp_path, tone):
    (tmp_path / "rest.png").write_bytes(b"")
    out = tmp_path / "out.mp4"
    with pytest.raises(MouthError, match="no drawing for shape 'AI'.*AI.png"):
        render_preview(_sheet(), tone, out, PreviewSettings(size=SIZE, mouths=tmp_path))
    odd = _sheet()
    odd = Sheet(odd.rate, odd.duration_frames, (Track("X", (Cue(0, FRAMES, "Q"),)),), SHAPES)
    with pytest.raises(MouthError, match="shape 'Q'"):
        render_preview(odd, tone, out, PreviewSettings(size=SIZE))
    picture = tmp_path / "still.png"
    Image.new("RGB", (8, 8)).save(picture)
    with pytest.raises(AudioError):
        render_preview(_sheet(), picture, out, PreviewSettings(size=SIZE))
    with pytest.raises(OutputError, match="does not exist"):
        render_preview(_sheet(), tone, tmp_path / "nowhere" / "out.mp4", PreviewSettings(size=SIZE))
    with pytest.raises(OutputError, match="is the input"):
        render_preview(_sheet(), tone, tone, PreviewSettings(size=SIZE))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rest.png", "still.png"]


def test_write_video_hook_renders_one_track(tmp_path, tone):
    out = tmp_path / "bob.mp4"
    assert write_video(_sheet(), tone, out, track="BOB", settings={"size": "320x180"}) == ()
    frames, facts = _decoded(out)
    assert len(frames) == FRAMES and facts["size"] == SIZE


def _cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_cli_preview_uses_the_sheets_audio_and_reports_bad_input_on_one_line(tmp_path, tone):
    sheet_path = tmp_path / "ep.json"
    sheet_path.write_text(sheet_to_json(_sheet(source=str(tone))), encoding="utf-8")
    result = _cli("preview", str(sheet_path), "--size", "320x180", "-q")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "ep.mp4").is_file()
    silent = tmp_path / "silent.json"
    silent.write_text(sheet_to_json(_sheet(source=None)), encoding="utf-8")
    for args, message in (
            ((str(silent),), "names no audio file"),
            ((str(sheet_path), "--mouths", str(tmp_path / "none")), "does not exist"),
            ((str(sheet_path), "--background", "nocolour"), "not a colour"),
            ((str(sheet_path), "-o", str(tmp_path / "ro" / "x.mp4")), "cannot write"),
            ((str(sheet_path), "--track", "ZED"), "no track named 'ZED'")):
        result = _cli("preview", *args, "--size", "320x180")
        assert result.exit_code == 2, (args, result.output)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.output


# --- mp4 as an export format ------------------------------------------------------------------


def test_mp4_is_a_format_of_the_one_export_path(tmp_path, tone):
    from lipsync.export import export, render

    result = export(_sheet(), "tsv,mp4", tmp_path / "ep", audio=tone, settings={"size": "320x180"})
    assert sorted(p.name for p in result.files) == ["ep.ANNA.tsv", "ep.BOB.tsv", "ep.mp4"]
    frames, facts = _decoded(tmp_path / "ep.mp4")
    assert len(frames) == FRAMES and facts["size"] == SIZE
    with pytest.raises(OutputError, match="mp4 is written to a file"):
        render(_sheet(), "mp4", None, audio=tone)
    with pytest.raises(OptionError, match="unknown setting 'colour' for mp4"):
        export(_sheet(), "tsv,mp4", tmp_path / "bad", audio=tone, settings={"colour": "red"})
    assert not list(tmp_path.glob("bad*")), "a failing set leaves none of its files"


def test_analyze_writes_the_preview_video_with_its_audio(tmp_path, espeak_wav):
    speech = espeak_wav("Hello Bob, open the map.")
    script = tmp_path / "line.txt"
    script.write_text("Hello Bob, open the map.\n", encoding="utf-8")
    out = tmp_path / "line.mp4"
    result = _cli("analyze", str(speech), "-s", str(script), "-p", "preston-blair", "--fps", "25",
                  "-f", "sheet,mp4", "-o", str(tmp_path / "line"), "--set", "size=320x180", "-q")
    assert result.exit_code == 0, result.output
    sheet = sheet_from_json((tmp_path / "line.json").read_text(encoding="utf-8"))
    frames, facts = _decoded(out)
    assert facts["rate"] == 25 and len(frames) == sheet.duration_frames
    assert facts["audio_seconds"] == pytest.approx(sf.info(speech).duration, abs=0.05)
    box = preview_layout(*SIZE, 1).mouths[0]
    expected = {name: drawing for name, drawing in _expected_mouths(box).items()}
    closed = [cue for cue in sheet.tracks[0].cues if cue.shape == "MBP"]
    assert closed, "the line has m, b, p closures"
    for cue in closed:
        middle = cue.frame + cue.length // 2
        region = frames[middle][box.y:box.y + box.height, box.x:box.x + box.width].astype(np.int16)
        errors = {name: float(np.abs(region - drawing).mean()) for name, drawing in expected.items()}
        assert min(errors, key=errors.get) == "MBP"


def test_settings_go_to_the_formats_that_declare_them(tmp_path, tone):
    from lipsync.export import export

    result = export(_sheet(), "dat,mp4", tmp_path / "ep", audio=tone, settings={"names": "preset", "size": "320x180"})
    assert sorted(p.name for p in result.files) == ["ep.ANNA.dat", "ep.BOB.dat", "ep.mp4"]
    assert _decoded(tmp_path / "ep.mp4")[1]["size"] == SIZE


def test_batch_rows_can_ask_for_the_preview_video(tmp_path, espeak_wav):
    speech = espeak_wav("Bob maps the moon.")
    (tmp_path / "bob.txt").write_text("Bob maps the moon.\n", encoding="utf-8")
    manifest = tmp_path / "season.csv"
    manifest.write_text(f"audio,script,episode,character,formats\n{speech},bob.txt,E01,BOB,\"tsv,mp4\"\n",
                        encoding="utf-8")
    result = _cli("batch", str(manifest), "-o", str(tmp_path / "out"), "-j", "1", "--set", "size=320x180", "-q")
    assert result.exit_code == 0, result.output
    frames, facts = _decoded(tmp_path / "out" / "E01" / "BOB.mp4")
    sheet = sheet_from_json((tmp_path / "out" / "E01" / "BOB.json").read_text(encoding="utf-8"))
    assert len(frames) == sheet.duration_frames and facts["audio"] == "aac"


def test_longer_sound_is_cut_at_the_last_frame_with_a_warning(tmp_path):
    long = tmp_path / "long.wav"
    sf.write(long, np.zeros(5 * 22050, np.float32), 22050)
    result = render_preview(_sheet(), long, tmp_path / "cut.mp4", PreviewSettings(size=SIZE))
    assert result.warnings and "the audio lasts 5.0 s and the sheet 2.5 s" in result.warnings[0]
    frames, facts = _decoded(tmp_path / "cut.mp4")
    # cut to the sample (an AAC stream's length counts its samples, not its 1024-sample frames)
    assert facts["audio_seconds"] == pytest.approx(FRAMES * 1001 / 24000, abs=0.0025) and len(frames) == FRAMES


def test_a_video_interrupted_while_written_leaves_no_file(tmp_path, tone):
    from lipsync.video import Mp4Writer, solid

    with pytest.raises(KeyboardInterrupt):
        with Mp4Writer(tmp_path / "cut.mp4", 64, 48, RATE, 10, tone) as video:
            video.write(solid(64, 48, (10, 200, 30)))
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
    with Mp4Writer(tmp_path / "whole.mp4", 64, 48, RATE, 1, tone) as video:
        video.write(solid(64, 48, (10, 200, 30)))
    assert [p.name for p in tmp_path.iterdir()] == ["whole.mp4"]
    frames, facts = _decoded(tmp_path / "whole.mp4")
    assert len(frames) == 1 and abs(int(frames[0][24, 32]) - int(solid(2, 2, (10, 200, 30)).y[0, 0])) <= 2


def test_cli_previews_any_sheet_lipsync_reads(tmp_path, tone):
    from lipsync.export import export

    export(_sheet(), "xdts", tmp_path / "cut.xdts")
    out = tmp_path / "cut.mp4"
    result = _cli("preview", str(tmp_path / "cut.xdts"), str(tone), "--fps", "24000/1001", "-p", "preston-blair",
                  "--size", "320x180", "-o", str(out), "-q")
    assert result.exit_code == 0, result.output
    frames, facts = _decoded(out)
    assert facts["rate"] == Fraction(24000, 1001) and len(frames) == FRAMES
    box = preview_layout(*SIZE, 2).mouths[0]
    expected = _expected_mouths(box)
    region = frames[20][box.y:box.y + box.height, box.x:box.x + box.width].astype(np.int16)
    errors = {name: float(np.abs(region - drawing).mean()) for name, drawing in expected.items()}
    assert min(errors, key=errors.get) == "AI"


def test_background_colour_or_image(tmp_path):
    picture = tmp_path / "wall.png"
    Image.new("RGB", (50, 40), (20, 90, 200)).save(picture)
    for background, colour in (("white", (255, 255, 255)), (str(picture), (20, 90, 200))):
        painter = PreviewPainter(_sheet(), PreviewSettings(size=SIZE, background=background))
        corner = painter.picture(0)
        y = painter.layout.picture.y + 2
        expected = rgb_to_yuv(np.array([[colour, colour], [colour, colour]], np.uint8))
        assert abs(int(corner.y[y, 2]) - int(expected.y[0, 0])) <= 1
        assert abs(int(corner.u[y // 2, 1]) - int(expected.u[0, 0])) <= 1


def test_a_browser_plays_and_seeks_the_preview(rendered, browser):
    """Chromium (as a director would open the file) decodes it: length, size, a seek, and the
    colours of the frame it shows (the BT.709 limited-range tagging read as written)."""
    import base64

    page = browser.new_page()
    try:
        source = base64.b64encode(rendered.read_bytes()).decode()
        page.set_content(f'<video id="v" muted src="data:video/mp4;base64,{source}"></video><canvas id="c"></canvas>')
        page.wait_for_function("document.getElementById('v').readyState >= 2 || document.getElementById('v').error")
        box = preview_layout(*SIZE, 2).mouths[0]
        shown = page.evaluate("""async ([x, y]) => {
            const v = document.getElementById('v'), c = document.getElementById('c');
            v.currentTime = 0.5; await new Promise(r => v.onseeked = r);
            c.width = v.videoWidth; c.height = v.videoHeight;
            const g = c.getContext('2d'); g.drawImage(v, 0, 0);
            return {error: v.error && v.error.code, duration: v.duration, width: v.videoWidth, height: v.videoHeight,
                    time: v.currentTime, pixel: Array.from(g.getImageData(x, y, 1, 1).data)}; }""", [box.x + 2, box.y + 2])
    finally:
        page.close()
    assert shown["error"] is None and (shown["width"], shown["height"]) == SIZE
    assert shown["duration"] == pytest.approx(FRAMES * 1001 / 24000, abs=0.05) and shown["time"] == 0.5
    assert all(abs(a - b) <= 6 for a, b in zip(shown["pixel"][:3], (0xf4, 0xef, 0xe6)))   # the background
