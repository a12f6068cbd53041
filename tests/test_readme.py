"""The README's usage example runs as printed and does what its comment says."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_usage_example_trains_an_mlp_on_the_digits():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Use the library", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert len(code.strip().splitlines()) <= 12, "the example should stay about ten lines"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    printed = out.getvalue()
    claimed = float(re.search(r"# about (\d\.\d+), in a few seconds", code).group(1))
    accuracy = float(re.fullmatch(r"test accuracy (\d\.\d+)", printed.strip()).group(1))
    assert abs(accuracy - claimed) <= 0.01, printed
