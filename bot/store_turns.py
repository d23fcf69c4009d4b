"""Conversation turns written behind: the store, minus one synchronous database write per answer.

Why this exists: every question asked on the web starts or continues a conversation, so every
answer appends a turn. Written synchronously, that write (a read, then an insert or a
compare-and-set update, each its own transaction) was the largest cost of a cached answer
(issue 19). ``WriteBehindStore`` is the real ``Store`` whose ``append_turn`` only appends to an
in-memory list; a background thread writes what has accumulated every ``interval`` seconds
(sooner when ``batch`` conversations wait), all of it in one transaction when it can.

What stays true:

- **read your writes in this process**: ``conversation()`` returns the stored turns plus the
  pending ones (a follow-up answered by this process always sees the previous turn);
- **other processes** (``--workers N``, other machines) see a turn at most ``interval`` seconds
  (plus one write) after it was answered — much less than a person takes to read an answer and
  type a follow-up;
- **nothing is lost on a clean stop**: ``close()`` writes every pending turn first; a database
  that fails keeps the turns for the next attempt (up to ``limit`` conversations, then the oldest
  are dropped and logged); a process that is killed loses at most one interval of turns;
- **deletions win**: ``delete_conversation`` and ``purge_before`` write what is pending first,
  so no turn of a deleted conversation reaches the database afterwards.

Plug point: ``bot.services.database.open_store(settings, write_behind=True)`` (the composition
root's store); everything else keeps calling the ``Store`` interface.
"""

from __future__ import annotations

import json
import logging
import threading
import time

from sqlalchemy import ColumnElement, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from bot.flush_thread import FlushThread
from bot.store import Store, StoreUnavailable
from bot.store_rows import ConversationRow, _rowcount

__all__ = ["FLUSH_SECONDS", "WriteBehindStore"]

log = logging.getLogger("bot.store")

FLUSH_SECONDS = 0.2
"""How often pending turns are written: bounds how stale another worker's view can be."""
_CHUNK = 500  # conversations per SELECT … IN (…): well below every database's parameter limit


class _Pending:
    """The turns of one conversation not yet written, and how many turns it keeps."""

    __slots__ = ("turns", "keep")

    def __init__(self, keep: int) -> None:
        self.turns: list[dict] = []
        self.keep = keep


