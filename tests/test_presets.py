"""Mouth-shape presets: the shipped files, loading a user's file, and the errors a user sees."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from lipsync.errors import PresetError
from lipsync.phonemes import VISEME_CLASSES, viseme_class
from lipsync.presets import (LongShape, Preset, Timing, load_preset, preset_summary,
                             shipped_presets)

SHIPPED = ("anime-3", "anime-5", "fleming-dobbs", "harmony", "oculus-15", "preston-blair", "rhubarb")

RHUBARB_CLASSES = {
    "silence": "X", "bilabial": "A", "labiodental": "G", "dental": "B", "alveolar": "B",
    "sibilant": "B", "postalveolar": "B", "lateral": "H", "rhotic": "B", "palatal": "B",
    "velar": "B", "glottal": "B", "labiovelar": "F", "vowel_close": "B",
    "vowel_close_rounded": "F", "vowel_mid": "C", "vowel_mid_rounded": "E",
    "vowel_central": "C", "vowel_open": "D", "vowel_near_open": "C", "vowel_rhotic": "E",
}

# The shapes in each preset that round or pucker the lips.
ROUNDED = {"rhubarb": {"E", "F"}, "harmony": {"E", "F"}, "preston-blair": {"U", "O", "WQ"},
           "fleming-dobbs": {"O"}, "oculus-15": {"ou", "oh"}, "anime-5": {"u", "o"}}

PRESET_TOML = """\
name = "mine"
description = "three test mouths"
rest = "rest"

[[shapes]]
name = "shut"
drawing = 10
label = "closed"
openness = 0

[[shapes]]
name = "wide"
drawing = 20
openness = 2

[[shapes]]
name = "rest"
drawing = 30
openness = 0

[classes]
{classes}

[long]
vowel_central = {{ shape = "wide", after = 0.3 }}

