"""The notebooks read well on the site: no code line or printed line is wider than its box.

On the published page (sphinx-book-theme, 1280 px window) a code cell's input box is 684 px wide
with 16 px padding on each side, and a character of its monospace font is 8.43 px: 77 characters
fit, and a longer line makes the cell scroll sideways. The limit is 76, one to spare. A cell whose
input is hidden (tags hide-input, hide-cell) opens inside a toggle that is 18 px narrower (666 px):
75 characters fit there, so those cells are held to 75. Hidden cells count, since a reader can
expand them.

Printed output (stream text, and a result shown as plain text) sits in an output box that is
688 px wide with the same padding and font: 656 px of text, 77 characters, so a printed line is
held to 76 as well, whatever the cell's tags (outputs are never inside the toggle). Timings and
other variable output are printed over short lines too, so the limit holds on every machine.
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
MAX_OUTPUT_LINE = 76
# the site renders these instead of an output's text/plain
RICH_MIME_PREFIXES = ("application/vnd.jupyter.widget", "text/html", "image/",
                      "text/latex", "text/markdown")


def code_cells(path: Path):
    """(index, cell) for every code cell of a notebook."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [(i, cell) for i, cell in enumerate(cells) if cell["cell_type"] == "code"]


def too_long(path: Path, texts, what: str) -> list[str]:
    """`notebook cell N <what> line L (W chars): text` for each line over its limit;
    ``texts`` yields (cell index, text, limit)."""
    found = []
    for index, text, limit in texts:
        for number, line in enumerate(text.splitlines(), start=1):
            if len(line) > limit:
                found.append(f"{path.name} cell {index} {what}line {number} "
                             f"({len(line)} chars, limit {limit}): "
                             f"{line.strip()[:60]}")
    return found


def long_code_lines(path: Path) -> list[str]:
    """The code lines too long for their cell's box (hidden cells: the toggle's)."""
    def limit(cell):
        hidden = HIDDEN_TAGS & set(cell["metadata"].get("tags", []))
        return MAX_LINE_HIDDEN if hidden else MAX_LINE

    return too_long(path, ((i, "".join(cell["source"]), limit(cell))
                           for i, cell in code_cells(path)), "")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_code_lines_fit_the_page(path):
    long = long_code_lines(path)
    assert not long, (f"{len(long)} code lines too long for a code cell on the site "
                      "(they scroll sideways):\n" + "\n".join(long))


def shown_text(output: dict) -> str:
    """The text a reader sees for one output: a stream, or a plain-text-only result."""
    if output["output_type"] == "stream":
        return "".join(output["text"])
    data = output.get("data", {})
    if "text/plain" in data and not any(mime.startswith(RICH_MIME_PREFIXES)
                                        for mime in data):
        return "".join(data["text/plain"])
    return ""


def long_output_lines(path: Path) -> list[str]:
    """The printed lines too long for an output box."""
    return too_long(path, ((i, "".join(shown_text(o) for o in cell.get("outputs", [])),
                            MAX_OUTPUT_LINE) for i, cell in code_cells(path)), "output ")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_printed_lines_fit_the_page(path):
    long = long_output_lines(path)
    assert not long, (f"{len(long)} printed lines too long for an output box on the "
                      "site (they scroll sideways):\n" + "\n".join(long))
