"""Duplicate filtering that survives a SIGKILL.

Scrapy's RFPDupeFilter remembers fingerprints in memory, or in
JOBDIR/requests.seen, from the moment a request is *scheduled*. After a kill
that memory is gone, or holds requests whose pages were never stored. This
filter keeps Scrapy's request fingerprinting but, on resume, takes its memory
from the store's frontier, which only holds what was committed: pages already
stored are not fetched again, and nothing pending is forgotten.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.dupefilters import RFPDupeFilter


class FrontierDupeFilter(RFPDupeFilter):
    def __init__(self, crawler: Crawler, debug: bool = False):
        super().__init__(None, debug, fingerprinter=crawler.request_fingerprinter)
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierDupeFilter:
        return cls(crawler, crawler.settings.getbool("DUPEFILTER_DEBUG"))

    def open(self) -> None:
        spider = self.crawler.spider
        store = getattr(spider, "store", None)
        if store is None or not getattr(spider, "resuming", False):
            return
        for url in store.frontier_urls(spider.crawl_id):
            self._fingerprints.add(self._fingerprint(Request(url)))
