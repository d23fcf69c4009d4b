"""Personal data on request and on schedule (Ley 1581 de 2012), as one service for every channel.

Why this exists: the widget deletes by its unguessable ids (possession is authority), Telegram by
the keyed hashes of the chat and the user, ``asesor purge`` by age; all of them go through here,
so every channel deletes the same rows the same way and none of them opens the store itself. The
staff console's tables (interaction log, outcomes, marks) are deleted with the rest: pending
records are written first, so none of the person's arrives after the delete.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot import privacy
from bot.errors import NotFound
from bot.store import Store

from .guard import guard_store

__all__ = ["PersonalData"]


class PersonalData:
    def __init__(
        self,
        store: Store,
        *,
        retention_days: int,
        clock: Callable[[], float] = time.time,
        flush: Callable[[], object] | None = None,
    ) -> None:
        self._store, self._retention_days, self._clock = store, retention_days, clock
        self._flush = flush  # the console recorder's flush: pending records reach the database first

    def _flushed(self) -> None:
        if self._flush is not None:
            self._flush()

    def delete_conversation(self, conversation_id: str) -> None:
        self._flushed()
        if not guard_store(lambda: privacy.forget_conversation(self._store, conversation_id)):
            raise NotFound("No existe una conversación con ese identificador.", code="conversacion_no_encontrada")

    def delete_diagnosis(self, diagnosis_id: str) -> None:
        self._flushed()
        if not guard_store(lambda: privacy.forget_diagnosis(self._store, diagnosis_id)):
            raise NotFound("No existe un autodiagnóstico con ese identificador.", code="diagnostico_no_encontrado")

    def forget(self, keys: list[str], *, conversation_id: str | None = None) -> int:
        """Delete a channel's bindings (and what hangs from them) and optionally a conversation;
        how many rows went (0: there was nothing to delete)."""
        self._flushed()
        return guard_store(lambda: privacy.forget_bindings(self._store, keys, conversation_id=conversation_id))

    def purge(self, *, retention_days: int | None = None, now: float | None = None) -> privacy.PurgeReport:
        """Delete everything that has not changed within the retention period (the configured one
        unless ``retention_days`` is given)."""
        days = self._retention_days if retention_days is None else retention_days
        moment = self._clock() if now is None else now
        self._flushed()
        return guard_store(lambda: privacy.purge(self._store, days, now=moment))
