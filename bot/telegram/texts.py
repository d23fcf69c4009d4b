"""Every user-facing Spanish string of the Telegram channel, in one place.

Why this exists: each channel keeps its user-facing text in one place, so wording,
register (the bot speaks with "usted", like the advisor's own messages) and accents can be
reviewed and corrected without reading handler code. Strings here are *plain text*: the
renderer escapes them before they reach Telegram's HTML parse mode, so none of them may carry
markup. Templates use ``str.format`` placeholders.
"""

from __future__ import annotations

from bot.channel_texts import (  # the strings every chat channel shares
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
    "ALREADY_FIRST",
    "ANSWERED_RECORD",
    "AREA_LINE",
    "AREAS_TITLE",
    "BOOKLET_QUOTE",
    "BUTTON_BACK",
    "BUTTON_DELETE_NO",
    "BUTTON_DELETE_YES",
    "DELETE_CANCELLED",
    "DELETE_CONFIRM",
    "DELETE_CONFIRM_GROUP",
    "DELETE_DONE",
    "DELETE_NOTHING",
    "BUTTON_CONTINUE",
    "BUTTON_DIAGNOSIS_START",
    "BUTTON_MORE",
    "BUTTON_HELP",
    "BUTTON_SKIP",
    "BUTTON_SOURCE",
    "BUTTON_THUMBS_DOWN",
    "BUTTON_THUMBS_UP",
    "COMMANDS",
    "CONTINUE_OFFER",
    "DIAGNOSIS_FINISHED_BUTTON",
    "DIAGNOSIS_INTRO",
    "DIAGNOSIS_NOT_YOURS",
    "DIAGNOSIS_RESUME",
    "DOCUMENT_CAPTION",
    "DOCUMENT_FILENAME",
    "EDITED_MESSAGE",
    "FEEDBACK_DOWN",
    "FEEDBACK_GONE",
    "FEEDBACK_UP",
    "FEEDBACK_WHY",
    "FEEDBACK_REASONS",
    "FINISHED_TITLE",
    "GENERIC_ERROR",
    "HANDOFF_BAD",
    "HANDOFF_DONE",
    "HELP_COMMANDS",
    "HELP_COMMANDS_TITLE",
    "HELP_GROUPS",
    "HELP_TIPS",
    "HELP_TITLE",
    "MORE_QUESTION",
    "NOTED",
    "NOT_AN_ANSWER",
    "NO_DIAGNOSIS_TO_RESTART",
    "OFFER_GONE",
    "ONLY_TEXT",
    "PHOTO_CAPTION",
    "PARTIAL_NOTE",
    "PHOTO_FILENAME",
    "PRIVACY",
    "PROFILE_ASK",
    "PROFILE_GONE",
    "PROFILE_PLACEHOLDER",
    "PROFILE_SAVED",
    "PROFILE_SKIPPED",
    "QUESTION_HEADER",
    "QUESTION_ANSWERED",
    "RECOMMENDATION_SOURCE",
    "RECOMMENDATIONS_TITLE",
    "REPORT_FOLLOWS",
    "RESTARTED",
    "SECTIONS_FOOTER",
    "SECTIONS_TITLE",
    "SKIPPED_NOTE",
    "SOURCE_LINE",
    "STALE_BUTTON",
    "STARTERS_TITLE",
    "STRENGTHS_LINE",
    "SUGGESTIONS_TITLE",
    "UNANSWERED_NOTE",
    "WEBHOOK_FORBIDDEN",
    "WEBHOOK_BAD_PAYLOAD",
    "WELCOME",
    "WELCOME_DIAGNOSIS",
]

# --- Commands (name → description shown in Telegram's menu) ---------------------------------
COMMANDS: dict[str, str] = {
    "start": "Presentación y preguntas para empezar",
    "ayuda": "Cómo usar el asesor",
    "diagnostico": "Autodiagnóstico de las 13 buenas prácticas",
    "reiniciar": "Reiniciar el autodiagnóstico en curso",
    "fuentes": "Secciones de la cartilla que consulto",
    "borrar": "Borrar mis datos guardados en el asesor",
}

