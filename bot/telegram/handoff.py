"""``/start <code>``: continue here a self-diagnosis started in another channel (the web widget).

Why this exists: the widget's «Continuar en Telegram» opens ``t.me/<bot>?start=<code>``, and
Telegram sends the bot ``/start <code>``. The code is redeemed once through ``Services.channels``
(single-use, expiring, not the diagnosis id); the diagnosis is then bound to this user and shown at
the same question, or its result if it is already finished. A used or expired code gets a Spanish
explanation instead.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.services.channels import find_code

from . import render, texts
from .send import send_blocks, send_text
from .state import runtime

__all__ = ["continue_from_code", "start_code"]


def start_code(context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """The hand-off code of ``/start <code>``, if the argument is one."""
    args = getattr(context, "args", None) or []
    return find_code(args[0]) if len(args) == 1 else None


async def continue_from_code(update: Update, context: ContextTypes.DEFAULT_TYPE, code: str) -> None:
    rt, chat_id, user_id = runtime(context), update.effective_chat.id, update.effective_user.id
    diagnosis_id = await rt.call(rt.services.channels.redeem_handoff, code)
    if diagnosis_id is None:
        await send_text(context.bot, chat_id, texts.HANDOFF_BAD)
        return
    state = await rt.call(rt.services.diagnoses.state, diagnosis_id)
    await rt.bind_diagnosis(chat_id, user_id, diagnosis_id, active=not state.finished)
    if state.finished:
        assert state.result is not None
        await send_blocks(context.bot, chat_id, render.result_blocks(state.result))
        return
    await send_blocks(
        context.bot,
        chat_id,
        render.question_blocks(state, prefix=texts.HANDOFF_DONE),
        reply_markup=render.question_keyboard(state),
    )
