"""What the advisor tells the staff console happened: one question answered, one diagnosis finished.

Why this exists: the façade must report events without knowing who stores them (the console's
recorder, or nobody in a benchmark). These two frozen records are the whole contract; they carry
no Telegram id, IP or request data, only what the console may show or needs to delete on request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from bot import diagnosis as dx
from bot.schemas import Answer

__all__ = ["Interaction", "DiagnosisOutcome", "CHANNELS", "FEEDBACK_REASONS", "interaction", "diagnosis_outcome"]

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


def interaction(
    question: str,
    answer: Answer,
    *,
    channel: str,
    scope_score: float | None,
    latency_ms: float,
    now: float | None = None,
) -> Interaction:
    """The record of one answer: the section it cites (a refusal's nearest section), its kind and score."""
    cited = answer.citations[0].section if answer.citations else None
    nearest = answer.passages[0].section if answer.passages else None
    return Interaction(
        created_at=time.time() if now is None else now,
        channel=channel,
        question=question,
        answer=answer.answer,
        kind=answer.kind,
        in_scope=answer.in_scope,
        section=cited or nearest,
        scope_score=scope_score,
        latency_ms=latency_ms,
        conversation_id=answer.conversation_id,
    )


def diagnosis_outcome(
    instrument: dx.Instrument, session: dx.Session, *, channel: str, now: float | None = None
) -> DiagnosisOutcome:
    """The anonymous record of a finished diagnosis: its level and the value given to each practice."""
    outcome = dx.result(instrument, session)
    practices = {p.index: (p.area, session.answers.get(p.index, 0)) for p in instrument.practices}
    return DiagnosisOutcome(
        created_at=time.time() if now is None else now,
        diagnosis_id=session.id,
        channel=channel,
        level_id=outcome.level.id,
        level_name=outcome.level.name,
        total=outcome.total,
        percent=outcome.percent,
        practices=practices,
    )