# --- /start, /ayuda, /fuentes -----------------------------------------------------------------
WELCOME_DIAGNOSIS = (
    "También puedo acompañarle en un autodiagnóstico de 13 buenas prácticas para su iniciativa "
    "cluster: escriba /diagnostico cuando quiera."
)
PRIVACY = (
    "🔒 Guardamos sus preguntas y las respuestas del asesor con un identificador seudónimo, sin su "
    "nombre ni su usuario de Telegram, para mejorar el servicio (Ley 1581 de 2012 de protección de "
    "datos personales). Por favor, no escriba datos personales en el chat. Se borran solos pasado el "
    "plazo de conservación, y con /borrar puede eliminarlos cuando quiera. Al terminar el "
    "autodiagnóstico puede indicar, si quiere, el departamento y el sector de su iniciativa para "
    "estadísticas anónimas."
)
STARTERS_TITLE = "Puede empezar con una de estas preguntas 👇"
HELP_TITLE = "Cómo usar el asesor"
HELP_TIPS = (
    "• Escriba su pregunta con sus propias palabras, por ejemplo: «¿Qué es la gobernanza de una "
    "iniciativa cluster?».\n"
    "• Cada respuesta indica la sección de la cartilla de donde sale; toque «Ver fuente» para leer "
    "el pasaje completo.\n"
    "• Con 👍 o 👎 me dice si la respuesta le sirvió."
)
HELP_COMMANDS_TITLE = "Comandos"
HELP_COMMANDS = (
    "/diagnostico — autodiagnóstico de 13 buenas prácticas (puede retomarlo donde lo dejó)\n"
    "/reiniciar — volver a empezar el autodiagnóstico\n"
    "/fuentes — secciones de la cartilla\n"
    "/borrar — borrar sus datos guardados en el asesor\n"
    "/ayuda — este mensaje"
)
HELP_GROUPS = "En un grupo, menciónenme (@{username}) o respondan a uno de mis mensajes."
SECTIONS_TITLE = (
    "📚 Mis respuestas salen de estas secciones de la cartilla «ABC de las iniciativas cluster en Colombia»:"
)
SECTIONS_FOOTER = "Cada respuesta indica la sección exacta y puede ver el pasaje con el botón «Ver fuente»."

# --- Answers ----------------------------------------------------------------------------------
QUESTION_HEADER = "❓ {question}"
SOURCE_LINE = "📖 Fuente [{n}]: {section}"
SUGGESTIONS_TITLE = "Quizá le sirva alguna de estas preguntas 👇"
BUTTON_SOURCE = "Ver fuente [{n}]"
BUTTON_THUMBS_UP = "👍"
BUTTON_THUMBS_DOWN = "👎"
FEEDBACK_WHY = "¿Qué falló? Elija un motivo, u «Omitir» (es opcional)."
# The 👎 reasons (the same codes as the widget's chips; the staff console counts them).
FEEDBACK_REASONS = {
    "no_respondio": "No respondió mi pregunta",
    "cita_equivocada": "Cita equivocada",
    "muy_larga": "Muy larga",
    "confusa": "Difícil de entender",
    "omitir": "Omitir",
}
PARTIAL_NOTE = "ℹ️ Respuesta parcial: la cartilla trata el tema, pero no dice exactamente lo que preguntó."
BUTTON_MORE = "➕ Ver más"
MORE_QUESTION = "Explícame más"  # what «Ver más» asks, in the same conversation
BUTTON_DIAGNOSIS_START = "📋 Comenzar el autodiagnóstico"

