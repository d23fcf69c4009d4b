"""Per-client request limits behind a tiny interface.

Why this exists: one person (or a script) hammering the advisor must not starve everyone else on
a 2-core machine. The API only knows ``RateLimiter.hit(key)``: with one process the counters live
here (a sliding-window log per client IP); with several workers ``bot.api.scaleout`` keeps them in
the shared database so that every worker enforces the same budget, without touching the routes.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

__all__ = ["RateDecision", "RateLimiter", "SlidingWindowLimiter"]


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    remaining: int
    retry_after: int = 0  # whole seconds until the next request would be allowed


class RateLimiter(Protocol):
    """What the API needs from a rate limiter: count one request for ``key`` and decide."""

    limit: int

    def hit(self, key: str) -> RateDecision: ...


class SlidingWindowLimiter:
    """At most ``limit`` requests per ``window`` seconds per key, counted over a sliding window.

    In-process and thread-safe; with several worker processes each keeps its own counters.
    """

    def __init__(
        self, limit: int, window: float = 60.0, *, clock: Callable[[], float] = time.monotonic, max_keys: int = 50_000
    ) -> None:
        self.limit, self.window, self._clock, self._max_keys = limit, window, clock, max_keys
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> RateDecision:
        now = self._clock()
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                if len(self._hits) >= self._max_keys:
                    self._forget_idle(now)
                hits = self._hits[key] = deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                wait = hits[0] + self.window - now
                return RateDecision(False, 0, max(1, math.ceil(wait)))
            hits.append(now)
            return RateDecision(True, self.limit - len(hits))

    def _forget_idle(self, now: float) -> None:
        idle = [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]
        for key in idle:
            del self._hits[key]
