"""The README's examples, run as written on the bundled sample, and its claims checked against
the tool.

How the README's code blocks are tested (the "Contributing" section of README.md says the same):

- Every ```` ```sh ```` and ```` ```python ```` block is run, in README order, in one scratch
  folder, as a reader following the README would type it: each line of a ``sh`` block by bash
  (``lipsync`` is this checkout's command), each ``python`` block by this Python. A command must
  exit with status 0, and an ``-o PATH`` it names must exist afterwards.
- A block right after the line ``<!-- readme-test: skip: REASON -->`` is not run (set-up commands,
  a Dask cluster, a diarization model...). Blocks in other languages (``csv``, ``json``, plain
  ```` ``` ````) are shown, not run.
- Inputs: the files in ``tests/readme/`` are copied to the scratch folder; every audio file
  (``.wav .flac .ogg .opus .mp3``) an example or one of those files names, and that is not there,
  is the bundled sample ``lipsync/data/sample.flac``; then ``tests/readme/setup.sh`` makes the
  rest (sheets, folder trees).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
INPUTS = ROOT / "tests" / "readme"
SAMPLE = ROOT / "lipsync" / "data" / "sample.flac"
SKIP_MARKER = re.compile(r"<!--\s*readme-test:\s*skip\b")
AUDIO_NAME = re.compile(r"(?<![\w*{}/.-])((?:[\w.-]+/)*[\w.-]+\.(?:wav|flac|ogg|opus|mp3))\b")
RUN_LANGUAGES = ("sh", "python")


@dataclass(frozen=True)
class Block:
    """A fenced code block of the README: its language, first line number, text and whether it
    is marked as not run."""

    language: str
    line: int
    text: str
    skipped: bool


def readme_blocks(text: str) -> list[Block]:
    """The fenced code blocks of a Markdown text.

    >>> [(b.language, b.line, b.text, b.skipped) for b in readme_blocks(
    ...     "<!-- readme-test: skip: needs a model -->\\n```sh\\nmake demo\\n```\\n\\n```sh\\nls\\n```\\n")]
    [('sh', 2, 'make demo\\n', True), ('sh', 6, 'ls\\n', False)]
    """
    blocks: list[Block] = []
    lines = text.splitlines(keepends=True)
    index = 0
    while index < len(lines):
        opening = re.match(r"^```(\S*)\s*$", lines[index])
        if not opening:
            index += 1
            continue
        start = index
        index += 1
        body: list[str] = []
        while index < len(lines) and not lines[index].startswith("```"):
            body.append(lines[index])
            index += 1
        previous = next((line for line in reversed(lines[:start]) if line.strip()), "")
        blocks.append(Block(opening.group(1), start + 1, "".join(body), bool(SKIP_MARKER.search(previous))))
        index += 1
    return blocks


def runnable_blocks() -> list[Block]:
    return [b for b in readme_blocks(README.read_text(encoding="utf-8"))
            if b.language in RUN_LANGUAGES and not b.skipped]


def commands(block: Block) -> list[str]:
    """The command lines of a ``sh`` block (continuation lines joined, blank lines dropped)."""
    joined = block.text.replace("\\\n", " ")
    return [line for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def output_paths(command: str) -> list[str]:
    """The ``-o``/``--output`` values of a command line.

    >>> output_paths("lipsync fit a.xdts b.wav -o fit.json -o fit.html  # two reports")
    ['fit.json', 'fit.html']
    """
    words = shlex.split(command, comments=True)
    return [words[i + 1] for i, word in enumerate(words[:-1]) if word in ("-o", "--output")]


def make_sample_audio(folder: Path, texts: list[str]) -> None:
    """Write the bundled sample under every audio file name the texts mention that is missing."""
    samples, rate = sf.read(str(SAMPLE), dtype="float32")
    for text in texts:
        for name in AUDIO_NAME.findall(text):
            target = folder / name
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                sf.write(str(target), samples, rate)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The scratch folder with the examples' inputs, and the environment the examples run in."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    folder = tmp_path_factory.mktemp("readme")
    shutil.copytree(INPUTS, folder, dirs_exist_ok=True)
    texts = [block.text for block in runnable_blocks()]
    texts += [path.read_text(encoding="utf-8") for path in INPUTS.rglob("*") if path.is_file()]
    make_sample_audio(folder, texts)
    environment = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
                       PYTHONPATH=str(ROOT))
    done = subprocess.run(["bash", str(folder / "setup.sh")], cwd=folder, env=environment,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return folder, environment


@pytest.mark.parametrize("block", runnable_blocks(), ids=lambda b: f"README.md:{b.line}")
def test_readme_example_runs_as_written(block: Block, scratch: tuple[Path, dict[str, str]]) -> None:
    folder, environment = scratch
    if block.language == "python":
        done = subprocess.run([sys.executable, "-c", block.text], cwd=folder, env=environment,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"README.md:{block.line}: python block failed:\n{done.stderr}"
        return
    for command in commands(block):
        done = subprocess.run(["bash", "-c", command], cwd=folder, env=environment,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"README.md:{block.line}: {command!r} exited {done.returncode}:\n{done.stderr}"
        for output in output_paths(command):
            written = list(folder.glob(glob_escape(output) + "*"))
            assert written, f"README.md:{block.line}: {command!r} wrote no {output!r}"


def glob_escape(path: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", path)


def test_every_runnable_block_is_reached() -> None:
    """The convention is followed: a set-up command (make, pip, apt) is never in a block that runs,
    and every skipped block says why."""
    for block in readme_blocks(README.read_text(encoding="utf-8")):
        if block.language == "sh" and not block.skipped:
            for command in commands(block):
                assert not re.match(r"\s*(make|pip|apt|brew|sudo)\b", command), \
                    f"README.md:{block.line}: set-up command {command!r} in a block that is run; mark it skip"
    text = README.read_text(encoding="utf-8")
    for marker in re.findall(r"<!--\s*readme-test:[^>]*-->", text):
        assert re.match(r"<!--\s*readme-test:\s*skip:\s*\S", marker), f"marker without a reason: {marker}"


def test_ci_runs_the_readme_test_command() -> None:
    """.ci/run runs the command the README gives for the test suite."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    ci_commands = [line.strip() for line in ci.splitlines() if line.strip() and not line.lstrip().startswith(("#", "set ", "cd ", "export "))]
    setup = next(b for b in readme_blocks(README.read_text(encoding="utf-8")) if "make test" in b.text)
    readme_commands = [line.split("#")[0].strip() for line in setup.text.splitlines()]
    assert ci_commands == ["make test"] and "make test" in readme_commands


