"""Downloader middleware: retries that back off, and wait as long as the server asks."""

from __future__ import annotations

import asyncio
import logging
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response

from crawler.store import now

log = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date; None if unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        return max(0.0, (parsedate_to_datetime(text) - now()).total_seconds())
    except (TypeError, ValueError):
        return None


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, but waits before each retry.

    Exponential back-off (base x 2^retries, capped), or the server's Retry-After
    when it sends one (also capped): hammering a 429 is what gets a crawler banned.
    The wait is asynchronous, so other hosts keep downloading meanwhile.
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("SCAMSCAN_RETRY_BACKOFF_BASE", 0.5)
        self.cap = settings.getfloat("SCAMSCAN_RETRY_BACKOFF_MAX", 60.0)

    def delay_for(self, request: Request, response: Response | None) -> float:
        asked = retry_after_seconds(response.headers.get("Retry-After")) if response else None
        if asked is not None:
            return min(asked, self.cap)
        return min(self.base * 2 ** request.meta.get("retry_times", 0), self.cap)

    async def process_response(self, request: Request, response: Response, spider=None):
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, f"HTTP {response.status}")
        if retry is None:
            return response
        delay = self.delay_for(request, response)
        log.debug("retrying %s in %.1fs (HTTP %d)", request.url, delay, response.status)
        await asyncio.sleep(delay)
        return retry

    async def process_exception(self, request: Request, exception: Exception, spider=None):
        if request.meta.get("dont_retry") or not isinstance(exception, self.exceptions_to_retry):
            return None
        retry = self._retry(request, exception)
        if retry is not None:
            await asyncio.sleep(self.delay_for(request, None))
        return retry
