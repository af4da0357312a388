"""``lipsync doctor``: what this installation has and lacks, for a first run and for bug reports.

It lists the versions of lipsync, Python and the libraries lipsync runs on, then each piece a
feature needs -- the programs (espeak-ng, ffmpeg), a CJK font for Japanese PDF sheets, the
optional extras (pyannote.audio, Dask) and what the test suite uses -- as installed (with its
version or path) or missing (with the command that installs it). Only a missing *required*
piece is a failure. Nothing heavy is imported: versions come from the package metadata.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass

#: The libraries whose versions a bug report needs (distribution names).
LIBRARIES = ("numpy", "soundfile", "soxr", "pocketsphinx", "phonemizer", "praatio", "rapidfuzz",
             "opentimelineio", "reportlab", "pykakasi", "langcodes", "click", "rich", "av", "pillow", "resvg-py")

#: How the pieces are grouped in the listing, in order.
GROUPS = ("required", "optional", "tests")


@dataclass(frozen=True)
class Piece:
    """One thing a feature needs: ``found`` is its version or path when installed, else None;
    ``install`` the command that installs it."""

    name: str
    group: str
    purpose: str
    found: str | None
    install: str

    @property
    def ok(self) -> bool:
        return self.found is not None


@dataclass(frozen=True)
class Diagnosis:
    """Versions (name -> version, ``None`` when not installed) and the pieces."""

    versions: dict[str, str | None]
    pieces: tuple[Piece, ...]

    @property
    def missing_required(self) -> tuple[Piece, ...]:
        return tuple(piece for piece in self.pieces if piece.group == "required" and not piece.ok)

    @property
    def exit_code(self) -> int:
        """0 when everything required is installed, else 1."""
        return 1 if self.missing_required else 0


def system_install(apt: str, brew: str | None) -> str:
    """The command that installs a system package here: apt on Debian/Ubuntu, else Homebrew.

    >>> system_install("poppler-utils", "poppler") in ("sudo apt install poppler-utils", "brew install poppler")
    True
    """
    if brew is not None and shutil.which("apt-get") is None and shutil.which("brew") is not None:
        return f"brew install {brew}"
    return f"sudo apt install {apt}"


def distribution_version(name: str) -> str | None:
    """The installed version of a Python distribution, or None.

    >>> distribution_version("click") is not None, distribution_version("no-such-package-here")
    (True, None)
    """
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def program_version(program: str, flag: str = "--version") -> str | None:
    """``program``'s version line (its first line of output), or None when it is not installed."""
    path = shutil.which(program)
    if path is None:
        return None
    try:
        done = subprocess.run([path, flag], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return path
    first = (done.stdout or done.stderr).strip().splitlines()
    return first[0].strip() if first else path


def _espeak() -> str | None:
    """espeak-ng's version, when both the program and the library phonemizer loads work."""
    version = program_version("espeak-ng")
    if version is None:
        return None
    from .errors import LipsyncError
    from .g2p import espeak_languages

    try:
        count = len(espeak_languages())
    except (LipsyncError, RuntimeError, OSError):  # the program is there, its library is not
        return None
    number = version.replace("eSpeak NG text-to-speech:", "").split("Data at")[0].strip()
    return f"{number} ({count} languages)"


def _ffmpeg() -> str | None:
    version = program_version("ffmpeg", "-version")
    return version.split(" Copyright")[0].replace("ffmpeg version ", "") if version else None


def _cjk_font() -> str | None:
    from .errors import LipsyncError
    from .exporters.xsheet_pdf import find_cjk_font

    try:
        found = find_cjk_font()
    except LipsyncError:  # LIPSYNC_CJK_FONT names a font that cannot be used
        return None
    return found[0] if found else None


def _sans_font() -> str | None:
    from .textdraw import font_path

    return font_path("sans")


def module_version(module: str, distribution: str) -> str | None:
    """``distribution``'s version when ``module`` can be imported (without importing it), else None.

    >>> module_version("click", "click") is not None, module_version("pyannote_nowhere.audio", "pyannote.audio")
    (True, None)
    """
    try:
        found = importlib.util.find_spec(module)
    except ModuleNotFoundError:  # a dotted name whose parent package is missing
        return None
    return distribution_version(distribution) if found is not None else None


def _module(name: str, distribution: str) -> Callable[[], str | None]:
    return lambda: module_version(name, distribution)


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def _pieces() -> tuple[tuple[str, str, str, Callable[[], str | None], str], ...]:
    """(name, group, purpose, check, install command) of every piece."""
    return (
        ("espeak-ng", "required", "pronunciations of words outside the dictionary; every language but English",
         _espeak, system_install("espeak-ng", "espeak-ng")),
        ("ffmpeg", "optional", "m4a/aac and video input", _ffmpeg, system_install("ffmpeg", "ffmpeg")),
        ("CJK font", "optional", "Japanese text in printable PDF x-sheets", _cjk_font,
         system_install("fonts-ipafont-gothic", None) + " (or set LIPSYNC_CJK_FONT to a .ttf/.ttc font)"),
        ("Sans font", "optional", "names, subtitles and the rhythmo band in preview videos (else Pillow's plain font)",
         _sans_font, system_install("fonts-dejavu-core", None)),
        ("pyannote.audio", "optional", "speaker diarization (lipsync batch --diarize)",
         _module("pyannote.audio", "pyannote.audio"), "pip install -c constraints/cpu.txt 'lipsync[diarize]'"),
        ("dask distributed", "optional", "batches on a Dask cluster (lipsync batch --scheduler)",
         _module("distributed", "distributed"), "pip install 'lipsync[cluster]'"),
        ("pytest", "tests", "the test suite (make test)", _module("pytest", "pytest"), "pip install 'lipsync[test]'"),
        ("pypdf", "tests", "checks of the printable sheets", _module("pypdf", "pypdf"), "pip install 'lipsync[test]'"),
        ("poppler (pdftoppm)", "tests", "rendering checks of the printable sheets",
         lambda: program_version("pdftoppm", "-v"), system_install("poppler-utils", "poppler")),
        ("Chromium", "tests", "headless rendering checks of the HTML report and the review page", _chromium,
         system_install("chromium", None)),
        ("Playwright", "tests", "browser tests of the review page", _module("playwright", "playwright"),
         "pip install 'lipsync[test]'"),
        ("Praat", "tests", "the TextGrid export read by Praat", lambda: program_version("praat"),
         system_install("praat", None)),
        ("Synfig", "tests", "the .lst export rendered by Synfig's command line", lambda: program_version("synfig"),
         system_install("synfig", None)),
        ("Node.js and npm", "tests", "spine-core reading the Spine JSON; the generated AE and Harmony scripts",
         lambda: program_version("node") if shutil.which("npm") else None, system_install("nodejs npm", "node")),
    )


def diagnose() -> Diagnosis:
    """Look at this installation: versions and every piece."""
    versions: dict[str, str | None] = {
        "lipsync": distribution_version("lipsync"),
        "python": f"{platform.python_version()} ({sys.executable})",
        "platform": platform.platform(),
    }
    versions.update({name: distribution_version(name) for name in LIBRARIES})
    try:
        import soundfile

        versions["libsndfile"] = soundfile.__libsndfile_version__
    except (ImportError, OSError):
        versions["libsndfile"] = None
    pieces = tuple(Piece(name, group, purpose, check(), install) for name, group, purpose, check, install in _pieces())
    return Diagnosis(versions, pieces)


def render_text(diagnosis: Diagnosis) -> str:
    """The diagnosis as the lines ``lipsync doctor`` prints."""
    lines = [f"lipsync {diagnosis.versions['lipsync'] or '(not installed: running from the source tree)'}",
             f"python {diagnosis.versions['python']}", f"platform {diagnosis.versions['platform']}"]
    libraries = [f"{name} {version or 'MISSING'}" for name, version in diagnosis.versions.items()
                 if name not in ("lipsync", "python", "platform")]
    lines.append("libraries: " + ", ".join(libraries))
    width = max(len(piece.name) for piece in diagnosis.pieces)
    for group in GROUPS:
        lines.append("")
        lines.append({"required": "required:", "optional": "optional (for some features):",
                      "tests": "for the test suite (make test):"}[group])
        for piece in (piece for piece in diagnosis.pieces if piece.group == group):
            if piece.ok:
                lines.append(f"  ok       {piece.name:<{width}}  {piece.found}")
            else:
                lines.append(f"  missing  {piece.name:<{width}}  {piece.purpose}")
                lines.append(f"           {'':<{width}}  install: {piece.install}")
    lines.append("")
    missing = diagnosis.missing_required
    lines.append("everything required is installed" if not missing else
                 f"missing required: {', '.join(piece.name for piece in missing)}")
    return "\n".join(lines) + "\n"


def render_json(diagnosis: Diagnosis) -> str:
    """The diagnosis as JSON: ``versions``, ``pieces`` (name, group, purpose, found, install,
    ok) and ``ok`` (everything required is installed)."""
    import json

    pieces = [dict(asdict(piece), ok=piece.ok) for piece in diagnosis.pieces]
    data = {"versions": diagnosis.versions, "pieces": pieces, "ok": not diagnosis.missing_required,
            "environment": {key: os.environ[key] for key in ("LIPSYNC_CJK_FONT",) if key in os.environ}}
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"
