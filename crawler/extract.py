"""Reduce an HTML page to what scoring needs: text blocks with their place, links, handles.

A readability extractor keeps the article and drops footers and floating
widgets, which is exactly where a solicitation hides on a content-farm page.
So the page text here is *every* visible block in document order, each tagged
with where it sits (header, nav, main, aside, footer, widget), and the
readability main text (trafilatura) is kept beside it, not instead of it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass, field
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
import trafilatura

from crawler.urls import InvalidURL, canonical_url

log = logging.getLogger(__name__)

BLOCK_SEPARATOR = "\n"

_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd",
        "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer",
        "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav",
        "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th",
        "thead", "tr", "ul", "br", "marquee", "option", "select", "textarea", "button",
        "label",
    }
)  # fmt: skip
_SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "head", "title", "svg", "iframe"}
)
_SEMANTIC_PLACE = {"header": "header", "nav": "nav", "aside": "aside", "footer": "footer",
                   "main": "main", "article": "main"}  # fmt: skip
#: Class / id words that real sites use for their regions (checked word by word).
_HINTS = (
    ("widget", r"float|fixed|kefu|qq-?online|online-?service|im-?bar|side-?bar-?contact"
               r"|suspend|toolbar-right|backtop|popup|widget"),
    ("footer", r"foot|copyright|bottom|beian"),
    ("nav", r"^(nav|menu|breadcrumb|crumb|topbar|mainnav|subnav)|navbar|navigation"),
    ("header", r"^(header|head|top|logo|masthead|banner)$|^site-?header"),
    ("aside", r"aside|sidebar|side|related|hot|recommend|tags|links|ad-?box|rightbox|leftbox"),
    ("main", r"^(main|content|article|post|entry|thread|postlist|detail)"),
)  # fmt: skip
_HINT_PATTERNS = tuple((place, re.compile(pattern, re.I)) for place, pattern in _HINTS)
_FIXED = re.compile(r"position\s*:\s*fixed", re.I)
MAX_CSS_CHARS = 256 * 1024
_CSS_NAME = re.compile(r"[.#][\w-]+")
_WS = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # noise from binary bodies
_ICP = re.compile(r"[\u4e00-\u9fa5]{1,2}ICP[备证]\s*\d{6,10}号?(?:-\d+)?", re.I)
_QR = re.compile(r"qr|二维码|erweima|ewm|扫码|扫一扫|wxcode|weixin|wechat|wx[_-]?code", re.I)
#: Payment links: Alipay's app schemes and collection-code hosts, WeChat Pay's QR scheme.
PAYMENT_SCHEMES = frozenset({"alipay", "alipays", "alipayqr", "wxp"})
PAYMENT_HOSTS = frozenset({"qr.alipay.com", "ds.alipay.com", "render.alipay.com"})
CONTACT_SCHEMES = {
    "tencent": "qq",
    "weixin": "wechat",
    "tel": "phone",
    "mailto": "email",
    "sms": "phone",
    **dict.fromkeys(PAYMENT_SCHEMES, "payment"),
}
CONTACT_HOSTS = {"wpa.qq.com": "qq", "wpa.b.qq.com": "qq", "qm.qq.com": "qq", "t.me": "telegram",
                 "telegram.me": "telegram", "u.wechat.com": "wechat",
                 **dict.fromkeys(PAYMENT_HOSTS, "payment")}  # fmt: skip


@dataclass
class Block:
    index: int
    place: str
    tag: str
    start: int
    end: int
    text: str


@dataclass
class Extracted:
    """Everything the store keeps about a page's content."""

    title: str
    text: str
    main_text: str
    blocks: list[Block]
    links: list[str]
    contact_links: list[dict] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    icp: str | None = None

    def blocks_as_dicts(self) -> list[dict]:
        return [asdict(b) for b in self.blocks]


