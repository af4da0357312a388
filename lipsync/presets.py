"""Mouth-shape presets: which drawings a production uses and how phones map onto them.

A preset is a TOML file (the schema is documented at the top of ``presets/rhubarb.toml``). It
names the mouth shapes with their XDTS drawing numbers, maps every language-independent viseme
class (:data:`lipsync.phonemes.VISEME_CLASSES`) to one shape, optionally swaps in another shape
when a phone is held long, and carries the timing rules (lead, minimum hold, ones/twos/threes).

Shipped presets live in the top-level ``presets/`` folder; a wheel install maps that folder to the
``lipsync.shipped_presets`` package. A user's own preset is loaded by passing its path.

>>> preset = load_preset("rhubarb")
>>> preset.rest, preset.closed, preset.shape_for("vowel_central", 0.25)
('X', 'A', 'D')
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import importlib.resources
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .errors import PresetError
from .fileio import parse_toml, read_input
from .phonemes import VISEME_CLASSES
from .sheet import ShapeInfo, ShapeSet

_VALID_CLASSES_HINT = "the viseme classes are " + ", ".join(VISEME_CLASSES)
_SCHEMA_HINT = "see the comment at the top of presets/rhubarb.toml for the preset file layout"
_MAX_STEP = 4
#: Declared upper limits of a preset's numbers (far beyond any real production's).
MAX_TIMING_FRAMES = 100
MAX_TIMING_SECONDS = 60.0
MAX_DRAWING = 9999


@dataclass(frozen=True)
class Timing:
    """How a preset times its shapes on the frame grid."""

    lead_frames: int = 1          # the mouth leads the sound by this many frames
    min_hold_frames: int = 2      # no shape is held shorter (no one-frame flicker)
    min_hold_seconds: float = 0.0  # no shape lasts shorter (s), before framing (0: no minimum)
    step: int = 1                 # animate on ones (1), twos (2) or threes (3)
    hold_gap: float = 0.12        # pauses shorter than this (s) hold the previous shape
    relax_gap: float = 0.35       # pauses up to this show `relaxed`; longer pauses rest
    relaxed: str | None = None    # the shape for medium pauses (None: the rest shape)
    diphthong_split: float = 0.6  # share of a diphthong shown with its first vowel's shape

    def __post_init__(self) -> None:
        _check_timing({f.name: getattr(self, f.name) for f in dataclasses.fields(self)}, "")
        for name in ("min_hold_seconds", "hold_gap", "relax_gap", "diphthong_split"):
            object.__setattr__(self, name, float(getattr(self, name)))


_TIMING_KEYS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Timing))


@dataclass(frozen=True)
class LongShape:
    """A shape used instead of the class's shape when the phone lasts at least ``after`` seconds."""

    shape: str      # shape used instead when the phone lasts at least `after` seconds
    after: float


