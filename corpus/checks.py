"""Checks that keep the corpus honest: manifest vs files, labels vs markup, near-copies.

The tests run these, and ``scamscan sites check`` prints them for authors.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import lxml.html
import numpy as np
from scipy import sparse

from corpus.manifest import Page, Site, iter_pages

#: What the issue asks of the corpus; ``minimum_problems`` reports any shortfall.
MINIMUMS = {
    "sites": 50,
    "pages": 400,
    "informational": 150,
    "hard_negative": 40,
    "platform": 60,
    "solicitation": 120,
    "mixed": 40,
    "legacy_encoding_sites": 5,
    "misdeclared_sites": 1,
    "long_pages": 1,
    "one_line_pages": 1,
}
LONG_PAGE_CHARS = 8000
ONE_LINE_CHARS = 80
NEAR_COPY_JACCARD = 0.5
SHINGLE = 5
DISGUISE_SIGNALS = (
    "qq_link",
    "qr_image",
    "same_number",
    "floating_widget",
    "telegram",
    "disguise_homophone",
    "disguise_fullwidth",
    "disguise_circled",
    "disguise_chinese_numerals",
    "disguise_split",
)
MIN_PAGES_PER_DISGUISE = 3

_MAIN_XPATH = "//main | //*[@role='main'] | //*[@id='content'] | //*[@id='main']"
_WS = re.compile(r"\s+")
_FULLWIDTH = re.compile(r"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_CIRCLED = re.compile(r"[\u2460-\u24ff\u2776-\u2793\u3251-\u325f\u32b1-\u32bf]")
_QQ_LINK = re.compile(r"tencent://message|wpa\.qq\.com", re.I)
_QR_ALT = re.compile(r"码|二维|扫|qr", re.I)
_FIXED = re.compile(r"position\s*:\s*fixed", re.I)
#: Only the start of each <style> is examined: a page cannot make the check slow.
MAX_STYLE_CHARS = 256 * 1024
_CSS_NAME = re.compile(r"[.#][\w-]+")


def css_rules(css: str) -> Iterator[tuple[str, str]]:
    """(selector, body) of each innermost ``selector { body }`` rule, in linear time.

    Same rules as the regex ``([^{}]+)\\{([^{}]*)\\}``, which was quadratic on text
    without braces: per closing brace, the body follows the last ``{`` before it and
    the selector is the non-empty text between that ``{`` and the brace before it.
    """
    chunks = css.split("}")
    for chunk in chunks[:-1]:  # the text after the last "}" closes no rule
        head, brace, body = chunk.rpartition("{")
        selector = head.rpartition("{")[2]
        if brace and selector:
            yield selector, body


def css_fixed_selectors(css: str | None) -> set[str]:
    """Lower-cased class and id selectors (``.x``, ``#y``) of rules with ``position: fixed``."""
    return {
        name
        for selector, body in css_rules((css or "")[:MAX_STYLE_CHARS])
        if _FIXED.search(body)
        for name in _CSS_NAME.findall(selector.lower())
    }


@dataclass
class ParsedPage:
    """A page's markup, parsed once for every check that needs it."""

    page: Page
    html: str

    @cached_property
    def tree(self) -> lxml.html.HtmlElement:
        return lxml.html.document_fromstring(self.html)

    @cached_property
    def main(self) -> lxml.html.HtmlElement | None:
        found = self.tree.xpath(_MAIN_XPATH)
        return found[0] if found else None

    @cached_property
    def main_text(self) -> str:
        """The main element's text with all whitespace removed (scripts and styles dropped)."""
        if self.main is None:
            return ""
        # Work on a copy: dropping elements from the shared tree would change what
        # page_text and has_floating_widget see, depending on which ran first.
        main = copy.deepcopy(self.main)
        for bad in main.xpath(".//script | .//style"):
            bad.drop_tree()
        return _WS.sub("", main.text_content())

    @cached_property
    def page_text(self) -> str:
        body = self.tree.body if self.tree.find("body") is not None else self.tree
        return body.text_content()

    def has_floating_widget(self) -> bool:
        """An element outside main that is fixed in place (inline or by a stylesheet rule)."""
        fixed_selectors = {
            name for style in self.tree.iter("style") for name in css_fixed_selectors(style.text)
        }
        for el in self.tree.iter():
            if not isinstance(el.tag, str):
                continue
            classes = (el.get("class") or "").lower().split()
            names = {f".{c}" for c in classes} | {f"#{el.get('id')}".lower()}
            floating = (
                any("float" in c for c in classes)
                or _FIXED.search(el.get("style") or "")
                or names & fixed_selectors
            )
            if floating and (self.main is None or not _is_inside(el, self.main)):
                return True
        return False

    def has_qr_image(self) -> bool:
        return any(_QR_ALT.search(img.get("alt", "") or "") for img in self.tree.iter("img"))


def _is_inside(el: lxml.html.HtmlElement, ancestor: lxml.html.HtmlElement) -> bool:
    return any(a is ancestor for a in el.iterancestors()) or el is ancestor


def parse_page(page: Page) -> ParsedPage:
    """Decode with the page's real encoding (strict: a wrong byte is a corpus bug)."""
    return ParsedPage(page, page.read_text())


def file_problems(site: Site) -> list[str]:
    """Pages without files, HTML files without pages, and a missing robots.txt."""
    problems = []
    listed = {p.file.resolve() for p in site.pages}
    for page in site.pages:
        if not page.file.is_file():
            problems.append(f"{site.id}{page.path}: listed in site.json but {page.file} is missing")
    for html in sorted(site.root.rglob("*.html")):
        if html.resolve() not in listed:
            rel = html.relative_to(site.root)
            problems.append(f"{site.id}/{rel}: HTML file with no entry in site.json")
    if not (site.root / "robots.txt").is_file():
        problems.append(f"{site.id}: no robots.txt")
    return problems


def markup_problems(parsed: ParsedPage) -> list[str]:
    """Labels that the markup contradicts: missing main element, unbacked signals."""
    page = parsed.page
    where = f"{page.site}{page.path}"
    problems = []
    if parsed.main is None:
        problems.append(f"{where}: no main element (<main>, div#content or div#main)")
    elif not parsed.main_text:
        problems.append(f"{where}: main element has no text")
    text, html, sig = parsed.page_text, parsed.html, page.signals
    claims = {
        "qq_link": bool(_QQ_LINK.search(html)),
        "qr_image": parsed.has_qr_image(),
        "disguise_fullwidth": bool(_FULLWIDTH.search(text)),
        "disguise_circled": bool(_CIRCLED.search(text)),
        "icp": "icp" in text.lower(),
        "floating_widget": parsed.has_floating_widget(),
    }
    for signal, present in claims.items():
        if signal in sig and not present:
            problems.append(f"{where}: claims {signal} but the markup has none")
    if claims["qq_link"] and "qq_link" not in sig:
        problems.append(f"{where}: has a QQ chat link but does not claim qq_link")
    return problems


def shingles(text: str, n: int = SHINGLE) -> set[str]:
    if len(text) <= n:
        return {text} if text else set()
    return {text[i : i + n] for i in range(len(text) - n + 1)}


def near_copies(
    texts: list[str], threshold: float = NEAR_COPY_JACCARD
) -> list[tuple[int, int, float]]:
    """Pairs ``(i, j, jaccard)`` of texts whose character shingle sets overlap above threshold.

    Exact Jaccard for every pair at once: a binary page x shingle matrix times its
    transpose gives every intersection size.
    """
    vocab: dict[str, int] = {}
    rows, cols = [], []
    for i, text in enumerate(texts):
        for s in shingles(text):
            rows.append(i)
            cols.append(vocab.setdefault(s, len(vocab)))
    data = np.ones(len(rows), dtype=np.int32)
    x = sparse.csr_matrix((data, (rows, cols)), shape=(len(texts), max(len(vocab), 1)))
    sizes = np.asarray(x.sum(axis=1)).ravel()
    inter = sparse.triu(x @ x.T, k=1).tocoo()
    union = sizes[inter.row] + sizes[inter.col] - inter.data
    jaccard = inter.data / np.maximum(union, 1)
    hits = np.nonzero(jaccard > threshold)[0]
    return sorted(
        ((int(inter.row[k]), int(inter.col[k]), float(jaccard[k])) for k in hits),
        key=lambda t: -t[2],
    )


def corpus_counts(sites: list[Site], parsed: list[ParsedPage]) -> Counter:
    """The figures the minimums and the data card speak of."""
    counts: Counter = Counter()
    counts["sites"] = len(sites)
    for p in parsed:
        page = p.page
        counts["pages"] += 1
        counts[page.label] += 1
        counts["mixed"] += page.mixed
        counts["hard_negative"] += page.hard_negative
        counts["long_pages"] += len(p.main_text) >= LONG_PAGE_CHARS
        counts["one_line_pages"] += 0 < len(p.main_text) <= ONE_LINE_CHARS
        for s in page.signals:
            counts[f"signal:{s}"] += 1
    for site in sites:
        if site.encoding != "utf-8":
            counts["legacy_encoding_sites"] += 1
        declared = (site.charset_header or "").lower()
        if declared != site.encoding:
            counts["misdeclared_sites"] += 1
    return counts


def minimum_problems(counts: Counter) -> list[str]:
    problems = [
        f"corpus has {counts[key]} {key}, needs at least {need}"
        for key, need in MINIMUMS.items()
        if counts[key] < need
    ]
    for signal in DISGUISE_SIGNALS:
        if counts[f"signal:{signal}"] < MIN_PAGES_PER_DISGUISE:
            problems.append(
                f"disguise {signal} appears on {counts[f'signal:{signal}']} pages, "
                f"needs at least {MIN_PAGES_PER_DISGUISE}"
            )
    return problems


@dataclass
class Report:
    problems: list[str]
    near_copy_pairs: list[tuple[str, str, float]]
    counts: Counter
    parsed: list[ParsedPage]


def check_corpus(sites: list[Site]) -> Report:
    """Run every check; decoding failures are reported, not raised."""
    problems: list[str] = []
    parsed: list[ParsedPage] = []
    for site in sites:
        problems += file_problems(site)
    for page in iter_pages(sites):
        if not page.file.is_file():
            continue
        try:
            p = parse_page(page)
        except UnicodeDecodeError as exc:
            problems.append(f"{page.site}{page.path}: not valid {page.encoding}: {exc}")
            continue
        problems += markup_problems(p)
        parsed.append(p)
    pairs = [
        (
            f"{parsed[i].page.site}{parsed[i].page.path}",
            f"{parsed[j].page.site}{parsed[j].page.path}",
            jac,
        )
        for i, j, jac in near_copies([p.main_text for p in parsed])
    ]
    return Report(problems, pairs, corpus_counts(sites, parsed), parsed)
