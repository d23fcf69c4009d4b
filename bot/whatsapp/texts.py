"""Every user-facing Spanish string of the WhatsApp channel, in one place.

Why this exists: one place per channel for user-facing text (wording, "usted", accents). The
strings that mean the same on every chat channel (the diagnosis intro, the result lines, the
feedback thanks…) come from ``bot.channel_texts``, shared with Telegram, so a correction there
reaches both channels; what differs on WhatsApp (no slash commands, buttons limited to 20
characters, list rows to 24, "borrar mis datos" typed) is defined here. Plain text only:
WhatsApp's own markup (*bold*) is added by ``render``.
"""

from __future__ import annotations

from bot.channel_texts import (
    ALREADY_FIRST,
    AREA_LINE,
    AREAS_TITLE,
    BOOKLET_QUOTE,
    CONTINUE_OFFER,
    DELETE_CANCELLED,
    DELETE_DONE,
    DELETE_NOTHING,
    DIAGNOSIS_RESUME,
    DOCUMENT_CAPTION,
    DOCUMENT_FILENAME,
    FEEDBACK_DOWN,
    FEEDBACK_GONE,
    FEEDBACK_UP,
    FINISHED_TITLE,
    HANDOFF_DONE,
    NOTED,
    OFFER_GONE,
    PHOTO_CAPTION,
    PHOTO_FILENAME,
    QUESTION_ANSWERED,
    RECOMMENDATION_SOURCE,
    RECOMMENDATIONS_TITLE,
    RESTARTED,
    SKIPPED_NOTE,
    STRENGTHS_LINE,
    UNANSWERED_NOTE,
    WELCOME,
)

__all__ = [
    "PROFILE_ASK",
    "PROFILE_GONE",
    "PROFILE_SAVED",
    "ALREADY_FIRST",
    "AREAS_TITLE",
    "AREA_LINE",
    "BOOKLET_QUOTE",
    "BUTTON_CONTINUE",
    "BUTTON_DELETE_NO",
    "BUTTON_DELETE_YES",
    "BUTTON_DOWN",
    "BUTTON_SOURCES",
    "BUTTON_UP",
    "CONTINUE_OFFER",
    "DELETE_CANCELLED",
    "DELETE_CONFIRM",
    "DELETE_DONE",
    "DELETE_NOTHING",
    "DIAGNOSIS_INTRO",
    "DIAGNOSIS_RESUME",
    "DOCUMENT_CAPTION",
    "DOCUMENT_FILENAME",
    "FEEDBACK_DOWN",
    "FEEDBACK_GONE",
    "FEEDBACK_PROMPT",
    "FEEDBACK_UP",
    "FINISHED_TITLE",
    "GENERIC_ERROR",
    "HANDOFF_BAD",
    "HANDOFF_DONE",
    "HANDOFF_FINISHED",
    "LIST_BUTTON",
    "MORE_OPTIONS",
    "NOTED",
    "NOT_AN_ANSWER",
    "OFFER_GONE",
    "ONLY_TEXT",
    "OPTION_BACK",
    "OPTION_HELP",
    "OPTION_SKIP",
    "PHOTO_CAPTION",
    "PHOTO_FILENAME",
    "PRIVACY",
    "QUESTION_ANSWERED",
    "RECOMMENDATIONS_TITLE",
    "RECOMMENDATION_SOURCE",
    "RESTARTED",
    "SKIPPED_NOTE",
    "SOURCES_BODY",
    "SOURCE_LINE",
    "SOURCE_ROW",
    "STALE_CHOICE",
    "STARTERS_BODY",
    "STRENGTHS_LINE",
    "SUGGESTIONS_BODY",
    "UNANSWERED_NOTE",
    "WEBHOOK_BAD_SIGNATURE",
    "WEBHOOK_FORBIDDEN",
    "WELCOME",
    "WELCOME_DIAGNOSIS",
]

