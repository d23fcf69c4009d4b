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
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.schemas import Answer

__all__ = ["AnswerMemo", "LruCache", "MemoizedAnswer", "SingleFlight"]

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


class SingleFlight(Generic[K, V]):
    """Concurrent callers with the same key share one computation: the first runs it, the others
    wait for its value (or its exception)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[K, Future] = {}

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._calls

    def run(self, key: K, compute: Callable[[], V]) -> tuple[V, bool]:
        """The value, and whether this caller computed it."""
        with self._lock:
            future = self._calls.get(key)
            leader = future is None
            if future is None:
                future = self._calls[key] = Future()
        if not leader:
            return future.result(), False
        try:
            value = compute()
        except BaseException as error:
            future.set_exception(error)
            raise
        finally:
            with self._lock:
                self._calls.pop(key, None)
        future.set_result(value)
        return value, True


@dataclass(frozen=True)
class MemoizedAnswer:
    answer: Answer  # never handed out itself: ``AnswerMemo.answer`` returns a copy
    score: float | None  # the scope score the interaction log records with it


class AnswerMemo:
    """Composed extractive answers by (question as typed, resolved question)."""

    def __init__(self, size: int) -> None:
        self._cache: LruCache[tuple[str, str], MemoizedAnswer] = LruCache(size)
        self._flights: SingleFlight[tuple[str, str], MemoizedAnswer] = SingleFlight()

    def answer(
        self, question: str, resolved: str, compose: Callable[[], tuple[Answer, float | None]]
    ) -> MemoizedAnswer:
        """The remembered answer (a copy), else ``compose()``'s, computed once however many ask at
        the same time."""
        key = (question, resolved)
        hit = self._cache.get(key)
        if hit is None:

            def remembered() -> MemoizedAnswer:
                answer, score = compose()
                entry = MemoizedAnswer(answer.model_copy(), score)
                self._cache.put(key, entry)
                return entry

            hit, _ = self._flights.run(key, remembered)
        return MemoizedAnswer(hit.answer.model_copy(), hit.score)

    def known(self, question: str, resolved: str) -> bool:
        """Remembered, or being composed right now (a caller would wait, not compute)."""
        return (question, resolved) in self._cache or (question, resolved) in self._flights

    def clear(self) -> None:
        self._cache.clear()
