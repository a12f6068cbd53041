"""Small Sphinx glue for the companion's site.

- :func:`_page_assets` keeps each page's ``<head>`` to what a first paint needs: no duplicate
  inline scripts, MathJax only on pages that have math, and the stored widget state moved from
  ``<head>`` to the end of ``<body>``, where ``book/static/nndl-widgets.js`` (async) draws the
  widgets from it once the page is parsed.
- :class:`MarkChinese` wraps runs of Chinese characters in ``<span lang="zh-CN">`` so that screen
  readers switch voice and browsers pick a Chinese font for them.
"""
from __future__ import annotations

import re

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _attributes(script) -> dict:
    return getattr(script, "attributes", {}) or {}


def _page_assets(app, pagename, templatename, context, doctree):
    """Trim the scripts of one page (runs after Sphinx, MathJax and myst-nb added theirs).

    1. Keep the first of identical <script> entries. sphinx-thebe registers its inline
       configuration (``const THEBE_JS_URL = …``) from an event that runs after the HTML builder
       has started, and Sphinx 7 then lists it twice; the second copy throws "Identifier
       'THEBE_JS_URL' has already been declared". (The copies differ only in ``filename``.)
    2. MathJax only where the page itself has math. Sphinx also loads it on a page whose toctree
       includes pages with math, i.e. on the landing page (1.3 MB for no equation).
    3. The widget state (hundreds of KB of JSON with the frames) leaves <head>, where it delays
       the first paint, for the end of <body> (``nndl_widget_state`` in _templates/layout.html).
    """
    scripts = context.get("script_files")
    context["nndl_widget_state"] = ""
    if not scripts:
        return
    math = app.env.get_domain("math").data.get("has_equations", {}).get(pagename, False)
    mathjax = str(app.config.mathjax_path or "")
    seen, kept, state = set(), [], []
    for script in scripts:
        attributes = _attributes(script)
        filename = str(getattr(script, "filename", script) or "")
        body = str(attributes.get("body", ""))
        path = filename.split("?")[0]
        if not math and ((mathjax and path in (mathjax, f"_static/{mathjax}"))
                         or body.startswith("window.MathJax")):
            continue
        if attributes.get("type") == WIDGET_STATE:
            state.append(body)
            continue
        key = (filename, tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"] = kept
    context["nndl_widget_state"] = "".join(
        f'<script type="{WIDGET_STATE}">{body}</script>' for body in state)


# Han ideographs (with extension A and compatibility forms), CJK symbols and punctuation
# (、。《》「」…) and full-width forms (，：（）): the characters a Chinese term or title is made of.
_CJK = "\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Text inside these is code, TeX or raw HTML: left exactly as written.
_SKIP = (nodes.FixedTextElement, nodes.literal, nodes.math, nodes.raw, nodes.comment,
         nodes.Invisible, nodes.system_message)


class zh(nodes.inline):
    """A run of Chinese text: ``<span lang="zh-CN">``."""


#: A run this short is a term (the glossary's longest has 9 characters): in a table cell it is kept
#: on one line (nndl-site.css); longer runs are prose, as in the Chinese edition, and wrap.
TERM_LENGTH = 12


def _visit_zh(self, node):
    short = len(node.astext()) <= TERM_LENGTH
    self.body.append(self.starttag(node, "span", "", lang="zh-CN", CLASS="nndl-term" if short else ""))


def _depart_zh(self, node):
    self.body.append("</span>")


class MarkChinese(SphinxPostTransform):
    """Wrap each run of Chinese characters in body text in a :class:`zh` node.

    Runs only for HTML output and only on the page body; code, outputs, math and raw HTML are
    skipped. Punctuation-only runs (a lone full-width parenthesis) are not marked.
    """

    default_priority = 900
    formats = ("html",)

    def run(self, **kwargs):
        for text in list(self.document.findall(nodes.Text)):
            parent = text.parent
            if parent is None or isinstance(parent, zh) or not _HAN.search(text):
                continue
            if any(isinstance(a, _SKIP) for a in _ancestors(parent)):
                continue
            pieces, at = [], 0
            source = str(text)
            for m in _CJK_RUN.finditer(source):
                if not _HAN.search(m.group()):
                    continue
                if m.start() > at:
                    pieces.append(nodes.Text(source[at:m.start()]))
                pieces.append(zh("", m.group()))
                at = m.end()
            if at < len(source):
                pieces.append(nodes.Text(source[at:]))
            parent.replace(text, pieces)


def _ancestors(node):
    while node is not None:
        yield node
        node = node.parent


def _visit_hidden_cell(self, node):
    """myst-nb's folded cell (tags hide-cell, hide-output), without the ``aria-label`` it puts
    on <summary>: that label ("Toggle hidden content") hid the visible prompt ("Show the check of
    solution 1.1") from screen readers."""
    from html import escape

    self.body.append(f'<details class="admonition hide {" ".join(node["classes"])}">\n<summary>\n')
    for state, prompt in (("collapsed", node["prompt_show"]), ("expanded", node["prompt_hide"])):
        self.body.append(f'<p class="{state} admonition-title">{escape(prompt)}</p>\n')
    self.body.append("</summary>\n")


def setup(app):
    from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput

    app.add_node(HideCodeCellNode, override=True, html=(_visit_hidden_cell, depart_HideCellInput))
    app.add_css_file("nndl-site.css")
    app.add_node(zh, html=(_visit_zh, _depart_zh))
    app.add_post_transform(MarkChinese)
    app.connect("html-page-context", _page_assets, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
