"""What the classifier scores: a page's text and its blocks, from HTML or from plain text.

Offsets in every result point into ``Document.text``: the text the caller sent,
or the page text extracted from the HTML they sent (the crawler's extraction, so
a stored page and a pasted page read the same).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

#: Longest text scored (characters): about 3 MB of Chinese. Longer input is refused
#: with a message rather than truncated silently.
MAX_TEXT_CHARS = 1_000_000
#: A scoring unit (one or more adjacent blocks of one place) is cut at about this length,
#: so one long article body does not drown a one-line solicitation next to it.
UNIT_CHARS = 800
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class InputRejected(ValueError):
    """Input that cannot be scored, with a message a caller can show as it is."""


class Block(NamedTuple):
    """A run of the page text in one place. A named tuple, not a dataclass: a page
    makes dozens and a frozen dataclass takes three times as long to build."""

    place: str  # header | nav | main | aside | footer | widget | body
    start: int
    end: int


@dataclass(frozen=True)
class Link:
    """A contact link of the page (``tencent://``, ``wpa.qq.com``, ``tel:``, …).

    ``start``/``end`` is the anchor's text in ``Document.text``, or -1/-1 when the
    anchor has no text there (an image, an empty link, a link found only as an outlink).
    """

    url: str
    text: str
    start: int = -1
    end: int = -1


@dataclass(frozen=True)
class Document:
    text: str
    blocks: tuple[Block, ...]
    links: tuple[Link, ...] = ()

    def block_text(self, block: Block) -> str:
        return self.text[block.start : block.end]


def from_text(text: str) -> Document:
    """Plain text: each non-empty line is a block of unknown place ("body")."""
    if not isinstance(text, str):
        raise InputRejected("text must be a string")
    if len(text) > MAX_TEXT_CHARS:
        raise InputRejected(
            f"text is too long: {len(text):,} characters (limit {MAX_TEXT_CHARS:,})"
        )
    if not _CONTROL.sub("", text).strip():
        raise InputRejected("text is empty")
    blocks = []
    start = 0
    for line in text.split("\n"):
        end = start + len(line)
        if line and not line.isspace():  # str.isspace is what strip() strips
            blocks.append(Block("body", start, end))
        start = end + 1
    return Document(text, tuple(blocks))


def from_html(html: str, url: str | None = None) -> Document:
    """HTML: the crawler's extraction (every block, footers and widgets included)."""
    from crawler.extract import extract

    if not isinstance(html, str):
        raise InputRejected("html must be a string")
    if len(html) > 5 * MAX_TEXT_CHARS:
        raise InputRejected(
            f"html is too long: {len(html):,} characters (limit {5 * MAX_TEXT_CHARS:,})"
        )
    try:
        page = extract(html, url or "http://page.invalid/")
    except ValueError as exc:
        raise InputRejected(f"html cannot be read: {exc}") from exc
    return from_page(page)


def from_page(page) -> Document:
    """A page the crawler already extracted (``crawler.extract.Extracted``)."""
    if not page.text.strip():
        raise InputRejected("the HTML has no text")
    if len(page.text) > MAX_TEXT_CHARS:
        raise InputRejected(f"page text is too long: {len(page.text):,} characters")
    blocks = tuple(Block(b.place, b.start, b.end) for b in page.blocks)
    return Document(page.text, blocks, _links(page))


def _links(page) -> tuple[Link, ...]:
    """The page's contact links (QQ, WeChat, phone, payment, …), each placed at its anchor text.

    Anchors come in document order, as the text does, so each anchor's text is
    looked for from where the previous one was found (then from the start). The
    page text may break an anchor over lines ("在线⏎客服" for ``<a>在线<br>客服</a>``);
    the link's ``text`` is then what the page text holds there.
    """
    out: list[Link] = []
    cursor = 0
    for item in page.contact_links:
        anchor = item.get("text") or ""
        found = _find_anchor(page.text, anchor, cursor) if anchor.strip() else None
        if found is None:
            out.append(Link(item["url"], anchor))
            continue
        start, end = found
        out.append(Link(item["url"], page.text[start:end], start, end))
        cursor = end
    return tuple(out)


def _find_anchor(text: str, anchor: str, cursor: int) -> tuple[int, int] | None:
    """Where ``anchor`` is in ``text`` (from ``cursor``, then from the start), whitespace aside."""
    for at in (cursor, 0):
        start = text.find(anchor, at)
        if start >= 0:
            return start, start + len(anchor)
    loose = re.compile(r"\s*".join(map(re.escape, "".join(anchor.split()))))
    for at in (cursor, 0):
        match = loose.search(text, at)
        if match:
            return match.span()
    return None


def document(text: str | None = None, html: str | None = None, url: str | None = None) -> Document:
    if (text is None) == (html is None):
        raise InputRejected("give exactly one of text or html")
    return from_text(text) if text is not None else from_html(html, url)


def units(doc: Document, max_chars: int = UNIT_CHARS) -> list[Block]:
    """Scoring units: runs of adjacent blocks with the same place, cut near ``max_chars``.

    A footer split over three blocks ("联系我们" / "微信号：…" / "备案号") is read
    as one unit; a long article body becomes several.
    """
    if not doc.blocks:
        return [Block("body", 0, len(doc.text))]
    out: list[Block] = []
    place, start, end = doc.blocks[0]
    for block in doc.blocks[1:]:
        if block.place == place and block.end - start <= max_chars:
            end = block.end
            continue
        out.append(Block(place, start, end))
        place, start, end = block
    out.append(Block(place, start, end))
    return out
