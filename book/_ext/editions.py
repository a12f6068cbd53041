"""Build the site's two editions from one source: the English pages and their Chinese translation
through the gettext catalogs in locales/ (the route the Python documentation takes), so code,
outputs, equations and widgets are the same files in both.

    python book/_ext/editions.py html [--all]   # _build/html/{en,zh}/ and the chooser _build/html/index.html
    python book/_ext/editions.py pot            # re-extract messages and update locales/zh_CN (make pot)
    python book/_ext/editions.py gettext DIR    # only extract the messages, as .pot files into DIR

Each edition is a jupyter-book 1 build (Sphinx) with warnings as errors and nit-picky references;
the Chinese one adds `language = zh_CN` and a search dictionary made from the glossary, so Sphinx's
Chinese search (jieba) keeps the glossary's compound terms whole.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "_build"
SITE = BUILD / "html"
LOCALES = ROOT / "locales"
#: edition folder -> Sphinx language, in the order the chooser lists them
EDITIONS = {"en": "en", "zh": "zh_CN"}
NAMES = {"en": "English", "zh": "中文"}
SEARCH_DICT = BUILD / "search" / "zh-glossary.dict"

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")


def glossary_terms(path: Path = ROOT / "book" / "glossary.md") -> list[str]:
    """The Chinese terms of the glossary: the 中文 column of its first table, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("|") and "中文" in line)
    column = [cell.strip() for cell in lines[header].strip("|").split("|")].index("中文")
    terms = []
    for line in lines[header + 2 :]:
        if not line.startswith("|"):
            break
        cell = [c.strip() for c in line.strip("|").split("|")][column]
        terms += [t for t in _CJK_RUN.findall(cell) if t not in terms]
    return terms


def heading_terms() -> list[str]:
    """The Chinese titles of the chapters and sections: the 中文 in the English headings' "(中文)"."""
    import json

    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "book").glob("*.md"))]
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        texts += ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    terms = []
    for text in texts:
        for line in text.splitlines():
            if line.startswith("#"):
                terms += [t for t in _CJK_RUN.findall(line) if len(t) > 1 and t not in terms]
    return terms


def write_search_dictionary(path: Path = SEARCH_DICT) -> Path:
    """A jieba user dictionary ("term frequency" per line): every glossary term and Chinese heading."""
    path.parent.mkdir(parents=True, exist_ok=True)
    glossary = glossary_terms()
    # a method's name without its 法 is what a reader types: 梯度下降 for 梯度下降法
    stems = [t[:-1] for t in glossary if t.endswith("法") and len(t) > 3]
    terms = dict.fromkeys(glossary + stems + heading_terms())
    # A high frequency makes jieba keep the whole term as well as its pieces (反向传播, 反向, 传播):
    # the search page looks a query up as one word, so "数学基础" must be indexed whole.
    path.write_text("".join(f"{term} 100000\n" for term in terms), encoding="utf-8")
    return path


#: The gettext context of texts that Sphinx does not extract: what a notebook keeps in its cells'
#: metadata (figures' alt texts, the labels of folded cells) and the captions of buttons
#: (sphinx-design's button-ref). book/_ext/nndl_i18n.py applies their translations.
METADATA_CONTEXT = "cell metadata"
_BUTTON = re.compile(r"^```\{button-(?:ref|link)\}[^\n]*\n(?::[^\n]*\n)*(.+?)\n```", re.M | re.S)


def button_messages(page: Path) -> list[str]:
    """The captions of a MyST page's buttons."""
    return [m.group(1).strip() for m in _BUTTON.finditer(page.read_text(encoding="utf-8"))]


def metadata_messages(notebook: Path) -> list[str]:
    """A notebook's alt texts (mystnb.image.alt) and fold labels (mystnb.code_prompt_show/hide)."""
    import json

    found = []
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        meta = cell.get("metadata", {}).get("mystnb", {})
        for text in (
            meta.get("image", {}).get("alt"),
            meta.get("code_prompt_show"),
            meta.get("code_prompt_hide"),
        ):
            if text and text not in found:
                found.append(text)
    return found


def add_metadata_messages(potdir: Path) -> None:
    """Add the texts Sphinx does not extract to each page's .pot file (context METADATA_CONTEXT)."""
    from babel.messages.pofile import read_po, write_po

    sources = [(n, metadata_messages(n)) for n in sorted((ROOT / "notebooks").glob("*.ipynb"))]
    sources += [(p, button_messages(p)) for p in sorted((ROOT / "book").glob("*.md"))]
    for source, texts in sources:
        pot = potdir / source.parent.name / f"{source.stem}.pot"
        if not texts or not pot.exists():
            continue
        with pot.open("rb") as f:
            catalog = read_po(f)
        for text in texts:
            catalog.add(text, context=METADATA_CONTEXT)
        with pot.open("wb") as f:
            write_po(f, catalog, width=76)


