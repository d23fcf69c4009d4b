"""A bounded lane for the CPU-bound question work, with a fast refusal when it is full.

Why this exists: on 2 cores, letting every request in makes everyone slow (latency grows with
the number of clients, without bound). Questions run here, on a few threads of their own; the
lane keeps an estimate of how long one takes and, when a newcomer's expected wait passes the
budget, it is refused *at once* with ``Busy`` (an ``Unavailable``: 503 over HTTP, with ``Retry-After``)
instead of joining the queue. The estimate can be too kind (the machine slows down, a burst
arrives at once): a queued question that a thread reaches too late to end within the budget is
refused then, so the answered ones stay within it. Diagnosis steps and feedback do not use this lane (they run on
the channels' default thread pools), so they never wait behind question embedding.

Channel-neutral: the composition root builds one lane per process (``Services.question_lane``);
the API (``bot.api.admission``) and Telegram (``bot.telegram.busy``) share it and turn ``Busy``
into their own polite message.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bot.errors import Unavailable

__all__ = ["Busy", "QuestionLane"]


class Busy(Unavailable):
    """The lane is full: try again in ``retry_after`` seconds."""

    code = "asesor_ocupado"

    def __init__(self, retry_after: int) -> None:
        seconds = "1 segundo" if retry_after == 1 else f"{retry_after} segundos"
        super().__init__(
            f"En este momento el asesor está atendiendo muchas consultas. Intente de nuevo en {seconds}, por favor."
        )
        self.retry_after = retry_after


class QuestionLane:
    """At most ``threads`` questions at once; newcomers whose expected wait passes ``budget``
    seconds are refused with 503 instead of queued, and so is a queued question that a thread
    reaches too late to end within ``budget`` (answered that late, it would only delay the next ones)."""

    def __init__(
        self,
        *,
        threads: int = 4,
        budget: float = 1.0,
        initial_seconds: float = 0.05,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.threads, self.budget, self._clock = threads, budget, clock
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="question")
        self._lock = threading.Lock()
        self._admitted = 0  # accepted and not finished (running or waiting for a thread)
        self._seconds = initial_seconds  # moving average of one question's wall time on a thread
        self.refused = 0  # refused on arrival
        self.late = 0  # admitted, then refused when a thread took them past the budget

    @classmethod
    def from_settings(cls, settings: Any) -> QuestionLane:
        return cls(threads=settings.question_threads, budget=settings.question_budget_seconds)

    def expected_wait(self) -> float:
        """Seconds a newcomer would wait for a thread (0 while one is free)."""
        with self._lock:
            ahead = self._admitted - self.threads + 1
            return max(0.0, ahead * self._seconds / self.threads)

    def _admit(self, arrived: float | None) -> float | None:
        """Admit one question (``Busy`` if not); when it has to queue, the moment its wait began
        (``arrived``, when the channel knows it, so time already lost before the lane counts)."""
        now = self._clock()
        since = now if arrived is None else min(now, arrived)
        with self._lock:
            ahead = self._admitted - self.threads + 1
            wait = max(0.0, ahead * self._seconds / self.threads)
            queued = self._admitted >= self.threads
            if now - since + wait + self._seconds > self.budget and queued:
                self.refused += 1
                raise Busy(max(1, math.ceil(wait)))
            self._admitted += 1
        return since if queued else None

    def _timed(self, queued: float | None, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        started = self._clock()
        if queued is not None and started - queued + self._seconds > self.budget:  # it would end past
            with self._lock:  # the budget (the estimate was too kind, the machine slowed): refused
                self._admitted -= 1
                self.late += 1
                wait = max(0.0, (self._admitted - self.threads + 1) * self._seconds / self.threads)
            raise Busy(max(1, math.ceil(wait)))
        try:
            return fn(*args, **kwargs)
        finally:
            elapsed = self._clock() - started
            with self._lock:
                self._admitted -= 1
                self._seconds += 0.1 * (elapsed - self._seconds)

    async def run(self, fn: Callable[..., Any], *args: Any, arrived: float | None = None, **kwargs: Any) -> Any:
        """Run ``fn`` on the lane's threads, or raise ``Busy`` at once when it is full. ``arrived``
        (on the lane's clock, ``time.perf_counter`` by default): when the request reached the
        process, so a question that already waited elsewhere (a busy event loop) is judged by it."""
        queued = self._admit(arrived)
        loop = asyncio.get_running_loop()
        try:
            # The caller's context (the request id its log lines carry) goes with the work, as with
            # Starlette's run_in_threadpool.
            work = functools.partial(contextvars.copy_context().run, self._timed, queued, fn, *args, **kwargs)
            future = loop.run_in_executor(self._executor, work)
        except BaseException:
            with self._lock:
                self._admitted -= 1
            raise
        return await future  # a client that leaves does not free the slot early: the work still runs

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
