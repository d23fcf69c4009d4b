"""Telegram's 👎 asks for an optional reason, and a diagnosis ends with the optional department
and sector; both reach the staff console.

Why: staff read why answers failed («Cita equivocada», «Muy larga»…) from every channel; in
Telegram the reasons are buttons that replace 👍/👎 after a 👎 (real bot against the fake Bot API).
Staff filter the diagnosis aggregates by region: the bot asks, the reply is saved, «omitir» skips.
"""

from __future__ import annotations

import time

import pytest
from fakes import running_bot

from bot.console.service import Period
from bot.services.channels import find_profile, parse_profile
from bot.telegram import texts

CHAT = 515151


@pytest.mark.asyncio
async def test_thumbs_down_offers_reasons_and_stores_the_one_chosen(fake, bot_settings, services, store):
    async with running_bot(bot_settings, services):
        fake.send_text(CHAT, "¿Qué es una iniciativa cluster?")
        await fake.wait_for(lambda: len(fake.bot_messages(CHAT)) >= 1, what="the answer")
        [answer] = fake.bot_messages(CHAT)
        fake.press(answer, fake.buttons(answer)["👎"])
        await fake.wait_for(
            lambda: "Cita equivocada" in fake.buttons(fake.messages[(CHAT, answer["message_id"])]),
            what="reason buttons",
        )
        assert store.feedback() == []  # nothing stored until a reason (or «Omitir») is chosen
        shown = fake.messages[(CHAT, answer["message_id"])]
        assert set(texts.FEEDBACK_REASONS.values()) <= set(fake.buttons(shown)) and "👎" not in fake.buttons(shown)
        fake.press(shown, fake.buttons(shown)["Cita equivocada"])
        await fake.wait_for(lambda: store.feedback(), what="the vote")
        [stored] = store.feedback()
        assert stored["rating"] == "down" and stored["reason"] == "cita_equivocada"
        await fake.wait_for(
            lambda: "Cita equivocada" not in fake.buttons(fake.messages[(CHAT, answer["message_id"])]),
            what="reason buttons removed",
        )


@pytest.mark.asyncio
async def test_the_department_and_sector_asked_after_a_diagnosis_reach_the_console(fake, bot_settings, services):
    async with running_bot(bot_settings, services):
        fake.send_text(CHAT, "/diagnostico")
        for n in range(1, 14):
            await fake.wait_for(
                lambda n=n: f"Pregunta {n} de 13" in (fake.bot_messages(CHAT) or [{}])[-1].get("text", ""),
                what=f"question {n}",
            )
            fake.send_text(CHAT, "no" if n <= 3 else "completo")  # typed answers
        ask = await fake.wait_for(
            lambda: next((m for m in fake.bot_messages(CHAT) if m.get("text") == texts.PROFILE_ASK), None),
            what="the profile question",
        )
        assert fake.delivered("sendDocument")  # asked after the report
        assert next(c for c in fake.delivered("sendMessage") if c.params["text"] == texts.PROFILE_ASK).params[
            "reply_markup"
        ]["force_reply"]
        fake.send_text(CHAT, "Nariño, café", reply_to=ask)
        await fake.wait_for(lambda: texts.PROFILE_SAVED in fake.sent_texts(CHAT), what="saved")
        fake.send_text(CHAT, "¿Qué es una iniciativa cluster?")  # not a reply: an ordinary question
        await fake.wait_for(lambda: "Fuente [1]" in fake.sent_texts(CHAT)[-1], what="the answer")
        fake.send_text(CHAT, "omitir", reply_to=ask)
        await fake.wait_for(lambda: texts.PROFILE_SKIPPED in fake.sent_texts(CHAT), what="skipped")
    now = time.time()
    summary = services.staff.diagnoses(Period(now - 3600, now + 1, "telegram"), department="Nariño", sector="café")
    assert summary["completed"] == 1
    assert [p["practica"] for p in summary["never"]] == [1, 2, 3]
    assert summary["profiles"] == {"departments": ["Nariño"], "sectors": ["café"]}  # «omitir» changed nothing


def test_a_profile_reply_is_read_as_department_and_sector() -> None:
    assert parse_profile("Nariño, café") == ("Nariño", "café")
    assert parse_profile("  Valle del Cauca ;  Agroindustria. ") == ("Valle del Cauca", "Agroindustria")
    assert parse_profile("Antioquia") == ("Antioquia", None)
    assert parse_profile("Omitir") is None and parse_profile("prefiero no decirlo") is None
    assert parse_profile("x" * 100 + ", y")[0] == "x" * 64
    assert find_profile("Departamento: Nariño, café") == ("Nariño", "café")  # WhatsApp's typed form
    assert find_profile("depto Huila") == ("Huila", None)
    assert find_profile("¿Qué hace el departamento de planeación?") is None