class WriteBehindStore(Store):
    """``Store`` whose conversation turns are written in batches by a background thread."""

    def __init__(
        self,
        url: str,
        *,
        auto_upgrade: bool | None = None,
        interval: float = FLUSH_SECONDS,
        batch: int = 500,
        limit: int = 100_000,
    ) -> None:
        super().__init__(url, auto_upgrade=auto_upgrade)
        self.interval, self.batch, self.limit = interval, batch, limit
        self._pending: dict[str, _Pending] = {}  # insertion order: the oldest conversation first
        self._inflight: frozenset[str] = frozenset()  # being written now (not yet committed)
        self._lock = threading.Lock()  # guards _pending and _inflight
        self._writing = threading.Lock()  # one write at a time; readers of pending turns wait for it
        self._flusher = FlushThread(self.flush, interval=interval, name="conversation-turns")
        self._closed = False
        self.flushes = 0  # batches written (tests, benchmarks)

    # The Store interface, written behind ------------------------------------------------------
    def append_turn(self, *, conversation_id: str, turn: dict, keep: int = 10) -> None:
        """Queue the turn (never touches the database; read back at once by ``conversation``)."""
        with self._lock:
            pending = self._pending.get(conversation_id)
            if pending is None:
                pending = self._pending[conversation_id] = _Pending(keep)
                if len(self._pending) > self.limit:  # a database down for long: drop the oldest
                    oldest = next(iter(self._pending))
                    del self._pending[oldest]
                    log.warning("conversation_turns_dropped", extra={"conversations": 1})
            pending.turns = [*pending.turns, turn][-keep:]
            pending.keep = keep
            full = len(self._pending) >= self.batch
        if not self._closed:
            self._flusher.start()  # started with the first turn
        if full:
            self._flusher.wake()

    def conversation(self, *, conversation_id: str) -> list[dict]:
        """The stored turns followed by this process's pending ones (the last ``keep``)."""
        with self._lock:
            waiting = conversation_id in self._pending or conversation_id in self._inflight
        if not waiting:  # nothing of it here: the database is the whole truth
            return super().conversation(conversation_id=conversation_id)
        with self._writing:  # no write in progress: stored and pending do not overlap
            stored = super().conversation(conversation_id=conversation_id)
            with self._lock:
                pending = self._pending.get(conversation_id)
                if pending is None:
                    return stored
                return [*stored, *pending.turns][-pending.keep :]

    def delete_conversation(self, *, conversation_id: str) -> int:
        with self._writing:
            self._flush_locked()
            return super().delete_conversation(conversation_id=conversation_id)

    def purge_before(self, *, cutoff: float) -> dict[str, int]:
        with self._writing:
            self._flush_locked()
            return super().purge_before(cutoff=cutoff)

    def close(self) -> None:
        """Stop the thread, write every pending turn (a few attempts), then release the connections."""
        self._closed = True
        if lost := self._flusher.stop(lambda: self.pending):
            log.error("conversation_turns_lost", extra={"conversations": lost})
        super().close()

    # Writing ----------------------------------------------------------------------------------
    @property
    def pending(self) -> int:
        """Conversations with turns not yet written."""
        with self._lock:
            return len(self._pending)

    def flush(self) -> bool:
        """Write every pending turn now; False when the database failed (the turns are kept)."""
        with self._writing:
            return self._flush_locked()

    def _flush_locked(self) -> bool:
        with self._lock:
            batch, self._pending = self._pending, {}
            self._inflight = frozenset(batch)
        if not batch:
            return True
        try:
            self._write(batch)
        except StoreUnavailable:
            with self._lock:  # keep them, before anything appended meanwhile, for the next attempt
                for conversation_id, newer in self._pending.items():
                    kept = batch.setdefault(conversation_id, _Pending(newer.keep))
                    kept.turns, kept.keep = [*kept.turns, *newer.turns][-newer.keep :], newer.keep
                self._pending, self._inflight = batch, frozenset()
            log.warning("conversation_turns_flush_failed", extra={"conversations": len(batch)})
            return False
        with self._lock:
            self._inflight = frozenset()
        self.flushes += 1
        return True

    def _write(self, batch: dict[str, _Pending]) -> None:
        """Two transactions for the whole batch: one reads the stored turns, one inserts the new
        conversations together and updates the known ones compare-and-set (its first statement is
        a write, so SQLite takes its one writer's lock at once). A conversation another worker
        changed meanwhile is retried on its own; what is written leaves ``batch``."""
        ids = list(batch)

        def read(session: Session) -> dict[str, tuple[str, int]]:
            rows: dict[str, tuple[str, int]] = {}
            for start in range(0, len(ids), _CHUNK):
                chosen = select(ConversationRow.id, ConversationRow.turns, ConversationRow.version)
                rows.update((r.id, (r.turns, r.version)) for r in session.execute(chosen.where(_among(ids, start))))
            return rows

        stored = self._run(read)
        now, new, known = time.time(), [], []
        for conversation_id, pending in batch.items():
            turns, version = stored.get(conversation_id, ("[]", 0))
            values = {"turns": json.dumps([*json.loads(turns), *pending.turns][-pending.keep :]), "updated_at": now}
            if version:
                known.append((conversation_id, version, values))
            else:
                new.append({"id": conversation_id, "version": 1, **values})
        missed: list[str] = []
        try:
            with self._sessions.begin() as session:
                for conversation_id, version, values in known:
                    cas = update(ConversationRow).where(
                        ConversationRow.id == conversation_id, ConversationRow.version == version
                    )
                    if _rowcount(session.execute(cas.values(**values, version=version + 1))) != 1:
                        missed.append(conversation_id)
                if new:
                    session.execute(insert(ConversationRow), new)
        except IntegrityError:  # another worker created one of these conversations meanwhile
            missed = ids  # nothing was written: every conversation takes the slow path
        except SQLAlchemyError as error:
            raise StoreUnavailable(type(error).__name__) from error
        for conversation_id in set(ids) - set(missed):
            del batch[conversation_id]
        for conversation_id in missed:  # the slow, always-correct path (compare-and-set, retried)
            pending = batch[conversation_id]
            while pending.turns:
                super().append_turn(conversation_id=conversation_id, turn=pending.turns[0], keep=pending.keep)
                pending.turns.pop(0)
            del batch[conversation_id]


def _among(ids: list[str], start: int) -> ColumnElement[bool]:
    return ConversationRow.id.in_(ids[start : start + _CHUNK])