@dataclass(frozen=True)
class Preset:
    """A mouth-shape set, the viseme-class -> shape map and the timing rules.

    Presets are immutable: the mappings are read-only views, and :meth:`with_timing` returns a
    new preset. Constructing one checks that it is consistent (every class mapped to a defined
    shape, unique shape names and drawing numbers...) and raises :class:`PresetError` if not.
    """

    name: str
    description: str
    shape_set: ShapeSet
    classes: Mapping[str, str] = field(hash=False)
    long_shapes: Mapping[str, LongShape] = field(hash=False)
    timing: Timing
    path: str | None = None
    #: IPA symbols with a shape of their own, ahead of their class (e.g. Japanese moraic ``ɴ``).
    symbols: Mapping[str, str] = field(default_factory=dict, hash=False)
    #: Japanese dialogue is animated by morae (kuchipaku): see :func:`lipsync.japanese.mora_phones`.
    morae: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "classes", MappingProxyType(dict(self.classes)))
        object.__setattr__(self, "long_shapes", MappingProxyType(dict(self.long_shapes)))
        object.__setattr__(self, "symbols", MappingProxyType(dict(self.symbols)))
        _check_preset(self)

    def shape_for_symbol(self, symbol: str, viseme_class: str, duration: float) -> str:
        """The shape of the IPA phone ``symbol``: the preset's ``[symbols]`` entry if it has
        one, else its class's shape (:meth:`shape_for`)."""
        shape = self.symbols.get(symbol)
        return shape if shape is not None else self.shape_for(viseme_class, duration)

    def shape_for(self, viseme_class: str, duration: float) -> str:
        """The shape of a phone of ``viseme_class`` lasting ``duration`` seconds.

        >>> load_preset("rhubarb").shape_for("vowel_central", 0.1)
        'C'
        """
        long = self.long_shapes.get(viseme_class)
        if long is not None and duration >= long.after:
            return long.shape
        return self.classes[viseme_class]

    @property
    def rest(self) -> str:
        """The rest (idle) shape, shown in long pauses."""
        return self.shape_set.rest

    @property
    def closed(self) -> str:
        """The shape that closes the lips (the bilabial shape): never to be lost on M, B, P."""
        return self.classes["bilabial"]

    @property
    def relaxed(self) -> str:
        """The shape for medium pauses: ``timing.relaxed``, or the rest shape."""
        return self.timing.relaxed if self.timing.relaxed is not None else self.rest

    def with_timing(self, **overrides: Any) -> Preset:
        """A copy of the preset with some timing values changed, validated.

        >>> load_preset("rhubarb").with_timing(step=2).timing.step
        2
        """
        where = self.path or f"preset {self.name!r}"
        unknown = [key for key in overrides if key not in _TIMING_KEYS]
        if unknown:
            raise PresetError(f"{where}: timing.{unknown[0]}: unknown timing setting",
                              _known_hint(unknown[0], _TIMING_KEYS))
        values = dataclasses.asdict(self.timing)
        values.update(overrides)
        _check_timing(values, where, self.shape_set.names)
        return dataclasses.replace(self, timing=Timing(**values))


# --- validation -------------------------------------------------------------------------------


def _known_hint(key: str, known: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1)
    guess = f"did you mean {close[0]!r}? " if close else ""
    return f"{guess}valid keys here: {', '.join(known)}"


def _fail(where: str, key: str, message: str, hint: str | None = None) -> PresetError:
    prefix = f"{where}: " if where else ""
    return PresetError(f"{prefix}{key}: {message}", hint)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (_is_int(value) or isinstance(value, float)) and math.isfinite(value)


def _check_timing(values: Mapping[str, Any], where: str, shapes: tuple[str, ...] | None = None) -> None:
    """Raise PresetError for the first timing value of the wrong type or out of range."""
    def need_int(key: str, low: int, high: int | None, what: str) -> None:
        value = values[key]
        if not _is_int(value) or value < low or (high is not None and value > high):
            raise _fail(where, f"timing.{key}", f"expected {what}, got {value!r}")

    def need_seconds(key: str, what: str) -> None:
        value = values[key]
        if not _is_number(value) or not 0 <= value <= MAX_TIMING_SECONDS:
            raise _fail(where, f"timing.{key}", f"expected {what}, got {value!r}")

    need_int("lead_frames", 0, MAX_TIMING_FRAMES, f"a whole number of frames from 0 to {MAX_TIMING_FRAMES}")
    need_int("min_hold_frames", 1, MAX_TIMING_FRAMES, f"a whole number of frames from 1 to {MAX_TIMING_FRAMES}")
    need_int("step", 1, _MAX_STEP, f"1 (ones), 2 (twos), 3 (threes) or {_MAX_STEP}")
    need_seconds("min_hold_seconds", f"a number of seconds from 0 to {MAX_TIMING_SECONDS:g}")
    need_seconds("hold_gap", f"a number of seconds from 0 to {MAX_TIMING_SECONDS:g}")
    need_seconds("relax_gap", f"a number of seconds from 0 to {MAX_TIMING_SECONDS:g}")
    if values["relax_gap"] < values["hold_gap"]:
        raise _fail(where, "timing.relax_gap",
                    f"{values['relax_gap']!r} is shorter than timing.hold_gap ({values['hold_gap']!r})",
                    "pauses shorter than hold_gap hold the shape, up to relax_gap relax, longer rest")
    split = values["diphthong_split"]
    if not _is_number(split) or not 0 <= split <= 1:
        raise _fail(where, "timing.diphthong_split", f"expected a share between 0 and 1, got {split!r}")
    relaxed = values["relaxed"]
    if relaxed is not None:
        if not isinstance(relaxed, str):
            raise _fail(where, "timing.relaxed", f"expected a shape name, got {relaxed!r}")
        if shapes is not None and relaxed not in shapes:
            raise _fail(where, "timing.relaxed", f"shape {relaxed!r} is not one of the shapes {', '.join(shapes)}",
                        "define it in a [[shapes]] table, or leave timing.relaxed out to use the rest shape")


