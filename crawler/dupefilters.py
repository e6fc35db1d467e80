"""Duplicate filtering that survives a SIGKILL.

Scrapy's RFPDupeFilter persists every fingerprint it has *scheduled* to
JOBDIR/requests.seen. After a kill that file remembers requests whose pages were
never stored and whose queue entries were lost, so a resumed crawl would skip
them forever. This filter keeps Scrapy's request fingerprinting but takes its
memory from the store's frontier, which only holds what was committed.
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
