"""What every fake outside service shares: an aiohttp server on 127.0.0.1, recorded calls, faults.

Why this exists: the fake Bot API and the fake Graph API are real HTTP servers that record each
call (with the time it came) and can be told to fail the next call of an endpoint (a 429, a 5xx,
or an answer that arrives after the client's timeout). Starting the server, queueing and taking
faults, and waiting for a condition or for quiet are the same in both; each fake adds its routes,
its wire format and its inspection helpers.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

__all__ = ["Fault", "LoopbackFake"]


@dataclass
class Fault:
    kind: str  # "429", "500", "502", "503" or "timeout"
    retry_after: int = 1  # seconds a 429 asks for (Telegram says so; Meta does not)
    delay: float = 1.5  # how late a "timeout" answers


class LoopbackFake:
    """Subclasses set ``calls`` items with an ``at`` (monotonic) and implement ``routes`` and ``_describe``."""

    def __init__(self) -> None:
        self.calls: list[Any] = []
        self.faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._runner: web.AppRunner | None = None
        self.port = 0

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def _describe(self, call: Any) -> tuple:
        """A short (endpoint, status, body) line of a call, for timeout messages."""
        raise NotImplementedError

    async def start(self):
        app = web.Application()
        self.routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # --- faults -----------------------------------------------------------------------------------
    def fail_next(self, endpoint: str, kind: str, *, retry_after: int = 1, delay: float = 1.5) -> None:
        self.faults[endpoint].append(Fault(kind, retry_after, delay))

    def _take_fault(self, endpoint: str) -> Fault | None:
        return self.faults[endpoint].popleft() if self.faults[endpoint] else None

    # --- waiting ----------------------------------------------------------------------------------
    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            await asyncio.sleep(0.02)
        recent = [self._describe(c) for c in self.calls[-8:]]
        raise AssertionError(f"timed out waiting for {what}; last calls: {recent}")

    async def _wait_quiet(self, quiet: float, timeout: float, *, ignore=lambda call: False, done=lambda: True) -> bool:
        """True once no call (but the ignored ones) came for ``quiet`` seconds and ``done()`` holds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            busy = [c for c in self.calls if not ignore(c) and time.monotonic() - c.at < quiet]
            if not busy and done():
                return True
            await asyncio.sleep(0.05)
        return False
