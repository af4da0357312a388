"""Writing output files atomically: a failure never leaves a half-written file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError


@contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """A temporary path in ``path``'s folder (``.<name>.<random>.part``) that becomes ``path``
    when the block ends without an exception, and is deleted when it raises.

    For writers that need a file name rather than bytes (video encoders). Raises
    :class:`OutputError` (with a hint) when the folder is missing or not writable.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"cannot write {str(target)!r}: folder {str(folder)!r} does not exist",
                          "create the folder first or choose another output path")
    if target.is_dir():
        raise OutputError(f"cannot write {str(target)!r}: it is a folder", "give a file name")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as error:
        raise OutputError(f"cannot write to {str(folder)!r}: {error.strerror}",
                          "check the folder's permissions or choose another output path") from None
    os.close(handle)
    try:
        yield Path(temporary)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise OutputError(f"cannot write {str(target)!r}: {error.strerror}",
                          "check the disk space and permissions") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    Raises :class:`OutputError` (with a hint) when the folder is missing or not writable.
    """
    with atomic_output(path) as temporary, open(temporary, "wb") as stream:
        stream.write(data)


def same_file(output: str | Path, source: str | Path) -> bool:
    """Whether writing ``output`` would replace ``source``: the same path once links are
    resolved, or the same file on disk (a hard link, another case on a case-insensitive disk)."""
    first, second = Path(output), Path(source)
    try:
        if first.resolve() == second.resolve():
            return True
        return first.exists() and second.exists() and os.path.samefile(first, second)
    except OSError:
        return False


def refuse_inputs(outputs: Iterable[str | Path], inputs: Iterable[str | Path | None]) -> None:
    """OutputError, before any work, when an output would overwrite one of the ``inputs``.

    >>> refuse_inputs(["take.tsv"], ["take.wav", None])
    >>> refuse_inputs(["./take.wav"], ["take.wav"])
    Traceback (most recent call last):
    ...
    lipsync.errors.OutputError: the output 'take.wav' is the input 'take.wav' (hint: choose another output name; lipsync never overwrites its inputs)
    """
    sources = [Path(source) for source in inputs if source]
    for output in outputs:
        for source in sources:
            if same_file(output, source):
                raise OutputError(f"the output {str(Path(output))!r} is the input {str(source)!r}",
                                  "choose another output name; lipsync never overwrites its inputs")
