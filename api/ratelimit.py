"""Per-key rate limits: a token bucket for each key (or, without keys, each client address).

In-process: with ``--workers N`` each worker keeps its own buckets, so a key
gets up to N times its rate; the rate is meant to stop a runaway client, not
to meter it.
"""

from __future__ import annotations

import threading
import time

#: Buckets kept before the full (idle) ones are dropped.
MAX_BUCKETS = 10_000


class TokenBuckets:
    def __init__(self, rate: float, burst: int, clock=time.monotonic):
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, rate: float | None = None) -> float:
        """Spend one token; 0.0 if allowed, else the seconds until one is available."""
        rate = self.rate if rate is None else rate
        if rate <= 0:
            return 0.0
        burst = max(self.burst, 1)
        with self._lock:
            now = self._clock()
            tokens, last = self._buckets.get(key, (float(burst), now))
            tokens = min(float(burst), tokens + (now - last) * rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return (1.0 - tokens) / rate
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > MAX_BUCKETS:
                self._prune(now)
            return 0.0

    def _prune(self, now: float) -> None:
        """Drop buckets idle long enough to be full again: forgetting them changes nothing."""
        full_after = self.burst / self.rate if self.rate > 0 else 0.0
        for key in [k for k, (_, last) in self._buckets.items() if now - last >= full_after]:
            del self._buckets[key]
