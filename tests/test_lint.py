"""The library, the tests and the benchmarks pass ruff's checks and are ruff-formatted.

The rules live in pyproject.toml ([tool.ruff]); notebooks are not linted.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["check", "format"])
def test_ruff(command):
    assert RUFF, "ruff is in requirements.txt but not installed: pip install -r requirements.txt"
    result = subprocess.run(
        [RUFF, *command, "nndl", "tests", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    hint = "ruff check --fix" if command == ["check"] else "ruff format"
    assert result.returncode == 0, f"run `{hint} nndl tests benchmarks`:\n{result.stdout}{result.stderr}"
