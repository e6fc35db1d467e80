"""Run the ``recovery`` spider in-process with the project's settings (``scamscan crawl``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.spiders.recovery import RecoverySpider, read_seeds


class CrawlFailed(RuntimeError):
    """The spider could not start or stopped without a summary (e.g. an unusable store)."""


@dataclass
class CrawlOptions:
    seeds: list[str]
    seeds_file: str | None = None
    allow_domains: list[str] = field(default_factory=list)
    max_pages: int | None = None
    depth: int | None = None
    store: str = "sqlite:///scamscan.db"
    jsonl: str | None = None
    resume: bool = False
    autothrottle: bool = True
    settings: dict[str, Any] = field(default_factory=dict)


def project_settings() -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    return settings


def build_settings(options: CrawlOptions) -> Settings:
    settings = project_settings()
    overrides: dict[str, Any] = {
        "SCAMSCAN_STORE": options.store,
        "AUTOTHROTTLE_ENABLED": options.autothrottle,
    }
    if options.max_pages:
        overrides["CLOSESPIDER_ITEMCOUNT"] = options.max_pages
    if options.depth is not None:
        overrides["DEPTH_LIMIT"] = options.depth
    overrides.update(options.settings)
    settings.setdict(overrides, priority="cmdline")
    return settings


def run_crawl(options: CrawlOptions) -> dict[str, Any]:
    """Crawl until done; returns the summary (pages, statuses, errors, bytes, time).

    Seeds are validated first: a bad one raises InvalidURL before any request.
    """
    seeds = read_seeds(options.seeds, options.seeds_file)
    settings = build_settings(options)
    process = CrawlerProcess(settings, install_root_handler=False)
    # Scrapy's logging config turns its own loggers up to DEBUG; follow the caller's level.
    logging.getLogger("scrapy").setLevel(logging.getLogger().getEffectiveLevel())
    crawler = process.create_crawler(RecoverySpider)
    process.crawl(
        crawler,
        seeds=seeds,
        allow_domains=options.allow_domains,
        store=options.store,
        jsonl=options.jsonl,
        resume=options.resume,
    )
    process.start()
    spider = crawler.spider
    if spider is None or spider.summary is None:
        raise CrawlFailed("the crawl did not run to its end; see the log above")
    summary = dict(spider.summary)
    summary["crawl_id"] = spider.crawl_id
    summary["store"] = options.store
    return summary
