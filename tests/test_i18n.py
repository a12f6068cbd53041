"""The Chinese edition: complete, current catalogs that keep the markup; consistent glossary terms;
a search dictionary with every glossary term; and a built zh site that finds Chinese queries.

The catalogs (locales/zh_CN/LC_MESSAGES/**.po) are checked without a build; the site checks use the
session's build of both editions (`built_editions` in conftest.py)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))

import catalogs  # noqa: E402
import editions  # noqa: E402

CATALOG_DIR = ROOT / "locales" / "zh_CN" / "LC_MESSAGES"
PAGES = sorted(p.relative_to(CATALOG_DIR).with_suffix("").as_posix() for p in CATALOG_DIR.rglob("*.po"))


def read_catalog(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def test_every_page_has_a_catalog():
    toc_pages = re.findall(r"(?:root|file): (\S+)", (ROOT / "_toc.yml").read_text(encoding="utf-8"))
    assert sorted(toc_pages) == PAGES


@pytest.mark.parametrize("page", PAGES)
def test_every_message_is_translated(page):
    catalog = read_catalog(CATALOG_DIR / f"{page}.po")
    untranslated = [m.id[:70] for m in catalog if m.id and not m.string]
    fuzzy = [m.id[:70] for m in catalog if m.id and m.fuzzy]
    assert not untranslated, (
        f"{len(untranslated)} untranslated messages in {page}.po, e.g. {untranslated[:3]}"
    )
    assert not fuzzy, f"{len(fuzzy)} fuzzy messages in {page}.po (English changed): {fuzzy[:3]}"


def test_translations_keep_math_code_links_and_citations():
    assert catalogs.check() == []


def test_markup_check_catches_a_changed_equation_or_link():
    msgid = "See {ref}`the errata <errata-ch4>`: $R^2/\\gamma^2$ and `nn.fit` {cite:p}`novikoff1963`."
    good = "见{ref}`勘误 <errata-ch4>`：$R^2/\\gamma^2$ 与 `nn.fit` {cite:p}`novikoff1963`。"
    assert catalogs.markup_problems(msgid, good) == []
    for bad in (
        good.replace("\\gamma^2", "\\gamma"),
        good.replace("errata-ch4", "errata-ch5"),
        good.replace("`nn.fit`", "nn.fit"),
        good.replace("novikoff1963", "rosenblatt1958"),
    ):
        assert catalogs.markup_problems(msgid, bad)


def test_neutral_messages_are_recognised():
    assert catalogs.neutral_translation("\\begin{equation*}\na = b \\tag{4.1}\n\\end{equation*}") is not None
    assert catalogs.neutral_translation("fǎnxiàng chuánbō") == "fǎnxiàng chuánbō"
    assert catalogs.neutral_translation("{ref}`section 3.4 <sec-3-4>`") == "{ref}`第 3.4 节 <sec-3-4>`"
    assert catalogs.neutral_translation("{ref}`chapter 1 (history) <ch1-history>`") is None
    assert catalogs.neutral_translation("A perceptron stops.") is None


def test_catalogs_are_current():
    """`make pot` would change nothing: the catalogs hold exactly the messages the pages have now."""
    from sphinx_intl import basic  # noqa: F401  (the tool `make pot` uses must be installed)

    with tempfile.TemporaryDirectory() as tmp:
        extract = [sys.executable, str(ROOT / "book" / "_ext" / "editions.py"), "gettext", tmp]
        result = subprocess.run(extract, capture_output=True, text=True, encoding="utf-8", errors="replace")
        assert result.returncode == 0, (
            f"message extraction failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
        )
        stale = []
        for pot in sorted(Path(tmp).rglob("*.pot")):
            page = pot.relative_to(tmp).with_suffix("").as_posix()
            po = CATALOG_DIR / f"{page}.po"
            want = {m.id for m in read_catalog(pot) if m.id}
            have = {m.id for m in read_catalog(po) if m.id} if po.exists() else set()
            if want != have:
                stale.append(f"{page}: {len(want - have)} new, {len(have - want)} gone")
    assert not stale, "catalogs are stale, run `make pot` and translate: " + "; ".join(stale)


def test_chinese_notebooks_are_current_and_translated():
    """notebooks/zh/ holds each notebook with every markdown block translated and the same code cells."""
    import translated_notebooks

    assert translated_notebooks.problems() == []
    for original in translated_notebooks.originals():
        en = json.loads(original.read_text(encoding="utf-8"))
        zh = json.loads(translated_notebooks.target(original).read_text(encoding="utf-8"))

        def code(nb):
            return [(c["source"], c["outputs"]) for c in nb["cells"] if c["cell_type"] == "code"]

        assert code(en) == code(zh), f"{original.name}: the copy's code or outputs differ"
        assert len(en["cells"]) == len(zh["cells"])
        assert en["metadata"] == zh["metadata"]


def test_translator_keeps_structure_and_math():
    import translated_notebooks

    source = "\n".join(
        ["## 4.1 Title", "", "A $x$ line", "wrapped.", "", "$$", "a = b \\tag{4.1}", "$$", ""]
        + ["- item one", "- item two", "", "| h | k |", "|---|---|", "| c | $y$ |"]
    )
    expected = "\n".join(
        ["## 4.1 标题", "", "一行 $x$。", "", "$$", "a = b \\tag{4.1}", "$$", ""]
        + ["- 第一项", "- 第二项", "", "| 表头 | k |", "|---|---|", "| 格 | $y$ |"]
    )
    table = {"4.1 Title": "4.1 标题", "A $x$ line wrapped.": "一行 $x$。", "item one": "第一项"}
    table.update({"item two": "第二项", "h": "表头", "k": "k", "c": "格"})
    tr = translated_notebooks.Translator(table)
    assert tr.markdown(source) == expected
    assert tr.missing == []
    tr.markdown("An English paragraph nobody translated.")
    assert tr.missing == ["An English paragraph nobody translated."]


def test_search_dictionary_holds_every_glossary_term():
    text = (ROOT / "book" / "glossary.md").read_text(encoding="utf-8")
    # every Chinese cell of every table row, read independently of editions.glossary_terms
    lines = text.splitlines()
    rows = [  # table rows, without the header row above each |---| line
        line.split("|")
        for i, line in enumerate(lines)
        if line.startswith("|")
        and not line.startswith("|--")
        and not (i + 1 < len(lines) and lines[i + 1].startswith("|--"))
    ]
    terms = {
        cell.strip() for row in rows for cell in row if re.fullmatch(r"\s*[\u3400-\u9fff（）]+\s*", cell)
    }
    terms = {t for term in terms for t in re.findall(r"[\u3400-\u9fff]+", term)}
    assert len(terms) >= 100
    with tempfile.TemporaryDirectory() as tmp:
        path = editions.write_search_dictionary(Path(tmp) / "zh.dict")
        words = {line.split()[0] for line in path.read_text(encoding="utf-8").splitlines()}
    assert terms <= words, f"missing from the search dictionary: {sorted(terms - words)[:10]}"


# ------------------------------------------------------------------------------ the built site
class _Text(HTMLParser):
    """The prose of a built page: the text inside <article>, without code cells, outputs and scripts."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
    SKIP = ("cell_input", "cell_output", "highlight")

    def __init__(self):
        super().__init__()
        self.parts, self.stack = [], []  # stack: (tag, inside article, skipped) per open element

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        cls = dict(attrs).get("class") or ""
        inside, skipped = self.stack[-1][1:] if self.stack else (False, False)
        self.stack.append(
            (
                tag,
                inside or tag == "article",
                skipped or tag in ("script", "style") or any(c in cls for c in self.SKIP),
            )
        )

    def handle_endtag(self, tag):
        open_tags = [entry[0] for entry in self.stack]
        if tag in open_tags:  # close it and anything left open inside it; ignore a stray end tag
            del self.stack[len(open_tags) - 1 - open_tags[::-1].index(tag) :]

    def handle_data(self, data):
        if self.stack and self.stack[-1][1] and not self.stack[-1][2]:
            self.parts.append(data)


