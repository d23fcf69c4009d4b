"""The guided self-diagnosis on WhatsApp: reply buttons, a list for the rest, typed answers, the report.

Why this exists: the engine is pure and reached through ``Services.diagnoses`` (every write
compare-and-set); this module renders it for
WhatsApp (three answers as reply buttons, «Atrás / Saltar / ¿Qué significa?» as a list) and routes
taps and text to it, the way ``bot.telegram.diagnosis`` does for Telegram. The user's diagnosis id
lives in their binding in the store, so a restart, another worker or a hand-off from the web
continues at the same question. Choice ids carry the diagnosis id and question number: a stale tap
(an old message, a retried delivery) never answers the wrong question.
"""

from __future__ import annotations

from bot.diagnosis import DiagnosisState
from bot.errors import NotFound

from . import render, texts
from .answers import answer_question, looks_like_question
from .runtime import Chat

__all__ = ["active_state", "finish", "on_choice", "resume", "save_profile", "show", "start", "typed_answer"]


async def active_state(chat: Chat) -> DiagnosisState | None:
    binding = await chat.diagnosis()
    if binding is None or not binding.active:
        return None
    try:
        state = await chat.rt.call(chat.rt.services.diagnoses.state, binding.diagnosis_id)
    except NotFound:
        return None
    return None if state.finished else state


async def show(chat: Chat, state: DiagnosisState, *, prefix: str | None = None, with_help: bool = False) -> None:
    await chat.send(*render.question_messages(state, prefix=prefix, with_help=with_help))


async def finish(chat: Chat, state: DiagnosisState, *, prefix: str | None = None) -> None:
    """Result text, the radar chart as an image, the PDF report as a document, then the optional
    question of department and sector."""
    await chat.bind_diagnosis(state.id, active=False)
    assert state.result is not None
    text = render.result_text(state.result)
    await chat.send(*render.text_messages(f"{prefix}\n\n{text}" if prefix else text))
    diagnoses = chat.rt.services.diagnoses
    chart = await chat.rt.call(diagnoses.report, state.id, "png")
    image = await chat.upload(chart, "image/png", texts.PHOTO_FILENAME)
    await chat.send({"type": "image", "image": {"id": image, "caption": texts.PHOTO_CAPTION}})
    report = await chat.rt.call(diagnoses.report, state.id, "pdf")
    document = await chat.upload(report, "application/pdf", texts.DOCUMENT_FILENAME)
    await chat.send(
        {
            "type": "document",
            "document": {"id": document, "filename": texts.DOCUMENT_FILENAME, "caption": texts.DOCUMENT_CAPTION},
        }
    )
    if chat.rt.services.staff is not None:  # the optional department and sector, for the staff console
        await chat.send(*render.text_messages(texts.PROFILE_ASK))


async def save_profile(chat: Chat, profile: tuple[str | None, str | None]) -> None:
    """«Departamento: Nariño, café» after a finished diagnosis: kept with its anonymous outcome."""
    binding = await chat.diagnosis()
    staff = chat.rt.services.staff
    saved = (
        binding is not None
        and not binding.active
        and staff is not None
        and await chat.rt.call(staff.set_profile, binding.diagnosis_id, *profile)
    )
    await chat.send(*render.text_messages(texts.PROFILE_SAVED if saved else texts.PROFILE_GONE))


async def advance(chat: Chat, state: DiagnosisState, *, prefix: str | None = None) -> None:
    if state.finished:
        await finish(chat, state, prefix=prefix)
    else:
        await show(chat, state, prefix=prefix)


async def start(chat: Chat) -> None:
    """«diagnóstico»: resume the unfinished one, or start a new one."""
    state = await active_state(chat)
    if state is not None:
        await show(chat, state, prefix=texts.DIAGNOSIS_RESUME)
        return
    state = await chat.rt.call(chat.rt.services.diagnoses.start)
    await chat.bind_diagnosis(state.id, active=True)
    await show(chat, state, prefix=texts.DIAGNOSIS_INTRO)


async def restart(chat: Chat) -> None:
    state = await active_state(chat)
    if state is None:
        await start(chat)
        return
    state = await chat.rt.call(chat.rt.services.diagnoses.restart, state.id)
    await show(chat, state, prefix=texts.RESTARTED)


async def resume(chat: Chat, diagnosis_id: str, *, prefix: str) -> None:
    """Continue ``diagnosis_id`` here (a hand-off): bind it and show where it stands."""
    state = await chat.rt.call(chat.rt.services.diagnoses.state, diagnosis_id)
    await chat.bind_diagnosis(diagnosis_id, active=not state.finished)
    if state.finished:
        await finish(chat, state, prefix=texts.HANDOFF_FINISHED)
    else:
        await show(chat, state, prefix=prefix)


async def on_choice(chat: Chat, choice: render.DxChoice) -> None:
    state = await active_state(chat)
    if state is None or state.id != choice.diagnosis_id:
        await chat.send(*render.text_messages(texts.STALE_CHOICE if state else texts.WELCOME_DIAGNOSIS))
        if state is not None:
            await show(chat, state)
        return
    if state.question is None or state.question.index != choice.index:  # an old message: change nothing
        await show(chat, state, prefix=texts.STALE_CHOICE)
        return
    diagnoses, op = chat.rt.services.diagnoses, choice.op
    if op.startswith("a"):
        value = int(op[1])
        outcome = await chat.rt.call(
            diagnoses.answer, state.id, value, question=choice.index, channel="whatsapp"
        )  # another worker may have moved on
        if not outcome.accepted:  # another window answered this question first: show where it stands
            await advance(chat, outcome.state, prefix=outcome.message)
            return
        label = outcome.noted or next(o.label for o in state.question.options if o.value == value)
        await advance(chat, outcome.state, prefix=texts.NOTED.format(label=label))
    elif op == "b":
        if choice.index == 1:
            await show(chat, state, prefix=texts.ALREADY_FIRST)
            return
        await show(chat, await chat.rt.call(diagnoses.back, state.id))
    elif op == "s":
        await advance(chat, await chat.rt.call(diagnoses.skip, state.id, channel="whatsapp"), prefix=texts.SKIPPED_NOTE)
    elif op == "h":
        await show(chat, state, with_help=True)
    else:  # "c": after a question asked mid-diagnosis
        await show(chat, state)


async def typed_answer(chat: Chat, diagnosis_id: str, text: str) -> bool:
    """Text typed while a diagnosis is active. False when the diagnosis is gone or finished."""
    try:
        outcome = await chat.rt.call(chat.rt.services.diagnoses.answer, diagnosis_id, text, channel="whatsapp")
    except NotFound:
        return False
    state = outcome.state
    if outcome.accepted:
        await advance(chat, state, prefix=texts.NOTED.format(label=outcome.noted))
        return True
    if state.finished:
        await chat.bind_diagnosis(diagnosis_id, active=False)
        return False
    if looks_like_question(text):
        await answer_question(chat, text)
        await chat.send(render.continue_buttons(state))
    else:
        await show(chat, state, prefix=texts.NOT_AN_ANSWER)
    return True
