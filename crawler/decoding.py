"""Turn a page's bytes into text, right even when the declared charset is wrong or missing.

Many Chinese sites serve GBK / GB2312 / GB18030, declared wrongly or not at
all. The declaration (HTTP header, BOM, meta tag, as Scrapy reads them) wins
when the bytes decode cleanly under it; otherwise charset-normalizer decides.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from charset_normalizer import from_bytes
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

#: GB2312 and GBK are subsets of GB18030: decoding with the superset loses nothing.
_SUPERSET = {"gb2312": "gb18030", "gbk": "gb18030"}
#: Single-byte codecs decode any bytes "cleanly", so a declaration of one proves nothing
#: about a page with non-ASCII bytes (Tomcat's default ISO-8859-1 on GBK pages).
_WEAK = frozenset({"cp1252", "latin_1", "iso8859_15", "ascii", "iso8859_2", "cp1251"})


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  #: what the bytes really are (Python codec name)
    declared: str | None  #: what the server or page said, if anything
    source: str  #: "bom" | "declared" | "detected" | "fallback"


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _strict(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(_SUPERSET.get(encoding, encoding))
    except (UnicodeDecodeError, LookupError):
        return None


def declared_encoding(body: bytes, content_type: str | None) -> str | None:
    """The charset the response claims: HTTP header first, then the page's own meta tag."""
    return _codec(http_content_type_encoding(content_type or "")) or _codec(
        html_body_declared_encoding(body)
    )


def decode_html(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode ``body``; never raises.

    Order: BOM; the declarations (header, then meta) that decode the bytes
    strictly; UTF-8; charset-normalizer; a single-byte declaration last, since it
    decodes anything; GB18030 with replacement characters as the final fallback.
    """
    bom_encoding, bom = read_bom(body)
    if bom_encoding:
        encoding = _codec(bom_encoding) or "utf-8"
        return Decoded(body[len(bom) :].decode(encoding, "replace"), encoding, encoding, "bom")
    header = _codec(http_content_type_encoding(content_type or ""))
    meta = _codec(html_body_declared_encoding(body))
    declared = header or meta
    high_bytes = not body.isascii()
    weak = [e for e in (header, meta) if e in _WEAK and high_bytes]
    for encoding in dict.fromkeys(e for e in (header, meta) if e and e not in weak):
        if (text := _strict(body, encoding)) is not None:
            return Decoded(text, encoding, declared, "declared")
    if (text := _strict(body, "utf-8")) is not None:
        return Decoded(text, "utf-8", declared, "detected")
    match = from_bytes(body).best()
    encoding = _codec(match.encoding) if match is not None else None
    # charset-normalizer names the narrowest Chinese codec that fits; _strict decodes
    # with its superset so that a stray GB18030-only character does not break the page.
    text = _strict(body, encoding) if encoding else None
    # Between two single-byte readings (one character per byte), the server's
    # declaration beats a statistical guess.
    if text is not None and not (weak and len(text) == len(body)):
        return Decoded(text, encoding, declared, "detected")
    for encoding in weak:
        if (text := _strict(body, encoding)) is not None:
            return Decoded(text, encoding, declared, "declared")
    encoding = declared or "gb18030"
    return Decoded(
        body.decode(_SUPERSET.get(encoding, encoding), "replace"), encoding, declared, "fallback"
    )
