"""The WhatsApp channel's view of the services: pseudonymous keys, async calls and one chat's sender.

Why this exists: phone numbers are personal data (Ley 1581 de 2012), so they become keyed hashes
(HMAC-SHA256 with ``ASESOR_WHATSAPP_ID_SALT``) here, before anything reaches the store or a log;
the number itself lives only in a ``Chat`` in memory, to address replies. The services are
synchronous, so every call goes through a worker thread. ``Chat.send`` is the single door to the
Graph API, and it refuses to send outside the 24-hour customer-service window: the check reads the
shared store, so it holds on every worker and after a restart. Per-user state (the diagnosis, the
recent answers awaiting 👍/👎, whether the welcome was shown) goes through the typed
``Services.chat_state`` operations, each one write: no read-modify-write of a shared record.
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
from typing import TYPE_CHECKING, Any, TypeVar
from weakref import WeakValueDictionary

from bot.services.channels import ChannelService
from bot.services.chat_state import DiagnosisBinding, RecentAnswer, Source

from .graph import GraphClient, GraphError

if TYPE_CHECKING:
    from bot.compose import Services

__all__ = ["Chat", "Keys", "Runtime"]

log = logging.getLogger(__name__)
T = TypeVar("T")


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
    services: Services
    service: ChannelService  # the services' channel service (dedup, window, hand-off codes)
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

    # State through the typed chat-state service ------------------------------------------------
    async def diagnosis(self) -> DiagnosisBinding | None:
        return await self.rt.call(self.rt.services.chat_state.diagnosis_of, self.key)

    async def bind_diagnosis(self, diagnosis_id: str, *, active: bool) -> None:
        await self.rt.call(self.rt.services.chat_state.bind_diagnosis, self.key, diagnosis_id, active=active)

    async def greeted(self) -> bool:
        return await self.rt.call(self.rt.services.chat_state.greeted, self.key)

    async def mark_greeted(self) -> None:
        await self.rt.call(self.rt.services.chat_state.mark_greeted, self.key)

    async def remember_answer(self, question: str, answer: str, sources: list[Source]) -> str:
        """Keep the answer (and its sources) for 👍/👎 and «Ver fuente»: one row each; its short key."""
        item = RecentAnswer(secrets.token_hex(4), question, answer, tuple(sources))
        await self.rt.call(self.rt.services.chat_state.remember_answer, self.key, item)
        return item.key

    async def recalled_answer(self, key: str) -> RecentAnswer | None:
        return await self.rt.call(self.rt.services.chat_state.recalled_answer, self.key, key)

    async def remember_offers(self, questions: list[str]) -> list[str]:
        offers = {Keys.offer(q): q for q in questions}
        await self.rt.call(self.rt.services.chat_state.remember_offers, offers)
        return list(offers)

    async def offered(self, key: str) -> str | None:
        return await self.rt.call(self.rt.services.chat_state.offered, key)
