"""Keep the book honest: the TOC, the stored notebooks and a warning-free site build agree."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

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
    missing = [
        f for f in toc_files() if not any((ROOT / f).with_suffix(s).exists() for s in (".md", ".ipynb"))
    ]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"


def test_every_notebook_is_in_the_toc():
    listed = set(toc_files())
    orphans = [nb.name for nb in NOTEBOOKS if f"notebooks/{nb.stem}" not in listed]
    assert not orphans, f"notebooks missing from _toc.yml: {orphans}"


def test_toc_has_front_matter_chapters_and_back_matter():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    assert [p["caption"] for p in toc["parts"]] == ["Front matter", "Chapters", "Back matter"]


GLOSSARY = ROOT / "book" / "glossary.md"


def _glossary_tables() -> tuple[list[list[str]], list[list[str]]]:
    """The rows (cells without the header) of the glossary's English table and pinyin table."""
    text = GLOSSARY.read_text(encoding="utf-8")
    english, pinyin = text.split("## Sorted by English", 1)[1].split("## 按拼音排序", 1)

    def rows(block):
        lines = [line for line in block.splitlines() if line.startswith("| ")]
        return [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines[1:]]

    return rows(english), rows(pinyin)


def _pinyin_key(pinyin: str) -> str:
    """Pinyin order: letters only, tone marks and spaces ignored (ǜ sorts as u)."""
    plain = "".join(c for c in unicodedata.normalize("NFD", pinyin) if not unicodedata.combining(c))
    return plain.replace(" ", "").lower()


def _notebook_sections() -> dict[str, str]:
    """The markdown a MyST target introduces, by label: from the heading after ``(label)=`` to the
    next heading of the same or a higher level; ``doc:<stem>`` is a chapter's introduction (before
    its first section). Whitespace is collapsed so that terms broken across lines still match."""
    sections = {}
    for path in NOTEBOOKS:
        lines = "\n".join(
            "".join(c["source"]) for c in load(path)["cells"] if c["cell_type"] == "markdown"
        ).splitlines()
        headings = [(i, len(m.group(1))) for i, line in enumerate(lines) if (m := re.match(r"(#+) ", line))]
        first_section = next(i for i, level in headings if level == 2)
        sections[f"doc:{path.stem}"] = " ".join(" ".join(lines[:first_section]).split())
        for i, line in enumerate(lines):
            if m := re.fullmatch(r"\((.+)\)=", line.strip()):
                start, level = next((j, lv) for j, lv in headings if j > i)
                end = next((j for j, lv in headings if j > start and lv <= level), len(lines))
                assert m.group(1) not in sections, f"target {m.group(1)} defined twice"
                sections[m.group(1)] = " ".join(" ".join(lines[start:end]).split())
    return sections


def _glossary_target(cell: str) -> str:
    """The label a glossary cell links to: a {ref} target, or doc:<stem> for a {doc} link."""
    if m := re.fullmatch(r"\{ref\}`[^`<]+<([\w-]+)>`", cell):
        return m.group(1)
    if m := re.fullmatch(r"\{doc\}`[^`<]+<\.\./notebooks/([\w-]+)>`", cell):
        return f"doc:{m.group(1)}"
    raise AssertionError(f"not a {{ref}} or {{doc}} link: {cell}")


def test_glossary_tables_agree_and_are_sorted():
    english, pinyin = _glossary_tables()
    count = int(re.search(r"The glossary has (\d+) entries", GLOSSARY.read_text(encoding="utf-8")).group(1))
    assert len(english) == len(pinyin) == count
    assert [r[0] for r in english] == sorted((r[0] for r in english), key=str.casefold)
    assert [r[0] for r in pinyin] == sorted((r[0] for r in pinyin), key=_pinyin_key)
    # the same (English, 中文, pinyin, link) in both tables
    assert sorted((en, zh, py, link) for en, zh, py, link, _ in english) == sorted(
        (en, zh, py, link) for py, zh, en, link in pinyin
    )
    assert len({r[1] for r in english}) == count, "a Chinese term is listed twice"


