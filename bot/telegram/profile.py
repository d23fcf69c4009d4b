"""The optional department and sector at the end of a diagnosis, in a private chat.

Why this exists: staff filter the anonymous diagnosis aggregates by region and sector (issue 20),
as the widget already lets people say. After the report the bot asks once, with a ForceReply, so
the person's answer comes back as a reply to that very question: nothing is stored to remember
that it asked, and a later message that is not a reply is an ordinary question. «Nariño, café»
saves both (64 characters each) with the finished diagnosis's anonymous outcome; «omitir», or no
reply, saves nothing. Groups are not asked (the answer would be public there).
"""

from __future__ import annotations

from telegram import ForceReply, Message
from telegram.ext import ContextTypes

from bot.services.channels import parse_profile

from . import texts
from .send import send_text
from .state import runtime

__all__ = ["ask_profile", "is_profile_reply", "save_profile"]


async def ask_profile(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    if runtime(context).services.staff is None:  # no console to read it: do not ask
        return
    markup = ForceReply(selective=True, input_field_placeholder=texts.PROFILE_PLACEHOLDER)
    await send_text(context.bot, chat_id, texts.PROFILE_ASK, reply_markup=markup)


def is_profile_reply(message: Message, bot_id: int) -> bool:
    """A reply to the bot's own profile question (private chats only ask it)."""
    asked = message.reply_to_message
    return (
        asked is not None
        and asked.from_user is not None
        and asked.from_user.id == bot_id
        and (asked.text or "").startswith(texts.PROFILE_ASK[:40])
    )


async def save_profile(context: ContextTypes.DEFAULT_TYPE, chat_id: int, user_id: int, text: str) -> None:
    rt = runtime(context)
    profile = parse_profile(text)
    binding = await rt.diagnosis_of(chat_id, user_id)
    if profile is None or rt.services.staff is None:
        await send_text(context.bot, chat_id, texts.PROFILE_SKIPPED)
        return
    saved = binding is not None and await rt.call(rt.services.staff.set_profile, binding.diagnosis_id, *profile)
    await send_text(context.bot, chat_id, texts.PROFILE_SAVED if saved else texts.PROFILE_GONE)
