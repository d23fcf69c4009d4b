"""What the HTTP app does differently when several workers share the state.

Why this exists: with ``asesor serve --workers N`` (or a database other than SQLite, i.e. several
machines) a per-process rate limit would give each client N budgets, so the counters move to the
shared database: one fixed one-minute window per client, counted with one atomic upsert, the same
on SQLite and PostgreSQL. ``X-Worker`` names the process that answered, so operators (and the
topology tests) can see requests spread over the workers.

Which counter ``make_rate_limiter`` builds is a trade between exactness and per-request cost (a
hot, cached answer is a few milliseconds):

- a database other than SQLite means workers may run on several machines: ``StoreWindowLimiter``
  counts every request with one upsert, so the budget is exact however requests are spread;
- several workers over SQLite share one machine: ``SyncedWindowLimiter`` decides in memory and
  sends each process's new hits to the database in the background, one upsert per active client
  every ``sync_seconds``; between two syncs a client can get at most one sync interval's worth of
  extra requests per worker.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.errors import Unavailable
from bot.settings import Settings

from .ratelimit import RateDecision, RateLimiter, SlidingWindowLimiter

if TYPE_CHECKING:
    from bot.services.operations import Operations

__all__ = [
    "StoreWindowLimiter",
    "SyncedWindowLimiter",
    "WorkerHeaderMiddleware",
    "app_operations",
    "make_rate_limiter",
    "shared_state",
]

log = logging.getLogger("bot.api")


def shared_state(settings: Settings) -> bool:
    """True when more than one process serves the same users."""
    return settings.workers > 1 or not settings.database_url.startswith("sqlite")


class StoreWindowLimiter:
    """At most ``limit`` requests per client per fixed window, counted in the shared database.

    If the database does not answer, requests are let through (and logged): questions do not
    need the database, and refusing everyone because a counter is unreachable helps nobody.
    """

    def __init__(
        self, limit: int, counter: Callable[[], Operations], *, window: int = 60, clock: Callable[[], float] = time.time
    ) -> None:
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

    def _cleanup(self, counter: Operations, now: float, start: int) -> None:
        """Drop finished windows, at most once per window per process."""
        with self._lock:
            if now < self._next_cleanup:
                return
            self._next_cleanup = now + self.window
        counter.forget_windows(start - self.window)


class SyncedWindowLimiter:
    """The shared fixed-window budget of ``StoreWindowLimiter``, decided without a database
    round-trip per request: hits are counted here and pushed (with the shared totals read back)
    by ``sync()``, which a background thread runs every ``sync_seconds``."""

    def __init__(
        self,
        limit: int,
        counter: Callable[[], Operations],
        *,
        window: int = 60,
        sync_seconds: float = 0.5,
        clock: Callable[[], float] = time.time,
        background: bool = True,
    ) -> None:
        self.limit, self.window, self.sync_seconds = limit, window, sync_seconds
        self._counter, self._clock, self._background = counter, clock, background
        self._lock = threading.Lock()
        self._window_start = -1
        self._shared: dict[str, int] = {}  # the database's total per client at the last sync
        self._pending: dict[str, int] = {}  # this process's hits not yet sent
        self._thread: threading.Thread | None = None
        self._next_cleanup = 0.0

    def hit(self, key: str) -> RateDecision:
        now = self._clock()
        start = int(now // self.window) * self.window
        key = key[:128]
        with self._lock:
            if start != self._window_start:  # a new window: every budget starts over
                self._window_start, self._shared, self._pending = start, {}, {}
            used = self._shared.get(key, 0) + self._pending.get(key, 0)
            if used >= self.limit:
                return RateDecision(False, 0, max(1, math.ceil(start + self.window - now)))
            self._pending[key] = self._pending.get(key, 0) + 1
        if self._background and self._thread is None:
            self._start()
        return RateDecision(True, self.limit - used - 1)

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._loop, name="rate-limit-sync", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while True:
            time.sleep(self.sync_seconds)
            try:
                self.sync()
            except Exception:  # never let the sync thread die: the next round tries again
                log.exception("no se pudo sincronizar el límite de solicitudes")

    def sync(self) -> None:
        """Send this process's new hits and learn the shared totals of the clients it saw."""
        with self._lock:
            start, pending, self._pending = self._window_start, self._pending, {}
        if not pending:
            return
        try:
            counter = self._counter()
            totals = {key: counter.count_hit(key, start, hits=hits) for key, hits in pending.items()}
            now = self._clock()
            if now >= self._next_cleanup:
                self._next_cleanup = now + self.window
                counter.forget_windows(start - self.window)
        except Unavailable as error:  # the operations service reports a missing store as Unavailable
            log.warning("límite de solicitudes sin base de datos (%s): se cuenta solo en este proceso", error)
            with self._lock:  # kept for the next try, and still counted here meanwhile
                if self._window_start == start:
                    for key, hits in pending.items():
                        self._pending[key] = self._pending.get(key, 0) + hits
            return
        with self._lock:
            if self._window_start == start:
                for key, total in totals.items():
                    self._shared[key] = total  # includes what was just sent; newer hits stay pending


def app_operations(app) -> Operations:
    """The operations service of the app (built in the lifespan)."""
    services = getattr(app.state, "services", None)
    if services is None:
        raise Unavailable(
            "El asesor todavía se está iniciando. Intente de nuevo en unos segundos.", code="asesor_iniciando"
        )
    return services.operations


def make_rate_limiter(settings: Settings, counter: Callable[[], Operations]) -> RateLimiter:
    """In-process counters for one process; database counters when the state is shared: exact
    (one upsert per request) when workers may be on several machines, synced in the background
    when they share one machine and its SQLite file."""
    if not shared_state(settings):
        return SlidingWindowLimiter(settings.rate_limit_per_minute)
    if not settings.database_url.startswith("sqlite"):
        return StoreWindowLimiter(settings.rate_limit_per_minute, counter)
    return SyncedWindowLimiter(settings.rate_limit_per_minute, counter)


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
