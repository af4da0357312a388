"""lipsync review without a browser: the server's guards, the session's save and re-animation,
the edits it checks, and the command line. The page itself is tested in test_review_page.py."""

from __future__ import annotations

import http.client
import io
import json
import socket
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from lipsync.errors import FormatError, LipsyncError
from lipsync.presets import load_preset
from lipsync.review.edits import check_cues, move_word
from lipsync.review.media import SilentMedia
from lipsync.review.session import ChangedOnDiskError, ReviewSession
from lipsync.pipeline import mouth_cues
from lipsync.sheet import Cue, Phone, Track, Word, phone_owners, sheet_from_json, sheet_to_json
from lipsync.timing import FrameRate
from review_helpers import sample_sheet, serving, sheet_with_lines_to_check

PORT = 8710


@pytest.fixture(scope="module")
def sheet_path(tmp_path_factory) -> Path:
    return sample_sheet(tmp_path_factory.mktemp("review"))


@pytest.fixture()
def sheet_copy(sheet_path, tmp_path) -> Path:
    for name in ("sample.json", "sample.flac"):
        (tmp_path / name).write_bytes((sheet_path.parent / name).read_bytes())
    return tmp_path / "sample.json"


def get(server, path: str, headers: dict[str, str] | None = None, method: str = "GET", body: bytes | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    sent = {"Host": f"127.0.0.1:{server.port}", **(headers or {})}
    connection.request(method, path, body=body, headers=sent)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, dict(response.getheaders()), data


# ------------------------------------------------------------------ security


@pytest.fixture(scope="module")
def server(sheet_path):
    with serving(ReviewSession(sheet_path), PORT) as running:
        yield running


def test_the_page_its_files_and_the_audio_are_served_with_the_token(server):
    base = f"/{server.token}/"
    status, headers, page = get(server, base)
    assert status == 200 and b"lipsync review" in page and "default-src 'self'" in headers["Content-Security-Policy"]
    assert get(server, base + "static/vendor/wavesurfer/wavesurfer.esm.js")[0] == 200
    status, headers, data = get(server, base + "media", {"Range": "bytes=0-3"})
    assert status == 206 and data == b"fLaC" and headers["Content-Range"].endswith(f"/{(Path(server.session.playback.path)).stat().st_size}")
    state = json.loads(get(server, base + "api/state")[2])
    assert state["mode"] == "sheet" and state["sheet"]["tracks"][0]["cues"]


@pytest.mark.parametrize("path", ["/", "/static/review.js", "/media", "/api/state", "/wrongtoken/api/state"])
def test_a_request_without_the_token_is_refused(server, path):
    status, _, body = get(server, path)
    assert status == 403 and b"token" in body


def test_a_foreign_origin_or_host_is_refused(server):
    base = f"/{server.token}/"
    assert get(server, base + "api/state", {"Origin": "http://evil.example"})[0] == 403
    assert get(server, base + "api/state", {"Origin": f"http://127.0.0.1:{server.port}"})[0] == 200
    # DNS rebinding: a page of evil.example whose name now points at 127.0.0.1
    assert get(server, base + "api/state", {"Host": f"evil.example:{server.port}"})[0] == 403
    assert get(server, base + "api/state", {"Sec-Fetch-Site": "cross-site"})[0] == 403
    save = json.dumps({"tracks": []}).encode()
    assert get(server, base + "api/save", {"Content-Type": "application/json"}, "POST", save)[0] == 403  # no Origin
    assert get(server, base + "api/save", {"Content-Type": "text/plain", "Origin": f"http://127.0.0.1:{server.port}"},
               "POST", save)[0] == 415
    bad_length = {"Content-Type": "application/json", "Origin": f"http://127.0.0.1:{server.port}",
                  "Content-Length": "a lot"}
    assert get(server, base + "api/save", bad_length, "POST", b"")[0] == 400


@pytest.mark.parametrize("path", ["static/../../pyproject.toml", "static/%2e%2e/session.py", "static/../session.py",
                                  "../../etc/passwd", "sample.json", "static/vendor/wavesurfer/LICENSE",
                                  "mouth/99", "mouth/..%2f..%2fsample.json", "media/../sample.json"])
def test_only_the_served_files_are_reachable(server, path):
    status, _, body = get(server, f"/{server.token}/{path}")
    assert status in (403, 404) and b"passwd" not in body and b"lipsync-sheet" not in body


# ------------------------------------------------------------------ timecode


@pytest.mark.parametrize(("start", "timecode"), [
    (None, {"start": 0, "drop": True}),             # none: drop-frame at 29.97, as the exports and the preview
    ("01:00:00;00", {"start": 107892, "drop": True}),
    ("01:00:00:00", {"start": 108000, "drop": False}),
])
def test_the_page_timecode_at_29_97_is_drop_frame_as_the_start_timecode_is_written(sheet_copy, start, timecode):
    """The page formats its timecode with this start and ``drop`` (static/timecode.js)."""
    sheet = sheet_from_json(sheet_copy.read_text())
    sheet_copy.write_text(sheet_to_json(replace(sheet, rate=FrameRate.parse("29.97"), start_timecode=start)))
    assert ReviewSession(sheet_copy).state()["timecode"] == timecode


# ------------------------------------------------------------------ saving


def test_save_writes_the_sheet_keeps_a_backup_and_marks_edited_cues(sheet_copy):
    session = ReviewSession(sheet_copy)
    before = sheet_copy.read_bytes()
    track = session.state()["sheet"]["tracks"][0]
    cues = track["cues"]
    cues[1] = {**cues[1], "shape": "H" if cues[1]["shape"] != "H" else "A", "edited": True}
    result = session.save([{"name": track["name"], "cues": cues}])
    assert Path(result["backup"]).read_bytes() == before
    saved = sheet_from_json(sheet_copy.read_text())
    assert saved.tracks[0].cues[1].edited and saved.tracks[0].cues[1].shape == cues[1]["shape"]
    assert not any(cue.edited for index, cue in enumerate(saved.tracks[0].cues) if index != 1)
    assert '"edited": true' in sheet_copy.read_text()


def test_save_refuses_a_file_changed_on_disk_and_writes_nothing(sheet_copy):
    session = ReviewSession(sheet_copy)
    track = session.state()["sheet"]["tracks"][0]
    changed = sheet_copy.read_text().replace('"rate"', '"rate" ', 1)
    sheet_copy.write_text(changed)
    with pytest.raises(ChangedOnDiskError, match="changed on disk"):
        session.save([{"name": track["name"], "cues": track["cues"]}])
    assert sheet_copy.read_text() == changed and not sheet_copy.with_name("sample.json.bak").exists()
    session.reload()
    session.save([{"name": track["name"], "cues": track["cues"]}])  # after reloading, it saves


def test_save_refuses_edits_made_on_a_version_saved_over_since(sheet_copy):
    session = ReviewSession(sheet_copy)
    state = session.state()
    track = state["sheet"]["tracks"][0]
    reshaped = lambda index: [{**cue, "shape": "H" if cue["shape"] != "H" else "A"} if i == index else cue
                              for i, cue in enumerate(track["cues"])]
    first = session.save([{"name": track["name"], "cues": reshaped(1)}], version=state["version"])
    assert first["version"] == session.state()["version"] != state["version"]
    saved = sheet_copy.read_bytes()
    with pytest.raises(ChangedOnDiskError, match="changed on disk"):  # another page, opened before
        session.save([{"name": track["name"], "cues": reshaped(2)}], version=state["version"])
    assert sheet_copy.read_bytes() == saved
    session.save([{"name": track["name"], "cues": reshaped(2)}], version=first["version"])
    assert sheet_copy.read_bytes() != saved


def test_save_refuses_cues_that_do_not_cover_the_sheet(sheet_copy):
    session = ReviewSession(sheet_copy)
    track = session.state()["sheet"]["tracks"][0]
    before = sheet_copy.read_bytes()
    with pytest.raises(FormatError, match="cue 2 starts at frame"):
        session.save([{"name": track["name"], "cues": [track["cues"][0]] + track["cues"][2:]}])
    with pytest.raises(FormatError, match="'Q' is none of the shapes of the preset"):
        session.save([{"name": track["name"], "cues": [{**track["cues"][0], "shape": "Q"}] + track["cues"][1:]}])
    assert sheet_copy.read_bytes() == before


def test_check_cues_wants_contiguous_cues_to_the_end():
    check_cues("t", [Cue(0, 3, "A"), Cue(3, 2, "X")], 5, ["A", "X"])
    with pytest.raises(FormatError, match="end at frame 5, the sheet at 6"):
        check_cues("t", [Cue(0, 3, "A"), Cue(3, 2, "X")], 6, ["A", "X"])
    with pytest.raises(FormatError, match="0 frames long"):
        check_cues("t", [Cue(0, 0, "A"), Cue(0, 5, "X")], 5, ["A", "X"])


# ------------------------------------------------------------------ re-animating a word


def test_moving_a_word_reanimates_only_its_stretch(sheet_path):
    sheet = sheet_from_json(sheet_path.read_text())
    track = sheet.tracks[0]
    preset = load_preset("rhubarb")
    index = next(i for i, w in enumerate(track.words) if w.text == "Bob")
    word = track.words[index]
    moved = move_word(track, index, word.start + 0.1, word.end + 0.1, preset, sheet.rate, sheet.duration_frames)
    assert moved.words[index].start == pytest.approx(word.start + 0.1)
    assert moved.words[index].end == pytest.approx(word.end + 0.1)
    inside = [p for p in moved.phones if p.word == "Bob"]
    before = [p for p in track.phones if p.word == "Bob"]
    assert [p.start for p in inside] == pytest.approx([p.start + 0.1 for p in before])  # moved with it
    assert [p.end for p in inside] == pytest.approx([p.end + 0.1 for p in before])
    # the word's first closed-lips shape (B of Bob) now starts later; far away nothing changed
    edited = [cue for cue in moved.cues if cue.edited]
    assert edited and all(sheet.rate.frame_at(word.start) - 6 <= cue.frame <= sheet.rate.frame_at(word.end + 0.1) + 6
                          for cue in edited)
    far = sheet.rate.frame_at(word.end + 1.0)
    assert [c for c in moved.cues if c.frame > far] == [c for c in track.cues if c.frame > far]
    assert [c for c in moved.cues if c.end < sheet.rate.frame_at(word.start) - 6] == \
        [c for c in track.cues if c.end < sheet.rate.frame_at(word.start) - 6]
    check_cues(track.name, moved.cues, sheet.duration_frames, sheet.preset.names)
    # in place, the stretch comes back as the analysis made it
    same = move_word(track, index, word.start, word.end, preset, sheet.rate, sheet.duration_frames)
    assert [replace(c, edited=False) for c in same.cues] == list(track.cues)


def test_reanimating_a_word_in_place_changes_nothing(sheet_path):
    sheet = sheet_from_json(sheet_path.read_text())
    track = sheet.tracks[0]
    owners = phone_owners(track.words, track.phones)
    for index, word in enumerate(track.words):  # the analysis stores each word where its phones are
        own = [p for p, owner in zip(track.phones, owners) if owner == index]
        assert (word.start, word.end) == (own[0].start, own[-1].end)
        same = move_word(track, index, word.start, word.end, load_preset("rhubarb"), sheet.rate, sheet.duration_frames)
        assert same == track, word.text


def rounded_words_track(preset) -> tuple[Track, FrameRate, int]:
    """"name is Bob" as an older analysis stored it: words on the aligner's 10 ms frames, phones
    moved onto the signal after, so that "is" ends 0.6 ms before its z and "name" is held
    closed (m) over the short pause before "is"."""
    phones = (Phone(1.8675, 1.945, "n", "name", 0), Phone(1.945, 2.0255, "eɪ", "name", 0),
              Phone(2.0255, 2.048, "m", "name", 0), Phone(2.1669, 2.1975, "ɪ", "is", 0),
              Phone(2.1975, 2.2906, "z", "is", 0), Phone(2.2906, 2.3375, "b", "Bob", 0),
              Phone(2.3375, 2.6475, "ɑ", "Bob", 0), Phone(2.6475, 2.7275, "b", "Bob", 0))
    words = (Word(1.85, 2.05, "name", 0), Word(2.16, 2.29, "is", 0), Word(2.29, 2.7275, "Bob", 0))
    rate, frames = FrameRate.parse("24"), 72
    return Track("t", mouth_cues(phones, preset, rate, frames), (), words, phones), rate, frames


def test_a_word_ending_inside_its_last_phone_keeps_it_and_its_neighbours_mouths():
    preset = load_preset("rhubarb")
    track, rate, frames = rounded_words_track(preset)
    assert track.shape_at(49) == "A"  # the m of "name" held closed up to "is"
    assert move_word(track, 1, 2.16, 2.29, preset, rate, frames) == track  # R: nothing changes
    nudged = move_word(track, 1, 53 / 24, 2.29, preset, rate, frames)  # "." on "is": its start a frame later
    assert [(p.symbol, p.word) for p in nudged.phones] == [(p.symbol, p.word) for p in track.phones]
    ɪ, z = nudged.phones[3:5]
    assert 53 / 24 <= ɪ.start < ɪ.end == z.start < z.end == 2.2906  # both inside it, the z still ending at b
    assert nudged.phones[:3] == track.phones[:3] and nudged.phones[5:] == track.phones[5:]
    assert nudged.cues[:3] == track.cues[:3] and nudged.shape_at(49) == "A"  # "name" still closes its lips


def test_a_word_is_kept_between_its_neighbours(sheet_path):
    sheet = sheet_from_json(sheet_path.read_text())
    track = sheet.tracks[0]
    moved = move_word(track, 1, 0.0, 9.0, load_preset("rhubarb"), sheet.rate, sheet.duration_frames)
    assert moved.words[1].start == track.words[0].end and moved.words[1].end == track.words[2].start
    with pytest.raises(FormatError, match="shorter than one frame"):
        move_word(track, 1, 1.0, 1.01, load_preset("rhubarb"), sheet.rate, sheet.duration_frames)


# ------------------------------------------------------------------ audio and command line


def test_no_audio_gives_a_silent_timeline_and_says_why(sheet_copy):
    data = json.loads(sheet_copy.read_text())
    data["source"]["path"] = "elsewhere/gone.flac"
    sheet_copy.write_text(json.dumps(data))
    session = ReviewSession(sheet_copy)
    state = session.state()
    assert state["audio"]["missing"] == ("the sheet's audio 'elsewhere/gone.flac' is not found "
                                         "(pass AUDIO after the sheet)") and state["audio"]["path"] is None
    media = session.playback.media
    assert isinstance(media, SilentMedia) and media.read(0, 4) == b"RIFF"
    assert media.size == 44 + round(session.sheet.duration_seconds * 8000)


def test_the_state_ties_the_script_to_the_dialogue_lines_it_draws(sheet_path, tmp_path):
    assert ReviewSession(sheet_path).state()["script"] == {
        "summary": "3 lines aligned, 0 uncertain, 0 not found", "doubtful_word": 0.5,
        "tracks": [{"lines": [0, 1, 2], "unscripted": []}]}
    session = ReviewSession(sheet_with_lines_to_check(sheet_path, tmp_path))
    script = session.state()["script"]
    assert script["summary"] == "1 line aligned, 1 uncertain, 2 not found"
    # the track's two dialogue lines are the script's first and third (0-based 0 and 2); the
    # fourth line's speech was recognized without the script
    [track] = script["tracks"]
    assert track["lines"] == [0, 2]
    assert [tuple(stretch) for stretch in track["unscripted"]] == [pytest.approx((11.1, 16.24), abs=0.02)]
    # a candidate for the track's second dialogue line is named by the script's number
    assert session.candidate_band("sample", 2, "Hola, soy Bob", "es")["source"] == "candidate for line 3"


def test_review_cli_takes_the_next_free_port_and_prints_the_address(sheet_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", PORT + 5))
        process = subprocess.Popen([sys.executable, "-m", "lipsync", "review", str(sheet_path), "--no-browser",
                                    "--port", str(PORT + 5)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = process.stdout.readline()
            assert line.startswith(f"Review page: http://127.0.0.1:{PORT + 6}/")
        finally:
            process.terminate()
            process.wait(timeout=10)
        assert f"port {PORT + 5} is in use" in process.stderr.read()


def test_review_cli_warns_when_listening_beyond_this_machine(sheet_path):
    process = subprocess.Popen([sys.executable, "-m", "lipsync", "review", str(sheet_path), "--no-browser",
                                "--host", "0.0.0.0", "--port", str(PORT + 8)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().split()[-1]
        token = url.rstrip("/").rsplit("/", 1)[1]
        connection = http.client.HTTPConnection("127.0.0.1", int(url.split(":")[2].split("/")[0]), timeout=10)
        connection.request("GET", f"/{token}/api/state")
        assert connection.getresponse().status == 200
        connection.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert "warning: listening on 0.0.0.0: other machines" in process.stderr.read()


@pytest.mark.parametrize("args, message", [
    (["missing.json"], "sheet 'missing.json' not found"),
    (["{sheet}", "--mouths", "{sheet}"], "is a file, not a folder"),
    (["{sheet}", "missing.wav"], "audio file 'missing.wav' not found"),
    (["{sheet}", "--export", "nope"], "unknown format 'nope'"),
    (["{sheet}", "--preset", "anime-3"], "has other shapes than the sheet's"),
])
def test_review_cli_mistakes_are_one_line(sheet_path, args, message):
    result = subprocess.run([sys.executable, "-m", "lipsync", "review", "--no-browser",
                             *[a.format(sheet=sheet_path) for a in args]], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_save_exports_the_chosen_formats_beside_the_sheet(sheet_copy):
    session = ReviewSession(sheet_copy, exports=["xdts"])
    track = session.state()["sheet"]["tracks"][0]
    result = session.save([{"name": track["name"], "cues": track["cues"]}], ["dat"])
    assert sorted(Path(f).name for f in result["exports"]) == ["sample.dat", "sample.xdts"]
    assert b"exchangeDigitalTimeSheet" in sheet_copy.with_name("sample.xdts").read_bytes()
    with pytest.raises(FormatError, match="unknown format"):
        session.save([{"name": track["name"], "cues": track["cues"]}], ["nope"])


def test_user_mouth_drawings_are_served_per_shape(sheet_copy, tmp_path):
    from PIL import Image

    folder = tmp_path / "mouths"
    folder.mkdir()
    for number, name in enumerate(["A", "B", "C", "D", "E", "F", "G", "H", "X"], 1):
        Image.new("RGB", (4, 4), (number * 20, 0, 0)).save(folder / (f"{name}.png" if name != "X" else "9.png"))
    session = ReviewSession(sheet_copy, mouths=folder)
    assert session.mouth(1) == ((folder / "B.png").read_bytes(), "image/png")
    assert session.mouth(8)[0] == (folder / "9.png").read_bytes()  # by drawing number
    (folder / "H.png").unlink()
    with pytest.raises(LipsyncError, match="no drawing for shape 'H'"):
        ReviewSession(sheet_copy, mouths=folder)


def test_audio_browsers_do_not_play_is_served_as_wav(sheet_copy, tmp_path):
    import soundfile as sf

    samples, rate = sf.read(str(sheet_copy.with_name("sample.flac")), dtype="float32")
    aiff = tmp_path / "take.aiff"
    sf.write(str(aiff), samples, rate, format="AIFF")
    media = ReviewSession(sheet_copy, aiff).playback.media
    assert media.content_type == "audio/wav"
    decoded, decoded_rate = sf.read(io.BytesIO(media.read(0, media.size)))
    assert decoded_rate == 16000 and len(decoded) / 16000 == pytest.approx(len(samples) / rate, abs=0.01)


def test_a_malformed_fit_report_is_one_error(tmp_path):
    report = tmp_path / "fit.json"
    report.write_text(json.dumps({"format": "lipsync-fit", "rate": "24", "lines": [{"window": {}}]}))
    with pytest.raises(FormatError, match="dub-fit report 'fit.json' is malformed"):
        ReviewSession(report)


def test_a_sheet_in_another_format_is_reviewed_and_saved_back_in_it(sheet_copy):
    from lipsync.export import export

    export(sheet_from_json(sheet_copy.read_text()), "xdts", sheet_copy.with_name("take.xdts"))
    xdts = sheet_copy.with_name("take.xdts")
    session = ReviewSession(xdts, sheet_copy.with_name("sample.flac"), preset="rhubarb")
    state = session.state()
    assert state["saves_as"] == "xdts" and state["audio"]["path"].endswith("sample.flac")
    track = state["sheet"]["tracks"][0]
    cues = track["cues"]
    changed = next(i for i, cue in enumerate(cues) if cue["shape"] != "E")
    cues[changed] = {**cues[changed], "shape": "E", "edited": True}
    before = xdts.read_bytes()
    session.save([{"name": track["name"], "cues": cues}])
    assert xdts.with_name("take.xdts.bak").read_bytes() == before
    from lipsync.exporters import read_sheet

    again = read_sheet(xdts, shapes=load_preset("rhubarb").shape_set)
    assert again.tracks[0].shape_at(cues[changed]["frame"]) == "E"
