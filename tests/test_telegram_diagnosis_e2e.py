"""The guided self-diagnosis over Telegram, end to end against the fake Bot API.

A whole diagnosis with buttons (help, back, skip, a stale double tap), typed answers, a question
asked half-way with the offer to continue, and the final result with the radar chart (photo)
and the PDF report (document); then a bot restart in the middle of a diagnosis, which must
continue at the same question because the diagnosis id lives in the store.
"""

from __future__ import annotations

import copy

import pytest
from fakes import BOT_USER, FakeTelegram, running_bot

from bot.compose import build_services
from bot.telegram import texts

pytestmark = pytest.mark.asyncio
CHAT = 515151
GROUP = -100222333
NO, PARTIAL, FULL = "No se ha ejecutado", "Se ha ejecutado en forma parcial", "Se ha ejecutado en forma completa"


async def question(fake: FakeTelegram, n: int, chat_id: int = CHAT, *, newer_than: dict | None = None) -> dict:
    """Wait until the bot's latest message in the chat is question ``n`` with its buttons (and,
    with ``newer_than``, was sent after that message)."""
    floor = newer_than["message_id"] if newer_than else 0

    def current():
        messages = fake.bot_messages(chat_id)
        last = messages[-1] if messages else {}
        shown = f"Pregunta {n} de 13" in last.get("text", "") and fake.buttons(last)
        return last if shown and last["message_id"] > floor else None

    return await fake.wait_for(current, what=f"question {n}")


def tap(fake: FakeTelegram, message: dict, label: str, **kwargs) -> None:
    fake.press(message, fake.buttons(message)[label], **kwargs)


