"""One fetched response -> the page record the store keeps, the same for a crawl and a check.

The spider and the API's check-url both call ``page_record``: a page pasted by a
moderator and a crawled page are decoded, extracted and hashed the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crawler.decoding import decode_html
from crawler.extract import Extracted, extract
from crawler.pipelines import content_hash
from crawler.store import compress, now
from crawler.urls import host_of

HTML_TYPES = ("text/html", "application/xhtml+xml")


class NotAPage(ValueError):
    """A response with nothing to store as a page; ``kind`` is the store's error kind."""

    def __init__(self, kind: str, detail: str):
        super().__init__(detail)
        self.kind = kind


@dataclass(frozen=True)
class PageRecord:
    row: dict[str, Any]  #: the store's columns (no content-hash dedup across pages)
    page: Extracted


def is_html(content_type: str, body: bytes) -> bool:
    if content_type:
        return content_type.split(";")[0].strip().lower() in HTML_TYPES
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in head


def page_record(
    *,
    url: str,
    final_url: str,
    status: int,
    content_type: str,
    body: bytes,
    crawl_id: str,
    depth: int = 0,
) -> PageRecord:
    """Decode and extract a response; NotAPage (empty, not HTML, unparsable) otherwise."""
    if not body:
        raise NotAPage("empty_body", f"HTTP {status} with no body")
    if not is_html(content_type, body):
        raise NotAPage("not_html", content_type or "no content type")
    decoded = decode_html(body, content_type)
    try:
        page = extract(decoded.text, final_url)
    except ValueError as exc:
        raise NotAPage("unparsable", str(exc)) from exc
    row = {
        "url": url,
        "final_url": final_url,
        "host": host_of(url),
        "status": status,
        "fetched_at": now(),
        "content_type": content_type,
        "encoding": decoded.encoding,
        "declared_encoding": decoded.declared,
        "raw_html": compress(body),
        "depth": depth,
        "crawl_id": crawl_id,
        "title": page.title,
        "text": page.text,
        "main_text": page.main_text,
        "blocks": page.blocks_as_dicts(),
        "links": page.links,
        "contact_links": page.contact_links,
        "images": page.images,
        "icp": page.icp,
    }
    return PageRecord(row, page)


def with_content_hash(row: dict[str, Any]) -> dict[str, Any]:
    """The row plus its content hash (the crawl's dedup pipeline sets it otherwise)."""
    return {**row, "content_hash": content_hash(row["text"], row["contact_links"], row["images"])}
