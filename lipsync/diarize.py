"""Speaker diarization with pyannote.audio: one mouth track per speaker of a mixed stem.

The pyannote pipeline is loaded from a LOCAL path only (a folder holding ``config.yaml`` and
the model folders it names, as the pretrained pipelines are laid out, or the ``config.yaml``
itself); nothing is downloaded at run time. pyannote.audio is an optional extra::

    pip install 'lipsync[diarize]'

Where a script names the speaker of each line (ASS, CSV, ``NAME:`` lines) the analysis already
gives one track per character and no model is needed; diarization is for mixed stems whose
script (or lack of one) does not say who speaks when.

>>> turns = diarize(load_audio("mix.wav"), "models/speaker-diarization")   # doctest: +SKIP
>>> sheet = split_by_turns(analysis.sheet, turns, load_preset("rhubarb"),   # doctest: +SKIP
...                        names={"SPEAKER_00": "BOB"})
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import DiarizationError
from .fileio import parse_json, parse_toml, read_input

INSTALL_HINT = "install the optional extra: pip install 'lipsync[diarize]' (pyannote.audio, CPU torch)"
_CONFIG = "config.yaml"
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*/[\w.\-]+(@[\w.\-]+)?$")


@dataclass(frozen=True)
class Turn:
    """One speaker's turn: ``speaker`` (the pipeline's label) talks from ``start`` to ``end`` s."""

    start: float
    end: float
    speaker: str


@dataclass(frozen=True)
class Diarization:
    """Who speaks when: non-overlapping turns sorted by time, and every speaker label found."""

    turns: tuple[Turn, ...]
    speakers: tuple[str, ...]


# ----------------------------------------------------------------------------------------------
# Checking the model and the names (cheap: no torch, no pyannote import)


def check_model(path: str | Path) -> Path:
    """The ``config.yaml`` of a local pyannote pipeline at ``path``; DiarizationError if the path
    is not one, refers to models that would have to be downloaded, or pyannote is missing."""
    given = Path(path).expanduser()
    if not given.exists():
        raise DiarizationError(f"diarization model not found: {str(path)!r}",
                               "pass the folder of a pyannote pipeline (with config.yaml) you downloaded")
    config = given / _CONFIG if given.is_dir() else given
    if given.is_dir() and not config.is_file():
        if (given / "pytorch_model.bin").is_file():
            raise DiarizationError(f"{str(path)!r} is a single pyannote model, not a diarization pipeline",
                                   "pass the pipeline's folder (the one with config.yaml), e.g. "
                                   "speaker-diarization-community-1/")
        raise DiarizationError(f"{str(path)!r} is not a pyannote pipeline: it has no {_CONFIG}",
                               "pass the folder of a pyannote speaker-diarization pipeline (with config.yaml)")
    if config.suffix.lower() not in (".yaml", ".yml"):
        raise DiarizationError(f"{str(path)!r} is not a pyannote pipeline (expected a folder or a .yaml config)",
                               "pass the folder of a pyannote speaker-diarization pipeline (with config.yaml)")
    document = _read_yaml(config)
    pipeline = document.get("pipeline") if isinstance(document, dict) else None
    if not isinstance(pipeline, dict) or not isinstance(pipeline.get("name"), str):
        raise DiarizationError(f"{str(config)!r} is not a pyannote pipeline config (no pipeline: name:)",
                               "pass the config.yaml of a pyannote speaker-diarization pipeline")
    check_config(document, str(config))
    for key, value in (pipeline.get("params") or {}).items():
        if isinstance(value, str) and value.startswith("$model/"):
            target = config.parent / value[len("$model/"):].split("@")[0]
            if not target.exists():
                raise DiarizationError(f"{str(config)!r}: {key} refers to {value!r}, and {str(target)!r} is missing",
                                       "download the whole pipeline folder, with its model sub-folders")
        elif isinstance(value, str) and _HUB_ID.match(value) and not (config.parent / value).exists() \
                and not Path(value).expanduser().exists():
            raise DiarizationError(f"{str(config)!r}: {key} is {value!r}, a Hugging Face model that would have "
                                   "to be downloaded", f"download it and write its local path in {_CONFIG}")
    if importlib.util.find_spec("pyannote") is None or importlib.util.find_spec("pyannote.audio") is None:
        raise DiarizationError("speaker diarization needs pyannote.audio, which is not installed", INSTALL_HINT)
    return config


#: The pipeline classes a config.yaml may name: pyannote's own speaker diarization. pyannote
#: imports and builds whatever class a config names, so any other name is refused.
ALLOWED_PIPELINES = ("pyannote.audio.pipelines.SpeakerDiarization",
                     "pyannote.audio.pipelines.speaker_diarization.SpeakerDiarization")
#: What a config may hold (pyannote also reads "preprocessors", which build named classes or read
#: a database file with its own loaders: refused).
_CONFIG_KEYS = ("pipeline", "params", "freeze", "dependencies", "version", "device")
_PIPELINE_PARAMS = ("legacy", "segmentation", "segmentation_step", "embedding", "embedding_exclude_overlap",
                    "plda", "clustering", "embedding_batch_size", "segmentation_batch_size", "der_variant")
_MODEL_PARAMS = ("segmentation", "embedding", "plda")
#: Model loaders pyannote picks from the text of a path, which run code from their own files.
_CODE_LOADERS = ("speechbrain", "nvidia")
#: The only classes (besides tensors and plain data) a checkpoint may hold: pyannote's task
#: description, and torch's version string.
SAFE_CHECKPOINT_CLASSES = ("pyannote.audio.core.task.Specifications", "pyannote.audio.core.task.Problem",
                           "pyannote.audio.core.task.Resolution", "torch.torch_version.TorchVersion")
_DATA_HINT = "use the config.yaml of a pyannote speaker-diarization pipeline as published, unchanged"


def check_config(document: Mapping[str, Any], where: str) -> None:
    """Refuse a pipeline config that would make pyannote build a class, or load a model through a
    loader, outside the allow-list (:data:`ALLOWED_PIPELINES`): a model folder is data.

    >>> check_config({"pipeline": {"name": "pyannote.audio.pipelines.SpeakerDiarization"}}, "c.yaml")
    >>> check_config({"pipeline": {"name": "subprocess.Popen", "params": {"args": "rm -rf ~"}}}, "c.yaml")
    Traceback (most recent call last):
    lipsync.errors.DiarizationError: c.yaml: pipeline name 'subprocess.Popen' is not a pyannote speaker-diarization pipeline; lipsync only builds pyannote.audio.pipelines.SpeakerDiarization, pyannote.audio.pipelines.speaker_diarization.SpeakerDiarization (hint: use the config.yaml of a pyannote speaker-diarization pipeline as published, unchanged)
    """
    for key in document:
        if key not in _CONFIG_KEYS:
            raise DiarizationError(f"{where}: {key!r} is not allowed in a diarization config "
                                   f"(allowed: {', '.join(_CONFIG_KEYS)})", _DATA_HINT)
    pipeline = document["pipeline"]
    name = pipeline["name"]
    if name not in ALLOWED_PIPELINES:
        raise DiarizationError(f"{where}: pipeline name {name[:80]!r} is not a pyannote speaker-diarization "
                               f"pipeline; lipsync only builds {', '.join(ALLOWED_PIPELINES)}", _DATA_HINT)
    for key in pipeline:
        if key not in ("name", "params"):
            raise DiarizationError(f"{where}: pipeline.{key} is not allowed", _DATA_HINT)
    params = pipeline.get("params") or {}
    if not isinstance(params, dict):
        raise DiarizationError(f"{where}: pipeline.params must be a mapping", _DATA_HINT)
    for key, value in params.items():
        if key not in _PIPELINE_PARAMS:
            raise DiarizationError(f"{where}: pipeline.params.{key} is not a parameter of pyannote's "
                                   f"speaker diarization ({', '.join(_PIPELINE_PARAMS)})", _DATA_HINT)
        if key in _MODEL_PARAMS:
            texts = list(value.values()) if isinstance(value, dict) else [value]
            if not all(isinstance(text, str) for text in texts):
                raise DiarizationError(f"{where}: pipeline.params.{key} must name a model folder", _DATA_HINT)
            loader = next((word for word in _CODE_LOADERS for text in texts if word in text.lower()), None)
            if loader is not None:
                raise DiarizationError(f"{where}: pipeline.params.{key} names a {loader} model, whose loader "
                                       "runs code from the model's files", "use pyannote's own models")
        elif not isinstance(value, (str, int, float, bool, type(None))) and key != "der_variant":
            raise DiarizationError(f"{where}: pipeline.params.{key} must be a plain value", _DATA_HINT)


def _read_yaml(path: Path) -> Any:
    data = read_input(path, "model config", DiarizationError, hint="pass a pyannote pipeline config.yaml")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DiarizationError(f"{str(path)!r}: not UTF-8 text (byte {error.start})",
                               "pass a pyannote pipeline config.yaml") from None
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML comes with pyannote.audio
        raise DiarizationError("speaker diarization needs pyannote.audio, which is not installed", INSTALL_HINT) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        first = str(error).splitlines()[0] if str(error) else "syntax error"
        raise DiarizationError(f"{str(path)!r} is not valid YAML: {first}", "pass a pyannote pipeline config.yaml") from None


def read_speaker_names(path: str | Path) -> dict[str, str]:
    """Speaker label -> character name, from a mapping file.

    ``.json``: ``{"SPEAKER_00": "BOB"}``; ``.toml``: ``SPEAKER_00 = "BOB"`` (optionally under
    ``[speakers]``); anything else: one ``LABEL=NAME`` (or ``LABEL,NAME``, ``LABEL<TAB>NAME``,
    ``LABEL: NAME``) per line, ``#`` comments.
    """
    source = Path(path).expanduser()
    where = source.name
    raw_bytes = read_input(source, "speaker names", DiarizationError, hint="a UTF-8 file of LABEL=NAME lines")
    try:
        text = raw_bytes.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DiarizationError(f"speaker names {str(path)!r}: not UTF-8 text (byte {error.start})",
                               "a UTF-8 file of LABEL=NAME lines") from None
    hint = "write one LABEL=NAME per line, e.g. SPEAKER_00=BOB"
    names: dict[str, str] = {}
    if source.suffix.lower() in (".json", ".toml"):
        data = parse_json(text, where, DiarizationError, hint) if source.suffix.lower() == ".json" \
            else parse_toml(text, where, DiarizationError, hint)
        if isinstance(data, dict) and isinstance(data.get("speakers"), dict):
            data = data["speakers"]
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise DiarizationError(f"{where}: expected a table of LABEL = \"NAME\"", hint)
        names = {str(key).strip(): value.strip() for key, value in data.items()}
    else:
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            match = re.match(r"^([^=,\t:]+?)\s*[=,\t:]\s*(.+)$", line)
            if not match:
                raise DiarizationError(f"{where} line {number}: not LABEL=NAME: {raw.strip()!r}", hint)
            names[match.group(1).strip()] = match.group(2).strip()
    for label, name in names.items():
        if not name:
            raise DiarizationError(f"{where}: speaker {label!r} has an empty name", hint)
    return names


# ----------------------------------------------------------------------------------------------
# Running the pipeline


def _prepare_imports() -> None:
    """Environment for pyannote: no telemetry, no downloads; CPU-only torchaudio made usable."""
    os.environ["PYANNOTE_METRICS_ENABLED"] = "0"   # pyannote sends usage metrics unless told not to
    os.environ["HF_HUB_OFFLINE"] = "1"             # models come from local paths only
    if "torchaudio" in sys.modules:
        return
    try:
        import torchaudio  # noqa: F401
    except OSError:
        # The PyPI torchaudio wheel links CUDA libraries that CPU-only machines lack. pyannote
        # uses only its pure-Python parts (resampling, Kaldi filterbanks), which work without
        # the compiled extension: load torchaudio again with the extension skipped.
        utils = sys.modules.get("torchaudio._extension.utils")
        if utils is None:
            raise
        utils._load_lib = lambda name: False  # type: ignore[attr-defined]
        for name in [name for name in sys.modules if name == "torchaudio" or name.startswith("torchaudio.")]:
            if not name.startswith("torchaudio._extension.utils") and not name.startswith("torchaudio._internal"):
                sys.modules.pop(name, None)
        import torchaudio  # noqa: F401,F811


@functools.lru_cache(maxsize=4)
def load_pipeline(path: str) -> Any:
    """The pyannote pipeline at the local ``path`` (cached per process)."""
    config = check_model(path)
    try:
        _prepare_imports()
        from pyannote.audio import Pipeline
    except ImportError as error:
        raise DiarizationError(f"pyannote.audio cannot be imported: {error}", INSTALL_HINT) from None
    try:
        with weights_only_loading():
            pipeline = Pipeline.from_pretrained(str(config))
    except DiarizationError:
        raise
    except Exception as error:  # noqa: BLE001 - any failure to build the pipeline is the model's
        if "Weights only load failed" in str(error) or "Unsupported global" in str(error):
            found = re.search(r"GLOBAL ([\w.]+)", str(error))
            raise DiarizationError(
                f"cannot load the diarization pipeline {str(path)!r}: a checkpoint holds Python objects of "
                f"{found.group(1) if found else 'a class'} beyond tensors, which loading would have to run",
                "lipsync loads model weights only (torch weights_only=True); re-save the checkpoint with its "
                "weights and pyannote's task description only, or use the published pipeline") from None
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DiarizationError(f"cannot load the diarization pipeline {str(path)!r}: {reason}",
                               "pass a pyannote.audio 4.x speaker-diarization pipeline folder") from None
    if pipeline is None:
        raise DiarizationError(f"cannot load the diarization pipeline {str(path)!r}",
                               "pass a pyannote.audio 4.x speaker-diarization pipeline folder")
    return pipeline


@contextlib.contextmanager
def weights_only_loading() -> Iterator[None]:
    """While pyannote builds a pipeline, every ``torch.load`` reads weights only: tensors, plain
    data and the classes of :data:`SAFE_CHECKPOINT_CLASSES`, never arbitrary pickled objects
    (pyannote and Lightning ask for ``weights_only=False``, which runs any code a checkpoint
    names). The default of ``torch.load`` is restored afterwards."""
    import importlib

    import torch

    classes = []
    for dotted in SAFE_CHECKPOINT_CLASSES:
        module, _, name = dotted.rpartition(".")
        classes.append(getattr(importlib.import_module(module), name))
    original = torch.load

    def load(*args: Any, **kwargs: Any) -> Any:
        kwargs["weights_only"] = True
        kwargs.pop("pickle_module", None)
        return original(*args, **kwargs)

    torch.load = load
    try:
        with torch.serialization.safe_globals(classes):
            yield
    finally:
        torch.load = original


def diarize(audio: Any, model: str | Path, *, num_speakers: int | None = None, threads: int = 1) -> Diarization:
    """Who speaks when in ``audio`` (a :class:`~lipsync.audio.Audio`), by the pipeline at ``model``.

    Runs on ``threads`` CPU threads (1 by default, so that results do not depend on the
    machine's core count). Returns non-overlapping turns (pyannote's exclusive diarization)
    and every speaker label.
    """
    pipeline = load_pipeline(str(Path(model).expanduser()))
    import numpy as np
    import torch

    import warnings

    previous = torch.get_num_threads()
    torch.set_num_threads(max(1, threads))
    try:
        waveform = torch.from_numpy(np.ascontiguousarray(audio.samples, dtype=np.float32))[None]
        options = {"num_speakers": num_speakers} if num_speakers else {}
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pyannote/numpy notes about short chunks: not the user's business
            output = pipeline({"waveform": waveform, "sample_rate": int(audio.sample_rate)}, **options)
    except DiarizationError:
        raise
    except Exception as error:  # noqa: BLE001
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DiarizationError(f"speaker diarization failed: {reason}",
                               "check that the model is a pyannote.audio 4.x speaker-diarization pipeline") from None
    finally:
        torch.set_num_threads(previous)
    full = getattr(output, "speaker_diarization", output)
    exclusive = getattr(output, "exclusive_speaker_diarization", full)
    turns = sorted((Turn(round(float(segment.start), 6), round(float(segment.end), 6), str(label))
                    for segment, _, label in exclusive.itertracks(yield_label=True)),
                   key=lambda turn: (turn.start, turn.end, turn.speaker))
    speakers = tuple(sorted({str(label) for label in full.labels()} | {turn.speaker for turn in turns}))
    return Diarization(tuple(turns), speakers)


# ----------------------------------------------------------------------------------------------
# Turns -> tracks


def speaker_at(turns: Sequence[Turn], start: float, end: float) -> str | None:
    """The speaker whose turns overlap ``start``-``end`` most; else the nearest turn's speaker."""
    if not turns:
        return None
    overlap: dict[str, float] = {}
    for turn in turns:
        shared = min(end, turn.end) - max(start, turn.start)
        if shared > 0:
            overlap[turn.speaker] = overlap.get(turn.speaker, 0.0) + shared
    if overlap:
        return max(sorted(overlap), key=lambda speaker: overlap[speaker])
    middle = (start + end) / 2
    nearest = min(turns, key=lambda turn: (min(abs(turn.start - middle), abs(turn.end - middle)), turn.speaker))
    return nearest.speaker