def transcript(fake: FakeTelegram) -> str:
    """The conversation as the fake server saw it, one line per call (polling left out)."""
    lines = []
    for call in fake.calls:
        if call.method in ("getUpdates", "getMe", "deleteWebhook", "sendChatAction"):
            continue
        text = call.params.get("text") or call.params.get("caption") or ""
        extra = " ".join(f"[{name}: {upload.filename}, {len(upload.data)} B]" for name, upload in call.files.items())
        buttons = [b["text"] for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
        lines.append(f"{call.status} {call.method}: {text[:90]!r} {extra} {buttons if buttons else ''}".rstrip())
    return "\n".join(lines)


async def test_a_whole_diagnosis_in_a_chat(fake, bot_settings, services):
    async with running_bot(bot_settings, services):
        fake.send_text(CHAT, "/diagnostico")
        q1 = await question(fake, 1)
        assert fake.bot_messages(CHAT)[0]["text"] == texts.DIAGNOSIS_INTRO
        assert list(fake.buttons(q1)) == [NO, PARTIAL, FULL, texts.BUTTON_SKIP, texts.BUTTON_HELP]

        tap(fake, q1, texts.BUTTON_HELP)  # "¿Qué significa?" expands the same message
        await fake.wait_for(lambda: "La cartilla lo dice así" in fake.messages[(CHAT, q1["message_id"])]["text"])
        q1 = fake.messages[(CHAT, q1["message_id"])]
        assert texts.BUTTON_HELP not in fake.buttons(q1)
        first_q1 = copy.deepcopy(q1)

        tap(fake, q1, FULL)
        q2 = await question(fake, 2)
        assert f"Su respuesta: {FULL}" in fake.messages[(CHAT, q1["message_id"])]["text"]
        assert not fake.buttons(fake.messages[(CHAT, q1["message_id"])])

        tap(fake, q2, texts.BUTTON_BACK)  # back: the same message becomes question 1 again
        await fake.wait_for(lambda: "Pregunta 1 de 13" in fake.messages[(CHAT, q2["message_id"])]["text"])
        tap(fake, fake.messages[(CHAT, q2["message_id"])], PARTIAL)
        q2 = await question(fake, 2)

        tap(fake, first_q1, FULL)  # a stale tap only explains itself and records nothing
        await fake.wait_for(
            lambda: texts.STALE_BUTTON in [c.params.get("text") for c in fake.delivered("answerCallbackQuery")]
        )
        assert (
            services.diagnoses.state(
                first_q1["reply_markup"]["inline_keyboard"][0][0]["callback_data"].split(":")[3]
            ).answered
            == 1
        )

        fake.send_text(CHAT, "parcial")  # typed answer
        q3 = await question(fake, 3)
        assert q3["text"].startswith(texts.NOTED.format(label=PARTIAL))

        fake.send_text(CHAT, "¿Qué es la gobernanza?")  # a question mid-diagnosis
        offer = await fake.wait_for(
            lambda: next((m for m in fake.bot_messages(CHAT) if m["text"] == texts.CONTINUE_OFFER), None)
        )
        assert "Fuente [1]" in fake.bot_messages(CHAT)[-2]["text"]
        tap(fake, offer, texts.BUTTON_CONTINUE)
        q3 = await question(fake, 3, newer_than=offer)

        fake.send_text(CHAT, "mmm")  # neither an answer nor a question
        q3 = await question(fake, 3, newer_than=q3)
        assert q3["text"].startswith(texts.NOT_AN_ANSWER)

        fake.send_text(CHAT, "sí, completo")
        q4 = await question(fake, 4)
        tap(fake, q4, texts.BUTTON_SKIP)  # skip: offered again at the end
        await fake.wait_for(lambda: "Pregunta 5 de 13" in fake.messages[(CHAT, q4["message_id"])]["text"])
        current = fake.messages[(CHAT, q4["message_id"])]
        for n, label in zip(range(5, 14), [FULL, PARTIAL, NO, FULL, PARTIAL, PARTIAL, FULL, NO, PARTIAL]):
            current = await question(fake, n) if n > 5 else current
            tap(fake, current, label)
        q4 = copy.deepcopy(await question(fake, 4))  # the skipped one comes back
        tap(fake, q4, NO)

        await fake.wait_for(lambda: fake.delivered("sendDocument"), what="the PDF report")
        result = next(m for m in fake.bot_messages(CHAT) if m["text"].startswith(texts.FINISHED_TITLE))
        for fragment in ("Nivel de madurez:", "Puntaje por área", "Recomendaciones prioritarias", "📖 Fuente:"):
            assert fragment in result["text"]
        [photo] = fake.delivered("sendPhoto")
        assert photo.files["photo"].data.startswith(b"\x89PNG") and photo.params["caption"] == texts.PHOTO_CAPTION
        [document] = fake.delivered("sendDocument")
        assert document.files["document"].filename == texts.DOCUMENT_FILENAME
        assert document.files["document"].data.startswith(b"%PDF")
        assert fake.calls.index(photo) < fake.calls.index(document)

        tap(fake, q4, FULL)  # buttons of a finished diagnosis only explain themselves
        await fake.wait_for(
            lambda: (
                texts.DIAGNOSIS_FINISHED_BUTTON in [c.params.get("text") for c in fake.delivered("answerCallbackQuery")]
            )
        )
        assert [c for c in fake.calls if c.status != 200] == []
    print("\n--- transcript ---\n" + transcript(fake))


async def test_restart_mid_diagnosis_continues_at_the_same_question(fake, bot_settings, shared_embedder, services):
    async with running_bot(bot_settings, services):
        fake.send_text(CHAT, "/diagnostico")
        current = await question(fake, 1)
        for n in range(1, 5):
            current = await question(fake, n)
            tap(fake, current, PARTIAL)
        q5 = await question(fake, 5)

    restarted = build_services(bot_settings, embedder=shared_embedder)  # as a new process would
    async with running_bot(bot_settings, restarted):
        tap(fake, q5, FULL)  # a button sent before the restart still works
        q6 = await question(fake, 6)
        fake.send_text(CHAT, "/diagnostico")
        resumed = await question(fake, 6, newer_than=q6)
        assert resumed["text"].startswith(texts.DIAGNOSIS_RESUME)
        diagnosis_id = fake.buttons(resumed)[NO].split(":")[3]
        assert restarted.diagnoses.state(diagnosis_id).answered == 5

        fake.send_text(CHAT, "/reiniciar")
        again = await question(fake, 1)
        assert again["text"].startswith(texts.RESTARTED)
        assert fake.buttons(again)[NO].split(":")[3] == diagnosis_id
        assert restarted.diagnoses.state(diagnosis_id).answered == 0


async def test_in_a_group_each_person_has_their_own_diagnosis(fake, bot_settings, services):
    ana = {"id": 2001, "is_bot": False, "first_name": "Ana"}
    luis = {"id": 2002, "is_bot": False, "first_name": "Luis"}
    async with running_bot(bot_settings, services):
        fake.send_text(GROUP, f"/diagnostico@{BOT_USER['username']}", user=ana, chat_type="group")
        q1 = await question(fake, 1, GROUP)
        tap(fake, q1, FULL, user=luis)
        await fake.wait_for(
            lambda: texts.DIAGNOSIS_NOT_YOURS in [c.params.get("text") for c in fake.delivered("answerCallbackQuery")]
        )
        tap(fake, q1, FULL, user=ana)
        await question(fake, 2, GROUP)
        fake.send_text(GROUP, "parcial", user=ana, chat_type="group", reply_to=fake.bot_messages(GROUP)[-1])
        await question(fake, 3, GROUP)


async def test_a_double_tap_answers_only_once(fake, bot_settings, services):
    async with running_bot(bot_settings, services):
        fake.send_text(CHAT, "/diagnostico")
        q1 = copy.deepcopy(await question(fake, 1))
        fake.press(q1, fake.buttons(q1)[FULL])
        fake.press(q1, fake.buttons(q1)[FULL])  # same batch of updates: processed concurrently
        await question(fake, 2)
        await fake.wait_idle()
        diagnosis_id = fake.buttons(q1)[FULL].split(":")[3]
        state = services.diagnoses.state(diagnosis_id)
        assert state.answered == 1 and state.question.index == 2
        assert len(fake.delivered("editMessageText")) == 1 and len(fake.sent_texts(CHAT)) == 3
        assert texts.STALE_BUTTON in [c.params.get("text") for c in fake.delivered("answerCallbackQuery")]
