"""Speaker diarization: checking model paths and name files, turns -> tracks, and the real
pyannote.audio loading and inference path on a tiny pipeline we build and save ourselves
(random, seeded weights: the tests check the plumbing, not the model's accuracy)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from lipsync.diarize import (Diarization, Turn, check_model, diarize, read_speaker_names, speaker_at,
                             split_by_turns)
from lipsync.errors import DiarizationError, ManifestError

CONFIG = """pipeline:
  name: pyannote.audio.pipelines.SpeakerDiarization
  params:
    segmentation: $model/segmentation
    embedding: $model/embedding
    plda: $model/plda
    clustering: VBxClustering
    embedding_exclude_overlap: true
    segmentation_step: 0.5
params:
  segmentation:
    min_duration_off: 0.0
  clustering:
    threshold: 0.6
    Fa: 0.07
    Fb: 0.8
"""


@pytest.fixture(scope="session")
def tiny_pipeline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pyannote speaker-diarization pipeline folder laid out like the pretrained ones
    (config.yaml, segmentation/, embedding/, plda/), with tiny seeded random models."""
    from lipsync.diarize import _prepare_imports

    try:
        _prepare_imports()
        import torch
        from pyannote.audio.core.task import Problem, Resolution, Specifications
        from pyannote.audio.models.embedding import WeSpeakerResNet34
        from pyannote.audio.models.segmentation import PyanNet
    except ImportError:
        pytest.skip("pyannote.audio is not installed (pip install 'lipsync[diarize]')")
    folder = tmp_path_factory.mktemp("pipeline")
    torch.manual_seed(0)

    def save(model, path: Path) -> None:
        checkpoint = {"state_dict": model.state_dict(), "hyper_parameters": dict(model.hparams),
                      "pytorch-lightning_version": "2.6.0"}
        model.on_save_checkpoint(checkpoint)
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(checkpoint, path)

    segmentation = PyanNet(sincnet={"stride": 10},
                           lstm={"hidden_size": 16, "num_layers": 1, "bidirectional": True, "monolithic": True},
                           linear={"hidden_size": 16, "num_layers": 1})
    segmentation.specifications = Specifications(
        problem=Problem.MONO_LABEL_CLASSIFICATION, resolution=Resolution.FRAME, duration=10.0, min_duration=10.0,
        warm_up=(0.0, 0.0), classes=["speaker#1", "speaker#2", "speaker#3"], powerset_max_classes=2,
        permutation_invariant=True)
    segmentation.build()
    save(segmentation, folder / "segmentation" / "pytorch_model.bin")
    embedding = WeSpeakerResNet34(num_mel_bins=16)
    embedding.specifications = Specifications(problem=Problem.REPRESENTATION, resolution=Resolution.CHUNK,
                                              duration=3.0)
    save(embedding, folder / "embedding" / "pytorch_model.bin")
    rng = np.random.default_rng(0)
    (folder / "plda").mkdir()
    np.savez(folder / "plda" / "xvec_transform.npz", mean1=rng.normal(size=256) * 0.01,
             mean2=rng.normal(size=16) * 0.01, lda=np.linalg.qr(rng.normal(size=(256, 16)))[0])
    np.savez(folder / "plda" / "plda.npz", mu=np.zeros(16), tr=np.eye(16), psi=np.linspace(2.0, 0.1, 16))
    (folder / "config.yaml").write_text(CONFIG, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def two_voices(tmp_path_factory: pytest.TempPathFactory, espeak_wav) -> Path:
    first, rate = sf.read(espeak_wav("Hello there, how are you doing today my friend?"), dtype="float32")
    second, _ = sf.read(espeak_wav("I am fine thank you, the weather is lovely.", voice="en-us+f3"), dtype="float32")
    path = tmp_path_factory.mktemp("mix") / "mix.wav"
    sf.write(path, np.concatenate([first, np.zeros(rate // 2, np.float32), second]), rate)
    return path


# ----------------------------------------------------------------------------------------------
# Without a model


def test_model_paths_that_are_not_pyannote_pipelines(tmp_path: Path) -> None:
    with pytest.raises(DiarizationError, match="diarization model not found"):
        check_model(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DiarizationError, match="has no config.yaml"):
        check_model(tmp_path / "empty")
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "pytorch_model.bin").write_bytes(b"x")
    with pytest.raises(DiarizationError, match="single pyannote model, not a diarization pipeline"):
        check_model(tmp_path / "model")
    (tmp_path / "other.yaml").write_text("hello: world\n")
    with pytest.raises(DiarizationError, match="not a pyannote pipeline config"):
        check_model(tmp_path / "other.yaml")
    (tmp_path / "hub").mkdir()
    (tmp_path / "hub" / "config.yaml").write_text(
        "pipeline:\n  name: pyannote.audio.pipelines.SpeakerDiarization\n"
        "  params:\n    embedding: pyannote/wespeaker-voxceleb-resnet34-LM\n")
    with pytest.raises(DiarizationError, match="Hugging Face model that would have to be downloaded"):
        check_model(tmp_path / "hub")
    (tmp_path / "partial").mkdir()
    (tmp_path / "partial" / "config.yaml").write_text(CONFIG)
    with pytest.raises(DiarizationError, match="segmentation/.* is missing|'\\$model/segmentation'"):
        check_model(tmp_path / "partial")


def test_without_pyannote_the_option_fails_with_an_install_hint(tmp_path: Path, monkeypatch) -> None:
    import importlib.util

    folder = tmp_path / "pipe"
    folder.mkdir()
    (folder / "config.yaml").write_text("pipeline:\n  name: pyannote.audio.pipelines.SpeakerDiarization\n")
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name.startswith("pyannote") else real(name, *a))
    with pytest.raises(DiarizationError) as caught:
        check_model(folder)
    assert "pyannote.audio, which is not installed" in str(caught.value)
    assert "pip install 'lipsync[diarize]'" in str(caught.value)


def test_speaker_name_files(tmp_path: Path) -> None:
    text = tmp_path / "names.txt"
    text.write_text("# who is who\nSPEAKER_00 = BOB\nSPEAKER_01,Anna Lee\n")
    assert read_speaker_names(text) == {"SPEAKER_00": "BOB", "SPEAKER_01": "Anna Lee"}
    data = tmp_path / "names.json"
    data.write_text(json.dumps({"SPEAKER_00": "BOB"}))
    assert read_speaker_names(data) == {"SPEAKER_00": "BOB"}
    toml = tmp_path / "names.toml"
    toml.write_text('[speakers]\nSPEAKER_01 = "ANNA"\n')
    assert read_speaker_names(toml) == {"SPEAKER_01": "ANNA"}
    bad = tmp_path / "bad.txt"
    bad.write_text("SPEAKER_00 BOB\n")
    with pytest.raises(DiarizationError, match="bad.txt line 1: not LABEL=NAME"):
        read_speaker_names(bad)


def test_turns_split_a_sheet_into_one_track_per_speaker() -> None:
    from lipsync.frames import to_frames
    from lipsync.animate import animate
    from lipsync.presets import load_preset
    from lipsync.sheet import Phone, Sheet, Track, Word
    from lipsync.timing import FrameRate

    preset = load_preset("rhubarb")
    rate = FrameRate.parse(24)
    phones = (Phone(0.5, 0.6, "m"), Phone(0.6, 0.8, "a"), Phone(2.1, 2.3, "o"), Phone(2.3, 2.4, "p"))
    words = (Word(0.5, 0.8, "ma"), Word(2.1, 2.4, "op"))
    cues = to_frames(animate(phones, preset, 3.0), rate, preset, 72)
    sheet = Sheet(rate, 72, (Track("mix", cues, (), words, phones),), preset.shape_set)
    turns = Diarization((Turn(0.4, 1.0, "SPEAKER_01"), Turn(2.0, 2.6, "SPEAKER_00")), ("SPEAKER_00", "SPEAKER_01"))
    split = split_by_turns(sheet, turns, preset, {"SPEAKER_00": "BOB"})
    assert [track.name for track in split.tracks] == ["BOB", "SPEAKER_01"]
    bob, other = split.tracks
    assert [p.symbol for p in bob.phones] == ["o", "p"] and [w.text for w in bob.words] == ["op"]
    assert [p.symbol for p in other.phones] == ["m", "a"]
    assert sum(cue.length for cue in bob.cues) == 72 and bob.shape_at(12) == preset.rest
    merged = split_by_turns(sheet, turns, preset, {"SPEAKER_00": "BOB", "SPEAKER_01": "BOB"})
    assert [track.name for track in merged.tracks] == ["BOB"] and len(merged.tracks[0].phones) == 4
    assert speaker_at(turns.turns, 1.2, 1.3) == "SPEAKER_01"  # nearest turn when none overlaps
    assert split_by_turns(sheet, Diarization((), ()), preset) is sheet


# ----------------------------------------------------------------------------------------------
# The real pyannote path on a tiny model


def test_a_saved_pipeline_is_loaded_and_run_from_its_local_folder(tiny_pipeline: Path, two_voices: Path) -> None:
    from lipsync.audio import load_audio

    found = diarize(load_audio(two_voices), tiny_pipeline)
    assert found.speakers and all(label.startswith("SPEAKER_") for label in found.speakers)
    assert list(found.turns) == sorted(found.turns, key=lambda turn: (turn.start, turn.end, turn.speaker))
    assert all(turn.speaker in found.speakers and turn.end > turn.start for turn in found.turns)
    assert diarize(load_audio(two_voices), tiny_pipeline / "config.yaml") == found  # deterministic, yaml path too


def test_batch_with_diarization_gives_one_named_track_per_speaker(tiny_pipeline: Path, two_voices: Path,
                                                                  tmp_path: Path) -> None:
    from lipsync.audio import load_audio
    from lipsync.cli import main

    labels = diarize(load_audio(two_voices), tiny_pipeline).speakers
    names = tmp_path / "names.txt"
    names.write_text(f"{labels[0]}=BOB\n")
    manifest = tmp_path / "mix.csv"
    manifest.write_text(f"episode,audio,formats\nE01,{two_voices},\"tsv,xdts\"\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["batch", str(manifest), "-o", str(out), "-j", "1", "--diarize",
                                       str(tiny_pipeline), "--speakers", str(names)])
    assert result.exit_code == 0, result.output
    sheet = json.loads((out / "E01/mix.json").read_text())
    expected = ["BOB", *labels[1:]]
    assert [track["name"] for track in sheet["tracks"]] == expected
    assert (out / "E01/mix.xdts").is_file()
    if len(expected) > 1:  # single-track formats: one file per speaker
        assert sorted(p.name for p in (out / "E01").glob("*.tsv")) == sorted(f"mix.{n}.tsv" for n in expected)
    else:
        assert (out / "E01/mix.tsv").is_file()


def test_a_manifest_naming_a_non_pipeline_as_model_fails_before_work(tmp_path: Path, two_voices: Path) -> None:
    from lipsync.batch import read_manifest

    (tmp_path / "notamodel").mkdir()
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"audio,diarize\n{two_voices},notamodel\n")
    with pytest.raises(ManifestError, match=r"row 2, field 'diarize': '[^']*notamodel' is not a pyannote pipeline"):
        read_manifest(manifest)


# ----------------------------------------------------------------------------------------------
# A model folder is data: no class or code of the folder's choosing runs


class _Payload:
    """A pickled object that, when unpickled without restriction, creates a marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def _copy_pipeline(source: Path, target: Path) -> Path:
    import shutil

    shutil.copytree(source, target)
    return target


def test_a_checkpoint_with_pickled_code_is_refused_and_never_run(tiny_pipeline: Path, tmp_path: Path) -> None:
    import torch

    from lipsync.diarize import load_pipeline

    folder = _copy_pipeline(tiny_pipeline, tmp_path / "pipe")
    marker = tmp_path / "pwned"
    torch.save({"payload": _Payload(marker), "state_dict": {}}, folder / "segmentation" / "pytorch_model.bin")
    with pytest.raises(DiarizationError, match="holds Python objects of .*_Payload|weights only") as caught:
        load_pipeline(str(folder))
    assert not marker.exists()
    assert "weights_only=True" in caught.value.hint


@pytest.mark.parametrize("config, expect", [
    ("pipeline:\n  name: subprocess.Popen\n  params:\n    args: touch pwned\n    shell: true\n",
     "pipeline name 'subprocess.Popen' is not a pyannote speaker-diarization pipeline"),
    ("pipeline:\n  name: os.system\n", "not a pyannote speaker-diarization pipeline"),
    (CONFIG + "preprocessors:\n  audio:\n    name: subprocess.Popen\n    params:\n      args: touch pwned\n",
     "'preprocessors' is not allowed"),
    (CONFIG.replace("clustering: VBxClustering", "clustering: VBxClustering\n    command: rm"),
     "pipeline.params.command is not a parameter"),
    (CONFIG.replace("$model/embedding", "$model/speechbrain-ecapa"), "names a speechbrain model"),
    (CONFIG.replace("segmentation_step: 0.5", "segmentation_step: [1, 2]"), "must be a plain value"),
])
def test_a_config_naming_another_class_or_loader_is_refused(tmp_path: Path, config: str, expect: str) -> None:
    folder = tmp_path / "pipe"
    (folder / "segmentation").mkdir(parents=True)
    (folder / "embedding").mkdir()
    (folder / "plda").mkdir()
    (folder / "config.yaml").write_text(config, encoding="utf-8")
    with pytest.raises(DiarizationError, match=expect):
        check_model(folder)
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()


def test_the_cli_refuses_a_hostile_config_in_one_line(tmp_path: Path, two_voices: Path) -> None:
    folder = tmp_path / "pipe"
    folder.mkdir()
    (folder / "config.yaml").write_text("pipeline:\n  name: subprocess.Popen\n  params:\n    args: touch pwned\n")
    from lipsync.cli import main

    result = CliRunner().invoke(main, ["batch", "--glob", str(two_voices), "--diarize", str(folder), "-o",
                                       str(tmp_path / "out")])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "subprocess.Popen" in lines[0] and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists() and not Path("pwned").exists()


def test_torch_load_keeps_its_own_default_after_loading(tiny_pipeline: Path) -> None:
    import torch

    from lipsync.diarize import weights_only_loading

    original = torch.load
    with weights_only_loading():
        assert torch.load is not original
    assert torch.load is original
