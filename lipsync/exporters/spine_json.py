"""Spine animation JSON: an attachment timeline that swaps the mouth slot's image
(formats.md section 9).

Read by Esoteric Software's Spine editor (Import Data into a skeleton that has the mouth slot and
its attachments) and by the Spine runtimes once merged into a skeleton's JSON, as written by
Rhubarb Lip Sync for Spine.
"""

from __future__ import annotations

import json

from ..sheet import Sheet
from . import ExportOptions, Exporter, Setting
from ._production import changes, frame_shapes


def write(sheet: Sheet, options: ExportOptions) -> bytes:
    """One track (``options.track``, default the first) as
    ``{"animations": {anim: {"slots": {slot: {"attachment": [{"time", "name"}...]}}}}}``, UTF-8.

    A key at each change of mouth, at the exact start of its frame in seconds, and a last key at
    the sheet's end showing the rest mouth (it sets the animation's length). Attachment names are
    ``prefix + shape``. ``options.extra``: ``animation`` (default: the track name), ``slot``
    (default ``mouth``), ``prefix`` (default ``mouth_``).
    """
    track = sheet.track(options.track)
    prefix = options.extra.get("prefix", "mouth_")
    keys = [{"time": sheet.rate.seconds_at(frame), "name": prefix + shape}
            for frame, shape in changes(frame_shapes(sheet, track))]
    keys.append({"time": sheet.duration_seconds, "name": prefix + sheet.preset.rest})
    animation = options.extra.get("animation") or track.name
    slot = options.extra.get("slot") or "mouth"
    data = {"animations": {animation: {"slots": {slot: {"attachment": keys}}}}}
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


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
