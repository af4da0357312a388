"""The layers in pyproject.toml ([tool.importlinter]) hold: exporters see only the sheet model and
timing (never audio), recognition never imports presets, animation or exporters, and only the
command line imports click. import-linter checks them here, so the suite and CI fail on a break."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")


def lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--config", str(root / "pyproject.toml"), "--no-cache"], cwd=root,
                          capture_output=True, text=True, timeout=300, env={"PYTHONPATH": str(root), "PATH": ""})


def test_the_layer_contracts_are_kept() -> None:
    run = lint(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 kept, 0 broken" in run.stdout


def test_an_exporter_that_opens_audio_breaks_the_contract(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "lipsync", tmp_path / "lipsync", ignore=shutil.ignore_patterns("__pycache__", "data"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    exporter = tmp_path / "lipsync" / "exporters" / "rhubarb_tsv.py"
    exporter.write_text(exporter.read_text() + "\nfrom ..audio import load_audio  # noqa\n")
    run = lint(tmp_path)
    assert run.returncode == 1 and "1 broken" in run.stdout
    assert "lipsync.exporters.rhubarb_tsv -> lipsync.audio" in run.stdout
