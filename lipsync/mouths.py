"""Mouth drawings: built-in vector mouths for every preset shape, or the user's own images.

The built-in mouths are drawn from what the lips do, not from a table per preset: each shape's
:class:`MouthPose` is derived from its ``openness`` and from the viseme classes the preset maps
onto it (a shape that carries ``bilabial`` closes the lips, ``labiodental`` puts the upper teeth
on the lower lip, rounded vowels round and narrow the lips, ``lateral`` raises the tongue...). So
every shipped preset, and a user's own preset file, gets a set of recognisable, distinct mouths.
The pose is written as SVG (:func:`builtin_mouth_svg`, drawn as is by ``lipsync review``) and the
same SVG is rasterised for videos (:func:`mouth_images`, used by ``lipsync preview``).

A user's own drawings come from a folder with one image per shape, named by the shape name or
the drawing number (``MBP.png`` or ``7.png``; PNG, SVG or JPEG): :func:`user_mouths`.

>>> pose = mouth_pose("preston-blair", "MBP")
>>> pose.closure, pose.openness
('pressed', 0)
>>> mouth_pose("preston-blair", "FV").closure, mouth_pose("preston-blair", "O").roundness > 0.5
('lip-on-teeth', True)
>>> builtin_mouth_svg("rhubarb", "A").startswith("<svg")
True
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Union

from .errors import MouthError
from .phonemes import viseme_class
from .presets import Preset, load_preset, shipped_presets
from .sheet import ShapeSet

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image

PresetLike = Union[Preset, ShapeSet, str, Path]

#: Size of the built-in drawings' canvas (SVG user units); videos scale it.
CANVAS_WIDTH, CANVAS_HEIGHT = 240, 160

# The drawings' coordinates span the canvas; the view box frames the part a mouth can reach.
_VIEW_BOX = "20 13.3 200 133.3"

#: Image types read from a ``--mouths`` folder, in the order they are looked for.
MOUTH_EXTENSIONS: tuple[str, ...] = (".png", ".svg", ".jpg", ".jpeg")

_LIP = "#d9737d"
_LINE = "#6b2a35"
_INSIDE = "#4a1820"
_TEETH = "#fbf8f0"
_TONGUE = "#e98f9b"

# What the lips, teeth, tongue and jaw do for each viseme class (0..1 each). A shape's pose is
# the average over the classes its preset maps onto it.
_CLASS_FEATURES: dict[str, dict[str, float]] = {
    "silence": {"rest": 1},
    "bilabial": {"press": 1},
    "labiodental": {"lip_teeth": 1},
    "dental": {"teeth": 1, "tongue_between": 1},
    "alveolar": {"teeth": 1, "lower_teeth": 1, "tongue_up": 0.4},
    "sibilant": {"teeth": 1, "lower_teeth": 1, "clench": 1, "spread": 0.5},
    "postalveolar": {"teeth": 1, "lower_teeth": 1, "clench": 1, "round": 0.5, "pucker": 0.6},
    "lateral": {"teeth": 1, "tongue_up": 1},
    "rhotic": {"round": 0.5, "teeth": 0.5},
    "palatal": {"spread": 1, "teeth": 1, "lower_teeth": 0.5},
    "velar": {"tongue_back": 1},
    "glottal": {},
    "labiovelar": {"round": 1, "pucker": 1},
    "vowel_close": {"spread": 1, "teeth": 1, "lower_teeth": 0.5},
    "vowel_close_rounded": {"round": 1, "pucker": 1},
    "vowel_mid": {"spread": 0.5, "teeth": 1},
    "vowel_mid_rounded": {"round": 1},
    "vowel_central": {"jaw": 0.5},
    "vowel_open": {"jaw": 1, "tongue_low": 1},
    "vowel_near_open": {"jaw": 0.8, "spread": 0.3, "teeth": 0.5},
    "vowel_rhotic": {"round": 0.6},
}
_TONGUES = ("up", "between", "back", "low")   # in order of precedence on a tie


@dataclass(frozen=True)
class MouthPose:
    """What a mouth drawing shows: how open, wide and round, and which teeth and tongue.

    ``closure`` is ``"rest"`` (relaxed closed lips), ``"pressed"`` (lips pressed together, as
    for M, B, P), ``"lip-on-teeth"`` (upper teeth on the lower lip, F, V) or ``None`` (open).
    """

    openness: int
    closure: str | None
    spread: float = 0.0
    roundness: float = 0.0
    pucker: float = 0.0
    jaw: float = 0.0
    upper_teeth: bool = False
    lower_teeth: bool = False
    clenched: bool = False
    tongue: str | None = None


# --- from a preset to poses -------------------------------------------------------------------


def shape_set_of(preset: Preset | ShapeSet) -> ShapeSet:
    """The shapes of a preset (a sheet's ShapeSet is its own)."""
    return preset.shape_set if isinstance(preset, Preset) else preset


def resolve_preset(preset: PresetLike) -> Preset | ShapeSet:
    """A :class:`Preset` for a name or path; a sheet's :class:`ShapeSet` becomes the shipped
    preset of that name when it has the same shapes (it then gets the same drawings), else it
    is kept as it is (drawn from each shape's openness alone)."""
    if isinstance(preset, (Preset, str, Path)):
        return load_preset(preset)
    if preset.name in shipped_presets():
        shipped = load_preset(preset.name)
        if shipped.shape_set.names == preset.names:
            return shipped
    return preset


def _classes_of(preset: Preset, shape: str) -> list[tuple[str, float]]:
    """The viseme classes drawn with ``shape``, each with the jaw it opens to (None: its own)."""
    found: list[tuple[str, float]] = [(cls, -1.0) for cls, name in preset.classes.items() if name == shape]
    found += [(cls, 1.0) for cls, long in preset.long_shapes.items() if long.shape == shape]
    found += [(viseme_class(symbol), -1.0) for symbol, name in preset.symbols.items() if name == shape]
    return found


def mouth_pose(preset: PresetLike, shape: str) -> MouthPose:
    """The pose drawn for ``shape`` of ``preset`` (a Preset, a shipped name, a path or a ShapeSet).

    Raises :class:`MouthError` when the preset has no such shape.

    >>> mouth_pose("rhubarb", "X").closure, mouth_pose("rhubarb", "H").tongue
    ('rest', 'up')
    """
    preset = resolve_preset(preset)
    shapes = shape_set_of(preset)
    try:
        info = shapes.info(shape)
    except KeyError:
        raise MouthError(f"preset {shapes.name!r} has no mouth shape {shape!r}",
                         f"its shapes: {', '.join(shapes.names)}") from None
    classes = _classes_of(preset, shape) if isinstance(preset, Preset) else []
    totals: dict[str, float] = {}
    for cls, jaw in classes:
        features = dict(_CLASS_FEATURES[cls])
        if jaw >= 0:
            features["jaw"] = jaw
        for key, value in features.items():
            totals[key] = totals.get(key, 0.0) + value
    count = max(len(classes), 1)
    mean = {key: value / count for key, value in totals.items()}
    if shape == shapes.rest and not mean:
        mean = {"rest": 1.0}

    def level(key: str) -> float:
        return round(mean.get(key, 0.0), 3)

    if info.openness == 0:
        pressed = level("press") > level("rest")
        return MouthPose(openness=0, closure="pressed" if pressed else "rest")
    if level("lip_teeth") >= 0.5:
        return MouthPose(openness=info.openness, closure="lip-on-teeth", upper_teeth=True)
    tongue_levels = {name: level(f"tongue_{name}") for name in _TONGUES}
    best = max(_TONGUES, key=lambda name: tongue_levels[name])
    tongue = best if tongue_levels[best] >= 0.45 else ("low" if info.openness == 2 else None)
    return MouthPose(
        openness=info.openness,
        closure=None,
        spread=level("spread"),
        roundness=min(1.0, level("round") + 0.3 * level("pucker")),
        pucker=level("pucker"),
        jaw=level("jaw"),
        upper_teeth=level("teeth") >= 0.5,
        lower_teeth=level("lower_teeth") >= 0.5,
        clenched=level("clench") >= 0.5,
        tongue=tongue,
    )


# --- drawing a pose as SVG ------------------------------------------------------------------


def _n(value: float) -> str:
    """A coordinate written with at most one decimal, without a trailing ``.0``."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _almond(cx: float, cy: float, half_width: float, top: float, bottom: float, roundness: float) -> str:
    """A closed path from corner to corner over ``top`` and under ``bottom`` (distances from
    ``cy``): pointed corners when ``roundness`` is 0, an ellipse when it is 1."""
    k = 0.12 + 0.43 * roundness          # how far up the corner's tangent rises
    c = 0.78 - 0.23 * roundness          # how far the flat top reaches toward the corner
    left, right = cx - half_width, cx + half_width
    return (f"M{_n(left)} {_n(cy)}"
            f"C{_n(left)} {_n(cy - k * top)} {_n(cx - c * half_width)} {_n(cy - top)} {_n(cx)} {_n(cy - top)}"
            f"C{_n(cx + c * half_width)} {_n(cy - top)} {_n(right)} {_n(cy - k * top)} {_n(right)} {_n(cy)}"
            f"C{_n(right)} {_n(cy + k * bottom)} {_n(cx + c * half_width)} {_n(cy + bottom)} {_n(cx)} {_n(cy + bottom)}"
            f"C{_n(cx - c * half_width)} {_n(cy + bottom)} {_n(left)} {_n(cy + k * bottom)} {_n(left)} {_n(cy)}Z")


def _lips(cx: float, cy: float, half_width: float, top: float, bottom: float, roundness: float) -> str:
    """The outer outline of both lips, with the upper lip's cupid's bow."""
    k = 0.12 + 0.43 * roundness
    left, right = cx - half_width, cx + half_width
    peak = cy - top
    dip = peak + 0.22 * top
    return (f"M{_n(left)} {_n(cy)}"
            f"C{_n(left)} {_n(cy - k * top)} {_n(cx - 0.55 * half_width)} {_n(peak)} {_n(cx - 0.22 * half_width)} {_n(peak)}"
            f"Q{_n(cx - 0.08 * half_width)} {_n(peak)} {_n(cx)} {_n(dip)}"
            f"Q{_n(cx + 0.08 * half_width)} {_n(peak)} {_n(cx + 0.22 * half_width)} {_n(peak)}"
            f"C{_n(cx + 0.55 * half_width)} {_n(peak)} {_n(right)} {_n(cy - k * top)} {_n(right)} {_n(cy)}"
            f"C{_n(right)} {_n(cy + k * bottom)} {_n(cx + 0.6 * half_width)} {_n(cy + bottom)} {_n(cx)} {_n(cy + bottom)}"
            f"C{_n(cx - 0.6 * half_width)} {_n(cy + bottom)} {_n(left)} {_n(cy + k * bottom)} {_n(left)} {_n(cy)}Z")


def _element_id(preset_name: str, shape: str) -> str:
    """An id unique to a preset's shape, so that many drawings can share one HTML page."""
    return "mouth-" + re.sub(r"[^A-Za-z0-9_-]", "_", f"{preset_name}-{shape}")


def pose_svg(pose: MouthPose, element_id: str = "mouth", title: str | None = None) -> str:
    """The SVG drawing of ``pose`` on a 240 x 160 canvas with a transparent background."""
    cx, cy = CANVAS_WIDTH / 2, CANVAS_HEIGHT / 2
    stroke = f'stroke="{_LINE}" stroke-width="3" stroke-linejoin="round" stroke-linecap="round"'
    parts: list[str] = []
    if title:
        parts.append(f"<title>{_escape(title)}</title>")
    if pose.openness == 0 or pose.closure in ("rest", "pressed"):
        pressed = pose.closure == "pressed"
        half = 66.0 if pressed else 62.0
        top, bottom = (8.0, 9.0) if pressed else (13.0, 16.0)
        parts.append(f'<path d="{_lips(cx, cy, half + 4, top, bottom, 0.0)}" fill="{_LIP}" {stroke}/>')
        sag = 0.0 if pressed else 3.0
        parts.append(f'<path d="M{_n(cx - half)} {_n(cy)}Q{_n(cx)} {_n(cy + 2 * sag)} {_n(cx + half)} {_n(cy)}" '
                     f'fill="none" {stroke}/>')
        if pressed:   # creases at the corners where the pressed lips bunch up
            for side in (-1, 1):
                x = cx + side * (half + 5)
                parts.append(f'<path d="M{_n(x)} {_n(cy - 6)}Q{_n(x + side * 4)} {_n(cy)} {_n(x)} {_n(cy + 6)}" '
                             f'fill="none" {stroke}/>')
        return _svg(element_id, parts)

    half = 64.0 * (1 + 0.25 * pose.spread - 0.45 * pose.roundness - 0.1 * pose.pucker)
    if pose.openness == 1:
        opening = 9.0 + 3.0 * pose.jaw + 5.0 * pose.roundness
    else:
        opening = 18.0 + 16.0 * pose.jaw + 6.0 * pose.roundness
    if pose.closure == "lip-on-teeth":
        half, opening = 58.0, 9.0
    upper_lip = 11.0 + 6.0 * pose.pucker + 2.0 * pose.roundness
    lower_lip = 14.0 + 6.0 * pose.pucker + 2.0 * pose.roundness
    outer = half + 6 + 4 * pose.pucker
    parts.append(f'<path d="{_lips(cx, cy, outer, opening + upper_lip, opening + lower_lip, pose.roundness)}" '
                 f'fill="{_LIP}" {stroke}/>')
    inner = _almond(cx, cy, half, opening, opening, pose.roundness)
    clip = f"{element_id}-opening"
    parts.append(f'<clipPath id="{clip}"><path d="{inner}"/></clipPath>')
    parts.append(f'<path d="{inner}" fill="{_INSIDE}"/>')
    inside: list[str] = []
    tooth_line = 'stroke="#c9c1b4" stroke-width="1.5"'
    if pose.closure == "lip-on-teeth":
        inside.append(f'<rect x="{_n(cx - half)}" y="{_n(cy - opening)}" width="{_n(2 * half)}" '
                      f'height="{_n(2 * opening)}" fill="{_TEETH}"/>')
    else:
        if pose.tongue == "low":
            inside.append(f'<ellipse cx="{_n(cx)}" cy="{_n(cy + 1.25 * opening)}" rx="{_n(0.62 * half)}" '
                          f'ry="{_n(0.7 * opening)}" fill="{_TONGUE}"/>')
        elif pose.tongue == "back":
            inside.append(f'<ellipse cx="{_n(cx)}" cy="{_n(cy + 0.95 * opening)}" rx="{_n(0.95 * half)}" '
                          f'ry="{_n(0.95 * opening)}" fill="{_TONGUE}"/>')
        elif pose.tongue == "up":
            inside.append(f'<path d="M{_n(cx - 0.5 * half)} {_n(cy + opening)}'
                          f'C{_n(cx - 0.35 * half)} {_n(cy - 0.2 * opening)} {_n(cx - 0.2 * half)} {_n(cy - opening)} '
                          f'{_n(cx)} {_n(cy - opening)}'
                          f'C{_n(cx + 0.2 * half)} {_n(cy - opening)} {_n(cx + 0.35 * half)} {_n(cy - 0.2 * opening)} '
                          f'{_n(cx + 0.5 * half)} {_n(cy + opening)}Z" fill="{_TONGUE}"/>')
        teeth_height = min(0.55 * opening, 11.0)
        if pose.clenched:
            teeth_height = opening - 1.5
        if pose.upper_teeth or pose.clenched:
            inside.append(f'<rect x="{_n(cx - half)}" y="{_n(cy - opening)}" width="{_n(2 * half)}" '
                          f'height="{_n(teeth_height)}" fill="{_TEETH}"/>')
        low = opening - 1.5 if pose.clenched else min(0.45 * opening, 9.0)
        if pose.lower_teeth or pose.clenched:
            inside.append(f'<rect x="{_n(cx - half)}" y="{_n(cy + opening - low)}" width="{_n(2 * half)}" '
                          f'height="{_n(low)}" fill="{_TEETH}"/>')
        offsets = (-0.5, -0.17, 0.17, 0.5)   # the gaps between the front teeth
        if pose.upper_teeth or pose.clenched:
            inside += [f'<path d="M{_n(cx + offset * half)} {_n(cy - opening)}v{_n(teeth_height)}" {tooth_line}/>'
                       for offset in offsets]
        if pose.lower_teeth or pose.clenched:
            inside += [f'<path d="M{_n(cx + offset * half)} {_n(cy + opening)}v{_n(-low)}" {tooth_line}/>'
                       for offset in offsets]
        if pose.clenched:
            inside.append(f'<path d="M{_n(cx - half)} {_n(cy)}H{_n(cx + half)}" stroke="{_INSIDE}" stroke-width="2"/>')
    parts.append(f'<g clip-path="url(#{clip})">{"".join(inside)}</g>')
    parts.append(f'<path d="{inner}" fill="none" {stroke}/>')
    if pose.tongue == "between":   # the tongue tip pushed out between the teeth, over the lower lip
        parts.append(f'<ellipse cx="{_n(cx)}" cy="{_n(cy + 0.9 * opening)}" rx="{_n(0.42 * half)}" '
                     f'ry="{_n(max(opening, 9.0))}" fill="{_TONGUE}" {stroke}/>')
    if pose.closure == "lip-on-teeth":   # the lower lip tucked up under the upper teeth
        bottom = cy + opening + lower_lip
        parts.append(f'<path d="M{_n(cx - half - 2)} {_n(cy + 2)}Q{_n(cx)} {_n(cy - 4)} {_n(cx + half + 2)} {_n(cy + 2)}'
                     f'Q{_n(cx + half)} {_n(bottom - 4)} {_n(cx)} {_n(bottom)}'
                     f'Q{_n(cx - half)} {_n(bottom - 4)} {_n(cx - half - 2)} {_n(cy + 2)}Z" fill="{_LIP}" {stroke}/>')
    return _svg(element_id, parts)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _svg(element_id: str, parts: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" id="{element_id}" width="{CANVAS_WIDTH}" '
            f'height="{CANVAS_HEIGHT}" viewBox="{_VIEW_BOX}">'
            + "".join(part for part in parts if part) + "</svg>\n")


def builtin_mouth_svg(preset: PresetLike, shape_name: str) -> str:
    """The built-in vector drawing of ``shape_name`` of ``preset``, as a standalone SVG document.

    ``preset`` is a :class:`~lipsync.presets.Preset`, a shipped preset's name, a preset file or
    a sheet's :class:`~lipsync.sheet.ShapeSet`. Element ids are unique per preset and shape, so
    several drawings can be inlined in one HTML page. Raises :class:`MouthError` for a shape the
    preset does not have.

    >>> 'id="mouth-anime-3-open"' in builtin_mouth_svg("anime-3", "open")
    True
    """
    resolved = resolve_preset(preset)
    shapes = shape_set_of(resolved)
    pose = mouth_pose(resolved, shape_name)
    label = shapes.info(shape_name).label
    title = f"{shape_name}: {label}" if label else shape_name
    return pose_svg(pose, _element_id(shapes.name, shape_name), title)


# --- the user's own drawings ----------------------------------------------------------------


def _candidate_stems(shape: str, drawing: int) -> tuple[str, ...]:
    return (shape, str(drawing))


def user_mouths(directory: str | Path, preset: PresetLike) -> dict[str, Path]:
    """The user's drawing for every shape of ``preset``, found in ``directory``: ``{shape: path}``.

    Each shape's image is named by the shape name (``MBP.png``, matched without regard to case)
    or by its drawing number (``7.png``, ``07.png``); PNG, SVG or JPEG. The name wins over the
    number, and the extensions are tried in the order of :data:`MOUTH_EXTENSIONS`. Raises
    :class:`MouthError` for a folder that does not exist or a shape without an image, naming
    the shape and the file names looked for.
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise MouthError(f"mouths folder {str(folder)!r} does not exist" if not folder.exists()
                         else f"--mouths {str(folder)!r} is a file, not a folder",
                         "give a folder with one image per mouth shape (PNG, SVG or JPEG)")
    resolved = resolve_preset(preset)
    shapes = shape_set_of(resolved)
    try:
        files = sorted(entry for entry in folder.iterdir() if entry.is_file())
    except OSError as error:
        raise MouthError(f"cannot read mouths folder {str(folder)!r}: {error.strerror}") from None
    by_key: dict[tuple[str, str], Path] = {}
    for entry in files:
        suffix = entry.suffix.lower()
        if suffix in MOUTH_EXTENSIONS:
            stem = entry.stem.lower()
            by_key.setdefault((stem, suffix), entry)
            if stem.isdigit():
                by_key.setdefault((str(int(stem)), suffix), entry)
    found: dict[str, Path] = {}
    for info in shapes.shapes:
        stems = _candidate_stems(info.name, info.drawing)
        match = next((by_key[(stem.lower(), suffix)] for stem in stems for suffix in MOUTH_EXTENSIONS
                      if (stem.lower(), suffix) in by_key), None)
        if match is None:
            looked = ", ".join(f"{stem}{suffix}" for stem in stems for suffix in MOUTH_EXTENSIONS)
            raise MouthError(f"mouths folder {str(folder)!r} has no drawing for shape {info.name!r} "
                             f"(looked for {looked})",
                             f"add one image per shape of preset {shapes.name!r}: {', '.join(shapes.names)}")
        found[info.name] = match
    return found


# --- rasterising ------------------------------------------------------------------------------


def _render_svg(svg: str | None, path: Path | None, width: int, height: int) -> Image.Image:
    """An SVG (text or file) rendered to fit ``width`` x ``height`` (aspect kept), RGBA. The
    built-in drawings have no text, so they skip loading the system's fonts."""
    import resvg_py
    from PIL import Image

    where = str(path) if path is not None else "built-in drawing"
    try:
        if path is not None:
            svg = path.read_text(encoding="utf-8")
        fonts = {"skip_system_fonts": path is None}
        image = Image.open(io.BytesIO(bytes(resvg_py.svg_to_bytes(svg_string=svg, width=width, **fonts))))
        if image.height > height:   # taller than the box: fit its height instead
            image = Image.open(io.BytesIO(bytes(resvg_py.svg_to_bytes(svg_string=svg, height=height, **fonts))))
        return image.convert("RGBA")
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise MouthError(f"cannot draw mouth image {where!r}: {error}",
                         "save it as a plain SVG, PNG or JPEG file") from None


def _fit(image: Image.Image, width: int, height: int) -> Image.Image:
    """``image`` scaled to fit ``width`` x ``height`` and centred on a transparent canvas."""
    from PIL import Image

    scale = min(width / image.width, height / image.height)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    if size != image.size:
        image = image.resize(size, Image.Resampling.LANCZOS)
    canvas = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    canvas.alpha_composite(image, ((width - size[0]) // 2, (height - size[1]) // 2))
    return canvas


def load_mouth_image(path: str | Path, width: int, height: int) -> Image.Image:
    """A user's mouth image (PNG, SVG or JPEG) as RGBA fitted into ``width`` x ``height``.

    Raises :class:`MouthError` for a file that cannot be read as an image.
    """
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    if path.suffix.lower() == ".svg":
        return _fit(_render_svg(None, path, width, height), width, height)
    try:
        with Image.open(path) as opened:
            image = opened.convert("RGBA")
    except (OSError, UnidentifiedImageError) as error:
        raise MouthError(f"cannot read mouth image {str(path)!r}: {error}",
                         "save it as PNG, SVG or JPEG") from None
    return _fit(image, width, height)


def builtin_mouth_image(preset: PresetLike, shape_name: str, width: int, height: int) -> Image.Image:
    """The built-in drawing of ``shape_name`` rasterised (from its SVG) into ``width`` x ``height``."""
    return _fit(_render_svg(builtin_mouth_svg(preset, shape_name), None, width, height), width, height)


def mouth_images(preset: PresetLike, width: int, height: int,
                 directory: str | Path | None = None) -> dict[str, Image.Image]:
    """Every shape of ``preset`` drawn into ``width`` x ``height`` RGBA images: the user's
    drawings from ``directory`` when given (:func:`user_mouths`), else the built-in ones."""
    resolved = resolve_preset(preset)
    if directory is not None:
        return {name: load_mouth_image(path, width, height)
                for name, path in user_mouths(directory, resolved).items()}
    return {name: builtin_mouth_image(resolved, name, width, height) for name in shape_set_of(resolved).names}


__all__ = ["MOUTH_EXTENSIONS", "MouthPose", "builtin_mouth_image", "builtin_mouth_svg", "load_mouth_image",
           "mouth_images", "mouth_pose", "pose_svg", "resolve_preset", "shape_set_of", "user_mouths"]
