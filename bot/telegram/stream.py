"""Stream a generative answer into a chat: one message, edited at most once per ``EDIT_INTERVAL``.

Why this exists: with ``ASESOR_ANSWERER=llm`` an answer takes seconds to write, and Telegram has
no token stream; the usual way is to send a draft and edit it as text arrives. Telegram limits
edits (roughly one per second per chat), so the draft is edited at most every 1.5 s. When the
advisor's final, checked answer arrives, the draft becomes that answer, with its "Fuente" lines
and buttons; if the generated text failed the citation check, the draft is replaced by the
extractive answer, so the user never keeps an unchecked text. A failed edit of the draft is
never a reason to lose the answer: the preview is a nicety, the final message is not.
"""

from __future__ import annotations

import asyncio
import html
import math
from collections.abc import Callable
from contextlib import suppress
from typing import TYPE_CHECKING

from telegram import Bot, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.error import TelegramError

from bot.schemas import Answer

from .send import replace_with_blocks
from .split import Block

if TYPE_CHECKING:
    from bot.answer.stream import AnswerStream

__all__ = ["EDIT_INTERVAL", "finish_draft", "stream_to_chat"]

EDIT_INTERVAL = 1.5
_PREVIEW_LIMIT = 3500  # the draft shows the tail of a long text; the final answer is split properly
_WRITING = " …"


def _preview(text: str) -> str:
    text = text.strip()
    if len(text) > _PREVIEW_LIMIT:
        text = "…" + text[-_PREVIEW_LIMIT:]
    return html.escape(text, quote=False) + _WRITING


async def stream_to_chat(
    bot: Bot,
    chat_id: int,
    start: Callable[[], AnswerStream],
    *,
    reply_to: int | None = None,
    interval: float = EDIT_INTERVAL,
) -> tuple[Answer, Message | None]:
    """Run ``start()`` (the answer service's ``stream``) in a worker thread, showing its text in a
    draft message edited at most once per ``interval`` seconds. Returns (final answer, the draft or None)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | Answer | BaseException] = asyncio.Queue()

    def produce() -> None:
        try:
            stream = start()
            for piece in stream:
                loop.call_soon_threadsafe(queue.put_nowait, piece)
            loop.call_soon_threadsafe(queue.put_nowait, stream.answer)
        except BaseException as error:  # handed over to the event loop, raised there
            loop.call_soon_threadsafe(queue.put_nowait, error)

    worker = asyncio.ensure_future(asyncio.to_thread(produce))
    draft: Message | None = None
    text, shown, last_edit = "", "", -math.inf
    try:
        while True:
            item = await queue.get()
            if isinstance(item, BaseException):
                raise item
            if isinstance(item, Answer):
                return item, draft
            text += item
            if loop.time() - last_edit < interval or not text.strip() or text.strip() == shown:
                continue
            last_edit, shown = loop.time(), text.strip()
            with suppress(TelegramError):
                if draft is None:
                    reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
                    draft = await bot.send_message(chat_id, _preview(text), reply_parameters=reply)
                else:
                    await draft.edit_text(_preview(text))
    finally:
        await worker


async def finish_draft(
    bot: Bot, chat_id: int, draft: Message, blocks: list[Block], reply_markup: InlineKeyboardMarkup | None
) -> None:
    """Turn the draft into the final answer (overflow in new messages, the keyboard on the last)."""
    await replace_with_blocks(draft.edit_text, bot, chat_id, blocks, reply_markup)
