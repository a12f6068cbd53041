"""The notebooks read well on the site: no code line is wider than a code cell.

On the published page (sphinx-book-theme, 1280 px window) a code cell's input box is 684 px wide
with 16 px padding on each side, and a character of its monospace font is 8.43 px: 77 characters
fit, and a longer line makes the cell scroll sideways. The limit is 76, one to spare. A cell whose
input is hidden (tags hide-input, hide-cell) opens inside a toggle that is 18 px narrower (666 px):
75 characters fit there, so those cells are held to 75. Hidden cells count, since a reader can
expand them.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MAX_LINE = 76
MAX_LINE_HIDDEN = 75
HIDDEN_TAGS = {"hide-input", "hide-cell"}


def long_code_lines(path: Path) -> list[str]:
    """`notebook cell N line L (W chars): text` for each code line that is too long."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    found = []
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        hidden = HIDDEN_TAGS & set(cell["metadata"].get("tags", []))
        limit = MAX_LINE_HIDDEN if hidden else MAX_LINE
        source = "".join(cell["source"])
        for number, line in enumerate(source.splitlines(), start=1):
            if len(line) > limit:
                found.append(f"{path.name} cell {index} line {number} "
                             f"({len(line)} chars, limit {limit}): "
                             f"{line.strip()[:60]}")
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_code_lines_fit_the_page(path):
    long = long_code_lines(path)
    assert not long, (f"{len(long)} code lines too long for a code cell on the site "
                      "(they scroll sideways):\n" + "\n".join(long))
