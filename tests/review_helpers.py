"""Helpers shared by the review tests: sheets of the bundled sample and a running server."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import lipsync
from lipsync.review.server import ReviewServer
from lipsync.review.session import ReviewSession
from lipsync.sheet import sheet_to_json

DATA = Path(lipsync.__file__).parent / "data"


def sample_sheet(folder: Path) -> Path:
    """The bundled sample analyzed with its script into ``folder/sample.json``, its audio beside."""
    shutil.copy(DATA / "sample.flac", folder / "sample.flac")
    analysis = lipsync.analyze(folder / "sample.flac", DATA / "sample.txt", preset="rhubarb", fps=24)
    sheet = folder / "sample.json"
    sheet.write_text(sheet_to_json(analysis.sheet), encoding="utf-8")
    return sheet


#: The script lines :func:`sheet_with_lines_to_check` adds: one never spoken, one wrong.
UNSPOKEN = "The quick brown fox jumps over the lazy sleeping dog tonight."
WRONG = "Seven elephants marched silently across the frozen river at dawn."


def sheet_with_lines_to_check(sample: Path, folder: Path) -> Path:
    """The sample sheet as ``analyze`` writes it with a script whose line 2 (:data:`UNSPOKEN`) is
    never spoken (not found, searched at 4.4-5.4 s where nobody speaks), line 3 ("Wow...") is
    uncertain at 0.18 with its "coffee" heard at 0.0, and line 4 (:data:`WRONG`) is not what was said
    (not found at 11.1-16.24 s: its words left out, its speech recognized without the script),
    written to ``folder/checks.json`` (its audio: the sample's)."""
    data = json.loads(sample.read_text(encoding="utf-8"))
    hello, wow, said = data["script"]
    data["script"] = [
        hello,
        {**hello, "line": 2, "index": 1, "text": UNSPOKEN, "status": "not found", "confidence": None,
         "start": 4.4, "end": 5.4, "missing": UNSPOKEN.rstrip(".").split()},
        {**wow, "line": 3, "index": 2, "status": "uncertain", "confidence": 0.18},
        {**said, "line": 4, "index": 3, "text": WRONG, "status": "not found", "confidence": None,
         "missing": WRONG.rstrip(".").split()},
    ]
    index = {0: 0, 1: 2, 2: 3}  # the sample's lines in the longer script
    track = data["tracks"][0]
    track["lines"] = track["lines"][:2]
    track["words"] = [{**word, "line": index[word["line"]], **({"confidence": 0.0} if word["text"] == "coffee" else {})}
                      for word in track["words"] if word["line"] != 2]
    track["phones"] = [{**phone, "line": index[phone["line"]], "word": None if phone["line"] == 2 else phone["word"]}
                       for phone in track["phones"]]
    sheet = folder / "checks.json"
    sheet.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return sheet


@contextmanager
def serving(session: ReviewSession, port: int) -> Iterator[ReviewServer]:
    """``session`` served on 127.0.0.1 from ``port`` (or the next free one) in a thread."""
    server = ReviewServer(session, "127.0.0.1", port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
