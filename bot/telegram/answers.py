"""Answer one question in a chat: ask the advisor, then send the answer with its buttons.

Why this exists: a question reaches the bot three ways (typed text, a suggested-question
button, a question typed in the middle of the self-diagnosis) and all three must show the same
thing: the answer in the booklet's words, one "Fuente" line per citation, "Ver fuente [n]"
buttons, suggestions as buttons when the question is out of scope (the starters after small
talk), «Ver más» under a shortened answer, «Comenzar el autodiagnóstico» under the offer, and 👍/👎. The conversation
id is the pseudonymous chat key, so follow-up questions work per chat. With the generative
answerer the text is first written into a draft message (``stream``) that becomes the answer.
"""

from __future__ import annotations

from contextlib import suppress

from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.channel_texts import looks_like_question
from bot.schemas import Answer

from . import render
from .busy import ask_patiently, say_busy
from .send import send_blocks
from .state import runtime
from .stream import finish_draft, stream_to_chat

__all__ = ["answer_question", "looks_like_question"]


async def answer_question(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, question: str, *, reply_to: int | None = None, echo: bool = False
) -> None:
    rt = runtime(context)
    with suppress(TelegramError):  # the typing indicator is a nicety, never a reason to fail
        await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
    conversation = rt.keys.conversation(chat_id)
    draft = None
    answer: Answer | None
    answers = rt.services.answers
    if answers.streams_drafts:  # a generative answer streams into a draft message (stream.py)
        answer, draft = await stream_to_chat(
            context.bot,
            chat_id,
            lambda: answers.stream(question, conversation_id=conversation, channel="telegram"),
            reply_to=reply_to,
        )
    else:  # perf (issue 19): through the bounded lane, retried once after Retry-After (busy.py)
        answer = await ask_patiently(rt, question, conversation_id=conversation)
        if answer is None:
            await say_busy(context.bot, chat_id, reply_to=reply_to)
            return
    feedback_key = await rt.remember_answer(chat_id, answer.question, answer.answer)
    offer_keys = await rt.remember_offers(answer.suggestions) if render.offers_suggestions(answer) else []
    blocks = render.answer_blocks(answer, echo_question=question if echo else None)
    keyboard = render.answer_keyboard(answer, feedback_key=feedback_key, offer_keys=offer_keys)
    if draft is not None:
        await finish_draft(context.bot, chat_id, draft, blocks, keyboard)
    else:
        await send_blocks(context.bot, chat_id, blocks, reply_markup=keyboard, reply_to=reply_to)