def _fixed_selectors(tree: lxml.html.HtmlElement) -> set[str]:
    """Class and id selectors that a stylesheet fixes in place (floating widgets).

    A linear scan over ``}``-separated rules, capped per ``<style>``: a regex over a
    hostile, brace-less stylesheet can take quadratic time.
    """
    names: set[str] = set()
    for style in tree.iter("style"):
        for rule in (style.text or "")[:MAX_CSS_CHARS].split("}"):
            selector, _, body = rule.partition("{")
            if body and _FIXED.search(body):
                names.update(n.lower() for n in _CSS_NAME.findall(selector))
    return names


def _own_place(el: lxml.html.HtmlElement, fixed: set[str]) -> str | None:
    """The place an element declares by itself: tag, inline style, stylesheet, class/id words."""
    if _FIXED.search(el.get("style") or ""):
        return "widget"
    classes = (el.get("class") or "").split()
    ident = el.get("id") or ""
    if fixed and ({f".{c.lower()}" for c in classes} | {f"#{ident.lower()}"}) & fixed:
        return "widget"
    if el.tag in _SEMANTIC_PLACE:
        return _SEMANTIC_PLACE[el.tag]
    if el.get("role") == "main":
        return "main"
    words = [*classes, ident] if ident else classes
    for place, pattern in _HINT_PATTERNS:
        if any(pattern.search(w) for w in words):
            return place
    return None


class _BlockWalker:
    """Walks the body once, cutting text at block-level elements.

    Iterative, not recursive: a page can nest thousands of elements to hide a
    handle from extractors, and Python's recursion limit must not decide what
    we read.
    """

    def __init__(self, fixed: set[str]):
        self.fixed = fixed
        self.blocks: list[tuple[str, str, str]] = []  # (place, tag, text)
        self._parts: list[str] = []
        self._place = "body"
        self._tag = "body"

    def _flush(self) -> None:
        text = _WS.sub(" ", _CONTROL.sub("", "".join(self._parts))).strip()
        if text:
            self.blocks.append((self._place, self._tag, text))
        self._parts = []

    def walk(self, root: lxml.html.HtmlElement, place: str) -> None:
        # Frames: ("open", element, inherited place, parent) and ("close", element,
        # place, tag, is_block, parent); parent = (place, tag) of an enclosing block
        # element, to return to once a child is done, or None.
        stack: list[tuple] = [("open", root, place, None)]
        while stack:
            frame = stack.pop()
            if frame[0] == "close":
                _, el, _place, _tag, is_block, parent = frame
                if is_block:
                    self._flush()
                self._after(el, parent)
                continue
            _, el, place, parent = frame
            tag = el.tag if isinstance(el.tag, str) else ""
            if not tag or tag in _SKIP_TAGS:
                self._after(el, parent)
                continue
            own = _own_place(el, self.fixed)
            # A widget or footer inside main is still a widget or footer; a "main"-looking
            # div inside a footer is still the footer.
            if own and not (place in ("widget", "footer") and own in ("main", "body")):
                place = own
            is_block = tag in _BLOCK_TAGS
            if is_block:
                self._flush()
                self._place, self._tag = place, tag
            if tag == "img":
                alt = (el.get("alt") or "").strip()
                if alt:
                    self._parts.append(f" {alt} ")
            if el.text:
                self._parts.append(el.text)
            stack.append(("close", el, place, tag, is_block, parent))
            child_parent = (place, tag) if is_block else parent
            stack.extend(("open", child, place, child_parent) for child in reversed(el))

    def _after(self, el: lxml.html.HtmlElement, parent: tuple[str, str] | None) -> None:
        """An element is done: its tail is text of the enclosing block again."""
        if el.tail:
            self._parts.append(el.tail)
        if parent is not None:
            self._place, self._tag = parent


def _title(tree: lxml.html.HtmlElement) -> str:
    title = tree.find(".//title")
    if title is not None and title.text_content().strip():
        return _WS.sub(" ", title.text_content()).strip()
    h1 = tree.find(".//h1")
    return _WS.sub(" ", h1.text_content()).strip() if h1 is not None else ""


