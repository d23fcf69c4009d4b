"""What happens to each webhook delivery once it was acknowledged: statuses, then messages.

Why this exists: the route answers Meta at once and hands the body here. Each message is claimed
in the shared store first (a unique insert of its id), so a retried delivery, even to another
worker, is answered once. The user's window is noted, the first message of a person gets the
privacy line, someone coming back after the window closed finds their unfinished diagnosis again,
and then the message goes to one small handler: a tapped choice, «borrar mis datos», a hand-off
code, «diagnóstico», «Departamento: …» after one, a typed answer while a diagnosis is active,
media («solo entiendo texto») or, by default, a question. No exception escapes: the user gets a
Spanish apology, the log gets the error without the phone number or the message.
"""

from __future__ import annotations

import logging
import re
import unicodedata

from bot.errors import AdvisorError
from bot.services.channels import find_code, find_profile

from . import diagnosis, render, texts
from .answers import answer_question, send_source, send_sources
from .inbound import Inbound, Status, parse_payload
from .runtime import Chat, Runtime

__all__ = ["process_payload"]

log = logging.getLogger(__name__)
_IGNORED = {"reaction", "system", "ephemeral", "request_welcome"}
_DELETE = re.compile(r"^(borrar|eliminar|borrar mis datos|eliminar mis datos|borrar datos)$")
_DIAGNOSIS = re.compile(r"^(auto)?diagnostico$|^(empezar|iniciar|hacer) (el )?(auto)?diagnostico$")
_HELP = re.compile(r"^(hola|buenas|buenos dias|buenas tardes|menu|inicio|ayuda|empezar|start)$")


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.lower())
    return " ".join("".join(c for c in folded if not unicodedata.combining(c)).strip(" .!¡¿?").split())


async def process_payload(rt: Runtime, payload: object) -> None:
    messages, statuses = parse_payload(payload)
    for status in statuses:
        await _on_status(rt, status)
    for message in messages:
        chat = rt.chat(message.phone)
        async with rt.lock(chat.key):
            try:
                await _on_message(rt, chat, message)
            except AdvisorError as error:
                log.info("whatsapp: advisor refused (%s)", error.code)
                await chat.send(*render.text_messages(error.message))
            except Exception:
                log.exception("whatsapp: a message could not be handled")
                await chat.send(*render.text_messages(texts.GENERIC_ERROR))


async def _on_status(rt: Runtime, status: Status) -> None:
    if status.status != "failed":
        return
    key = rt.keys.user(status.phone)
    log.warning("whatsapp: a message was not delivered (error %s)", status.error_code or "?")
    await rt.call(rt.service.record_failed_status, key, status.message_id, status.error_code, status.error_title)


async def _on_message(rt: Runtime, chat: Chat, message: Inbound) -> None:
    if not await rt.call(rt.service.claim_message, message.message_id):
        log.info("whatsapp: a repeated delivery was ignored")
        return
    if message.kind in _IGNORED:
        return
    returning = not await rt.call(rt.service.window_open, chat.key)
    await rt.call(rt.service.note_inbound, chat.key, message.timestamp)
    greeted = await chat.greeted()
    if not greeted:
        await chat.mark_greeted()
        await chat.send(*render.text_messages(f"{texts.WELCOME}\n\n{texts.PRIVACY}\n\n{texts.WELCOME_DIAGNOSIS}"))
    elif returning and message.kind == "text":
        active = await diagnosis.active_state(chat)
        if active is not None:
            await diagnosis.show(chat, active, prefix=texts.DIAGNOSIS_RESUME)
            return
    if message.kind in ("interactive", "button"):
        await _on_reply(chat, message)
    elif message.kind == "text":
        await _on_text(chat, message.text, first=not greeted)
    else:  # stickers, audio, images, video, documents, locations, contacts…
        await chat.send(*render.text_messages(texts.ONLY_TEXT))


