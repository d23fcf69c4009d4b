"""What the HTTP app does differently when several workers share the state.

Why this exists: with ``asesor serve --workers N`` (or a database other than SQLite, i.e. several
machines) a per-process rate limit would give each client N budgets, so the counters move to the
shared database: one fixed one-minute window per client, counted with one atomic upsert, the same
on SQLite and PostgreSQL. ``X-Worker`` names the process that answered, so operators (and the
topology tests) can see requests spread over the workers.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from typing import TYPE_CHECKING, Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.errors import Unavailable
from bot.settings import Settings

from .ratelimit import RateDecision, RateLimiter, SlidingWindowLimiter

if TYPE_CHECKING:
    from bot.services.operations import Operations

__all__ = ["StoreWindowLimiter", "make_rate_limiter", "shared_state", "app_operations", "WorkerHeaderMiddleware"]

log = logging.getLogger("bot.api")


def shared_state(settings: Settings) -> bool:
    """True when more than one process serves the same users."""
    return settings.workers > 1 or not settings.database_url.startswith("sqlite")


class StoreWindowLimiter:
    """At most ``limit`` requests per client per fixed window, counted in the shared database.

    If the database does not answer, requests are let through (and logged): questions do not
    need the database, and refusing everyone because a counter is unreachable helps nobody.
    """

    def __init__(self, limit: int, counter: Callable[[], "Operations"], *, window: int = 60,
                 clock: Callable[[], float] = time.time) -> None:
        self.limit, self.window, self._counter, self._clock = limit, window, counter, clock
        self._next_cleanup = 0.0
        self._lock = threading.Lock()

    def hit(self, key: str) -> RateDecision:
        now = self._clock()
        start = int(now // self.window) * self.window
        try:
            counter = self._counter()
            count = counter.count_hit(key[:128], start)
            self._cleanup(counter, now, start)
        except Unavailable as error:
            log.warning("límite de solicitudes sin base de datos (%s): se deja pasar", error)
            return RateDecision(True, self.limit)
        if count > self.limit:
            return RateDecision(False, 0, max(1, math.ceil(start + self.window - now)))
        return RateDecision(True, self.limit - count)

    def _cleanup(self, counter: "Operations", now: float, start: int) -> None:
        """Drop finished windows, at most once per window per process."""
        with self._lock:
            if now < self._next_cleanup:
                return
            self._next_cleanup = now + self.window
        counter.forget_windows(start - self.window)


def app_operations(app) -> "Operations":
    """The operations service of the app (built in the lifespan)."""
    services = getattr(app.state, "services", None)
    if services is None:
        raise Unavailable("El asesor todavía se está iniciando. Intente de nuevo en unos segundos.",
                          code="asesor_iniciando")
    return services.operations


def make_rate_limiter(settings: Settings, counter: Callable[[], "Operations"]) -> RateLimiter:
    """In-process counters for one process; database counters when the state is shared."""
    if shared_state(settings):
        return StoreWindowLimiter(settings.rate_limit_per_minute, counter)
    return SlidingWindowLimiter(settings.rate_limit_per_minute)


class WorkerHeaderMiddleware:
    """Adds ``X-Worker: <pid>`` to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._value = str(os.getpid()).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_worker(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-worker", self._value)]
            await send(message)

        await self.app(scope, receive, send_with_worker)
