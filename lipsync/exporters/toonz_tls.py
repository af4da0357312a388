"""Toonz lip-sync file (``.tls``, Magpie Pro's export for Toonz) (formats.md section 3).

Read by OpenToonz (File > Import Toonz Lip Sync File), the only OpenToonz lip-sync input that also
carries the dialogue: it exposes the mapped drawings and builds a sound-text column from the
comments. Layout: ``Toonz``, up to 9 mouth ("act") names, then one ``frame|act|comment`` line per
frame. OpenToonz offers 9 act fields; a frame whose act is not among them shifts the comments,
so at most 9 acts are written and every frame uses one of them. A comment starts a new text
cell; ``<none>`` continues the one before (``TXshSoundTextColumn::createSoundTextLevel``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from ..errors import FormatError
from ..sheet import Sheet, ShapeSet
from . import ExportOptions, Exporter, warn
from ._production import frame_shapes, single_line

MAX_ACTS = 9
CONTINUED = "<none>"  # a comment that continues the frame before's text cell (createSoundTextLevel)


def nine_acts(per_frame: Sequence[str], preset: ShapeSet) -> dict[str, str]:
    """Each shape the frames use mapped to the act written for it: itself, while at most 9 are
    used; beyond that, the least-used shape is merged into the most-used other shape of the same
    openness (closed, half, open), again until 9 are left.

    >>> from lipsync.sheet import ShapeInfo
    >>> preset = ShapeSet("p", "rest", tuple(ShapeInfo(n, i, "", o) for i, (n, o) in enumerate(
    ...     [("AI", 2), ("E", 1), ("O", 1), ("U", 1), ("etc", 1), ("L", 2), ("WQ", 1), ("MBP", 0),
    ...      ("FV", 1), ("rest", 0)])))
    >>> acts = nine_acts(["AI", "AI", "L", "E", "O", "U", "etc", "WQ", "MBP", "FV", "rest"], preset)
    >>> {shape: act for shape, act in acts.items() if shape != act}
    {'FV': 'E'}
    """
    counts = Counter(per_frame)
    mapping = {shape: shape for shape in preset.names if shape in counts}
    openness = {shape.name: shape.openness for shape in preset.shapes}
    order = {name: index for index, name in enumerate(preset.names)}
    while len(set(mapping.values())) > MAX_ACTS:
        acts = sorted(set(mapping.values()), key=lambda act: (counts[act], -order[act]))
        for act in acts:
            partners = [other for other in acts if other != act and openness[other] == openness[act]
                        and act != preset.rest]
            if partners:
                into = max(partners, key=lambda other: (counts[other], -order[other]))
                break
        else:  # no two acts share an openness: merge the least used into the next least used
            act, into = acts[0], acts[1]
        for shape, written in mapping.items():
            if written == act:
                mapping[shape] = into
        counts[into] += counts.pop(act)
    return mapping


def write(sheet: Sheet, options: ExportOptions) -> bytes:
    """One track (``options.track``, default the first) as a Toonz lip-sync file, UTF-8, LF.

    The acts are the preset's shape names, or, for a preset of more than 9 shapes, the ones the
    track uses; when that is still more than 9, shapes are merged by :func:`nine_acts` with a
    warning naming them. Frames are 1-based. A dialogue line's text is the comment of its first
    frame (``|`` in it becomes ``/``) and ``<none>`` continues it through the line's other frames,
    so OpenToonz builds one text cell per line; a stretch without dialogue is one empty cell.
    ``options.extra`` is not used.
    """
    track = sheet.track(options.track)
    per_frame = frame_shapes(sheet, track)
    acts = sheet.preset.names
    written = {name: name for name in acts}
    if len(acts) > MAX_ACTS:
        written = nine_acts(per_frame, sheet.preset)
        acts = tuple(name for name in sheet.preset.names if name in set(written.values()))
        merged = sorted({f"{shape} as {act}" for shape, act in written.items() if shape != act})
        if merged:
            warn(f"tls holds at most {MAX_ACTS} mouths: track {track.name!r} uses {len(written)}, so "
                 f"{', '.join(merged)} (merged by openness)")
    for act in acts:
        if "|" in act or act in ("Toonz", CONTINUED) or act != act.strip() or not act:
            raise FormatError(f"mouth name {act!r} cannot be a Toonz lip-sync act", "rename the shape in the preset")
    comments = [CONTINUED] * len(per_frame)
    lines = sorted(track.lines, key=lambda line: line.frame)
    for line in lines:
        if 0 <= line.frame < len(comments):
            text = single_line(line.text).replace("|", "/") or " "
            comments[line.frame] = text if comments[line.frame] == CONTINUED else f"{comments[line.frame]} / {text}"
    talking = [False] * len(per_frame)
    for line in lines:
        for frame in range(max(line.frame, 0), min(line.frame + line.length, len(per_frame))):
            talking[frame] = True
    for frame in range(len(per_frame)):
        starts_gap = not talking[frame] and (frame == 0 or talking[frame - 1])
        if comments[frame] == CONTINUED and (starts_gap or frame == 0):
            comments[frame] = ""
    rows = ["Toonz", *acts]
    rows += [f"{frame + 1}|{written[shape]}|{comment}" for frame, (shape, comment) in enumerate(zip(per_frame, comments))]
    return "".join(row + "\n" for row in rows).encode("utf-8")


EXPORTER = Exporter(
    name="tls",
    extensions=(".tls",),
    description="Toonz lip-sync file: a mouth and dialogue comment per frame",
    importers="OpenToonz (File > Import Toonz Lip Sync File)",
    write=write,
)
