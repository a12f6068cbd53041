"""Shared fixtures: the site is built once per test session, exactly as `make book` does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"


@pytest.fixture(scope="session")
def built_editions():
    """Build both editions once, warnings as errors, as `make book` does; (result, {"en": dir, "zh": dir})."""
    # --all: stale pages would hide warnings
    cmd = [sys.executable, str(ROOT / "book" / "_ext" / "editions.py"), "html", "--all"]
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
    return result, {"en": SITE / "en", "zh": SITE / "zh"}


@pytest.fixture(scope="session")
def built_site(built_editions):
    """The English edition: (build result, its folder)."""
    result, editions = built_editions
    return result, editions["en"]
