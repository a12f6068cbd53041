"""Small Sphinx glue for the companion's site."""
from __future__ import annotations


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    """Keep the first of identical <script> entries on a page.

    sphinx-thebe registers its inline configuration (``const THEBE_JS_URL = …``) from an event
    that runs after the HTML builder has started, and Sphinx 7 then lists it twice; the second
    copy throws "Identifier 'THEBE_JS_URL' has already been declared" in every browser console.
    (The two copies differ only in ``filename``: ``None`` for one, ``""`` for the other.)
    """
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {})
        filename = str(getattr(script, "filename", script) or "")
        key = (filename, tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _drop_duplicate_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