def _contact_link(href: str, text: str) -> dict | None:
    try:
        parts = urlsplit(href)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    kind = CONTACT_SCHEMES.get(scheme) or CONTACT_HOSTS.get(host)
    return {"url": href, "kind": kind, "text": text} if kind else None


def _join(base_url: str, href: str) -> str | None:
    try:
        return urljoin(base_url, href)
    except ValueError:  # e.g. "http://[x/": skip the link, keep the page
        return None


def _links(tree: lxml.html.HtmlElement, base_url: str) -> tuple[list[str], list[dict]]:
    outlinks: dict[str, None] = {}
    contacts: list[dict] = []
    for a in tree.iter("a", "area"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:")):
            continue
        absolute = _join(base_url, href)
        if absolute is None:
            continue
        text = _WS.sub(" ", a.text_content()).strip()
        contact = _contact_link(absolute, text)
        if contact:
            contacts.append(contact)
            if contact["kind"] in ("qq", "wechat", "phone", "email"):
                continue
        try:
            outlinks.setdefault(canonical_url(absolute))
        except InvalidURL:
            continue
    return list(outlinks), contacts


def _images(tree: lxml.html.HtmlElement, base_url: str) -> list[dict]:
    images = []
    for img in tree.iter("img"):
        src = (img.get("src") or img.get("data-src") or "").strip()
        alt = (img.get("alt") or "").strip()
        if not src and not alt:
            continue
        hint = " ".join([src, alt, img.get("class") or "", img.get("id") or ""])
        absolute = (_join(base_url, src) or "") if src else ""
        images.append({"src": absolute, "alt": alt, "qr": bool(_QR.search(hint))})
    return images


def _base_url(tree: lxml.html.HtmlElement, url: str) -> str:
    """The page URL, or its ``<base href>`` when it has one."""
    base = tree.find(".//base[@href]")
    joined = _join(url, base.get("href").strip()) if base is not None else None
    return joined or url


def parse_html(html: str) -> lxml.html.HtmlElement:
    """Parse anything a server might send; raises ValueError for markup with no elements."""
    html = html.replace("\x00", "")  # libxml2 turns NUL into U+FFFD, which means bad decoding
    if "<?xml" in html[:100]:
        html = re.sub(r"^\s*<\?xml[^>]*>", "", html)
    try:
        # huge_tree: libxml2 otherwise stops at 256 levels of nesting and silently
        # drops the rest of the page, a cheap way to hide a handle.
        return lxml.html.document_fromstring(html, parser=lxml.html.HTMLParser(huge_tree=True))
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ValueError(f"not parsable as HTML: {exc}") from exc


def extract(html: str, url: str) -> Extracted:
    """Blocks, text with offsets, main text, links, contact links, images and ICP of a page."""
    tree = parse_html(html)
    fixed = _fixed_selectors(tree)
    title = _title(tree)
    body = tree.find("body")
    walker = _BlockWalker(fixed)
    walker.walk(body if body is not None else tree, "body")

    blocks: list[Block] = []
    pieces: list[str] = []
    offset = 0
    for place, tag, text in walker.blocks:
        if pieces:
            offset += len(BLOCK_SEPARATOR)
        blocks.append(Block(len(blocks), place, tag, offset, offset + len(text), text))
        pieces.append(text)
        offset += len(text)
    text = BLOCK_SEPARATOR.join(pieces)

    base = _base_url(tree, url)
    links, contact_links = _links(tree, base)
    try:
        main_text = (
            trafilatura.extract(
                tree, url=url, include_comments=False, include_tables=True, fast=True
            )
            or ""
        )
    except (RecursionError, ValueError, TypeError) as exc:
        log.info("trafilatura could not read %s: %s", url, exc)
        main_text = ""
    icp = _ICP.search(text)
    return Extracted(
        title=title,
        text=text,
        main_text=main_text,
        blocks=blocks,
        links=links,
        contact_links=contact_links,
        images=_images(tree, base),
        icp=icp.group(0) if icp else None,
    )