WELCOME_DIAGNOSIS = (
    "También puedo acompañarle en un autodiagnóstico de 13 buenas prácticas para su iniciativa "
    "cluster: escriba «diagnóstico» cuando quiera."
)
PRIVACY = (
    "🔒 Guardamos sus preguntas y las respuestas del asesor con un identificador seudónimo, sin su "
    "número de teléfono ni su nombre, para mejorar el servicio (Ley 1581 de 2012 de protección de "
    "datos personales). Por favor, no escriba datos personales en el chat. Se borran solos pasado el "
    "plazo de conservación, y si escribe «borrar mis datos» los eliminamos cuando quiera. Al terminar el "
    "autodiagnóstico puede indicar, si quiere, el departamento y el sector de su iniciativa para "
    "estadísticas anónimas."
)
# The optional department and sector after the report (typed: WhatsApp has no reply prompt).
PROFILE_ASK = (
    "📍 Una última pregunta, opcional y anónima: ¿en qué departamento trabaja su iniciativa y de qué "
    "sector es? Si quiere contarlo, escriba por ejemplo «Departamento: Nariño, café». Solo sirve para que "
    "la Red compare regiones y sectores; si prefiere no decirlo, no tiene que hacer nada."
)
PROFILE_SAVED = "¡Gracias! Quedó guardado con su autodiagnóstico, de forma anónima."
PROFILE_GONE = "No tengo un autodiagnóstico terminado suyo al que añadir ese dato, así que no se guardó nada."
STARTERS_BODY = "Puede empezar con una de estas preguntas 👇"
SUGGESTIONS_BODY = "Quizá le sirva alguna de estas preguntas 👇"
LIST_BUTTON = "Ver opciones"
SOURCE_LINE = "📖 Fuente [{n}]: {section}"
FEEDBACK_PROMPT = "¿Le sirvió esta respuesta?"
BUTTON_UP = "👍 Sí"
BUTTON_DOWN = "👎 No"
BUTTON_SOURCES = "📖 Ver fuente"
SOURCES_BODY = "¿Qué pasaje de la cartilla quiere leer?"
SOURCE_ROW = "Fuente [{n}]"

DIAGNOSIS_INTRO = (
    "📋 Empecemos el autodiagnóstico.\n\n"
    "Son 13 preguntas sobre las buenas prácticas de su iniciativa cluster. En cada una, elija con los "
    "botones si la práctica no se ha ejecutado, se ha ejecutado en forma parcial o en forma completa; "
    "también puede escribir «no», «parcial» o «completo». Toma unos cinco minutos y, si se detiene, "
    "retomamos donde quedó cuando vuelva a escribir."
)
MORE_OPTIONS = "¿Necesita otra opción para esta pregunta?"
OPTION_BACK = "⬅️ Atrás"
OPTION_SKIP = "⏭️ Saltar"
OPTION_HELP = "❓ ¿Qué significa?"
BUTTON_CONTINUE = "▶️ Sí, seguir"
NOT_AN_ANSWER = (
    "No entendí su respuesta 🤔. Elija una opción con los botones o escriba «no», «parcial» o "
    "«completo». Si tiene una duda, escríbala como pregunta, por ejemplo: «¿Qué es la gobernanza?»."
)
STALE_CHOICE = "Esa opción era de una pregunta anterior; esta es la pregunta en la que vamos."

HANDOFF_FINISHED = "📋 Ese autodiagnóstico ya terminó; este es su resultado."
HANDOFF_BAD = (
    "Ese código para continuar no sirve: ya se usó o venció (duran 30 minutos). Pida uno nuevo con "
    "«Continuar en WhatsApp» en la página del asesor."
)

DELETE_CONFIRM = (
    "🗑️ ¿Quiere borrar sus datos guardados en el asesor? Se borran su autodiagnóstico, sus preguntas "
    "y respuestas recientes y sus valoraciones. No se puede deshacer."
)
BUTTON_DELETE_YES = "🗑️ Sí, borrar"
BUTTON_DELETE_NO = "No, conservarlos"

ONLY_TEXT = "Por ahora solo entiendo mensajes de texto 🙂. Escríbame su pregunta sobre la cartilla."
GENERIC_ERROR = "Lo siento, algo salió mal de nuestro lado 😓. Intente de nuevo en un momento."

# Returned to whoever calls the webhook route, not to chat users.
WEBHOOK_FORBIDDEN = "El token de verificación del webhook de WhatsApp no es correcto."
WEBHOOK_BAD_SIGNATURE = "La solicitud al webhook de WhatsApp no trae una firma X-Hub-Signature-256 válida."