def _check_preset(preset: Preset) -> None:
    """Raise PresetError for the first inconsistency in a preset."""
    where = preset.path or f"preset {preset.name!r}"
    if not isinstance(preset.name, str) or not preset.name.strip():
        raise _fail(where, "name", f"expected a non-empty string, got {preset.name!r}")
    shapes = preset.shape_set.shapes
    if not shapes:
        raise _fail(where, "shapes", "the preset defines no shapes", _SCHEMA_HINT)
    by_name: dict[str, int] = {}
    by_drawing: dict[int, str] = {}
    for number, shape in enumerate(shapes, 1):
        key = f"shapes[{number}]"
        if not isinstance(shape.name, str) or not shape.name or shape.name != shape.name.strip() \
                or any(ch.isspace() for ch in shape.name):
            raise _fail(where, f"{key}.name", f"expected a non-empty name without spaces, got {shape.name!r}",
                        "shape names are written into .dat and .tsv files, which separate fields by spaces")
        if shape.name in by_name:
            raise _fail(where, f"{key}.name", f"shape {shape.name!r} is defined twice "
                        f"(also shapes[{by_name[shape.name]}])", "give each [[shapes]] table its own name")
        by_name[shape.name] = number
        if not _is_int(shape.drawing) or not 1 <= shape.drawing <= MAX_DRAWING:
            raise _fail(where, f"{key}.drawing", f"shape {shape.name!r}: expected a whole number from 1 to "
                        f"{MAX_DRAWING}, got {shape.drawing!r}", "drawing is the cel number written to XDTS sheets, from 1")
        if shape.drawing in by_drawing:
            raise _fail(where, f"{key}.drawing", f"shape {shape.name!r}: drawing {shape.drawing} is already "
                        f"used by shape {by_drawing[shape.drawing]!r}", "each shape needs its own drawing number")
        by_drawing[shape.drawing] = shape.name
        if not isinstance(shape.label, str):
            raise _fail(where, f"{key}.label", f"shape {shape.name!r}: expected a string, got {shape.label!r}")
        if not _is_int(shape.openness) or shape.openness not in (0, 1, 2):
            raise _fail(where, f"{key}.openness", f"shape {shape.name!r}: expected 0, 1 or 2, "
                        f"got {shape.openness!r}", "0 closed, 1 half open, 2 open")
    names = preset.shape_set.names
    defined = ", ".join(names)
    if preset.shape_set.rest not in by_name:
        raise _fail(where, "rest", f"shape {preset.shape_set.rest!r} is not one of the shapes {defined}",
                    "rest names the idle mouth shown in long pauses; define it in a [[shapes]] table")
    for cls, shape in preset.classes.items():
        if cls not in VISEME_CLASSES:
            raise _fail(where, f"classes.{cls}", "unknown viseme class", _VALID_CLASSES_HINT)
        if shape not in by_name:
            raise _fail(where, f"classes.{cls}", f"shape {shape!r} is not one of the shapes {defined}",
                        "map each class to a shape defined in a [[shapes]] table")
    missing = [cls for cls in VISEME_CLASSES if cls not in preset.classes]
    if missing:
        raise _fail(where, f"classes.{missing[0]}",
                    f"missing: every viseme class needs a shape (missing {', '.join(missing)})",
                    _VALID_CLASSES_HINT)
    for cls, long in preset.long_shapes.items():
        if cls not in VISEME_CLASSES:
            raise _fail(where, f"long.{cls}", "unknown viseme class", _VALID_CLASSES_HINT)
        if not isinstance(long, LongShape):
            raise _fail(where, f"long.{cls}", f"expected a LongShape, got {long!r}")
        if long.shape not in by_name:
            raise _fail(where, f"long.{cls}.shape", f"shape {long.shape!r} is not one of the shapes {defined}",
                        "map each class to a shape defined in a [[shapes]] table")
        if not _is_number(long.after) or not 0 < long.after <= MAX_TIMING_SECONDS:
            raise _fail(where, f"long.{cls}.after",
                        f"expected a number of seconds over 0, up to {MAX_TIMING_SECONDS:g}, got {long.after!r}")
    for symbol, shape in preset.symbols.items():
        if not isinstance(symbol, str) or not symbol.strip():
            raise _fail(where, f"symbols.{symbol}", "expected an IPA symbol as the key")
        if not isinstance(shape, str):
            raise _fail(where, f"symbols.{symbol}", f"expected a shape name, got {shape!r}")
        if shape not in by_name:
            raise _fail(where, f"symbols.{symbol}", f"shape {shape!r} is not one of the shapes {defined}",
                        "map each symbol to a shape defined in a [[shapes]] table")
    _check_timing(dataclasses.asdict(preset.timing), where, names)


