"""The only code that talks to Meta's Graph API: messages and media, with Meta's limits respected.

Why this exists, and why httpx rather than ``pywa``: every send must (1) retry with backoff on 429
and 5xx, (2) never repeat a message whose first try may have been delivered (a read timeout: Meta
may have accepted it; repeating would show the user the answer twice, the rule the Telegram
channel follows in ``bot.telegram.app``), (3) keep a per-user pace so the pair rate limit is not
hit, and (4) be pointed at a fake Graph API on loopback in tests. pywa 4.5 hard-codes
``https://graph.facebook.com/v{version}`` in ``GraphAPI.__init__`` (reachable only by mutating its
private session afterwards), has no retry policy of its own, and its FastAPI integration would
take over the webhook route that must verify, deduplicate and acknowledge first; so this channel
uses httpx directly. Nothing here logs a phone number: callers pass the pseudonymous key too.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from weakref import WeakValueDictionary

import httpx

__all__ = ["GraphClient", "GraphError", "GraphPolicy", "Uncertain"]

log = logging.getLogger(__name__)


class GraphError(RuntimeError):
    """Meta refused the request (after retries for the retryable kinds)."""

    def __init__(self, status: int, code: str, title: str) -> None:
        super().__init__(f"graph api {status} ({code}): {title}")
        self.status, self.code, self.title = status, code, title


class Uncertain(GraphError):
    """The request may have been delivered (the answer never came): it is not repeated."""


@dataclass(frozen=True)
class GraphPolicy:
    retries: int = 3
    backoff: float = 0.5
    max_backoff: float = 8.0
    timeout: float = 10.0
    pace: float = 1.0  # least seconds between two messages to the same user


def _error_of(response: httpx.Response) -> tuple[str, str]:
    try:
        error = response.json().get("error") or {}
        return str(error.get("code", response.status_code)), str(error.get("message", ""))[:200]
    except ValueError:
        return str(response.status_code), response.text[:200]


class GraphClient:
    """``POST {base}/{phone_number_id}/messages`` and ``/media`` with a bearer token."""

    def __init__(self, base_url: str, phone_number_id: str, token: str, policy: GraphPolicy | None = None) -> None:
        self.policy = policy or GraphPolicy()
        self._url = f"{base_url.rstrip('/')}/{phone_number_id}"
        self._http = httpx.AsyncClient(
            headers={"Authorization": f"Bearer {token}"}, timeout=httpx.Timeout(self.policy.timeout)
        )
        self._last_sent: dict[str, float] = {}
        self._user_locks: WeakValueDictionary[str, asyncio.Lock] = WeakValueDictionary()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def send(self, user_key: str, to: str, body: dict) -> str | None:
        """Send one message; its id. ``Uncertain`` when it may have arrived, ``GraphError`` otherwise.

        Messages to one user go one at a time, each at least ``policy.pace`` seconds after the
        previous one was answered, which keeps clear of Meta's per-pair rate limit."""
        lock = self._user_locks.get(user_key)
        if lock is None:
            lock = self._user_locks[user_key] = asyncio.Lock()
        async with lock:
            wait = self._last_sent.get(user_key, 0.0) + self.policy.pace - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, **body}
            try:
                response = await self._post("messages", repeat_if_unsure=False, json=payload)
            finally:
                self._last_sent[user_key] = time.monotonic()
                if len(self._last_sent) > 10_000:  # forget users whose pause is long over
                    cutoff = time.monotonic() - self.policy.pace
                    self._last_sent = {k: v for k, v in self._last_sent.items() if v > cutoff}
        return (response.json().get("messages") or [{}])[0].get("id")

    async def upload(self, data: bytes, mime: str, filename: str) -> str:
        """Upload a file to the media endpoint; its media id. An orphan upload is harmless, so a
        timed-out upload is tried again."""
        files = {"file": (filename, data, mime)}
        response = await self._post(
            "media", repeat_if_unsure=True, data={"messaging_product": "whatsapp", "type": mime}, files=files
        )
        return str(response.json()["id"])

    async def _post(self, endpoint: str, *, repeat_if_unsure: bool, **kwargs) -> httpx.Response:
        delay = self.policy.backoff
        for attempt in range(self.policy.retries + 1):
            last = attempt == self.policy.retries
            try:
                response = await self._http.post(f"{self._url}/{endpoint}", **kwargs)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
                if last:  # never reached Meta: safe to try again, but we ran out of tries
                    raise GraphError(0, "network", type(error).__name__) from error
                reason = type(error).__name__
            except httpx.TransportError as error:  # sent, no answer: Meta may have accepted it
                if not repeat_if_unsure or last:
                    log.warning(
                        "whatsapp %s: no answer (%s); not repeated, it may have arrived", endpoint, type(error).__name__
                    )
                    raise Uncertain(0, "uncertain", type(error).__name__) from error
                reason = type(error).__name__
            else:
                if response.status_code < 300:
                    return response
                code, title = _error_of(response)
                if response.status_code != 429 and response.status_code < 500 or last:
                    log.warning("whatsapp %s refused: %s %s %s", endpoint, response.status_code, code, title)
                    raise GraphError(response.status_code, code, title)
                reason = f"{response.status_code} {code}"
                retry_after = response.headers.get("Retry-After", "")
                if retry_after.isdigit():
                    delay = max(delay, min(float(retry_after), self.policy.max_backoff))
            log.info("whatsapp %s: %s; retry %d in %.2fs", endpoint, reason, attempt + 1, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.policy.max_backoff)
        raise AssertionError("unreachable")
