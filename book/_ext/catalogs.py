"""The Chinese edition's gettext catalogs (locales/zh_CN/LC_MESSAGES/**.po): fill the messages that
need no translation, and report what is left.

    python book/_ext/catalogs.py fill     # copy language-neutral messages (math, code, citations, Chinese, pinyin)
    python book/_ext/catalogs.py status   # per catalog: messages, translated, untranslated, fuzzy
    python book/_ext/catalogs.py check    # translations that lost or changed math, code, links or citations
    python book/_ext/catalogs.py todo PO [N]      # JSON list of the first N untranslated or fuzzy messages of PO
    python book/_ext/catalogs.py apply PO JSON    # write translations from JSON {msgid: msgstr} into PO

`make pot` runs `fill` after re-extracting, so a translator only ever sees messages with English words.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "locales" / "zh_CN" / "LC_MESSAGES"

# Markup whose content is not prose: display math, inline math, inline code, roles with their targets.
_NOT_PROSE = re.compile(
    r"\\begin\{(\w+\*?)\}.*?\\end\{\1\}"  # display math
    r"|\$\$.*?\$\$|\$[^$]+\$"  # math
    r"|``.*?``|`[^`]*`"  # inline code (and role bodies)
    r"|\{[\w:-]+\}",  # role names such as {cite:p}
    re.S,
)
# A cross-reference's shown text is prose: {ref}`section 3.4 <sec-3-4>` reads "section 3.4".
_LINK_TEXT = re.compile(r"\{(?:ref|doc|numref|term)\}`([^`<]*?)\s*(?:<[^`]*>)?`")
_TONE_MARKS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü"
_PINYIN = re.compile(rf"^[a-z{_TONE_MARKS}' ]+$")
_SECTION_REF = re.compile(r"^\{ref\}`section (\d+(?:\.\d+)*) <([\w-]+)>`$")


def neutral_translation(msgid: str) -> str | None:
    """The msgstr for a message that needs no translator, or None when it has English prose."""
    ref = _SECTION_REF.match(msgid)
    if ref:
        return f"{{ref}}`第 {ref.group(1)} 节 <{ref.group(2)}>`"
    prose = _NOT_PROSE.sub("", _LINK_TEXT.sub(r" \1 ", msgid))
    if not re.search(r"[A-Za-z]", prose):  # only math, code, citations, numbers, Chinese, punctuation
        return msgid
    if any(c in _TONE_MARKS for c in msgid) and _PINYIN.match(msgid):  # a pinyin cell of the glossary
        return msgid
    return None


# What a translation must carry over unchanged: math, inline code, link targets, citations, URLs, tags.
_KEPT = {
    "math": re.compile(r"\\begin\{(\w+\*?)\}.*?\\end\{\1\}|\$\$.*?\$\$|\$[^$]+\$", re.S),
    "code": re.compile(r"(?<![}`])``[^`]+``|(?<![}`])`[^`]+`"),
    "link target": re.compile(r"\{(?:ref|doc|numref|term|eq)\}`(?:[^`<]*<)?([^`>]+)>?`"),
    "citation": re.compile(r"\{cite(?::\w+)?\}`[^`]+`"),
    "url": re.compile(r"https?://[!-~]+"),
}


def markup(text: str) -> dict[str, list[str]]:
    """The language-neutral pieces of a message, by kind, sorted (so order may change in translation)."""
    found = {}
    rest = text
    for kind in ("math", "citation", "link target"):  # roles before plain code spans
        pattern = _KEPT[kind]
        found[kind] = sorted(
            m.group(1) if kind == "link target" else m.group(0) for m in pattern.finditer(rest)
        )
        rest = pattern.sub(" ", rest)
    found["code"] = sorted(_KEPT["code"].findall(rest))
    found["url"] = sorted(u.rstrip(".,;:)>]") for u in _KEPT["url"].findall(rest))
    return found


def markup_problems(msgid: str, msgstr: str) -> list[str]:
    """How msgstr fails to carry msgid's math, code, link targets, citations and URLs over unchanged."""
    problems = []
    want, got = markup(msgid), markup(msgstr)
    for kind in want:
        if want[kind] != got[kind]:
            missing = [x for x in want[kind] if x not in got[kind]]
            extra = [x for x in got[kind] if x not in want[kind]]
            problems.append(f"{kind}: missing {missing[:3]} extra {extra[:3]}")
    return problems


