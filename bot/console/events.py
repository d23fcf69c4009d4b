"""What the advisor tells the staff console happened: one question answered, one diagnosis finished.

Why this exists: the façade must report events without knowing who stores them (the console's
recorder, or nobody in a benchmark). These two frozen records are the whole contract; they carry
no Telegram id, IP or request data, only what the console may show or needs to delete on request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Interaction", "DiagnosisOutcome", "CHANNELS", "FEEDBACK_REASONS"]

CHANNELS = ("web", "telegram", "cli", "whatsapp")
# The optional reason of a 👎 (widget chips, Telegram buttons): stored code -> what people read.
FEEDBACK_REASONS = {
    "no_respondio": "No respondió mi pregunta",
    "cita_equivocada": "Cita equivocada",
    "muy_larga": "Muy larga",
    "confusa": "Difícil de entender",
    "otro": "Otro motivo",
}


@dataclass(frozen=True)
class Interaction:
    """One question and its answer. ``conversation_id`` is kept only so that «borrar mis datos»
    can find the row; it is never shown."""

    created_at: float
    channel: str
    question: str
    answer: str
    kind: str
    in_scope: bool
    section: str | None
    scope_score: float | None
    latency_ms: float
    conversation_id: str | None = None


@dataclass(frozen=True)
class DiagnosisOutcome:
    """A finished self-diagnosis, anonymous: its level and the value given to each practice."""

    created_at: float
    diagnosis_id: str
    channel: str
    level_id: str
    level_name: str
    total: int
    percent: float
    # practice index -> (area id, value 0..2)
    practices: dict[int, tuple[str, int]] = field(default_factory=dict)