def extract(potdir: Path) -> int:
    """Every page's messages as .pot files in potdir: Sphinx's gettext builder plus the metadata texts."""
    status = build("gettext", potdir, "en", force_all=True)
    if not status:
        add_metadata_messages(potdir)
    return status


def _overrides(language: str) -> dict:
    overrides = {
        "external_toc_path": (ROOT / "_toc.yml").as_posix(),
        "latex_individualpages": False,
        "nitpicky": True,
        "language": language,
        # The language switch sits in each page's header, before the theme's own buttons.
        "html_theme_options": {"article_header_end": ["language-switch.html", "article-header-buttons.html"]},
        "html_context": {"nndl_editions": [(folder, NAMES[folder]) for folder in EDITIONS]},
    }
    if language == "zh_CN":
        overrides["html_search_options"] = {"dict": str(write_search_dictionary())}
    return overrides


def build(builder: str, outdir: Path, language: str, force_all: bool) -> int:
    from jupyter_book.sphinx import build_sphinx

    result = build_sphinx(
        ROOT,
        outdir,
        noconfig=True,
        path_config=ROOT / "_config.yml",
        confoverrides=_overrides(language),
        doctreedir=BUILD / ".doctrees" / f"{builder}-{language}",
        builder=builder,
        warningiserror=True,
        keep_going=True,
        force_all=force_all,
        freshenv=force_all,
    )
    return 1 if isinstance(result, Exception) else int(result or 0)


CHOOSER = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nndl companion · 《神经网络与深度学习》伴读</title>
{alternates}
<script>
/* Open the edition the reader chose before, else the one their browser's language asks for. */
(function () {{
  var pick = null;
  try {{ pick = localStorage.getItem("nndl-edition"); }} catch (e) {{}}
  if (pick !== "en" && pick !== "zh") {{
    var langs = navigator.languages || [navigator.language || ""];
    pick = String(langs[0] || "").toLowerCase().indexOf("zh") === 0 ? "zh" : "en";
  }}
  location.replace(pick + "/index.html" + location.hash);
}})();
</script>
<style>
body {{ font: 18px/1.6 system-ui, sans-serif; max-width: 34rem; margin: 3rem auto; padding: 0 1rem; }}
a {{ display: block; margin: .6rem 0; font-size: 1.25rem; }}
</style>
</head>
<body>
<h1>nndl companion</h1>
<p>Choose an edition · 选择版本</p>
{links}
</body>
</html>
"""


def write_chooser() -> Path:
    """_build/html/index.html: sends the reader to an edition (remembered, else the browser's language)."""
    alternates = "\n".join(
        f'<link rel="alternate" hreflang="{lang.replace("_", "-")}" href="{folder}/index.html">'
        for folder, lang in EDITIONS.items()
    )
    links = "\n".join(
        f'<a href="{folder}/index.html" lang="{lang.replace("_", "-")}">{NAMES[folder]}</a>'
        for folder, lang in EDITIONS.items()
    )
    path = SITE / "index.html"
    path.write_text(CHOOSER.format(alternates=alternates, links=links), encoding="utf-8")
    (SITE / ".nojekyll").touch()
    return path


def html(force_all: bool) -> int:
    status = 0
    for folder, language in EDITIONS.items():
        print(f"== building the {NAMES[folder]} edition into {SITE / folder}", flush=True)
        status |= build("html", SITE / folder, language, force_all)
    write_chooser()
    # myst-nb leaves its copies of the notebooks' outputs beside the editions; the pages do not use them.
    shutil.rmtree(SITE / "jupyter_execute", ignore_errors=True)
    return status


def pot() -> int:
    """Re-extract every page's messages and merge them into locales/zh_CN (changed ones turn fuzzy)."""
    from sphinx_intl import basic

    import catalogs

    with tempfile.TemporaryDirectory() as tmp:
        status = extract(Path(tmp))
        if status:
            return status
        basic.update(str(LOCALES), tmp, ["zh_CN"], line_width=76)
    print(f"filled {catalogs.fill()} language-neutral messages")
    import translated_notebooks

    gaps = translated_notebooks.write_all()
    print(f"wrote the Chinese notebooks to notebooks/zh/ ({len(gaps)} blocks still in English)")
    for name, total, done, todo, fuzzy in catalogs.status():
        if todo or fuzzy:
            print(f"to translate: {name}: {todo} untranslated, {fuzzy} fuzzy (of {total})")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    command = sys.argv[1] if len(sys.argv) > 1 else "html"
    if command == "html":
        if "--all" in sys.argv and SITE.exists():
            shutil.rmtree(SITE)
        sys.exit(html(force_all="--all" in sys.argv))
    if command == "pot":
        sys.exit(pot())
    if command == "gettext":
        sys.exit(extract(Path(sys.argv[2]).resolve()))
    sys.exit(f"unknown command {command!r}: use html or pot")
