"""The guided self-diagnosis in a chat: commands, buttons and typed answers.

Why this exists: the engine (``bot.diagnosis``) is a pure state machine reached through the
diagnosis service; this module only renders its states and outcomes and routes taps and text to
it (docs/architecture.md draws the conversation). The diagnosis id of each
user (per chat) is kept in the store through ``Runtime.bind_diagnosis``, so a restarted bot
continues at the same question. Buttons carry the diagnosis id and the question number, so a
stale tap (a double tap, an old message) never answers the wrong question: it only explains
itself. A user's updates are handled one at a time (``per_user``), so the check cannot race.
"""

from __future__ import annotations

import html
from contextlib import suppress

from telegram import InputFile, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.diagnosis import DiagnosisState
from bot.errors import NotFound

from . import render, texts
from .answers import answer_question, looks_like_question
from .profile import ask_profile
from .send import edit_blocks, guarded, send_blocks, send_text
from .split import Block
from .state import Runtime, per_user, runtime

__all__ = ["cmd_diagnosis", "cmd_restart", "on_button", "typed_answer"]


async def _active_state(rt: Runtime, chat_id: int, user_id: int) -> DiagnosisState | None:
    """The user's unfinished diagnosis, if any."""
    binding = await rt.diagnosis_of(chat_id, user_id)
    if binding is None or not binding.active:
        return None
    try:
        state = await rt.call(rt.services.diagnoses.state, binding.diagnosis_id)
    except NotFound:
        return None
    return None if state.finished else state


async def _show(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, state: DiagnosisState, prefix: str | None = None
) -> None:
    await send_blocks(
        context.bot, chat_id, render.question_blocks(state, prefix=prefix), reply_markup=render.question_keyboard(state)
    )


async def _finish(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, user_id: int, state: DiagnosisState, prefix: str | None = None
) -> None:
    """Result text, radar chart (photo), full report (PDF document), then the optional question of
    department and sector."""
    rt = runtime(context)
    await rt.bind_diagnosis(chat_id, user_id, state.id, active=False)
    assert state.result is not None
    blocks = ([Block(prefix)] if prefix else []) + render.result_blocks(state.result)
    await send_blocks(context.bot, chat_id, blocks)
    with suppress(TelegramError):
        await context.bot.send_chat_action(chat_id, ChatAction.UPLOAD_PHOTO)
    chart = await rt.call(rt.services.diagnoses.report, state.id, "png")
    await context.bot.send_photo(
        chat_id,
        photo=InputFile(chart, filename=texts.PHOTO_FILENAME),
        caption=html.escape(texts.PHOTO_CAPTION, quote=False),
    )
    report = await rt.call(rt.services.diagnoses.report, state.id, "pdf")
    await context.bot.send_document(
        chat_id,
        document=InputFile(report, filename=texts.DOCUMENT_FILENAME),
        caption=html.escape(texts.DOCUMENT_CAPTION, quote=False),
    )
    if chat_id > 0:  # a private chat (Telegram gives groups negative ids): the optional profile
        await ask_profile(context, chat_id)


async def _advance(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, user_id: int, state: DiagnosisState, prefix: str | None = None
) -> None:
    if state.finished:
        await _finish(context, chat_id, user_id, state, prefix)
    else:
        await _show(context, chat_id, state, prefix)


