"""The WhatsApp channel's view of the advisor: pseudonymous keys, async calls and one chat's sender.

Why this exists: phone numbers are personal data (Ley 1581 de 2012), so they become keyed hashes
(HMAC-SHA256 with ``ASESOR_WHATSAPP_ID_SALT``) here, before anything reaches the store or a log;
the number itself lives only in a ``Chat`` in memory, to address replies. The advisor is
synchronous, so every call goes through a worker thread. ``Chat.send`` is the single door to the
Graph API, and it refuses to send outside the 24-hour customer-service window: the check reads the
shared store, so it holds on every worker and after a restart. Per-user state (the diagnosis, the
recent answers awaiting 👍/👎, whether the privacy line was shown) lives in the advisor's store.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar
from weakref import WeakValueDictionary

from bot.channel_service import ChannelService

from .graph import GraphClient, GraphError

__all__ = ["Chat", "Keys", "Runtime"]

log = logging.getLogger(__name__)
T = TypeVar("T")
_RECENT_ANSWERS = 20


class Keys:
    """Store keys derived from a phone number with a keyed hash; the number never leaves."""

    def __init__(self, salt: str) -> None:
        self._salt = salt.encode()

    def _digest(self, phone: str) -> str:
        digits = "".join(c for c in phone if c.isdigit())
        return hmac.new(self._salt, f"wa:{digits}".encode(), hashlib.sha256).hexdigest()[:32]

    def user(self, phone: str) -> str:
        return f"wa:user:{self._digest(phone)}"

    def conversation(self, phone: str) -> str:
        return f"wa:{self._digest(phone)}"

    @staticmethod
    def offer(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass
class Runtime:
    advisor: Any
    service: ChannelService
    graph: GraphClient
    keys: Keys
    _locks: WeakValueDictionary = field(default_factory=WeakValueDictionary, repr=False)
    tasks: set = field(default_factory=set, repr=False)

    async def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(partial(function, *args, **kwargs))

    def lock(self, user_key: str) -> asyncio.Lock:
        """One user's messages are handled one at a time in this process, in arrival order."""
        lock = self._locks.get(user_key)
        if lock is None:
            lock = self._locks[user_key] = asyncio.Lock()
        return lock

    def chat(self, phone: str) -> Chat:
        return Chat(self, phone, self.keys.user(phone), self.keys.conversation(phone))


@dataclass
class Chat:
    """One user's conversation: their keys, their state and the sender."""

    rt: Runtime
    phone: str
    key: str
    conversation: str

    async def send(self, *bodies: dict) -> int:
        """Send ``bodies`` in order, only inside the 24-hour window; how many were sent. A message
        whose delivery is uncertain is not repeated, and the rest are still tried."""
        sent = 0
        for body in bodies:
            if not await self.rt.call(self.rt.service.window_open, self.key):
                log.info("whatsapp: customer-service window closed; %d message(s) not sent", len(bodies) - sent)
                return sent
            try:
                await self.rt.graph.send(self.key, self.phone, body)
                sent += 1
            except GraphError as error:
                log.warning("whatsapp: a %s message was not sent (%s)", body.get("type"), error.code)
        return sent

    async def upload(self, data: bytes, mime: str, filename: str) -> str:
        return await self.rt.graph.upload(data, mime, filename)

    # State in the advisor's store -------------------------------------------------------------
    async def state(self) -> dict:
        return await self.rt.call(self.rt.advisor.user_state, self.key)

    async def update_state(self, **changes: Any) -> dict:
        """Read-modify-write of this user's binding (one user's messages are serialised)."""
        def work() -> dict:
            data = {**self.rt.advisor.user_state(self.key), **changes}
            self.rt.advisor.set_user_state(self.key, data)
            return data

        return await self.rt.call(work)

    async def remember_answer(self, question: str, answer: str, sources: list[list]) -> str:
        key = secrets.token_hex(4)
        state = await self.state()
        recent = [*state.get("recent", []), {"k": key, "q": question, "a": answer, "s": sources}][-_RECENT_ANSWERS:]
        await self.update_state(recent=recent)
        return key

    async def recalled_answer(self, key: str) -> dict | None:
        return next((item for item in (await self.state()).get("recent", []) if item.get("k") == key), None)

    async def remember_offers(self, questions: list[str]) -> list[str]:
        keys = [Keys.offer(q) for q in questions]
        offers = {**(await self.state()).get("offers", {}), **dict(zip(keys, questions))}
        await self.update_state(offers=dict(list(offers.items())[-30:]))
        return keys

    async def offered(self, key: str) -> str | None:
        return (await self.state()).get("offers", {}).get(key)
