"""The answer hook: who hears about each answer (metrics, logs, later the staff console).

Why this exists: the answer service must not know its listeners, and channels must not reach into
its attributes to add one. The composition root (and an app's lifespan, for its own metrics)
subscribes callables ``(per-step seconds, answer)``; a failing listener never breaks an answer.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from bot.schemas import Answer

__all__ = ["AnswerHooks", "AnswerObserver"]

AnswerObserver = Callable[[dict[str, float], Answer], None]
log = logging.getLogger(__name__)


class AnswerHooks:
    def __init__(self, observers: tuple[AnswerObserver, ...] = ()) -> None:
        self._observers: list[AnswerObserver] = list(observers)
        self._lock = threading.Lock()

    def add(self, observer: AnswerObserver) -> None:
        with self._lock:
            self._observers.append(observer)

    def remove(self, observer: AnswerObserver) -> None:
        with self._lock:
            if observer in self._observers:
                self._observers.remove(observer)

    def __call__(self, steps: dict[str, float], answer: Answer) -> None:
        with self._lock:
            observers = list(self._observers)
        for observer in observers:
            try:
                observer(steps, answer)
            except Exception:  # a listener's bug is logged, the user still gets the answer
                log.exception("answer observer %r failed", observer)
