"""Sending, editing and failing gracefully: the only code that writes to a chat.

Why this exists: every handler needs the same three things: send blocks as one or more HTML
messages (split under the 4096 limit, the keyboard on the last one), edit a message in place,
and never let an exception end a conversation in silence. ``guarded`` maps an ``AdvisorError``
to its Spanish message and anything else to a generic Spanish apology (logged, without the
token, see ``bot.logsafe``); the bot keeps running either way. ``addressed_text`` decides whether a
group message is meant for the bot.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import suppress
from typing import Any

from telegram import Bot, CallbackQuery, InlineKeyboardMarkup, Message, ReplyParameters, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.errors import AdvisorError

from . import texts
from .split import Block, pack

__all__ = ["addressed_text", "edit_blocks", "guarded", "replace_with_blocks", "send_blocks", "send_text"]

log = logging.getLogger(__name__)
Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


async def send_blocks(
    bot: Bot,
    chat_id: int,
    blocks: list[Block],
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
    reply_to: int | None = None,
) -> Message:
    """Send ``blocks`` as HTML messages; the keyboard goes on the last one. Returns the last."""
    messages = pack(blocks)
    last: Message | None = None
    for number, text in enumerate(messages):
        final = number == len(messages) - 1
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to and number == 0 else None
        last = await bot.send_message(
            chat_id, text, reply_markup=reply_markup if final else None, reply_parameters=reply
        )
    assert last is not None
    return last


async def send_text(bot: Bot, chat_id: int, text: str, **kwargs) -> Message:
    return await send_blocks(bot, chat_id, [Block(text)], **kwargs)


async def replace_with_blocks(
    edit: Callable[..., Awaitable[object]],
    bot: Bot,
    chat_id: int | None,
    blocks: list[Block],
    reply_markup: InlineKeyboardMarkup | None,
) -> None:
    """Put the first message of ``blocks`` in place through ``edit(text, reply_markup=…)``; any
    overflow goes in new messages to ``chat_id``, the keyboard always on the last message."""
    first, *rest = pack(blocks)
    try:
        await edit(first, reply_markup=None if rest else reply_markup)
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise
    if rest and chat_id is not None:
        await send_blocks(bot, chat_id, [Block(part) for part in rest], reply_markup=reply_markup)


async def edit_blocks(query: CallbackQuery, blocks: list[Block], reply_markup: InlineKeyboardMarkup | None) -> None:
    """Replace the text of the message a button belongs to (overflow goes in new messages)."""
    chat_id = query.message.chat.id if query.message is not None else None
    await replace_with_blocks(query.edit_message_text, query.get_bot(), chat_id, blocks, reply_markup)


def addressed_text(message: Message, bot: Bot) -> str | None:
    """The text meant for the bot, or ``None`` for a group message that neither mentions the bot
    nor replies to one of its messages."""
    text = message.text or ""
    if message.chat.type == ChatType.PRIVATE:
        return text
    reply = message.reply_to_message
    if reply is not None and reply.from_user is not None and reply.from_user.id == bot.id:
        return text
    mention = re.compile(rf"@{re.escape(bot.username)}\b", re.IGNORECASE)
    if mention.search(text):
        return mention.sub(" ", text).strip()
    return None


async def _notify(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    with suppress(TelegramError):
        if update.callback_query is not None:
            await update.callback_query.answer()
        chat = update.effective_chat
        if chat is not None:
            await send_text(context.bot, chat.id, text)


def guarded(handler: Handler) -> Handler:
    """Run a handler so that no exception escapes: the user always gets a Spanish reply."""

    @functools.wraps(handler)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await handler(update, context)
        except AdvisorError as error:
            log.info("advisor refused in %s: %s", handler.__name__, error.code)
            await _notify(update, context, error.message)
        except TelegramError as error:  # Telegram unreachable even after retries: nothing to reply on
            log.warning("telegram error in %s: %s", handler.__name__, error)
        except Exception:
            log.exception("handler %s failed", handler.__name__)
            await _notify(update, context, texts.GENERIC_ERROR)

    return wrapper
