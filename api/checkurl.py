"""check-url: fetch a page safely, extract it as the crawler does, store it, score it.

A result younger than the TTL, from the same model, is answered from the store
unless the caller asks for a refresh.
"""

from __future__ import annotations

import logging
from typing import Any

from api.errors import ApiError
from api.fetch import FetchPolicy, FetchRefused, fetch
from api.service import Service
from api.store import is_fresh
from classifier.document import InputRejected, from_page
from classifier.scorer import Scorer
from crawler.records import NotAPage, page_record, with_content_hash
from crawler.urls import InvalidURL, canonical_url

log = logging.getLogger(__name__)

#: The crawl id pages fetched by check-url are stored under.
CHECK_URL_CRAWL = "check-url"
#: FetchRefused codes that mean "this URL is not allowed", as opposed to "it failed".
REFUSAL_CODES = frozenset({"scheme", "credentials", "address", "url", "port"})


def fetch_policy(service: Service) -> FetchPolicy:
    settings = service.settings
    return FetchPolicy(
        allow_hosts=frozenset(h.lower().rstrip(".") for h in settings.fetch_allow_hosts),
        allow_networks=settings.allowed_networks,
    )


def _answer(page_id: int, page: dict[str, Any], scored: dict[str, Any], cached: bool) -> dict:
    return {
        "page_id": page_id,
        "url": page["url"],
        "final_url": page.get("final_url"),
        "fetched_at": page.get("fetched_at"),
        "scored_at": scored["scored_at"],
        "cached": cached,
        "result": scored["result"],
    }


def check_url(service: Service, scorer: Scorer, url: str, refresh: bool = False) -> dict:
    try:
        canonical = canonical_url(url)
    except InvalidURL as exc:
        raise ApiError(422, "invalid_url", str(exc)) from None
    store = service.store
    if not refresh:
        page = store.page(url=canonical)
        latest = store.latest_result(page["id"]) if page else None
        if (
            latest
            and latest["model_version"] == scorer.version
            and is_fresh(latest["scored_at"], service.settings.check_url_ttl)
        ):
            return _answer(page["id"], page, latest, cached=True)
    try:
        fetched = fetch(canonical, fetch_policy(service))
    except FetchRefused as exc:
        code = "url_refused" if exc.code in REFUSAL_CODES else f"fetch_{exc.code}"
        raise ApiError(422, code, str(exc)) from None
    if fetched.status >= 400:
        raise ApiError(422, "upstream_status", f"the page answered HTTP {fetched.status}")
    try:
        record = page_record(
            url=canonical,
            final_url=fetched.final_url,
            status=fetched.status,
            content_type=fetched.content_type or "",
            body=fetched.body,
            crawl_id=CHECK_URL_CRAWL,
        )
        doc = from_page(record.page)
    except NotAPage as exc:
        raise ApiError(422, "not_a_page", f"{exc.kind}: {exc}") from None
    except InputRejected as exc:
        raise ApiError(422, "input_rejected", str(exc)) from None
    except Exception as exc:  # a page that breaks extraction is the page's problem
        log.exception("extraction failed for %s", fetched.final_url)
        raise ApiError(
            422, "unparsable", f"the page could not be read: {type(exc).__name__}"
        ) from None
    result = scorer.score_document(doc)
    row = with_content_hash(record.row)
    page_id = store.save_checked_page(row, result)
    scored = store.latest_result(page_id)
    return _answer(page_id, row, scored, cached=False)
