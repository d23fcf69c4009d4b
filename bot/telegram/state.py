"""The Telegram channel's view of the services: pseudonymous keys and async calls.

Why this exists: Telegram chat and user ids are personal data (Ley 1581 de 2012), so they are
turned into keyed hashes (HMAC-SHA256) here, before anything reaches a service; nothing else in
the channel builds a store key. The services are synchronous and CPU-bound (embeddings, charts,
PDF), so every call goes through ``asyncio.to_thread`` and the event loop keeps serving other
chats. Per-user state (the current diagnosis, recent answers awaiting 👍/👎, offered questions)
lives in the store through the typed ``ChatState`` service, never in process memory, so a
restart or a second worker carries on where the first left off.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar
from weakref import WeakValueDictionary

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.services.admission import QuestionLane
from bot.services.chat_state import DiagnosisBinding, RecentAnswer
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.compose import Services

__all__ = ["Keys", "Runtime", "attach", "per_user", "runtime"]

T = TypeVar("T")
_RUNTIME_KEY = "asesor.runtime"


class Keys:
    """Store keys derived from Telegram ids with a keyed hash; the ids themselves never leave."""

    def __init__(self, salt: str) -> None:
        self._salt = salt.encode()

    def _digest(self, *parts: object) -> str:
        message = ":".join(str(p) for p in parts).encode()
        return hmac.new(self._salt, message, hashlib.sha256).hexdigest()[:32]

    def conversation(self, chat_id: int) -> str:
        return f"tg:{self._digest('chat', chat_id)}"

    def chat(self, chat_id: int) -> str:
        return f"tg:chat:{self._digest('chat', chat_id)}"

    def user(self, chat_id: int, user_id: int) -> str:
        return f"tg:user:{self._digest('user', chat_id, user_id)}"

    @staticmethod
    def offer(text: str) -> str:
        """Short, stable key of a suggested question (not personal data)."""
        return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass
class Runtime:
    """What every handler needs: settings, the services and the key derivation."""

    settings: Settings
    services: Services
    keys: Keys
    # perf (issue 19): questions go through this bounded lane (bot/services/admission.py; see busy.py).
    lane: QuestionLane | None = None
    _locks: WeakValueDictionary = field(default_factory=WeakValueDictionary, repr=False)

    def lock(self, chat_id: int, user_id: int) -> asyncio.Lock:
        """Serialises one user's updates in this process (updates run concurrently otherwise), so
        a double tap cannot answer two questions and replies keep the order of the messages. It
        holds no state: the lock disappears when nobody waits on it."""
        key = self.keys.user(chat_id, user_id)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock

    @classmethod
    def create(cls, settings: Settings, services: Services) -> Runtime:
        # the configured salt, or the one generated on first run and kept beside the index;
        # the lane is the services' one: with the webhook, the API and the bot share it
        return cls(
            settings=settings,
            services=services,
            keys=Keys(settings.telegram_salt()),
            lane=getattr(services, "question_lane", None),
        )

    async def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a service method in a worker thread."""
        return await asyncio.to_thread(partial(function, *args, **kwargs))

    # Per-user diagnosis binding ------------------------------------------------------------
    async def diagnosis_of(self, chat_id: int, user_id: int) -> DiagnosisBinding | None:
        return await self.call(self.services.chat_state.diagnosis_of, self.keys.user(chat_id, user_id))

    async def bind_diagnosis(self, chat_id: int, user_id: int, diagnosis_id: str, *, active: bool) -> None:
        await self.call(
            self.services.chat_state.bind_diagnosis, self.keys.user(chat_id, user_id), diagnosis_id, active=active
        )

    # Offered questions (starter and suggestion buttons) -------------------------------------
    async def remember_offers(self, questions: list[str]) -> list[str]:
        """Store each question under a short key usable in callback data; return the keys."""
        offers = {Keys.offer(q): q for q in questions}
        await self.call(self.services.chat_state.remember_offers, offers)
        return list(offers)

    async def offered(self, key: str) -> str | None:
        return await self.call(self.services.chat_state.offered, key)

    # Recent answers, kept for 👍/👎 ----------------------------------------------------------
    async def remember_answer(self, chat_id: int, question: str, answer: str) -> str:
        """Keep the answer for feedback (one row per answer: concurrent answers all land); its short key."""
        item = RecentAnswer(secrets.token_hex(4), question, answer)
        await self.call(self.services.chat_state.remember_answer, self.keys.chat(chat_id), item)
        return item.key

    async def recalled_answer(self, chat_id: int, key: str) -> RecentAnswer | None:
        return await self.call(self.services.chat_state.recalled_answer, self.keys.chat(chat_id), key)


def runtime(source: Application | ContextTypes.DEFAULT_TYPE) -> Runtime:
    """The runtime attached to an application (or to a handler's context)."""
    application = source if isinstance(source, Application) else source.application
    return application.bot_data[_RUNTIME_KEY]


def attach(application: Application, value: Runtime) -> None:
    application.bot_data[_RUNTIME_KEY] = value


def per_user(
    handler: Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]],
) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]:
    """Run ``handler`` holding the lock of the update's user in its chat (see ``Runtime.lock``)."""

    @functools.wraps(handler)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            await handler(update, context)
            return
        async with runtime(context).lock(chat.id, user.id):
            await handler(update, context)

    return wrapper
