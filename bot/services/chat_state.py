"""Typed per-chat state for the channels' bindings (Telegram, WhatsApp), each operation one write.

Why this exists: a channel that keeps state in the store (a user's current diagnosis, the
suggested questions it offered as buttons, recent answers awaiting 👍/👎) must survive restarts and
several workers. A raw key–value pass-through made each channel build its own read-modify-write
data model, where two answers finishing together could drop one. Here every operation is a single
upsert or insert (recent answers are one row each, trimmed in the same transaction), and the data
shapes are typed. Keys are built by the channel (pseudonymous hashes): this layer never sees ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from .guard import guard_store

if TYPE_CHECKING:
    from bot.store import Store

__all__ = ["ChatState", "DiagnosisBinding", "RecentAnswer", "RECENT_ANSWERS", "Source"]

RECENT_ANSWERS = 20  # answers per chat that can still receive 👍/👎
_OFFER = "tg:offer:"  # shared by every channel (the prefix predates the second one)
_GREETED = ":greeted"  # under the user's key, so forgetting the user forgets it

Source = tuple[int, str, str]  # a citation of an answer: (n, section, passage id)


@dataclass(frozen=True)
class DiagnosisBinding:
    diagnosis_id: str
    active: bool


@dataclass(frozen=True)
class RecentAnswer:
    key: str
    question: str
    answer: str
    sources: tuple[Source, ...] = ()  # kept by channels that offer «Ver fuente» later (WhatsApp)


class ChatState:
    def __init__(self, store: Store) -> None:
        self._store = store

    # A user's current diagnosis ------------------------------------------------------------
    def diagnosis_of(self, user_key: str) -> DiagnosisBinding | None:
        data = guard_store(lambda: self._store.binding(key=user_key))
        diagnosis_id = data.get("diagnosis_id")
        return DiagnosisBinding(diagnosis_id, bool(data.get("active"))) if isinstance(diagnosis_id, str) else None

    def bind_diagnosis(self, user_key: str, diagnosis_id: str, *, active: bool) -> None:
        data = {"diagnosis_id": diagnosis_id, "active": active}
        guard_store(lambda: self._store.set_binding(key=user_key, data=data))

    # Whether a user has seen the welcome (and the privacy notice) ----------------------------
    def greeted(self, user_key: str) -> bool:
        return bool(guard_store(lambda: self._store.binding(key=user_key + _GREETED)))

    def mark_greeted(self, user_key: str) -> None:
        """One idempotent upsert of its own row: the diagnosis binding is never rewritten for it."""
        guard_store(lambda: self._store.set_binding(key=user_key + _GREETED, data={"greeted": True}))

    # Offered questions (not personal data: the booklet's suggested questions) ---------------
    def remember_offers(self, offers: dict[str, str]) -> None:
        """Remember each offered question under its short key (usable in callback data)."""

        def save(key: str, question: str) -> None:
            self._store.set_binding(key=f"{_OFFER}{key}", data={"question": question})

        for key, question in offers.items():
            guard_store(partial(save, key, question))

    def offered(self, key: str) -> str | None:
        return guard_store(lambda: self._store.binding(key=f"{_OFFER}{key}")).get("question")

    # Recent answers of a chat ----------------------------------------------------------------
    def remember_answer(self, chat_key: str, item: RecentAnswer) -> None:
        data: dict = {"q": item.question, "a": item.answer}
        if item.sources:
            data["s"] = [list(source) for source in item.sources]
        guard_store(
            lambda: self._store.add_binding_item(prefix=f"{chat_key}:a:", key=item.key, data=data, keep=RECENT_ANSWERS)
        )

    def recalled_answer(self, chat_key: str, key: str) -> RecentAnswer | None:
        data = guard_store(lambda: self._store.binding(key=f"{chat_key}:a:{key}"))
        if not data:  # written before answers had a row each: the chat's ring
            legacy = guard_store(lambda: self._store.binding(key=chat_key)).get("recent", [])
            data = next((item for item in legacy if item.get("k") == key), {})
        if data.get("q") is None:
            return None
        sources = tuple((int(n), str(section), str(pid)) for n, section, pid in data.get("s") or ())
        return RecentAnswer(key, data["q"], data["a"], sources)
