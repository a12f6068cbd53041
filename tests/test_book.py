"""Keep the book honest: the TOC, the stored notebooks and a warning-free site build agree."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_every_toc_entry_exists():
    missing = [f for f in toc_files()
               if not any((ROOT / f).with_suffix(s).exists() for s in (".md", ".ipynb"))]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"


def test_every_notebook_is_in_the_toc():
    listed = set(toc_files())
    orphans = [nb.name for nb in NOTEBOOKS if f"notebooks/{nb.stem}" not in listed]
    assert not orphans, f"notebooks missing from _toc.yml: {orphans}"


def test_toc_has_front_matter_chapters_and_back_matter():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    assert [p["caption"] for p in toc["parts"]] == ["Front matter", "Chapters", "Back matter"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_stored_as_one_clean_run(path):
    """Execution counts are 1..n (one top-to-bottom run) and no cell stored an error."""
    cells = [c for c in load(path)["cells"] if c["cell_type"] == "code"]
    counts = [c["execution_count"] for c in cells]
    assert counts == list(range(1, len(cells) + 1)), f"{path.name}: re-run `make notebooks`"
    errors = [c["source"][:60] for c in cells
              if any(o["output_type"] == "error" for o in c["outputs"])]
    assert not errors, f"{path.name}: cells stored with errors: {errors}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_title_matches_its_chapter(path):
    """chNN-<slug>.ipynb starts with '# Chapter N · English title (中文标题)'."""
    number = int(re.match(r"ch(\d\d)-", path.name).group(1))
    first = "".join(load(path)["cells"][0]["source"]).splitlines()[0]
    assert re.fullmatch(rf"# Chapter {number} · .+ \(.*[\u4e00-\u9fff]+.*\)", first), first


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_ignored_outputs_still_assert(path):
    """A cell whose output nbval ignores must check something itself."""
    for cell in load(path)["cells"]:
        if "nbval-ignore-output" in cell.get("metadata", {}).get("tags", []):
            source = "".join(cell["source"])
            assert re.search(r"\bassert\b|np\.testing\.", source), source[:80]


@pytest.fixture(scope="session")
def built_site():
    """Build the site once, warnings as errors, exactly as `make book` does."""
    cmd = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(ROOT),
           "-W", "-n", "--keep-going"]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=900)
    return result, ROOT / "_build" / "html"


def test_book_builds_without_warnings(built_site):
    result, html = built_site
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    assert "WARNING:" not in log, "\n".join(l for l in log.splitlines() if "WARNING" in l)
    assert (html / "book" / "intro.html").exists() and (html / "index.html").exists()


def test_chapter_pages_carry_the_drafts_equation_numbers(built_site):
    _, html = built_site
    page = (html / "notebooks" / "ch02-math.html").read_text(encoding="utf-8")
    tags = set(re.findall(r"\\tag\{(2\.\d+)\}", page))
    assert {"2.3", "2.19", "2.24", "2.41", "2.46"} <= tags, sorted(tags)
    assert (html / "notebooks" / "ch01-introduction.html").exists()


def test_site_credits_the_original_author(built_site):
    _, html = built_site
    page = (html / "book" / "intro.html").read_text(encoding="utf-8")
    assert "邱锡鹏" in page and "nndl.github.io" in page