def page_text(path: Path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return " ".join(parser.parts)


@pytest.fixture(scope="module")
def zh_site(built_editions):
    result, folders = built_editions
    assert result.returncode == 0, "the site did not build; see test_book_builds_without_warnings"
    return folders


def test_both_editions_and_the_chooser_are_built(zh_site):
    for folder, lang in (("en", "en"), ("zh", "zh-CN")):
        page = (zh_site[folder] / "notebooks" / "ch04-perceptron.html").read_text(encoding="utf-8")
        assert f'<html lang="{lang}"' in page
        for other, hreflang in (("en", "en"), ("zh", "zh-CN")):
            assert f'hreflang="{hreflang}" href="../../{other}/notebooks/ch04-perceptron.html"' in page
    chooser = (zh_site["en"].parent / "index.html").read_text(encoding="utf-8")
    assert 'href="en/index.html"' in chooser and 'href="zh/index.html"' in chooser


def test_zh_pages_are_chinese(zh_site):
    """Headings and paragraphs are translated; code, outputs and display math are the English files'."""
    for page in PAGES:
        html = (zh_site["zh"] / f"{page}.html").read_text(encoding="utf-8")
        title = re.search(r"<h1>(.*?)<", html, re.S).group(1)
        # the landing page's title is the product's name, the same in both editions
        assert re.search(r"[\u3400-\u9fff]", title) or title == "nndl companion", f"{page}: title {title!r}"
        captions = re.findall(r'caption-text">([^<]*)<', html)
        assert captions and all(re.search(r"[\u3400-\u9fff]", c) for c in captions), f"{page}: {captions}"
        en = (zh_site["en"] / f"{page}.html").read_text(encoding="utf-8")
        tags = re.findall(r"\\tag\{[\d.]+\}", en)
        assert tags == re.findall(r"\\tag\{[\d.]+\}", html), f"{page}: equation numbers differ"
        for pattern in (r'<div class="cell_input[^"]*"', r"application/vnd\.jupyter\.widget-view\+json"):
            assert len(re.findall(pattern, en)) == len(re.findall(pattern, html)), f"{page}: {pattern}"


#: The most frequent glossary terms: (English, 中文). A zh page must use the Chinese term wherever the
#: English page uses the English one.
TOP_TERMS = [
    ("perceptron", "感知器"),
    ("backpropagation", "反向传播"),
    ("activation function", "激活函数"),
    ("loss function", "损失函数"),
    ("gradient descent", "梯度下降"),
    ("convolution", "卷积"),
    ("learning rate", "学习率"),
    ("recurrent neural network", "循环神经网络"),
    ("cross-entropy", "交叉熵"),
    ("linear regression", "线性回归"),
    ("neuron", "神经元"),
    ("pooling", "池化"),
    ("feedforward neural network", "前馈神经网络"),
    ("overfitting", "过拟合"),
]


def test_top_glossary_terms_are_the_glossarys_own():
    glossary = (ROOT / "book" / "glossary.md").read_text(encoding="utf-8")
    for english, chinese in TOP_TERMS:
        row = re.search(rf"^\|\s*{re.escape(english)}\s*\|\s*([^|]+)\|", glossary, re.M | re.I)
        assert row, f"{english!r} is not a glossary entry"
        assert chinese in row.group(1).replace(" ", ""), f"glossary gives {row.group(1)!r} for {english!r}"


#: Pages whose text is mostly not translated by design: the bibliography (titles of works) and the
#: API reference (the code's docstrings; its own prose is translated).
UNTRANSLATED_SOURCES = ("book/references", "book/api")


@pytest.mark.parametrize("english,chinese", TOP_TERMS)
def test_glossary_terms_are_used_consistently(zh_site, english, chinese):
    missing = []
    for page in [p for p in PAGES if p not in UNTRANSLATED_SOURCES]:
        en = page_text(zh_site["en"] / f"{page}.html")
        if re.search(rf"\b{re.escape(english)}", en, re.I):
            zh = page_text(zh_site["zh"] / f"{page}.html").replace(" ", "")
            if chinese.replace(" ", "") not in zh:
                missing.append(page)
    assert not missing, f"{english!r} appears in English but {chinese!r} not in Chinese on {missing}"


def _search_index(folder: Path) -> dict:
    text = (folder / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1 : text.rindex(")")])


#: Chinese queries and the page each must find: chapter-title terms and glossary terms.
ZH_QUERIES = {
    "绪论": "notebooks/ch01-introduction",
    "数学基础": "notebooks/ch02-math",
    "感知器": "notebooks/ch04-perceptron",
    "梯度下降": "notebooks/ch03-ml-overview",
    "反向传播": "notebooks/ch05-feedforward",
    "前馈神经网络": "notebooks/ch05-feedforward",
    "卷积神经网络": "notebooks/ch06-cnn",
    "循环神经网络": "notebooks/ch07-rnn",
    "随时间反向传播": "notebooks/ch07-rnn",
}


@pytest.mark.parametrize("query,page", ZH_QUERIES.items())
def test_zh_search_finds_chinese_terms(zh_site, query, page):
    index = _search_index(zh_site["zh"])
    docs = index["docnames"]
    hits = set()
    for where in ("terms", "titleterms"):
        found = index[where].get(query.lower())
        hits |= {found} if isinstance(found, int) else set(found or [])
    assert page in {docs[i] for i in hits}, f"{query!r} does not find {page}"