# --- Self-diagnosis ---------------------------------------------------------------------------
DIAGNOSIS_INTRO = (
    "📋 Empecemos el autodiagnóstico.\n\n"
    "Son 13 preguntas sobre las buenas prácticas de su iniciativa cluster. En cada una, elija si la "
    "práctica no se ha ejecutado, se ha ejecutado en forma parcial o en forma completa. También "
    "puede escribir su respuesta («no», «parcial», «sí, completo»). Toma unos cinco minutos y, si "
    "se detiene, retomamos donde quedó."
)
NO_DIAGNOSIS_TO_RESTART = "No tenía un autodiagnóstico en curso, así que empezamos uno nuevo 📋"
BUTTON_BACK = "⬅️ Atrás"
BUTTON_HELP = "❓ ¿Qué significa?"
BUTTON_SKIP = "⏭️ Saltar"
BUTTON_CONTINUE = "▶️ Sí, seguir"
ANSWERED_RECORD = "✅ Su respuesta: {label}"
NOT_AN_ANSWER = (
    "No entendí su respuesta 🤔. Elija una opción con los botones o escriba «no», «parcial» o "
    "«completo». Si tiene una duda, escríbala como pregunta, por ejemplo: «¿Qué es la gobernanza?»."
)
STALE_BUTTON = "Esa pregunta ya quedó atrás. Siga con la más reciente o escriba /diagnostico para verla de nuevo."
DIAGNOSIS_NOT_YOURS = (
    "Ese botón es de otro autodiagnóstico (de otra persona o uno anterior). Escriba /diagnostico para "
    "seguir con el suyo."
)
DIAGNOSIS_FINISHED_BUTTON = "Este autodiagnóstico ya terminó. Escriba /diagnostico para hacer uno nuevo."

# --- Result -----------------------------------------------------------------------------------
REPORT_FOLLOWS = "Le envío la gráfica de radar y el informe completo en PDF 👇"

# --- Hardening --------------------------------------------------------------------------------
ONLY_TEXT = "Por ahora solo entiendo mensajes de texto 🙂. Escríbame su pregunta sobre la cartilla."
EDITED_MESSAGE = (
    "Vi que editó un mensaje ✏️. No respondo de nuevo a mensajes editados: si quiere otra "
    "respuesta, envíeme la pregunta como un mensaje nuevo."
)
GENERIC_ERROR = (
    "Lo siento, algo salió mal de nuestro lado 😓. Intente de nuevo en un momento; si el problema "
    "sigue, escriba /start."
)

# --- /borrar (Ley 1581 de 2012) -----------------------------------------------------------------
DELETE_CONFIRM = (
    "🗑️ ¿Quiere borrar sus datos guardados en el asesor? Se borran su autodiagnóstico, sus preguntas "
    "y respuestas recientes y sus valoraciones. No se puede deshacer."
)
DELETE_CONFIRM_GROUP = (
    "🗑️ ¿Quiere borrar sus datos guardados en el asesor? En este grupo se borra su autodiagnóstico; "
    "para borrar también sus preguntas, escríbame /borrar en un chat privado."
)
BUTTON_DELETE_YES = "🗑️ Sí, borrar mis datos"
BUTTON_DELETE_NO = "No, conservarlos"

# --- The optional department and sector after the report (bot.telegram.profile) ---------------
PROFILE_ASK = (
    "📍 Una última pregunta, opcional y anónima: ¿en qué departamento trabaja su iniciativa y de qué "
    "sector es? Responda a este mensaje, por ejemplo «Nariño, café». Solo sirve para que la Red compare "
    "regiones y sectores; si prefiere no decirlo, escriba «omitir» o siga con lo que quiera."
)
PROFILE_PLACEHOLDER = "Ej.: Nariño, café"
PROFILE_SAVED = "¡Gracias! Quedó guardado con su autodiagnóstico, de forma anónima."
PROFILE_SKIPPED = "Entendido: no guardamos ese dato."
PROFILE_GONE = "Ese autodiagnóstico ya no está guardado, así que no se guardó nada."

# --- /start <code>: a diagnosis handed off from another channel --------------------------------
HANDOFF_BAD = (
    "Ese código para continuar no sirve: ya se usó o venció (duran 30 minutos). Pida uno nuevo con "
    "«Continuar en Telegram» en la página del asesor."
)

# --- Webhook (returned to whoever calls the webhook route, not to chat users) -----------------
WEBHOOK_FORBIDDEN = "La solicitud al webhook de Telegram no trae el token secreto correcto."
WEBHOOK_BAD_PAYLOAD = "El cuerpo de la solicitud no es una actualización de Telegram válida."
