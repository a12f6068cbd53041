"""The API reference (book/api.md) from the installed package, so it cannot drift from the code.

``{nndl-api} nndl.conv`` expands to an autosummary table of the module's ``__all__`` (one row per
public name, in the module's order, with the first line of its docstring) followed by autodoc
entries for the same names (signature and full docstring).  Private names never appear: the list
is ``__all__``.

The docstrings are written for ``help()``: plain text with a little reStructuredText (````code````,
*emphasis*, bullet lists).  Two things plain text means differently are adjusted here, before
Sphinx parses them: a bar ``|x|`` (an absolute value, not a substitution) is escaped outside
literals, and a module docstring's section titles (a line underlined with dashes, not allowed
inside a directive) become rubrics.
"""

from __future__ import annotations

import importlib
import re

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles


def public_names(module_name: str) -> list[str]:
    """The module's ``__all__``: what the page documents."""
    module = importlib.import_module(module_name)
    return list(module.__all__)


class ApiModule(SphinxDirective):
    """``{nndl-api} <module>``: the summary table and the entries of one module."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        names = public_names(name)
        lines = [f".. currentmodule:: {name}", "", ".. autosummary::", "   :nosignatures:", ""]
        lines += [f"   {n}" for n in names]
        lines += ["", f".. automodule:: {name}", "   :members: " + ", ".join(names), ""]
        content = StringList(lines, source=f"<nndl-api {name}>")
        node = nodes.container(classes=["nndl-api"])
        nested_parse_with_titles(self.state, content, node)
        # The entries are the code's own (English) docstrings: they stay out of the translation
        # catalogs, so every edition shows them as written (the page's own prose is translated).
        for element in node.findall(nodes.TextElement):
            element["translatable"] = False
        return node.children


_UNDERLINE = re.compile(r"^(-{3,}|={3,}|~{3,})$")
_LITERAL = re.compile(r"(``.+?``)")


def _escape_bars(line: str) -> str:
    """``|`` → ``\\|`` outside ````literal```` spans: |x| is an absolute value, not a substitution."""
    parts = _LITERAL.split(line)
    return "".join(p if i % 2 else p.replace("|", "\\|") for i, p in enumerate(parts))


def _plain_text(app, what, name, obj, options, lines) -> None:
    """Escape bars; turn ``Title`` / ``-----`` pairs of a module docstring into rubrics."""
    lines[:] = [_escape_bars(line) for line in lines]
    if what != "module":
        return
    out = []
    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and _UNDERLINE.match(nxt.strip()) and len(nxt.strip()) >= len(line.strip()):
            out += [f".. rubric:: {line.strip()}", ""]
            i += 2
            continue
        out.append(line)
        i += 1
    lines[:] = out


#: Abbreviations that end with a period but not a sentence: autosummary's one-line summaries
#: stop at the first ". ", which would cut "eq. (6.8)" after "eq.".
ABBREVIATIONS = ("eq.", "eqs.", "w.r.t.", "cf.", "vs.")


def setup(app):
    from sphinx.ext import autosummary

    autosummary.WELL_KNOWN_ABBREVIATIONS = (*autosummary.WELL_KNOWN_ABBREVIATIONS, *ABBREVIATIONS)
    app.add_css_file("nndl-api.css")
    app.add_directive("nndl-api", ApiModule)
    app.connect("autodoc-process-docstring", _plain_text)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
