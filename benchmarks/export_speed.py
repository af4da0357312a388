"""Export speed: a 30-minute, 4-character sheet written to every registered format.

    python benchmarks/export_speed.py [--minutes 30] [--characters 4] [--fps 24]

The sheet is synthetic but shaped like a real one: each character speaks about a quarter of the
time in lines of 1-6 s, with words, phones, a mouth change every few frames and the per-frame
peak envelope a real analysis stores. Every format goes through the one export path
(lipsync.export.render: settings check, one file per track for single-track formats), so the
figures are what `lipsync export SHEET -f FORMAT -o DIR/` costs; the last line is the whole export
of every format as the command runs it (the sheet JSON read, every file rendered and written).
They are CPU seconds of this process (time.process_time), not wall time.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from lipsync.export import AUDIO_FORMATS, load_sheet, render, write
from lipsync.exporters import all_exporters
from lipsync.presets import load_preset
from lipsync.sheet import Cue, Phone, Sheet, SheetLine, Source, Track, Word, sheet_to_json
from lipsync.timing import FrameRate


def synthetic_sheet(minutes: float, characters: int, fps: str, seed: int = 7) -> Sheet:
    """A sheet of ``characters`` tracks over ``minutes`` with realistic cue density."""
    rng = random.Random(seed)
    rate = FrameRate.parse(fps)
    preset = load_preset("rhubarb")
    talking = [name for name in preset.shape_set.names if name != preset.rest]
    duration = rate.frame_at(minutes * 60)
    tracks = []
    for index in range(characters):
        cues, lines, words, phones = [], [], [], []
        frame = 0
        while frame < duration:
            pause = rng.randint(24, 200)
            cues.append(Cue(frame, min(pause, duration - frame), preset.rest))
            frame += pause
            if frame >= duration:
                break
            length = min(rng.randint(24, 144), duration - frame)
            lines.append(SheetLine(frame, length, f"Line {len(lines) + 1} of character {index + 1}"))
            end = frame + length
            while frame < end:
                hold = min(rng.randint(2, 6), end - frame)
                cues.append(Cue(frame, hold, rng.choice(talking)))
                start = rate.seconds_at(frame)
                words.append(Word(start, rate.seconds_at(frame + hold), "word", len(lines) - 1))
                phones.append(Phone(start, rate.seconds_at(frame + hold), "a", "word", len(lines) - 1))
                frame += hold
        tracks.append(Track(f"CHARACTER{index + 1}", tuple(cues), tuple(lines), tuple(words), tuple(phones)))
    peaks = bytes(rng.randrange(256) for _ in range(duration))
    return Sheet(rate, duration, tuple(tracks), preset.shape_set, Source(None, minutes * 60), "01:00:00:00", peaks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--characters", type=int, default=4)
    parser.add_argument("--fps", default="24")
    args = parser.parse_args()
    sheet = synthetic_sheet(args.minutes, args.characters, args.fps)
    cues = sum(len(track.cues) for track in sheet.tracks)
    print(f"sheet: {args.minutes:g} min at {sheet.rate} fps, {len(sheet.tracks)} tracks, {cues} cues")
    total = 0.0
    for exporter in all_exporters():
        started = time.process_time()
        rendering = render(sheet, exporter.name, "out/", inputs=["take.wav"])
        elapsed = time.process_time() - started
        total += elapsed
        size = sum(len(item.data or b"") for item in rendering.outputs)
        print(f"  {exporter.name:<14} {elapsed:7.3f} s CPU  {len(rendering.outputs)} file(s)  {size / 1e6:8.2f} MB")
    print(f"every format: {total:.2f} s CPU in total")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "take.json"
        source.write_text(sheet_to_json(sheet), encoding="utf-8")
        names = ",".join(exporter.name for exporter in all_exporters() if exporter.name not in AUDIO_FORMATS)
        started = time.process_time()
        written = write(render(load_sheet(source), names, Path(folder) / "out", inputs=[source]))
        elapsed = time.process_time() - started
        size = sum(path.stat().st_size for path in written.files)
        print(f"lipsync export take.json -f <every format> -o out/ (read, render, write {len(written.files)} files, "
              f"{size / 1e6:.1f} MB): {elapsed:.2f} s CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