def test_glossary_links_point_to_a_section_that_uses_the_term():
    """Every entry links to a section (or, failing that, a chapter introduction) whose text contains
    the Chinese term or the English one (without its parenthesis)."""
    sections = _notebook_sections()
    english, _ = _glossary_tables()
    wrong = []
    for en, zh, _, link, _ in english:
        label = _glossary_target(link)
        assert label in sections, f"{en}: no target {label} in the notebooks"
        text = sections[label]
        english_term = re.sub(r"\s*\(.*?\)", "", en).casefold()
        if zh not in text and english_term not in text.casefold():
            wrong.append(f"{en} ({zh}) -> {label}")
    assert not wrong, "glossary links to sections that do not mention the term:\n" + "\n".join(wrong)
    section_links = sum(not _glossary_target(r[3]).startswith("doc:") for r in english)
    assert section_links >= len(english) - 5, "most entries should link to a section, not a page"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_stored_as_one_clean_run(path):
    """Execution counts are 1..n (one top-to-bottom run) and no cell stored an error."""
    cells = [c for c in load(path)["cells"] if c["cell_type"] == "code"]
    counts = [c["execution_count"] for c in cells]
    assert counts == list(range(1, len(cells) + 1)), f"{path.name}: re-run `make notebooks`"
    errors = [c["source"][:60] for c in cells if any(o["output_type"] == "error" for o in c["outputs"])]
    assert not errors, f"{path.name}: cells stored with errors: {errors}"


@pytest.mark.parametrize(
    "path", [nb for nb in NOTEBOOKS if re.match(r"ch\d\d-", nb.name)], ids=lambda p: p.name
)
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


def test_equations_carry_only_the_drafts_numbers(built_site):
    """No Sphinx auto-numbers "(1)", "(2)" beside the draft's tags: numbered amsmath environments
    (``equation``) get both, so displayed equations use ``equation*`` or ``$$`` with ``\\tag``."""
    _, html = built_site
    numbered = {
        page.relative_to(html).as_posix(): page.read_text(encoding="utf-8").count('class="eqno"')
        for page in (html / "notebooks").glob("*.html")
    }
    assert not any(numbered.values()), numbered


def test_site_credits_the_original_author(built_site):
    _, html = built_site
    page = (html / "book" / "intro.html").read_text(encoding="utf-8")
    assert "邱锡鹏" in page and "nndl.github.io" in page


# ----------------------------------------------------------------------------- API reference
#: The modules of book/api.md, in the book's order: chapters 2–7, then what serves the notebooks.
API_MODULES = ["functions", "gradcheck", "losses", "optim", "linear", "training", "metrics", "perceptron"]
API_MODULES += ["nn", "conv"]
API_MODULES += ["rnn", "draft", "data", "plot", "widgets", "exercises"]
#: The modules whose entries cite the draft (the last four have no counterpart in it).
DRAFT_MODULES = API_MODULES[: API_MODULES.index("draft") + 1]
CITATION = re.compile(
    r"\(\d\.\d+\)|\b(section|sections|Algorithm|Definition|Theorem|figure|Table) \d|erratum \d"
    r"|beyond the (2015 )?draft|not in\s+the draft",
    re.IGNORECASE,
)


def _public_names(module: str) -> list[str]:
    import importlib

    return list(importlib.import_module(f"nndl.{module}").__all__)


def test_api_page_lists_every_module_in_the_books_order():
    import pkgutil

    import nndl

    text = (ROOT / "book" / "api.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\.\. nndl-api:: nndl\.(\w+)$", text, flags=re.M)
    assert listed == API_MODULES
    public = {m.name for m in pkgutil.iter_modules(nndl.__path__) if not m.name.startswith("_")}
    assert public == set(API_MODULES), f"modules missing from the API page: {public - set(API_MODULES)}"