@guarded
@per_user
async def cmd_diagnosis(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/diagnostico: resume the unfinished diagnosis, or start a new one."""
    rt, chat_id, user_id = runtime(context), update.effective_chat.id, update.effective_user.id
    state = await _active_state(rt, chat_id, user_id)
    if state is not None:
        await _show(context, chat_id, state, prefix=texts.DIAGNOSIS_RESUME)
        return
    state = await rt.call(rt.services.diagnoses.start)
    await rt.bind_diagnosis(chat_id, user_id, state.id, active=True)
    await send_text(context.bot, chat_id, texts.DIAGNOSIS_INTRO)
    await _show(context, chat_id, state)


@guarded
@per_user
async def cmd_restart(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reiniciar: the current diagnosis back to question 1 (or a new one)."""
    rt, chat_id, user_id = runtime(context), update.effective_chat.id, update.effective_user.id
    state = await _active_state(rt, chat_id, user_id)
    if state is not None:
        state, prefix = await rt.call(rt.services.diagnoses.restart, state.id), texts.RESTARTED
    else:
        state, prefix = await rt.call(rt.services.diagnoses.start), texts.NO_DIAGNOSIS_TO_RESTART
    await rt.bind_diagnosis(chat_id, user_id, state.id, active=True)
    await _show(context, chat_id, state, prefix=prefix)


@guarded
@per_user
async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    action = render.parse_dx(query.data or "")
    if action is not None and action.op not in ("a0", "a1", "a2", "b", "s", "h", "c"):
        action = None
    rt, chat_id, user_id = runtime(context), query.message.chat.id, query.from_user.id
    binding = await rt.diagnosis_of(chat_id, user_id)
    if action is None or binding is None or binding.diagnosis_id != action.diagnosis_id:
        await query.answer(texts.DIAGNOSIS_NOT_YOURS, show_alert=True)
        return
    state = await rt.call(rt.services.diagnoses.state, action.diagnosis_id)
    if state.finished or not binding.active:
        await query.answer(texts.DIAGNOSIS_FINISHED_BUTTON, show_alert=True)
        return
    if state.question.index != action.index:  # a double tap or an old message: say so, change nothing
        await query.answer(texts.STALE_BUTTON, show_alert=True)
        return
    await _BUTTONS[action.op[0]](context, query, state, action)


async def _on_answer(context, query, state: DiagnosisState, action: render.DxAction) -> None:
    value = int(action.op[1])
    outcome = await runtime(context).call(
        runtime(context).services.diagnoses.answer, state.id, value, question=action.index, channel="telegram"
    )  # another worker may have moved on
    await query.answer()
    label = outcome.noted or next(o.label for o in state.question.options if o.value == value)
    await edit_blocks(query, render.answered_blocks(state, label), None)
    await _advance(context, query.message.chat.id, query.from_user.id, outcome.state)


async def _on_back(context, query, state: DiagnosisState, action: render.DxAction) -> None:
    if action.index == 1:
        await query.answer(texts.ALREADY_FIRST)
        return
    new = await runtime(context).call(runtime(context).services.diagnoses.back, state.id)
    await query.answer()
    await edit_blocks(query, render.question_blocks(new), render.question_keyboard(new))


async def _on_skip(context, query, state: DiagnosisState, action: render.DxAction) -> None:
    new = await runtime(context).call(runtime(context).services.diagnoses.skip, state.id, channel="telegram")
    await query.answer(texts.SKIPPED_NOTE)
    if new.finished:
        await edit_blocks(query, [*render.question_blocks(state), Block(texts.SKIPPED_NOTE)], None)
        await _finish(context, query.message.chat.id, query.from_user.id, new)
    else:
        await edit_blocks(query, render.question_blocks(new), render.question_keyboard(new))


async def _on_help(context, query, state: DiagnosisState, action: render.DxAction) -> None:
    await query.answer()
    await edit_blocks(
        query, render.question_blocks(state, with_help=True), render.question_keyboard(state, with_help_button=False)
    )


async def _on_continue(context, query, state: DiagnosisState, action: render.DxAction) -> None:
    """After a question asked mid-diagnosis: show the current question again."""
    await query.answer()
    await _show(context, query.message.chat.id, state)


_BUTTONS = {"a": _on_answer, "b": _on_back, "s": _on_skip, "h": _on_help, "c": _on_continue}


async def typed_answer(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    user_id: int,
    diagnosis_id: str,
    text: str,
    *,
    reply_to: int | None = None,
) -> bool:
    """Handle text typed while a diagnosis is active. False when the diagnosis is gone."""
    rt = runtime(context)
    try:
        outcome = await rt.call(rt.services.diagnoses.answer, diagnosis_id, text, channel="telegram")
    except NotFound:
        return False
    state = outcome.state
    if outcome.accepted:
        await _advance(context, chat_id, user_id, state, prefix=texts.NOTED.format(label=outcome.noted))
        return True
    if state.finished:
        await rt.bind_diagnosis(chat_id, user_id, diagnosis_id, active=False)
        return False
    if looks_like_question(text):
        await answer_question(context, chat_id, text, reply_to=reply_to)
        await send_text(context.bot, chat_id, texts.CONTINUE_OFFER, reply_markup=render.continue_keyboard(state))
    else:
        await _show(context, chat_id, state, prefix=texts.NOT_AN_ANSWER)
    return True