[timing]
step = 3
min_hold_frames = 3
"""


def _classes(**changes: str | None) -> str:
    mapping: dict[str, str | None] = {cls: "wide" for cls in VISEME_CLASSES}
    mapping.update(silence="rest", bilabial="shut")
    mapping.update(changes)
    return "\n".join(f'{cls} = "{shape}"' for cls, shape in mapping.items() if shape is not None)


def _write(tmp_path: Path, text: str | None = None, name: str = "mine.toml") -> Path:
    path = tmp_path / name
    path.write_text(PRESET_TOML.format(classes=_classes()) if text is None else text, encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(PresetError) as info:
        load_preset(path)
    return str(info.value)


# --- shipped presets ---------------------------------------------------------------------------


def test_shipped_presets_are_listed_sorted():
    assert shipped_presets() == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_preset_maps_all_classes_to_defined_shapes(name):
    preset = load_preset(name)
    assert preset.name == name
    assert preset.path and Path(preset.path).name == f"{name}.toml"
    assert set(preset.classes) == set(VISEME_CLASSES)
    names = set(preset.shape_set.names)
    assert set(preset.classes.values()) <= names
    assert {long.shape for long in preset.long_shapes.values()} <= names
    assert preset.rest in names and preset.closed in names
    drawings = [shape.drawing for shape in preset.shape_set.shapes]
    assert len(set(drawings)) == len(drawings) and min(drawings) >= 1
    assert all(shape.openness in (0, 1, 2) for shape in preset.shape_set.shapes)
    # The lips close on M, B, P in every preset, and the closed mouth is drawn closed.
    assert preset.shape_set.info(preset.closed).openness == 0
    assert preset.description
    assert name in preset_summary(preset) and "\n" not in preset_summary(preset)


@pytest.mark.parametrize("name", sorted(ROUNDED))
def test_front_rounded_vowel_rounds_the_lips_in_every_preset(name):
    # French "tu" /y/ has no English table entry: its class alone must give a rounded mouth.
    preset = load_preset(name)
    assert preset.shape_for(viseme_class("y"), 0.1) in ROUNDED[name]
    assert preset.shape_for(viseme_class("u"), 0.1) in ROUNDED[name]


def test_anime_3_has_no_rounded_mouth_and_shows_y_half_open():
    preset = load_preset("anime-3")
    assert preset.shape_for(viseme_class("y"), 0.1) == "half"
    assert preset.shape_for(viseme_class("a"), 0.1) == "open"
    assert preset.shape_for(viseme_class("m"), 0.1) == "closed"
    assert preset.rest == "closed"


def test_rhubarb_maps_exactly_as_rhubarb_does():
    preset = load_preset("rhubarb")
    assert dict(preset.classes) == RHUBARB_CLASSES
    assert preset.shape_set.names == ("A", "B", "C", "D", "E", "F", "G", "H", "X")
    assert [s.drawing for s in preset.shape_set.shapes] == list(range(1, 10))
    assert {s.name: s.openness for s in preset.shape_set.shapes} == {
        "A": 0, "X": 0, "B": 1, "F": 1, "G": 1, "C": 2, "D": 2, "E": 2, "H": 2}
    assert preset.rest == "X" and preset.closed == "A"
    # Rhubarb's cue times are the sound's times (its integrations add their own offsets), and its
    # diphthongs hold the first vowel for most of their length. Its minimum is in time (5-7 cs),
    # so a shape of that length still shows on one frame at 24 fps.
    assert preset.timing == Timing(lead_frames=0, min_hold_frames=1, min_hold_seconds=0.05, step=1, relaxed="B",
                                   diphthong_split=0.75)


def test_rhubarb_long_central_vowel_opens_wide():
    preset = load_preset("rhubarb")
    assert preset.shape_for("vowel_central", 0.25) == "D"
    assert preset.shape_for("vowel_central", 0.2) == "D"
    assert preset.shape_for("vowel_central", 0.1) == "C"
    assert preset.shape_for("vowel_open", 0.01) == "D"


def test_anime_presets_animate_on_twos_and_number_the_cels():
    for name, shapes in (("anime-3", ("closed", "half", "open")),
                         ("anime-5", ("closed", "half", "open", "u", "o"))):
        preset = load_preset(name)
        assert preset.timing.step == 2
        assert preset.shape_set.names == shapes
        assert [s.drawing for s in preset.shape_set.shapes] == list(range(1, len(shapes) + 1))


def test_preston_blair_uses_papagayo_names_in_opentoonz_slot_order():
    preset = load_preset("preston-blair")
    by_drawing = sorted(preset.shape_set.shapes, key=lambda s: s.drawing)
    assert [s.name.lower() for s in by_drawing] == "ai e o u fv l mbp wq etc rest".split()
    assert preset.closed == "MBP" and preset.rest == "rest"


def test_harmony_has_no_h_and_shows_l_as_c():
    preset = load_preset("harmony")
    assert "H" not in preset.shape_set.names
    assert preset.classes["lateral"] == "C"


def test_shipped_presets_are_cached_and_immutable():
    preset = load_preset("rhubarb")
    assert load_preset("rhubarb") is preset
    with pytest.raises(TypeError):
        preset.classes["bilabial"] = "C"  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        preset.name = "other"  # type: ignore[misc]
    assert hash(preset) == hash(load_preset("rhubarb"))


# --- user presets ------------------------------------------------------------------------------


def test_user_preset_loads_by_path(tmp_path):
    path = _write(tmp_path)
    for given in (path, str(path)):
        preset = load_preset(given)
        assert preset.name == "mine" and preset.path == str(path)
        assert preset.shape_set.names == ("shut", "wide", "rest")
        assert preset.shape_set.info("wide").drawing == 20
        assert preset.shape_set.info("shut").label == "closed"
        assert preset.closed == "shut" and preset.rest == "rest"
        assert preset.long_shapes["vowel_central"] == LongShape("wide", 0.3)
        assert preset.timing.step == 3 and preset.timing.min_hold_frames == 3
        assert preset.timing.lead_frames == Timing().lead_frames  # unspecified keys default


def test_user_preset_file_is_reread_after_editing(tmp_path):
    path = _write(tmp_path)
    assert load_preset(path).timing.step == 3
    path.write_text(path.read_text(encoding="utf-8").replace("step = 3", "step = 1"), encoding="utf-8")
    assert load_preset(path).timing.step == 1


def test_shape_drawing_defaults_to_its_position(tmp_path):
    text = PRESET_TOML.format(classes=_classes()).replace("drawing = 10\n", "").replace(
        "drawing = 20\n", "").replace("drawing = 30\n", "")
    preset = load_preset(_write(tmp_path, text))
    assert [s.drawing for s in preset.shape_set.shapes] == [1, 2, 3]


# --- errors a user sees ------------------------------------------------------------------------


def test_missing_class_names_file_and_class(tmp_path):
    path = _write(tmp_path, PRESET_TOML.format(classes=_classes(velar=None)))
    message = _error(path)
    assert str(path) in message and "classes.velar" in message and "missing" in message
    assert "vowel_near_open" in message  # the hint lists the valid classes


def test_unknown_class_is_named(tmp_path):
    path = _write(tmp_path, PRESET_TOML.format(classes=_classes() + '\nvelars = "wide"'))
    message = _error(path)
    assert str(path) in message and "classes.velars" in message and "unknown viseme class" in message
    assert "velar" in message


def test_undefined_shape_names_the_key_and_the_defined_shapes(tmp_path):
    path = _write(tmp_path, PRESET_TOML.format(classes=_classes(bilabial="Q")))
    message = _error(path)
    assert str(path) in message and "classes.bilabial" in message
    assert "'Q'" in message and "shut, wide, rest" in message


def test_undefined_rest_and_long_shape_are_errors(tmp_path):
    text = PRESET_TOML.format(classes=_classes())
    message = _error(_write(tmp_path, text.replace('rest = "rest"', 'rest = "idle"')))
    assert "rest:" in message and "'idle'" in message
    message = _error(_write(tmp_path, text.replace('shape = "wide", after', 'shape = "wider", after')))
    assert "long.vowel_central.shape" in message and "'wider'" in message


def test_duplicate_drawing_is_an_error(tmp_path):
    path = _write(tmp_path, PRESET_TOML.format(classes=_classes()).replace("drawing = 20", "drawing = 10"))
    message = _error(path)
    assert str(path) in message and "shapes[2].drawing" in message
    assert "drawing 10" in message and "'shut'" in message


def test_duplicate_shape_name_is_an_error(tmp_path):
    path = _write(tmp_path, PRESET_TOML.format(classes=_classes()).replace('name = "wide"', 'name = "shut"'))
    message = _error(path)
    assert "shapes[2].name" in message and "'shut'" in message and "twice" in message


@pytest.mark.parametrize("line, key", [
    ("drawing = 0", "shapes[1].drawing"),
    ('drawing = "1"', "shapes[1].drawing"),
    ("drawing = 1.5", "shapes[1].drawing"),
    ("openness = 3", "shapes[1].openness"),
])
def test_bad_shape_values_are_errors(tmp_path, line, key):
    text = PRESET_TOML.format(classes=_classes())
    field_name = line.split(" =")[0]
    original = "drawing = 10" if field_name == "drawing" else "openness = 0"
    message = _error(_write(tmp_path, text.replace(original, line, 1)))
    assert key in message and "expected" in message


def test_shape_name_with_space_is_an_error(tmp_path):
    # .dat and TSV exports separate fields by spaces: such a name would break them.
    text = PRESET_TOML.format(classes=_classes(bilabial="shut up")).replace('"shut"', '"shut up"')
    message = _error(_write(tmp_path, text))
    assert "shapes[1].name" in message


def test_bad_toml_syntax_names_file_and_line(tmp_path):
    text = PRESET_TOML.format(classes=_classes()).replace('rest = "rest"', 'rest = "rest')
    path = _write(tmp_path, text)
    message = _error(path)
    assert str(path) in message and "invalid TOML" in message and "line 3" in message


@pytest.mark.parametrize("old, new, key", [
    ("description =", "descripton =", "descripton"),
    ("openness = 2", "opennes = 2", "shapes[2].opennes"),
    ("step = 3", "steps = 3", "timing.steps"),
    ("after = 0.3", "afer = 0.3", "long.vowel_central.afer"),
])
def test_unknown_key_is_named_with_a_suggestion(tmp_path, old, new, key):
    path = _write(tmp_path, PRESET_TOML.format(classes=_classes()).replace(old, new, 1))
    message = _error(path)
    assert str(path) in message and f"{key}: unknown key" in message
    assert "did you mean" in message


@pytest.mark.parametrize("drop", ["name", "rest", "shapes", "classes"])
def test_missing_required_key_is_named(tmp_path, drop):
    text = PRESET_TOML.format(classes=_classes())
    if drop == "shapes":
        text = text.split("[[shapes]]")[0] + "[classes]" + text.split("[classes]")[1]
    elif drop == "classes":
        text = text.split("[classes]")[0] + "[long]" + text.split("[long]")[1]
    else:
        text = "\n".join(line for line in text.splitlines() if not line.startswith(f"{drop} ="))
    message = _error(_write(tmp_path, text))
    assert str(tmp_path) in message and f"{drop}: missing" in message


@pytest.mark.parametrize("line, key", [
    ("step = 5", "timing.step"),
    ("step = 0", "timing.step"),
    ("step = 2.0", "timing.step"),
    ("step = true", "timing.step"),
    ("min_hold_frames = 0", "timing.min_hold_frames"),
    ("min_hold_seconds = -0.05", "timing.min_hold_seconds"),
    ('min_hold_seconds = "7cs"', "timing.min_hold_seconds"),
    ("lead_frames = -1", "timing.lead_frames"),
    ('hold_gap = "short"', "timing.hold_gap"),
    ("relax_gap = 0.05", "timing.relax_gap"),
    ("diphthong_split = 1.5", "timing.diphthong_split"),
    ('relaxed = "nope"', "timing.relaxed"),
])
def test_out_of_range_timing_is_an_error(tmp_path, line, key):
    text = PRESET_TOML.format(classes=_classes()).replace("step = 3\nmin_hold_frames = 3\n", line + "\n")
    path = _write(tmp_path, text)
    message = _error(path)
    assert str(path) in message and key in message


def test_missing_file_and_folder_are_errors(tmp_path):
    assert "preset not found" in _error(tmp_path / "nothere.toml")
    assert "folder" in _error(tmp_path)


def test_unknown_name_lists_shipped_presets_and_paths():
    with pytest.raises(PresetError) as info:
        load_preset("rhubarbb")
    message = str(info.value)
    assert "unknown preset 'rhubarbb'" in message
    assert all(name in message for name in SHIPPED)
    assert ".toml" in message and "did you mean 'rhubarb'" in message


def test_name_lookup_ignores_case():
    assert load_preset("Rhubarb") is load_preset("rhubarb")


# --- with_timing --------------------------------------------------------------------------------


def test_with_timing_returns_a_changed_copy():
    preset = load_preset("rhubarb")
    twos = preset.with_timing(step=2, min_hold_frames=4, relaxed=None)
    assert twos.timing.step == 2 and twos.timing.min_hold_frames == 4
    assert twos.relaxed == "X"  # no relaxed shape: medium pauses rest
    assert twos.classes == preset.classes and twos.shape_set == preset.shape_set
    assert preset.timing.step == 1  # the shipped preset is unchanged
    assert load_preset("rhubarb").timing.step == 1


@pytest.mark.parametrize("overrides, key", [
    ({"step": 5}, "timing.step"),
    ({"step": 0}, "timing.step"),
    ({"min_hold_frames": 0}, "timing.min_hold_frames"),
    ({"lead_frames": -1}, "timing.lead_frames"),
    ({"relaxed": "Q"}, "timing.relaxed"),
    ({"hold_gap": 1.0}, "timing.relax_gap"),
    ({"stepp": 2}, "timing.stepp"),
])
def test_with_timing_validates(overrides, key):
    with pytest.raises(PresetError) as info:
        load_preset("rhubarb").with_timing(**overrides)
    assert key in str(info.value) and "rhubarb.toml" in str(info.value)


def test_preset_built_in_code_is_validated():
    base = load_preset("anime-3")
    classes = dict(base.classes)
    del classes["velar"]
    with pytest.raises(PresetError, match="classes.velar"):
        Preset(base.name, base.description, base.shape_set, classes, {}, base.timing)
    with pytest.raises(PresetError, match="timing.step"):
        Timing(step=9)
