"""Exports read by the real applications that import them, installed from the package registries
(scripts/install-system-deps.sh: Praat and Synfig from apt; spine-core from npm, installed into
tests/consumers/spine by the Makefile or, when missing, by the fixture below), frame by frame at
12, 23.976, 24, 25, 29.97 and 60 fps, for every shipped preset: one consumer process per format and
rate reads all the sheets."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from lipsync.exporters import ExportOptions, exporter_named
from lipsync.sheet import Cue, Sheet, SheetLine, Track
from lipsync.timing import FrameRate
from shape_sets import RHUBARB, with_words

CONSUMERS = Path(__file__).parent / "consumers"
RATES = ["12", "24000/1001", "24", "25", "30000/1001", "60"]
SHAPES = "XABCDEFGHX"


def busy_track(name: str, frames: int, offset: int = 0) -> Track:
    """Cues of 1 to 4 frames over ``frames`` frames (every rounding case), rests included."""
    lengths = (1, 2, 1, 3, 1, 1, 4, 2, 5)
    cues, frame, index = [], 0, offset
    while frame < frames:
        length = min(lengths[index % len(lengths)], frames - frame)
        cues.append(Cue(frame, length, SHAPES[index % len(SHAPES)]))
        frame += length
        index += 1
    return Track(name, tuple(cues), (SheetLine(2, 20, "hello there"),))


def sheet_at(rate: str, frames: int = 325) -> Sheet:
    tracks = (busy_track("ken", frames), busy_track("mei", frames, offset=3))
    return Sheet(FrameRate.parse(rate), frames, tracks, RHUBARB)


def expected(sheet: Sheet, track: int = 0) -> list[str]:
    return [sheet.tracks[track].shape_at(frame) for frame in range(sheet.duration_frames)]


def write(format_name: str, sheet: Sheet, track: str | None = None, **extra: str) -> bytes:
    return exporter_named(format_name).write(sheet, ExportOptions(track=track, extra=extra))


# --- Praat ----------------------------------------------------------------------------------------

PRAAT_SCRIPT = """form Shapes
    sentence Folder
    positive Frames
    positive Num
    positive Den
endform
grids = Create Strings as file list: "grids", folder$ + "/*.TextGrid"
count = Get number of strings
for file to count
    selectObject: grids
    file$ = Get string: file
    grid = Read from file: folder$ + "/" + file$
    tiers = Get number of tiers
    for tier to tiers
        name$ = Get tier name: tier
        if endsWith (name$, "shapes")
            line$ = file$ + tab$ + name$
            for frame from 0 to frames - 1
                interval = Get interval at time: tier, frame * den / num
                label$ = Get label of interval: tier, interval
                line$ = line$ + tab$ + label$
            endfor
            appendInfoLine: line$
        endif
    endfor
    removeObject: grid
endfor
"""


@pytest.mark.parametrize("rate", RATES)
def test_praat_reads_the_textgrid_shape_of_every_frame(rate: str, tmp_path: Path) -> None:
    """One Praat process per rate reads the TextGrid of every shipped preset's sheet."""
    sheets = {name: preset_sheet(name, rate, frames=325) for name in SHIPPED}
    sheets["busy"] = sheet_at(rate)
    for name, sheet in sheets.items():
        (tmp_path / f"{name}.TextGrid").write_bytes(write("textgrid", sheet))
    script = tmp_path / "shapes.praat"
    script.write_text(PRAAT_SCRIPT)
    run = subprocess.run(["praat", "--run", str(script), str(tmp_path), "325",
                          str(sheets["busy"].rate.num), str(sheets["busy"].rate.den)], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    rows = {tuple(line.split("\t")[:2]): line.split("\t")[2:] for line in run.stdout.splitlines()}
    assert sorted(rows) == sorted((f"{name}.TextGrid", f"{track} shapes") for name in sheets for track in ("ken", "mei"))
    for name, sheet in sheets.items():
        for index, track in enumerate(("ken", "mei")):
            assert rows[f"{name}.TextGrid", f"{track} shapes"] == expected(sheet, index), (name, track)


# --- spine-core -----------------------------------------------------------------------------------


SPINE_CORES = {"4.2": "@esotericsoftware/spine-core", "4.3": "spine-core-4.3"}  # package names in package.json


@pytest.fixture(scope="session")
def spine_core() -> Path:
    """tests/consumers/spine with spine-core 4.2 and 4.3 installed from npm (package-lock.json pins them)."""
    folder = CONSUMERS / "spine"
    if not all((folder / "node_modules" / package).is_dir() for package in SPINE_CORES.values()):
        run = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=folder, capture_output=True,
                             text=True, timeout=300)
        assert run.returncode == 0, f"npm ci in {folder} failed: {run.stderr}"
    return folder


