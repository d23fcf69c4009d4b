"""The Telegram channel's view of the advisor: pseudonymous keys and async calls.

Why this exists: Telegram chat and user ids are personal data (Ley 1581 de 2012), so they are
turned into keyed hashes (HMAC-SHA256) here, before anything reaches the store; nothing else in
the channel builds a store key. The ``Advisor`` is synchronous and CPU-bound (embeddings, charts,
PDF), so every call goes through ``asyncio.to_thread`` and the event loop keeps serving other
chats. Per-user state (the current diagnosis, recent answers awaiting 👍/👎, offered questions)
lives in the advisor's store through ``user_state``/``set_user_state``, never in process memory,
so a restart or a second worker carries on where the first left off.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from functools import partial
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from weakref import WeakValueDictionary

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.admission import QuestionLane
from bot.advisor import Advisor
from bot.settings import Settings

__all__ = ["DEFAULT_SALT", "Keys", "Runtime", "attach", "per_user", "runtime"]

T = TypeVar("T")
DEFAULT_SALT = "red-cluster-asesor/telegram/v1"
"""Used only when settings carry no ``telegram_id_salt``; a deployment should set a secret one."""
_RUNTIME_KEY = "asesor.runtime"
_RECENT_ANSWERS = 20


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
    """What every handler needs: settings, the advisor façade and the key derivation."""

    settings: Settings
    advisor: Advisor
    keys: Keys
    # perf (issue 19): questions go through this bounded lane (bot/admission.py; see busy.py).
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
    def create(cls, settings: Settings, advisor: Advisor) -> "Runtime":
        salt = settings.telegram_id_salt or DEFAULT_SALT
        return cls(settings=settings, advisor=advisor, keys=Keys(salt), lane=QuestionLane.from_settings(settings))

    async def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run an advisor method in a worker thread."""
        return await asyncio.to_thread(partial(function, *args, **kwargs))

    # Per-user diagnosis binding ------------------------------------------------------------
    async def diagnosis_of(self, chat_id: int, user_id: int) -> dict:
        return await self.call(self.advisor.user_state, self.keys.user(chat_id, user_id))

    async def bind_diagnosis(self, chat_id: int, user_id: int, diagnosis_id: str, *, active: bool) -> None:
        data = {"diagnosis_id": diagnosis_id, "active": active}
        await self.call(self.advisor.set_user_state, self.keys.user(chat_id, user_id), data)

    # Offered questions (starter and suggestion buttons) -------------------------------------
    async def remember_offers(self, questions: list[str]) -> list[str]:
        """Store each question under a short key usable in callback data; return the keys."""
        keys = [Keys.offer(q) for q in questions]

        def work() -> None:
            for key, question in zip(keys, questions):
                self.advisor.set_user_state(f"tg:offer:{key}", {"question": question})

        await self.call(work)
        return keys

    async def offered(self, key: str) -> str | None:
        data = await self.call(self.advisor.user_state, f"tg:offer:{key}")
        return data.get("question")

    # Recent answers, kept for 👍/👎 ----------------------------------------------------------
    async def remember_answer(self, chat_id: int, question: str, answer: str) -> str:
        """Keep the answer for feedback; return its short key. Read-modify-write of a small ring:
        two answers finishing at the very same time in one chat may drop one (its 👍 then just
        says thanks without storing)."""
        key = secrets.token_hex(4)
        chat_key = self.keys.chat(chat_id)

        def work() -> None:
            data = self.advisor.user_state(chat_key)
            recent = [*data.get("recent", []), {"k": key, "q": question, "a": answer}][-_RECENT_ANSWERS:]
            self.advisor.set_user_state(chat_key, {**data, "recent": recent})

        await self.call(work)
        return key

    async def recalled_answer(self, chat_id: int, key: str) -> dict | None:
        data = await self.call(self.advisor.user_state, self.keys.chat(chat_id))
        return next((item for item in data.get("recent", []) if item.get("k") == key), None)


def runtime(source: Application | ContextTypes.DEFAULT_TYPE) -> Runtime:
    """The runtime attached to an application (or to a handler's context)."""
    application = source if isinstance(source, Application) else source.application
    return application.bot_data[_RUNTIME_KEY]


def attach(application: Application, value: Runtime) -> None:
    application.bot_data[_RUNTIME_KEY] = value


def per_user(handler: Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]):
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
