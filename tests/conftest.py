"""Shared fixtures: the site is built once per test session, exactly as `make book` does."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def built_site():
    """Build the whole site once, warnings as errors, as `make book` does."""
    cmd = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(ROOT),
           "-W", "-n", "--keep-going", "--all"]  # --all: stale pages would hide warnings
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=900)
    return result, ROOT / "_build" / "html"
