"""The two editions' page furniture: hreflang alternates in every page's <head>, the language
switch's style (the switch itself is book/_templates/language-switch.html), and, in a translated
edition, the texts Sphinx's own translation does not reach: what notebooks keep in cell metadata
(alt texts, fold labels) and button captions. See book/_ext/editions.py."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from docutils import nodes
from sphinx import addnodes

from editions import METADATA_CONTEXT  # book/_ext is on the path of local extensions


@lru_cache(maxsize=None)
def _translations(po: Path, context: str | None) -> dict[str, str]:
    """msgid -> msgstr of one catalog's finished translations with this gettext context."""
    from babel.messages.pofile import read_po

    if not po.exists():
        return {}
    with po.open("rb") as f:
        catalog = read_po(f)
    return {m.id: m.string for m in catalog if m.context == context and m.string and not m.fuzzy}


def _catalog(app, docname: str) -> Path | None:
    language = app.config.language or "en"
    if language == "en" or not app.config.locale_dirs:
        return None
    return Path(app.srcdir) / app.config.locale_dirs[0] / language / "LC_MESSAGES" / f"{docname}.po"


def _translate_toc_captions(app, doctree):
    """The part captions of the table of contents (Front matter, Chapters, …): sphinx-external-toc
    inserts the toctrees after Sphinx has translated the page, so they are translated here."""
    po = _catalog(app, app.env.docname)
    table = _translations(po, None) if po else {}
    for toctree in doctree.findall(addnodes.toctree):
        if toctree.get("caption") in table:
            toctree["caption"] = table[toctree["caption"]]


def _translate_metadata(app, doctree, docname):
    po = _catalog(app, docname)
    table = _translations(po, METADATA_CONTEXT) if po else {}
    if not table:
        return
    for node in doctree.findall(nodes.Element):
        for key in ("alt", "prompt_show", "prompt_hide"):
            if key in node.attributes and node[key] in table:
                node[key] = table[node[key]]
        if isinstance(node, nodes.reference) and "sd-btn" in node.get("classes", []):
            for text in list(node.findall(nodes.Text)):
                if text.astext().strip() in table:
                    text.parent.replace(text, nodes.Text(table[text.astext().strip()]))


def _alternates(app, pagename, templatename, context, doctree):
    editions = context.get("nndl_editions")
    if not editions or not pagename:
        return
    to_root = context["pathto"]("", 1)  # this edition's root, relative to the page
    links = [
        f'<link rel="alternate" hreflang="{"zh-CN" if folder == "zh" else "en"}" '
        f'href="{to_root}../{folder}/{pagename}.html">'
        for folder, _ in editions
    ]
    context["metatags"] = context.get("metatags", "") + "\n" + "\n".join(links)


def _walk_urls(item, old: str, new: str):
    if isinstance(item, dict):
        for key, value in item.items():
            if key == "url" and isinstance(value, str):
                item[key] = value.replace(old, new)
            else:
                _walk_urls(value, old, new)
    elif isinstance(item, list):
        for value in item:
            _walk_urls(value, old, new)


def _launch_translated_notebooks(app, pagename, templatename, context, doctree):
    """In a translated edition, Binder, Colab and live code open the translated copy of the notebook."""
    language = app.config.language or "en"
    folder, _, stem = pagename.rpartition("/")
    if language == "en" or folder != "notebooks":
        return
    edition = language.split("_")[0]  # zh_CN -> notebooks/zh/, written by translated_notebooks.py
    if (Path(app.srcdir) / folder / edition / f"{stem}.ipynb").exists():
        _walk_urls(context.get("header_buttons", []), f"{pagename}.ipynb", f"{folder}/{edition}/{stem}.ipynb")


def setup(app):
    app.connect("html-page-context", _alternates)
    app.connect("doctree-read", _translate_toc_captions)
    app.connect("doctree-resolved", _translate_metadata)
    app.connect("html-page-context", _launch_translated_notebooks, priority=600)  # after the theme's (501)
    static = Path(__file__).resolve().parents[1] / "static"
    if (static / "nndl-editions.css").exists():
        app.add_css_file("nndl-editions.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
