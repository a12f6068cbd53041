"""Chinese copies of the notebooks, made from the catalogs: every markdown cell translated block by
block (headings, paragraphs, list items, table cells, admonition titles), code cells, outputs and
widget state copied unchanged, so the copies run and validate exactly like the originals.

    python book/_ext/translated_notebooks.py          # write notebooks/zh/*.ipynb (make pot runs it)
    python book/_ext/translated_notebooks.py --check  # exit 1 if a copy is stale or a block untranslated

The zh edition's launch buttons open these copies (book/_ext/nndl_i18n.py).
"""

from __future__ import annotations

import copy
import json
import re
import sys
from pathlib import Path

from editions import METADATA_CONTEXT

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
CATALOGS = ROOT / "locales" / "zh_CN" / "LC_MESSAGES" / "notebooks"
FOLDER = "zh"  # notebooks/zh/

_FENCE = re.compile(r"^(:{3,}|`{3,})\{([\w-]+)\}\s*(.*)$")
_CODE_FENCE = re.compile(r"^(`{3,}|~{3,})")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_LABEL = re.compile(r"^\([\w-]+\)=\s*$")
_ITEM = re.compile(r"^(\s*)([-*+]|\d+[.)])\s+(.*)$")
_TABLE_RULE = re.compile(r"^\|[\s|:-]+\|?\s*$")
_LETTERS = re.compile(r"[A-Za-z]")


def load_table(stem: str) -> tuple[dict[str, str], dict[str, str]]:
    """(messages, metadata texts) of one notebook's catalog: msgid -> msgstr, translated ones only."""
    from babel.messages.pofile import read_po

    with (CATALOGS / f"{stem}.po").open("rb") as f:
        catalog = read_po(f)
    done = [m for m in catalog if m.id and m.string and not m.fuzzy]
    return (
        {m.id: m.string for m in done if m.context != METADATA_CONTEXT},
        {m.id: m.string for m in done if m.context == METADATA_CONTEXT},
    )


class Translator:
    """Translates MyST markdown block by block, the way Sphinx cut it into messages."""

    def __init__(self, table: dict[str, str], captions: dict[str, str] | None = None):
        self.table, self.captions, self.missing = table, captions or {}, []

    def text(self, source: str) -> str:
        key = " ".join(line.strip() for line in source.strip().splitlines())
        if key in self.table:
            return self.table[key]
        if key and _LETTERS.search(re.sub(r"\$[^$]*\$|`[^`]*`", "", key)):
            self.missing.append(key)
        return source.strip()

    def markdown(self, source: str) -> str:
        lines, out, i = source.split("\n"), [], 0
        while i < len(lines):
            line = lines[i]
            stripped = line.strip()
            if not stripped or _LABEL.match(stripped):
                out.append(line)
                i += 1
            elif stripped.startswith("$$"):  # display math: copied
                j = i if stripped != "$$" and stripped.endswith("$$") and len(stripped) > 2 else i + 1
                while j < len(lines) and not (j > i and lines[j].strip().endswith("$$")):
                    j += 1
                out += lines[i : j + 1]
                i = j + 1
            elif stripped.startswith("\\begin{"):
                env = stripped[len("\\begin{") : stripped.index("}")]
                j = i
                while j < len(lines) and not lines[j].strip().startswith(f"\\end{{{env}}}"):
                    j += 1
                out += lines[i : j + 1]
                i = j + 1
            elif _FENCE.match(stripped):
                i = self._directive(lines, i, out)
            elif _CODE_FENCE.match(stripped):
                fence = _CODE_FENCE.match(stripped).group(1)
                j = i + 1
                while j < len(lines) and not lines[j].strip().startswith(fence):
                    j += 1
                out += lines[i : j + 1]
                i = j + 1
            elif _HEADING.match(line):
                marks, title = _HEADING.match(line).groups()
                out.append(f"{marks} {self.text(title)}")
                i += 1
            elif stripped.startswith(">"):  # a block quote: translated inside, quoted again
                j = i
                while j < len(lines) and lines[j].strip().startswith(">"):
                    j += 1
                inner = "\n".join(re.sub(r"^\s*> ?", "", q) for q in lines[i:j])
                out += [f"> {q}" if q else ">" for q in self.markdown(inner).split("\n")]
                i = j
            elif stripped.startswith("|"):
                out.append(line if _TABLE_RULE.match(stripped) else self._row(stripped))
                i += 1
            elif _ITEM.match(line):
                indent, marker, first = _ITEM.match(line).groups()
                j, body = i + 1, [first]
                while j < len(lines) and lines[j].strip() and not _ITEM.match(lines[j]) and not self._starts(lines[j]):
                    body.append(lines[j])
                    j += 1
                out.append(f"{indent}{marker} {self.text(chr(10).join(body))}")
                i = j
            else:
                j, body = i, []
                while j < len(lines) and lines[j].strip() and (j == i or not (self._starts(lines[j]) or _ITEM.match(lines[j]))):
                    body.append(lines[j])
                    j += 1
                out.append(self.text("\n".join(body)))
                i = j
        return "\n".join(out)

    @staticmethod
    def _starts(line: str) -> bool:
        s = line.strip()
        return bool(
            s.startswith(("$$", "\\begin{", "|", ">"))
            or _FENCE.match(s)
            or _CODE_FENCE.match(s)
            or _HEADING.match(line)
            or _LABEL.match(s)
        )

    def _row(self, row: str) -> str:
        cells = row.strip().strip("|").split("|")
        return "| " + " | ".join(self.text(c) if c.strip() else "" for c in cells) + " |"

    def _directive(self, lines, i, out) -> int:
        fence, name, argument = _FENCE.match(lines[i].strip()).groups()
        j = i + 1
        while j < len(lines) and lines[j].strip() != fence:
            j += 1
        body = lines[i + 1 : j]
        options = []
        while body and re.match(r"^:[\w-]+:", body[0].strip()):
            options.append(body.pop(0))
        if name.startswith("button"):
            caption = "\n".join(body).strip()
            out += [lines[i], *options, self.captions.get(caption, caption), fence]
        else:
            title = f" {self.text(argument)}" if argument.strip() else ""
            out += [f"{fence}{{{name}}}{title}", *options, self.markdown("\n".join(body)), fence]
        return j + 1


