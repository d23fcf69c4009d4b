"""Answer one question on WhatsApp: the text with «Fuente» lines, then 👍/👎 (and the sources).

Why this exists: a question arrives typed, as a tapped suggestion, or in the middle of the
self-diagnosis, and all three must show the same thing: the answer in the booklet's words with one
«Fuente [n]» line per citation, reply buttons 👍 / 👎 / «Ver fuente», and suggested questions as a
list when the question is out of scope. The conversation id is the pseudonymous key, so follow-up
questions work per user. ``looks_like_question`` is the chat channels' shared helper.
"""

from __future__ import annotations

from bot.channel_texts import looks_like_question

from . import render, texts
from .runtime import Chat

__all__ = ["answer_question", "looks_like_question", "send_source", "send_sources"]


async def answer_question(chat: Chat, question: str, *, echo: bool = False) -> None:
    answer = await chat.rt.call(chat.rt.services.answers.ask, question, conversation_id=chat.conversation)
    sources = [(c.n, c.section, pid) for c in answer.citations if (pid := render.source_id(answer, c.n))]
    feedback_key = await chat.remember_answer(answer.question, answer.answer, sources)
    messages = render.text_messages(render.answer_text(answer, echo_question=question if echo else None))
    if not answer.in_scope and answer.suggestions:
        keys = await chat.remember_offers(answer.suggestions)
        messages.append(render.offers_list(texts.SUGGESTIONS_BODY, answer.suggestions, keys))
    messages.append(render.feedback_buttons(feedback_key, with_sources=bool(sources)))
    await chat.send(*messages)


async def send_sources(chat: Chat, feedback_key: str) -> None:
    """«Ver fuente»: the passage itself for one citation, a list to choose from for several."""
    item = await chat.recalled_answer(feedback_key)
    sources = item.sources if item is not None else ()
    if not sources:
        await chat.send(*render.text_messages(texts.FEEDBACK_GONE))
    elif len(sources) == 1:
        await send_source(chat, sources[0][2])
    else:
        await chat.send(render.sources_list(list(sources)))


async def send_source(chat: Chat, passage_id: str) -> None:
    passage = await chat.rt.call(chat.rt.services.answers.passage, passage_id)
    await chat.send(*render.text_messages(f"*📖 {passage.section}*\n\n{passage.text}"))
