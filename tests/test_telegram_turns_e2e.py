"""Every kind of turn in Telegram, end to end: the real ``Application`` against the fake Bot API.

A greeting gets its friendly reply with the starter questions as buttons (no 👍/👎: there is no
booklet answer to rate); a self-diagnosis request gets the offer with «Comenzar el
autodiagnóstico», which starts the real diagnosis conversation; a long answer gets «Ver más»,
which asks «Explícame más» in the same chat and gets the rest; a partial answer says so.
"""

from __future__ import annotations

import pytest
from fakes import FakeTelegram, running_bot

from bot.telegram import texts

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]
CHAT = 717171
# A starter question whose short answer leaves sentences out (`more=True`): «Ver más» is offered.
LONG_QUESTION = "¿Qué es una iniciativa cluster?"
# A question the booklet answers only in part (bot/answer/short.py).
PARTIAL_QUESTION = "¿Cuánto dura una iniciativa cluster?"


async def replies(fake: FakeTelegram, before: int, n: int = 1) -> list[dict]:
    await fake.wait_for(lambda: len(fake.bot_messages(CHAT)) >= before + n, what=f"{n} message(s)")
    return fake.bot_messages(CHAT)[before:]


async def test_greeting_gets_a_friendly_reply_with_starter_buttons(fake, bot_settings, services):
    async with running_bot(bot_settings, services):
        fake.send_text(CHAT, "holaaa 👋")
        [reply] = await replies(fake, 0)
        assert reply["text"].startswith("¡Hola!") and "Lo siento" not in reply["text"]
        buttons = fake.buttons(reply)
        assert list(buttons) == services.answers.starters()
        assert "👍" not in buttons and "Fuente" not in reply["text"]

        fake.press(reply, buttons[services.answers.starters()[0]])
        [answer] = await replies(fake, 1)
        assert answer["text"].startswith(f"❓ {services.answers.starters()[0]}") and "📖 Fuente [1]:" in answer["text"]


async def test_diagnosis_offer_button_starts_the_diagnosis(fake, bot_settings, services):
    async with running_bot(bot_settings, services):
        fake.send_text(CHAT, "como hago el autodiagnostico")
        [offer] = await replies(fake, 0)
        assert "13 preguntas" in offer["text"] and offer["text"].endswith("¿Quiere comenzar?")
        assert list(fake.buttons(offer)) == [texts.BUTTON_DIAGNOSIS_START]

        fake.press(offer, fake.buttons(offer)[texts.BUTTON_DIAGNOSIS_START])
        intro, first = await replies(fake, 1, n=2)
        assert intro["text"] == texts.DIAGNOSIS_INTRO
        assert "Pregunta 1 de 13" in first["text"] and "No se ha ejecutado" in fake.buttons(first)
        assert fake.delivered("answerCallbackQuery")


async def test_ver_mas_asks_for_the_rest_in_the_same_chat(fake, bot_settings, services):
    async with running_bot(bot_settings, services):
        fake.send_text(CHAT, LONG_QUESTION)
        [answer] = await replies(fake, 0)
        buttons = fake.buttons(answer)
        assert texts.BUTTON_MORE in buttons and "👍" in buttons

        fake.press(answer, buttons[texts.BUTTON_MORE])
        [rest] = await replies(fake, 1)
        assert rest["text"].startswith(f"❓ {texts.MORE_QUESTION}")
        first_body = answer["text"].split("📖")[0].strip()
        rest_body = rest["text"].removeprefix(f"❓ {texts.MORE_QUESTION}").split("📖")[0].strip()
        assert rest_body and rest_body != first_body, "«Ver más» must continue, not repeat the answer"
        assert "📖 Fuente [1]:" in rest["text"]


async def test_partial_answer_is_shown_as_partial(fake, bot_settings, services):
    # The booklet covers what an initiative is but not how long one lasts: the composer's partial answer.
    assert services.answers.ask(PARTIAL_QUESTION).kind == "partial"
    async with running_bot(bot_settings, services):
        fake.send_text(CHAT, PARTIAL_QUESTION)
        [answer] = await replies(fake, 0)
        assert answer["text"].startswith(texts.PARTIAL_NOTE)
        assert "La cartilla no indica cuánto dura una iniciativa cluster" in answer["text"]
        assert "📖 Fuente [1]:" in answer["text"] and "👍" in fake.buttons(answer)
