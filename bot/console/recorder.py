"""Every question and answer into the interaction log, in batches, off the request path.

Why this exists: the console needs one row per question, but a synchronous database write per
request would put the database on every answer's latency (and SQLite allows one writer). The
recorder only appends to an in-memory list under a lock; a background thread writes what has
accumulated every ``interval`` seconds (sooner when ``batch`` records wait) in one transaction.
``stop()`` writes whatever is left, so a clean shutdown loses nothing; a failing database keeps
the records for the next attempt (up to ``limit``, then the oldest are dropped and logged).
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from bot.console.events import DiagnosisOutcome, Interaction
from bot.console.masking import mask_personal_data, question_key
from bot.flush_thread import FlushThread
from bot.store import StoreUnavailable
from bot.store_staff import StaffStore

__all__ = ["Recorder", "interaction_row"]

log = logging.getLogger("asesor.console")
_ANSWER_CHARS = 2000


def interaction_row(event: Interaction) -> dict:
    """The log row for one interaction; personal data is masked before it is ever written."""
    question = mask_personal_data(event.question)
    return {
        "created_at": event.created_at,
        "day": datetime.fromtimestamp(event.created_at, tz=UTC).strftime("%Y-%m-%d"),
        "channel": event.channel[:16],
        "conversation_id": event.conversation_id,
        "question": question,
        "question_key": question_key(question),
        "answer": mask_personal_data(event.answer[:_ANSWER_CHARS]),
        "kind": event.kind[:20],
        "in_scope": event.in_scope,
        "section": event.section[:300] if event.section else None,
        "scope_score": event.scope_score,
        "latency_ms": round(event.latency_ms, 2),
    }


def _outcome_row(event: DiagnosisOutcome) -> dict:
    return {
        "diagnosis_id": event.diagnosis_id,
        "created_at": event.created_at,
        "channel": event.channel[:16],
        "level_id": event.level_id,
        "level_name": event.level_name,
        "total": event.total,
        "percent": event.percent,
        "practices": dict(event.practices),
    }


class Recorder:
    """Callable hook (built by ``bot.compose``): ``recorder(event)`` never touches the database."""

    def __init__(
        self, staff_store: StaffStore, *, interval: float = 0.5, batch: int = 500, limit: int = 100_000
    ) -> None:
        self.staff_store = staff_store
        self.interval, self.batch, self.limit = interval, batch, limit
        self._pending: list[Interaction | DiagnosisOutcome] = []
        self._lock = threading.Lock()  # guards _pending
        self._write_lock = threading.Lock()  # one flush at a time
        self._flusher = FlushThread(self.flush, interval=interval, name="console-recorder")
        self.written = 0

    def __call__(self, event: Interaction | DiagnosisOutcome) -> None:
        with self._lock:
            self._pending.append(event)
            if len(self._pending) > self.limit:
                dropped = len(self._pending) - self.limit
                del self._pending[:dropped]
                log.warning("console_records_dropped", extra={"dropped": dropped})
            full = len(self._pending) >= self.batch
        if full:
            self._flusher.wake()

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def start(self) -> Recorder:
        self._flusher.start()
        return self

    def flush(self) -> int:
        """Write everything pending now; how many records were written (0 if the database failed)."""
        with self._write_lock:
            with self._lock:
                events, self._pending = self._pending, []
            if not events:
                return 0
            rows = [interaction_row(e) for e in events if isinstance(e, Interaction)]
            outcomes = [_outcome_row(e) for e in events if isinstance(e, DiagnosisOutcome)]
            try:
                self.staff_store.write_batch(rows, outcomes)
            except StoreUnavailable:
                with self._lock:  # keep them, in order, for the next attempt
                    self._pending[:0] = events
                log.warning("console_flush_failed", extra={"pending": len(events)})
                return 0
            self.written += len(events)
            return len(events)

    def forget(self, *, conversation_id: str | None = None, diagnosis_id: str | None = None) -> None:
        """Drop pending records of a person who asked to delete their data (the rows are deleted
        by ``bot.privacy``; this makes sure none is written afterwards)."""
        with self._write_lock, self._lock:
            self._pending = [
                e
                for e in self._pending
                if not (conversation_id and isinstance(e, Interaction) and e.conversation_id == conversation_id)
                and not (diagnosis_id and isinstance(e, DiagnosisOutcome) and e.diagnosis_id == diagnosis_id)
            ]

    def stop(self) -> None:
        """Stop the thread and write what is left (FastAPI lifespan, Telegram stop, CLI exit)."""
        if lost := self._flusher.stop(lambda: self.pending):
            log.error("console_records_lost", extra={"pending": lost})
