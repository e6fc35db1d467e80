"""The ``recovery`` spider: every reachable page of the seeds' sites, fetched politely.

Run it as ``scamscan crawl SEED...`` or ``scrapy crawl recovery -a seeds=URL[,URL...]``
(other arguments: ``seeds_file``, ``allow_domains``, ``store``, ``jsonl``, ``resume``).
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.http import Response
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots
from twisted.python.failure import Failure

from crawler.items import PageItem
from crawler.records import NotAPage, page_record
from crawler.store import PageStore
from crawler.urls import InvalidURL, canonical_url, host_of


def read_seeds(
    seeds: str | Iterable[str] | None = None, seeds_file: str | None = None
) -> list[str]:
    """Seed URLs from a comma-separated string / list and a file (one per line, # comments).

    Raises InvalidURL naming the first bad seed, before anything is fetched.
    """
    raw: list[str] = []
    if isinstance(seeds, str):
        raw += seeds.split(",")
    elif seeds:
        raw += list(seeds)
    if seeds_file:
        lines = Path(seeds_file).read_text("utf-8").splitlines()
        raw += [ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    urls = [canonical_url(s) for s in (r.strip() for r in raw) if s]
    if not urls:
        raise InvalidURL("no seed URLs given")
    return list(dict.fromkeys(urls))


def crawl_key(seeds: list[str], allowed: Iterable[str]) -> str:
    """Identifies 'the same crawl' across restarts, for --resume."""
    material = "\n".join(sorted(seeds)) + "\n--\n" + "\n".join(sorted(allowed))
    return hashlib.sha256(material.encode()).hexdigest()[:32]


#: Exception class names (Twisted, Scrapy, builtins) -> the kind recorded in the store.
ERROR_KINDS = {
    "TimeoutError": "timeout",
    "DownloadTimeoutError": "timeout",
    "TCPTimedOutError": "timeout",
    "UserTimeoutError": "timeout",
    "ConnectionRefusedError": "connection_refused",
    "DownloadConnectionRefusedError": "connection_refused",
    "DownloadFailedError": "connection_failed",
    "ConnectError": "connection_failed",
    "ConnectionLost": "connection_lost",
    "ConnectionDone": "connection_lost",
    "ResponseNeverReceived": "connection_lost",
    "ResponseFailed": "connection_lost",
    "DNSLookupError": "dns",
    "CannotResolveHostError": "dns",
}


def error_kind(failure: Failure) -> str:
    """A short, stable name for why a request failed (http_404, timeout, robots_disallowed...)."""
    exc = failure.value
    response = getattr(exc, "response", None)
    if response is not None:
        return f"http_{response.status}"
    name = type(exc).__name__
    message = str(exc).lower()
    if name == "IgnoreRequest":
        if "robots" in message:
            return "robots_disallowed"
        if "max size" in message or "larger than" in message or "maxsize" in message:
            return "too_large"
        if "redirect" in message:
            return "redirect_limit"
        return "ignored"
    if name in ("CancelledError", "DownloadCancelledError"):
        # Scrapy cancels a download whose announced or received size passes DOWNLOAD_MAXSIZE.
        return "too_large" if "size" in message or not message else "cancelled"
    return ERROR_KINDS.get(name, name)


def host_allowed(host: str, allowed: set[str]) -> bool:
    """The host or a subdomain of it (a site that redirects example.com -> www.example.com)."""
    return host in allowed or any(host.endswith("." + a) for a in allowed)


class RecoverySpider(scrapy.Spider):
    name = "recovery"

    def __init__(
        self,
        seeds: str | list[str] | None = None,
        seeds_file: str | None = None,
        allow_domains: str | list[str] | None = None,
        store: str | None = None,
        jsonl: str | None = None,
        resume: bool | str = False,
        crawl_id: str | None = None,
        *args: Any,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.seeds = read_seeds(seeds, seeds_file)
        extra = (
            allow_domains.split(",")
            if isinstance(allow_domains, str)
            else list(allow_domains or [])
        )
        self.allowed_hosts = {host_of(s) for s in self.seeds} | {
            d.strip().lower() for d in extra if d.strip()
        }
        self.allowed_domains = sorted(self.allowed_hosts)
        self.store_url = store
        self.jsonl = jsonl
        self.resume = str(resume).lower() in ("1", "true", "yes")
        self.key = crawl_key(self.seeds, self.allowed_hosts)
        self.crawl_id = crawl_id
        self.query_variants: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.summary: dict[str, Any] | None = None

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.store = PageStore(spider.store_url or crawler.settings.get("SCAMSCAN_STORE"))
        spider.max_query_variants = crawler.settings.getint("SCAMSCAN_MAX_QUERY_VARIANTS", 30)
        spider.depth_limit = crawler.settings.getint("DEPTH_LIMIT", 0)
        spider.url_length_limit = crawler.settings.getint("URLLENGTH_LIMIT", 2083)
        crawler.signals.connect(spider.on_dropped, signal=signals.request_dropped)
        previous = spider.store.unfinished_crawl(spider.key) if spider.resume else None
        spider.resuming = bool(previous) and spider.crawl_id in (None, previous)
        if spider.resuming:
            spider.crawl_id = previous
        else:
            spider.crawl_id = spider.crawl_id or str(uuid.uuid4())
            spider.store.start_crawl(spider.crawl_id, spider.key, spider.seeds)
        return spider

    # requests

    def _request(self, url: str, depth: int, **kwargs: Any) -> scrapy.Request:
        # frontier_url survives redirects and retries: the page is stored, or its
        # failure recorded, under the URL the crawl decided to fetch.
        return scrapy.Request(
            url,
            callback=self.parse,
            errback=self.on_error,
            meta={"depth": depth, "frontier_url": url},
            **kwargs,
        )

    async def start(self) -> AsyncIterator[scrapy.Request]:
        # Idempotent: on resume this also covers a kill before the seeds were recorded.
        self.store.add_to_frontier(self.crawl_id, [(u, 0) for u in self.seeds])
        if self.resuming:
            # The frontier holds every URL decided on but not yet stored: re-issue them
            # all, past the duplicate filter, which remembers them from the frontier.
            pending = self.store.pending(self.crawl_id)
            self.logger.info("resuming crawl %s: %d URLs pending", self.crawl_id, len(pending))
            for url, depth in pending:
                yield self._request(url, depth, dont_filter=True)
        else:
            for url in self.seeds:
                yield self._request(url, 0)
        # Sitemaps again on resume too: pages only a sitemap lists may not be in the
        # frontier yet; the duplicate filter drops what was already decided.
        for root in sorted({f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in self.seeds}):
            for path in ("/robots.txt", "/sitemap.xml"):
                yield scrapy.Request(
                    root + path,
                    callback=self.parse_sitemap,
                    errback=self.on_sitemap_error,
                    meta={"depth": 0, "dont_retry": path == "/robots.txt"},
                )

    def follow_links(self, urls: Iterable[str], depth: int) -> list[tuple[str, int]]:
        """The links worth requesting: http(s), not too long, on an allowed host (or a
        subdomain of one), within depth, not a query trap."""
        chosen = []
        if self.depth_limit and depth > self.depth_limit:
            return chosen
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or len(url) > self.url_length_limit:
                continue  # Scrapy's UrlLengthMiddleware would drop it silently later
            if not host_allowed(parts.hostname or "", self.allowed_hosts):
                continue
            if parts.path == "/robots.txt" or parts.path.endswith("sitemap.xml"):
                continue  # fetched once per host by start(), not as pages
            if parts.query:
                variants = self.query_variants[(parts.netloc, parts.path)]
                if parts.query not in variants and len(variants) >= self.max_query_variants:
                    continue
                variants.add(parts.query)
            chosen.append((url, depth))
        return chosen

    # callbacks

    def parse_sitemap(self, response: Response):
        """robots.txt Sitemap: lines and sitemap.xml (and sitemap indexes): more pages to visit."""
        if response.url.endswith("/robots.txt"):
            for url in sitemap_urls_from_robots(response.body, base_url=response.url):
                yield scrapy.Request(
                    url, callback=self.parse_sitemap, errback=self.on_sitemap_error
                )
            return
        try:
            sitemap = Sitemap(response.body)
        except Exception:
            self.logger.info("unreadable sitemap %s", response.url)
            return
        locs = []
        for entry in sitemap:
            try:
                locs.append(canonical_url(entry["loc"]))
            except (InvalidURL, KeyError):
                continue
        if sitemap.type == "sitemapindex":
            for url in locs:
                yield scrapy.Request(
                    url, callback=self.parse_sitemap, errback=self.on_sitemap_error
                )
            return
        follow = self.follow_links(locs, 1)
        self.store.add_to_frontier(self.crawl_id, follow)
        for url, depth in follow:
            yield self._request(url, depth)

    def on_sitemap_error(self, failure: Failure) -> None:
        self.logger.debug("no sitemap at %s: %s", failure.request.url, failure.value)

    def parse(self, response: Response):
        request_url = response.meta.get("frontier_url") or canonical_url(response.url)
        depth = response.meta.get("depth", 0)
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        try:
            record = page_record(
                url=request_url,
                final_url=response.url,
                status=response.status,
                content_type=content_type,
                body=response.body,
                crawl_id=self.crawl_id,
                depth=depth,
            )
        except NotAPage as exc:
            self._skip(request_url, exc.kind, str(exc))
            return
        except Exception as exc:
            self.logger.exception("extraction failed for %s", response.url)
            self._skip(request_url, "extraction_error", f"{type(exc).__name__}: {exc}")
            return
        follow = self.follow_links(record.page.links, depth + 1)
        yield PageItem(**record.row, follow=follow)
        for url, d in follow:
            yield self._request(url, d)

    def on_error(self, failure: Failure) -> None:
        request = failure.request
        url = request.meta.get("frontier_url") or canonical_url(request.url)
        self._skip(url, error_kind(failure), str(failure.value)[:500])

    def on_dropped(self, request: scrapy.Request, spider: scrapy.Spider | None = None) -> None:
        """A redirect to a URL already crawled (or queued) is dropped by the duplicate filter.

        Only redirected requests are closed here: a plain duplicate link points at a URL
        whose own request is still on its way and must stay pending.
        """
        frontier_url = request.meta.get("frontier_url")
        if frontier_url and request.meta.get("redirect_urls"):
            self._skip(frontier_url, "redirect_duplicate", f"redirects to {request.url}")

    def _skip(self, url: str, kind: str, detail: str) -> None:
        self.crawler.stats.inc_value(f"scamscan/error/{kind}")
        self.logger.info("skipped %s: %s (%s)", url, kind, detail[:200])
        self.store.record_error(self.crawl_id, url, kind, detail)