@pytest.mark.parametrize("version", sorted(SPINE_CORES))
@pytest.mark.parametrize("rate", RATES)
def test_spine_core_shows_the_sheets_mouth_on_every_frame(rate: str, version: str, spine_core: Path,
                                                          tmp_path: Path) -> None:
    """One node process per rate and spine-core version samples every shipped preset's Spine JSON."""
    import os

    frames = 2000  # 83 s at 24 fps: key times far from 0 lose float32 digits
    sheets = {name: preset_sheet(name, rate, frames=frames) for name in SHIPPED}
    sheets["busy"] = sheet_at(rate, frames=frames)
    for name, sheet in sheets.items():
        (tmp_path / f"{name}.spine.json").write_bytes(write("spine", sheet))
    rate_value = sheets["busy"].rate
    run = subprocess.run(["node", "sample.mjs", "ken", "mouth", str(rate_value.num), str(rate_value.den), str(frames),
                          *(str(tmp_path / f"{name}.spine.json") for name in sheets)], cwd=spine_core,
                         capture_output=True, text=True, timeout=120, env={**os.environ, "SPINE_CORE": SPINE_CORES[version]})
    assert run.returncode == 0, run.stderr
    results = json.loads(run.stdout)
    assert len(results) == len(sheets)
    for name, sheet in sheets.items():
        shown = results[str(tmp_path / f"{name}.spine.json")]
        wanted = ["mouth_" + shape for shape in expected(sheet)]
        for way in ("exact", "loop"):
            wrong = [frame for frame, (got, want) in enumerate(zip(shown[way], wanted)) if got != want]
            assert wrong == [], f"{name} {way}: {len(wrong)} frames differ, first {wrong[:5]}"


# --- Synfig ---------------------------------------------------------------------------------------

COLOURS = {"X": (0, 0, 0), "A": (255, 0, 0), "B": (0, 255, 0), "C": (0, 0, 255), "D": (255, 255, 0),
           "E": (255, 0, 255), "F": (0, 255, 255), "G": (128, 128, 128), "H": (255, 128, 0)}

SIF = """<?xml version="1.0" encoding="UTF-8"?>
<canvas version="1.2" width="16" height="16" xres="2834.645669" yres="2834.645669" view-box="-0.5 0.5 0.5 -0.5"
        antialias="1" fps="{fps}" begin-time="0f" end-time="{last}f" bgcolor="1 1 1 1">
  <layer type="import" active="true" exclude_from_rendering="false" version="0.1" desc="mouth">
    <param name="z_depth"><real value="0"/></param>
    <param name="amount"><real value="1"/></param>
    <param name="blend_method"><integer value="0"/></param>
    <param name="tl"><vector><x>-0.5</x><y>0.5</y></vector></param>
    <param name="br"><vector><x>0.5</x><y>-0.5</y></vector></param>
    <param name="c"><integer value="1"/></param>
    <param name="gamma_adjust"><real value="1"/></param>
    <param name="filename"><string>ken.lst</string></param>
    <param name="time_offset"><time value="0s"/></param>
  </layer>
</canvas>
"""