def check() -> list[str]:
    report = []
    for path in catalogs():
        with path.open("rb") as f:
            catalog = read_po(f)
        for message in catalog:
            if message.id and message.string:
                for problem in markup_problems(message.id, message.string):
                    report.append(f"{path.relative_to(CATALOGS)}: {message.id[:60]!r}: {problem}")
    return report


def catalogs():
    return sorted(CATALOGS.rglob("*.po"))


def fill() -> int:
    filled = 0
    for path in catalogs():
        with path.open("rb") as f:
            catalog = read_po(f)
        changed = False
        for message in catalog:
            if not message.id or message.string:
                continue
            text = neutral_translation(message.id)
            if text is not None:
                message.string = text
                changed = True
                filled += 1
        if changed:
            with path.open("wb") as f:
                write_po(f, catalog, width=76)
    return filled


def status():
    rows = []
    for path in catalogs():
        with path.open("rb") as f:
            catalog = read_po(f)
        msgs = [m for m in catalog if m.id]
        fuzzy = sum(1 for m in msgs if m.fuzzy)
        done = sum(1 for m in msgs if m.string and not m.fuzzy)
        rows.append((str(path.relative_to(CATALOGS)), len(msgs), done, len(msgs) - done - fuzzy, fuzzy))
    return rows


def todo(path: Path, limit: int | None = None) -> list[dict]:
    """The messages of one catalog that still need a translator (untranslated or fuzzy)."""
    with Path(path).open("rb") as f:
        catalog = read_po(f)
    pending = [
        {"msgid": m.id, "msgstr": m.string if m.fuzzy else ""}
        for m in catalog
        if m.id and (not m.string or m.fuzzy)
    ]
    return pending[:limit]


def apply(path: Path, translations: dict[str, str]) -> tuple[int, list[str]]:
    """Write {msgid: msgstr} into one catalog (clearing fuzzy); returns (count, problems)."""
    path = Path(path)
    with path.open("rb") as f:
        catalog = read_po(f)
    problems, count = [], 0
    for msgid, msgstr in translations.items():
        message = catalog.get(msgid) or next((m for m in catalog if m.id == msgid), None)
        if message is None:
            problems.append(f"not in {path.name}: {msgid[:70]!r}")
            continue
        bad = markup_problems(msgid, msgstr)
        if bad or not msgstr.strip():
            problems.append(f"{msgid[:60]!r}: {'; '.join(bad) or 'empty translation'}")
            continue
        message.string = msgstr
        message.flags.discard("fuzzy")
        count += 1
    with path.open("wb") as f:
        write_po(f, catalog, width=76)
    return count, problems


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "status"
    if command == "fill":
        print(f"filled {fill()} language-neutral messages")
    elif command == "status":
        for name, total, done, todo, fuzzy in status():
            print(
                f"{name:40s} {total:5d} messages, {done:5d} translated, {todo:5d} untranslated, {fuzzy:3d} fuzzy"
            )
    elif command == "todo":
        import json

        limit = int(sys.argv[3]) if len(sys.argv) > 3 else None
        print(json.dumps(todo(Path(sys.argv[2]), limit), ensure_ascii=False, indent=1))
    elif command == "apply":
        import json

        count, problems = apply(Path(sys.argv[2]), json.loads(Path(sys.argv[3]).read_text(encoding="utf-8")))
        print(f"applied {count} translations")
        print("\n".join(problems))
        sys.exit(1 if problems else 0)
    elif command == "check":
        problems = check()
        print("\n".join(problems) or "every translation keeps its math, code, links and citations")
        sys.exit(1 if problems else 0)
    else:
        sys.exit(f"unknown command {command!r}: use fill, status, check, todo or apply")
