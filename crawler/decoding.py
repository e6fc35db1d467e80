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
_SUPERSET = {"gb2312": "gb18030", "gbk": "gb18030", "hz": "gb18030"}


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
    """Decode ``body``; never raises, never returns text full of replacement characters
    when some encoding reads the bytes cleanly."""
    bom_encoding, bom = read_bom(body)
    if bom_encoding:
        encoding = _codec(bom_encoding) or "utf-8"
        return Decoded(body[len(bom) :].decode(encoding, "replace"), encoding, encoding, "bom")
    declared = declared_encoding(body, content_type)
    if declared and (text := _strict(body, declared)) is not None:
        return Decoded(text, declared, declared, "declared")
    if (text := _strict(body, "utf-8")) is not None:
        return Decoded(text, "utf-8", declared, "detected")
    match = from_bytes(body).best()
    encoding = _codec(match.encoding) if match is not None else None
    # charset-normalizer names the narrowest Chinese codec that fits; _strict decodes
    # with its superset so that a stray GB18030-only character does not break the page.
    if encoding and (text := _strict(body, encoding)) is not None:
        return Decoded(text, encoding, declared, "detected")
    encoding = declared or "gb18030"
    return Decoded(
        body.decode(_SUPERSET.get(encoding, encoding), "replace"), encoding, declared, "fallback"
    )