@pytest.mark.parametrize("rate", RATES)
def test_synfig_renders_the_lst_with_the_sheets_mouth_on_every_frame(rate: str, tmp_path: Path) -> None:
    """Synfig's command line renders an Import layer of the .lst (its ListImporter) frame by frame
    in a document at the sheet's rate; each mouth drawing is a flat colour."""
    from PIL import Image

    sheet = sheet_at(rate, frames=90)
    for shape, colour in COLOURS.items():
        Image.new("RGB", (16, 16), colour).save(tmp_path / f"{shape}.png")
    (tmp_path / "ken.lst").write_bytes(write("lst", sheet, track="ken"))
    (tmp_path / "doc.sif").write_text(SIF.format(fps=float(sheet.rate), last=sheet.duration_frames - 1))
    run = subprocess.run(["synfig", "doc.sif", "-t", "png", "-o", "frame.png"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    names = {colour: shape for shape, colour in COLOURS.items()}
    shown = [names.get(Image.open(tmp_path / f"frame.{frame:04d}.png").convert("RGB").getpixel((8, 8)))
             for frame in range(sheet.duration_frames)]
    assert shown == expected(sheet)


# Synfig's Switch layer with its layer name from a lipsync file (ValueNode_AnimatedFile: what
# Studio's File > Import of a .pgo, .tsv or .xml builds): each column of one document is a Switch
# layer reading one file, its sub-layers flat-colour images named after the mouths; one Synfig
# process per frame rate renders every shipped preset's TSV, XML, .pgo and .lst (an Import layer),
# and the .pgo of each voice (--track), frame by frame.

SHIPPED = ("rhubarb", "preston-blair", "anime-3", "anime-5", "harmony", "oculus-15", "fleming-dobbs")
PALETTE = [(r, g, b) for r in (0, 128, 255) for g in (0, 128, 255) for b in (0, 128, 255)][:-1]  # not white

SWITCH_SIF = """<?xml version="1.0" encoding="UTF-8"?>
<canvas version="1.2" width="{width}" height="16" xres="2834.645669" yres="2834.645669"
        view-box="0 0.5 {columns} -0.5" antialias="1" fps="{fps}" begin-time="0f" end-time="{last}f"
        bgcolor="1 1 1 1">
{layers}
</canvas>
"""


def image_layer(file: str, column: int, desc: str = "") -> str:
    return (f'<layer type="import" active="true" version="0.1" desc="{desc}">'
            f'<param name="tl"><vector><x>{column}</x><y>0.5</y></vector></param>'
            f'<param name="br"><vector><x>{column + 1}</x><y>-0.5</y></vector></param>'
            f'<param name="c"><integer value="1"/></param>'
            f'<param name="filename"><string>{file}</string></param></layer>')


def switch_layer(file: str, column: int, names: list[str]) -> str:
    mouths = "".join(image_layer(f"c{column}_{name}.png", column, name) for name in names)
    return (f'<layer type="switch" active="true" version="0.0" desc="{file}">'
            f'<param name="canvas"><canvas>{mouths}</canvas></param>'
            f'<param name="layer_name"><animated_file type="string"><filename><string>{file}</string>'
            f'</filename></animated_file></param></layer>')


def preset_track(name: str, frames: int, shapes: tuple[str, ...], rest: str, offset: int = 0) -> Track:
    """Cues of 1 to 5 frames cycling through ``shapes``, the rest shape every seventh."""
    lengths = (1, 2, 1, 3, 1, 1, 4, 2, 5)
    talking = [shape for shape in shapes if shape != rest]
    cues, frame, index = [], 0, offset
    while frame < frames:
        length = min(lengths[index % len(lengths)], frames - frame)
        shape = rest if index % 7 == 3 or frame == 0 else talking[(index * 3) % len(talking)]
        cues.append(Cue(frame, length, shape))
        frame += length
        index += 1
    return Track(name, tuple(cues), (SheetLine(2, 20, "hello there"),))


def preset_sheet(preset_name: str, rate: str, frames: int = 90) -> Sheet:
    from lipsync.presets import load_preset

    shapes = load_preset(preset_name).shape_set
    tracks = (preset_track("ken", frames, shapes.names, shapes.rest),
              preset_track("mei", frames, shapes.names, shapes.rest, offset=4))
    return Sheet(FrameRate.parse(rate), frames, tracks, shapes)


@pytest.mark.parametrize("rate", RATES)
def test_synfig_switch_layers_show_the_sheets_mouth_on_every_frame(rate: str, tmp_path: Path) -> None:
    """Every shipped preset's TSV and Rhubarb XML, its .pgo and .lst (words following each other and
    running to the last frame), and each voice's .pgo, in one render."""
    from PIL import Image

    from lipsync.exporters._production import preston_blair_names

    columns: list[tuple[str, list[str], list[str]]] = []  # file, mouth names, wanted per frame
    rhubarb = sheet_at(rate, frames=90)
    for preset_name in SHIPPED:
        sheet = preset_sheet(preset_name, rate)
        for format_name, ending in (("tsv", "tsv"), ("xml", "xml")):
            file = f"{preset_name}.{ending}"
            (tmp_path / file).write_bytes(write(format_name, sheet, track="ken", frames="synfig"))
            columns.append((file, list(sheet.preset.names), expected(sheet)))
    pgo_sheets = {f"{name}.ken": (with_words(preset_sheet(name, rate)), 0) for name in SHIPPED}
    pgo_sheets["busy.ken"] = (with_words(rhubarb), 0)
    pgo_sheets["busy.mei"] = (rhubarb, 1)  # no words: its mouths go in words of their own
    for stem, (sheet, index) in pgo_sheets.items():
        file = f"{stem}.pgo"
        (tmp_path / file).write_bytes(write("pgo", sheet, track=sheet.tracks[index].name))
        mapped = preston_blair_names(sheet.preset)
        columns.append((file, sorted(set(mapped.values())), [mapped[shape] for shape in expected(sheet, index)]))
    for name, sheet in [*((name, with_words(preset_sheet(name, rate))) for name in SHIPPED), ("busy", rhubarb)]:
        (tmp_path / f"lst_{name}").mkdir()  # each .lst with its own mouth images beside it
        file = f"lst_{name}/ken.lst"
        (tmp_path / file).write_bytes(write("lst", sheet, track="ken"))
        columns.append((file, list(sheet.preset.names), expected(sheet)))
    layers = []
    for column, (file, names, _) in enumerate(columns):
        if file.endswith(".lst"):
            for name, colour in zip(names, PALETTE):
                Image.new("RGB", (16, 16), colour).save(tmp_path / Path(file).parent / f"{name}.png")
            layers.append(image_layer(file, column))
            continue
        for name, colour in zip(names, PALETTE):
            Image.new("RGB", (16, 16), colour).save(tmp_path / f"c{column}_{name}.png")
        layers.append(switch_layer(file, column, names))
    (tmp_path / "doc.sif").write_text(SWITCH_SIF.format(width=16 * len(columns), columns=len(columns),
                                                        fps=float(rhubarb.rate), last=rhubarb.duration_frames - 1,
                                                        layers="\n".join(layers)))
    run = subprocess.run(["synfig", "doc.sif", "-t", "png", "-o", "frame.png"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    frames = [Image.open(tmp_path / f"frame.{frame:04d}.png").convert("RGB") for frame in range(rhubarb.duration_frames)]
    for column, (file, names, wanted) in enumerate(columns):
        by_colour = {colour: name for name, colour in zip(names, PALETTE)}
        shown = [by_colour.get(image.getpixel((16 * column + 8, 8)), "?") for image in frames]
        wrong = [frame for frame, (got, want) in enumerate(zip(shown, wanted)) if got != want]
        assert wrong == [], f"{file}: frames {wrong[:8]} show {[shown[f] for f in wrong[:8]]}, not {[wanted[f] for f in wrong[:8]]}"


# --- pycmx (EDL) ----------------------------------------------------------------------------------


@pytest.mark.parametrize("rate, start", [("12", "01:00:00:00"), ("12", "01:00:00:05"), ("24000/1001", "01:00:00:00"),
                                         ("24", "00:59:58:00"), ("25", "10:00:00:00"), ("30000/1001", "01:00:00;00"),
                                         ("30000/1001", "01:00:00:00"), ("60000/1001", "01:00:59:58"),
                                         ("60", "01:00:00:00")])
def test_pycmx_reads_the_edl_event_and_a_locator_on_every_mouth_change(rate: str, start: str) -> None:
    """Every shipped preset's sheet, and the busy one; at 29.97 and 59.94 a start timecode
    written non-drop keeps the EDL non-drop."""
    import dataclasses

    for base in (sheet_at(rate, frames=200), *(preset_sheet(name, rate, frames=200) for name in SHIPPED)):
        check_edl(dataclasses.replace(base, start_timecode=start), rate, start)


def check_edl(sheet: Sheet, rate: str, start: str) -> None:
    """pycmx reads the sheet's EDL: one event over the sheet, a locator on every mouth change."""
    import io

    import pycmx

    from lipsync.export import render
    from lipsync.timing import is_drop_frame, parse_timecode

    rendering = render(sheet, "edl", None, track="ken")
    edl = pycmx.parse_cmx3600(io.StringIO(rendering.outputs[0].data.decode()))
    times = 2 if rate == "12" else 1  # no timecode at 12 fps: each frame twice at 24, with a warning
    assert any("no 12 fps" in warning for warning in rendering.warnings) == (times == 2)
    events = list(edl.events)
    assert len(events) == 1
    statements = list(events[0].statements)
    drop = is_drop_frame(start, sheet.rate)
    assert [s.drop for s in statements if type(s).__name__ == "StmtFCM"] == [drop]
    edit = events[0].edits[0]
    edl_rate = FrameRate(sheet.rate.num * times, sheet.rate.den)
    first = parse_timecode(start, sheet.rate) * times
    assert edit.clip_name == "ken" and parse_timecode(edit.record_in, edl_rate) == first
    assert parse_timecode(edit.record_out, edl_rate) - first == sheet.duration_frames * times
    locators = [s.text.split() for s in statements if type(s).__name__ == "StmtRemark" and s.text.startswith("LOC:")]
    changes = [(parse_timecode(tc, edl_rate) - first, name) for _, tc, _, name in locators[:len(sheet.tracks[0].cues)]]
    # every timecode is written in the sheet's mode, as the FCM line says
    timecodes = (edit.record_in, edit.record_out, *(locator[1] for locator in locators))
    assert {is_drop_frame(tc, edl_rate) for tc in timecodes} == {drop}
    # the OTIO adapter upper-cases locator text: every shipped preset's names stay apart
    assert len({name.upper() for name in sheet.preset.names}) == len(sheet.preset.names)
    assert changes == [(cue.frame * times, cue.shape.upper()) for cue in sheet.tracks[0].cues]
