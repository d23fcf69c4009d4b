"""Request and response bodies of the HTTP API (the Answer and DiagnosisState live elsewhere).

Why this exists: routes stay thin when every body is a pydantic model, and the OpenAPI document
(Spanish descriptions, examples, limits) is generated from these classes. The question's maximum
length is a setting, so ``ask_request_model`` builds that model per app.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model
from pydantic_core import PydanticCustomError

from bot.diagnosis import DiagnosisState

__all__ = [
    "ConversationId",
    "DiagnosisAnswerRequest",
    "DiagnosisAnswerResponse",
    "FeedbackRequest",
    "FeedbackResponse",
    "HealthResponse",
    "ReportFormat",
    "SuggestionsResponse",
    "ask_request_model",
]

ConversationId = Annotated[
    str,
    Field(
        min_length=8,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Identificador de la conversación devuelto por una respuesta anterior.",
        examples=["k3J9aQ2xYt0LwE5rVbN1cA"],
    ),
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


def ask_request_model(max_chars: int) -> type[BaseModel]:
    """``{"question", "conversation_id"?}`` with the question capped at ``max_chars`` characters."""
    return create_model(
        "AskRequest",
        __base__=_Body,
        __doc__="Una pregunta sobre la cartilla, opcionalmente dentro de una conversación.",
        question=(
            str,
            Field(
                min_length=1,
                max_length=max_chars,
                description="La pregunta, en español (con texto: las etiquetas HTML y los caracteres de "
                "control no cuentan).",
                examples=["¿Qué es una iniciativa cluster?"],
            ),
        ),
        conversation_id=(ConversationId | None, None),
    )


def _not_a_boolean(value: object) -> object:
    if isinstance(value, bool):  # JSON true/false are not 1/0 here
        raise PydanticCustomError("int_type", "integer expected")
    return value


OptionValue = Annotated[int, Field(ge=0, le=2), BeforeValidator(_not_a_boolean)]
"""0, 1 or 2 (an integral JSON number such as 1.0 counts, as JSON Schema says)."""


class DiagnosisAnswerRequest(_Body):
    """La respuesta a la pregunta actual: 0, 1 o 2, o texto libre («parcial», «sí, completo»…)."""

    answer: OptionValue | Annotated[str, Field(min_length=1, max_length=500)] = Field(
        description="0 = no se ha ejecutado, 1 = en forma parcial, 2 = en forma completa; o texto libre.",
        examples=[1, "más o menos"],
    )


class DiagnosisAnswerResponse(DiagnosisState):
    """El estado del autodiagnóstico más el resultado de interpretar la respuesta.

    Si ``accepted`` es falso, el estado no cambió y ``message`` vuelve a preguntar en español.
    """

    accepted: bool = Field(description="¿Se entendió y se anotó la respuesta?")
    message: str | None = Field(default=None, description="Mensaje para la persona cuando no se entendió la respuesta.")


class ReportFormat(StrEnum):
    html = "html"
    md = "md"
    png = "png"
    pdf = "pdf"


class FeedbackRequest(_Body):
    """Valoración de una respuesta del asesor (👍 o 👎)."""

    rating: Literal["up", "down"] = Field(description="«up» si la respuesta sirvió, «down» si no.")
    question: str = Field(min_length=1, max_length=20000, examples=["¿Qué es una iniciativa cluster?"])
    answer: str = Field(min_length=1, max_length=20000, description="El texto de la respuesta valorada.")
    conversation_id: ConversationId | None = None
    comment: str | None = Field(default=None, max_length=1000, description="Comentario opcional.")
    reason: Literal["no_respondio", "cita_equivocada", "muy_larga", "confusa", "otro"] | None = Field(
        default=None, description="Motivo opcional de un 👎 (los botones del widget y de Telegram)."
    )


class FeedbackResponse(BaseModel):
    id: int
    message: str = Field(examples=["¡Gracias por su opinión! Nos ayuda a mejorar el asesor."])


class SuggestionsResponse(BaseModel):
    suggestions: list[str] = Field(description="Preguntas para empezar.")


class HealthResponse(BaseModel):
    status: Literal["ok"]
    index_version: str
    embedder: str
    chunks: int
