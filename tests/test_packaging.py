"""pyproject's packaging keeps up with the source tree: every folder of files under lipsync/ is
a listed package (otherwise setuptools prints its "absent from the packages configuration"
banner at every install, and the folder's files may be left out of a wheel)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_folder_of_the_package_is_listed() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    folders = {".".join(folder.relative_to(ROOT).parts) for folder in (ROOT / "lipsync").rglob("*")
               if folder.is_dir() and folder.name != "__pycache__"
               and any(item.is_file() and not item.name.endswith(".pyc") for item in folder.iterdir())}
    assert folders - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"


def test_the_bundled_sample_is_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    data = config["package-data"]["lipsync.data"]
    assert data == ["*"] and (ROOT / "lipsync" / "data" / "sample.flac").is_file()