def split_by_turns(sheet: Any, diarization: Diarization, preset: Any,
                   names: Mapping[str, str] | None = None) -> Any:
    """``sheet`` re-split into one track per diarized speaker (named through ``names``).

    Every phone, word and dialogue line of the sheet's tracks goes to the speaker who talks
    most while it lasts; each track is animated on its own over the whole sheet, resting where
    its speaker is silent. With no turns at all, the sheet is returned unchanged.
    """
    from dataclasses import replace as _replace

    from .animate import animate
    from .frames import to_frames
    from .sheet import Track

    if not diarization.turns or not sheet.tracks:
        return sheet
    names = dict(names or {})
    labels = list(diarization.speakers)
    named = {label: names.get(label, label) for label in labels}
    phones: dict[str, list[Any]] = {label: [] for label in labels}
    words: dict[str, list[Any]] = {label: [] for label in labels}
    lines: dict[str, list[Any]] = {label: [] for label in labels}
    rate = sheet.rate
    for track in sheet.tracks:
        for phone in track.phones:
            phones.setdefault(speaker_at(diarization.turns, phone.start, phone.end) or labels[0], []).append(phone)
        for word in track.words:
            words.setdefault(speaker_at(diarization.turns, word.start, word.end) or labels[0], []).append(word)
        for line in track.lines:
            start, end = rate.seconds_at(line.frame), rate.seconds_at(line.frame + line.length)
            lines.setdefault(speaker_at(diarization.turns, start, end) or labels[0], []).append(line)
    duration = rate.seconds_at(sheet.duration_frames)
    tracks = []
    taken: set[str] = set()
    for label in sorted(phones):
        name = named.get(label, label)
        if name.casefold() in taken:  # two labels mapped to one character: merge them
            continue
        members = [other for other in phones if named.get(other, other).casefold() == name.casefold()]
        taken.add(name.casefold())
        own_phones = sorted((p for member in members for p in phones[member]), key=lambda p: (p.start, p.end))
        own_words = sorted((w for member in members for w in words[member]), key=lambda w: (w.start, w.end))
        own_lines = sorted((ln for member in members for ln in lines[member]), key=lambda ln: (ln.frame, ln.length))
        cues = to_frames(animate(own_phones, preset, duration), rate, preset, sheet.duration_frames)
        tracks.append(Track(name, cues, tuple(own_lines), tuple(own_words), tuple(own_phones)))
    return _replace(sheet, tracks=tuple(tracks))
