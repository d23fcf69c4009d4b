"""One small async handler per intent: commands, questions, buttons and what the bot can't read.

Why this exists: each handler is a few lines that read the update, call the advisor (in a
worker thread, through ``Runtime``) and hand rendering to ``render``/``send``; the wiring
(which update goes to which handler) lives in ``app``. Every handler is ``guarded``: an advisor
refusal becomes its Spanish message, anything else a Spanish apology, and the bot keeps running.

Decisions: in groups the bot answers only text that mentions it or replies to it, and keeps
quiet about stickers or photos there; edited messages get a short note in private chats
(answering again could contradict the first answer) and are ignored in groups and for live
locations, which Telegram delivers as edits.
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from . import render, texts
from .answers import answer_question
from .diagnosis import cmd_diagnosis, typed_answer
from .handoff import continue_from_code, start_code
from .profile import is_profile_reply, save_profile
from .send import addressed_text, guarded, send_blocks, send_text
from .split import Block
from .state import per_user, runtime

__all__ = [
    "cmd_help",
    "cmd_sources",
    "cmd_start",
    "on_edited",
    "on_feedback",
    "on_media",
    "on_offer",
    "on_source",
    "on_text",
    "on_turn_button",
]


def _is_group(update: Update) -> bool:
    return update.effective_chat.type != ChatType.PRIVATE


@guarded
async def cmd_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    code = start_code(context)
    if code is not None and not _is_group(update):  # t.me/<bot>?start=<code>: a hand-off from the web
        await continue_from_code(update, context, code)
        return
    rt, chat_id = runtime(context), update.effective_chat.id
    starters = rt.services.answers.starters()
    keys = await rt.remember_offers(starters)
    blocks = [Block(texts.WELCOME), Block(texts.WELCOME_DIAGNOSIS), Block(texts.PRIVACY)]
    if _is_group(update):
        blocks.append(Block(texts.HELP_GROUPS.format(username=context.bot.username)))
    blocks.append(Block(texts.STARTERS_TITLE))
    await send_blocks(context.bot, chat_id, blocks, reply_markup=render.offers_keyboard(starters, keys))


@guarded
async def cmd_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    blocks = [
        Block(texts.HELP_TITLE, "bold"),
        Block(texts.HELP_TIPS),
        Block(texts.HELP_COMMANDS_TITLE, "bold"),
        Block(texts.HELP_COMMANDS),
    ]
    blocks.append(Block(texts.HELP_GROUPS.format(username=context.bot.username)))
    await send_blocks(context.bot, update.effective_chat.id, blocks)


@guarded
async def cmd_sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    rt = runtime(context)
    sections = await rt.call(rt.services.answers.sections)
    await send_blocks(context.bot, update.effective_chat.id, render.sections_blocks(sections))


@guarded
@per_user
async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Plain text: the reply to the profile question, a typed answer while a diagnosis is active,
    otherwise a question."""
    message = update.effective_message
    assert message is not None  # registered for message updates only
    text = addressed_text(message, context.bot)
    if text is None:
        return
    rt, chat_id, user_id = runtime(context), message.chat.id, update.effective_user.id
    if not _is_group(update) and is_profile_reply(message, context.bot.id):
        await save_profile(context, chat_id, user_id, text)  # the department and sector after a diagnosis
        return
    reply_to = message.message_id if _is_group(update) else None
    binding = await rt.diagnosis_of(chat_id, user_id)
    if (
        binding is not None
        and binding.active
        and await typed_answer(context, chat_id, user_id, binding.diagnosis_id, text, reply_to=reply_to)
    ):
        return
    await answer_question(context, chat_id, text, reply_to=reply_to)


@guarded
async def on_source(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """'Ver fuente [n]': the whole booklet passage behind a citation."""
    query, rt = update.callback_query, runtime(context)
    passage = await rt.call(rt.services.answers.passage, query.data.removeprefix("src:"))
    await query.answer()
    await send_blocks(context.bot, query.message.chat.id, render.source_blocks(passage.section, passage.text))


@guarded
async def on_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """👍/👎: stored with the question and answer it rates; the vote buttons then disappear.
    A 👎 first offers its optional reasons (``fb:d.<reason>``); the vote is stored with the one chosen."""
    query, rt = update.callback_query, runtime(context)
    _, rating, key = query.data.split(":", 2)
    chat_id = query.message.chat.id
    item = await rt.recalled_answer(chat_id, key)
    reason = rating.removeprefix("d.") if rating.startswith("d.") else None
    if item is None or (rating not in ("up", "down") and reason not in texts.FEEDBACK_REASONS):
        await query.answer(texts.FEEDBACK_GONE)
        return
    if rating == "down":
        await query.answer(texts.FEEDBACK_WHY)
        await query.edit_message_reply_markup(render.reason_keyboard(query.message.reply_markup, key))
        return
    await rt.call(
        rt.services.answers.feedback,
        rating="up" if rating == "up" else "down",
        question=item.question,
        answer=item.answer,
        conversation_id=rt.keys.conversation(chat_id),
        reason=None if reason == "omitir" else reason,
    )
    await query.answer(texts.FEEDBACK_UP if rating == "up" else texts.FEEDBACK_DOWN)
    await query.edit_message_reply_markup(render.without_feedback(query.message.reply_markup))


@guarded
@per_user
async def on_offer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A starter or suggested question tapped: answer it as if typed."""
    query, rt = update.callback_query, runtime(context)
    question = await rt.offered(query.data.removeprefix("ask:"))
    await query.answer()
    if question is None:
        await send_text(context.bot, query.message.chat.id, texts.OFFER_GONE)
        return
    await answer_question(context, query.message.chat.id, question, echo=True)


@guarded
async def on_turn_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """«Comenzar el autodiagnóstico» starts it as /diagnostico would; «Ver más» asks «Explícame más»
    in the same conversation."""
    query = update.callback_query
    await query.answer()
    if query.data == render.DIAGNOSIS_START:
        await cmd_diagnosis(update, context)
    elif query.data == render.MORE:
        await _more(update, context)


@per_user
async def _more(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await answer_question(context, update.callback_query.message.chat.id, texts.MORE_QUESTION, echo=True)


@guarded
async def on_media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice, video, documents, locations…: a friendly note (private chats,
    or a reply to the bot in a group)."""
    message = update.effective_message
    reply = message.reply_to_message
    to_bot = reply is not None and reply.from_user is not None and reply.from_user.id == context.bot.id
    if _is_group(update) and not to_bot:
        return
    await send_text(
        context.bot, message.chat.id, texts.ONLY_TEXT, reply_to=message.message_id if _is_group(update) else None
    )


@guarded
async def on_edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.edited_message
    if message is None or message.text is None or _is_group(update):
        return
    await send_text(context.bot, message.chat.id, texts.EDITED_MESSAGE, reply_to=message.message_id)