async def _on_text(chat: Chat, text: str, *, first: bool) -> None:
    folded = _fold(text)
    if not folded:
        await chat.send(*render.text_messages(texts.ONLY_TEXT))
        return
    if _DELETE.match(folded):
        await chat.send(
            render.buttons(
                texts.DELETE_CONFIRM, [("del:yes", texts.BUTTON_DELETE_YES), ("del:no", texts.BUTTON_DELETE_NO)]
            )
        )
        return
    code = find_code(text)
    if code is not None:
        diagnosis_id = await chat.rt.call(chat.rt.service.redeem_handoff, code)
        if diagnosis_id is None:
            await chat.send(*render.text_messages(texts.HANDOFF_BAD))
        else:
            await diagnosis.resume(chat, diagnosis_id, prefix=texts.HANDOFF_DONE)
        return
    if _DIAGNOSIS.match(folded):
        await diagnosis.start(chat)
        return
    if folded in ("reiniciar", "reiniciar diagnostico", "reiniciar autodiagnostico"):
        await diagnosis.restart(chat)
        return
    profile = find_profile(text)
    if profile is not None:  # «Departamento: Nariño, café» after a finished diagnosis
        await diagnosis.save_profile(chat, profile)
        return
    binding = await chat.diagnosis()
    if binding is not None and binding.active and await diagnosis.typed_answer(chat, binding.diagnosis_id, text):
        return
    if _HELP.match(folded):
        starters = chat.rt.services.answers.starters()
        keys = await chat.remember_offers(starters)
        messages = [] if first else render.text_messages(f"{texts.WELCOME}\n\n{texts.WELCOME_DIAGNOSIS}")
        await chat.send(*messages, render.offers_list(texts.STARTERS_BODY, starters, keys))
        return
    await answer_question(chat, text)


async def _on_reply(chat: Chat, message: Inbound) -> None:
    reply = message.reply_id
    choice = render.parse_dx(reply)
    if choice is not None:
        await diagnosis.on_choice(chat, choice)
    elif reply.startswith("fb:"):
        await _on_feedback(chat, reply)
    elif reply.startswith("srcs:"):
        await send_sources(chat, reply.removeprefix("srcs:"))
    elif reply.startswith("src:"):
        await send_source(chat, reply.removeprefix("src:"))
    elif reply.startswith("ask:"):
        question = await chat.offered(reply.removeprefix("ask:"))
        if question is None:
            await chat.send(*render.text_messages(texts.OFFER_GONE))
        else:
            await answer_question(chat, question, echo=True)
    elif reply in ("del:yes", "del:no"):
        await _on_delete(chat, message, confirmed=reply == "del:yes")
    else:  # a reply we did not make (an old template): read its title as typed text
        await _on_text(chat, message.title, first=False)


async def _on_feedback(chat: Chat, reply: str) -> None:
    _, rating, key = (reply.split(":", 2) + ["", ""])[:3]
    item = await chat.recalled_answer(key)
    if item is None or rating not in ("up", "down"):
        await chat.send(*render.text_messages(texts.FEEDBACK_GONE))
        return
    await chat.rt.call(
        chat.rt.services.answers.feedback,
        rating=rating,
        question=item.question,
        answer=item.answer,
        conversation_id=chat.conversation,
    )
    await chat.send(*render.text_messages(texts.FEEDBACK_UP if rating == "up" else texts.FEEDBACK_DOWN))


async def _on_delete(chat: Chat, message: Inbound, *, confirmed: bool) -> None:
    """«borrar mis datos», confirmed: the diagnosis, conversation, feedback, bindings and window.
    The window of this very message is noted again, only so that the confirmation can be sent."""
    if not confirmed:
        await chat.send(*render.text_messages(texts.DELETE_CANCELLED))
        return
    rt = chat.rt
    removed = await rt.call(rt.services.personal_data.forget, [chat.key], conversation_id=chat.conversation)
    await rt.call(rt.service.forget_user, chat.key)
    await rt.call(rt.service.note_inbound, chat.key, message.timestamp)
    await chat.send(*render.text_messages(texts.DELETE_DONE if removed else texts.DELETE_NOTHING))
