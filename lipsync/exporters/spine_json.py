"""Spine animation JSON: an attachment timeline that swaps the mouth slot's image
(formats.md section 9).

Read by Esoteric Software's Spine editor (Import Data into a skeleton that has the mouth slot and
its attachments) and by the Spine runtimes once merged into a skeleton's JSON, as written by
Rhubarb Lip Sync for Spine.
"""

from __future__ import annotations

import json
import struct

from ..sheet import Sheet
from . import ExportOptions, Exporter, Setting
from ._production import changes, frame_shapes


def write(sheet: Sheet, options: ExportOptions) -> bytes:
    """One track (``options.track``, default the first) as
    ``{"animations": {anim: {"slots": {slot: {"attachment": [{"time", "name"}...]}}}}}``, UTF-8.

    A key at each change of mouth, at the start of its frame in seconds as the 32-bit float the
    Spine runtimes keep (:func:`key_time`), and a last key at the sheet's end showing the rest
    mouth (it sets the animation's length). Attachment names are
    ``prefix + shape``. ``options.extra``: ``animation`` (default: the track name), ``slot``
    (default ``mouth``), ``prefix`` (default ``mouth_``).
    """
    track = sheet.track(options.track)
    prefix = options.extra.get("prefix", "mouth_")
    keys = [{"time": key_time(sheet.rate.seconds_at(frame)), "name": prefix + shape}
            for frame, shape in changes(frame_shapes(sheet, track))]
    keys.append({"time": key_time(sheet.duration_seconds), "name": prefix + sheet.preset.rest})
    animation = options.extra.get("animation") or track.name
    slot = options.extra.get("slot") or "mouth"
    data = {"animations": {animation: {"slots": {slot: {"attachment": keys}}}}}
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _float32(value: float) -> float:
    return struct.unpack("<f", struct.pack("<f", value))[0]


def key_time(seconds: float) -> float:
    """``seconds`` as the largest 32-bit float before it (0 stays 0), in the fewest digits that
    read back as that float. The Spine runtimes store key times as 32-bit floats: a key rounded up
    past its frame's start, or landing on it exactly while a game's accumulated clock reads a hair
    under it, would show the previous mouth on that frame.

    >>> key_time(7 / 24), 7 / 24
    (0.29166666, 0.2916666666666667)
    >>> key_time(0.5), key_time(0.0)
    (0.49999997, 0.0)
    """
    if seconds <= 0:
        return 0.0
    single = _float32(seconds)
    bits = struct.unpack("<I", struct.pack("<f", single))[0]
    if single >= seconds:
        single = struct.unpack("<f", struct.pack("<I", bits - 1))[0]
    for digits in range(1, 18):
        text = float(f"{single:.{digits}g}")
        if _float32(text) == single:
            return text
    return single


EXPORTER = Exporter(
    name="spine",
    extensions=(),
    suffix=".spine.json",
    description="Spine animation JSON: mouth attachment keys in seconds for one slot",
    importers="Spine editor (Import Data) and Spine runtimes",
    write=write,
    settings=(Setting("animation", "the animation's name", default="the track name"),
              Setting("slot", "the mouth slot whose attachment is keyed", default="mouth"),
              Setting("prefix", "written before each shape name to make the attachment name", default="mouth_")),
)
