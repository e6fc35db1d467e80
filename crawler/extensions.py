"""A live progress line while crawling, and a summary when the crawl ends."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from twisted.internet import task

log = logging.getLogger(__name__)


def crawl_summary(stats: dict[str, Any]) -> dict[str, Any]:
    """Pages by status, errors by kind, bytes and time, from Scrapy's stats."""
    statuses = {
        k.rsplit("/", 1)[1]: v
        for k, v in stats.items()
        if k.startswith("downloader/response_status_count/")
    }
    errors = {k.split("/", 2)[2]: v for k, v in stats.items() if k.startswith("scamscan/error/")}
    return {
        "pages_stored": stats.get("scamscan/pages_stored", 0),
        "responses_by_status": dict(sorted(statuses.items())),
        "errors_by_kind": dict(sorted(errors.items())),
        "bytes": stats.get("downloader/response_bytes", 0),
        "seconds": round(float(stats.get("elapsed_time_seconds", 0.0)), 2),
        "finish_reason": stats.get("finish_reason"),
    }


def format_summary(summary: dict[str, Any]) -> str:
    statuses = ", ".join(f"{k}: {v}" for k, v in summary["responses_by_status"].items()) or "none"
    errors = ", ".join(f"{k}: {v}" for k, v in summary["errors_by_kind"].items()) or "none"
    return (
        f"crawl finished ({summary['finish_reason']}): {summary['pages_stored']} pages stored "
        f"in {summary['seconds']} s, {summary['bytes']:,} bytes; "
        f"responses by status: {statuses}; errors by kind: {errors}"
    )


class CrawlProgress:
    """Pages, pages/s, errors and queue: a redrawn line on a terminal, a log line otherwise."""

    def __init__(self, crawler: Crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.tty = sys.stderr.isatty()
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        interval = crawler.settings.getfloat(
            "SCAMSCAN_PROGRESS_INTERVAL", 1.0 if sys.stderr.isatty() else 10.0
        )
        ext = cls(crawler, interval)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.report)
        self.loop.start(self.interval, now=False)

    def line(self) -> str:
        stats = self.crawler.stats
        pages = stats.get_value("scamscan/pages_stored", 0)
        errors = sum(v for k, v in stats.get_stats().items() if k.startswith("scamscan/error/"))
        queue = stats.get_value("scheduler/enqueued", 0) - stats.get_value("scheduler/dequeued", 0)
        rate = pages / max(time.monotonic() - self.started, 1e-9)
        return f"pages {pages} | {rate:.1f} pages/s | errors {errors} | queue {queue}"

    def report(self) -> None:
        if self.tty:
            sys.stderr.write("\r" + self.line() + " " * 8)
            sys.stderr.flush()
        else:
            log.info(self.line())

    def spider_closed(self, spider, reason) -> None:
        if self.loop and self.loop.running:
            self.loop.stop()
        if self.tty:
            sys.stderr.write("\r" + self.line() + "\n")
        summary = crawl_summary(self.crawler.stats.get_stats())
        summary["finish_reason"] = reason
        summary["frontier"] = spider.store.frontier_counts(spider.crawl_id)
        # Ctrl-C ("shutdown") leaves the crawl resumable; anything else ends it.
        spider.store.finish_crawl(spider.crawl_id, summary, finished=reason != "shutdown")
        spider.summary = summary
        log.info(format_summary(summary))
