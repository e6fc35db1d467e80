"""Run the ``recovery`` spider in-process with the project's settings (``scamscan crawl``)."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from sqlalchemy.engine import make_url

from crawler.spiders.recovery import RecoverySpider, crawl_key, read_seeds
from crawler.urls import host_of


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
    job_dir: str | None = None
    autothrottle: bool = True
    settings: dict[str, Any] = field(default_factory=dict)


def project_settings() -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    return settings


def default_job_dir(store_url: str, key: str) -> Path:
    """Beside the SQLite file, else in the working folder: ``.scamscan-jobs/<crawl key>``."""
    url = make_url(store_url)
    base = Path(".")
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        base = Path(url.database).expanduser().resolve().parent
    return base / ".scamscan-jobs" / key


def build_settings(options: CrawlOptions, seeds: list[str]) -> tuple[Settings, Path]:
    settings = project_settings()
    key = crawl_key(seeds, {host_of(s) for s in seeds} | {d.lower() for d in options.allow_domains})
    job_dir = Path(options.job_dir) if options.job_dir else default_job_dir(options.store, key)
    if not options.resume and job_dir.exists():
        shutil.rmtree(job_dir)  # a fresh crawl must not inherit the last one's seen-set
    overrides: dict[str, Any] = {
        "JOBDIR": str(job_dir),
        "SCAMSCAN_STORE": options.store,
        "AUTOTHROTTLE_ENABLED": options.autothrottle,
    }
    if options.max_pages:
        overrides["CLOSESPIDER_ITEMCOUNT"] = options.max_pages
    if options.depth is not None:
        overrides["DEPTH_LIMIT"] = options.depth
    overrides.update(options.settings)
    settings.setdict(overrides, priority="cmdline")
    return settings, job_dir


def run_crawl(options: CrawlOptions) -> dict[str, Any]:
    """Crawl until done; returns the summary (pages, statuses, errors, bytes, time).

    Seeds are validated first: a bad one raises InvalidURL before any request.
    """
    seeds = read_seeds(options.seeds, options.seeds_file)
    settings, _ = build_settings(options, seeds)
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
    summary = dict(spider.summary or {}) if spider else {}
    summary["crawl_id"] = getattr(spider, "crawl_id", None)
    summary["store"] = options.store
    return summary
