"""pyproject's packaging keeps up with the source tree: every folder of files under lipsync/ is
a listed package (otherwise setuptools prints its "absent from the packages configuration"
banner at every install, and the folder's files may be left out of a wheel)."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_every_folder_of_the_package_is_listed() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    folders = {".".join(folder.relative_to(ROOT).parts) for folder in (ROOT / "lipsync").rglob("*")
               if folder.is_dir() and folder.name != "__pycache__"
               and any(item.is_file() and not item.name.endswith(".pyc") for item in folder.iterdir())}
    assert folders - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"


def test_building_the_wheel_prints_no_setuptools_warning(tmp_path: Path) -> None:
    """The wheel builds without a warning banner and holds the sample and every static file."""
    import subprocess
    import sys
    import zipfile

    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                            "-w", str(tmp_path / "dist"), str(ROOT)], capture_output=True, text=True, timeout=300,
                           cwd=tmp_path)
    assert build.returncode == 0, build.stderr
    assert "Warning" not in build.stdout + build.stderr, build.stdout + build.stderr
    wheel, = (tmp_path / "dist").glob("lipsync-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    sources = [path for path in (ROOT / "lipsync").rglob("*")
               if path.is_file() and "__pycache__" not in path.parts and not path.name.endswith(".pyc")]
    missing = [str(path.relative_to(ROOT)) for path in sources if str(path.relative_to(ROOT)) not in names]
    assert missing == []


def test_no_merge_conflict_markers_in_tracked_files() -> None:
    """A merge committed half-resolved (``<<<<<<< HEAD`` in the Makefile) breaks every set-up."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    marker = re.compile(rb"^(<{7} |>{7} |={7}$)", re.M)
    paths = [ROOT / name.decode() for name in listed.split(b"\0") if name]
    marked = [str(path.relative_to(ROOT)) for path in paths if path.is_file() and marker.search(path.read_bytes())]
    assert marked == []
