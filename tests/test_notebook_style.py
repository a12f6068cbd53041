"""The notebooks read well on the site: no code line or printed line is wider than its box.

On the published page (sphinx-book-theme, 1280 px window) a code cell's input box is 684 px wide
with 16 px padding on each side, and a character of its monospace font is 8.43 px: 77 characters
fit, and a longer line makes the cell scroll sideways. The limit is 76, one to spare. A cell whose
input is hidden (tags hide-input, hide-cell) opens inside a toggle that is 18 px narrower (666 px):
75 characters fit there, so those cells are held to 75. Hidden cells count, since a reader can
expand them.

Printed output (stream text, and a result shown as plain text) sits in an output box that is
688 px wide with the same padding and font: 656 px of text, 77 characters, so a printed line is
held to 76 as well. A cell tagged hide-cell (the exercises' checks) folds its output into the
toggle too, so its printed lines are held to 75. Timings and other variable output are printed
over short lines too, so the limit holds on every machine.

The page keeps its promises to readers: nothing about an exercise's answer is visible before the
reader opens it (every check cell after a folded solution is tagged hide-cell, so myst-nb puts
its code and its ✓ output inside a closed <details>), and every figure has alt text (cell
metadata ``mystnb.image.alt``; without it the built page's alt is the image's file path).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MAX_LINE = 76
MAX_LINE_HIDDEN = 75
HIDDEN_TAGS = {"hide-input", "hide-cell"}
MAX_OUTPUT_LINE = 76
# the site renders these instead of an output's text/plain
RICH_MIME_PREFIXES = ("application/vnd.jupyter.widget", "text/html", "image/", "text/latex", "text/markdown")


def tags(cell: dict) -> set[str]:
    return set(cell["metadata"].get("tags", []))


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
                found.append(
                    f"{path.name} cell {index} {what}line {number} "
                    f"({len(line)} chars, limit {limit}): "
                    f"{line.strip()[:60]}"
                )
    return found


def long_code_lines(path: Path) -> list[str]:
    """The code lines too long for their cell's box (hidden cells: the toggle's)."""

    def limit(cell):
        hidden = HIDDEN_TAGS & set(cell["metadata"].get("tags", []))
        return MAX_LINE_HIDDEN if hidden else MAX_LINE

    return too_long(path, ((i, "".join(cell["source"]), limit(cell)) for i, cell in code_cells(path)), "")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_code_lines_fit_the_page(path):
    long = long_code_lines(path)
    assert not long, (
        f"{len(long)} code lines too long for a code cell on the site "
        "(they scroll sideways):\n" + "\n".join(long)
    )


def shown_text(output: dict) -> str:
    """The text a reader sees for one output: a stream, or a plain-text-only result."""
    if output["output_type"] == "stream":
        return "".join(output["text"])
    data = output.get("data", {})
    if "text/plain" in data and not any(mime.startswith(RICH_MIME_PREFIXES) for mime in data):
        return "".join(data["text/plain"])
    return ""


def long_output_lines(path: Path) -> list[str]:
    """The printed lines too long for an output box (in a hide-cell toggle: the toggle's)."""

    def limit(cell):
        return MAX_LINE_HIDDEN if "hide-cell" in tags(cell) else MAX_OUTPUT_LINE

    return too_long(
        path,
        (
            (i, "".join(shown_text(o) for o in cell.get("outputs", [])), limit(cell))
            for i, cell in code_cells(path)
        ),
        "output ",
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_printed_lines_fit_the_page(path):
    long = long_output_lines(path)
    assert not long, (
        f"{len(long)} printed lines too long for an output box on the "
        "site (they scroll sideways):\n" + "\n".join(long)
    )


# ------------------------------------------------------------------------- no spoilers
OUTPUT_FOLDED = {"hide-cell", "hide-output", "remove-output"}
INPUT_FOLDED = {"hide-cell", "hide-input", "remove-input"}


def exercise_checks(path: Path) -> list[tuple[int, dict]]:
    """(index, cell) of every code cell that calls ``exercises.check(`` after a folded solution
    (the chapter's first "admonition} Solution" dropdown)."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    first = next(
        (
            i
            for i, c in enumerate(cells)
            if c["cell_type"] == "markdown" and "admonition} Solution" in "".join(c["source"])
        ),
        len(cells),
    )
    return [
        (i, c)
        for i, c in enumerate(cells)
        if i > first and c["cell_type"] == "code" and "exercises.check(" in "".join(c["source"])
    ]


def visible_outputs(cell: dict) -> list[dict]:
    """The outputs the built page shows before the reader opens anything: all of them unless the
    cell's tags fold or remove its output; glued outputs stored with display=False never show."""
    if OUTPUT_FOLDED & tags(cell):
        return []
    return [
        o
        for o in cell.get("outputs", [])
        if not o.get("metadata", {}).get("scrapbook", {}).get("mime_prefix")
    ]


def spoilers(path: Path) -> list[str]:
    found = []
    for i, cell in exercise_checks(path):
        shown = "".join(shown_text(o) or str(o.get("data", "")) for o in visible_outputs(cell))
        if visible_outputs(cell):
            found.append(f"{path.name} cell {i}: output visible on the page: {shown[:60]!r}")
        if not INPUT_FOLDED & tags(cell):
            found.append(f"{path.name} cell {i}: the code that computes the answer is visible")
    return found


CHAPTERS = [p for p in NOTEBOOKS if p.name.startswith("ch")]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_no_exercise_answer_is_visible_before_its_solution_is_opened(path):
    checks = exercise_checks(path)
    assert checks, f"{path.name}: no exercise check cell found"
    for i, cell in checks:  # the folded output still holds the ✓ that nbval compares
        stored = "".join("".join(o.get("text", "")) for o in cell.get("outputs", []))
        assert "✓ " in stored and ": right." in stored, f"{path.name} cell {i}: no stored ✓"
    found = spoilers(path)
    assert not found, "\n".join(found)


def test_the_spoiler_rule_catches_a_visible_check():
    """The rule flags a check cell whose ✓ output would be shown (tag hide-input only)."""
    cell = {
        "cell_type": "code",
        "metadata": {"tags": ["hide-input"]},
        "source": ['exercises.check("k", 1)'],
        "outputs": [{"output_type": "stream", "name": "stdout", "text": ["✓ k: right."]}],
    }
    assert visible_outputs(cell)
    cell["metadata"]["tags"] = ["hide-cell"]
    assert not visible_outputs(cell)


# ------------------------------------------------------------------------- figure alt text
def figures_without_alt(path: Path) -> list[str]:
    found = []
    for i, cell in code_cells(path):
        if not any("image/png" in o.get("data", {}) for o in cell.get("outputs", [])):
            continue
        alt = cell["metadata"].get("mystnb", {}).get("image", {}).get("alt", "")
        if len(alt.split()) < 5 or alt.endswith((".png", ".svg")):
            found.append(
                f"{path.name} cell {i}: figure without a meaningful alt text "
                f"({alt!r}); set metadata mystnb.image.alt"
            )
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_figure_has_alt_text(path):
    found = figures_without_alt(path)
    assert not found, "\n".join(found)


PRIVATE_NAME = re.compile(r"(?<![\w.])[A-Za-z_][\w.]*\._(?!_)\w+|(?:from|import) nndl\._")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_notebook_touches_a_private_name(path):
    """The chapters use only nndl's public API (`layer.gate_values()`, not `layer._cache[7]`)."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    found = [
        m.group()
        for c in cells
        if c["cell_type"] == "code"
        for m in PRIVATE_NAME.finditer("".join(c["source"]))
    ]
    assert not found, f"{path.name} reaches into private names: {found}"
