"""Small thread-safe LRU caches for one index version: retrievals, and composed extractive answers.

Why this exists: a popular question (a portal announcement, a Telegram broadcast) arrives
hundreds of times a minute. Its retrieval depends only on the resolved question and the index
version, and its extractive answer only on the question as typed, the resolved question and the
index version; so after the first time neither is recomputed (issue 19: composing the answer was
half of a repeated question's cost). The advisor makes new caches whenever it serves a newly
published index version, so an entry never outlives the index it was computed from. Answers are
handed out as copies: a caller that sets its conversation id never touches the cached one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.schemas import Answer

__all__ = ["AnswerMemo", "LruCache", "MemoizedAnswer"]

K = TypeVar("K")
V = TypeVar("V")


class LruCache(Generic[K, V]):
    """At most ``size`` entries; the least recently used one leaves first."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            if len(self._items) > self._size:
                self._items.popitem(last=False)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


@dataclass(frozen=True)
class MemoizedAnswer:
    answer: Answer  # never handed out itself: ``AnswerMemo.get`` returns a copy
    score: float | None  # the scope score the interaction log records with it


class AnswerMemo:
    """Composed extractive answers by (question as typed, resolved question)."""

    def __init__(self, size: int) -> None:
        self._cache: LruCache[tuple[str, str], MemoizedAnswer] = LruCache(size)

    def get(self, question: str, resolved: str) -> MemoizedAnswer | None:
        hit = self._cache.get((question, resolved))
        return None if hit is None else MemoizedAnswer(hit.answer.model_copy(), hit.score)

    def put(self, question: str, resolved: str, answer: Answer, score: float | None) -> None:
        self._cache.put((question, resolved), MemoizedAnswer(answer.model_copy(), score))

    def __len__(self) -> int:
        return len(self._cache)

    def clear(self) -> None:
        self._cache.clear()
