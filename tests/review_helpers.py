"""Helpers shared by the review tests: a sheet of the bundled sample and a running server."""

from __future__ import annotations

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
