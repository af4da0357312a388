"""Tests of lipsync.audio (decoding, channels, errors) and lipsync.vad (speech regions)."""

from __future__ import annotations

import shutil
import subprocess
import threading
from concurrent.futures import CancelledError
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import concat_speech, trim, white_noise

from lipsync.audio import Audio, AudioLoading, is_silent, load_audio, pick_channel, resample
from lipsync.errors import AudioError, LipsyncError, MissingToolError, OptionError
from lipsync.vad import frame_energies, speech_segments, split_long, voiced_seconds

RATE = 16000
SENTENCE = "The quick brown fox jumps over the lazy dog."


def assert_user_error(error: LipsyncError, *words: str) -> None:
    """A one-line message with a hint, mentioning each of ``words``."""
    text = str(error)
    assert error.hint, text
    assert "\n" not in text
    for word in words:
        assert word.lower() in text.lower(), text


@pytest.fixture(scope="module")
def speech(espeak_wav) -> Path:
    return espeak_wav(SENTENCE)


@pytest.fixture(scope="module")
def speech_duration(speech) -> float:
    return sf.info(str(speech)).duration


# ---------------------------------------------------------------------------------- decoding

VARIANTS = {
    "wav-22050-16bit": ("a.wav", {}),
    "wav-8000": ("a.wav", {"rate": 8000}),
    "wav-44100": ("a.wav", {"rate": 44100}),
    "wav-48000-24bit": ("a.wav", {"rate": 48000, "subtype": "PCM_24"}),
    "wav-float": ("a.wav", {"rate": 48000, "subtype": "FLOAT"}),
    "wav-8bit": ("a.wav", {"subtype": "PCM_U8"}),
    "wav-stereo": ("a.wav", {"rate": 44100, "channels": 2}),
    "wav-5.1": ("a.wav", {"rate": 48000, "channels": 6, "speech_channel": 3}),
    "wav-padded": ("a.wav", {"pad_before": 1.0, "pad_after": 0.5}),
    "flac-48000-24bit": ("a.flac", {"rate": 48000, "subtype": "PCM_24"}),
    "ogg-vorbis": ("a.ogg", {"rate": 44100}),
    "opus": ("a.opus", {"rate": 48000}),
    "mp3-44100": ("a.mp3", {"rate": 44100}),
    "mp3-stereo": ("a.mp3", {"rate": 48000, "channels": 2}),
    "aiff": ("a.aiff", {"rate": 44100}),
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_format_decodes_to_16k_mono(variant, speech, speech_duration, audio_variant):
    name, options = VARIANTS[variant]
    path = audio_variant(speech, name, **options)
    expected = speech_duration + options.get("pad_before", 0.0) + options.get("pad_after", 0.0)

    audio = load_audio(path)

    assert isinstance(audio, Audio)
    assert audio.sample_rate == RATE
    assert audio.samples.dtype == np.float32 and audio.samples.ndim == 1
    assert audio.source_rate == options.get("rate", 22050)
    assert audio.source_channels == options.get("channels", 1)
    assert audio.path == str(path)
    assert audio.duration == pytest.approx(expected, abs=0.01)
    assert len(audio.samples) / RATE == pytest.approx(expected, abs=0.01)
    assert not is_silent(audio)


def test_decoded_speech_matches_the_original(speech, audio_variant):
    reference = load_audio(speech).samples
    for name, options in [("a.flac", {"rate": 48000}), ("a.mp3", {"rate": 44100})]:
        decoded = load_audio(audio_variant(speech, name, **options)).samples
        n = min(len(reference), len(decoded))
        correlation = np.corrcoef(reference[:n], decoded[:n])[0, 1]
        assert correlation > 0.95, (name, correlation)


def test_channel_picks_one_channel_of_a_51_file(speech, audio_variant):
    path = audio_variant(speech, "surround.wav", rate=48000, channels=6, speech_channel=3)

    centre = load_audio(path, channel=3)
    assert not is_silent(centre)
    for other in (1, 2, 4, 5, 6):
        assert is_silent(load_audio(path, channel=other)), other

    mixed = load_audio(path)
    assert mixed.samples.ndim == 1 and mixed.source_channels == 6
    # the default is the mean of the channels: one speaking channel out of six
    assert np.abs(mixed.samples).max() == pytest.approx(np.abs(centre.samples).max() / 6, rel=0.02)


def test_channel_out_of_range_is_an_option_error(speech, audio_variant):
    path = audio_variant(speech, "surround.wav", rate=48000, channels=6, speech_channel=3)
    for bad in (0, 7, -1):
        with pytest.raises(OptionError) as caught:
            load_audio(path, channel=bad)
        assert_user_error(caught.value, "6 channels")
    with pytest.raises(OptionError) as caught:
        load_audio(speech, channel=2)
    assert_user_error(caught.value, "1 channel")


def test_channel_one_of_a_mono_file_is_the_file(speech):
    assert np.array_equal(load_audio(speech, channel=1).samples, load_audio(speech).samples)


def test_sample_rate_below_8k_is_refused(speech, audio_variant):
    path = audio_variant(speech, "low.wav", rate=6000)
    with pytest.raises(AudioError) as caught:
        load_audio(path)
    assert_user_error(caught.value, "6000 Hz", "8000")


def test_target_rate_is_honoured(speech, speech_duration):
    audio = load_audio(speech, target_rate=22050)
    assert audio.sample_rate == 22050
    assert len(audio.samples) == pytest.approx(speech_duration * 22050, abs=2)


def test_audio_loading_in_the_background_gives_what_load_audio_gives(speech, audio_variant):
    stereo = audio_variant(speech, "stereo.wav", channels=2, rate=48000)
    with AudioLoading(stereo, channel=2) as loading:
        loaded = loading.result()
    direct = load_audio(stereo, channel=2)
    assert np.array_equal(loaded.samples, direct.samples)
    assert (loaded.source_rate, loaded.source_channels, loaded.duration) == (48000, 2, direct.duration)


def test_audio_loading_raises_its_error_where_the_result_is_asked_for(tmp_path):
    loading = AudioLoading(tmp_path / "nope.wav")  # no error yet: the caller may have its own first
    with pytest.raises(AudioError) as caught:
        loading.result()
    assert_user_error(caught.value, "does not exist", "nope.wav")


def test_a_stopped_decoding_ends_before_its_next_block(speech):
    stop = threading.Event()
    stop.set()
    with pytest.raises(CancelledError):
        load_audio(speech, stop=stop)


# ------------------------------------------------------------------------------------ errors


def test_missing_file(tmp_path):
    with pytest.raises(AudioError) as caught:
        load_audio(tmp_path / "nope.wav")
    assert_user_error(caught.value, "does not exist", "nope.wav")


def test_folder(tmp_path):
    with pytest.raises(AudioError) as caught:
        load_audio(tmp_path)
    assert_user_error(caught.value, "folder")


def test_zero_byte_file(tmp_path):
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    with pytest.raises(AudioError) as caught:
        load_audio(path)
    assert_user_error(caught.value, "empty")


def test_wav_with_no_frames(tmp_path):
    path = tmp_path / "noframes.wav"
    sf.write(str(path), np.zeros(0, np.float32), 16000)
    with pytest.raises(AudioError) as caught:
        load_audio(path)
    assert_user_error(caught.value, "no audio")


@pytest.mark.parametrize("with_ffmpeg", [True, False])
def test_random_bytes(tmp_path, with_ffmpeg, monkeypatch, request):
    if with_ffmpeg and shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    if not with_ffmpeg:
        request.getfixturevalue("no_ffmpeg")
    path = tmp_path / "noise.wav"
    path.write_bytes(np.random.default_rng(0).bytes(20000))
    with pytest.raises(AudioError) as caught:
        load_audio(path)
    assert not isinstance(caught.value, MissingToolError)
    assert_user_error(caught.value, "noise.wav")


def test_truncated_wav(speech, tmp_path):
    data = speech.read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(AudioError) as caught:
        load_audio(cut)
    assert_user_error(caught.value, "truncated")

    header_only = tmp_path / "header.wav"
    header_only.write_bytes(data[:30])
    with pytest.raises(AudioError) as caught:
        load_audio(header_only)
    assert_user_error(caught.value, "header.wav")


def test_truncated_flac(speech, audio_variant, tmp_path):
    data = audio_variant(speech, "a.flac").read_bytes()
    cut = tmp_path / "cut.flac"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(AudioError) as caught:
        load_audio(cut)
    assert_user_error(caught.value, "cut.flac")


# ------------------------------------------------------------------------------------ ffmpeg


@pytest.fixture(scope="module")
def m4a(speech, ffmpeg, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("m4a") / "line.m4a"
    subprocess.run([ffmpeg, "-nostdin", "-v", "error", "-i", str(speech), "-ac", "2",
                    "-ar", "44100",
                    "-c:a", "aac", "-b:a", "96k", str(out)], check=True, capture_output=True)
    return out


def test_m4a_decodes_through_ffmpeg(m4a, speech, speech_duration):
    audio = load_audio(m4a)
    assert audio.sample_rate == RATE and audio.samples.dtype == np.float32
    assert audio.source_rate == 44100 and audio.source_channels == 2
    # AAC pads the last frame (1024 samples): at most ~25 ms more, never less
    assert speech_duration - 0.01 <= audio.duration <= speech_duration + 0.035
    reference = load_audio(speech).samples
    n = len(reference)
    assert np.corrcoef(reference, audio.samples[:n])[0, 1] > 0.9  # aligned: no priming delay
    assert not is_silent(audio.samples)
    assert not is_silent(load_audio(m4a, channel=2))
    with pytest.raises(OptionError) as caught:
        load_audio(m4a, channel=3)
    assert_user_error(caught.value, "2 channels")


def test_video_without_audio_track(ffmpeg, tmp_path):
    video = tmp_path / "picture.mp4"
    subprocess.run([ffmpeg, "-nostdin", "-v", "error", "-f", "lavfi",
                    "-i", "color=c=black:s=32x32:d=0.2",
                    str(video)], check=True, capture_output=True)
    with pytest.raises(AudioError) as caught:
        load_audio(video)
    assert_user_error(caught.value, "no audio track")


def test_m4a_without_ffmpeg_names_ffmpeg(m4a, no_ffmpeg, tmp_path):
    with pytest.raises(MissingToolError) as caught:
        load_audio(m4a)
    assert_user_error(caught.value, "ffmpeg", "apt install ffmpeg", "brew install ffmpeg")
    # recognised by its content too, whatever the name
    renamed = tmp_path / "take"
    renamed.write_bytes(m4a.read_bytes())
    with pytest.raises(MissingToolError):
        load_audio(renamed)


def test_unknown_container_without_ffmpeg_is_named(no_ffmpeg, tmp_path):
    path = tmp_path / "clip.mkv"
    path.write_bytes(b"\x1a\x45\xdf\xa3" + bytes(100))
    with pytest.raises(MissingToolError) as caught:
        load_audio(path)
    assert_user_error(caught.value, "ffmpeg")


def test_wav_does_not_need_ffmpeg(speech, no_ffmpeg):
    assert load_audio(speech).sample_rate == RATE


# ------------------------------------------------------------------------- helpers & silence


def test_is_silent():
    assert is_silent(np.zeros(RATE, np.float32))
    assert is_silent(np.zeros(0, np.float32))
    assert is_silent(white_noise(1.0, RATE, -80.0))
    assert not is_silent(white_noise(1.0, RATE, -40.0))


def test_is_silent_on_speech_and_digital_silence(speech, audio_variant):
    assert not is_silent(load_audio(speech))
    silent = audio_variant(np.zeros(48000, np.float32), "zeros.wav", source_rate=48000)
    audio = load_audio(silent)
    assert is_silent(audio) and audio.duration == pytest.approx(1.0)


def test_pick_channel_and_resample_are_pure():
    block = np.array([[1.0, 3.0], [2.0, 4.0]], dtype=np.float32)
    assert pick_channel(block, None).tolist() == [2.0, 3.0]
    assert pick_channel(block, 1).tolist() == [3.0, 4.0]
    assert block.tolist() == [[1.0, 3.0], [2.0, 4.0]]
    out = resample(np.zeros(48000, np.float32), 48000, 16000)
    assert out.dtype == np.float32 and len(out) == 16000


def test_a_minute_of_48k_stereo_becomes_16k_mono(tmp_path):
    # Speed is measured in benchmarks/speed.py, not here: a timed test fails on a busy machine.
    path = tmp_path / "minute.wav"
    stereo = np.repeat(white_noise(60.0, 48000, -20.0)[:, None], 2, axis=1)
    sf.write(str(path), stereo, 48000, subtype="PCM_16")
    audio = load_audio(path)
    assert len(audio.samples) == 60 * RATE


# ------------------------------------------------------------------------------------- VAD


@pytest.fixture(scope="module")
def counting(espeak_wav):
    """'one' [1 s] 'two' [1 s] 'three' at 16 kHz, after 0.5 s of lead-in."""
    pieces = [load_audio(espeak_wav(word)).samples for word in ("one", "two", "three")]
    pieces[0] = np.concatenate([np.zeros(RATE // 2, np.float32), pieces[0]])
    return pieces


def assert_regions(found, truth, tolerance=0.05):
    assert len(found) == len(truth), found
    for (start, end), (true_start, true_end) in zip(found, truth):
        assert start == pytest.approx(true_start, abs=tolerance), (found, truth)
        assert end == pytest.approx(true_end, abs=tolerance), (found, truth)


def test_vad_clean_speech_with_digital_silence(counting):
    signal, truth = concat_speech(counting, 1.0, RATE)
    assert_regions(speech_segments(signal, RATE, pad=0.0), truth)
    padded = speech_segments(signal, RATE)  # default pad: 30 ms either side
    assert_regions(padded, [(s - 0.03, e + 0.03) for s, e in truth])


def test_vad_quiet_speech(counting):
    quiet = [piece * np.float32(10 ** (-30 / 20) / np.abs(piece).max()) for piece in counting]
    signal, truth = concat_speech(counting, 1.0, RATE)  # truth of the full-level speech
    signal = np.concatenate(quiet[:1] + [np.zeros(RATE, np.float32), quiet[1],
                                         np.zeros(RATE, np.float32), quiet[2]])
    assert 20 * np.log10(np.abs(signal).max()) == pytest.approx(-30, abs=0.1)
    assert_regions(speech_segments(signal, RATE, pad=0.0), truth, tolerance=0.08)


@pytest.mark.parametrize("noise_dbfs", [-60.0, -50.0])
def test_vad_speech_in_white_noise(counting, noise_dbfs):
    signal, truth = concat_speech(counting, 1.0, RATE, noise_dbfs=noise_dbfs, seed=7)
    assert_regions(speech_segments(signal, RATE, pad=0.0), truth, tolerance=0.06)


def test_vad_short_pauses_are_bridged_and_clicks_dropped(counting):
    signal, truth = concat_speech([trim(piece) for piece in counting], 0.15, RATE)
    found = speech_segments(signal, RATE, pad=0.0, min_pause=0.25)
    assert_regions(found, [(truth[0][0], truth[-1][1])])
    assert len(speech_segments(signal, RATE, pad=0.0, min_pause=0.1)) == 3

    click = np.zeros(2 * RATE, np.float32)
    click[RATE:RATE + 160] = 0.5  # 10 ms
    speech_and_click = np.concatenate([signal, click])
    assert len(speech_segments(speech_and_click, RATE, min_speech=0.05)) == 1


def test_voiced_seconds_count_the_voice_and_not_hiss_or_a_faint_hum(counting):
    """Voicing tells an "ah" from a click or a breath (a stretch without words is left at rest
    only when unvoiced): spoken words are mostly voiced, a burst of hiss not at all, and a hum 40
    dB under the voice does not count, though it is as periodic as a vowel."""
    word = trim(counting[1])  # "two"
    spoken = voiced_seconds(word)
    assert 0.5 * len(word) / RATE < spoken <= len(word) / RATE
    assert voiced_seconds(white_noise(0.5, RATE, -20.0)) == 0.0
    t = np.arange(RATE) / RATE
    harmonics = sum(np.sin(2 * np.pi * 100 * k * t) / k for k in range(1, 6))
    hum = (harmonics * np.abs(word).max() / 100).astype(np.float32)
    assert voiced_seconds(hum) > 0.9  # alone, a hum is voiced
    assert voiced_seconds(np.concatenate([word, hum])) == pytest.approx(spoken, abs=0.02)
    assert voiced_seconds(word[: RATE // 50]) == 0.0  # shorter than one 40 ms frame


def test_vad_silence_and_empty():
    assert speech_segments(np.zeros(10 * RATE, np.float32)) == ()
    assert speech_segments(np.zeros(0, np.float32)) == ()
    assert speech_segments(white_noise(5.0, RATE, -90.0)) == ()


def test_vad_padding_is_clamped(counting):
    signal, _ = concat_speech([counting[1]], 0.0, RATE)  # speech from the first sample
    found = speech_segments(signal, RATE, pad=0.5)
    assert found[0][0] == 0.0 and found[-1][1] <= len(signal) / RATE


def test_frame_energies():
    db = frame_energies(np.full(330, 0.5, np.float32), RATE)
    assert len(db) == 3 and np.allclose(db, -6.0206, atol=1e-3)
    assert frame_energies(np.zeros(160, np.float32))[0] == -120.0


# ------------------------------------------------------------------------------- split_long


def test_split_long_bounds_chunks_and_cuts_in_pauses(espeak_wav):
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
    pieces = [trim(load_audio(espeak_wav(word)).samples) for word in words]
    signal, truth = concat_speech(pieces, 0.2, RATE)  # pauses shorter than min_pause
    regions = speech_segments(signal, RATE)
    assert len(regions) == 1
    start, end = regions[0]

    chunks = split_long(regions, 2.0, signal, RATE)
    assert all(e - s <= 2.0 + 1e-6 for s, e in chunks)
    assert chunks[0][0] == start and chunks[-1][1] == end
    assert all(a[1] == b[0] for a, b in zip(chunks, chunks[1:]))  # adjacent, nothing lost
    assert len(chunks) <= 2 * int(np.ceil((end - start) / 2.0))
    gaps = [(a[1], b[0]) for a, b in zip(truth, truth[1:])]
    for _, cut in chunks[:-1]:  # every cut lands in a pause between words
        assert any(g0 - 0.02 <= cut <= g1 + 0.02 for g0, g1 in gaps), (cut, gaps)


def test_split_long_without_samples_and_short_segments():
    assert split_long([(0.0, 5.0), (6.0, 7.0)], 20.0) == ((0.0, 5.0), (6.0, 7.0))
    chunks = split_long([(10.0, 71.0)], 20.0)
    assert len(chunks) == 4 and all(e - s <= 20.0 for s, e in chunks)
    assert chunks[0][0] == 10.0 and chunks[-1][1] == 71.0
    assert split_long([], 20.0) == ()


def test_speech_to_noise_tells_a_clean_take_from_speech_in_room_noise():
    from lipsync.vad import speech_to_noise_db

    rng = np.random.default_rng(1)
    rate = 16000
    speech = (0.3 * np.sin(2 * np.pi * 180 * np.arange(rate) / rate)).astype(np.float32)
    pause = np.zeros(rate // 2, np.float32)
    clean = np.concatenate([pause, speech, pause, speech, pause])
    noisy = clean + (0.3 / np.sqrt(2) / 10 ** (12 / 20) * rng.standard_normal(len(clean))).astype(np.float32)
    assert speech_to_noise_db(clean) >= 40
    assert 8 <= speech_to_noise_db(noisy) <= 20
    assert speech_to_noise_db(np.zeros(rate, np.float32)) == 0.0


@pytest.mark.parametrize("fps", [(24, 1), (24000, 1001), (30000, 1001), (12, 1), (60, 1), (20000, 1)])
def test_frame_peaks_are_each_frames_loudest_sample(fps):
    """Each frame's byte is its own loudest sample (a frame holds the samples whose time falls
    in it), at any frame rate, also one above the sample rate (frames without samples are 0),
    and frames past the end of the audio are 0."""
    from lipsync.audio import frame_peaks
    from lipsync.frames import FrameRate

    rate = FrameRate(*fps)
    samples = np.random.default_rng(7).uniform(-1.0, 1.0, 16003).astype(np.float32)
    samples[: len(samples) // 3] *= 0.1
    frames = int(len(samples) / 16000 * rate.num / rate.den) + 3
    expected = np.zeros(frames)
    for index, value in enumerate(np.abs(samples)):
        frame = index * rate.num // (16000 * rate.den)
        if frame < frames:
            expected[frame] = max(expected[frame], value)
    audio = Audio(samples, duration=len(samples) / 16000)
    peaks = frame_peaks(audio, rate, frames)
    assert peaks == np.round(expected / expected.max() * 255).astype(np.uint8).tobytes()
    assert peaks[-1] == 0 and max(peaks) == 255
    # fewer frames than the audio holds: the loudest of those frames is the reference
    assert frame_peaks(audio, rate, 2) == np.round(expected[:2] / expected[:2].max() * 255).astype(np.uint8).tobytes()
