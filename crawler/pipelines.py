"""Item pipelines: mark duplicate content, then store the page."""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path

from datasketch import MinHash, MinHashLSH
from scrapy.crawler import Crawler

from crawler.items import PageItem
from crawler.store import PageStore, export_jsonl

log = logging.getLogger(__name__)
_WS = re.compile(r"\s+")
SHINGLE = 5


#: Texts shorter than this (whitespace removed) are not compared for near-duplicates:
#: a QR-image-only page and a one-line ad would match anything as short.
MIN_NEAR_DUP_CHARS = 50


def content_hash(text: str, contact_links: list[dict] = (), images: list[dict] = ()) -> str:
    """SHA-256 of what a moderator would compare: the words (whitespace removed), the
    contact links and the images. Swapping the QQ number behind a widget is a change."""
    digest = hashlib.sha256(_WS.sub("", text).encode("utf-8"))
    for link in contact_links:
        digest.update(b"\0link:" + link.get("url", "").encode("utf-8"))
    for image in images:
        digest.update(b"\0img:" + image.get("src", "").encode("utf-8"))
    return digest.hexdigest()


def minhash(text: str, num_perm: int) -> MinHash:
    compact = _WS.sub("", text)
    grams = {compact[i : i + SHINGLE] for i in range(max(1, len(compact) - SHINGLE + 1))}
    m = MinHash(num_perm=num_perm, seed=1)
    m.update_batch([g.encode("utf-8") for g in grams])
    return m


class DedupPipeline:
    """Exact duplicates by content hash, near-duplicates by MinHash LSH.

    Duplicates are kept (a moderator may need either URL) and marked with the
    URL of the page they repeat.
    """

    def __init__(self, threshold: float, num_perm: int):
        self.threshold = threshold
        self.num_perm = num_perm
        self.by_hash: dict[str, str] = {}
        self.lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        s = crawler.settings
        pipeline = cls(
            s.getfloat("SCAMSCAN_NEAR_DUP_THRESHOLD"), s.getint("SCAMSCAN_NEAR_DUP_PERMUTATIONS")
        )
        pipeline.crawler = crawler
        return pipeline

    def open_spider(self, spider=None) -> None:
        # On resume, the pages stored before the kill are the originals to compare with.
        spider = spider or self.crawler.spider
        store: PageStore | None = getattr(spider, "store", None)
        if store is None:
            return
        for row in store.iter_pages(
            spider.crawl_id, ["url", "text", "content_hash", "near_duplicate_of"]
        ):
            if not row["near_duplicate_of"]:
                self._remember(row["url"], row["content_hash"], row["text"] or "")

    def _remember(self, url: str, digest: str, text: str, mh: MinHash | None = None) -> None:
        self.by_hash.setdefault(digest, url)
        if len(_WS.sub("", text)) >= MIN_NEAR_DUP_CHARS and url not in self.lsh.keys:
            self.lsh.insert(url, mh or minhash(text, self.num_perm))

    def process_item(self, item: PageItem, spider=None) -> PageItem:
        text = item["text"] or ""
        digest = content_hash(text, item.get("contact_links") or [], item.get("images") or [])
        item["content_hash"] = digest
        item["near_duplicate_of"] = None
        original = self.by_hash.get(digest)
        if original and original != item["url"]:
            item["near_duplicate_of"] = original
            return item
        if len(_WS.sub("", text)) < MIN_NEAR_DUP_CHARS:
            self.by_hash.setdefault(digest, item["url"])
            return item
        mh = minhash(text, self.num_perm)
        similar = sorted(u for u in self.lsh.query(mh) if u != item["url"])
        if similar:
            item["near_duplicate_of"] = similar[0]
            return item
        self._remember(item["url"], digest, text, mh)
        return item


class StorePipeline:
    """Write each page, and the links it adds to the frontier, in one transaction."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def process_item(self, item: PageItem, spider=None) -> PageItem:
        spider = spider or self.crawler.spider
        row = {k: v for k, v in item.items() if k != "follow"}
        spider.store.save_page(row, item.get("follow") or [])
        self.crawler.stats.inc_value("scamscan/pages_stored")
        return item

    def close_spider(self, spider=None) -> None:
        spider = spider or self.crawler.spider
        jsonl = getattr(spider, "jsonl", None)
        if jsonl:
            path = Path(jsonl)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", encoding="utf-8") as out:
                n = export_jsonl(spider.store, out, spider.crawl_id)
            log.info("exported %d pages to %s", n, path)
