"""``lipsync doctor``: versions, what is installed and missing with the command that installs
it, and a failing exit status only when something required is missing (lipsync.doctor)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lipsync.doctor import GROUPS, diagnose, module_version


def doctor(*args: str, path: str | None = None) -> subprocess.CompletedProcess:
    """``python -m lipsync doctor`` in a fresh process, with ``PATH`` replaced when given."""
    environment = dict(os.environ)
    if path is not None:
        environment["PATH"] = path
    return subprocess.run([sys.executable, "-m", "lipsync", "doctor", *args], capture_output=True, text=True,
                          env=environment, timeout=120)


def test_doctor_lists_versions_and_every_piece() -> None:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    done = doctor()
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("lipsync ") and f"python {sys.version.split()[0]}" in out
    assert "numpy " in out and "pocketsphinx 5.1.1" in out and "libsndfile " in out
    for name in ("espeak-ng", "ffmpeg", "CJK font", "pyannote.audio", "dask distributed", "Chromium", "Playwright"):
        assert f"  {name} " in out
    assert "  ok       espeak-ng " in out and "languages)" in out
    assert out.rstrip().endswith("everything required is installed")


def test_without_espeak_ng_doctor_fails_and_says_how_to_install_it(tmp_path: Path) -> None:
    # a PATH with none of the system programs: espeak-ng, ffmpeg and pdftoppm are all missing
    done = doctor(path=str(tmp_path))
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert "  missing  espeak-ng " in out
    for package in ("espeak-ng", "ffmpeg", "poppler-utils"):
        assert f"install: sudo apt install {package}" in out
    assert "missing required: espeak-ng" in out
    assert "Traceback" not in done.stderr


def test_an_optional_piece_missing_is_not_a_failure(tmp_path: Path) -> None:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "espeak-ng").symlink_to(shutil.which("espeak-ng"))
    done = doctor(path=str(folder))
    assert done.returncode == 0, done.stdout
    assert "  missing  ffmpeg " in done.stdout and "install: sudo apt install ffmpeg" in done.stdout
    assert "  ok       espeak-ng " in done.stdout


def test_doctor_json_for_bug_reports(tmp_path: Path) -> None:
    done = doctor("--json", path=str(tmp_path))
    data = json.loads(done.stdout)
    assert data["ok"] is False and done.returncode == 1
    pieces = {piece["name"]: piece for piece in data["pieces"]}
    assert pieces["espeak-ng"]["group"] == "required" and pieces["espeak-ng"]["found"] is None
    assert pieces["ffmpeg"]["ok"] is False and pieces["ffmpeg"]["install"].endswith("ffmpeg")
    assert {piece["group"] for piece in data["pieces"]} == set(GROUPS)
    assert data["versions"]["pocketsphinx"] == "5.1.1"


def test_every_system_package_doctor_names_is_installed_by_the_project() -> None:
    """The commands doctor gives name the packages scripts/install-system-deps.sh installs."""
    script = (Path(__file__).resolve().parent.parent / "scripts" / "install-system-deps.sh").read_text()
    for piece in diagnose().pieces:
        if piece.install.startswith("sudo apt install "):
            package = piece.install.split()[3]
            assert f"need+=({package})" in script, package


def test_an_extra_whose_parent_package_is_missing_is_reported_missing() -> None:
    # pyannote.audio's check looks up "pyannote.audio": without pyannote that must be "missing", not a crash
    assert module_version("pyannote_nowhere.audio", "pyannote.audio") is None
    assert module_version("click", "click") is not None
