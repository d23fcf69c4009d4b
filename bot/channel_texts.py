"""The Spanish strings and the small text helper every chat channel shares (Telegram, WhatsApp).

Why this exists: the diagnosis intro, the result lines, the feedback thanks, the welcome… mean the
same on every chat channel, and a correction must reach all of them; yet one channel must not
import another (``bot.whatsapp`` reading ``bot.telegram`` would tie their releases and layering).
So what both say lives here, and each channel's ``texts`` module re-exports it next to what is its
own. Plain text only (each channel's renderer adds its markup); templates use ``str.format``.
``looks_like_question`` tells a question typed mid-diagnosis from an answer, for both channels.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "ALREADY_FIRST",
    "AREA_LINE",
    "AREAS_TITLE",
    "BOOKLET_QUOTE",
    "CONTINUE_OFFER",
    "DELETE_CANCELLED",
    "DELETE_DONE",
    "DELETE_NOTHING",
    "DIAGNOSIS_RESUME",
    "DOCUMENT_CAPTION",
    "DOCUMENT_FILENAME",
    "FEEDBACK_DOWN",
    "FEEDBACK_GONE",
    "FEEDBACK_UP",
    "FINISHED_TITLE",
    "HANDOFF_DONE",
    "NOTED",
    "OFFER_GONE",
    "PHOTO_CAPTION",
    "PHOTO_FILENAME",
    "QUESTION_ANSWERED",
    "RECOMMENDATION_SOURCE",
    "RECOMMENDATIONS_TITLE",
    "RESTARTED",
    "SKIPPED_NOTE",
    "STRENGTHS_LINE",
    "UNANSWERED_NOTE",
    "WELCOME",
    "looks_like_question",
]

_INTERROGATIVES = re.compile(
    r"^(?:que|como|cual|cuales|cuando|cuanto|cuantos|cuantas|donde|quien|quienes|por que|para que|"
    r"explique|explica|expliqueme|explicame|digame|dime|me puede|me podria|podria|puede|significa)\b"
)


def looks_like_question(text: str) -> bool:
    """True for text that reads as a question ("¿qué es…?", "explíqueme la fase 2")."""
    if "?" in text or "¿" in text:
        return True
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c)).strip()
    return bool(_INTERROGATIVES.match(folded))


ALREADY_FIRST = "Ya está en la primera pregunta."

AREA_LINE = "• {line}"  # the line is bot.diagnosis.present.area_line

AREAS_TITLE = "Puntaje por área"

BOOKLET_QUOTE = "📖 La cartilla lo dice así: «{statement}»"

CONTINUE_OFFER = "¿Seguimos con el autodiagnóstico?"

DELETE_CANCELLED = "De acuerdo, no borramos nada."

DELETE_DONE = "✅ Listo: borramos sus datos del asesor. Puede seguir preguntando cuando quiera."

DELETE_NOTHING = "No tenía datos guardados en el asesor, así que no hubo nada que borrar."

DIAGNOSIS_RESUME = "📋 Retomamos su autodiagnóstico donde lo dejó."

DOCUMENT_CAPTION = "Informe completo de su autodiagnóstico, con todas las recomendaciones y sus fuentes"

DOCUMENT_FILENAME = "autodiagnostico-iniciativa-cluster.pdf"

FEEDBACK_DOWN = "Gracias por contarnos. Lo tendremos en cuenta para mejorar 🙏"

FEEDBACK_GONE = "Gracias. Ya no encuentro esa respuesta, pero igual tomamos nota."

FEEDBACK_UP = "¡Gracias por su opinión! 🙌"

FINISHED_TITLE = "🏁 ¡Terminó el autodiagnóstico!"

HANDOFF_DONE = "📋 Retomamos aquí el autodiagnóstico que empezó en otro canal, en la misma pregunta."


NOTED = "✅ Anotado: «{label}»."

OFFER_GONE = "Ya no encuentro esa pregunta; escríbala, por favor."

PHOTO_CAPTION = "Gráfica de radar: su puntaje en cada área"

PHOTO_FILENAME = "autodiagnostico-radar.png"

QUESTION_ANSWERED = "{progress} · {area}"

RECOMMENDATION_SOURCE = "📖 Fuente: {section}"

RECOMMENDATIONS_TITLE = "Recomendaciones prioritarias"

RESTARTED = "🔄 Listo, empezamos de nuevo el autodiagnóstico desde la primera pregunta."

SKIPPED_NOTE = "⏭️ La dejamos para el final."

STRENGTHS_LINE = "💪 Fortalezas: {areas}."

UNANSWERED_NOTE = "Preguntas sin responder (cuentan como 0): {numbers}."

WELCOME = (
    "¡Hola! 👋 Soy el asesor de la Red Cluster Colombia.\n\n"
    "Respondo preguntas sobre la cartilla «ABC de las iniciativas cluster en Colombia»: qué es un "
    "cluster y una iniciativa cluster, las fases para diseñarla, la gobernanza, las entidades que "
    "apoyan y el SSME. Cada respuesta le dice de qué sección de la cartilla sale."
)
