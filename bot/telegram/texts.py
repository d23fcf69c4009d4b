"""Every user-facing Spanish string of the Telegram channel, in one place.

Why this exists: DESIGN.md asks for one place per channel for user-facing text, so wording,
register (the bot speaks with "usted", like the advisor's own messages) and accents can be
reviewed and corrected without reading handler code. Strings here are *plain text*: the
renderer escapes them before they reach Telegram's HTML parse mode, so none of them may carry
markup. Templates use ``str.format`` placeholders.
"""

from __future__ import annotations

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
    "FINISHED_TITLE",
    "GENERIC_ERROR",
    "HANDOFF_BAD",
    "HANDOFF_DONE",
    "HELP_COMMANDS",
    "HELP_COMMANDS_TITLE",
    "HELP_GROUPS",
    "HELP_TIPS",
    "HELP_TITLE",
    "LEVEL_LINE",
    "NOTED",
    "NOT_AN_ANSWER",
    "NO_DIAGNOSIS_TO_RESTART",
    "OFFER_GONE",
    "ONLY_TEXT",
    "PHOTO_CAPTION",
    "PHOTO_FILENAME",
    "PRIVACY",
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
WELCOME = (
    "¡Hola! 👋 Soy el asesor de la Red Cluster Colombia.\n\n"
    "Respondo preguntas sobre la cartilla «ABC de las iniciativas cluster en Colombia»: qué es un "
    "cluster y una iniciativa cluster, las fases para diseñarla, la gobernanza, las entidades que "
    "apoyan y el SSME. Cada respuesta le dice de qué sección de la cartilla sale."
)
WELCOME_DIAGNOSIS = (
    "También puedo acompañarle en un autodiagnóstico de 13 buenas prácticas para su iniciativa "
    "cluster: escriba /diagnostico cuando quiera."
)
PRIVACY = (
    "🔒 Guardamos sus preguntas y las respuestas del asesor con un identificador seudónimo, sin su "
    "nombre ni su usuario de Telegram, para mejorar el servicio (Ley 1581 de 2012 de protección de "
    "datos personales). Por favor, no escriba datos personales en el chat. Se borran solos pasado el "
    "plazo de conservación, y con /borrar puede eliminarlos cuando quiera."
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
SECTIONS_TITLE = "📚 Mis respuestas salen de estas secciones de la cartilla «ABC de las iniciativas cluster en Colombia»:"
SECTIONS_FOOTER = "Cada respuesta indica la sección exacta y puede ver el pasaje con el botón «Ver fuente»."

# --- Answers ----------------------------------------------------------------------------------
QUESTION_HEADER = "❓ {question}"
SOURCE_LINE = "📖 Fuente [{n}]: {section}"
SUGGESTIONS_TITLE = "Quizá le sirva alguna de estas preguntas 👇"
BUTTON_SOURCE = "Ver fuente [{n}]"
BUTTON_THUMBS_UP = "👍"
BUTTON_THUMBS_DOWN = "👎"
FEEDBACK_UP = "¡Gracias por su opinión! 🙌"
FEEDBACK_DOWN = "Gracias por contarnos. Lo tendremos en cuenta para mejorar 🙏"
FEEDBACK_GONE = "Gracias. Ya no encuentro esa respuesta, pero igual tomamos nota."
OFFER_GONE = "Ya no encuentro esa pregunta; escríbala, por favor."

# --- Self-diagnosis ---------------------------------------------------------------------------
DIAGNOSIS_INTRO = (
    "📋 Empecemos el autodiagnóstico.\n\n"
    "Son 13 preguntas sobre las buenas prácticas de su iniciativa cluster. En cada una, elija si la "
    "práctica no se ha ejecutado, se ha ejecutado en forma parcial o en forma completa. También "
    "puede escribir su respuesta («no», «parcial», «sí, completo»). Toma unos cinco minutos y, si "
    "se detiene, retomamos donde quedó."
)
DIAGNOSIS_RESUME = "📋 Retomamos su autodiagnóstico donde lo dejó."
RESTARTED = "🔄 Listo, empezamos de nuevo el autodiagnóstico desde la primera pregunta."
NO_DIAGNOSIS_TO_RESTART = "No tenía un autodiagnóstico en curso, así que empezamos uno nuevo 📋"
QUESTION_ANSWERED = "{progress} · {area}"
BOOKLET_QUOTE = "📖 La cartilla lo dice así: «{statement}»"
BUTTON_BACK = "⬅️ Atrás"
BUTTON_HELP = "❓ ¿Qué significa?"
BUTTON_SKIP = "⏭️ Saltar"
BUTTON_CONTINUE = "▶️ Sí, seguir"
ANSWERED_RECORD = "✅ Su respuesta: {label}"
SKIPPED_NOTE = "⏭️ La dejamos para el final."
NOTED = "✅ Anotado: «{label}»."
NOT_AN_ANSWER = (
    "No entendí su respuesta 🤔. Elija una opción con los botones o escriba «no», «parcial» o "
    "«completo». Si tiene una duda, escríbala como pregunta, por ejemplo: «¿Qué es la gobernanza?»."
)
CONTINUE_OFFER = "¿Seguimos con el autodiagnóstico?"
ALREADY_FIRST = "Ya está en la primera pregunta."
STALE_BUTTON = "Esa pregunta ya quedó atrás. Siga con la más reciente o escriba /diagnostico para verla de nuevo."
DIAGNOSIS_NOT_YOURS = (
    "Ese botón es de otro autodiagnóstico (de otra persona o uno anterior). Escriba /diagnostico para "
    "seguir con el suyo."
)
DIAGNOSIS_FINISHED_BUTTON = "Este autodiagnóstico ya terminó. Escriba /diagnostico para hacer uno nuevo."

# --- Result -----------------------------------------------------------------------------------
FINISHED_TITLE = "🏁 ¡Terminó el autodiagnóstico!"
LEVEL_LINE = "Nivel de madurez: {level} ({total} de {max_total} puntos, {percent} %)"
AREAS_TITLE = "Puntaje por área"
AREA_LINE = "• {name}: {score} de {max} ({percent} %)"
STRENGTHS_LINE = "💪 Fortalezas: {areas}."
UNANSWERED_NOTE = "Preguntas sin responder (cuentan como 0): {numbers}."
RECOMMENDATIONS_TITLE = "Recomendaciones prioritarias"
RECOMMENDATION_SOURCE = "📖 Fuente: {section}"
REPORT_FOLLOWS = "Le envío la gráfica de radar y el informe completo en PDF 👇"
PHOTO_CAPTION = "Gráfica de radar: su puntaje en cada área"
DOCUMENT_CAPTION = "Informe completo de su autodiagnóstico, con todas las recomendaciones y sus fuentes"
DOCUMENT_FILENAME = "autodiagnostico-iniciativa-cluster.pdf"
PHOTO_FILENAME = "autodiagnostico-radar.png"

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
DELETE_DONE = "✅ Listo: borramos sus datos del asesor. Puede seguir preguntando cuando quiera."
DELETE_NOTHING = "No tenía datos guardados en el asesor, así que no hubo nada que borrar."
DELETE_CANCELLED = "De acuerdo, no borramos nada."

# --- /start <code>: a diagnosis handed off from another channel --------------------------------
HANDOFF_DONE = "📋 Retomamos aquí el autodiagnóstico que empezó en otro canal, en la misma pregunta."
HANDOFF_BAD = (
    "Ese código para continuar no sirve: ya se usó o venció (duran 30 minutos). Pida uno nuevo con "
    "«Continuar en Telegram» en la página del asesor."
)

# --- Webhook (returned to whoever calls the webhook route, not to chat users) -----------------
WEBHOOK_FORBIDDEN = "La solicitud al webhook de Telegram no trae el token secreto correcto."
WEBHOOK_BAD_PAYLOAD = "El cuerpo de la solicitud no es una actualización de Telegram válida."