def test_format_table_extensions_are_the_tools() -> None:
    """Every `| `name` | `.ext` |` row of the README's format tables names the extension the
    exporter writes."""
    from lipsync.exporters import exporter_named

    rows = re.findall(r"^\| `([\w-]+)`(?:, `[\w-]+`)* \| ([^|]+) \|", README.read_text(encoding="utf-8"), re.M)
    checked = 0
    for name, extensions in rows:
        try:
            exporter = exporter_named(name)
        except Exception:
            continue
        claimed = re.findall(r"`(\.[\w.]+)`", extensions)
        if not claimed:
            continue
        assert claimed[0] == exporter.file_suffix or claimed[0] in exporter.extensions, (name, claimed, exporter.extensions)
        checked += 1
    assert checked >= 15


def test_analyze_options_table_matches_the_command() -> None:
    """The README's analyze option table names only options `lipsync analyze` has, and the
    ranges it gives are those the command accepts."""
    from lipsync.cli import analyze

    text = README.read_text(encoding="utf-8")
    section = text.split("### `lipsync analyze AUDIO`", 1)[1].split("####", 1)[0]
    documented = set(re.findall(r"^\| `(--[\w-]+)", section, re.M))
    known = {name for param in analyze.params for name in getattr(param, "opts", ())}
    assert documented and documented <= known, documented - known
    step = next(p for p in analyze.params if p.name == "step")
    assert (step.type.min, step.type.max) == (1, 4)
    assert re.search(r"`--step N` \| animate on ones \(1\), twos \(2\), threes \(3\) or fours \(4\)", section)
