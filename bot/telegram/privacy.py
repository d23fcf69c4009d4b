"""``/borrar``: a Telegram user deletes their own data, after confirming with a button.

Why this exists: Colombia's Ley 1581 de 2012 gives people the right to have their data deleted.
The store only knows keyed hashes of chat and user ids (``state.Keys``), so the bot derives the
same keys from the update and asks the advisor to forget them: in a private chat the
conversation, its feedback, the recent answers and the diagnosis; in a group only the person's
own diagnosis (the group's conversation belongs to everyone in it). Whoever presses the button
deletes *their own* data, so another member of a group cannot delete someone else's.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from . import texts
from .send import guarded, send_text
from .state import runtime

__all__ = ["cmd_delete", "on_delete_button", "DELETE_PATTERN"]

DELETE_PATTERN = r"^del:(yes|no)$"


def _keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(texts.BUTTON_DELETE_YES, callback_data="del:yes"),
                InlineKeyboardButton(texts.BUTTON_DELETE_NO, callback_data="del:no"),
            ]
        ]
    )


@guarded
async def cmd_delete(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    text = texts.DELETE_CONFIRM if chat.type == ChatType.PRIVATE else texts.DELETE_CONFIRM_GROUP
    await send_text(context.bot, chat.id, text, reply_markup=_keyboard())


@guarded
async def on_delete_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, rt = update.callback_query, runtime(context)
    chat_id, user_id = query.message.chat.id, query.from_user.id
    await query.answer()
    await query.edit_message_reply_markup(None)  # a second tap finds no button
    if query.data == "del:no":
        await send_text(context.bot, chat_id, texts.DELETE_CANCELLED)
        return
    keys = [rt.keys.user(chat_id, user_id)]
    conversation = None
    if query.message.chat.type == ChatType.PRIVATE:
        keys.append(rt.keys.chat(chat_id))
        conversation = rt.keys.conversation(chat_id)
    removed = await rt.call(rt.services.personal_data.forget, keys, conversation_id=conversation)
    await send_text(context.bot, chat_id, texts.DELETE_DONE if removed else texts.DELETE_NOTHING)