def translated(notebook: Path) -> tuple[dict, list[str]]:
    """The Chinese copy of one notebook and the blocks that had no translation."""
    table, metadata = load_table(notebook.stem)
    tr = Translator(table, metadata)
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    copy_ = copy.deepcopy(nb)
    for cell in copy_["cells"]:
        if cell["cell_type"] == "markdown":
            text = tr.markdown("".join(cell["source"]))
            cell["source"] = text.splitlines(keepends=True)
        meta = cell.get("metadata", {}).get("mystnb", {})
        for key in ("code_prompt_show", "code_prompt_hide"):
            if meta.get(key) in metadata:
                meta[key] = metadata[meta[key]]
        image = meta.get("image", {})
        if image.get("alt") in metadata:
            image["alt"] = metadata[image["alt"]]
    return copy_, tr.missing


def target(notebook: Path) -> Path:
    return NOTEBOOKS / FOLDER / notebook.name


def dumps(nb: dict) -> str:
    return json.dumps(nb, ensure_ascii=False, indent=1) + "\n"


def originals() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def write_all() -> list[str]:
    (NOTEBOOKS / FOLDER).mkdir(exist_ok=True)
    missing = []
    for notebook in originals():
        nb, gaps = translated(notebook)
        target(notebook).write_text(dumps(nb), encoding="utf-8")
        missing += [f"{notebook.name}: {g[:80]}" for g in gaps]
    return missing


def problems() -> list[str]:
    found = []
    for notebook in originals():
        nb, gaps = translated(notebook)
        found += [f"{notebook.name}: untranslated block {g[:80]!r}" for g in gaps]
        path = target(notebook)
        if not path.exists() or path.read_text(encoding="utf-8") != dumps(nb):
            found.append(f"{path.relative_to(ROOT)} is stale: run `make pot` (or this script)")
    return found


if __name__ == "__main__":
    if "--check" in sys.argv:
        report = problems()
        print("\n".join(report) or "the Chinese notebooks are current and complete")
        sys.exit(1 if report else 0)
    gaps = write_all()
    print(f"wrote {len(originals())} notebooks to notebooks/{FOLDER}/; {len(gaps)} untranslated blocks")
    print("\n".join(gaps))
