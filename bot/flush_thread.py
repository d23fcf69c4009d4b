"""A daemon thread that runs a batch write every few seconds, sooner when woken, and once more at stop.

Why this exists: the hot path never writes to the database synchronously — the staff console's
interaction log (``bot.console.recorder``) and the conversation turns (``bot.store_turns``) are
queued in memory and written in batches. Both need the same loop: wait ``interval`` or a wake-up
(a full batch), flush, repeat; at a clean stop, end the loop and flush what is left, retrying a
database hiccup a couple of times, and tell the caller what is still pending.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["FlushThread"]


class FlushThread:
    """Runs ``flush()`` on a thread named ``name`` every ``interval`` seconds (or on ``wake()``)."""

    def __init__(self, flush: Callable[[], object], *, interval: float, name: str) -> None:
        self._flush, self.interval, self.name = flush, interval, name
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread if it is not running (again after a ``stop``)."""
        if self._thread is not None:  # the common case, without the lock: callers start it per write
            return
        with self._lock:
            if self._thread is None:
                self._stopping.clear()
                self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
                self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            self._flush()

    def stop(self, pending: Callable[[], int]) -> int:
        """End the loop, then flush until nothing is ``pending`` (three attempts); what is still
        pending after them (the caller logs it as lost)."""
        self._stopping.set()
        self._wake.set()
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=30)
        for _ in range(3):  # a database hiccup at shutdown: a couple more tries
            self._flush()
            if not pending():
                return 0
        return pending()
