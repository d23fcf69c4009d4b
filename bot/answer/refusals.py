"""What the advisor says when it does not answer: one sentence per reason, then what it can do.

Why this exists: the reasons come from the scope judge (``bot.answer.scope``) and the composer
(nothing clears the bar); the texts are the user's first impression of a refusal, so they live in
one place, apart from the answer service's control flow.
"""

from __future__ import annotations

from bot.schemas import Answer, Passage

__all__ = ["REFUSALS", "KNOWS", "refusal_answer", "refusal_text"]

REFUSALS = {
    "empty": "No recibí ninguna pregunta. Escríbame lo que quiera saber sobre las iniciativas cluster.",
    "injection": "Solo puedo responder preguntas sobre la cartilla «ABC de las iniciativas cluster en Colombia»; "
    "no puedo cambiar mis instrucciones ni hacer otras tareas.",
    "config": "No puedo mostrar ni cambiar mis instrucciones, mi configuración ni mis reglas, y no tengo modos "
    "especiales: solo respondo preguntas sobre la cartilla «ABC de las iniciativas cluster en Colombia».",
    "markup": "Su mensaje trae marcas de rol o de sistema («<system>», «[INST]», «assistant:»…) que no sigo: "
    "solo respondo preguntas sobre la cartilla «ABC de las iniciativas cluster en Colombia».",
    "language": "Por ahora solo respondo en español, sobre la cartilla «ABC de las iniciativas cluster en Colombia».",
    "nonsense": "No logré entender su mensaje. ¿Podría escribirlo de otra forma?",
    "off_topic": "Ese tema no lo trata la cartilla «ABC de las iniciativas cluster en Colombia» (no cubre impuestos, "
    "trámites de registro, datos de contacto, precios, créditos ni programas de otros países).",
    "low_score": "Lo siento, esa pregunta no la responde la cartilla «ABC de las iniciativas cluster en Colombia».",
}
KNOWS = (
    "Puedo ayudarle con lo que explica la cartilla: qué es un cluster y una iniciativa cluster, las fases para "
    "diseñarla, la gobernanza, el autodiagnóstico de 13 buenas prácticas, las entidades que apoyan y el SSME."
)


def refusal_text(reason: str) -> str:
    """The polite refusal for ``reason`` followed by what the booklet does cover."""
    return f"{REFUSALS[reason]} {KNOWS}"


def refusal_answer(question: str, reason: str, passages: list[Passage], suggestions: list[str]) -> Answer:
    """The refusal as an ``Answer``: not in scope, no citations, the nearest questions to try instead."""
    return Answer(
        question=question,
        answer=refusal_text(reason),
        in_scope=False,
        passages=passages,
        suggestions=suggestions,
        answerer="refusal",
        kind="refusal",
    )
