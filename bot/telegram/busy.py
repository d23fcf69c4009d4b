"""A question asked on Telegram while the advisor is overloaded: wait, retry once, then apologise.

Why this exists: the process's question lane (``bot.services.admission``) refuses work at once when the
expected wait passes its budget. A chat has no "try again" button, so the bot waits the
``Retry-After`` the lane gives, retries once, and if the advisor is still full it says so
politely instead of leaving the person with no answer or a stack trace.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from telegram import ReplyParameters

from bot.schemas import Answer
from bot.services.admission import Busy

from .state import Runtime

__all__ = ["BUSY_TEXT", "ask_patiently", "say_busy"]

BUSY_TEXT = (
    "Disculpe: en este momento estoy atendiendo muchas consultas y no alcancé a responder la suya. "
    "¿Me la envía de nuevo en un minuto, por favor?"
)


async def ask_patiently(
    rt: Runtime, question: str, *, conversation_id: str, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
) -> Answer | None:
    """The advisor's answer through the lane, retried once after ``Retry-After``; None if still full."""
    ask = rt.services.answers.ask
    if rt.lane is None:
        return await rt.call(ask, question, conversation_id=conversation_id, channel="telegram")
    try:
        return await rt.lane.run(ask, question, conversation_id=conversation_id, channel="telegram")
    except Busy as busy:
        await sleep(busy.retry_after)
    try:
        return await rt.lane.run(ask, question, conversation_id=conversation_id, channel="telegram")
    except Busy:
        return None


async def say_busy(bot, chat_id: int, *, reply_to: int | None = None) -> None:
    reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
    await bot.send_message(chat_id, BUSY_TEXT, reply_parameters=reply)
