"""Shared fixtures: the site is built once per test session, exactly as `make book` does."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def built_site():
    """Build the whole site once, warnings as errors, as `make book` does."""
    # the venv's own jupyter-book (jupyter-book.exe in Scripts\ on Windows)
    jupyter_book = shutil.which("jupyter-book", path=str(Path(sys.executable).parent))
    assert jupyter_book, f"jupyter-book is not installed beside {sys.executable}"
    cmd = [
        jupyter_book,
        "build",
        str(ROOT),
        "-W",
        "-n",
        "--keep-going",
        "--all",
    ]  # --all: stale pages would hide warnings
    result = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        cwd=ROOT,
        timeout=900,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    return result, ROOT / "_build" / "html"
