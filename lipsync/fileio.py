"""Reading input files within limits, and writing output files atomically.

Every file a user (or a stranger) hands to lipsync -- a script, a preset, a sheet, a timesheet,
a reference, a manifest, a journal -- is read through :func:`read_input`: only a regular file is
opened (a FIFO, a device such as ``/dev/zero`` or a socket is refused before a byte is read), and
only up to a declared size. JSON inputs go through :func:`parse_json`, which refuses ``NaN``,
``Infinity`` and deep nesting, and TOML through :func:`parse_toml`, with the same one-line errors. Outputs go through
:func:`write_atomic`: a failure never leaves a half-written file.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import LipsyncError, OptionHint, OutputError

#: Size limits of the inputs, in bytes (generous: ten times the largest real file of each kind).
MEGABYTE = 1024 * 1024
LIMITS: dict[str, int] = {
    "script": 16 * MEGABYTE,
    "preset": 1 * MEGABYTE,
    "sheet": 256 * MEGABYTE,
    "timesheet": 64 * MEGABYTE,
    "reference": 64 * MEGABYTE,
    "manifest": 64 * MEGABYTE,
    "speaker names": 1 * MEGABYTE,
    "model config": 1 * MEGABYTE,
    "journal": 1024 * MEGABYTE,
    "scheduler file": 1 * MEGABYTE,
}

#: How deeply JSON inputs may nest (a lipsync sheet nests 4 deep, XDTS 6).
MAX_JSON_DEPTH = 32


def _size(count: int) -> str:
    """``16 MB``, ``512 KB`` or ``12 bytes``.

    >>> _size(16 * MEGABYTE), _size(2048), _size(12)
    ('16 MB', '2 KB', '12 bytes')
    """
    if count >= MEGABYTE:
        return f"{count / MEGABYTE:.3g} MB"
    if count >= 1024:
        return f"{count / 1024:.3g} KB"
    return f"{count} bytes"


def read_input(path: str | Path, kind: str, error: type[LipsyncError], *,
               hint: str | OptionHint = "check the path", limit: int | None = None) -> bytes:
    """The bytes of the input file ``path``, a ``kind`` of input (a key of :data:`LIMITS`).

    Raises ``error`` with a one-line message naming the file when it is missing, a folder, not
    a regular file (a FIFO or a device is never opened for reading, so it cannot block or
    stream forever), unreadable, or larger than the limit for its kind.
    """
    name = str(path)
    most = LIMITS[kind] if limit is None else limit
    try:
        descriptor = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise error(f"{kind} not found: {name!r}", hint) from None
    except IsADirectoryError:
        raise error(f"{kind} {name!r} is a folder, not a file", hint) from None
    except OSError as problem:
        raise error(f"cannot read {kind} {name!r}: {problem.strerror}", "check the file's permissions") from None
    try:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise error(f"{kind} {name!r} is a folder, not a file", hint)
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{kind} {name!r} is not a regular file (a pipe, device or socket)",
                        "save it to a file and pass that file")
        if info.st_size > most:
            raise error(f"{kind} {name!r} is {_size(info.st_size)}, over the {_size(most)} limit for a {kind}",
                        f"a real {kind} is far smaller; check that this is the right file")
        os.set_blocking(descriptor, True)
        chunks = []
        remaining = most + 1
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, MEGABYTE))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as problem:
        raise error(f"cannot read {kind} {name!r}: {problem.strerror}", "check the file") from None
    finally:
        os.close(descriptor)
    data = b"".join(chunks)
    if len(data) > most:  # the file grew while it was read
        raise error(f"{kind} {name!r} is over the {_size(most)} limit for a {kind}",
                    f"a real {kind} is far smaller; check that this is the right file")
    return data


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text[:20]} is too large a number")
    return value


def _depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects (iteratively: no recursion limit).

    >>> _depth([1, {"a": [2]}]), _depth(3)
    (3, 0)
    """
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if level > MAX_JSON_DEPTH:
            break
        stack.extend((child, level + 1) for child in children)
    return deepest


