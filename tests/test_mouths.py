"""Built-in mouth drawings (every shape of every shipped preset) and the user's --mouths folder."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from lipsync.errors import MouthError
from lipsync.mouths import (builtin_mouth_image, builtin_mouth_svg, load_mouth_image, mouth_images,
                            mouth_pose, user_mouths)
from lipsync.presets import load_preset, shipped_presets
from lipsync.sheet import ShapeInfo, ShapeSet

SVG = "{http://www.w3.org/2000/svg}"
ALL_SHAPES = [(name, shape) for name in shipped_presets() for shape in load_preset(name).shape_set.names]


@pytest.mark.parametrize(("preset", "shape"), ALL_SHAPES)
def test_every_shipped_shape_has_a_standalone_svg(preset, shape):
    root = ET.fromstring(builtin_mouth_svg(preset, shape))
    assert root.tag == f"{SVG}svg" and root.get("viewBox")
    assert root.find(f"{SVG}title").text.startswith(shape)
    assert root.findall(f".//{SVG}path"), "a mouth is drawn"


def test_element_ids_are_unique_across_presets_so_drawings_share_a_page():
    ids = [element.get("id") for preset, shape in ALL_SHAPES
           for element in ET.fromstring(builtin_mouth_svg(preset, shape)).iter() if element.get("id")]
    assert len(ids) == len(set(ids))


def _pixels(preset: str, shape: str) -> np.ndarray:
    return np.asarray(builtin_mouth_image(preset, shape, 120, 80), dtype=np.int16)


@pytest.mark.parametrize("preset", shipped_presets())
def test_shapes_of_a_preset_are_told_apart(preset):
    images = {shape: _pixels(preset, shape) for shape in load_preset(preset).shape_set.names}
    for (a, first), (b, second) in itertools.combinations(images.items(), 2):
        differing = np.abs(first - second).max(axis=2) > 40
        assert differing.mean() > 0.015, f"{preset}: {a} and {b} look alike"


def _dedicated(preset, cls: str) -> str | None:
    """The shape ``cls`` maps to, when no other class maps to it (a shape drawn for it)."""
    shape = preset.classes[cls]
    others = [c for c, s in preset.classes.items() if s == shape and c != cls]
    return None if others or shape == preset.rest else shape


@pytest.mark.parametrize("name", shipped_presets())
def test_poses_follow_what_the_lips_do(name):
    preset = load_preset(name)
    assert mouth_pose(preset, preset.rest).openness == 0
    bilabial = preset.classes["bilabial"]
    if bilabial != preset.rest:
        assert mouth_pose(preset, bilabial).closure == "pressed"
    else:
        assert mouth_pose(preset, bilabial).closure in ("rest", "pressed")
    labiodental = _dedicated(preset, "labiodental")
    if labiodental:
        assert mouth_pose(preset, labiodental).closure == "lip-on-teeth"
    for rounded in ("vowel_close_rounded", "vowel_mid_rounded"):
        shape = preset.classes[rounded]
        if all(cls in ("vowel_close_rounded", "vowel_mid_rounded", "labiovelar", "vowel_rhotic")
               for cls, s in preset.classes.items() if s == shape):
            assert mouth_pose(preset, shape).roundness >= 0.6, shape
    dental = _dedicated(preset, "dental")
    if dental:
        assert mouth_pose(preset, dental).tongue == "between"
    lateral = _dedicated(preset, "lateral")
    if lateral:
        assert mouth_pose(preset, lateral).tongue == "up"


def test_wide_open_is_drawn_taller_than_open_and_open_than_half():
    def height(shape: str) -> int:
        alpha = np.asarray(builtin_mouth_image("rhubarb", shape, 240, 160))[:, :, 3]
        rows = np.flatnonzero(alpha.max(axis=1) > 0)
        return int(rows[-1] - rows[0])

    assert height("D") > height("C") > height("B") > height("X")


def test_closed_shapes_show_no_mouth_opening():
    inside = np.array([0x4a, 0x18, 0x20])
    for preset, shape in (("preston-blair", "MBP"), ("rhubarb", "A"), ("anime-3", "closed"), ("oculus-15", "sil")):
        rgb = np.asarray(builtin_mouth_image(preset, shape, 240, 160).convert("RGB"), dtype=np.int16)
        assert not (np.abs(rgb - inside).max(axis=2) < 12).any(), (preset, shape)
    rgb = np.asarray(builtin_mouth_image("preston-blair", "AI", 240, 160).convert("RGB"), dtype=np.int16)
    assert (np.abs(rgb - inside).max(axis=2) < 12).mean() > 0.05


def test_a_users_own_preset_gets_drawings(tmp_path):
    text = load_preset("rhubarb").path and open(load_preset("rhubarb").path, encoding="utf-8").read()
    own = tmp_path / "mine.toml"
    own.write_text(text.replace('name = "rhubarb"', 'name = "mine"'), encoding="utf-8")
    assert builtin_mouth_svg(own, "A") != builtin_mouth_svg(own, "D")
    assert 'id="mouth-mine-A"' in builtin_mouth_svg(own, "A")


def test_a_sheets_shape_set_uses_its_shipped_presets_drawings_or_openness():
    shipped = load_preset("preston-blair").shape_set
    assert builtin_mouth_svg(shipped, "FV") == builtin_mouth_svg("preston-blair", "FV")
    foreign = ShapeSet("xdts", "1", (ShapeInfo("1", 1, openness=0), ShapeInfo("2", 2, openness=2)))
    assert mouth_pose(foreign, "1").closure == "rest" and mouth_pose(foreign, "2").openness == 2


def test_unknown_shape_is_an_error_naming_the_shapes():
    with pytest.raises(MouthError, match=r"preset 'anime-3' has no mouth shape 'MBP'.*closed, half, open"):
        builtin_mouth_svg("anime-3", "MBP")


# --- the user's drawings ---------------------------------------------------------------------


def _png(path, color=(255, 0, 0, 255), size=(40, 20)):
    Image.new("RGBA", size, color).save(path)
    return path


def test_user_mouths_by_name_or_drawing_number(tmp_path):
    for name in ("closed.png", "HALF.svg", "03.jpg", "notes.txt"):
        (tmp_path / name).write_bytes(b"")
    found = user_mouths(tmp_path, "anime-3")
    assert {shape: path.name for shape, path in found.items()} == {
        "closed": "closed.png", "half": "HALF.svg", "open": "03.jpg"}


def test_user_mouths_name_wins_over_number_and_png_over_jpeg(tmp_path):
    for name in ("1.png", "closed.jpg", "closed.png", "2.jpeg", "2.png", "open.svg"):
        (tmp_path / name).write_bytes(b"")
    found = user_mouths(tmp_path, "anime-3")
    assert [found[s].name for s in ("closed", "half", "open")] == ["closed.png", "2.png", "open.svg"]


def test_missing_user_mouth_names_the_shape_and_the_files_looked_for(tmp_path):
    (tmp_path / "closed.png").write_bytes(b"")
    (tmp_path / "open.png").write_bytes(b"")
    with pytest.raises(MouthError) as error:
        user_mouths(tmp_path, "anime-3")
    message = str(error.value)
    assert "no drawing for shape 'half'" in message
    assert "half.png, half.svg, half.jpg, half.jpeg, 2.png, 2.svg, 2.jpg, 2.jpeg" in message
    assert "\n" not in message


def test_missing_mouths_folder(tmp_path):
    with pytest.raises(MouthError, match="does not exist"):
        user_mouths(tmp_path / "nowhere", "anime-3")
    with pytest.raises(MouthError, match="not a folder"):
        user_mouths(_png(tmp_path / "a.png"), "anime-3")


def test_user_images_of_each_type_are_fitted_keeping_their_aspect(tmp_path):
    _png(tmp_path / "closed.png", (255, 0, 0, 255), (40, 20))
    Image.new("RGB", (20, 20), (0, 0, 255)).save(tmp_path / "half.jpg")
    (tmp_path / "open.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        '<rect width="10" height="10" fill="#00ff00"/></svg>', encoding="utf-8")
    images = mouth_images("anime-3", 100, 50, tmp_path)
    assert all(image.size == (100, 50) and image.mode == "RGBA" for image in images.values())
    closed, half, opened = (np.asarray(images[s]) for s in ("closed", "half", "open"))
    assert tuple(closed[25, 50]) == (255, 0, 0, 255) and closed[:, :, 3].min() == 255   # 2:1 fills 2:1
    assert half[25, 5, 3] == 0 and half[25, 50, 2] > 200                           # square: centred
    assert tuple(opened[25, 50]) == (0, 255, 0, 255) and opened[25, 10, 3] == 0


def test_unreadable_user_image_is_a_one_line_error(tmp_path):
    (tmp_path / "bad.png").write_bytes(b"not an image")
    with pytest.raises(MouthError, match="cannot read mouth image"):
        load_mouth_image(tmp_path / "bad.png", 10, 10)
    (tmp_path / "bad.svg").write_text("<svg", encoding="utf-8")
    with pytest.raises(MouthError, match="cannot draw mouth image"):
        load_mouth_image(tmp_path / "bad.svg", 10, 10)


def test_builtin_images_are_the_rasterised_svg():
    images = mouth_images("anime-3", 120, 80)
    assert set(images) == {"closed", "half", "open"}
    assert np.array_equal(np.asarray(images["open"]), np.asarray(builtin_mouth_image("anime-3", "open", 120, 80)))
