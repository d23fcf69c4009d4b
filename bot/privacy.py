"""Personal data on request and on schedule (Colombia's Ley 1581 de 2012).

Why this exists: the advisor stores questions, diagnoses, feedback, chat bindings and the
messaging channels' records (seen ids, windows, hand-off codes). The
law asks that people can have their own data deleted and that nothing is kept longer than its
purpose needs. This module holds that logic over the ``Store`` so every channel deletes the same
way: the web widget by its unguessable ids (possession is authority), Telegram by the keyed
hashes of the chat and user, and ``asesor purge`` by age (``ASESOR_RETENTION_DAYS``). What the
staff console reads (the interaction log, finished diagnoses, marks) is deleted with the rest.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.channel_store import ChannelStore
from bot.store import Store
from bot.store_staff import StaffStore

__all__ = ["PurgeReport", "purge", "forget_bindings", "forget_conversation", "forget_diagnosis", "DAY"]

DAY = 24 * 60 * 60


@dataclass(frozen=True)
class PurgeReport:
    retention_days: int
    cutoff: float
    deleted: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.deleted.values())

    def spanish(self) -> str:
        """One line for the command line."""
        names = {
            "diagnoses": "autodiagnósticos",
            "conversations": "conversaciones",
            "feedback": "valoraciones",
            "bindings": "vínculos de Telegram",
            "interactions": "preguntas registradas",
            "diagnosis_outcomes": "resultados anónimos de autodiagnóstico",
            "staff_marks": "marcas del equipo",
        }
        parts = ", ".join(f"{self.deleted.get(key, 0)} {label}" for key, label in names.items())
        channel = self.deleted.get("channels", 0)
        if channel:  # WhatsApp's seen message ids, windows, failed deliveries and hand-off codes
            parts += f" y {channel} registros de mensajería (WhatsApp y códigos para continuar)"
        return f"Se borraron los datos con más de {self.retention_days} días: {parts}."


def purge(store: Store, retention_days: int, *, now: float | None = None) -> PurgeReport:
    """Delete every diagnosis, conversation, feedback and binding older than ``retention_days``,
    and the messaging channels' seen ids, windows, failed statuses and hand-off codes."""
    if retention_days < 1:
        raise ValueError("retention_days must be at least 1")
    cutoff = (time.time() if now is None else now) - retention_days * DAY
    deleted = store.purge_before(cutoff=cutoff)
    deleted.update(StaffStore(store).purge_before(cutoff))
    deleted["channels"] = ChannelStore(store).purge_before(cutoff)
    return PurgeReport(retention_days, cutoff, deleted)


def forget_conversation(store: Store, conversation_id: str) -> int:
    """Delete a conversation, its feedback and its questions in the console's log; rows removed."""
    return store.delete_conversation(conversation_id=conversation_id) + StaffStore(store).forget_conversation(
        conversation_id
    )


def forget_diagnosis(store: Store, diagnosis_id: str) -> bool:
    """Delete a diagnosis and its anonymous outcome; False when there was neither."""
    outcome = StaffStore(store).forget_diagnosis(diagnosis_id)
    return store.delete_diagnosis(diagnosis_id=diagnosis_id) or outcome > 0


def forget_bindings(store: Store, keys: list[str], *, conversation_id: str | None = None) -> int:
    """Delete channel bindings, every diagnosis they point to and, optionally, a conversation
    with its feedback. Returns how many rows were removed (0: there was nothing to delete)."""
    removed = 0
    for key in keys:
        diagnosis_id = store.binding(key=key).get("diagnosis_id")
        if isinstance(diagnosis_id, str) and forget_diagnosis(store, diagnosis_id):
            removed += 1
    removed += store.delete_bindings(keys=keys, with_items=True)  # and the items under each key
    if conversation_id:
        removed += forget_conversation(store, conversation_id)
    return removed