@pytest.mark.parametrize("module", DRAFT_MODULES)
def test_api_entries_cite_the_draft(module):
    """Every public name of the chapter modules cites an equation, section, algorithm or erratum
    (functions and classes in their docstring, constants in their ``#:`` comment)."""
    import importlib
    import inspect

    from sphinx.pycode import ModuleAnalyzer

    mod = importlib.import_module(f"nndl.{module}")
    comments = ModuleAnalyzer.for_module(mod.__name__).find_attr_docs()
    uncited = []
    for name in mod.__all__:
        obj = getattr(mod, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            doc = inspect.getdoc(obj) or ""
        else:
            doc = " ".join(comments.get(("", name), []))
        if not CITATION.search(" ".join(doc.split())):
            uncited.append(name)
    assert not uncited, f"nndl.{module}: entries that cite nothing of the draft: {uncited}"


def test_api_page_documents_every_public_name(built_site):
    """The built page has a summary row and an entry (signature + docstring) for every name in
    every module's __all__, and no private name."""
    _, html = built_site
    page = (html / "book" / "api.html").read_text(encoding="utf-8")
    entries = re.findall(r'<dt class="sig sig-object py" id="(nndl\.[\w.]+)"', page)
    row = r'<tr class="row-(?:odd|even)"><td><p><a class="reference internal" href="#(nndl\.[\w.]+)"'
    rows = re.findall(row, page)
    expected = [f"nndl.{m}.{n}" for m in API_MODULES for n in _public_names(m)]
    assert rows == expected, "the summary tables differ from the modules' __all__"
    missing = sorted(set(expected) - set(entries))
    assert not missing, f"public names without an entry: {missing}"
    private = [e for e in entries if any(part.startswith("_") for part in e.split("."))]
    assert not private, private
    assert len(expected) >= 200  # the crawl really looked at something
    shown = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "window_view" in shown and "(6.8)" in shown and "erratum 57" in shown


class _Links(HTMLParser):
    """Collects the ids a page defines and the hrefs/srcs it points to."""

    def __init__(self):
        super().__init__()
        self.ids, self.targets = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        for key in ("href", "src"):
            if attrs.get(key):
                self.targets.append(attrs[key])


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_internal_links_and_anchors_resolve(built_site):
    """Every relative href/src on every page points to a file that exists, and to an anchor in it."""
    _, html = built_site
    pages = [p for p in html.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts]
    parsed = {p: _parse(p) for p in pages}
    broken, checked_anchors = [], 0
    for page, links in parsed.items():
        for target in links.targets:
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or target.startswith(("mailto:", "javascript:", "data:")):
                continue
            path = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if path.is_dir():
                path = path / "index.html"
            if not path.exists():
                broken.append(f"{page.relative_to(html)} -> {target}")
            elif parts.fragment and path.suffix == ".html":
                ids = parsed[path].ids if path in parsed else _parse(path).ids
                checked_anchors += 1
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{page.relative_to(html)} -> {target} (no such anchor)")
    assert len(pages) >= 5 and checked_anchors >= 20  # the crawl really looked at something
    assert not broken, "\n".join(broken)


def test_vendored_assets_match_their_manifest():
    """The self-hosted JavaScript is exactly what book/vendor/refresh.sh recorded."""
    vendor = ROOT / "book" / "vendor"
    recorded = {}
    for line in (vendor / "MANIFEST.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            digest, name = line.split(maxsplit=1)
            recorded[name.removeprefix("./")] = digest
    static = vendor / "static"
    present = {
        p.relative_to(static).as_posix(): p for p in static.rglob("*") if p.is_file() and p.suffix != ".txt"
    }
    assert set(present) == set(recorded), set(present) ^ set(recorded)
    for name, path in present.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == recorded[name], name
    assert {"mathjax/tex-chtml-full.js", "requirejs/require.js", "html-manager/embed-amd.js"} <= set(present)


def test_built_pages_reference_no_cdn(built_site):
    """No page loads a script or stylesheet from another host, and none carries `crossorigin`."""
    _, html = built_site
    offenders = []
    for page in html.rglob("*.html"):
        if "_static" in page.parts:
            continue
        text = page.read_text(encoding="utf-8")
        scripts = re.findall(r"<script\b[^>]*>", text)
        stylesheets = [t for t in re.findall(r"<link\b[^>]*>", text) if "stylesheet" in t]
        for tag in scripts + stylesheets:
            remote = re.search(r'(src|href)="(https?:)?//', tag)
            if remote or "crossorigin" in tag:
                offenders.append(f"{page.relative_to(html)}: {tag[:120]}")
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_saved_widget_state_is_modest(path):
    """Widget frames are stored in the notebook and shipped with the page: keep them small."""
    state = load(path)["metadata"].get("widgets", {})
    size_kb = len(json.dumps(state)) / 1024
    assert size_kb < 400, f"{path.name}: {size_kb:.0f} KB of widget state"


def test_head_holds_only_what_a_first_paint_needs(built_site):
    """On a slow link everything in <head> that is not deferred delays the first paint: no
    synchronous script there may weigh more than 30 KB, the widget manager and the stored widget
    state stay out of it, MathJax is loaded only by pages with math and the widget loader only by
    pages with widgets."""
    _, html = built_site
    static = html / "_static"
    offenders, checked = [], 0
    for page in html.rglob("*.html"):
        if "_static" in page.parts or "_sources" in page.parts:
            continue
        text = page.read_text(encoding="utf-8")
        if "</head>" not in text:
            continue
        head, body = text.split("</head>", 1)
        name = page.relative_to(html).as_posix()
        checked += 1
        for tag in re.findall(r"<script\b[^>]*>", head):
            src = re.search(r'src="([^"?]+)', tag)
            if not src or re.search(r"\b(defer|async)\b", tag):
                continue
            if name == "search.html" and src.group(1).endswith("searchindex.js"):
                continue  # the search page itself needs the index
            path = (page.parent / src.group(1)).resolve()
            if path.exists() and path.stat().st_size > 30_000:
                offenders.append(f"{name}: synchronous {src.group(1)} ({path.stat().st_size // 1000} KB)")
        for heavy in ("embed-amd.js", "require.js", "widget-state+json", "fontawesome/6.5.2/js"):
            if heavy in head:
                offenders.append(f"{name}: {heavy} in <head>")
        has_math = 'class="math' in body
        if has_math != ("mathjax/tex-chtml" in head):
            offenders.append(f"{name}: math on the page: {has_math}, MathJax in <head>: {not has_math}")
        has_widgets = "application/vnd.jupyter.widget-view+json" in body
        if has_widgets != ("nndl-widgets.js" in head) or has_widgets != ("widget-state+json" in body):
            offenders.append(f"{name}: widgets {has_widgets}, but loader/state do not match")
    assert checked >= 10 and (static / "nndl-widgets.js").exists()
    assert not offenders, "\n".join(offenders)
    # The widgets are drawn by this one small file; the 3.6 MB widget manager is loaded only
    # for a model type it does not know (tests/test_browser.py checks both paths).
    renderer = (static / "nndl-widgets.js").stat().st_size
    assert renderer < 30_000, f"nndl-widgets.js has grown to {renderer // 1000} KB"


def test_folded_cells_keep_their_prompt_for_screen_readers(built_site):
    """myst-nb labels every fold's <summary> "Toggle hidden content", which hides the visible
    prompt ("Show the check of solution 1.1"); book/_ext/nndl_site.py drops that label."""
    _, html = built_site
    pages = sorted((html / "notebooks").glob("*.html"))
    labelled = [
        p.name for p in pages if 'aria-label="Toggle hidden content"' in p.read_text(encoding="utf-8")
    ]
    assert not labelled, labelled
    ch01 = (html / "notebooks" / "ch01-introduction.html").read_text(encoding="utf-8")
    assert "Show the check of solution 1.1" in ch01
