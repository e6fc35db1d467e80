"""The state one worker of the service holds: settings, store, model, limits, metrics.

The model loads in a background thread at startup (the first run trains it,
about a minute), so /healthz answers at once and /readyz says when scoring can
start; scoring before then is a 503 ``model_loading`` with Retry-After.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

import anyio

from api.errors import ApiError
from api.metrics import Metrics
from api.ratelimit import TokenBuckets
from api.settings import Settings
from api.store import ApiStore
from classifier.scorer import Scorer

log = logging.getLogger(__name__)
T = TypeVar("T")


class Service:
    def __init__(self, settings: Settings, scorer: Scorer | None = None):
        self.settings = settings
        self.store = ApiStore(settings.store)
        self.metrics = Metrics()
        self.buckets = TokenBuckets(settings.rate_limit, settings.rate_burst)
        self.scoring_slots = anyio.CapacityLimiter(settings.scoring_threads)
        self.scorer: Scorer | None = scorer
        self.load_error: str | None = None
        keys = self.store.active_key_count()
        self.open_mode = keys == 0 and settings.allow_open
        if self.open_mode:
            log.warning("no API keys: serving WITHOUT authentication (loopback only)")
        elif keys == 0:
            log.warning("no API keys exist: every /v1 request is refused until one is created")

    def start_loading(self) -> threading.Thread | None:
        if self.scorer is not None:
            return None
        thread = threading.Thread(target=self._load, name="model-loader", daemon=True)
        thread.start()
        return thread

    def _load(self) -> None:
        try:
            scorer = Scorer.from_dir(self.settings.model)
        except Exception as exc:  # reported by /readyz and every scoring request
            log.exception("the model could not be loaded")
            self.load_error = f"{type(exc).__name__}: {exc}"
            return
        self.scorer = scorer
        log.info("model %s ready", scorer.version)

    def require_scorer(self) -> Scorer:
        if self.scorer is not None:
            return self.scorer
        if self.load_error:
            raise ApiError(503, "model_unavailable", f"the model failed to load: {self.load_error}")
        raise ApiError(
            503, "model_loading", "the model is still loading; retry shortly", {"Retry-After": "5"}
        )

    async def run(self, work: Callable[[], T]) -> T:
        """Run CPU-bound work on a worker thread, at most ``scoring_threads`` at once,
        giving up (503 ``timeout``) after ``request_timeout`` seconds."""
        try:
            with anyio.fail_after(self.settings.request_timeout):
                return await anyio.to_thread.run_sync(
                    work, limiter=self.scoring_slots, abandon_on_cancel=True
                )
        except TimeoutError:
            raise ApiError(
                503,
                "timeout",
                f"not done within {self.settings.request_timeout:g} s; try a smaller document",
            ) from None

    def close(self) -> None:
        self.store.close()