def parse_json(text: str | bytes, where: str, error: type[LipsyncError], hint: str) -> Any:
    """JSON ``text`` as Python values; ``error`` (one line: the file, the line, the limit) when it
    is not JSON, holds ``NaN``/``Infinity``, or nests deeper than :data:`MAX_JSON_DEPTH`.

    >>> parse_json('{"a": [1, 2.5]}', "x.json", ValueError, "")
    {'a': [1, 2.5]}
    """
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except json.JSONDecodeError as problem:
        raise error(f"{where}: invalid JSON at line {problem.lineno}: {problem.msg}", hint) from None
    except ValueError as problem:
        raise error(f"{where}: {problem}", hint) from None
    except RecursionError:
        raise error(f"{where}: JSON nested deeper than {MAX_JSON_DEPTH} levels", hint) from None
    if _depth(value) > MAX_JSON_DEPTH:
        raise error(f"{where}: JSON nested deeper than {MAX_JSON_DEPTH} levels", hint)
    return value


def parse_toml(text: str, where: str, error: type[LipsyncError], hint: str) -> dict[str, Any]:
    """TOML ``text`` as a dict; ``error`` when it is not TOML or nests deeper than
    :data:`MAX_JSON_DEPTH` (a list of lists of lists... exhausts the parser's recursion).

    >>> parse_toml('a = 1', "x.toml", ValueError, "")
    {'a': 1}
    """
    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover - Python 3.10 with the tomli backport
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        value = tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        raise error(f"{where}: invalid TOML: {problem}", hint) from None
    except RecursionError:
        raise error(f"{where}: TOML nested deeper than {MAX_JSON_DEPTH} levels", hint) from None
    if _depth(value) > MAX_JSON_DEPTH:
        raise error(f"{where}: TOML nested deeper than {MAX_JSON_DEPTH} levels", hint)
    return value


@contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """A temporary path in ``path``'s folder (``.<name>.<random>.part``) that becomes ``path``
    when the block ends without an exception, and is deleted when it raises.

    For writers that need a file name rather than bytes (video encoders). An existing ``path``
    that is no regular file (``/dev/null``, ``/dev/stdout``, a named pipe) is written into, not
    replaced. Raises :class:`OutputError` (with a hint) when the folder is missing or not
    writable.
    """
    target = Path(path)
    folder = staging_folder(target)
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
        place(Path(temporary), target)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise OutputError(f"cannot write {str(target)!r}: {error.strerror}",
                          "check the disk space and permissions") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def is_special_file(path: Path) -> bool:
    """Whether ``path`` is an existing file that is no regular file nor folder: a device
    (``/dev/null``, ``/dev/stdout``) or a named pipe, to be written into, never replaced.

    >>> is_special_file(Path("/dev/null")), is_special_file(Path("/tmp")), is_special_file(Path("/no/such"))
    (True, False, False)
    """
    return path.exists() and not path.is_file() and not path.is_dir()


def staging_folder(target: Path) -> Path:
    """Where ``target``'s temporary file is written before :func:`place` puts it there: beside
    it (so that a rename is atomic), or, for a device or pipe (:func:`is_special_file`, whose
    folder, such as /dev, a user cannot write to), the system's temporary folder.

    >>> staging_folder(Path("out/take.tsv")), staging_folder(Path("/dev/null")) == Path(tempfile.gettempdir())
    (PosixPath('out'), True)
    """
    if is_special_file(target):
        return Path(tempfile.gettempdir())
    return target.parent if str(target.parent) else Path(".")


def place(temporary: Path, target: Path) -> None:
    """Put a finished temporary file at ``target``: renamed over it, or, for a device or pipe,
    streamed into it (a rename would replace /dev/null with a regular file) and removed.
    Raises OSError."""
    if is_special_file(target):
        with open(temporary, "rb") as reading, open(target, "wb") as writing:
            shutil.copyfileobj(reading, writing)
        temporary.unlink()
    else:
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)


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