# --- reading TOML -------------------------------------------------------------------------------

_TOP_KEYS = ("name", "description", "rest", "morae", "shapes", "classes", "long", "symbols", "timing")
_SHAPE_KEYS = ("name", "drawing", "label", "openness")
_LONG_KEYS = ("shape", "after")


def _check_keys(table: Mapping[str, Any], known: tuple[str, ...], where: str, prefix: str) -> None:
    for key in table:
        if key not in known:
            raise _fail(where, f"{prefix}{key}", "unknown key", _known_hint(key, known))


def _table(value: Any, where: str, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(where, key, f"expected a table, got {value!r}", _SCHEMA_HINT)
    return value


def _string(table: Mapping[str, Any], key: str, where: str, label: str, default: str | None = None) -> str:
    if key not in table:
        if default is not None:
            return default
        raise _fail(where, label, "missing", _SCHEMA_HINT)
    value = table[key]
    if not isinstance(value, str) or (default is None and not value.strip()):
        raise _fail(where, label, f"expected a {'non-empty ' if default is None else ''}string, got {value!r}")
    return value


def _parse(data: dict[str, Any], where: str) -> Preset:
    _check_keys(data, _TOP_KEYS, where, "")
    name = _string(data, "name", where, "name")
    description = _string(data, "description", where, "description", default="")
    rest = _string(data, "rest", where, "rest")
    morae = data.get("morae", False)
    if not isinstance(morae, bool):
        raise _fail(where, "morae", f"expected true or false, got {morae!r}")
    if "shapes" not in data:
        raise _fail(where, "shapes", "missing: add one [[shapes]] table per mouth shape", _SCHEMA_HINT)
    raw_shapes = data["shapes"]
    if not isinstance(raw_shapes, list) or not raw_shapes:
        raise _fail(where, "shapes", "expected one or more [[shapes]] tables", _SCHEMA_HINT)
    shapes = []
    for number, raw in enumerate(raw_shapes, 1):
        key = f"shapes[{number}]"
        raw = _table(raw, where, key)
        _check_keys(raw, _SHAPE_KEYS, where, f"{key}.")
        shapes.append(ShapeInfo(
            name=_string(raw, "name", where, f"{key}.name"),
            drawing=raw.get("drawing", number),
            label=raw.get("label", ""),
            openness=raw.get("openness", 1),
        ))
    if "classes" not in data:
        raise _fail(where, "classes", "missing: add a [classes] table mapping every viseme class to a shape",
                    _VALID_CLASSES_HINT)
    classes = _table(data["classes"], where, "classes")
    for cls, shape in classes.items():
        if not isinstance(shape, str):
            raise _fail(where, f"classes.{cls}", f"expected a shape name, got {shape!r}")
    long_shapes = {}
    for cls, raw in _table(data.get("long", {}), where, "long").items():
        raw = _table(raw, where, f"long.{cls}")
        _check_keys(raw, _LONG_KEYS, where, f"long.{cls}.")
        for key in _LONG_KEYS:
            if key not in raw:
                raise _fail(where, f"long.{cls}.{key}", "missing",
                            'write it as  class = { shape = "D", after = 0.2 }')
        if not isinstance(raw["shape"], str):
            raise _fail(where, f"long.{cls}.shape", f"expected a shape name, got {raw['shape']!r}")
        after = raw["after"]
        long_shapes[cls] = LongShape(raw["shape"], float(after) if _is_number(after) else after)
    raw_timing = _table(data.get("timing", {}), where, "timing")
    _check_keys(raw_timing, _TIMING_KEYS, where, "timing.")
    timing_values = dataclasses.asdict(Timing())
    timing_values.update(raw_timing)
    _check_timing(timing_values, where, tuple(s.name for s in shapes if isinstance(s.name, str)))
    return Preset(
        name=name,
        description=description,
        shape_set=ShapeSet(name=name, rest=rest, shapes=tuple(shapes)),
        classes=classes,
        long_shapes=long_shapes,
        timing=Timing(**timing_values),
        path=where,
        symbols=_table(data.get("symbols", {}), where, "symbols"),
        morae=morae,
    )


def _parse_text(text: str, where: str) -> Preset:
    return _parse(parse_toml(text, where, PresetError, _SCHEMA_HINT), where)


# --- finding presets ----------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def shipped_dir() -> Any:
    """The folder of shipped presets: the source checkout's (a :class:`~pathlib.Path`), else
    the installed package's (inside it), None in a broken install."""
    source = Path(__file__).resolve().parent.parent / "presets"
    if (source / "rhubarb.toml").is_file():
        return source
    try:
        return importlib.resources.files("lipsync.shipped_presets")
    except ModuleNotFoundError:  # pragma: no cover - a broken install
        return None


@functools.lru_cache(maxsize=1)
def _shipped_files() -> dict[str, Any]:
    folder = shipped_dir()
    if folder is None:
        return {}
    return {entry.name[:-len(".toml")]: entry for entry in folder.iterdir()
            if entry.name.endswith(".toml") and entry.is_file()}


def shipped_presets() -> tuple[str, ...]:
    """The names of the shipped presets, sorted.

    >>> "rhubarb" in shipped_presets()
    True
    """
    return tuple(sorted(_shipped_files()))


@functools.lru_cache(maxsize=None)
def _load_shipped(name: str) -> Preset:
    entry = _shipped_files()[name]
    return _parse_text(entry.read_text(encoding="utf-8"), str(entry))


def _load_file(path: Path) -> Preset:
    where = str(path)
    data = read_input(path, "preset", PresetError, hint=f"shipped presets: {', '.join(shipped_presets())}; "
                      "or the path of your own .toml preset file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PresetError(f"{where}: not UTF-8 text (byte {exc.start})", "save the preset as UTF-8") from None
    return _parse_text(text, where)


def load_preset(name_or_path: str | Path) -> Preset:
    """A shipped preset by name (``"rhubarb"``), or a user's preset file by path.

    Shipped presets are cached; a file is read again on every call, so edits show up.
    """
    if isinstance(name_or_path, Preset):
        return name_or_path
    if isinstance(name_or_path, Path):
        return _load_file(name_or_path)
    if not isinstance(name_or_path, str):
        raise PresetError(f"expected a preset name or path, got {name_or_path!r}")
    text = name_or_path.strip()
    shipped = _shipped_files()
    looks_like_path = "/" in text or "\\" in text or text.lower().endswith(".toml")
    if not looks_like_path:
        if text in shipped:
            return _load_shipped(text)
        if text.lower() in shipped:
            return _load_shipped(text.lower())
    if looks_like_path or Path(text).is_file():
        return _load_file(Path(name_or_path))
    close = difflib.get_close_matches(text.lower(), list(shipped), n=1)
    guess = f"did you mean {close[0]!r}? " if close else ""
    raise PresetError(f"unknown preset {name_or_path!r}",
                      f"{guess}shipped presets: {', '.join(shipped_presets()) or 'none found'}; "
                      "a path to your own .toml preset file also works")


def preset_summary(preset: Preset | str | Path) -> str:
    """One line for ``lipsync presets``: name, shape names (and the rest shape), description.

    >>> preset_summary("anime-3")
    'anime-3: closed half open (rest closed) - Anime kuchipaku: three mouths, closed, half and open'
    """
    preset = load_preset(preset)
    line = f"{preset.name}: {' '.join(preset.shape_set.names)} (rest {preset.rest})"
    if preset.description:
        line += f" - {preset.description}"
    return " ".join(line.split())
